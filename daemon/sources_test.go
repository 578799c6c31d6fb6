package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// TestFanIn: lines of each source in order; the end mark only when every
// source is at its end; an error stops the others and is passed on.
func TestFanIn(t *testing.T) {
	a, b := make(chan postfixlog.Line), make(chan postfixlog.Line)
	ea, eb := make(chan error, 1), make(chan error, 1)
	stopped := make(chan struct{})
	out, errc := fanIn([]<-chan postfixlog.Line{a, b}, []<-chan error{ea, eb}, func() {
		select {
		case <-stopped:
		default:
			close(stopped)
		}
	}, nil)
	line := func(s string) postfixlog.Line {
		return postfixlog.Line{Text: s, Pos: postfixlog.Position{Path: s[:1], Offset: 1}}
	}
	end := postfixlog.Line{AtEnd: true}
	next := func() postfixlog.Line {
		t.Helper()
		select {
		case l := <-out:
			return l
		case <-time.After(20 * time.Second): // a generous bound, as the harness's
			t.Fatal("fanIn passed nothing on")
		}
		return postfixlog.Line{}
	}
	a <- end // a at its end, b not yet: no mark
	b <- line("b1")
	if l := next(); l.Text != "b1" {
		t.Fatalf("got %+v, want b1", l)
	}
	b <- end // both at their end
	if l := next(); !l.AtEnd {
		t.Fatalf("got %+v, want the end mark", l)
	}
	a <- line("a1")
	a <- line("a2")
	if l := next(); l.Text != "a1" {
		t.Fatalf("got %+v, want a1", l)
	}
	if l := next(); l.Text != "a2" {
		t.Fatalf("got %+v, want a2", l)
	}
	a <- end // b still at its end from before: the mark passes
	if l := next(); !l.AtEnd {
		t.Fatalf("got %+v, want the end mark", l)
	}
	ea <- errors.New("a broke")
	close(ea)
	close(a)
	<-stopped // the error stops the others
	close(eb)
	close(b)
	if _, ok := <-out; ok {
		t.Error("the stream stays open after every source closed")
	}
	if err := <-errc; err == nil || err.Error() != "a broke" {
		t.Errorf("error %v, want a's", err)
	}
}

// TestTwoLogFiles runs the daemon over two log files (log.paths): lines of
// both are read, each file's position is stored under its own name, and
// a restart resumes each.
func TestTwoLogFiles(t *testing.T) {
	h := newHarness(t)
	second := filepath.Join(h.dir, "postfix-in.log")
	appendLines(t, second)
	cfg := h.config()
	run := func() (stop func(), reg *prometheus.Registry) {
		st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		reg = prometheus.NewRegistry()
		h.reg = reg
		h.tick = make(chan time.Time)
		ctx, cancel := context.WithCancel(context.Background())
		h.cancel = cancel
		h.done = make(chan error, 1)
		lg := h.logger()
		inputs, err := fileInputs(cfg.Log, []string{h.log, second}, lg)
		if err != nil {
			t.Fatal(err)
		}
		d := Deps{
			Config: cfg, Catalog: classify.Default(), Store: st, Log: lg, Host: "mx.example.org",
			Inputs: inputs, SourceName: "files",
			Sinks: map[string]notify.Transport{SinkEmail: h.mail}, Now: h.clock.now, Tick: h.tick, Metrics: NewMetrics(reg),
		}
		go func() { h.done <- Run(ctx, d); st.Close() }()
		return h.stop, reg
	}
	stop, _ := run()
	h.waitLogs("following from the end", 2)
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	appendLines(t, second, deferral(t0.Add(time.Second), "5D2C3B4A01", "dave@example.com"))
	h.waitLines(2)
	stop()

	st, err := track.OpenReadOnly(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{h.log, second} {
		pos, ok, err := st.LoadPosition(context.Background(), "file:"+p)
		if err != nil || !ok || pos.Path != p || pos.Offset == 0 {
			t.Errorf("position of %s: %+v %v %v", p, pos, ok, err)
		}
	}
	st.Close()

	stop, _ = run()
	defer stop()
	h.waitLogs("resuming", 2)
	appendLines(t, second, deferral(t0.Add(2*time.Second), "5D2C3B4A02", "erin@example.com"))
	h.waitLines(1)
	if n := h.metric("rblwatch_logwatch_lines_total"); n != 1 {
		t.Errorf("after the restart %v lines read, want 1: a file was read again", n)
	}
}

// TestQuietStartKept: a daemon started on a new state and a quiet log
// stores the place of each input's first end mark before any line
// (keepStart): done by the loop for one log file, by fanIn for two
// (log.paths); a restart then resumes there.
func TestQuietStartKept(t *testing.T) {
	for _, files := range []int{1, 2} {
		t.Run(fmt.Sprint(files, " files"), func(t *testing.T) {
			h := newHarness(t)
			paths := []string{h.log}
			if files == 2 {
				paths = append(paths, filepath.Join(h.dir, "postfix-in.log"))
			}
			for _, p := range paths {
				appendLines(t, p, rejection(t0, "4C1B2A3F91", "alice@example.net")) // before the start: not read
			}
			cfg := h.config()
			st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			h.reg, h.tick = prometheus.NewRegistry(), make(chan time.Time)
			ctx, cancel := context.WithCancel(context.Background())
			h.cancel, h.done = cancel, make(chan error, 1)
			lg := h.logger()
			inputs, err := fileInputs(cfg.Log, paths, lg)
			if err != nil {
				t.Fatal(err)
			}
			h.metrics = NewMetrics(h.reg)
			d := Deps{
				Config: cfg, Catalog: classify.Default(), Store: st, Log: lg, Host: "mx.example.org",
				Sinks: map[string]notify.Transport{SinkEmail: h.mail}, Now: h.clock.now, Tick: h.tick, Metrics: h.metrics,
			}
			if files == 1 {
				d.Source, d.SourceName = inputs[0].Source, inputs[0].Name
			} else {
				d.Inputs, d.SourceName = inputs, "files"
			}
			go func() { h.done <- Run(ctx, d); st.Close() }()
			h.waitLogs("caught up with the log", 1)
			h.stop()

			ro, err := track.OpenReadOnly(cfg.State.Path, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer ro.Close()
			for _, p := range paths {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				pos, ok, err := ro.LoadPosition(context.Background(), "file:"+p)
				if err != nil || !ok || pos.Path != p || pos.Offset != fi.Size() {
					t.Errorf("position of %s: %+v %v %v, want its end (%d)", p, pos, ok, err, fi.Size())
				}
			}
		})
	}
}

// TestOneInputReadDirectly: the loop reads a single input from the
// source's own channel — a goroutine passing on each line to keep the
// start of a new state cost a second channel hop a line, about 0.1 s of
// CPU a 1 M-line catch-up (bench/README.md, catchup13).
func TestOneInputReadDirectly(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src := make(chan postfixlog.Line)
	d := Deps{
		Config: cfg, Catalog: classify.Default(), Store: st, Log: zaptest.NewLogger(t), Host: "mx.example.org",
		Source: func(context.Context, *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			return src, nil
		},
		SourceName: "file:" + h.log, Now: h.clock.now, Metrics: NewMetrics(prometheus.NewRegistry()),
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := newService(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	lines, _, err := s.openInputs(ctx, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lines != (<-chan postfixlog.Line)(src) {
		t.Error("the loop reads a channel of its own between it and the source, not the source's")
	}
	if s.unkept != "file:"+h.log {
		t.Errorf("the start to keep: %q, want the input's", s.unkept)
	}
}
