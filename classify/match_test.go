package classify

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unsafe"
)

// TestMatcherWholeWords: a literal matches as a whole word, "*" lifts the
// check at its end, and text outside ASCII never blocks a match.
func TestMatcherWholeWords(t *testing.T) {
	for _, tc := range []struct {
		lit, text string
		want      bool
	}{
		{"rbl", "rejected by rbl check", true},
		{"rbl", "rejected: verbly spoken", false},
		{"rbl", "listed at work.drbl.example.net", false},
		{"rbl", "(rbl)", true},
		{"orbs", "the filter absorbs it", false},
		{"orbs", "listed on orbs", true},
		{"me.com", "554 mx.me.com esmtp", true},
		{"me.com", "554 mx.welcome.com esmtp", false},
		{"blacklist", "ip blacklisted", false},
		{"blacklist*", "ip blacklisted", true},
		{"*listed", "ip blacklisted", true},
		{"*listed", "ip blacklisted by us", true},
		{"[tss*", "[tss04] messages", true},
		{"[tss", "[tss04] messages", false}, // 's' and '0' are both word bytes
		{"aup#", "aup#cxbl", true},
		{"spam", "too many spams", false},
		{"spam", "spam, go away", true},
		{"ブロック", "送信元ipアドレスはブロックされています", true},
		{"拒否", "ip拒否", true},
		{"ip", "ip拒否", true},
		// letters outside ASCII of scripts written with spaces are a
		// word's letters: Latin with diacritics, Cyrillic, Greek
		{"sorbs", "заблокирован sorbsы", false},
		{"sorbs", "заблокирован sorbs", true},
		{"spam", "spamé", false},
		{"spam", "éspam", false},
		{"seznam", "seznamů", false},
		{"seznam", "seznam.cz", true},
		{"обратная dns", "необратная dns", false},
		{"обратная dns", "нет обратная dns", true},
		{"blokov*", "zablokován", false},
		{"*blokován", "zablokován", true},
		{"rbl", "ωrbl", false},
		{"163", "1634", false},
		{"163", "163.com", true},
		{"s3140", "as3140", false},
		{"5.7.1", "15.7.1", false},
		{"5.7.1", "5.7.1:", true},
		// a word of a script written without spaces ends no word
		{"qq", "qq邮箱", true},
		{"拒否", "ip拒否されました", true},
	} {
		text, bound := literal(normalizeLiteral(tc.lit))
		m := newMatcher([]string{text}, []uint8{bound})
		hits := make([]uint64, 1)
		m.scan(normalize(nil, tc.text, 0), hits)
		if got := hits[0] != 0; got != tc.want {
			t.Errorf("%q in %q: %v, want %v", tc.lit, tc.text, got, tc.want)
		}
	}
}

// TestNoRuleMatchesInsideAWord checks every catalog rule against texts in
// which its literals are glued inside longer words ("q" + literal + "q"):
// every "all" literal glued, with each "any" literal glued in turn. The rule
// must not match: no catalog rule fires on a word that merely contains its
// words. Literals marked as prefixes or suffixes ("[tss*") are glued only
// on their closed side; an "any" literal that holds another of the rule's
// literals as a word of its own ("support.symantec.com" holds "symantec")
// is skipped, as is a rule with an "all" literal that cannot be glued.
//
// The glue is a letter or digit of each kind of script the catalog's words
// are in: an ASCII letter ("aolq"), a digit ("71637"), a Latin letter with
// a diacritic ("éspamé"), a Cyrillic one ("жsorbsж") and a Greek one. (A
// word of Chinese, Japanese or Korean is not glued: those scripts put no
// space between words, and their literals match inside a sentence.)
func TestNoRuleMatchesInsideAWord(t *testing.T) {
	c := Default()
	checked := 0
	for _, q := range []string{"q", "7", "é", "ж", "ω"} {
		checked += noRuleInside(t, c, q)
	}
	if checked < 2500 {
		t.Fatalf("only %d texts checked", checked)
	}
	t.Logf("%d texts checked", checked)
}

// noRuleInside checks the rules with their literals glued by q, returning
// how many texts it checked.
func noRuleInside(t *testing.T, c *Catalog, q string) int {
	t.Helper()
	glue := func(l string) (string, bool) {
		text, bound := literal(normalizeLiteral(l))
		if bound&boundLeft != 0 {
			text = q + text
		}
		if bound&boundRight != 0 {
			text += q
		}
		return text, bound != 0
	}
	checked := 0
	for _, cr := range c.rules {
		r := cr.r
		var all []string
		ok := true
		for _, l := range r.All {
			g, can := glue(l)
			ok = ok && can
			all = append(all, g)
		}
		if !ok {
			continue
		}
		anys := r.Any
		if len(anys) == 0 {
			anys = []string{""}
		}
		for i, l := range anys {
			parts := all
			if l != "" {
				g, can := glue(l)
				if !can || holdsOther(r, i, l) {
					continue
				}
				parts = append(append([]string(nil), all...), g)
			}
			if len(parts) == 0 {
				continue
			}
			in := sampleInput(r, strings.Join(parts, " "))
			if v := c.Classify(in); v.Rule == r.ID {
				t.Errorf("rule %s matches %q", r.ID, in.Reply.Text)
			}
			checked++
		}
	}
	return checked
}

// holdsOther reports whether the i-th "any" literal l of r contains another
// literal of r as a whole word.
func holdsOther(r *Rule, i int, l string) bool {
	var lits []string
	var bounds []uint8
	for j, o := range append(append([]string(nil), r.Any...), r.All...) {
		if j == i {
			continue
		}
		text, bound := literal(normalizeLiteral(o))
		lits, bounds = append(lits, text), append(bounds, bound)
	}
	if len(lits) == 0 {
		return false
	}
	m := newMatcher(lits, bounds)
	hits := make([]uint64, (len(lits)+63)/64)
	text, _ := literal(normalizeLiteral(l))
	m.scan([]byte(text), hits)
	for _, h := range hits {
		if h != 0 {
			return true
		}
	}
	return false
}

// TestMatcherAsNaive checks the automaton against a search of each literal
// at every place of the text, with the word-boundary rules (literal), on
// random literals and texts of a few bytes: word bytes of both cases,
// others, and bytes outside ASCII.
func TestMatcherAsNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "abAB1. -*\xe3"
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	lower := func(s string) string { // ASCII only, as the matcher's classes
		b := []byte(s)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		return string(b)
	}
	for round := range 300 {
		var lits []string
		var bounds []uint8
		for range 1 + r.IntN(12) {
			l, b := literal(lower(word(1 + r.IntN(7)))) // deeper than fullDepth: sparse rows
			if l == "" {
				continue
			}
			lits, bounds = append(lits, l), append(bounds, b)
		}
		// The table in uint16 (as for any catalog of fewer than 65,535
		// literal bytes) and in int32 (beyond).
		m16 := newMatcher(lits, bounds)
		if m16.tab16 == nil {
			t.Fatal("a small catalog's table is not uint16")
		}
		m32 := newMatcher(lits, bounds)
		m32.tab16, m32.tab32 = nil, buildDelta[int32](m32, buildTrie(m32, lits))
		for k := range 40 {
			m := m16
			if k%2 == 1 {
				m = m32
			}
			text := word(r.IntN(16))
			hits := make([]uint64, (len(lits)+63)/64)
			m.scan([]byte(text), hits)
			anyWant := false
			for id, l := range lits {
				want := false
				low := lower(text)
				for i := 0; i+len(l) <= len(low) && !want; i++ {
					if low[i:i+len(l)] != l {
						continue
					}
					left := bounds[id]&boundLeft == 0 || i == 0 || !wordByte(text[i-1])
					right := bounds[id]&boundRight == 0 || i+len(l) == len(text) || !wordByte(text[i+len(l)])
					want = left && right
				}
				anyWant = anyWant || want
				if got := hits[id>>6]&(1<<(uint(id)&63)) != 0; got != want {
					t.Fatalf("round %d: literal %q (bounds %b) in %q: %v, want %v (literals %q)", round, l, bounds[id], text, got, want, lits)
				}
			}
			if got := m.any(text); got != anyWant {
				t.Fatalf("round %d: any(%q) = %v, want %v (literals %q)", round, text, got, anyWant, lits)
			}
		}
	}
}

// TestMatcherTableSize: the transition table holds the trie's states and
// no more (a row for every literal byte was 2.8 million entries where the
// built-in catalog's trie needs 1.7 million, kept as long as the catalog),
// full rows only for states whose row is not a full one's with at most two
// entries changed (the built-in catalog's table was 17,114 full rows, 4.35
// MB, a page fault for each 4 KB at every start): literals sharing
// prefixes, in either case, repeated, and the built-in catalog's.
func TestMatcherTableSize(t *testing.T) {
	for _, tc := range []struct {
		lits   []string
		states int // root included
		full   int // states with a full row
	}{
		{[]string{"spam"}, 5, 3}, // the root and the states at depths 1 and 2 are full (fullDepth)
		{[]string{"spam", "spamhaus"}, 9, 3},
		{[]string{"spamhaus", "spam", "spamcop"}, 12, 3},
		{[]string{"rbl", "RBL", "rbl"}, 4, 3},
		{[]string{"ab", "b", "abc", "bc"}, 6, 5},      // "abc": "bc"'s row
		{[]string{"xyab", "xyac", "xyad"}, 7, 4},      // "xya" has three edges
		{[]string{"wxyzab", "wxyzac", "yzad"}, 12, 6}, // "wxyza": its two edges over "yza"'s one
		{[]string{"ブロック", "ブラック"}, 1 + 12 + 7, 3},     // 5 bytes in common; the fifth state: two edges over "\xe3\x83"'s full row
	} {
		bounds := make([]uint8, len(tc.lits))
		m := newMatcher(tc.lits, bounds)
		if got := len(m.out); got != tc.states {
			t.Errorf("%q: %d states, want %d", tc.lits, got, tc.states)
		}
		tab := m.tab16
		if got := int(tab.rows); got != tc.full || len(tab.full) != got<<tab.shift || 1<<tab.shift < m.n || 1<<tab.shift >= 2*m.n || cap(tab.full) != len(tab.full) {
			t.Errorf("%q: %d full rows (table of %d entries, rows of %d), want %d of %d classes", tc.lits, got, len(tab.full), 1<<tab.shift, tc.full, m.n)
		}
		if got := len(tab.sparse); got != tc.states-tc.full || cap(tab.sparse) != got {
			t.Errorf("%q: %d sparse rows, want %d", tc.lits, got, tc.states-tc.full)
		}
	}
	m := Default().m
	tab := m.tab16
	if int(tab.rows)+len(tab.sparse) != len(m.out) {
		t.Errorf("built-in catalog: %d full rows and %d sparse, want %d states", tab.rows, len(tab.sparse), len(m.out))
	}
	if size := len(tab.full)*int(unsafe.Sizeof(tab.full[0])) + len(tab.sparse)*int(unsafe.Sizeof(tab.sparse[0])); size > 1<<20 {
		t.Errorf("built-in catalog: table of %d bytes (%d full rows of %d classes, %d sparse), want at most 1 MiB", size, tab.rows, m.n, len(tab.sparse))
	}
}

// TestNamesNotInsideWords: a receiver's or a list's name, or its domain,
// names it only as a word of its own: glued inside another word of any
// script a reply is written in ("attachment", "freedom", "aolserver",
// "qqq", "1634", "seznamů", "mail.ruж", "sorbsы") it names no one, and a
// generic refusal around it stays unknown. Unglued, the same names do
// name their provider.
func TestNamesNotInsideWords(t *testing.T) {
	c := Default()
	const refusal = "550 Your IP 192.0.2.1 is blocked by "
	for _, tc := range []struct {
		name string // glued inside a word
		prov string // the provider it must not name
	}{
		{"attachment", "att"}, {"freedom", "free"}, {"aolserver", "yahoo"}, {"qqq", "tencent"},
		{"1634", "netease"}, {"gmxx", "gmx"}, {"myweb.de.example", "gmx"}, {"orangeade", "orange"},
		{"yandexé", "yandex"}, {"seznamů", "seznam"}, {"mail.ruж", "mailru"}, {"жmail.ru", "mailru"},
		{"navermail", "naver"}, {"ωsorbs", "sorbs"}, {"sorbsы", "sorbs"}, {"spamcopé", "spamcop"},
		{"tencentová", "tencent"}, {"neteaseы", "netease"},
	} {
		if v := c.Classify(InputFromText(refusal+tc.name, "")); v.Provider == tc.prov {
			t.Errorf("%q names %s (rule %s, found %s)", refusal+tc.name, v.Provider, v.Rule, v.Found)
		}
	}
	for _, tc := range []struct{ name, prov string }{
		{"aol", "yahoo"}, {"qq", "tencent"}, {"web.de", "gmx"}, {"orange", "orange"}, {"yandex", "yandex"},
		{"seznam", "seznam"}, {"mail.ru", "mailru"}, {"sorbs", "sorbs"}, {"spamcop", "spamcop"},
		{"netease", "netease"}, {"naver", "naver"},
	} {
		if v := c.Classify(InputFromText(refusal+tc.name, "")); v.Provider != tc.prov {
			t.Errorf("%q: provider %q, want %q", refusal+tc.name, v.Provider, tc.prov)
		}
	}
}

// TestListPhrasesWholeWords: the phrases that introduce a list's name
// ("listed in", "blocked by") are words of their own: "unlisted in
// bl.example.org", "unblocked by …", "delisted by …" name no list, while
// "blacklisted in", "blocklisted on" and "black-listed in" still do.
func TestListPhrasesWholeWords(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // the list named, "" for none
	}{
		{"your ip 192.0.2.1 is unlisted in bl.example.org", ""},
		{"your ip 192.0.2.1 was unblocked by bl.example.org", ""},
		{"your ip 192.0.2.1 was delisted by bl.example.org", ""},
		{"your ip 192.0.2.1 is listed in bl.example.org", "bl.example.org"},
		{"your ip 192.0.2.1 is blacklisted in bl.example.org", "bl.example.org"},
		{"your ip 192.0.2.1 is blocklisted in bl.example.org", "bl.example.org"},
		{"your ip 192.0.2.1 is blocklisted on bl.example.org", "bl.example.org"},
		{"your ip 192.0.2.1 is blacklisted on bl.example.org", "bl.example.org"},
		{"your ip 192.0.2.1 is black-listed in bl.example.org", "bl.example.org"},
	} {
		got := ""
		for _, l := range namedLists([]byte(tc.text), nil) {
			got = l.name
			break
		}
		if got != tc.want {
			t.Errorf("%q: list %q, want %q", tc.text, got, tc.want)
		}
	}
}
