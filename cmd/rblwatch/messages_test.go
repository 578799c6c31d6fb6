package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/track"
)

func init() {
	// Shared with the package's other golden tests, whichever registers first.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

const messagesGoldenDir = "../../testdata/messages"

// messagesLog holds genuine lines from the Postfix test bench (shared
// harness captures: trendmicro, spamhaus, milter-up), in log order, and one
// made-up deferral whose reply is hostile: terminal escapes, a
// bidirectional override, markup and great length.
var messagesLog = []string{
	"Nov 23 15:33:48 mx postfix/smtpd[12055]: 43C4B986274: client=localhost[127.0.0.1]",
	"Nov 23 15:33:48 mx postfix/cleanup[12057]: 43C4B986274: message-id=<20261123153348.012093@vm>",
	"Nov 23 15:33:48 mx postfix/qmgr[12047]: 43C4B986274: from=<sender@origin.test>, size=408, nrcpt=1 (queue active)",
	"Nov 23 15:33:48 mx postfix/smtp[12059]: 43C4B986274: to=<spamhaus@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1 (AS16012611) (in reply to RCPT TO command))",
	"Nov 23 15:33:48 mx postfix/bounce[12075]: 43C4B986274: sender non-delivery notification: 464ED986276",
	"Nov 23 15:33:48 mx postfix/qmgr[12047]: 43C4B986274: removed",
	"Nov 23 15:33:53 mx postfix/smtpd[12055]: E62B59862A3: client=localhost[127.0.0.1]",
	"Nov 23 15:33:53 mx postfix/cleanup[12057]: E62B59862A3: message-id=<20261123153353.012248@vm>",
	"Nov 23 15:33:53 mx postfix/qmgr[12047]: E62B59862A3: from=<sender@origin.test>, size=416, nrcpt=1 (queue active)",
	"Nov 23 15:33:53 mx postfix/smtp[12059]: E62B59862A3: to=<trendmicro@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Service temporarily unavailable; Client host [127.0.0.1] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=127.0.0.1; Mail from 127.0.0.1 deferred using Trend Micro Email Reputation database. (in reply to RCPT TO command))",
	"Nov 23 15:37:39 mx postfix/smtpd[14840]: 25044986262: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@bench.test",
	"Nov 23 15:37:39 mx postfix/cleanup[14842]: 25044986262: message-id=<20261123153739.014849@vm>",
	"Nov 23 15:37:39 mx postfix/qmgr[14827]: 25044986262: from=<alice@bench.test>, size=423, nrcpt=1 (queue active)",
	"Nov 23 15:37:39 mx postfix/smtp[14843]: 25044986262: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)",
	"Nov 23 15:37:39 mx postfix/qmgr[14827]: 25044986262: removed",
	"Nov 23 15:37:39 mx postfix/pickup[14826]: 2A6EF986263: uid=0 from=<sender@origin.test>",
	"Nov 23 15:37:39 mx postfix/cleanup[14842]: 2A6EF986263: message-id=<20261123153739.2A6EF986263@mx.bench.test>",
	"Nov 23 15:40:00 mx postfix/smtpd[15100]: 5A5A5A5A5A: client=unknown[192.0.2.66], sasl_method=LOGIN, sasl_username=\x1b[31mroot\x1b[0m",
	"Nov 23 15:40:00 mx postfix/qmgr[14827]: 5A5A5A5A5A: from=<\u202eexe.txt@evil.test>, size=900, nrcpt=1 (queue active)",
	"Nov 23 15:40:01 mx postfix/smtp[15101]: 5A5A5A5A5A: to=<victim@evil.test>, relay=mx.evil.test[192.0.2.66]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host mx.evil.test[192.0.2.66] said: 450 4.7.1 \x1b[2J\x1b]0;pwned\x07 blocked \u202egnp.exe <script>alert(1)</script> " + strings.Repeat("blah ", 100) + "(in reply to RCPT TO command))",
}

// messagesMilter is what the milter reported for two of them (the SASL
// submission and the local one) and for the deferred one, before the log.
var messagesMilter = []milter.Message{
	{QueueID: "25044986262", TrackID: "25044986262-947c19b5", Time: time.Date(2026, 11, 23, 15, 37, 39, 500000000, time.UTC),
		Sender: "alice@bench.test", Recipients: []string{"ok@remote.test"}, Nrcpt: 1, AuthUser: "alice@bench.test", AuthType: "PLAIN",
		Client: milter.Client{Name: "localhost", Addr: "127.0.0.1", Port: 52892, Family: "tcp4", Helo: "vm"}, MessageID: "20261123153739.014849@vm"},
	{QueueID: "2A6EF986263", TrackID: "2A6EF986263-6f4eb1ea", Time: time.Date(2026, 11, 23, 15, 37, 39, 600000000, time.UTC),
		Sender: "sender@origin.test", Recipients: []string{"ok@remote.test", "two@remote.test", "three@remote.test", "four@remote.test"}, Nrcpt: 4,
		Client: milter.Client{Name: "localhost", Addr: "127.0.0.1", Family: "tcp4", Helo: "localhost"}, MessageID: "20261123153739.2A6EF986263@mx.bench.test"},
	{QueueID: "E62B59862A3", TrackID: "E62B59862A3-8405152c", Time: time.Date(2026, 11, 23, 15, 33, 52, 900000000, time.UTC),
		Sender: "sender@origin.test", Recipients: []string{"trendmicro@remote.test"}, Nrcpt: 1, AuthUser: "bob", AuthType: "LOGIN",
		Client: milter.Client{Name: "localhost", Addr: "127.0.0.1", Port: 40312, Family: "tcp4", Helo: "vm"}},
}

// messagesStore makes a state database from messagesLog and
// messagesMilter, as the daemon would, and returns its path.
func messagesStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := track.Open(path, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := logwatch.NewParser(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.UTC)
	err = st.Tx(t.Context(), func(tx *track.Tx) error {
		for i := range messagesMilter {
			if err := tx.ApplyMilter(&messagesMilter[i]); err != nil {
				return err
			}
		}
		for _, line := range messagesLog {
			var r logwatch.Record
			if err := p.Parse(line, &r); err != nil {
				t.Fatalf("%v: %q", err, line)
			}
			if err := tx.ApplyRecord(&r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func messagesGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(messagesGoldenDir, name)
	if updateGolden() {
		if err := os.MkdirAll(messagesGoldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/rblwatch -run Messages -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/rblwatch -run Messages -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestMessagesText renders the table for each filter (times in UTC) and
// checks it against the goldens, which must hold no control character
// nor bidirectional override whatever the log held.
func TestMessagesText(t *testing.T) {
	st, err := track.OpenReadOnly(messagesStore(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, tc := range []struct {
		name string
		f    track.MessageFilter
	}{
		{"all.txt", track.MessageFilter{}},
		{"deferred.txt", track.MessageFilter{Deferred: true}},
		{"queue-id.txt", track.MessageFilter{QueueID: "25044986262"}},
		{"none.txt", track.MessageFilter{State: track.StateExpired}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := st.Messages(t.Context(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := writeMessagesText(&b, rows, time.UTC); err != nil {
				t.Fatal(err)
			}
			for i, r := range b.String() {
				if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
					t.Errorf("%s: character %U at byte %d", tc.name, r, i)
				}
			}
			for _, line := range strings.Split(b.String(), "\n") {
				if len(line) > 400 {
					t.Errorf("%s: a %d-byte line: remote text is not cut", tc.name, len(line))
				}
			}
			messagesGolden(t, tc.name, b.String())
		})
	}
}

// messagesCLI runs "rblwatch messages args…".
func messagesCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, log: zap.NewNop(), getenv: func(string) string { return "" }}
	err := dispatch(t.Context(), e, append([]string{"messages"}, args...))
	code := exitCode(&stderr, err)
	return stdout.String(), stderr.String(), code
}

// messagesConfig writes a configuration naming the state database.
func messagesConfig(t *testing.T, db string) string {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("notify: {to: pm@example.com}\nstate:\n  path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestMessagesCommandJSON: the subcommand reads the configured store
// read-only and prints JSON lines, each a valid JSON object.
func TestMessagesCommandJSON(t *testing.T) {
	cfg := messagesConfig(t, messagesStore(t))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"all.jsonl", nil},
		{"deferred.jsonl", []string{"--deferred"}},
		{"bounced-limit.jsonl", []string{"--state", "bounced", "--limit", "1", "--since", "2026-11-23T15:00:00Z"}},
		{"none.jsonl", []string{"--since", "2026-11-24T00:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := messagesCLI(t, append([]string{"--config", cfg, "--json"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if i := strings.IndexFunc(out, invisible); i >= 0 {
				t.Errorf("invisible character %q at byte %d", out[i:i+4], i)
			}
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Errorf("not a JSON object: %v: %s", err, sc.Text())
				}
				if _, ok := m["queue_id"]; !ok {
					t.Errorf("no queue_id: %s", sc.Text())
				}
			}
			messagesGolden(t, tc.name, out)
		})
	}
}

func TestMessagesCommandText(t *testing.T) {
	cfg := messagesConfig(t, messagesStore(t))
	out, errOut, code := messagesCLI(t, "--config", cfg, "--deferred")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// Two deferred messages: the Trend Micro one (with the milter's SASL
	// login and track id) and the hostile one. Times are local here.
	for _, want := range []string{"E62B59862A3", "sasl bob (LOGIN), client localhost[127.0.0.1], track E62B59862A3-8405152c",
		"to <trendmicro@remote.test> deferred 4.7.1, 1 attempt: host 127.0.0.1[127.0.0.1] said: 450 4.7.1", "5A5A5A5A5A"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "25044986262") || strings.Contains(out, "\x1b") {
		t.Errorf("delivered message or escape listed:\n%q", out)
	}
}

func TestMessagesCommandErrors(t *testing.T) {
	cfg := messagesConfig(t, messagesStore(t))
	missing := messagesConfig(t, filepath.Join(t.TempDir(), "nothing.db"))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--config", cfg, "--state", "lost"}, 2, `unknown state "lost"`},
		{[]string{"--config", cfg, "--limit", "-1"}, 2, "--limit"},
		{[]string{"--config", cfg, "--since", "yesterday-ish"}, 2, "--since"},
		{[]string{"--config", cfg, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"--config", missing}, 1, "has the daemon run?"},
		{[]string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, 1, "none.yaml"},
	} {
		_, errOut, code := messagesCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// TestEscapeInvisible: the escapes keep the JSON's meaning.
func TestEscapeInvisible(t *testing.T) {
	in := map[string]string{"a": "\u202egnp.exe", "b": "zero\u200bwidth \U000e0041 tag", "c": "plain ascii, 日本語, é", "d": "\x1b[2J\u0085"}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	esc := escapeInvisible(raw)
	if strings.IndexFunc(string(esc), invisible) >= 0 {
		t.Errorf("still invisible: %q", esc)
	}
	var back map[string]string
	if err := json.Unmarshal(esc, &back); err != nil {
		t.Fatalf("%v: %s", err, esc)
	}
	if !reflect.DeepEqual(back, in) {
		t.Errorf("round trip: %q, want %q", back, in)
	}
	if !strings.Contains(string(esc), `"c":"plain ascii, 日本語, é"`) {
		t.Errorf("visible text escaped: %s", esc)
	}
}
