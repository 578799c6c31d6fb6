package sanitize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"plain", "plain text", 100, "plain text"},
		{"trimmed", "  trimmed\t", 100, "trimmed"},
		{"inner spaces kept", "Mar  4 09:26:03 mail", 100, "Mar  4 09:26:03 mail"},
		{"header injection", "a\r\nBcc: x", 100, "a  Bcc: x"},
		{"tab, VT, FF", "tab\there\vvt\fff", 100, "tab here vt ff"},
		{"NEL, LS, PS", "a\u0085b\u2028c\u2029d", 100, "a b c d"},
		{"invalid UTF-8", "bad\xffbyte\xc3\x28", 100, "bad\uFFFDbyte\uFFFD("},
		{"NUL, DEL", "nul\x00del\x7f", 100, "nul\uFFFDdel\uFFFD"},
		{"terminal escape", "\x1b[31mred\x1b]0;title\x07", 100, "\uFFFD[31mred\uFFFD]0;title\uFFFD"},
		{"C1 CSI", "\u009b31mred", 100, "\uFFFD31mred"},
		{"bidi override", "bidi\u202eevil\u202c", 100, "bidi\uFFFDevil\uFFFD"},
		{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", 100, "\uFFFDa\uFFFDb\uFFFDc\uFFFD"},
		{"bidi marks", "a\u200eb\u200fc\u061cd", 100, "a\uFFFDb\uFFFDc\uFFFDd"},
		{"zero width", "spam\u200bhaus\u200c.\u200dorg\u2060\ufeff", 100, "spam\uFFFDhaus\uFFFD.\uFFFDorg\uFFFD\uFFFD"},
		{"soft hyphen", "spam\u00adhaus", 100, "spam\uFFFDhaus"},
		{"tag characters", "a\U000E0041\U000E007Fb", 100, "a\uFFFD\uFFFDb"},
		{"invisible fillers", "a\u3164b\uffa0c\u115fd\u034fe", 100, "a\uFFFDb\uFFFDc\uFFFDd\uFFFDe"},
		{"private use", "a\ue000b", 100, "a\uFFFDb"},
		{"Zalgo", "Z" + strings.Repeat("\u0301", 30) + "a", 100, "Z" + strings.Repeat("\u0301", 8) + "a"},
		{"accents kept", "Cafe\u0301 na\u0308ive", 100, "Cafe\u0301 na\u0308ive"},
		{"Japanese with ideographic space", "日本語　テキスト", 100, "日本語　テキスト"},
		{"markup is left to the renderer", "<script>alert(1)</script>", 100, "<script>alert(1)</script>"},
		{"cut in runes", "日本語のテキスト", 3, "日本語…"},
		{"exactly", "exactly", 7, "exactly"},
		{"one more", "exactly!", 7, "exactly…"},
		{"only spaces after the cut", "exactly   \r\n", 7, "exactly"},
		{"no space before the ellipsis", "ab cd", 3, "ab…"},
		{"replacement kept", "\uFFFD", 10, "\uFFFD"},
		{"no limit", strings.Repeat("a", 5000), 0, strings.Repeat("a", 5000)},
		{"empty", "", 10, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Line(tc.in, tc.max)
			if got != tc.want {
				t.Errorf("Line(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
			}
			checkLine(t, tc.in, tc.max, got)
		})
	}
}

// TestLineHuge: a megabyte in, at most max runes out, quickly.
func TestLineHuge(t *testing.T) {
	huge := strings.Repeat("\u202eA\r\n", 1<<18)
	got := Line(huge, 500)
	if n := utf8.RuneCountInString(got); n < 490 || n > 501 || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("%d runes, ends %q", n, got[len(got)-8:])
	}
	checkLine(t, huge, 500, got)
}

func TestUnsafe(t *testing.T) {
	for _, r := range []rune{0, '\t', '\n', '\r', 0x1b, 0x7f, 0x85, 0x9b, '\u200b', '\u200e', '\u202e', '\u2066', '\u2028', '\ufeff', '\U000E0001', '\ue000', '\u3164', 0x10FFFF} {
		if !Unsafe(r) {
			t.Errorf("Unsafe(%U) = false", r)
		}
	}
	for _, r := range []rune{' ', 'a', '~', 'é', '\u0301', '日', '　', '\u00a0', '…', '\uFFFD', '😀'} {
		if Unsafe(r) {
			t.Errorf("Unsafe(%U) = true", r)
		}
	}
}

// checkLine holds the invariants of Line's output.
func checkLine(t *testing.T, in string, max int, got string) {
	t.Helper()
	if !utf8.ValidString(got) {
		t.Fatalf("Line(%q) = %q: invalid UTF-8", in, got)
	}
	for _, r := range got {
		if Unsafe(r) {
			t.Fatalf("Line(%q) = %q keeps %U", in, got, r)
		}
	}
	if strings.TrimSpace(got) != got {
		t.Fatalf("Line(%q) = %q: not trimmed", in, got)
	}
	if max > 0 {
		n := utf8.RuneCountInString(got)
		if n > max+1 || n == max+1 && !strings.HasSuffix(got, Ellipsis) {
			t.Fatalf("Line(%q, %d) = %q: %d runes", in, max, got, n)
		}
	}
	if again := Line(got, 0); again != got {
		t.Fatalf("Line is not idempotent: %q → %q", got, again)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"550 5.7.1 blocked\r\nBcc: x", "\xff\xfe", "\u202eevil\u2066", "日本語", "\x1b[2J", "Z\u0301\u0301\u0301", "a\u200bb", strings.Repeat("x", 600)} {
		f.Add(s, 20)
		f.Add(s, 0)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 0 || max > 1000 {
			max = 64
		}
		got := Line(s, max)
		checkLine(t, s, max, got)
		if want := lineByRune(s, max); got != want {
			t.Fatalf("Line(%q, %d) = %q, rune by rune %q", s, max, got, want)
		}
	})
}

// TestClean holds clean's eight-bytes-at-a-time test to the byte at a
// time one: every byte value at every place of texts of 1 to 17 bytes.
func TestClean(t *testing.T) {
	for n := 1; n <= 17; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				// Neighbours at the edges of the printable range, where a
				// borrow or a carry between bytes would show.
				if at > 0 {
					b[at-1] = ' '
				}
				if at+1 < n {
					b[at+1] = '~'
				}
				b[at] = byte(c)
				want := c >= 0x20 && c <= 0x7e
				if got := clean(string(b)); got != want {
					t.Fatalf("clean(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
}

// lineByRune is Line's loop as it was, rune by rune, without its runs of
// printable ASCII written at once: what TestLineByRuns holds Line to.
func lineByRune(s string, max int) string {
	if max > 0 && len(s) > 4*max+4 {
		s = s[:4*max+4]
	}
	var b strings.Builder
	n, marks, cut := 0, 0, false
	for i := 0; i < len(s); {
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

// TestLineByRuns holds Line, which writes a run of printable ASCII at
// once, to the rune by rune loop (lineByRune): ASCII runs around each
// hostile piece (a mark after ASCII, marks beyond the bound then ASCII, a
// control, invalid UTF-8), cut at every bound up to past their length.
func TestLineByRuns(t *testing.T) {
	pieces := []string{"é", "\u0301", strings.Repeat("\u0301", 10), "\x1b", "\xff", "\r\n", "日本", "\u202e", "  ", "\t "}
	var texts []string
	for _, p := range pieces {
		for _, q := range pieces {
			texts = append(texts, p+"abc def"+q, "ab "+p+" cd"+q+"ef", p+q+"xyz", "x"+p+strings.Repeat("y", 20)+q+"  ", " "+p+"a b"+q+" c ")
		}
	}
	for _, s := range texts {
		for max := 0; max <= len(s)+2; max++ {
			if got, want := Line(s, max), lineByRune(s, max); got != want {
				t.Fatalf("Line(%q, %d) = %q, rune by rune %q", s, max, got, want)
			}
		}
	}
}
