package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// TestClearedSeveralProviders: a cleared notice that closes two providers'
// incidents of one address speaks for both — the fates of both incidents'
// messages, and "still listed" when the other provider's list still names
// the address though the main one's does not (subject and body agree).
func TestClearedSeveralProviders(t *testing.T) {
	n := openedNotice()
	n.Kind, n.Quiet = KindCleared, 6*time.Hour
	n.Incident.Status, n.Incident.ClearedAt, n.Incident.ClearedBy = incident.Cleared, t0.Add(8*time.Hour), "quiet"
	n.Checks = []Check{{Zone: "zen.spamhaus.org", Status: CheckClean}}
	r := barracudaRelated()
	r.Incident.Status, r.Incident.ClearedAt, r.Incident.ClearedBy = incident.Cleared, t0.Add(8*time.Hour), "quiet"
	r.Incident.Messages = []incident.Message{{QueueID: "AAAA1", Fate: incident.FateExpired, Recipients: []string{"x@example.org"}}}
	r.Checks = []Check{{Zone: "b.barracudacentral.org", Status: CheckListed}}
	n.Related = []Related{r}
	for _, tc := range []struct{ lang, subject, fate, own, still string }{
		{"en", "but 192.0.2.1 is still listed by Barracuda Reputation Block List (BRBL)", "expired in the queue and returned: 1", "The list does not name the sending IP address 192.0.2.1 now.", "The list still names the sending IP address 192.0.2.1"},
		{"ja", "192.0.2.1 は Barracuda Reputation Block List (BRBL) に登録されたままです", "期限切れ", "リストには現在、送信元IPアドレス 192.0.2.1 は登録されていません。", "リストには現在も送信元IPアドレス 192.0.2.1 が登録されています"},
	} {
		n.Lang = tc.lang
		msg, err := Compose(n, testConfig(), t0.Add(8*time.Hour), "<rblwatch.c2@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		subj, text, _ := readComposed(t, msg)
		if !strings.Contains(subj, tc.subject) {
			t.Errorf("%s: subject %q lacks %q", tc.lang, subj, tc.subject)
		}
		if !strings.Contains(text, tc.fate) {
			t.Errorf("%s: body lacks the related incident's fate %q:\n%s", tc.lang, tc.fate, text)
		}
		// Spamhaus's own part says its list does not name the address.
		if !strings.Contains(text, tc.own) {
			t.Errorf("%s: body lacks Spamhaus's own state %q:\n%s", tc.lang, tc.own, text)
		}
		if strings.Count(text, tc.still) != 1 {
			t.Errorf("%s: %q %d times, want once (Barracuda's part):\n%s", tc.lang, tc.still, strings.Count(text, tc.still), text)
		}
	}
}

// TestClearedSeveralWays: a cleared notice of two providers that ended in
// different ways — one by a delivery, one by the quiet period — does not
// say mail is accepted again (only a delivery shows that, and only for
// its receivers): the notice as a whole is "closed", each part says how
// its incident ended.
func TestClearedSeveralWays(t *testing.T) {
	n := openedNotice()
	n.Kind, n.Quiet = KindCleared, 6*time.Hour
	n.Incident.Status, n.Incident.ClearedAt, n.Incident.ClearedBy = incident.Cleared, t0.Add(8*time.Hour), "delivered"
	n.Checks = []Check{{Zone: "zen.spamhaus.org", Status: CheckClean}}
	r := barracudaRelated()
	r.Incident.Status, r.Incident.ClearedAt, r.Incident.ClearedBy = incident.Cleared, t0.Add(8*time.Hour), "quiet"
	r.Checks = []Check{{Zone: "b.barracudacentral.org", Status: CheckClean}}
	n.Related = []Related{r}
	for _, tc := range []struct{ lang, not, part string }{
		{"en", "accepted again", "No new rejection for 6 hours"},
		{"ja", "再び受け付け", "新たな拒否は記録されていません"},
	} {
		n.Lang = tc.lang
		msg, err := Compose(n, testConfig(), t0.Add(8*time.Hour), "<rblwatch.c3@mail.example.net>")
		if err != nil {
			t.Fatal(err)
		}
		subj, text, _ := readComposed(t, msg)
		first := strings.SplitN(text, "\n", 2)[0]
		if strings.Contains(subj, tc.not) || strings.Contains(first, tc.not) {
			t.Errorf("%s: subject %q, first line %q: say mail is accepted again for a list that only went quiet", tc.lang, subj, first)
		}
		if !strings.Contains(text, tc.part) {
			t.Errorf("%s: Barracuda's part lacks %q:\n%s", tc.lang, tc.part, text)
		}
	}
}
