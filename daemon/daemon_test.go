package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// recorder is a notify.Transport that keeps what it was given.
type recorder struct {
	mu    sync.Mutex
	items []notify.Item
	got   chan notify.Item
	fail  atomic.Bool // answer with a temporary error
	// hold, when set before the daemon starts, makes a delivery wait
	// until it is closed (a delivery in flight, which completes whatever
	// happens meanwhile), after saying so on holding.
	hold, holding chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan notify.Item, 100)} }

func (r *recorder) Deliver(ctx context.Context, it notify.Item) error {
	if r.fail.Load() {
		return &notify.SendError{Temp: true, Err: fmt.Errorf("relay down")}
	}
	if r.hold != nil {
		select {
		case r.holding <- struct{}{}:
		default:
		}
		<-r.hold
	}
	r.mu.Lock()
	r.items = append(r.items, it)
	r.mu.Unlock()
	select {
	case r.got <- it:
		return nil
	case <-ctx.Done():
		// A test that reads no more items (its buffer full) while the
		// daemon stops: give up when the stop's last outbox step runs out
		// of time, as a real sink does, instead of holding the stop for
		// ever.
		return ctx.Err()
	}
}

// count is how many items were delivered.
func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.items)
}

// wait returns the next delivered item, failing after a generous bound.
func (r *recorder) wait(t *testing.T, what string) notify.Item {
	t.Helper()
	select {
	case it := <-r.got:
		return it
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s notice delivered", what)
	}
	return notify.Item{}
}

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) time.Time {
	return time.Unix(0, c.ns.Add(int64(d))).UTC()
}

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

func stamp(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000+00:00") }

func rejection(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.1 (in reply to RCPT TO command))"
}

func deferral(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=4.7.1, status=deferred (host mx.example.net[198.51.100.7] said: 450 4.7.1 Service temporarily unavailable; Client host [192.0.2.1] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=192.0.2.1 (in reply to RCPT TO command))"
}

func sent(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 OK)"
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if len(lines) == 0 {
		return
	}
	// One write: the lines appear together, as one reading of the log
	// (a batch). Written a line at a time, the running daemon could read
	// the first lines before the others were written, and a test about
	// what one batch holds failed on a loaded machine.
	if _, err := f.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		t.Fatal(err)
	}
}

// write appends lines to the log as Postfix writes them: the clock first
// moves on to the latest of their times (stamp's format) if it is behind,
// since a line cannot be read before it is written (the daemon dates a
// line more than ingest.MaxAhead past its clock at the clock).
func (h *harness) write(lines ...string) {
	h.t.Helper()
	for _, l := range lines {
		if at, err := time.Parse("2006-01-02T15:04:05.000000-07:00", l[:min(len(l), len(stamp(t0)))]); err == nil && at.After(h.clock.now()) {
			h.clock.set(at)
		}
	}
	appendLines(h.t, h.log, lines...)
}

// harness runs the daemon over a file in a temp dir.
type harness struct {
	t     *testing.T
	dir   string
	log   string
	store string
	clock *clock
	tick  chan time.Time
	mail  *recorder
	// extra are more channels beside email (webhook, alertmanager).
	extra map[string]notify.Transport
	// metrics are the daemon's (set by start).
	metrics *Metrics
	cancel  context.CancelFunc
	done    chan error
	// resolver, when set before start, turns DNS checks on; logs observes
	// what the daemon logs.
	resolver *dnsbl.Resolver
	logs     *observer.ObservedLogs
	// reg holds the daemon's metrics.
	reg *prometheus.Registry
	// reload, when set before start, delivers reloaded configurations;
	// newResolver makes a reloaded configuration's resolver.
	reload      chan *config.Config
	newResolver func(config.DNSBL) (*dnsbl.Resolver, error)
	// noEndMarks, when set before start, makes the log source give no end
	// mark: the daemon stays catching up until an idle tick.
	noEndMarks bool
	// stream, when set before start, is the log source instead of the
	// file: a stream (as journald and stdin are) the test writes to.
	stream io.Reader
	// watch, when set before start, watches the state file as rblwatch
	// run does (StateWatch): its loss ends Run, and the saved state is put
	// back once the store is closed.
	watch bool
	// paths, when set before start, are the log files read instead of
	// the one log (log.paths, with rblwatch run's inputs).
	paths []string
	// sourceStop, when set before start, is how long the log source takes
	// to end after the stop (journalctl slow to exit, a busy machine).
	sourceStop time.Duration
}

func newHarness(t *testing.T) *harness {
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, log: filepath.Join(dir, "mail.log"), store: filepath.Join(dir, "state.db"),
		clock: &clock{}, mail: newRecorder()}
	h.clock.set(t0)
	appendLines(t, h.log)
	return h
}

func (h *harness) config() *config.Config {
	cfg := config.Default()
	cfg.Log.Path = h.log
	cfg.Log.Timezone = "UTC"
	cfg.State.Path = h.store
	// Display names: the header keeps them, the envelope gets the bare
	// addresses.
	cfg.Notify.To = []mail.Address{{Name: "Postmaster", Address: "postmaster@example.org"}, {Name: "運用チーム", Address: "ops@example.org"}}
	cfg.Notify.From = mail.Address{Name: "rblwatch", Address: "rblwatch@mx.example.org"}
	cfg.Notify.Aggregate = 0
	cfg.DNSBL.Interval = 0
	return cfg
}

// start runs the daemon until stop.
func (h *harness) start(cfg *config.Config) {
	t := h.t
	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	h.tick = make(chan time.Time)
	h.reg = prometheus.NewRegistry()
	path, endMarks := cfg.Log.Path, !h.noEndMarks
	sinks := map[string]notify.Transport{SinkEmail: h.mail}
	for k, v := range h.extra {
		sinks[k] = v
	}
	d := Deps{
		Config:  cfg,
		Catalog: classify.Default(),
		Store:   st,
		Log:     h.logger(),
		Host:    "mx.example.org",
		Source: func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			return logwatch.Follow(ctx, start, logwatch.FollowOptions{Path: path, FromStart: true, CheckInterval: 10 * time.Millisecond, EndMarks: endMarks})
		},
		SourceName:  "file:" + path,
		Sinks:       sinks,
		Now:         h.clock.now,
		Tick:        h.tick,
		Resolver:    h.resolver,
		Metrics:     NewMetrics(h.reg),
		Reload:      h.reload,
		NewResolver: h.newResolver,
	}
	if len(h.paths) > 0 {
		if d.Inputs, err = fileInputs(cfg.Log, h.paths, d.Log); err != nil {
			t.Fatal(err)
		}
		d.SourceName = "files"
	}
	if h.stream != nil {
		stream := h.stream
		d.Source = func(ctx context.Context, _ *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			return logwatch.Stream(ctx, stream, logwatch.StreamOptions{})
		}
		d.SourceName = "stdin"
	}
	if h.sourceStop > 0 {
		source, delay := d.Source, h.sourceStop
		d.Source = func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			lines, errs := source(ctx, start)
			out := make(chan postfixlog.Line)
			go func() {
				defer close(out)
				for l := range lines {
					out <- l
				}
				time.Sleep(delay) // the source ended; its stop takes this long
			}()
			return out, errs
		}
	}
	if h.watch {
		if d.StateWatch, err = WatchState(st.Path(), d.Log); err != nil {
			t.Fatal(err)
		}
	}
	h.metrics = d.Metrics
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() {
		err := Run(ctx, d)
		if d.StateWatch == nil {
			h.done <- err
			st.Close()
			return
		}
		st.Close()
		d.StateWatch.Finish() // as rblwatch run's closers do
		h.done <- err
	}()
}

// logger logs to the test and to h.logs.
func (h *harness) logger() *zap.Logger {
	core, logs := observer.New(zap.DebugLevel)
	h.logs = logs
	return zap.New(zapcore.NewTee(zaptest.NewLogger(h.t).Core(), core))
}

func (h *harness) stop() {
	h.cancel()
	if err := <-h.done; err != nil {
		h.t.Fatalf("daemon: %v", err)
	}
}

// read waits until the daemon has read n lines since it started.
func (h *harness) read(n int) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for testutil.ToFloat64(h.metrics.lines) < float64(n) {
		if time.Now().After(deadline) {
			h.t.Fatalf("the daemon read %v lines, want %d", testutil.ToFloat64(h.metrics.lines), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitEnd waits for the daemon to stop by itself at the end of its input.
func (h *harness) waitEnd() {
	h.t.Helper()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("daemon: %v", err)
		}
	case <-time.After(30 * time.Second):
		h.t.Fatal("the daemon did not stop at the end of its input")
	}
}

// tickAt advances the clock and ticks.
func (h *harness) tickAt(at time.Time) {
	h.clock.set(at)
	select {
	case h.tick <- at:
	case err := <-h.done:
		h.t.Fatalf("daemon ended: %v", err)
	}
}

func subject(t *testing.T, it notify.Item) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(it.Payload)))
	if err != nil {
		t.Fatalf("notice is not a mail message: %v", err)
	}
	dec := new(mime.WordDecoder)
	s, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNotifiesThenClears(t *testing.T) {
	h := newHarness(t)
	h.start(h.config())
	defer h.stop()

	appendLines(t, h.log,
		rejection(t0, "4C1B2A3F91", "alice@example.net"),
		rejection(t0.Add(time.Second), "4C1B2A3F92", "bob@example.net"),
	)
	it := h.mail.wait(t, "opened")
	if it.Kind != "opened" || it.Sink != SinkEmail || strings.Join(it.Recipients, " ") != "postmaster@example.org ops@example.org" {
		t.Fatalf("first notice = %+v", it)
	}
	if m, err := mail.ReadMessage(strings.NewReader(string(it.Payload))); err != nil {
		t.Errorf("notice does not parse: %v", err)
	} else if to, err := m.Header.AddressList("To"); err != nil || len(to) != 2 || to[1].Name != "運用チーム" || to[1].Address != "ops@example.org" {
		t.Errorf("To: %v (%v)", to, err)
	}
	if s := subject(t, it); !strings.Contains(s, "Barracuda") || !strings.Contains(s, "192.0.2.1") {
		t.Errorf("subject %q does not name the provider and the IP", s)
	}

	// Mail to the same receiver goes through; after the settle time the
	// incident is cleared.
	appendLines(t, h.log, sent(t0.Add(time.Minute), "4C1B2A3F93", "carol@example.net"))
	h.tickAt(t0.Add(2 * time.Minute))
	h.tickAt(t0.Add(12 * time.Minute))
	it = h.mail.wait(t, "cleared")
	if it.Kind != "cleared" {
		t.Fatalf("second notice = %+v", it)
	}
	h.mail.mu.Lock()
	n := len(h.mail.items)
	h.mail.mu.Unlock()
	if n != 2 {
		t.Errorf("%d notices, want 2", n)
	}
}

// TestStateDeletedMidDeliveryNeverRepeats: the state file deleted while a
// notice is being delivered stops the daemon (ErrStateLost); the delivery
// completes, and the state saved and put back for the restart says so: the
// restart sends nothing again. (Before, the running state was copied when
// the deletion was noticed, with the notice still pending, and the restart
// announced the incident a second time.)
func TestStateDeletedMidDeliveryNeverRepeats(t *testing.T) {
	h := newHarness(t)
	h.watch = true
	h.mail.hold, h.mail.holding = make(chan struct{}), make(chan struct{}, 1)
	cfg := h.config()
	h.start(cfg)
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	select {
	case <-h.mail.holding: // the opened notice is in flight
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery began")
	}
	if err := os.Remove(h.store); err != nil {
		t.Fatal(err)
	}
	h.tickAt(t0.Add(time.Minute)) // the deletion is noticed at the tick
	deadline := time.Now().Add(20 * time.Second)
	for h.logs.FilterMessageSnippet("STATE FILE DELETED").Len() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the deletion was not noticed")
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(h.mail.hold) // the delivery in flight completes
	if err := <-h.done; !errors.Is(err, ErrStateLost) {
		t.Fatalf("Run = %v, want ErrStateLost", err)
	}
	if h.mail.count() != 1 {
		t.Fatalf("%d notices before the restart, want the one in flight", h.mail.count())
	}
	if _, err := os.Stat(h.store); err != nil {
		t.Fatalf("the saved state was not put back: %v", err)
	}

	// The restart resumes from the saved state: nothing is pending.
	h.mail.hold = nil
	h.start(cfg)
	h.tickAt(t0.Add(2 * time.Minute))
	h.waitMetric(`rblwatch_outbox_pending_items{channel="email"}`, 0)
	h.tickAt(t0.Add(3 * time.Minute))
	h.stop()
	if n := h.mail.count(); n != 1 {
		t.Errorf("%d notices in all, want 1: the incident was announced again after the restart", n)
	}
}

// TestRestartNeverRepeats: a restart resumes after the last committed line
// and sends nothing twice; a new rejection after it is a new incident.
func TestRestartNeverRepeats(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	h.start(cfg)
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	h.mail.wait(t, "opened")
	h.stop()

	// Same file, same store: nothing new to say.
	h.start(cfg)
	appendLines(t, h.log, deferral(t0.Add(time.Hour), "5D2C3B4A01", "dave@example.com"))
	it := h.mail.wait(t, "trendmicro opened")
	if !strings.Contains(subject(t, it), "Trend Micro") {
		t.Errorf("after the restart the next notice is %q, want the Trend Micro incident", subject(t, it))
	}
	h.stop()
	if n := len(h.mail.items); n != 2 {
		t.Errorf("%d notices in all, want 2", n)
	}
}

// TestRelayDownThenUp: notices wait in the outbox while the relay is down
// and go out once, in order, when it is back.
func TestRelayDownThenUp(t *testing.T) {
	h := newHarness(t)
	h.mail.fail.Store(true)
	h.start(h.config())
	defer h.stop()
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"), deferral(t0.Add(time.Second), "5D2C3B4A01", "dave@example.com"))

	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Wait until both notices are in the outbox and have failed once.
	for i := 0; ; i++ {
		h.tickAt(t0.Add(time.Duration(i) * time.Second))
		n, err := st.Pending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		due, _ := st.Due(context.Background(), t0.Add(time.Hour), 10)
		if n == 2 && len(due) == 2 && due[0].Attempts > 0 {
			break
		}
		if i > 2000 {
			t.Fatalf("outbox never held both notices (pending %d)", n)
		}
	}
	h.mail.fail.Store(false)
	h.tickAt(t0.Add(time.Hour)) // past any backoff
	a, b := h.mail.wait(t, "first"), h.mail.wait(t, "second")
	if !strings.Contains(subject(t, a), "Barracuda") || !strings.Contains(subject(t, b), "Trend Micro") {
		t.Errorf("order: %q then %q", subject(t, a), subject(t, b))
	}
}

// TestReloadChangesTheRelay: a SIGHUP that points notify at another relay
// takes effect for the next notice, without a restart.
func TestReloadChangesTheRelay(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	st, err := track.Open(cfg.State.Path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	second := newRecorder()
	reload := make(chan *config.Config)
	h.tick = make(chan time.Time)
	h.reg = prometheus.NewRegistry()
	path := cfg.Log.Path
	d := Deps{
		Config: cfg, Catalog: classify.Default(), Store: st, Log: zaptest.NewLogger(t), Host: "mx.example.org",
		Source: func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
			return logwatch.Follow(ctx, start, logwatch.FollowOptions{Path: path, FromStart: true, CheckInterval: 10 * time.Millisecond, EndMarks: true})
		},
		SourceName: "file:" + path,
		Sinks:      map[string]notify.Transport{SinkEmail: h.mail},
		NewSinks: func(c *config.Config) map[string]notify.Transport {
			if c.Notify.SMTP == "127.0.0.1:2525" {
				return map[string]notify.Transport{SinkEmail: second}
			}
			return map[string]notify.Transport{SinkEmail: h.mail}
		},
		Now: h.clock.now, Tick: h.tick, Reload: reload,
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, d); st.Close() }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	h.mail.wait(t, "first relay")
	next := cfg.Clone()
	next.Notify.SMTP = "127.0.0.1:2525"
	reload <- next
	appendLines(t, h.log, deferral(t0.Add(time.Minute), "5D2C3B4A01", "dave@example.com"))
	it := second.wait(t, "second relay")
	if !strings.Contains(subject(t, it), "Trend Micro") {
		t.Errorf("second relay got %q", subject(t, it))
	}
	select {
	case it := <-h.mail.got:
		t.Errorf("the old relay still got %q", subject(t, it))
	default:
	}
}

// TestLiveLinesShareACommit: at the live end, lines that come a few
// milliseconds apart (a busy host logs a line at a time) are processed and
// committed together (liveGather), not a store transaction each.
func TestLiveLinesShareACommit(t *testing.T) {
	h, w := startStream(t)
	defer h.stop()
	write := func(i int) {
		if _, err := io.WriteString(w, sent(t0.Add(time.Duration(i)*time.Millisecond), fmt.Sprintf("4C1B2A%05X", i), "alice@example.net")+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	write(0)
	h.read(1) // the first batch takes the daemon to the live end
	batches := func() int {
		n := 0
		for _, e := range h.logs.FilterMessage("batch").All() {
			if e.ContextMap()["lines"].(int64) > 0 {
				n++
			}
		}
		return n
	}
	before := batches()
	const lines = 10
	for i := 1; i <= lines; i++ {
		write(i)
		time.Sleep(3 * time.Millisecond)
	}
	h.read(1 + lines)
	// 10 lines over 30 ms: one batch, two or three on a loaded machine;
	// one a line without the gathering.
	if got := batches() - before; got > 3 {
		t.Errorf("%d lines written 3 ms apart made %d batches, want them gathered", lines, got)
	}
}

// startStream starts the daemon on a stream source (as stdin and journald
// are), a pipe whose writing end the test gets; it is closed when the test
// ends.
func startStream(t *testing.T) (*harness, io.Writer) {
	h := newHarness(t)
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	h.stream = r
	h.start(h.config())
	return h, w
}

// TestCaughtUpWithNothingRead: started on an empty log, the daemon says it
// caught up without a log time of year 1 ("0001-01-01T00:00:00Z").
func TestCaughtUpWithNothingRead(t *testing.T) {
	h := newHarness(t)
	h.start(h.config())
	defer h.stop()
	deadline := time.Now().Add(20 * time.Second)
	for h.logs.FilterMessage("caught up with the log").Len() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the daemon never said it caught up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	e := h.logs.FilterMessage("caught up with the log").All()[0]
	if got := e.ContextMap()["log_time"]; got != "none read yet" {
		t.Errorf("caught up with log_time %v, want none read yet", got)
	}
}

// TestNoticeCommandsNameConfig: a daemon started with --config FILE prints
// its notices' commands with --config FILE, so that pasted they act on its
// state (before, "rblwatch incidents ack ID" acted on the default one).
func TestNoticeCommandsNameConfig(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.File = "/etc/rblwatch/out.yaml"
	h.start(cfg)
	defer h.stop()
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	body := strings.ReplaceAll(textBody(t, h.mail.wait(t, "opened")), "\r\n", "\n")
	for _, want := range []string{"Z --config /etc/rblwatch/out.yaml\n", "\n  rblwatch incidents mute barracuda for 7d --config /etc/rblwatch/out.yaml"} {
		if !strings.Contains(body, want) {
			t.Errorf("the opened notice lacks %q:\n%s", want, body)
		}
	}
}

// hungPeer is a transport whose first attempt never gets an answer: it
// waits for its end (the attempt timeout or the stop). Every attempt notes
// its deadline; the later ones fail at once (the test needs no more
// waiting).
type hungPeer struct {
	mu        sync.Mutex
	deadlines []time.Time
	started   chan struct{}
}

func (p *hungPeer) Deliver(ctx context.Context, it notify.Item) error {
	d, _ := ctx.Deadline()
	p.mu.Lock()
	p.deadlines = append(p.deadlines, d)
	first := len(p.deadlines) == 1
	p.mu.Unlock()
	if !first {
		return &notify.SendError{Temp: true, Err: errors.New("no answer")}
	}
	select {
	case p.started <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return &notify.SendError{Temp: true, Err: ctx.Err()}
}

// TestStopBounded: with a webhook that never answers, a stop lets the
// delivery under way run notify.StopGrace, then the last step's attempt
// must end by StopBound after the stop began — before, the last step gave its
// attempt 5 s and then StopGrace more, after the compose step's own 5 s:
// 15 to 20 s in all. StopBound counts from the stop, not from the moment
// the log source has ended: before, a source 3 s slow to stop (journalctl
// exiting on a busy machine) made the last step's attempt run until 13 s
// after the SIGTERM.
func TestStopBounded(t *testing.T) {
	for _, tc := range []struct {
		name       string
		sourceStop time.Duration
	}{
		{"source ends at once", 0},
		{"source slow to end", 3 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.sourceStop = tc.sourceStop
			hook := &hungPeer{started: make(chan struct{}, 1)}
			cfg := h.config()
			cfg.Notify.Webhook.URL = "http://127.0.0.1/unused" // hook stands in for the peer
			h.extra = map[string]notify.Transport{SinkWebhook: hook}
			h.start(cfg)
			appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
			h.mail.wait(t, "opened")
			select {
			case <-hook.started:
			case <-time.After(20 * time.Second):
				t.Fatal("no webhook attempt began")
			}
			// (A second of slack: the daemon reads the clock after this.)
			bound := time.Now().Add(StopBound + time.Second)
			h.stop()
			hook.mu.Lock()
			defer hook.mu.Unlock()
			if len(hook.deadlines) != 2 {
				t.Fatalf("%d webhook attempts, want 2 (the one under way at the stop, the last step's)", len(hook.deadlines))
			}
			if last := hook.deadlines[1]; last.IsZero() || last.After(bound) {
				t.Errorf("the last step's attempt may run until %v, %v after the stop's bound %v", last, last.Sub(bound), bound)
			}
		})
	}
}
