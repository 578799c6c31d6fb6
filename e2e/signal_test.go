package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// TestSecondSignalEnds: a command stuck where its work cannot be cancelled
// — replay opening a named pipe nobody writes to, as cat would — ends at
// the second Ctrl-C (or SIGTERM): the first asks the work to stop, the
// next has its default effect. Before, every signal was caught for the
// cancellation the stuck open never saw, and only SIGKILL ended it.
//
// Started with SIGINT ignored (a background job of a shell script: sh
// ignores SIGINT and SIGQUIT for them, and exec keeps it), the first
// Ctrl-C is still taken, and the second still ends it: before, the
// first gave SIGINT back to being ignored and nothing but SIGKILL ended
// the stuck open.
func TestSecondSignalEnds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		ignored bool
	}{
		{"default", false},
		{"started with SIGINT ignored", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secondSignalEnds(t, tt.ignored)
		})
	}
}

func secondSignalEnds(t *testing.T, ignored bool) {
	fifo := filepath.Join(t.TempDir(), "mail.log")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(rblwatchBin, "replay", fifo)
	if ignored {
		cmd = exec.Command("sh", "-c", `trap "" INT; exec "$0" replay "$1"`, rblwatchBin, fifo)
	}
	cmd.SysProcAttr = testproc.DieWithParent()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Ctrl-C again and again until it ends: at the second at the latest,
	// once the first was taken.
	guard := time.After(30 * time.Second) // a guard against the hang, not a speed limit
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for sent := 0; ; {
		select {
		case err := <-exited:
			if sent == 0 {
				t.Fatalf("replay ended before any signal: %v", err)
			}
			return
		case <-tick.C:
			if err := cmd.Process.Signal(os.Interrupt); err == nil {
				sent++
			}
		case <-guard:
			cmd.Process.Kill()
			<-exited
			t.Fatal("replay still runs after 30 s of Ctrl-C")
		}
	}
}
