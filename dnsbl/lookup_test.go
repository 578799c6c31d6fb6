package dnsbl

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func listed(ttl uint32, txt string, codes ...string) reply {
	r := reply{a: codes, ttl: ttl}
	if txt != "" {
		r.txt = [][]string{{txt}}
	}
	return r
}

// longReason is a reason text too long for a UDP answer and for MaxTXT.
var longReason = strings.Repeat("long reason ", 100)

// chunks splits s in pieces of at most n bytes, as TXT character-strings.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

func edgeServer(t testing.TB) *testServer {
	return startServer(t, &testServer{replies: map[string]reply{
		"2.0.0.127.bl.test.":  listed(300, "Listed in bl.test, see https://bl.test/q?127.0.0.2", "127.0.0.2"),
		"99.2.0.192.bl.test.": {a: []string{"127.0.0.4", "127.0.0.2", "127.0.0.4"}, ttl: 600, txt: [][]string{{"evil\r\nBcc: victim@example.com\r\n<b>x</b>"}, {"second ", "record"}}},
		"1.2.0.192.bl.test.":  {rcode: dns.RcodeNameError, soa: true, soaMin: 60},
		"2.2.0.192.bl.test.":  {soa: true, soaMin: 120},
		"3.2.0.192.bl.test.":  {rcode: dns.RcodeServerFailure},
		"4.2.0.192.bl.test.":  {rcode: dns.RcodeRefused},
		"5.2.0.192.bl.test.":  {a: []string{"127.0.0.3"}, ttl: 300, txt: [][]string{chunks(longReason, 255)}, tcOnUDP: true},
		"6.2.0.192.bl.test.":  listed(300, "Error: open resolver; https://check.spamhaus.org/returnc/pub/192.0.2.53/", "127.255.255.254"),
		"7.2.0.192.bl.test.":  listed(300, "", "10.0.0.1"),
		"8.2.0.192.bl.test.":  listed(300, "whitelisted", "127.0.0.1"),
		"9.2.0.192.bl.test.":  listed(300, "", "127.0.0.2", "127.255.255.254"),
		"10.2.0.192.bl.test.": {a: []string{"127.0.0.2"}, ttl: 300, noTXT: true},
		"11.2.0.192.bl.test.": listed(300, "", "127.255.255.252"),
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test.": listed(300, "IPv6 listed", "127.0.0.2"),
		"spammer.example.dbl.test.":     listed(300, "Domain spammer.example listed", "127.0.1.2"),
		"2.0.0.127.s3cr3t-key.dq.test.": listed(300, "DQS listed", "127.0.0.2"),
		"2.0.0.127.ttl0.test.":          listed(0, "", "127.0.0.2"),
	}})
}

func TestLookup(t *testing.T) {
	srv := edgeServer(t)
	r := resolver(t, srv.addr, nil)
	bl := zenLike
	bl.Name = "bl.test"
	dbl := Zone{Name: "dbl.test", Domain: true, Codes: []Code{{Answer: "127.0.1.2-127.0.1.99", Meaning: "DBL"}}}
	tests := []struct {
		name    string
		zone    Zone
		target  string
		status  Status
		codes   []string
		meaning string
		txt     string
		ttl     time.Duration
		wantErr error
		txtAsks int // TXT queries expected
	}{
		{"listed with TXT", bl, "127.0.0.2", StatusListed, []string{"127.0.0.2"}, "SBL", "Listed in bl.test, see https://bl.test/q?127.0.0.2", 300 * time.Second, nil, 1},
		{"several codes, hostile TXT", bl, "192.0.2.99", StatusListed, []string{"127.0.0.2", "127.0.0.4"}, "SBL; XBL", "evil  Bcc: victim@example.com  <b>x</b>; second record", 600 * time.Second, nil, 1},
		{"NXDOMAIN", bl, "192.0.2.1", StatusClean, nil, "", "", 60 * time.Second, nil, 0},
		{"NXDOMAIN without SOA", bl, "192.0.2.200", StatusClean, nil, "", "", 0, nil, 0},
		{"NODATA", bl, "192.0.2.2", StatusClean, nil, "", "", 120 * time.Second, nil, 0},
		{"SERVFAIL", bl, "192.0.2.3", StatusError, nil, "", "", 0, ErrDNS, 0},
		{"REFUSED", bl, "192.0.2.4", StatusError, nil, "", "", 0, ErrDNS, 0},
		{"truncated, TCP retry", bl, "192.0.2.5", StatusListed, []string{"127.0.0.3"}, "CSS", strings.TrimRight(longReason[:MaxTXT], " ") + "…", 300 * time.Second, nil, 2}, // TXT truncated too: UDP then TCP
		{"open resolver answer", bl, "192.0.2.6", StatusError, []string{"127.255.255.254"}, "public resolver", "", 0, ErrRefused, 0},
		{"answer outside 127/8", bl, "192.0.2.7", StatusError, []string{"10.0.0.1"}, "", "", 0, ErrBadAnswer, 0},
		{"whitelist answer", bl, "192.0.2.8", StatusClean, []string{"127.0.0.1"}, "white", "", 300 * time.Second, nil, 0},
		{"listing mixed with an error answer", bl, "192.0.2.9", StatusError, []string{"127.0.0.2", "127.255.255.254"}, "public resolver", "", 0, ErrRefused, 1},
		{"TXT fails, still listed", bl, "192.0.2.10", StatusListed, []string{"127.0.0.2"}, "SBL", "", 300 * time.Second, nil, 1},
		{"typo answer, no code table", Zone{Name: "bl.test"}, "192.0.2.11", StatusError, []string{"127.255.255.252"}, "", "", 0, ErrRefused, 0},
		{"IPv6 target", bl, "2001:db8::1", StatusListed, []string{"127.0.0.2"}, "SBL", "IPv6 listed", 300 * time.Second, nil, 1},
		{"domain target", dbl, "Spammer.Example.", StatusListed, []string{"127.0.1.2"}, "DBL", "Domain spammer.example listed", 300 * time.Second, nil, 1},
		{"clean domain", dbl, "clean.example", StatusClean, nil, "", "", 0, nil, 0},
		{"key substitution", Zone{Name: "{key}.dq.test", NeedsKey: true, Key: "s3cr3t-key"}, "127.0.0.2", StatusListed, []string{"127.0.0.2"}, "", "DQS listed", 300 * time.Second, nil, 1},
		{"no key: no query", Zone{Name: "{key}.dq.test", NeedsKey: true}, "127.0.0.2", StatusError, nil, "", "", 0, ErrNoKey, 0},
		{"IP on a domain list", dbl, "192.0.2.1", StatusError, nil, "", "", 0, ErrWrongKind, 0},
		{"bad target", bl, "not a target", StatusError, nil, "", "", 0, ErrBadTarget, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := srv.total()
			txtBefore := srv.txtQueries()
			res := Lookup(t.Context(), nil, r, tt.zone, tt.target, t0)
			if res.Status != tt.status || !slices.Equal(res.Codes, tt.codes) || res.Meaning != tt.meaning || res.TXT != tt.txt || res.TTL != tt.ttl {
				t.Errorf("got status %s codes %q meaning %q txt %q ttl %v\nwant status %s codes %q meaning %q txt %q ttl %v",
					res.Status, res.Codes, res.Meaning, res.TXT, res.TTL, tt.status, tt.codes, tt.meaning, tt.txt, tt.ttl)
			}
			if !errors.Is(res.Err, tt.wantErr) || (tt.wantErr == nil) != (res.Err == nil) {
				t.Errorf("error %v, want %v", res.Err, tt.wantErr)
			}
			if res.Err != nil && res.Reason != res.Err.Error() {
				t.Errorf("Reason %q, want %q", res.Reason, res.Err.Error())
			}
			if res.Zone != tt.zone.Name {
				t.Errorf("Zone %q, want %q (as configured)", res.Zone, tt.zone.Name)
			}
			if tt.zone.Key != "" && strings.Contains(res.Reason+res.Zone, tt.zone.Key) {
				t.Errorf("result shows the key: %+v", res)
			}
			if got := srv.txtQueries() - txtBefore; got != tt.txtAsks {
				t.Errorf("%d TXT queries, want %d", got, tt.txtAsks)
			}
			if errors.Is(tt.wantErr, ErrNoKey) || errors.Is(tt.wantErr, ErrWrongKind) || errors.Is(tt.wantErr, ErrBadTarget) {
				if srv.total() != before {
					t.Errorf("a query was sent for an invalid lookup")
				}
			}
		})
	}
	// Truncation: one UDP then one TCP query for the A record.
	if u, c := srv.count("5.2.0.192.bl.test.", dns.TypeA, "udp"), srv.count("5.2.0.192.bl.test.", dns.TypeA, "tcp"); u != 1 || c != 1 {
		t.Errorf("truncated answer: %d UDP and %d TCP queries, want 1 and 1", u, c)
	}
	// SERVFAIL is an answer, not a timeout: no retry.
	if n := srv.count("3.2.0.192.bl.test.", dns.TypeA, "udp"); n != 1 {
		t.Errorf("SERVFAIL queried %d times, want 1", n)
	}
}

func (s *testServer) txtQueries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, c := range s.queries {
		if strings.Contains(k, " TXT ") {
			n += c
		}
	}
	return n
}

func TestLookupTimeout(t *testing.T) {
	r := resolver(t, silentUDP(t), nil)
	r.Timeout = 50 * time.Millisecond
	res := Lookup(t.Context(), nil, r, Zone{Name: "bl.test"}, "127.0.0.2", t0)
	if res.Status != StatusError || !errors.Is(res.Err, ErrTimeout) || !errors.Is(res.Err, ErrDNS) {
		t.Fatalf("got %+v, want a timeout error", res)
	}
	if !strings.Contains(res.Reason, "2 attempts") {
		t.Errorf("reason %q does not say how often it tried", res.Reason)
	}
}

func TestLookupCancelled(t *testing.T) {
	r := resolver(t, silentUDP(t), nil)
	r.Timeout = time.Hour // only the cancellation can end the wait
	ctx, cancel := context.WithCancel(t.Context())
	srvCtx := make(chan Result)
	go func() { srvCtx <- Lookup(ctx, nil, r, Zone{Name: "bl.test"}, "127.0.0.2", t0) }()
	cancel()
	res := <-srvCtx
	if res.Status != StatusError || !errors.Is(res.Err, ErrDNS) || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("got %+v, want a cancellation error", res)
	}
}

func TestCache(t *testing.T) {
	srv := edgeServer(t)
	cache := NewCache(100, 0)
	r := resolver(t, srv.addr, cache)
	bl := Zone{Name: "bl.test"}
	lookupAt := func(target string, at time.Duration) Result {
		t.Helper()
		return Lookup(t.Context(), nil, r, bl, target, t0.Add(at))
	}
	const listedName = "2.0.0.127.bl.test."

	// A listing is kept for its TTL (300 s), TXT included.
	first := lookupAt("127.0.0.2", 0)
	if first.Cached || first.Status != StatusListed {
		t.Fatalf("first lookup: %+v", first)
	}
	again := lookupAt("127.0.0.2", 299*time.Second)
	if !again.Cached || again.Status != StatusListed || again.TXT != first.TXT || again.TTL != time.Second {
		t.Errorf("within TTL: %+v, want the cached listing with 1s left", again)
	}
	if a, txt := srv.count(listedName, dns.TypeA, "udp"), srv.count(listedName, dns.TypeTXT, "udp"); a != 1 || txt != 1 {
		t.Errorf("within TTL: %d A and %d TXT queries, want 1 and 1", a, txt)
	}
	expired := lookupAt("127.0.0.2", 300*time.Second)
	if expired.Cached || srv.count(listedName, dns.TypeA, "udp") != 2 {
		t.Errorf("at TTL: cached %v, %d A queries; want a fresh query", expired.Cached, srv.count(listedName, dns.TypeA, "udp"))
	}

	// A negative answer is kept for the SOA minimum (60 s, below the SOA TTL).
	const nxName = "1.2.0.192.bl.test."
	lookupAt("192.0.2.1", 0)
	if res := lookupAt("192.0.2.1", 59*time.Second); !res.Cached || res.Status != StatusClean {
		t.Errorf("negative within SOA minimum: %+v", res)
	}
	lookupAt("192.0.2.1", 60*time.Second)
	if n := srv.count(nxName, dns.TypeA, "udp"); n != 2 {
		t.Errorf("negative answer: %d queries, want 2", n)
	}

	// Not cached: negative answers without SOA, errors, error answers, TTL 0.
	for _, tc := range []struct{ target, name string }{
		{"192.0.2.200", "200.2.0.192.bl.test."},
		{"192.0.2.3", "3.2.0.192.bl.test."},
		{"192.0.2.6", "6.2.0.192.bl.test."},
		{"192.0.2.7", "7.2.0.192.bl.test."},
	} {
		lookupAt(tc.target, 0)
		if res := lookupAt(tc.target, time.Second); res.Cached {
			t.Errorf("%s: cached %+v", tc.target, res)
		}
		if n := srv.count(tc.name, dns.TypeA, "udp"); n != 2 {
			t.Errorf("%s: %d queries, want 2", tc.target, n)
		}
	}
	if res := Lookup(t.Context(), nil, r, Zone{Name: "ttl0.test"}, "127.0.0.2", t0); res.Cached {
		t.Errorf("TTL 0 answer cached")
	}
	if res := Lookup(t.Context(), nil, r, Zone{Name: "ttl0.test"}, "127.0.0.2", t0); res.Cached {
		t.Errorf("TTL 0 answer cached")
	}

	// The meaning comes from the zone at each lookup, not from the cache.
	withCodes := Zone{Name: "bl.test", Codes: []Code{{Answer: "127.0.0.2", Meaning: "SBL"}}}
	if res := Lookup(t.Context(), nil, r, withCodes, "127.0.0.2", t0.Add(301*time.Second)); !res.Cached || res.Meaning != "SBL" {
		t.Errorf("cached answer with another code table: %+v", res)
	}
}

func TestCacheBounds(t *testing.T) {
	srv := edgeServer(t)
	cache := NewCache(2, 30*time.Second)
	r := resolver(t, srv.addr, cache)
	bl := Zone{Name: "bl.test"}
	for _, ip := range []string{"127.0.0.2", "192.0.2.99", "192.0.2.10"} {
		Lookup(t.Context(), nil, r, bl, ip, t0)
	}
	if cache.Len() != 2 {
		t.Errorf("cache holds %d entries, want at most 2", cache.Len())
	}
	// The least recently used one (the first) was dropped.
	if res := Lookup(t.Context(), nil, r, bl, "127.0.0.2", t0); res.Cached {
		t.Errorf("evicted entry still cached")
	}
	// The TTL is capped at 30 s, not the record's 300 s.
	if res := Lookup(t.Context(), nil, r, bl, "127.0.0.2", t0.Add(30*time.Second)); res.Cached {
		t.Errorf("entry kept beyond the cache's maximum TTL")
	}
}

func TestCheckOrderAndTypes(t *testing.T) {
	srv := edgeServer(t)
	r := resolver(t, srv.addr, nil)
	zones := []Zone{{Name: "bl.test"}, {Name: "dbl.test", Domain: true}, {Name: "{key}.dq.test", NeedsKey: true}, {Name: "other.test"}}
	got := Check(t.Context(), nil, r, zones, "127.0.0.2", t0)
	want := []Status{StatusListed, StatusError, StatusError, StatusClean}
	for i, res := range got {
		if res.Zone != zones[i].Name || res.Status != want[i] {
			t.Errorf("result %d: zone %s status %s, want %s %s", i, res.Zone, res.Status, zones[i].Name, want[i])
		}
	}
	for _, res := range Check(t.Context(), nil, r, zones, "bad target!", t0) {
		if !errors.Is(res.Err, ErrBadTarget) {
			t.Errorf("bad target: %+v", res)
		}
	}
}

// barrierServer answers only once n queries are waiting at the same time:
// sequential queries would never all arrive, and would time out.
type barrierServer struct {
	n       int
	mu      sync.Mutex
	waiting int
	release chan struct{}
}

func (b *barrierServer) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	b.mu.Lock()
	b.waiting++
	if b.waiting == b.n {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(4 * time.Second): // bounded: never hang the test
		return
	}
	m := new(dns.Msg)
	m.SetRcode(req, dns.RcodeNameError)
	_ = w.WriteMsg(m)
}

func TestCheckParallel(t *testing.T) {
	const n = 30
	b := &barrierServer{n: n, release: make(chan struct{})}
	addr := serveHandler(t, b)
	r := resolver(t, addr, nil)
	r.Timeout, r.Attempts = 3*time.Second, 1
	var zones []Zone
	for i := range n {
		zones = append(zones, Zone{Name: "z" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".test"})
	}
	for _, res := range Check(t.Context(), nil, r, zones, "192.0.2.1", t0) {
		if res.Status != StatusClean {
			t.Errorf("%s: %s %v: the queries did not run in parallel", res.Zone, res.Status, res.Err)
		}
	}
}

func TestCheckHealth(t *testing.T) {
	srv := startServer(t, &testServer{replies: map[string]reply{
		"2.0.0.127.good.test.":  listed(300, "", "127.0.0.2"),
		"1.0.0.127.good.test.":  {rcode: dns.RcodeNameError},
		"2.0.0.127.all.test.":   listed(300, "", "127.0.0.2"),
		"1.0.0.127.all.test.":   listed(300, "", "127.0.0.2"),
		"2.0.0.127.pub.test.":   listed(300, "", "127.255.255.254"),
		"1.0.0.127.pub.test.":   listed(300, "", "127.255.255.254"),
		"2.0.0.127.fail.test.":  {rcode: dns.RcodeServerFailure},
		"2.0.0.127.white.test.": listed(300, "", "127.0.0.2"),
		"1.0.0.127.white.test.": listed(300, "", "127.0.0.1"),
		"test.dom.test.":        listed(300, "", "127.0.1.2"),
	}})
	cache := NewCache(10, 0)
	r := resolver(t, srv.addr, cache)
	white := Zone{Name: "white.test", Codes: []Code{{Answer: "127.0.0.1", Status: CodeAllowed}}}
	tests := []struct {
		zone Zone
		want error
	}{
		{Zone{Name: "good.test"}, nil},
		{Zone{Name: "all.test"}, ErrUnhealthy},
		{Zone{Name: "none.test"}, ErrUnhealthy},
		{Zone{Name: "pub.test"}, ErrRefused},
		{Zone{Name: "fail.test"}, ErrDNS},
		{white, nil},
		{Zone{Name: "white.test"}, ErrUnhealthy}, // without the code table 127.0.0.1 is a listing
		{Zone{Name: "dom.test", Domain: true}, nil},
		{Zone{Name: "{key}.good.test"}, ErrNoKey},
	}
	for _, tt := range tests {
		err := CheckHealth(t.Context(), nil, r, tt.zone, t0)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("CheckHealth(%s) = %v, want %v", tt.zone.Name, err, tt.want)
		}
	}
	if cache.Len() != 0 {
		t.Errorf("CheckHealth filled the cache")
	}
}
