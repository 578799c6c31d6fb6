package track

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/notify"
)

// sqlite3 returns the path of the sqlite3 command, skipping the test when it
// is missing unless RBLWATCH_E2E=require.
func sqlite3(t *testing.T) string {
	t.Helper()
	return testenv.LookPath(t, "sqlite3", "sqlite3")
}

// runSQLite runs the sqlite3 command read-only on db with args, failing the
// test on any error.
func runSQLite(t *testing.T, bin, db string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-readonly", "-bail", "-batch", db}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("sqlite3 %q: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// populate fills a store the way the daemon would.
func populate(t *testing.T, s *Store) {
	t.Helper()
	saslBounce := client(sec(100), "5A5A5A5A5A")
	saslBounce.SASLUser = "alice"
	apply(t, s,
		// 97B799862D6: deferred twice, then delivered.
		client(sec(0), "97B799862D6"), msgid(sec(0), "97B799862D6", "20261123153405.012550@vm"),
		queued(sec(0), "97B799862D6", "sender@origin.test", 1),
		delivery(sec(1), "97B799862D6", "tm@remote.test", "deferred", "4.7.1", tmDeferred),
		delivery(sec(60), "97B799862D6", "tm@remote.test", "deferred", "4.7.1", tmDeferred),
		delivery(sec(120), "97B799862D6", "tm@remote.test", "sent", "2.0.0", okSent),
		removed(sec(120), "97B799862D6"),
		// An authenticated user's message, bounced.
		saslBounce, queued(sec(100), "5A5A5A5A5A", "alice@origin.test", 1),
		delivery(sec(101), "5A5A5A5A5A", "spamhaus@remote.test", "bounced", "5.7.1", shBounced),
		notification(sec(101), "5A5A5A5A5A", "5B5B5B5B5B"), removed(sec(101), "5A5A5A5A5A"),
		// Still deferred.
		client(sec(200), "C0C0C0C0C0"), queued(sec(200), "C0C0C0C0C0", "bob@origin.test", 1),
		delivery(sec(201), "C0C0C0C0C0", "tm@remote.test", "deferred", "4.7.1", tmDeferred),
	)
	// The milter saw the deferred one.
	deferredFacts := facts(sec(200), "C0C0C0C0C0")
	deferredFacts.TrackID, deferredFacts.Sender, deferredFacts.AuthUser = "C0C0C0C0C0-8405152c", "bob@origin.test", "bob"
	applyMilter(t, s, deferredFacts)
	inc := sampleIncident("spamhaus/192.0.2.1/1", t0, incident.Ongoing)
	cleared := sampleIncident("trendmicro/192.0.2.1/1", t0, incident.Cleared)
	cleared.Key.Provider, cleared.ClearedAt, cleared.ClearedBy = "trendmicro", sec(120), "delivered"
	mustTx(t, s, func(tx *Tx) error {
		for _, i := range []incident.Incident{inc, cleared} {
			if err := tx.SaveIncident(i); err != nil {
				return err
			}
		}
		// Keyed as the daemon keys them (notify.DedupKey): the examples
		// of docs/store.md must find the daemon's rows.
		for _, k := range []notify.Kind{notify.KindOpened, notify.KindCleared} {
			it := item(notify.DedupKey(notify.Notice{Kind: k, Incident: inc}, "email"), sec(130))
			if _, err := tx.Enqueue(it); err != nil {
				return err
			}
		}
		if err := tx.SetMeta("selfcheck/last", `{"at":"2026-11-23T15:40:00Z","ok":true}`); err != nil {
			return err
		}
		return tx.SavePosition("file", Position{Path: "/var/log/mail.log", Dev: 2049, Inode: 131, Offset: 4096, Fingerprint: "f"}, sec(201))
	})
	items, err := s.Due(t.Context(), sec(200), 1)
	if err != nil || len(items) != 1 {
		t.Fatal(items, err)
	}
	if err := s.MarkSent(t.Context(), items[0].ID, sec(131)); err != nil {
		t.Fatal(err)
	}
}

// sqlBlocks returns the ```sql blocks of a Markdown file.
func sqlBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	rest := string(b)
	for {
		_, after, ok := strings.Cut(rest, "```sql\n")
		if !ok {
			break
		}
		block, tail, ok := strings.Cut(after, "```")
		if !ok {
			t.Fatalf("%s: unterminated sql block", path)
		}
		blocks = append(blocks, block)
		rest = tail
	}
	return blocks
}

// TestSQLiteCLIReadsStore opens a store made by this package with the real
// sqlite3 command, while the store is open (as an auditor would while the
// daemon runs), and runs every example query of docs/store.md.
func TestSQLiteCLIReadsStore(t *testing.T) {
	bin := sqlite3(t)
	s := openTest(t)
	populate(t, s)
	db := s.Path()

	tables := strings.Fields(runSQLite(t, bin, db, ".tables"))
	for _, want := range []string{"incident_domains", "incident_lists", "incident_messages", "incident_recipients", "incident_samples", "incidents", "messages", "meta", "milter_messages", "outbox", "positions", "recipients"} {
		if !slices.Contains(tables, want) {
			t.Errorf(".tables lacks %s: %v", want, tables)
		}
	}

	queryJSON := func(q string) []map[string]any {
		t.Helper()
		out := runSQLite(t, bin, db, "-json", q)
		var rows []map[string]any
		if strings.TrimSpace(out) == "" {
			return nil
		}
		if err := json.Unmarshal([]byte(out), &rows); err != nil {
			t.Fatalf("%s: %v\n%s", q, err, out)
		}
		return rows
	}
	check := func(q string, want []map[string]any) {
		t.Helper()
		if got := queryJSON(q); !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %v\nwant %v", q, got, want)
		}
	}
	check(`SELECT queue_id, state, sender, datetime(first_seen) AS first, datetime(removed_at) AS removed FROM messages ORDER BY id`,
		[]map[string]any{
			{"queue_id": "97B799862D6", "state": "delivered", "sender": "sender@origin.test", "first": "2026-11-23 15:33:55", "removed": "2026-11-23 15:35:55"},
			{"queue_id": "5A5A5A5A5A", "state": "bounced", "sender": "alice@origin.test", "first": "2026-11-23 15:35:35", "removed": "2026-11-23 15:35:36"},
			{"queue_id": "C0C0C0C0C0", "state": "deferred", "sender": "bob@origin.test", "first": "2026-11-23 15:37:15", "removed": nil},
		})
	check(`SELECT address, status, attempts, dsn FROM recipients r JOIN messages m ON m.id = r.message WHERE m.queue_id = '97B799862D6'`,
		[]map[string]any{{"address": "tm@remote.test", "status": "sent", "attempts": 3.0, "dsn": "2.0.0"}})
	check(`SELECT id, provider, status, message_count, json_extract(json, '$.verdict.code') AS code FROM incidents ORDER BY provider`,
		[]map[string]any{
			{"id": "spamhaus/192.0.2.1/1", "provider": "spamhaus", "status": "ongoing", "message_count": 5.0, "code": 550.0},
			{"id": "trendmicro/192.0.2.1/1", "provider": "trendmicro", "status": "cleared", "message_count": 5.0, "code": 550.0},
		})
	check(`SELECT domain FROM incident_domains WHERE incident_id = 'spamhaus/192.0.2.1/1' ORDER BY domain`,
		[]map[string]any{{"domain": "example.net"}, {"domain": "example.org"}})
	check(`SELECT seq, substr(line, 1, 15) AS head FROM incident_samples WHERE incident_id = 'spamhaus/192.0.2.1/1' ORDER BY seq`,
		[]map[string]any{{"seq": 0.0, "head": "Nov 23 15:33:48"}})
	check(`SELECT dedup_key, typeof(payload) AS t, hex(payload) AS hex, json_array_length(recipients) AS n, sent_at IS NOT NULL AS sent FROM outbox ORDER BY id`,
		[]map[string]any{
			{"dedup_key": "incident/spamhaus/192.0.2.1/1/opened/email", "t": "blob", "hex": strings.ToUpper(hex.EncodeToString(item("", t0).Payload)), "n": 2.0, "sent": 1.0},
			{"dedup_key": "incident/spamhaus/192.0.2.1/1/cleared/email", "t": "blob", "hex": strings.ToUpper(hex.EncodeToString(item("", t0).Payload)), "n": 2.0, "sent": 0.0},
		})
	check(`SELECT source, byte_offset, inode, datetime(updated_at) AS saved FROM positions`,
		[]map[string]any{{"source": "file", "byte_offset": 4096.0, "inode": 131.0, "saved": "2026-11-23 15:37:16"}})
	check(`SELECT m.queue_id, f.auth_user, f.track_id FROM messages m JOIN milter_messages f ON f.message = m.id`,
		[]map[string]any{{"queue_id": "C0C0C0C0C0", "auth_user": "bob", "track_id": "C0C0C0C0C0-8405152c"}})
	check(`PRAGMA user_version`, []map[string]any{{"user_version": float64(SchemaVersion())}})

	blocks := sqlBlocks(t, filepath.Join("..", "docs", "store.md"))
	if len(blocks) < 10 {
		t.Fatalf("docs/store.md has %d sql examples, expected more", len(blocks))
	}
	for _, q := range blocks {
		out := runSQLite(t, bin, db, "-header", q)
		// Queries relative to the real clock may find nothing; every
		// other example must find something in this store.
		if strings.TrimSpace(out) == "" && !strings.Contains(q, "'now'") {
			t.Errorf("example found nothing:\n%s", q)
		}
	}
}
