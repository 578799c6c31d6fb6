package incident

import (
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestHtable: the tracker's tables answer as a map does through any mix
// of additions and removals — in particular after a removal shifts back
// the entries that probed past the freed slot, with the table small and
// at its fullest, keys of any length (Postfix's queue ids, shorter and
// longer ones, longer than any word strHash reads) — and whatever hash
// the caller gives: the tracker's, one of 3 bits (long probe runs, most
// slots' hashes equal: keys are told apart by comparing them) and a
// constant 0 (every key in one run; 0 is kept as 1, the empty slot's
// mark).
func TestHtable(t *testing.T) {
	seed := maphash.MakeSeed()
	key := maphash.Comparable(seed, 0)
	hashes := []struct {
		name string
		h    func(string) uint32
	}{
		{"tracker's", func(s string) uint32 { return uint32(strHash(seed, key, s)) }},
		{"3 bits", func(s string) uint32 { return uint32(strHash(seed, key, s)) & 7 }},
		{"0", func(string) uint32 { return 0 }},
	}
	for _, hf := range hashes {
		for _, keys := range []int{10, 100, 3000} {
			if hf.name == "0" && keys > 100 {
				continue // quadratic
			}
			t.Run(fmt.Sprintf("%s/%d", hf.name, keys), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(keys)))
				x := newHtable(func(m *msgMeta) string { return m.qid })
				want := map[string]*msgMeta{}
				for step := range 40 * keys {
					k := rng.IntN(keys)
					qid := []string{fmt.Sprintf("%X", 0x3E80986018+k), fmt.Sprintf("s%X", k), fmt.Sprintf("L%020X", k),
						strings.Repeat("x", 40) + fmt.Sprint(k)}[k%4]
					h := hf.h(qid)
					switch m := want[qid]; {
					case m == nil && rng.IntN(3) > 0:
						m = &msgMeta{qid: qid}
						x.put(h, m)
						want[qid] = m
					case m != nil && rng.IntN(2) == 0:
						if step%2 == 0 {
							x.del(h, qid)
						} else {
							x.delVal(h, m) // by its pointer
						}
						delete(want, qid)
					default:
						x.del(h, qid+"-") // never held (its hash taken as qid's)
						x.del(hf.h(qid+"-"), qid+"-")
					}
					if got := x.get(h, qid); got != want[qid] {
						t.Fatalf("step %d: get(%s) = %v, want %v", step, qid, got, want[qid])
					}
					if x.get(h, qid+"-") != nil {
						t.Fatalf("step %d: get(%s-) found an entry", step, qid)
					}
					if x.len() != len(want) || 2*x.len() > len(x.tags) || len(x.tags) != len(x.vals) {
						t.Fatalf("step %d: %d held in %d slots, want %d", step, x.len(), len(x.tags), len(want))
					}
					if step%97 == 0 || step == 40*keys-1 {
						all := maps.Collect(x.all())
						if !maps.Equal(all, want) {
							t.Fatalf("step %d: all() yields %d, want %d", step, len(all), len(want))
						}
						for k, m := range want {
							if x.get(hf.h(k), k) != m {
								t.Fatalf("step %d: %s lost", step, k)
							}
						}
						for i, tg := range x.tags {
							if (tg == 0) != (x.vals[i] == nil) {
								t.Fatalf("step %d: slot %d tagged %d holds %v", step, i, tg, x.vals[i])
							}
						}
					}
				}
			})
		}
	}
}
