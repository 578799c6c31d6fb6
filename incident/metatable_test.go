package incident

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// TestMetaTable: the tracker's queue id index answers as a map does
// through any mix of additions and removals — in particular after a
// removal shifts back the entries that probed past the freed slot, with
// the table small (many collisions) and at its fullest, keys of any length.
func TestMetaTable(t *testing.T) {
	for _, keys := range []int{10, 100, 3000} {
		t.Run(fmt.Sprint(keys), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(keys)))
			var x metaTable
			want := map[string]*msgMeta{}
			for step := range 40 * keys {
				// Postfix's queue ids (10 hex digits, hash's words), and
				// shorter and longer keys (maphash).
				k := rng.IntN(keys)
				qid := []string{fmt.Sprintf("%X", 0x3E80986018+k), fmt.Sprintf("s%X", k), fmt.Sprintf("L%020X", k)}[k%3]
				switch m := want[qid]; {
				case m == nil && rng.IntN(3) > 0:
					m = &msgMeta{qid: qid}
					x.put(m)
					want[qid] = m
				case m != nil && rng.IntN(2) == 0:
					if step%2 == 0 {
						x.del(qid)
					} else {
						x.delMeta(m) // by its pointer
					}
					delete(want, qid)
				default:
					x.del(qid + "-") // never held
				}
				if got := x.get(qid); got != want[qid] {
					t.Fatalf("step %d: get(%s) = %v, want %v", step, qid, got, want[qid])
				}
				if x.len() != len(want) || 2*x.len() > len(x.slots) {
					t.Fatalf("step %d: %d held in %d slots, want %d", step, x.len(), len(x.slots), len(want))
				}
				if step%97 == 0 || step == 40*keys-1 {
					all := maps.Collect(x.all())
					if !maps.Equal(all, want) {
						t.Fatalf("step %d: all() yields %d, want %d", step, len(all), len(want))
					}
					for k, m := range want {
						if x.get(k) != m {
							t.Fatalf("step %d: %s lost", step, k)
						}
					}
				}
			}
		})
	}
}
