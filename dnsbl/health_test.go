package dnsbl_test

import (
	"errors"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// TestHealthOncePerRound: a round looks a zone's test points up once, for
// however many targets; the next round looks again and sees a zone die.
func TestHealthOncePerRound(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	fake.Set("z.test", dnsbltest.NXDomain)
	r := &dnsbl.Resolver{Server: fake.Addr, Timeout: 2 * time.Second, Attempts: 1}
	zones := []dnsbl.Zone{{Name: "z.test"}}
	targets := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}

	round := func() []dnsbl.Result {
		h := dnsbl.NewHealth()
		var all []dnsbl.Result
		for _, tg := range targets {
			all = append(all, dnsbl.CheckRound(t.Context(), nil, r, h, zones, tg, now)...)
		}
		return all
	}
	for _, res := range round() {
		if res.Status != dnsbl.StatusClean {
			t.Errorf("%s: %s (%v), want clean", res.Target, res.Status, res.Err)
		}
	}
	if n, want := fake.Queries("z.test"), len(targets)+2; n != want {
		t.Errorf("%d queries, want %d (one per target, two test points once)", n, want)
	}

	fake.Set("z.test", dnsbltest.Dead)
	for _, res := range round() {
		if res.Status != dnsbl.StatusError || !errors.Is(res.Err, dnsbl.ErrUnhealthy) {
			t.Errorf("%s in a dead zone: %s (%v), want an unhealthy error", res.Target, res.Status, res.Err)
		}
	}
	if n, want := fake.Queries("z.test"), 2*(len(targets)+2); n != want {
		t.Errorf("%d queries after two rounds, want %d", n, want)
	}

	// A test point that fails to answer is an error of its own kind, not a
	// dead zone; the target's own error, when it has one, is kept.
	fake.Set("z.test", dnsbltest.ServFail)
	res := dnsbl.CheckRound(t.Context(), nil, r, dnsbl.NewHealth(), zones, "192.0.2.1", now)[0]
	if !errors.Is(res.Err, dnsbl.ErrDNS) || errors.Is(res.Err, dnsbl.ErrUnhealthy) {
		t.Errorf("SERVFAIL: %v, want a DNS error", res.Err)
	}
}
