package notify

import (
	"context"
	"fmt"
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
	Sink       string // names the Transport that delivers it: "email", "webhook", …
	Recipients []string
	Payload    []byte // the exact bytes to send
	CreatedAt  time.Time
	Attempts   int // failed tries so far
}

// Queue is what the Worker needs from the store.
type Queue interface {
	// Due returns up to limit items neither sent nor failed whose next
	// attempt is at or before now, in the order they were enqueued.
	Due(ctx context.Context, now time.Time, limit int) ([]Item, error)
	// MarkSent records a delivery; MarkFailed gives an item up for good.
	MarkSent(ctx context.Context, id int64, now time.Time) error
	MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error
	// MarkRetry records a failed try: attempts made so far, when to try
	// again and why it failed.
	MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, errText string) error
}

// Transport delivers one item. It returns nil only when the peer has taken
// responsibility for the notice (an SMTP relay's 2xx reply to the data, a
// 2xx HTTP status); an error says through Temporary whether to try again.
type Transport interface {
	Deliver(ctx context.Context, it Item) error
}

// Defaults of the Worker.
const (
	DefaultRetryInitial = 30 * time.Second
	DefaultRetryMax     = time.Hour
	DefaultGiveUp       = 5 * 24 * time.Hour
	DefaultBatch        = 50
	defaultMarkTimeout  = 10 * time.Second
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

// Worker drains the outbox: it delivers due items through their sink's
// Transport, marks them sent, retries temporary failures with exponential
// backoff (30 s doubling to 1 h, no jitter: there is one worker per host)
// for GiveUp, and marks permanent failures failed after logging them loudly.
//
// A notice is marked sent only after the peer accepted it, so a crash or
// restart never loses one. The price is a window between the peer's
// acceptance and the store's commit: a crash exactly there sends the
// notice again after the restart. The window is one local database write;
// if that write fails, the Worker remembers the item in memory, retries the
// write before anything else and never sends the item again while it runs.
//
// Items of one sink go out in the order they were enqueued: after a
// temporary failure, later items of the same sink wait until the failed one
// is due again (so a relay that was down delivers its backlog in order).
//
// Step is not safe for concurrent use; Stats is.
type Worker struct {
	Queue Queue
	Sinks map[string]Transport
	Log   *zap.Logger // nil: no logging

	RetryInitial time.Duration // DefaultRetryInitial when zero
	RetryMax     time.Duration // DefaultRetryMax when zero
	// GiveUp is how long temporary failures are retried, counted from the
	// item's creation; DefaultGiveUp when zero.
	GiveUp time.Duration
	Batch  int // items per Step; DefaultBatch when zero

	// OnResult, when set, is called after every attempt (for metrics).
	OnResult func(sink string, r Result)

	sent, retries, failed atomic.Uint64
	hold                  map[string]time.Time // sink → no delivery before
	unmarked              map[int64]time.Time  // delivered, MarkSent failed: id → delivery time
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

// batch is the most items one Step takes.
func (w *Worker) batch() int {
	if w.Batch <= 0 {
		return DefaultBatch
	}
	return w.Batch
}

// Run calls Step for every tick until ctx is done, and again at once after
// a Step that sent a whole batch. Errors are logged, not returned: the next
// tick tries again.
func (w *Worker) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticks:
			// A whole batch went out: more may be due (a burst of
			// incidents, a backlog after a restart), so step again at
			// once instead of at the next tick.
			for {
				n, err := w.Step(ctx, now)
				if err != nil && ctx.Err() == nil {
					w.log().Error("outbox step failed", zap.Error(err))
				}
				if err != nil || n < w.batch() {
					break
				}
			}
		}
	}
}

// Step delivers the items due at now, and returns how many it sent. It
// stops early, without counting an attempt, when ctx is cancelled.
func (w *Worker) Step(ctx context.Context, now time.Time) (int, error) {
	if w.hold == nil {
		w.hold = map[string]time.Time{}
		w.unmarked = map[int64]time.Time{}
	}
	w.retryMarks(ctx)
	items, err := w.Queue.Due(ctx, now, w.batch())
	if err != nil {
		return 0, fmt.Errorf("notify: reading the outbox: %w", err)
	}
	sent := 0
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		if _, ok := w.unmarked[it.ID]; ok {
			continue // delivered already; only the store does not know yet
		}
		if h, ok := w.hold[it.Sink]; ok && now.Before(h) {
			continue
		}
		if w.deliver(ctx, now, it) {
			sent++
		}
	}
	return sent, ctx.Err()
}

// deliver makes one attempt and records its outcome.
func (w *Worker) deliver(ctx context.Context, now time.Time, it Item) bool {
	log := w.log().With(zap.Int64("outbox_id", it.ID), zap.String("sink", it.Sink),
		zap.String("kind", it.Kind), zap.String("incident", it.IncidentID))
	var err error
	if t := w.Sinks[it.Sink]; t == nil {
		err = fmt.Errorf("notify: no transport for sink %q (is it still configured?)", it.Sink)
	} else {
		err = t.Deliver(ctx, it)
	}
	// The store is written even when ctx was cancelled meanwhile: a
	// delivered notice must be marked.
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultMarkTimeout)
	defer cancel()
	if err == nil {
		w.sent.Add(1)
		w.result(it.Sink, ResultSent)
		if merr := w.Queue.MarkSent(mctx, it.ID, now); merr != nil {
			w.unmarked[it.ID] = now
			log.Error("notice delivered but not marked sent; will mark it again", zap.Error(merr))
		} else {
			log.Info("notice delivered", zap.Int("attempts", it.Attempts+1))
		}
		return true
	}
	if ctx.Err() != nil {
		// Shutting down: this was no real attempt.
		return false
	}
	attempts := it.Attempts + 1
	giveUp := w.GiveUp
	if giveUp <= 0 {
		giveUp = DefaultGiveUp
	}
	if !Temporary(err) || (!it.CreatedAt.IsZero() && now.Sub(it.CreatedAt) >= giveUp) {
		w.failed.Add(1)
		w.result(it.Sink, ResultFailed)
		why := "permanent error"
		if Temporary(err) {
			why = "still failing after " + giveUp.String()
		}
		log.Error("NOTICE LOST: giving up delivery ("+why+"); the postmaster was not told",
			zap.Int("attempts", attempts), zap.Error(err))
		if merr := w.Queue.MarkFailed(mctx, it.ID, now, err.Error()); merr != nil {
			log.Error("cannot mark notice failed", zap.Error(merr))
		}
		return false
	}
	initial, maxDelay := w.RetryInitial, w.RetryMax
	if initial <= 0 {
		initial = DefaultRetryInitial
	}
	if maxDelay <= 0 {
		maxDelay = DefaultRetryMax
	}
	next := now.Add(Backoff(attempts, initial, maxDelay))
	w.hold[it.Sink] = next
	w.retries.Add(1)
	w.result(it.Sink, ResultRetry)
	log.Warn("notice delivery failed; will retry", zap.Int("attempts", attempts), zap.Time("next", next), zap.Error(err))
	if merr := w.Queue.MarkRetry(mctx, it.ID, attempts, next, err.Error()); merr != nil {
		log.Error("cannot record retry", zap.Error(merr))
	}
	return false
}

// retryMarks retries MarkSent for items delivered while the store failed.
func (w *Worker) retryMarks(ctx context.Context) {
	for id, at := range w.unmarked {
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), defaultMarkTimeout)
		err := w.Queue.MarkSent(mctx, id, at)
		cancel()
		if err == nil {
			delete(w.unmarked, id)
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
