package classify

// matcher finds every occurrence of a fixed set of literals in one pass
// (Aho–Corasick, compiled to a full transition table over byte classes).
// Literals are lower-case; the text it scans is already lower-cased.
type matcher struct {
	class  [256]uint8
	n      int32     // number of byte classes (class 0: bytes in no literal)
	delta  []int32   // state*n + class → next state
	out    [][]int32 // literals ending in a state, failure outputs merged in
	nlits  int
	maxLit int
}

func newMatcher(lits []string) *matcher {
	m := &matcher{nlits: len(lits)}
	var seen [256]bool
	distinct := 0
	for _, l := range lits {
		if len(l) > m.maxLit {
			m.maxLit = len(l)
		}
		for i := 0; i < len(l); i++ {
			if !seen[l[i]] {
				seen[l[i]] = true
				distinct++
			}
		}
	}
	if distinct < 255 {
		next := uint8(1)
		for b := 0; b < 256; b++ {
			if seen[b] {
				m.class[b] = next
				next++
			}
		}
		m.n = int32(next)
	} else {
		// Pathological catalog: one class per byte value.
		for b := 0; b < 256; b++ {
			m.class[b] = uint8(b)
		}
		m.n = 256
	}
	// Upper-case ASCII behaves as lower-case.
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	n := m.n
	// Trie: goto edges, -1 for none. There is at most one state per
	// literal byte, plus the root: allocate that once instead of growing
	// the table a row at a time.
	maxStates := 1
	for _, l := range lits {
		maxStates += len(l)
	}
	gotoT := make([]int32, n, int(n)*maxStates)
	for i := range gotoT {
		gotoT[i] = -1
	}
	m.out = make([][]int32, 1, maxStates)
	states := int32(1)
	for id, l := range lits {
		s := int32(0)
		for i := 0; i < len(l); i++ {
			c := int32(m.class[l[i]])
			t := gotoT[s*n+c]
			if t < 0 {
				t = states
				states++
				for range n {
					gotoT = append(gotoT, -1)
				}
				m.out = append(m.out, nil)
				gotoT[s*n+c] = t
			}
			s = t
		}
		m.out[s] = append(m.out[s], int32(id))
	}
	// Breadth-first: failure links, full transitions, merged outputs.
	m.delta = gotoT
	fail := make([]int32, states)
	queue := make([]int32, 0, states)
	for c := int32(0); c < n; c++ {
		t := m.delta[c]
		if t < 0 {
			m.delta[c] = 0
			continue
		}
		fail[t] = 0
		queue = append(queue, t)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for c := int32(0); c < n; c++ {
			t := m.delta[s*n+c]
			if t < 0 {
				m.delta[s*n+c] = m.delta[fail[s]*n+c]
				continue
			}
			f := m.delta[fail[s]*n+c]
			fail[t] = f
			if len(m.out[f]) > 0 {
				merged := make([]int32, 0, len(m.out[t])+len(m.out[f]))
				merged = append(merged, m.out[t]...)
				merged = append(merged, m.out[f]...)
				m.out[t] = merged
			}
			queue = append(queue, t)
		}
	}
	return m
}

// scan sets bit i of hits for every literal i found in text.
func (m *matcher) scan(text []byte, hits []uint64) {
	s := int32(0)
	n := m.n
	delta := m.delta
	for _, b := range text {
		s = delta[s*n+int32(m.class[b])]
		if o := m.out[s]; o != nil {
			for _, id := range o {
				hits[id>>6] |= 1 << (uint(id) & 63)
			}
		}
	}
}
