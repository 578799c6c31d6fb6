package notify

import (
	"encoding/json"
	stdhtml "html"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
)

// TestFoundInEveryNotice (issue 14.4): every notice — the email (its text
// and HTML parts), the generic webhook, Slack and Alertmanager — says how
// the provider was found, in the notice's language, as explain and the
// replay report say it; the webhook also gives the value and the receiver
// that quoted the verdict (via). A related incident says its own.
func TestFoundInEveryNotice(t *testing.T) {
	cat := classify.Default()
	relay := incident.Incident{
		ID: "mailru-192.0.2.1-20260314T092603Z", Key: incident.Key{Provider: "mailru", Listed: "192.0.2.1"}, Status: incident.Ongoing,
		FirstSeen: t0, LastSeen: t0,
		Verdict: classify.Verdict{Provider: "mailru", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1",
			Remote: "mx1.mail.ru", Found: classify.FoundRelay},
		Remotes: []string{"mx1.mail.ru"},
	}
	generic := incident.Incident{
		ID: "unknown-192.0.2.1-20260314T092603Z", Key: incident.Key{Provider: "unknown", Listed: "192.0.2.1"}, Status: incident.Ongoing,
		FirstSeen: t0, LastSeen: t0,
		Verdict: classify.Verdict{Provider: "unknown", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1",
			Remote: "mx.example-isp.net", Found: classify.FoundGeneric, Via: "example-isp.net"},
		Remotes: []string{"mx.example-isp.net"},
	}
	for _, lang := range []string{"en", "ja"} {
		relayNote, genericNote := cat.FoundNote(classify.FoundRelay, lang), cat.FoundNote(classify.FoundGeneric, lang)
		label := map[string]string{"en": "How found: ", "ja": "判定の根拠: "}[lang]
		n := Notice{Kind: KindOpened, Incident: relay, Provider: cat.Provider("mailru"), FoundNote: relayNote, Lang: lang, Host: "mail.example.net",
			Related: []Related{{Incident: generic, Provider: cat.Provider("unknown"), FoundNote: genericNote}}}
		cfg := testConfig()
		cfg.HTML = true
		msg, err := Compose(n, cfg, t0.Add(time.Minute), "<rblwatch.1@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		_, text, html := readComposed(t, msg)
		for _, note := range []string{relayNote, genericNote} {
			if !strings.Contains(text, label+note) {
				t.Errorf("%s: the email's text does not say %q:\n%s", lang, label+note, text)
			}
			if !strings.Contains(html, stdhtml.EscapeString(note)) {
				t.Errorf("%s: the email's HTML does not say %q", lang, note)
			}
		}
		body, err := WebhookPayload(n, cfg, t0, WebhookGeneric)
		if err != nil {
			t.Fatal(err)
		}
		var w struct {
			Found, FoundNote, Via string
			Related               []struct{ Found, FoundNote, Via string }
		}
		if err := json.Unmarshal(body, &struct {
			Found     *string                                   `json:"found"`
			FoundNote *string                                   `json:"found_note"`
			Via       *string                                   `json:"via"`
			Related   *[]struct{ Found, FoundNote, Via string } `json:"related"`
		}{&w.Found, &w.FoundNote, &w.Via, &w.Related}); err != nil {
			t.Fatal(err)
		}
		if w.Found != "relay" || w.FoundNote != relayNote || len(w.Related) != 1 {
			t.Errorf("%s: webhook %s", lang, body)
		}
		if !strings.Contains(string(body), `"found":"generic","found_note":`+jsonString(genericNote)) || !strings.Contains(string(body), `"via":"example-isp.net"`) {
			t.Errorf("%s: the webhook's related incident does not say how it was found, or its via: %s", lang, body)
		}
		slack, err := WebhookPayload(n, cfg, t0, WebhookSlack)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(slack), jsonString(relayNote)[1:len(jsonString(relayNote))-1]) {
			t.Errorf("%s: Slack does not say %q: %s", lang, relayNote, slack)
		}
		alerts, err := Alerts(n, cfg, t0)
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 2 || alerts[0].Annotations["found"] != relayNote || alerts[1].Annotations["found"] != genericNote {
			t.Errorf("%s: alerts' found annotations: %+v", lang, alerts)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestUnnamedListInLanguage: a refusal that names no list (provider
// "unknown", the daemon passing the catalog's entry for it) is called in
// the notice's own language — "a blocklist the receiver did not name",
// "受信側が名前を示していないブロックリスト" — never by the catalog entry's
// English name.
func TestUnnamedListInLanguage(t *testing.T) {
	cat := classify.Default()
	inc := incident.Incident{
		ID: "unknown-192.0.2.1-20260314T092603Z", Key: incident.Key{Provider: "unknown", Listed: "192.0.2.1"}, Status: incident.Ongoing,
		FirstSeen: t0, LastSeen: t0,
		Verdict: classify.Verdict{Provider: "unknown", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550, Remote: "mx.example-isp.net",
			Found: classify.FoundGeneric, Via: "example-isp.net"},
	}
	for lang, want := range map[string]string{"en": "a blocklist the receiver did not name", "ja": "受信側が名前を示していないブロックリスト"} {
		n := Notice{Kind: KindOpened, Incident: inc, Provider: cat.Provider("unknown"), Lang: lang, Host: "mail.example.net"}
		msg, err := Compose(n, testConfig(), t0.Add(time.Minute), "<rblwatch.1@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		subject, text, _ := readComposed(t, msg)
		name := cat.Provider("unknown").Name
		if strings.Contains(subject, name) || strings.Contains(text, name) {
			t.Errorf("%s: the notice calls the list %q:\n%s\n%s", lang, name, subject, text)
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s: the notice does not say %q:\n%s", lang, want, text)
		}
	}
}
