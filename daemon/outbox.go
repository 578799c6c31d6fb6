package daemon

import (
	"context"
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
		Sinks: s.d.Sinks,
		Log:   s.log.Named("outbox"),
		OnResult: func(sink string, r notify.Result) {
			m.notices.WithLabelValues(sink, string(r)).Inc()
		},
	}
}
