package logwatch

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nxadm/tail/watch"
	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"gopkg.in/tomb.v1"
)

// testInterval is the follower's polling interval in tests: short, so that
// waiting for a rotation costs little; tests never sleep on it, they wait
// for lines.
const testInterval = 2 * time.Millisecond

// guard is how long a test waits for a line before it fails: only reached
// when something is broken.
const guard = 20 * time.Second

type followed struct {
	t     testing.TB
	lines <-chan postfixlog.Line
	errc  <-chan error
	stop  context.CancelFunc
}

func follow(t testing.TB, start *postfixlog.Position, opts FollowOptions) *followed {
	t.Helper()
	if opts.CheckInterval == 0 {
		opts.CheckInterval = testInterval
	}
	if opts.Log == nil {
		opts.Log = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	}
	ctx, cancel := context.WithCancel(context.Background())
	lines, errc := Follow(ctx, start, opts)
	fl := &followed{t: t, lines: lines, errc: errc, stop: cancel}
	t.Cleanup(func() { fl.close() })
	return fl
}

// next returns the next line, failing the test after guard.
func (fl *followed) next() postfixlog.Line {
	fl.t.Helper()
	select {
	case l, ok := <-fl.lines:
		if !ok {
			err := <-fl.errc
			fl.t.Fatalf("lines closed early (error %v)", err)
		}
		return l
	case <-time.After(guard):
		fl.t.Fatal("no line came")
	}
	return postfixlog.Line{}
}

// expect receives len(want) lines and compares their texts.
func (fl *followed) expect(want ...string) []postfixlog.Line {
	fl.t.Helper()
	var got []postfixlog.Line
	for _, w := range want {
		l := fl.next()
		if l.Text != w {
			fl.t.Fatalf("line %d = %q, want %q", len(got), l.Text, w)
		}
		got = append(got, l)
	}
	return got
}

// close stops the follower and returns the lines it still sent and its
// error.
func (fl *followed) close() ([]postfixlog.Line, error) {
	fl.stop()
	var rest []postfixlog.Line
	for l := range fl.lines {
		rest = append(rest, l)
	}
	return rest, <-fl.errc
}

// end waits for a one-shot follower to finish.
func (fl *followed) end() ([]postfixlog.Line, error) {
	fl.t.Helper()
	var got []postfixlog.Line
	timeout := time.After(guard)
	for {
		select {
		case l, ok := <-fl.lines:
			if !ok {
				return got, <-fl.errc
			}
			got = append(got, l)
		case <-timeout:
			fl.t.Fatal("the one-shot follower did not finish")
		}
	}
}

func appendFile(t testing.TB, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func texts(lines []postfixlog.Line) []string {
	var s []string
	for _, l := range lines {
		s = append(s, l.Text)
	}
	return s
}

func TestFollowFromEnd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "old 1\nold 2\npart")
	fl := follow(t, nil, FollowOptions{Path: path})
	// The line being written when the follower started is read whole.
	appendFile(t, path, "ial\nnew\n")
	fl.expect("partial", "new")
}

func TestFollowWaitsForTheNewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "a\r\nb")
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	fl.expect("a")
	// The follower has seen "b" without its newline (it read "a" in the
	// same read): it must wait for the rest.
	appendFile(t, path, "c")
	appendFile(t, path, "d\r\n")
	fl.expect("bcd")
}

func TestFollowBytesUntouched(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	in := "\xff\xfe bad utf-8\n\x00nul\x00\nlone\rcr\n"
	appendFile(t, path, in)
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	// Only the NUL bytes a line starts with are dropped (the line rule:
	// what a crash leaves before the next line, see CutLine).
	fl.expect("\xff\xfe bad utf-8", "nul\x00", "lone\rcr")
}

func TestFollowOneShot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "a\nb\r\nlast without newline")
	fl := follow(t, nil, FollowOptions{Path: path, OneShot: true})
	got, err := fl.end()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "b", "last without newline"}
	if !equalLines(texts(got), want) {
		t.Fatalf("lines = %q, want %q", texts(got), want)
	}
	if got[2].Pos.Offset != int64(len("a\nb\r\nlast without newline")) {
		t.Errorf("last position = %d", got[2].Pos.Offset)
	}
}

func TestFollowOneShotMissing(t *testing.T) {
	fl := follow(t, nil, FollowOptions{Path: filepath.Join(t.TempDir(), "nope"), OneShot: true})
	_, err := fl.end()
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

func TestFollowWaitsForTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	fl := follow(t, nil, FollowOptions{Path: path})
	// A file that appears after the start is new: read from its start.
	appendFile(t, path, "first\nsecond\n")
	fl.expect("first", "second")
}

func TestFollowPositions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	var want bytes.Buffer
	for i := range 100 {
		want.WriteString(strings.Repeat("x", i) + "\n")
	}
	appendFile(t, path, want.String())
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	fi, _ := os.Stat(path)
	dev, ino := fileID(fi)
	var off int64
	for i := range 100 {
		l := fl.next()
		off += int64(i + 1)
		if l.Pos.Offset != off || l.Pos.Dev != dev || l.Pos.Inode != ino || l.Pos.Path != path {
			t.Fatalf("line %d: position %+v, want offset %d inode %d", i, l.Pos, off, ino)
		}
		head := want.Bytes()[:min(off, headLen)]
		if l.Pos.Fingerprint != fingerprint(head) {
			t.Fatalf("line %d: fingerprint is not that of the first %d bytes", i, len(head))
		}
	}
}

func TestFollowResume(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "1\n2\n3\n")
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	got := fl.expect("1", "2", "3")
	fl.close()
	appendFile(t, path, "4\n")
	fl = follow(t, &got[1].Pos, FollowOptions{Path: path})
	fl.expect("3", "4")
}

func TestFollowIgnoresAnotherFilesPosition(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "maillog")
	appendFile(t, path, "1\n2\n")
	fl := follow(t, &postfixlog.Position{Path: filepath.Join(dir, "other"), Offset: 2}, FollowOptions{Path: path})
	appendFile(t, path, "3\n")
	fl.expect("3") // from the end, as a new install
}

func TestFollowLongLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	long := strings.Repeat("L", 100)
	appendFile(t, path, "a\n"+long+"\n"+long+long+"\nb\n"+long+"x")
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true, MaxLineLen: 100})
	got := fl.expect("a", long, "b")
	if got[2].Skipped != 1 || got[1].Skipped != 0 {
		t.Errorf("Skipped = %d, %d; want 0, 1", got[1].Skipped, got[2].Skipped)
	}
	// An over-long line being written is dropped up to its newline, which
	// comes in another write.
	appendFile(t, path, strings.Repeat("y", 300))
	appendFile(t, path, "z\nc\n")
	l := fl.expect("c")[0]
	if l.Skipped != 1 {
		t.Errorf("Skipped = %d, want 1", l.Skipped)
	}
}

func TestFollowMebibyteLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	mib := strings.Repeat("m", DefaultMaxLineLen)
	appendFile(t, path, "a\n"+mib+"\n"+mib+"+\nb\n")
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	got := fl.next()
	if got.Text != "a" {
		t.Fatalf("first line %q", got.Text)
	}
	if l := fl.next(); l.Text != mib {
		t.Fatalf("second line: %d bytes, want the 1 MiB line", len(l.Text))
	}
	if l := fl.next(); l.Text != "b" || l.Skipped != 1 {
		t.Fatalf("third line %q skipped %d, want b after 1 skipped", l.Text, l.Skipped)
	}
}

func TestFollowTruncatedWithoutCopy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "1 the first line is long enough\n2\n")
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	fl.expect("1 the first line is long enough", "2")
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "3\n")
	fl.expect("3")
	// Truncated and at once rewritten past the old offset: the first
	// bytes changed, so the follower starts over rather than reading
	// from the middle of the new content.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "4 a new first line, longer than before\n5\n")
	fl.expect("4 a new first line, longer than before", "5")
}

func TestFollowRenameRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "maillog")
	appendFile(t, path, "1\n")
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	fl.expect("1")
	// The writer keeps its file open across the rename.
	w, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	w.WriteString("2 written after the rename\n3 unterminated")
	w.Close()
	// The new file gets data: the old one is complete.
	appendFile(t, path, "4\n")
	got := fl.expect("2 written after the rename", "3 unterminated", "4")
	if got[2].Pos.Offset != 2 || got[1].Pos.Inode == got[2].Pos.Inode {
		t.Errorf("positions: %+v then %+v", got[1].Pos, got[2].Pos)
	}
}

func TestLastLineEnd(t *testing.T) {
	dir := t.TempDir()
	buf := make([]byte, 8)
	tests := []struct {
		in     string
		end    int64
		inLong bool
	}{
		{"", 0, false},
		{"abc", 0, false},
		{"a\nb", 2, false},
		{"a\n", 2, false},
		{"a\nbcdefghijk", 12, true}, // no newline in the last 8 bytes
		{"abcdefg\nhij", 8, false},
	}
	for _, tt := range tests {
		p := writeFile(t, dir, "f", []byte(tt.in))
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		end, inLong, err := lastLineEnd(f, buf)
		f.Close()
		if err != nil || end != tt.end || inLong != tt.inLong {
			t.Errorf("lastLineEnd(%q) = %d, %v, %v; want %d, %v", tt.in, end, inLong, err, tt.end, tt.inLong)
		}
	}
}

func TestFollowWokenByInotify(t *testing.T) {
	if !inotifyUsable() {
		t.Skip("no inotify here")
	}
	if inotifyStuck.Load() {
		// nxadm/tail's tracker is one per process, and a rotation can
		// deadlock it (fsnotify reports a failed watch removal while the
		// tracker removes a watch: see wakeupWait); the followers then
		// poll, and nothing in this process can be woken by inotify.
		t.Skip("nxadm/tail's inotify tracker deadlocked earlier in this test process (the followers fell back to polling)")
	}
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "")
	// The ticker never fires during the test: only nxadm/tail's watcher
	// can wake the follower.
	fl := follow(t, nil, FollowOptions{Path: path, CheckInterval: time.Hour})
	appendFile(t, path, "1\n")
	fl.expect("1")
	appendFile(t, path, "2\n")
	fl.expect("2")
}

func TestFollowPolling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "")
	fl := follow(t, nil, FollowOptions{Path: path, NoInotify: true})
	appendFile(t, path, "1\n")
	mustRename(t, path, path+".1")
	appendFile(t, path, "2\n")
	fl.expect("1", "2")
}

func TestFollowOneShotGzip(t *testing.T) {
	dir := t.TempDir()
	text := "a\r\nb\nlast"
	p := writeFile(t, dir, "maillog.1", gzipBytes(t, text)) // no .gz suffix: the magic decides
	fl := follow(t, nil, FollowOptions{Path: p, OneShot: true})
	got, err := fl.end()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "last"}; !equalLines(texts(got), want) {
		t.Fatalf("lines = %q, want %q", texts(got), want)
	}
	if l := got[1]; l.Pos.Offset != 5 || l.Pos.Fingerprint != fingerprint([]byte(text[:5])) {
		t.Errorf("position %+v, want offset 5 in the decompressed text", l.Pos)
	}
	// A truncated .gz: the lines readable, then the error.
	gz := gzipBytes(t, strings.Repeat("line\n", 20000))
	p = writeFile(t, dir, "maillog.2.gz", gz[:len(gz)/2])
	fl = follow(t, nil, FollowOptions{Path: p, OneShot: true})
	got, err = fl.end()
	if !errors.Is(err, ErrTruncatedGzip) || len(got) == 0 {
		t.Errorf("%d lines, err %v; want some lines, then ErrTruncatedGzip", len(got), err)
	}
}

// TestFollowSurvivesStuckInotify: when nxadm/tail's inotify tracker is
// stuck (it deadlocks on an fsnotify error, e.g. a queue overflow under a
// burst of writes), starting a watcher never returns; the follower gives up
// on it after a while and polls, instead of never reading again.
func TestFollowSurvivesStuckInotify(t *testing.T) {
	t.Cleanup(func() { inotifyStuck.Store(false) })
	release := make(chan struct{})
	defer close(release)
	stuck := func(*tomb.Tomb, string, int64) (*watch.FileChanges, error) {
		<-release
		return nil, errors.New("released")
	}
	path := filepath.Join(t.TempDir(), "maillog")
	appendFile(t, path, "")
	fl := follow(t, nil, FollowOptions{Path: path, watch: stuck, CheckInterval: 5 * time.Millisecond})
	appendFile(t, path, "first\n")
	fl.expect("first")
	// A rotation opens a new file: no second wait on the stuck tracker.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "second\n")
	start := time.Now()
	fl.expect("second")
	if d := time.Since(start); d >= wakeupWait {
		t.Errorf("the rotated file took %v: the follower waited on the stuck tracker again", d)
	}
}
