package dnsbltest

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Mode is how a Fake answers every query for the names of one zone.
type Mode struct {
	// Rcode is the answer's code: dns.RcodeSuccess (with A), NXDOMAIN,
	// SERVFAIL, REFUSED, …
	Rcode int
	// A are the A answers of a successful reply ("127.0.0.2").
	A []string
	// TXT is the reason text given to a TXT query when A is set.
	TXT string
	// Drop leaves queries unanswered: the resolver times out.
	Drop bool
	// Owner, when set, is the name the A and TXT records are given instead
	// of the query's: an answer about something else.
	Owner string
	// CNAME, when set, answers with a CNAME from the query's name to it,
	// and the A and TXT records under it.
	CNAME string
	// Dead makes the zone answer NXDOMAIN for every name, its RFC 5782
	// test points included: a list shut down, a mistyped zone, a resolver
	// that cannot reach it. Without it, a zone whose mode is a definite
	// answer (NXDOMAIN, or A records in 127.0.0.0/8 outside the refusal
	// codes 127.255.255.0/24) answers its test points as a working list
	// does: 127.0.0.2, ::FFFF:7F00:2 and "test" listed (127.0.0.2),
	// 127.0.0.1, ::FFFF:7F00:1 and "invalid" not (NXDOMAIN). Error modes
	// (timeouts, SERVFAIL, REFUSED, refusal codes, answers about other
	// names) answer the test points as everything else.
	Dead bool
	// NoIPv6Point makes a working list without the IPv6 test points, as
	// most lists are: ::FFFF:7F00:2 is not listed (NXDOMAIN), the IPv4
	// and domain points are answered as Dead's description says.
	NoIPv6Point bool
}

// Modes used by the fault tests.
var (
	NXDomain = Mode{Rcode: dns.RcodeNameError}
	ServFail = Mode{Rcode: dns.RcodeServerFailure}
	Refused  = Mode{Rcode: dns.RcodeRefused}
	Timeout  = Mode{Drop: true}
	Dead     = Mode{Rcode: dns.RcodeNameError, Dead: true}
)

// Test points of RFC 5782 §5, as the first labels of a query name.
const (
	v6Zeros = "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
)

var (
	listedPoints = []string{"2.0.0.127.", "test.", "2.0.0.0.0.0.f.7.f.f.f.f." + v6Zeros}
	cleanPoints  = []string{"1.0.0.127.", "invalid.", "1.0.0.0.0.0.f.7.f.f.f.f." + v6Zeros}
)

// testPoint says whether name (lower case, no final dot) is a test point of
// zone: +1 one that must be listed, -1 one that must not, 0 neither.
func testPoint(name, zone string) int {
	for sign, points := range map[int][]string{1: listedPoints, -1: cleanPoints} {
		for _, p := range points {
			if zone == "" && strings.HasPrefix(name, p) || zone != "" && name == p+zone {
				return sign
			}
		}
	}
	return 0
}

// live says whether m is a definite answer, as a working list gives.
func (m Mode) live() bool {
	if m.Dead || m.Drop || m.Owner != "" || m.CNAME != "" {
		return false
	}
	switch m.Rcode {
	case dns.RcodeNameError:
		return true
	case dns.RcodeSuccess:
		for _, a := range m.A {
			ip, err := netip.ParseAddr(a)
			if err != nil || !ip.Is4() || ip.As4()[0] != 127 || ip.As4()[1] == 255 && ip.As4()[2] == 255 {
				return false
			}
		}
		return true
	}
	return false
}

// Listed answers with the A record code and a reason text.
func Listed(code, txt string) Mode { return Mode{A: []string{code}, TXT: txt} }

// Fake is a DNS server under the test's control on a loopback UDP port: it
// answers each zone as its Mode says (rbldnsd cannot answer SERVFAIL, nor
// switch a zone from answering to silence between two queries). Answers
// carry a TTL of 0, so no cache keeps them.
type Fake struct {
	// Addr is where it answers, "127.0.0.1:port".
	Addr string

	mu      sync.Mutex
	zones   map[string]Mode // by lower-case zone name without the final dot
	def     Mode
	queries map[string]int // by zone ("" for names of no zone)
}

// StartFake starts a Fake answering NXDOMAIN for every name until told
// otherwise; it stops when the test ends.
func StartFake(t testing.TB) *Fake {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("dnsbltest: %v", err)
	}
	f := &Fake{Addr: pc.LocalAddr().String(), zones: map[string]Mode{}, def: NXDomain, queries: map[string]int{}}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: f, NotifyStartedFunc: func() { close(started) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ActivateAndServe()
	}()
	<-started
	t.Cleanup(func() {
		_ = srv.Shutdown()
		<-done
	})
	return f
}

// Set makes zone answer as m from now on.
func (f *Fake) Set(zone string, m Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.zones[strings.ToLower(strings.TrimSuffix(zone, "."))] = m
}

// SetAll makes every zone, named or not, answer as m from now on.
func (f *Fake) SetAll(m Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.zones)
	f.def = m
}

// Queries returns how many queries names of zone got so far.
func (f *Fake) Queries(zone string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queries[strings.ToLower(strings.TrimSuffix(zone, "."))]
}

// mode returns the zone a name belongs to (the longest one set) and how it
// answers.
func (f *Fake) mode(name string) (string, Mode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	best, m := "", f.def
	for z, zm := range f.zones {
		if (name == z || strings.HasSuffix(name, "."+z)) && len(z) > len(best) {
			best, m = z, zm
		}
	}
	f.queries[best]++
	return best, m
}

// ServeDNS answers one query.
func (f *Fake) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		return
	}
	q := req.Question[0]
	zone, m := f.mode(q.Name)
	if m.live() {
		name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
		switch testPoint(name, zone) {
		case 1:
			if m.NoIPv6Point && strings.HasSuffix(strings.TrimSuffix(name, zone), v6Zeros) {
				m = NXDomain
				break
			}
			m = Listed("127.0.0.2", "RFC 5782 test point")
		case -1:
			m = NXDomain
		}
	}
	if m.Drop {
		return
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.RecursionAvailable = true
	resp.Rcode = m.Rcode
	if m.Rcode == dns.RcodeSuccess {
		owner := q.Name
		switch {
		case m.CNAME != "":
			owner = dns.Fqdn(m.CNAME)
			resp.Answer = append(resp.Answer, &dns.CNAME{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeCNAME, Class: dns.ClassINET}, Target: owner})
		case m.Owner != "":
			owner = dns.Fqdn(m.Owner)
		}
		hdr := dns.RR_Header{Name: owner, Class: dns.ClassINET, Ttl: 0}
		switch q.Qtype {
		case dns.TypeA:
			hdr.Rrtype = dns.TypeA
			for _, a := range m.A {
				resp.Answer = append(resp.Answer, &dns.A{Hdr: hdr, A: net.ParseIP(a)})
			}
		case dns.TypeTXT:
			if len(m.A) > 0 && m.TXT != "" {
				hdr.Rrtype = dns.TypeTXT
				resp.Answer = append(resp.Answer, &dns.TXT{Hdr: hdr, Txt: []string{m.TXT}})
			}
		}
	}
	_ = w.WriteMsg(resp)
}
