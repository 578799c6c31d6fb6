package track

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// crashEnv names the database a re-executed test binary works on; when set,
// TestCrashChild is the child.
const crashEnv = "RBLWATCH_TRACK_CRASH_DB"

// crashBatch is what the child commits per transaction, as the daemon does
// for a batch of lines: the log position, messages, an outbox item and a
// counter. Everything derives from n, so the parent can check that the store
// holds whole transactions only.
func crashBatch(tx *Tx, n int64) error {
	qid := fmt.Sprintf("Q%08X", n)
	at := t0.Add(time.Duration(n) * time.Second)
	for _, r := range []*postfixlog.Record{
		client(at, qid), queued(at, qid, "sender@origin.test", 2),
		delivery(at, qid, "a@remote.test", "sent", "2.0.0", okSent),
		delivery(at, qid, "b@remote.test", "deferred", "4.7.1", tmDeferred),
	} {
		if err := tx.ApplyRecord(r); err != nil {
			return err
		}
	}
	if _, err := tx.Enqueue(OutboxItem{DedupKey: fmt.Sprintf("batch/%d", n), Kind: "digest", Sink: "email", CreatedAt: at, Payload: []byte(qid)}); err != nil {
		return err
	}
	if err := tx.SavePosition("file", Position{Path: "/var/log/mail.log", Offset: n * 1000}, at); err != nil {
		return err
	}
	return tx.SetMeta("batches", strconv.FormatInt(n, 10))
}

// TestCrashChild commits batches until it is killed, printing the number of
// each batch after its commit returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("only run as the child of TestCrashSafety")
	}
	s, err := Open(path, nil)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
	ctx := context.Background()
	for {
		var n int64
		err := s.Tx(ctx, func(tx *Tx) error {
			v, _, err := tx.GetMeta("batches")
			if err != nil {
				return err
			}
			n, _ = strconv.ParseInt(v, 10, 64)
			n++
			return crashBatch(tx, n)
		})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(3)
		}
		fmt.Println(n)
	}
}

// TestCrashSafety kills a process that commits in a loop with SIGKILL,
// several times, and checks after each kill that the store holds whole
// transactions only and every transaction whose commit returned.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	path := filepath.Join(t.TempDir(), "state.db")
	var lastReported int64
	for round := 1; round <= 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it commit a few batches past the last round's, then kill it
		// while it is in the middle of the next ones.
		sc := bufio.NewScanner(out)
		target := lastReported + 20
		for sc.Scan() {
			n, err := strconv.ParseInt(sc.Text(), 10, 64)
			if err != nil {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("child said %q", sc.Text())
			}
			lastReported = n
			if n >= target {
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// Lines printed after the kill was sent still count as committed.
		for sc.Scan() {
			if n, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
				lastReported = n
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v, not by SIGKILL", round, err)
		}
		if lastReported < target {
			t.Fatalf("round %d: child reported only %d batches", round, lastReported)
		}
		checkWholeBatches(t, path, lastReported)
	}
}

func checkWholeBatches(t *testing.T, path string, committed int64) {
	t.Helper()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	v, _, err := s.GetMeta(ctx, "batches")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	// A commit the child reported must be there; one more may have
	// committed after the child's last report.
	if n < committed || n > committed+1 {
		t.Fatalf("store has %d batches, child reported %d committed", n, committed)
	}
	var msgs, rcpts, outbox, maxOffset int64
	var integrity string
	for q, dst := range map[string]any{
		`SELECT count(*) FROM messages`:                      &msgs,
		`SELECT count(*) FROM recipients`:                    &rcpts,
		`SELECT count(*) FROM outbox`:                        &outbox,
		`SELECT byte_offset FROM positions`:                  &maxOffset,
		`SELECT integrity_check FROM pragma_integrity_check`: &integrity,
	} {
		if err := s.r.QueryRowContext(ctx, q).Scan(dst); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if msgs != n || rcpts != 2*n || outbox != n || maxOffset != n*1000 || integrity != "ok" {
		t.Errorf("after %d batches: %d messages, %d recipients, %d outbox items, offset %d, integrity %q; want %d, %d, %d, %d, ok",
			n, msgs, rcpts, outbox, maxOffset, integrity, n, 2*n, n, n*1000)
	}
	last := fmt.Sprintf("Q%08X", n)
	rows, err := s.Messages(ctx, MessageFilter{QueueID: last})
	if err != nil || len(rows) != 1 || rows[0].State != StateDeferred || len(rows[0].Recipients) != 2 {
		t.Errorf("last batch's message %s: %+v, %v", last, rows, err)
	}
}
