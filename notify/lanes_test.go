package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLanesHungWebhook: a webhook that accepts the request and never
// answers holds its own lane only. While it hangs, the email lane delivers
// every notice to a real SMTP server; the webhook attempt ends at the
// attempt timeout and is retried later, never lost.
func TestLanesHungWebhook(t *testing.T) {
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	var hooks atomic.Int32
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooks.Add(1)
		arrived <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	defer close(release)
	srv := newCaptureServer()
	addr := srv.start(t, "127.0.0.1:0", nil)

	q := &memQueue{}
	hook := q.add(Item{Sink: "webhook", Kind: "opened", Payload: []byte(`{}`), CreatedAt: t0})
	delivered := make(chan string, 10)
	w := &Worker{
		Queue: q,
		Sinks: map[string]Transport{
			"email":   &SMTP{Addr: addr},
			"webhook": &Webhook{URL: hung.URL},
		},
		// Long enough that the email lane finishes first by far; the
		// webhook lane ends its attempt here.
		AttemptTimeout: 3 * time.Second,
		OnResult:       func(sink string, r Result) { delivered <- sink + ":" + string(r) },
	}
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time, 1)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, ticks) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()
	ticks <- t0
	<-arrived // the webhook lane is stuck in its POST

	// Notices of other channels come in meanwhile: a single outbox would
	// send nothing until the webhook gives up.
	emailItems(q, 3, t0)
	ticks <- t0.Add(time.Second)
	for i := 0; i < 3; i++ {
		select {
		case r := <-delivered:
			if r != "email:sent" {
				t.Fatalf("result %q while the webhook hangs, want email:sent", r)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d of 3 emails delivered while the webhook hangs", i)
		}
	}
	if got := subjects(srv.messages()); strings.Join(got, ",") != "notice 1,notice 2,notice 3" {
		t.Errorf("relay got %q", got)
	}
	if hooks.Load() != 1 {
		t.Errorf("%d webhook requests, want 1", hooks.Load())
	}
	// The attempt timeout ends the hung POST: a retry, not a loss.
	select {
	case r := <-delivered:
		if r != "webhook:retry" {
			t.Errorf("webhook result %q, want webhook:retry", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the hung webhook attempt never ended")
	}
	cancel()
	<-done
	stopped = true
	if it := q.item(hook); it.Attempts != 1 || !it.sent.IsZero() || !it.failed.IsZero() || it.claimedBy != "" {
		t.Errorf("webhook item after the timeout: %+v", it)
	}
}

// TestLanesClaimOwner: a lane claims an item in its owner's name while it
// delivers it, and the mark ends the claim.
func TestLanesClaimOwner(t *testing.T) {
	q := &memQueue{}
	emailItems(q, 1, t0)
	var owner string
	w := &Worker{Queue: q, Owner: "mx1/42/abc", Sinks: map[string]Transport{"email": transportFunc(func(ctx context.Context, it Item) error {
		owner = q.item(1).claimedBy
		return nil
	})}}
	if n, err := w.Step(context.Background(), t0); n != 1 || err != nil {
		t.Fatalf("sent %d, err %v", n, err)
	}
	if owner != "mx1/42/abc" {
		t.Errorf("claimed by %q while delivering, want the worker's owner", owner)
	}
	if it := q.item(1); it.claimedBy != "" {
		t.Errorf("claim kept after the delivery: %+v", it)
	}
}
