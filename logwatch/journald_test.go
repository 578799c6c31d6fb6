package logwatch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// No systemd runs where these tests run: journalctl is faked by this test
// binary (TestFakeJournalctl), started through a small shell script, which
// prints the entries of testdata/sources/journal.json (the JSON of
// journalctl -o json) and records its arguments.

const journalFixture = "testdata/sources/journal.json"

// The lines expected from journalFixture, in order (entry 4 has a null
// MESSAGE and a broken line follows it: both are skipped).
var journalLines = []string{
	"2026-11-23T14:56:04.123456+00:00 mx postfix/smtp[123]: 3F2A41C2E7: to=<alice@example.net>, relay=mx.example.net[203.0.113.5]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.7.1, status=bounced (host mx.example.net[203.0.113.5] said: 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org (in reply to RCPT TO command))",
	"2026-11-23T14:56:04.373457+00:00 mx postfix/qmgr[99]: 3F2A41C2E7: removed",
	"2026-11-23T14:56:04.623458+00:00 mx postfix-out/smtp[4567]: warning: bad byte \xff and nul \x00 kept",
	"2026-11-23T14:56:04.873459+00:00 mx2.example.org postfix/submission/smtpd[88]: first part#012second part#015",
	"2026-11-23T14:56:05.373461+00:00 localhost postdrop[777]: no identifier",
	"2026-11-23T14:56:05.623462+00:00 mx postfix/pickup[31]: repeated first",
	"2026-11-23T14:56:05.873463+00:00 mx postfix/pickup[31]: A1B2C3D4E5: uid=0 from=<root>",
}

// fixtureCursors returns the cursors of the fixture's valid entries that
// have a MESSAGE, in order (those of journalLines).
func fixtureCursors(t testing.TB) []string {
	t.Helper()
	f, err := os.Open(journalFixture)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e map[string]any
		if json.Unmarshal(sc.Bytes(), &e) != nil || e["MESSAGE"] == nil {
			continue
		}
		out = append(out, e["__CURSOR"].(string))
	}
	return out
}

// TestFakeJournalctl is not a test: it is the fake journalctl.
//
// Environment: FAKE_FIXTURE (entries), FAKE_ARGS (a file each run appends
// its arguments to, as a JSON array), FAKE_OLD (entries before the start:
// --lines=0 skips them), FAKE_LIMIT (print at most this many entries per
// run, then exit 1: a crash).
func TestFakeJournalctl(t *testing.T) {
	if os.Getenv("LOGWATCH_FAKE_JOURNALCTL") != "1" {
		t.Skip("the fake journalctl of the journald tests")
	}
	args := os.Args[slices.Index(os.Args, "--")+1:]
	if p := os.Getenv("FAKE_ARGS"); p != "" {
		b, _ := json.Marshal(args)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err == nil {
			f.Write(append(b, '\n'))
			f.Close()
		}
	}
	data, err := os.ReadFile(os.Getenv("FAKE_FIXTURE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	type entry struct {
		raw    string
		cursor string
		us     int64
	}
	var entries []entry
	for _, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var e struct {
			Cursor   string `json:"__CURSOR"`
			Realtime string `json:"__REALTIME_TIMESTAMP"`
		}
		json.Unmarshal([]byte(l), &e)
		us, _ := strconv.ParseInt(e.Realtime, 10, 64)
		entries = append(entries, entry{l, e.Cursor, us})
	}
	from := 0
	follow := false
	for _, a := range args {
		switch {
		case a == "--follow":
			follow = true
		case a == "--lines=0":
			from, _ = strconv.Atoi(os.Getenv("FAKE_OLD"))
		case strings.HasPrefix(a, "--after-cursor="):
			c := strings.TrimPrefix(a, "--after-cursor=")
			i := slices.IndexFunc(entries, func(e entry) bool { return e.cursor == c })
			if i < 0 {
				fmt.Fprintln(os.Stderr, "Failed to seek to cursor: Invalid argument")
				os.Exit(1)
			}
			from = i + 1
		case strings.HasPrefix(a, "--since=@"):
			s, _ := strconv.ParseInt(strings.TrimPrefix(a, "--since=@"), 10, 64)
			from = slices.IndexFunc(entries, func(e entry) bool { return e.us >= s*1e6 })
			if from < 0 {
				from = len(entries)
			}
		}
	}
	limit, _ := strconv.Atoi(os.Getenv("FAKE_LIMIT"))
	w := bufio.NewWriter(os.Stdout)
	n := 0
	for _, e := range entries[from:] {
		if limit > 0 && n == limit {
			w.Flush()
			fmt.Fprintln(os.Stderr, "fake journalctl: crashed")
			os.Exit(1)
		}
		w.WriteString(e.raw + "\n")
		if e.cursor != "" {
			n++
		}
	}
	w.Flush()
	if !follow {
		os.Exit(0)
	}
	// Follow: nothing more comes; wait to be killed.
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	<-ch
	os.Exit(0)
}

type fakeJournal struct {
	path string // the script
	args string // the file of recorded arguments
}

// newFakeJournalctl writes the script that runs TestFakeJournalctl with
// the given settings.
func newFakeJournalctl(t *testing.T, old, limit int) *fakeJournal {
	t.Helper()
	dir := t.TempDir()
	fixture, err := filepath.Abs(journalFixture)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	fj := &fakeJournal{path: filepath.Join(dir, "journalctl"), args: filepath.Join(dir, "args")}
	script := fmt.Sprintf("#!/bin/sh\nLOGWATCH_FAKE_JOURNALCTL=1 FAKE_FIXTURE=%q FAKE_ARGS=%q FAKE_OLD=%d FAKE_LIMIT=%d exec %q -test.run='^TestFakeJournalctl$' -- \"$@\"\n",
		fixture, fj.args, old, limit, bin)
	if err := os.WriteFile(fj.path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return fj
}

// runs returns the arguments of each run of the fake so far.
func (fj *fakeJournal) runs(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile(fj.args)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var a []string
		if err := json.Unmarshal([]byte(l), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

func followJournal(t *testing.T, start *postfixlog.Position, opts JournalOptions) *followed {
	t.Helper()
	if opts.MinBackoff == 0 {
		opts.MinBackoff = time.Millisecond
		opts.MaxBackoff = 4 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	}
	ctx, cancel := context.WithCancel(context.Background())
	lines, errc := FollowJournal(ctx, start, opts)
	fl := &followed{t: t, lines: lines, errc: errc, stop: cancel}
	t.Cleanup(func() { fl.close() })
	return fl
}

func TestFollowJournal(t *testing.T) {
	fj := newFakeJournalctl(t, 0, 0)
	fl := followJournal(t, nil, JournalOptions{Journalctl: fj.path, FromStart: true})
	got := fl.expect(journalLines...)
	cursors := fixtureCursors(t)
	for i, l := range got {
		if l.Pos != (postfixlog.Position{Cursor: cursors[i]}) {
			t.Errorf("line %d: position %+v, want cursor %q", i, l.Pos, cursors[i])
		}
	}
	fl.close()
	runs := fj.runs(t)
	if len(runs) != 1 {
		t.Fatalf("%d runs of journalctl, want 1", len(runs))
	}
	want := []string{"--follow", "--output=json", "--output-fields=MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_COMM", "--all", "--no-pager", "--quiet", "--no-tail", "SYSLOG_FACILITY=2"}
	if !slices.Equal(runs[0], want) {
		t.Errorf("args = %q, want %q", runs[0], want)
	}
}

func TestFollowJournalResume(t *testing.T) {
	cursors := fixtureCursors(t)
	fj := newFakeJournalctl(t, 0, 0)
	fl := followJournal(t, &postfixlog.Position{Cursor: cursors[2]}, JournalOptions{
		Journalctl: fj.path, Directory: "/var/log/journal/x", Matches: []string{"_SYSTEMD_UNIT=postfix@-.service", "+", "SYSLOG_FACILITY=2"},
	})
	fl.expect(journalLines[3:]...)
	fl.close()
	a := fj.runs(t)[0]
	for _, w := range []string{"--after-cursor=" + cursors[2], "--directory=/var/log/journal/x"} {
		if !slices.Contains(a, w) {
			t.Errorf("args %q lack %q", a, w)
		}
	}
	if !slices.Equal(a[len(a)-3:], []string{"_SYSTEMD_UNIT=postfix@-.service", "+", "SYSLOG_FACILITY=2"}) {
		t.Errorf("args %q do not end with the matches", a)
	}
}

func TestFollowJournalNewInstall(t *testing.T) {
	// Without a cursor, only entries after the start: the fake treats the
	// first five as old.
	fj := newFakeJournalctl(t, 5, 0)
	fl := followJournal(t, nil, JournalOptions{Journalctl: fj.path})
	fl.expect(journalLines[4:]...)
	fl.close()
	if a := fj.runs(t)[0]; !slices.Contains(a, "--lines=0") {
		t.Errorf("args %q lack --lines=0", a)
	}
}

// TestFollowJournalBackfill: without a cursor and with Since, the first run
// reads the journal from Since on (a backfill) instead of from now.
func TestFollowJournalBackfill(t *testing.T) {
	fj := newFakeJournalctl(t, 5, 0)
	// 2026-01-01, before the fixture's first entry (2026-11-23T14:56:04Z):
	// every entry. The window must start before the clock (one that starts
	// later reads nothing back): it started at the fixture's first second,
	// and the test failed on a clock a month behind.
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	fl := followJournal(t, nil, JournalOptions{Journalctl: fj.path, Since: since})
	fl.expect(journalLines...)
	fl.close()
	a := fj.runs(t)[0]
	if !slices.Contains(a, "--since=@1767225600") || slices.Contains(a, "--lines=0") {
		t.Errorf("args %q: want --since=@1767225600 and no --lines=0", a)
	}
}

func TestFollowJournalRestarts(t *testing.T) {
	// journalctl "crashes" after every two entries: it is started again
	// after the last cursor, and no entry is lost or repeated.
	fj := newFakeJournalctl(t, 0, 2)
	fl := followJournal(t, nil, JournalOptions{Journalctl: fj.path, FromStart: true})
	fl.expect(journalLines...)
	fl.close()
	runs := fj.runs(t)
	if len(runs) < 4 {
		t.Fatalf("%d runs, want at least 4", len(runs))
	}
	cursors := fixtureCursors(t)
	if !slices.Contains(runs[1], "--after-cursor="+cursors[1]) {
		t.Errorf("second run's args %q do not resume after the second entry", runs[1])
	}
}

func TestFollowJournalBadCursor(t *testing.T) {
	// A cursor journalctl cannot seek to (from another machine): after
	// three failures, the follower goes on from the cursor's time.
	fj := newFakeJournalctl(t, 0, 0)
	since := time.Date(2026, 11, 23, 14, 56, 5, 0, time.UTC) // entries 4 on
	cursor := fmt.Sprintf("s=00;i=1;b=00;m=1;t=%x;x=00", since.UnixMicro()+400)
	fl := followJournal(t, &postfixlog.Position{Cursor: cursor}, JournalOptions{Journalctl: fj.path})
	fl.expect(journalLines[4:]...)
	fl.close()
	runs := fj.runs(t)
	if len(runs) != cursorRetries+1 {
		t.Fatalf("%d runs, want %d", len(runs), cursorRetries+1)
	}
	if want := "--since=@" + strconv.FormatInt(since.Unix(), 10); !slices.Contains(runs[cursorRetries], want) {
		t.Errorf("last run's args %q lack %q", runs[cursorRetries], want)
	}
}

func TestFollowJournalMissingJournalctl(t *testing.T) {
	fl := followJournal(t, nil, JournalOptions{Journalctl: filepath.Join(t.TempDir(), "journalctl")})
	_, err := fl.end()
	if !errors.Is(err, ErrJournalctl) {
		t.Errorf("err = %v, want ErrJournalctl", err)
	}
}

func TestJournalValue(t *testing.T) {
	tests := []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"text"`, "text", true},
		{`"é \u0000"`, "é \x00", true},
		{`[104,105,255]`, "hi\xff", true},
		{`["a","b"]`, "a", true},
		{`[[104],[105]]`, "h", true},
		{`[]`, "", false},
		{`null`, "", false},
		{``, "", false},
		{`12`, "", false},
		{`[300]`, "", false},
		{`[-1]`, "", false},
		{`["a",1]`, "a", true},
		{`[1,"a"]`, "", false},
	}
	for _, tt := range tests {
		got, ok := journalValue(json.RawMessage(tt.raw))
		if string(got) != tt.want || ok != tt.ok {
			t.Errorf("journalValue(%s) = %q, %v; want %q, %v", tt.raw, got, ok, tt.want, tt.ok)
		}
	}
}

func TestJournalFormatHostileFields(t *testing.T) {
	j := &journal{opts: JournalOptions{Location: time.UTC}}
	line, cursor, err := j.format([]byte(`{"__CURSOR":"c","__REALTIME_TIMESTAMP":"0","MESSAGE":"m\n2026-01-01T00:00:00Z evil postfix/smtp[1]: x","_HOSTNAME":"a b","SYSLOG_IDENTIFIER":"postfix/smtp\nevil","SYSLOG_PID":"1 2"}`))
	if err != nil || cursor != "c" {
		t.Fatal(err, cursor)
	}
	want := "1970-01-01T00:00:00.000000+00:00 a#040b postfix/smtp#012evil[1#0402]: m#0122026-01-01T00:00:00Z evil postfix/smtp[1]: x"
	if line != want {
		t.Errorf("line = %q\nwant   %q", line, want)
	}
	for _, bad := range []string{`{"MESSAGE":"x"}`, `{"__CURSOR":"c","__REALTIME_TIMESTAMP":"x","MESSAGE":"m"}`, `not json`} {
		if _, _, err := j.format([]byte(bad)); err == nil {
			t.Errorf("format(%s): no error", bad)
		}
	}
}

func TestJournalLinesParse(t *testing.T) {
	// The parser reads what the journal source writes.
	p := postfixlog.NewParser(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), time.UTC)
	var r postfixlog.Record
	if err := p.Parse(journalLines[0], &r); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 11, 23, 14, 56, 4, 123456000, time.UTC)
	if !r.Time.Equal(want) || r.Host != "mx" || r.Program != "postfix/smtp" || r.PID != 123 || r.QueueID != "3F2A41C2E7" || r.Kind != postfixlog.KindDelivery {
		t.Errorf("parsed %v %q %q %d %q %v", r.Time, r.Host, r.Program, r.PID, r.QueueID, r.Kind)
	}
}

func TestCursorTime(t *testing.T) {
	tm, ok := cursorTime("s=8f3c;i=1a2b00;b=2f6d;m=3b9aca00;t=660f2cafbeb40;x=5eed0000")
	if !ok || !tm.Equal(time.UnixMicro(0x660f2cafbeb40)) {
		t.Errorf("cursorTime = %v, %v", tm, ok)
	}
	for _, c := range []string{"", "s=1;i=2", "t=zz"} {
		if _, ok := cursorTime(c); ok {
			t.Errorf("cursorTime(%q) ok", c)
		}
	}
}

// TestJournalCountsOverlongEntries: an entry over maxJournalEntry is
// dropped and counted on the next line sent, as the file and stdin
// sources count their over-long lines (it was only logged, so the
// daemon's count of skipped lines missed it).
func TestJournalCountsOverlongEntries(t *testing.T) {
	entry := func(i int, msg string) string {
		return fmt.Sprintf(`{"__CURSOR":"c%d","__REALTIME_TIMESTAMP":"%d","MESSAGE":%q,"_HOSTNAME":"mx","SYSLOG_IDENTIFIER":"postfix/smtp","SYSLOG_PID":"1"}`, i, 1795445764000000+i, msg)
	}
	long := strings.Repeat("x", maxJournalEntry+1)
	input := strings.Join([]string{entry(1, "first"), entry(2, long), entry(3, long), entry(4, "second"), entry(5, long)}, "\n") + "\n"
	out := make(chan postfixlog.Line, 8)
	j := &journal{opts: JournalOptions{Location: time.UTC}, log: zap.NewNop(), out: out}
	n, err := j.read(context.Background(), strings.NewReader(input))
	if err != nil || n != 2 {
		t.Fatalf("read = %d, %v; want 2 lines", n, err)
	}
	close(out)
	var got []int
	for l := range out {
		got = append(got, l.Skipped)
	}
	if !slices.Equal(got, []int{0, 2}) {
		t.Errorf("Skipped of the lines sent = %v, want [0 2]", got)
	}
	// The last entry's drop waits for the next run's first line.
	if j.skipped != 1 || j.cursor != "c4" {
		t.Errorf("after the run: skipped %d, cursor %q; want 1, c4", j.skipped, j.cursor)
	}
}
