package incident

// hashSet is a set of 64-bit hashes: an active incident's distinct
// recipients or recipient domains (MaxDistinct). It is one []uint64 of
// open addressing with linear probing, filled to at most 7/8 before it
// doubles (0 marks an empty slot; a hash of 0 is kept as 1, which makes
// the two one, as likely as any two hashes being equal): 8 bytes a slot,
// 9–18 bytes an entry. Go's map[uint64]struct{} took 24–38 (its groups'
// control words, a table per 1,024 slots, growth in steps): the active
// incidents of the 20 M-line dense log of bench/replay.sh hold half a
// million hashes, 14.5 MiB of the replay's 44 MiB live heap as maps.
// The zero value is an empty set.
type hashSet struct {
	slots []uint64 // len a power of two, or 0
	n     int
}

// hashSetMin is a set's first size in slots: most incidents refuse few
// recipients.
const hashSetMin = 8

// has reports whether the set holds h.
func (s *hashSet) has(h uint64) bool {
	if s.n == 0 {
		return false
	}
	h = max(h, 1)
	return s.slots[s.find(h)] == h
}

// add puts h in the set and reports whether it was not there.
func (s *hashSet) add(h uint64) bool {
	if (s.n+1)*8 > len(s.slots)*7 {
		s.grow()
	}
	if s.insert(max(h, 1)) {
		s.n++
		return true
	}
	return false
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
	s.slots = make([]uint64, max(2*len(old), hashSetMin))
	for _, h := range old {
		if h != 0 {
			s.insert(h)
		}
	}
}

// len is the number of hashes held.
func (s *hashSet) len() int { return s.n }

// bytes is the memory the set's slots take.
func (s *hashSet) bytes() int { return 8 * cap(s.slots) }
