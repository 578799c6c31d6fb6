package classify

import (
	"fmt"
	"strings"
	"testing"
)

// Issue 14, twenty-third round: a mail address in a reply is a link to
// the provider whose mail domain it is only when the reply offers it as a
// contact ("please contact abuse@kpn.com", "forward this message to
// delist@messaging.microsoft.com", "write blockedbyearthlink@…"). The
// recipient a refusal quotes ("<bob@gmx.net>: Client host rejected",
// "(for bob@gmx.net)", "RCPT TO:<…>", "Mail to … refused") is where our
// mail was going, not who refused it: a host that relays through a
// smarthost or an outbound filter sees every refusal come from that relay
// with recipients at every domain, and a forwarding receiver quotes the
// final address. Such a refusal is the refusing host's (relay, when the
// catalog knows it), else an unknown list's.

// recipientRealRows are the seen replies whose provider is known by a
// contact address only (dev.tsv, extra.tsv, round8b.tsv, the shared
// corpus), and the round's examples of a recipient quoted by another
// receiver's host; each verdict as it must be.
var recipientRealRows = []familyRow{
	{"contact (real)", "521 5.5.0 Your IP [x.x.x.x] has been blacklisted. Please contact abuse@kpn.com for more information.", Blocklist, "kpn"},
	{"contact (real)", "553 5.3.0 flpd568 DNSBL:RBL 521< x.xx.xx.xx >_is_blocked.For assistance forward this error to abuse_rbl@abuse-att.net", Blocklist, "att"},
	{"contact (real)", "550 5.7.1 :127.0.0.3:Client host a.b.c.d blocked using 88.blocklist.zap; Mail from IP banned. To request removal from this list please forward this message to delist.forefront@messaging.microsoft.com", Blocklist, "microsoft"},
	{"contact (real)", "550 5.7.1 Service unavailable; Client host [yy.yy.yy.yyy] blocked using FBLW15; To request removal from this list please forward this message to delist@messaging.microsoft.com", Blocklist, "microsoft"},
	{"contact (real)", "host mail.global.bigfish.com[216.32.180.22] said: 550 Service unavailable; Client host [64.34.170.90] blocked using 88.blacklist.zap; Mail From IP Banned To request removal from this list please forward this message to delist@frontbridge.com (in reply to RCPT TO command)", Blocklist, "microsoft"},
	{"contact (real)", "554 IP=***.***.***.*** - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)", Blocklist, "tonline"},
	{"contact (real)", "421 4.3.2 Your IP(218.236.206.104) is filtered and this connection will be closed. You must register your IP to spammaster@hanafos.com By SpaceLee, the Lord of mail server.", Blocklist, "hanafos"},
	{"contact (real)", "550 Dynamic/zombied/spam IPs blocked. Write blockedbyearthlink@abuse.earthlink.net", Blocklist, "earthlink"},
	{"contact", "550 Your IP has been blocked, write to abuse@secureserver.net", Blocklist, "godaddy"},
	{"contact", "550 Your IP 203.0.113.9 is blocked. Report details to abuse@corp.mail.ru", Blocklist, "mailru"},
	{"contact", "554 5.7.1 Your IP 203.0.113.9 is blacklisted; send an unblock request to unblock.request@cox.net", Blocklist, "cox"},
	{"contact", "554 5.7.1 Your IP 203.0.113.9 is blacklisted; if it lasts, write to unblock@charter.net", Blocklist, "spectrum"},
	{"contact", "550 5.7.1 Your IP 203.0.113.9 is blacklisted. Please email postmaster@messagingengine.com", Blocklist, "fastmail"},
	{"contact", "550 5.7.1 Il tuo IP 203.0.113.9 è in blacklist, scrivere a block@postmaster.libero.it", Blocklist, "italiaonline"},
	{"contact", "550 5.7.1 Ihre IP-Adresse 203.0.113.9 ist gesperrt. Kontakt: tosa@rx.t-online.de", Blocklist, "tonline"},
	{"contact", "550 送信元IPアドレス 203.0.113.9 はブロックされています。解除については mailmaster@staff.sina.com.cn までご連絡ください", Blocklist, "sina"},
	{"recipient (the round's)", "host mx.example.org[192.0.2.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked, IP blacklisted (for bob@gmx.net) (in reply to RCPT TO command)", Blocklist, ""},
	{"recipient (the round's)", "host mx.example.org[192.0.2.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked, IP blacklisted (for bob@comcast.net) (in reply to RCPT TO command)", Blocklist, ""},
	{"recipient (the round's)", "host mx.example.org[192.0.2.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked, IP blacklisted <x@aqua.plala.or.jp> (in reply to RCPT TO command)", Blocklist, ""},
	{"recipient (the round's)", "550 <someone@bk.ru>: Your IP 192.0.2.1 is blocked", Blocklist, ""},
	{"recipient, the receiver's own host", "host mxs.mail.ru[94.100.180.31] said: 550 <someone@bk.ru>: Your IP 192.0.2.1 is blocked (in reply to RCPT TO command)", Blocklist, "mailru"},
	{"recipient, a relay's host", "host us-smtp-inbound-1.mimecast.com[205.139.110.1] said: 550 5.7.1 Your IP 203.0.113.9 is blacklisted (for <bob@gmx.net>) (in reply to RCPT TO command)", Blocklist, "mimecast"},
}

// Refusals that quote a recipient at the receiver's mail domain (%s),
// from another receiver's host or from none: never that receiver's.
var recipientQuoted = []string{
	"host mx.example.org[192.0.2.9] said: 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked, IP blacklisted (for %s) (in reply to RCPT TO command)",
	"554 5.7.1 <%s>: Client host rejected: your IP 203.0.113.9 is blacklisted",
	"host mx.example.org[192.0.2.9] said: 550 5.7.1 Mail to %s refused: IP 203.0.113.9 is blacklisted (in reply to RCPT TO command)",
	"host mx.example.org[192.0.2.9] said: 550 5.7.1 RCPT TO:<%s> rejected, sender IP 203.0.113.9 is blacklisted (in reply to RCPT TO command)",
	"host mx.example.org[192.0.2.9] said: 554 5.7.1 Your message to %s was blocked: the sending IP 203.0.113.9 is blacklisted (in reply to end of DATA command)",
	"host mx.example.org[192.0.2.9] said: 550 5.7.1 <%s> 宛のメールは受信できません。送信元IPアドレス 203.0.113.9 はブラックリストに登録されています (in reply to RCPT TO command)",
	"550 5.7.1 Zustellung an <%s> abgelehnt: Ihre IP-Adresse 203.0.113.9 ist auf der Blacklist",
	"host mx.example.org [192.0.2.9] SMTP error from remote mail server after RCPT TO:<%s>: 550 5.7.1 <%s>: your IP 203.0.113.9 is blacklisted",
	"host mx.example.org[192.0.2.9] said: 550 5.7.1 Sending to %s is blocked: your IP 203.0.113.9 is blacklisted (in reply to RCPT TO command)",
	"host mx.example.org[192.0.2.9] said: 550 5.7.1 <%s>... your IP 203.0.113.9 is blacklisted (in reply to RCPT TO command)",
	"550 5.7.1 宛先: %s 送信元IPアドレス 203.0.113.9 はブラックリストに登録されています",
}

// Refusals that offer a contact at the receiver's mail domain (%s):
// that receiver's.
var contactOffered = []string{
	"550 5.7.1 Your IP 203.0.113.9 is blacklisted; please contact postmaster@%s",
	"host mx.example.org[192.0.2.9] said: 554 5.7.1 IP 203.0.113.9 blocked. For removal write to abuse@%s (in reply to RCPT TO command)",
	"550 送信元IPアドレス 203.0.113.9 はブロックされています。解除は postmaster@%s までご連絡ください",
	"554 Ihre IP-Adresse 203.0.113.9 ist gesperrt, wenden Sie sich an abuse@%s",
	"550 5.7.1 Your IP 203.0.113.9 is blacklisted, see mailto:delist@%s",
}

// recipientFamilies builds the rows of every catalog receiver's mail
// domains (a domain two receivers list is left out).
func recipientFamilies(c *Catalog) []familyRow {
	owners := map[string]int{}
	for _, p := range c.Providers() {
		for _, h := range append(append([]string(nil), p.Hosts...), p.Domains...) {
			owners[h]++
		}
	}
	var rows []familyRow
	for _, p := range c.Providers() {
		if p.Kind != KindProprietary {
			continue
		}
		// a relay of another receiver's, for the smarthost's row
		relay, relayID := "us-smtp-inbound-1.mimecast.com[205.139.110.1]", "mimecast"
		if p.ID == "mimecast" {
			relay, relayID = "mx0a-00123401.pphosted.com[148.163.150.1]", "proofpoint"
		}
		for _, h := range p.Hosts {
			if owners[h] > 1 {
				continue
			}
			for _, local := range []string{"bob", "postmaster"} {
				addr := local + "@" + h
				for _, f := range recipientQuoted {
					rows = append(rows, familyRow{"recipient of " + p.ID, strings.ReplaceAll(f, "%s", addr), Blocklist, ""})
				}
				rows = append(rows, familyRow{"recipient of " + p.ID + ", a relay's host", fmt.Sprintf("host %s said: 550 5.7.1 Your IP 203.0.113.9 is blacklisted (for <%s>) (in reply to RCPT TO command)", relay, addr), Blocklist, relayID})
			}
			for _, f := range contactOffered {
				rows = append(rows, familyRow{"contact of " + p.ID, strings.ReplaceAll(f, "%s", h), Blocklist, p.ID})
			}
		}
	}
	return rows
}

func TestRecipientAddressFamilies(t *testing.T) {
	checkFamilies(t, recipientRealRows)
	rows := recipientFamilies(Default())
	t.Logf("%d real rows and the round's examples, %d rows written from the catalog receivers' mail domains", len(recipientRealRows), len(rows))
	checkFamilies(t, rows)
}

// TestRecipientAddressMemo: Memo, which masks the addresses of domains
// no provider holds and keeps a provider's whole, gives Classify's
// verdict on the family's rows, with their addresses' local parts and
// domains varied (a recipient's local part a role's, a contact's an
// ordinary one, the domain one no provider holds).
func TestRecipientAddressMemo(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	rows := append(append([]familyRow(nil), recipientRealRows...), recipientFamilies(c)...)
	for _, h := range []string{"example.org", "mail.example.net"} {
		for _, f := range append(append([]string(nil), recipientQuoted...), contactOffered...) {
			for _, local := range []string{"bob@", "postmaster@", ""} {
				rows = append(rows, familyRow{text: strings.ReplaceAll(f, "%s", local+h)})
			}
		}
	}
	for _, r := range rows {
		for _, text := range []string{r.text, strings.ReplaceAll(r.text, "bob@", "abuse@"), strings.ReplaceAll(r.text, "postmaster@", "carol@"),
			strings.ReplaceAll(strings.ReplaceAll(r.text, "bob@", "dave@"), "postmaster@", "erin@")} {
			in := InputFromText(text, "")
			want := c.Classify(in)
			if got := m.Classify(in).Clone(); got != want {
				t.Errorf("Memo.Classify(%q)\n= %+v\nwant %+v", text, got, want)
			}
		}
	}
}

// TestRecipientAddressFound: a receiver's own rule knows its receiver by
// a link or a contact address of its (found url), not by the recipient's
// address the reply quotes.
func TestRecipientAddressFound(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ text, provider, found string }{
		{"550 5.7.1 Unable to deliver to <x@docomo.ne.jp>: Message rejected due to sender IP [192.0.2.1] policy. (by docomo)", "docomo", FoundNamed},
		{"553 5.3.0 flpd568 DNSBL:RBL 521< x.xx.xx.xx >_is_blocked.For assistance forward this error to abuse_rbl@abuse-att.net", "att", FoundURL},
		{"554 IP=192.0.2.1 - A problem occurred. (Ask your postmaster for help or to contact tosa@rx.t-online.de to clarify.) (BL)", "tonline", FoundURL},
	} {
		if v := c.Classify(InputFromText(tc.text, "")); v.Provider != tc.provider || v.Found != tc.found {
			t.Errorf("%q: %s found %q (rule %s), want %s found %q", tc.text, v.Provider, v.Found, v.Rule, tc.provider, tc.found)
		}
	}
}
