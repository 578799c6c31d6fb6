package daemon

import (
	"context"
	"errors"
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
	})
	line := func(s string) postfixlog.Line {
		return postfixlog.Line{Text: s, Pos: postfixlog.Position{Path: s[:1], Offset: 1}}
	}
	end := postfixlog.Line{AtEnd: true}
	next := func() postfixlog.Line {
		t.Helper()
		select {
		case l := <-out:
			return l
		case <-time.After(5 * time.Second):
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
