package notify

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSlackRelatedCheckLines: a Slack post announcing several providers
// prefixes every line of a provider's part — its counts, lookup, removal
// and DNS check lines — with that provider's name, so a reader can tell
// whose zone answered what (the check lines had no label).
func TestSlackRelatedCheckLines(t *testing.T) {
	n := openedNotice()
	n.Checks = []Check{{Zone: "zen.spamhaus.org", Status: CheckListed}}
	other := spamhausIncident()
	other.ID, other.Provider = "barracuda-1", "barracuda"
	n.Related = []Related{{Incident: other, Provider: barracudaFixture(), Checks: []Check{{Zone: "b.barracudacentral.org", Status: CheckClean}}}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"\nSpamhaus: zen.spamhaus.org: listed\n", "\nBarracuda: b.barracudacentral.org: not listed"}},
		{"ja", []string{"\nSpamhaus: zen.spamhaus.org: 登録あり\n", "\nBarracuda: b.barracudacentral.org: 登録なし"}},
	} {
		n.Lang = tc.lang
		b, err := WebhookPayload(n, testConfig(), t0, WebhookSlack)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Text string }
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(got.Text, w) {
				t.Errorf("%s: text lacks %q:\n%s", tc.lang, w, got.Text)
			}
		}
		for _, line := range strings.Split(got.Text, "\n")[1:] {
			if strings.HasPrefix(line, "zen.") || strings.HasPrefix(line, "b.barracuda") {
				t.Errorf("%s: a check line without its provider: %q", tc.lang, line)
			}
		}
	}
}
