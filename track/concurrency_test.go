package track

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestConcurrentUse drives the store as the daemon does, from several
// goroutines at once: the pipeline commits batches (records, position,
// outbox items), the outbox worker sends what is due, the DNS self-check
// keeps its state in meta, and `rblwatch messages` reads. Run with -race.
func TestConcurrentUse(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const batches = 40
	errs := make(chan error, 16)
	var wg sync.WaitGroup
	pipelineDone := make(chan struct{})

	wg.Add(1)
	go func() { // pipeline
		defer wg.Done()
		defer close(pipelineDone)
		for n := 1; n <= batches; n++ {
			err := s.Tx(ctx, func(tx *Tx) error {
				qid := fmt.Sprintf("P%06d", n)
				at := sec(n)
				for _, r := range []*postfixlog.Record{client(at, qid), queued(at, qid, "s@o.test", 1),
					delivery(at, qid, "r@remote.test", "sent", "2.0.0", okSent), removed(at, qid)} {
					if err := tx.ApplyRecord(r); err != nil {
						return err
					}
				}
				if _, err := tx.Enqueue(item(fmt.Sprintf("batch/%d", n), at)); err != nil {
					return err
				}
				return tx.SavePosition("file", Position{Offset: int64(n)}, at)
			})
			if err != nil {
				errs <- fmt.Errorf("pipeline: %w", err)
				return
			}
		}
	}()

	sent := 0
	wg.Add(1)
	go func() { // outbox worker
		defer wg.Done()
		for {
			done := false
			select {
			case <-pipelineDone:
				done = true
			default:
			}
			items, err := s.Due(ctx, sec(batches+1), 5)
			if err != nil {
				errs <- fmt.Errorf("worker: %w", err)
				return
			}
			for _, it := range items {
				if err := s.MarkSent(ctx, it.ID, sec(batches+1)); err != nil {
					errs <- fmt.Errorf("worker: %w", err)
					return
				}
				sent++
			}
			// Once the pipeline has finished, one more empty pass ends the
			// loop: everything it queued is visible by then.
			if done && len(items) == 0 {
				return
			}
		}
	}()

	wg.Add(1)
	go func() { // DNS self-check: read-modify-write of meta
		defer wg.Done()
		for i := 0; i < batches; i++ {
			err := s.Tx(ctx, func(tx *Tx) error {
				v, _, err := tx.GetMeta("selfcheck/count")
				if err != nil {
					return err
				}
				n, _ := strconv.Atoi(v)
				return tx.SetMeta("selfcheck/count", strconv.Itoa(n+1))
			})
			if err != nil {
				errs <- fmt.Errorf("selfcheck: %w", err)
				return
			}
		}
	}()

	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() { // readers
			defer wg.Done()
			for {
				select {
				case <-pipelineDone:
					return
				default:
				}
				if _, err := s.Messages(ctx, MessageFilter{Limit: 10}); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
				if _, err := s.Pending(ctx); err != nil {
					errs <- fmt.Errorf("reader: %w", err)
					return
				}
			}
		}()
	}

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if sent != batches {
		t.Errorf("worker sent %d, want %d", sent, batches)
	}
	if n, err := s.Pending(ctx); err != nil || n != 0 {
		t.Errorf("Pending = %d, %v", n, err)
	}
	if v, _, err := s.GetMeta(ctx, "selfcheck/count"); err != nil || v != strconv.Itoa(batches) {
		t.Errorf("selfcheck/count = %q, %v; want %d (a lost update means writes were not serialised)", v, err, batches)
	}
	rows, err := s.Messages(ctx, MessageFilter{State: StateDelivered})
	if err != nil || len(rows) != batches {
		t.Errorf("%d delivered messages, %v; want %d", len(rows), err, batches)
	}
	if p, _, err := s.LoadPosition(ctx, "file"); err != nil || p.Offset != batches {
		t.Errorf("position %+v, %v", p, err)
	}
}

// TestTxHonoursContext: a cancelled context stops a transaction before it
// writes.
func TestTxHonoursContext(t *testing.T) {
	s := openTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Tx(ctx, func(tx *Tx) error { return tx.SetMeta("k", "v") })
	if err == nil {
		t.Fatal("Tx with a cancelled context succeeded")
	}
	if _, ok, _ := s.GetMeta(context.Background(), "k"); ok {
		t.Error("cancelled transaction wrote")
	}
	// The writer is still usable.
	mustTx(t, s, func(tx *Tx) error { return tx.SetMeta("k", "v") })
}
