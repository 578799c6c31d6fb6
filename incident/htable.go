package incident

import (
	"hash/maphash"
	"iter"
)

// htable is the tracker's index of entries (*V) by a string key: queue id
// → a live message's metadata (Tracker.meta), queue id → an affected
// message (Tracker.byQueue), recipient domain → the incidents that refused
// it (Tracker.byDomain). Every line asks one or two of them, so they are
// not Go maps, for three reasons:
//   - the caller hashes the key (Tracker.hash), once a line for every
//     table it asks (a map hashed a line's queue id again for each
//     table, and the index that stood before byQueue and byDomain a
//     third time for its filter);
//   - most look-ups are of a key the table does not hold (a delivery of
//     a message no incident affects, to a domain no incident refused):
//     each slot's hash is in tags, 4 bytes a slot, and such a look-up
//     reads one word of it, where a map read its group's control word
//     and, on a 7-bit match, the key, and the filter in front of the
//     map read a slot of 64 KiB of counts, out of the caches;
//   - a key held is compared only when its slot's 32-bit hash matches.
//
// Open addressing with linear probing, at most half full; a removal shifts
// back the entries after the freed slot that probed past it, so no slot is
// ever marked deleted. The key of an entry is key(v): the entry keeps its
// own copy. The zero value is not ready: newHtable makes one.
type htable[V any] struct {
	tags []uint32 // each slot's hash, 0: empty (a hash of 0 is kept as 1); len a power of two, or 0
	vals []*V     // parallel to tags
	n    int
	key  func(*V) string
}

// htableMin is a table's first size in slots.
const htableMin = 64

func newHtable[V any](key func(*V) string) htable[V] { return htable[V]{key: key} }

// tag is the slot tag of hash h: never 0 (empty).
func tag(h uint32) uint32 { return max(h, 1) }

// get returns the entry of key k, whose hash is h; nil if none.
func (x *htable[V]) get(h uint32, k string) *V {
	if x.n == 0 {
		return nil
	}
	h = tag(h)
	mask := uint32(len(x.tags) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch x.tags[i] {
		case 0:
			return nil
		case h:
			if v := x.vals[i]; x.key(v) == k {
				return v
			}
		}
	}
}

// put adds v, whose key (key(v), not held) has hash h.
func (x *htable[V]) put(h uint32, v *V) {
	if 2*(x.n+1) > len(x.tags) {
		x.grow()
	}
	x.place(tag(h), v)
	x.n++
}

func (x *htable[V]) place(h uint32, v *V) {
	mask := uint32(len(x.tags) - 1)
	i := h & mask
	for x.tags[i] != 0 {
		i = (i + 1) & mask
	}
	x.tags[i], x.vals[i] = h, v
}

func (x *htable[V]) grow() {
	tags, vals := x.tags, x.vals
	n := max(2*len(tags), htableMin)
	x.tags, x.vals = make([]uint32, n), make([]*V, n)
	for i, h := range tags {
		if h != 0 {
			x.place(h, vals[i])
		}
	}
}

// del removes the entry of key k (hash h), if held.
func (x *htable[V]) del(h uint32, k string) {
	if x.n == 0 {
		return
	}
	h = tag(h)
	mask := uint32(len(x.tags) - 1)
	for i := h & mask; x.tags[i] != 0; i = (i + 1) & mask {
		if x.tags[i] == h && x.key(x.vals[i]) == k {
			x.remove(i)
			return
		}
	}
}

// delVal removes v, which the table holds under hash h: no key compared.
func (x *htable[V]) delVal(h uint32, v *V) {
	mask := uint32(len(x.tags) - 1)
	i := tag(h) & mask
	for x.vals[i] != v {
		i = (i + 1) & mask
	}
	x.remove(i)
}

// remove empties slot i.
func (x *htable[V]) remove(i uint32) {
	mask := uint32(len(x.tags) - 1)
	x.tags[i], x.vals[i] = 0, nil
	x.n--
	// Shift back the entries after it that probed past i.
	for j := (i + 1) & mask; x.tags[j] != 0; j = (j + 1) & mask {
		k := x.tags[j] & mask         // its home slot
		if (j-k)&mask >= (j-i)&mask { // i lies on its probe path from k to j
			x.tags[i], x.vals[i] = x.tags[j], x.vals[j]
			x.tags[j], x.vals[j] = 0, nil
			i = j
		}
	}
}

// len is the number of entries held.
func (x *htable[V]) len() int { return x.n }

// all yields the keys held and their entries, in no set order. The table
// must not change while it runs.
func (x *htable[V]) all() iter.Seq2[string, *V] {
	return func(yield func(string, *V) bool) {
		for i, h := range x.tags {
			if h != 0 && !yield(x.key(x.vals[i]), x.vals[i]) {
				return
			}
		}
	}
}

// strHash returns the hash of s the tracker's tables take (Tracker.hash;
// key random, maphash.Comparable(seed, 0)). A queue id is 8 to 16 bytes
// (Postfix's short ids 10 to 12 hex digits, its long ones 12 to 16
// characters): two overlapping words of it are mixed with the key by two
// multiplications, 15 instructions where maphash.String took 50 (a log's
// author cannot aim collisions at a key it does not know); anything
// shorter or longer is hashed by maphash. Its low bits are mixed too.
func strHash(seed maphash.Seed, key uint64, s string) uint64 {
	n := len(s)
	if n < 8 || n > 16 {
		return maphash.String(seed, s)
	}
	a, b := le64(s[:8]), le64(s[n-8:])
	h := (a ^ key) * 0x9e3779b97f4a7c15
	h = (h ^ h>>32 ^ b ^ uint64(n)) * 0xc2b2ae3d27d4eb4f
	return h ^ h>>32
}

// le64 reads the first 8 bytes of s as a little-endian word.
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
