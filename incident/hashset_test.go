package incident

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestHashSet: a hashSet holds what was added, once each (0 and 1 are
// one, as documented), and nothing else, at every size it grows through.
func TestHashSet(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 100, hashSetMax * 7 / 8, hashSetMax*7/8 + 1, 10_000, 100_000} {
		r := rand.New(rand.NewPCG(uint64(n), 3))
		var s hashSet
		in := map[uint64]bool{}
		for range n {
			h := r.Uint64()
			if s.add(h) == in[h] {
				t.Fatalf("n=%d: add(%x) reported new=%v, held before: %v", n, h, !in[h], in[h])
			}
			in[h] = true
		}
		if s.len() != len(in) {
			t.Errorf("n=%d: len %d, want %d", n, s.len(), len(in))
		}
		for h := range in {
			if !s.has(h) || s.add(h) {
				t.Errorf("n=%d: %x lost", n, h)
			}
		}
		for range 1000 {
			if h := r.Uint64(); !in[h] && s.has(h) {
				t.Errorf("n=%d: holds %x, never added", n, h)
			}
		}
	}
	var s hashSet
	if !s.add(0) || !s.has(0) || !s.has(1) || s.add(1) || s.len() != 1 {
		t.Errorf("0 and 1: %+v", s)
	}
}

// TestDistinctRecipientsMemory: what an incident that refused many
// recipients keeps to count them stays near 8 bytes a recipient, its
// hashes in order but for a table of at most hashSetMax (MaxDistinct of
// them at most, all incidents together). It took 37 as a
// map[uint64]struct{} (the 20 M-line dense log: 14.5 MiB for half a
// million) and 16 in the table alone, and fails again past 11.
func TestDistinctRecipientsMemory(t *testing.T) {
	const n = 1 << 17
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	obs := make([]Observation, n)
	for i := range obs {
		// No queue id: the refusal counts its recipient, and no message.
		obs[i] = Observation{Kind: postfixlog.KindDelivery, At: at, Status: "deferred",
			To: fmt.Sprintf("u%d@example.net", i), Raw: "the line", Verdict: &spamhaus}
	}
	tr := New(Config{CountsOnly: true, NoEvents: true})
	tr.Observe(&obs[0])
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before := heap()
	for i := 1; i < n; i++ {
		tr.Observe(&obs[i])
	}
	grown := heap() - before
	runtime.KeepAlive(obs) // the lines are not the tracker's
	runtime.KeepAlive(tr)
	if b := tr.Bounds(); b.Distinct != n+1 || b.Untold != 0 {
		t.Fatalf("bounds %+v, want %d distinct (the recipients and their domain)", b, n+1)
	}
	per := float64(grown) / n
	t.Logf("%.1f bytes a distinct recipient", per)
	if per > 11 {
		t.Errorf("%.1f bytes a distinct recipient (%d bytes for %d); want at most 11", per, grown, n)
	}
	incs := tr.Incidents()
	if len(incs) != 1 || incs[0].MoreRecipients != n {
		t.Errorf("incidents %+v", incs)
	}
}
