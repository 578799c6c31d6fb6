package dnsbl_test

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// Zones as the catalog would describe them, pointing at the test lists
// of testdata/dnsbl.
var (
	zen = dnsbl.Zone{Name: "zen.test", Codes: []dnsbl.Code{
		{Answer: "127.0.0.2", Meaning: "SBL"},
		{Answer: "127.0.0.3", Meaning: "CSS"},
		{Answer: "127.0.0.4-127.0.0.7", Meaning: "XBL"},
		{Answer: "127.255.255.254", Meaning: "public resolver", Status: dnsbl.CodeError},
	}}
	v6  = dnsbl.Zone{Name: "v6.test"}
	dbl = dnsbl.Zone{Name: "dbl.test", Domain: true, Codes: []dnsbl.Code{
		{Answer: "127.0.1.2", Meaning: "spam domain"},
		{Answer: "127.0.1.4", Meaning: "phish domain"},
	}}
	karma = dnsbl.Zone{Name: "karma.test", Codes: []dnsbl.Code{
		{Answer: "127.0.0.1", Meaning: "white", Status: dnsbl.CodeAllowed},
		{Answer: "127.0.0.2", Meaning: "black"},
		{Answer: "127.0.0.3", Meaning: "yellow"},
	}}
	hijack  = dnsbl.Zone{Name: "hijack.test"}
	pub     = dnsbl.Zone{Name: "pub.test", Codes: zen.Codes}
	pubBare = dnsbl.Zone{Name: "pub.test"} // no code table: the safety net alone
	slow    = dnsbl.Zone{Name: "slow.test"}
	refused = dnsbl.Zone{Name: "refused.test"}
	dq      = dnsbl.Zone{Name: "{key}.dq.test", NeedsKey: true, Key: dnsbltest.Key}
	dqNoKey = dnsbl.Zone{Name: "{key}.dq.test", NeedsKey: true}
)

var now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// rbldnsdResolver starts rbldnsd and returns a resolver for it: patient,
// so that a loaded machine does not turn answers into timeouts, but with
// one attempt, so that slow.test (which never answers) costs one timeout.
func rbldnsdResolver(t *testing.T) *dnsbl.Resolver {
	addr := dnsbltest.Rbldnsd(t, "../testdata/dnsbl")
	return &dnsbl.Resolver{Server: addr, Timeout: time.Second, Attempts: 1}
}

func TestRbldnsdLookup(t *testing.T) {
	r := rbldnsdResolver(t)
	tests := []struct {
		zone    dnsbl.Zone
		target  string
		status  dnsbl.Status
		codes   []string
		meaning string
		txt     string
		ttl     time.Duration
		wantErr error
	}{
		{zen, "127.0.0.2", dnsbl.StatusListed, []string{"127.0.0.2"}, "SBL", "Listed in zen.test (SBL-style) see https://zen.test/query/ip/127.0.0.2", 60 * time.Second, nil},
		{zen, "192.0.2.99", dnsbl.StatusListed, []string{"127.0.0.4"}, "XBL", "Listed in zen.test (XBL-style) see https://zen.test/query/ip/192.0.2.99", 60 * time.Second, nil},
		{zen, "203.0.113.7", dnsbl.StatusListed, []string{"127.0.0.3"}, "CSS", "Listed in zen.test (CSS-style) 203.0.113.7", 60 * time.Second, nil},
		{zen, "198.51.100.66", dnsbl.StatusListed, []string{"127.0.0.2"}, "SBL", `<script>alert("x")</script> listed 198.51.100.66`, 60 * time.Second, nil},
		{zen, "127.0.0.1", dnsbl.StatusClean, nil, "", "", 300 * time.Second, nil},
		{zen, "::ffff:192.0.2.99", dnsbl.StatusListed, []string{"127.0.0.4"}, "XBL", "Listed in zen.test (XBL-style) see https://zen.test/query/ip/192.0.2.99", 60 * time.Second, nil},
		{v6, "2001:db8:bad::1", dnsbl.StatusListed, []string{"127.0.0.2"}, "", "IPv6 listed in v6.test: 2001:db8:bad::1", 60 * time.Second, nil},
		{v6, "2001:db8::1", dnsbl.StatusClean, nil, "", "", 300 * time.Second, nil},
		{dbl, "Spammer.Example.", dnsbl.StatusListed, []string{"127.0.1.2"}, "spam domain", "Domain spammer.example listed in dbl.test", 60 * time.Second, nil},
		{dbl, "x.bulk.example", dnsbl.StatusListed, []string{"127.0.1.4"}, "phish domain", "Domain bulk.example listed in dbl.test (wildcard)", 60 * time.Second, nil},
		{dbl, "bulk.example", dnsbl.StatusClean, nil, "", "", 300 * time.Second, nil},
		{dbl, "clean.example", dnsbl.StatusClean, nil, "", "", 300 * time.Second, nil},
		{karma, "192.0.2.1", dnsbl.StatusClean, []string{"127.0.0.1"}, "white", "", 60 * time.Second, nil},
		{karma, "192.0.2.3", dnsbl.StatusListed, []string{"127.0.0.3"}, "yellow", "yellow: 192.0.2.3", 60 * time.Second, nil},
		{hijack, "192.0.2.1", dnsbl.StatusError, []string{"192.0.2.80"}, "", "", 0, dnsbl.ErrBadAnswer},
		{pub, "192.0.2.1", dnsbl.StatusError, []string{"127.255.255.254"}, "public resolver", "", 0, dnsbl.ErrRefused},
		{pubBare, "192.0.2.1", dnsbl.StatusError, []string{"127.255.255.254"}, "", "", 0, dnsbl.ErrRefused},
		{refused, "127.0.0.2", dnsbl.StatusError, nil, "", "", 0, dnsbl.ErrDNS},
		{slow, "127.0.0.2", dnsbl.StatusError, nil, "", "", 0, dnsbl.ErrTimeout},
		{dq, "127.0.0.2", dnsbl.StatusListed, []string{"127.0.0.2"}, "", "Listed in zen.test (SBL-style) see https://zen.test/query/ip/127.0.0.2", 60 * time.Second, nil},
		{dqNoKey, "127.0.0.2", dnsbl.StatusError, nil, "", "", 0, dnsbl.ErrNoKey},
	}
	for _, tt := range tests {
		res := dnsbl.Lookup(t.Context(), nil, r, tt.zone, tt.target, now)
		if res.Status != tt.status || !slices.Equal(res.Codes, tt.codes) || res.Meaning != tt.meaning || res.TXT != tt.txt || res.TTL != tt.ttl {
			t.Errorf("%s %s: got status %s codes %q meaning %q txt %q ttl %v\n\twant status %s codes %q meaning %q txt %q ttl %v",
				tt.zone.Name, tt.target, res.Status, res.Codes, res.Meaning, res.TXT, res.TTL, tt.status, tt.codes, tt.meaning, tt.txt, tt.ttl)
		}
		if !errors.Is(res.Err, tt.wantErr) || (tt.wantErr == nil) != (res.Err == nil) {
			t.Errorf("%s %s: error %v, want %v", tt.zone.Name, tt.target, res.Err, tt.wantErr)
		}
	}
}

func TestRbldnsdCheck(t *testing.T) {
	r := rbldnsdResolver(t)
	zones := []dnsbl.Zone{zen, pub, slow, refused, karma, hijack, dq, dqNoKey}
	got := dnsbl.Check(t.Context(), nil, r, zones, "127.0.0.2", now)
	want := []dnsbl.Status{dnsbl.StatusListed, dnsbl.StatusError, dnsbl.StatusError, dnsbl.StatusError, dnsbl.StatusListed, dnsbl.StatusError, dnsbl.StatusListed, dnsbl.StatusError}
	for i, res := range got {
		if res.Zone != zones[i].Name || res.Status != want[i] {
			t.Errorf("%d: %s %s (%v), want %s %s", i, res.Zone, res.Status, res.Err, zones[i].Name, want[i])
		}
	}
}

func TestRbldnsdHealth(t *testing.T) {
	r := rbldnsdResolver(t)
	tests := []struct {
		zone dnsbl.Zone
		want error
	}{
		{zen, nil},
		{dbl, nil},
		{karma, nil},
		{dq, nil},
		{pub, dnsbl.ErrRefused},
		{hijack, dnsbl.ErrBadAnswer},
		{refused, dnsbl.ErrDNS},
		{slow, dnsbl.ErrTimeout},
		{dnsbl.Zone{Name: "v6.test"}, dnsbl.ErrUnhealthy}, // an IPv6-only list has no IPv4 test point
	}
	for _, tt := range tests {
		err := dnsbl.CheckHealth(t.Context(), nil, r, tt.zone, now)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("CheckHealth(%s) = %v, want %v", tt.zone.Name, err, tt.want)
		}
	}
}

// TestDeadServer queries a loopback port where nothing answers.
func TestDeadServer(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	r := &dnsbl.Resolver{Server: pc.LocalAddr().String(), Timeout: 100 * time.Millisecond, Attempts: 2}
	res := dnsbl.Lookup(t.Context(), nil, r, zen, "127.0.0.2", now)
	if res.Status != dnsbl.StatusError || !errors.Is(res.Err, dnsbl.ErrTimeout) {
		t.Errorf("dead server: %+v, want a timeout error", res)
	}
}

// TestRbldnsdHealthFor: the test points of each kind of target, IPv6 in
// the nibble form of ::FFFF:7F00:2.
func TestRbldnsdHealthFor(t *testing.T) {
	r := rbldnsdResolver(t)
	ip4, ip6, dom := mustTarget(t, "192.0.2.1"), mustTarget(t, "2001:db8::1"), mustTarget(t, "example.org")
	dead := dnsbl.Zone{Name: "dead.test"}
	tests := []struct {
		zone   dnsbl.Zone
		target dnsbl.Target
		want   error
	}{
		{zen, ip4, nil},
		{zen, ip6, nil}, // rbldnsd answers ::FFFF:7F00:2 from the IPv4 data: 127.0.0.2 is listed
		{v6, ip6, nil},
		{v6, ip4, dnsbl.ErrUnhealthy},
		{dbl, dom, nil},
		{dbl, ip4, dnsbl.ErrWrongKind},
		{dead, ip4, dnsbl.ErrUnhealthy},
		{dead, ip6, dnsbl.ErrUnhealthy},
		// A list alive on IPv4 without the IPv6 test point (most lists):
		// its IPv4 points vouch for its IPv6 answers.
		{nov6point, ip6, nil},
		{nov6point, ip4, nil},
		{dnsbl.Zone{Name: "zen.tset"}, ip4, dnsbl.ErrDNS}, // not served: REFUSED, an error, not a dead zone
		{pub, ip4, dnsbl.ErrRefused},
		{dqNoKey, ip4, dnsbl.ErrNoKey},
	}
	for _, tt := range tests {
		err := dnsbl.CheckHealthFor(t.Context(), nil, r, tt.zone, tt.target, now)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("CheckHealthFor(%s, %s) = %v, want %v", tt.zone.Name, tt.target, err, tt.want)
		}
		if errors.Is(tt.want, dnsbl.ErrDNS) && errors.Is(err, dnsbl.ErrUnhealthy) {
			t.Errorf("CheckHealthFor(%s): a lookup error called a dead zone: %v", tt.zone.Name, err)
		}
	}
}

// TestRbldnsdCheckRound: a live zone with test points, a dead one and a
// mistyped one in one round. The dead zone's NXDOMAIN is no "clean".
func TestRbldnsdCheckRound(t *testing.T) {
	r := rbldnsdResolver(t)
	zones := []dnsbl.Zone{zen, {Name: "dead.test"}, {Name: "zen.tset"}, karma}
	h := dnsbl.NewHealth()
	for _, tt := range []struct {
		target string
		want   []dnsbl.Status
	}{
		{"192.0.2.1", []dnsbl.Status{dnsbl.StatusClean, dnsbl.StatusError, dnsbl.StatusError, dnsbl.StatusClean}},
		{"192.0.2.99", []dnsbl.Status{dnsbl.StatusListed, dnsbl.StatusError, dnsbl.StatusError, dnsbl.StatusClean}},
	} {
		got := dnsbl.CheckRound(t.Context(), nil, r, h, zones, tt.target, now)
		for i, res := range got {
			if res.Zone != zones[i].Name || res.Status != tt.want[i] {
				t.Errorf("%s in %s: %s (%v), want %s", tt.target, zones[i].Name, res.Status, res.Err, tt.want[i])
			}
		}
		if !errors.Is(got[1].Err, dnsbl.ErrUnhealthy) || !strings.Contains(got[1].Reason, "127.0.0.2 is not listed") {
			t.Errorf("dead.test: %q, want the failed test point", got[1].Reason)
		}
		if !errors.Is(got[2].Err, dnsbl.ErrDNS) || errors.Is(got[2].Err, dnsbl.ErrUnhealthy) {
			t.Errorf("zen.tset: %v, want the DNS error", got[2].Err)
		}
	}
	// Without test points the dead zone read "clean": what this guards.
	if res := dnsbl.Check(t.Context(), nil, r, zones[1:2], "192.0.2.1", now); res[0].Status != dnsbl.StatusClean {
		t.Fatalf("dead.test without test points: %s, want clean (the premise)", res[0].Status)
	}
}

// nov6point is a list alive on IPv4 (127.0.0.2 listed, 127.0.0.1 not)
// that lists IPv6 addresses but not the IPv6 test point ::FFFF:7F00:2.
var nov6point = dnsbl.Zone{Name: "nov6point.test"}

// TestRbldnsdCheckRoundIPv6: an IPv6 sending address gets a definite
// answer from a list that lacks the RFC 5782 IPv6 test point but answers
// its IPv4 one (NXDOMAIN: not listed; an entry: listed); a dead zone still
// could not tell; a zone the catalog marks ipv4_only says "not listed,
// lists no IPv6" without asking (dead.test marked so: nothing is asked of
// it, or it would be an error).
func TestRbldnsdCheckRoundIPv6(t *testing.T) {
	r := rbldnsdResolver(t)
	v4only := dnsbl.Zone{Name: "dead.test", IPv4Only: true}
	zones := []dnsbl.Zone{nov6point, {Name: "dead.test"}, v4only, v6}
	h := dnsbl.NewHealth()
	for _, tt := range []struct {
		target string
		want   []dnsbl.Status
	}{
		{"2001:db8::1", []dnsbl.Status{dnsbl.StatusClean, dnsbl.StatusError, dnsbl.StatusClean, dnsbl.StatusClean}},
		{"2001:db8:bad::1", []dnsbl.Status{dnsbl.StatusListed, dnsbl.StatusError, dnsbl.StatusClean, dnsbl.StatusListed}},
	} {
		got := dnsbl.CheckRound(t.Context(), nil, r, h, zones, tt.target, now)
		for i, res := range got {
			if res.Zone != zones[i].Name || res.Status != tt.want[i] {
				t.Errorf("%s in %s (ipv4_only %v): %s (%v), want %s", tt.target, zones[i].Name, zones[i].IPv4Only, res.Status, res.Err, tt.want[i])
			}
		}
		if !errors.Is(got[1].Err, dnsbl.ErrUnhealthy) || !strings.Contains(got[1].Reason, "neither ::FFFF:7F00:2 nor 127.0.0.2 is listed") {
			t.Errorf("dead.test: %q, want both test points named", got[1].Reason)
		}
		if !got[2].NoIPv6 || got[0].NoIPv6 || got[3].NoIPv6 {
			t.Errorf("NoIPv6: %v %v %v, want only the ipv4_only zone's", got[0].NoIPv6, got[2].NoIPv6, got[3].NoIPv6)
		}
	}
	// An IPv4 address in an ipv4_only zone is asked as before.
	if res := dnsbl.CheckRound(t.Context(), nil, r, h, []dnsbl.Zone{{Name: "nov6point.test", IPv4Only: true}}, "192.0.2.99", now); res[0].Status != dnsbl.StatusListed || res[0].NoIPv6 {
		t.Errorf("192.0.2.99 in an ipv4_only zone: %+v, want listed", res[0])
	}
}

func mustTarget(t *testing.T, s string) dnsbl.Target {
	t.Helper()
	tg, err := dnsbl.ParseTarget(s)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}
