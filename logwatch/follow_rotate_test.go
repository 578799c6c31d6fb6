package logwatch

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// numberLine is line n of the numbered test logs: "L0000042 " and padding
// of varying length.
func numberLine(n int) string {
	return fmt.Sprintf("L%07d %s\n", n, strings.Repeat("x", n%61))
}

// lineNumber parses numberLine's number; -1 when the line is not one.
func lineNumber(s string) int {
	if len(s) < 9 || s[0] != 'L' || s[8] != ' ' || strings.TrimRight(s[9:], "x") != "" || len(s)-9 != mustAtoi(s[1:8])%61 {
		return -1
	}
	return mustAtoi(s[1:8])
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

// tracker consumes a follower's lines, which must be 0, 1, 2, ... in this
// order, each once, and lets others wait for a line number.
type tracker struct {
	mu      sync.Mutex
	next    int      // the number expected next
	errs    []string // order or content errors
	waiters map[int][]chan struct{}
	release chan struct{} // one token per line consumed (the writer's lag bound)
	done    chan struct{}
	failed  chan struct{} // closed at the first error
}

func newTracker(lines <-chan postfixlog.Line, release chan struct{}) *tracker {
	tr := &tracker{waiters: map[int][]chan struct{}{}, release: release, done: make(chan struct{}), failed: make(chan struct{})}
	go func() {
		defer close(tr.done)
		for l := range lines {
			tr.add(l)
		}
	}()
	return tr
}

func (tr *tracker) add(l postfixlog.Line) {
	n := lineNumber(l.Text)
	tr.mu.Lock()
	switch {
	case n < 0:
		tr.errs = append(tr.errs, fmt.Sprintf("not a whole line: %q (after %d)", l.Text, tr.next-1))
	case n != tr.next:
		tr.errs = append(tr.errs, fmt.Sprintf("line %d came after line %d", n, tr.next-1))
	}
	if len(tr.errs) == 1 && n != tr.next {
		close(tr.failed)
	}
	if n >= tr.next {
		tr.next = n + 1
	}
	for w, chs := range tr.waiters {
		if w < tr.next {
			for _, ch := range chs {
				close(ch)
			}
			delete(tr.waiters, w)
		}
	}
	tr.mu.Unlock()
	if tr.release != nil {
		<-tr.release
	}
}

// wait blocks until line n has come; it fails the test after guard.
func (tr *tracker) wait(t testing.TB, n int) {
	t.Helper()
	tr.mu.Lock()
	if n < tr.next {
		tr.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	tr.waiters[n] = append(tr.waiters[n], ch)
	tr.mu.Unlock()
	select {
	case <-ch:
	case <-tr.failed:
		tr.mu.Lock()
		defer tr.mu.Unlock()
		t.Fatalf("waiting for line %d: %v", n, tr.errs)
	case <-time.After(guard):
		tr.mu.Lock()
		defer tr.mu.Unlock()
		t.Fatalf("line %d never came; next expected %d; errors: %v", n, tr.next, tr.errs)
	}
}

func (tr *tracker) check(t testing.TB, total int) {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.errs) > 0 {
		t.Errorf("%d errors, first: %v", len(tr.errs), tr.errs[:min(10, len(tr.errs))])
	}
	if tr.next != total {
		t.Errorf("lines 0..%d came, want 0..%d", tr.next-1, total-1)
	}
}

// logWriter writes numbered lines to a log from its own goroutine, as a
// syslog daemon would: it keeps its file open across renames until told to
// reopen, and runs the functions sent on ctl between two lines.
type logWriter struct {
	t        testing.TB
	path     string
	f        *os.File // nil: opened (created) at the next line, as postlogd does
	next     int
	inGen    int // lines written to the current generation
	newGen   bool
	stopped  bool
	ctl      chan func(*logWriter)
	lag      chan struct{} // a token per line written, taken back per line consumed
	genStart chan int      // the number of the first line of each generation
	total    chan int
}

func newLogWriter(t testing.TB, path string, lag int) *logWriter {
	return &logWriter{
		t: t, path: path, newGen: true,
		ctl:      make(chan func(*logWriter)),
		lag:      make(chan struct{}, lag),
		genStart: make(chan int, 1),
		total:    make(chan int, 1),
	}
}

func (w *logWriter) run() {
	for !w.stopped {
		lag := w.lag
		if w.inGen >= maxPerGen && !w.newGen {
			lag = nil // enough for this generation: wait for the rotation
		}
		select {
		case fn := <-w.ctl:
			fn(w)
			continue
		case lag <- struct{}{}:
		}
		w.writeLine()
	}
	if w.f != nil {
		w.f.Close()
	}
	w.total <- w.next
}

func (w *logWriter) writeLine() {
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			panic(err) // not t.Fatal: another goroutine
		}
		w.f = f
	}
	if w.newGen {
		w.genStart <- w.next
		w.newGen = false
		w.inGen = 0
	}
	w.inGen++
	s := numberLine(w.next)
	if w.next%7 == 3 {
		// A line in two writes: the follower may see its first half.
		half := len(s) / 2
		w.write(s[:half])
		w.write(s[half:])
	} else {
		w.write(s)
	}
	w.next++
}

func (w *logWriter) write(s string) {
	if _, err := w.f.WriteString(s); err != nil {
		panic(err)
	}
}

// do runs fn in the writer's goroutine, between two lines, and waits for it.
func (w *logWriter) do(fn func(*logWriter)) {
	done := make(chan struct{})
	w.ctl <- func(w *logWriter) { fn(w); close(done) }
	<-done
}

// reopen is the writer's SIGHUP: close the (renamed) file, open the path.
func (w *logWriter) reopen() {
	w.do(func(w *logWriter) {
		w.f.Close()
		w.f = nil
		w.newGen = true
	})
}

func (w *logWriter) stop() int {
	w.do(func(w *logWriter) { w.stopped = true })
	return <-w.total
}

// rotations is how many times each kind of rotation is done while lines
// are written; linesPerGen, how many lines the follower must have read from
// a generation before the next rotation.
const (
	rotations   = 100
	linesPerGen = 10
	maxPerGen   = 40
)

// TestFollowRotations rotates the log 100 times in each of the usual ways
// while a writer goroutine writes numbered lines, and checks that the
// follower reads every line once, in order.
//
// Each rotation waits until the follower has read some lines of the
// current generation: in life rotations are hours apart. Falling behind by
// several rotations is tested by TestFollowResumeAfterRotation and the
// kill -9 test. The writer also runs at most 64 lines ahead of the
// follower, and at most 40 lines per generation, so that the test cannot
// run away.
func TestFollowRotations(t *testing.T) {
	kinds := []struct {
		name   string
		rotate func(t *testing.T, w *logWriter, r int)
	}{
		{"rename and create (logrotate create, numbered)", func(t *testing.T, w *logWriter, r int) {
			for n := r; n >= 1; n-- {
				mustRename(t, fmt.Sprintf("%s.%d", w.path, n), fmt.Sprintf("%s.%d", w.path, n+1))
			}
			mustRename(t, w.path, w.path+".1")
			f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			f.Close()
			// The writer goes on writing to the renamed file until its
			// SIGHUP (the postrotate script).
			w.reopen()
		}},
		{"postfix logrotate (rename with time suffix, reload, gzip)", func(t *testing.T, w *logWriter, r int) {
			old := fmt.Sprintf("%s.20261123-%06d", w.path, r)
			mustRename(t, w.path, old)
			w.reopen() // postlogd creates the file when it next logs
			gzipFile(t, old, old+".gz")
		}},
		{"deleted, then created anew by the writer", func(t *testing.T, w *logWriter, r int) {
			// rm of the log (no copy kept): the writer goes on writing to
			// the file it holds open until its reopen creates the name
			// again; what it wrote meanwhile is read from the old file.
			if err := os.Remove(w.path); err != nil {
				t.Fatal(err)
			}
			w.reopen()
		}},
		{"a symbolic link switched to a new file (the first time over the log itself)", func(t *testing.T, w *logWriter, r int) {
			// The name is a link to the day's file, switched by a rename
			// over it; the first rotation puts the link in place of the
			// file, whose last name goes with it.
			day := fmt.Sprintf("%s-2026112%05d", w.path, r)
			appendFile(t, day, "")
			mustSymlink(t, filepath.Base(day), w.path+".new")
			mustRename(t, w.path+".new", w.path)
			w.reopen()
		}},
		{"copytruncate (copies every other compressed)", func(t *testing.T, w *logWriter, r int) {
			cp := fmt.Sprintf("%s-2026112%05d", w.path, r)
			// In the writer's goroutine: no line in the window between
			// the copy and the truncation, which would be lost.
			w.do(func(w *logWriter) {
				copyTruncate(t, w.path, cp)
				w.newGen = true
			})
			if r%2 == 1 {
				gzipFile(t, cp, cp+".gz")
			}
		}},
	}
	for _, kind := range kinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "maillog")
			appendFile(t, path, "")
			w := newLogWriter(t, path, 64)
			fl := follow(t, nil, FollowOptions{Path: path, FromStart: true, Buffer: 1})
			tr := newTracker(fl.lines, w.lag)
			go w.run()
			for r := range rotations {
				first := <-w.genStart
				tr.wait(t, first+linesPerGen)
				kind.rotate(t, w, r)
			}
			total := w.stop()
			tr.wait(t, total-1)
			fl.stop()
			<-tr.done
			if err := <-fl.errc; err != nil {
				t.Error(err)
			}
			tr.check(t, total)
			if open := openFilesUnder(t, filepath.Dir(path)); len(open) > 0 {
				t.Errorf("files left open after the follower ended: %q", open)
			}
			t.Logf("%d lines, %d rotations", total, rotations)
		})
	}
}
