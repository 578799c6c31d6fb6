package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestRunStdin: with log.stdin the daemon reads a pipe, stops at its end,
// and what it read is in the store (rblwatch messages shows it).
func TestRunStdin(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "rblwatch.yaml")
	yaml := "log: {stdin: true, timezone: UTC}\nstate: {path: " + filepath.Join(dir, "state.db") + "}\ndnsbl: {interval: 0s, resolver: \"127.0.0.1:1\"}\n"
	if err := os.WriteFile(conf, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	log := strings.Join([]string{
		"Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: from=<sender@origin.test>, size=384, nrcpt=1 (queue active)",
		"Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)",
		"Nov 23 15:33:47 mx postfix/smtp[12059]: 90DB998626D: to=<barracuda@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1 (in reply to RCPT TO command))",
	}, "\n") + "\n"
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(log), stdout: &out, stderr: &errb, log: zap.NewNop(), getenv: func(string) string { return "" }}
	if err := dispatch(context.Background(), e, []string{"run", "--config", conf}); err != nil {
		t.Fatalf("run: %v\n%s", err, errb.String())
	}
	out.Reset()
	if err := dispatch(context.Background(), e, []string{"messages", "--config", conf, "--json"}); err != nil {
		t.Fatalf("messages: %v\n%s", err, errb.String())
	}
	for _, want := range []string{"DE9A6986268", "90DB998626D", "barracuda@remote.test"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("messages output lacks %q:\n%s", want, out.String())
		}
	}
}
