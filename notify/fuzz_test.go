package notify

import (
	"bytes"
	"net/mail"
	"slices"
	"testing"
)

// FuzzCompose feeds attacker-controlled texts into every place they reach.
// Invariants: Compose never fails or panics on them, the message is 7-bit
// with CRLF lines of at most 78 characters, its header set is exact, the
// body decodes to valid UTF-8 and no line of it looks like a header.
func FuzzCompose(f *testing.F) {
	f.Add(spamhausReply, spamhausIncident().Samples[0], "192.0.2.1", "Spamhaus", "mail.example.net", "inc-1", "en", false, "")
	f.Add("550 5.7.1 x\r\nBcc: victim@example.com", "bad\xffline\r\n.\r\n", "192.0.2.1\r\nBcc: x", "Spam\r\nhaus", "host\r\nBcc: y", "id\r\nBcc: z", "ja", true, "<a@b>\r\nBcc: x")
	f.Add("<script>alert(1)</script>", "=?UTF-8?B?QmNjOiB2aWN0aW0=?=", "xn--r8jz45g.example", "日本語", "", "", "ja", true, "<rblwatch.1@mail.example.net>")
	f.Fuzz(func(t *testing.T, replyText, sample, listed, name, host, id, lang string, html bool, thread string) {
		if lang != "ja" {
			lang = "en"
		}
		inc := spamhausIncident()
		inc.ID, inc.Listed, inc.Verdict.Listed = id, listed, listed
		inc.Samples = []string{sample, replyText}
		inc.Recipients = append(inc.Recipients, sample)
		inc.Domains = append(inc.Domains, name)
		p := spamhausFixture()
		p.Name = name
		other := inc
		other.ID = id + "-other"
		n := Notice{Kind: KindOpened, Incident: inc, Provider: p, Reply: replyText, Lang: lang, Host: host,
			Checks:  []Check{{Zone: listed, Status: CheckListed, Meaning: name, MeaningJa: name, TXT: replyText}},
			Related: []Related{{Incident: other, Provider: p, Reply: sample, Checks: []Check{{Zone: name, Status: CheckError, Error: replyText}}}},
			Thread:  []string{thread, "<root@mail.example.net>"}}
		cfg := testConfig()
		cfg.HTML = html
		msg, err := Compose(n, cfg, t0, "<f@mail.example.net>")
		if err != nil {
			t.Fatalf("Compose: %v", err)
		}
		checkWireForm(t, msg)
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("net/mail: %v", err)
		}
		want := wantHeaders
		if html {
			want = wantHeadersMultipart
		}
		// The valid root of the thread is always there: In-Reply-To and
		// References follow the Message-ID.
		want = slices.Insert(slices.Clone(want), slices.Index(want, "Message-Id")+1, "In-Reply-To", "References")
		if keys := headerKeys(msg); !slices.Equal(keys, want) && !slices.Equal(keys, withoutIncident(want)) {
			t.Fatalf("headers %v", keys)
		}
		text, h := decodeBody(t, m)
		checkHostileText(t, text)
		if html && h == "" {
			t.Fatalf("no HTML part")
		}
	})
}

func withoutIncident(keys []string) []string {
	return slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "X-Rblwatch-Incident" })
}

func BenchmarkCompose(b *testing.B) {
	cases := map[string]Notice{
		"opened_en": {Kind: KindOpened, Incident: spamhausIncident(), Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "en", Host: "mail.example.net"},
		"opened_ja": {Kind: KindOpened, Incident: spamhausIncident(), Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "ja", Host: "mail.example.net"},
		"hostile":   hostileNotice("en"),
	}
	for _, name := range []string{"opened_en", "opened_ja", "hostile"} {
		n := cases[name]
		for _, html := range []bool{false, true} {
			cfg := testConfig()
			cfg.HTML = html
			label := name
			if html {
				label += "_html"
			}
			b.Run(label, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Compose(n, cfg, t0, "<b@mail.example.net>"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
