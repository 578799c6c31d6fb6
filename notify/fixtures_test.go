package notify

import (
	"net/mail"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
)

// Fixtures for the golden tests. The providers are written out here rather
// than taken from the embedded catalog, so that editing the catalog's prose
// does not churn the goldens; the catalog's own tests cover its texts.

func spamhausFixture() *classify.Provider {
	return &classify.Provider{
		ID:         "spamhaus",
		Name:       "Spamhaus",
		Kind:       classify.KindDNSBL,
		LookupURL:  "https://check.spamhaus.org/results/?query={ip}",
		RemovalURL: "https://check.spamhaus.org/",
		RemovalTime: classify.Text{
			En: "usually within an hour for PBL and XBL self-removal; SBL listings are handled with your ISP",
			Ja: "PBL と XBL は自己申請で通常1時間以内。SBL はプロバイダー経由での対応になります",
		},
		SelfService: true,
		Meaning: classify.Text{
			En: "Spamhaus publishes the most widely used block lists. ZEN combines SBL (spam sources), CSS (snowshoe spam), XBL (hijacked or infected hosts) and PBL (addresses that should not send mail directly).",
			Ja: "Spamhaus は最も広く使われているブロックリストの運営団体です。ZEN は SBL（スパム送信元）、CSS（分散型スパム）、XBL（乗っ取り・感染したホスト）、PBL（直接メールを送るべきでないアドレス）をまとめたリストです。",
		},
		Advice: classify.Text{
			En: "1. Look the address up to see which list names it and why.\n2. XBL or CSS: find and fix the infected host, open relay or wrong HELO name first.\n3. Then request removal on the lookup page.",
			Ja: "1. 確認ページでアドレスを検索し、どのリストに、どの理由で登録されているかを確認してください。\n2. XBL または CSS の場合は、感染したホスト、オープンリレー、誤った HELO 名などの原因を先に解消してください。\n3. その後、確認ページから解除を申請してください。",
		},
		ListAdvice: map[string]classify.Text{
			"xbl": {
				En: "XBL: find and clean the infected host behind the address.\nThen request removal on the lookup page.",
				Ja: "XBL: アドレスの背後にある感染したホストを特定して対処してください。\nその後、確認ページから解除を申請してください。",
			},
			"pbl": {
				En: "PBL: request removal only for a real mail server with a static address.",
				Ja: "PBL: 固定アドレスの正規のメールサーバーの場合に限り、除外を申請してください。",
			},
		},
	}
}

func barracudaFixture() *classify.Provider {
	return &classify.Provider{
		ID:          "barracuda",
		Name:        "Barracuda",
		Kind:        classify.KindDNSBL,
		LookupURL:   "https://www.barracudacentral.org/lookups/lookup-reputation?ip={ip}",
		RemovalURL:  "https://www.barracudacentral.org/rbl/removal-request?ip={ip}",
		SelfService: true,
		Meaning:     classify.Text{En: "Barracuda's reputation list, used by Barracuda appliances.", Ja: "Barracuda 製品が参照するレピュテーションリストです。"},
		Advice:      classify.Text{En: "Fix the cause, then request removal.", Ja: "原因を解消してから解除を申請してください。"},
	}
}

func spamcopFixture() *classify.Provider {
	return &classify.Provider{
		ID:        "spamcop",
		Name:      "SpamCop",
		Kind:      classify.KindDNSBL,
		LookupURL: "https://www.spamcop.net/bl.shtml?{ip}",
		Meaning:   classify.Text{En: "SpamCop lists addresses reported for spam; listings expire by themselves.", Ja: "SpamCop は迷惑メールの報告があったアドレスを登録します。登録は時間の経過で自動的に解除されます。"},
		Advice:    classify.Text{En: "Stop the spam; the listing expires within a day.", Ja: "迷惑メールの送信を止めてください。登録は1日以内に自動で解除されます。"},
	}
}

func microsoftFixture() *classify.Provider {
	return &classify.Provider{
		ID:         "microsoft",
		Name:       "Microsoft (Outlook.com)",
		Kind:       classify.KindProprietary,
		RemovalURL: "https://sender.office.com/",
		RemovalTime: classify.Text{
			En: "1 to 2 hours after the portal accepts the request; escalations take 24 to 48 hours",
			Ja: "ポータルで申請が受理されてから1〜2時間。エスカレーションした場合は24〜48時間",
		},
		SelfService: true,
		Meaning: classify.Text{
			En: "Outlook.com and Microsoft 365 keep their own reputation of sending IP addresses. There is no public list to query.",
			Ja: "Outlook.com と Microsoft 365 は、送信元 IP アドレスの評価を独自に管理しています。問い合わせできる公開リストはありません。",
		},
		Advice: classify.Text{
			En: "Request delisting at the sender portal with the IP address and the rejection text.",
			Ja: "送信者ポータルから、IP アドレスと拒否メッセージを添えて解除を申請してください。",
		},
	}
}

var (
	t0  = time.Date(2026, 3, 14, 9, 26, 3, 0, time.UTC)
	jst = time.FixedZone("JST", 9*60*60)
)

const spamhausReply = "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1"

func spamhausIncident() incident.Incident {
	return incident.Incident{
		ID:        "spamhaus-192.0.2.1-20260314T092603Z",
		Key:       incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"},
		Status:    incident.Ongoing,
		FirstSeen: t0,
		LastSeen:  t0.Add(25 * time.Minute),
		Verdict: classify.Verdict{
			Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1",
			Code: 554, Enhanced: "5.7.1", Remote: "mx1.example.org", Command: "RCPT TO", Rule: "spamhaus-blocked-using",
		},
		Bounced:  1,
		Deferred: 5,
		Messages: []incident.Message{
			{QueueID: "4BF2C1E0A3", From: "alice@example.net", FromKnown: true, Login: "alice", Client: "laptop.example.net[192.0.2.55]", Recipients: []string{"bob@example.org"}, Fate: incident.FateDeferred, FirstSeen: t0, LastSeen: t0.Add(25 * time.Minute)},
			{QueueID: "7D41A2B9F0", From: "carol@example.net", FromKnown: true, Recipients: []string{"dave@example.org", "erin@example.org", "frank@example.org", "grace@example.org"}, Fate: incident.FateBounced, FirstSeen: t0.Add(2 * time.Minute), LastSeen: t0.Add(2 * time.Minute)},
			{QueueID: "91C0FF3E12", From: "", FromKnown: true, Recipients: []string{"info@example.com"}, Fate: incident.FateDeferred, FirstSeen: t0.Add(10 * time.Minute), LastSeen: t0.Add(20 * time.Minute)},
		},
		Recipients: []string{"bob@example.org", "dave@example.org", "erin@example.org", "frank@example.org", "grace@example.org", "info@example.com"},
		Domains:    []string{"example.com", "example.org"},
		Remotes:    []string{"mx1.example.org", "mx.example.com"},
		Samples: []string{
			"Mar 14 09:26:03 mail postfix/smtp[20056]: 4BF2C1E0A3: to=<bob@example.org>, relay=mx1.example.org[198.51.100.25]:25, delay=0.4, delays=0.01/0.01/0.2/0.18, dsn=4.7.1, status=deferred (host mx1.example.org[198.51.100.25] said: 450 4.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org (in reply to RCPT TO command))",
			"Mar 14 09:28:11 mail postfix/smtp[20061]: 7D41A2B9F0: to=<dave@example.org>, relay=mx1.example.org[198.51.100.25]:25, delay=0.5, delays=0.01/0.01/0.3/0.18, dsn=5.7.1, status=bounced (host mx1.example.org[198.51.100.25] said: " + spamhausReply + " (in reply to RCPT TO command))",
		},
	}
}

func spamhausChecks() []Check {
	return []Check{{Zone: "zen.spamhaus.org", Status: CheckListed, Meaning: "XBL: exploited or infected host", MeaningJa: "XBL：乗っ取られた、またはマルウェアに感染したホスト", Lists: []string{"xbl"}, TXT: "https://check.spamhaus.org/query/ip/192.0.2.1"}}
}

func testConfig() Config {
	return Config{
		From:     mail.Address{Name: "rblwatch", Address: "rblwatch@mail.example.net"},
		To:       []mail.Address{{Address: "postmaster@example.net"}},
		Renotify: 24 * time.Hour,
	}
}

// composeCase is one golden: the inputs and what a reader must find.
type composeCase struct {
	name    string
	notice  Notice
	cfg     Config
	now     time.Time
	msgID   string
	subject string   // the decoded Subject, written out by hand
	want    []string // phrases the decoded text body must contain
	wantNot []string // phrases it must not contain
}

func composeCases() []composeCase {
	inc := spamhausIncident()

	digest := inc
	digest.Notified = t0.Add(30 * time.Second)
	digest.LastSeen = t0.Add(23 * time.Hour)
	digest.Deferred = 41
	digest.Bounced = 3
	// The counts at the previous notice, and when it went out (as the
	// daemon stores them): the digest counts and dates from there.
	prev := Counts{Messages: 2, Recipients: 5, Bounced: 1, Deferred: 3, At: t0.Add(2 * time.Hour)}

	cleared := inc
	cleared.Status = incident.Cleared
	cleared.ClearedAt = t0.Add(4*time.Hour + 14*time.Minute)
	cleared.ClearedBy = "delivered"
	cleared.Messages = append([]incident.Message(nil), inc.Messages...)
	cleared.Messages[0].Fate = incident.FateDelivered
	cleared.Messages[2].Fate = incident.FateExpired
	cleared.MoreMessages = 2

	// Closed by the quiet period: 6 hours after the last rejection.
	quiet := inc
	quiet.Status = incident.Cleared
	quiet.ClearedAt = inc.LastSeen.Add(6 * time.Hour)
	quiet.ClearedBy = "quiet"
	stillListed := spamhausChecks()
	notListed := []Check{{Zone: "zen.spamhaus.org", Status: CheckClean}}
	noIPv6 := []Check{{Zone: "zen.spamhaus.org", Status: CheckClean, NoIPv6: true}}
	inc6 := inc
	inc6.Key.Listed = "2001:db8::25"
	inc6.ID = "spamhaus-2001:db8::25"

	selfListed := incident.Incident{
		ID:        "self-spamhaus-192.0.2.1",
		Key:       incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"},
		FirstSeen: t0,
	}
	selfDelisted := selfListed
	selfDelisted.ClearedAt = t0.Add(27*time.Hour + 5*time.Minute)
	selfDBL := incident.Incident{
		ID:        "self-spamhaus-example.net",
		Key:       incident.Key{Provider: "spamhaus", Listed: "example.net"},
		FirstSeen: t0.Add(time.Hour),
	}
	selfBarracuda := incident.Incident{
		ID:        "self-barracuda-192.0.2.1",
		Key:       incident.Key{Provider: "barracuda", Listed: "192.0.2.1"},
		FirstSeen: t0,
	}

	ms := incident.Incident{
		ID:        "microsoft-192.0.2.1-20260314T092603Z",
		Key:       incident.Key{Provider: "microsoft", Listed: "192.0.2.1"},
		Status:    incident.Ongoing,
		FirstSeen: t0,
		LastSeen:  t0,
		Verdict: classify.Verdict{
			Provider: "microsoft", Category: classify.Blocklist, Listed: "192.0.2.1",
			Code: 550, Enhanced: "5.7.1", Remote: "hotmail-com.olc.protection.outlook.com", Command: "MAIL FROM",
		},
		Bounced:    1,
		Messages:   []incident.Message{{QueueID: "1310930001DB", From: "alice@example.net", FromKnown: true, Recipients: []string{"someone@hotmail.com"}, Fate: incident.FateBounced, FirstSeen: t0, LastSeen: t0}},
		Recipients: []string{"someone@hotmail.com"},
		Domains:    []string{"hotmail.com"},
		Remotes:    []string{"hotmail-com.olc.protection.outlook.com"},
		Samples: []string{
			"Mar 14 09:26:03 mail postfix/smtp[20056]: 1310930001DB: to=<someone@hotmail.com>, relay=hotmail-com.olc.protection.outlook.com[104.47.10.33]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host hotmail-com.olc.protection.outlook.com[104.47.10.33] said: 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. (in reply to MAIL FROM command))",
		},
	}
	fault := inc
	fault.Verdict.ReceiverFault = true
	fault.Verdict.Via = "microsoft"
	// A receiver at fault whose refusals all bounced: nothing waits in
	// the queue, and the notice must not say it does.
	faultBounce := fault
	faultBounce.Deferred = 0
	faultBounce.Bounced = 2
	faultBounce.Messages = []incident.Message{inc.Messages[1]}
	faultBounce.Samples = inc.Samples[1:]

	unknown := incident.Incident{
		ID:        "unknown-example.net-20260314T092603Z",
		Key:       incident.Key{Provider: "unknown", Listed: "Example.NET"},
		Status:    incident.Ongoing,
		FirstSeen: t0,
		LastSeen:  t0.Add(time.Minute),
		Verdict:   classify.Verdict{Provider: "unknown", Category: classify.Blocklist, Listed: "example.net", Code: 550, Remote: "mx.example.com"},
		Bounced:   2,
		Messages: []incident.Message{
			{QueueID: "3F2A1B0C9D", From: "alice@example.net", FromKnown: true, Recipients: []string{"a@example.com", "b@example.com"}, Fate: incident.FateBounced, FirstSeen: t0, LastSeen: t0},
		},
		Recipients: []string{"a@example.com", "b@example.com"},
		Domains:    []string{"example.com"},
		Remotes:    []string{"mx.example.com"},
	}

	// One IP listed by three providers within the aggregation window: one
	// notice, the other two as Related.
	barracuda := incident.Incident{
		ID:        "barracuda-192.0.2.1-20260314T092610Z",
		Key:       incident.Key{Provider: "barracuda", Listed: "192.0.2.1"},
		Status:    incident.Ongoing,
		FirstSeen: t0.Add(7 * time.Second),
		LastSeen:  t0.Add(12 * time.Minute),
		Verdict: classify.Verdict{Provider: "barracuda", Category: classify.Blocklist, Listed: "192.0.2.1",
			Code: 554, Remote: "mx.example.com", Command: "RCPT TO"},
		Bounced: 2,
		Messages: []incident.Message{
			{QueueID: "5E6F7A8B9C", From: "erin@example.net", FromKnown: true, Recipients: []string{"zoe@example.com"}, Fate: incident.FateBounced, FirstSeen: t0.Add(7 * time.Second), LastSeen: t0.Add(7 * time.Second)},
		},
		Recipients: []string{"zoe@example.com"},
		Domains:    []string{"example.com"},
		Remotes:    []string{"mx.example.com"},
		Samples: []string{
			"Mar 14 09:26:10 mail postfix/smtp[20070]: 5E6F7A8B9C: to=<zoe@example.com>, relay=mx.example.com[203.0.113.9]:25, delay=0.3, delays=0.01/0.01/0.1/0.18, dsn=5.7.1, status=bounced (host mx.example.com[203.0.113.9] said: 554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.1 (in reply to RCPT TO command))",
		},
	}
	spamcop := incident.Incident{
		ID:        "spamcop-192.0.2.1-20260314T092630Z",
		Key:       incident.Key{Provider: "spamcop", Listed: "192.0.2.1"},
		Status:    incident.Ongoing,
		FirstSeen: t0.Add(27 * time.Second),
		LastSeen:  t0.Add(27 * time.Second),
		Verdict: classify.Verdict{Provider: "spamcop", Category: classify.Blocklist, Listed: "192.0.2.1",
			Code: 450, Enhanced: "4.7.1", Remote: "mail.example.org", Command: "RCPT TO", Temporary: true},
		Deferred: 1,
		Messages: []incident.Message{
			{QueueID: "6A7B8C9D0E", From: "alice@example.net", FromKnown: true, Login: "alice", Recipients: []string{"yuki@example.org"}, Fate: incident.FateDeferred, FirstSeen: t0.Add(27 * time.Second), LastSeen: t0.Add(27 * time.Second)},
		},
		Recipients: []string{"yuki@example.org"},
		Domains:    []string{"example.org"},
		Remotes:    []string{"mail.example.org"},
	}
	related := []Related{
		{Incident: barracuda, Provider: barracudaFixture(), Reply: "554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.1",
			Checks: []Check{{Zone: "b.barracudacentral.org", Status: CheckListed, Meaning: "listed: poor reputation", MeaningJa: "登録あり：評価の低い送信元"}}},
		{Incident: spamcop, Provider: spamcopFixture(), Reply: "450 4.7.1 Client host [192.0.2.1] blocked using bl.spamcop.net",
			Checks: []Check{{Zone: "bl.spamcop.net", Status: CheckError, Error: "dnsbl: dns error: i/o timeout", Failure: FailureDNS}}},
	}

	htmlCfg := testConfig()
	htmlCfg.HTML = true

	jaCfg := testConfig()
	jaCfg.Location = jst
	jaCfg.From = mail.Address{Name: "rblwatch 監視", Address: "rblwatch@mail.example.net"}
	// Several recipients, with names: quoted, with specials, in Japanese.
	jaCfg.To = []mail.Address{
		{Address: "postmaster@example.net"},
		{Name: "Ops, Tokyo", Address: "ops-tokyo@example.net"},
		{Name: "サーバー運用チーム", Address: "ops@example.net"},
	}

	return []composeCase{
		{
			name:    "opened_en",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "en", Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.1@mail.example.net>",
			subject: "[rblwatch] 192.0.2.1 is listed by Spamhaus: mail from mail.example.net refused",
			want: []string{
				"Mail from mail.example.net is being refused: the receiving servers say that Spamhaus lists the sending IP address 192.0.2.1.",
				"Since 2026-03-14 09:26 UTC, 3 messages to 6 recipients were refused. Postfix logged 1 bounce (returned to the sender) and 5 deferrals (kept in the queue and retried).",
				"Refused by: mx1.example.org, mx.example.com",
				"Reply code: 554 5.7.1",
				"Reply: " + spamhausReply,
				"zen.spamhaus.org: listed (XBL: exploited or infected host).",
				"The listing is confirmed.",
				// The DNS answer names XBL: only its steps, numbered.
				"WHAT TO DO\n1. XBL: find and clean the infected host behind the address.\n2. Then request removal on the lookup page.\nCheck the listing: https://check.spamhaus.org/results/?query=192.0.2.1\n",
				"Request removal: https://check.spamhaus.org/",
				"7D41A2B9F0 from <carol@example.net> to dave@example.org, erin@example.org, frank@example.org and 1 more: bounced to the sender",
				"91C0FF3E12 from <> to info@example.com: still in the queue, being retried",
				"4BF2C1E0A3 from <alice@example.net> (login alice, client laptop.example.net[192.0.2.55]) to bob@example.org: still in the queue, being retried",
				"sends a summary at most every 1 day",
				"incident spamhaus-192.0.2.1-20260314T092603Z",
				// Who sent it, for every role (issue 11.2).
				"WHO SENT THE REFUSED MAIL\n  SASL logins: alice (1)\n  Senders: <alice@example.net> (1), <carol@example.net> (1), <> (bounces) (1)\n  Clients: laptop.example.net[192.0.2.55] (1)\n",
			},
			wantNot: []string{"shared", "XBL or CSS", "PBL:", "this server"},
		},
		{
			name:    "opened_ja",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "ja", Role: classify.RoleCustomer, Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.2@mail.example.net>",
			subject: "[rblwatch] 送信元IPアドレス 192.0.2.1 が Spamhaus に登録されています（mail.example.net）",
			want: []string{
				"mail.example.net から送信したメールが受信を拒否されています。受信側のサーバーによると、送信元IPアドレス 192.0.2.1 が Spamhaus のブロックリストに登録されています。",
				"2026/03/14 18:26 (JST) 以降、3通のメール（宛先6件）が受信を拒否されました。Postfix のログには、返送（送信者へのエラー通知）が1件、遅延（キューに残して再送）が5回記録されています。",
				"■ Spamhaus について",
				"・zen.spamhaus.org: 登録されています（XBL：乗っ取られた、またはマルウェアに感染したホスト）。",
				"■ 対処方法\nこの送信元は、ご契約のホスティング事業者が管理する共用の送信用アドレスです。解除申請はご自身では行わず、ホスティング事業者に対応をご依頼ください。\n1. 解除申請はご自身では行わないでください。",
				"\n3. あわせて、お客様側に原因がないか確認してください",
				"解除申請ページ（ホスティング事業者向け）: https://check.spamhaus.org/",
				"登録状況の確認: https://check.spamhaus.org/results/?query=192.0.2.1",
				"1日ごとに状況をまとめてお知らせし",
				"7D41A2B9F0 差出人 <carol@example.net> 宛先 dave@example.org, erin@example.org, frank@example.org ほか1件: 送信者に返送",
				"4BF2C1E0A3 差出人 <alice@example.net>（認証ユーザー alice、接続元 laptop.example.net[192.0.2.55]） 宛先 bob@example.org: キューで再送待ち",
			},
			wantNot: []string{"exploited", "差し戻", "保留", "ホスティング会社", "このサーバー"},
		},
		{
			name:    "opened_dedicated_ja",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "ja", Role: classify.RoleDedicated, Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.20@mail.example.net>",
			subject: "[rblwatch] 送信元IPアドレス 192.0.2.1 が Spamhaus に登録されています（mail.example.net）",
			want: []string{
				"■ 対処方法\n1. XBL: アドレスの背後にある感染したホストを特定して対処してください。\n2. その後、確認ページから解除を申請してください。\n",
				"解除申請: https://check.spamhaus.org/",
			},
			wantNot: []string{"ホスティング事業者", "PBL:"},
		},
		{
			name:    "opened_operator_en",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "en", Role: classify.RoleOperator, Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.21@mail.example.net>",
			subject: "[rblwatch] 192.0.2.1 is listed by Spamhaus: mail from mail.example.net refused",
			want: []string{
				"This is one of the shared sending addresses you operate: you file the removal yourself, but first find and stop the customer",
				"\n1. Find the customer behind the listing:",
				"\n2. Stop the abuse first",
				"\n3. XBL: find and clean the infected host behind the address.\n4. Then request removal on the lookup page.\n",
				"Request removal: https://check.spamhaus.org/",
				"WHO SENT THE REFUSED MAIL\n  SASL logins: alice (1)\n  Senders: <alice@example.net> (1), <carol@example.net> (1), <> (bounces) (1)\n  Clients: laptop.example.net[192.0.2.55] (1)\n",
			},
			wantNot: []string{"hosting company's shared", "Removal (for your hosting company)"},
		},
		{
			name:    "opened_operator_ja",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "ja", Role: classify.RoleOperator, Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.22@mail.example.net>",
			subject: "[rblwatch] 送信元IPアドレス 192.0.2.1 が Spamhaus に登録されています（mail.example.net）",
			want: []string{
				"この送信元は、ご自身で運用している共用の送信用アドレスです。",
				"\n1. 登録の原因となった利用者を特定してください。",
				"\n2. 先に不正な送信を止めてください",
				"\n3. XBL: アドレスの背後にある感染したホストを特定して対処してください。",
				"解除申請: https://check.spamhaus.org/",
				"■ 拒否されたメールの送信者\n  認証ユーザー: alice (1)\n  差出人: <alice@example.net> (1)、<carol@example.net> (1)、<>（エラー通知） (1)\n  送信元ホスト: laptop.example.net[192.0.2.55] (1)\n",
			},
			wantNot: []string{"ホスティング事業者に対応"},
		},
		{
			name:    "opened_customer_en",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "en", Role: classify.RoleCustomer, Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.23@mail.example.net>",
			subject: "[rblwatch] 192.0.2.1 is listed by Spamhaus: mail from mail.example.net refused",
			want: []string{
				"You send from your hosting company's shared address: do not file a removal request yourself.",
				"\n1. Do not file a removal request yourself:",
				"\n2. Forward this to your hosting company's support",
				"Check the listing: https://check.spamhaus.org/results/?query=192.0.2.1",
				"Removal (for your hosting company): https://check.spamhaus.org/",
			},
			wantNot: []string{"Request removal:", "find and clean the infected host"},
		},
		{
			name:    "opened_multi_en",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Related: related, Lang: "en", Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.30@mail.example.net>",
			subject: "[rblwatch] 192.0.2.1 is listed by Spamhaus, Barracuda and SpamCop: mail from mail.example.net refused",
			want: []string{
				"Mail from mail.example.net is being refused: the receiving servers say that Spamhaus, Barracuda and SpamCop list the sending IP address 192.0.2.1.",
				"WHAT HAPPENED\nSpamhaus:\nSince 2026-03-14 09:26 UTC, 3 messages to 6 recipients were refused.",
				"\n\nBarracuda:\nSince 2026-03-14 09:26 UTC, 1 message to 1 recipient was refused. Postfix logged 2 bounces (returned to the sender).\n",
				"\n\nSpamCop:\nSince 2026-03-14 09:26 UTC, 1 message to 1 recipient was refused. Postfix logged 1 deferral (kept in the queue and retried).\n",
				"Reply: 450 4.7.1 Client host [192.0.2.1] blocked using bl.spamcop.net",
				"ABOUT THE PROVIDERS\nSpamhaus: Spamhaus publishes",
				"Barracuda: Barracuda's reputation list",
				"Barracuda:\n- b.barracudacentral.org: listed (listed: poor reputation).\nThe listing is confirmed.",
				"SpamCop:\n- bl.spamcop.net: could not be checked (dnsbl: dns error: i/o timeout). This says nothing about a listing.\nThe listing could not be checked now.",
				"WHAT TO DO\nSpamhaus:\n1. XBL: find and clean",
				"Barracuda:\n1. Fix the cause, then request removal.\nCheck the listing: https://www.barracudacentral.org/lookups/lookup-reputation?ip=192.0.2.1\nRequest removal: https://www.barracudacentral.org/rbl/removal-request?ip=192.0.2.1",
				"SpamCop:\n1. Stop the spam; the listing expires within a day.",
				"Barracuda:\n  5E6F7A8B9C from <erin@example.net> to zoe@example.com: bounced to the sender",
				"blocked using Barracuda Reputation",
				// Who sent each provider's refused mail, not only the first's.
				"WHO SENT THE REFUSED MAIL\nSpamhaus:\n  SASL logins: alice (1)\n",
				"\n\nBarracuda:\n  Senders: <erin@example.net> (1)\n\nSpamCop:\n  SASL logins: alice (1)\n  Senders: <alice@example.net> (1)\n\nEVIDENCE FROM THE LOG",
				// Every incident the notice announces can be acknowledged.
				"No more digests about these incidents (one command each):\n  rblwatch incidents ack spamhaus-192.0.2.1-20260314T092603Z\n  rblwatch incidents ack barracuda-192.0.2.1-20260314T092610Z\n  rblwatch incidents ack spamcop-192.0.2.1-20260314T092630Z\n",
				// and muted, one provider each.
				"No notices about these providers for a week (one command each):\n  rblwatch incidents mute spamhaus for 7d\n  rblwatch incidents mute barracuda for 7d\n  rblwatch incidents mute spamcop for 7d",
			},
		},
		{
			name:    "opened_multi_ja",
			notice:  Notice{Kind: KindOpened, Incident: inc, Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Related: related, Lang: "ja", Role: classify.RoleOperator, Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.31@mail.example.net>",
			subject: "[rblwatch] 送信元IPアドレス 192.0.2.1 が Spamhaus、Barracuda、SpamCop に登録されています（mail.example.net）",
			want: []string{
				"受信側のサーバーによると、送信元IPアドレス 192.0.2.1 が Spamhaus、Barracuda、SpamCop に登録されています。",
				"■ 発生状況\n【Spamhaus】\n2026/03/14 18:26 (JST) 以降、3通のメール",
				"\n\n【Barracuda】\n2026/03/14 18:26 (JST) 以降、1通のメール（宛先1件）が受信を拒否されました。Postfix のログには、返送（送信者へのエラー通知）が2件記録されています。\n",
				"■ 各リストについて\n【Spamhaus】\n",
				"【SpamCop】\n・bl.spamcop.net: 確認できませんでした（DNS の問い合わせに失敗しました（タイムアウトなど））。登録の有無はわかりません。\n現在の登録状況は確認できませんでした。",
				"【Barracuda】\n・b.barracudacentral.org: 登録されています（登録あり：評価の低い送信元）。\n登録が確認されました。",
				"■ 対処方法\nこの送信元は、ご自身で運用している共用の送信用アドレスです。",
				// The operator's own steps once, then each list's.
				"再び登録されます。\n1. 登録の原因となった利用者を特定してください。",
				"\n\n【Spamhaus】\n1. XBL: アドレスの背後にある感染したホストを特定して対処してください。",
				"【SpamCop】\n1. 迷惑メールの送信を止めてください。登録は1日以内に自動で解除されます。",
				"続報を止めるには、インシデントごとに次を実行してください:\n  rblwatch incidents ack spamhaus-192.0.2.1-20260314T092603Z\n  rblwatch incidents ack barracuda-192.0.2.1-20260314T092610Z\n  rblwatch incidents ack spamcop-192.0.2.1-20260314T092630Z\n",
				"これらのリストについての通知を1週間止めるには、リストごとに次を実行してください:\n  rblwatch incidents mute spamhaus for 7d\n  rblwatch incidents mute barracuda for 7d\n  rblwatch incidents mute spamcop for 7d",
				"■ 拒否されたメールの送信者\n【Spamhaus】\n  認証ユーザー: alice (1)\n",
				"\n\n【Barracuda】\n  差出人: <erin@example.net> (1)\n\n【SpamCop】\n",
			},
			wantNot: []string{"i/o timeout", "poor reputation"},
		},
		{
			name:    "digest_en",
			notice:  Notice{Kind: KindDigest, Incident: digest, Provider: spamhausFixture(), Checks: spamhausChecks(), Previous: &prev, Lang: "en", Host: "mail.example.net", Thread: []string{"<rblwatch.1@mail.example.net>"}},
			cfg:     testConfig(),
			now:     t0.Add(24*time.Hour + 30*time.Second),
			msgID:   "<rblwatch.3@mail.example.net>",
			subject: "[rblwatch] Still ongoing: 192.0.2.1 is listed by Spamhaus, mail from mail.example.net refused",
			want: []string{
				"Still ongoing: mail from mail.example.net is still being refused, citing Spamhaus for the sending IP address 192.0.2.1, since 2026-03-14 09:26 UTC (1 day 1 minute).",
				"SINCE THE LAST NOTICE\nSince the last notice (2026-03-14 11:26 UTC): 1 new message refused, 2 bounces and 38 deferrals.",
				"In total: 3 messages to 6 recipients",
				"Last rejection: 2026-03-15 08:26 UTC",
				"the next summary follows in 1 day",
			},
		},
		{
			name:    "digest_ja",
			notice:  Notice{Kind: KindDigest, Incident: digest, Provider: spamhausFixture(), Checks: spamhausChecks(), Lang: "ja", Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(24*time.Hour + 30*time.Second),
			msgID:   "<rblwatch.4@mail.example.net>",
			subject: "[rblwatch] 継続中: 送信元IPアドレス 192.0.2.1 は Spamhaus に登録されたままです（mail.example.net）",
			want: []string{
				"継続中: 送信元IPアドレス 192.0.2.1 が Spamhaus に登録されているため、mail.example.net から送信したメールは引き続き拒否されています（2026/03/14 18:26 (JST) から継続、1日1分経過）。",
				// No previous counts: the messages first seen after the last notice.
				"■ 前回の通知以降\n前回の通知（2026/03/14 18:26 (JST)）以降、新たに2通のメールが拒否されました。\n",
				"1日後に改めて状況をお知らせします",
			},
			wantNot: []string{"返送2件"},
		},
		{
			name:    "cleared_en",
			notice:  Notice{Kind: KindCleared, Incident: cleared, Provider: spamhausFixture(), Lang: "en", Host: "mail.example.net", Thread: []string{"<rblwatch.1@mail.example.net>", "<rblwatch.3@mail.example.net>"}},
			cfg:     testConfig(),
			now:     t0.Add(4*time.Hour + 15*time.Minute),
			msgID:   "<rblwatch.5@mail.example.net>",
			subject: "[rblwatch] Resolved: mail from mail.example.net is accepted again (Spamhaus, 192.0.2.1)",
			want: []string{
				"Mail from mail.example.net is accepted again: the rejections citing Spamhaus for the sending IP address 192.0.2.1 have stopped.",
				"Mail to an affected receiver was delivered at 2026-03-14 13:40 UTC.",
				"Duration: 2026-03-14 09:26 UTC to 2026-03-14 13:40 UTC (4 hours 14 minutes).",
				"IS IT LISTED NOW?\nrblwatch did not check the list over DNS for this notice.",
				"  delivered later: 1\n  bounced to the sender: 1\n  expired in the queue and returned: 1\n  not tracked one by one: 2\n",
				"returned to their senders with a non-delivery report",
				"Nothing more for this incident.",
			},
			wantNot: []string{"postqueue -f", "WHAT TO DO", "still listed"},
		},
		{
			name:    "cleared_ja",
			notice:  Notice{Kind: KindCleared, Incident: cleared, Provider: spamhausFixture(), Lang: "ja", Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(4*time.Hour + 15*time.Minute),
			msgID:   "<rblwatch.6@mail.example.net>",
			subject: "[rblwatch] 解消: mail.example.net からのメールが再び受け付けられています（Spamhaus、192.0.2.1）",
			want: []string{
				"mail.example.net から送信したメールは再び受け付けられています。",
				"2026/03/14 22:40 (JST) に、拒否していた受信先へのメールが配送されました。",
				"期間: 2026/03/14 18:26 (JST) ～ 2026/03/14 22:40 (JST)（4時間14分）",
				"  その後配送済み: 1通\n  送信者に返送: 1通\n  キューの保持期限切れで返送: 1通\n  個別には追跡していないメール: 2通\n",
			},
		},
		{
			name:    "cleared_delivered_listed_en",
			notice:  Notice{Kind: KindCleared, Incident: cleared, Provider: spamhausFixture(), Checks: stillListed, Lang: "en", Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0.Add(4*time.Hour + 15*time.Minute),
			msgID:   "<rblwatch.40@mail.example.net>",
			subject: "[rblwatch] Mail from mail.example.net is accepted again, but 192.0.2.1 is still listed by Spamhaus",
			want: []string{
				"Mail from mail.example.net is accepted again, but the sending IP address 192.0.2.1 is still listed by Spamhaus: receivers that use the list may refuse mail again.",
				"Mail to an affected receiver was delivered at 2026-03-14 13:40 UTC.",
				"- zen.spamhaus.org: listed (XBL: exploited or infected host).",
				"The list still names the sending IP address 192.0.2.1: receivers that use it may refuse mail again.",
				"WHAT TO DO\n1. XBL: find and clean the infected host behind the address.",
			},
			wantNot: []string{"Resolved", "have stopped"},
		},
		{
			name:    "cleared_quiet_listed_en",
			notice:  Notice{Kind: KindCleared, Incident: quiet, Provider: spamhausFixture(), Checks: stillListed, Lang: "en", Host: "mail.example.net", Quiet: 6 * time.Hour},
			cfg:     testConfig(),
			now:     quiet.ClearedAt,
			msgID:   "<rblwatch.41@mail.example.net>",
			subject: "[rblwatch] No rejection for 6 hours, but 192.0.2.1 is still listed by Spamhaus",
			want: []string{
				"No rejection citing Spamhaus for 6 hours, but the sending IP address 192.0.2.1 is still listed: receivers that use the list may still refuse mail from mail.example.net.",
				"No new rejection for 6 hours after the last one at 2026-03-14 09:51 UTC: rblwatch closed the incident at 2026-03-14 15:51 UTC. No mail to the refusing receivers has been seen delivered since, so this does not show that they accept mail again.",
				"IS IT LISTED NOW?\n- zen.spamhaus.org: listed (XBL: exploited or infected host).",
				"The list still names the sending IP address 192.0.2.1",
				"WHAT TO DO\n1. XBL:",
				"Messages still in the queue are retried by Postfix, but receivers that use the list may refuse them again while the listing lasts.",
			},
			wantNot: []string{"accepted again", "Resolved", "postqueue -f"},
		},
		{
			name:    "cleared_quiet_listed_ja",
			notice:  Notice{Kind: KindCleared, Incident: quiet, Provider: spamhausFixture(), Checks: stillListed, Lang: "ja", Host: "mail.example.net", Quiet: 6 * time.Hour},
			cfg:     jaCfg,
			now:     quiet.ClearedAt,
			msgID:   "<rblwatch.42@mail.example.net>",
			subject: "[rblwatch] 拒否は6時間ありませんが、送信元IPアドレス 192.0.2.1 は Spamhaus に登録されたままです",
			want: []string{
				"Spamhaus を理由とした拒否は6時間ありませんが、送信元IPアドレス 192.0.2.1 は登録されたままです。このリストを利用している受信側では、mail.example.net からのメールが引き続き拒否される可能性があります。",
				"最後の拒否（2026/03/14 18:51 (JST)）から6時間、新たな拒否は記録されていません。rblwatch は 2026/03/15 00:51 (JST) にこの件を終了しました。この間、拒否していた受信先へのメールの配送は確認していないため、受け付けが再開されたことを示すものではありません。",
				"リストには現在も送信元IPアドレス 192.0.2.1 が登録されています。",
				"■ 対処方法\n1. XBL:",
				"キューに残っているメールは Postfix が再送しますが、登録が残っている間は、このリストを利用している受信側で再び拒否される可能性があります。",
			},
			wantNot: []string{"再び受け付けられ", "解消", "postqueue -f"},
		},
		{
			name:    "cleared_quiet_clean_ja",
			notice:  Notice{Kind: KindCleared, Incident: quiet, Provider: spamhausFixture(), Checks: notListed, Lang: "ja", Host: "mail.example.net", Quiet: 6 * time.Hour},
			cfg:     jaCfg,
			now:     quiet.ClearedAt,
			msgID:   "<rblwatch.43@mail.example.net>",
			subject: "[rblwatch] 拒否が6時間なく、送信元IPアドレス 192.0.2.1 の Spamhaus への登録も現在はありません",
			want: []string{
				"Spamhaus を理由とした拒否は6時間なく、送信元IPアドレス 192.0.2.1 の登録も現在は確認されません。",
				"・zen.spamhaus.org: 現在は登録されていません。\nリストには現在、送信元IPアドレス 192.0.2.1 は登録されていません。",
			},
			wantNot: []string{"再び受け付けられ", "■ 対処方法"},
		},
		{
			// An IPv6 address and a zone that lists no IPv6 addresses
			// (ipv4_only): its "not listed" says it was not asked.
			name:    "opened_ipv6_ipv4only_en",
			notice:  Notice{Kind: KindOpened, Incident: inc6, Provider: spamhausFixture(), Checks: noIPv6, Lang: "en", Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0,
			msgID:   "<rblwatch.61@mail.example.net>",
			subject: "[rblwatch] 2001:db8::25 is listed by Spamhaus: mail from mail.example.net refused",
			want: []string{
				"- zen.spamhaus.org: not listed now. This list has no IPv6 addresses, so it was not asked.",
			},
		},
		{
			name:    "opened_ipv6_ipv4only_ja",
			notice:  Notice{Kind: KindOpened, Incident: inc6, Provider: spamhausFixture(), Checks: noIPv6, Lang: "ja", Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0,
			msgID:   "<rblwatch.62@mail.example.net>",
			subject: "[rblwatch] 送信元IPアドレス 2001:db8::25 が Spamhaus に登録されています（mail.example.net）",
			want: []string{
				"・zen.spamhaus.org: 現在は登録されていません。このリストはIPv6アドレスを掲載しないため、問い合わせていません。",
			},
		},
		{
			name:    "listed_en",
			notice:  Notice{Kind: KindListed, Incident: selfListed, Provider: spamhausFixture(), Checks: spamhausChecks(), Lang: "en", Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0,
			msgID:   "<rblwatch.7@mail.example.net>",
			subject: "[rblwatch] Self-check: 192.0.2.1 is listed by Spamhaus",
			want: []string{
				"rblwatch's periodic check of the addresses of mail.example.net found the sending IP address 192.0.2.1 listed by Spamhaus (first seen listed 2026-03-14 09:26 UTC).",
				"zen.spamhaus.org: listed (XBL: exploited or infected host). The list says: https://check.spamhaus.org/query/ip/192.0.2.1",
				"Check the listing: https://check.spamhaus.org/results/?query=192.0.2.1",
				"tells you when the sending IP address 192.0.2.1 is no longer listed",
			},
			wantNot: []string{"AFFECTED MESSAGES", "EVIDENCE"},
		},
		{
			name: "listed_multi_ja",
			notice: Notice{Kind: KindListed, Incident: selfListed, Provider: spamhausFixture(), Checks: spamhausChecks(), Lang: "ja", Host: "mail", Related: []Related{
				{Incident: selfBarracuda, Provider: barracudaFixture(), Checks: []Check{{Zone: "b.barracudacentral.org", Status: CheckListed, Meaning: "listed: poor reputation", MeaningJa: "登録あり：評価の低い送信元"}}},
				{Incident: selfDBL, Provider: spamhausFixture(), Checks: []Check{{Zone: "dbl.spamhaus.org", Status: CheckListed, Meaning: "DBL: spam domain", MeaningJa: "DBL：迷惑メールに使われたドメイン", Lists: []string{"dbl"}}}},
			}},
			cfg:     jaCfg,
			now:     t0.Add(time.Hour),
			msgID:   "<rblwatch.32@mail.example.net>",
			subject: "[rblwatch] 定期チェック: 送信元アドレスが Spamhaus、Barracuda、Spamhaus（example.net）に登録されています",
			want: []string{
				"rblwatch が定期的に行っている mail の送信元アドレスの確認で、次の登録がわかりました。\n・送信元IPアドレス 192.0.2.1: Spamhaus（最初に確認した日時: 2026/03/14 18:26 (JST)）\n・送信元IPアドレス 192.0.2.1: Barracuda（最初に確認した日時: 2026/03/14 18:26 (JST)）\n・ドメイン example.net: Spamhaus（最初に確認した日時: 2026/03/14 19:26 (JST)）\n",
				"【Spamhaus（example.net）】\n・dbl.spamhaus.org: 登録されています（DBL：迷惑メールに使われたドメイン）。",
				"rblwatch（mail）",
			},
			wantNot: []string{"このサーバー", "spam domain"},
		},
		{
			name:    "delisted_ja",
			notice:  Notice{Kind: KindDelisted, Incident: selfDelisted, Provider: spamhausFixture(), Checks: notListed, Lang: "ja", Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     selfDelisted.ClearedAt,
			msgID:   "<rblwatch.8@mail.example.net>",
			subject: "[rblwatch] 定期チェック: 送信元IPアドレス 192.0.2.1 の Spamhaus への登録が解除されました",
			want: []string{
				"rblwatch の定期確認で、送信元IPアドレス 192.0.2.1 の Spamhaus への登録が解除されたことを確認しました（2026/03/14 18:26 (JST) から登録、期間 1日3時間5分）。",
				"・zen.spamhaus.org: 現在は登録されていません。",
				"対応は不要です。",
			},
		},
		{
			name: "resolver_failing_en",
			notice: Notice{Kind: KindResolver, Incident: incident.Incident{ID: "resolver-20260314T092603Z"}, Lang: "en", Host: "mail.example.net",
				Resolver: &ResolverState{Failing: true, Server: "127.0.0.1:53", Rounds: 3, Since: t0, At: t0.Add(2 * time.Hour),
					Error: "dnsbl: dns error: SERVFAIL from 127.0.0.1:53\x1b[2J"}},
			cfg:     testConfig(),
			now:     t0.Add(2 * time.Hour),
			msgID:   "<rblwatch.14@mail.example.net>",
			subject: "[rblwatch] DNS lookups fail: listings cannot be checked",
			want: []string{
				"The DNS resolver 127.0.0.1:53 answered none of the block list lookups of rblwatch's last 3 self-checks (since 2026-03-14 09:26 UTC). Last error: dnsbl: dns error: SERVFAIL from 127.0.0.1:53",
				"rblwatch cannot tell whether the addresses of mail.example.net are listed",
				"1. Check that the resolver runs and answers: dig @127.0.0.1 -p 53 2.0.0.127.zen.spamhaus.org",
				"tells you once the resolver answers again",
				"rblwatch on mail.example.net, incident resolver-20260314T092603Z",
			},
			wantNot: []string{"ABOUT THE PROVIDER", "AFFECTED MESSAGES", "IS IT LISTED NOW?"},
		},
		{
			name: "resolver_recovered_ja",
			notice: Notice{Kind: KindResolver, Incident: incident.Incident{ID: "resolver-20260314T092603Z"}, Lang: "ja", Host: "mail.example.net",
				Resolver: &ResolverState{Server: "127.0.0.1:53", Rounds: 4, Since: t0, At: t0.Add(4 * time.Hour)}},
			cfg:     jaCfg,
			now:     t0.Add(4 * time.Hour),
			msgID:   "<rblwatch.15@mail.example.net>",
			subject: "[rblwatch] DNS の問い合わせが回復しました",
			want: []string{
				"DNS リゾルバー 127.0.0.1:53 がブロックリストへの問い合わせに再び応答するようになりました",
				"それまで4回続けて応答がありませんでした",
				"対応は不要です。",
			},
			wantNot: []string{"■ 対処方法"},
		},
		{
			name:    "opened_microsoft_html_en",
			notice:  Notice{Kind: KindOpened, Incident: ms, Provider: microsoftFixture(), Checks: []Check{{Status: CheckNoList}}, Lang: "en", Host: "mail.example.net"},
			cfg:     htmlCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.9@mail.example.net>",
			subject: "[rblwatch] Microsoft (Outlook.com) is blocking mail from mail.example.net (192.0.2.1)",
			want: []string{
				"Mail from mail.example.net is being refused: Microsoft (Outlook.com) blocks the sending IP address 192.0.2.1 because of its reputation with them.",
				"- Microsoft (Outlook.com) has no public list that can be queried; use its portal to see the status.",
				"1. Request delisting at the sender portal with the IP address and the rejection text.",
				"Request removal: https://sender.office.com/",
			},
			wantNot: []string{"Check the listing:"},
		},
		{
			name:    "opened_receiver_fault_ja",
			notice:  Notice{Kind: KindOpened, Incident: fault, Provider: spamhausFixture(), Via: microsoftFixture(), Reply: "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/198.51.100.53/", Lang: "ja", Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.12@mail.example.net>",
			subject: "[rblwatch] mail.example.net からのメールが Spamhaus を理由に拒否されています（受信側の DNS の問題で、登録はされていません）",
			want: []string{
				"応答に含まれているのは Spamhaus のエラーコードで、登録を示すものではありません。",
				"mail.example.net 側での対処は不要です。",
				"この拒否は Microsoft (Outlook.com) によるもので、判断には Spamhaus のデータが使われています。",
				"配送が遅延しているメールはキューに残っており、Postfix が自動的に再送します。",
				"返送されたメールは送信者に戻っているため",
			},
			wantNot: []string{"解除申請:", "解除申請（", "ホスティング", "解除は Spamhaus に申請"},
		},
		{
			name:    "opened_receiver_fault_bounce_en",
			notice:  Notice{Kind: KindOpened, Incident: faultBounce, Provider: spamhausFixture(), Reply: "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; Error: open resolver", Lang: "en", Host: "mail.example.net"},
			cfg:     testConfig(),
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.14@mail.example.net>",
			subject: "[rblwatch] Mail from mail.example.net refused citing Spamhaus: the receiver's DNS is at fault, we are not listed",
			want: []string{
				"Nothing to do on mail.example.net.",
				"Bounced mail went back to its senders: they need to send it again once the receiver has fixed its DNS.",
				"Postfix logged 2 bounces (returned to the sender).",
			},
			// Every refusal bounced: nothing is queued, nothing retried.
			wantNot: []string{"retr", "queue", "Request removal"},
		},
		{
			name:    "opened_receiver_fault_bounce_ja",
			notice:  Notice{Kind: KindOpened, Incident: faultBounce, Provider: spamhausFixture(), Reply: "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; Error: open resolver", Lang: "ja", Host: "mail.example.net"},
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.15@mail.example.net>",
			subject: "[rblwatch] mail.example.net からのメールが Spamhaus を理由に拒否されています（受信側の DNS の問題で、登録はされていません）",
			want: []string{
				"返送されたメールは送信者に戻っているため、受信側で問題が解消された後に、送信者から再送してもらう必要があります。",
				"Postfix のログには、返送（送信者へのエラー通知）が2件記録されています。",
			},
			wantNot: []string{"再送します", "キュー", "遅延"},
		},
		{
			name: "opened_unknown_en",
			// Debian's default host name: one label, shown as it is.
			notice:  Notice{Kind: KindOpened, Incident: unknown, Lang: "en", Role: classify.RoleCustomer, Host: "mail"},
			cfg:     testConfig(),
			now:     t0.Add(time.Minute),
			msgID:   "<rblwatch.13@mail.example.net>",
			subject: "[rblwatch] example.net is listed by an unnamed blocklist: mail from mail refused",
			want: []string{
				"Mail from mail is being refused: the receiving servers say that a blocklist the receiver did not name lists the domain example.net.",
				"rblwatch on mail, incident unknown-example.net-20260314T092603Z",
				"The receiver's postmaster can tell you which list they use.",
				"rblwatch did not check the list over DNS for this notice.",
				"You send from your hosting company's shared address: do not file a removal request yourself.",
				"1. Do not file a removal request yourself",
				"3F2A1B0C9D from <alice@example.net> to a@example.com, b@example.com: bounced to the sender",
				"Reply code: 550\n",
				// No provider to mute (issue 12.4): the listed address.
				"No notices about the domain example.net for a week:\n  rblwatch incidents mute example.net for 7d\n",
			},
			wantNot: []string{"Check the listing", "Request removal", "ABOUT THE PROVIDER\nSpamhaus", "this server", "mute unknown"},
		},
		{
			name:   "hostile_en",
			notice: hostileNotice("en"),
			cfg:    htmlCfg,
			now:    t0.Add(30 * time.Second),
			msgID:  "<rblwatch.10@mail.example.net>",
			// The listed value is not an IP or a name: it stays out of the
			// subject, and the provider name loses its line break.
			subject: "[rblwatch] Receivers refuse mail from our server citing Spam haus",
			want: []string{
				"Reply: 550 5.7.1 blocked  Bcc: victim@example.com  X-Injected: yes <script>alert(1)</script>",
				"an address the receiver wrote as \"192.0.2.1  Bcc: victim@example.com\"",
				"  bad\uFFFDutf8\uFFFD( here\n",
				"\uFFFDevil bidi\uFFFD\n",
				"Reply code: 550\n",
			},
			wantNot: []string{"\nBcc:", "\r", "\nX-Injected"},
		},
		{
			name:    "hostile_ja",
			notice:  hostileNotice("ja"),
			cfg:     jaCfg,
			now:     t0.Add(30 * time.Second),
			msgID:   "<rblwatch.11@mail.example.net>",
			subject: "[rblwatch] 当方のサーバーからのメールが Spam haus を理由に拒否されています",
			want: []string{
				"受信側が「192.0.2.1  Bcc: victim@example.com」と記したアドレス",
			},
			wantNot: []string{"\nBcc:", "\r", "\nX-Injected"},
		},
		{
			name:    "backlog_en",
			notice:  backlogNotice("en"),
			cfg:     testConfig(),
			now:     t0,
			msgID:   "<rblwatch.60@mail.example.net>",
			subject: "[rblwatch] Backlog summary for mail.example.net: 5 incidents, over before rblwatch read the log",
			want: []string{
				"rblwatch read a stretch of the log of mail.example.net late, from 2026-03-13 09:26 UTC to 2026-03-14 09:16 UTC (23 hours 50 minutes)",
				"in 5 incidents that were over before rblwatch read them, so nobody was told while they lasted",
				"In all: 30 messages to 30 recipients were refused. Postfix logged 18 bounces (returned to the sender) and 9 deferrals (kept in the queue and retried).",
				"INCIDENTS IN THE BACKLOG\n1. Spamhaus, the sending IP address 192.0.2.1 (incident spamhaus-192.0.2.1-20260313T102603Z)\n" +
					"   Refused from 2026-03-13 10:26 UTC to 2026-03-13 11:21 UTC, over after 6 hours 55 minutes. 12 messages to 12 recipients were refused. Postfix logged 12 bounces (returned to the sender).\n" +
					"   Closed at 2026-03-13 17:21 UTC: no new rejection for 6 hours after the last one",
				"   What became of the refused messages: bounced to the sender 12.",
				"2. Barracuda, the sending IP address 192.0.2.1 (incident barracuda-192.0.2.1-20260313T132603Z)",
				"   Over at 2026-03-13 13:41 UTC: mail to an affected receiver was delivered.",
				"3. Microsoft (Outlook.com), the sending IP address 192.0.2.1",
				"   What became of the refused messages: delivered later 3.",
				"… and 2 more incidents, not listed here: 13 messages refused, 4 bounces, 1 deferral.",
				"Nothing is refused now because of these incidents",
				"- Bounced mail went back to its senders",
				"rblwatch messages --incident ID",
				"rblwatch on mail.example.net\n",
			},
			wantNot: []string{"IS IT LISTED NOW?", "ABOUT THE PROVIDER", "rblwatch incidents ack", ", incident backlog"},
		},
		{
			name:    "backlog_ja",
			notice:  backlogNotice("ja"),
			cfg:     jaCfg,
			now:     t0,
			msgID:   "<rblwatch.61@mail.example.net>",
			subject: "[rblwatch] 後から読み込んだログのまとめ: mail.example.net で既に終了していたインシデントが5件ありました",
			want: []string{
				"rblwatch は、mail.example.net のログのうち 2026/03/13 18:26 (JST) ～ 2026/03/14 18:16 (JST)（23時間50分）の部分を、後からまとめて読み込みました",
				"読み込んだ時点で既に終了していたものが5件ありました",
				"合計: 30通のメール（宛先30件）が受信を拒否されました。Postfix のログには、返送（送信者へのエラー通知）が18件、遅延（キューに残して再送）が9回記録されています。",
				"■ 読み込んだログの中で発生し、終了したインシデント\n1. 【Spamhaus】送信元IPアドレス 192.0.2.1（インシデントID: spamhaus-192.0.2.1-20260313T102603Z）\n" +
					"　期間: 2026/03/13 19:26 (JST) ～ 2026/03/13 20:21 (JST)（最後の拒否）、終了まで 6時間55分\n",
				"　終了: 最後の拒否から6時間、新たな拒否がなかったため、2026/03/14 02:21 (JST) にこの件を終了しました",
				"　拒否されたメールの状況: 送信者に返送 12通",
				"rblwatch check 192.0.2.1\n",
				"　終了: 2026/03/13 22:41 (JST) に、拒否していた受信先へのメールが配送されました。",
				"ほか2件（ここには記載していません。拒否されたメール 13通、返送 4件、遅延 1回）",
				"・返送されたメールは、配送不能通知とともに送信者に戻っています。",
				"rblwatch（mail.example.net）\n",
			},
			wantNot: []string{"■ 現在の登録状況", "インシデントID: backlog", "bounce", "deferral"},
		},
	}
}

// hostileNotice carries attacker-controlled text everywhere it can reach:
// header injection attempts, HTML, invalid UTF-8, a 1 MiB reply and line.
func hostileNotice(lang string) Notice {
	inject := "\r\nBcc: victim@example.com\r\nX-Injected: yes"
	huge := strings.Repeat("A", 1<<20)
	p := spamhausFixture()
	p.Name = "Spam\r\nhaus"
	p.LookupURL = "javascript:alert(1)//{ip}"
	p.RemovalURL = "https://check.spamhaus.org/?a=<b>&c=\"d\""
	inc := incident.Incident{
		ID:        "evil\r\nBcc: victim@example.com",
		Key:       incident.Key{Provider: "spamhaus", Listed: "192.0.2.1\r\nBcc: victim@example.com"},
		Status:    incident.Ongoing,
		FirstSeen: t0,
		LastSeen:  t0,
		Verdict: classify.Verdict{
			Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1\r\nBcc: victim@example.com",
			Code: 550, Enhanced: "5.7.1\r\nBcc: x@example.com", Remote: "mx.example.org" + inject,
			Via: "Evil\r\nVia",
		},
		Deferred: 1,
		Messages: []incident.Message{{
			QueueID:    "ABC" + inject,
			From:       "<script>alert(2)</script>@example.net",
			FromKnown:  true,
			Recipients: []string{"bob@example.org" + inject, huge},
			Fate:       incident.FateDeferred,
			FirstSeen:  t0, LastSeen: t0,
		}},
		Recipients: []string{"bob@example.org" + inject},
		Domains:    []string{"example.org" + inject, "<img src=http://evil.example/x.png>"},
		Remotes:    []string{"mx.example.org" + inject},
		Samples: []string{
			"Mar 14 09:26:03 mail postfix/smtp[1]: ABC: to=<bob@example.org>, status=deferred (host mx said: 450 " + inject + " <a href=\"http://evil.example/\">click</a>)",
			"bad\xffutf8\xc3\x28 here",
			huge,
			"\u202eevil bidi\u200b",
		},
	}
	return Notice{
		Kind:     KindOpened,
		Incident: inc,
		Provider: p,
		Reply:    "550 5.7.1 blocked" + inject + " <script>alert(1)</script>" + huge,
		Checks:   []Check{{Zone: "zen.spamhaus.org" + inject, Status: CheckListed, Meaning: "<b>bold</b>", TXT: "txt" + inject}, {Zone: "x", Status: "bogus\r\nstatus"}},
		Lang:     lang,
		Host:     "mail.example.net\r\nBcc: victim@example.com",
	}
}

// backlogNotice sums up a day of log read late: three incidents listed
// (a Spamhaus one closed by the quiet period, a Barracuda one by a
// delivery, a Microsoft one of deferrals whose mail went out later) and two
// more counted.
func backlogNotice(lang string) Notice {
	from, until := t0.Add(-24*time.Hour), t0.Add(-10*time.Minute)
	sh := spamhausIncident()
	sh.ID, sh.FirstSeen, sh.LastSeen = "spamhaus-192.0.2.1-20260313T102603Z", t0.Add(-23*time.Hour), t0.Add(-22*time.Hour-5*time.Minute)
	sh.Status, sh.ClearedBy, sh.ClearedAt = incident.Cleared, "quiet", sh.LastSeen.Add(6*time.Hour)
	sh.Bounced, sh.Deferred = 12, 0
	// A backlog notice carries counts, not the messages.
	sh.Messages, sh.Recipients, sh.Samples, sh.MoreMessages, sh.MoreRecipients = nil, nil, nil, 12, 12
	sh.Fates = incident.FateCounts{Bounced: 12}
	br := incident.Incident{
		ID: "barracuda-192.0.2.1-20260313T132603Z", Key: incident.Key{Provider: "barracuda", Listed: "192.0.2.1"},
		Status: incident.Cleared, FirstSeen: t0.Add(-20 * time.Hour), LastSeen: t0.Add(-20*time.Hour + 5*time.Minute),
		ClearedAt: t0.Add(-20*time.Hour + 15*time.Minute), ClearedBy: "delivered",
		Verdict: classify.Verdict{Provider: "barracuda", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 554, Enhanced: "5.7.1"},
		Bounced: 2, MoreMessages: 2, MoreRecipients: 2, Fates: incident.FateCounts{Bounced: 2},
	}
	ms := incident.Incident{
		ID: "microsoft-192.0.2.1-20260313T233603Z", Key: incident.Key{Provider: "microsoft", Listed: "192.0.2.1"},
		Status: incident.Cleared, FirstSeen: t0.Add(-9*time.Hour - 50*time.Minute), LastSeen: t0.Add(-9 * time.Hour),
		ClearedAt: t0.Add(-8*time.Hour - 40*time.Minute), ClearedBy: "delivered",
		Verdict:  classify.Verdict{Provider: "microsoft", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 451, Enhanced: "4.7.650", Temporary: true},
		Deferred: 8, MoreMessages: 3, MoreRecipients: 3, Fates: incident.FateCounts{Delivered: 3},
	}
	return Notice{
		Kind:     KindBacklog,
		Incident: incident.Incident{ID: "backlog-20260314T091603Z"},
		Lang:     lang,
		Host:     "mail.example.net",
		Backlog: &Backlog{
			From: from, Until: until,
			Incidents: []Related{
				{Incident: sh, Provider: spamhausFixture()},
				{Incident: br, Provider: barracudaFixture()},
				{Incident: ms, Provider: microsoftFixture()},
			},
			More:       2,
			MoreCounts: Counts{Messages: 13, Recipients: 13, Bounced: 4, Deferred: 1},
		},
	}
}
