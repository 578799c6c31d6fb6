package daemon

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestBacklogSummaryAtInputEnd: with log.stdin, the end of the input is
// the live end and the daemon stops there; the backlog summary of what
// began and ended in the input says so, instead of "rblwatch now follows
// the log as it is written" (it follows nothing more). A pipe that stays
// open gets the usual words (TestCatchUpDayOldLog's file says them).
func TestBacklogSummaryAtInputEnd(t *testing.T) {
	h := newHarness(t)
	r, w := io.Pipe()
	h.stream = r
	h.start(h.config())
	// An incident two hours old, over by a delivery an hour later.
	old := t0.Add(-2 * time.Hour)
	io.WriteString(w, rejection(old, "4C1B2A3F91", "alice@example.net")+"\n"+sent(old.Add(time.Hour), "4C1B2A3F92", "bob@example.net")+"\n")
	w.Close()
	h.waitEnd()
	_, recs := noticeRecords(t, h.store)
	if len(recs) != 1 || recs[0].Kind != "backlog" || recs[0].Backlog == nil {
		t.Fatalf("notices %+v, want one backlog summary", recs)
	}
	if !recs[0].Backlog.Ended {
		t.Error("the summary of an input that ended does not say so")
	}
	body := textBody(t, h.mail.wait(t, "backlog"))
	if !strings.Contains(body, "rblwatch stops there") || strings.Contains(body, "now follows the log") {
		t.Errorf("summary body:\n%s", body)
	}
}

// TestInputEndAnnouncesOpenWindows: log.stdin's input ends seconds after a
// rejection, inside its aggregation window (30 s by default): the window
// ends with the input — no more lines can join the burst — so the incident
// is announced before the daemon stops. Before, its opened notice was due
// after the daemon had stopped, and nobody was told.
func TestInputEndAnnouncesOpenWindows(t *testing.T) {
	h := newHarness(t)
	r, w := io.Pipe()
	h.stream = r
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	h.start(cfg)
	io.WriteString(w, rejection(t0.Add(-5*time.Second), "4C1B2A3F91", "alice@example.net")+"\n")
	w.Close()
	h.waitEnd()
	_, recs := noticeRecords(t, h.store)
	if len(recs) != 1 || recs[0].Kind != "opened" || recs[0].Incident.Provider != "barracuda" {
		t.Fatalf("notices %+v, want Barracuda's opened notice", recs)
	}
	if it := h.mail.wait(t, "opened"); it.Kind != "opened" {
		t.Errorf("email of kind %s", it.Kind)
	}
}

// TestStdinCountsLastOverlong: with log.stdin, an over-long last line of
// the input, without a newline, is counted in
// rblwatch_logwatch_overlong_lines_total, as the file follower counts it
// and replay does (TestDaemonAndReplaySplitLinesAlike). Before, no line
// followed to carry the count and it was lost.
func TestStdinCountsLastOverlong(t *testing.T) {
	h := newHarness(t)
	r, w := io.Pipe()
	h.stream = r
	h.start(h.config())
	io.WriteString(w, sent(t0, "4C1B2A3F91", "alice@example.net")+"\n"+strings.Repeat("x", 1<<20+1))
	w.Close()
	h.waitEnd()
	// The store is closed: the counters themselves, not a gathering.
	if got := testutil.ToFloat64(h.metrics.skippedLines); got != 1 {
		t.Errorf("overlong lines counted: %v, want 1", got)
	}
	if got := testutil.ToFloat64(h.metrics.lines); got != 1 {
		t.Errorf("lines counted: %v, want 1", got)
	}
}
