package ingest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
)

// TestAddressBound: one receiver may name MaxAddressesPerReceiver
// addresses that are not ours within AddressWindow; further refusals
// naming other addresses lose their listed address (one incident per
// provider for them), counted. Our addresses, an address named before,
// another receiver, and an address after the window are not folded; the
// shared verdict is never changed.
func TestAddressBound(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	obs := func(host, listed string, at time.Duration) *incident.Observation {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: listed}
		return &incident.Observation{RemoteHost: host, At: t0.Add(at), Verdict: v}
	}
	b := NewAddressBound([]string{"192.0.2.1", "example.com"}, DefaultForeignAddresses)
	for i := range MaxAddressesPerReceiver {
		if o := obs("mx1.evil.example", fmt.Sprintf("203.0.113.%d", i), time.Duration(i)*time.Second); b.Fold(o) {
			t.Fatalf("address %d of %d folded", i+1, MaxAddressesPerReceiver)
		}
	}
	for _, tc := range []struct {
		name string
		o    *incident.Observation
		fold bool
	}{
		{"one more address, another host of the same receiver", obs("mx2.evil.example", "203.0.113.200", time.Minute), true},
		{"an address it named before", obs("mx1.evil.example", "203.0.113.3", time.Minute), false},
		{"our sending IP", obs("mx1.evil.example", "192.0.2.1", time.Minute), false},
		{"our sending domain", obs("mx1.evil.example", "EXAMPLE.com", time.Minute), false},
		{"no listed address", obs("mx1.evil.example", "", time.Minute), false},
		{"another receiver", obs("mx.other.example", "203.0.113.201", time.Minute), false},
		{"after the window", obs("mx1.evil.example", "203.0.113.202", AddressWindow+time.Hour), false},
	} {
		v := tc.o.Verdict
		if got := b.Fold(tc.o); got != tc.fold {
			t.Errorf("%s: folded %v, want %v", tc.name, got, tc.fold)
		}
		if tc.fold && (tc.o.Verdict.Listed != "" || v.Listed == "" || tc.o.Verdict.Provider != "spamhaus") {
			t.Errorf("%s: verdict %+v (shared one %+v): want a copy with no listed address", tc.name, tc.o.Verdict, v)
		}
	}
	if b.Folded != 1 || !b.FoldedReceivers["evil.example"] || len(b.FoldedReceivers) != 1 {
		t.Errorf("Folded %d, receivers %v", b.Folded, b.FoldedReceivers)
	}
	// Other verdicts pass as they are.
	o := obs("mx1.evil.example", "203.0.113.203", time.Minute)
	o.Verdict.Category = classify.Recipient
	if b.Fold(o) {
		t.Error("a refusal that is no blocklist one was folded")
	}
}

// TestAddressBoundOursEmpty: an empty address among ours (replay passes
// its --sending-ip, "" when none is given) names nothing of ours, and the
// bound keeps no such key: with it, every blocklist refusal was lowered
// and looked up among ours for nothing. Ours are still told apart.
func TestAddressBoundOursEmpty(t *testing.T) {
	b := NewAddressBound([]string{"", ".", "Mail.Example.COM."}, DefaultForeignAddresses)
	if want := map[string]bool{"mail.example.com": true}; !maps.Equal(b.ours, want) {
		t.Errorf("ours %v, want %v", b.ours, want)
	}
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for i := range MaxAddressesPerReceiver + 1 {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: fmt.Sprintf("203.0.113.%d", i)}
		b.Fold(&incident.Observation{RemoteHost: "mx1.evil.example", At: t0, Verdict: v})
	}
	v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: "mail.example.com"}
	if b.Fold(&incident.Observation{RemoteHost: "mx1.evil.example", At: t0, Verdict: v}) {
		t.Error("our own address was folded")
	}
}

// TestAddressBoundAllReceivers: receivers that each name one address of
// their own may name DefaultForeignAddresses in all within AddressWindow; a
// further address is folded, whichever receiver names it, while an address
// named before (by another receiver too), ours, and any after the window
// are not. The cap of each receiver still holds.
func TestAddressBoundAllReceivers(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	obs := func(host, listed string, at time.Duration) *incident.Observation {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: listed}
		return &incident.Observation{RemoteHost: host, At: t0.Add(at), Verdict: v}
	}
	b := NewAddressBound([]string{"192.0.2.1"}, DefaultForeignAddresses)
	for i := range DefaultForeignAddresses {
		if b.Fold(obs(fmt.Sprintf("mx.r%d.example", i), fmt.Sprintf("203.0.113.%d", i), time.Duration(i)*time.Second)) {
			t.Fatalf("address %d of %d folded", i+1, DefaultForeignAddresses)
		}
	}
	for _, tc := range []struct {
		name string
		o    *incident.Observation
		fold bool
	}{
		{"one more address, a new receiver", obs("mx.new.example", "198.51.100.1", time.Minute), true},
		{"one more address, a receiver that named one", obs("mx.r3.example", "198.51.100.2", time.Minute), true},
		{"an address another receiver named", obs("mx.new.example", "203.0.113.5", time.Minute), false},
		{"our sending IP", obs("mx.new2.example", "192.0.2.1", time.Minute), false},
		{"after the window", obs("mx.new3.example", "198.51.100.3", AddressWindow+time.Hour), false},
	} {
		if got := b.Fold(tc.o); got != tc.fold {
			t.Errorf("%s: folded %v, want %v", tc.name, got, tc.fold)
		}
		if tc.fold && tc.o.Verdict.Listed != "" {
			t.Errorf("%s: verdict %+v: want no listed address", tc.name, tc.o.Verdict)
		}
	}
	if b.Folded != 2 || !b.FoldedAll || len(b.FoldedReceivers) != 0 {
		t.Errorf("Folded %d, all %v, receivers %v: want 2 by the cap on all", b.Folded, b.FoldedAll, b.FoldedReceivers)
	}
	if b.foreign.n > DefaultForeignAddresses || b.foreign.n != len(b.foreign.m) {
		t.Errorf("%d addresses remembered, at most %d (map %d)", b.foreign.n, DefaultForeignAddresses, len(b.foreign.m))
	}
}

// TestAddressBoundMemory: receivers are remembered in bounded number.
func TestAddressBoundMemory(t *testing.T) {
	b := NewAddressBound(nil, DefaultForeignAddresses)
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for i := range 3 * maxReceivers {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: "203.0.113.7"}
		b.Fold(&incident.Observation{RemoteHost: fmt.Sprintf("mx.r%d.example", i), At: t0, Verdict: v})
		if len(b.receivers) > maxReceivers {
			t.Fatalf("%d receivers remembered, at most %d", len(b.receivers), maxReceivers)
		}
	}
}

// TestAddressBoundForgetsHosts: a receiver forgotten (more than
// maxReceivers named addresses, none of them long ago) starts over when
// its host refuses again, as a receiver never seen: the host's entry,
// which keeps the receiver's addresses at hand, does not keep the set
// forgotten.
func TestAddressBoundForgetsHosts(t *testing.T) {
	b := NewAddressBound(nil, DefaultForeignAddresses)
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	fold := func(host, listed string) bool {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: listed}
		return b.Fold(&incident.Observation{RemoteHost: host, At: t0, Verdict: v})
	}
	for i := range MaxAddressesPerReceiver {
		if fold("mx1.evil.example", fmt.Sprintf("203.0.113.%d", i)) {
			t.Fatalf("address %d folded", i)
		}
	}
	if !fold("mx1.evil.example", "203.0.113.99") {
		t.Fatal("an address past the receiver's cap not folded")
	}
	for i := range maxReceivers {
		fold(fmt.Sprintf("mx.r%d.example", i), "203.0.113.0")
	}
	if b.receivers["evil.example"] != nil {
		t.Fatal("evil.example not forgotten")
	}
	if fold("mx1.evil.example", "203.0.113.98") {
		t.Error("a forgotten receiver's address folded: its forgotten addresses were counted")
	}
}

// TestAddressBoundKeepsNoView: the receivers it remembers are copies, not
// views of the line the host came from — a replay reads the next chunk
// into the same buffer (the merger's count of folded refusals changed from
// run to run when they were views).
func TestAddressBoundKeepsNoView(t *testing.T) {
	b := NewAddressBound(nil, DefaultForeignAddresses)
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	buf := []byte("mx1.evil.example")
	for i := range MaxAddressesPerReceiver + 1 {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: fmt.Sprintf("203.0.113.%d", i)}
		host := unsafe.String(&buf[0], len(buf))
		b.Fold(&incident.Observation{RemoteHost: host, At: t0, Verdict: v})
		copy(buf, "mx1.good.example") // the buffer read into again
		copy(buf, "mx1.evil.example")
	}
	copy(buf, "mx1.good.example")
	if !b.FoldedReceivers["evil.example"] || len(b.receivers) != 1 || b.receivers["evil.example"] == nil {
		t.Errorf("receivers %v, folded %v: want evil.example", maps.Keys(b.receivers), b.FoldedReceivers)
	}
}

// TestAddressBoundFoldAllocates: folding a refusal allocates nothing (its
// verdict without the listed address is the bound's own, valid until the
// next Fold: the tracker copies what it keeps); a dense log folds
// thousands of refusals.
func TestAddressBoundFoldAllocates(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	b := NewAddressBound(nil, DefaultForeignAddresses)
	v := classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus"}
	var o incident.Observation
	for i := range MaxAddressesPerReceiver + 1 {
		v.Listed = fmt.Sprintf("203.0.113.%d", i)
		o = incident.Observation{RemoteHost: "mx1.evil.example", At: t0, Verdict: &v}
		b.Fold(&o)
	}
	if o.Verdict.Listed != "" || v.Listed == "" {
		t.Fatalf("verdict %+v (shared one %+v): want a copy with no listed address", o.Verdict, v)
	}
	if n := testing.AllocsPerRun(100, func() {
		o.Verdict = &v
		b.Fold(&o)
	}); n != 0 {
		t.Errorf("folding a refusal allocates %.0f times; want 0", n)
	}
}

// TestAddressBoundAsNaive holds Fold to the plain rules — a full set of
// addresses (a receiver's, or all receivers') is looked through for those
// past the window at every further address named — on random refusals:
// a few receivers, addresses drawn from small and large sets, times that
// move on by seconds to days and now and then back by hours. The same
// refusals go through FoldKeyed with keys that collide (hosts by their
// length, addresses by their last digit or all alike: the hosts' table
// and the sets' bits tell them apart by their names), with host names
// longer than an entry holds, and with more hosts than the table keeps
// (it is emptied).
func TestAddressBoundAsNaive(t *testing.T) {
	type set map[string]time.Time
	expire := func(s set, max int, at time.Time) {
		if len(s) >= max {
			for a, t := range s {
				if at.Sub(t) > AddressWindow {
					delete(s, a)
				}
			}
		}
	}
	receivers, foreign := map[string]set{}, set{}
	fold := func(recv, listed string, at time.Time) bool {
		addrs := receivers[recv]
		if addrs == nil {
			addrs = set{}
			receivers[recv] = addrs
		}
		if _, ok := addrs[listed]; ok {
			addrs[listed] = at
			if _, ok := foreign[listed]; ok {
				foreign[listed] = at
			}
			return false
		}
		expire(addrs, MaxAddressesPerReceiver, at)
		_, global := foreign[listed]
		if !global {
			expire(foreign, DefaultForeignAddresses, at)
		}
		if len(addrs) < MaxAddressesPerReceiver && (global || len(foreign) < DefaultForeignAddresses) {
			foreign[listed], addrs[listed] = at, at
			return false
		}
		return true
	}
	long := strings.Repeat("long-label.", 5)
	for _, tc := range []struct {
		name  string
		key   func(b *AddressBound, host, listed string) *FoldKey // nil: Fold
		host  func(r *rand.Rand, round int) string
		count int
	}{
		{"Fold", nil, func(r *rand.Rand, round int) string {
			return fmt.Sprintf("mx%d.r%d.example", r.IntN(3), r.IntN([]int{2, 4, 8}[round%3]))
		}, 2000},
		{"colliding keys", func(_ *AddressBound, host, listed string) *FoldKey {
			return &FoldKey{uint64(len(host)), uint64(listed[len(listed)-1]) << 56}
		}, func(r *rand.Rand, round int) string {
			return fmt.Sprintf("mx%d.r%d.example", r.IntN(3), r.IntN([]int{2, 4, 8}[round%3]))
		}, 2000},
		{"one key", func(_ *AddressBound, host, listed string) *FoldKey { return &FoldKey{} },
			func(r *rand.Rand, round int) string { return fmt.Sprintf("mx%d.r%d.example", r.IntN(3), r.IntN(4)) }, 1000},
		{"long host names", func(b *AddressBound, host, listed string) *FoldKey {
			k := b.KeyOf(host, "", listed)
			return &k
		}, func(r *rand.Rand, round int) string {
			return fmt.Sprintf("mx%d.%sr%d.example", r.IntN(3), long, r.IntN([]int{2, 4, 8}[round%3]))
		}, 2000},
		{"more hosts than kept", func(b *AddressBound, host, listed string) *FoldKey {
			k := b.KeyOf(host, "", listed)
			k.Host &= 0xfff // collisions in a full table
			return &k
		}, func(r *rand.Rand, round int) string {
			return fmt.Sprintf("mx%d.r%d.example", r.IntN(3*maxHosts), r.IntN(4))
		}, 3 * maxHosts},
	} {
		r := rand.New(rand.NewPCG(10, 14))
		rounds := 9
		if tc.count > 2000 {
			rounds = 2 // rounds 0 and 1 of each kind
		}
		for round := range rounds {
			b := NewAddressBound(nil, DefaultForeignAddresses)
			clear(receivers)
			clear(foreign)
			at := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
			for i := range tc.count {
				switch k := r.IntN(100); {
				case k < 3:
					at = at.Add(-time.Duration(r.IntN(30)) * time.Hour)
				case k < 6:
					at = at.Add(time.Duration(r.IntN(48)) * time.Hour)
				default:
					at = at.Add(time.Duration(r.IntN(600)) * time.Second)
				}
				host := tc.host(r, round)
				listed := fmt.Sprintf("203.0.113.%d", r.IntN([]int{8, 15, 40}[round/3%3]))
				o := incident.Observation{RemoteHost: host, At: at, Verdict: &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: listed}}
				var got bool
				if tc.key == nil {
					got = b.Fold(&o)
				} else {
					got = b.FoldKeyed(&o, *tc.key(b, host, listed))
				}
				if want := fold(incident.Registered(host), listed, at); got != want {
					t.Fatalf("%s: round %d, refusal %d (%s names %s at %v): folded %v, want %v", tc.name, round, i, host, listed, at, got, want)
				}
			}
			if b.hosts.Len() > maxHosts {
				t.Errorf("%s: %d hosts kept, at most %d", tc.name, b.hosts.Len(), maxHosts)
			}
		}
	}
}

// TestAddressBoundForeignCap: the cap on all receivers is what
// NewAddressBound is given (the configuration's foreign_addresses): with
// 0, every address that is not ours is folded, ours never; with n, the
// first n addresses of distinct receivers get through and the rest fold.
func TestAddressBoundForeignCap(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for _, limit := range []int{0, 1, 5, DefaultForeignAddresses, 50} {
		b := NewAddressBound([]string{"192.0.2.1"}, limit)
		const n = 40
		through := 0
		for i := range n {
			v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: fmt.Sprintf("203.0.113.%d", i)}
			if !b.Fold(&incident.Observation{RemoteHost: fmt.Sprintf("mx.r%d.example", i), At: t0.Add(time.Duration(i) * time.Second), Verdict: v}) {
				through++
			}
		}
		ours := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: "192.0.2.1"}
		if b.Fold(&incident.Observation{RemoteHost: "mx.last.example", At: t0.Add(time.Minute), Verdict: ours}) {
			t.Errorf("cap %d: our own address folded", limit)
		}
		if want := min(limit, n); through != want || b.Foreign() != limit || b.FoldedAll != (limit < n) {
			t.Errorf("cap %d: %d of %d addresses got through (want %d), Foreign() %d, FoldedAll %v", limit, through, n, want, b.Foreign(), b.FoldedAll)
		}
	}
}

// TestAddressBoundRestart: a bound loaded with what another recorded
// (Record, TakeChanges, Load: what the daemon's store keeps) folds the
// refusals that follow as the bound that never stopped does — receivers
// naming addresses over two days, some past the window, a receiver past
// its cap and all of them past foreign_addresses. Before the store kept
// them, a restart started every count again.
func TestAddressBoundRestart(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(1, 2))
	var obs []incident.Observation
	for i := range 3000 {
		v := &classify.Verdict{Category: classify.Blocklist, Provider: "spamhaus", Listed: fmt.Sprintf("203.0.113.%d", rng.IntN(40))}
		obs = append(obs, incident.Observation{RemoteHost: fmt.Sprintf("mx.r%d.example", rng.IntN(6)), At: t0.Add(time.Duration(i) * time.Minute), Verdict: v})
	}
	fold := func(b *AddressBound, o incident.Observation) bool { return b.Fold(&o) }
	for _, cut := range []int{500, 1500, 2500} {
		one := NewAddressBound(nil, 12)
		first := NewAddressBound(nil, 12)
		first.Record(true)
		stored := map[BoundKey]time.Time{}
		for i, o := range obs[:cut] {
			fold(one, o)
			fold(first, o)
			if i%7 == 0 || i == cut-1 {
				if c := first.TakeChanges(); c != nil {
					if c.Reset {
						clear(stored)
					}
					for k := range c.Dropped {
						delete(stored, k)
					}
					maps.Copy(stored, c.Named)
				}
			}
		}
		again := NewAddressBound(nil, 12)
		for k, at := range stored {
			again.Load(k.Receiver, k.Address, at)
		}
		differ := 0
		for _, o := range obs[cut:] {
			if fold(one, o) != fold(again, o) {
				differ++
			}
		}
		if differ > 0 || one.Folded == 0 {
			t.Errorf("restarted at %d: %d of %d refusals folded otherwise (one run folded %d)", cut, differ, len(obs)-cut, one.Folded)
		}
	}
}
