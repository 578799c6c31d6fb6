package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// memQueue is an in-memory Queue with the store's semantics: MarkSent and
// MarkFailed count the attempt, MarkRetry sets the count; a finished item
// is left as it is.
type memQueue struct {
	mu    sync.Mutex
	items []*memItem
	// failMarkSent makes the next n MarkSent calls fail.
	failMarkSent int
}

type memItem struct {
	Item
	next       time.Time
	sent       time.Time
	failed     time.Time
	lastErr    string
	claimedBy  string
	claimUntil time.Time
}

func (q *memQueue) add(it Item) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	it.ID = int64(len(q.items) + 1)
	q.items = append(q.items, &memItem{Item: it, next: it.CreatedAt})
	return it.ID
}

func (q *memQueue) Claim(_ context.Context, sink string, now time.Time, owner string, lease time.Duration) (Item, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range q.items {
		if m.Sink == sink && m.sent.IsZero() && m.failed.IsZero() && !m.next.After(now) && !m.claimUntil.After(now) {
			m.claimedBy, m.claimUntil = owner, now.Add(lease)
			return m.Item, true, nil
		}
	}
	return Item{}, false, nil
}

func (q *memQueue) get(id int64) (*memItem, error) {
	if id < 1 || int(id) > len(q.items) {
		return nil, fmt.Errorf("no item %d", id)
	}
	return q.items[id-1], nil
}

func (q *memQueue) MarkSent(_ context.Context, id int64, now time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failMarkSent > 0 {
		q.failMarkSent--
		return errors.New("disk full")
	}
	m, err := q.get(id)
	if err != nil {
		return err
	}
	if m.sent.IsZero() && m.failed.IsZero() {
		m.sent = now
		m.Attempts++
		m.claimedBy, m.claimUntil = "", time.Time{}
	}
	return nil
}

func (q *memQueue) MarkRetry(_ context.Context, id int64, attempts int, next time.Time, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := q.get(id)
	if err != nil {
		return err
	}
	if m.sent.IsZero() && m.failed.IsZero() {
		m.Attempts, m.next, m.lastErr = attempts, next, errText
		m.claimedBy, m.claimUntil = "", time.Time{}
	}
	return nil
}

func (q *memQueue) MarkPartial(_ context.Context, id int64, attempts int, next time.Time, rcpts []string, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := q.get(id)
	if err != nil {
		return err
	}
	if m.sent.IsZero() && m.failed.IsZero() {
		m.Attempts, m.next, m.lastErr, m.Recipients = attempts, next, errText, slices.Clone(rcpts)
		m.claimedBy, m.claimUntil = "", time.Time{}
	}
	return nil
}

func (q *memQueue) MarkFailed(_ context.Context, id int64, now time.Time, errText string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m, err := q.get(id)
	if err != nil {
		return err
	}
	if m.sent.IsZero() && m.failed.IsZero() {
		m.failed, m.lastErr = now, errText
		m.Attempts++
		m.claimedBy, m.claimUntil = "", time.Time{}
	}
	return nil
}

func (q *memQueue) item(id int64) memItem {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.items[id-1]
}

// emailItems enqueues n distinct small messages for the "email" sink.
func emailItems(q *memQueue, n int, at time.Time) []int64 {
	var ids []int64
	for i := 0; i < n; i++ {
		ids = append(ids, q.add(Item{
			Kind: "opened", IncidentID: fmt.Sprintf("inc-%d", i+1), Sink: "email",
			Recipients: []string{"postmaster@example.net"},
			Payload:    []byte(fmt.Sprintf("Subject: notice %d\r\n\r\nbody %d\r\n", i+1, i+1)),
			CreatedAt:  at,
		}))
	}
	return ids
}

func subjects(msgs []captured) []string {
	var out []string
	for _, m := range msgs {
		line, _, _ := strings.Cut(string(m.Data), "\r\n")
		out = append(out, strings.TrimPrefix(line, "Subject: "))
	}
	return out
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts int
		want     time.Duration
	}{
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, time.Minute},
		{3, 2 * time.Minute},
		{7, 32 * time.Minute},
		{8, time.Hour}, // 64 min, capped
		{1000, time.Hour},
	}
	for _, tc := range tests {
		if got := Backoff(tc.attempts, DefaultRetryInitial, DefaultRetryMax); got != tc.want {
			t.Errorf("Backoff(%d) = %v, want %v", tc.attempts, got, tc.want)
		}
	}
}

// TestWorkerRelayDownThenUp: the relay refuses connections for an hour;
// nothing is lost, the backoff grows to its cap, and once the relay is up
// every notice arrives exactly once, in order.
func TestWorkerRelayDownThenUp(t *testing.T) {
	addr, release := testproc.ClosedAddr(t, "127.0.0.1")
	q := &memQueue{}
	start := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	ids := emailItems(q, 3, start)
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": &SMTP{Addr: addr}}}
	ctx := context.Background()

	now := start
	for ; now.Before(start.Add(time.Hour)); now = now.Add(30 * time.Second) {
		if n, err := w.Step(ctx, now); err != nil || n != 0 {
			t.Fatalf("Step at %v: sent %d, err %v", now, n, err)
		}
	}
	first := q.item(ids[0])
	if first.Attempts < 5 || !first.sent.IsZero() || !first.failed.IsZero() {
		t.Fatalf("first item after an hour down: %+v", first)
	}
	if d := first.next.Sub(now); d > time.Hour {
		t.Errorf("next attempt in %v, more than the 1 h cap", d)
	}
	if !strings.Contains(first.lastErr, "dial") {
		t.Errorf("last error %q does not say what failed", first.lastErr)
	}
	// Later items waited behind the first: no attempts of their own.
	for _, id := range ids[1:] {
		if it := q.item(id); it.Attempts != 0 || !it.sent.IsZero() {
			t.Errorf("item %d was tried while the relay was down: %+v", id, it)
		}
	}
	st := w.Stats()
	if st.Sent != 0 || st.Failed != 0 || st.Retries != uint64(first.Attempts) {
		t.Errorf("stats %+v, want %d retries", st, first.Attempts)
	}

	srv := newCaptureServer()
	release()
	srv.start(t, addr, nil)
	if n, err := w.Step(ctx, first.next); err != nil || n != 3 {
		t.Fatalf("Step after the relay came up: sent %d, err %v", n, err)
	}
	if got, want := subjects(srv.messages()), []string{"notice 1", "notice 2", "notice 3"}; !slices.Equal(got, want) {
		t.Errorf("relay received %q, want %q", got, want)
	}
	for _, id := range ids {
		if it := q.item(id); it.sent.IsZero() {
			t.Errorf("item %d not marked sent", id)
		}
	}
	// Nothing is sent twice.
	if n, err := w.Step(ctx, first.next.Add(24*time.Hour)); err != nil || n != 0 {
		t.Errorf("a later Step sent %d (err %v)", n, err)
	}
	if got := len(srv.messages()); got != 3 {
		t.Errorf("relay received %d messages, want 3", got)
	}
}

// TestWorkerTemporaryThenAccepted: a 451 at RCPT, then a 250.
func TestWorkerTemporaryThenAccepted(t *testing.T) {
	srv := newCaptureServer()
	srv.rcptErr = func(n int) error {
		if n == 1 {
			return smtpErr(451, [3]int{4, 3, 0}, "Temporary lookup failure")
		}
		return nil
	}
	addr := srv.start(t, "127.0.0.1:0", nil)
	q := &memQueue{}
	ids := emailItems(q, 1, t0)
	var results []Result
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": &SMTP{Addr: addr}},
		OnResult: func(sink string, r Result) { results = append(results, r) }}

	if n, _ := w.Step(context.Background(), t0); n != 0 {
		t.Fatalf("sent %d on a 451", n)
	}
	it := q.item(ids[0])
	if it.Attempts != 1 || !it.next.Equal(t0.Add(DefaultRetryInitial)) || !strings.Contains(it.lastErr, "451") || !strings.Contains(it.lastErr, "4.3.0") {
		t.Fatalf("after a 451: %+v", it)
	}
	// Not due before the backoff.
	if n, _ := w.Step(context.Background(), t0.Add(10*time.Second)); n != 0 {
		t.Fatalf("retried before the backoff")
	}
	if n, err := w.Step(context.Background(), t0.Add(DefaultRetryInitial)); n != 1 || err != nil {
		t.Fatalf("retry: sent %d, err %v", n, err)
	}
	if it := q.item(ids[0]); it.sent.IsZero() || it.Attempts != 2 {
		t.Errorf("after the retry: %+v", it)
	}
	if got := len(srv.messages()); got != 1 {
		t.Errorf("relay received %d messages, want 1", got)
	}
	if !slices.Equal(results, []Result{ResultRetry, ResultSent}) {
		t.Errorf("results %v", results)
	}
}

// TestWorkerPartlyDeferred: a relay that defers one recipient (4xx to its
// RCPT TO) and takes the others: the others get the notice once, the
// deferred one gets it at the retry, alone — before, the notice counted as
// delivered and the deferred recipient never got it. A recipient refused
// for good (5xx) is not tried again, and the lane is not held: the next
// notice goes out at once.
func TestWorkerPartlyDeferred(t *testing.T) {
	srv := newCaptureServer()
	var mu sync.Mutex
	deferred := map[int]bool{2: true} // the first message's second RCPT TO
	srv.rcptErr = func(n int) error {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case deferred[n]:
			return smtpErr(452, [3]int{4, 2, 2}, "Mailbox full")
		case n == 3:
			return smtpErr(550, [3]int{5, 1, 1}, "No such user")
		}
		return nil
	}
	addr := srv.start(t, "127.0.0.1:0", nil)
	q := &memQueue{}
	first := q.add(Item{Kind: "opened", IncidentID: "inc-1", Sink: "email",
		Recipients: []string{"a@example.net", "b@example.net", "c@example.net"},
		Payload:    []byte("Subject: notice 1\r\n\r\nbody 1\r\n"), CreatedAt: t0})
	second := q.add(Item{Kind: "cleared", IncidentID: "inc-1", Sink: "email",
		Recipients: []string{"a@example.net"},
		Payload:    []byte("Subject: notice 2\r\n\r\nbody 2\r\n"), CreatedAt: t0})
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": &SMTP{Addr: addr}}}

	if n, err := w.Step(context.Background(), t0); n != 1 || err != nil {
		t.Fatalf("first step: sent %d (%v), want the second notice", n, err)
	}
	it := q.item(first)
	if !it.sent.IsZero() || !slices.Equal(it.Recipients, []string{"b@example.net"}) || !it.next.Equal(t0.Add(DefaultRetryInitial)) || !strings.Contains(it.lastErr, "452") {
		t.Fatalf("after a 452 for b and a 550 for c: %+v", it)
	}
	if q.item(second).sent.IsZero() {
		t.Fatalf("the next notice was held behind a partial delivery")
	}
	if n, err := w.Step(context.Background(), t0.Add(DefaultRetryInitial)); n != 1 || err != nil {
		t.Fatalf("retry: sent %d, err %v", n, err)
	}
	if it := q.item(first); it.sent.IsZero() {
		t.Errorf("after the retry: %+v", it)
	}
	var got [][]string
	for _, m := range srv.messages() {
		got = append(got, m.To)
	}
	want := [][]string{{"a@example.net"}, {"a@example.net"}, {"b@example.net"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("the relay took the messages for %q, want %q", got, want)
	}
}

// TestWorkerPermanentFailure: a 550 marks the item failed at once and logs
// loudly; the next item is not held back.
func TestWorkerPermanentFailure(t *testing.T) {
	srv := newCaptureServer()
	srv.rcptErr = func(n int) error {
		if n == 1 {
			return smtpErr(550, [3]int{5, 1, 1}, "No such user")
		}
		return nil
	}
	addr := srv.start(t, "127.0.0.1:0", nil)
	q := &memQueue{}
	ids := emailItems(q, 2, t0)
	core, logs := observer.New(zapcore.InfoLevel)
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": &SMTP{Addr: addr}}, Log: zap.New(core)}
	if n, err := w.Step(context.Background(), t0); n != 1 || err != nil {
		t.Fatalf("sent %d, err %v; want the second item sent", n, err)
	}
	failed := q.item(ids[0])
	if failed.failed.IsZero() || !strings.Contains(failed.lastErr, "550") {
		t.Errorf("first item: %+v, want failed with the 550", failed)
	}
	if q.item(ids[1]).sent.IsZero() {
		t.Errorf("second item not sent")
	}
	lost := logs.FilterMessageSnippet("NOTICE LOST").All()
	if len(lost) != 1 || lost[0].Level != zapcore.ErrorLevel {
		t.Errorf("want one error log about the lost notice, got %v", lost)
	}
	if st := w.Stats(); st.Failed != 1 || st.Sent != 1 {
		t.Errorf("stats %+v", st)
	}
}

// TestWorkerGivesUpAfterDays: temporary failures are retried for GiveUp,
// then the item is failed.
func TestWorkerGivesUpAfterDays(t *testing.T) {
	q := &memQueue{}
	ids := emailItems(q, 1, t0)
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": &SMTP{Addr: closedAddr(t)}}}
	now := t0
	for i := 0; i < 1000 && q.item(ids[0]).failed.IsZero(); i++ {
		if _, err := w.Step(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		now = q.item(ids[0]).next
	}
	it := q.item(ids[0])
	if it.failed.IsZero() {
		t.Fatalf("never gave up: %+v", it)
	}
	if age := it.failed.Sub(t0); age < DefaultGiveUp || age > DefaultGiveUp+DefaultRetryMax {
		t.Errorf("gave up after %v, want about %v", age, DefaultGiveUp)
	}
}

// cancelAfter wraps a transport and cancels a context after n deliveries,
// as a shutdown in the middle of the outbox would.
type cancelAfter struct {
	Transport
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Deliver(ctx context.Context, it Item) error {
	err := c.Transport.Deliver(ctx, it)
	if c.n--; c.n == 0 {
		c.cancel()
	}
	return err
}

// TestWorkerRestartNoDuplicate: a worker stops in the middle of the outbox;
// a new worker over the same queue sends the rest, and nothing twice.
func TestWorkerRestartNoDuplicate(t *testing.T) {
	srv := newCaptureServer()
	addr := srv.start(t, "127.0.0.1:0", nil)
	q := &memQueue{}
	emailItems(q, 4, t0)
	sender := &SMTP{Addr: addr}

	ctx, cancel := context.WithCancel(context.Background())
	w1 := &Worker{Queue: q, Sinks: map[string]Transport{"email": &cancelAfter{Transport: sender, n: 2, cancel: cancel}}}
	n, err := w1.Step(ctx, t0)
	if n != 2 || !errors.Is(err, context.Canceled) {
		t.Fatalf("first worker: sent %d, err %v; want 2 and context.Canceled", n, err)
	}

	w2 := &Worker{Queue: q, Sinks: map[string]Transport{"email": sender}}
	if n, err := w2.Step(context.Background(), t0.Add(time.Second)); n != 2 || err != nil {
		t.Fatalf("second worker: sent %d, err %v; want 2", n, err)
	}
	if got, want := subjects(srv.messages()), []string{"notice 1", "notice 2", "notice 3", "notice 4"}; !slices.Equal(got, want) {
		t.Errorf("relay received %q, want %q", got, want)
	}
}

// TestWorkerMarkSentFails: the relay took the notice but the store write
// failed; the worker does not send it again, and marks it later.
func TestWorkerMarkSentFails(t *testing.T) {
	srv := newCaptureServer()
	addr := srv.start(t, "127.0.0.1:0", nil)
	q := &memQueue{failMarkSent: 1}
	ids := emailItems(q, 1, t0)
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": &SMTP{Addr: addr}}}
	if n, _ := w.Step(context.Background(), t0); n != 1 {
		t.Fatalf("sent %d", n)
	}
	if !q.item(ids[0]).sent.IsZero() {
		t.Fatalf("marked despite the failure")
	}
	if n, _ := w.Step(context.Background(), t0.Add(time.Minute)); n != 0 {
		t.Errorf("sent again")
	}
	if it := q.item(ids[0]); !it.sent.Equal(t0) {
		t.Errorf("not marked sent (at the delivery time) on the next step: %+v", it)
	}
	if got := len(srv.messages()); got != 1 {
		t.Errorf("relay received %d messages, want 1", got)
	}
}

// TestWorkerSinks: items go to their sink's transport; a lane without a
// transport retries, never loses; an item of a sink with no lane waits; a
// held lane does not hold the others.
func TestWorkerSinks(t *testing.T) {
	q := &memQueue{}
	a := q.add(Item{Sink: "email", Payload: []byte("a"), CreatedAt: t0})
	b := q.add(Item{Sink: "gone", Payload: []byte("b"), CreatedAt: t0})
	c := q.add(Item{Sink: "hook", Payload: []byte("c"), CreatedAt: t0})
	d := q.add(Item{Sink: "other", Payload: []byte("d"), CreatedAt: t0})
	e := q.add(Item{Sink: "hook", Payload: []byte("e"), CreatedAt: t0})
	var mu sync.Mutex
	var got []string
	record := transportFunc(func(ctx context.Context, it Item) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, it.Sink+":"+string(it.Payload))
		return nil
	})
	failing := transportFunc(func(ctx context.Context, it Item) error {
		return &SendError{Sink: "x", Op: "post", Temp: true, Message: "down"}
	})
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": failing, "hook": record, "gone": nil}}
	if n, err := w.Step(context.Background(), t0); n != 2 || err != nil {
		t.Fatalf("sent %d, err %v", n, err)
	}
	if !slices.Equal(got, []string{"hook:c", "hook:e"}) {
		t.Errorf("delivered %v", got)
	}
	if it := q.item(a); it.Attempts != 1 || !it.failed.IsZero() {
		t.Errorf("email item: %+v", it)
	}
	if it := q.item(b); it.Attempts != 1 || !it.failed.IsZero() || !strings.Contains(it.lastErr, `no transport for sink "gone"`) {
		t.Errorf("item of a lane without transport: %+v", it)
	}
	if q.item(c).sent.IsZero() || q.item(e).sent.IsZero() {
		t.Errorf("hook items not sent")
	}
	if it := q.item(d); it.Attempts != 0 || !it.sent.IsZero() || !it.failed.IsZero() {
		t.Errorf("item of a sink with no lane: %+v, want left alone", it)
	}
}

type transportFunc func(ctx context.Context, it Item) error

func (f transportFunc) Deliver(ctx context.Context, it Item) error { return f(ctx, it) }

// TestWorkerRun drives Run with a tick channel and waits on results.
func TestWorkerRun(t *testing.T) {
	q := &memQueue{}
	emailItems(q, 2, t0)
	delivered := make(chan string, 2)
	results := make(chan Result, 2)
	w := &Worker{
		Queue:    q,
		Sinks:    map[string]Transport{"email": transportFunc(func(ctx context.Context, it Item) error { delivered <- it.IncidentID; return nil })},
		OnResult: func(_ string, r Result) { results <- r },
	}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx, ticks)
	}()
	ticks <- t0
	if a, b := <-delivered, <-delivered; a != "inc-1" || b != "inc-2" {
		t.Errorf("delivered %s, %s", a, b)
	}
	<-results
	<-results
	cancel()
	<-done
	if st := w.Stats(); st.Sent != 2 {
		t.Errorf("stats %+v", st)
	}
}

// TestWorkerStopLetsADeliveryFinish: a stop while a peer is accepting a
// notice (an SMTP relay between the end of DATA and its reply) lets the
// attempt finish, and the notice counts as sent: cut at once, the attempt
// failed with "context canceled" though the peer had the notice, the item
// was released, and the next start (or the daemon's last step) sent it a
// second time.
func TestWorkerStopLetsADeliveryFinish(t *testing.T) {
	q := &memQueue{}
	ids := emailItems(q, 1, t0)
	started, release := make(chan struct{}), make(chan struct{})
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": transportFunc(func(ctx context.Context, it Item) error {
		close(started)
		<-release // the peer's reply
		// As the SMTP sender, whose connection the end of ctx closes:
		// a reply after that is never read.
		return ctx.Err()
	})}}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, ticks) }()
	ticks <- t0
	<-started
	cancel()
	close(release) // the peer answers after the stop
	<-done
	if it := q.item(ids[0]); it.sent.IsZero() {
		t.Fatalf("the notice the peer accepted is not marked sent (attempts %d, last error %q): it would go out again", it.Attempts, it.lastErr)
	}
	if st := w.Stats(); st.Sent != 1 {
		t.Errorf("stats %+v, want 1 sent", st)
	}
}

// TestWorkerStopCutsAHungDelivery: a peer that never answers holds a stop
// for StopGrace at most; the item is released, not counted as an attempt.
func TestWorkerStopCutsAHungDelivery(t *testing.T) {
	q := &memQueue{}
	ids := emailItems(q, 1, t0)
	started := make(chan struct{})
	w := &Worker{Queue: q, Sinks: map[string]Transport{"email": transportFunc(func(ctx context.Context, it Item) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})}}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, ticks) }()
	ticks <- t0
	<-started
	cancel()
	select {
	case <-done:
	case <-time.After(StopGrace + 20*time.Second): // a generous bound: never reached unless the grace is ignored
		t.Fatal("a hung delivery holds the stop")
	}
	if it := q.item(ids[0]); !it.sent.IsZero() || it.Attempts != 0 || it.lastErr != "interrupted by a stop" {
		t.Errorf("item after a cut delivery: %+v, want released with no attempt counted", it)
	}
}

// TestWorkerBackoffAfterHungAttempt: a webhook that holds an attempt for
// its whole 30 s timeout is asked again 30 s after the attempt ended, not
// at once (the backoff counted from the step that began it, which the hung
// attempt had used up: the next tick, at its end, retried). The clock is
// the test's: the attempt moves it.
func TestWorkerBackoffAfterHungAttempt(t *testing.T) {
	q := &memQueue{}
	id := q.add(Item{Sink: "webhook", Kind: "opened", CreatedAt: t0})
	clock := t0
	calls := 0
	w := &Worker{Queue: q, Now: func() time.Time { return clock }, Sinks: map[string]Transport{"webhook": transportFunc(func(ctx context.Context, it Item) error {
		calls++
		clock = clock.Add(30 * time.Second) // the peer never answered
		return &SendError{Sink: "webhook", Op: "post", Temp: true, Err: context.DeadlineExceeded}
	})}}
	for _, step := range []struct {
		at    time.Duration
		calls int
	}{
		{0, 1},
		{30 * time.Second, 1}, // the tick at the end of the hung attempt
		{59 * time.Second, 1},
		{60 * time.Second, 2}, // 30 s after the end
		{90 * time.Second, 2},
		{120 * time.Second, 2}, // the second backoff, 60 s, counts from 90 s
		{150 * time.Second, 3},
	} {
		clock = t0.Add(step.at)
		if _, err := w.Step(context.Background(), clock); err != nil {
			t.Fatal(err)
		}
		if calls != step.calls {
			t.Fatalf("at +%v: %d attempts, want %d (next due %v)", step.at, calls, step.calls, q.item(id).next.Sub(t0))
		}
	}
}

// TestWorkerStepDeadlineBoundsAttempts: a step with a deadline (the
// daemon's last one, bounded by its stop) gives its attempts that deadline,
// not AttemptTimeout plus StopGrace after it.
func TestWorkerStepDeadlineBoundsAttempts(t *testing.T) {
	q := &memQueue{}
	q.add(Item{Sink: "webhook", Kind: "opened", CreatedAt: t0})
	var got time.Time
	w := &Worker{Queue: q, Sinks: map[string]Transport{"webhook": transportFunc(func(ctx context.Context, it Item) error {
		got, _ = ctx.Deadline()
		return nil
	})}}
	deadline := time.Now().Add(time.Second)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if _, err := w.Step(ctx, t0); err != nil {
		t.Fatal(err)
	}
	if got.IsZero() || got.After(deadline) {
		t.Errorf("the attempt's deadline is %v, after the step's %v", got, deadline)
	}
}
