package dnsbl

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTXT bounds the reason text kept from a list's TXT answer, in bytes.
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
// sanitises the result: it is remote, attacker-controlled text.
func txtText(records [][]string) string {
	var parts []string
	seen := map[string]bool{}
	for _, rr := range records {
		var raw []byte
		for _, s := range rr {
			raw = append(raw, unescapeTXT(s)...)
		}
		t := Sanitize(string(raw), MaxTXT)
		if t != "" && !seen[t] {
			seen[t] = true
			parts = append(parts, t)
		}
	}
	return Sanitize(strings.Join(parts, "; "), MaxTXT)
}

// Sanitize makes remote text safe to show and to put in a mail header or a
// log line: invalid UTF-8 becomes U+FFFD, control characters (CR, LF, tab,
// NUL, C1 controls) and other non-graphic runes such as bidirectional
// overrides become spaces, runs of spaces collapse to one, and the result
// is trimmed and cut to at most max bytes on a rune boundary (with "…"
// when cut). HTML escaping is left to whoever renders HTML.
func Sanitize(s string, max int) string {
	var b strings.Builder
	space := false
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		// An invalid byte decodes as utf8.RuneError (U+FFFD), which is kept.
		if unicode.IsSpace(r) || !unicode.IsGraphic(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	out := b.String()
	if max > 0 && len(out) > max {
		ell := "…"
		if max < len(ell) {
			ell = ""
		}
		cut := max - len(ell)
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = strings.TrimRight(out[:cut], " ") + ell
	}
	return out
}
