package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	inc "github.com/rblwatch/rblwatch/incident"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestBacklogSummary: "rblwatch run" started fresh on a day of log it never
// read (log.backfill reads it back) sends the postmaster, over SMTP to a
// real capture server, exactly two emails: the opened notice of the
// incident still current at the end of the log, and one backlog summary in
// Japanese naming the incidents that began and ended inside the day — the
// same incidents replay finds cleared in the same lines. Started again, it
// sends nothing more.
func TestBacklogSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	capture := pt.NewRemote(t, "127.0.0.1:0", "mx.ops.test")
	logPath := filepath.Join(dir, "mail.log")
	state := filepath.Join(dir, "state.db")

	// A day of log, relative to now: ordinary deliveries every ten
	// minutes; Spamhaus refusing from 23 h to 22 h ago (over after the
	// quiet period); Barracuda refusing 20 h ago (over when mail to the
	// same receiver went through); Spamhaus again in the last 40 minutes
	// (still current).
	now := time.Now()
	var lines []string
	seq := 0
	qid := func() string { seq++; return fmt.Sprintf("%010X", 0xB000000000+seq) }
	sentLine := func(at time.Time, rcpt, relay string) string {
		return at.Format("2006-01-02T15:04:05.000000-07:00") + " mx postfix/smtp[100]: " + qid() + ": to=<" + rcpt + ">, relay=" + relay +
			":25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)"
	}
	for at := now.Add(-24 * time.Hour); at.Before(now.Add(-time.Minute)); at = at.Add(10 * time.Minute) {
		lines = append(lines, sentLine(at, fmt.Sprintf("u%d@other.test", seq), "mx.other.test[127.0.0.30]"))
		switch ago := now.Sub(at); {
		case ago <= 23*time.Hour && ago > 22*time.Hour:
			lines = append(lines, spamhausLine(at.Add(time.Second), qid(), listed))
		case ago <= 20*time.Hour && ago > 20*time.Hour-10*time.Minute:
			lines = append(lines, barracudaLine(at.Add(time.Second), qid(), listed), barracudaLine(at.Add(2*time.Second), qid(), listed))
		case ago <= 20*time.Hour-10*time.Minute && ago > 20*time.Hour-20*time.Minute:
			lines = append(lines, sentLine(at.Add(time.Second), "alice@bigbank.test", "mx.bigbank.test[127.0.0.21]"))
		case ago <= 40*time.Minute:
			lines = append(lines, spamhausLine(at.Add(time.Second), qid(), listed))
		}
	}
	writeFile(t, dir, "mail.log", strings.Join(lines, "\n")+"\n")
	cfg := writeFile(t, dir, "config.yaml", fmt.Sprintf(`log:
  path: %s
  backfill: 48h
host_name: mx.test
state:
  path: %s
notify:
  to: postmaster@ops.test
  from: rblwatch@mx.test
  smtp: %s
  starttls: never
  language: ja
  aggregate: 30s
  settle: 10m
  quiet: 6h
dnsbl:
  resolver: 127.0.0.1:1
  timeout: 200ms
  interval: 0s
metrics:
  listen: %s
`, logPath, state, capture.Addr(), metricsAnyPort))

	d := startDaemon(t, cfg)
	d.waitLog("reading back the log", 1)
	ctx, cancel := context.WithTimeout(context.Background(), daemonWait)
	defer cancel()
	msgs, err := capture.WaitMessages(ctx, 2)
	if err != nil {
		t.Fatalf("%v\n%s", err, d.log())
	}
	d.waitMetric(`rblwatch_incident_events_total{kind="backlog"}`, "the backlog summary", func(v float64) bool { return v == 1 })
	d.waitMetric(`rblwatch_outbox_pending_items{channel="email"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
	d.stop()

	// The incidents: the daemon's are replay's, and two of them ended
	// inside the day.
	stored := storedIncidents(t, state)
	rep := replay(t, logPath)
	var ended []string
	if len(stored) != len(rep.Incidents) || len(stored) != 3 {
		t.Fatalf("daemon %d incidents, replay %d, want 3: %+v", len(stored), len(rep.Incidents), stored)
	}
	for i, x := range stored {
		r := rep.Incidents[i]
		if x.Provider != r.Provider || !x.FirstSeen.Equal(r.FirstSeen) || string(x.Status) != r.Status || x.Bounced != r.Bounced {
			t.Errorf("incident %d: daemon %s %s %v %s, replay %s %v %s", i, x.ID, x.Provider, x.FirstSeen, x.Status, r.Provider, r.FirstSeen, r.Status)
		}
		if x.Status == inc.Cleared {
			ended = append(ended, x.ID)
		}
	}
	if len(ended) != 2 {
		t.Fatalf("ended incidents %v, want 2", ended)
	}

	// The emails: one opened notice, one summary naming exactly the
	// ended incidents.
	var kinds []string
	for _, m := range msgs {
		kind, subject, lang, body := parseEmail(t, m)
		kinds = append(kinds, kind)
		if lang != "ja" {
			t.Errorf("%s notice in %q, want ja", kind, lang)
		}
		if kind != "backlog" {
			continue
		}
		if want := "後から読み込んだログのまとめ: mx.test で既に終了していたインシデントが2件ありました"; !strings.Contains(subject, want) {
			t.Errorf("summary subject %q, want %q", subject, want)
		}
		for _, id := range ended {
			if !strings.Contains(body, "（インシデントID: "+id+"）") {
				t.Errorf("the summary does not list %s:\n%s", id, body)
			}
		}
		for _, x := range stored {
			if x.Status != inc.Cleared && strings.Contains(body, x.ID) {
				t.Errorf("the summary lists the current incident %s", x.ID)
			}
		}
		for _, w := range []string{"■ 読み込んだログの中で発生し、終了したインシデント", "返送", "rblwatch check " + listed} {
			if !strings.Contains(body, w) {
				t.Errorf("the summary lacks %q:\n%s", w, body)
			}
		}
	}
	if slices.Sort(kinds); !slices.Equal(kinds, []string{"backlog", "opened"}) {
		t.Errorf("emails %v, want one opened and one backlog", kinds)
	}

	// Started again on the same state and log, with a line logged since:
	// nothing more is sent (a stop sends what was pending).
	again := startDaemon(t, cfg)
	again.waitLog("resuming", 1)
	f, err := os.OpenFile(logPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(sentLine(time.Now(), "late@other.test", "mx.other.test[127.0.0.30]") + "\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	again.waitMetric("rblwatch_logwatch_lines_total", "reading the new line", func(v float64) bool { return v >= 1 })
	again.stop()
	if n := len(capture.Messages()); n != 2 {
		t.Errorf("%d emails after a restart, want the same 2", n)
	}
}

// parseEmail reads a notice as the capture server received it: its kind,
// decoded subject and language (net/mail), and its text (go-message undoes
// the transfer encoding).
func parseEmail(t *testing.T, m pt.Message) (kind, subject, lang, body string) {
	t.Helper()
	nm, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("a notice is not a mail message: %v\n%s", err, m.Data)
	}
	mr, err := gomail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	if subject, err = mr.Header.Subject(); err != nil {
		t.Fatal(err)
	}
	part, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(part.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0] != "postmaster@ops.test" {
		t.Errorf("notice %q went to %v", subject, m.To)
	}
	return nm.Header.Get("X-Rblwatch-Kind"), subject, nm.Header.Get("Content-Language"), strings.ReplaceAll(string(b), "\r\n", "\n")
}
