package classify

import (
	"bytes"
	"hash/maphash"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/rblwatch/rblwatch/internal/fresh"
	"github.com/rblwatch/rblwatch/internal/swar"
)

// Memo is Classify with a memory: it remembers verdicts by the shape of
// the reply, so that a reply it has seen before, or one that differs only in
// what changes from message to message, costs a look-up instead of a
// classification. Real replies name the recipient's mail host, queue ids,
// addresses, our IP and times: keyed by the whole reply and remote host, a
// cache missed on most refusals of a busy log.
//
// The shape of a reply is its text with the tokens that vary masked: IP
// literals, mail addresses (the domain too, unless it is a catalog
// provider's), times, the remote host's own name (unless it is a provider's
// host), and ids — runs of five digits or more, and words with digits that
// are long or look random (mixed case, hex). Words, codes such as S3140 or
// AS16012609, provider domains and links stay. The key also holds what
// Classify reads besides the text: the reply codes, whether there was a
// reply and whether it came at the greeting, and which of the catalog's
// host suffixes the remote host ends in.
//
// What Memo remembers of a shape is what Classify reads of the text (facts:
// the rule that decides, links to providers, DNS lists named); the verdict
// is made of those facts for each reply, with its own remote host and
// listed address (Catalog.verdict, as Classify does). The remote host
// enters the key only when a rule with host conditions was asked. A shape
// is remembered only when its masked tokens did not change the facts: the
// first reply of a shape is read as it is and with its masked tokens
// replaced by others of their kind (a witness), and a shape whose two
// readings differ is classified in full every time. TestMemoAsClassify holds Memo equal to
// Classify on every reply of the corpus and test sets, with their tokens
// varied.
//
// A Memo is not safe for concurrent use; its memory is bounded (maxMemo
// shapes, then it starts afresh). Memos that share a Learnt (Learnt.NewMemo)
// each read what any of them learnt: a shape is classified once, not once
// by each.
type Memo struct {
	// shapes are the shapes of reply texts lately seen (first in the
	// Memo: see shapeSlot), in sets of shapeWays slots by a hash of
	// their key head and text (head, with the text appended; sets):
	// a refusal whose text came before, word for word, from a host the
	// text does not name, or from the host it names then and now, has
	// the shape it had then, found without masking its tokens again. Most refusals of a busy log repeat a
	// list's or a receiver's own words; a text that varies (a
	// recipient's address in it) takes the slot of its set used least
	// lately. With one slot a text (as before: a slot of 512 for each),
	// the texts that came again were pushed out by the ones that never
	// do: the dense bench log shaped 16,492 texts of 39,639 where four
	// ways shape 12,300, each shape ~8,000 instructions.
	shapes [shapeSlots]shapeSlot
	sets   [shapeSlots / shapeWays]shapeSet
	tick   uint64 // counts the look-ups of shapes (shapeSet.used)

	c       *Catalog
	entries map[string]*memoEntry
	learnt  *Learnt // shared with other Memos; nil: none

	// hosts are the remote hosts seen, by the hash of their names, in
	// open addressing (linear probing) at most three quarters full: a
	// look-up reads a slot and the host, which holds a short name, where a
	// map of names read its control word, its slot and the name, and then
	// the host.
	hosts  []hostSlot
	nHosts int

	suffixes map[string]int32 // the host suffixes Classify tests the remote host against
	suffixAt []string         // and in order

	key, canon, text []byte
	spans            []maskSpan

	seed   maphash.Seed
	head   []byte
	shaped int64 // texts shaped (not found in shapes)

	// Hits, Misses and Volatile count the replies classified from memory,
	// by Classify with a new shape remembered, and by Classify because
	// their shape's tokens mattered.
	Hits, Misses, Volatile int64
}

// maxMemo bounds the shapes a Memo remembers, maxMemoHosts the hosts;
// shapeSlots is how many texts it remembers the shapes of (Memo.shapes),
// in sets of shapeWays;
// minHostSlots is the size its table of hosts starts at (it doubles, to
// 8,192 at most, as hosts come: a log of a few hundred receivers keeps it
// small).
const (
	maxMemo      = 2048
	maxMemoHosts = 4096
	shapeSlots   = 512
	shapeWays    = 4
	minHostSlots = 512
)

// hostSlot is a place of Memo.hosts: a remote host and the hash of its
// name (nil: free).
type hostSlot struct {
	sum uint64
	h   *memoHost
}

// shapeSet is a set of shapeWays slots of Memo.shapes (set k holds
// slots k*shapeWays and on): the hashes of their texts (Memo.sumOf) and
// when each was last found or filled (Memo.tick; 0: never). It is one
// cache line: a look-up reads it, then the slot whose hash is the text's.
type shapeSet struct {
	sum  [shapeWays]uint64
	used [shapeWays]uint64
}

// shapeSlot is a reply text and its shape (Memo.shapes). It is 128
// bytes, and Memo.shapes begins its Memo (a large allocation, aligned to
// a page): a slot is two cache lines, and a text that comes again reads
// the first (e, in, spans) and the text's buffer.
type shapeSlot struct {
	// e is the entry of the shape once found or learnt (nil before):
	// an entry stays true of its shape, and a text that came again costs
	// no key and no look-up. For a shape of a rule with host conditions
	// it is the mark (hostRule), and the entry is looked up with the
	// host's suffixes.
	e *memoEntry
	// in is what keyHead appends, and the text (ASCII); the text in lower
	// case follows it in the same buffer (in[len(in):len(in)+len(text)]).
	in    []byte
	spans []maskSpan

	shape []byte // what shape appended to the key head
	// target is what the text names for a rule's target (targetIn:
	// the address, then the domain), once asked (asked: bit 0, bit 1):
	// a text that comes again from a rule whose listed address is
	// found in the text is not normalized and read again.
	target [2]string
	asked  byte
	// ip is, for a shape whose listed address is its first masked IP
	// (listedSpan), 1 + the index in spans of that IP when it is public
	// (publicIPv4), -1 when it is not, 0 before it is asked: a text
	// that comes again is not parsed again (publicIPv4 is ~500
	// instructions, a third of a repeated refusal's cost in the memo).
	ip int16
	// named is the remote host the text names, when its name is masked
	// (not a catalog host's; nil: it names none of them): the shape of a
	// text that names its host masks the name, and the slot serves only
	// replies from that host.
	named *memoHost
}

type memoEntry struct {
	f        facts
	volatile bool // the masked tokens mattered: classify in full
	hostRule bool // the facts depend on the remote host: look for the entry with its suffixes
	listed   byte // how the listed address is found (listedFull, …)
}

// How Memo finds the listed address of a reply of a shape (when the
// verdict has one, a rule of IP addresses). Catalog.listed reads the
// normalized text; for most shapes that is not needed:
const (
	// listedFull: normalize the reply and look (Catalog.listed).
	listedFull = iota
	// listedSpan: the first masked IP address, when it is one findIP
	// takes (public, valid, usable); else as listedFull. The reply the
	// shape was learnt from and its witness both listed that address.
	listedSpan
	// listedSending: the sending IP. The reply names no address, and its
	// masked tokens are of kinds that cannot hold one.
	listedSending
)

// memoHost is what Memo needs of a remote host. It is 128 bytes, an
// allocation of that size class, so a look-up (name, then info.host) reads
// one cache line, and the rest of the host lies in the same 128-byte block.
type memoHost struct {
	// name holds the name (info.host) when it fits: a look-up compares
	// it where it reads the host, and a text's test reads low (the name
	// again when it is in lower case) there too.
	name [47]byte
	// catalog: it ends in a suffix of a provider or rule (its name in a
	// reply is not masked: a link or domain there can name the provider).
	catalog bool
	info    hostInfo // host, hostProvider(host), registrable(host) when asked
	sig     string   // the indexes of the suffixes it ends in (Memo.suffixAt), two bytes each
	// low is the name in lower case when it is ASCII ("" otherwise): a
	// text that does not hold it does not name the host (shapeOf).
	low string
}

// maskSpan is a masked token of the reply text: text[s:e], of class k.
type maskSpan struct {
	s, e int
	k    byte
}

// Classes of masked tokens.
const (
	maskIP      = 'I' // an IPv4 address
	maskIPPort  = 'J' // an IPv4 address and port
	maskIP6     = '6' // an IPv6 address
	maskLocal   = 'L' // the local part of a mail address
	maskDomain  = 'D' // the domain of a mail address, not a provider's
	maskTime    = 'T' // 14:52:05
	maskHost    = 'H' // the remote host's name
	maskID      = 'N' // an id or a long number
	maskLiteral = 0   // a NUL byte of the text (escaped)
)

// NewMemo returns a Memo of the catalog.
func (c *Catalog) NewMemo() *Memo {
	m := &Memo{c: c, entries: map[string]*memoEntry{}, hosts: fresh.Slice[hostSlot](minHostSlots), suffixes: map[string]int32{}, seed: maphash.MakeSeed()}
	clear(m.shapes[:]) // read before written, as fresh.Slice's tables
	add := func(s string) {
		s = strings.ToLower(s)
		if _, ok := m.suffixes[s]; !ok {
			m.suffixes[s] = int32(len(m.suffixAt))
			m.suffixAt = append(m.suffixAt, s)
		}
	}
	for _, e := range c.hostProv {
		add(e.suffix)
	}
	for _, e := range c.domainProv {
		add(e.suffix)
	}
	for _, r := range c.rules {
		for _, h := range r.hosts {
			add(h)
		}
	}
	return m
}

// Classify returns what c.Classify(in) returns.
func (m *Memo) Classify(in Input) Verdict {
	text := in.Reply.Text
	if len(text) > maxText || len(m.suffixAt) > 1<<16 {
		m.Misses++
		return m.c.Classify(in)
	}
	h, sl := m.slot(&in)
	spans := m.spans
	var e *memoEntry
	switch {
	case sl != nil && sl.e != nil && !sl.e.hostRule:
		// A text that came before, its entry known: no key, no look-up.
		e, spans = sl.e, sl.spans
	case sl != nil && sl.e != nil:
		e = sl.e
	default:
		e = m.entry(m.key)
		if sl != nil {
			sl.e = e
		}
	}
	if e != nil && e.hostRule {
		e = m.entry(h.appendSig(m.key))
	}
	if e == nil {
		v, mark := m.learn(in, h)
		if sl != nil {
			sl.e = mark
		}
		return v
	}
	if e.volatile {
		m.Volatile++
		return m.c.Classify(in)
	}
	m.Hits++
	hi := &hostInfo{}
	if h != nil {
		hi = &h.info
	}
	v, target, listed := m.c.verdict(&e.f, &in, hi)
	if listed {
		v.Listed = m.listed(e.listed, text, target, &in, spans, sl)
	}
	return v
}

// slot returns the remote host of in and the slot of its text (nil for
// none), as shapeOf.
func (m *Memo) slot(in *Input) (*memoHost, *shapeSlot) {
	// The text's set is read before the host is looked up, and the first
	// byte of the text of the slot with its hash: the cache misses of the
	// slot and the host's overlap rather than follow each other.
	m.head = append(m.keyHead(m.head[:0], in), in.Reply.Text...)
	sum := m.sumOf(m.head)
	set := m.setOf(m.head)
	seen := -1
	for w, s := range m.sets[set].sum {
		if sl := &m.shapes[set*shapeWays+w]; s == sum && len(sl.in) == len(m.head) && sl.in[0] == m.head[0] {
			seen = w
			break
		}
	}
	h := m.host(in.RemoteHost)
	return h, m.shapeOf(in, h, set, sum, seen)
}

// entry returns the entry under key: the Memo's own, else one another
// Memo of its Learnt learnt (kept as its own from then on); nil for none.
func (m *Memo) entry(key []byte) *memoEntry {
	if e := m.entries[string(key)]; e != nil || m.learnt == nil {
		return e
	}
	e := m.learnt.get(key)
	if e != nil {
		m.keep(key, e)
	}
	return e
}

// keep remembers e under key, and returns the key as kept.
func (m *Memo) keep(key []byte, e *memoEntry) string {
	if len(m.entries) >= maxMemo {
		clear(m.entries)
	}
	k := string(key)
	m.entries[k] = e
	return k
}

// listed finds the listed address of a reply of a shape as mode says
// (spans: the shape's masked tokens in text; sl: the slot that holds the
// text, or nil).
func (m *Memo) listed(mode byte, text, target string, in *Input, spans []maskSpan, sl *shapeSlot) string {
	switch mode {
	case listedSending:
		return in.SendingIP
	case listedSpan:
		if sl != nil && sl.ip > 0 {
			return spanIP(text, spans[sl.ip-1])
		}
		if sl != nil && sl.ip < 0 {
			break
		}
		at := -1
		for i, sp := range spans {
			if sp.k != maskIP && sp.k != maskIPPort {
				continue
			}
			if publicIPv4(spanIP(text, sp)) {
				at = i
			}
			break
		}
		if sl != nil && len(spans) < math.MaxInt16 {
			sl.ip = int16(at + 1)
			if at < 0 {
				sl.ip = -1
			}
		}
		if at >= 0 {
			return spanIP(text, spans[at])
		}
	}
	if sl == nil || target == targetNone {
		m.text = normalize(m.text[:0], text, in.Reply.Code)
		return m.c.listed(m.text, target, in.SendingIP)
	}
	// Catalog.listed, with what the text names kept in its slot (the
	// slot's key head holds the reply code normalize reads).
	k := 0
	if target == targetDomain {
		k = 1
	}
	if sl.asked&(1<<k) == 0 {
		m.text = normalize(m.text[:0], text, in.Reply.Code)
		sl.target[k] = targetIn(m.text, target)
		sl.asked |= 1 << k
	}
	if s := sl.target[k]; s != "" || target == targetDomain {
		return s
	}
	return in.SendingIP
}

// spanIP is the address of a masked IP (maskIP, maskIPPort) of text.
func spanIP(text string, sp maskSpan) string {
	ip := text[sp.s:sp.e]
	if i := strings.IndexByte(ip, ':'); i >= 0 {
		ip = ip[:i]
	}
	return ip
}

// publicIPv4 reports whether s is an IPv4 address findIP takes at once:
// valid, usable, neither private nor link-local.
func publicIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4() && !a.IsLoopback() && !a.IsUnspecified() && !a.IsMulticast() && !a.IsPrivate() &&
		!a.IsLinkLocalUnicast() && a.As4()[0] != 0 && a.As4()[0] != 255
}

// learn classifies in (whose key, without the host, is m.key) and
// remembers what its text says: as volatile when its masked tokens
// mattered. It returns the verdict and the entry under m.key (the mark of
// a rule with host conditions, or the entry).
func (m *Memo) learn(in Input, h *memoHost) (Verdict, *memoEntry) {
	m.Misses++
	sc := m.c.scratch.Get().(*scratch)
	defer m.c.scratch.Put(sc)
	sc.buf = normalize(sc.buf[:0], in.Reply.Text, in.Reply.Code)
	e := &memoEntry{}
	m.c.read(sc.buf, &in, sc, &e.f)
	hi := &hostInfo{}
	if h != nil {
		hi = &h.info
	}
	v, target, listed := m.c.verdict(&e.f, &in, hi)
	if listed {
		v.Listed = m.c.listed(sc.buf, target, in.SendingIP)
	}
	var wtext []byte // the witness's normalized text
	if len(m.spans) > 0 {
		// The witness: the same reply with other tokens.
		w := in
		w.Reply.Text = string(m.canonical(in.Reply.Text))
		wsc := m.c.scratch.Get().(*scratch)
		defer m.c.scratch.Put(wsc)
		wsc.buf = normalize(wsc.buf[:0], w.Reply.Text, w.Reply.Code)
		var wf facts
		m.c.read(wsc.buf, &w, wsc, &wf)
		e.volatile = !e.f.same(&wf)
		wtext = wsc.buf
	}
	if listed && target == targetIP {
		e.listed = m.listedMode(in.Reply.Text, sc.buf, wtext)
	}
	// Copies: the names come from the reply, a view of a log line.
	for i, l := range e.f.lists {
		e.f.lists[i] = listName{strings.Clone(l.name), strings.Clone(l.reg)}
	}
	for i, l := range e.f.links {
		e.f.links[i] = listName{strings.Clone(l.name), strings.Clone(l.reg)}
	}
	if e.f.hostRule {
		// The facts hold for this host's suffixes: a mark under the key
		// without them, the entry under the key with them.
		mark := m.entries[string(m.key)]
		if mark == nil {
			mark = &memoEntry{hostRule: true}
			m.learnt.put(m.keep(m.key, mark), mark)
		}
		sig := h.appendSig(m.key)
		m.learnt.put(m.keep(sig, e), e)
		return v, mark
	}
	m.learnt.put(m.keep(m.key, e), e)
	return v, e
}

// Learnt is what Memos made by its NewMemo learn, shared: a replay's
// workers each read through their own Memo (a Memo is not safe for
// concurrent use), and a shape one of them learnt is not classified again
// by the others. An entry, once learnt, never changes, so a Memo reads it
// without a lock; the lock is taken only when a Memo has not the shape
// itself (once a shape for each Memo). It is safe for concurrent use; its
// memory is bounded as a Memo's.
type Learnt struct {
	c       *Catalog
	mu      sync.Mutex
	entries map[string]*memoEntry
}

// NewLearnt returns an empty Learnt for Memos of the catalog.
func (c *Catalog) NewLearnt() *Learnt {
	return &Learnt{c: c, entries: map[string]*memoEntry{}}
}

// NewMemo returns a Memo of l's catalog that shares what it learns with the
// other Memos of l.
func (l *Learnt) NewMemo() *Memo {
	m := l.c.NewMemo()
	m.learnt = l
	return m
}

func (l *Learnt) get(key []byte) *memoEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.entries[string(key)]
}

// put shares what a Memo learnt (nothing for a Memo of no Learnt).
func (l *Learnt) put(key string, e *memoEntry) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= maxMemo {
		clear(l.entries)
	}
	l.entries[key] = e
}

// listedMode tells how the listed address of replies of the shape of text
// (masked tokens in m.spans; norm is text normalized, wnorm its witness's)
// may be found (see listedSpan, listedSending).
func (m *Memo) listedMode(text string, norm, wnorm []byte) byte {
	// Masked tokens that may hold what findIP takes for an address:
	// IPs, and mail addresses' local parts and ids with colons, which
	// could hold one in a part.
	first := -1 // the first masked IP
	for i, sp := range m.spans {
		switch {
		case sp.k == maskIP || sp.k == maskIPPort:
			if first < 0 {
				first = i
			}
		case sp.k == maskIP6, sp.k == maskLocal, sp.k == maskID && strings.IndexByte(text[sp.s:sp.e], ':') >= 0:
			if first < 0 {
				return listedFull
			}
		}
	}
	ip, _ := findIP(norm)
	if first < 0 {
		if ip == "" {
			return listedSending
		}
		return listedFull
	}
	sp := m.spans[first]
	v := spanIP(text, sp)
	if ip != v || !publicIPv4(ip) || wnorm == nil {
		return listedFull
	}
	// The witness holds another address there: it must be the one listed
	// too (not an address of the text that merely equals this one).
	wv := canonicalOf(sp.k, text[sp.s:sp.e])
	if i := strings.IndexByte(wv, ':'); i >= 0 {
		wv = wv[:i]
	}
	if wip, _ := findIP(wnorm); wip != wv {
		return listedFull
	}
	// Yahoo's "- 4.16.55.1" status numbers are not addresses: findIP
	// looks at the first digits there.
	if k := bytes.Index(norm, []byte(ip)); k < 0 || bytes.HasSuffix(norm[:k], []byte("- ")) || bytes.HasSuffix(norm[:k], []byte("\xe2\x80\x93 ")) {
		return listedFull
	}
	return listedSpan
}

// same reports whether f and g are the same facts.
func (f *facts) same(g *facts) bool {
	if f.hit != g.hit || f.hostRule != g.hostRule || f.urlDNSBL != g.urlDNSBL || f.urlAny != g.urlAny || f.named != g.named || f.page != g.page || f.found != g.found || !slices.Equal(f.lists, g.lists) || !slices.Equal(f.links, g.links) {
		return false
	}
	return true
}

// host returns what Memo needs of the remote host (nil for none).
func (m *Memo) host(host string) *memoHost {
	if host == "" {
		return nil
	}
	sum := maphash.String(m.seed, host)
	mask := uint64(len(m.hosts) - 1)
	for i := sum & mask; m.hosts[i].h != nil; i = (i + 1) & mask {
		if sl := &m.hosts[i]; sl.sum == sum && sl.h.info.host == host {
			return sl.h
		}
	}
	h := &memoHost{}
	if len(host) <= len(h.name) {
		host = unsafe.String(&h.name[0], copy(h.name[:], host))
	} else {
		host = strings.Clone(host)
	}
	h.info = hostInfo{host: host, hp: m.c.hostProvider(host)} // registrable when first asked (most hosts never are)
	var sig []byte
	add := func(i int32) { sig = append(sig, byte(i>>8), byte(i)) }
	ascii := true
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		low := strings.ToLower(host) // host itself when it is in lower case
		h.low = low
		if i, ok := m.suffixes[low]; ok {
			add(i)
		}
		for k := 0; k < len(low); k++ {
			if low[k] == '.' {
				if i, ok := m.suffixes[low[k+1:]]; ok {
					add(i)
				}
			}
		}
	} else {
		for i, s := range m.suffixAt {
			if hostHasSuffix(host, s) {
				add(int32(i))
			}
		}
	}
	h.sig = string(sig)
	h.catalog = len(sig) > 0
	switch {
	case m.nHosts >= maxMemoHosts:
		clear(m.hosts)
		m.nHosts = 0
	case 4*(m.nHosts+1) > 3*len(m.hosts):
		m.growHosts()
		mask = uint64(len(m.hosts) - 1)
	}
	i := sum & mask
	for m.hosts[i].h != nil {
		i = (i + 1) & mask
	}
	m.hosts[i] = hostSlot{sum, h}
	m.nHosts++
	return h
}

// growHosts doubles the table of hosts (at most three quarters full).
func (m *Memo) growHosts() {
	old := m.hosts
	m.hosts = fresh.Slice[hostSlot](2 * len(old))
	mask := uint64(len(m.hosts) - 1)
	for k := range old {
		if old[k].h == nil {
			continue
		}
		i := old[k].sum & mask
		for m.hosts[i].h != nil {
			i = (i + 1) & mask
		}
		m.hosts[i] = old[k]
	}
}

// appendSig appends to key the suffixes the host ends in (none for no
// host: rules with host conditions hold for no empty host).
func (h *memoHost) appendSig(key []byte) []byte {
	key = append(key, 0, 'h')
	if h == nil {
		return append(key, 0)
	}
	return append(append(key, byte(len(h.sig))), h.sig...)
}

// keyHead appends to key what read takes of in besides the text and the
// remote host.
func (m *Memo) keyHead(key []byte, in *Input) []byte {
	var flags byte
	if in.NoReply {
		flags |= 1
	}
	if in.Greeting {
		flags |= 2
	}
	code := in.Reply.Code
	key = append(key, flags, byte(code>>8), byte(code), byte(len(in.Reply.Enhanced)))
	return append(key, in.Reply.Enhanced...)
}

// shapeOf sets m.key to in's key head and its text's shape (shape), and
// m.spans, from the text's slot in set of m.shapes (m.head: the key head
// and text, sum: its hash, seen: the first way whose hash, length and
// first byte are its, or -1) when the text came before and does not name
// the remote host (or the host's name is not masked: a catalog host's);
// it returns the slot that holds the text (nil for none), the one it
// filled if the text was shaped. When the slot knows
// the shape's entry, and it is not the mark of a rule with host
// conditions, m.key and m.spans are left as they are: the slot has all
// that is needed.
//
// shape masks a token equal to the remote host's name (strings.EqualFold)
// and nothing else of the host's: a text's shape is the same from every
// host it does not name, and the same from the host it names each time
// it comes from it. A slot holds only a text that is ASCII from a host
// with an ASCII name; it serves every such host that the text does not
// hold in any case of its letters, or, when the text held the name of the
// host it came from (shapeSlot.named), that host alone: Postfix's own
// "connect to mx.example.net[…]: Connection timed out" comes again from
// the host it names. A catalog host's name is not masked, so a text has
// the same shape from it whether it names it or not: a slot serves such a
// host without looking for its name in the text. (Unicode folds some
// letters beyond ASCII onto ASCII ones: a text or a name that is not
// ASCII is shaped each time.)
func (m *Memo) shapeOf(in *Input, h *memoHost, set int, sum uint64, seen int) *shapeSlot {
	text := in.Reply.Text
	asciiHost := h == nil || h.low != ""
	st := &m.sets[set]
	m.tick++
	for w := max(seen, 0); asciiHost && seen >= 0 && w < shapeWays; w++ {
		sl := &m.shapes[set*shapeWays+w]
		if st.sum[w] != sum || !bytes.Equal(sl.in, m.head) {
			continue
		}
		if sl.named != nil && sl.named != h || sl.named == nil && h != nil && !h.catalog && bytes.Contains(sl.in[len(sl.in):len(sl.in)+len(text)], unsafe.Slice(unsafe.StringData(h.low), len(h.low))) {
			continue
		}
		st.used[w] = m.tick
		if sl.e == nil || sl.e.hostRule {
			m.spans = append(m.spans[:0], sl.spans...)
			m.key = append(m.key[:0], sl.shape...)
		}
		return sl
	}
	m.shaped++
	// The text in lower case, for its slot, tells shape whether the host
	// may be named in it.
	ascii := asciiHost && isASCII(text)
	var named *memoHost
	if ascii {
		m.text = appendLower(m.text[:0], text)
		if h != nil && !h.catalog && bytes.Contains(m.text, unsafe.Slice(unsafe.StringData(h.low), len(h.low))) {
			named = h
		}
	}
	words := !ascii || named != nil
	m.key = m.shapeWords(m.keyHead(m.key[:0], in), text, in.RemoteHost, h, words)
	if !ascii {
		return nil
	}
	// The slot of the set used least lately (one never used first).
	w := 0
	for k := range st.used {
		if st.used[k] < st.used[w] {
			w = k
		}
	}
	st.sum[w], st.used[w] = sum, m.tick
	sl := &m.shapes[set*shapeWays+w]
	// The text and its lower case side by side: a text that comes again
	// reads the one, then the other.
	sl.in = append(append(sl.in[:0], m.head...), m.text...)[:len(m.head)]
	sl.shape = append(sl.shape[:0], m.key...)
	sl.spans = append(sl.spans[:0], m.spans...)
	sl.e = nil
	sl.target, sl.asked, sl.ip = [2]string{}, 0, 0
	sl.named = named
	return sl
}

// setOf is the set of m.shapes for a key head and text: a hash of its
// length and its first 64 bytes (most texts differ there; two that do
// not only share a set).
func (m *Memo) setOf(head []byte) int {
	return int((maphash.Bytes(m.seed, head[:min(len(head), 64)]) ^ uint64(len(head))*0x9e3779b97f4a7c15) % (shapeSlots / shapeWays))
}

// sumOf is the hash of a whole key head and text, which its set keeps:
// a text that shares the set of another but differs from it is told
// apart without reading the other's bytes.
func (m *Memo) sumOf(head []byte) uint64 {
	return maphash.Bytes(m.seed, head)
}

// isASCII reports whether s is ASCII.
func isASCII(s string) bool {
	for len(s) >= 8 {
		w := swar.Word(s)
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendLower appends s, which is ASCII, with its capitals in lower case,
// eight bytes at a time (a byte at a time it cost more than the shapes it
// saved on texts that never come again).
func appendLower(b []byte, s string) []byte {
	const ones = 0x0101010101010101
	for len(s) >= 8 {
		w := swar.Word(s)
		// Each byte is below 0x80: adding 0x80-'A' sets its high bit when
		// it is 'A' or above, adding 0x80-'Z'-1 when it is above 'Z'; no
		// sum carries into the next byte. A capital gains 0x20.
		upper := (w + (0x80-'A')*ones) &^ (w + (0x80-'Z'-1)*ones) & (0x80 * ones)
		w |= upper >> 2
		b = append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24), byte(w>>32), byte(w>>40), byte(w>>48), byte(w>>56))
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// shape appends the reply text to key with its varying tokens masked (see
// Memo), and notes them in m.spans. The text between masked tokens is
// appended in one piece when the next masked token (or the end) comes,
// not word by word: most of a reply is words that stay.
func (m *Memo) shape(key []byte, text, host string, h *memoHost) []byte {
	words := !isASCII(text)
	if !words && h != nil && !h.catalog {
		m.text = appendLower(m.text[:0], text)
		words = h.low == "" || bytes.Contains(m.text, unsafe.Slice(unsafe.StringData(h.low), len(h.low)))
	}
	return m.shapeWords(key, text, host, h, words)
}

// shapeWords is shape, told whether a word (a token of letters and
// punctuation) may be the remote host's name, the only word it masks:
// when the text is not ASCII, or its lower case holds the name of a host
// whose name is masked (not a catalog's). When none may be, only the
// tokens with a digit or '@' are read, found eight bytes at a time
// (nextMark): most of a reply is words, and reading each of their bytes
// through tokenClass was most of the cost of a shape (~4,000
// instructions a text of ~150 bytes, half a refusal's cost in the memo
// on the generator's log, which shapes 40 % of its texts).
func (m *Memo) shapeWords(key []byte, text, host string, h *memoHost, words bool) []byte {
	m.spans = m.spans[:0]
	sh := shaper{m: m, key: key, text: text}
	maskHostName := h != nil && !h.catalog
	if !words {
		for i := 0; ; {
			k := nextMark(text, i)
			if k == len(text) {
				break
			}
			if text[k] == 0 {
				sh.mask(maskLiteral, k, k+1, false)
				i = k + 1
				continue
			}
			// The token around text[k], which begins at i or after: i
			// is 0, or follows a NUL or a token.
			s, j := k, k
			var has byte
			for s > i && tokenClass[text[s-1]]&^tcNUL != 0 {
				s--
				has |= tokenClass[text[s]]
			}
			for j < len(text) && tokenClass[text[j]]&^tcNUL != 0 {
				has |= tokenClass[text[j]]
				j++
			}
			end := j
			for end > s && tokenClass[text[end-1]]&tcTrail != 0 {
				end--
			}
			sh.token(s, end, has, host, maskHostName)
			i = j
		}
		return append(sh.key, text[sh.from:]...)
	}
	for i := 0; i < len(text); {
		// Bytes of no token, as they are (a NUL escaped).
		j := i
		for j < len(text) && tokenClass[text[j]] == 0 {
			j++
		}
		i = j
		if i == len(text) {
			break
		}
		if tokenClass[text[i]] == tcNUL {
			sh.mask(maskLiteral, i, i+1, false)
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
				sh.mask(maskHost, i, end, true)
			}
		} else {
			sh.token(i, end, has, host, maskHostName)
		}
		i = j
	}
	return append(sh.key, text[sh.from:]...)
}

// nextMark returns the index of the first digit, '@' or NUL of text (ASCII)
// from i on, len(text) for none.
func nextMark(text string, i int) int {
	const ones = 0x0101010101010101
	for ; i+8 <= len(text); i += 8 {
		b := text[i : i+8]
		w := swar.Word(b)
		// Each byte is below 0x80: adding 0x80-'0' sets its high bit when
		// it is '0' or above, adding 0x80-'9'-1 when it is above '9' (as
		// in appendLower). A zero byte of w, or of w^'@'…, sets the high
		// bit of (x-ones)&^x in its place; a place above a zero byte may
		// be set too, but the lowest set is a zero byte's.
		digit := (w + (0x80-'0')*ones) &^ (w + (0x80-'9'-1)*ones)
		at := w ^ '@'*ones
		if marks := (digit | (w-ones)&^w | (at-ones)&^at) & (0x80 * ones); marks != 0 {
			return i + bits.TrailingZeros64(marks)/8
		}
	}
	for ; i < len(text); i++ {
		if c := text[i]; c-'0' <= 9 || c == '@' || c == 0 {
			return i
		}
	}
	return len(text)
}

// shaper is the state of one shape: the key so far, and where the text
// not yet appended to it begins.
type shaper struct {
	m    *Memo
	key  []byte
	text string
	from int
}

// mask appends the text before s and masked token k in place of text[s:e];
// a span (for m.spans) unless it is an escaped NUL.
func (sh *shaper) mask(k byte, s, e int, span bool) {
	sh.key = append(append(sh.key, sh.text[sh.from:s]...), 0, k)
	sh.from = e
	if span {
		sh.m.spans = append(sh.m.spans, maskSpan{s, e, k})
	}
}

// tokenClass tells the bytes a token is made of (non-zero) and what they
// are.
var tokenClass = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9':
			t[c] = tcDigit
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			t[c] = tcLetter
		case c == '@':
			t[c] = tcAt
		case c == ':':
			t[c] = tcTrail | tcColon
		case c == '.':
			t[c] = tcTrail | tcDot
		case c == '-' || c == '_' || c == '+':
			t[c] = tcTrail
		case c == 0:
			t[c] = tcNUL
		}
	}
	return t
}()

const (
	tcLetter = 1 << iota
	tcDigit
	tcAt
	tcTrail // may end a token as punctuation (".", ":", "-", "_", "+")
	tcNUL   // not a token's: NUL, escaped in a shape
	tcColon // ':' (with tcTrail): what times and IPv6 addresses hold
	tcDot   // '.' (with tcTrail): what IPv4 addresses hold
)

// token masks text[s:e] where it varies; has are the classes of the
// token's bytes (tokenClass), which rule out the kinds it holds no byte of.
func (sh *shaper) token(s, e int, has byte, host string, maskHostName bool) {
	m, text := sh.m, sh.text
	// A multi-line reply's "550-" continuation prefix is not part of the
	// word it is glued to (normalize removes it).
	for e-s > 4 && text[s] >= '2' && text[s] <= '5' && isDigit(text[s+1]) && isDigit(text[s+2]) && text[s+3] == '-' {
		s += 4
	}
	t := text[s:e]
	colon := has&tcColon != 0
	switch {
	case t == "":
		return
	case has&tcDot != 0 && isIPv4Port(t):
		if m.plain(t) {
			k := byte(maskIP)
			if colon && strings.IndexByte(t, ':') >= 0 {
				k = maskIPPort
			}
			sh.mask(k, s, e, true)
			return
		}
	case has&tcAt != 0 && strings.IndexByte(t, '@') > 0:
		// An address of a provider's domain (a removal contact) stays
		// whole; others are masked whole, a recipient's or sender's.
		at := strings.LastIndexByte(t, '@')
		d := t[at+1:]
		if strings.IndexByte(d, '.') > 0 && validName(d) && m.plain(t) &&
			m.c.domainIdx.first(unsafe.Slice(unsafe.StringData(d), len(d)), nil) == nil &&
			m.c.hostIdx.first(unsafe.Slice(unsafe.StringData(d), len(d)), nil) == nil {
			sh.mask(maskLocal, s, s+at, true)
			sh.mask(maskDomain, s+at+1, e, true) // the '@' between them stays
			return
		}
	case colon && isIPv6(t):
		if m.plain(t) {
			sh.mask(maskIP6, s, e, true)
			return
		}
	case colon && (isClock(t) || isISOTime(t)):
		if m.plain(t) {
			sh.mask(maskTime, s, e, true)
			return
		}
	case maskHostName && len(t) == len(host) && strings.EqualFold(t, host):
		if m.plain(t) {
			sh.mask(maskHost, s, e, true)
			return
		}
	}
	// Parts between '.' and '@': ids and times masked, the rest as it is.
	if has&tcDigit == 0 {
		return // no part is an id or a time
	}
	p := s
	for k := s; k <= e; k++ {
		if k < e && text[k] != '.' && text[k] != '@' {
			continue
		}
		switch part := text[p:k]; {
		case colon && isClock(part) && m.plain(part):
			sh.mask(maskTime, p, k, true)
		case idLike(part) && m.plain(part):
			sh.mask(maskID, p, k, true)
		}
		p = k + 1
	}
}

// plain reports whether no catalog literal occurs inside t (a token or a
// part of one, which the text around delimits as a word): one that does is
// not masked, since a rule may look for it ("spammaster@hanafos.com",
// "127.0.0.2").
func (m *Memo) plain(t string) bool { return !m.c.m.any(t) }

// isISOTime reports whether t is an RFC 3339 date and time:
// 2024-05-09T23:34:45.000Z, 2024-05-09T23:34:45+02:00.
func isISOTime(t string) bool {
	if len(t) < 16 || t[4] != '-' || t[7] != '-' || t[10] != 'T' && t[10] != 't' {
		return false
	}
	for _, i := range []int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(t[i]) {
			return false
		}
	}
	rest := t[11:]
	// The clock, then a zone: Z or ±hh:mm.
	end := len(rest)
	if rest[end-1] == 'Z' || rest[end-1] == 'z' {
		end--
	} else if end >= 6 && (rest[end-6] == '+' || rest[end-6] == '-') && isClock(rest[end-5:]) {
		end -= 6
	}
	return isClock(rest[:end])
}

// isIPv4Port reports whether t is a dotted quad of decimal groups of one
// to three digits, with a port (":25") or not.
func isIPv4Port(t string) bool {
	i := 0
	for g := 0; g < 4; g++ {
		if g > 0 {
			if i >= len(t) || t[i] != '.' {
				return false
			}
			i++
		}
		n := 0
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			n++
		}
		if n == 0 || n > 3 {
			return false
		}
	}
	if i == len(t) {
		return true
	}
	if t[i] != ':' || i+1 == len(t) {
		return false
	}
	for i++; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// isIPv6 reports whether t is an IPv6 address.
func isIPv6(t string) bool {
	if strings.Count(t, ":") < 2 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !(isHex(c|0x20) || c == ':' || c == '.') {
			return false
		}
	}
	a, err := netip.ParseAddr(t)
	return err == nil && a.Is6()
}

// isClock reports whether t is a time of day: 9:05, 14:52:05, 14:52:05.123.
func isClock(t string) bool {
	i, n := 0, 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || i > 2 {
		return false
	}
	for n < 2 {
		if i+3 > len(t) || t[i] != ':' || !isDigit(t[i+1]) || !isDigit(t[i+2]) {
			break
		}
		i += 3
		n++
	}
	if n == 0 {
		return false
	}
	if i < len(t) && (t[i] == '.' || t[i] == ',') && n == 2 {
		j := i + 1
		for j < len(t) && isDigit(t[j]) {
			j++
		}
		if j > i+1 {
			i = j
		}
	}
	return i == len(t)
}

// idLike reports whether a part of a token is an id that varies from
// message to message: five digits or more, or a word with digits that is
// long (12 bytes), mixed-case (8) or hexadecimal (8). Catalog codes such as
// S3140, AS16012609, BL000010, OFR006_100 are none of these.
func idLike(p string) bool {
	digits, lower, upper, hex := 0, 0, 0, true
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z':
			lower++
			hex = hex && c <= 'f'
		case c >= 'A' && c <= 'Z':
			upper++
			hex = hex && c <= 'F'
		default:
			hex = hex && c == '-'
		}
	}
	switch {
	case digits == 0:
		return false
	case digits == len(p):
		return len(p) >= 5
	case len(p) >= 12:
		return true
	case len(p) >= 8 && lower > 0 && upper > 0:
		return true
	}
	return len(p) >= 8 && hex && lower+upper > 0
}

// canonical returns the reply text with each masked token (m.spans)
// replaced by another of its kind (canonicalOf).
func (m *Memo) canonical(text string) []byte {
	b := m.canon[:0]
	at := 0
	for _, sp := range m.spans {
		b = append(b, text[at:sp.s]...)
		b = append(b, canonicalOf(sp.k, text[sp.s:sp.e])...)
		at = sp.e
	}
	b = append(b, text[at:]...)
	m.canon = b
	return b
}

// canonicalOf returns a token of kind k other than orig.
func canonicalOf(k byte, orig string) string {
	alt := func(x, y string) string {
		if orig == x {
			return y
		}
		return x
	}
	switch k {
	case maskIP:
		return alt("192.0.2.1", "192.0.2.2")
	case maskIPPort:
		return alt("192.0.2.1:2525", "192.0.2.2:2525")
	case maskIP6:
		return alt("2001:db8::1", "2001:db8::2")
	case maskLocal:
		return alt("someone", "sometwo")
	case maskDomain:
		return alt("example.net", "example.org")
	case maskTime:
		return alt("00:00:00", "01:01:01")
	case maskHost:
		return alt("mx.example.net", "mx.example.org")
	}
	return alt("x0x0x0x0x0x0", "y1y1y1y1y1y1")
}
