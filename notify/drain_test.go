package notify

import (
	"context"
	"testing"
	"time"
)

// TestWorkerRunDrainsBacklog: one tick sends every due item, even more than
// a batch (a burst of incidents, a backlog after a restart), in order; the
// rest does not wait for later ticks.
func TestWorkerRunDrainsBacklog(t *testing.T) {
	q := &memQueue{}
	emailItems(q, 7, t0)
	delivered := make(chan string, 7)
	w := &Worker{
		Queue: q,
		Sinks: map[string]Transport{"email": transportFunc(func(ctx context.Context, it Item) error { delivered <- it.IncidentID; return nil })},
		Batch: 3,
	}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx, ticks)
	}()
	defer func() { cancel(); <-done }()
	ticks <- t0
	for i := 1; i <= 7; i++ {
		select {
		case id := <-delivered:
			if want := "inc-" + string(rune('0'+i)); id != want {
				t.Errorf("delivery %d: %s, want %s", i, id, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("after one tick %d of 7 items went out (batch 3)", i-1)
		}
	}
}

// TestWorkerRunNoSpinWhileHeld: with the relay down, the items held behind
// a failed one end the lane's step: it waits for the next tick instead of
// spinning, and the next tick, before the backoff, tries nothing.
func TestWorkerRunNoSpinWhileHeld(t *testing.T) {
	q := &memQueue{}
	emailItems(q, 7, t0)
	attempts := make(chan string, 100)
	w := &Worker{
		Queue: q,
		Sinks: map[string]Transport{"email": transportFunc(func(ctx context.Context, it Item) error {
			attempts <- it.IncidentID
			return &SendError{Temp: true}
		})},
		Batch: 3,
	}
	for _, now := range []time.Time{t0, t0, t0.Add(time.Second)} {
		if n, err := w.Step(context.Background(), now); n != 0 || err != nil {
			t.Fatalf("Step: sent %d, err %v", n, err)
		}
	}
	close(attempts)
	var got []string
	for id := range attempts {
		got = append(got, id)
	}
	// The first step tries inc-1 (it fails, holding the lane); the later
	// ones find inc-1 not due yet and the others held.
	if len(got) != 1 || got[0] != "inc-1" {
		t.Errorf("attempts %q, want [inc-1]", got)
	}
}
