package htable

import (
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

// entry is a test table's entry.
type entry struct{ qid string }

// TestTable: a table answers as a map does through any mix of additions
// and removals — in particular after a removal shifts back the entries
// that probed past the freed slot, with the table small and at its
// fullest, keys of any length (Postfix's queue ids, shorter and longer
// ones, host names) — and whatever hash the caller gives: a full one,
// one of 3 bits (long probe runs, most slots' hashes equal: keys are told
// apart by comparing them) and a constant 0 (every key in one run; 0 is
// kept as 1, the empty slot's mark); Home gives the entry of a key's
// first slot; emptied, it holds none and fills again.
func TestTable(t *testing.T) {
	seed := maphash.MakeSeed()
	hashes := []struct {
		name string
		h    func(string) uint32
	}{
		{"maphash", func(s string) uint32 { return uint32(maphash.String(seed, s)) }},
		{"3 bits", func(s string) uint32 { return uint32(maphash.String(seed, s)) & 7 }},
		{"0", func(string) uint32 { return 0 }},
	}
	for _, hf := range hashes {
		for _, keys := range []int{10, 100, 3000} {
			if hf.name == "0" && keys > 100 {
				continue // quadratic
			}
			t.Run(fmt.Sprintf("%s/%d", hf.name, keys), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(keys)))
				x := New(func(m *entry) string { return m.qid })
				want := map[string]*entry{}
				for step := range 40 * keys {
					k := rng.IntN(keys)
					qid := []string{fmt.Sprintf("%X", 0x3E80986018+k), fmt.Sprintf("s%X", k), fmt.Sprintf("L%020X", k),
						strings.Repeat("x", 40) + fmt.Sprint(k)}[k%4]
					h := hf.h(qid)
					switch m := want[qid]; {
					case m == nil && rng.IntN(3) > 0:
						m = &entry{qid: qid}
						x.Put(h, m)
						want[qid] = m
					case m != nil && rng.IntN(2) == 0:
						if step%2 == 0 {
							x.Del(h, qid)
						} else {
							x.DelVal(h, m) // by its pointer
						}
						delete(want, qid)
					default:
						x.Del(h, qid+"-") // never held (its hash taken as qid's)
						x.Del(hf.h(qid+"-"), qid+"-")
					}
					if got := x.Get(h, qid); got != want[qid] {
						t.Fatalf("step %d: get(%s) = %v, want %v", step, qid, got, want[qid])
					}
					if x.Get(h, qid+"-") != nil {
						t.Fatalf("step %d: get(%s-) found an entry", step, qid)
					}
					if x.Len() != len(want) || 2*x.Len() > len(x.tags) || len(x.tags) != len(x.vals) {
						t.Fatalf("step %d: %d held in %d slots, want %d", step, x.Len(), len(x.tags), len(want))
					}
					if step%97 == 0 || step == 40*keys-1 {
						all := maps.Collect(x.All())
						if !maps.Equal(all, want) {
							t.Fatalf("step %d: All yields %d, want %d", step, len(all), len(want))
						}
						for k, m := range want {
							if x.Get(hf.h(k), k) != m {
								t.Fatalf("step %d: %s lost", step, k)
							}
						}
						for i, tg := range x.tags {
							if (tg == 0) != (x.vals[i] == nil) {
								t.Fatalf("step %d: slot %d tagged %d holds %v", step, i, tg, x.vals[i])
							}
						}
					}
					// A held key's first slot is never empty (no slot is
					// marked deleted), and holds an entry held.
					if home := x.Home(h); home == nil && want[qid] != nil || home != nil && want[home.qid] != home {
						t.Fatalf("step %d: Home(%s) = %v", step, qid, home)
					}
				}
				x.Clear()
				if x.Len() != 0 {
					t.Fatalf("%d held once emptied", x.Len())
				}
				for k := range want {
					if x.Get(hf.h(k), k) != nil || x.Home(hf.h(k)) != nil {
						t.Fatalf("%s found once emptied", k)
					}
				}
				for k, m := range want {
					x.Put(hf.h(k), m)
				}
				if all := maps.Collect(x.All()); !maps.Equal(all, want) {
					t.Fatalf("filled again: All yields %d, want %d", len(all), len(want))
				}
			})
		}
	}
}
