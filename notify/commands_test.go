package notify

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/incident"
)

// TestCommandsCarryConfig: a daemon that runs with another configuration
// than the default prints its commands with --config PATH, and each
// command, pasted into a POSIX shell as printed, gives rblwatch the words
// it should — whatever the path holds (spaces, quotes, $(…), `…`, ;). A
// path that cannot be shown on one line leaves the ack and mute commands
// out, rather than print ones that act on the default state.
func TestCommandsCarryConfig(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		flag string // as printed; "" when the commands must be left out
	}{
		{"/etc/rblwatch/out.yaml", " --config /etc/rblwatch/out.yaml"},
		{"/srv/mail conf/it's.yaml", ` --config '/srv/mail conf/it'\''s.yaml'`},
		{"/tmp/$(touch pwned)`id`;rm -rf ~.yaml", ` --config '/tmp/$(touch pwned)` + "`id`" + `;rm -rf ~.yaml'`},
		{"/etc/rblwatch/メール.yaml", ` --config '/etc/rblwatch/メール.yaml'`},
		{"-dash.yaml", ` --config '-dash.yaml'`},
		{"/tmp/a\nrblwatch incidents ack x.yaml", ""},
		{"/tmp/a\u202e.yaml", ""},
	} {
		commands := 0
		for _, cc := range composeCases() {
			cfg := cc.cfg
			if cfg.From.Address == "" {
				cfg = testConfig()
			}
			cfg.ConfigPath = tc.path
			raw, err := Compose(cc.notice, cfg, cc.now, cc.msgID)
			if err != nil {
				t.Fatalf("%s: %v", cc.name, err)
			}
			_, text, _ := readComposed(t, raw)
			for _, line := range strings.Split(text, "\n") {
				if !strings.HasPrefix(line, "  rblwatch incidents ") {
					if i := strings.Index(line, "rblwatch messages --incident "); i >= 0 && !strings.Contains(line[i:], tc.flag) {
						t.Errorf("%s, %q: %q lacks %q", cc.name, tc.path, line, tc.flag)
					}
					continue
				}
				commands++
				if tc.flag == "" {
					t.Errorf("%s, %q: a command printed: %q", cc.name, tc.path, line)
					continue
				}
				if !strings.HasSuffix(line, tc.flag) {
					t.Errorf("%s: %q does not end with %q", cc.name, line, tc.flag)
				}
				// The shell's words, one per NUL-ended field.
				out, err := exec.Command(sh, "-c", "set -- "+strings.TrimPrefix(line, "  rblwatch ")+`; for a; do printf '%s\0' "$a"; done`).Output()
				if err != nil {
					t.Fatalf("%s: sh: %q: %v", cc.name, line, err)
				}
				words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
				if n := len(words); n < 4 || !slices.Equal(words[n-2:], []string{"--config", tc.path}) {
					t.Errorf("%s: pasted, %q gives the words %q, not ending with --config %q", cc.name, line, words, tc.path)
				}
			}
		}
		if tc.flag != "" && commands == 0 {
			t.Errorf("%q: no notice printed a command", tc.path)
		}
	}
}

// TestWhoCountsPartial: after a restart, who sent an incident's mail is
// counted again from the messages the store keeps (the first 1000): of an
// incident of more, the notice says over how many of its messages the
// counts go, in both languages; one whose counts cover every message says
// nothing of it. Before, the counts of 1000 stood beside "4711 messages"
// as if they were every message's.
func TestWhoCountsPartial(t *testing.T) {
	for _, tc := range []struct {
		counted, more int
		want          map[string]string // by language; "" when nothing is said
	}{
		{3, 4708, map[string]string{"en": "Counted over 3 of the 4711 refused messages: rblwatch restarted meanwhile, and keeps who sent only the first 1000 of an incident.",
			"ja": "拒否された 4711 通のうち 3 通についての集計です（途中で rblwatch が再起動しており、インシデントごとに最初の 1000 通分の送信者しか保存していません）。"}},
		{4711, 4708, nil},
		{3, 0, nil},
	} {
		for _, lang := range []string{"en", "ja"} {
			inc := spamhausIncident()
			inc.MoreMessages = tc.more
			inc.Senders = incident.Who{Messages: tc.counted, Senders: []incident.Count{{Name: "alice@example.net", Messages: tc.counted}}}
			raw, err := Compose(Notice{Kind: KindDigest, Incident: inc, Provider: spamhausFixture(), Lang: lang, Host: "mail.example.net"}, testConfig(), t0, "<m@x>")
			if err != nil {
				t.Fatal(err)
			}
			_, text, _ := readComposed(t, raw)
			want := tc.want[lang]
			said := func(text string) bool {
				return strings.Contains(text, "Counted over") || strings.Contains(text, "通のうち")
			}
			if want != "" && !strings.Contains(text, want) || want == "" && said(text) {
				t.Errorf("%s, %d counted of %d: want %q in\n%s", lang, tc.counted, 3+tc.more, want, text)
			}
			// The Slack line and the webhook's senders say it in the
			// same words, and the JSON carries the numbers.
			n := Notice{Kind: KindDigest, Incident: inc, Provider: spamhausFixture(), Lang: lang, Host: "mail.example.net"}
			slack, err := WebhookPayload(n, testConfig(), t0, WebhookSlack)
			if err != nil {
				t.Fatal(err)
			}
			var s struct{ Text string }
			if err := json.Unmarshal(slack, &s); err != nil {
				t.Fatal(err)
			}
			if want != "" && !strings.Contains(s.Text, want) || want == "" && said(s.Text) {
				t.Errorf("slack, %s, %d counted of %d: want %q in\n%s", lang, tc.counted, 3+tc.more, want, s.Text)
			}
			generic, err := WebhookPayload(n, testConfig(), t0, WebhookGeneric)
			if err != nil {
				t.Fatal(err)
			}
			var g struct {
				Senders struct {
					Messages int    `json:"messages"`
					Of       int    `json:"of"`
					Kept     int    `json:"kept"`
					Note     string `json:"note"`
				} `json:"senders"`
			}
			if err := json.Unmarshal(generic, &g); err != nil {
				t.Fatal(err)
			}
			wantOf, wantKept := 0, 0
			if want != "" {
				wantOf, wantKept = 3+tc.more, incident.MaxMessages
			}
			if g.Senders.Messages != tc.counted || g.Senders.Of != wantOf || g.Senders.Kept != wantKept || g.Senders.Note != want {
				t.Errorf("webhook, %s, %d counted of %d: senders %+v, want of %d, kept %d, note %q", lang, tc.counted, 3+tc.more, g.Senders, wantOf, wantKept, want)
			}
		}
	}
}
