package notify

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestRealPostfixRelaysNotices sends goldens through a real, private
// Postfix on loopback, once over SMTP and once with Postfix's own sendmail
// command, to a fake remote: what arrives ends with the golden byte for
// byte (Postfix only prepends its Received: header). It skips where
// Postfix cannot run (see internal/postfixtest).
func TestRealPostfixRelaysNotices(t *testing.T) {
	remote := pt.NewRemote(t, "127.0.0.1:0", "mx.example.net")
	pf := pt.Start(t, pt.Options{
		Hostname: "mail.example.net",
		Routes:   []pt.Route{{Domain: "example.net", Host: "mx.example.net", Addr: remote.Addr()}},
	})
	// The real sendmail, pointed at the private instance's configuration.
	wrapper := filepath.Join(t.TempDir(), "sendmail")
	script := "#!/bin/sh\nexec /usr/sbin/sendmail -C '" + pf.ConfigDir() + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	transports := map[string]Transport{
		"smtp":     &SMTP{Addr: pf.SMTPAddr(), From: "rblwatch@mail.example.net", HeloName: "mail.example.net"},
		"sendmail": &Sendmail{Path: wrapper, From: "rblwatch@mail.example.net"},
	}
	names := []string{"opened_en", "opened_ja", "opened_microsoft_html_en", "hostile_en"}
	var want [][]byte
	q := &memQueue{}
	for _, sink := range []string{"smtp", "sendmail"} {
		for _, name := range names {
			golden, err := os.ReadFile(goldenPath(name))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, golden)
			q.add(Item{Kind: name, Sink: sink, Recipients: []string{"postmaster@example.net"}, Payload: golden, CreatedAt: t0})
		}
	}
	w := &Worker{Queue: q, Sinks: transports}
	if n, err := w.Step(context.Background(), t0); err != nil || n != len(want) {
		t.Fatalf("Step: sent %d of %d, err %v", n, len(want), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := remote.WaitMessages(ctx, len(want))
	if err != nil {
		t.Fatalf("waiting for the relayed notices: %v", err)
	}
	// Postfix may deliver in any order: match each golden to a message.
	used := make([]bool, len(got))
	for i, g := range want {
		found := false
		for j, m := range got {
			if !used[j] && bytes.HasSuffix(m.Data, g) && bytes.HasPrefix(m.Data, []byte("Received: ")) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("notice %d (%s via %s) did not arrive intact", i, names[i%len(names)], []string{"smtp", "sendmail"}[i/len(names)])
		}
	}
	if len(got) != len(want) {
		t.Errorf("remote received %d messages, want %d", len(got), len(want))
	}
}

// TestRealPostfixNamedRecipients: mailboxes with display names (quoted,
// with specials, in Japanese), as config.ParseMailbox makes them (package
// config imports notify, so the test parses them with net/mail as it does),
// sent through a real Postfix over SMTP and with its sendmail: the envelope
// carries the bare addresses (every recipient gets the notice), the header
// keeps the names.
func TestRealPostfixNamedRecipients(t *testing.T) {
	remote := pt.NewRemote(t, "127.0.0.1:0", "mx.example.net")
	pf := pt.Start(t, pt.Options{
		Hostname: "mail.example.net",
		Routes:   []pt.Route{{Domain: "example.net", Host: "mx.example.net", Addr: remote.Addr()}},
	})
	wrapper := filepath.Join(t.TempDir(), "sendmail")
	script := "#!/bin/sh\nexec /usr/sbin/sendmail -C '" + pf.ConfigDir() + "' \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var to []mail.Address
	for _, s := range []string{"Ops Team <ops@example.net>", `"Ops, Tokyo" <tokyo@example.net>`, "サーバー運用チーム <team@example.net>"} {
		a, err := mail.ParseAddress(s)
		if err != nil {
			t.Fatal(err)
		}
		to = append(to, *a)
	}
	from := mail.Address{Name: "rblwatch 監視", Address: "rblwatch@mail.example.net"}
	envelope := []string{"ops@example.net", "tokyo@example.net", "team@example.net"}
	cfg := Config{From: from, To: to}
	n := Notice{Kind: KindOpened, Incident: spamhausIncident(), Provider: spamhausFixture(), Lang: "ja", Host: "mail.example.net"}
	msg, err := Compose(n, cfg, t0, "<named@mail.example.net>")
	if err != nil {
		t.Fatal(err)
	}
	transports := map[string]Transport{
		"smtp":     &SMTP{Addr: pf.SMTPAddr(), From: from.Address, HeloName: "mail.example.net"},
		"sendmail": &Sendmail{Path: wrapper, From: from.Address},
	}
	q := &memQueue{}
	for _, sink := range []string{"smtp", "sendmail"} {
		q.add(Item{Kind: "opened", Sink: sink, Recipients: envelope, Payload: msg, CreatedAt: t0})
	}
	w := &Worker{Queue: q, Sinks: transports}
	if sent, err := w.Step(context.Background(), t0); err != nil || sent != 2 {
		t.Fatalf("Step: sent %d of 2, err %v", sent, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Postfix may split a message by recipient: wait until every
	// recipient got it by both ways.
	got := map[string]int{}
	for seen, rcpts := 0, 0; rcpts < 6; {
		msgs, err := remote.WaitMessages(ctx, seen+1)
		if err != nil {
			t.Fatalf("waiting for the notices: %v (got %v)", err, got)
		}
		for _, m := range msgs[seen:] {
			seen++
			if m.From != "rblwatch@mail.example.net" {
				t.Errorf("MAIL FROM %q", m.From)
			}
			for _, r := range m.To {
				got[r]++
				rcpts++
			}
			if !bytes.HasSuffix(m.Data, msg) {
				t.Errorf("a notice did not arrive intact")
			}
			hm, err := mail.ReadMessage(bytes.NewReader(m.Data))
			if err != nil {
				t.Fatal(err)
			}
			list, err := hm.Header.AddressList("To")
			if err != nil || len(list) != 3 || list[2].Name != "サーバー運用チーム" || list[1].Name != "Ops, Tokyo" {
				t.Errorf("To %v (%v)", list, err)
			}
		}
	}
	for _, r := range envelope {
		if got[r] != 2 {
			t.Errorf("%s got the notice %d times, want 2 (SMTP and sendmail): %v", r, got[r], got)
		}
	}
}

// TestRealPostfixRefusesSomeRecipients: a relay that refuses some of the
// notice's recipients at RCPT (a mistyped or unroutable address, a 4xx
// lookup failure) still delivers it to the others, once, and the refused
// recipients are named in rblwatch's log; the item stays in the outbox for
// the recipients deferred (4xx) alone, to be tried again, while one refused
// for good (5xx) is not tried again. Before, one refused recipient failed
// the whole notice — for good on a 5xx, and retried for days on a 4xx —,
// so nobody was told; then a deferred recipient was never told. A notice
// every recipient of which is refused fails as before: retried when a
// refusal is temporary, given up when all are permanent.
func TestRealPostfixRefusesSomeRecipients(t *testing.T) {
	remote := pt.NewRemote(t, "127.0.0.1:0", "mx.example.net")
	pf := pt.Start(t, pt.Options{
		Hostname: "mail.example.net",
		Routes:   []pt.Route{{Domain: "example.net", Host: "mx.example.net", Addr: remote.Addr()}},
		Main: map[string]string{
			"smtpd_recipient_restrictions": "check_recipient_access inline:{ {gone@example.net=550 5.1.1 no such user} {busy@example.net=450 4.2.0 try later} }, permit_mynetworks, reject",
		},
	})
	golden, err := os.ReadFile(goldenPath("opened_en"))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.InfoLevel)
	q := &memQueue{}
	some := q.add(Item{Kind: "opened", Sink: "smtp", Recipients: []string{"gone@example.net", "ops@example.net", "busy@example.net"}, Payload: golden, CreatedAt: t0})
	// A permanent failure holds the lane no longer; a temporary one
	// does, so it comes last.
	gone := q.add(Item{Kind: "opened", Sink: "smtp", Recipients: []string{"gone@example.net"}, Payload: golden, CreatedAt: t0})
	busy := q.add(Item{Kind: "opened", Sink: "smtp", Recipients: []string{"busy@example.net", "gone@example.net"}, Payload: golden, CreatedAt: t0})
	w := &Worker{Queue: q, Log: zap.New(core), Sinks: map[string]Transport{
		"smtp": &SMTP{Addr: pf.SMTPAddr(), From: "rblwatch@mail.example.net", HeloName: "mail.example.net"},
	}}
	if _, err := w.Step(context.Background(), t0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := remote.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatalf("the recipient the relay accepted got nothing: %v", err)
	}
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ops@example.net" || !bytes.HasSuffix(got[0].Data, golden) {
		t.Errorf("relayed %d messages, the first to %v; want one, to ops@example.net, intact", len(got), got[0].To)
	}
	for _, c := range []struct {
		id           int64
		sent, failed bool
	}{{some, false, false}, {busy, false, false}, {gone, false, true}} {
		it, err := q.get(c.id)
		if err != nil {
			t.Fatal(err)
		}
		if !it.sent.IsZero() != c.sent || !it.failed.IsZero() != c.failed {
			t.Errorf("item %v: sent %v failed %v (%s), want sent %v failed %v", it.Recipients, !it.sent.IsZero(), !it.failed.IsZero(), it.lastErr, c.sent, c.failed)
		}
	}
	if it, _ := q.get(some); !slices.Equal(it.Recipients, []string{"busy@example.net"}) {
		t.Errorf("the partly delivered notice is kept for %v, want the deferred busy@example.net alone", it.Recipients)
	}
	refused := logs.FilterMessageSnippet("the relay deferred the others")
	if refused.Len() != 1 {
		t.Fatalf("%d log entries name refused recipients, want 1: %v", refused.Len(), logs.All())
	}
	f := refused.All()[0].ContextMap()
	if s := fmt.Sprint(f["refused"]); !strings.Contains(s, "gone@example.net") || !strings.Contains(s, "busy@example.net") || !strings.Contains(s, "550") {
		t.Errorf("the refused recipients are not named with the relay's reply: %v", f)
	}
}
