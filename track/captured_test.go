package track

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// capturedDir holds logs of a real Postfix: harness/captured in shared/
// beside the repository (see testenv).
func capturedDir(t *testing.T) string {
	t.Helper()
	return filepath.Dir(testenv.Shared(t, "harness/captured/*.log")[0])
}

// applyLogFile parses a log file with the real parser and applies every line
// to s in one transaction; it returns the lines.
func applyLogFile(t *testing.T, s *Store, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	p := postfixlog.NewParser(time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), time.UTC)
	mustTx(t, s, func(tx *Tx) error {
		for _, l := range lines {
			var r postfixlog.Record
			if err := p.Parse(l, &r); err != nil {
				continue
			}
			if err := tx.ApplyRecord(&r); err != nil {
				return err
			}
		}
		return nil
	})
	return lines
}

// Independent of the parser: a delivery line and its status.
var deliveryRE = regexp.MustCompile(`postfix/\w+\[\d+\]: ([0-9A-Za-z]+): to=<[^>]*>,.* status=(\w+)`)

// TestCapturedLogs applies every captured log and checks the store against
// a count made with a regular expression over the raw lines: each delivery
// line is one attempt of one recipient, and each recipient's last status is
// the status of its last line.
func TestCapturedLogs(t *testing.T) {
	files := testenv.Shared(t, "harness/captured/*.log")
	ctx := context.Background()
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := openTest(t)
			lines := applyLogFile(t, s, path)
			lastStatus := map[string]string{} // queue id + " " + to → status
			attempts := 0
			for _, l := range lines {
				m := deliveryRE.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				attempts++
				to := l[strings.Index(l, "to=<")+4:]
				to = to[:strings.IndexByte(to, '>')]
				lastStatus[m[1]+" "+to] = strings.ToLower(m[2])
			}
			rows, err := s.Messages(ctx, MessageFilter{})
			if err != nil {
				t.Fatal(err)
			}
			gotAttempts := 0
			got := map[string]string{}
			for _, m := range rows {
				for _, r := range m.Recipients {
					gotAttempts += r.Attempts
					st := r.Status
					if st == "expired" { // the log still says deferred
						st = "deferred"
					}
					got[m.QueueID+" "+r.Address] = st
				}
			}
			if gotAttempts != attempts {
				t.Errorf("%d delivery attempts stored, the log has %d", gotAttempts, attempts)
			}
			for k, want := range lastStatus {
				if got[k] != want {
					t.Errorf("%s: status %q, the log's last says %q", k, got[k], want)
				}
			}
			if len(got) != len(lastStatus) {
				t.Errorf("%d recipients stored, the log has %d", len(got), len(lastStatus))
			}
		})
	}
}

// TestCapturedFates checks the fate of the messages of a few captures, as
// the harness notes describe them.
func TestCapturedFates(t *testing.T) {
	want := map[string]map[string]MessageState{
		"expire.log":                {"97B799862D6": StateExpired, "81B479862D8": StateDelivered},
		"mixed.log":                 {"13FBF9862AF": StateDeferred, "153439862B6": StateDelivered},
		"spamhaus.log":              {"43C4B986274": StateBounced, "464ED986276": StateDelivered},
		"server-down-recovered.log": {"11E4E9862CB": StateDelivered, "6B8169862CE": StateDelivered},
		"milter-verdict-reject.log": {"5379E986177": StateRejected, "58040986178": StateBounced, "5BD3098617A": StateDelivered},
	}
	ctx := context.Background()
	dir := capturedDir(t)
	for file, fates := range want {
		path := filepath.Join(dir, file)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		t.Run(file, func(t *testing.T) {
			s := openTest(t)
			applyLogFile(t, s, path)
			for qid, state := range fates {
				rows, err := s.Messages(ctx, MessageFilter{QueueID: qid})
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) != 1 || rows[0].State != state {
					t.Errorf("%s: %+v, want one message %s", qid, rows, state)
				}
			}
		})
	}
}
