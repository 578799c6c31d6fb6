package notify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

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
