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
	recvOf    incident.RegisteredNames // host → receiver
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
}

// addrSet is a set of addresses and when each was last named. A pointer
// per address: a refusal of a known address updates the time without
// writing the map, which would store its key again — a view of the log
// line, kept with it.
type addrSet struct {
	m map[string]*time.Time
	// since is at most the earliest time in m (the earliest may have
	// moved on since it was taken): a full set is looked through for the
	// addresses past AddressWindow only when one may be, not at every
	// further address named (a receiver that quotes random addresses
	// names one at every refusal, all of them folded).
	since time.Time
}

func newAddrSet() *addrSet { return &addrSet{m: map[string]*time.Time{}} }

// touch sets the time of a in the set to at, and reports whether a is in
// it.
func (s *addrSet) touch(a string, at time.Time) bool {
	t := s.m[a]
	if t == nil {
		return false
	}
	*t = at
	if at.Before(s.since) { // read out of order
		s.since = at
	}
	return true
}

// add puts a copy of a in the set, named at at.
func (s *addrSet) add(a string, at time.Time) {
	t := at
	s.m[strings.Clone(a)] = &t
	if len(s.m) == 1 || at.Before(s.since) {
		s.since = at
	}
}

// expire drops from the set, when it holds max addresses or more, those
// last named more than AddressWindow before at.
func (s *addrSet) expire(max int, at time.Time) {
	if len(s.m) < max || at.Sub(s.since) <= AddressWindow {
		return
	}
	s.since = time.Time{}
	for a, t := range s.m {
		if at.Sub(*t) > AddressWindow {
			delete(s.m, a)
		} else if s.since.IsZero() || t.Before(s.since) {
			s.since = *t
		}
	}
}

// NewAddressBound returns a bound for a host whose own addresses (IPs and
// domains, as verdicts write them) are ours, under which all receivers
// together may name at most foreign other addresses within AddressWindow
// (0: none; a negative number counts as 0).
func NewAddressBound(ours []string, foreign int) *AddressBound {
	b := &AddressBound{ours: map[string]bool{}, receivers: map[string]*addrSet{}, foreign: *newAddrSet(), FoldedReceivers: map[string]bool{},
		maxForeign: max(foreign, 0), recvOf: incident.RegisteredNames{Max: 4 * maxReceivers}}
	for _, a := range ours {
		b.ours[strings.ToLower(strings.TrimSuffix(a, "."))] = true
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
	recv := b.recvOf.Of(host)
	addrs := b.receivers[recv]
	if addrs == nil {
		if len(b.receivers) >= maxReceivers {
			b.forget(o.At)
		}
		addrs = newAddrSet()
		b.receivers[recv] = addrs
	}
	if addrs.touch(v.Listed, o.At) {
		b.foreign.touch(v.Listed, o.At)
		return false
	}
	addrs.expire(MaxAddressesPerReceiver, o.At)
	global := b.foreign.m[v.Listed] != nil
	if !global {
		b.foreign.expire(b.maxForeign, o.At)
	}
	if len(addrs.m) < MaxAddressesPerReceiver && (global || len(b.foreign.m) < b.maxForeign) {
		if global {
			b.foreign.touch(v.Listed, o.At)
		} else {
			b.foreign.add(v.Listed, o.At)
		}
		addrs.add(v.Listed, o.At)
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

// forget drops the receivers whose addresses were all named more than
// AddressWindow before at, or every receiver when none is that old.
func (b *AddressBound) forget(at time.Time) {
	for r, addrs := range b.receivers {
		old := true
		for _, t := range addrs.m {
			if at.Sub(*t) <= AddressWindow {
				old = false
				break
			}
		}
		if old {
			delete(b.receivers, r)
		}
	}
	if len(b.receivers) >= maxReceivers {
		clear(b.receivers)
	}
}

// Foreign returns the most addresses that are not ours all receivers
// together may name within AddressWindow (NewAddressBound's foreign).
func (b *AddressBound) Foreign() int { return b.maxForeign }
