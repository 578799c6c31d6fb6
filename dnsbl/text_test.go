package dnsbl

import (
	"strings"
	"testing"
)

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
		{"escapes", [][]string{{`say \"hi\" \\ \013\010Bcc: x`}}, "say \"hi\" \\   Bcc: x"}, // \DDD is decimal: CR LF
		{"utf8 escaped", [][]string{{`\230\151\165\230\156\172`}}, "日本"},
		{"invalid escape kept", [][]string{{`\999x\`}}, `999x\`},
		{"empty", nil, ""},
		{"long", [][]string{{strings.Repeat("x", 255), strings.Repeat("y", 255), strings.Repeat("z", 255)}}, strings.Repeat("x", 255) + strings.Repeat("y", 255) + strings.Repeat("z", MaxTXT-510) + "…"},
	}
	for _, tt := range tests {
		if got := txtText(tt.records); got != tt.want {
			t.Errorf("%s: txtText = %q, want %q", tt.name, got, tt.want)
		}
	}
}
