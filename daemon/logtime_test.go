package daemon

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/track"
)

// restamp gives a line made by the helpers above (stamp first) another
// timestamp, as written.
func restamp(line, stamp string) string {
	_, rest, _ := strings.Cut(line, " ")
	return stamp + " " + rest
}

// storedIncidents waits until the daemon has committed the whole log and
// returns the incidents of the store.
func storedIncidents(t *testing.T, h *harness) []incident.Incident {
	t.Helper()
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitRead(t, st, h.log)
	incs, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return incs
}

// TestFutureLineSilencesNothing: a line dated a year ahead (a host with a
// broken clock, a shipper's bug) does not move the incidents' clock: the
// incident of a refusal logged after it, dated now, opens and is announced
// as any other. (Before, the Barracuda incident was stored cleared at
// now+6h by the quiet period, never announced: the tracker's clock had
// jumped to the future line's time.) The line is counted, and said once in
// the log.
func TestFutureLineSilencesNothing(t *testing.T) {
	h := newHarness(t)
	cfg := catchUpConfig(h)
	future := time.Date(2027, 6, 1, 12, 0, 0, 0, time.UTC)
	appendLines(t, h.log,
		sent(t0.Add(-2*time.Minute), "1A0000001", "x@other.example"),
		spamhausBounce(future, "1A0000002", "a@example.org"),
		spamhausBounce(future.Add(time.Second), "1A0000003", "b@example.org"),
		rejection(t0.Add(-time.Minute), "1A0000004", "alice@example.net"))
	h.start(cfg)
	defer h.stop()
	// The ticks come once the log was read: a tick before it left the
	// incidents to open later on the clock, their notices due after the
	// last tick (aggregate 30 s), and none came.
	h.read(4)
	for s := 1; s <= 40; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	got := map[bool]bool{}
	for range 2 {
		it := h.mail.wait(t, "opened")
		if it.Kind != "opened" {
			t.Errorf("a %s notice, want opened", it.Kind)
		}
		s := subject(t, it)
		got[strings.Contains(s, "Barracuda")] = true
	}
	if !got[true] {
		t.Errorf("the Barracuda incident was not announced")
	}
	for _, inc := range storedIncidents(t, h) {
		if inc.Status == incident.Cleared || inc.Notices != 1 {
			t.Errorf("incident %s: %s, %d notices; want ongoing, announced once", inc.ID, inc.Status, inc.Notices)
		}
		if inc.FirstSeen.After(t0.Add(ingest.MaxAhead)) || inc.LastSeen.After(t0.Add(ingest.MaxAhead)) {
			t.Errorf("incident %s: first seen %v, last seen %v, after the clock (%v) and its skew", inc.ID, inc.FirstSeen, inc.LastSeen, t0)
		}
	}
	if n := testutil.ToFloat64(h.metrics.redated.WithLabelValues("ahead")); n != 2 {
		t.Errorf("redated{ahead} = %v, want 2", n)
	}
	if n := h.logs.FilterMessageSnippet("ahead of the clock").Len(); n != 1 {
		t.Errorf("%d warnings about lines ahead of the clock, want 1", n)
	}
}

// fiveFour writes a Spamhaus refusal as an RFC 5424 line with the stamp
// given ("-" is RFC 5424's "no time").
func fiveFour(stamp, qid, rcpt string) string {
	_, msg, _ := strings.Cut(spamhausBounce(t0, qid, rcpt), "postfix/smtp[101]: ")
	return "<22>1 " + stamp + " mx postfix/smtp 101 - - " + msg
}

// TestUntrustedTimes: a line whose time cannot be trusted — none at all,
// Go's zero time that log shippers write, 1970, a year 0000, a year 9999 —
// never opens an incident at that time: it is dated at the line before
// (or, ahead of the clock, at the clock), counted by reason, and its
// incident ends as any other (the quiet period, 6 h after its last
// refusal). Alone, with no line before it, it opens nothing. (Before, a
// 0001-01-01T00:00:00Z line opened an incident first seen in year 1.)
func TestUntrustedTimes(t *testing.T) {
	before := t0.Add(-time.Minute)
	for _, tc := range []struct {
		name   string
		line   string
		first  bool      // no line before it
		want   time.Time // the incident's first-seen time; zero: no incident
		reason string
	}{
		{"zero time", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "0001-01-01T00:00:00Z"), false, before, "untimed"},
		{"zero time with zone", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "0001-01-01T00:00:00+09:00"), false, before, "untimed"},
		{"1970", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "1970-01-01T00:00:00Z"), false, before, "untimed"},
		{"1999", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "1999-12-31T23:59:59.999999+00:00"), false, before, "untimed"},
		{"year 0000 without zone", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "0000-11-23T13:59:00"), false, before, "untimed"},
		{"RFC 5424 no time", fiveFour("-", "2B0000002", "a@example.org"), false, before, "untimed"},
		{"RFC 5424 zero time", fiveFour("0001-01-01T00:00:00Z", "2B0000002", "a@example.org"), false, before, "untimed"},
		{"RFC 5424 1970", fiveFour("1970-01-01T00:00:01.5Z", "2B0000002", "a@example.org"), false, before, "untimed"},
		{"RFC 5424 year 9999", fiveFour("9999-12-31T23:59:59Z", "2B0000002", "a@example.org"), false, before, "ahead"},
		{"RFC 3339 year 9999", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "9999-12-31T23:59:59-12:00"), false, before, "ahead"},
		{"first line, zero time", restamp(spamhausBounce(t0, "2B0000002", "a@example.org"), "0001-01-01T00:00:00Z"), true, time.Time{}, "untimed"},
		{"first line, RFC 5424 no time", fiveFour("-", "2B0000002", "a@example.org"), true, time.Time{}, "untimed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := catchUpConfig(h)
			if !tc.first {
				appendLines(t, h.log, sent(before, "2B0000001", "x@other.example"))
			}
			appendLines(t, h.log, tc.line)
			h.start(cfg)
			defer h.stop()
			incs := storedIncidents(t, h)
			if tc.want.IsZero() {
				if len(incs) != 0 {
					t.Fatalf("incidents %+v, want none", incs)
				}
			} else if len(incs) != 1 || !incs[0].FirstSeen.Equal(tc.want) || !incs[0].LastSeen.Equal(tc.want) {
				t.Fatalf("incidents %+v, want one first and last seen at %v", incs, tc.want)
			}
			if n := testutil.ToFloat64(h.metrics.redated.WithLabelValues(tc.reason)); n != 1 {
				t.Errorf("redated{%s} = %v, want 1", tc.reason, n)
			}
			if tc.want.IsZero() {
				return
			}
			// The incident ends as any other: announced after the
			// aggregation window, cleared after the quiet period.
			h.tickAt(t0.Add(cfg.Notify.Aggregate + time.Second))
			h.tickAt(tc.want.Add(cfg.Notify.Quiet + time.Minute))
			st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for i := 0; ; i++ {
				open, err := st.OpenIncidents(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if len(open) == 0 {
					break
				}
				if i > 2000 {
					t.Fatalf("the incident never ended: %+v", open)
				}
				time.Sleep(5 * time.Millisecond) // polling another goroutine's store
			}
		})
	}
}

// TestLiveEndDates: at the live end of the log, a line with no time is
// dated at the wall clock (the line before may be an hour old), and so is
// a line dated past it.
func TestLiveEndDates(t *testing.T) {
	h := newHarness(t)
	cfg := catchUpConfig(h)
	appendLines(t, h.log, sent(t0.Add(-time.Hour), "3C0000001", "x@other.example"))
	h.start(cfg)
	defer h.stop()
	storedIncidents(t, h) // read, and live (the file's end mark)
	now := t0.Add(time.Minute)
	h.tickAt(now)
	appendLines(t, h.log,
		restamp(spamhausBounce(t0, "3C0000002", "a@example.org"), "0001-01-01T00:00:00Z"),
		restamp(rejection(t0, "3C0000003", "alice@example.net"), "2027-06-01T12:00:00.000000+00:00"))
	incs := storedIncidents(t, h)
	if len(incs) != 2 {
		t.Fatalf("incidents %+v, want Spamhaus and Barracuda", incs)
	}
	for _, inc := range incs {
		if !inc.FirstSeen.Equal(now) {
			t.Errorf("incident %s first seen %v, want the clock's %v", inc.ID, inc.FirstSeen, now)
		}
	}
	for _, r := range []string{"untimed", "ahead"} {
		if n := testutil.ToFloat64(h.metrics.redated.WithLabelValues(r)); n != 1 {
			t.Errorf("redated{%s} = %v, want 1", r, n)
		}
	}
}

// TestRedatedRunEqualsReplay: in a day-old backlog, a line dated a year
// ahead, one with Go's zero time and an RFC 5424 line with no time each
// join the incident of the lines around them, in the daemon's catch-up and
// in a replay of the same lines alike: one rule (ingest.Clock). (Before,
// the line a year ahead ended every open incident in both and opened one
// in 2027; the zero-time line opened one in year 1.)
func TestRedatedRunEqualsReplay(t *testing.T) {
	h := newHarness(t)
	cfg := catchUpConfig(h)
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(dayOldLog(), "\n"), "\n") {
		lines = append(lines, l)
		switch l[:len(stamp(t0))] {
		case stamp(t0.Add(-22*time.Hour - 30*time.Minute + 10*time.Second)): // inside the first Spamhaus incident
			lines = append(lines, restamp(spamhausBounce(t0, "4D0000001", "late@example.org"), "2027-06-01T12:00:00.000000+00:00"))
		case stamp(t0.Add(-9*time.Hour - 30*time.Minute + 10*time.Second)): // inside the second
			lines = append(lines, restamp(spamhausBounce(t0, "4D0000002", "zero@example.org"), "0001-01-01T00:00:00Z"))
		case stamp(t0.Add(-time.Hour + 10*time.Second)): // Trend Micro, still current
			_, msg, _ := strings.Cut(deferral(t0, "4D0000003", "nil@example.com"), "postfix/smtp[100]: ")
			lines = append(lines, "<22>1 - mx postfix/smtp 100 - - "+msg)
		}
	}
	log := strings.Join(lines, "\n") + "\n"
	appendLines(t, h.log, strings.TrimSuffix(log, "\n"))
	h.start(cfg)
	// Read to the end, then live: the incidents' last state is stored
	// once the notices of the catch-up went out (the current incident's
	// opened, the backlog summary), as in TestCatchUpDayOldLog. (Read as
	// soon as the position reached the end, an incident's status could
	// still be the one before going live.)
	storedIncidents(t, h)
	for s := 1; s <= 40; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	h.mail.wait(t, "opened or backlog")
	h.mail.wait(t, "opened or backlog")
	h.stop()
	stored := storedIncidents(t, h)

	res, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: "mail.log", R: strings.NewReader(log), Ref: t0}},
		pipeline.Options{Catalog: classify.Default(), Location: time.UTC, Settle: cfg.Notify.Settle, Quiet: cfg.Notify.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	if res.Redated != [len(ingest.RedatedNames)]int64{ingest.RedatedUntimed: 2, ingest.RedatedAhead: 1} {
		t.Errorf("replay redated %v, want 2 untimed and 1 ahead", res.Redated)
	}
	// Each odd line joined an incident of the plain log: four, with one
	// more bounce in each Spamhaus incident and one more deferral in Trend
	// Micro's.
	plain, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: "mail.log", R: strings.NewReader(dayOldLog()), Ref: t0}},
		pipeline.Options{Catalog: classify.Default(), Location: time.UTC, Settle: cfg.Notify.Settle, Quiet: cfg.Notify.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != len(plain.Incidents) || len(plain.Incidents) != 4 {
		t.Fatalf("replay found %v, want the plain log's %v", ids(res.Incidents), ids(plain.Incidents))
	}
	for i, want := range plain.Incidents {
		got := res.Incidents[i]
		more := 0
		if want.Provider != "barracuda" {
			more = 1
		}
		if got.ID != want.ID || got.Bounced+got.Deferred != want.Bounced+want.Deferred+more || !got.LastSeen.Equal(want.LastSeen) ||
			got.Status != want.Status || !got.ClearedAt.Equal(want.ClearedAt) {
			t.Errorf("incident %d: %s, want the plain log's %s with %d more refusals", i, summary(got), summary(want), more)
		}
	}
	if !slices.Equal(ids(stored), ids(res.Incidents)) {
		t.Fatalf("daemon found %v, replay %v", ids(stored), ids(res.Incidents))
	}
	for i, want := range res.Incidents {
		got := stored[i]
		if !got.FirstSeen.Equal(want.FirstSeen) || !got.LastSeen.Equal(want.LastSeen) || got.Bounced != want.Bounced ||
			got.Deferred != want.Deferred || got.Status != want.Status || !got.ClearedAt.Equal(want.ClearedAt) {
			t.Errorf("incident %s: daemon %s, %s at %v; replay %s, %s at %v", want.ID, summary(got), got.Status, got.ClearedAt, summary(want), want.Status, want.ClearedAt)
		}
	}
}
