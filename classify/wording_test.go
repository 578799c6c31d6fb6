package classify

import (
	"strings"
	"testing"
)

// TestExplainWording: what explain says when the reply names no address or
// no known list reads as a postmaster expects, in both languages — the
// unnamed list has a name in the language of the text, a list the reply
// names is not described as "not said which list", and the phrase for our
// address sits in a Japanese sentence without the spaces an address gets.
func TestExplainWording(t *testing.T) {
	noIP := func(in *Input) { in.SendingIP = "" }
	for _, tc := range []struct {
		name, text, lang string
		mod              func(*Input)
		provider         string // ProviderName
		status           []string
		notMeaning       string // Meaning must not contain it
	}{
		{"unnamed en", "554 Your IP is temporarily blocked", "en", noIP, "Unnamed block list",
			[]string{"refused our sending address because"}, ""},
		{"unnamed ja", "554 Your IP is temporarily blocked", "ja", noIP, "名称不明のブロックリスト",
			[]string{"判定により当方の送信元アドレスからのメール"}, ""},
		{"named list, no address, en", "550 blocked using rbl.example.org", "en", noIP, "rbl.example.org",
			[]string{"Our sending address is listed by rbl.example.org"}, "does not say which list"},
		{"named list, no address, ja", "550 blocked using rbl.example.org", "ja", noIP, "rbl.example.org",
			[]string{"当方の送信元が rbl.example.org に登録されています"}, "示されていません"},
		{"named list, an address, ja", "550 Client host [192.0.2.5] blocked using rbl.example.org", "ja", noIP, "rbl.example.org",
			[]string{"192.0.2.5 が rbl.example.org に登録されています"}, "示されていません"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := explainText(t, tc.text, tc.lang, RoleDedicated, tc.mod)
			if e.ProviderName != tc.provider {
				t.Errorf("provider name %q, want %q", e.ProviderName, tc.provider)
			}
			for _, s := range tc.status {
				if !strings.Contains(e.Status, s) {
					t.Errorf("status %q lacks %q", e.Status, s)
				}
			}
			if tc.notMeaning != "" && strings.Contains(e.Meaning, tc.notMeaning) {
				t.Errorf("meaning %q contradicts the list the reply names", e.Meaning)
			}
		})
	}
}

// TestJapaneseOurAddressUnspaced: on every reply of the corpus, the
// Japanese phrase for our address never has a space beside it (it once read
// "判定により 当方の送信元アドレス からのメール").
func TestJapaneseOurAddressUnspaced(t *testing.T) {
	c := Default()
	phrase := c.texts["our_address"].Get("ja")
	for _, r := range readCorpus(t) {
		for _, ip := range []string{"", "192.0.2.1"} {
			e := c.Explain(c.Classify(InputFromText(r.text, ip)), "ja", RoleCustomer)
			for _, s := range append([]string{e.Status, e.Meaning, e.ViaNote, e.RoleNote}, e.Steps...) {
				if strings.Contains(s, " "+phrase) || strings.Contains(s, phrase+" ") {
					t.Errorf("line %d: %q", r.line, s)
				}
			}
		}
	}
}
