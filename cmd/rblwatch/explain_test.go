package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func init() {
	// Shared with the package's other golden tests, whichever registers first.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

const explainGoldenDir = "../../testdata/explain"

// explainCLI runs "rblwatch explain args…" with stdin and $LANG.
func explainCLI(t *testing.T, stdin, lang string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, log: zap.NewNop(),
		getenv: func(k string) string {
			if k == "LANG" {
				return lang
			}
			return ""
		}}
	code := exitCode(&stderr, dispatch(t.Context(), e, append([]string{"explain"}, args...)))
	return stdout.String(), stderr.String(), code
}

func explainGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(explainGoldenDir, name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.MkdirAll(explainGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/rblwatch -run Explain -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/rblwatch -run Explain -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

const (
	outlookSpamhausLine = "Dec  9 10:18:24 mail postfix/smtp[20056]: 1310930001DB: to=<recipient1@dst4.example.com>, relay=example-com.mail.protection.outlook.com[104.47.10.33]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host example-com.mail.protection.outlook.com[104.47.10.33] said: 550 5.7.1 Service unavailable, Client host [198.51.100.7] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/198.51.100.7 (AS16012611) (in reply to RCPT TO command))"
	openResolver        = "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/46.38.225.230/"
	gmailRate           = "Diagnostic-Code: smtp; 421-4.7.28 [198.51.100.7 4] Our system has detected an unusual rate of 421-4.7.28 unsolicited mail originating from your IP address. To protect our 421-4.7.28 users from spam, mail sent from your IP address has been temporarily 421 4.7.28 rate limited. - gsmtp"
	sorbsGreeting       = "host mx.example.org[192.0.2.25] refused to talk to me: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using dnsbl.sorbs.net"
	unnamedList         = "550 5.7.1 IP address blacklisted by recipient"
)

func TestExplainGolden(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		args       []string
	}{
		{"outlook-spamhaus.en.txt", "", []string{outlookSpamhausLine}},
		{"outlook-spamhaus.ja.txt", "ja_JP.UTF-8", []string{outlookSpamhausLine}},
		{"outlook-spamhaus.json", "", []string{"--json", outlookSpamhausLine}},
		{"open-resolver.en.txt", "C.UTF-8", []string{"--lang", "en", openResolver}},
		{"open-resolver.ja.txt", "", []string{"--lang", "ja", openResolver}},
		{"gmail-rate.en.txt", "", []string{gmailRate}},
		{"sorbs-historical.ja.txt", "ja_JP.UTF-8", []string{sorbsGreeting}},
		{"unnamed-shared.en.txt", "", []string{"--shared", "--sending-ip", "192.0.2.1", unnamedList}},
		{"unnamed-shared.ja.txt", "", []string{"--lang", "ja", "--shared", "--sending-ip", "192.0.2.1", unnamedList}},
		// --shared is the old spelling of --role customer: the same output.
		{"unnamed-shared.en.txt", "", []string{"--role", "customer", "--sending-ip", "192.0.2.1", unnamedList}},
		{"spamhaus-operator.en.txt", "", []string{"--role", "operator", outlookSpamhausLine}},
		{"spamhaus-operator.ja.txt", "", []string{"--lang", "ja", "--role", "operator", outlookSpamhausLine}},
		{"spamhaus-customer.en.txt", "", []string{"--role=customer", outlookSpamhausLine}},
		{"spamhaus-customer.ja.txt", "", []string{"--lang", "ja", "--role", "customer", outlookSpamhausLine}},
		// Arguments are joined into one input.
		{"joined.en.txt", "", strings.Fields("550 5.7.606 Access denied, banned sending IP [198.51.100.7]. To request removal from this list please visit https://sender.office.com/")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := explainCLI(t, "", tc.lang, tc.args...)
			if code != 0 {
				t.Fatalf("exit status %d: %s", code, stderr)
			}
			explainGolden(t, tc.name, out)
		})
	}
}

// TestExplainStdin reads one input per line, skips blank lines, survives
// an over-long line, and prints one JSON object per input.
func TestExplainStdin(t *testing.T) {
	stdin := strings.Join([]string{
		outlookSpamhausLine,
		"",
		"  " + sorbsGreeting + "  ",
		"550 5.1.1 <a@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
		"550 " + strings.Repeat("x", 200000),
		"connect to mx.example.com[192.0.2.1]:25: Connection refused",
	}, "\n")
	out, stderr, code := explainCLI(t, stdin, "", "--json", "--sending-ip", "192.0.2.1")
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	explainGolden(t, "stdin.json", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := []struct{ provider, category string }{
		{"spamhaus", "blocklist"}, {"sorbs", "blocklist"}, {"", "recipient"}, {"", "other"}, {"", "network"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d JSON lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, k := range []string{"provider", "category", "listed", "temporary", "code", "enhanced", "lookup_url", "removal_url"} {
			if _, ok := v[k]; !ok {
				t.Errorf("line %d has no %q", i+1, k)
			}
		}
		if v["provider"] != want[i].provider || v["category"] != want[i].category {
			t.Errorf("line %d: %v/%v, want %s/%s", i+1, v["provider"], v["category"], want[i].provider, want[i].category)
		}
	}
}

func TestExplainUsage(t *testing.T) {
	if _, _, code := explainCLI(t, "", "", "--lang", "fr", "550 x"); code != 2 {
		t.Errorf("--lang fr: exit status %d, want 2", code)
	}
	if _, _, code := explainCLI(t, "", "", "--bogus"); code != 2 {
		t.Errorf("--bogus: exit status %d, want 2", code)
	}
	if _, stderr, code := explainCLI(t, "", "", "--role", "shared", "550 x"); code != 2 || !strings.Contains(stderr, "want dedicated, operator or customer") {
		t.Errorf("--role shared: exit status %d, %s", code, stderr)
	}
}

// TestExplainBounce: a bounce piped whole (as a user forwards it) is read as
// one message: one explanation per failure it reports, folded
// Diagnostic-Code lines unfolded, the quoted original ignored.
func TestExplainBounce(t *testing.T) {
	bounce := strings.Join([]string{
		"Return-Path: <>",
		"From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"",
		"",
		"--B",
		"Content-Type: message/delivery-status",
		"",
		"Final-Recipient: rfc822; bob@corp.example",
		"Remote-MTA: dns; mx.corp.example",
		"Diagnostic-Code: smtp; 554 Service unavailable; Client host [192.0.2.10]",
		"    blocked using Barracuda Reputation;",
		"    http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.10",
		"",
		"--B",
		"Content-Type: message/rfc822",
		"",
		"Diagnostic-Code: smtp; 550 5.7.1 quoted in the original: blocked using zen.spamhaus.org",
	}, "\n")
	out, stderr, code := explainCLI(t, bounce, "", "--json")
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d explanations, want 1:\n%s", len(lines), out)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &v); err != nil {
		t.Fatal(err)
	}
	if v["provider"] != "barracuda" || v["listed"] != "192.0.2.10" || v["remote"] != "mx.corp.example" {
		t.Errorf("got %v", v)
	}
}

// TestExplainRoleFromConfig: without --role, explain advises for the role of
// the configuration --config names, as the daemon's notices do; --role and
// --shared override it.
func TestExplainRoleFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgFile, []byte("role: operator\nnotify: {to: pm@example.com}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const line = "554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using zen.spamhaus.org"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--config", cfgFile, line}, "Find the customer behind the listing"},
		{[]string{"--config", cfgFile, "--role", "customer", line}, "Do not file a removal request yourself"},
		{[]string{"--config", cfgFile, "--shared", line}, "Do not file a removal request yourself"},
		{[]string{"--config", cfgFile, "--role", "dedicated", line}, "1. Look the address up"},
	} {
		out, stderr, code := explainCLI(t, "", "", tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("explain %q: exit %d, %s\n%s", tc.args, code, stderr, out)
		}
	}
}

// TestSharedContradictingRole: --shared is --role customer; given with
// another --role it contradicts itself and is a usage error (it used to
// let the last flag win silently), whichever comes first.
func TestSharedContradictingRole(t *testing.T) {
	const reply = "554 5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org"
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--shared", "--role", "operator"}, 2},
		{[]string{"--role", "dedicated", "--shared"}, 2},
		{[]string{"--shared", "--role", "customer"}, 0},
		{[]string{"--role", "customer", "--shared"}, 0},
		{[]string{"--shared=false", "--role", "operator"}, 0},
	} {
		for _, cmd := range []string{"explain", "replay"} {
			args := append([]string{cmd}, tc.args...)
			if cmd == "explain" {
				args = append(args, reply)
			} else {
				args = append(args, "../../testdata/postfix/sample.log")
			}
			_, errOut, code := runCLI(t, args...)
			if code != tc.code {
				t.Errorf("%v: exit %d, want %d (%s)", args, code, tc.code, errOut)
			}
		}
	}
}

// TestExplainStdinNULs: the NUL bytes a line starts with are dropped
// before the line is cut at maxLine, as the daemon and replay drop them (a
// log pasted from a host that crashed): 100,000 of them made the line all
// NULs, and a Spamhaus refusal read as no block list.
func TestExplainStdinNULs(t *testing.T) {
	out, stderr, code := explainCLI(t, strings.Repeat("\x00", 100000)+outlookSpamhausLine+"\n", "", "--json")
	if code != 0 {
		t.Fatalf("exit status %d: %s", code, stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil || v["provider"] != "spamhaus" {
		t.Errorf("provider %v (%v), want spamhaus:\n%s", v["provider"], err, out)
	}
}

// TestExplainNotARefusal: a reply that accepts the mail (2xx, 3xx), or a
// log line of a delivery that went through, is said to be no refusal.
// Before, "250 2.0.0 OK" read "Verdict: other, permanent (250 2.0.0) …
// Permanent refusal (5xx): the message was bounced to its sender", and a
// status=sent line pasted with the others "The receiver refused the mail".
// An empty TEXT is a usage error (it was explained as a refusal too).
func TestExplainNotARefusal(t *testing.T) {
	const sent = "Nov 23 16:20:21 mail postfix/smtp[1]: 6850D9850FF: to=<bob@gmail.test>, relay=mx.gmail.test[127.0.0.10]:25, delay=0.1, delays=0.01/0/0.05/0.04, dsn=2.0.0, status=sent (250 2.0.0 OK: queued as 1A2B)"
	const local = "Nov 23 16:20:21 mail postfix/local[2]: 93335984C39: to=<alice@example.test>, relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)"
	tests := []struct {
		name, lang string
		args       []string
		stdin      string
		want       string
	}{
		{"250 reply", "", []string{"250 2.0.0 OK: queued as 1A2B"}, "", "Not a refusal (250 2.0.0): the receiver accepted the mail; nothing to explain.\n"},
		{"354 reply", "", []string{"354 End data with <CR><LF>.<CR><LF>"}, "", "Not a refusal (354): the receiver accepted the mail; nothing to explain.\n"},
		{"sent log line", "", []string{sent}, "", "Not a refusal (status=sent): the mail was delivered; nothing to explain.\n"},
		{"local delivery", "", []string{local}, "", "Not a refusal (status=sent): the mail was delivered; nothing to explain.\n"},
		{"japanese", "", []string{"--lang", "ja", "250 2.0.0 OK"}, "", "拒否ではありません（250 2.0.0）。受信側はメールを受け付けました。説明する内容はありません。\n"},
		{"json", "", []string{"--json", "250 2.0.0 OK"}, "", `{"refusal":false,"code":250,"enhanced":"2.0.0","lang":"en","status":"Not a refusal (250 2.0.0): the receiver accepted the mail; nothing to explain."}` + "\n"},
		{"stdin among refusals", "", nil, sent + "\n" + unnamedList + "\n", "Not a refusal (status=sent): the mail was delivered; nothing to explain.\n\nProvider: not named"},
		// A bounce's report of a recipient it delivered to: it was
		// "Verdict: other, permanent (250 2.0.0)".
		{"bounce with a delivered recipient", "", nil, "From: MAILER-DAEMON@mail.example.com\nSubject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mail.example.com\n\nFinal-Recipient: rfc822; carol@example.org\nAction: delivered\nStatus: 2.0.0\nDiagnostic-Code: smtp; 250 2.0.0 OK\n\n--B--\n", "Not a refusal (250 2.0.0): the receiver accepted the mail; nothing to explain.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := explainCLI(t, tt.stdin, tt.lang, tt.args...)
			if code != 0 || !strings.HasPrefix(out, tt.want) {
				t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant it to start:\n%s", code, stderr, out, tt.want)
			}
		})
	}
	// "-" reads stdin, as for replay: it was explained as a refusal.
	if out, stderr, code := explainCLI(t, unnamedList+"\n", "", "-"); code != 0 || !strings.HasPrefix(out, "Provider: not named") {
		t.Errorf("explain -: exit %d, stderr %q, stdout %.200q", code, stderr, out)
	}
	for _, args := range [][]string{{""}, {"  ", ""}} {
		if out, stderr, code := explainCLI(t, "", "", args...); code != 2 || !strings.Contains(stderr, "explain: empty text") {
			t.Errorf("%q: exit %d, stderr %q, stdout %.100q; want 2 and an empty text", args, code, stderr, out)
		}
	}
}

// TestExplainMultilineReply: a multi-line SMTP reply pasted on stdin
// ("550-5.7.1 …" lines, then "550 5.7.1 …") is one input, as Postfix logs
// it. Each line was explained alone: four explanations, three of them
// "other".
func TestExplainMultilineReply(t *testing.T) {
	const reply = "550-5.7.1 [192.0.2.10      12] Our system has detected that this message is\n" +
		"550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n" +
		"550-5.7.1 this message has been blocked. Please visit\n" +
		"550 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError a1si123 - gsmtp\n"
	joined := strings.Join(strings.Split(strings.TrimSpace(reply), "\n"), " ")
	want, _, _ := explainCLI(t, "", "", "--json", joined)
	// Before and after it, other inputs stay their own; an unfinished
	// reply at the end is explained as it is.
	got, stderr, code := explainCLI(t, unnamedList+"\n"+reply+unnamedList+"\n421-4.7.0 Try again later\n", "", "--json")
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if code != 0 || len(lines) != 4 || lines[1]+"\n" != want || !strings.Contains(lines[3], `"code":421`) {
		t.Errorf("exit %d, stderr %q, %d outputs:\n%s\nwant the second:\n%s", code, stderr, len(lines), got, want)
	}
	// The first lines of several replies, one a line, and a whole reply
	// on one line as Postfix logs it, stay inputs of their own.
	firsts := "554-Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation\n" +
		"554-mx.example.com Your access to this mail system has been rejected due to the sending MTA's poor reputation.\n" +
		"550-5.7.1 one 550-5.7.1 two 550 5.7.1 blocked using zen.spamhaus.org\n" +
		"550 5.7.1 IP address blacklisted by recipient\n"
	if got, _, _ := explainCLI(t, firsts, "", "--json"); strings.Count(got, "\n") != 4 {
		t.Errorf("want 4 outputs:\n%s", got)
	}
}
