package pipeline

import (
	"slices"
	"testing"
	"time"
)

func TestHistogram(t *testing.T) {
	var h Histogram
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	// A day of rejections, one a minute, and a burst at its end.
	for m := range 24 * 60 {
		h.Add(t0.Add(time.Duration(m) * time.Minute))
	}
	for range 100 {
		h.Add(t0.Add(24 * time.Hour))
	}
	if h.Total() != 24*60+100 || len(h.Counts) > MaxBins {
		t.Fatalf("total %d in %d bins", h.Total(), len(h.Counts))
	}
	if span := time.Duration(len(h.Counts)) * h.Width; span < 24*time.Hour || h.Width > 24*time.Hour/(MaxBins/2) {
		t.Errorf("%d bins of %v", len(h.Counts), h.Width)
	}
	// Each bin's count is where the times were: the last bin holds the
	// burst.
	var last int
	var lastAt time.Time
	h.Each(func(at time.Time, n int) { lastAt, last = at, n })
	if last < 100 || lastAt.Before(t0.Add(23*time.Hour)) {
		t.Errorf("last bin %v: %d", lastAt, last)
	}
	var empty *Histogram
	if empty.Total() != 0 {
		t.Error("nil histogram counts")
	}
}

// TestHistogramOneArray: a histogram's counts live in one array, however
// often its bins double (the times of a refusal burst, a day, a week), and
// the counts in it are the times binned at the final width (no count left
// over from before a halving).
func TestHistogramOneArray(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		n    int
		step time.Duration
	}{
		{"one", 1, time.Second},
		{"burst", 50, time.Second},
		{"hour", 120, 30 * time.Second},
		{"day", 24 * 60, time.Minute},
		{"week", 7 * 24, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var h *Histogram
			allocs := testing.AllocsPerRun(10, func() {
				h = &Histogram{}
				for i := range tc.n {
					h.Add(t0.Add(time.Duration(i) * tc.step))
				}
			})
			if allocs > 2 { // the Histogram and its array
				t.Errorf("%.0f allocations for %d times", allocs, tc.n)
			}
			want := make([]int32, len(h.Counts))
			for i := range tc.n {
				want[int(time.Duration(i)*tc.step/h.Width)]++
			}
			if !slices.Equal(h.Counts, want) {
				t.Errorf("counts %v, binned at %v %v", h.Counts, h.Width, want)
			}
		})
	}
}
