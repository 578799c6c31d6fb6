package classify

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

const dsnPostfix = `Received: by mx.example.net (Postfix)
	id E83C898627A; Mon, 23 Nov 2026 15:33:48 +0000 (UTC)
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
Subject: Undelivered Mail Returned to Sender
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B"

--B
Content-Type: text/plain; charset=utf-8

<bob@corp.example>: host mx.corp.example[198.51.100.7] said: 554 Service
    unavailable; Client host [192.0.2.10] blocked using Barracuda Reputation;
    http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.10 (in reply to
    RCPT TO command)

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; bob@corp.example
Action: failed
Status: 5.0.0
Remote-MTA: dns; mx.corp.example
Diagnostic-Code: smtp; 554 Service unavailable; Client host [192.0.2.10]
    blocked using Barracuda Reputation;
    http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.10

Final-Recipient: rfc822; carol@other.example
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.other.example
Diagnostic-Code: smtp; 550 5.1.1 <carol@other.example>: Recipient address rejected: User unknown

--B
Content-Type: message/rfc822

From: alice@example.net
Subject: an old bounce quoted in the original
Diagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org
`

const dsnTextOnly = `From: MAILER-DAEMON@mx.example.net
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mx.example.net.

<dave@mail.example.org>: host mx.example.org[198.51.100.9] refused to talk to
    me: 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using
    zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10
`

func TestInputsFromMessage(t *testing.T) {
	cat := Default()
	tests := []struct {
		name string
		msg  string
		want []Verdict // provider, category, listed, remote, code
	}{
		{"delivery status, folded, two recipients", dsnPostfix, []Verdict{
			{Provider: "barracuda", Category: Blocklist, Listed: "192.0.2.10", Remote: "mx.corp.example", Code: 554},
			{Provider: "", Category: Recipient, Remote: "mx.other.example", Code: 550},
		}},
		{"text only, refused at the greeting", dsnTextOnly, []Verdict{
			{Provider: "spamhaus", Category: Blocklist, Listed: "192.0.2.10", Remote: "mx.example.org", Code: 554},
		}},
		{"no failure named", "From: a@b.example\nSubject: hello\n\nhi\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ins := InputsFromMessage(tc.msg, "")
			if len(ins) != len(tc.want) {
				t.Fatalf("%d inputs, want %d: %+v", len(ins), len(tc.want), ins)
			}
			for i, in := range ins {
				v, w := cat.Classify(in), tc.want[i]
				if v.Provider != w.Provider || v.Category != w.Category || v.Listed != w.Listed || v.Remote != w.Remote || v.Code != w.Code {
					t.Errorf("failure %d: %+v, want %+v", i, v, w)
				}
			}
		})
	}
}

func TestLooksLikeMessage(t *testing.T) {
	for line, want := range map[string]bool{
		"Received: from mx.example.net":             true,
		"Diagnostic-Code: smtp; 550 5.7.1 blocked":  true,
		"Return-Path: <>":                           true,
		"550 5.7.1 Service unavailable":             false,
		"Nov 23 15:33:47 mx postfix/smtp[1]: A: to": false,
		"Error: 550 blocked":                        false,
		"host mx[1.2.3.4] said: 554 blocked":        false,
	} {
		if got := LooksLikeMessage(line); got != want {
			t.Errorf("LooksLikeMessage(%q) = %v, want %v", line, got, want)
		}
	}
}

// TestRealPostfixBounces reads the bounces a real Postfix sent on the test
// bench (shared/harness/captured/*.dsn.eml beside the repository).
func TestRealPostfixBounces(t *testing.T) {
	files := testenv.Shared(t, "harness/captured/*.dsn.eml")
	want := map[string]string{"barracuda": "barracuda", "spamhaus": "spamhaus", "unknown-user": ""}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ins := InputsFromMessage(string(data), "")
		if len(ins) == 0 {
			t.Errorf("%s: no failure found", filepath.Base(f))
			continue
		}
		name := filepath.Base(f)
		name = name[:len(name)-len(".dsn.eml")]
		if p, ok := want[name]; ok {
			if got := Default().Classify(ins[0]).Provider; got != p {
				t.Errorf("%s: provider %q, want %q", name, got, p)
			}
		}
	}
}
