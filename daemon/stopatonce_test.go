package daemon

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// TestStopAtOnceKeepsStart: a daemon on a new state stopped within
// milliseconds of its first start — the SIGTERM right after it opened the
// log — still stores where it began reading each log file (the end), so
// the next start resumes there and reads what was logged in between. The
// follower placed itself at the end before Run's loop ran, but its first end
// mark, which carries that place to the daemon (keepStart), raced the stop:
// cancelled first, the source closed without it, no position was stored,
// and the next start began at the end of the file again, past the lines
// logged while rblwatch was down. With two files (log.paths), the stop
// between the opening of the first and the second failed the start
// ("loading the position of …: context canceled"): the first file's place
// was not kept either. The sources are rblwatch run's (log.backfill 0s:
// from the end). Several rounds: the race went either way.
func TestStopAtOnceKeepsStart(t *testing.T) {
	for _, files := range []int{1, 2} {
		t.Run(fmt.Sprint(files, " files"), func(t *testing.T) {
			for round := range 20 {
				stopAtOnce(t, files, round)
			}
		})
	}
}

func stopAtOnce(t *testing.T, files, round int) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.HostName = "mx.example.org"
	cfg.Log.Timezone = "UTC"
	cfg.Log.Backfill = 0
	cfg.State.Path = filepath.Join(dir, "state.db")
	cfg.DNSBL.Interval = 0
	cfg.State.Retention, cfg.State.MessageRetention, cfg.State.DeliveredRetention = 0, 0, 0
	var paths []string
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("mail%d.log", i))
		// Before the first start: a new install begins after it.
		appendLines(t, p, rejection(t0, "4C1B2A3F91", "old@example.net"))
		paths = append(paths, p)
	}
	if files == 1 {
		cfg.Log.Path = paths[0]
	} else {
		cfg.Log.Paths = paths
	}
	// run starts the daemon on rblwatch run's log sources (Build's, but
	// for the second it spends asking postconf); stop, if not nil, is
	// called as soon as the log files are open (the SIGTERM comes then).
	run := func(ctx context.Context, stop func()) (*track.Store, <-chan error) {
		lg := zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
		st, err := track.Open(cfg.State.Path, lg)
		if err != nil {
			t.Fatal(err)
		}
		d := Deps{Config: cfg, Catalog: classify.Default(), Store: st, Log: lg, Host: "mx.example.org"}
		if d.Source, d.SourceName, err = source(cfg.Log, lg, nil); err != nil {
			t.Fatal(err)
		}
		if files > 1 {
			if d.Inputs, err = fileInputs(cfg.Log, cfg.Log.Files(), lg); err != nil {
				t.Fatal(err)
			}
		}
		if stop != nil {
			stopWhenOpen := func(src Source) Source {
				return func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
					lines, errs := src(ctx, start)
					stop()
					return lines, errs
				}
			}
			d.Source = stopWhenOpen(d.Source)
			for i := range d.Inputs {
				d.Inputs[i].Source = stopWhenOpen(d.Inputs[i].Source)
			}
		}
		done := make(chan error, 1)
		go func() { err := Run(ctx, d); st.Close(); done <- err }()
		return st, done
	}

	stopped, cancel := context.WithCancel(context.Background())
	_, done := run(stopped, cancel)
	if err := <-done; err != nil {
		t.Fatalf("round %d: the first start, stopped at once: %v", round, err)
	}
	// Logged while rblwatch was down: one line a file.
	for i, p := range paths {
		appendLines(t, p, deferral(t0.Add(time.Minute), fmt.Sprintf("5D2C3B4A0%d", i), fmt.Sprintf("r%d@example.net", i)))
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, done := run(ctx, nil)
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs, err := st.Messages(ctx, track.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= files {
			seen := map[string]bool{}
			for _, m := range msgs {
				for _, r := range m.Recipients {
					seen[r.Address] = true
				}
			}
			if seen["old@example.net"] || len(msgs) != files {
				t.Errorf("round %d: the restart read what was logged before the first start: %d messages, %v", round, len(msgs), seen)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: the restart read %d of the %d lines logged while rblwatch was down (no stored start: it began at the end again)", round, len(msgs), files)
		}
		select {
		case err := <-done:
			t.Fatalf("round %d: the restart ended: %v", round, err)
		case <-time.After(10 * time.Millisecond): // polling the store the daemon writes
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("round %d: the restart's stop: %v", round, err)
	}
}
