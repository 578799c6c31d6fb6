package ingest

import (
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

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
// all of them together may name at most MaxForeignAddresses within
// AddressWindow. Our own addresses (sending_ips, sending_domains) are
// never folded.
const (
	MaxAddressesPerReceiver = 10
	MaxForeignAddresses     = 20
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
	// receivers: receiver → address → last named. A pointer: a refusal
	// of a known address updates the time without writing the map, which
	// would store its key again — a view of the log line, kept with it.
	receivers map[string]map[string]*time.Time
	recvOf    map[string]string // host → receiver (receiverOf)
	// foreign: address → last named, by any receiver (at most
	// MaxForeignAddresses).
	foreign map[string]*time.Time
	// Folded counts the refusals folded so far; FoldedReceivers names the
	// receivers that had some folded by their own cap (at most
	// maxReceivers), FoldedAll says whether any was folded by the cap on
	// all of them (MaxForeignAddresses).
	Folded          int64
	FoldedReceivers map[string]bool
	FoldedAll       bool
	// folded is the verdict of the last refusal folded: o.Verdict points
	// to it until the next Fold (a copy per folded refusal was most of
	// what the bound allocated).
	folded classify.Verdict
}

// NewAddressBound returns a bound for a host whose own addresses (IPs and
// domains, as verdicts write them) are ours.
func NewAddressBound(ours []string) *AddressBound {
	b := &AddressBound{ours: map[string]bool{}, receivers: map[string]map[string]*time.Time{}, foreign: map[string]*time.Time{}, FoldedReceivers: map[string]bool{}}
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
	if b == nil || v == nil || v.Category != classify.Blocklist || v.Listed == "" || b.ours[strings.ToLower(v.Listed)] {
		return false
	}
	host := o.RemoteHost
	if host == "" {
		host = o.RelayHost
	}
	recv := b.receiverOf(host)
	addrs := b.receivers[recv]
	if addrs == nil {
		if len(b.receivers) >= maxReceivers {
			b.forget(o.At)
		}
		addrs = map[string]*time.Time{}
		b.receivers[recv] = addrs
	}
	if at := addrs[v.Listed]; at != nil {
		*at = o.At
		if at := b.foreign[v.Listed]; at != nil {
			*at = o.At
		}
		return false
	}
	expire(addrs, MaxAddressesPerReceiver, o.At)
	global := b.foreign[v.Listed]
	if global == nil {
		expire(b.foreign, MaxForeignAddresses, o.At)
	}
	if len(addrs) < MaxAddressesPerReceiver && (global != nil || len(b.foreign) < MaxForeignAddresses) {
		if global != nil {
			*global = o.At
		} else {
			at := o.At
			b.foreign[strings.Clone(v.Listed)] = &at
		}
		at := o.At
		addrs[strings.Clone(v.Listed)] = &at
		return false
	}
	b.folded = *v
	b.folded.Listed = ""
	o.Verdict = &b.folded
	b.Folded++
	if len(addrs) < MaxAddressesPerReceiver {
		b.FoldedAll = true
	} else if len(b.FoldedReceivers) < maxReceivers {
		b.FoldedReceivers[recv] = true
	}
	return true
}

// expire drops from a full set the addresses last named more than
// AddressWindow before at.
func expire(addrs map[string]*time.Time, max int, at time.Time) {
	if len(addrs) < max {
		return
	}
	for a, t := range addrs {
		if at.Sub(*t) > AddressWindow {
			delete(addrs, a)
		}
	}
}

// forget drops the receivers whose addresses were all named more than
// AddressWindow before at, or every receiver when none is that old.
func (b *AddressBound) forget(at time.Time) {
	for r, addrs := range b.receivers {
		old := true
		for _, t := range addrs {
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

// receiverOf is the package's receiverOf, remembered per host name (a
// public suffix look-up per refusal cost more than the rest of Fold). The
// names it returns are copies: the host is a view of a log line, whose
// buffer is read into again, and the names are kept as map keys.
func (b *AddressBound) receiverOf(host string) string {
	if r, ok := b.recvOf[host]; ok {
		return r
	}
	if b.recvOf == nil || len(b.recvOf) >= 4*maxReceivers {
		b.recvOf = map[string]string{}
	}
	r := strings.Clone(receiverOf(host))
	b.recvOf[strings.Clone(host)] = r
	return r
}

// receiverOf names the receiver of a host: its registered domain
// ("mx1.example.co.jp" → "example.co.jp"), or the host itself.
func receiverOf(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return strings.Clone(host)
}
