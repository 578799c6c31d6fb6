package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/track"
)

// The milter's facts wait in a queue of this many messages for the store;
// when it is full (the disk stalls), facts are dropped and counted: mail
// never waits on the store.
const (
	milterQueue = 4096
	milterBatch = 256
)

// startMilter serves the milter on cfg.Listen and stores the facts it
// reports (track.Tx.ApplyMilter), a batch per transaction, off the mail
// path. stop closes the milter, waits for its sessions and writes what is
// still queued. addr is where it listens.
func startMilter(cfg config.Milter, store *track.Store, reg prometheus.Registerer, log *zap.Logger) (addr net.Addr, stop func(), err error) {
	network, address := cfg.Network()
	if network == "" {
		return nil, nil, fmt.Errorf("daemon: milter.listen %q: want inet:HOST:PORT or unix:/PATH", cfg.Listen)
	}
	w := newMilterWriter(store, reg, log, milterQueue)
	srv, err := milter.New(milter.Options{Sink: w, Header: cfg.Header, Log: log, Metrics: milter.NewMetrics(reg)})
	if err != nil {
		return nil, nil, fmt.Errorf("daemon: %w", err)
	}
	ln, err := milter.Listen(network, address, milter.ListenOptions{AllowRemote: cfg.AllowRemote})
	if err != nil {
		return nil, nil, fmt.Errorf("daemon: milter: %w", err)
	}
	addr = ln.Addr()
	go w.run()
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil {
			// Mail flows without the milter (milter_default_action =
			// accept); only the facts are missing.
			log.Error("the milter stopped", zap.Error(err))
		}
	}()
	return addr, func() {
		if err := srv.Close(); err != nil {
			log.Warn("closing the milter", zap.Error(err))
		}
		<-served
		w.close()
	}, nil
}

// milterWriter is the milter's Sink: it queues facts and writes them to the
// store from its own goroutine.
type milterWriter struct {
	store   *track.Store
	log     *zap.Logger
	queue   chan milter.Message
	done    chan struct{}
	warned  atomic.Bool // a drop was logged since the queue last drained
	stored  prometheus.Counter
	dropped prometheus.Counter
	failed  prometheus.Counter
}

func newMilterWriter(store *track.Store, reg prometheus.Registerer, log *zap.Logger, size int) *milterWriter {
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "milter", Name: name, Help: help})
		if reg != nil {
			reg.MustRegister(c)
		}
		return c
	}
	return &milterWriter{
		store: store, log: log,
		queue:   make(chan milter.Message, size),
		done:    make(chan struct{}),
		stored:  counter("facts_stored_total", "Messages whose milter facts were written to the store."),
		dropped: counter("facts_dropped_total", "Milter facts dropped because the store could not keep up."),
		failed:  counter("facts_failed_total", "Milter facts the store refused or failed to write."),
	}
}

// Message queues m, or drops it when the queue is full. It never blocks.
func (w *milterWriter) Message(m milter.Message) {
	select {
	case w.queue <- m:
	default:
		w.dropped.Inc()
		if !w.warned.Swap(true) {
			w.log.Warn("the store is behind: dropping milter facts (rblwatch_milter_facts_dropped_total counts them)", zap.String("queue_id", m.QueueID))
		}
	}
}

func (w *milterWriter) run() {
	defer close(w.done)
	batch := make([]milter.Message, 0, milterBatch)
	for m := range w.queue {
		batch = append(batch[:0], m)
	more:
		for len(batch) < milterBatch {
			select {
			case m, ok := <-w.queue:
				if !ok {
					break more
				}
				batch = append(batch, m)
			default:
				break more
			}
		}
		w.write(batch)
		if len(w.queue) == 0 {
			w.warned.Store(false)
		}
	}
}

// write stores a batch in one transaction. Facts the store refuses are
// skipped; a failing transaction loses its batch (the log still tells what
// became of the messages).
func (w *milterWriter) write(batch []milter.Message) {
	stored := 0
	err := w.store.Tx(context.Background(), func(tx *track.Tx) error {
		stored = 0
		for i := range batch {
			if batch[i].QueueID == "" {
				continue // cannot be joined with the log
			}
			err := tx.ApplyMilter(&batch[i])
			switch {
			case errors.Is(err, track.ErrInvalid):
				w.failed.Inc()
				w.log.Warn("milter facts refused", zap.Error(err))
			case err != nil:
				return err
			default:
				stored++
			}
		}
		return nil
	})
	if err != nil {
		w.failed.Add(float64(len(batch)))
		w.log.Error("storing milter facts failed", zap.Int("messages", len(batch)), zap.Error(err))
		return
	}
	w.stored.Add(float64(stored))
}

// close writes what is queued and returns. The milter must be closed
// first: no Message call may follow.
func (w *milterWriter) close() {
	close(w.queue)
	<-w.done
}
