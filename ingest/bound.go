package ingest

import (
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
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
	// byHost: host that refused → its receiver and the receiver's
	// addresses (at most maxHosts; emptied when full).
	byHost map[string]*hostRecv
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
	if addrs.m[addr] == nil {
		addrs.add(addr, at)
	}
}

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
}

// named is an address of a set (the set's copy) and when it was last
// named.
type named struct {
	addr string
	at   time.Time
}

func newAddrSet() *addrSet { return &addrSet{m: map[string]*named{}} }

// touch sets the time of a in the set to at, and returns the set's copy
// of a, "" when a is not in it.
func (s *addrSet) touch(a string, at time.Time) string {
	n := s.m[a]
	if n == nil {
		return ""
	}
	n.at = at
	if at.Before(s.since) { // read out of order
		s.since = at
	}
	return n.addr
}

// add puts a copy of a in the set, named at at, and returns the copy.
func (s *addrSet) add(a string, at time.Time) string {
	n := &named{addr: strings.Clone(a), at: at}
	s.m[n.addr] = n
	if len(s.m) == 1 || at.Before(s.since) {
		s.since = at
	}
	return n.addr
}

// expire drops from the set, when it holds max addresses or more, those
// last named more than AddressWindow before at, calling drop for each.
func (s *addrSet) expire(max int, at time.Time, drop func(string)) {
	if len(s.m) < max || at.Sub(s.since) <= AddressWindow {
		return
	}
	s.since = time.Time{}
	for a, n := range s.m {
		if at.Sub(n.at) > AddressWindow {
			delete(s.m, a)
			drop(a)
		} else if s.since.IsZero() || n.at.Before(s.since) {
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
		maxForeign: max(foreign, 0), byHost: map[string]*hostRecv{}}
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
	v := o.Verdict
	if b == nil || v == nil || v.Category != classify.Blocklist || v.Listed == "" || len(b.ours) > 0 && b.ours[strings.ToLower(v.Listed)] {
		return false
	}
	host := o.RemoteHost
	if host == "" {
		host = o.RelayHost
	}
	hr := b.receiverOf(host)
	recv, addrs := hr.recv, hr.addrs
	if addrs == nil || addrs.gone {
		if addrs = b.receivers[recv]; addrs == nil {
			if len(b.receivers) >= maxReceivers {
				b.forget(o.At)
			}
			addrs = newAddrSet()
			b.receivers[recv] = addrs
		}
		hr.addrs = addrs
	}
	if a := addrs.touch(v.Listed, o.At); a != "" {
		b.named(recv, a, o.At)
		if a := b.foreign.touch(v.Listed, o.At); a != "" {
			b.named("", a, o.At)
		}
		return false
	}
	addrs.expire(MaxAddressesPerReceiver, o.At, func(a string) { b.dropped(recv, a) })
	global := b.foreign.m[v.Listed] != nil
	if !global {
		b.foreign.expire(b.maxForeign, o.At, func(a string) { b.dropped("", a) })
	}
	if len(addrs.m) < MaxAddressesPerReceiver && (global || len(b.foreign.m) < b.maxForeign) {
		var a string
		if global {
			a = b.foreign.touch(v.Listed, o.At)
		} else {
			a = b.foreign.add(v.Listed, o.At)
		}
		b.named("", a, o.At)
		b.named(recv, addrs.add(v.Listed, o.At), o.At)
		return false
	}
	b.folded = *v
	b.folded.Listed = ""
	o.Verdict = &b.folded
	b.Folded++
	if len(addrs.m) < MaxAddressesPerReceiver {
		b.FoldedAll = true
	} else if len(b.FoldedReceivers) < maxReceivers && !b.FoldedReceivers[recv] {
		b.FoldedReceivers[recv] = true
	}
	return true
}

// hostRecv is the receiver a host stands for (its registered domain,
// incident.Registered) and, once looked up, the receiver's addresses:
// a refusal finds both with one look-up of its host, where it looked up
// the host's receiver and then the receiver's addresses.
type hostRecv struct {
	recv  string
	addrs *addrSet // nil, or gone: look it up in receivers
}

// maxHosts bounds AddressBound.byHost.
const maxHosts = 4 * maxReceivers

// receiverOf returns host's entry (host is a view of a log line).
func (b *AddressBound) receiverOf(host string) *hostRecv {
	if hr := b.byHost[host]; hr != nil {
		return hr
	}
	if len(b.byHost) >= maxHosts {
		clear(b.byHost)
	}
	hr := &hostRecv{recv: strings.Clone(incident.Registered(host))}
	b.byHost[strings.Clone(host)] = hr
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
	if b.changes != nil {
		for a := range addrs.m {
			b.dropped(r, a)
		}
	}
}

// Foreign returns the most addresses that are not ours all receivers
// together may name within AddressWindow (NewAddressBound's foreign).
func (b *AddressBound) Foreign() int { return b.maxForeign }
