package classify

import (
	"math/bits"
	"unicode"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/fresh"
)

// matcher finds every occurrence of a fixed set of literals in one pass
// (Aho–Corasick, compiled to a full transition table over byte classes).
// Literals are folded as normalize folds the text it scans (lower case,
// canonical width).
//
// A literal matches whole words only: where it begins with a letter or
// digit, the byte before it must not be one, and where it ends with one,
// neither may the byte after it ("rbl" is not found in "verbly", "orbs" not
// in "absorbs"). Letters outside ASCII count as a word's letters in scripts
// written with spaces between words (Latin with diacritics, Cyrillic, Greek:
// "sorbs" is not found in "sorbsы", "spam" not in "spamé"); letters of
// scripts written without spaces (wideScript: Chinese, Japanese, Korean,
// Thai …) never do, so literals in them match inside a sentence and an
// ASCII literal beside them ("ip" in "ip拒否") is a word. A
// literal written with a trailing "*" is a prefix ("[tss*" finds "[tss04]")
// and one with a leading "*" a suffix; see literal.
type matcher struct {
	class [256]uint8
	n     int32 // number of byte classes (class 0: bytes in no literal)
	// state, class → next state: in uint16 when the states fit (a
	// state per literal byte at most), half the memory of int32, kept for
	// as long as the catalog is (a replay's peak memory).
	tab16  *table[uint16]
	tab32  *table[int32]
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

// wordRune reports whether r, outside ASCII, continues a word: a letter,
// digit or combining mark of a script written with spaces between words.
func wordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)) && !isWide(r)
}

// wordBefore reports whether text[:i] ends in a letter or digit of a word
// (wordByte, or wordRune outside ASCII).
func wordBefore[T string | []byte](text T, i int) bool {
	if i <= 0 {
		return false
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return wordByte(c)
	}
	return wordRuneBefore(text, i)
}

// wordRuneBefore is wordBefore of a text ending in a byte outside ASCII
// (apart: an ASCII byte needs no decoding). A rune is at most
// utf8.UTFMax bytes, so only those before i are decoded.
func wordRuneBefore[T string | []byte](text T, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(string(text[max(0, i-utf8.UTFMax):i]))
	return wordRune(r)
}

// wordAfter reports whether text[i:] begins with a letter or digit of a
// word (wordByte, or wordRune outside ASCII).
func wordAfter[T string | []byte](text T, i int) bool {
	if i >= len(text) {
		return false
	}
	if c := text[i]; c < utf8.RuneSelf {
		return wordByte(c)
	}
	return wordRuneAfter(text, i)
}

// wordRuneAfter is wordAfter of a text going on with a byte outside ASCII.
func wordRuneAfter[T string | []byte](text T, i int) bool {
	r, _ := utf8.DecodeRuneInString(string(text[i:min(len(text), i+utf8.UTFMax)]))
	return wordRune(r)
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
	if !wordAfter(s, 0) {
		b &^= boundLeft
	}
	if !wordBefore(s, len(s)) {
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
	tr := buildTrie(m, lits)
	if tr.states() < 1<<16 {
		m.tab16 = buildDelta[uint16](m, tr)
	} else {
		m.tab32 = buildDelta[int32](m, tr)
	}
	return m
}

// trie is the literals' trie over byte classes, state 0 its root, each
// state's edges a list (first child, next sibling): counted before the
// table is allocated, the table holds its states and no more (a row for
// every literal byte was 2.8 million entries where the built-in catalog
// needs 1.7 million, kept as long as the catalog), and the breadth-first
// pass follows a state's edges without reading its whole row.
type trie struct {
	first, next []int32 // a state's first child (0: none); its next sibling
	label       []uint8 // the class of the edge into a state
	root        []int32 // the root's child by class (0: none): most siblings are the root's
	end         []int32 // the state each literal ends in
}

func (tr *trie) states() int { return len(tr.label) }

func buildTrie(m *matcher, lits []string) *trie {
	size := 1
	for _, l := range lits {
		size += len(l)
	}
	tr := &trie{
		first: make([]int32, 1, size),
		next:  make([]int32, 1, size),
		label: make([]uint8, 1, size),
		root:  make([]int32, m.n),
		end:   make([]int32, len(lits)),
	}
	for id, l := range lits {
		s := int32(0)
		for i := 0; i < len(l); i++ {
			c := m.class[l[i]]
			var t int32
			if s == 0 {
				t = tr.root[c]
			} else {
				for t = tr.first[s]; t != 0 && tr.label[t] != c; t = tr.next[t] {
				}
			}
			if t == 0 {
				t = int32(len(tr.label))
				tr.label = append(tr.label, c)
				tr.first = append(tr.first, 0)
				tr.next = append(tr.next, tr.first[s])
				tr.first[s] = t
				if s == 0 {
					tr.root[c] = t
				}
			}
			s = t
		}
		tr.end[id] = s
	}
	return tr
}

// table is the automaton's transitions. A state near the root has a full
// row (n classes), the first rows states; a deeper one (most states: the
// rest of one literal, a single edge) keeps only the classes where its row
// differs from a full state's, its base: at most two, in sparse[s-rows].
// The built-in catalog's table was 17,114 full rows of 127 classes (4.35
// MB in uint16, a page fault for each 4 KB at every start and cold
// caches when the memo learns a reply); most of those rows were a
// shallower state's with one entry changed.
type table[T uint16 | int32] struct {
	full   []T // rows<<shift
	sparse []sparseRow[T]
	rows   int32
	shift  uint8 // a full row's place: state<<shift (n classes rounded up to a power of 2)
}

// sparseRow is a state's row as its base's with lab[i] → to[i] over it;
// an unused place repeats a used one, or is class 0 → the base's entry.
type sparseRow[T uint16 | int32] struct {
	base T
	lab  [2]uint8
	to   [2]T
}

// step is the state after s on a byte of class c: a full row's entry,
// or a sparse row's exception or its base's entry.
func step[T uint16 | int32](full []T, sparse []sparseRow[T], rows, s, c int32, shift uint8) int32 {
	if s < rows {
		return int32(full[s<<shift+c])
	}
	e := &sparse[s-rows]
	if int32(e.lab[0]) == c {
		return int32(e.to[0])
	}
	if int32(e.lab[1]) == c {
		return int32(e.to[1])
	}
	return int32(full[int32(e.base)<<shift+c])
}

// fullDepth: states this near the root have full rows whatever their
// edges (the scan spends most bytes there, and their descendants' rows
// then differ from a full one in fewer entries: the built-in catalog's
// table is 849 full rows where it is 1,235 without).
const fullDepth = 2

// buildDelta builds the automaton's transitions (and m.out) from the
// trie. States are renumbered: full rows first, then sparse ones, each in
// breadth-first order.
func buildDelta[T uint16 | int32](m *matcher, tr *trie) *table[T] {
	n := m.n
	states := tr.states()
	child := func(s int32, c uint8) int32 {
		if s == 0 {
			return tr.root[c]
		}
		for t := tr.first[s]; t != 0; t = tr.next[t] {
			if tr.label[t] == c {
				return t
			}
		}
		return 0
	}
	// Breadth-first, in the trie's numbering: failure links and depths.
	order := make([]int32, 1, states)
	fail := fresh.Slice[int32](states)
	depth := make([]int32, states)
	for i := 0; i < len(order); i++ {
		s := order[i]
		for t := tr.first[s]; t != 0; t = tr.next[t] {
			order = append(order, t)
			depth[t] = depth[s] + 1
			if s == 0 {
				continue
			}
			c := tr.label[t]
			for f := fail[s]; ; f = fail[f] {
				if g := child(f, c); g != 0 {
					fail[t] = g
					break
				}
				if f == 0 {
					break
				}
			}
		}
	}
	// A state's row is its failure state's with its own edges over it.
	// Where the failure state is full, the row differs from it in the
	// state's edges; where it is sparse, from its base in its exceptions
	// and the state's edges. Up to two: sparse.
	type except struct {
		base int32 // -1: a full row
		to   [2]int32
		k    uint8
		lab  [2]uint8
	}
	exc := make([]except, states)
	exc[0].base = -1
	nfull := 1
	for _, s := range order[1:] {
		e := &exc[s]
		f := fail[s]
		if depth[s] <= fullDepth {
			e.base = -1
		} else if exc[f].base < 0 {
			e.base = f
		} else {
			*e = exc[f]
		}
		for t := tr.first[s]; t != 0 && e.base >= 0; t = tr.next[t] {
			c := tr.label[t]
			i := 0
			for i < int(e.k) && e.lab[i] != c {
				i++
			}
			if i == len(e.lab) {
				e.base = -1
				break
			}
			e.lab[i], e.to[i] = c, t
			if i == int(e.k) {
				e.k++
			}
		}
		if e.base < 0 {
			nfull++
		}
	}
	id := make([]int32, states)
	full, sparse := int32(0), int32(nfull)
	for _, s := range order {
		if exc[s].base < 0 {
			id[s], full = full, full+1
		} else {
			id[s], sparse = sparse, sparse+1
		}
	}
	shift := uint8(bits.Len32(uint32(n - 1)))
	tab := &table[T]{full: make([]T, nfull<<shift), sparse: make([]sparseRow[T], states-nfull), rows: int32(nfull), shift: shift}
	// Outputs: a state's literals, then its failure state's.
	m.out = fresh.Slice[[]int32](states)
	for lit, s := range tr.end {
		m.out[id[s]] = append(m.out[id[s]], int32(lit))
	}
	for _, s := range order[1:] {
		t, f := id[s], id[fail[s]]
		if len(m.out[f]) > 0 {
			merged := make([]int32, 0, len(m.out[t])+len(m.out[f]))
			merged = append(merged, m.out[t]...)
			merged = append(merged, m.out[f]...)
			m.out[t] = merged
		}
	}
	row := func(s int32) []T { return tab.full[id[s]<<shift : id[s]<<shift+n] }
	for _, s := range order {
		if exc[s].base >= 0 {
			continue
		}
		r := row(s)
		if s != 0 {
			f := fail[s]
			if e := exc[f]; e.base < 0 {
				copy(r, row(f))
			} else {
				copy(r, row(e.base))
				for i := 0; i < int(e.k); i++ {
					r[e.lab[i]] = T(id[e.to[i]])
				}
			}
		}
		for t := tr.first[s]; t != 0; t = tr.next[t] {
			r[tr.label[t]] = T(id[t])
		}
	}
	for _, s := range order {
		e := exc[s]
		if e.base < 0 {
			continue
		}
		sr := &tab.sparse[id[s]-int32(nfull)]
		sr.base = T(id[e.base])
		for i := range sr.lab {
			switch {
			case i < int(e.k):
				sr.lab[i], sr.to[i] = e.lab[i], T(id[e.to[i]])
			case e.k > 0:
				sr.lab[i], sr.to[i] = sr.lab[0], sr.to[0]
			default:
				sr.lab[i], sr.to[i] = 0, row(e.base)[0]
			}
		}
	}
	return tab
}

// scan sets bit i of hits for every literal i found in text as a whole
// word (see matcher).
func (m *matcher) scan(text []byte, hits []uint64) {
	if m.tab16 != nil {
		scanWith(m, m.tab16, text, hits)
	} else {
		scanWith(m, m.tab32, text, hits)
	}
}

func scanWith[T uint16 | int32](m *matcher, tab *table[T], text []byte, hits []uint64) {
	s := int32(0)
	full, sparse, rows, shift := tab.full, tab.sparse, tab.rows, tab.shift
	for i, b := range text {
		s = step(full, sparse, rows, s, int32(m.class[b]), shift)
		if o := m.out[s]; o != nil {
			for _, id := range o {
				if bd := m.bound[id]; bd != 0 {
					if bd&boundRight != 0 && i+1 < len(text) && (wordByte(text[i+1]) || text[i+1] >= utf8.RuneSelf && wordRuneAfter(text, i+1)) {
						continue
					}
					if start := i + 1 - int(m.lens[id]); bd&boundLeft != 0 && start > 0 && (wordByte(text[start-1]) || text[start-1] >= utf8.RuneSelf && wordRuneBefore(text, start)) {
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
	if m.tab16 != nil {
		return anyWith(m, m.tab16, text)
	}
	return anyWith(m, m.tab32, text)
}

func anyWith[T uint16 | int32](m *matcher, tab *table[T], text string) bool {
	s := int32(0)
	full, sparse, rows, shift := tab.full, tab.sparse, tab.rows, tab.shift
	for i := 0; i < len(text); i++ {
		s = step(full, sparse, rows, s, int32(m.class[text[i]]), shift)
		for _, id := range m.out[s] {
			if bd := m.bound[id]; bd != 0 {
				if bd&boundRight != 0 && i+1 < len(text) && (wordByte(text[i+1]) || text[i+1] >= utf8.RuneSelf && wordRuneAfter(text, i+1)) {
					continue
				}
				if start := i + 1 - int(m.lens[id]); bd&boundLeft != 0 && start > 0 && (wordByte(text[start-1]) || text[start-1] >= utf8.RuneSelf && wordRuneBefore(text, start)) {
					continue
				}
			}
			return true
		}
	}
	return false
}
