package dnsbl

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"Listed in zen.test", 100, "Listed in zen.test"},
		{"  a\r\nBcc: victim@example.com\r\n\r\nbody", 100, "a Bcc: victim@example.com body"},
		{"tab\there\x00nul\x1b[31mred", 100, "tab here nul [31mred"},
		{"bad \xff\xfe utf8", 100, "bad \ufffd\ufffd utf8"},
		{"bidi \u202eevil\u202c end", 100, "bidi evil end"},
		{"c1 \u0085next line", 100, "c1 next line"},
		{"<script>alert(1)</script>", 100, "<script>alert(1)</script>"}, // HTML escaping is the renderer's job
		{"日本語のテキスト", 100, "日本語のテキスト"},
		{"abcdefghij", 8, "abcde…"},
		{"日本語のテキスト", 10, "日本…"}, // cut on a rune boundary
		{"", 10, ""},
		{"abcdef", 2, "ab"}, // no room for "…"
	}
	for _, tt := range tests {
		got := Sanitize(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("Sanitize(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if len(got) > tt.max || !utf8.ValidString(got) || strings.ContainsAny(got, "\r\n") {
			t.Errorf("Sanitize(%q, %d) = %q: too long, invalid or multi-line", tt.in, tt.max, got)
		}
	}
}

func TestTXTText(t *testing.T) {
	tests := []struct {
		name    string
		records [][]string
		want    string
	}{
		{"one", [][]string{{"Listed, see https://x.test/q?1.2.3.4"}}, "Listed, see https://x.test/q?1.2.3.4"},
		{"split string joined", [][]string{{"part one ", "part two"}}, "part one part two"},
		{"records joined, duplicates dropped", [][]string{{"a"}, {"b"}, {"a"}}, "a; b"},
		// As github.com/miekg/dns presents bytes outside printable ASCII.
		{"escapes", [][]string{{`say \"hi\" \\ \013\010Bcc: x`}}, `say "hi" \ Bcc: x`},
		{"utf8 escaped", [][]string{{`\230\151\165\230\156\172`}}, "日本"},
		{"invalid escape kept", [][]string{{`\999x\`}}, `999x\`},
		{"empty", nil, ""},
		{"long", [][]string{{strings.Repeat("x", 255), strings.Repeat("y", 255), strings.Repeat("z", 255)}}, strings.Repeat("x", 255) + strings.Repeat("y", 254) + "…"},
	}
	for _, tt := range tests {
		if got := txtText(tt.records); got != tt.want {
			t.Errorf("%s: txtText = %q, want %q", tt.name, got, tt.want)
		}
	}
}
