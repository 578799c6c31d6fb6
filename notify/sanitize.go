package notify

import (
	"net/netip"
	"strings"
)

// Length limits, in runes, for text from the outside. The text itself
// passes through the one sanitizer, sanitize.Line.
const (
	maxReply  = 500  // a remote reply or TXT answer
	maxSample = 1000 // a log line
	maxField  = 254  // an address, host name or queue id
)

// headerSafe reports whether s can go into a header as it is: printable
// ASCII without specials that could end or extend a header.
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// validTarget returns the canonical form of a listed IP address or domain
// name, and whether it is one. Anything else (a mask such as "x.x.x.x", a
// text with spaces, a name with odd characters) is not a valid target and is
// kept out of headers and links.
func validTarget(s string) (target string, isIP bool, ok bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Zone() != "" {
			return "", false, false
		}
		return a.Unmap().String(), true, true
	}
	if validHostname(s) {
		return strings.ToLower(strings.TrimSuffix(s, ".")), false, true
	}
	return "", false, false
}

// validHostname accepts an LDH domain name with at least two labels whose
// top-level label has two characters or more and is not all digits; a mask
// made of x's is refused.
func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		return false
	}
	// "xxx.xxx.xxx.xxx" and "x.x.x.x" are masked addresses, not names.
	mask := true
	for _, l := range labels {
		if strings.Trim(l, "xX") != "" {
			mask = false
		}
	}
	return !mask
}

// validLabel accepts one LDH label that is not all digits: a host name
// without a domain ("mail").
func validLabel(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' || strings.Trim(s, "0123456789") == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
