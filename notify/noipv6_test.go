package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestChannelsSayNoIPv6: a zone that lists no IPv6 addresses (ipv4_only)
// was not asked about an IPv6 sending address, and every channel says so,
// as the text notice does: the Alertmanager checks annotation, the Slack
// text, the generic JSON (no_ipv6, as check --json) and the HTML part.
// Before, all but the text said plainly "not listed".
func TestChannelsSayNoIPv6(t *testing.T) {
	for _, tc := range []struct{ lang, word, html string }{
		{"en", "zen.spamhaus.org: not asked (the list has no IPv6 addresses)", "This list has no IPv6 addresses, so it was not asked."},
		{"ja", "zen.spamhaus.org: 問い合わせず（IPv6アドレスを掲載しないリスト）", "このリストはIPv6アドレスを掲載しないため、問い合わせていません。"},
	} {
		n := openedNotice()
		n.Lang = tc.lang
		n.Incident.Key.Listed = "2001:db8::25"
		n.Incident.Verdict.Listed = "2001:db8::25"
		n.Checks = []Check{{Zone: "zen.spamhaus.org", Status: CheckClean, NoIPv6: true}}

		alerts, err := Alerts(n, testConfig(), t0)
		if err != nil {
			t.Fatal(err)
		}
		if got := alerts[0].Annotations["checks"]; got != tc.word {
			t.Errorf("%s: checks annotation %q, want %q", tc.lang, got, tc.word)
		}

		b, err := WebhookPayload(n, testConfig(), t0, WebhookSlack)
		if err != nil {
			t.Fatal(err)
		}
		var slack map[string]string
		if err := json.Unmarshal(b, &slack); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(slack["text"], "\n"+tc.word+"\n") {
			t.Errorf("%s: Slack text lacks %q:\n%s", tc.lang, tc.word, slack["text"])
		}

		b, err = WebhookPayload(n, testConfig(), t0, WebhookGeneric)
		if err != nil {
			t.Fatal(err)
		}
		var generic struct {
			Checks []map[string]any `json:"checks"`
		}
		if err := json.Unmarshal(b, &generic); err != nil {
			t.Fatal(err)
		}
		if len(generic.Checks) != 1 || generic.Checks[0]["no_ipv6"] != true || generic.Checks[0]["status"] != "clean" {
			t.Errorf("%s: generic checks %v, want status clean and no_ipv6 true", tc.lang, generic.Checks)
		}

		cfg := testConfig()
		cfg.HTML = true
		msg, err := Compose(n, cfg, t0.Add(time.Minute), "<rblwatch.v6@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		_, _, html := readComposed(t, msg)
		if !strings.Contains(html, tc.html) {
			t.Errorf("%s: HTML part lacks %q:\n%s", tc.lang, tc.html, html)
		}
	}
}
