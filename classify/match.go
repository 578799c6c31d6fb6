package classify

// matcher finds every occurrence of a fixed set of literals in one pass
// (Aho–Corasick, compiled to a full transition table over byte classes).
// Literals are lower-case; the text it scans is already lower-cased.
//
// A literal matches whole words only: where it begins with a letter or
// digit, the byte before it must not be one, and where it ends with one,
// neither may the byte after it ("rbl" is not found in "verbly", "orbs" not
// in "absorbs"). Bytes outside ASCII never count as letters, so literals in
// Japanese or Chinese, written without spaces, match inside a sentence. A
// literal written with a trailing "*" is a prefix ("[tss*" finds "[tss04]")
// and one with a leading "*" a suffix; see literal.
type matcher struct {
	class  [256]uint8
	n      int32     // number of byte classes (class 0: bytes in no literal)
	delta  []int32   // state*n + class → next state
	out    [][]int32 // literals ending in a state, failure outputs merged in
	nlits  int
	maxLit int
	lens   []int32 // length of each literal
	bound  []uint8 // per literal: boundLeft, boundRight
}

// Boundary checks of a literal.
const (
	boundLeft  = 1 << iota // the byte before must not be a word byte
	boundRight             // the byte after must not be a word byte
)

// wordByte reports whether c is an ASCII letter or digit.
func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// literal splits a rule's substring into the text to find and its
// boundary checks: "*" at either end lifts the check at that end, and an
// end that is not a letter or digit needs none.
func literal(s string) (string, uint8) {
	var b uint8 = boundLeft | boundRight
	if len(s) > 1 && s[0] == '*' {
		s, b = s[1:], b&^boundLeft
	}
	if len(s) > 1 && s[len(s)-1] == '*' {
		s, b = s[:len(s)-1], b&^boundRight
	}
	if s == "" || !wordByte(s[0]) {
		b &^= boundLeft
	}
	if s == "" || !wordByte(s[len(s)-1]) {
		b &^= boundRight
	}
	return s, b
}

// newMatcher compiles lits, each with its boundary checks (bounds[i]).
func newMatcher(lits []string, bounds []uint8) *matcher {
	m := &matcher{nlits: len(lits), bound: bounds, lens: make([]int32, len(lits))}
	for i, l := range lits {
		m.lens[i] = int32(len(l))
	}
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
	none := make([]int32, n) // a new state's row
	for i := range none {
		none[i] = -1
	}
	gotoT := make([]int32, 0, int(n)*maxStates)
	gotoT = append(gotoT, none...)
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
				gotoT = append(gotoT, none...)
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
	// A state's row, and its failure state's (complete: nearer the
	// root), as slices: the catalog's automaton has thousands of states
	// of about a hundred classes, and every command waits for it.
	var kids []int32 // the trie's edges of a state: class, next state
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		row := m.delta[s*n : s*n+n]
		frow := m.delta[fail[s]*n : fail[s]*n+n]
		kids = kids[:0]
		for c, t := range row {
			if t >= 0 {
				kids = append(kids, int32(c), t)
			}
		}
		copy(row, frow)
		for k := 0; k < len(kids); k += 2 {
			c, t := kids[k], kids[k+1]
			row[c] = t
			f := frow[c]
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

// scan sets bit i of hits for every literal i found in text as a whole
// word (see matcher).
func (m *matcher) scan(text []byte, hits []uint64) {
	s := int32(0)
	n := m.n
	delta := m.delta
	for i, b := range text {
		s = delta[s*n+int32(m.class[b])]
		if o := m.out[s]; o != nil {
			for _, id := range o {
				if bd := m.bound[id]; bd != 0 {
					if bd&boundRight != 0 && i+1 < len(text) && wordByte(text[i+1]) {
						continue
					}
					if start := i + 1 - int(m.lens[id]); bd&boundLeft != 0 && start > 0 && wordByte(text[start-1]) {
						continue
					}
				}
				hits[id>>6] |= 1 << (uint(id) & 63)
			}
		}
	}
}

// any reports whether a literal occurs in text as a whole word, text's
// ends counting as word boundaries (see matcher).
func (m *matcher) any(text string) bool {
	s := int32(0)
	n := m.n
	delta := m.delta
	for i := 0; i < len(text); i++ {
		s = delta[s*n+int32(m.class[text[i]])]
		for _, id := range m.out[s] {
			if bd := m.bound[id]; bd != 0 {
				if bd&boundRight != 0 && i+1 < len(text) && wordByte(text[i+1]) {
					continue
				}
				if start := i + 1 - int(m.lens[id]); bd&boundLeft != 0 && start > 0 && wordByte(text[start-1]) {
					continue
				}
			}
			return true
		}
	}
	return false
}
