// Package jsonstr quotes a string as encoding/json does (json.Marshal of a
// string: HTML escaping on, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped), byte for byte, without reflection. The report's hand-written
// encoder and the store's recipient lists write many strings each, and
// encoding/json's per-byte escaping was the largest part of their cost;
// one quoter serves both, so what they store and print is the same JSON.
package jsonstr

import (
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// jsonSafe marks the ASCII bytes encoding/json writes as they are (with
// HTML escaping): printable, not '"', '\\', '<', '>' or '&'.
var jsonSafe = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// safeRun is how many bytes at the start of s encoding/json writes as
// they are (jsonSafe): most of a report's or a stored row's text, tested
// eight bytes at a time.
func safeRun(s string) int {
	n := 0
	for ; n+8 <= len(s) && escapes(word(s[n:n+8])) == 0; n += 8 {
	}
	for n < len(s) && jsonSafe[s[n]] {
		n++
	}
	return n
}

const ones, highs = 0x0101010101010101, 0x8080808080808080

// word is t[:8] as a little-endian word.
func word(t string) uint64 {
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

// escapes is not 0 when a byte of w is one encoding/json does not write as
// it is (an exact test of "some byte is", not of which). A byte below 0x20
// or at or above 0x80 sets its high bit in (w-0x20…)|w. x-ones&^x has a
// high bit where x has a zero byte (a borrow reaches a byte's high bit only
// from a zero byte below it): '"' or '&' (0x22, 0x26, the same with bit
// 0x04 set), '<' or '>' (0x3c, 0x3e, with bit 0x02), '\\'.
func escapes(w uint64) uint64 {
	q := w | 0x04*ones ^ 0x26*ones
	a := w | 0x02*ones ^ 0x3e*ones
	b := w ^ '\\'*ones
	return ((w - 0x20*ones) | w | (q-ones)&^q | (a-ones)&^a | (b-ones)&^b) & highs
}

// Append appends s quoted as encoding/json quotes a string
// (escapeHTML on): the same escapes, invalid UTF-8 as \ufffd, U+2028 and
// U+2029 escaped.
func Append(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if i += safeRun(s[i:]); i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			start = i + size
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendLine appends sanitize.Line(s, max) quoted as Append quotes it,
// reading s once where Line then Append read it twice: a JSON report's
// samples (the log lines of its incidents) are a quarter of its bytes, each
// read from memory by the sanitizer and then again by the quoter. A text
// that Line keeps as it is — printable ASCII (sanitize.Printable), neither
// beginning nor ending with a space, at most max bytes (max > 0) — is
// quoted as it is read; any other (a control, a byte outside ASCII, a
// space to trim, a text to cut) goes through Line first. TestAppendLine and
// FuzzAppendLine hold it to Append(dst, sanitize.Line(s, max)).
func AppendLine(dst []byte, s string, max int) []byte {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || max > 0 && len(s) > max {
		return Append(dst, sanitize.Line(s, max))
	}
	start := len(dst)
	dst = append(dst, '"')
	from := 0
	for i := 0; ; i++ {
		if i += printRun(s[i:]); i == len(s) {
			break
		}
		c := s[i]
		if !sanitize.Printable(c) {
			return Append(dst[:start], sanitize.Line(s, max))
		}
		// '"', '\\', '<', '>' or '&', as Append escapes them.
		dst = append(dst, s[from:i]...)
		if c == '"' || c == '\\' {
			dst = append(dst, '\\', c)
		} else {
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		from = i + 1
	}
	dst = append(dst, s[from:]...)
	return append(dst, '"')
}

// printRun is how many bytes at the start of s are printable ASCII that
// Append writes as they are (jsonSafe, not DEL), eight at a time.
func printRun(s string) int {
	n := 0
	// escapes, or DEL: adding 1 to 0x7f sets its high bit (a carry comes
	// only out of 0xff, itself at or above 0x80).
	for ; n+8 <= len(s); n += 8 {
		if w := word(s[n : n+8]); escapes(w)|(w+ones)&highs != 0 {
			break
		}
	}
	for n < len(s) && jsonSafe[s[n]] && s[n] != 0x7f {
		n++
	}
	return n
}
