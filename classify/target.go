package classify

import (
	"bytes"
	"net/netip"
	"unicode/utf8"
)

// findIP returns the first address the reply names as the one refused,
// from the normalized text b. masked is set when the first candidate is a
// masked or impossible address ("x.x.x.x", "[IP]"-style dotted masks,
// "287.1.2.3"): the reply names an address but does not show it, so the
// caller falls back to the sending IP rather than guess another number.
//
// Skipped: loopback, unspecified and multicast addresses (DNSBL answer
// codes such as 127.0.0.4 quoted in replies), the resolver address in a
// Spamhaus "returnc/pub/ADDR" link or a "your DNS IP:" note, and Yahoo's
// internal "- 4.16.55.1" status numbers. A private or link-local address
// (RFC 1918, fc00::/7, fe80::/10) is taken only when the reply names no
// public one: a receiver on the Internet refuses our public address, and a
// private one beside it is a HELO literal or an internal hop
// ("host.example ([192.168.1.150]) [86.169.86.150]").
func findIP(b []byte) (ip string, masked bool) {
	private := ""
	defer func() {
		if ip == "" && !masked {
			ip = private
		}
	}()
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(isHex(c) || c == 'x' || c == 'y' || c == '*' || c == '#' || c == 'i' || c >= 0x80 || c == ':') {
			continue
		}
		if i > 0 {
			p := b[i-1]
			if isAlnum(p) || p == '.' || p >= 0x80 ||
				p == ':' && (i < 2 || isHex(b[i-2]) || b[i-2] == ':') && !ipv6Tag(b, i) ||
				p == '-' && i > 1 && isAlnum(b[i-2]) {
				continue
			}
		}
		if end, ok, mask := scanV4(b, i); end > i {
			if mask {
				return "", true
			}
			if ok {
				s := string(b[i:end])
				if excludedContext(b, i, s) {
					i = end
					continue
				}
				a, err := netip.ParseAddr(s)
				if err == nil && usable(a, b, i) {
					if !a.IsPrivate() && !a.IsLinkLocalUnicast() {
						return s, false
					}
					if private == "" {
						private = s
					}
				}
				if err != nil {
					return "", true // 287.190.241.178: a made-up address
				}
			}
			i = end
			continue
		}
		if end := scanV6(b, i); end > i {
			s := string(b[i:end])
			a, err := netip.ParseAddr(s)
			// A receiver listening on a dual-stack socket names an IPv4
			// client in its IPv4-mapped form ("[::ffff:203.0.113.9]"): the
			// address is the IPv4 one, whose listing and incident it is
			// (as a mapped address it split our listing into a second
			// incident, looked up as an IPv6 address no list holds).
			a = a.Unmap()
			if err == nil && usable(a, b, i) && !excludedContext(b, i, s) {
				if !a.IsPrivate() && !a.IsLinkLocalUnicast() {
					return a.String(), false
				}
				if private == "" {
					private = a.String()
				}
			}
			i = end
		}
	}
	return "", false
}

// usable reports whether a, found at b[i:], can be the address a reply
// names as refused. Loopback addresses are excluded because replies quote
// DNSBL answer codes (127.0.0.2, 127.255.255.254, and URIBL's "127.0.0.1 ->
// Query Refused"), except 127.0.0.1 and ::1 where a reply names a client:
// "Client host [127.0.0.1]", "ip=127.0.0.1". That is a Postfix relaying for
// the same host, or a test bench on loopback.
func usable(a netip.Addr, b []byte, i int) bool {
	if a == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || a == netip.IPv6Loopback() {
		return i > 0 && (b[i-1] == '[' || b[i-1] == '=')
	}
	return !a.IsLoopback() && !a.IsUnspecified() && !a.IsMulticast() && !(a.Is4() && a.As4()[0] == 0) && !(a.Is4() && a.As4()[0] == 255)
}

// excludedContext reports whether the address at b[i:] is not the sender's.
func excludedContext(b []byte, i int, s string) bool {
	before := b[:i]
	if bytes.HasSuffix(before, []byte("returnc/pub/")) || bytes.HasSuffix(before, []byte("dns ip: ")) ||
		bytes.HasSuffix(before, []byte("resolver ")) || bytes.HasSuffix(before, []byte("resolver: ")) {
		return true
	}
	// Yahoo: "… deferred due to user complaints - 4.16.55.1; see …"
	if (s[0] == '4' || s[0] == '5') && s[1] == '.' && (bytes.HasSuffix(before, []byte("- ")) || bytes.HasSuffix(before, []byte("\xe2\x80\x93 "))) {
		return true
	}
	return false
}

// scanV4 reads a dotted quad at b[i:]. ok: four decimal groups (validity
// is checked by the caller); mask: four groups of which some are masked
// ("x", "xx", "***", "ip1", "⋆"). end is the index after it, or i when
// there is no dotted quad.
func scanV4(b []byte, i int) (end int, ok, mask bool) {
	j := i
	masked := false
	for g := 0; g < 4; g++ {
		if g > 0 {
			if j >= len(b) || b[j] != '.' {
				return i, false, false
			}
			j++
		}
		start := j
		digits := 0
		for j < len(b) && j-start < 12 {
			c := b[j]
			if isDigit(c) {
				digits++
			} else if c == 'x' || c == 'y' || c == '*' || c == '#' {
				masked = true
			} else if c == 'i' && j+1 < len(b) && b[j+1] == 'p' {
				masked = true
				j++
			} else if c >= 0x80 {
				masked = true
			} else {
				break
			}
			j++
		}
		n := j - start
		if n == 0 || !masked && n > 3 {
			return i, false, false
		}
	}
	// Not part of a longer dotted run (1.2.3.4.5) or a word.
	if j < len(b) && (isAlnum(b[j]) || b[j] == '.' && j+1 < len(b) && isAlnum(b[j+1])) {
		return i, false, false
	}
	if masked {
		return j, false, true
	}
	return j, true, false
}

// scanV6 reads a run of hex digits and colons with at least two colons.
func scanV6(b []byte, i int) int {
	j := i
	colons := 0
	for j < len(b) && j-i < 45 && (isHex(b[j]) || b[j] == ':' || b[j] == '.' && colons >= 2) {
		if b[j] == ':' {
			colons++
		}
		j++
	}
	if colons < 2 || j < len(b) && isAlnum(b[j]) {
		return i
	}
	for j > i && (b[j-1] == '.' || b[j-1] == ':' && (j-2 < i || b[j-2] != ':')) {
		j--
	}
	return j
}

// findDomain returns the domain a domain list (DBL, SURBL, URIBL) names:
// from "sender address [a@d]", "/query/domain/d", "domain=d", "domain d
// listed" or "client host [d]".
func findDomain(b []byte) string {
	for _, key := range [][]byte{
		[]byte("sender address ["), []byte("sender address <"), []byte("sender address: <"), []byte("sender address: "),
		[]byte("mail from <"), []byte("mailfrom <"),
	} {
		if k := bytes.Index(b, key); k >= 0 {
			rest := b[k+len(key):]
			end := bytes.IndexAny(rest, "]> ;,")
			if end < 0 {
				end = len(rest)
			}
			addr := rest[:end]
			if at := bytes.LastIndexByte(addr, '@'); at >= 0 {
				if d := domainAt(addr[at+1:]); d != "" {
					return d
				}
			}
		}
	}
	for _, key := range [][]byte{
		[]byte("/query/domain/"), []byte("/query/dbl?domain="), []byte("domain="), []byte("domain "), []byte("client host ["), []byte("helo command ["), []byte("uri "),
	} {
		for off := 0; off < len(b); {
			k := bytes.Index(b[off:], key)
			if k < 0 {
				break
			}
			rest := b[off+k+len(key):]
			if d := domainAt(rest); d != "" {
				return d
			}
			off += k + len(key)
		}
	}
	return ""
}

// domainAt reads a domain name at the start of b; "" when there is none
// (or it is an IP address).
func domainAt(b []byte) string { return string(domainAtBytes(b)) }

// domainAtBytes is domainAt as a view of b (nil when there is none).
func domainAtBytes(b []byte) []byte {
	j := 0
	for j < len(b) && j < 253 && (isAlnum(b[j]) || b[j] == '.' || b[j] == '-') {
		j++
	}
	d := bytes.Trim(b[:j], ".-")
	// (glued to a letter outside ASCII, "mail.ruж", it is part of a word)
	if len(d) < 3 || bytes.IndexByte(d, '.') < 0 || bytes.Contains(d, []byte("..")) || j < len(b) && b[j] >= utf8.RuneSelf && b[j-1] != '.' && b[j-1] != '-' && wordRuneAfter(b, j) {
		return nil
	}
	allDigits := true
	for _, c := range d {
		if !isDigit(c) && c != '.' {
			allDigits = false
			break
		}
	}
	last := d[bytes.LastIndexByte(d, '.')+1:]
	if allDigits || len(last) < 2 {
		return nil
	}
	for _, c := range last {
		if isDigit(c) {
			return nil
		}
	}
	return d
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' }
func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c == '_' }

// ipv6Tag reports whether the text before i is the "IPv6:" tag of an
// address literal (RFC 5321 §4.1.3), as sendmail writes a client's IPv6
// address in its replies: "Rejected: IPv6:2001:db8::25 listed at …".
func ipv6Tag(b []byte, i int) bool {
	if i < 5 || i > 5 && isAlnum(b[i-6]) {
		return false
	}
	t := b[i-5 : i]
	return (t[0] == 'i' || t[0] == 'I') && (t[1] == 'p' || t[1] == 'P') && (t[2] == 'v' || t[2] == 'V') && t[3] == '6' && t[4] == ':'
}
