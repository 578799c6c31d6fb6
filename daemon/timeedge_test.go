package daemon

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/track"
)

// Times at the edges of the calendar, through the real parser, the ingest
// clock, the tracker and the store: what the daemon stores and what a replay
// of the same lines finds.

// syslogStamp writes a traditional syslog stamp ("Jan  2 15:04:05", no
// year, no zone) of t as read in loc.
func syslogStamp(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.Stamp) }

// catchUp runs the daemon over lines already in the log, read with
// log.timezone tz and the clock at now; it returns the incidents it stored
// once the current one was announced, and those of a replay of the lines
// (reference: now).
func catchUp(t *testing.T, tz string, now time.Time, lines []string) (stored, replayed []incident.Incident, h *harness) {
	t.Helper()
	h = newHarness(t)
	h.clock.set(now)
	cfg := catchUpConfig(h)
	cfg.Log.Timezone = tz
	appendLines(t, h.log, lines...)
	h.start(cfg)
	storedIncidents(t, h)
	for s := 1; s <= 40; s++ {
		h.tickAt(now.Add(time.Duration(s) * time.Second))
	}
	h.mail.wait(t, "opened")
	h.stop()
	stored = storedIncidents(t, h)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: "mail.log", R: strings.NewReader(strings.Join(lines, "\n") + "\n"), Ref: now}},
		pipeline.Options{Catalog: classify.Default(), Location: loc, Settle: cfg.Notify.Settle, Quiet: cfg.Notify.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	if res.Redated != [len(ingest.RedatedNames)]int64{} {
		t.Errorf("replay redated lines: %v", res.Redated)
	}
	return stored, res.Incidents, h
}

// checkOne checks that the daemon and the replay each found one incident,
// ongoing, first and last seen as wanted, with n bounces, and that the
// daemon dated no line otherwise than it said.
func checkOne(t *testing.T, stored, replayed []incident.Incident, h *harness, first, last time.Time, n int) {
	t.Helper()
	for what, incs := range map[string][]incident.Incident{"daemon": stored, "replay": replayed} {
		if len(incs) != 1 {
			t.Errorf("%s: incidents %v, want one", what, ids(incs))
			continue
		}
		inc := incs[0]
		if !inc.FirstSeen.Equal(first) || !inc.LastSeen.Equal(last) || inc.Bounced != n || inc.Status != incident.Ongoing {
			t.Errorf("%s: %s, %s; want first %v last %v, %d bounced, ongoing", what, summary(inc), inc.Status, first.UTC(), last.UTC(), n)
		}
	}
	for _, r := range ingest.RedatedNames {
		if v := testutil.ToFloat64(h.metrics.redated.WithLabelValues(r)); v != 0 {
			t.Errorf("daemon redated %v lines (%s)", v, r)
		}
	}
}

// TestYearBoundary: syslog stamps carry no year. A backlog from Dec 31 into
// Jan 1, read on Jan 1, is one incident from the old year into the new —
// not one in the coming December, nor a jump the ingest clock would take
// for an outlier.
func TestYearBoundary(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	times := []time.Time{at("2026-12-31T23:50:00Z"), at("2026-12-31T23:58:00Z"), at("2027-01-01T00:05:00Z"), at("2027-01-01T00:20:00Z")}
	var lines []string
	for i, tm := range times {
		lines = append(lines, restamp(spamhausBounce(tm, "7A00000"+string(rune('1'+i)), "a@example.org"), syslogStamp(tm, time.UTC)))
	}
	stored, replayed, h := catchUp(t, "UTC", at("2027-01-01T00:30:00Z"), lines)
	checkOne(t, stored, replayed, h, times[0], times[3], 4)
}

// TestYearBoundaryLive: the daemon follows the log over midnight of Dec 31
// (each batch dates the year-less stamps by the clock at its reading), and
// a line of the first seconds of the new year read while our clock is a
// little behind (still Dec 31) is dated in the new year.
func TestYearBoundaryLive(t *testing.T) {
	h := newHarness(t)
	before := time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC)
	h.clock.set(before.Add(10 * time.Second))
	cfg := catchUpConfig(h)
	appendLines(t, h.log, restamp(spamhausBounce(before, "7B0000001", "a@example.org"), syslogStamp(before, time.UTC)))
	h.start(cfg)
	defer h.stop()
	storedIncidents(t, h)
	newYear := time.Date(2027, 1, 1, 0, 0, 5, 0, time.UTC)
	h.tickAt(newYear.Add(-20 * time.Second)) // our clock: 23:59:45, the logging host's: the new year
	appendLines(t, h.log, restamp(spamhausBounce(newYear, "7B0000002", "b@example.org"), syslogStamp(newYear, time.UTC)))
	h.read(2)
	later := newYear.Add(10 * time.Minute)
	h.tickAt(later)
	appendLines(t, h.log, restamp(spamhausBounce(later, "7B0000003", "c@example.org"), syslogStamp(later, time.UTC)))
	h.read(3)
	incs := storedIncidents(t, h)
	if len(incs) != 1 || !incs[0].FirstSeen.Equal(before) || !incs[0].LastSeen.Equal(later) || incs[0].Bounced != 3 || incs[0].Status != incident.Ongoing {
		t.Fatalf("incidents %v (%v), want one from %v to %v, 3 bounced, ongoing", ids(incs), incs, before, later)
	}
	for _, r := range ingest.RedatedNames {
		if v := testutil.ToFloat64(h.metrics.redated.WithLabelValues(r)); v != 0 {
			t.Errorf("redated %v lines (%s)", v, r)
		}
	}
}

// TestDaylightSaving: log.timezone in a zone with daylight saving time
// (America/New_York) and zone-less stamps. Spring forward (01:59 EST, then
// 03:01 EDT) is two minutes; in the hour repeated in the autumn (01:00 to
// 01:59 twice, EDT then EST) a stamp cannot tell which it is: read at the
// occurrence nearest the line before, the second hour's lines are not an
// hour early (they moved the incident's first seen back to 01:05 EDT,
// before the first refusal), and nothing is counted as redated.
func TestDaylightSaving(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	line := func(i int, tm time.Time) string {
		return restamp(spamhausBounce(tm, "7C00000"+string(rune('1'+i)), "a@example.org"), syslogStamp(tm, ny))
	}
	t.Run("spring forward", func(t *testing.T) {
		a := time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC) // 01:59 EST
		b := a.Add(2 * time.Minute)                       // 03:01 EDT
		stored, replayed, h := catchUp(t, "America/New_York", b.Add(5*time.Minute), []string{line(0, a), line(1, b)})
		checkOne(t, stored, replayed, h, a, b, 2)
	})
	t.Run("fall back", func(t *testing.T) {
		edt := time.Date(2026, 11, 1, 5, 40, 0, 0, time.UTC) // 01:40 EDT
		times := []time.Time{
			edt,                       // 01:40 EDT
			edt.Add(15 * time.Minute), // 01:55 EDT
			edt.Add(25 * time.Minute), // 01:05 EST (the hour again)
			edt.Add(50 * time.Minute), // 01:30 EST
			edt.Add(90 * time.Minute), // 02:10 EST
		}
		var lines []string
		for i, tm := range times {
			lines = append(lines, line(i, tm))
		}
		if !strings.HasPrefix(lines[2], "Nov  1 01:05:00 ") {
			t.Fatalf("the test's stamps are wrong: %q", lines[2])
		}
		stored, replayed, h := catchUp(t, "America/New_York", times[4].Add(5*time.Minute), lines)
		checkOne(t, stored, replayed, h, times[0], times[4], 5)
	})
}

// TestInterleavedFiles: two log files (log.paths, one per Postfix
// instance) are read one after the other, so the lines of the second come
// in dated before those already read of the first. They are taken at their
// time (not redated): the incidents are those of one log with the lines of
// both in time order, as a replay of it finds them — a refusal read after
// a later delivery to the same receiver does not clear the incident it
// joins, and the earliest refusal is its first seen.
func TestInterleavedFiles(t *testing.T) {
	h := newHarness(t)
	second := filepath.Join(h.dir, "postfix-out.log")
	appendLines(t, second)
	cfg := catchUpConfig(h)
	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	lg := h.logger()
	inputs, err := fileInputs(cfg.Log, []string{h.log, second}, lg)
	if err != nil {
		t.Fatal(err)
	}
	metrics := NewMetrics(nil)
	h.metrics = metrics
	h.tick = make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	d := Deps{
		Config: cfg, Catalog: classify.Default(), Store: st, Log: lg, Host: "mx.example.org",
		Inputs: inputs, SourceName: "files",
		Sinks: map[string]notify.Transport{SinkEmail: h.mail}, Now: h.clock.now, Tick: h.tick, Metrics: metrics,
	}
	go func() { h.done <- Run(ctx, d); st.Close() }()
	h.waitLogs("following from the end", 2)

	// The first instance: Barracuda refuses at 14:02 and 14:04. The
	// second, read after it: a refusal at 14:01, a delivery to the same
	// receiver at 14:03 (between the refusals: it does not end them), a
	// Trend Micro deferral at 13:59.
	first := []string{
		rejection(t0.Add(2*time.Minute), "8A0000001", "alice@example.net"),
		rejection(t0.Add(4*time.Minute), "8A0000002", "bob@example.net"),
	}
	secondLines := []string{
		deferral(t0.Add(-time.Minute), "8B0000001", "dave@example.com"),
		rejection(t0.Add(time.Minute), "8B0000002", "carol@example.net"),
		sent(t0.Add(3*time.Minute), "8B0000003", "erin@example.net"),
	}
	h.clock.set(t0.Add(5 * time.Minute))
	appendLines(t, h.log, first...)
	h.read(2)
	appendLines(t, second, secondLines...)
	h.read(5)
	for s := 1; s <= 40; s++ {
		h.tickAt(t0.Add(5*time.Minute + time.Duration(s)*time.Second))
	}
	h.mail.wait(t, "opened")
	h.mail.wait(t, "opened")
	h.stop()
	stored := storedIncidents(t, h)

	// rblwatch replay of the two files, in the order read.
	res, err := pipeline.Replay(context.Background(), []pipeline.Input{
		{Name: "mail.log", R: strings.NewReader(strings.Join(first, "\n") + "\n"), Ref: t0.Add(5 * time.Minute)},
		{Name: "postfix-out.log", R: strings.NewReader(strings.Join(secondLines, "\n") + "\n"), Ref: t0.Add(5 * time.Minute)},
	}, pipeline.Options{Catalog: classify.Default(), Location: time.UTC, Settle: cfg.Notify.Settle, Quiet: cfg.Notify.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != 2 || len(stored) != 2 {
		t.Fatalf("daemon %v, replay %v; want Barracuda's and Trend Micro's", ids(stored), ids(res.Incidents))
	}
	for i, want := range res.Incidents {
		got := stored[i]
		if got.ID != want.ID || !got.FirstSeen.Equal(want.FirstSeen) || !got.LastSeen.Equal(want.LastSeen) || got.Bounced != want.Bounced ||
			got.Deferred != want.Deferred || got.Status != want.Status || want.Status != incident.Ongoing {
			t.Errorf("incident %s: daemon %s %s, %s; replay %s, %s", want.ID, got.ID, summary(got), got.Status, summary(want), want.Status)
		}
		// First and last seen: the earliest and the latest refusal,
		// whichever file told them.
		first, last, n := t0.Add(time.Minute), t0.Add(4*time.Minute), 3
		if got.Provider != "barracuda" {
			first, last, n = t0.Add(-time.Minute), t0.Add(-time.Minute), 1
		}
		if !got.FirstSeen.Equal(first) || !got.LastSeen.Equal(last) || got.Bounced+got.Deferred != n {
			t.Errorf("incident %s: %s; want first seen %v, last seen %v, %d refusals", got.ID, summary(got), first, last, n)
		}
	}
	for _, r := range ingest.RedatedNames {
		if v := testutil.ToFloat64(metrics.redated.WithLabelValues(r)); v != 0 {
			t.Errorf("redated %v lines (%s)", v, r)
		}
	}
}
