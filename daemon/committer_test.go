package daemon

import (
	"errors"
	"path/filepath"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/track"
)

// TestCommitterQueuesOneBatch: while a commit runs, the loop hands over
// the next batch without waiting (commitDepth 2); when the running commit
// fails, the batch waiting after it is not committed (its position would
// skip the failed batch's lines), and every later submit and wait says so.
func TestCommitterQueuesOneBatch(t *testing.T) {
	st, err := track.Open(filepath.Join(t.TempDir(), "state.db"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := newCommitter(st)
	started, release := make(chan struct{}), make(chan struct{})
	boom := errors.New("boom")
	if err := c.submit(t.Context(), func(*track.Tx) error {
		close(started)
		<-release
		return boom
	}); err != nil {
		t.Fatal(err)
	}
	<-started
	ran := false
	// The first commit is still running: this returns at once (a
	// committer that waited would hang the test here).
	if err := c.submit(t.Context(), func(*track.Tx) error { ran = true; return nil }); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := c.wait(); !errors.Is(err, boom) {
		t.Fatalf("wait after a failed commit: %v, want %v", err, boom)
	}
	if ran {
		t.Error("the batch handed over after a failed one was committed")
	}
	if err := c.submit(t.Context(), func(*track.Tx) error { ran = true; return nil }); !errors.Is(err, boom) {
		t.Errorf("submit after a failed commit: %v, want %v", err, boom)
	}
	if err := c.stop(); !errors.Is(err, boom) || ran {
		t.Errorf("stop after a failed commit: %v (a later batch ran: %v)", err, ran)
	}
}
