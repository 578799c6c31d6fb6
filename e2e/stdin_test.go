package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	inc "github.com/rblwatch/rblwatch/incident"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
	"github.com/rblwatch/rblwatch/track"
)

// isoStamp is journalctl's -o short-iso time, which docs/config.md names
// for log.stdin.
const isoStamp = "2006-01-02T15:04:05-0700"

// stdinDay is a day of log, relative to now, as "journalctl -o short-iso"
// prints it: ordinary deliveries every ten minutes; Spamhaus refusing from
// 23 h to 22 h ago (over after the quiet period); Barracuda refusing 20 h
// ago (over when mail to the same receiver went through); Spamhaus again in
// the last 40 minutes (still current).
func stdinDay(now time.Time) string {
	var lines []string
	seq := 0
	qid := func() string { seq++; return fmt.Sprintf("%010X", 0xC000000000+seq) }
	iso := func(l string) string { // the -07:00 of the shared line makers, as -0700
		at, err := time.Parse("2006-01-02T15:04:05.000000-07:00", l[:32])
		if err != nil {
			panic(err)
		}
		return at.Format(isoStamp) + l[32:]
	}
	sentLine := func(at time.Time, rcpt, relay string) string {
		return at.Format(isoStamp) + " mx postfix/smtp[100]: " + qid() + ": to=<" + rcpt + ">, relay=" + relay +
			":25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"
	}
	for at := now.Add(-24 * time.Hour); at.Before(now.Add(-time.Minute)); at = at.Add(10 * time.Minute) {
		lines = append(lines, sentLine(at, fmt.Sprintf("u%d@other.test", seq), "mx.other.test[127.0.0.30]"))
		switch ago := now.Sub(at); {
		case ago <= 23*time.Hour && ago > 22*time.Hour:
			lines = append(lines, iso(spamhausLine(at.Add(time.Second), qid(), listed)))
		case ago <= 20*time.Hour && ago > 20*time.Hour-10*time.Minute:
			lines = append(lines, iso(barracudaLine(at.Add(time.Second), qid(), listed)), iso(barracudaLine(at.Add(2*time.Second), qid(), listed)))
		case ago <= 20*time.Hour-10*time.Minute && ago > 20*time.Hour-20*time.Minute:
			lines = append(lines, sentLine(at.Add(time.Second), "alice@bigbank.test", "mx.bigbank.test[127.0.0.21]"))
		case ago <= 40*time.Minute:
			lines = append(lines, iso(spamhausLine(at.Add(time.Second), qid(), listed)))
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// stdinConfig is a log.stdin configuration whose notices go to capture.
func stdinConfig(t *testing.T, dir, smtp string) (cfg, state string) {
	t.Helper()
	state = filepath.Join(dir, "state.db")
	cfg = writeFile(t, dir, "config.yaml", fmt.Sprintf(`log:
  stdin: true
host_name: mx.test
state:
  path: %s
notify:
  to: postmaster@ops.test
  from: rblwatch@mx.test
  smtp: %s
  starttls: never
  aggregate: 1s
  settle: 10m
  quiet: 6h
dnsbl:
  resolver: 127.0.0.1:1
  timeout: 200ms
  interval: 0s
metrics:
  listen: %s
`, state, smtp, metricsAnyPort))
	return cfg, state
}

// checkStdinDay checks what the daemon made of stdinDay: the incidents of
// a replay of the same lines (two ended, one current), and among the emails
// the opened notice of the current one and one backlog summary naming the
// two that ended.
func checkStdinDay(t *testing.T, d *daemonProc, state, logPath string, msgs []pt.Message) {
	t.Helper()
	stored := storedIncidents(t, state)
	rep := replay(t, logPath)
	if len(stored) != 3 || len(rep.Incidents) != 3 {
		t.Fatalf("daemon %d incidents, replay %d, want 3: %+v\n%s", len(stored), len(rep.Incidents), stored, d.log())
	}
	var ended []string
	for i, x := range stored {
		r := rep.Incidents[i]
		if x.Provider != r.Provider || !x.FirstSeen.Equal(r.FirstSeen) || string(x.Status) != r.Status || x.Bounced != r.Bounced {
			t.Errorf("incident %d: daemon %s %s %v %s, replay %s %v %s", i, x.ID, x.Provider, x.FirstSeen, x.Status, r.Provider, r.FirstSeen, r.Status)
		}
		switch x.Status {
		case inc.Cleared:
			ended = append(ended, x.ID)
			if x.Notices != 0 {
				t.Errorf("incident %s ended inside the input but was announced (%d notices)", x.ID, x.Notices)
			}
		default:
			if x.Notices != 1 {
				t.Errorf("current incident %s: %d notices, want 1 (opened)", x.ID, x.Notices)
			}
		}
	}
	if len(ended) != 2 {
		t.Fatalf("ended incidents %v, want 2", ended)
	}
	var kinds []string
	for _, m := range msgs {
		kind, subject, _, body := parseEmail(t, m)
		kinds = append(kinds, kind)
		switch kind {
		case "opened":
			if !strings.Contains(subject, "Spamhaus") {
				t.Errorf("opened notice %q, want Spamhaus's", subject)
			}
		case "backlog":
			for _, id := range ended {
				if !strings.Contains(body, id) {
					t.Errorf("the summary does not list %s:\n%s", id, body)
				}
			}
		}
	}
	if slices.Sort(kinds); !slices.Equal(kinds, []string{"backlog", "opened"}) {
		t.Errorf("emails %v, want one opened and one backlog", kinds)
	}
}

// TestStdinEndsTheCatchUp: "rblwatch run" with log.stdin fed a day of log
// (journalctl -o short-iso lines) ends the catch-up at the end of its
// input as a file's end mark does: the incident still current is
// announced, those that began and ended inside are summed up, both reach a
// real SMTP peer before the daemon exits (status 0) by itself, and the
// stored incidents are replay's. (Before, the end of the input stopped the
// daemon still catching up: every incident stayed "open", nothing sent.)
func TestStdinEndsTheCatchUp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	capture := pt.NewRemote(t, "127.0.0.1:0", "mx.ops.test")
	cfg, state := stdinConfig(t, dir, capture.Addr())
	log := stdinDay(time.Now())
	logPath := writeFile(t, dir, "mail.log", log)

	d := startDaemonInput(t, cfg, strings.NewReader(log), "RBLWATCH_LOG=json", "RBLWATCH_LOG_LEVEL=info")
	if err := d.exit(); err != nil {
		t.Fatalf("rblwatch run at the end of stdin: %v\n%s", err, d.log())
	}
	for _, msg := range []string{"caught up with the log", "log source ended"} {
		if d.count(msg) != 1 {
			t.Errorf("the daemon logged %q %d times, want once:\n%s", msg, d.count(msg), d.log())
		}
	}
	checkStdinDay(t, d, state, logPath, capture.Messages())
}

// TestStdinPipeGoesLive: with a pipe that stays open (journalctl -f |
// rblwatch run), two seconds with no new line are the live end: the
// catch-up's notices go out while the pipe is still open, and a refusal
// written afterwards, dated now, is announced on its own. Closing the pipe
// then stops the daemon (status 0) with nothing more to send.
func TestStdinPipeGoesLive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	capture := pt.NewRemote(t, "127.0.0.1:0", "mx.ops.test")
	cfg, state := stdinConfig(t, dir, capture.Addr())
	log := stdinDay(time.Now())
	logPath := writeFile(t, dir, "mail.log", log)

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	d := startDaemonInput(t, cfg, pr, "RBLWATCH_LOG=json", "RBLWATCH_LOG_LEVEL=info")
	pr.Close() // the daemon holds its end
	if _, err := io.WriteString(pw, log); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), daemonWait)
	defer cancel()
	msgs, err := capture.WaitMessages(ctx, 2)
	if err != nil {
		t.Fatalf("with the pipe open: %v\n%s", err, d.log())
	}
	d.waitLog("caught up with the log", 1)
	d.waitMetric(`rblwatch_outbox_pending_items{channel="email"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
	checkStdinDay(t, d, state, logPath, msgs)

	// Live: a Barracuda refusal now is announced as it happens.
	if _, err := io.WriteString(pw, strings.Replace(barracudaLine(time.Now(), "C0FFEE0001", listed), "bob@", "dave@", 1)+"\n"); err != nil {
		t.Fatal(err)
	}
	msgs, err = capture.WaitMessages(ctx, 3)
	if err != nil {
		t.Fatalf("the live refusal: %v\n%s", err, d.log())
	}
	kind, subject, _, _ := parseEmail(t, msgs[2])
	if kind != "opened" || !strings.Contains(subject, "Barracuda") {
		t.Errorf("third email %s %q, want Barracuda's opened notice", kind, subject)
	}
	pw.Close()
	if err := d.exit(); err != nil {
		t.Fatalf("rblwatch run at the end of stdin: %v\n%s", err, d.log())
	}
	if n := len(capture.Messages()); n != 3 {
		t.Errorf("%d emails, want 3", n)
		for _, m := range capture.Messages() {
			k, s, _, _ := parseEmail(t, m)
			t.Logf("%s %q", k, s)
		}
	}
	if d.count("log source ended") != 1 {
		t.Errorf("the daemon did not log the end of its input:\n%s", d.log())
	}
}

// storedIncidents returns the incidents in the store at path (its daemon
// stopped).
func storedIncidents(t *testing.T, path string) []inc.Incident {
	t.Helper()
	st, err := track.OpenReadOnly(path, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	incs, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return incs
}
