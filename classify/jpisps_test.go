package classify

import (
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/reply"
)

// TestJapaneseISPFamilies (issue 12): the real replies of the Japanese
// ISPs' own mail hosts that a search of the repository's sources found
// (testdata/devjp.tsv and the catalog's comments give each source), and
// synthetic variants of each: the same words in a Postfix "host … said:"
// or "refused to talk to me:" line from the ISP's other hosts and with
// other codes, and look-ups that must not become that ISP's block.
//
//   - ぷらら: mx.plala.or.jp's "421 IP address deferred" (a Postfix log
//     kept as a parser's test input) is its deferral of our address
//     (plala-ip-deferred); its "554 5.7.1 Recipient rejected" and a 550
//     with no words (another parser's test) are no block.
//   - OCN: its forwarder's "421 Server Temporarily unavailable" (a
//     forum's Postfix log, 2007) names no cause and is no block; its
//     gateway vcgw1.ocn.ad.jp's "554 5.7.1 Service unavailable", which a
//     blog quotes only in fragments beside a link to spamhaus.org, is
//     Spamhaus's refusal, never OCN's own.
//   - SpinNet (no catalog entry: its notice says only that its servers
//     refuse addresses a spam database lists): its "554 Service
//     unavailable; [**.**.**.**] blocked using," is an unnamed list's.
//   - ASAHIネット and BIGLOBE: texts of bounces they send after taking
//     the mail (an unknown user, a full mailbox) are no block; BIGLOBE's
//     "number of messages in recipient's mailbox exceeded the local
//     limit" is a full mailbox (mailbox-full).
//   - @nifty: the replies its FAQ gives for its own users' submission
//     server (qmail's wording) are no block of @nifty's, from its host
//     or pasted.
func TestJapaneseISPFamilies(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		kind, line string
		host       string // the remote host, for a reply given without a Postfix line
		provider   string // "" for no block-list verdict
		category   Category
		rule       string // when checked
		via        string // when checked
		notOwn     string // the ISP whose own block it must not be (with provider "")
	}{
		// ぷらら: the real rows (code index ids 55024734963, 18712062038)
		{kind: "real", line: "host mx.plala.or.jp[220.156.64.233] refused to talk to me: 421 IP address deferred", provider: "plala", category: Blocklist, rule: "plala-ip-deferred"},
		{kind: "real", line: "host mx.plala.or.jp[220.156.64.233] said: 554 5.7.1 Recipient rejected (in reply to RCPT TO command)", category: Recipient},
		{kind: "real", line: "host mx.plala.or.jp[60.36.166.235] said: 550  (in reply to RCPT TO command)", category: Other},
		// ぷらら: synthetic
		{kind: "synthetic", line: "host mx.plala.or.jp[220.156.64.233] said: 421 IP address deferred (in reply to MAIL FROM command)", provider: "plala", category: Blocklist, rule: "plala-ip-deferred"},
		{kind: "synthetic", line: "host mx.plala.or.jp[220.156.64.233] refused to talk to me: 450 4.7.1 IP address deferred", provider: "plala", category: Blocklist, rule: "plala-ip-deferred"},
		{kind: "synthetic", line: "host mx3.plala.or.jp[220.156.64.235] refused to talk to me: 421 4.7.0 IP address deferred", provider: "plala", category: Blocklist, rule: "plala-ip-deferred"},
		{kind: "synthetic", line: "host mx.plala.or.jp[220.156.64.233] said: 554 5.7.1 Your IP 192.0.2.1 is blocked (in reply to RCPT TO command)", provider: "plala", category: Blocklist, rule: GenericRuleID},
		{kind: "synthetic", line: "550 Your IP 192.0.2.1 is blocked by Plala", provider: "plala", category: Blocklist},
		{kind: "synthetic", line: "554 5.7.1 Your IP 192.0.2.1 has been blocked by ぷらら", provider: "plala", category: Blocklist},
		{kind: "synthetic", line: "host mx.plala.or.jp[220.156.64.233] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net (in reply to RCPT TO command)", provider: "spamcop", category: Blocklist, via: "plala"},
		// ぷらら: look-ups
		{kind: "look-up", line: "host mx.example.jp[192.0.2.9] refused to talk to me: 421 IP address deferred", category: Other, notOwn: "plala"},
		{kind: "look-up", line: "421 IP address deferred", category: Other, notOwn: "plala"},
		{kind: "look-up", line: "host mx.plala.or.jp[220.156.64.233] said: 550 5.1.1 <x@plala.or.jp>: Recipient address rejected: User unknown (in reply to RCPT TO command)", category: Recipient},
		{kind: "look-up", line: "host mx.plala.or.jp[220.156.64.233] refused to talk to me: 421 4.7.0 Too many connections from 192.0.2.1, try again later", category: RateLimit},
		{kind: "look-up", line: "host mx.plala.or.jp[220.156.64.233] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)", category: Recipient},
		{kind: "synthetic", line: "550 5.7.1 Your IP 192.0.2.1 is blocked, see https://www.plala.or.jp/support/", provider: "plala", category: Blocklist},

		// OCN: the real rows (code index id 56756486044; the fragments of
		// wordcraft.greenbiz.co.jp's "メールが届かなくなった", never joined)
		{kind: "real", line: "host mail-fwdt.wh.ocn.ne.jp[122.1.231.141] refused to talk to me: 421 Server Temporarily unavailable", category: Other, notOwn: "ocn"},
		{kind: "real", line: "554 5.7.1 Service unavailable", host: "vcgw1.ocn.ad.jp", notOwn: "ocn"},
		// OCN: synthetic
		{kind: "synthetic", line: "host vcgw1.ocn.ad.jp[192.0.2.9] said: 554 5.7.1 Blocked - see https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command)", provider: "spamhaus", category: Blocklist, via: "ocn"},
		{kind: "synthetic", line: "host vcgw1.ocn.ad.jp[192.0.2.9] said: 554 5.7.1 Rejected: 192.0.2.1 listed at zen.spamhaus.org (in reply to RCPT TO command)", provider: "spamhaus", category: Blocklist, via: "ocn"},
		{kind: "synthetic", line: "host mail-fwdt.wh.ocn.ne.jp[122.1.231.141] said: 550 5.7.1 Your IP 192.0.2.1 is blocked (in reply to RCPT TO command)", provider: "ocn", category: Blocklist, rule: GenericRuleID},
		{kind: "synthetic", line: "host mx.ocn.ne.jp[192.0.2.9] refused to talk to me: 554 5.7.1 Your IP 192.0.2.1 is blocked", provider: "ocn", category: Blocklist},
		{kind: "synthetic", line: "host mail-fwdt.wh.ocn.ne.jp[122.1.231.79] refused to talk to me: 421 4.7.0 Server Temporarily unavailable", category: Other, notOwn: "ocn"},
		// OCN: look-ups
		{kind: "look-up", line: "host mx.example.jp[192.0.2.9] refused to talk to me: 421 Server Temporarily unavailable", category: Other},
		{kind: "look-up", line: "host mx.ocn.ne.jp[192.0.2.9] said: 550 5.1.1 <x@ocn.ne.jp>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)", category: Recipient},

		// SpinNet (spinnet.jp's notice of 16 September 2004)
		{kind: "real", line: "554 Service unavailable; [**.**.**.**] blocked using,", provider: Unknown, category: Blocklist},
		{kind: "synthetic", line: "host mx.spinnet.jp[192.0.2.9] said: 554 Service unavailable; [192.0.2.1] blocked using, (in reply to RCPT TO command)", provider: Unknown, category: Blocklist, via: "spinnet.jp"},
		{kind: "synthetic", line: "host mx.spinnet.jp[192.0.2.9] said: 554 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net; Blocked - see http://www.spamcop.net/bl.shtml?192.0.2.1 (in reply to RCPT TO command)", provider: "spamcop", category: Blocklist, via: "spinnet.jp"},

		// ASAHIネット (its FAQ d01601) and BIGLOBE (sisimai's Lhost::Biglobe)
		{kind: "real", line: `<tech@desk.asahi-net.or.jp@mx1.asahi-net.or.jp>: User unknown: "tech@desk.asahi-net.or.jp"`, category: Recipient},
		{kind: "synthetic", line: "host mx1.asahi-net.or.jp[192.0.2.9] said: 550 5.1.1 <x@asahi-net.or.jp>: Recipient address rejected: User unknown (in reply to RCPT TO command)", category: Recipient},
		{kind: "synthetic", line: "host mx1.asahi-net.or.jp[192.0.2.9] said: 554 5.7.1 Your IP 192.0.2.1 is blocked (in reply to RCPT TO command)", provider: Unknown, category: Blocklist, via: "asahi-net.or.jp"},
		{kind: "real", line: "The number of messages in recipient's mailbox exceeded the local limit.", category: Recipient},
		{kind: "real", line: "Mail Delivery Failed... User unknown", notOwn: "biglobe"},

		// @nifty: its FAQ ?p=4076 (replies of its submission server)
		{kind: "real", line: "553 sorry, that domain isn’t in my list of allowed rcpthosts(#5.7.1)", category: Policy},
		{kind: "real", line: "552 sorry, that message size exceeds my databytes limit(#5.3.4)", category: Policy},
		{kind: "real", line: "554 too many hops, this message is looping(#5.4.6)", notOwn: "nifty"},
		{kind: "real", line: "sorry, you must get POP/APOP authorization.", notOwn: "nifty"},
		{kind: "synthetic", line: "host smtp.nifty.com[192.0.2.9] said: 553 sorry, that domain isn’t in my list of allowed rcpthosts(#5.7.1) (in reply to RCPT TO command)", category: Policy},
		{kind: "synthetic", line: "host smtp.nifty.com[192.0.2.9] said: 530 sorry, you must get POP/APOP authorization. (in reply to MAIL FROM command)", notOwn: "nifty"},
	} {
		in := InputFromText(tc.line, "")
		if tc.host != "" {
			in = Input{Reply: reply.Parse(tc.line), RemoteHost: tc.host}
		}
		v := c.Classify(in)
		switch {
		case tc.provider != "":
			if v.Provider != tc.provider || v.Category != tc.category {
				t.Errorf("%s: %q: %s/%s (rule %s), want %s/%s", tc.kind, tc.line, v.Provider, v.Category, v.Rule, tc.provider, tc.category)
			}
		case v.Category == Blocklist && (tc.notOwn == "" || v.Provider == tc.notOwn):
			t.Errorf("%s: %q: a block-list verdict (%s, rule %s), want none", tc.kind, tc.line, v.Provider, v.Rule)
		case tc.category != "" && v.Category != tc.category:
			t.Errorf("%s: %q: category %s (rule %s), want %s", tc.kind, tc.line, v.Category, v.Rule, tc.category)
		}
		if tc.notOwn != "" && (v.Provider == tc.notOwn || v.Via == tc.notOwn && v.Provider == Unknown) {
			t.Errorf("%s: %q: %s/%s via %q (rule %s): the ISP's own block", tc.kind, tc.line, v.Provider, v.Category, v.Via, v.Rule)
		}
		if tc.rule != "" && v.Rule != tc.rule {
			t.Errorf("%s: %q: rule %s, want %s", tc.kind, tc.line, v.Rule, tc.rule)
		}
		if tc.via != "" && v.Via != tc.via {
			t.Errorf("%s: %q: via %q, want %q", tc.kind, tc.line, v.Via, tc.via)
		}
	}
}

// TestPlalaDeferralAdvice (issue 12): ぷらら's "421 IP address deferred"
// gets what its page says — it asks mail from dynamic addresses to be
// resent and takes what is resent, so Postfix's retry is the first step
// and a server on a static address (or our provider's) the fix when it
// lasts — in both languages, and no removal request.
func TestPlalaDeferralAdvice(t *testing.T) {
	c := Default()
	v := c.Classify(InputFromText("host mx.plala.or.jp[220.156.64.233] refused to talk to me: 421 IP address deferred", ""))
	if v.Provider != "plala" || v.Rule != "plala-ip-deferred" || !v.Temporary {
		t.Fatalf("%s/%s rule %s temporary %v", v.Provider, v.Category, v.Rule, v.Temporary)
	}
	for lang, want := range map[string][]string{
		"en": {"ぷらら", "IP address deferred", "dynamic", "resen", "Postfix retries", "static address", "provider's mail server"},
		"ja": {"ぷらら", "IP address deferred", "動的IPアドレス", "再送", "固定IPアドレス", "プロバイダーのメールサーバー"},
	} {
		e := c.Explain(v, lang, RoleDedicated)
		all := e.Meaning + "\n" + strings.Join(e.Steps, "\n")
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: lacks %q:\n%s", lang, w, all)
			}
		}
		for _, w := range []string{"removal form", "解除フォーム", "OCN"} {
			if strings.Contains(all, w) {
				t.Errorf("%s: says %q:\n%s", lang, w, all)
			}
		}
	}
}
