package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// recorded holds what a postmaster reads in each log of testdata/postfix
// (written from the scenarios in internal/postfixtest/cmd/record and
// testdata/postfix/README.md, not from rblwatch's output).
var recorded = map[string]want{
	// A morning at mail.example.test: Outlook refuses us (S3150) and still
	// does at the end; Acme's Trend Micro gateway defers two messages, then
	// takes them; a university bounces us through Spamhaus. Greylisting
	// and an unknown Gmail user are not incidents.
	"sample.log": {
		// Delivered: 7 messages and 5 bounce notices.
		totals: totals{Delivered: 12, Deferred: 3, Bounced: 5},
		incidents: []wantIncident{
			{provider: "microsoft", status: "ongoing", messages: 3, recipients: 3, bounced: 3, deferred: 0, domains: []string{"outlook.test"},
				first: line{"carol@outlook.test", "bounced", 1}, last: line{"judy@outlook.test", "bounced", 1}},
			{provider: "trendmicro", status: "cleared", messages: 2, recipients: 2, bounced: 0, deferred: 2, domains: []string{"acme.test"},
				first: line{"dave@acme.test", "deferred", 1}, last: line{"ivan@acme.test", "deferred", 1}},
			{provider: "spamhaus", status: "ongoing", messages: 1, recipients: 1, bounced: 1, deferred: 0, domains: []string{"uni.test"},
				first: line{"frank@uni.test", "bounced", 1}, last: line{"frank@uni.test", "bounced", 1}},
		},
	},
	// Every provider once; after one retry only Trend Micro has cleared.
	// Gmail: a multi-line 550-5.7.1 bounce and a multi-line 421-4.7.0
	// deferral (twice). Proofpoint refuses at the greeting, twice.
	"providers.log": {
		// Delivered: 1 message and 5 bounce notices.
		totals: totals{Delivered: 6, Deferred: 7, Bounced: 5},
		incidents: []wantIncident{
			{provider: "spamhaus", status: "ongoing", messages: 1, recipients: 1, bounced: 1, domains: []string{"uni.test"},
				first: line{"prof@uni.test", "bounced", 1}, last: line{"prof@uni.test", "bounced", 1}},
			{provider: "barracuda", status: "ongoing", messages: 1, recipients: 1, bounced: 1, domains: []string{"lawfirm.test"},
				first: line{"partner@lawfirm.test", "bounced", 1}, last: line{"partner@lawfirm.test", "bounced", 1}},
			{provider: "microsoft", status: "ongoing", messages: 2, recipients: 2, bounced: 2, domains: []string{"outlook.test"},
				first: line{"carol@outlook.test", "bounced", 1}, last: line{"dan@outlook.test", "bounced", 1}},
			{provider: "gmail", status: "ongoing", messages: 2, recipients: 2, bounced: 1, deferred: 2, domains: []string{"gmail.test"},
				first: line{"bob@gmail.test", "bounced", 1}, last: line{"heidi@gmail.test", "deferred", 2}},
			{provider: "yahoo", status: "ongoing", messages: 1, recipients: 1, deferred: 2, domains: []string{"yahoo.test"},
				first: line{"yuki@yahoo.test", "deferred", 1}, last: line{"yuki@yahoo.test", "deferred", 2}},
			{provider: "proofpoint", status: "ongoing", messages: 1, recipients: 1, deferred: 2, domains: []string{"bigcorp.test"},
				first: line{"buyer@bigcorp.test", "deferred", 1}, last: line{"buyer@bigcorp.test", "deferred", 2}},
			{provider: "trendmicro", status: "cleared", messages: 1, recipients: 1, deferred: 1, domains: []string{"acme.test"},
				first: line{"dave@acme.test", "deferred", 1}, last: line{"dave@acme.test", "deferred", 1}},
		},
	},
	// Unknown users, a full mailbox, greylisting, a receiver that is down:
	// refusals, but no listing.
	"negatives.log": {
		// Delivered: 4 messages and 2 bounce notices.
		totals: totals{Delivered: 6, Deferred: 6, Bounced: 2},
	},
}

const recordedDir = "../testdata/postfix"

// TestRecordedLogs replays each recorded log and checks the incidents,
// counts and providers (needs "rblwatch replay").
func TestRecordedLogs(t *testing.T) {
	for name, w := range recorded {
		t.Run(name, func(t *testing.T) {
			path := asWritten(t, filepath.Join(recordedDir, name))
			checkReport(t, path, replay(t, path), w)
		})
	}
}

// asWritten copies a recorded log into the test's directory with the
// modification time of a log Postfix wrote to last an hour after its last
// line (recorded in 2026; an idle Postfix logs nothing): a delivery the
// log ends with has stood for the settle time (10m) by then, and a refusal
// is not as old as the quiet period (6h). replay counts both to the end of
// the log, when its file was last written: the checkout's time, days
// after the last line, would end every incident by the quiet period.
func asWritten(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	last := string(lines[len(lines)-1])
	at, err := time.ParseInLocation("2006 Jan _2 15:04:05", "2026 "+last[:min(len(last), len("Jan _2 15:04:05"))], time.Local)
	if err != nil {
		t.Fatalf("%s: the last line's time: %v", path, err)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path))
	testenv.WriteLog(t, out, data, at.Add(time.Hour))
	return out
}

// TestRecordedLogsTogether replays all recorded logs in one run: they come
// from separate instances, so the totals add up; incidents of the same
// provider and IP merge (not checked here beyond the totals).
func TestRecordedLogsTogether(t *testing.T) {
	var paths []string
	var sum totals
	for name, w := range recorded {
		paths = append(paths, filepath.Join(recordedDir, name))
		sum.Delivered += w.totals.Delivered
		sum.Deferred += w.totals.Deferred
		sum.Bounced += w.totals.Bounced
	}
	if got := replay(t, paths...); got.Totals != sum {
		t.Errorf("totals = %+v, want %+v", got.Totals, sum)
	}
}

// TestRecordedTotalsMatchPflogsumm checks the expected totals against
// pflogsumm, which counts the way the CLI contract says rblwatch must.
func TestRecordedTotalsMatchPflogsumm(t *testing.T) {
	for name, w := range recorded {
		t.Run(name, func(t *testing.T) {
			if got := pflogsumm(t, filepath.Join(recordedDir, name)); got != w.totals {
				t.Errorf("pflogsumm totals %+v, want %+v", got, w.totals)
			}
		})
	}
}

// TestRecordedLogsAreRaw guards the recorded files against edits: each is
// whole Postfix log lines of one instance from its start, and every recorded
// file has its expectations here. (The "stopping" line may be missing: Postfix
// logs it through postlogd while stopping postlogd.)
func TestRecordedLogsAreRaw(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(recordedDir, "*.log"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(recorded) {
		t.Errorf("%d recorded logs, %d with expectations", len(files), len(recorded))
	}
	lineRE := regexp.MustCompile(`^[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9] mail postfix/[a-z-]+\[[0-9]+\]: \S`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := recorded[filepath.Base(f)]; !ok {
			t.Errorf("%s has no expectations in recorded", f)
		}
		if !bytes.HasSuffix(data, []byte("\n")) {
			t.Errorf("%s does not end with a newline", f)
		}
		lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
		for i, l := range lines {
			if !lineRE.Match(l) {
				t.Errorf("%s:%d: not a Postfix log line: %q", f, i+1, l)
			}
		}
		if !bytes.Contains(lines[0], []byte("postfix/postfix-script")) || !bytes.Contains(lines[0], []byte("starting the Postfix mail system")) {
			t.Errorf("%s does not start with Postfix starting: %q", f, lines[0])
		}
	}
}
