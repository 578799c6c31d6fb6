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

const hexDigits = "0123456789abcdef"

// keep marks, for each byte, the runs that keep it: safe, the bytes
// encoding/json writes as they are (with HTML escaping: ASCII from the
// space on but '"', '\\', '<', '>' and '&', DEL too); print, those but DEL.
var keep = func() (t [256]uint8) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		if c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			t[c] = safe | print
		}
	}
	t[0x7f] = safe
	return t
}()

const (
	safe  = 1
	print = 2
)

// safeRun is how many bytes at the start of s encoding/json writes as
// they are: most of a report's or a stored row's text.
func safeRun(s string) int { return run(s, safe) }

// printRun is how many bytes at the start of s are printable ASCII that
// Append writes as they are (not DEL either).
func printRun(s string) int { return run(s, print) }

// run is how many bytes at the start of s keep marks with bit. It reads
// sixteen bytes at a time, then eight, their marks and'ed: two loads and
// an and a byte, ~2.2 instructions a byte, where a test of eight bytes as
// one word (shifts, adds and masks) took ~5.5 — the texts of a
// dense log's report are ~3.7 MB, most of what its quoting costs.
func run(s string, bit uint8) int {
	i := 0
	for ; i+16 <= len(s); i += 16 {
		t := s[i : i+16]
		if keep[t[0]]&keep[t[1]]&keep[t[2]]&keep[t[3]]&keep[t[4]]&keep[t[5]]&keep[t[6]]&keep[t[7]]&
			keep[t[8]]&keep[t[9]]&keep[t[10]]&keep[t[11]]&keep[t[12]]&keep[t[13]]&keep[t[14]]&keep[t[15]]&bit == 0 {
			break
		}
	}
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		if keep[t[0]]&keep[t[1]]&keep[t[2]]&keep[t[3]]&keep[t[4]]&keep[t[5]]&keep[t[6]]&keep[t[7]]&bit == 0 {
			break
		}
	}
	for i < len(s) && keep[s[i]]&bit != 0 {
		i++
	}
	return i
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
