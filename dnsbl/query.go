package dnsbl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// keyPlaceholder is replaced by Zone.Key in zone names (Spamhaus DQS:
// "{key}.zen.dq.spamhaus.net", Abusix: "{key}.combined.mail.abusix.zone").
const keyPlaceholder = "{key}"

// ZoneName returns the zone's name as queried: lower case, without a
// trailing dot, with "{key}" replaced by the zone's key. It fails with
// ErrNoKey when the zone needs a key and none is set, and with ErrBadZone
// when the result is not a valid domain name.
func (z Zone) ZoneName() (string, error) {
	name := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(z.Name), "."))
	if strings.Contains(name, keyPlaceholder) || z.NeedsKey {
		if z.Key == "" {
			return "", ErrNoKey
		}
		if !validKey(z.Key) {
			return "", ErrBadKey
		}
		name = strings.ReplaceAll(name, keyPlaceholder, z.Key)
	}
	if name == "" || strings.ContainsAny(name, "{}") {
		return "", fmt.Errorf("%w: %q", ErrBadZone, z.Name)
	}
	if _, ok := dns.IsDomainName(name); !ok || !isHostname(name) {
		return "", fmt.Errorf("%w: %q", ErrBadZone, z.Name)
	}
	return name, nil
}

// validKey accepts what a DNS label may hold, so that a key cannot add
// labels or escape the name.
func validKey(k string) bool {
	if len(k) > 63 {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isHostname reports whether every label of name is made of letters,
// digits, hyphens and underscores, 1 to 63 bytes long. Empty labels, dots
// inside labels (escaped) and bytes outside ASCII are refused.
func isHostname(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Target is a checked IP address or domain name.
type Target struct {
	// IP is set for an address target (IPv4-mapped IPv6 addresses are
	// unmapped to IPv4).
	IP netip.Addr
	// Domain is set for a domain target: lower case, no trailing dot.
	Domain string
}

// IsDomain reports whether t is a domain name rather than an address.
func (t Target) IsDomain() bool { return !t.IP.IsValid() }

// String returns the address or the domain.
func (t Target) String() string {
	if t.IP.IsValid() {
		return t.IP.String()
	}
	return t.Domain
}

// ParseTarget parses an IP address (IPv4 or IPv6; "[…]" brackets and a
// zone suffix are refused) or a domain name. Domains are lower-cased and
// lose a trailing dot; names with bytes outside ASCII (IDNA is not done),
// empty labels or characters DNS host names do not use fail with
// ErrBadTarget.
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, fmt.Errorf("%w: empty", ErrBadTarget)
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		if ip.Zone() != "" {
			return Target{}, fmt.Errorf("%w: %q: address with a zone", ErrBadTarget, s)
		}
		return Target{IP: ip.Unmap()}, nil
	}
	d := strings.ToLower(strings.TrimSuffix(s, "."))
	if !isHostname(d) {
		return Target{}, fmt.Errorf("%w: %q: neither an IP address nor a domain name", ErrBadTarget, s)
	}
	if allDigitsAndDots(d) {
		// "1.2.3" or "300.1.1.1": a mistyped address, not a domain.
		return Target{}, fmt.Errorf("%w: %q: not a valid IP address", ErrBadTarget, s)
	}
	return Target{Domain: d}, nil
}

func allDigitsAndDots(s string) bool {
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '.' {
			return false
		}
	}
	return true
}

// Reverse returns the query prefix of an address per RFC 5782: the four
// octets in reverse order for IPv4 ("2.0.0.127"), the 32 nibbles in
// reverse order for IPv6 ("1.0.0.0.….8.b.d.0.1.0.0.2").
func Reverse(ip netip.Addr) string { return reverse(ip.Unmap()) }

// reverse is Reverse without unmapping: an IPv4-mapped IPv6 address, which
// ParseTarget never gives, is written in 32 nibbles — the form of the IPv6
// test points of RFC 5782 §5 (::FFFF:7F00:2).
func reverse(ip netip.Addr) string {
	var b strings.Builder
	if ip.Is4() {
		a := ip.As4()
		for i := 3; i >= 0; i-- {
			b.WriteString(strconv.Itoa(int(a[i])))
			if i > 0 {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	const hex = "0123456789abcdef"
	a := ip.As16()
	for i := 15; i >= 0; i-- {
		b.WriteByte(hex[a[i]&0xf])
		b.WriteByte('.')
		b.WriteByte(hex[a[i]>>4])
		if i > 0 {
			b.WriteByte('.')
		}
	}
	return b.String()
}

// QueryName returns the fully qualified name to query for target in zone:
// "<reversed IP>.<zone>." for address lists (an IPv4-mapped address, which
// ParseTarget unmaps, in 32 nibbles), "<domain>.<zone>." for domain
// lists. A target of the wrong kind for the zone fails with ErrWrongKind.
func QueryName(zone Zone, target Target) (string, error) {
	name, err := zone.ZoneName()
	if err != nil {
		return "", err
	}
	var prefix string
	switch {
	case zone.Domain && target.IsDomain():
		prefix = target.Domain
	case !zone.Domain && !target.IsDomain():
		prefix = reverse(target.IP)
	case zone.Domain:
		return "", fmt.Errorf("%w: %s lists domains, not addresses", ErrWrongKind, zone.Name)
	default:
		return "", fmt.Errorf("%w: %s lists addresses, not domains", ErrWrongKind, zone.Name)
	}
	if prefix == "" {
		return "", fmt.Errorf("%w: empty", ErrBadTarget)
	}
	q := prefix + "." + name + "."
	if len(q) > 254 {
		return "", fmt.Errorf("%w: %s: name too long for zone %s", ErrBadTarget, target, zone.Name)
	}
	return q, nil
}
