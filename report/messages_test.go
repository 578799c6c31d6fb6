package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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
// command prints (all.jsonl), with every stored text given whole.
func TestWriteMessagesJSON(t *testing.T) {
	rows, err := messagesStore(t).Trails(t.Context(), track.TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteMessagesJSON(&b, rows); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(messagesDir, "all.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("output differs from all.jsonl (written by go test ./cmd/rblwatch -run Messages -update):\n%s", b.Bytes())
	}
	sc := bufio.NewScanner(&b)
	sc.Buffer(nil, 1<<20)
	n := 0
	for ; sc.Scan(); n++ {
		var m struct {
			QueueID    string `json:"queue_id"`
			Recipients []struct {
				Reply string `json:"reply"`
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
			if r.Reply != rcpts[i].Reply {
				t.Errorf("%s: reply %q, want as stored %q", m.QueueID, r.Reply, rcpts[i].Reply)
			}
		}
	}
	if n != len(rows) {
		t.Errorf("%d lines for %d messages", n, len(rows))
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
