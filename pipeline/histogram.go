package pipeline

import "time"

// Histogram counts the times of an incident's rejections in at most
// MaxBins bins of equal width from Start, for the report's timeline: a
// replay keeps the counts, not every time, so its memory does not grow
// with the log. The width starts at a second and doubles (adjacent bins
// merge) whenever a time falls beyond the last bin, so the bins cover the
// incident at a resolution of at least 1/(MaxBins/2) of its length.
type Histogram struct {
	Start  time.Time
	Width  time.Duration
	Counts []int32
}

// MaxBins bounds a Histogram.
const MaxBins = 128

// Add counts one time. Times before Start count in the first bin.
func (h *Histogram) Add(t time.Time) {
	if h.Width == 0 {
		h.Start, h.Width = t, time.Second
	}
	i := 0
	if d := t.Sub(h.Start); d > 0 {
		for d/h.Width >= MaxBins {
			h.halve()
		}
		i = int(d / h.Width)
	}
	if h.Counts == nil {
		// Room for every bin at once: grown by append, the counts of an
		// incident were copied through seven arrays (a dense log's
		// replay: 1,279 incidents, 2 MB of such copies).
		h.Counts = make([]int32, 0, MaxBins)
	}
	for len(h.Counts) <= i {
		h.Counts = append(h.Counts, 0)
	}
	h.Counts[i]++
}

// halve doubles the width of the bins.
func (h *Histogram) halve() {
	n := (len(h.Counts) + 1) / 2
	for i := range n {
		c := h.Counts[2*i]
		if 2*i+1 < len(h.Counts) {
			c += h.Counts[2*i+1]
		}
		h.Counts[i] = c
	}
	h.Counts = h.Counts[:n]
	h.Width *= 2
}

// Total is the number of times counted.
func (h *Histogram) Total() int {
	n := 0
	if h != nil {
		for _, c := range h.Counts {
			n += int(c)
		}
	}
	return n
}

// Each calls fn with the middle of each bin that counted something, and its
// count.
func (h *Histogram) Each(fn func(at time.Time, n int)) {
	if h == nil {
		return
	}
	for i, c := range h.Counts {
		if c > 0 {
			fn(h.Start.Add(time.Duration(i)*h.Width+h.Width/2), int(c))
		}
	}
}
