package daemon

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/track"
)

// crLines is a log with carriage returns everywhere a hostile or odd writer
// can put them: CRLF endings, a bare CR inside a reply, CRs doubled before
// the newline, a line of a CR alone, a CR after the prefix, NUL and invalid
// UTF-8. The rule of both paths: a line ends at "\n", a "\r" just before it
// belongs to the ending, every other "\r" is text.
func crLines(at time.Time) []string {
	spamhaus := func(qid, rcpt, reply string) string {
		return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: " + reply + " (in reply to RCPT TO command))"
	}
	return []string{
		spamhaus("A1B2C3D4E5", "a@example.net", "554 5.7.1 Service unavailable;\rClient host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1") + "\r",
		deferral(at, "B1B2C3D4E5", "b@example.net") + "\r\r",
		"\r",
		stamp(at) + " mx postfix/smtp[100]:\r C1B2C3D4E5: to=<c@example.net>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.7]:25: Connection refused)",
		sent(at, "D1B2C3D4E5", "d@example.net") + "\r",
		stamp(at) + " mx postfix/smtp[100]: E1B2C3D4E5: to=<e@example.net>\r, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.0.0, status=bounced (host said: 550\x00 \xff\xfe no)",
		"\rgarbage\r",
		spamhaus("F1B2C3D4E5", "f@example.net", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org\r\r\r; https://www.spamhaus.org/query/ip/192.0.2.1"),
		sent(at, "01B2C3D4E5", "g@example.net"),
		strings.Repeat("\rx", logwatch.DefaultMaxLineLen), // over the limit: skipped and counted
		deferral(at, "11B2C3D4E5", "h@example.net") + "\r",
	}
}

// TestDaemonAndReplaySplitLinesAlike feeds the same bytes to the daemon
// (half read when it starts, half while it follows the file) and to replay,
// and compares what each read: lines, overlong lines, unparsed lines,
// delivery totals and the raw evidence of the incident both open.
func TestDaemonAndReplaySplitLinesAlike(t *testing.T) {
	h := newHarness(t)
	lines := append(crLines(t0), crLines(t0.Add(time.Minute))...)
	half := len(lines) / 2
	appendLines(t, h.log, lines[:half]...)
	cfg := h.config()
	h.start(cfg)
	appendLines(t, h.log, lines[half:]...)
	// Every line but the two overlong ones reaches the reader.
	h.waitLines(len(lines) - 2)
	fam := h.metricFamilies()
	h.stop()

	data, err := os.ReadFile(h.log)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: "mail.log", R: strings.NewReader(string(data)), Ref: t0}},
		pipeline.Options{Catalog: classify.Default(), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}

	value := func(name string, labels ...string) float64 {
		mf := fam[name]
		if mf == nil {
			return 0
		}
		var sum float64
		for _, m := range mf.GetMetric() {
			match := true
			for i := 0; i+1 < len(labels); i += 2 {
				for _, l := range m.GetLabel() {
					if l.GetName() == labels[i] && l.GetValue() != labels[i+1] {
						match = false
					}
				}
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
		return sum
	}
	for _, c := range []struct {
		what         string
		daemon, repl float64
	}{
		{"lines", value("rblwatch_logwatch_lines_total"), float64(res.Lines)},
		{"overlong lines", value("rblwatch_logwatch_overlong_lines_total"), float64(res.TooLong)},
		{"unparsed lines", value("rblwatch_logwatch_unparsed_lines_total"), float64(res.Unparsed)},
		{"deferrals", value("rblwatch_logwatch_deliveries_total", "status", "deferred"), float64(res.Totals.Deferred)},
		{"bounces", value("rblwatch_logwatch_deliveries_total", "status", "bounced"), float64(res.Totals.Bounced)},
	} {
		if c.daemon != c.repl {
			t.Errorf("%s: the daemon read %v, replay %v", c.what, c.daemon, c.repl)
		}
	}
	if res.TooLong != 2 || res.Lines != int64(len(lines)-2) {
		t.Errorf("replay read %d lines and skipped %d, want %d and 2", res.Lines, res.TooLong, len(lines)-2)
	}

	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	incs, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The lifecycles differ (replay clears at a later delivery, the
	// daemon's clock stands still): compare the evidence of every spamhaus
	// incident together.
	var daemonSamples, replaySamples []string
	for _, inc := range incs {
		if inc.Provider == "spamhaus" {
			daemonSamples = append(daemonSamples, inc.Samples...)
		}
	}
	for _, inc := range res.Incidents {
		if inc.Provider == "spamhaus" {
			replaySamples = append(replaySamples, inc.Samples...)
		}
	}
	slices.Sort(daemonSamples)
	slices.Sort(replaySamples)
	if len(daemonSamples) == 0 || !slices.Equal(daemonSamples, replaySamples) {
		t.Errorf("evidence of the spamhaus incident differs:\ndaemon %q\nreplay %q", daemonSamples, replaySamples)
	}
	if len(daemonSamples) > 0 && !strings.Contains(daemonSamples[0], ";\rClient host") {
		t.Errorf("the bare CR inside the reply is gone from the evidence: %q", daemonSamples[0])
	}
}

// TestOverlongLastLineCounted: an over-long line at the end of the log,
// with no newline after it, is counted in
// rblwatch_logwatch_overlong_lines_total as soon as it is read (by the
// source's end mark). Before, it counted only when a line came after its
// newline: the log's last one never did.
func TestOverlongLastLineCounted(t *testing.T) {
	h := newHarness(t)
	appendLines(t, h.log, sent(t0, "4C1B2A3F93", "carol@example.net"))
	f, err := os.OpenFile(h.log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(strings.Repeat("x", logwatch.DefaultMaxLineLen+1)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	h.start(h.config())
	defer h.stop()
	h.waitMetric("rblwatch_logwatch_lines_total", 1)
	h.waitMetric("rblwatch_logwatch_overlong_lines_total", 1)
}
