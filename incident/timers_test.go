package incident

import (
	"math"
	"slices"
	"testing"
	"time"
)

// TestLaterDeadlineStaysInPlace: refusals move an incident's quiet
// deadline later, and schedule leaves the incident where it is in the heap
// (its key before the deadline); when the key comes, advance puts the
// incident at its deadline without running anything (no clear, no digest),
// and the deadline itself runs as it would have. A delivery's pending
// clear, earlier, moves the key forward at once.
func TestLaterDeadlineStaysInPlace(t *testing.T) {
	tr := New(Config{Quiet: time.Hour, Renotify: 2 * time.Hour, Settle: 10 * time.Minute})
	var steps []step
	for i, sec := range []int{0, 600, 1200, 1800} {
		steps = append(steps, step{r: delivery(sec, "Q"+string(rune('A'+i)), "a@example.net", "deferred"), v: spamhaus})
	}
	if got := kinds(run(tr, steps)); !slices.Equal(got, []string{"opened:spamhaus"}) {
		t.Fatalf("refusals: %v", got)
	}
	st := tr.active[Key{Provider: "spamhaus", Listed: "192.0.2.1"}]
	if want := nanos(t0.Add(time.Hour)); st.due != want {
		t.Errorf("key after the refusals %d, want the first refusal's quiet deadline %d (sifted at every refusal)", st.due, want)
	}
	if evs := run(tr, []step{{tick: 3600}}); len(evs) != 0 {
		t.Errorf("at the first refusal's quiet deadline: %v, want nothing", kinds(evs))
	}
	if want := nanos(t0.Add(90 * time.Minute)); st.due != want || st.hidx != 0 {
		t.Errorf("key after it came %d at %d, want %d at 0", st.due, st.hidx, want)
	}
	// A delivery sets a clear pending, due before the key: the key moves
	// forward, and the clear runs at its time.
	evs := run(tr, []step{{r: delivery(3700, "QS", "b@example.net", "sent")}, {tick: 3700 + 599}})
	if want := nanos(t0.Add(3700*time.Second + 10*time.Minute)); st.due != want || len(evs) != 0 {
		t.Errorf("pending clear: key %d, events %v; want %d, none", st.due, kinds(evs), want)
	}
	evs = run(tr, []step{{tick: 3700 + 600}})
	if got := kinds(evs); !slices.Equal(got, []string{"cleared:spamhaus"}) || st.inc.ClearedBy != "delivered" || st.hidx != -1 {
		t.Errorf("at the settle time: %v by %q (heap index %d), want cleared by delivered, out of the heap", got, st.inc.ClearedBy, st.hidx)
	}
}

// TestNanos: the timers' keys are Unix nanoseconds, saturated past what an
// int64 holds.
func TestNanos(t *testing.T) {
	tests := []struct {
		t    time.Time
		d    time.Duration
		want int64
	}{
		{t0, 0, t0.UnixNano()},
		{t0, time.Hour, t0.Add(time.Hour).UnixNano()},
		{t0.Add(time.Nanosecond), -time.Minute, t0.Add(time.Nanosecond - time.Minute).UnixNano()},
		{time.Unix(0, 0), 0, 0},
		{time.Time{}, 0, math.MinInt64},
		{time.Time{}, time.Hour, math.MinInt64 + int64(time.Hour)},
		{time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC), 0, time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()},
		{time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC), 200 * 24 * time.Hour, math.MaxInt64},
		{time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), -time.Hour, math.MaxInt64 - int64(time.Hour)},
		{time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC), -time.Hour, math.MinInt64},
		{t0, math.MaxInt64, math.MaxInt64},
		{time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC), math.MinInt64, math.MinInt64},
	}
	for _, tc := range tests {
		if got := nanosAfter(tc.t, tc.d); got != tc.want {
			t.Errorf("nanosAfter(%v, %v) = %d, want %d", tc.t, tc.d, got, tc.want)
		}
	}
}
