package track

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestPruneMemoryFlat: pruning a backlog's messages — the daemon prunes a
// day of log once it has caught up with it — deleted them in one
// statement, which gathers every row first, in memory: 150,000 messages
// took the process's peak RSS up by some 100 MiB (585,368 took the daemon
// from 229 to 676 MiB). Deleted pruneChunk at a time, the peak stays
// where it was. Linux only: the peak is the kernel's (VmHWM), reset
// before the prune (clear_refs).
func TestPruneMemoryFlat(t *testing.T) {
	s := openTest(t)
	const n = 150000
	for b := 0; b < n; b += 25000 {
		var recs []*postfixlog.Record
		for i := b; i < b+25000; i++ {
			q := fmt.Sprintf("%011X", 0x1000000+i)
			recs = append(recs, queued(sec(i/10), q, "a@origin.test", 1),
				delivery(sec(i/10), q, fmt.Sprintf("u%d@x.example", i), "sent", "2.0.0", okSent), removed(sec(i/10), q))
		}
		apply(t, s, recs...)
	}
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	before := statusKiB(t, "VmHWM")
	got, err := s.PruneMessages(context.Background(), sec(n/10).Add(30*24*time.Hour), 14*24*time.Hour, 2*24*time.Hour)
	if err != nil || got != n {
		t.Fatalf("pruned %d messages (%v), want %d", got, err, n)
	}
	if grew := statusKiB(t, "VmHWM") - before; grew > 32<<10 {
		t.Errorf("the prune of %d messages took the peak RSS up by %d MiB, want less than 32", n, grew>>10)
	}
}

// statusKiB reads a field of /proc/self/status, in KiB.
func statusKiB(t *testing.T, field string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return kib
		}
	}
	t.Skipf("no %s in /proc/self/status", field)
	return 0
}
