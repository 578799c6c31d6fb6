package notify

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEveryChannelNamesTheInstance: a notice of an incident that a
// postmulti instance logged names it on every channel, as the email does
// ("Postfix instance: postfix-out") — the webhook's JSON (instances), the
// Slack text (a line, en and ja) and the Alertmanager alert (annotation
// instances); a default "postfix" alone is named nowhere.
func TestEveryChannelNamesTheInstance(t *testing.T) {
	for _, tc := range []struct {
		name      string
		instances []string
		lang      string
		slack     string // the Slack text's line; "" when none
		want      []string
	}{
		{"postmulti en", []string{"postfix-out"}, "en", "\nPostfix instance: postfix-out", []string{"postfix-out"}},
		{"postmulti ja", []string{"postfix-in", "postfix-out"}, "ja", "\nPostfix インスタンス: postfix-in, postfix-out", []string{"postfix-in", "postfix-out"}},
		{"the default instance", []string{"postfix"}, "en", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := openedNotice()
			n.Lang = tc.lang
			n.Incident.Instances = tc.instances

			b, err := WebhookPayload(n, testConfig(), t0, WebhookGeneric)
			if err != nil {
				t.Fatal(err)
			}
			var generic struct{ Instances []string }
			if err := json.Unmarshal(b, &generic); err != nil {
				t.Fatal(err)
			}
			if strings.Join(generic.Instances, ",") != strings.Join(tc.want, ",") {
				t.Errorf("webhook instances %q, want %q", generic.Instances, tc.want)
			}

			if b, err = WebhookPayload(n, testConfig(), t0, WebhookSlack); err != nil {
				t.Fatal(err)
			}
			var slack struct{ Text string }
			if err := json.Unmarshal(b, &slack); err != nil {
				t.Fatal(err)
			}
			if tc.slack != "" && !strings.Contains(slack.Text, tc.slack+"\n") && !strings.HasSuffix(slack.Text, tc.slack) {
				t.Errorf("the Slack text lacks %q:\n%s", tc.slack, slack.Text)
			}
			if tc.slack == "" && strings.Contains(slack.Text, "instance") {
				t.Errorf("the Slack text names the default instance:\n%s", slack.Text)
			}

			alerts, err := Alerts(n, testConfig(), t0)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := alerts[0].Annotations["instances"], strings.Join(tc.want, ", "); got != want {
				t.Errorf("alert annotation instances %q, want %q", got, want)
			}
		})
	}
}
