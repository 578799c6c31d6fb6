package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/track"
	"github.com/rblwatch/rblwatch/track/tracktest"
)

func init() {
	// Shared with the package's other golden tests, whichever registers first.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

const messagesGoldenDir = "../../testdata/messages"

// messagesStore makes a state database, as the daemon would, from the
// fixture testdata/messages/store.json (genuine lines from the Postfix test
// bench, one made-up deferral with a hostile reply, and what the milter
// reported for three of the messages), and returns its path.
func messagesStore(t *testing.T) string {
	return tracktest.Store(t, filepath.Join(messagesGoldenDir, "store.json"))
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
			invisible := func(r rune) bool { // neither graphic nor a plain space
				return r != '\n' && r != ' ' && r != utf8.RuneError && !unicode.IsGraphic(r)
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
		{[]string{"--config", cfg, "--incident", "spamhaus-192.0.2.9-20260101T000000Z"}, 2, `no incident "spamhaus-192.0.2.9-20260101T000000Z"`},
		{[]string{"--config", missing}, 1, "has the daemon run?"},
		{[]string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, 2, "none.yaml"}, // a usage error, as for every subcommand
	} {
		_, errOut, code := messagesCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

// TestMessagesIncidentKeptOnly: an incident of more messages than the
// store lists (incident.MaxMessages) — a flood of a thousand from one
// sender — gets from messages --incident the counts of the listed ones,
// said to be part of its total: they read as the whole ("who sent the
// refused mail: 2 messages") while the notice and replay counted all.
func TestMessagesIncidentKeptOnly(t *testing.T) {
	db := messagesStore(t)
	st, err := track.Open(db, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 15, 33, 0, 0, time.UTC)
	inc := incident.Incident{ID: "trendmicro-192.0.2.1-20261123T153348Z", Key: incident.Key{Provider: "trendmicro", Listed: "192.0.2.1"},
		Status: incident.Ongoing, FirstSeen: at, LastSeen: at.Add(time.Hour),
		Verdict: classify.Verdict{Provider: "trendmicro", Category: classify.Blocklist, Listed: "192.0.2.1"},
		Messages: []incident.Message{
			{QueueID: "43C4B986274", From: "sender@origin.test", Fate: incident.FateBounced, FirstSeen: at, LastSeen: at.Add(time.Minute)},
			{QueueID: "E62B59862A3", From: "sender@origin.test", Fate: incident.FateDeferred, FirstSeen: at, LastSeen: at.Add(time.Minute)},
		}}
	for _, tc := range []struct {
		more   int
		status incident.Status // cleared: its evidence packed (track/evidence.go)
		want   string
	}{
		{0, incident.Ongoing, "who sent the refused mail: 2 messages\n"},
		{998, incident.Ongoing, "who sent the refused mail: 2 of its 1000 messages (the state database lists an incident's first 1000)\n"},
		{0, incident.Cleared, "who sent the refused mail: 2 messages\n"},
	} {
		inc.MoreMessages, inc.Status = tc.more, tc.status
		if err := st.Tx(t.Context(), func(tx *track.Tx) error { return tx.SaveIncident(inc) }); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := messagesCLI(t, "--config", messagesConfig(t, db), "--incident", inc.ID)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if first, _, _ := strings.Cut(out, "\n"); first+"\n" != "incident "+inc.ID+", "+tc.want {
			t.Errorf("%d more messages: %q, want %q", tc.more, first, tc.want)
		}
	}
	st.Close()
}

// TestMessagesSelectCase: a short queue id (upper-case hex in Postfix's
// log) is found typed in lower case too, and a SASL login whatever the case
// of its letters (the SASL backend names the account; Dovecot and Cyrus
// take it in any case by default); before, both found nothing. A long queue
// id (enable_long_queue_ids) is matched exactly: its letters of either case
// are different digits.
func TestMessagesSelectCase(t *testing.T) {
	cfg := messagesConfig(t, messagesStore(t))
	for _, tc := range []struct {
		args []string
		want string // "" when nothing is found
	}{
		{[]string{"--queue-id", "E62B59862A3"}, "E62B59862A3"},
		{[]string{"--queue-id", "e62b59862a3"}, "E62B59862A3"},
		{[]string{"--queue-id", "E62b59862A3"}, "E62B59862A3"},
		{[]string{"--queue-id", "3lN2tn4MjYz1Qw"}, ""},
		{[]string{"--sasl", "bob"}, "E62B59862A3"},
		{[]string{"--sasl", "BOB"}, "E62B59862A3"},
		{[]string{"--sasl", "Bob"}, "E62B59862A3"},
		{[]string{"--sasl", "bobby"}, ""},
	} {
		out, errOut, code := messagesCLI(t, append([]string{"--config", cfg, "--json"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", tc.args, code, errOut)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var m struct {
				QueueID string `json:"queue_id"`
			}
			if line != "" && json.Unmarshal([]byte(line), &m) == nil {
				got = append(got, m.QueueID)
			}
		}
		if tc.want == "" && len(got) != 0 || tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
			t.Errorf("%q: messages %q, want %q", tc.args, got, tc.want)
		}
	}
}
