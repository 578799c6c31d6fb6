package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/sanitize"
	"github.com/rblwatch/rblwatch/track"
	"github.com/rblwatch/rblwatch/track/tracktest"
)

// The runs of rblwatch messages (flags, exit codes, the JSON-lines
// goldens through the command) are in cmd/rblwatch/messages_test.go.

const messagesDir = "../testdata/messages"

// messagesStore builds a state database, as the daemon would, from the
// fixture testdata/messages/store.json (genuine test-bench log lines, one
// hostile deferral, and what the milter reported), and returns it open
// read-only.
func messagesStore(t *testing.T) *track.Store {
	t.Helper()
	ro, err := track.OpenReadOnly(tracktest.Store(t, filepath.Join(messagesDir, "store.json")), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

func messagesGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join(messagesDir, name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run Messages -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./report -run Messages -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestWriteMessagesText renders the table for each filter (times in UTC)
// and checks it against the goldens, which must hold no control character
// nor bidirectional override whatever the log held.
func TestWriteMessagesText(t *testing.T) {
	st := messagesStore(t)
	for _, tc := range []struct {
		name string
		f    track.TrailFilter
	}{
		{"all.txt", track.TrailFilter{}},
		{"deferred.txt", track.TrailFilter{Deferred: true}},
		{"queue-id.txt", track.TrailFilter{QueueID: "25044986262"}},
		{"trail.txt", track.TrailFilter{QueueID: "7C2D49CA567"}},
		{"none.txt", track.TrailFilter{State: track.StateExpired}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := st.Trails(t.Context(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteMessagesText(&b, rows, time.UTC); err != nil {
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
			messagesGolden(t, tc.name, b.Bytes())
		})
	}
}

// TestWriteMessagesJSON: one JSON object per message, the same as the
// command prints (all.jsonl), with every stored text shown through the one
// sanitizer as replay's JSON shows it: the hostile deferral's escape
// sequence and bidirectional override are U+FFFD in the decoded value, not
// escapes that give them back to whoever reads it.
func TestWriteMessagesJSON(t *testing.T) {
	rows, err := messagesStore(t).Trails(t.Context(), track.TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteMessagesJSON(&b, rows); err != nil {
		t.Fatal(err)
	}
	messagesGolden(t, "all.jsonl", b.Bytes())
	sc := bufio.NewScanner(&b)
	sc.Buffer(nil, 1<<20)
	n, hostile := 0, 0
	for ; sc.Scan(); n++ {
		var m struct {
			QueueID    string `json:"queue_id"`
			Sender     string `json:"sender"`
			Recipients []struct {
				Address string `json:"address"`
				Reply   string `json:"reply"`
			} `json:"recipients"`
		}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %d: %v: %s", n+1, err, sc.Text())
		}
		rcpts := rows[n].Recipients()
		if n >= len(rows) || m.QueueID != rows[n].First().QueueID || len(m.Recipients) != len(rcpts) {
			t.Fatalf("line %d: %s; want the message %d of %d", n+1, sc.Text(), n+1, len(rows))
		}
		for i, r := range m.Recipients {
			if want := sanitize.Line(rcpts[i].Reply, maxReply); r.Reply != want {
				t.Errorf("%s: reply %q, want as replay shows it %q", m.QueueID, r.Reply, want)
			}
			if r.Reply != rcpts[i].Reply {
				hostile++
			}
			if strings.IndexFunc(r.Reply+r.Address+m.Sender, sanitize.Unsafe) >= 0 {
				t.Errorf("%s: unsafe character left in %q", m.QueueID, r.Reply+r.Address+m.Sender)
			}
		}
	}
	if n != len(rows) {
		t.Errorf("%d lines for %d messages", n, len(rows))
	}
	if hostile == 0 {
		t.Error("no stored reply needed the sanitizer: the fixture's hostile deferral is missing")
	}
}
