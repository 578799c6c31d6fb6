package dnsbl

import (
	"strings"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// MaxTXT bounds the reason text kept from a list's TXT answer, in runes
// (then "…").
const MaxTXT = 512

// unescapeTXT turns one TXT character-string as github.com/miekg/dns
// presents it ("\\\"" for a quote, "\\DDD" for other bytes outside
// printable ASCII) back into its raw bytes.
func unescapeTXT(s string) []byte {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if v <= 255 {
				b = append(b, byte(v))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return b
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// txtText joins the character-strings of each TXT record (a record's strings
// are one text split in 255-byte pieces) and the records with "; ", then
// sanitises the result with the one sanitizer (internal/sanitize): it is
// remote, attacker-controlled text.
func txtText(records [][]string) string {
	var parts []string
	seen := map[string]bool{}
	for _, rr := range records {
		var raw []byte
		for _, s := range rr {
			raw = append(raw, unescapeTXT(s)...)
		}
		t := sanitize.Line(string(raw), MaxTXT)
		if t != "" && !seen[t] {
			seen[t] = true
			parts = append(parts, t)
		}
	}
	return sanitize.Line(strings.Join(parts, "; "), MaxTXT)
}
