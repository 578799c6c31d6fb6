package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestNotifySMTPAuth: the documented form "email through a submission
// server that needs authentication" (notify.username with
// notify.password_file) delivers. A real Postfix relays only for clients
// that authenticated (loopback is not in its mynetworks; Cyrus SASL with a
// sasldb); rblwatch run, following a log in which a receiver refuses our
// mail, submits its notice over SMTP AUTH to it, and the notice reaches
// the postmaster's mailbox — relayed, which Postfix does only after AUTH,
// and logged with the login. A wrong password in the file holds the notice
// in the outbox (Postfix answers 535: retried, never given up at once), so
// the file is what authenticates; once the file holds the right one and
// the daemon reloads (SIGHUP), the notice goes out.
func TestNotifySMTPAuth(t *testing.T) {
	saslDir := milterSASL(t) // alice@bench.test, password "secret"
	if saslDir == "" {
		t.Skip("no Cyrus SASL (saslpasswd2, libsasl2-modules)")
	}
	for _, tc := range []struct {
		name, password string
		delivered      bool // at the first attempt; else once the file is mended
	}{
		{"right password", "secret\n", true},
		{"wrong password then the right one", "wrong\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := pt.NewRemote(t, "127.0.0.23:0", "mx.ops.test")
			pf, err := startWithSASL(t, pt.Options{
				Routes: []pt.Route{{Domain: "ops.test", Host: ops.Domain(), Addr: ops.Addr()}},
				Main: map[string]string{
					"mynetworks":               "192.0.2.254/32", // not loopback: relaying needs AUTH
					"smtpd_relay_restrictions": "permit_sasl_authenticated, reject_unauth_destination",
				},
			}, saslDir)
			if err != nil {
				t.Fatal(err)
			}

			dir := t.TempDir()
			log := writeFile(t, dir, "mail.log", "")
			pw := writeFile(t, dir, "smtp-password", tc.password)
			if err := os.Chmod(pw, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := writeFile(t, dir, "rblwatch.yaml", fmt.Sprintf(`log: {path: %s, backfill: 0s}
state: {path: %s}
notify:
  to: [postmaster@ops.test]
  from: rblwatch@bench.test
  smtp: %s
  starttls: never
  username: alice@bench.test
  password_file: %s
  aggregate: 0s
host_name: mx.bench.test
dnsbl: {interval: 0s, resolver: "127.0.0.1:53"}
metrics: {listen: %s}
`, log, filepath.Join(dir, "state.db"), pf.SMTPAddr(), pw, metricsAnyPort))
			if err := os.Chmod(cfg, 0o600); err != nil {
				t.Fatal(err)
			}
			d := startDaemon(t, cfg)
			d.waitLog("following from the end", 1)
			stamp := time.Now().UTC().Format(time.RFC3339)
			appendLog(t, log, stamp+" mx postfix/smtp[100]: 4C1B2A3F91: to=<bob@bigbank.test>, relay=mx.bigbank.test[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.bigbank.test[198.51.100.7] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using b.barracudacentral.org (in reply to RCPT TO command))\n")

			if !tc.delivered {
				held := d.waitLog("notice delivery failed; will retry", 1)
				if e, _ := held["error"].(string); !strings.Contains(e, "535") {
					t.Errorf("the notice failed for another reason: %v", held)
				}
				if _, err := pf.WaitLog(`authentication failed`); err != nil {
					t.Errorf("Postfix did not refuse the login: %v", err)
				}
				if n := len(ops.Messages()); n != 0 {
					t.Errorf("%d notices relayed with a wrong password", n)
				}
				if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), daemonWait)
			defer cancel()
			msgs, err := ops.WaitMessages(ctx, 1)
			if err != nil {
				t.Fatalf("no notice reached the postmaster: %v", err)
			}
			if len(msgs[0].To) != 1 || msgs[0].To[0] != "postmaster@ops.test" || !strings.Contains(string(msgs[0].Data), "X-Rblwatch-Kind: opened") {
				t.Errorf("relayed %v:\n%s", msgs[0].To, msgs[0].Data)
			}
			if _, err := pf.WaitLog(`sasl_method=(PLAIN|LOGIN), sasl_username=alice@bench\.test`); err != nil {
				t.Errorf("Postfix logged no login of alice@bench.test: %v", err)
			}
			d.stop()
			if n := d.count("NOTICE LOST: giving up delivery (permanent error); the postmaster was not told"); n != 0 {
				t.Errorf("%d notices given up:\n%s", n, d.log())
			}
		})
	}
}

// appendLog appends text to the file at path.
func appendLog(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
