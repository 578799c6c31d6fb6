// Package sanitize is rblwatch's one policy for untrusted text: reply texts
// from remote SMTP servers, Postfix log lines, DNS TXT answers, addresses
// and host names from the log. Every place that shows such text to a person
// — notices (email, webhook, Slack, Alertmanager annotations), the replay
// report, `explain`, `messages` — passes it through Line, so that it can
// never start a new line, forge a header, move the terminal's cursor,
// reorder what the reader sees, or hide characters.
//
// Escaping for a markup (HTML, Slack's mrkdwn, JSON) is not this package's
// job: it stays with the renderer, after Line.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/swar"
)

// Replacement marks a character that was taken out.
const Replacement = '\uFFFD'

// Ellipsis ends a text that was cut.
const Ellipsis = "…"

// maxMarks is how many combining marks may follow one base character;
// more (a "Zalgo" text that spills over the lines around it) are dropped.
// Real scripts need two or three.
const maxMarks = 8

// Line returns s as one line of valid UTF-8 that is safe to show as plain
// text:
//
//   - a tab, line feed, carriage return, vertical tab, form feed, NEL
//     (U+0085), line and paragraph separators (U+2028, U+2029) become a
//     space: a folded line reads as one line;
//   - every other character that is not visible text becomes U+FFFD:
//     invalid UTF-8, C0 and C1 controls (ESC starts terminal sequences),
//     DEL, bidirectional overrides, embeddings, isolates and marks (U+202A–
//     U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width and other
//     format characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD, tags …),
//     invisible fillers (U+115F, U+1160, U+3164, U+FFA0, U+034F), private-
//     use and unassigned code points;
//   - combining marks beyond 8 in a row are dropped;
//   - surrounding spaces are trimmed;
//   - beyond max runes (max > 0) the text is cut and "…" appended.
//
// Spaces inside the text are kept as they are (a log line's "Mar  4" stays),
// and so are the ideographic space and other visible spacing.
func Line(s string, max int) string {
	if max > 0 && len(s) > 4*max+4 {
		// A rune is at most 4 bytes: the rest cannot be shown anyway. Keep a
		// little more, so that the cut below still sees there was more.
		s = s[:4*max+4]
	}
	if clean(s) && (max <= 0 || len(s) <= max) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(min(len(s), 4*max+4))
	n, marks, cut := 0, 0, false
	for i := 0; i < len(s); {
		if Printable(s[i]) {
			// A run of printable ASCII is kept as it is, a rune a byte
			// and no mark: written at once. Rune by rune (decoded, tested
			// for a mark, written) it cost ~250 instructions a byte, and
			// a log line with one accent or control in it is mostly such
			// runs (TestLineByRuns holds it to the rune by rune loop).
			if max > 0 && n == max {
				cut = !blank(s[i:])
				break
			}
			j := i + 1
			for j < len(s) && Printable(s[j]) {
				j++
			}
			if max > 0 {
				j = min(j, i+max-n)
			}
			b.WriteString(s[i:j])
			n, marks, i = n+j-i, 0, j
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			r = Replacement
		case lineSpace(r):
			r = ' '
		case Unsafe(r):
			r = Replacement
		}
		if unicode.In(r, unicode.Mn, unicode.Me) {
			if marks++; marks > maxMarks {
				continue
			}
		} else {
			marks = 0
		}
		if max > 0 && n == max {
			cut = !blank(s[i-size:])
			break
		}
		b.WriteRune(r)
		n++
	}
	out := strings.TrimSpace(b.String())
	if cut {
		out = strings.TrimRight(out, " ") + Ellipsis
	}
	return out
}

// blank reports whether s is only spaces and line breaks: a text cut
// before them is not marked as cut (they would be trimmed anyway).
func blank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return r == ' ' || lineSpace(r) }) == ""
}

// Printable reports whether Line keeps the byte c as it is wherever it
// stands in a text: printable ASCII (a space too, but Line trims the
// spaces around a text). A text of such bytes is its own Line, trimmed
// and cut past max; jsonstr.AppendLine quotes such a text as it reads it.
func Printable(c byte) bool { return c >= 0x20 && c <= 0x7e }

// clean reports whether s is printable ASCII (the common case: Line then
// only trims). It tests eight bytes at a time: a report passes every text
// of every incident through Line, and the byte at a time loop was most of
// Line's cost.
func clean(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; len(s) >= 8; s = s[8:] {
		w := swar.Word(s)
		// A byte below 0x20 (w-0x20… borrows into its high bit where the
		// byte had none), at or above 0x7f (adding 1 sets its high bit, or
		// it was set): exact tests of "some byte is", not of which.
		if (w-0x20*ones)&^w&highs != 0 || ((w+ones)|w)&highs != 0 {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// lineSpace reports the characters that break or indent a line, which Line
// turns into a space.
func lineSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// Unsafe reports whether Line takes r out of a text (as a space or as
// U+FFFD): it is not visible text, or it changes how the text around it is
// shown. It is the policy's single rune test; JSON output that keeps a text
// whole escapes exactly these runes (as \u sequences) instead.
func Unsafe(r rune) bool {
	switch {
	case r == ' ':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r < 0x7f:
		return false
	case r == Replacement:
		return false
	case lineSpace(r):
		return true
	case unicode.Is(unicode.Cf, r): // bidi controls, zero-width, tags, soft hyphen …
		return true
	}
	switch r {
	case '\u034f', '\u115f', '\u1160', '\u3164', '\uffa0', '\u180e', '\u2800':
		// Combining grapheme joiner, Hangul and halfwidth fillers, the old
		// Mongolian vowel separator and the blank Braille pattern: letters
		// or symbols by category, invisible in practice.
		return true
	}
	// Controls (C1), private use, surrogates and unassigned code points are
	// not graphic; spaces (Zs) and marks are.
	return !unicode.IsGraphic(r)
}
