package incident

import (
	"strings"
	"testing"
)

// TestDomainOf checks the word-at-a-time domainOf against its definition
// (the text after the last '@', "" without one, lower-cased when it holds
// an ASCII capital) for addresses whose '@' and capitals fall at every
// position of an eight-byte word.
func TestDomainOf(t *testing.T) {
	def := func(addr string) string {
		i := strings.LastIndexByte(addr, '@')
		if i < 0 {
			return ""
		}
		if d := addr[i+1:]; strings.ContainsAny(d, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			return strings.ToLower(d)
		}
		return addr[i+1:]
	}
	cases := []string{
		"", "@", "a@", "@b", "user@example.com", "User@Example.COM", "j.smith1574@fieldriver760.example.net",
		"a@b@c.example", "A@B@c.example", "x@Y", "no-at-sign.example.com", "ÉCOLE@ÉCOLE.example", "u@bücher.Example",
		"\"a@b\"@mx.example.org", "postmaster@[192.0.2.1]", "u@ex\xffAMPLE.com", "u@\x80\xc1\xdaZ", "u@Ü.example", "u@ÜÉ.ÀÖ.example.org", "U@ü.Ü.example", "ÜÜÜÜÜÜÜÜÜ@Ü",
	}
	// Every placement of '@' and of one capital in addresses of 0 to 24 bytes.
	for n := 0; n <= 24; n++ {
		for at := -1; at < n; at++ {
			for up := -1; up < n; up++ {
				b := []byte(strings.Repeat("x", n))
				if up >= 0 {
					b[up] = 'Q'
				}
				if at >= 0 {
					b[at] = '@'
				}
				cases = append(cases, string(b))
			}
		}
	}
	for _, addr := range cases {
		if got, want := domainOf(addr), def(addr); got != want {
			t.Errorf("domainOf(%q) = %q, want %q", addr, got, want)
		}
	}
}
