package notify

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestBacklogWebhook: a backlog summary's webhook bodies list the incidents
// (generic: each with its times, counts, fates and how it ended, and the
// totals at the top level; Slack: one line each, in the notice's
// language), and it gives Alertmanager nothing.
func TestBacklogWebhook(t *testing.T) {
	n := backlogNotice("en")
	b, err := WebhookPayload(n, testConfig(), t0, WebhookGeneric)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	for k, want := range map[string]any{
		"kind": "backlog", "summary": "Backlog summary for mail.example.net: 5 incidents, over before rblwatch read the log",
		"host": "mail.example.net", "messages": 30.0, "recipients": 30.0, "bounced": 18.0, "deferred": 9.0,
	} {
		if !reflect.DeepEqual(got[k], want) {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	bl, _ := got["backlog"].(map[string]any)
	if bl == nil {
		t.Fatalf("no backlog in %s", b)
	}
	if bl["from"] != "2026-03-13T09:26:03Z" || bl["until"] != "2026-03-14T09:16:03Z" || bl["more"] != 2.0 || bl["total"] != 5.0 {
		t.Errorf("backlog span and counts: %v", bl)
	}
	incs, _ := bl["incidents"].([]any)
	if len(incs) != 3 {
		t.Fatalf("%d incidents listed, want 3: %v", len(incs), bl["incidents"])
	}
	first := incs[0].(map[string]any)
	for k, want := range map[string]any{
		"incident_id": "spamhaus-192.0.2.1-20260313T102603Z", "provider": "spamhaus", "provider_name": "Spamhaus", "listed": "192.0.2.1",
		"status": "cleared", "first_seen": "2026-03-13T10:26:03Z", "last_seen": "2026-03-13T11:21:03Z", "cleared_at": "2026-03-13T17:21:03Z",
		"cleared_by": "quiet", "bounced": 12.0, "deferred": 0.0, "messages": 12.0, "fates": map[string]any{"bounced": 12.0},
	} {
		if !reflect.DeepEqual(first[k], want) {
			t.Errorf("incident 1: %s = %v, want %v", k, first[k], want)
		}
	}
	if third := incs[2].(map[string]any); third["cleared_by"] != "delivered" || !reflect.DeepEqual(third["fates"], map[string]any{"delivered": 3.0}) {
		t.Errorf("incident 3: %v", third)
	}

	for lang, want := range map[string]string{
		"en": "*rblwatch*: Backlog summary for mail.example.net: 5 incidents, over before rblwatch read the log\n" +
			"Spamhaus (192.0.2.1): 2026-03-13 10:26 UTC – 2026-03-13 11:21 UTC; 12 messages to 12 recipients refused: 12 bounces, 0 deferrals; closed: no rejection for the quiet period\n" +
			"Barracuda (192.0.2.1): 2026-03-13 13:26 UTC – 2026-03-13 13:31 UTC; 2 messages to 2 recipients refused: 2 bounces, 0 deferrals; over: mail delivered again\n" +
			"Microsoft (Outlook.com) (192.0.2.1): 2026-03-13 23:36 UTC – 2026-03-14 00:26 UTC; 3 messages to 3 recipients refused: 0 bounces, 8 deferrals; over: mail delivered again\n" +
			"… and 2 more incidents: 13 messages refused, 4 bounces, 1 deferral",
		"ja": "*rblwatch*: 後から読み込んだログのまとめ: mail.example.net で既に終了していたインシデントが5件ありました\n" +
			"Spamhaus (192.0.2.1): 2026/03/13 10:26 (UTC) – 2026/03/13 11:21 (UTC)、拒否されたメール 12通（宛先12件）、返送 12件、遅延 0回、終了（一定時間拒否なし）\n" +
			"Barracuda (192.0.2.1): 2026/03/13 13:26 (UTC) – 2026/03/13 13:31 (UTC)、拒否されたメール 2通（宛先2件）、返送 2件、遅延 0回、終了（配送を確認）\n" +
			"Microsoft (Outlook.com) (192.0.2.1): 2026/03/13 23:36 (UTC) – 2026/03/14 00:26 (UTC)、拒否されたメール 3通（宛先3件）、返送 0件、遅延 8回、終了（配送を確認）\n" +
			"ほか2件: 拒否されたメール 13通、返送 4件、遅延 1回",
	} {
		n := backlogNotice(lang)
		b, err := WebhookPayload(n, testConfig(), t0, WebhookSlack)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal(b, &got); err != nil || len(got) != 1 {
			t.Fatalf("payload %s (%v)", b, err)
		}
		if got["text"] != want {
			t.Errorf("%s Slack text:\n%s\nwant:\n%s", lang, got["text"], want)
		}
	}

	alerts, err := Alerts(n, testConfig(), t0)
	if err != nil || len(alerts) != 0 {
		t.Errorf("Alerts = %v, %v; want none for incidents already over", alerts, err)
	}
}

// TestBacklogKey: a backlog summary's key depends on the end of the
// stretch of log it sums up and on its incidents, and never on the
// channel's words.
func TestBacklogKey(t *testing.T) {
	n := backlogNotice("en")
	key := NoticeKey(n)
	if !strings.HasPrefix(key, "backlog/1773479763/5/") {
		t.Errorf("key %q", key)
	}
	ja := backlogNotice("ja")
	if NoticeKey(ja) != key {
		t.Errorf("the language changes the key: %q, %q", NoticeKey(ja), key)
	}
	other := backlogNotice("en")
	other.Backlog.Incidents = other.Backlog.Incidents[:2]
	other.Backlog.More = 3
	if NoticeKey(other) == key {
		t.Errorf("other incidents, same key %q", key)
	}
	later := backlogNotice("en")
	later.Backlog.Until = later.Backlog.Until.Add(time.Minute)
	if NoticeKey(later) == key {
		t.Errorf("another stretch, same key %q", key)
	}
	if DedupKey(n, "email") != key+"/email" {
		t.Errorf("DedupKey %q", DedupKey(n, "email"))
	}
}

// TestBacklogEmpty: a backlog notice without incidents is an error, not an
// empty email.
func TestBacklogEmpty(t *testing.T) {
	for _, b := range []*Backlog{nil, {From: t0, Until: t0.Add(time.Hour)}} {
		n := Notice{Kind: KindBacklog, Incident: backlogNotice("en").Incident, Lang: "en", Backlog: b}
		if _, err := Compose(n, testConfig(), t0, "<x@mail.example.net>"); !errors.Is(err, ErrKind) {
			t.Errorf("Compose(%+v) = %v, want ErrKind", b, err)
		}
	}
}
