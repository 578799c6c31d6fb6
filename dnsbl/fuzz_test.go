package dnsbl

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"Listed\r\nBcc: x", "\xff\xfe", "\u202eevil", "日本語", `\013\"`} {
		f.Add(s, 20)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 1000 {
			max = 64
		}
		got := Sanitize(s, max)
		if len(got) > max || !utf8.ValidString(got) {
			t.Fatalf("Sanitize(%q, %d) = %q: too long or invalid", s, max, got)
		}
		for _, r := range got {
			if r != ' ' && (unicode.IsSpace(r) || !unicode.IsGraphic(r)) {
				t.Fatalf("Sanitize(%q) = %q keeps %U", s, got, r)
			}
		}
		if txt := txtText([][]string{{s}}); len(txt) > MaxTXT || !utf8.ValidString(txt) || strings.ContainsAny(txt, "\r\n") {
			t.Fatalf("txtText(%q) = %q", s, txt)
		}
	})
}
