package main

import (
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// publicIP is our host's public address as the receivers see it: Postfix
// sends from 127.0.0.10 on loopback, and the fake remotes name 192.0.2.10
// (TEST-NET-1) in their replies, as receivers name the public address of a
// host behind NAT. A loopback address would not do: rblwatch rightly never
// takes 127.x.y.z in a reply for the listed address (DNSBL answers look like
// that), so the listed-IP extraction could not be checked.
const publicIP = "192.0.2.10"

// Real reply texts, from ../shared/corpus/rejections.tsv (beside the repository), its logs/ and
// the test-bench notes, with the addresses they name replaced: "{ip}" is
// publicIP, and recipient addresses are ours.
var (
	// Spamhaus through a Postfix receiver's reject_rbl_client
	// (zone-mta config/bounces.txt line 158).
	spamhausZen = []string{"554 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"}
	// Spamhaus SBL-XBL (zone-mta config/bounces.txt line 149).
	spamhausSBLXBL = []string{"554 5.7.1 Service unavailable; Client host [{ip}] blocked using sbl-xbl.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"}
	// Barracuda ESS (thunderbird/mailstrom#162 Diagnostic-Code): the client
	// host is our name, the IP only in the URL.
	barracuda = []string{"550 Service unavailable; Client host [mail.example.test] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip={ip} (partner@lawfirm.test:blocked)"}
	// Trend Micro ERS deferral (test-bench NOTES.md §4).
	trendMicro = []string{"450 4.7.1 Service temporarily unavailable; Client host [{ip}] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address={ip}; Mail from {ip} deferred using Trend Micro Email Reputation database."}
	// Outlook.com S3150 (simple-login/app#1875).
	microsoftS3150 = []string{"550 5.7.1 Unfortunately, messages from [{ip}] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors."}
	// Exchange Online 5.7.606 (SendGrid blocks list, pastebin LkiQYSWa).
	microsoft606 = []string{"550 5.7.606 Access denied, banned sending IP [{ip}]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 (AS16012609) [VE1EUR02FT006.eop-EUR02.prod.protection.outlook.com]"}
	// Gmail, low IP reputation, temporary (ustclug/discussions#15 log line).
	gmail421 = []string{
		"421-4.7.0 [{ip}      15] Our system has detected that this message is",
		"421-4.7.0 suspicious due to the very low reputation of the sending IP address.",
		"421-4.7.0 To protect our users from spam, mail sent from your IP address has",
		"421-4.7.0 been temporarily rate limited. Please visit",
		"421 4.7.0  https://support.google.com/mail/answer/188131 for more information. a78si25816854pfj.35 - gsmtp",
	}
	// Gmail, IP blocked (docker-mailman#303 log line).
	gmail550 = []string{
		"550-5.7.1 [{ip}       1] Our system has detected an unusual rate of",
		"550-5.7.1 unsolicited mail originating from your IP address. To protect our",
		"550-5.7.1 users from spam, mail sent from your IP address has been blocked.",
		"550-5.7.1 Please visit",
		"550-5.7.1  https://support.google.com/mail/?p=UnsolicitedIPError to review our",
		"550 5.7.1 Bulk Email Senders Guidelines. q16si3475662wrs.311 - gsmtp",
	}
	// Yahoo TSS04, at MAIL FROM (Mailu#1458 log line).
	yahooTSS04 = []string{"421 4.7.0 [TSS04] Messages from {ip} temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html"}
	// Proofpoint, at the greeting (Mailu#1458 log line).
	proofpoint = []string{"554 Blocked - see https://ipcheck.proofpoint.com/?ip={ip}"}

	// Negatives: not a listing.
	// Gmail user unknown (sisimai set-of-emails lhost-postfix-31.eml).
	gmailNoSuchUser = []string{
		"550-5.1.1 The email account that you tried to reach does not exist. Please try",
		"550-5.1.1 double-checking the recipient's email address for typos or",
		"550-5.1.1 unnecessary spaces. Learn more at",
		"550 5.1.1 https://support.google.com/mail/?p=NoSuchUser 000000",
	}
	// Outlook.com mailbox unavailable (note.com/sendmagic).
	outlookNoMailbox = []string{"550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [PU1APC01FT044.eop-APC01.prod.protection.outlook.com]"}
	// Gmail mailbox full (Postmark SMTP field manual).
	gmailOverQuota = []string{"452 4.2.2 The email account that you tried to reach is over quota. Please direct the recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp"}
	// Greylisting (postfix-grok-patterns test smtp_0020).
	greylisted = []string{"450 4.7.1 <erin@smallbiz.test>: Recipient address rejected: Greylisted for 5 minutes"}
	// Greylisting, multi-line, no enhanced code (Lightmeter test log
	// 6_deferred_message_retry).
	greylistedMulti = []string{
		"451-You have been greylisted. This is part of our standard anti-spam measures",
		"451-and your mail system should automatically try again later. We will accept",
		"451 this mail from you in 42 seconds",
	}
)

// Our side: alice and the newsletter write from example.test, whose mail
// store takes the bounces; root's cron writes with sendmail.
var mailstore = remote{domain: "example.test", host: "mailstore.example.test", ip: "127.0.0.20"}

const (
	alice = "alice@example.test"
	news  = "news@example.test"
	root  = "root@example.test"
)

var scenarios = []scenario{
	{
		// The story README's first command replays: a morning at
		// mail.example.test. Outlook refuses us (S3150) and still does at
		// the end; Acme's Trend Micro gateway defers us, then takes the mail
		// (cleared); a university bounces us through Spamhaus. Greylisting
		// at smallbiz.test and an unknown Gmail user are not incidents.
		name: "sample",
		remotes: []remote{
			mailstore,
			{domain: "gmail.test", host: "mx.gmail.test", ip: "127.0.0.12", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^nobody@`, Reply: gmailNoSuchUser},
			}},
			{domain: "outlook.test", host: "mx.outlook.test", ip: "127.0.0.11", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Reply: microsoftS3150},
			}},
			{domain: "acme.test", host: "mx.acme.test", ip: "127.0.0.13", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Times: 2, Reply: trendMicro},
			}},
			{domain: "smallbiz.test", host: "mx.smallbiz.test", ip: "127.0.0.14", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^erin@`, Times: 1, Reply: greylisted},
			}},
			{domain: "uni.test", host: "mx.uni.test", ip: "127.0.0.15", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Reply: spamhausZen},
			}},
		},
		steps: func(b *bench) error {
			steps := []func() (string, error){
				func() (string, error) { return b.smtp(alice, "Lunch?", sent("bob@gmail.test")) },
				func() (string, error) { return b.smtp(news, "Our November newsletter", bounced("carol@outlook.test")) },
				func() (string, error) { return b.smtp(alice, "Invoice 2291", deferred("dave@acme.test")) },
				func() (string, error) { return b.smtp(alice, "Quote", deferred("erin@smallbiz.test")) },
				func() (string, error) { return b.smtp(alice, "Guest lecture", bounced("frank@uni.test")) },
				func() (string, error) { return b.smtp(alice, "Hello", bounced("nobody@gmail.test")) },
			}
			var qids []string
			for _, step := range steps {
				qid, err := step()
				if err != nil {
					return err
				}
				qids = append(qids, qid)
				pause()
			}
			mixed, err := b.smtp(news, "Our November newsletter",
				bounced("grace@outlook.test"), sent("heidi@gmail.test"), deferred("ivan@acme.test"))
			if err != nil {
				return err
			}
			pause()
			if _, err := b.sendmail(root, "Cron <root@mail> backup report", sent("oncall@gmail.test")); err != nil {
				return err
			}
			pause()
			// The retry: Trend Micro and the greylisting now take the mail.
			if err := b.flush(map[string][]rcpt{
				qids[2]: {sent("dave@acme.test")},
				qids[3]: {sent("erin@smallbiz.test")},
				mixed:   {sent("ivan@acme.test")},
			}); err != nil {
				return err
			}
			pause()
			if _, err := b.smtp(news, "Our November newsletter", bounced("judy@outlook.test")); err != nil {
				return err
			}
			pause()
			_, err = b.smtp(alice, "Re: Lunch?", sent("bob@gmail.test"))
			return err
		},
	},
	{
		// Every provider once, each from its own receiver. After one retry
		// only Trend Micro's deferral has cleared.
		name: "providers",
		remotes: []remote{
			mailstore,
			{domain: "uni.test", host: "mx.uni.test", ip: "127.0.0.15", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Reply: spamhausSBLXBL},
			}},
			{domain: "lawfirm.test", host: "mx.lawfirm.test", ip: "127.0.0.16", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Reply: barracuda},
			}},
			{domain: "outlook.test", host: "mx.outlook.test", ip: "127.0.0.11", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^dan@`, Reply: microsoft606},
				{Stage: pt.StageRcpt, Reply: microsoftS3150},
			}},
			{domain: "gmail.test", host: "mx.gmail.test", ip: "127.0.0.12", rules: []pt.Rule{
				{Stage: pt.StageData, Match: `^bob@`, Reply: gmail550},
				{Stage: pt.StageData, Match: `^heidi@`, Reply: gmail421},
			}},
			{domain: "yahoo.test", host: "mx.yahoo.test", ip: "127.0.0.17", rules: []pt.Rule{
				{Stage: pt.StageMail, Reply: yahooTSS04},
			}},
			{domain: "bigcorp.test", host: "mx.bigcorp.test", ip: "127.0.0.18", rules: []pt.Rule{
				{Stage: pt.StageConnect, Reply: proofpoint},
			}},
			{domain: "acme.test", host: "mx.acme.test", ip: "127.0.0.13", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Times: 1, Reply: trendMicro},
			}},
		},
		steps: func(b *bench) error {
			for _, m := range []struct {
				subject string
				r       rcpt
			}{
				{"Exam dates", bounced("prof@uni.test")},
				{"Contract draft", bounced("partner@lawfirm.test")},
				{"Hello Carol", bounced("carol@outlook.test")},
				{"Hello Dan", bounced("dan@outlook.test")},
				{"Hello Bob", bounced("bob@gmail.test")},
			} {
				if _, err := b.smtp(alice, m.subject, m.r); err != nil {
					return err
				}
			}
			heidi, err := b.smtp(alice, "Hello Heidi", deferred("heidi@gmail.test"))
			if err != nil {
				return err
			}
			yuki, err := b.smtp(alice, "Hello Yuki", deferred("yuki@yahoo.test"))
			if err != nil {
				return err
			}
			buyer, err := b.smtp(alice, "Offer", deferred("buyer@bigcorp.test"))
			if err != nil {
				return err
			}
			dave, err := b.smtp(alice, "Invoice 2291", deferred("dave@acme.test"))
			if err != nil {
				return err
			}
			return b.flush(map[string][]rcpt{
				heidi: {deferred("heidi@gmail.test")},
				yuki:  {deferred("yuki@yahoo.test")},
				buyer: {deferred("buyer@bigcorp.test")},
				dave:  {sent("dave@acme.test")},
			})
		},
	},
	{
		// Refusals that are not listings: unknown users (Gmail multi-line,
		// Outlook), a full mailbox, greylisting (single and multi-line,
		// delivered on retry), a receiver that is down; and mail that goes
		// through, one of it by sendmail. No incident.
		name: "negatives",
		remotes: []remote{
			mailstore,
			{domain: "gmail.test", host: "mx.gmail.test", ip: "127.0.0.12", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^nobody@`, Reply: gmailNoSuchUser},
				{Stage: pt.StageRcpt, Match: `^full@`, Reply: gmailOverQuota},
			}},
			{domain: "outlook.test", host: "mx.outlook.test", ip: "127.0.0.11", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^ghost@`, Reply: outlookNoMailbox},
			}},
			{domain: "smallbiz.test", host: "mx.smallbiz.test", ip: "127.0.0.14", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^erin@`, Times: 1, Reply: greylisted},
			}},
			{domain: "uni.test", host: "mx.uni.test", ip: "127.0.0.15", rules: []pt.Rule{
				{Stage: pt.StageRcpt, Match: `^frank@`, Times: 1, Reply: greylistedMulti},
			}},
			{domain: "down.test", host: "mx.down.test", ip: "127.0.0.19", down: true},
		},
		steps: func(b *bench) error {
			if _, err := b.smtp(alice, "Lunch?", sent("bob@gmail.test")); err != nil {
				return err
			}
			if _, err := b.smtp(alice, "Hello", bounced("nobody@gmail.test")); err != nil {
				return err
			}
			if _, err := b.smtp(alice, "Hello", bounced("ghost@outlook.test")); err != nil {
				return err
			}
			full, err := b.smtp(alice, "Photos", deferred("full@gmail.test"))
			if err != nil {
				return err
			}
			erin, err := b.smtp(alice, "Quote", deferred("erin@smallbiz.test"))
			if err != nil {
				return err
			}
			frank, err := b.smtp(alice, "Guest lecture", deferred("frank@uni.test"))
			if err != nil {
				return err
			}
			ops, err := b.smtp(alice, "Status", deferred("ops@down.test"))
			if err != nil {
				return err
			}
			if _, err := b.sendmail(root, "Cron <root@mail> backup report", sent("oncall@gmail.test")); err != nil {
				return err
			}
			return b.flush(map[string][]rcpt{
				full:  {deferred("full@gmail.test")},
				erin:  {sent("erin@smallbiz.test")},
				frank: {sent("frank@uni.test")},
				ops:   {deferred("ops@down.test")},
			})
		},
	},
}
