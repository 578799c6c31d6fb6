// Package reply parses SMTP server replies the way Postfix logs them.
//
// A reply is the text a remote server sent, as found after "said:" or
// "refused to talk to me:" in a Postfix log line, or after "smtp;" in a
// Diagnostic-Code. Multi-line replies arrive joined by single spaces with each
// line's "550-5.7.1" prefix kept; Parse keeps Text as it was and Message strips
// those prefixes.
package reply

import (
	"fmt"
	"strings"
)

// Reply is a parsed SMTP reply, modelled on go-smtp's SMTPError.
type Reply struct {
	Code     int    // basic reply code (550); 0 when the text carries none
	Enhanced string // RFC 3463 enhanced status code ("5.7.1"); "" when absent
	Text     string // the reply as logged, surrounding space trimmed
}

// Parse splits a reply text into its code, enhanced code and text. It never
// fails: a text without a code yields Code 0 and the whole text.
func Parse(s string) Reply {
	s = strings.TrimSpace(s)
	// "250 2.0.0 Ok: queued as …", "550 5.7.1 …": a code, a space and an
	// enhanced code of one-digit parts, read at once. Postfix's parser
	// asks this of every delivery line, and cutCode and cutEnhanced (with
	// their strings.TrimLeft) took 200 instructions to find the same.
	if len(s) >= 10 && s[3] == ' ' && s[5] == '.' && s[7] == '.' && s[9] == ' ' &&
		s[0] >= '2' && s[0] <= '5' && digit(s[1]) && digit(s[2]) &&
		(s[4] == '2' || s[4] == '4' || s[4] == '5') && digit(s[6]) && digit(s[8]) {
		return Reply{Code: int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0'), Enhanced: s[4:9], Text: s}
	}
	return parseTrimmed(s)
}

// parseTrimmed is Parse of a text without surrounding space, in every form.
func parseTrimmed(s string) Reply {
	r := Reply{Text: s}
	code, rest, ok := cutCode(s)
	if !ok {
		// Some sources give only an enhanced code ("5.7.1 text").
		if enh, _, ok := cutEnhanced(s); ok {
			r.Enhanced = enh
		}
		return r
	}
	r.Code = code
	if enh, _, ok := cutEnhanced(rest); ok {
		r.Enhanced = enh
	}
	return r
}

// Temporary reports whether the reply is a transient (4xx) failure. Without a
// basic code the enhanced code's class decides.
func (r Reply) Temporary() bool {
	if r.Code != 0 {
		return r.Code >= 400 && r.Code < 500
	}
	return strings.HasPrefix(r.Enhanced, "4.")
}

// Permanent reports whether the reply is a permanent (5xx) failure.
func (r Reply) Permanent() bool {
	if r.Code != 0 {
		return r.Code >= 500 && r.Code < 600
	}
	return strings.HasPrefix(r.Enhanced, "5.")
}

// Message returns the human text: the leading code and enhanced code removed,
// and the "550-5.7.1 " continuation prefixes of a joined multi-line reply
// removed too, so the sentences read as one.
func (r Reply) Message() string {
	s := r.Text
	var b strings.Builder
	first := true
	for {
		code, rest, ok := cutCode(s)
		if ok && (first || code == r.Code) {
			s = rest
			if _, rest2, ok := cutEnhanced(s); ok {
				s = rest2
			}
		}
		first = false
		// Find the next continuation prefix "NNN-" or "NNN " belonging to
		// this reply (same code), preceded by a space.
		next := nextPrefix(s, r.Code)
		if next < 0 {
			b.WriteString(strings.TrimSpace(s))
			break
		}
		b.WriteString(strings.TrimSpace(s[:next]))
		b.WriteByte(' ')
		s = s[next:]
	}
	return strings.TrimSpace(b.String())
}

func (r Reply) Error() string {
	return fmt.Sprintf("SMTP reply %d %s: %s", r.Code, r.Enhanced, r.Message())
}

// nextPrefix finds " NNN-" or " NNN " (NNN == code) in s and returns the index
// just after the space, or -1. A zero code never matches.
func nextPrefix(s string, code int) int {
	if code == 0 {
		return -1
	}
	want := fmt.Sprintf("%03d", code)
	for i := 0; i+5 <= len(s); i++ {
		if s[i] != ' ' || s[i+1:i+4] != want {
			continue
		}
		if c := s[i+4]; c == '-' || c == ' ' {
			return i + 1
		}
	}
	return -1
}

// cutCode reads "NNN" followed by '-', ' ', ':' (some MTAs write "550:5.7.1"
// or "550: text"), a letter (a page's table that glues the code to the
// text: "421HL:REP …") or the end.
func cutCode(s string) (int, string, bool) {
	if len(s) < 3 || !digit(s[0]) || !digit(s[1]) || !digit(s[2]) {
		return 0, s, false
	}
	if s[0] < '2' || s[0] > '5' {
		return 0, s, false
	}
	glued := len(s) > 3 && (s[3] >= 'A' && s[3] <= 'Z' || s[3] >= 'a' && s[3] <= 'z')
	if len(s) > 3 && s[3] != '-' && s[3] != ' ' && s[3] != ':' && !glued {
		return 0, s, false
	}
	code := int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	rest := ""
	switch {
	case glued:
		// A table that prints the code against the text ("421HL:REP …").
		rest = s[3:]
	case len(s) > 3:
		rest = strings.TrimLeft(s[4:], " ")
	}
	return code, rest, true
}

// cutEnhanced reads "C.SSS.DDD" (class 2, 4 or 5; subject and detail 1-3
// digits) followed by a space or the end.
func cutEnhanced(s string) (string, string, bool) {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return "", s, false
	}
	i := 2
	n := 0
	for i < len(s) && digit(s[i]) {
		i++
		n++
	}
	if n == 0 || n > 3 || i >= len(s) || s[i] != '.' {
		return "", s, false
	}
	i++
	n = 0
	for i < len(s) && digit(s[i]) {
		i++
		n++
	}
	if n == 0 || n > 3 {
		return "", s, false
	}
	if i < len(s) && s[i] != ' ' {
		return "", s, false
	}
	enh := s[:i]
	rest := strings.TrimLeft(s[i:], " ")
	return enh, rest, true
}

func digit(c byte) bool { return c >= '0' && c <= '9' }
