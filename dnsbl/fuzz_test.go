package dnsbl

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"192.0.2.1", "2001:db8::1", "::ffff:1.2.3.4", "Example.COM.", "bücher.example", "a..b", "\xff", "1.2.3", "fe80::1%eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		for _, z := range []Zone{{Name: "zen.example"}, {Name: "dbl.example", Domain: true}} {
			q, err := QueryName(z, tg)
			if err != nil {
				continue
			}
			if len(q) > 254 || !isHostname(strings.TrimSuffix(q, ".")) {
				t.Errorf("ParseTarget(%q) gives query name %q", s, q)
			}
		}
	})
}

// FuzzTXTText: whatever the TXT strings, the text kept is one sanitised
// line of at most MaxTXT runes (and "…").
func FuzzTXTText(f *testing.F) {
	for _, s := range []string{"Listed\r\nBcc: x", "\xff\xfe", "\u202eevil", "日本語", `\013\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		txt := txtText([][]string{{s}})
		if utf8.RuneCountInString(txt) > MaxTXT+1 || !utf8.ValidString(txt) || strings.ContainsAny(txt, "\r\n") {
			t.Fatalf("txtText(%q) = %q", s, txt)
		}
		for _, r := range txt {
			if sanitize.Unsafe(r) {
				t.Fatalf("txtText(%q) = %q keeps %U", s, txt, r)
			}
		}
	})
}
