package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/track"
)

// The milter's facts wait in a queue of this many messages for the store;
// when it is full (the disk stalls), facts are dropped and counted: mail
// never waits on the store. The writer wakes at the first message, lets
// more come for milterEvery, then writes all that queued in transactions
// of at most milterBatch messages: under load a transaction (and an
// fsync) per milterEvery rather than one per message, and no wake-up of
// the writer per message.
//
// milterEvery is 1 s (it was 200 ms): at Postfix's rates on a small host
// (500 messages a second) a transaction then holds ~500 messages instead
// of ~100, and the commit, its fsync and the runtime's monitor thread,
// which the writer's system calls wake, are paid once a second (bench/milter
// with Postfix: see bench/README.md, milter6). What it costs: facts wait up
// to a second in memory, so a crash loses at most that second's facts (the
// log still tells what became of those messages), and the queue must hold
// a second of mail (8192 messages).
const (
	milterQueue = 8192
	milterBatch = 512
	milterEvery = time.Second
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
			// Mail flows without the milter (default_action =
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
	stop    chan struct{} // closed by close: write what is queued, return
	done    chan struct{}
	every   time.Duration
	flush   func([]milter.Message) // write, or a test's recorder
	warned  atomic.Bool            // a drop was logged since the queue last drained
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
	w := &milterWriter{
		store: store, log: log,
		queue:   make(chan milter.Message, size),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		every:   milterEvery,
		stored:  counter("facts_stored_total", "Messages whose milter facts were written to the store."),
		dropped: counter("facts_dropped_total", "Milter facts dropped because the store could not keep up."),
		failed:  counter("facts_failed_total", "Milter facts the store refused or failed to write."),
	}
	w.flush = w.write
	return w
}

// Message queues m, or drops it when the queue is full. It never blocks,
// and wakes the writer only when the queue was empty.
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
	timer := time.NewTimer(w.every)
	timer.Stop()
	for {
		select {
		case m := <-w.queue:
			batch = append(batch[:0], m)
		case <-w.stop:
			w.drain(batch[:0])
			return
		}
		// Let the burst come in while asleep: a send to a buffered
		// channel nobody waits on wakes nobody.
		timer.Reset(w.every)
		stopping := false
		select {
		case <-timer.C:
		case <-w.stop:
			stopping = true
		}
		batch = w.drain(batch)
		if stopping {
			return
		}
		if len(w.queue) == 0 {
			w.warned.Store(false)
		}
	}
}

// drain writes batch and everything queued now, milterBatch at a time, and
// returns the emptied batch.
func (w *milterWriter) drain(batch []milter.Message) []milter.Message {
	for {
		for len(batch) < milterBatch {
			select {
			case m := <-w.queue:
				batch = append(batch, m)
				continue
			default:
			}
			break
		}
		if len(batch) == 0 {
			return batch
		}
		w.flush(batch)
		batch = batch[:0]
	}
}

// write stores a batch in one transaction. Facts the store refuses are
// skipped; a failing transaction loses its batch (the log still tells what
// became of the messages).
func (w *milterWriter) write(batch []milter.Message) {
	stored := 0
	// The milter's facts are not in the log: on the disk before they
	// count as stored (SyncTx).
	err := w.store.SyncTx(context.Background(), func(tx *track.Tx) error {
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
	close(w.stop)
	<-w.done
}
