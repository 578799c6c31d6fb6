package notify

import (
	"bytes"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/rblwatch/rblwatch/classify"
)

func senderCases() []struct {
	name string
	n    SenderNotice
	want []string
} {
	sent := time.Date(2026, 3, 14, 9, 20, 0, 0, time.UTC)
	base := SenderNotice{Sender: "alice@example.net", Recipient: "bob@example.org", QueueID: "4BF2C1E0A3",
		MessageID: "20260314092000.4BF2C1E0A3@mail.example.net", Sent: sent, At: sent.Add(6 * time.Minute),
		Lifetime: 5 * 24 * time.Hour, Provider: &classify.Provider{ID: "spamhaus", Name: "Spamhaus"},
		Reply: "450 4.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org\x1b[31m \u202egnp.exe", PostmasterTold: true,
		Host: "mail.example.net"}
	bounced := base
	bounced.Bounced = true
	bounced.PostmasterTold = false
	ja := base
	ja.Lang = "ja"
	jaBounced := bounced
	jaBounced.Lang = "ja"
	// Several recipients refused in the same reading of the log: each is
	// named, up to maxSenderRecipients, the rest counted.
	several := base
	several.Recipient, several.Others = "bob@example.org", []string{"carol@example.org", "dave@example.com"}
	severalJa := several
	severalJa.Lang = "ja"
	return []struct {
		name string
		n    SenderNotice
		want []string
	}{
		{"sender_deferred_en", base, []string{"is delayed", "has not been delivered yet", "Spamhaus lists it",
			"The postmaster of mail.example.net has been told", "until 2026-03-19 09:20 UTC (5 days after it was sent)",
			"You do not need to send it again", "give this reference: 4BF2C1E0A3"}},
		{"sender_bounced_en", bounced, []string{"could not be delivered", "comes back to you with an error report",
			"please send it again"}},
		{"sender_deferred_ja", ja, []string{"配送が遅れています", "管理者には通知済み", "2026/03/19 09:20 (UTC) まで", "再試行", "Spamhaus に登録",
			"2026/03/14 09:26 (UTC) の時点で、受信側のサーバーが当方のサーバーのアドレスからのメールを受け付けていないためです"}},
		{"sender_bounced_ja", jaBounced, []string{"配送できませんでした", "返送されます", "もう一度送信してください"}},
		{"sender_several_en", several, []string{"Your message to bob@example.org and 2 other recipients is delayed",
			"Your message to <bob@example.org>, <carol@example.org> and <dave@example.com>, sent"}},
		{"sender_several_ja", severalJa, []string{"bob@example.org ほか2件の宛先へのメールの配送が遅れています",
			"に送信された <bob@example.org>、<carol@example.org>、<dave@example.com> 宛てのメールは"}},
	}
}

// TestComposeSenderGolden: the early notice to a sender, deferred and
// bounced, in English and Japanese, byte-stable against the goldens, with
// the words the issue asks for (which recipient, why, the postmaster told,
// what Postfix will do) and the reply sanitised.
func TestComposeSenderGolden(t *testing.T) {
	cfg := Config{From: mail.Address{Name: "rblwatch", Address: "rblwatch@mail.example.net"}}
	now := time.Date(2026, 3, 14, 9, 26, 30, 0, time.UTC)
	for _, tc := range senderCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ComposeSender(tc.n, cfg, now, "<sender-4bf2c1e0a3@mail.example.net>")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("..", "testdata", "notify", tc.name+".eml")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden (run go test ./notify -update): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("message differs from %s (run go test ./notify -update and review the diff)", path)
			}
			r, err := gomail.CreateReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if v := r.Header.Get("Auto-Submitted"); v != "auto-generated" {
				t.Errorf("Auto-Submitted %q", v)
			}
			if to, err := r.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "alice@example.net" {
				t.Errorf("To %v %v", to, err)
			}
			p, err := r.NextPart()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(p.Body)
			subject, _ := r.Header.Subject()
			text := subject + "\n" + string(b)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			if strings.ContainsAny(text, "\x1b\u202e") {
				t.Errorf("remote text not sanitised:\n%q", text)
			}
		})
	}
}

func TestComposeSenderRefusesBadAddresses(t *testing.T) {
	cfg := Config{From: mail.Address{Address: "rblwatch@mail.example.net"}}
	for _, to := range []string{"", "alice@example.net\r\nBcc: x@y", "a b@example.net"} {
		if _, err := ComposeSender(SenderNotice{Sender: to, Recipient: "b@example.org"}, cfg, time.Now(), "<a@b>"); err == nil {
			t.Errorf("sender %q: composed", to)
		}
	}
}
