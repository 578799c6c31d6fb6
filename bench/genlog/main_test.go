package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/postfixlog"
)

func generate(t *testing.T, args ...string) []byte {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("genlog %v: %v (%s)", args, err, errOut.String())
	}
	return out.Bytes()
}

func TestDeterministic(t *testing.T) {
	a := generate(t, "-n", "20000", "-seed", "7")
	b := generate(t, "-n", "20000", "-seed", "7")
	if !bytes.Equal(a, b) {
		t.Fatal("two runs with the same seed differ")
	}
	c := generate(t, "-n", "20000", "-seed", "8")
	if bytes.Equal(a, c) {
		t.Fatal("different seeds give the same log")
	}
	if n := bytes.Count(a, []byte("\n")); n != 20000 {
		t.Fatalf("%d lines, want 20000", n)
	}
}

func TestOutputFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "log")
	generate(t, "-n", "500", "-o", name)
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, generate(t, "-n", "500")) {
		t.Fatal("-o wrote something else than standard output gets")
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-ips", "5"}, {"-ips", "0"}, {"-n", "-1"}, {"-start", "yesterday"}, {"extra"}} {
		var out, errOut bytes.Buffer
		if err := run(args, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestParsesAndCounts parses a generated log with logwatch: every line is
// understood (only opendkim's lines are not Postfix), timestamps never go
// back, queue ids are valid, and the delivery records agree with a plain
// count of "status=…" lines (which is what pflogsumm counts).
func TestParsesAndCounts(t *testing.T) {
	for _, args := range [][]string{{"-n", "200000"}, {"-n", "30000", "-ips", "4", "-long-queue-ids", "-seed", "3"}, {"-n", "30000", "-ips", "1"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			log := generate(t, args...)
			start := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
			p := postfixlog.NewParser(start.Add(48*time.Hour), time.UTC)
			var r postfixlog.Record
			var last time.Time
			status := map[string]int{}
			grep := map[string]int{}
			kinds := map[postfixlog.Kind]int{}
			stages := map[postfixlog.Stage]int{}
			sc := bufio.NewScanner(bytes.NewReader(log))
			for sc.Scan() {
				line := sc.Text()
				err := p.Parse(line, &r)
				switch {
				case errors.Is(err, postfixlog.ErrNotPostfix):
					if !strings.Contains(line, " opendkim[") {
						t.Fatalf("not a Postfix line: %s", line)
					}
					continue
				case err != nil:
					t.Fatalf("%v: %s", err, line)
				}
				if r.Kind == postfixlog.KindUnknown {
					t.Fatalf("not understood: %s", line)
				}
				if r.Time.Before(last) {
					t.Fatalf("time goes back: %s", line)
				}
				last = r.Time
				if r.QueueID != "" && r.QueueID != "NOQUEUE" && !postfixlog.ValidQueueID(r.QueueID) {
					t.Fatalf("bad queue id %q: %s", r.QueueID, line)
				}
				kinds[r.Kind]++
				if r.Kind == postfixlog.KindDelivery {
					status[r.Status]++
					stages[r.Stage]++
				}
				for _, s := range []string{"sent", "deferred", "bounced"} {
					if strings.Contains(line, ", status="+s+" ") {
						grep[s]++
					}
				}
			}
			for _, s := range []string{"sent", "deferred", "bounced"} {
				if status[s] != grep[s] || grep[s] == 0 {
					t.Errorf("status=%s: %d delivery records, %d lines", s, status[s], grep[s])
				}
			}
			if kinds[postfixlog.KindReject] == 0 || kinds[postfixlog.KindNotification] == 0 || kinds[postfixlog.KindWarning] == 0 {
				t.Errorf("missing kinds: %v", kinds)
			}
			for _, st := range []postfixlog.Stage{postfixlog.StageSaid, postfixlog.StageGreeting, postfixlog.StageConnect, postfixlog.StageLost} {
				if stages[st] == 0 {
					t.Errorf("no delivery with stage %d: %v", st, stages)
				}
			}
			if span := last.Sub(start); span < 2*time.Hour {
				t.Errorf("log spans only %v", span)
			}
			t.Logf("kinds %v; status %v; last %v", kinds, status, last)
		})
	}
}

// TestProportions checks the mix of a full-size log looks like a busy
// relay: ~15 % sent, ~1 % deferred, ~1 % bounced, over about a day.
func TestProportions(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	log := generate(t, "-n", "1000000")
	count := func(s string) float64 { return float64(bytes.Count(log, []byte(s))) / 1e6 }
	check := func(name string, got, lo, hi float64) {
		if got < lo || got > hi {
			t.Errorf("%s: %.4f of the lines, want %.3f…%.3f", name, got, lo, hi)
		}
	}
	check("sent", count(", status=sent "), 0.12, 0.18)
	check("deferred", count(", status=deferred "), 0.005, 0.025)
	check("bounced", count(", status=bounced "), 0.005, 0.02)
	check("delivery temporarily suspended", count("delivery temporarily suspended: "), 0.0005, 0.01)
	check("refused to talk to me", count("refused to talk to me: "), 0.0002, 0.02)
	check("NOQUEUE reject", count("NOQUEUE: reject: "), 0.001, 0.02)
	lastLine := log[bytes.LastIndexByte(log[:len(log)-1], '\n')+1:]
	stamp, err := time.Parse(time.Stamp, string(lastLine[:15]))
	if err != nil {
		t.Fatal(err)
	}
	if h := stamp.Sub(time.Date(0, 11, 22, 0, 0, 0, 0, time.UTC)).Hours(); h < 16 || h > 32 {
		t.Errorf("the log spans %.1f hours, want about a day", h)
	}
}

// TestPflogsumm runs Debian's pflogsumm (when installed) on a generated
// log: its delivered, deferrals and bounced totals must equal the numbers
// of status=sent, status=deferred and status=bounced lines.
func TestPflogsumm(t *testing.T) {
	pfl, err := exec.LookPath("pflogsumm")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/pflogsumm"); err != nil {
			testenv.Missing(t, "pflogsumm is not installed (apt-get install pflogsumm; see .ci/setup)")
		}
		pfl = "/usr/sbin/pflogsumm"
	}
	log := generate(t, "-n", "60000", "-seed", "5")
	name := filepath.Join(t.TempDir(), "maillog")
	if err := os.WriteFile(name, log, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pfl, "--problems-first", name).Output()
	if err != nil {
		t.Fatalf("pflogsumm: %v", err)
	}
	total := func(re string) int {
		m := regexp.MustCompile(re).FindSubmatch(out)
		if m == nil {
			t.Fatalf("pflogsumm output lacks %s:\n%s", re, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	lines := func(s string) int { return bytes.Count(log, []byte(", status="+s+" ")) }
	if got, want := total(`(?m)^\s*(\d+)\s+delivered`), lines("sent"); got != want {
		t.Errorf("pflogsumm delivered %d, status=sent lines %d", got, want)
	}
	if got, want := total(`\((\d+)\s+deferrals\)`), lines("deferred"); got != want {
		t.Errorf("pflogsumm deferrals %d, status=deferred lines %d", got, want)
	}
	if got, want := total(`(?m)^\s*(\d+)\s+bounced`), lines("bounced"); got != want {
		t.Errorf("pflogsumm bounced %d, status=bounced lines %d", got, want)
	}
}

// TestRepliesErrors: a -replies file the dense log cannot be drawn from is
// an error that names it, and the line for one too long to read.
func TestRepliesErrors(t *testing.T) {
	dir := t.TempDir()
	header := "provider\tcode\ttext\tsource\n"
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"empty.tsv", "", []string{"no reply in", "empty.tsv", "provider<TAB>code<TAB>text"}},
		{"header.tsv", header, []string{"no reply in", "header.tsv"}},
		{"texts.tsv", "550 5.7.1 blocked using zen.spamhaus.org\n", []string{"no reply in", "texts.tsv", "provider<TAB>code<TAB>text"}},
		{"long.tsv", header + "a\t550\t550 ok\tsrc\nb\t550\t550 " + strings.Repeat("x", maxReplyLine) + "\tsrc\n", []string{"long.tsv:3:", "longer than"}},
		{"missing.tsv", "-", []string{"missing.tsv", "no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if tc.body != "-" {
				if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var out, errOut bytes.Buffer
			err := run([]string{"-n", "100", "-replies", path, "-fail", "0.13"}, &out, &errOut)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestRepliesOddText: replies in other scripts, after a header with a byte
// order mark (a spreadsheet's export), with CRLF line ends, tabs
// beyond the text, control characters, bytes that are not UTF-8 and texts
// of tens of kilobytes make one log line each, their code in front.
func TestRepliesOddText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd.tsv")
	long := "554 5.7.1 blocked using zen.spamhaus.org " + strings.Repeat("長い", 10000)
	body := "\ufeffprovider\tcode\ttext\tsource\r\n" +
		"qq\t550\t您的邮件被拒绝，IP 在黑名单中\tsrc\r\n" +
		"odd\t554\t554 \x1b[31mblocked\x1b[0m \xff\xfe by\vodd list\textra\ttabs\r\n" +
		"long\t554\t" + long + "\tsrc\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := readReplies(path)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range rs {
		texts = append(texts, r.text)
		if strings.ContainsAny(r.text, "\r\n\t") {
			t.Errorf("reply %q has a line break or tab", r.text)
		}
	}
	want := []string{"550 您的邮件被拒绝，IP 在黑名单中", "554 \x1b[31mblocked\x1b[0m \xff\xfe by odd list", long}
	if !slices.Equal(texts, want) {
		short := func(ss []string) []string {
			var out []string
			for _, s := range ss {
				out = append(out, fmt.Sprintf("%.80q (%d bytes)", s, len(s)))
			}
			return out
		}
		t.Errorf("replies %v, want %v", short(texts), short(want))
	}
}
