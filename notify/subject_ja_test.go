package notify

import (
	"strings"
	"testing"
	"unicode"
)

// TestJapaneseSubjectSpacing: a Japanese subject puts a space between a
// Latin word (a host, an address, a list's name) and the Japanese around
// it, and never one between two Japanese words or beside a full-width
// bracket or comma — whatever the notice lacks (our host's name, the list's
// name, the listed address) and however many lists it names. (Before, a
// notice without our host's name read "当方のサーバー からのメールが", one
// without a listed address "送信元アドレス が", and a list named with its
// address "Spamhaus（example.net） に登録".)
func TestJapaneseSubjectSpacing(t *testing.T) {
	type variant struct {
		name string
		edit func(*Notice)
	}
	variants := []variant{
		{"as is", func(*Notice) {}},
		{"no host", func(n *Notice) { n.Host = "" }},
		{"unnamed list", func(n *Notice) { n.Provider = nil; n.Incident.Provider = "unknown" }},
		{"no address", func(n *Notice) { n.Incident.Listed, n.Incident.Verdict.Listed = "", "" }},
		{"none of them", func(n *Notice) {
			n.Host, n.Provider, n.Incident.Provider = "", nil, "unknown"
			n.Incident.Listed, n.Incident.Verdict.Listed = "", ""
		}},
		{"related unnamed", func(n *Notice) {
			for i := range n.Related {
				n.Related[i].Provider = nil
			}
		}},
	}
	seen := 0
	for _, tc := range composeCases() {
		if !strings.HasSuffix(tc.name, "_ja") {
			continue
		}
		for _, v := range variants {
			n := tc.notice
			n.Related = append([]Related(nil), n.Related...)
			v.edit(&n)
			raw, err := Compose(n, tc.cfg, tc.now, tc.msgID)
			if err != nil {
				t.Fatalf("%s, %s: %v", tc.name, v.name, err)
			}
			subject, _, _ := readComposed(t, raw)
			seen++
			if at := badJapaneseSpace(subject); at >= 0 {
				t.Errorf("%s, %s: a space between %q and %q: %s", tc.name, v.name, []rune(subject)[at-1], []rune(subject)[at+1], subject)
			}
		}
	}
	if seen < 30 {
		t.Fatalf("only %d Japanese subjects checked", seen)
	}
}

// badJapaneseSpace returns the index (in runes) of the first space of s
// that lies between two Japanese characters or beside a full-width
// punctuation mark, or -1.
func badJapaneseSpace(s string) int {
	r := []rune(s)
	for i := 1; i+1 < len(r); i++ {
		if r[i] != ' ' {
			continue
		}
		if isWidePunct(r[i-1]) || isWidePunct(r[i+1]) || isJapanese(r[i-1]) && isJapanese(r[i+1]) {
			return i
		}
	}
	return -1
}

func isWidePunct(r rune) bool {
	return r >= 0x3000 && r <= 0x303f || r >= 0xff01 && r <= 0xff0f || r >= 0xff1a && r <= 0xff20 || r >= 0xff3b && r <= 0xff40 || r >= 0xff5b && r <= 0xff65
}

func isJapanese(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' || isWidePunct(r)
}

func TestBadJapaneseSpace(t *testing.T) {
	for s, want := range map[string]int{
		"[rblwatch] mail.example.net からのメールが Spamhaus を理由に": -1,
		"[rblwatch] 送信元IPアドレス 192.0.2.1 が Spamhaus に":       -1,
		"[rblwatch] 継続中: mail.example.net（192.0.2.1）からの":    -1,
		"[rblwatch] 当方のサーバー からの":                            18,
		"Spamhaus（example.net） に登録":                         21,
		"が 名称不明のリスト":                                        1,
	} {
		if got := badJapaneseSpace(s); got != want {
			t.Errorf("%q: %d, want %d", s, got, want)
		}
	}
}

// TestJapaneseBodyFills: in a Japanese body, the words that stand in for a
// missing name (our host, the listed address, the list) meet the Japanese
// around them without a space ("このサーバーから", "送信元アドレスが"), while
// a Latin name keeps its spaces and remote text stays as received.
func TestJapaneseBodyFills(t *testing.T) {
	fills := []string{"このサーバー", "当方のサーバー", "送信元アドレス", "名称不明のブロックリスト", "受信側が名前を示していないブロックリスト", "一定時間", "と記したアドレス"}
	seen := 0
	for _, tc := range composeCases() {
		if !strings.HasSuffix(tc.name, "_ja") {
			continue
		}
		for _, edit := range []func(*Notice){
			func(*Notice) {},
			func(n *Notice) { n.Host = "" },
			func(n *Notice) { n.Provider = nil; n.Incident.Provider = "unknown" },
			func(n *Notice) { n.Incident.Listed, n.Incident.Verdict.Listed = "", "" },
			func(n *Notice) {
				n.Host, n.Provider, n.Incident.Provider = "", nil, "unknown"
				n.Incident.Listed, n.Incident.Verdict.Listed = "", ""
			},
		} {
			n := tc.notice
			n.Related = append([]Related(nil), n.Related...)
			edit(&n)
			raw, err := Compose(n, tc.cfg, tc.now, tc.msgID)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			_, body, _ := readComposed(t, raw)
			if strings.ContainsRune(body, fill) {
				t.Errorf("%s: a fill mark (U+2060) left in the body", tc.name)
			}
			for _, w := range fills {
				for _, at := range indexAll(body, w) {
					seen++
					before, after := []rune(body[:at]), []rune(body[at+len(w):])
					if len(before) >= 2 && before[len(before)-1] == ' ' && isJapanese(before[len(before)-2]) ||
						len(after) >= 2 && after[0] == ' ' && isJapanese(after[1]) {
						line := body[strings.LastIndexByte(body[:at], '\n')+1:]
						line, _, _ = strings.Cut(line, "\n")
						t.Errorf("%s: a space beside %q: %s", tc.name, w, line)
					}
				}
			}
		}
	}
	if seen < 20 {
		t.Fatalf("only %d stand-in words checked", seen)
	}
}

func indexAll(s, sub string) []int {
	var out []int
	for i := 0; ; {
		j := strings.Index(s[i:], sub)
		if j < 0 {
			return out
		}
		out = append(out, i+j)
		i += j + len(sub)
	}
}

func TestJapaneseFills(t *testing.T) {
	const f = "\u2060"
	for in, want := range map[string]string{
		"受信側が " + f + "このサーバー" + f + " から送信": "受信側がこのサーバーから送信",
		"mail.example.net から": "mail.example.net から",
		f + f + "このサーバー" + f + " の送信元アドレス" + f + " が": "このサーバーの送信元アドレスが",
		f + "mail.example.net の送信元アドレス" + f + " が":    "mail.example.net の送信元アドレスが",
		"Spamhaus が " + f + "送信元アドレス" + f + " DNS":    "Spamhaus が送信元アドレス DNS",
		"no marks  at all 受信 側":                       "no marks  at all 受信 側",
	} {
		if got := japaneseFills(in); got != want {
			t.Errorf("japaneseFills(%q) = %q, want %q", in, got, want)
		}
	}
}
