package notify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// Item is one outbox entry, as the store keeps it (track.OutboxItem has the
// same fields; the daemon converts).
type Item struct {
	ID         int64
	Kind       string // "opened", "digest", …: for logs
	IncidentID string // for logs
	Sink       string // names the Transport that delivers it: "email", "webhook", "alertmanager"
	Recipients []string
	Payload    []byte // the exact bytes to send
	CreatedAt  time.Time
	Attempts   int // failed tries so far
}

// Queue is what the Worker needs from the store.
type Queue interface {
	// Claim takes the oldest item of sink that is neither sent nor failed,
	// due at now and claimed by nobody (or by a claim whose lease ran
	// out), and records owner as its sender until now+lease; false when
	// there is none. Two callers, even in two processes, never get the same
	// item while a claim lasts.
	Claim(ctx context.Context, sink string, now time.Time, owner string, lease time.Duration) (Item, bool, error)
	// MarkSent records a delivery; MarkFailed gives an item up for good.
	// Both end the claim.
	MarkSent(ctx context.Context, id int64, now time.Time) error
	MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error
	// MarkRetry records a failed try: attempts made so far, when to try
	// again and why it failed. It ends the claim.
	MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, errText string) error
	// MarkPartial records a delivery that reached some recipients while
	// the peer deferred the others: the item keeps only these (rcpts),
	// to be tried again at next, as MarkRetry. It ends the claim.
	MarkPartial(ctx context.Context, id int64, attempts int, next time.Time, rcpts []string, errText string) error
}

// Transport delivers one item. It returns nil only when the peer has taken
// responsibility for the notice (an SMTP relay's 2xx reply to the data, a
// 2xx HTTP status), or a *PartialError when it took it for some recipients
// only (the item is delivered, the refused recipients logged); any other
// error says through Temporary whether to try again.
type Transport interface {
	Deliver(ctx context.Context, it Item) error
}

// A Refresher is a Transport that also has something to repeat on its lane
// while no item is being delivered: Alertmanager's firing alerts are
// re-posted so that they do not resolve by themselves. Refresh is called
// from the lane's goroutine (never at the same time as Deliver) when the
// time it last returned has come; it returns when to be called next.
type Refresher interface {
	Refresh(ctx context.Context, now time.Time) (next time.Time)
}

// Defaults of the Worker.
const (
	DefaultRetryInitial = 30 * time.Second
	DefaultRetryMax     = time.Hour
	DefaultGiveUp       = 5 * 24 * time.Hour
	DefaultBatch        = 50
	// DefaultAttemptTimeout bounds one delivery attempt, whatever the
	// transport's own timeout: a peer that accepts the connection and
	// never answers holds its lane for this long at most.
	DefaultAttemptTimeout = 2 * time.Minute
	defaultMarkTimeout    = 10 * time.Second
	// StopGrace is how long a delivery already under way when the worker
	// stops may go on: cut at once, a notice the peer was accepting (an
	// SMTP relay between the end of DATA and its reply) would count as
	// not sent, and go out again from the next start or the daemon's
	// last step.
	StopGrace = 5 * time.Second
	// leaseMargin is how much longer than an attempt a claim lasts.
	leaseMargin = time.Minute
)

// Result of one delivery attempt, for metrics.
type Result string

const (
	ResultSent   Result = "sent"
	ResultRetry  Result = "retry"  // temporary failure, will try again
	ResultFailed Result = "failed" // given up: permanent failure or too old
)

// Stats are the Worker's counters since it was made.
type Stats struct {
	Sent    uint64
	Retries uint64
	Failed  uint64
}

// Worker drains the outbox in lanes: one lane per sink (channel) of Sinks,
// each with its own goroutine in Run, its own order, backoff and failures.
// A broken, slow or hung peer on one channel never delays another's
// notices: an email lane waiting on a relay that is down does not hold the
// webhook, and a webhook that accepts connections and never answers holds
// only its own lane, for AttemptTimeout at most per attempt.
//
// A lane claims its items one at a time (Queue.Claim), delivers each through
// its Transport, marks it sent, retries temporary failures with exponential
// backoff (30 s doubling to 1 h, no jitter: there is one sender per host)
// for GiveUp, and marks permanent failures failed after logging them loudly.
//
// A notice is marked sent only after the peer accepted it, so a crash or
// restart never loses one. The price is a window between the peer's
// acceptance and the store's commit: a crash exactly there sends the
// notice again after the restart. The window is one local database write;
// if that write fails, the lane remembers the item in memory, retries the
// write before anything else and never sends the item again while it runs.
//
// Items of one lane go out in the order they were enqueued: after a
// temporary failure, later items of the same lane wait until the failed one
// is due again (so a relay that was down delivers its backlog in order).
//
// Run and Step must not be called at the same time; Stats is safe for
// concurrent use.
type Worker struct {
	Queue Queue
	// Sinks are the lanes: sink name → transport. Items of a sink not
	// named here stay in the outbox.
	Sinks map[string]Transport
	Log   *zap.Logger // nil: no logging

	RetryInitial time.Duration // DefaultRetryInitial when zero
	RetryMax     time.Duration // DefaultRetryMax when zero
	// GiveUp is how long temporary failures are retried, counted from the
	// item's creation; DefaultGiveUp when zero.
	GiveUp time.Duration
	Batch  int // items a lane takes before it looks at the clock again; DefaultBatch when zero
	// AttemptTimeout bounds one delivery; DefaultAttemptTimeout when zero.
	// Claims last a minute longer.
	AttemptTimeout time.Duration
	// Owner names this sender in the claims it makes ("host/pid/…"); the
	// same owner must not run twice at once. "rblwatch" when empty.
	Owner string

	// OnResult, when set, is called after every attempt (for metrics),
	// from the lanes' goroutines.
	OnResult func(sink string, r Result)
	// Now, when set, is the clock read when an attempt ends: a retry is
	// due its backoff after the attempt ended, not after the step that
	// made it began (a peer that hung for the whole attempt would
	// otherwise be asked again at once). Nil: the step's time.
	Now func() time.Time

	sent, retries, failed atomic.Uint64
	once                  sync.Once
	lanes                 []*lane
}

// lane is the state of one sink's sender.
type lane struct {
	w        *Worker
	sink     string
	t        Transport
	hold     time.Time           // no delivery before
	unmarked map[int64]time.Time // delivered, MarkSent failed: id → delivery time
	refresh  time.Time           // when to call Refresh next (zero: at once)
	wake     chan time.Time      // Run: the newest tick
}

// Stats returns the counters.
func (w *Worker) Stats() Stats {
	return Stats{Sent: w.sent.Load(), Retries: w.retries.Load(), Failed: w.failed.Load()}
}

// Backoff returns the delay before the next try after attempts failed
// tries: initial, doubling, capped at max.
func Backoff(attempts int, initial, max time.Duration) time.Duration {
	d := initial
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

// batch is the most items one lane step takes.
func (w *Worker) batch() int {
	if w.Batch <= 0 {
		return DefaultBatch
	}
	return w.Batch
}

func (w *Worker) giveUp() time.Duration {
	if w.GiveUp <= 0 {
		return DefaultGiveUp
	}
	return w.GiveUp
}

func (w *Worker) retryInitial() time.Duration {
	if w.RetryInitial <= 0 {
		return DefaultRetryInitial
	}
	return w.RetryInitial
}

func (w *Worker) retryMax() time.Duration {
	if w.RetryMax <= 0 {
		return DefaultRetryMax
	}
	return w.RetryMax
}

// tooOld says whether it was made GiveUp or longer before now: no
// further try (an item with no creation time is never too old).
func (w *Worker) tooOld(it Item, now time.Time) bool {
	return !it.CreatedAt.IsZero() && now.Sub(it.CreatedAt) >= w.giveUp()
}

// nextTry is when to try again after attempts failed tries, the last of
// which ended at end.
func (w *Worker) nextTry(end time.Time, attempts int) time.Time {
	return end.Add(Backoff(attempts, w.retryInitial(), w.retryMax()))
}

func (w *Worker) attemptTimeout() time.Duration {
	if w.AttemptTimeout <= 0 {
		return DefaultAttemptTimeout
	}
	return w.AttemptTimeout
}

func (w *Worker) owner() string {
	if w.Owner == "" {
		return "rblwatch"
	}
	return w.Owner
}

// setup makes the lanes, in the order of their names.
func (w *Worker) setup() {
	w.once.Do(func() {
		for _, name := range slices.Sorted(maps.Keys(w.Sinks)) {
			w.lanes = append(w.lanes, &lane{w: w, sink: name, t: w.Sinks[name],
				unmarked: map[int64]time.Time{}, wake: make(chan time.Time, 1)})
		}
	})
}

// Run serves every lane until ctx is done: each tick is handed to every
// lane (a lane that is still busy gets the newest tick when it is done),
// and a lane that sent a whole batch steps again at once. Errors are
// logged, not returned: the next tick tries again.
func (w *Worker) Run(ctx context.Context, ticks <-chan time.Time) {
	w.setup()
	var wg sync.WaitGroup
	for _, l := range w.lanes {
		wg.Add(1)
		go func() { defer wg.Done(); l.run(ctx) }()
	}
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticks:
			for _, l := range w.lanes {
				// Replace a tick the lane has not taken yet: a busy
				// lane's next step uses the newest time.
				select {
				case <-l.wake:
				default:
				}
				l.wake <- now
			}
		}
	}
}

func (l *lane) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-l.wake:
			// A whole batch went out: more may be due (a burst of
			// incidents, a backlog after a restart), so step again at
			// once instead of at the next tick.
			for {
				n, err := l.step(ctx, now)
				if err != nil && ctx.Err() == nil {
					l.w.log().Error("outbox step failed", zap.String("sink", l.sink), zap.Error(err))
				}
				if err != nil || n < l.w.batch() {
					break
				}
			}
		}
	}
}

// Step runs every lane once at now, side by side, and returns how many items
// they sent. It stops early, without counting an attempt, when ctx is
// cancelled.
func (w *Worker) Step(ctx context.Context, now time.Time) (int, error) {
	w.setup()
	var wg sync.WaitGroup
	sent := make([]int, len(w.lanes))
	errs := make([]error, len(w.lanes))
	for i, l := range w.lanes {
		wg.Add(1)
		go func() { defer wg.Done(); sent[i], errs[i] = l.step(ctx, now) }()
	}
	wg.Wait()
	total := 0
	for i := range sent {
		total += sent[i]
	}
	for _, err := range errs {
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// step delivers up to a batch of the lane's items due at now, and returns
// how many it sent.
func (l *lane) step(ctx context.Context, now time.Time) (int, error) {
	w := l.w
	l.retryMarks(ctx)
	if r, ok := l.t.(Refresher); ok && !now.Before(l.refresh) && ctx.Err() == nil {
		l.refresh = r.Refresh(ctx, now)
	}
	lease := w.attemptTimeout() + leaseMargin
	sent := 0
	for taken := 0; taken < w.batch(); taken++ {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		if now.Before(l.hold) {
			break
		}
		it, ok, err := w.Queue.Claim(ctx, l.sink, now, w.owner(), lease)
		if err != nil {
			return sent, fmt.Errorf("notify: reading the %s outbox: %w", l.sink, err)
		}
		if !ok {
			break
		}
		if _, done := l.unmarked[it.ID]; done {
			continue // delivered already; only the store does not know yet
		}
		if l.deliver(ctx, now, it) {
			sent++
		}
	}
	return sent, ctx.Err()
}

// deliver makes one attempt and records its outcome.
func (l *lane) deliver(ctx context.Context, now time.Time, it Item) bool {
	w := l.w
	log := w.log().With(zap.Int64("outbox_id", it.ID), zap.String("sink", it.Sink),
		zap.String("kind", it.Kind), zap.String("incident", it.IncidentID))
	var err error
	if l.t == nil {
		err = &SendError{Sink: l.sink, Op: "config", Temp: true, Err: fmt.Errorf("notify: no transport for sink %q (is it still configured?)", l.sink)}
	} else {
		// A stop (ctx cancelled) cuts the attempt only after StopGrace; a
		// step with a deadline (the daemon's last, bounded by its stop)
		// cuts it at the deadline.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.attemptTimeout())
		if d, ok := ctx.Deadline(); ok {
			var cancelAttempt context.CancelFunc
			actx, cancelAttempt = context.WithDeadline(actx, d)
			defer cancelAttempt()
		}
		stopped := context.AfterFunc(ctx, func() { time.AfterFunc(StopGrace, cancel) })
		err = l.t.Deliver(actx, it)
		stopped()
		cancel()
	}
	// Backoff counts from the end of the attempt.
	end := now
	if w.Now != nil {
		if t := w.Now(); t.After(end) {
			end = t
		}
	}
	// The store is written even when ctx was cancelled meanwhile: a
	// delivered notice must be marked, a claimed one released.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultMarkTimeout)
	defer cancel()
	partial, ok := delivered(err)
	if deferred := partial.deferred(); ok && len(deferred) > 0 && !w.tooOld(it, now) {
		// Delivered to the others: the deferred recipients get the same
		// email at a retry, alone. The lane is not held: the next notices
		// go out meanwhile.
		attempts := it.Attempts + 1
		next := w.nextTry(end, attempts)
		w.retries.Add(1)
		w.result(it.Sink, ResultRetry)
		log.Warn("notice delivered to some recipients; the relay deferred the others: tried again for them",
			zap.Strings("deferred", deferred), zap.Time("next", next), zap.String("refused", partial.Error()))
		if merr := w.Queue.MarkPartial(mctx, it.ID, attempts, next, deferred, partial.Error()); merr != nil {
			// The deferred recipients are not told; the others never get
			// it twice.
			log.Error("cannot record the recipients still to tell; the notice counts as delivered", zap.Error(merr))
			if merr := w.Queue.MarkSent(mctx, it.ID, now); merr != nil {
				l.unmarked[it.ID] = now
			}
		}
		return false // not done
	}
	if ok {
		if partial != nil {
			log.Error("notice refused by the relay for some recipients: they were not told (the others were)",
				zap.String("refused", partial.Error()))
		}
		w.sent.Add(1)
		w.result(it.Sink, ResultSent)
		if merr := w.Queue.MarkSent(mctx, it.ID, now); merr != nil {
			l.unmarked[it.ID] = now
			log.Error("notice delivered but not marked sent; will mark it again", zap.Error(merr))
		} else {
			log.Info("notice delivered", zap.Int("attempts", it.Attempts+1))
		}
		return true
	}
	if ctx.Err() != nil {
		// Shutting down: this was no real attempt. Release the claim so
		// that the next start takes the item at once.
		if merr := w.Queue.MarkRetry(mctx, it.ID, it.Attempts, now, "interrupted by a stop"); merr != nil {
			log.Warn("cannot release an interrupted notice", zap.Error(merr))
		}
		return false
	}
	attempts := it.Attempts + 1
	if !Temporary(err) || w.tooOld(it, now) {
		w.failed.Add(1)
		w.result(it.Sink, ResultFailed)
		why := "permanent error"
		if Temporary(err) {
			why = "still failing after " + w.giveUp().String()
		}
		log.Error("NOTICE LOST: giving up delivery ("+why+"); the postmaster was not told",
			zap.Int("attempts", attempts), zap.Error(err))
		if merr := w.Queue.MarkFailed(mctx, it.ID, now, err.Error()); merr != nil {
			log.Error("cannot mark notice failed", zap.Error(merr))
		}
		return false
	}
	next := w.nextTry(end, attempts)
	l.hold = next
	w.retries.Add(1)
	w.result(it.Sink, ResultRetry)
	log.Warn("notice delivery failed; will retry", zap.Int("attempts", attempts), zap.Time("next", next), zap.Error(err))
	if merr := w.Queue.MarkRetry(mctx, it.ID, attempts, next, err.Error()); merr != nil {
		log.Error("cannot record retry", zap.Error(merr))
	}
	return false
}

// retryMarks retries MarkSent for items delivered while the store failed.
func (l *lane) retryMarks(ctx context.Context) {
	for id, at := range l.unmarked {
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultMarkTimeout)
		err := l.w.Queue.MarkSent(mctx, id, at)
		cancel()
		if err == nil {
			delete(l.unmarked, id)
		}
	}
}

func (w *Worker) result(sink string, r Result) {
	if w.OnResult != nil {
		w.OnResult(sink, r)
	}
}

func (w *Worker) log() *zap.Logger {
	if w.Log == nil {
		return zap.NewNop()
	}
	return w.Log
}
