package daemon

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// queue adapts the store's outbox to notify.Queue.
type queue struct{ s *track.Store }

func (q queue) Due(ctx context.Context, now time.Time, limit int) ([]notify.Item, error) {
	due, err := q.s.Due(ctx, now, limit)
	if err != nil {
		return nil, err
	}
	items := make([]notify.Item, len(due))
	for i, it := range due {
		items[i] = notify.Item{
			ID: it.ID, Kind: it.Kind, IncidentID: it.IncidentID, Sink: it.Sink,
			Recipients: it.Recipients, Payload: it.Payload, CreatedAt: it.CreatedAt, Attempts: it.Attempts,
		}
	}
	return items, nil
}

func (q queue) MarkSent(ctx context.Context, id int64, now time.Time) error {
	return q.s.MarkSent(ctx, id, now)
}

func (q queue) MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error {
	return q.s.MarkFailed(ctx, id, now, errText)
}

func (q queue) MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, errText string) error {
	return q.s.MarkRetry(ctx, id, attempts, next, errText)
}

// newWorker returns the outbox worker over the store.
func (s *service) newWorker() *notify.Worker {
	m := s.d.Metrics
	return &notify.Worker{
		Queue: queue{s.d.Store},
		Sinks: s.switches(),
		Log:   s.log.Named("outbox"),
		OnResult: func(sink string, r notify.Result) {
			m.notices.WithLabelValues(sink, string(r)).Inc()
		},
	}
}

// sinkSwitch delivers through the transport configured now: the worker holds
// the switch, a configuration reload changes what is behind it.
type sinkSwitch struct {
	name string
	cur  atomic.Pointer[transportBox]
}

type transportBox struct{ t notify.Transport }

func (w *sinkSwitch) Deliver(ctx context.Context, it notify.Item) error {
	b := w.cur.Load()
	if b == nil || b.t == nil {
		return &notify.SendError{Sink: w.name, Temp: true, Err: fmt.Errorf("daemon: no %s sink is configured", w.name)}
	}
	return b.t.Deliver(ctx, it)
}

// switches returns the worker's sinks: one switch per sink name, set to the
// transports of Deps.Sinks.
func (s *service) switches() map[string]notify.Transport {
	s.sinkSwitches = map[string]*sinkSwitch{}
	out := map[string]notify.Transport{}
	for _, name := range []string{SinkEmail, SinkWebhook} {
		w := &sinkSwitch{name: name}
		s.sinkSwitches[name] = w
		out[name] = w
	}
	s.setSinks(s.d.Sinks)
	return out
}

// setSinks puts new transports behind the switches.
func (s *service) setSinks(sinks map[string]notify.Transport) {
	for name, w := range s.sinkSwitches {
		w.cur.Store(&transportBox{sinks[name]})
	}
}

// hasSink reports whether a transport is configured for the sink.
func (s *service) hasSink(name string) bool {
	if w := s.sinkSwitches[name]; w != nil {
		b := w.cur.Load()
		return b != nil && b.t != nil
	}
	return s.d.Sinks[name] != nil
}
