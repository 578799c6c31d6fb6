package classify

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

// memoTexts are the replies the memo tests read: the corpus, the test
// sets and the catalog's samples.
func memoTexts(t testing.TB, c *Catalog) []Input {
	var texts []Input
	add := func(rows []corpusRow) {
		for _, r := range rows {
			texts = append(texts, r.input())
		}
	}
	add(readCorpus(t))
	for _, f := range []string{"dev.tsv", "extra.tsv", "holdout.tsv", "holdout2.tsv", "holdout3.tsv", "dev4.tsv", "holdout4.tsv"} {
		add(readRows(t, filepath.Join("testdata", f)))
	}
	for _, r := range c.rules {
		for _, s := range append(append([]string(nil), r.r.Samples...), r.r.Counter...) {
			texts = append(texts, InputFromText(s, ""))
		}
	}
	return texts
}

// checkShapeAsRef fails when shape and refShape differ on text from host.
func checkShapeAsRef(t *testing.T, m *Memo, text, host string) {
	t.Helper()
	h := m.host(host)
	want := m.refShape([]byte("head"), text, host, h)
	wantSpans := slices.Clone(m.spans)
	got := m.shape([]byte("head"), text, host, h)
	if string(got) != string(want) || !slices.Equal(m.spans, wantSpans) {
		t.Fatalf("shape(%q from %q)\n= %q %v\nwant %q %v", text, host, got, m.spans, want, wantSpans)
	}
}

// TestShapeAsRef holds shape, which appends the text between masked
// tokens in one piece, to the shape it replaced (refShape, which appended
// it word by word): the same key and the same masked spans for every reply
// the memo tests read, from every host of memoHosts, as they are and with
// their tokens varied.
func TestShapeAsRef(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	rng := rand.New(rand.NewPCG(3, 5))
	n := 0
	for _, in := range memoTexts(t, c) {
		for _, host := range memoHosts {
			checkShapeAsRef(t, m, in.Reply.Text, host)
			checkShapeAsRef(t, m, vary(m, rng, in.Reply.Text, host, host), host)
			n += 2
		}
	}
	// Every branch of the shape, some in the same token.
	for _, s := range append(slices.Clone(fuzzSeeds),
		"550 at 14:52:05.mx7.example.net, 9:05@host, 550-12:00:01.5 2024-05-09T23:34:45+02:00.",
		"550-5.7.1 <AbC123dEf@x1.example>: 192.0.2.1:2525 [2001:db8::1] 4fbc0af0-417e 123456.abc",
		"550 a\x00b\x00 c@d e@ @f MX.Orbit.Example. 550-mx.orbit.example 1.2.3 1.2.3.4.5") {
		for _, host := range memoHosts[:3] {
			checkShapeAsRef(t, m, s, host)
		}
		checkShapeAsRef(t, m, s, "mx.orbit.example")
	}
	t.Logf("%d shapes", n)
}

// FuzzShapeAsRef: shape equals refShape on any text from any host.
func FuzzShapeAsRef(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, "mx.example.com")
	}
	f.Add("550 <a.b@mx.orbit.example> mx.orbit.example 550-5.7.1 12:00:01 2001:db8::1 1.2.3.4:25 ab12cd34ef", "mx.orbit.example")
	f.Add("a\x00b@c.d 550-\x00 :: 1:2 .1.2.3.4. @@", "")
	m := Default().NewMemo()
	f.Fuzz(func(t *testing.T, text, host string) {
		if len(text) > maxText {
			return
		}
		checkShapeAsRef(t, m, text, host)
	})
}

// mutations are what changes from one message's reply to the next, and
// more: every digit changed, the case of every letter changed, the mail
// addresses' local parts and domains changed, the first IPv4 address made
// private.
var mutations = []func(string) string{
	func(s string) string {
		b := []byte(s)
		for i, c := range b {
			if c >= '0' && c <= '9' {
				b[i] = '0' + (c-'0'+7)%10
			}
		}
		return string(b)
	},
	func(s string) string {
		b := []byte(s)
		for i, c := range b {
			switch {
			case c >= 'a' && c <= 'z':
				b[i] = c - 'a' + 'A'
			case c >= 'A' && c <= 'Z':
				b[i] = c - 'A' + 'a'
			}
		}
		return string(b)
	},
	func(s string) string {
		f := strings.Fields(s)
		for i, w := range f {
			if at := strings.LastIndexByte(w, '@'); at > 0 {
				f[i] = "x" + w[:at] + "@sub." + w[at+1:]
			}
		}
		return strings.Join(f, " ")
	},
	func(s string) string {
		f := strings.Fields(s)
		for i, w := range f {
			if strings.Count(w, ".") == 3 && strings.IndexAny(w, "0123456789") >= 0 {
				f[i] = "10.1.2.3"
				break
			}
		}
		return strings.Join(f, " ")
	},
}

// FuzzMemoAsClassify: a Memo fed any replies, each as it is and mutated
// (mutations), from a remote host of memoHosts or the fuzzer's, returns
// what Classify returns for each; the memo is one for the whole run, so
// that later replies meet the shapes earlier ones left. The inputs are
// views of a buffer that is overwritten after each call, as log lines are.
func FuzzMemoAsClassify(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, uint8(0), "")
	}
	for i, r := range foldRows { // capitals and widths the normalizer folds
		f.Add(r.text, uint8(i), "")
	}
	for i, r := range readCorpus(f) {
		f.Add(r.input().Reply.Text, uint8(i), "")
	}
	c := Default()
	m := c.NewMemo()
	var buf []byte
	view := func(s string) string {
		if s == "" {
			return ""
		}
		buf = append(buf, s...)
		return unsafe.String(&buf[len(buf)-len(s)], len(s))
	}
	f.Fuzz(func(t *testing.T, text string, k uint8, host string) {
		if len(text) > maxText {
			return
		}
		if k&0x80 == 0 {
			host = memoHosts[int(k)%len(memoHosts)]
		}
		texts := []string{text}
		for _, mu := range mutations {
			texts = append(texts, mu(text))
		}
		texts = append(texts, text) // again, from memory
		for i, s := range texts {
			in := InputFromText(s, "")
			in.RemoteHost = host
			in.SendingIP = []string{"", "192.0.2.10", "2001:db8::25"}[(int(k)+i)%3]
			in.Greeting = k&0x40 != 0
			want := c.Classify(in)
			buf = buf[:0]
			vin := in
			vin.Reply.Text, vin.Reply.Enhanced, vin.RemoteHost = view(in.Reply.Text), view(in.Reply.Enhanced), view(in.RemoteHost)
			got := m.Classify(vin).Clone()
			for j := range buf {
				buf[j] = '#'
			}
			if got != want {
				t.Fatalf("Memo.Classify(%q from %q)\n= %+v\nwant %+v", s, host, got, want)
			}
		}
	})
}

// refShape is Memo.shape as it was before it appended only at masked
// tokens (dense9): the reference TestShapeAsRef and FuzzShapeAsRef hold
// shape to, key for key and span for span.
//
// shape appends the reply text to key with its varying tokens masked (see
// Memo), and notes them in m.spans.
func (m *Memo) refShape(key []byte, text, host string, h *memoHost) []byte {
	m.spans = m.spans[:0]
	maskHostName := h != nil && !h.catalog
	for i := 0; i < len(text); {
		// Bytes of no token, as they are (a NUL escaped).
		j := i
		for j < len(text) && tokenClass[text[j]] == 0 {
			j++
		}
		key = append(key, text[i:j]...)
		i = j
		if i == len(text) {
			break
		}
		if tokenClass[text[i]] == tcNUL {
			key = append(key, 0, maskLiteral)
			i++
			continue
		}
		// A token; what it holds decides what it may be.
		var has byte
		for j < len(text) && tokenClass[text[j]]&^tcNUL != 0 {
			has |= tokenClass[text[j]]
			j++
		}
		end := j
		for end > i && tokenClass[text[end-1]]&tcTrail != 0 {
			end--
		}
		if has&(tcDigit|tcAt) == 0 {
			// Words: only the remote host's name may be masked.
			if maskHostName && end-i == len(host) && strings.EqualFold(text[i:end], host) && m.plain(text[i:end]) {
				key = append(key, 0, maskHost)
				m.spans = append(m.spans, maskSpan{i, end, maskHost})
				key = append(key, text[end:j]...)
			} else {
				key = append(key, text[i:j]...)
			}
		} else {
			key = m.refToken(key, text, i, end, host, maskHostName)
			key = append(key, text[end:j]...)
		}
		i = j
	}
	return key
}

// token appends text[s:e] to key, masked where it varies.
func (m *Memo) refToken(key []byte, text string, s, e int, host string, maskHostName bool) []byte {
	// A multi-line reply's "550-" continuation prefix is not part of the
	// word it is glued to (normalize removes it).
	for e-s > 4 && text[s] >= '2' && text[s] <= '5' && isDigit(text[s+1]) && isDigit(text[s+2]) && text[s+3] == '-' {
		key = append(key, text[s:s+4]...)
		s += 4
	}
	t := text[s:e]
	mask := func(k byte, s, e int) {
		key = append(key, 0, k)
		m.spans = append(m.spans, maskSpan{s, e, k})
	}
	switch {
	case t == "":
		return key
	case isIPv4Port(t):
		if m.plain(t) {
			k := byte(maskIP)
			if strings.IndexByte(t, ':') >= 0 {
				k = maskIPPort
			}
			mask(k, s, e)
			return key
		}
	case strings.IndexByte(t, '@') > 0:
		// An address of a provider's domain (a removal contact) stays
		// whole; others are masked whole, a recipient's or sender's.
		at := strings.LastIndexByte(t, '@')
		d := t[at+1:]
		if strings.IndexByte(d, '.') > 0 && validName(d) && m.plain(t) &&
			m.c.domainIdx.first(unsafe.Slice(unsafe.StringData(d), len(d)), nil) == nil &&
			m.c.hostIdx.first(unsafe.Slice(unsafe.StringData(d), len(d)), nil) == nil {
			mask(maskLocal, s, s+at)
			key = append(key, '@')
			mask(maskDomain, s+at+1, e)
			return key
		}
	case isIPv6(t):
		if m.plain(t) {
			mask(maskIP6, s, e)
			return key
		}
	case isClock(t) || isISOTime(t):
		if m.plain(t) {
			mask(maskTime, s, e)
			return key
		}
	case maskHostName && len(t) == len(host) && strings.EqualFold(t, host):
		if m.plain(t) {
			mask(maskHost, s, e)
			return key
		}
	}
	// Parts between '.' and '@': ids and times masked, the rest as it is.
	p := s
	for k := s; k <= e; k++ {
		if k < e && text[k] != '.' && text[k] != '@' {
			continue
		}
		switch part := text[p:k]; {
		case isClock(part) && m.plain(part):
			mask(maskTime, p, k)
		case idLike(part) && m.plain(part):
			mask(maskID, p, k)
		default:
			key = append(key, part...)
		}
		if k < e {
			key = append(key, text[k])
		}
		p = k + 1
	}
	return key
}
