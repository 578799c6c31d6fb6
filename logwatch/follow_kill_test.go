package logwatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
)

// batch is what the helper process records, atomically (temporary file and
// rename), for every run of lines it processed: as the daemon stores its
// position in the transaction that records the lines' effects.
type batch struct {
	Seq     int
	Numbers []int
	Pos     postfixlog.Position
}

// TestFollowHelperProcess is not a test: TestFollowKill9 runs the test
// binary as a child that follows a log and records batches.
func TestFollowHelperProcess(t *testing.T) {
	if os.Getenv("LOGWATCH_FOLLOW_HELPER") != "1" {
		t.Skip("helper process for TestFollowKill9")
	}
	path, state := os.Getenv("LOGWATCH_PATH"), os.Getenv("LOGWATCH_STATE")
	last, err := lastBatch(state)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(3)
	}
	var start *postfixlog.Position
	if last != nil {
		start = &last.Pos
	}
	log, _ := zap.NewDevelopment()
	lines, errc := Follow(context.Background(), start, FollowOptions{
		Path: path, FromStart: true, CheckInterval: testInterval, Buffer: 8, Log: log,
	})
	seq := 1
	if last != nil {
		seq = last.Seq + 1
	}
	for l := range lines {
		b := batch{Seq: seq, Numbers: []int{lineNumber(l.Text)}, Pos: l.Pos}
	more:
		for len(b.Numbers) < 50 {
			select {
			case l, ok := <-lines:
				if !ok {
					break more
				}
				b.Numbers = append(b.Numbers, lineNumber(l.Text))
				b.Pos = l.Pos
			default:
				break more
			}
		}
		if err := saveBatch(state, b); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(3)
		}
		fmt.Printf("batch %d %d\n", b.Seq, b.Numbers[len(b.Numbers)-1])
		seq++
	}
	fmt.Fprintln(os.Stderr, "helper: follow ended:", <-errc)
	os.Exit(4)
}

func batchName(seq int) string { return fmt.Sprintf("batch-%08d.json", seq) }

func saveBatch(dir string, b batch) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "tmp-"+batchName(b.Seq))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, batchName(b.Seq)))
}

// loadBatches returns every batch recorded, in order.
func loadBatches(dir string) ([]batch, error) {
	names, err := filepath.Glob(filepath.Join(dir, "batch-*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	var out []batch
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var b batch
		if err := json.Unmarshal(data, &b); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func lastBatch(dir string) (*batch, error) {
	bs, err := loadBatches(dir)
	if err != nil || len(bs) == 0 {
		return nil, err
	}
	return &bs[len(bs)-1], nil
}

// lockedBuffer is a bytes.Buffer written by one goroutine and read by
// another.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// child is a running helper process.
type child struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	mu     sync.Mutex
	done   int // the last line number of the last batch reported
	notify chan struct{}
	exited chan struct{}
}

func startChild(t *testing.T, path, state string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFollowHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LOGWATCH_FOLLOW_HELPER=1", "LOGWATCH_PATH="+path, "LOGWATCH_STATE="+state)
	c := &child{cmd: cmd, stderr: new(lockedBuffer), done: -1, notify: make(chan struct{}, 1), exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.exited)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "batch" {
				n, _ := strconv.Atoi(f[2])
				c.mu.Lock()
				c.done = n
				c.mu.Unlock()
				select {
				case c.notify <- struct{}{}:
				default:
				}
			}
		}
	}()
	return c
}

// waitDone waits until the child reported a batch ending with line n.
func (c *child) waitDone(t *testing.T, n int) {
	t.Helper()
	timeout := time.After(guard)
	for {
		c.mu.Lock()
		done := c.done
		c.mu.Unlock()
		if done >= n {
			return
		}
		select {
		case <-c.notify:
		case <-c.exited:
			t.Fatalf("the child exited before line %d: %s", n, c.stderr)
		case <-timeout:
			t.Fatalf("the child did not process line %d (last reported %d): %s", n, done, lastLines(c.stderr.String(), 20))
		}
	}
}

func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.exited
	c.cmd.Wait()
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// syncWriter writes numbered lines to the log from the test's goroutine,
// keeping its file open as a syslog daemon does.
type syncWriter struct {
	t    *testing.T
	path string
	f    *os.File
	next int
	half string // the second half of a line written in two parts
}

func (w *syncWriter) open() {
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			w.t.Fatal(err)
		}
		w.f = f
	}
}

func (w *syncWriter) write(s string) {
	w.open()
	if _, err := w.f.WriteString(s); err != nil {
		w.t.Fatal(err)
	}
}

// lines writes n lines (finishing a half-written one first).
func (w *syncWriter) lines(n int) {
	w.finish()
	for range n {
		w.write(numberLine(w.next))
		w.next++
	}
}

// halfLine writes the first half of the next line.
func (w *syncWriter) halfLine() {
	w.finish()
	s := numberLine(w.next)
	w.write(s[:len(s)/2])
	w.half = s[len(s)/2:]
	w.next++
}

func (w *syncWriter) finish() {
	if w.half != "" {
		s := w.half
		w.half = ""
		w.write(s)
	}
}

// reopen is the writer's SIGHUP.
func (w *syncWriter) reopen() {
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
}

// rotate rotates the log in one of three ways; all rotated files are named
// with one suffix scheme (maillog.20261123-000042), so that their names
// order them.
func (w *syncWriter) rotate(kind, n int) {
	w.finish()
	if _, err := os.Stat(w.path); err != nil {
		w.lines(1) // nothing logged since the last rotation: no file yet
	}
	old := fmt.Sprintf("%s.20261123-%06d", w.path, n)
	switch kind {
	case 0: // rename and create; the writer still writes a line to the old file
		mustRename(w.t, w.path, old)
		f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			w.t.Fatal(err)
		}
		f.Close()
		w.lines(1)
		w.reopen()
	case 1: // postfix logrotate: rename, reload (postlogd creates the file when it logs), gzip
		mustRename(w.t, w.path, old)
		w.reopen()
		gzipFile(w.t, old, old+".gz")
	case 2: // copytruncate, the copy compressed; the writer is this goroutine: no line in the window
		copyTruncate(w.t, w.path, old)
		gzipFile(w.t, old, old+".gz")
	}
}

// TestFollowKill9 runs a follower in a child process that records each
// batch of lines with its position, kills it with SIGKILL at random points
// while lines are written and the log rotated (also while it is down), and
// restarts it from its last recorded position, many times. At the end every
// line must have been recorded exactly once.
func TestFollowKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 30 processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOGWATCH_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (LOGWATCH_KILL_SEED to repeat)", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	dir := t.TempDir()
	path := filepath.Join(dir, "maillog")
	state := filepath.Join(dir, "state")
	if err := os.Mkdir(state, 0o755); err != nil {
		t.Fatal(err)
	}
	w := &syncWriter{t: t, path: path}
	w.lines(5)
	rotations := 0
	c := startChild(t, path, state)
	// A first batch, so that the position never is a new install's.
	c.waitDone(t, 4)
	const rounds = 30
	for round := range rounds {
		// Alive: lines and rotations while the child follows.
		for range rng.IntN(4) {
			w.lines(rng.IntN(40))
			if rng.IntN(3) == 0 {
				w.rotate(rng.IntN(3), rotations)
				rotations++
			}
		}
		if rng.IntN(2) == 0 {
			w.lines(1)
			c.waitDone(t, w.next-1) // let it catch up sometimes
			w.lines(rng.IntN(30))
		}
		if rng.IntN(4) == 0 {
			w.halfLine()
		}
		c.kill(t)

		// Dead: lines and rotations while nobody follows.
		for range rng.IntN(3) {
			w.lines(rng.IntN(30))
			if rng.IntN(2) == 0 {
				w.rotate(rng.IntN(3), rotations)
				rotations++
			}
		}
		if round < rounds-1 && rng.IntN(3) == 0 {
			w.halfLine()
		}
		c = startChild(t, path, state)
	}
	w.lines(3)
	total := w.next
	c.waitDone(t, total-1)
	c.kill(t)

	batches, err := loadBatches(state)
	if err != nil {
		t.Fatal(err)
	}
	count := make([]int, total)
	var bad []string
	for _, b := range batches {
		for _, n := range b.Numbers {
			if n < 0 || n >= total {
				bad = append(bad, fmt.Sprintf("batch %d: line %d", b.Seq, n))
				continue
			}
			count[n]++
		}
	}
	for n, k := range count {
		if k != 1 {
			bad = append(bad, fmt.Sprintf("line %d processed %d times", n, k))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d problems, first: %v\nlast child's log:\n%s", len(bad), bad[:min(20, len(bad))], lastLines(c.stderr.String(), 30))
	}
	t.Logf("%d lines, %d rotations, %d kills, %d batches", total, rotations, rounds+1, len(batches))
}
