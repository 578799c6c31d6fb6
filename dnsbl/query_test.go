package dnsbl

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestReverse(t *testing.T) {
	tests := []struct {
		ip   string
		want string
	}{
		{"127.0.0.2", "2.0.0.127"},
		{"192.0.2.99", "99.2.0.192"},
		{"::ffff:192.0.2.1", "1.2.0.192"},
		// RFC 5782 section 2.4.
		{"2001:db8:1:2:3:4:567:89ab", "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2"},
		{"::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"},
	}
	for _, tt := range tests {
		if got := Reverse(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Reverse(%s) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		domain  bool
		wantErr error
	}{
		{"192.0.2.1", "192.0.2.1", false, nil},
		{" 2001:DB8::1 ", "2001:db8::1", false, nil},
		{"::ffff:10.1.2.3", "10.1.2.3", false, nil},
		{"Example.COM.", "example.com", true, nil},
		{"test", "test", true, nil},
		{"_dmarc.example.org", "_dmarc.example.org", true, nil},
		{"", "", false, ErrBadTarget},
		{"fe80::1%eth0", "", false, ErrBadTarget},
		{"300.1.1.1", "", false, ErrBadTarget},
		{"1.2.3", "", false, ErrBadTarget},
		{"exa mple.com", "", false, ErrBadTarget},
		{"a..b", "", false, ErrBadTarget},
		{"bücher.example", "", false, ErrBadTarget}, // no IDNA: refused, no panic
		{"\xff\xfe.example", "", false, ErrBadTarget},
		{"evil.example\r\nBcc: x", "", false, ErrBadTarget},
		{strings.Repeat("a", 64) + ".example", "", false, ErrBadTarget},
		{strings.Repeat("abcdefghi.", 26) + "com", "", false, ErrBadTarget},
	}
	for _, tt := range tests {
		got, err := ParseTarget(tt.in)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("ParseTarget(%q) error %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if got.String() != tt.want || got.IsDomain() != tt.domain {
			t.Errorf("ParseTarget(%q) = %q (domain %v), want %q (domain %v)", tt.in, got, got.IsDomain(), tt.want, tt.domain)
		}
	}
}

func TestQueryName(t *testing.T) {
	ip := func(s string) Target { return Target{IP: netip.MustParseAddr(s)} }
	dom := func(s string) Target { return Target{Domain: s} }
	tests := []struct {
		name    string
		zone    Zone
		target  Target
		want    string
		wantErr error
	}{
		{"ipv4", Zone{Name: "zen.spamhaus.org"}, ip("127.0.0.2"), "2.0.0.127.zen.spamhaus.org.", nil},
		{"zone case and dot", Zone{Name: "ZEN.Spamhaus.org."}, ip("192.0.2.1"), "1.2.0.192.zen.spamhaus.org.", nil},
		{"ipv6", Zone{Name: "v6.example"}, ip("2001:db8::1"), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.v6.example.", nil},
		{"ipv6 test point", Zone{Name: "v6.example"}, Target{IP: netip.AddrFrom16(netip.MustParseAddr("127.0.0.2").As16())}, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.example.", nil},
		{"domain", Zone{Name: "dbl.spamhaus.org", Domain: true}, dom("example.com"), "example.com.dbl.spamhaus.org.", nil},
		{"key", Zone{Name: "{key}.zen.dq.spamhaus.net", NeedsKey: true, Key: "abc123"}, ip("127.0.0.2"), "2.0.0.127.abc123.zen.dq.spamhaus.net.", nil},
		{"key without NeedsKey", Zone{Name: "{key}.combined.mail.abusix.zone", Key: "K-1"}, ip("127.0.0.2"), "2.0.0.127.K-1.combined.mail.abusix.zone.", nil},
		{"no key", Zone{Name: "{key}.zen.dq.spamhaus.net", NeedsKey: true}, ip("127.0.0.2"), "", ErrNoKey},
		{"placeholder without key", Zone{Name: "{key}.zen.dq.spamhaus.net"}, ip("127.0.0.2"), "", ErrNoKey},
		{"needs key, none", Zone{Name: "combined.mail.abusix.zone", NeedsKey: true}, ip("127.0.0.2"), "", ErrNoKey},
		{"key injecting labels", Zone{Name: "{key}.zen.dq.spamhaus.net", Key: "a.b"}, ip("127.0.0.2"), "", ErrBadKey},
		{"key injecting bytes", Zone{Name: "{key}.zen.dq.spamhaus.net", Key: "a\nb"}, ip("127.0.0.2"), "", ErrBadKey},
		{"ip on domain list", Zone{Name: "dbl.spamhaus.org", Domain: true}, ip("192.0.2.1"), "", ErrWrongKind},
		{"domain on ip list", Zone{Name: "zen.spamhaus.org"}, dom("example.com"), "", ErrWrongKind},
		{"empty zone", Zone{Name: ""}, ip("192.0.2.1"), "", ErrBadZone},
		{"bad zone", Zone{Name: "zen spamhaus"}, ip("192.0.2.1"), "", ErrBadZone},
		{"too long", Zone{Name: strings.Repeat("abcdefghi.", 20) + "org", Domain: true}, dom(strings.Repeat("abcdefghi.", 6) + "com"), "", ErrBadTarget},
	}
	for _, tt := range tests {
		got, err := QueryName(tt.zone, tt.target)
		if !errors.Is(err, tt.wantErr) || got != tt.want {
			t.Errorf("%s: QueryName = %q, %v; want %q, %v", tt.name, got, err, tt.want, tt.wantErr)
		}
		if err != nil && tt.zone.Key != "" && strings.Contains(err.Error(), tt.zone.Key) {
			t.Errorf("%s: error %q shows the key", tt.name, err)
		}
	}
}
