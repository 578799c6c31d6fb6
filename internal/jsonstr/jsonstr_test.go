package jsonstr

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// hostilePieces: every escape encoding/json knows, markup, invalid and
// multi-byte UTF-8, the line and paragraph separators.
var hostilePieces = []string{"", "a", "spamhaus.org", " ", `"`, `\`, "/", "<", ">", "&", "<script>", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x01", "\x1f", "\x7f", "é", "日本", "\u2028", "\u2029", "\u202e", "\ufffd", "\xff", "\xe2\x80", "\xc3", "🙂", "{}[],:"}

// TestAppend checks Append against json.Marshal on
// every byte value, and every rune class, at every place of short texts.
func TestAppend(t *testing.T) {
	var texts []string
	for c := range 256 {
		for _, f := range []string{"%c", "ab%c", "%cd", "a\u2028%c\xe2"} {
			texts = append(texts, strings.ReplaceAll(f, "%c", string([]byte{byte(c)})))
		}
	}
	for _, p := range hostilePieces {
		texts = append(texts, p, "x"+p+"y", p+p)
	}
	for r := rune(0x80); r < 0x3000; r += 7 {
		texts = append(texts, string(r), "<"+string(r)+">")
	}
	texts = append(texts, string(rune(utf8.MaxRune)), "\xf4\x90\x80\x80", "\xed\xa0\x80")
	for _, s := range texts {
		checkJSONString(t, s)
	}
}

func checkJSONString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := Append([]byte("x"), s); string(got) != "x"+string(want) {
		t.Fatalf("Append(%q) = %s, want %s", s, got[1:], want)
	}
}

func FuzzAppend(f *testing.F) {
	for _, p := range hostilePieces {
		f.Add(p + "x" + p)
	}
	f.Fuzz(checkJSONString)
}

// jsonSafe reports the bytes encoding/json writes as they are (with
// HTML escaping).
func jsonSafe(c byte) bool {
	return c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}

// TestSafeRun checks safeRun's count against jsonSafe, a byte at a time
// (checkRun).
func TestSafeRun(t *testing.T) {
	checkRun(t, "safeRun", safeRun, jsonSafe, rand.New(rand.NewPCG(3, 4)), false)
}

// TestAppendLine checks AppendLine against Append of sanitize.Line: every
// byte value at every place of short texts, the hostile pieces around
// plain text, a log line with its escapes, spaces to trim, texts around
// the bound (in bytes and in runes), no bound.
func TestAppendLine(t *testing.T) {
	line := `Nov 22 00:01:11 relay1 postfix/smtp[2797]: 7D71F9860F6: to=<m@x.example>, status=bounced (host x said: 554 "no" & \\ more)`
	var texts []string
	for c := range 256 {
		for _, f := range []string{"%c", "ab%c", "%cd", "abcdefgh%cijklmnopq", "abcdefg%c"} {
			texts = append(texts, strings.ReplaceAll(f, "%c", string([]byte{byte(c)})))
		}
	}
	for _, p := range hostilePieces {
		texts = append(texts, p, "x"+p+"y", p+p, line+p, p+line, " "+p+"x", "x"+p+" ")
	}
	texts = append(texts, line, " "+line, line+"  ", strings.Repeat("a", 40)+"\x7f", "\t"+line)
	for _, s := range texts {
		for _, max := range []int{0, 1, 3, 8, len(s) - 1, len(s), len(s) + 1, 1000} {
			checkAppendLine(t, s, max)
		}
	}
}

func checkAppendLine(t *testing.T, s string, max int) {
	t.Helper()
	want := Append([]byte("x"), sanitize.Line(s, max))
	if got := AppendLine([]byte("x"), s, max); string(got) != string(want) {
		t.Fatalf("AppendLine(%q, %d) = %s, want %s", s, max, got[1:], want[1:])
	}
}

func FuzzAppendLine(f *testing.F) {
	for _, p := range hostilePieces {
		f.Add(p+"x"+p, 0)
		f.Add("x"+p+"y", 3)
	}
	f.Fuzz(checkAppendLine)
}

// TestPrintRun checks printRun's count as TestSafeRun checks safeRun's:
// against the bytes AppendLine keeps (jsonSafe, not DEL).
func TestPrintRun(t *testing.T) {
	checkRun(t, "printRun", printRun, func(c byte) bool { return jsonSafe(c) && c != 0x7f }, rand.New(rand.NewPCG(5, 6)), true)
}

// checkRun holds a run (safeRun, printRun) to keep, a byte at a time:
// its count on every byte value at every place of a word, beside every
// other value at the next place, on random words around the bytes that
// matter (and around DEL when del), and on every byte value at every
// place of texts of 1 to 40 bytes (read sixteen, eight and one at a time).
func checkRun(t *testing.T, name string, run func(string) int, keep func(byte) bool, r *rand.Rand, del bool) {
	t.Helper()
	check := func(w []byte) {
		want := 0
		for want < len(w) && keep(w[want]) {
			want++
		}
		if got := run(string(w)); got != want {
			t.Fatalf("%s(%q) = %d, want %d", name, w, got, want)
		}
	}
	for p := range 8 {
		for c := range 256 {
			w := []byte("abcdefgh")
			w[p] = byte(c)
			check(w)
			if p < 7 {
				for d := range 256 {
					w[p+1] = byte(d)
					check(w)
				}
			}
		}
	}
	for range 100000 {
		w := make([]byte, 8)
		for i := range w {
			w[i] = byte(0x1c + r.IntN(0x66)) // around the bytes that matter
			if del && r.IntN(16) == 0 {
				w[i] = byte(0x7c + r.IntN(8)) // around DEL
			}
		}
		check(w)
	}
	for n := 1; n <= 40; n++ {
		for at := range n {
			for c := range 256 {
				w := []byte(strings.Repeat("a~ ", 14)[:n])
				w[at] = byte(c)
				check(w)
				if at+1 < n {
					w[at+1] = '"'
					check(w)
				}
			}
		}
	}
}
