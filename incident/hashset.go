package incident

import (
	"slices"

	"github.com/rblwatch/rblwatch/internal/fresh"
)

// hashSet is a set of 64-bit hashes: an active incident's distinct
// recipients or recipient domains (MaxDistinct). Its table is a []uint64
// of open addressing with linear probing, filled to at most 7/8 before it
// doubles (0 marks an empty slot; a hash of 0 is kept as 1, which makes
// the two one, as likely as any two hashes being equal): 8 bytes a slot,
// 9–18 bytes an entry. Go's map[uint64]struct{} took 24–38 (its groups'
// control words, a table per 1,024 slots, growth in steps): the active
// incidents of the 20 M-line dense log of bench/replay.sh hold half a
// million hashes, 14.5 MiB of the replay's 44 MiB live heap as maps.
// A table stops growing at hashSetMax slots: when it is full, its hashes
// join sorted, an ordered slice (8 bytes a hash, and an eighth more room),
// and it starts empty. A set of an incident that refused tens of
// thousands of recipients is then mostly sorted, and a look-up a binary
// search of it. The zero value is an empty set.
type hashSet struct {
	slots  []uint64 // len a power of two, or 0
	n      int      // hashes in slots
	sorted []uint64 // hashes that left a full table, in order
}

const (
	// hashSetMin is a table's first size in slots: most incidents
	// refuse few recipients.
	hashSetMin = 8
	// hashSetMax is the most slots a table has (8 KiB).
	hashSetMax = 1024
)

// has reports whether the set holds h.
func (s *hashSet) has(h uint64) bool {
	h = max(h, 1)
	if s.n > 0 && s.slots[s.find(h)] == h {
		return true
	}
	if len(s.sorted) == 0 {
		return false
	}
	_, ok := slices.BinarySearch(s.sorted, h)
	return ok
}

// add puts h in the set and reports whether it was not there.
func (s *hashSet) add(h uint64) bool {
	if s.has(h) {
		return false
	}
	h = max(h, 1)
	if (s.n+1)*8 > len(s.slots)*7 {
		if len(s.slots) >= hashSetMax {
			s.spill()
		} else {
			s.grow()
		}
	}
	s.insert(h)
	s.n++
	return true
}

// insert puts h (not 0) in a slot, unless it is there.
func (s *hashSet) insert(h uint64) bool {
	i := s.find(h)
	if s.slots[i] == h {
		return false
	}
	s.slots[i] = h
	return true
}

// find returns the slot of h (not 0), or the empty one where it goes.
func (s *hashSet) find(h uint64) uint64 {
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != h && s.slots[i] != 0 {
		i = (i + 1) & mask
	}
	return i
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = fresh.Slice[uint64](max(2*len(old), hashSetMin))
	for _, h := range old {
		if h != 0 {
			s.insert(h)
		}
	}
}

// spill moves the table's hashes to sorted and empties the table: the
// table's, sorted, are merged into sorted from its end, in place.
func (s *hashSet) spill() {
	k := len(s.sorted)
	if cap(s.sorted)-k < s.n {
		s.sorted = slices.Grow(s.sorted, max(s.n, k/8))
	}
	s.sorted = s.sorted[:k+s.n]
	add := s.sorted[k:] // the table's hashes, sorted,
	j := 0
	for i, h := range s.slots {
		if h != 0 {
			add[j] = h
			j++
			s.slots[i] = 0
		}
	}
	slices.Sort(add)
	// then merged with sorted[:k] from the end.
	tmp := slices.Clone(add)
	i, j, w := k-1, len(tmp)-1, len(s.sorted)-1
	for j >= 0 {
		if i >= 0 && s.sorted[i] > tmp[j] {
			s.sorted[w] = s.sorted[i]
			i--
		} else {
			s.sorted[w] = tmp[j]
			j--
		}
		w--
	}
	s.n = 0
}

// len is the number of hashes held.
func (s *hashSet) len() int { return s.n + len(s.sorted) }
