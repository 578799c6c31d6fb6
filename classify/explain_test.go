package classify

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/reply"
)

func explainText(t *testing.T, text, lang string, role Role, mod func(*Input)) Explanation {
	t.Helper()
	c := Default()
	in := Input{Reply: reply.Parse(text), SendingIP: "192.0.2.1"}
	if mod != nil {
		mod(&in)
	}
	return c.Explain(c.Classify(in), lang, role)
}

func TestExplain(t *testing.T) {
	c := Default()
	t.Run("listed, via, links filled", func(t *testing.T) {
		e := explainText(t, "550 5.7.1 Service unavailable, Client host [198.51.100.7] blocked using Spamhaus. (AS16012611)", "en", RoleDedicated, nil)
		if e.Provider != "spamhaus" || e.Via != "microsoft" || e.ViaName != c.Provider("microsoft").Name {
			t.Fatalf("%+v", e)
		}
		if !strings.Contains(e.Status, "198.51.100.7") || !strings.Contains(e.ViaNote, "Spamhaus") {
			t.Errorf("status %q, via note %q", e.Status, e.ViaNote)
		}
		if e.LookupURL != "https://check.spamhaus.org/results/?query=198.51.100.7" || e.RemovalURL == "" || e.RemovalTime == "" || !e.SelfService {
			t.Errorf("links: %+v", e)
		}
		if e.RoleNote != "" || e.Role != RoleDedicated {
			t.Error("role note for a dedicated server")
		}
	})
	t.Run("receiver fault: nothing to remove", func(t *testing.T) {
		e := explainText(t, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/46.38.225.230/", "ja", RoleCustomer, nil)
		if !e.ReceiverFault || e.RemovalURL != "" || e.RoleNote != "" || e.Listed != "" {
			t.Errorf("%+v", e)
		}
		if e.Status != strings.ReplaceAll(c.texts["receiver_fault"].Ja, "{provider}", "Spamhaus") {
			t.Errorf("status %q", e.Status)
		}
		if e.Meaning != c.rule("spamhaus-resolver").Meaning.Ja {
			t.Errorf("the rule's own meaning is not used: %q", e.Meaning)
		}
	})
	t.Run("rule advice and removal override", func(t *testing.T) {
		e := explainText(t, "550 5.7.511 Access denied, banned sender[198.51.100.7]. To request removal from this list please forward this message to delist@messaging.microsoft.com.", "en", RoleOperator, nil)
		if e.RemovalURL != "mailto:delist@microsoft.com" || !strings.Contains(strings.Join(e.Steps, " "), "delist@microsoft.com") {
			t.Errorf("%+v", e)
		}
		if e.RoleNote == "" || !strings.Contains(e.Steps[0], "customer") {
			t.Errorf("no operator's note and first step: %+v", e)
		}
	})
	t.Run("a list the catalog does not know is shown by its name", func(t *testing.T) {
		e := explainText(t, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using rbl.example.org", "en", RoleDedicated, func(in *Input) {
			in.RemoteHost = "example-com.mail.protection.outlook.com"
		})
		if e.Provider != Unknown || e.List != "rbl.example.org" || e.ProviderName != "rbl.example.org" || e.Via != "microsoft" {
			t.Fatalf("%+v", e)
		}
		if !strings.Contains(e.Status, "rbl.example.org lists 198.51.100.7") || len(e.Steps) == 0 || !strings.Contains(e.Steps[0], "rbl.example.org") {
			t.Errorf("status %q, steps %q", e.Status, e.Steps)
		}
		if e.FoundNote != c.texts["found_named"].En {
			t.Errorf("found note %q", e.FoundNote)
		}
		var b strings.Builder
		if err := e.WriteText(&b, "en"); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); !strings.Contains(out, "Provider: rbl.example.org (") || strings.Contains(out, "not named") || !strings.Contains(out, "How found: named in the reply") {
			t.Errorf("text:\n%s", out)
		}
	})
	t.Run("the relaying receiver's note names the list, not an unnamed one (issue 12.6)", func(t *testing.T) {
		for _, tc := range []struct{ text, list string }{
			{"554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using rbl.example.org", "rbl.example.org"},
			{"550 5.7.1 Mail from 198.51.100.7 refused, see http://www.korea.services.net/", "korea.services.net"},
		} {
			for _, lang := range []string{"en", "ja"} {
				e := explainText(t, tc.text, lang, RoleDedicated, func(in *Input) {
					in.RemoteHost = "example-com.mail.protection.outlook.com"
				})
				if e.List != tc.list || !strings.Contains(e.ViaNote, tc.list) || strings.Contains(e.ViaNote, c.texts["unnamed_provider"].En) {
					t.Errorf("%s %q: list %q, via note %q", lang, tc.text, e.List, e.ViaNote)
				}
			}
		}
		// A list the reply does not name may be the receiver's own: no
		// note that the receiver only quoted it.
		e := explainText(t, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked.", "en", RoleDedicated, func(in *Input) {
			in.RemoteHost = "mx1.isp.example.net"
		})
		if e.Via != "example.net" || e.ViaNote != "" {
			t.Errorf("unnamed list via %q: via note %q", e.Via, e.ViaNote)
		}
	})
	t.Run("a list that no longer operates takes no removal request, whoever quoted it", func(t *testing.T) {
		for _, lang := range []string{"en", "ja"} {
			e := explainText(t, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using dnsbl.sorbs.net", lang, RoleDedicated, func(in *Input) {
				in.RemoteHost = "mx.example.org"
			})
			if e.Historical == "" || e.Via != "example.org" || e.ViaNote != "" {
				t.Errorf("%s: historical %q via %q: via note %q", lang, e.Historical, e.Via, e.ViaNote)
			}
		}
	})
	t.Run("generic wording says so", func(t *testing.T) {
		e := explainText(t, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked.", "ja", RoleDedicated, nil)
		if e.Found != FoundGeneric || e.FoundNote != c.texts["found_generic"].Ja {
			t.Errorf("%+v", e)
		}
	})
	t.Run("historical", func(t *testing.T) {
		e := explainText(t, "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using dnsbl.sorbs.net", "en", RoleCustomer, nil)
		if e.Historical == "" || !strings.Contains(e.Status, "no longer operates") || e.RemovalURL != "" || e.RoleNote != "" {
			t.Errorf("%+v", e)
		}
	})
	t.Run("roles", func(t *testing.T) {
		const text = "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org"
		for _, lang := range []string{"en", "ja"} {
			ded := explainText(t, text, lang, RoleDedicated, nil)
			op := explainText(t, text, lang, RoleOperator, nil)
			cu := explainText(t, text, lang, RoleCustomer, nil)
			base := Steps(c.Provider("spamhaus").Advice.Get(lang))
			if !slices.Equal(ded.Steps, base) || ded.RoleNote != "" {
				t.Errorf("%s dedicated: %q", lang, ded.Steps)
			}
			if len(op.Steps) != len(base)+2 || !slices.Equal(op.Steps[2:], base) || op.RoleNote == "" {
				t.Errorf("%s operator: %q", lang, op.Steps)
			}
			if len(cu.Steps) != 3 || slices.Contains(cu.Steps, base[0]) || cu.RoleNote == "" {
				t.Errorf("%s customer: %q", lang, cu.Steps)
			}
			var b strings.Builder
			if err := cu.WriteText(&b, lang); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "  1. "+cu.Steps[0]+"\n") || !strings.Contains(b.String(), cu.RoleNote) {
				t.Errorf("%s customer text:\n%s", lang, b.String())
			}
		}
	})
	t.Run("category verdict", func(t *testing.T) {
		e := explainText(t, "452 4.2.2 The email account that you tried to reach is over quota.", "ja", RoleDedicated, nil)
		if e.ProviderName != "" || e.Status != "" || e.Meaning != c.Category(Recipient).Meaning.Ja || len(e.Steps) == 0 {
			t.Errorf("%+v", e)
		}
		if e.Retry != c.texts["temporary"].Ja {
			t.Errorf("retry %q", e.Retry)
		}
	})
	t.Run("json has the contract's keys", func(t *testing.T) {
		b, err := json.Marshal(explainText(t, "550 5.1.1 user unknown", "en", RoleDedicated, nil))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"provider", "category", "listed", "temporary", "code", "enhanced", "lookup_url", "removal_url"} {
			if _, ok := m[k]; !ok {
				t.Errorf("no %q in %s", k, b)
			}
		}
	})
}

// TestWriteTextHostile: control characters from the log cannot add lines,
// and nothing of the reply text is echoed.
func TestWriteTextHostile(t *testing.T) {
	e := explainText(t, "550 5.7.1 <script>alert(1)</script> blocked using zen.spamhaus.org\r\nBcc: victim@example.com", "en", RoleDedicated, func(in *Input) {
		in.RemoteHost = "mx.example.com\nInjected: yes\u202e\x1b[2J"
		in.Command = "RCPT TO\r\n\u2066"
	})
	var b strings.Builder
	if err := e.WriteText(&b, "en"); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	out := b.String() + string(j)
	for _, bad := range []string{"\nInjected", "<script>", "Bcc:", "\r", "\u202e", "\u2066", "\x1b"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
}

// TestWriteTextCommandInJapanese (issue 12.7): the SMTP stage a reply
// answered is said in the output's language — "end of DATA" and
// "CONNECT" are Postfix's words, not commands to quote; RCPT TO is one.
func TestWriteTextCommandInJapanese(t *testing.T) {
	for _, tc := range []struct{ lang, cmd, want, wantNot string }{
		{"ja", "end of DATA", "受信側サーバー: mfsmax.docomo.ne.jp（DATA 終了時）\n", "end of DATA"},
		{"ja", "CONNECT", "受信側サーバー: mfsmax.docomo.ne.jp（接続時）\n", "CONNECT"},
		{"ja", "RCPT TO", "受信側サーバー: mfsmax.docomo.ne.jp（RCPT TO）\n", " ("},
		{"en", "end of DATA", "Remote: mfsmax.docomo.ne.jp (end of DATA)\n", "終了"},
	} {
		e := explainText(t, "550 Unknown user x@docomo.ne.jp", tc.lang, RoleDedicated, func(in *Input) {
			in.RemoteHost, in.Command = "mfsmax.docomo.ne.jp", tc.cmd
		})
		var b strings.Builder
		if err := e.WriteText(&b, tc.lang); err != nil {
			t.Fatal(err)
		}
		if out := b.String(); !strings.Contains(out, tc.want) || strings.Contains(out, tc.wantNot) {
			t.Errorf("%s %s: want %q, not %q:\n%s", tc.lang, tc.cmd, tc.want, tc.wantNot, out)
		}
	}
}

// TestExplainDeferredDespiteCode (issue 12.7): a log line says what Postfix
// did. A 5xx at the greeting (1and1's "refused to talk to me: 550 RBL
// rejection", a real Postfix line) is deferred — Postfix tries the next MX
// host and retries — so the explanation must not say it bounced.
func TestExplainDeferredDespiteCode(t *testing.T) {
	c := Default()
	p := postfixlog.NewParser(time.Date(2007, 11, 14, 0, 0, 0, 0, time.UTC), time.UTC)
	const line = "Nov 12 21:52:32 tommy postfix/smtp[7821]: 72E482C0568: to=<kehl@argentummortgage.com>, relay=mx00.1and1.com[74.208.5.3]:25, delay=3303, delays=3303/0.02/0.6/0, dsn=4.0.0, status=deferred (host mx00.1and1.com[74.208.5.3] refused to talk to me: 550 RBL rejection: http://www.spamhaus.org/query/bl?ip=75.148.8.74)"
	v := c.Classify(InputFromLine(p, line, ""))
	if v.Provider != "spamhaus" || !v.Temporary || v.Code != 550 {
		t.Fatalf("verdict %+v, want Spamhaus, temporary (deferred), code 550", v)
	}
	for lang, tc := range map[string]struct{ want, not string }{
		"en": {"deferred", "bounced"},
		"ja": {"遅延", "返送"},
	} {
		if e := c.Explain(v, lang, RoleDedicated); !strings.Contains(e.Retry, tc.want) || strings.Contains(e.Retry, tc.not) || !strings.Contains(e.Retry, "5xx") {
			t.Errorf("%s: retry %q", lang, e.Retry)
		}
	}
	// The same reply pasted alone says nothing of what Postfix did.
	if v := c.Classify(InputFromText("550 RBL rejection: http://www.spamhaus.org/query/bl?ip=75.148.8.74", "")); v.Temporary {
		t.Errorf("a bare 550 reply is temporary")
	}
}

// TestNamedListProvider (issue 12.6): the provider a notice shows for a list
// the catalog does not know says what explain says of it — the list the
// reply names, looked up on its own site — in both languages.
func TestNamedListProvider(t *testing.T) {
	c := Default()
	p := c.NamedList("DNSRBL.swinog.ch")
	if p == nil || p.ID != Unknown || p.Name != "dnsrbl.swinog.ch" || len(p.Zones) != 0 {
		t.Fatalf("%+v", p)
	}
	v := c.Classify(Input{Reply: reply.Parse("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using dnsrbl.swinog.ch"), RemoteHost: "contoso-com.mail.protection.outlook.com"})
	for _, lang := range []string{"en", "ja"} {
		e := c.Explain(v, lang, RoleDedicated)
		if got := p.Meaning.Get(lang); got != e.Meaning {
			t.Errorf("%s: meaning %q, explain's %q", lang, got, e.Meaning)
		}
		if got := Steps(p.Advice.Get(lang)); !slices.Equal(got, e.Steps) {
			t.Errorf("%s: steps %q, explain's %q", lang, got, e.Steps)
		}
	}
	if p := c.NamedList("megarbl"); p == nil || p.Name != "megarbl" {
		t.Errorf("a list's one-word name: %+v", p)
	}
	if c.NamedList("not a name") != nil || c.NamedList("") != nil || c.NamedList("1234") != nil {
		t.Error("a list name that is no DNS name")
	}
}
