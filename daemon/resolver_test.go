package daemon

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// TestDeadResolverIsLoud: with every lookup failing, each self-check warns
// in the log and counts in rblwatch_selfcheck_failed_total; after
// dnsbl.resolver_failures of them in a row the postmaster gets one
// "resolver failing" notice — not one more for later failures, nor after a
// restart — and one "recovered" notice when the resolver answers again.
func TestDeadResolverIsLoud(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	cfg.DNSBL.ResolverFailures = 2
	h.start(cfg)

	failed := func() float64 {
		mf := h.metricFamilies()["rblwatch_selfcheck_failed_total"]
		if mf == nil {
			return 0
		}
		return mf.GetMetric()[0].GetCounter().GetValue()
	}
	warnings := func() int { return h.logs.FilterMessage("self-check: no DNS answer at all").Len() }

	h.selfCheckRound(0) // answers: NXDOMAIN everywhere
	if warnings() != 0 || failed() != 0 {
		t.Fatalf("a healthy self-check warned (%d) or counted (%v)", warnings(), failed())
	}
	fake.SetAll(dnsbltest.ServFail)
	h.selfCheckRound(1)
	if warnings() != 1 || failed() != 1 {
		t.Errorf("after a failed self-check: %d warnings, %v counted; want 1 and 1", warnings(), failed())
	}
	fake.SetAll(dnsbltest.Timeout)
	h.selfCheckRound(2)
	it := h.mail.wait(t, "resolver failing")
	if it.Kind != "resolver" || !strings.Contains(subject(t, it), "DNS lookups fail") {
		t.Errorf("notice %s %q, want a resolver failing notice", it.Kind, subject(t, it))
	}
	if body := string(it.Payload); !strings.Contains(body, fake.Addr) {
		t.Errorf("the notice does not name the resolver %s", fake.Addr)
	}
	fake.SetAll(dnsbltest.Refused)
	h.selfCheckRound(3)
	if failed() != 3 {
		t.Errorf("%v failed self-checks counted, want 3", failed())
	}

	// A restart in the middle of the outage tells nobody again.
	h.stop()
	h.start(cfg)
	fake.SetAll(dnsbltest.Listed("127.255.255.254", "open resolver"))
	h.selfCheckRound(4)

	fake.SetAll(dnsbltest.NXDomain)
	h.selfCheckRound(5)
	it = h.mail.wait(t, "resolver recovered")
	if it.Kind != "resolver" || !strings.Contains(subject(t, it), "DNS lookups work again") {
		t.Errorf("notice %s %q, want a resolver recovered notice", it.Kind, subject(t, it))
	}
	h.selfCheckRound(6)
	h.tickAt(t0.Add(7 * time.Hour))
	select {
	case it := <-h.mail.got:
		t.Errorf("an extra %s notice: %q", it.Kind, subject(t, it))
	default:
	}
	h.stop()
}

// TestEveryZoneDeadIsLoud: every zone failing its RFC 5782 test point
// (NXDOMAIN for everything, as a hijacking resolver answers) leaves the
// self-check blind: each round warns and counts as one without a definite
// answer, and after dnsbl.resolver_failures of them the postmaster is told
// once, besides the zones' own warnings.
func TestEveryZoneDeadIsLoud(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	cfg.DNSBL.ResolverFailures = 2
	h.start(cfg)
	defer h.stop()
	fake.SetAll(dnsbltest.Dead)
	for round := range 3 {
		h.selfCheckRound(round)
	}
	if n := h.logs.FilterMessage("self-check: no DNS answer at all").Len(); n != 3 {
		t.Errorf("%d of 3 rounds with every zone dead warned as blind, want 3", n)
	}
	if h.logs.FilterMessage("self-check: the zone fails its RFC 5782 test point: its answers count as errors, its providers keep their last state").Len() == 0 {
		t.Error("the dead zones were not warned of")
	}
	if it := h.mail.wait(t, "resolver failing"); it.Kind != "resolver" {
		t.Errorf("notice %s %q, want a resolver failing notice", it.Kind, subject(t, it))
	}
	select {
	case it := <-h.mail.got:
		t.Errorf("an extra %s notice: %q", it.Kind, subject(t, it))
	default:
	}
}

// TestDeadResolverIsLoudForIPv6: an IPv6 sending address is not asked of
// the zones the catalog marks ipv4_only; their "not listed" answers, given
// without asking, are no DNS answer: a dead resolver is still loud, and
// those zones count no lookup.
func TestDeadResolverIsLoudForIPv6(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("2001:db8::25")}
	cfg.DNSBL.ResolverFailures = 1
	fake.SetAll(dnsbltest.ServFail)
	h.start(cfg)
	defer h.stop()
	h.selfCheckRound(0)
	if n := h.logs.FilterMessage("self-check: no DNS answer at all").Len(); n != 1 {
		t.Errorf("%d warnings of a self-check with no DNS answer, want 1", n)
	}
	if it := h.mail.wait(t, "resolver failing"); it.Kind != "resolver" {
		t.Errorf("notice %s, want a resolver failing notice", it.Kind)
	}
	if n := h.metric(`rblwatch_dnsbl_lookups_total{status="clean"}`); n != 0 {
		t.Errorf("%v clean lookups counted, want 0 (the ipv4_only zones were not asked)", n)
	}
}
