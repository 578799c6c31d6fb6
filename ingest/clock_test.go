package ingest

import (
	"testing"
	"time"
)

// TestClock: the times the clock gives a sequence of records, with and
// without a wall clock, and what it counts.
func TestClock(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	zero := time.Time{}
	type rec struct {
		stamp time.Time
		want  time.Time // zero: none given (Date's false)
	}
	for _, tc := range []struct {
		name    string
		wall    time.Time // zero: a replay
		live    bool
		recs    []rec
		redated [numRedated]int64
	}{
		{name: "ordinary times are taken", recs: []rec{{at(0), at(0)}, {at(time.Second), at(time.Second)}, {at(time.Hour), at(time.Hour)}}},
		{name: "earlier times are taken (files interleave)", recs: []rec{{at(time.Hour), at(time.Hour)}, {at(0), at(0)}, {at(time.Minute), at(time.Minute)}}},
		{name: "no time at the start: none", recs: []rec{{zero, zero}, {at(0), at(0)}}, redated: [numRedated]int64{RedatedUntimed: 1}},
		{name: "no time: the line before's", recs: []rec{{at(0), at(0)}, {zero, at(0)}, {at(time.Second), at(time.Second)}}, redated: [numRedated]int64{RedatedUntimed: 1}},
		{name: "1970 and 1999: the line before's", recs: []rec{{at(0), at(0)}, {time.Unix(0, 0), at(0)}, {time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC), at(0)}},
			redated: [numRedated]int64{RedatedUntimed: 2}},
		{name: "a quiet log: days apart are taken", recs: []rec{{at(0), at(0)}, {at(4 * 24 * time.Hour), at(4 * 24 * time.Hour)}, {at(9 * 24 * time.Hour), at(9 * 24 * time.Hour)}, {at(19 * 24 * time.Hour), at(19 * 24 * time.Hour)}}},
		{name: "a quiet log, with a wall clock past it: days apart are taken", wall: at(30 * 24 * time.Hour), recs: []rec{{at(0), at(0)}, {at(4 * 24 * time.Hour), at(4 * 24 * time.Hour)}, {at(19 * 24 * time.Hour), at(19 * 24 * time.Hour)}}},
		{name: "a year ahead of a replay's files: the line before's", wall: at(time.Hour), recs: []rec{{at(0), at(0)}, {at(200 * 24 * time.Hour), at(0)}, {at(time.Minute), at(time.Minute)}},
			redated: [numRedated]int64{RedatedAhead: 1}},
		{name: "ahead of the wall clock at the live end: the wall clock", wall: at(time.Hour), live: true, recs: []rec{{at(0), at(0)}, {at(time.Hour + 6*time.Minute), at(time.Hour)}, {at(time.Hour + 4*time.Minute), at(time.Hour + 4*time.Minute)}},
			redated: [numRedated]int64{RedatedAhead: 1}},
		{name: "ahead of the wall clock in a backlog: the line before's", wall: at(time.Hour), recs: []rec{{at(0), at(0)}, {at(time.Hour + 6*time.Minute), at(0)}, {at(time.Hour + 4*time.Minute), at(time.Hour + 4*time.Minute)}},
			redated: [numRedated]int64{RedatedAhead: 1}},
		{name: "exactly MaxAhead past the wall clock: as stamped", wall: at(time.Hour), recs: []rec{{at(0), at(0)}, {at(time.Hour + MaxAhead), at(time.Hour + MaxAhead)}}},
		{name: "a nanosecond more: ahead", wall: at(time.Hour), recs: []rec{{at(0), at(0)}, {at(time.Hour + MaxAhead + 1), at(0)}},
			redated: [numRedated]int64{RedatedAhead: 1}},
		{name: "ahead of the wall clock at the start: the wall clock", wall: at(0), recs: []rec{{at(365 * 24 * time.Hour), at(0)}}, redated: [numRedated]int64{RedatedAhead: 1}},
		{name: "ahead of the wall clock in a backlog: the line before's", wall: at(72 * time.Hour), recs: []rec{{at(0), at(0)}, {at(365 * 24 * time.Hour), at(0)}, {at(366 * 24 * time.Hour), at(0)}},
			redated: [numRedated]int64{RedatedAhead: 2}},
		{name: "no time at the live end: the wall clock", wall: at(time.Hour), live: true, recs: []rec{{at(0), at(0)}, {zero, at(time.Hour)}, {zero, at(time.Hour)}},
			redated: [numRedated]int64{RedatedUntimed: 2}},
		{name: "no time at the live end, first: the wall clock", wall: at(time.Hour), live: true, recs: []rec{{zero, at(time.Hour)}}, redated: [numRedated]int64{RedatedUntimed: 1}},
		{name: "no time in a backlog, first: none", wall: at(time.Hour), recs: []rec{{zero, zero}}, redated: [numRedated]int64{RedatedUntimed: 1}},
		{name: "a silent day at the live end is no outlier", wall: at(50 * time.Hour), live: true, recs: []rec{{at(0), at(0)}, {at(50 * time.Hour), at(50 * time.Hour)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Clock
			c.SetWall(tc.wall, tc.live)
			for i, r := range tc.recs {
				got, ok := c.Date(r.stamp)
				if ok != !r.want.IsZero() || !got.Equal(r.want) {
					t.Errorf("record %d stamped %v: %v (%v), want %v", i, r.stamp, got, ok, r.want)
				}
			}
			if c.Redated != tc.redated {
				t.Errorf("redated %v, want %v", c.Redated, tc.redated)
			}
		})
	}
}

// TestClockAside: a record dated aside gets the same time by the same rules
// and leaves the clock as it was, so the records dated after it get what a
// replay (which never sees it) gives them.
func TestClockAside(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	var main, replay Clock
	for _, c := range []*Clock{&main, &replay} {
		c.Date(t0)
	}
	if got, _ := main.DateAside(t0.Add(20 * time.Hour)); !got.Equal(t0.Add(20 * time.Hour)) {
		t.Errorf("aside: %v, want its own time", got)
	}
	if got, _ := main.DateAside(t0.Add(60 * time.Hour)); !got.Equal(t0.Add(60 * time.Hour)) {
		t.Errorf("aside, days later: %v, want its own time", got)
	}
	if got, _ := main.DateAside(time.Time{}); !got.Equal(t0) {
		t.Errorf("aside without a time: %v, want the line before's", got)
	}
	for _, s := range []time.Time{{}, t0.Add(61 * time.Hour), t0.Add(time.Minute)} {
		a, _ := main.Date(s)
		b, _ := replay.Date(s)
		if !a.Equal(b) {
			t.Errorf("stamped %v: %v after the records aside, %v without them", s, a, b)
		}
	}
}

// TestClockSameTime: a time given again (most records share their second
// with the one before) is dated as the first time was, unless the wall
// clock moved in between, and a time dated aside still moves the clock when
// it is then dated in log order.
func TestClockSameTime(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	var c Clock
	c.SetWall(t0.Add(time.Hour), true)
	for range 3 {
		if got, ok := c.Date(t0); !ok || !got.Equal(t0) {
			t.Fatalf("stamped %v: %v (%v)", t0, got, ok)
		}
	}
	if c.Latest() != t0 || c.Taken() != t0 {
		t.Errorf("latest %v, taken %v, want %v", c.Latest(), c.Taken(), t0)
	}
	// The daemon's wall clock stepped back (the host's clock was set):
	// the same stamp is now ahead of it and dated at the wall clock.
	back := t0.Add(-time.Hour)
	c.SetWall(back, true)
	if got, _ := c.Date(t0); !got.Equal(t0) {
		// latest (t0) is later than the wall clock: the latest time read
		t.Errorf("after the wall clock stepped back: %v, want %v", got, t0)
	}
	if c.Redated[RedatedAhead] != 1 {
		t.Errorf("redated %v, want one ahead", c.Redated)
	}
	// Dated aside first, then in log order: the clock moves then.
	t1 := t0.Add(time.Minute)
	var d Clock
	d.Date(t0)
	d.DateAside(t1)
	if got, _ := d.Date(t1); !got.Equal(t1) || !d.Latest().Equal(t1) || !d.Taken().Equal(t1) {
		t.Errorf("dated aside then in order: %v, latest %v, taken %v, want %v", got, d.Latest(), d.Taken(), t1)
	}
	if got, _ := d.Date(t1); !got.Equal(t1) || d.Redated != [numRedated]int64{} {
		t.Errorf("again: %v, redated %v", got, d.Redated)
	}
}
