package classify

import (
	"testing"

	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/reply"
)

func TestClassifyVerdicts(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name string
		in   Input
		want Verdict
	}{
		{
			name: "spamhaus quoted by Outlook: via from the text",
			in:   Input{Reply: reply.Parse("550 5.7.1 Service unavailable, Client host [198.51.100.7] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/198.51.100.7 (AS16012611)"), RemoteHost: "example-com.mail.protection.outlook.com", Command: "RCPT TO"},
			want: Verdict{Provider: "spamhaus", Category: Blocklist, Listed: "198.51.100.7", Code: 550, Enhanced: "5.7.1", Remote: "example-com.mail.protection.outlook.com", Command: "RCPT TO", Rule: "spamhaus-via-microsoft", Via: "microsoft", Found: FoundNamed},
		},
		{
			name: "spamhaus at an iCloud host: via from the host",
			in:   Input{Reply: reply.Parse("550 5.7.1 Mail from IP 198.51.100.7 was rejected due to listing in Spamhaus SBL. For details please see http://www.spamhaus.org/query/bl?ip=198.51.100.7"), RemoteHost: "mx01.mail.icloud.com"},
			want: Verdict{Provider: "spamhaus", Category: Blocklist, Listed: "198.51.100.7", Code: 550, Enhanced: "5.7.1", Remote: "mx01.mail.icloud.com", Rule: "spamhaus", Via: "apple", Found: FoundNamed},
		},
		{
			name: "open resolver: the receiver's fault, nothing listed",
			in:   Input{Reply: reply.Parse("554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/46.38.225.230/"), SendingIP: "198.51.100.7"},
			want: Verdict{Provider: "spamhaus", Category: Blocklist, Code: 554, Enhanced: "5.7.1", Rule: "spamhaus-resolver", ReceiverFault: true, Found: FoundNamed},
		},
		{
			name: "temporary, listed from the sending IP",
			in:   Input{Reply: reply.Parse("421 4.7.1 [TS03] All messages from x.x.x.x permanently deferred"), SendingIP: "192.0.2.1"},
			want: Verdict{Provider: "yahoo", Category: Blocklist, Listed: "192.0.2.1", Temporary: true, Code: 421, Enhanced: "4.7.1", Rule: "yahoo", Found: FoundCode},
		},
		{
			name: "unnamed list at a provider's host is that provider's",
			in:   Input{Reply: reply.Parse("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked."), RemoteHost: "mx.cox.net"},
			want: Verdict{Provider: "cox", Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Remote: "mx.cox.net", Rule: GenericRuleID, Found: FoundRelay},
		},
		{
			name: "a list the catalog does not know is that list, never the relaying receiver's",
			in:   Input{Reply: reply.Parse("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using rbl.example.org; see http://rbl.example.org/lookup"), RemoteHost: "example-com.mail.protection.outlook.com"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1", Remote: "example-com.mail.protection.outlook.com", Rule: GenericRuleID, Via: "microsoft", Found: FoundNamed, List: "rbl.example.org"},
		},
		{
			name: "a list the reply names by its link is that list, never the relaying receiver's (issue 12.6)",
			in:   Input{Reply: reply.Parse("550 5.7.1 Mail from 192.0.2.1 refused, see http://www.korea.services.net/"), RemoteHost: "contoso-com.mail.protection.outlook.com"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1", Remote: "contoso-com.mail.protection.outlook.com", Rule: GenericRuleID, Via: "microsoft", Found: FoundURL, List: "korea.services.net"},
		},
		{
			name: "a zone after 'in blacklist' is that list (issue 12.6)",
			in:   Input{Reply: reply.Parse("421 4.7.1 Temporarily rejected: 192.0.2.1 is in blacklist korea.services.net"), RemoteHost: "contoso-com.mail.protection.outlook.com"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Temporary: true, Code: 421, Enhanced: "4.7.1", Remote: "contoso-com.mail.protection.outlook.com", Rule: GenericRuleID, Via: "microsoft", Found: FoundNamed, List: "korea.services.net"},
		},
		{
			name: "a list named in Japanese before 'に登録' is that list (issue 12.6)",
			in:   Input{Reply: reply.Parse("550 5.7.1 送信元IPアドレス 192.0.2.1 は rbl.example.jp に登録されているため受信を拒否しました"), RemoteHost: "mx01.example-hosting.co.jp"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1", Remote: "mx01.example-hosting.co.jp", Rule: GenericRuleID, Via: "example-hosting.co.jp", Found: FoundNamed, List: "rbl.example.jp"},
		},
		{
			name: "a list named in Japanese after 'ブラックリスト（' is that list",
			in:   Input{Reply: reply.Parse("554 5.7.1 お客様のIPアドレス(192.0.2.1)はブラックリスト（bl.example.jp）に登録されています"), RemoteHost: "mx01.example-hosting.co.jp"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Remote: "mx01.example-hosting.co.jp", Rule: GenericRuleID, Via: "example-hosting.co.jp", Found: FoundNamed, List: "bl.example.jp"},
		},
		{
			name: "a list named by its name, not a zone, is that list, never the relaying receiver's (issue 12.6)",
			in:   Input{Reply: reply.Parse("550 Rejected: 192.0.2.1 is listed in the MegaRBL blacklist"), RemoteHost: "contoso-com.mail.protection.outlook.com"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 550, Remote: "contoso-com.mail.protection.outlook.com", Rule: GenericRuleID, Via: "microsoft", Found: FoundNamed, List: "megarbl"},
		},
		{
			name: "the receiver's own list named by a common word stays the receiver's",
			in:   Input{Reply: reply.Parse("550 Rejected: 192.0.2.1 is listed in the local blacklist"), RemoteHost: "contoso-com.mail.protection.outlook.com"},
			want: Verdict{Provider: "microsoft", Category: Blocklist, Listed: "192.0.2.1", Code: 550, Remote: "contoso-com.mail.protection.outlook.com", Rule: GenericRuleID, Found: FoundRelay},
		},
		{
			name: "a list's link in a pasted reply names the list",
			in:   Input{Reply: reply.Parse("550 Service unavailable; Client host [192.0.2.1] blocked, see https://rbl.example.org/lookup?ip=192.0.2.1")},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 550, Rule: GenericRuleID, Found: FoundURL, List: "rbl.example.org"},
		},
		{
			name: "a link to the receiver's own site is no list: the receiver refused us",
			in:   Input{Reply: reply.Parse("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked, see https://www.isp.example.net/spam"), RemoteHost: "mx1.isp.example.net"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Remote: "mx1.isp.example.net", Rule: GenericRuleID, Via: "example.net", Found: FoundGeneric},
		},
		{
			name: "Microsoft's short links are Microsoft's",
			in:   Input{Reply: reply.Parse("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked, see https://aka.ms/ip-blocked"), RemoteHost: "contoso-com.mail.protection.outlook.com"},
			want: Verdict{Provider: "microsoft", Category: Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1", Remote: "contoso-com.mail.protection.outlook.com", Rule: GenericRuleID, Found: FoundURL},
		},
		{
			name: "a named list from an unknown receiver: the receiver's domain is via",
			in:   Input{Reply: reply.Parse("554 Rejected: 192.0.2.1 is listed at work.drbl.example.net"), RemoteHost: "mx2.mail.example.co.jp"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 554, Remote: "mx2.mail.example.co.jp", Rule: GenericRuleID, Via: "example.co.jp", Found: FoundNamed, List: "work.drbl.example.net"},
		},
		{
			name: "a link to a provider's page names it",
			in:   Input{Reply: reply.Parse("550 5.7.1 Your IP 192.0.2.1 is blocked. See https://help.mail.ru/mail/postmaster/"), RemoteHost: "mx.example.org"},
			want: Verdict{Provider: "mailru", Category: Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1", Remote: "mx.example.org", Rule: GenericRuleID, Found: FoundURL},
		},
		{
			name: "a link to a receiver's support page names it",
			in:   Input{Reply: reply.Parse("554 5.7.1 Your server 192.0.2.1 is blocked for spam; see https://docs.rackspace.com/docs/common-email-bounces"), RemoteHost: "mx.example.org"},
			want: Verdict{Provider: "rackspace", Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Remote: "mx.example.org", Rule: GenericRuleID, Found: FoundURL},
		},
		{
			name: "a receiver called by its name in a pasted reply is that receiver",
			in:   Input{Reply: reply.Parse("554 5.7.1 Your IP 192.0.2.1 was refused by Biglobe for spam")},
			want: Verdict{Provider: "biglobe", Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Rule: GenericRuleID, Found: FoundNamed},
		},
		{
			name: "a name inside another word names no one",
			in:   Input{Reply: reply.Parse("554 5.7.1 Your IP 192.0.2.1 was refused by biglobeish for spam")},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Rule: GenericRuleID, Found: FoundGeneric},
		},
		{
			name: "the mail host outweighs a name",
			in:   Input{Reply: reply.Parse("554 5.7.1 Your IP 192.0.2.1 was refused by Biglobe for spam"), RemoteHost: "mx.cox.net"},
			want: Verdict{Provider: "cox", Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Remote: "mx.cox.net", Rule: GenericRuleID, Found: FoundRelay},
		},
		{
			name: "no one named, unknown receiver: unknown, the receiver is via",
			in:   Input{Reply: reply.Parse("554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked."), RemoteHost: "mx1.isp.example.net"},
			want: Verdict{Provider: Unknown, Category: Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1", Remote: "mx1.isp.example.net", Rule: GenericRuleID, Via: "example.net", Found: FoundGeneric},
		},
		{
			name: "no reply: never a list, network when nothing matches",
			in:   Input{Reply: reply.Parse("connect to mx.example.com[192.0.2.1]:25: blocked using zen.spamhaus.org"), NoReply: true},
			want: Verdict{Category: Network},
		},
		{
			name: "bare refusal at the greeting",
			in:   Input{Reply: reply.Parse("554 mx.example.com"), Greeting: true},
			want: Verdict{Provider: Unknown, Category: Blocklist, Code: 554, Rule: "unknown-greeting", Found: FoundGeneric},
		},
		{
			name: "a greeting refusal that only says no refuses the connecting address",
			in:   Input{Reply: reply.Parse("554 5.7.1 Connection refused"), Greeting: true},
			want: Verdict{Provider: Unknown, Category: Blocklist, Code: 554, Enhanced: "5.7.1", Rule: "unknown-greeting-refusal", Found: FoundGeneric},
		},
		{
			name: "the same words without a reply are a network failure",
			in:   Input{Reply: reply.Parse("connect to mx.example.com[192.0.2.1]:25: Connection refused"), NoReply: true},
			want: Verdict{Category: Network, Rule: "network"},
		},
		{
			name: "Postfix's access table at the greeting stays policy",
			in:   Input{Reply: reply.Parse("554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied"), Greeting: true},
			want: Verdict{Category: Policy, Code: 554, Enhanced: "5.7.1", Rule: "local-policy"},
		},
		{
			name: "a greeting refusal for the reverse DNS is not",
			in:   Input{Reply: reply.Parse("554 5.7.1 Connection refused: no reverse DNS for your address"), Greeting: true},
			want: Verdict{Category: Policy, Code: 554, Enhanced: "5.7.1", Rule: "reverse-dns"},
		},
		{
			name: "a receiver's own code that points to a list's home page is the receiver's verdict",
			in:   Input{Reply: reply.Parse("550 DY-001 Mail rejected by Windows Live Hotmail for policy reasons. We generally do not accept email from dynamic IP's. http://www.spamhaus.org maintains lists of dynamic and residential IP addresses."), SendingIP: "192.0.2.1"},
			want: Verdict{Provider: "microsoft", Category: Blocklist, Listed: "192.0.2.1", Code: 550, Rule: "microsoft-legacy-codes", Found: FoundNamed},
		},
		{
			name: "the same code with a link to the list's lookup page quotes the list",
			in:   Input{Reply: reply.Parse("550 DY-001 Mail rejected by Windows Live Hotmail for policy reasons. See https://www.spamhaus.org/query/ip/192.0.2.1"), SendingIP: "192.0.2.1"},
			want: Verdict{Provider: "spamhaus", Category: Blocklist, Listed: "192.0.2.1", Code: 550, Rule: "microsoft-legacy-codes", Via: "microsoft", Found: FoundURL},
		},
		{
			name: "reputation among the reasons, from a catalog receiver's own mail host, is that receiver's refusal",
			in:   Input{Reply: reply.Parse("550 Message rejected for policy reasons: content or sender reputation problems."), RemoteHost: "mta5.am0.yahoodns.net", SendingIP: "192.0.2.1"},
			want: Verdict{Provider: "yahoo", Category: Blocklist, Listed: "192.0.2.1", Code: 550, Remote: "mta5.am0.yahoodns.net", Rule: "unknown-reputation-linked", Found: FoundRelay},
		},
		{
			name: "the same from a mail host the catalog does not know stays policy",
			in:   Input{Reply: reply.Parse("550 Message rejected for policy reasons: content or sender reputation problems."), RemoteHost: "mx.example.org", SendingIP: "192.0.2.1"},
			want: Verdict{Category: Policy, Code: 550, Remote: "mx.example.org", Rule: "local-policy"},
		},
		{
			name: "sendmail's failed list lookup is the receiver's DNS, not a listing",
			in:   Input{Reply: reply.Parse("451 4.7.1 Temporary lookup failure of 192.0.2.1 at zen.spamhaus.org"), SendingIP: "192.0.2.1"},
			want: Verdict{Category: Network, Code: 451, Enhanced: "4.7.1", Temporary: true, Rule: "dnsbl-lookup-failure"},
		},
		{
			name: "the same reply after DATA is not",
			in:   Input{Reply: reply.Parse("554 mx.example.com"), Command: "end of DATA"},
			want: Verdict{Category: Other, Code: 554, Command: "end of DATA"},
		},
		{
			name: "category rule: no provider, no listed address",
			in:   Input{Reply: reply.Parse("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown"), SendingIP: "192.0.2.1"},
			want: Verdict{Category: Recipient, Code: 550, Enhanced: "5.1.1", Rule: "recipient-unknown"},
		},
		{
			name: "empty",
			in:   Input{},
			want: Verdict{Category: Other},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Classify(tc.in); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestInputFromText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Input
	}{
		{"Diagnostic-Code: smtp; 550 5.7.1 blocked using zen.spamhaus.org", Input{Reply: reply.Parse("550 5.7.1 blocked using zen.spamhaus.org")}},
		{"host mx.example.com[192.0.2.1] said: 550 5.7.1 No (in reply to RCPT TO command)", Input{Reply: reply.Parse("550 5.7.1 No"), RemoteHost: "mx.example.com", RemoteIP: "192.0.2.1", Command: "RCPT TO"}},
		{"status=deferred (host mx.example.com[192.0.2.1] refused to talk to me: 554 go away)", Input{Reply: reply.Parse("554 go away"), RemoteHost: "mx.example.com", RemoteIP: "192.0.2.1", Greeting: true}},
		{"  421 4.7.0 try later  ", Input{Reply: reply.Parse("421 4.7.0 try later")}},
		// Our smtpd's rejects: the client is the address refused.
		{"NOQUEUE: reject: RCPT from mail.example.org[192.0.2.7]: 554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org; from=<a@example.org> to=<b@example.net> proto=ESMTP helo=<mail.example.org>", Input{Reply: reply.Parse("554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org"), SendingIP: "192.0.2.7"}},
		{"NOQUEUE: reject: CONNECT from [192.0.2.8]:1337: all server ports busy", Input{Reply: reply.Parse("all server ports busy"), SendingIP: "192.0.2.8"}},
		{"NOQUEUE: reject: RCPT from <redacted>: 554 5.7.1 Service unavailable", Input{Reply: reply.Parse("554 5.7.1 Service unavailable")}},
		// Exim bounces and logs.
		{"host mx.example.com [192.0.2.1]\n    SMTP error from remote mail server after RCPT TO:<a@example.com>:\n    550 5.7.1 No", Input{Reply: reply.Parse("550 5.7.1 No"), RemoteHost: "mx.example.com", RemoteIP: "192.0.2.1", Command: "RCPT TO"}},
		{"host xx.comcast.net [x.xx.xx.xx] SMTP error from remote mail server after initial connection: 554 xx.comcast.net comcast go away", Input{Reply: reply.Parse("554 xx.comcast.net comcast go away"), RemoteHost: "xx.comcast.net", RemoteIP: "x.xx.xx.xx", Greeting: true}},
		{"SMTP error from remote mail server after MAIL FROM:<marc@example.com> SIZE=1681: 421 4.7.0 later", Input{Reply: reply.Parse("421 4.7.0 later"), Command: "MAIL FROM"}},
		{"SMTP error from remote mail server after pipelined end of data: 451 4.7.500 Server busy", Input{Reply: reply.Parse("451 4.7.500 Server busy"), Command: "end of DATA"}},
		// Gmail's bounce: the host after "by", the reply after its marker
		{"Technical details of permanent failure: Google tried to deliver your message, but it was rejected by the server for the recipient domain example.org by mx.example.org. [192.0.2.1]. The error that the other server returned was: 550 5.7.1 No", Input{Reply: reply.Parse("550 5.7.1 No"), RemoteHost: "mx.example.org", RemoteIP: "192.0.2.1"}},
		// Exim's main log line: the host in its H= field
		{"2024-01-01 10:00:00 1abc-0001 ** a@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.1] X=TLS1.2:ECDHE: SMTP error from remote mail server after RCPT TO:<a@example.com>: 550 5.7.1 No", Input{Reply: reply.Parse("550 5.7.1 No"), RemoteHost: "mx.example.com", RemoteIP: "192.0.2.1", Command: "RCPT TO"}},
		{"== a@example.com R=dnslookup T=remote_smtp defer (-44) H=mx.example.com: SMTP error from remote mail server after MAIL FROM:<b@example.org>: 451 later", Input{Reply: reply.Parse("451 later"), RemoteHost: "mx.example.com", Command: "MAIL FROM"}},
	} {
		if got := InputFromText(tc.in, ""); got != tc.want {
			t.Errorf("InputFromText(%q)\n got  %+v\n want %+v", tc.in, got, tc.want)
		}
	}
}

func TestInputFromRecord(t *testing.T) {
	said := &postfixlog.Record{Kind: postfixlog.KindDelivery, Stage: postfixlog.StageSaid, RemoteHost: "mx.example.com", RemoteIP: "192.0.2.1", Command: "RCPT TO", Reply: reply.Parse("550 5.7.1 blocked")}
	if got := InputFromRecord(said, "198.51.100.1"); got != (Input{Reply: said.Reply, RemoteHost: "mx.example.com", RemoteIP: "192.0.2.1", Command: "RCPT TO", SendingIP: "198.51.100.1"}) {
		t.Errorf("said: %+v", got)
	}
	greet := &postfixlog.Record{Kind: postfixlog.KindDelivery, Stage: postfixlog.StageGreeting, RemoteHost: "mx.example.com", Reply: reply.Parse("554 no")}
	if got := InputFromRecord(greet, ""); !got.Greeting || got.NoReply {
		t.Errorf("greeting: %+v", got)
	}
	lost := &postfixlog.Record{Kind: postfixlog.KindDelivery, Stage: postfixlog.StageConnect, RelayHost: "mx.example.com", Reply: reply.Parse("connect to mx.example.com[192.0.2.1]:25: Connection refused")}
	if got := InputFromRecord(lost, ""); !got.NoReply || got.RemoteHost != "mx.example.com" {
		t.Errorf("connect: %+v", got)
	}
	local := &postfixlog.Record{Kind: postfixlog.KindDelivery, Stage: postfixlog.StageLocal, Detail: "Host or domain name not found. Name service error for name=example.invalid type=MX: Host not found"}
	if got := InputFromRecord(local, ""); !got.NoReply || got.Reply.Text != local.Detail {
		t.Errorf("local: %+v", got)
	}
	rej := &postfixlog.Record{Kind: postfixlog.KindReject, ClientIP: "203.0.113.9", Command: "RCPT", Reply: reply.Parse("554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org")}
	if got := InputFromRecord(rej, ""); got.SendingIP != "203.0.113.9" || got.RemoteHost != "" {
		t.Errorf("reject: %+v", got)
	}
}

func TestLinks(t *testing.T) {
	p := &Provider{LookupURL: "https://example.net/query/ip/{ip}?q={domain}&x=1", RemovalURL: "mailto:delist@example.net"}
	if got, want := p.LookupLink("2001:db8::1"), "https://example.net/query/ip/2001:db8::1?q=2001%3Adb8%3A%3A1&x=1"; got != want {
		t.Errorf("LookupLink = %q, want %q", got, want)
	}
	if got, want := p.LookupLink("a b&c"), "https://example.net/query/ip/a%20b&c?q=a+b%26c&x=1"; got != want {
		t.Errorf("LookupLink = %q, want %q", got, want)
	}
	// Braces that are no placeholder kept, one right before one.
	p.RemovalURL = "https://example.net/{x}/{{ip}/{ip}{domain"
	if got, want := p.RemovalLink("192.0.2.1"), "https://example.net/{x}/{192.0.2.1/192.0.2.1{domain"; got != want {
		t.Errorf("RemovalLink = %q, want %q", got, want)
	}
	p.RemovalURL = "mailto:delist@example.net"
	if got := p.RemovalLink("192.0.2.1"); got != "mailto:delist@example.net" {
		t.Errorf("RemovalLink = %q", got)
	}
	if got := (&Provider{}).LookupLink("192.0.2.1"); got != "" {
		t.Errorf("no template: %q", got)
	}
	if got, want := Default().Provider("spamhaus").LookupLink("192.0.2.1"), "https://check.spamhaus.org/results/?query=192.0.2.1"; got != want {
		t.Errorf("spamhaus lookup = %q, want %q", got, want)
	}
}

// TestClassifyConcurrent: one catalog, many goroutines, the same answers as
// one at a time (run with -race).
func TestClassifyConcurrent(t *testing.T) {
	c := Default()
	var ins []Input
	for _, k := range knownReplies {
		ins = append(ins, Input{Reply: reply.Parse(k.text), SendingIP: "192.0.2.1"})
	}
	want := make([]Verdict, len(ins))
	for i, in := range ins {
		want[i] = c.Classify(in)
	}
	errs := make(chan string, 8*len(ins))
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func(g int) {
			defer func() { done <- struct{}{} }()
			for n := 0; n < len(ins); n++ {
				i := (n + g*7) % len(ins)
				if got := c.Classify(ins[i]); got != want[i] {
					errs <- ins[i].Reply.Text
				}
			}
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	close(errs)
	for text := range errs {
		t.Errorf("different verdict under concurrency: %s", text)
	}
}
