package daemon

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// TestStopDuringCommit: a stop (SIGTERM) that arrives while a batch is
// being processed must not fail its commit: Run finishes the batch, stops
// cleanly (nil error) and the notice it caused is in the outbox. The clock
// cancels the context at the first reading after the line is written,
// which is at the start of processing the batch.
func TestStopDuringCommit(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var armed atomic.Bool
	now := func() time.Time {
		if armed.Load() {
			cancel()
		}
		return t0
	}
	path := cfg.Log.Path
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Deps{
			Config: cfg, Catalog: classify.Default(), Store: st, Log: zaptest.NewLogger(t), Host: "mx.example.org",
			// The stop comes with the first clock reading after the line
			// was handed over, inside its batch: armed as it is, not
			// before (the start-up reads the clock too, and a stop there
			// came before the line was read).
			Source: func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
				lines, errs := logwatch.Follow(ctx, start, logwatch.FollowOptions{Path: path, FromStart: true, CheckInterval: 10 * time.Millisecond, EndMarks: true})
				out := make(chan postfixlog.Line)
				go func() {
					defer close(out)
					for l := range lines {
						if !l.AtEnd {
							armed.Store(true)
						}
						out <- l
					}
				}()
				return out, errs
			},
			SourceName: "file:" + path,
			Sinks:      map[string]notify.Transport{SinkEmail: h.mail},
			Now:        now,
			Tick:       make(chan time.Time), // never: no timer work
		})
	}()
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after a stop during a batch: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop")
	}
	if _, ok, err := st.LoadPosition(context.Background(), "file:"+path); err != nil || !ok {
		t.Errorf("the batch's position was not committed (ok %v, err %v)", ok, err)
	}
	incs, err := st.Incidents(context.Background())
	if err != nil || len(incs) != 1 {
		t.Fatalf("incidents %+v, err %v; want the one the line opened", incs, err)
	}
	if _, ok, err := st.OutboxItem(context.Background(), "incident/"+incs[0].ID+"/opened/email"); err != nil || !ok {
		t.Errorf("the opened notice is not in the outbox (ok %v, err %v)", ok, err)
	}
}

// stalledPipe returns all its data in its first Read, then blocks until
// release is closed (a pipe whose writer is still there): what stdin looks
// like to "rblwatch run" when journalctl has written a burst.
type stalledPipe struct {
	data    []byte
	release chan struct{}
}

func (p *stalledPipe) Read(b []byte) (int, error) {
	if len(p.data) == 0 {
		<-p.release
		return 0, io.EOF
	}
	n := copy(b, p.data)
	p.data = p.data[n:]
	return n, nil
}

// TestStopProcessesWhatStdinRead: a stop (SIGTERM) while lines read from
// stdin wait in the source is processed to the last of those lines before
// Run returns; it waits for no more input. (Before, the stdin source
// closed at once on the stop and the lines it had read were lost: 257 of
// 2,900 processed.) The stop comes with the first clock reading after the
// first line was handed over, when the whole read is in the source.
func TestStopProcessesWhatStdinRead(t *testing.T) {
	const n = 2900 // one read: less than 64 KiB
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "line %06d of a pipe\n", i)
	}
	pipe := &stalledPipe{data: []byte(b.String()), release: make(chan struct{})}
	defer close(pipe.release)

	h := newHarness(t)
	cfg := h.config()
	cfg.Log.Path = ""
	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var armed atomic.Bool
	now := func() time.Time {
		if armed.Load() {
			cancel()
		}
		return t0
	}
	metrics := NewMetrics(prometheus.NewRegistry())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Deps{
			Config: cfg, Catalog: classify.Default(), Store: st, Log: zaptest.NewLogger(t), Host: "mx.example.org",
			Source: func(ctx context.Context, _ *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
				lines, errs := logwatch.Stream(ctx, pipe, logwatch.StreamOptions{})
				out := make(chan postfixlog.Line)
				go func() {
					defer close(out)
					for l := range lines {
						armed.Store(true)
						out <- l
					}
				}()
				return out, errs
			},
			SourceName: "stdin",
			Sinks:      map[string]notify.Transport{SinkEmail: h.mail},
			Metrics:    metrics,
			Now:        now,
			Tick:       make(chan time.Time), // never: no timer work
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after a stop: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not stop: it waited for more input")
	}
	if got := testutil.ToFloat64(metrics.lines); got != n {
		t.Errorf("%v lines processed after the stop, want every one read: %d", got, n)
	}
}
