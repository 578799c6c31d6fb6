package daemon

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// TestDaemonChild is the daemon run by TestKillRestartExactlyOnce in a child
// process; it does nothing in a normal test run.
func TestDaemonChild(t *testing.T) {
	dir := os.Getenv("RBLWATCH_DAEMON_CHILD")
	if dir == "" {
		t.Skip("helper process for TestKillRestartExactlyOnce")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := config.Default()
	cfg.Log.Path = filepath.Join(dir, "mail.log")
	cfg.Log.Timezone = "UTC"
	cfg.State.Path = filepath.Join(dir, "state.db")
	cfg.DNSBL.Interval = 0
	// The lines are dated by t0, a fixed day, and the daemon's clock is
	// the wall clock: once the calendar passed t0 plus the default
	// message_retention (14 days), the first tick off catch-up pruned
	// every message, and the final check found all 3000 lines lost (a
	// child that lived a second before the SIGTERM). This test counts
	// lines; pruning is not what it checks.
	cfg.State.Retention, cfg.State.MessageRetention, cfg.State.DeliveredRetention = 0, 0, 0
	// Its log goes with the test's output: the parent shows it when the
	// child's exit fails.
	lg := zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	st, err := track.Open(cfg.State.Path, lg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	path := cfg.Log.Path
	err = Run(ctx, Deps{
		Config: cfg, Catalog: classify.Default(), Store: st, Log: lg, Host: "mx.example.org",
		Source: func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			return logwatch.Follow(ctx, start, logwatch.FollowOptions{Path: path, FromStart: true, CheckInterval: 5 * time.Millisecond, EndMarks: true})
		},
		SourceName: "file:" + path,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestKillRestartExactlyOnce writes deferrals for distinct recipients while
// the daemon is SIGKILLed and restarted, and the log rotated, at random
// moments. The store counts delivery lines per recipient: a line processed
// twice (or lost) shows.
func TestKillRestartExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	logPath := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The last child's output (its test's failure says why it exited 1).
	var childOut *bytes.Buffer
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDaemonChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "RBLWATCH_DAEMON_CHILD="+dir)
		childOut = new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = childOut, childOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	const total, batches = 3000, 60
	// A daemon that never committed a position starts like a new install
	// (at the current file): first let it commit one, with a warm-up line.
	waitStore := func(want int, what string) (*track.Store, []track.MessageRow) {
		deadline := time.Now().Add(60 * time.Second)
		var st *track.Store
		var msgs []track.MessageRow
		var err error
		for {
			if st == nil {
				st, err = track.OpenReadOnly(filepath.Join(dir, "state.db"), zap.NewNop())
			}
			if st != nil {
				msgs, err = st.Messages(context.Background(), track.MessageFilter{})
				if err == nil && len(msgs) >= want {
					return st, msgs
				}
			}
			if time.Now().After(deadline) {
				lost, twice := tally(msgs, total)
				t.Fatalf("%s: store never held %d messages (%d, error %v); of %d lines: %d lost %s, %d processed more than once %s",
					what, want, len(msgs), err, total, len(lost), someLines(lost), len(twice), someLines(twice))
			}
			time.Sleep(20 * time.Millisecond) // polling another process's store
		}
	}
	// A new sequence of kills and rotations each run; the seed in the log
	// replays it (the timing varies anyway).
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RBLWATCH_KILL_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("RBLWATCH_KILL_SEED: %v", err)
		}
	}
	t.Logf("seed %d (RBLWATCH_KILL_SEED)", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	written, rotations, kills := 0, 0, 0
	child := start()
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })
	appendLines(t, logPath, sent(t0, "0FFFFFFF00", "warmup@example.net"))
	warm, _ := waitStore(1, "warm-up")
	warm.Close()
	for b := 0; b < batches; b++ {
		f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < total/batches; i++ {
			at := t0.Add(time.Duration(written) * time.Second)
			fmt.Fprintln(f, deferral(at, fmt.Sprintf("%X", 0x10000000+written), fmt.Sprintf("r%d@example.net", written)))
			written++
		}
		f.Close()
		// Spread the writes out so kills land mid-batch and mid-commit
		// (timing variety only: the check below waits on the store).
		time.Sleep(time.Duration(rng.IntN(30)) * time.Millisecond)
		switch rng.IntN(6) {
		case 0, 1: // kill -9 and restart
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			kills++
			child = start()
		case 2: // logrotate "create": shift, rename, new empty file
			rotate(t, logPath, rotations)
			rotations++
		case 3: // rotate while the daemon is down
			child.Process.Signal(syscall.SIGKILL)
			child.Wait()
			kills++
			rotate(t, logPath, rotations)
			rotations++
			child = start()
		}
	}

	// Wait until every line is in the store, then stop the daemon cleanly.
	st, _ := waitStore(total+1, "all lines")
	defer st.Close()
	child.Process.Signal(syscall.SIGTERM)
	if err := child.Wait(); err != nil {
		t.Errorf("daemon exit: %v; its output:\n%s", err, childOut)
	}
	msgs, err := st.Messages(context.Background(), track.MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	lost, twice := tally(msgs, total)
	if len(lost) > 0 || len(twice) > 0 {
		t.Errorf("of %d lines: %d lost %s, %d processed more than once %s", total, len(lost), someLines(lost), len(twice), someLines(twice))
	}
	t.Logf("%d lines, %d kills, %d rotations, %d messages tracked, each recipient seen exactly once", total, kills, rotations, len(msgs))
}

// tally returns the numbers of the lines (recipients r0 to r<total-1>) that
// the store counts no delivery attempt for, and more than one.
func tally(msgs []track.MessageRow, total int) (lost, twice []int) {
	seen := map[string]int{}
	for _, m := range msgs {
		for _, r := range m.Recipients {
			seen[r.Address] += r.Attempts
		}
	}
	for i := 0; i < total; i++ {
		switch n := seen[fmt.Sprintf("r%d@example.net", i)]; {
		case n == 0:
			lost = append(lost, i)
		case n > 1:
			twice = append(twice, i)
		}
	}
	return lost, twice
}

// someLines names the first few of the line numbers ns (lines 50n to
// 50n+49 are batch n).
func someLines(ns []int) string {
	if len(ns) == 0 {
		return ""
	}
	if len(ns) > 10 {
		return fmt.Sprintf("(lines %v …)", ns[:10])
	}
	return fmt.Sprintf("(lines %v)", ns)
}

// rotate does what logrotate's "create" does: mail.log.N becomes
// mail.log.N+1 (oldest first), mail.log becomes mail.log.1, and a new empty
// mail.log appears. have is the number of rotated files so far.
func rotate(t *testing.T, path string, have int) {
	t.Helper()
	for n := have; n >= 1; n-- {
		if err := os.Rename(path+"."+strconv.Itoa(n), path+"."+strconv.Itoa(n+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
}
