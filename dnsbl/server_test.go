package dnsbl

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// reply is what the test server answers for one query name.
type reply struct {
	rcode   int
	a       []string   // A answers
	txt     [][]string // TXT records
	ttl     uint32     // of A and TXT records
	soa     bool       // add an SOA (TTL 3600, minimum soaMin) to negative answers
	soaMin  uint32
	tcOnUDP bool // answer UDP with TC set and nothing else; TCP answers fully
	noTXT   bool // refuse TXT queries (SERVFAIL)
}

// testServer is an in-process DNS server on a loopback port, over UDP and
// TCP, answering from a table and counting what it was asked.
type testServer struct {
	addr    string
	replies map[string]reply // by lower-case FQDN
	delay   time.Duration    // before every answer

	mu      sync.Mutex
	queries map[string]int // "name type net" → count
}

func (s *testServer) count(name string, qtype uint16, network string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries[strings.ToLower(name)+" "+dns.TypeToString[qtype]+" "+network]
}

func (s *testServer) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.queries {
		n += c
	}
	return n
}

func (s *testServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if s.delay > 0 {
		time.Sleep(s.delay) // simulated network latency, not synchronisation
	}
	network := w.LocalAddr().Network()
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.queries[name+" "+dns.TypeToString[q.Qtype]+" "+network]++
	s.mu.Unlock()

	m := new(dns.Msg)
	m.SetReply(req)
	rep, ok := s.replies[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
		_ = w.WriteMsg(m)
		return
	}
	m.Rcode = rep.rcode
	if rep.tcOnUDP && network == "udp" {
		m.Truncated = true
		_ = w.WriteMsg(m)
		return
	}
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: rep.ttl}
	}
	switch q.Qtype {
	case dns.TypeA:
		for _, a := range rep.a {
			m.Answer = append(m.Answer, &dns.A{Hdr: hdr(dns.TypeA), A: net.IP(netip.MustParseAddr(a).AsSlice())})
		}
	case dns.TypeTXT:
		if rep.noTXT {
			m.Rcode = dns.RcodeServerFailure
			break
		}
		for _, t := range rep.txt {
			m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr(dns.TypeTXT), Txt: t})
		}
	}
	if len(m.Answer) == 0 && rep.soa {
		m.Ns = append(m.Ns, &dns.SOA{
			Hdr: dns.RR_Header{Name: "bl.test.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 3600},
			Ns:  "ns.bl.test.", Mbox: "hostmaster.bl.test.", Serial: 1, Refresh: 600, Retry: 300, Expire: 86400, Minttl: rep.soaMin,
		})
	}
	_ = w.WriteMsg(m)
}

// startServer runs s on 127.0.0.1 until the test ends.
func startServer(t testing.TB, s *testServer) *testServer {
	t.Helper()
	s.queries = map[string]int{}
	s.addr = serveHandler(t, s)
	return s
}

// serveHandler runs h on 127.0.0.1, UDP and TCP on the same port, until
// the test ends, and returns the address.
func serveHandler(t testing.TB, h dns.Handler) string {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for i := 0; ; i++ {
		var err error
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ln, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if i == 10 {
			t.Fatalf("no free port for UDP and TCP: %v", err)
		}
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
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
	}
	return pc.LocalAddr().String()
}

// silentUDP returns a loopback UDP address where nothing ever answers.
func silentUDP(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

// resolver returns a resolver for addr, after checking it is on loopback:
// tests never query anything else.
func resolver(t testing.TB, addr string, cache *Cache) *Resolver {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		t.Fatalf("test resolver %q is not on loopback", addr)
	}
	return &Resolver{Server: addr, Timeout: 2 * time.Second, Attempts: 2, Cache: cache}
}
