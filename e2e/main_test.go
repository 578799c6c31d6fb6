package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/postfixtest"
)

// rblwatchBin is the binary under test, built once by TestMain.
var rblwatchBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "rblwatch-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	rblwatchBin = filepath.Join(dir, "rblwatch")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goBin, "build", "-o", rblwatchBin, "github.com/rblwatch/rblwatch/cmd/rblwatch")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building rblwatch: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	// Every Postfix instance must be gone: no process, no directory.
	if err := postfixtest.Leftovers(postfixtest.DirPrefix(os.Getpid())); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	return code
}

// report is what "rblwatch replay --format json" prints (DESIGN.md, CLI);
// fields beyond the contract are ignored.
type report struct {
	Lines     int        `json:"lines"`
	Unparsed  int        `json:"unparsed"`
	Totals    totals     `json:"totals"`
	Incidents []incident `json:"incidents"`
}

type totals struct {
	Delivered int `json:"delivered"`
	Deferred  int `json:"deferred"` // deferral lines
	Bounced   int `json:"bounced"`
}

type incident struct {
	Provider   string    `json:"provider"`
	Listed     string    `json:"listed"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	Status     string    `json:"status"`
	Messages   int       `json:"messages"`
	Recipients int       `json:"recipients"`
	Bounced    int       `json:"bounced"`
	Deferred   int       `json:"deferred"`
	Domains    []string  `json:"domains"`
}

// replay runs "rblwatch replay --format json" on logs.
func replay(t *testing.T, logs ...string) report {
	t.Helper()
	cmd := exec.Command(rblwatchBin, append([]string{"replay", "--format", "json"}, logs...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rblwatch replay --format json %s: %v\n%s", strings.Join(logs, " "), err, stderr.String())
	}
	var r report
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("rblwatch replay --format json: %v\n%s", err, stdout.String())
	}
	return r
}

// want is what a postmaster reads in a log.
type want struct {
	totals    totals
	incidents []wantIncident
}

type wantIncident struct {
	provider   string
	status     string // "ongoing" or "cleared"
	messages   int
	recipients int
	bounced    int
	deferred   int // deferral lines
	domains    []string
	// first and last are the log lines of the first and the last
	// rejection: their timestamps are first_seen and last_seen.
	first, last line
}

// line names a delivery line: the n-th (from 1) with this recipient and
// status.
type line struct {
	rcpt, status string
	n            int
}

// listed is our public address, which the fake remotes name in their
// replies (Postfix sends from 127.0.0.10; see testdata/postfix/README.md):
// every incident's listed address.
const listed = "192.0.2.10"

// checkReport compares a replay report with what the log holds.
func checkReport(t *testing.T, logPath string, got report, w want) {
	t.Helper()
	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("\n")); got.Lines != n {
		t.Errorf("lines = %d, want %d (the file's line count)", got.Lines, n)
	}
	if got.Unparsed != 0 {
		t.Errorf("unparsed = %d, want 0: every line here is Postfix's own", got.Unparsed)
	}
	if got.Totals != w.totals {
		t.Errorf("totals = %+v, want %+v", got.Totals, w.totals)
	}
	byProvider := map[string]incident{}
	for _, inc := range got.Incidents {
		if _, dup := byProvider[inc.Provider]; dup {
			t.Errorf("two incidents for provider %q: %+v", inc.Provider, got.Incidents)
		}
		byProvider[inc.Provider] = inc
	}
	var gotNames, wantNames []string
	for p := range byProvider {
		gotNames = append(gotNames, p)
	}
	for _, wi := range w.incidents {
		wantNames = append(wantNames, wi.provider)
	}
	sort.Strings(gotNames)
	sort.Strings(wantNames)
	if strings.Join(gotNames, " ") != strings.Join(wantNames, " ") {
		t.Errorf("incidents for %q, want %q", gotNames, wantNames)
	}
	for _, wi := range w.incidents {
		gi, ok := byProvider[wi.provider]
		if !ok {
			continue
		}
		if gi.Listed != listed {
			t.Errorf("%s: listed %q, want %q", wi.provider, gi.Listed, listed)
		}
		if gi.Status != wi.status {
			t.Errorf("%s: status %q, want %q", wi.provider, gi.Status, wi.status)
		}
		if gi.Messages != wi.messages || gi.Recipients != wi.recipients || gi.Bounced != wi.bounced || gi.Deferred != wi.deferred {
			t.Errorf("%s: messages/recipients/bounced/deferred = %d/%d/%d/%d, want %d/%d/%d/%d", wi.provider,
				gi.Messages, gi.Recipients, gi.Bounced, gi.Deferred, wi.messages, wi.recipients, wi.bounced, wi.deferred)
		}
		if strings.Join(gi.Domains, ",") != strings.Join(wi.domains, ",") {
			t.Errorf("%s: domains %q, want %q", wi.provider, gi.Domains, wi.domains)
		}
		checkStamp(t, wi.provider+" first_seen", gi.FirstSeen, stampOf(t, data, wi.first))
		checkStamp(t, wi.provider+" last_seen", gi.LastSeen, stampOf(t, data, wi.last))
	}
}

// stampOf returns the syslog timestamp ("Nov 23 16:16:34", "Dec  6 08:03:31"
// or "Dec 06 08:03:31") of a delivery line.
func stampOf(t *testing.T, log []byte, l line) string {
	t.Helper()
	re := regexp.MustCompile(`: to=<` + regexp.QuoteMeta(l.rcpt) + `>,.* status=` + l.status + ` \(`)
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if re.Match(sc.Bytes()) {
			if n++; n == l.n {
				if m := syslogStamp.FindString(sc.Text()); m != "" {
					return m
				}
				t.Fatalf("delivery line without a syslog timestamp: %s", sc.Text())
			}
		}
	}
	t.Fatalf("the log has no line %d for %s %s", l.n, l.rcpt, l.status)
	return ""
}

// syslogStamp is a traditional syslog timestamp at the start of a line; the
// day of month is padded with a space ("Dec  6", rsyslog) or a zero ("Dec
// 06", Postfix's postlogd) on days 1 to 9.
var syslogStamp = regexp.MustCompile(`^[A-Z][a-z]{2} [ 0-9]?[0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}`)

// checkStamp compares a reported time with a syslog timestamp, which has
// no year and no zone: local time, to the second.
func checkStamp(t *testing.T, what string, got time.Time, stamp string) {
	t.Helper()
	if err := sameStamp(got, stamp); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

// sameStamp says whether got, in local time, is the moment a year-less
// syslog timestamp names (month, day and clock; however the day is padded).
func sameStamp(got time.Time, stamp string) error {
	want, err := time.Parse("Jan _2 15:04:05", stamp)
	if err != nil {
		return fmt.Errorf("unreadable syslog timestamp %q: %v", stamp, err)
	}
	g := got.In(time.Local)
	if g.Month() != want.Month() || g.Day() != want.Day() || g.Hour() != want.Hour() ||
		g.Minute() != want.Minute() || g.Second() != want.Second() {
		return fmt.Errorf("%s (%s), want %s", g.Format(time.Stamp), got.Format(time.RFC3339), stamp)
	}
	return nil
}

// pflogsumm runs pflogsumm on a log and returns its grand totals:
// messages delivered, deferrals (deferred lines) and bounced.
func pflogsumm(t *testing.T, logPath string) totals {
	t.Helper()
	if _, err := exec.LookPath("pflogsumm"); err != nil {
		if os.Getenv(postfixtest.RequireEnv) == "require" {
			t.Fatalf("pflogsumm is not installed (%s=require)", postfixtest.RequireEnv)
		}
		t.Skip("pflogsumm is not installed (apt-get install pflogsumm; see .ci/setup)")
	}
	out, err := exec.Command("pflogsumm", logPath).Output()
	if err != nil {
		t.Fatalf("pflogsumm %s: %v", logPath, err)
	}
	num := func(re string) int {
		m := regexp.MustCompile(`(?m)` + re).FindSubmatch(out)
		if m == nil {
			t.Fatalf("pflogsumm output has no %q:\n%s", re, out)
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	return totals{
		Delivered: num(`^\s*(\d+)\s+delivered$`),
		Deferred:  num(`^\s*\d+\s+deferred\s+\((\d+)\s+deferrals\)$`),
		Bounced:   num(`^\s*(\d+)\s+bounced$`),
	}
}
