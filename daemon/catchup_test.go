package daemon

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/track"
)

func spamhausBounce(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[101]: " + qid + ": to=<" + rcpt + ">, relay=mail.example.org[203.0.113.9]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=5.7.1, status=bounced (host mail.example.org[203.0.113.9] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))"
}

// dayOldLog writes a day of log that ends ten minutes before the test's
// clock (t0): ordinary traffic throughout, and these incidents —
//   - Spamhaus for an hour from t0-23h: over (quiet) long before the end;
//   - Barracuda at t0-20h, cleared by a delivery to the same receiver;
//   - Spamhaus again from t0-10h for an hour: a new incident, also over;
//   - Trend Micro deferrals from t0-2h to the end: still current.
//
// It returns the file's contents.
func dayOldLog() string {
	var b strings.Builder
	seq := 0
	line := func(s string) { b.WriteString(s + "\n") }
	qid := func() string { seq++; return fmt.Sprintf("%X", 0x20000000+seq) }
	ordinary := func(at time.Time) {
		q := qid()
		line(stamp(at) + " mx postfix/qmgr[99]: " + q + ": from=<app@ours.example>, size=1200, nrcpt=1 (queue active)")
		line(sent(at.Add(time.Second), q, fmt.Sprintf("u%d@other%d.example", seq, seq%40)))
		line(stamp(at.Add(2*time.Second)) + " mx postfix/qmgr[99]: " + q + ": removed")
	}
	start, end := t0.Add(-24*time.Hour), t0.Add(-10*time.Minute)
	for at := start; at.Before(end); at = at.Add(time.Minute) {
		ordinary(at)
		switch off := t0.Sub(at); {
		case off <= 23*time.Hour && off > 22*time.Hour && at.Minute()%5 == 0:
			line(spamhausBounce(at.Add(10*time.Second), qid(), fmt.Sprintf("a%d@example.org", seq)))
		case off == 20*time.Hour:
			line(rejection(at.Add(10*time.Second), qid(), "b1@example.net"))
			line(rejection(at.Add(20*time.Second), qid(), "b2@example.net"))
		case off == 20*time.Hour-5*time.Minute:
			line(sent(at.Add(10*time.Second), qid(), "b3@example.net"))
		case off <= 10*time.Hour && off > 9*time.Hour && at.Minute()%10 == 0:
			line(spamhausBounce(at.Add(10*time.Second), qid(), fmt.Sprintf("c%d@example.org", seq)))
		case off <= 2*time.Hour && at.Minute()%3 == 0:
			line(deferral(at.Add(10*time.Second), qid(), fmt.Sprintf("d%d@example.com", seq)))
		}
	}
	return b.String()
}

// TestCatchUpDayOldLog is issue 10's acceptance test: the daemon started on
// a day-old log (timestamps in the past, relative to the test's clock) finds
// the incidents a replay of the same lines finds, and announces only the one
// still current: no opened+cleared pair for an incident that began and
// ended inside the backlog.
func TestCatchUpDayOldLog(t *testing.T) {
	h := newHarness(t)
	log := dayOldLog()
	appendLines(t, h.log, strings.TrimSuffix(log, "\n"))
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	cfg.Notify.Quiet = 6 * time.Hour
	cfg.Notify.Settle = 10 * time.Minute
	cfg.Notify.Renotify = 24 * time.Hour
	h.start(cfg)

	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fi, err := os.Stat(h.log)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the whole backlog is committed, then let a few seconds
	// of the wall clock pass.
	for i := 0; ; i++ {
		pos, ok, err := st.LoadPosition(context.Background(), "file:"+h.log)
		if err != nil {
			t.Fatal(err)
		}
		if ok && pos.Offset == fi.Size() {
			break
		}
		if i > 4000 {
			t.Fatalf("the daemon never read the whole log (at %d of %d bytes)", pos.Offset, fi.Size())
		}
		time.Sleep(5 * time.Millisecond) // polling another goroutine's store
	}
	for s := 1; s <= 40; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	it := h.mail.wait(t, "opened")
	h.stop()

	// The notices: the current incident, once.
	h.mail.mu.Lock()
	items := slices.Clone(h.mail.items)
	h.mail.mu.Unlock()
	if len(items) != 1 || it.Kind != "opened" || !strings.Contains(subject(t, it), "Trend Micro") {
		var got []string
		for _, it := range items {
			got = append(got, it.Kind+" "+subject(t, it))
		}
		t.Fatalf("notices %q, want only Trend Micro's opened", got)
	}
	queued, err := st.OutboxItems(context.Background(), SinkEmail)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 1 {
		t.Errorf("%d items in the outbox, want 1", len(queued))
	}

	// The incidents: those of a replay of the same lines, with the same
	// lifecycle.
	res, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: "mail.log", R: strings.NewReader(log), Ref: t0}},
		pipeline.Options{Catalog: classify.Default(), Location: time.UTC, Settle: cfg.Notify.Settle, Quiet: cfg.Notify.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != 4 {
		t.Fatalf("replay found %d incidents, want 4 (the test's log is wrong): %v", len(res.Incidents), ids(res.Incidents))
	}
	if !slices.Equal(ids(stored), ids(res.Incidents)) {
		t.Fatalf("daemon found %v, replay %v", ids(stored), ids(res.Incidents))
	}
	for i, want := range res.Incidents {
		got := stored[i]
		if !got.FirstSeen.Equal(want.FirstSeen) || !got.LastSeen.Equal(want.LastSeen) || got.Bounced != want.Bounced ||
			got.Deferred != want.Deferred || len(got.Messages)+got.MoreMessages != len(want.Messages)+want.MoreMessages ||
			len(got.Recipients)+got.MoreRecipients != len(want.Recipients)+want.MoreRecipients || got.Fates != want.Fates ||
			!slices.Equal(got.Domains, want.Domains) {
			t.Errorf("incident %s: daemon %+v\nreplay %+v", want.ID, summary(got), summary(want))
		}
		if got.Status != want.Status || !got.ClearedAt.Equal(want.ClearedAt) || got.ClearedBy != want.ClearedBy {
			t.Errorf("incident %s: daemon %s at %v by %q, replay %s at %v by %q", want.ID, got.Status, got.ClearedAt, got.ClearedBy,
				want.Status, want.ClearedAt, want.ClearedBy)
		}
		if want.Status == incident.Cleared && got.Notices != 0 {
			t.Errorf("incident %s began and ended in the backlog but was announced (%d notices)", want.ID, got.Notices)
		}
	}
}

func ids(incs []incident.Incident) []string {
	var out []string
	for _, inc := range incs {
		out = append(out, inc.ID)
	}
	return out
}

func summary(inc incident.Incident) string {
	return fmt.Sprintf("first %v last %v bounced %d deferred %d messages %d recipients %d fates %+v domains %v",
		inc.FirstSeen, inc.LastSeen, inc.Bounced, inc.Deferred, len(inc.Messages)+inc.MoreMessages, len(inc.Recipients)+inc.MoreRecipients,
		inc.Fates, inc.Domains)
}

// TestDaemonPrunes: the daemon applies the retention settings: a message
// delivered at the first attempt three days ago goes (delivered_retention
// 2d), a bounced one of the same age stays (message_retention 30d).
func TestDaemonPrunes(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	h.start(cfg)
	old := t0.Add(-72 * time.Hour)
	appendLines(t, h.log,
		sent(old, "0A0000000001", "a@example.net"),
		stamp(old)+" mx postfix/qmgr[99]: 0A0000000001: removed",
		stamp(old)+" mx postfix/smtp[100]: 0B0000000001: to=<b@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.1.1, status=bounced (host mx.example.net[198.51.100.7] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		stamp(old)+" mx postfix/qmgr[99]: 0B0000000001: removed",
		sent(t0, "0C0000000001", "c@example.net"),
	)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	queueIDs := func() []string {
		msgs, err := st.Messages(context.Background(), track.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, m.QueueID)
		}
		return out
	}
	for i := 0; len(queueIDs()) < 3; i++ {
		if i > 2000 {
			t.Fatalf("the lines never reached the store: %v", queueIDs())
		}
		time.Sleep(5 * time.Millisecond) // polling another goroutine's store
	}
	h.tickAt(t0.Add(time.Second))
	h.tickAt(t0.Add(2 * time.Second)) // the loop took the first tick: the prune is done
	h.stop()
	if got, want := queueIDs(), []string{"0B0000000001", "0C0000000001"}; !slices.Equal(got, want) {
		t.Errorf("messages after the prune %v, want %v", got, want)
	}
}
