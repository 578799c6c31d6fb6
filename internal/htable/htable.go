// Package htable is an index of entries by a string key whose hash the
// caller computes: the tracker's queue ids and recipient domains
// (incident.Tracker) and the hosts that refused (ingest.AddressBound),
// one table kind for both.
package htable

import (
	"iter"

	"github.com/rblwatch/rblwatch/internal/fresh"
)

// Table is an index of entries (*V) by a string key: the tracker's queue
// id → a live message's metadata, queue id → an affected message,
// recipient domain → the incidents that refused it, and AddressBound's
// host → its receiver. Every log line asks one or more of them, so they
// are not Go maps, for three reasons:
//   - the caller hashes the key (incident.Tracker.hash), once a line for
//     every table it asks (a map hashed a line's queue id again for each
//     table), and a replay's workers hash a refusal's host before the
//     merger asks (ingest.AddressBound.KeyOf);
//   - most look-ups are of a key the table does not hold (a delivery of
//     a message no incident affects, to a domain no incident refused):
//     each slot's hash is in tags, 4 bytes a slot, and such a look-up
//     reads one word of it, where a map read its group's control word
//     and, on a 7-bit match, the key;
//   - a key held is compared only when its slot's 32-bit hash matches.
//
// Open addressing with linear probing, at most half full; a removal shifts
// back the entries after the freed slot that probed past it, so no slot is
// ever marked deleted. The key of an entry is key(v): the entry keeps its
// own copy. The zero value is not ready: New makes one.
type Table[V any] struct {
	tags []uint32 // each slot's hash, 0: empty (a hash of 0 is kept as 1); len a power of two, or 0
	vals []*V     // parallel to tags
	n    int
	key  func(*V) string
}

// minSlots is a table's first size in slots.
const minSlots = 64

// New returns an empty table whose entries v have the key key(v).
func New[V any](key func(*V) string) Table[V] { return Table[V]{key: key} }

// tag is the slot tag of hash h: never 0 (empty).
func tag(h uint32) uint32 { return max(h, 1) }

// Get returns the entry of key k, whose hash is h; nil if none.
func (x *Table[V]) Get(h uint32, k string) *V {
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

// Put adds v, whose key (key(v), not held) has hash h.
func (x *Table[V]) Put(h uint32, v *V) {
	if 2*(x.n+1) > len(x.tags) {
		x.grow()
	}
	x.place(tag(h), v)
	x.n++
}

func (x *Table[V]) place(h uint32, v *V) {
	mask := uint32(len(x.tags) - 1)
	i := h & mask
	for x.tags[i] != 0 {
		i = (i + 1) & mask
	}
	x.tags[i], x.vals[i] = h, v
}

func (x *Table[V]) grow() {
	tags, vals := x.tags, x.vals
	n := max(2*len(tags), minSlots)
	x.tags, x.vals = fresh.Slice[uint32](n), fresh.Slice[*V](n)
	for i, h := range tags {
		if h != 0 {
			x.place(h, vals[i])
		}
	}
}

// Del removes the entry of key k (hash h), if held.
func (x *Table[V]) Del(h uint32, k string) {
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

// DelVal removes v, which the table holds under hash h: no key compared.
func (x *Table[V]) DelVal(h uint32, v *V) {
	mask := uint32(len(x.tags) - 1)
	i := tag(h) & mask
	for x.vals[i] != v {
		i = (i + 1) & mask
	}
	x.remove(i)
}

// remove empties slot i.
func (x *Table[V]) remove(i uint32) {
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

// Len is the number of entries held.
func (x *Table[V]) Len() int { return x.n }

// Clear empties the table, keeping its slots.
func (x *Table[V]) Clear() {
	clear(x.tags)
	clear(x.vals)
	x.n = 0
}

// Home returns the entry in the slot a key of hash h is looked for
// first, nil if it is empty: reading it ahead of a run of look-ups
// (ingest.AddressBound.Prefetch) has their cache misses taken together.
func (x *Table[V]) Home(h uint32) *V {
	if x.n == 0 {
		return nil
	}
	return x.vals[tag(h)&uint32(len(x.tags)-1)]
}

// All yields the keys held and their entries, in no set order. The table
// must not change while it runs.
func (x *Table[V]) All() iter.Seq2[string, *V] {
	return func(yield func(string, *V) bool) {
		for i, h := range x.tags {
			if h != 0 && !yield(x.key(x.vals[i]), x.vals[i]) {
				return
			}
		}
	}
}
