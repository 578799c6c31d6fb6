package ingest

import (
	"hash/maphash"
	"strings"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/htable"
)

// An incident is one per provider and listed address, and the listed
// address comes from the receiver's reply. A receiver whose replies name
// a different address each time — a broken or hostile server, a relay that
// quotes the addresses of others — would open an incident, and send a
// notice, per address. AddressBound caps that: one receiver (the
// registered domain of the host that refused) may name at most
// MaxAddressesPerReceiver addresses that are not ours within
// AddressWindow; the refusals that name further addresses are folded into
// the incident of their provider with no listed address, and counted.
// Many receivers, each naming one address of its own (a botnet of
// receivers, a reply template misread everywhere), would do the same, so
// all of them together may name at most a number of addresses within
// AddressWindow (the configuration's foreign_addresses, by default
// DefaultForeignAddresses; 0: none, every refusal naming an address not
// ours is folded). Our own addresses (sending_ips, sending_domains) are
// never folded.
const (
	MaxAddressesPerReceiver = 10
	DefaultForeignAddresses = 20
	AddressWindow           = 24 * time.Hour
	// maxReceivers bounds the receivers remembered; past it, those
	// whose addresses are all older than AddressWindow are forgotten, and
	// if that is not enough, all of them.
	maxReceivers = 4096
)

// AddressBound folds the addresses a receiver names beyond the cap (see
// MaxAddressesPerReceiver). It is not safe for concurrent use; the daemon
// and replay feed it in log order, from one goroutine.
type AddressBound struct {
	ours map[string]bool
	// receivers: receiver → the addresses it named.
	receivers map[string]*addrSet
	// hosts: host that refused → its receiver and the receiver's
	// addresses (at most maxHosts; emptied when full), by hash (seed's).
	hosts htable.Table[hostRecv]
	seed  maphash.Seed
	// foreign: the addresses named by any receiver (at most maxForeign).
	foreign    addrSet
	maxForeign int
	// Folded counts the refusals folded so far; FoldedReceivers names the
	// receivers that had some folded by their own cap (at most
	// maxReceivers), FoldedAll says whether any was folded by the cap on
	// all of them (maxForeign).
	Folded          int64
	FoldedReceivers map[string]bool
	FoldedAll       bool
	// folded is the verdict of the last refusal folded: o.Verdict points
	// to it until the next Fold (a copy per folded refusal was most of
	// what the bound allocated).
	folded classify.Verdict
	// changes: what changed since TakeChanges (nil: not recorded, as in
	// replay).
	changes *BoundChanges
	// prefetched: see Prefetch.
	prefetched uint64
}

// BoundChanges are the addresses a bound was told of or let go since
// the last TakeChanges, for the daemon's store: a restart loads them
// back (Load) and goes on as one run would.
type BoundChanges struct {
	// Reset: everything before was let go (a new bound).
	Reset bool
	// Named: the receiver named the address at that time (receiver ""
	// for all of them together); Dropped: it was let go.
	Named   map[BoundKey]time.Time
	Dropped map[BoundKey]bool
}

// BoundKey is an address of a receiver ("": all receivers together).
type BoundKey struct{ Receiver, Address string }

// Record makes the bound keep what changes for TakeChanges; reset says
// that what was recorded before (in the store) is let go.
func (b *AddressBound) Record(reset bool) {
	b.changes = &BoundChanges{Reset: reset, Named: map[BoundKey]time.Time{}, Dropped: map[BoundKey]bool{}}
}

// TakeChanges returns what changed since the last call (nil when nothing,
// or when not recorded) and starts again.
func (b *AddressBound) TakeChanges() *BoundChanges {
	c := b.changes
	if c == nil || !c.Reset && len(c.Named) == 0 && len(c.Dropped) == 0 {
		return nil
	}
	b.Record(false)
	return c
}

// Load puts back the addresses a store kept (receiver "": all receivers
// together), named at their times, without recording them as changes; an
// address that is ours now (the configuration changed) is left out.
func (b *AddressBound) Load(recv, addr string, at time.Time) {
	if b.ours[strings.ToLower(addr)] {
		return
	}
	addrs := &b.foreign
	if recv != "" {
		if addrs = b.receivers[recv]; addrs == nil {
			addrs = newAddrSet()
			b.receivers[strings.Clone(recv)] = addrs
		}
	}
	if h := b.hash(addr); addrs.lookup(addr, h) == nil {
		addrs.add(addr, h, at)
	}
}

// hash is the hash of an address the bound's sets keep, or of a host.
func (b *AddressBound) hash(s string) uint64 { return maphash.String(b.seed, s) }

func (b *AddressBound) named(recv, addr string, at time.Time) {
	if c := b.changes; c != nil {
		k := BoundKey{recv, addr}
		c.Named[k] = at
		delete(c.Dropped, k)
	}
}

func (b *AddressBound) dropped(recv, addr string) {
	if c := b.changes; c != nil {
		k := BoundKey{recv, addr}
		delete(c.Named, k)
		c.Dropped[k] = true
	}
}

// addrSet is a set of addresses and when each was last named. A pointer
// per address: a refusal of a known address updates the time without
// writing the map, which would store its key again — a view of the log
// line, kept with it.
type addrSet struct {
	m map[string]*named
	// gone: the receiver was forgotten (forget), and its set with it; a
	// host's entry that points here looks the receiver up again.
	gone bool
	// since is at most the earliest time in m (the earliest may have
	// moved on since it was taken): a full set is looked through for the
	// addresses past AddressWindow only when one may be, not at every
	// further address named (a receiver that quotes random addresses
	// names one at every refusal, all of them folded).
	since time.Time
	// n is len(m), and bits has bit h>>56 set for the hash h
	// (AddressBound.hash) of each address in m: most addresses a full
	// set is asked about are not in it (a receiver past its cap, or all
	// of them, quoting a new address at every refusal), and the bit
	// answers without the map (its header, group and key, where the set
	// was read already) for all but n/256 of them. Rebuilt when addresses
	// leave.
	n    int
	bits [4]uint64
	// folded: the receiver is in AddressBound.FoldedReceivers (a
	// receiver past its cap folds at every further address, and looked
	// itself up there each time).
	folded bool
}

// bit returns the word of addrSet.bits and the bit in it of hash h.
func bit(h uint64) (int, uint64) { return int(h >> 62), 1 << (h >> 56 & 63) }

// lookup returns the entry of a, whose hash is h, nil if a is not in
// the set.
func (s *addrSet) lookup(a string, h uint64) *named {
	if w, m := bit(h); s.bits[w]&m == 0 {
		return nil
	}
	return s.m[a]
}

// named is an address of a set (the set's copy) and when it was last
// named.
type named struct {
	addr string
	h    uint64 // AddressBound.hash of addr
	at   time.Time
	// gone: no longer in its set (a host's entry may still point to it).
	gone bool
}

func newAddrSet() *addrSet { return &addrSet{m: map[string]*named{}} }

// touchNamed sets the time of n, an address of the set, to at.
func (s *addrSet) touchNamed(n *named, at time.Time) {
	n.at = at
	if at.Before(s.since) { // read out of order
		s.since = at
	}
}

// add puts a copy of a, whose hash is h, in the set, named at at, and
// returns its entry.
func (s *addrSet) add(a string, h uint64, at time.Time) *named {
	n := &named{addr: strings.Clone(a), at: at, h: h}
	s.m[n.addr] = n
	s.n++
	w, m := bit(h)
	s.bits[w] |= m
	if s.n == 1 || at.Before(s.since) {
		s.since = at
	}
	return n
}

// expire drops from the set, when it holds max addresses or more, those
// last named more than AddressWindow before at, calling drop for each.
func (s *addrSet) expire(max int, at time.Time, drop func(string)) {
	if s.n < max || at.Sub(s.since) <= AddressWindow {
		return
	}
	s.since, s.bits = time.Time{}, [4]uint64{}
	for a, n := range s.m {
		if at.Sub(n.at) > AddressWindow {
			delete(s.m, a)
			s.n--
			n.gone = true
			drop(a)
			continue
		}
		w, m := bit(n.h)
		s.bits[w] |= m
		if s.since.IsZero() || n.at.Before(s.since) {
			s.since = n.at
		}
	}
}

// NewAddressBound returns a bound for a host whose own addresses (IPs and
// domains, as verdicts write them) are ours, under which all receivers
// together may name at most foreign other addresses within AddressWindow
// (0: none; a negative number counts as 0).
func NewAddressBound(ours []string, foreign int) *AddressBound {
	b := &AddressBound{ours: map[string]bool{}, receivers: map[string]*addrSet{}, foreign: *newAddrSet(), FoldedReceivers: map[string]bool{},
		maxForeign: max(foreign, 0), hosts: htable.New(func(e *hostRecv) string { return e.host }), seed: maphash.MakeSeed()}
	for _, a := range ours {
		// An empty address (no sending IP configured: replay passes
		// its --sending-ip as it is) is no listing of ours: kept, it
		// made every blocklist refusal lower and look up its address.
		if a = strings.ToLower(strings.TrimSuffix(a, ".")); a != "" {
			b.ours[a] = true
		}
	}
	return b
}

// Fold looks at a blocklist refusal and, when its receiver, or all of
// them, named too many other addresses already, replaces o's verdict with a
// copy that lists no address (verdicts are shared: the original is never
// changed), valid until the next call of Fold (the tracker copies what it
// keeps). It
// reports whether it folded o.
func (b *AddressBound) Fold(o *incident.Observation) bool {
	if b == nil || !b.foldable(o.Verdict) {
		return false
	}
	return b.fold(o, b.KeyOf(o.RemoteHost, o.RelayHost, o.Verdict.Listed))
}

// FoldKey holds the hashes of a refusal's host (FoldHost) and listed
// address that Fold looks up.
type FoldKey struct{ Host, Listed uint64 }

// KeyOf returns the FoldKey of a refusal whose remote host, relay and
// listed address are those. It only reads what NewAddressBound set: safe
// for concurrent use with the bound's other methods.
func (b *AddressBound) KeyOf(remote, relay, listed string) FoldKey {
	return FoldKey{b.hash(FoldHost(remote, relay)), b.hash(listed)}
}

// FoldKeyed is Fold with the refusal's KeyOf in k: a replay's workers
// hash the strings while the line is at hand.
func (b *AddressBound) FoldKeyed(o *incident.Observation, k FoldKey) bool {
	if b == nil || !b.foldable(o.Verdict) {
		return false
	}
	return b.fold(o, k)
}

// foldable reports whether v is a refusal Fold looks at: a blocklist
// one naming an address that is not ours.
func (b *AddressBound) foldable(v *classify.Verdict) bool {
	return v != nil && v.Category == classify.Blocklist && v.Listed != "" && (len(b.ours) == 0 || !b.ours[strings.ToLower(v.Listed)])
}

// FoldHost is the host whose receiver a refusal is counted under: the
// remote host that answered, else the relay.
func FoldHost(remote, relay string) string {
	if remote == "" {
		return relay
	}
	return remote
}

// Prefetch reads the entries of the hosts of the refusals whose keys are
// in ks (a chunk's, KeyOf) and their receivers' addresses, and changes
// nothing: called before those refusals are folded one after another, it
// has their cache misses taken together, not each in turn (the hosts'
// look-up was most of Fold; a memory read each, one after the other).
func (b *AddressBound) Prefetch(ks []FoldKey) {
	if b.hosts.Len() == 0 {
		return
	}
	var sum uint64
	for _, k := range ks {
		if e := b.hosts.Home(uint32(k.Host)); e != nil {
			if a := e.addrs; a != nil {
				sum += a.bits[k.Listed>>62]
			}
			if n := e.last; n != nil {
				sum += n.h
			}
			sum += uint64(len(e.host))
		}
	}
	b.prefetched += sum & 1 // kept: the reads are not optimized away
}

func (b *AddressBound) fold(o *incident.Observation, k FoldKey) bool {
	v, lh := o.Verdict, k.Listed
	hr := b.receiverOf(FoldHost(o.RemoteHost, o.RelayHost), k.Host)
	recv, addrs := hr.recv, hr.addrs
	if addrs == nil || addrs.gone {
		if addrs = b.receivers[recv]; addrs == nil {
			if len(b.receivers) >= maxReceivers {
				b.forget(o.At)
			}
			addrs = newAddrSet()
			b.receivers[recv] = addrs
		}
		hr.addrs, hr.last, hr.lastF = addrs, nil, nil
	}
	// Most hosts name one address again and again: the one they named
	// last, when still in the receiver's addresses, is that entry.
	n, f := hr.last, hr.lastF
	if n == nil || n.h != lh || n.gone || n.addr != v.Listed {
		n, f = addrs.lookup(v.Listed, lh), nil
	}
	if n != nil {
		addrs.touchNamed(n, o.At)
		b.named(recv, n.addr, o.At)
		if f == nil || f.gone {
			f = b.foreign.lookup(v.Listed, lh)
		}
		if f != nil {
			b.foreign.touchNamed(f, o.At)
			b.named("", f.addr, o.At)
		}
		hr.last, hr.lastF = n, f
		return false
	}
	addrs.expire(MaxAddressesPerReceiver, o.At, func(a string) { b.dropped(recv, a) })
	f = b.foreign.lookup(v.Listed, lh)
	if f == nil {
		b.foreign.expire(b.maxForeign, o.At, func(a string) { b.dropped("", a) })
	}
	if addrs.n < MaxAddressesPerReceiver && (f != nil || b.foreign.n < b.maxForeign) {
		if f != nil {
			b.foreign.touchNamed(f, o.At)
		} else {
			f = b.foreign.add(v.Listed, lh, o.At)
		}
		b.named("", f.addr, o.At)
		n := addrs.add(v.Listed, lh, o.At)
		b.named(recv, n.addr, o.At)
		hr.last, hr.lastF = n, f
		return false
	}
	b.folded = *v
	b.folded.Listed = ""
	o.Verdict = &b.folded
	b.Folded++
	if addrs.n < MaxAddressesPerReceiver {
		b.FoldedAll = true
	} else if !addrs.folded && len(b.FoldedReceivers) < maxReceivers {
		b.FoldedReceivers[recv] = true
		addrs.folded = true
	}
	return true
}

// hostRecv is the receiver a host stands for (its registered domain,
// incident.Registered) and, once looked up, the receiver's addresses:
// a refusal finds both with one look-up of its host, where it looked up
// the host's receiver and then the receiver's addresses. last and lastF
// are the entries of the address the host named last in those addresses
// and in all receivers' (when there): a host names the same address
// (ours, as its reply quotes it) refusal after refusal, and finds it
// there without two more look-ups.
type hostRecv struct {
	host        string // in buf when it fits
	buf         [hostInline]byte
	recv        string
	addrs       *addrSet // nil, or gone: look it up in receivers
	last, lastF *named   // nil or gone: look the address up
}

// hostInline is the longest host name a hostRecv holds in itself: the
// compare with the line's host reads the entry's first cache line.
const hostInline = 40

// maxHosts bounds AddressBound.hosts.
const maxHosts = 4 * maxReceivers

// receiverOf returns host's entry (host is a view of a log line, h its
// hash).
func (b *AddressBound) receiverOf(host string, h uint64) *hostRecv {
	if hr := b.hosts.Get(uint32(h), host); hr != nil {
		return hr
	}
	if b.hosts.Len() >= maxHosts {
		b.hosts.Clear()
	}
	hr := &hostRecv{recv: strings.Clone(incident.Registered(host))}
	if len(host) <= len(hr.buf) {
		hr.host = unsafe.String(&hr.buf[0], copy(hr.buf[:], host))
	} else {
		hr.host = strings.Clone(host)
	}
	b.hosts.Put(uint32(h), hr)
	return hr
}

// forget drops the receivers whose addresses were all named more than
// AddressWindow before at, or every receiver when none is that old.
func (b *AddressBound) forget(at time.Time) {
	for r, addrs := range b.receivers {
		old := true
		for _, n := range addrs.m {
			if at.Sub(n.at) <= AddressWindow {
				old = false
				break
			}
		}
		if old {
			b.drop(r, addrs)
		}
	}
	if len(b.receivers) >= maxReceivers {
		for r, addrs := range b.receivers {
			b.drop(r, addrs)
		}
	}
}

// drop forgets receiver r.
func (b *AddressBound) drop(r string, addrs *addrSet) {
	delete(b.receivers, r)
	addrs.gone = true
	for a, n := range addrs.m {
		n.gone = true
		b.dropped(r, a)
	}
}

// Foreign returns the most addresses that are not ours all receivers
// together may name within AddressWindow (NewAddressBound's foreign).
func (b *AddressBound) Foreign() int { return b.maxForeign }
