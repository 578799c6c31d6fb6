package classify

import (
	"strings"
	"testing"
)

// TestJapaneseReceiverReplies (issue 12.5): the real replies of Japanese
// carriers that are no listing still get the carrier's restriction and
// the advice that fits it, in both languages — docomo's unknown-user
// answer is list hygiene (it blocks senders of many such mails, with no
// removal form), and it refuses a whole message for one dead address at
// the end of DATA; its recipient limit is a throttle; au's "550 : User
// unknown" with no address is the recipient's own filter, not a dead
// address.
func TestJapaneseReceiverReplies(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name, line string
		category   Category
		rule       string
		want       map[string][]string // lang: words the meaning and steps must hold
		wantNot    map[string][]string
	}{
		{
			// ryoshr.net, "docomoドメインへのML配信エラー対応" (2018): a Postfix
			// log where the reply names another recipient than to=.
			name:     "docomo: unknown user at the end of DATA",
			line:     "host mfsmax.docomo.ne.jp[203.138.180.112] said: 550 Unknown user aaa@docomo.ne.jp (in reply to end of DATA command)",
			category: Recipient, rule: "docomo-unknown-user",
			want: map[string][]string{
				"en": {"docomo", "no removal form", "smtp_destination_recipient_limit = 1"},
				"ja": {"ドコモ", "解除申請", "smtp_destination_recipient_limit = 1"},
			},
		},
		{
			// sisimai's NTTDOCOMO table and its set-of-emails (2022).
			name:     "docomo: unknown user at RCPT TO",
			line:     "host mfsmax.docomo.ne.jp[203.138.181.112] said: 550 Unknown user x@docomo.ne.jp (in reply to RCPT TO command)",
			category: Recipient, rule: "docomo-unknown-user",
			want: map[string][]string{"en": {"docomo", "Remove"}, "ja": {"ドコモ", "削除"}},
		},
		{
			name:     "docomo: too many recipients",
			line:     "host mfsmax.docomo.ne.jp[203.138.181.112] said: 552 Too many recipients (in reply to RCPT TO command)",
			category: RateLimit, rule: "docomo-recipient-limit",
			want: map[string][]string{"en": {"docomo", "smtp_destination_recipient_limit"}, "ja": {"ドコモ", "smtp_destination_recipient_limit"}},
		},
		{
			// sisimai's KDDI table: "The response was: 550 : User unknown".
			name:     "au: the recipient's own filter",
			line:     "host lsean.ezweb.ne.jp[27.86.113.2] said: 550 : User unknown (in reply to end of DATA command)",
			category: Policy, rule: "kddi-filtered",
			want:    map[string][]string{"en": {"au", "reception settings"}, "ja": {"au", "受信"}},
			wantNot: map[string][]string{"en": {"does not exist"}, "ja": {"存在しない"}},
		},
		{
			// sisimai's EZweb bounce: "<<< 550 <******@ezweb.ne.jp>: User unknown".
			name:     "au: an unknown address",
			line:     "host msmx.au.com[27.86.113.2] said: 550 <x@ezweb.ne.jp>: User unknown (in reply to RCPT TO command)",
			category: Recipient, rule: "kddi-unknown-user",
			want: map[string][]string{"en": {"au", "Remove"}, "ja": {"au", "削除"}},
		},
		{
			// SendMagic's note on docomo's SMTP replies: "500 Line Too Long"
			// for a line over 1000 bytes.
			name:     "docomo: a line too long",
			line:     "host mfsmax.docomo.ne.jp[203.138.181.112] said: 500 Line Too Long (in reply to end of DATA command)",
			category: Policy, rule: "docomo-line-too-long",
			want:    map[string][]string{"en": {"1000", "quoted-printable"}, "ja": {"1000", "quoted-printable"}},
			wantNot: map[string][]string{"en": {"Reverse DNS"}, "ja": {"逆引き"}},
		},
		{
			// SendMagic's note on SoftBank's SMTP replies; SoftBank's
			// "メールを送受信する際の注意事項": many unknown addresses make its
			// system throttle the sender.
			name:     "SoftBank: an unknown address",
			line:     "host mx.i.softbank.jp[210.146.60.1] said: 550 Invalid recipient: <xxx@i.softbank.jp> (in reply to RCPT TO command)",
			category: Recipient, rule: "softbank-unknown-user",
			want: map[string][]string{"en": {"SoftBank", "Remove"}, "ja": {"ソフトバンク", "削除"}},
		},
		{
			// bounceHammer's Yahoo table (Kanadzuchi::Mail::Bounced::Yahoo):
			// Remote-MTA mx1.mail.yahoo.co.jp, "554 delivery error: dd This
			// user doesn't have a yahoo.co.jp account".
			name:     "Yahoo! JAPAN: an unknown address",
			line:     "host mx1.mail.yahoo.co.jp[202.93.66.124] said: 554 delivery error: dd This user doesn't have a yahoo.co.jp account (in reply to end of DATA command)",
			category: Recipient, rule: "yahoojp-unknown-user",
			want:    map[string][]string{"en": {"Yahoo! JAPAN", "Remove", "Nothing to delist"}, "ja": {"Yahoo! JAPAN", "削除", "解除申請"}},
			wantNot: map[string][]string{"en": {"mailbox is full"}, "ja": {"容量"}},
		},
		{
			// y-ml.com help "Connection timed out": the carriers and
			// Yahoo! JAPAN block a sender for half a day to a day by
			// not taking its connections.
			name:     "docomo: connections time out while it blocks us",
			line:     "connect to mfsmax.docomo.ne.jp[203.138.181.112]:25: Connection timed out",
			category: Network, rule: "jp-carrier-connection",
			want: map[string][]string{"en": {"block", "half a day"}, "ja": {"ブロック", "半日"}},
		},
		{
			name:     "Yahoo! JAPAN: connections refused while it blocks us",
			line:     "connect to mx.mail.yahoo.co.jp[183.79.57.199]:25: Connection refused",
			category: Network, rule: "jp-carrier-connection",
			want: map[string][]string{"en": {"block"}, "ja": {"ブロック"}},
		},
		{
			name:     "another receiver's timeout is only a network failure",
			line:     "connect to mx.example.jp[192.0.2.9]:25: Connection timed out",
			category: Network, rule: "network",
			wantNot: map[string][]string{"en": {"block"}, "ja": {"ブロック"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := c.Classify(InputFromText(tc.line, ""))
			if v.Category != tc.category || v.Rule != tc.rule || v.Provider != "" {
				t.Fatalf("%s/%s rule %q, want %s rule %q", v.Provider, v.Category, v.Rule, tc.category, tc.rule)
			}
			for _, lang := range []string{"en", "ja"} {
				e := c.Explain(v, lang, RoleOperator)
				all := e.Meaning + "\n" + strings.Join(e.Steps, "\n")
				for _, w := range tc.want[lang] {
					if !strings.Contains(all, w) {
						t.Errorf("%s: lacks %q:\n%s", lang, w, all)
					}
				}
				for _, w := range tc.wantNot[lang] {
					if strings.Contains(all, w) {
						t.Errorf("%s: says %q:\n%s", lang, w, all)
					}
				}
			}
		})
	}
}

// TestNiftyAdviceFitsItsSource (issue 12.7): @nifty's FAQ 22527 is about
// @nifty's own servers being listed when its members send; what @nifty
// asks of senders to it is a static address with forward-confirmed
// reverse DNS and SPF, DKIM and DMARC.
func TestNiftyAdviceFitsItsSource(t *testing.T) {
	c := Default()
	v := c.Classify(InputFromText("host mx.nifty.com[192.0.2.9] said: 550 5.7.1 Your IP 192.0.2.1 is blocked (in reply to RCPT TO command)", ""))
	if v.Provider != "nifty" {
		t.Fatalf("provider %q", v.Provider)
	}
	for lang, want := range map[string][]string{"en": {"PTR", "DKIM", "DMARC"}, "ja": {"逆引き", "DKIM", "DMARC"}} {
		e := c.Explain(v, lang, RoleDedicated)
		all := e.Meaning + "\n" + strings.Join(e.Steps, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: lacks %q:\n%s", lang, w, all)
			}
		}
		if strings.Contains(all, "22527") {
			t.Errorf("%s: cites FAQ 22527:\n%s", lang, all)
		}
	}
}

// TestSoftBankAdviceFitsItsSource (issue 12.7): SoftBank's 500 recipients a
// day is the limit on its own phones' sending; what it says to senders to
// its phones is to clean their lists of dead addresses, which it throttles.
func TestSoftBankAdviceFitsItsSource(t *testing.T) {
	p := Default().Provider("softbank")
	for _, lang := range []string{"en", "ja"} {
		all := p.Meaning.Get(lang) + "\n" + p.Advice.Get(lang)
		if strings.Contains(all, "24") {
			t.Errorf("%s: speaks of the 24-hour limit of SoftBank's phones:\n%s", lang, all)
		}
	}
	if !strings.Contains(p.Advice.En, "unknown") || !strings.Contains(p.Advice.Ja, "宛先不明") {
		t.Errorf("advice says nothing of unknown addresses: %q / %q", p.Advice.En, p.Advice.Ja)
	}
}

// TestNoRemovalFormWords (issue 12.7): the note for a provider that takes
// no removal request fits a receiver's own block (docomo, Yahoo! JAPAN)
// as well as a list: the Japanese said "this list".
func TestNoRemovalFormWords(t *testing.T) {
	c := Default()
	v := c.Classify(InputFromText("host mx1.mail.yahoo.co.jp[183.79.57.199] said: 554 5.7.1 Your IP 192.0.2.1 is blocked (in reply to RCPT TO command)", ""))
	if v.Provider != "yahoojp" {
		t.Fatalf("provider %q", v.Provider)
	}
	if e := c.Explain(v, "ja", RoleDedicated); e.SelfServiceNote == "" || strings.Contains(e.SelfServiceNote, "リスト") {
		t.Errorf("note %q", e.SelfServiceNote)
	}
}
