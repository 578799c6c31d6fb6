package incident

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestIndexAgreesWithMap: whatever puts and deletes it went through, an
// index answers every key as a plain map does — below filterFrom keys
// (no filter), above (the filter built from the keys there, then kept),
// back below, and grown again; each slot counts the keys held in it. A
// slot at 255 stays there (set directly: 255 keys of one slot would need
// crafted hashes).
func TestIndexAgreesWithMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := newIndex[int]()
	want := map[string]int{}
	key := func() string { return fmt.Sprintf("k%d", rng.IntN(3000)) }
	check := func(step int) {
		t.Helper()
		if x.len() != len(want) {
			t.Fatalf("step %d: len %d, want %d", step, x.len(), len(want))
		}
		for i := range 3000 {
			k := fmt.Sprintf("k%d", i)
			if got := x.get(k); got != want[k] {
				t.Fatalf("step %d: get(%q) = %d, want %d (filtered: %v)", step, k, got, want[k], x.counts != nil)
			}
		}
	}
	for step := range 6000 {
		// Grow to about 2,000 keys, then shrink to a few, then grow again.
		grow := step < 2500 || step >= 4500
		if rng.IntN(4) > 0 == grow {
			k := key()
			want[k] = step + 1
			x.put(k, step+1)
		} else {
			// Delete a present key (most of the time) or an absent one.
			k := key()
			for kk := range want {
				if rng.IntN(2) == 0 {
					k = kk
				}
				break
			}
			delete(want, k)
			x.del(k)
		}
		if step%500 == 499 {
			check(step)
		}
	}
	if x.counts == nil {
		t.Fatal("the filter was never built")
	}
	// The counts are those of the keys held.
	counts := map[*uint8]int{}
	for k := range want {
		counts[x.slot(k)]++
	}
	for i := range x.counts {
		if c := x.counts[i]; c != 0 && counts[&x.counts[i]] != int(c) {
			t.Fatalf("slot %d counts %d, holds %d keys", i, c, counts[&x.counts[i]])
		}
	}
	for p, n := range counts {
		if int(*p) != n {
			t.Fatalf("a slot counts %d, holds %d keys", *p, n)
		}
	}

	// A slot at 255 stays there: deleting its keys never makes it say
	// "absent" for a key still held.
	y := newIndex[int]()
	for i := range filterFrom {
		y.put(fmt.Sprintf("y%d", i), 1)
	}
	k := "kept"
	y.put(k, 7)
	*y.slot(k) = 255
	y.del(k)
	if *y.slot(k) != 255 {
		t.Fatalf("a saturated slot went down to %d", *y.slot(k))
	}
	y.put(k, 8)
	if y.get(k) != 8 {
		t.Fatalf("get after a saturated slot = %d", y.get(k))
	}
}
