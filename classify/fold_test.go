package classify

import "testing"

// foldRows: a reply written in capitals outside ASCII, or in the
// full-width (and half-width katakana) forms Japanese and Chinese replies
// carry, and the same reply as the catalog's words are written; the first
// must be read as the second (issue 14: a rule for "обратная dns" missed
// "ОБРАТНАЯ DNS").
var foldRows = []struct {
	kind, text, plain string
	want              Category
}{
	{"cyrillic", "550 5.7.1 ОБРАТНАЯ DNS НЕ НАСТРОЕНА ДЛЯ 192.0.2.1", "550 5.7.1 обратная dns не настроена для 192.0.2.1", Policy},
	{"cyrillic", "550 Обратная DNS не настроена", "550 обратная dns не настроена", Policy},
	{"cyrillic", "550 ВАШ IP-АДРЕС ЗАБЛОКИРОВАН", "550 ваш ip-адрес заблокирован", Blocklist},
	// Greek capitals are written without their accents, and a final
	// sigma is a sigma
	{"greek", "550 Η ΔΙΕΥΘΥΝΣΗ IP ΣΑΣ ΕΙΝΑΙ ΣΕ ΜΑΥΡΗ ΛΙΣΤΑ", "550 η διεύθυνση ip σας είναι σε μαύρη λίστα", Blocklist},
	{"greek", "550 Η ΔΙΕΎΘΥΝΣΗ IP ΣΑΣ ΕΊΝΑΙ ΣΕ ΜΑΎΡΗ ΛΊΣΤΑ", "550 η διεύθυνση ip σας είναι σε μαύρη λίστα", Blocklist},
	// Turkish: İ and I, ı and i are one letter to the rules
	{"turkish", "550 IP ADRESİNİZ YASAKLANDI", "550 IP adresiniz yasaklandı", Blocklist},
	{"turkish", "550 IP adresiniz yasaklandi", "550 IP adresiniz yasaklandı", Blocklist},
	{"latin", "550 VOTRE ADRESSE IP EST LISTÉE PAR SPAMHAUS", "550 votre adresse ip est listée par spamhaus", Blocklist},
	{"full-width", "550 送信元ＩＰアドレスはＳＰＡＭＨＡＵＳに登録されています", "550 送信元IPアドレスはspamhausに登録されています", Blocklist},
	{"full-width", "550 送信元ＩＰアドレスはｓｐａｍｈａｕｓに登録されています", "550 送信元IPアドレスはspamhausに登録されています", Blocklist},
	{"full-width", "５５０ 送信元ＩＰアドレスはｂｌ．ｓｐａｍｃｏｐ．ｎｅｔに登録されています", "550 送信元IPアドレスはbl.spamcop.netに登録されています", Blocklist},
	{"full-width", "550 发信ＩＰ被ｓｐａｍｈａｕｓ列入黑名单", "550 发信ip被spamhaus列入黑名单", Blocklist},
	{"full-width", "550 ＭＡＩＬＢＯＸ ＦＵＬＬ", "550 mailbox full", Recipient},
	{"half-width", "550 ﾒｰﾙﾎﾞｯｸｽがいっぱいです", "550 メールボックスがいっぱいです", Recipient},
}

// foldLookAlikes: letters of another script that look like a catalog
// word's, and a folded word inside a longer one, are none of its words:
// the reply does not name the provider.
var foldLookAlikes = []struct{ kind, text, not string }{
	{"cyrillic look-alike", "550 Rejected: listed by ЅРАМНАUЅ", "spamhaus"}, // Cyrillic Ѕ, Р, А, М, Н
	{"greek look-alike", "550 Rejected: listed by ΒΑRRΑCUDΑ", "barracuda"},  // Greek Β, Α
	{"inside a word", "550 Rejected: listed by ＳＰＡＭＨＡＵＳＥ", "spamhaus"},
	{"inside a word", "550 Rejected: listed by ＡＢＳＯＲＢＳ", "sorbs"},
}

func TestFoldedReplies(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	for _, tc := range foldRows {
		want := c.Classify(InputFromText(tc.plain, ""))
		if want.Category != tc.want {
			t.Fatalf("%s: the plain form %q is %s, want %s: the row tests nothing", tc.kind, tc.plain, want.Category, tc.want)
		}
		for _, got := range []Verdict{c.Classify(InputFromText(tc.text, "")), m.Classify(InputFromText(tc.text, ""))} {
			if got.Category != want.Category || got.Provider != want.Provider || got.Rule != want.Rule {
				t.Errorf("%s: %q: %s/%q (rule %q), want %s/%q (rule %q) as %q", tc.kind, tc.text, got.Category, got.Provider, got.Rule, want.Category, want.Provider, want.Rule, tc.plain)
			}
		}
	}
	for _, tc := range foldLookAlikes {
		if v := c.Classify(InputFromText(tc.text, "")); v.Provider == tc.not {
			t.Errorf("%s: %q: %s/%q (rule %q), want another provider", tc.kind, tc.text, v.Category, v.Provider, v.Rule)
		}
	}
}

// TestFoldKeepsListedAddress: the address a verdict names is the one the
// reply gives, whatever folding before it changed in length (İ → i, a
// full-width letter → an ASCII one), in Classify and in Memo, first and
// from memory.
func TestFoldKeepsListedAddress(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	for _, text := range []string{
		"550 ＩＰ ADRESİNİZ 198.51.100.7 YASAKLANDI",
		"550 ВАШ IP-АДРЕС 198.51.100.7 ЗАБЛОКИРОВАН",
		"550 送信元ＩＰアドレス 198.51.100.7 はＳＰＡＭＨＡＵＳに登録されています",
	} {
		for i := 0; i < 2; i++ {
			in := InputFromText(text, "")
			in.SendingIP = "203.0.113.9"
			for _, v := range []Verdict{c.Classify(in), m.Classify(in)} {
				if v.Category != Blocklist || v.Listed != "198.51.100.7" {
					t.Errorf("%q: %s listed %q, want blocklist listed 198.51.100.7", text, v.Category, v.Listed)
				}
			}
		}
	}
}
