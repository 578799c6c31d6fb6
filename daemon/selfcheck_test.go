package daemon

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// The three IP zones of one provider in the catalog (two are off by
// default; the test enables them).
const (
	uce1 = "dnsbl-1.uceprotect.net"
	uce2 = "dnsbl-2.uceprotect.net"
	uce3 = "dnsbl-3.uceprotect.net"
)

// selfCheckHarness runs the daemon with a self-check of 192.0.2.1 every
// hour against a DNS server under the test's control.
func selfCheckHarness(t *testing.T) (*harness, *dnsbltest.Fake, *config.Config) {
	t.Helper()
	fake := dnsbltest.StartFake(t)
	h := newHarness(t)
	h.resolver = &dnsbl.Resolver{Server: fake.Addr, Timeout: 500 * time.Millisecond, Attempts: 1}
	cfg := h.config()
	cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	cfg.DNSBL.Interval = time.Hour
	cfg.DNSBL.Timeout = 500 * time.Millisecond
	cfg.DNSBL.Zones.Enable = []string{uce2, uce3}
	return h, fake, cfg
}

// selfCheckRound ticks at the start of round n (an hour apart) and waits
// until its self-check has been applied.
func (h *harness) selfCheckRound(n int) {
	h.t.Helper()
	before := h.logs.FilterMessage("self-check done").Len()
	h.tickAt(t0.Add(time.Duration(n) * time.Hour))
	h.waitLogs("self-check done", before+1)
}

// waitLogs waits until the daemon has logged msg n times. The daemon runs
// in goroutines of this process with no event to wait on: poll the
// observer, with a generous bound.
func (h *harness) waitLogs(msg string, n int) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.logs.FilterMessage(msg).Len() < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("the daemon logged %q %d times, want %d", msg, h.logs.FilterMessage(msg).Len(), n)
		}
		select {
		case err := <-h.done:
			h.t.Fatalf("daemon ended: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// transitions lists the self-check transitions logged so far, in order.
func (h *harness) transitions() []string {
	var out []string
	for _, e := range h.logs.All() {
		if kind, ok := strings.CutPrefix(e.Message, "self-check: "); ok && (kind == "listed" || kind == "delisted") {
			out = append(out, kind)
		}
	}
	return out
}

// TestSelfCheckErrorsKeepState: a provider with three zones, one of which
// errs (SERVFAIL, timeout, REFUSED, a Spamhaus-style 127.255.255.254
// refusal) while the others answer NXDOMAIN, is neither "no longer
// listed" nor listed again: a state changes only on a definite answer.
func TestSelfCheckErrorsKeepState(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	h.start(cfg)
	defer h.stop()

	nx := dnsbltest.NXDomain
	listed := dnsbltest.Listed("127.0.0.2", "listed by the test")
	rounds := []struct {
		name       string
		z1, z2, z3 dnsbltest.Mode
		want       string // the transition logged, "" for none
	}{
		{"listed by one zone", listed, nx, nx, "listed"},
		{"listing zone SERVFAIL, others NXDOMAIN", dnsbltest.ServFail, nx, nx, ""},
		{"listing zone answers again", listed, nx, nx, ""},
		{"listing zone times out", dnsbltest.Timeout, nx, nx, ""},
		{"listing zone refuses with 127.255.255.254", dnsbltest.Listed("127.255.255.254", "open resolver"), nx, nx, ""},
		{"listing zone REFUSED", dnsbltest.Refused, nx, nx, ""},
		{"listing zone dead (NXDOMAIN for its test point too)", dnsbltest.Dead, nx, nx, ""},
		{"listing zone NXDOMAIN, another SERVFAIL", nx, dnsbltest.ServFail, nx, ""},
		{"every zone NXDOMAIN", nx, nx, nx, "delisted"},
		{"clean, one zone SERVFAIL", nx, dnsbltest.ServFail, nx, ""},
		{"clean, one zone answers 127.255.255.255", nx, nx, dnsbltest.Listed("127.255.255.255", "over quota"), ""},
		{"clean, every zone times out", dnsbltest.Timeout, dnsbltest.Timeout, dnsbltest.Timeout, ""},
		{"clean, every zone NXDOMAIN", nx, nx, nx, ""},
		{"listed by another zone while one times out", dnsbltest.Timeout, nx, listed, "listed"},
		{"the listing zone dead, the others NXDOMAIN", nx, nx, dnsbltest.Dead, ""},
		{"every zone dead", dnsbltest.Dead, dnsbltest.Dead, dnsbltest.Dead, ""},
	}
	var want []string
	for i, r := range rounds {
		fake.Set(uce1, r.z1)
		fake.Set(uce2, r.z2)
		fake.Set(uce3, r.z3)
		before := len(h.transitions())
		h.selfCheckRound(i)
		got := h.transitions()[before:]
		if r.want == "" && len(got) != 0 || r.want != "" && (len(got) != 1 || got[0] != r.want) {
			t.Errorf("round %d (%s): transitions %q, want %q", i, r.name, got, r.want)
		}
		if r.want != "" {
			want = append(want, r.want)
		}
	}
	// The notices delivered, in order: exactly the definite transitions.
	for i, kind := range want {
		it := h.mail.wait(t, kind)
		if it.Kind != kind {
			t.Errorf("notice %d: %s, want %s", i+1, it.Kind, kind)
		}
	}
	h.tickAt(t0.Add(time.Duration(len(rounds)) * time.Hour)) // one more outbox step
	select {
	case it := <-h.mail.got:
		t.Errorf("an extra %s notice was sent", it.Kind)
	default:
	}
}

// TestSelfCheckDeadZone: a zone that answers NXDOMAIN for everything, its
// RFC 5782 test point 127.0.0.2 included (a list shut down, a mistyped
// zone, a resolver that cannot reach it), is no "not listed": its answers
// are errors, counted as such, the provider keeps its state, and the
// daemon warns once — until the zone answers its test point again.
func TestSelfCheckDeadZone(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	cfg.DNSBL.Zones.Enable = nil // one zone: dnsbl-1.uceprotect.net
	h.start(cfg)
	defer h.stop()
	const warning = "self-check: the zone fails its RFC 5782 test point: its answers count as errors, its providers keep their last state"
	errors := func() float64 { return h.metric(`rblwatch_dnsbl_lookups_total{status="error"}`) }

	fake.Set(uce1, dnsbltest.Listed("127.0.0.2", "listed by the test"))
	h.selfCheckRound(0)
	fake.Set(uce1, dnsbltest.Dead)
	before := errors()
	h.selfCheckRound(1)
	h.selfCheckRound(2)
	if got := h.transitions(); len(got) != 1 || got[0] != "listed" {
		t.Errorf("transitions %q, want only [listed]: a dead zone is no delisting", got)
	}
	if n := errors() - before; n != 2 {
		t.Errorf("%v lookups counted as errors in two rounds of a dead zone, want 2", n)
	}
	warned := h.logs.FilterMessage(warning).All()
	if len(warned) != 1 || warned[0].ContextMap()["zone"] != uce1 || !strings.Contains(warned[0].ContextMap()["error"].(string), "127.0.0.2 is not listed") {
		t.Errorf("warnings %+v, want one about %s", warned, uce1)
	}
	// The zone answers again, 192.0.2.1 no longer listed: now it is news.
	fake.Set(uce1, dnsbltest.NXDomain)
	h.selfCheckRound(3)
	if got := h.transitions(); len(got) != 2 || got[1] != "delisted" {
		t.Errorf("transitions %q, want [listed delisted]", got)
	}
	if h.logs.FilterMessage("self-check: the zone answers its RFC 5782 test point again").Len() != 1 {
		t.Error("the zone's recovery was not logged")
	}
	for _, kind := range []string{"listed", "delisted"} {
		if it := h.mail.wait(t, kind); it.Kind != kind {
			t.Errorf("notice %s, want %s", it.Kind, kind)
		}
	}
}

// TestVerifyDeadZone: the DNS check an incident's notice carries trusts a
// zone only when it answers its RFC 5782 test point: a dead zone (NXDOMAIN
// for everything) could not check, and the notice says so instead of "not
// listed" — which read as if the receiver were wrong.
func TestVerifyDeadZone(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	h := newHarness(t)
	h.resolver = &dnsbl.Resolver{Server: fake.Addr, Timeout: 500 * time.Millisecond, Attempts: 1}
	fake.Set("b.barracudacentral.org", dnsbltest.Dead)
	h.start(h.config())
	defer h.stop()
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	it := h.mail.wait(t, "opened")
	text := strings.ReplaceAll(textOf(t, it.Payload), "\r\n", "\n")
	if !strings.Contains(text, "b.barracudacentral.org: could not be checked (dnsbl: could not tell: the zone fails its RFC 5782 test point: 127.0.0.2 is not listed") {
		t.Errorf("the notice does not say the dead zone could not check:\n%s", text)
	}
	if strings.Contains(text, "b.barracudacentral.org: not listed") {
		t.Errorf("a dead zone's NXDOMAIN read as not listed:\n%s", text)
	}
}

// TestSelfCheckIPv6WithoutIPv6TestPoint: an IPv6 sending address checked
// in a list that answers its IPv4 test point but not ::FFFF:7F00:2 (most
// lists) gets definite answers: a listing is news, its end too, and no
// round is an error or a dead-zone warning. Before, every answer was
// "could not tell" and the listing was never seen.
func TestSelfCheckIPv6WithoutIPv6TestPoint(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("2001:db8::25")}
	cfg.DNSBL.Zones.Enable = nil // one zone: dnsbl-1.uceprotect.net
	h.start(cfg)
	defer h.stop()
	errs := func() float64 { return h.metric(`rblwatch_dnsbl_lookups_total{status="error"}`) }

	listed := dnsbltest.Listed("127.0.0.2", "listed by the test")
	listed.NoIPv6Point = true
	fake.Set(uce1, listed)
	h.selfCheckRound(0)
	clean := dnsbltest.NXDomain
	clean.NoIPv6Point = true
	fake.Set(uce1, clean)
	h.selfCheckRound(1)
	if got := h.transitions(); len(got) != 2 || got[0] != "listed" || got[1] != "delisted" {
		t.Errorf("transitions %q, want [listed delisted]", got)
	}
	if n := errs(); n != 0 {
		t.Errorf("%v lookups counted as errors, want 0", n)
	}
	if n := h.logs.FilterMessage("self-check: the zone fails its RFC 5782 test point: its answers count as errors, its providers keep their last state").Len(); n != 0 {
		t.Errorf("warned %d times of a dead zone, want none", n)
	}
}
