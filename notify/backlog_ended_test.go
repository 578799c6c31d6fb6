package notify

import (
	"strings"
	"testing"
	"time"
)

// TestBacklogEnded: a summary of a stretch that ends where standard input
// did says rblwatch stops there, in both languages, not that it follows
// the log from now on.
func TestBacklogEnded(t *testing.T) {
	for _, tc := range []struct{ lang, ended, live string }{
		{"en", "rblwatch stops there and reads no more of the log", "rblwatch now follows the log as it is written"},
		{"ja", "rblwatch はここで停止します", "書き込まれるログを順次監視します"},
	} {
		for _, ended := range []bool{false, true} {
			n := backlogNotice(tc.lang)
			b := *n.Backlog
			b.Ended = ended
			n.Backlog = &b
			msg, err := Compose(n, testConfig(), t0.Add(time.Hour), "<rblwatch.b1@mail.example.net>")
			if err != nil {
				t.Fatal(err)
			}
			_, text, _ := readComposed(t, msg)
			hook, err := WebhookPayload(n, testConfig(), t0.Add(time.Hour), WebhookGeneric)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(string(hook), `"ended":true`); got != ended {
				t.Errorf("%s, ended %v: webhook JSON %s", tc.lang, ended, hook)
			}
			if strings.Contains(text, tc.ended) != ended || strings.Contains(text, tc.live) == ended {
				t.Errorf("%s, ended %v:\n%s", tc.lang, ended, text)
			}
		}
	}
}
