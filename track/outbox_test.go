package track

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func item(key string, created time.Time) OutboxItem {
	return OutboxItem{
		DedupKey:   key,
		Kind:       "opened",
		IncidentID: "spamhaus/192.0.2.1/1",
		Sink:       "email",
		Recipients: []string{"postmaster@example.org", "ops@example.org"},
		Payload:    []byte("Subject: test\r\n\r\nbody \x00\xff bytes\r\n"),
		CreatedAt:  created,
	}
}

func enqueue(t *testing.T, s *Store, it OutboxItem) bool {
	t.Helper()
	var inserted bool
	mustTx(t, s, func(tx *Tx) error {
		var err error
		inserted, err = tx.Enqueue(it)
		return err
	})
	return inserted
}

func TestEnqueueDedup(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if !enqueue(t, s, item("incident/a/opened", t0)) {
		t.Fatal("first enqueue not inserted")
	}
	// Same key again, even with other contents: a no-op.
	other := item("incident/a/opened", t0.Add(time.Hour))
	other.Payload = []byte("different")
	if enqueue(t, s, other) {
		t.Error("second enqueue of the same key inserted")
	}
	// Twice in one transaction too.
	mustTx(t, s, func(tx *Tx) error {
		a, err := tx.Enqueue(item("incident/a/cleared", t0))
		if err != nil {
			return err
		}
		b, err := tx.Enqueue(item("incident/a/cleared", t0))
		if !a || b {
			t.Errorf("in one transaction: inserted %v then %v", a, b)
		}
		return err
	})
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	got, ok, err := s.OutboxItem(ctx, "incident/a/opened")
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := item("incident/a/opened", t0)
	if !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("payload %q, want the first one %q", got.Payload, want.Payload)
	}
	if strings.Join(got.Recipients, ",") != "postmaster@example.org,ops@example.org" || got.Sink != "email" ||
		got.Kind != "opened" || got.IncidentID != want.IncidentID || !got.CreatedAt.Equal(t0) || !got.NextAttempt.Equal(t0) {
		t.Errorf("stored item %+v", got)
	}
	// A sent item still blocks its key.
	if err := s.MarkSent(ctx, got.ID, t0); err != nil {
		t.Fatal(err)
	}
	if enqueue(t, s, item("incident/a/opened", t0)) {
		t.Error("enqueue after send inserted")
	}
}

func TestEnqueueInvalid(t *testing.T) {
	s := openTest(t)
	for name, it := range map[string]OutboxItem{
		"no key":     {Kind: "opened", Sink: "email", CreatedAt: t0},
		"no kind":    {DedupKey: "k", Sink: "email", CreatedAt: t0},
		"no sink":    {DedupKey: "k", Kind: "opened", CreatedAt: t0},
		"no created": {DedupKey: "k", Kind: "opened", Sink: "email"},
	} {
		err := s.Tx(context.Background(), func(tx *Tx) error { _, err := tx.Enqueue(it); return err })
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func dueKeys(t *testing.T, s *Store, now time.Time) []string {
	t.Helper()
	items, err := s.Due(context.Background(), now, 10)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range items {
		keys = append(keys, it.DedupKey)
	}
	return keys
}

func TestOutboxLifecycle(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := item("a", t0)
	b := item("b", t0.Add(time.Second))
	c := item("c", t0)
	c.NextAttempt = t0.Add(time.Hour) // scheduled for later
	for _, it := range []OutboxItem{a, b, c} {
		enqueue(t, s, it)
	}
	pending := func(want int) {
		t.Helper()
		n, err := s.Pending(ctx)
		if err != nil || n != want {
			t.Errorf("Pending = %d, %v; want %d", n, err, want)
		}
	}
	pending(3)
	if got := strings.Join(dueKeys(t, s, t0.Add(-time.Nanosecond)), ","); got != "" {
		t.Errorf("due before creation: %s", got)
	}
	if got := strings.Join(dueKeys(t, s, t0), ","); got != "a" {
		t.Errorf("due at t0: %s, want a", got)
	}
	if got := strings.Join(dueKeys(t, s, t0.Add(time.Second)), ","); got != "a,b" {
		t.Errorf("due at t0+1s: %s, want a,b", got)
	}
	if items, err := s.Due(ctx, t0.Add(time.Hour), 1); err != nil || len(items) != 1 || items[0].DedupKey != "a" {
		t.Errorf("Due with limit 1: %v, %v", items, err)
	}
	items, err := s.Due(ctx, t0.Add(time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	idA, idB := items[0].ID, items[1].ID

	// a fails once and is retried in a minute.
	if err := s.MarkRetry(ctx, idA, 1, t0.Add(time.Minute), "451 4.3.0 try later\r\nX-Injected: no"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(dueKeys(t, s, t0.Add(59*time.Second)), ","); got != "b" {
		t.Errorf("due during a's backoff: %s, want b", got)
	}
	// b is sent.
	if err := s.MarkSent(ctx, idB, t0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	pending(2)
	if got := strings.Join(dueKeys(t, s, t0.Add(time.Minute)), ","); got != "a" {
		t.Errorf("due after a's backoff: %s, want a", got)
	}
	got, _, _ := s.OutboxItem(ctx, "a")
	if got.Attempts != 1 || got.LastError != "451 4.3.0 try later\r\nX-Injected: no" || !got.NextAttempt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after retry: %+v", got)
	}
	// a fails for good.
	if err := s.MarkFailed(ctx, idA, t0.Add(time.Hour), "550 no such user"); err != nil {
		t.Fatal(err)
	}
	got, _, _ = s.OutboxItem(ctx, "a")
	if got.Attempts != 2 || !got.FailedAt.Equal(t0.Add(time.Hour)) || got.LastError != "550 no such user" || !got.SentAt.IsZero() {
		t.Errorf("after failure: %+v", got)
	}
	gotB, _, _ := s.OutboxItem(ctx, "b")
	if gotB.Attempts != 1 || !gotB.SentAt.Equal(t0.Add(2*time.Second)) {
		t.Errorf("after send: %+v", gotB)
	}
	// Marks on finished items change nothing.
	if err := s.MarkRetry(ctx, idB, 5, t0.Add(time.Hour), "late"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, idA, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := s.OutboxItem(ctx, "b"); again.Attempts != 1 || again.LastError != "" {
		t.Errorf("retry changed a sent item: %+v", again)
	}
	if again, _, _ := s.OutboxItem(ctx, "a"); !again.SentAt.IsZero() {
		t.Errorf("send changed a failed item: %+v", again)
	}
	pending(1) // c
	if got := strings.Join(dueKeys(t, s, t0.Add(time.Hour)), ","); got != "c" {
		t.Errorf("due at t0+1h: %s, want c", got)
	}
	if err := s.MarkSent(ctx, 999, t0); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkSent unknown id: %v, want ErrNotFound", err)
	}
	if err := s.MarkRetry(ctx, 999, 1, t0, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkRetry unknown id: %v, want ErrNotFound", err)
	}
	if err := s.MarkRetry(ctx, idA, 1, time.Time{}, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("MarkRetry without time: %v, want ErrInvalid", err)
	}
}

func TestMarkSentWithIncidentAtomically(t *testing.T) {
	// The daemon marks a notice sent and records it on the incident in one
	// transaction; a failure rolls back both.
	s := openTest(t)
	ctx := context.Background()
	enqueue(t, s, item("a", t0))
	items, _ := s.Due(ctx, t0, 1)
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx *Tx) error {
		if err := tx.MarkSent(items[0].ID, t0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n, _ := s.Pending(ctx); n != 1 {
		t.Errorf("Pending %d after a rolled-back send, want 1", n)
	}
}

func TestErrorTextClipped(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	enqueue(t, s, item("a", t0))
	items, _ := s.Due(ctx, t0, 1)
	long := strings.Repeat("é", 2000) // 4000 bytes
	if err := s.MarkRetry(ctx, items[0].ID, 1, t0, long+"\xff"); err != nil {
		t.Fatal(err)
	}
	got, _, _ := s.OutboxItem(ctx, "a")
	if len(got.LastError) > maxErrorText || len(got.LastError) < maxErrorText-1 || !strings.HasPrefix(long, got.LastError) {
		t.Errorf("error text of %d bytes, want a prefix of at most %d", len(got.LastError), maxErrorText)
	}
}

// claimKey claims the next item of sink and returns its key ("" for none).
func claimKey(t *testing.T, s *Store, sink string, now time.Time, owner string) string {
	t.Helper()
	it, ok, err := s.Claim(context.Background(), sink, now, owner, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return ""
	}
	if it.ClaimedBy != owner || !it.ClaimedUntil.Equal(now.Add(time.Minute)) {
		t.Errorf("claimed item %s: by %q until %v", it.DedupKey, it.ClaimedBy, it.ClaimedUntil)
	}
	return it.DedupKey
}

// TestClaim: a lane claims the oldest due item of its own sink; a claimed
// item is nobody else's until its lease runs out or a mark ends the claim.
func TestClaim(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mk := func(key, sink string, created time.Time) OutboxItem {
		it := item(key, created)
		it.Sink = sink
		return it
	}
	enqueue(t, s, mk("e1", "email", t0))
	enqueue(t, s, mk("w1", "webhook", t0))
	enqueue(t, s, mk("e2", "email", t0))
	enqueue(t, s, mk("e3", "email", t0.Add(time.Hour))) // not due yet
	given := mk("e0", "email", t0)
	given.FailedAt, given.LastError = t0, "compose: bad"
	enqueue(t, s, given) // given up from the start: never claimed

	if got := claimKey(t, s, "email", t0, "a"); got != "e1" {
		t.Fatalf("first claim %q, want e1", got)
	}
	if got := claimKey(t, s, "email", t0, "b"); got != "e2" {
		t.Errorf("second claim %q, want e2 (e1 is claimed)", got)
	}
	if got := claimKey(t, s, "email", t0, "b"); got != "" {
		t.Errorf("third claim %q, want none (e3 not due, e0 given up)", got)
	}
	if got := claimKey(t, s, "webhook", t0, "c"); got != "w1" {
		t.Errorf("webhook claim %q, want w1", got)
	}
	// a's lease runs out: e1 is free again.
	if got := claimKey(t, s, "email", t0.Add(time.Minute), "b"); got != "e1" {
		t.Errorf("claim after the lease %q, want e1", got)
	}
	// A retry ends the claim; the item is due again at its next attempt.
	e1, _, _ := s.OutboxItem(ctx, "e1")
	if err := s.MarkRetry(ctx, e1.ID, 1, t0.Add(2*time.Minute), "down"); err != nil {
		t.Fatal(err)
	}
	if e1, _, _ = s.OutboxItem(ctx, "e1"); e1.ClaimedBy != "" || !e1.ClaimedUntil.IsZero() {
		t.Errorf("after MarkRetry: claimed by %q until %v", e1.ClaimedBy, e1.ClaimedUntil)
	}
	if got := claimKey(t, s, "email", t0.Add(2*time.Minute), "a"); got != "e1" {
		t.Errorf("claim at the retry time %q, want e1", got)
	}
	if err := s.MarkSent(ctx, e1.ID, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Later: b's lease on e2 ran out long ago; e1 is sent.
	for _, want := range []string{"e2", "e3", ""} {
		if got := claimKey(t, s, "email", t0.Add(3*time.Hour), "a"); got != want {
			t.Errorf("claim later %q, want %q", got, want)
		}
	}
	if _, _, err := s.Claim(ctx, "email", t0, "", time.Minute); !errors.Is(err, ErrInvalid) {
		t.Errorf("claim without owner: %v", err)
	}
}

// TestReleaseClaims: the claims of a sender that ended are released, those
// of live senders kept.
func TestReleaseClaims(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	enqueue(t, s, item("a", t0))
	enqueue(t, s, item("b", t0))
	claimKey(t, s, "email", t0, "dead")
	claimKey(t, s, "email", t0, "alive")
	n, err := s.ReleaseClaims(ctx, func(owner string) bool { return owner == "alive" })
	if err != nil || n != 1 {
		t.Fatalf("released %d (%v), want 1", n, err)
	}
	if got := claimKey(t, s, "email", t0, "new"); got != "a" {
		t.Errorf("claim after the release %q, want a", got)
	}
	if got := claimKey(t, s, "email", t0, "new"); got != "" {
		t.Errorf("claim %q, want none: b is still alive's", got)
	}
}

// TestClaimAcrossStores: two stores on one file (as two daemons sharing a
// state would have) claim from many goroutines at once; every item is
// claimed exactly once.
func TestClaimAcrossStores(t *testing.T) {
	a := openTest(t)
	b, err := Open(a.Path(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const items = 200
	mustTx(t, a, func(tx *Tx) error {
		for i := range items {
			if _, err := tx.Enqueue(item(fmt.Sprintf("k%03d", i), t0)); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		st := a
		if w%2 == 1 {
			st = b
		}
		owner := fmt.Sprintf("w%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, ok, err := st.Claim(context.Background(), "email", t0, owner, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				if prev, dup := claimed[it.DedupKey]; dup {
					errs <- fmt.Errorf("%s claimed by %s and %s", it.DedupKey, prev, owner)
				}
				claimed[it.DedupKey] = owner
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(claimed) != items {
		t.Errorf("%d items claimed, want %d", len(claimed), items)
	}
}

// TestMarkPartial: a delivery that reached some recipients keeps the item,
// its claim ended, for the recipients still to be told, due again at its
// next attempt.
func TestMarkPartial(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	it := item("p1", t0)
	it.Recipients = []string{"a@example.net", "b@example.net", "c@example.net"}
	enqueue(t, s, it)
	if got := claimKey(t, s, "email", t0, "a"); got != "p1" {
		t.Fatalf("claim %q, want p1", got)
	}
	p1, _, _ := s.OutboxItem(ctx, "p1")
	if err := s.MarkPartial(ctx, p1.ID, 1, t0.Add(time.Minute), []string{"b@example.net"}, "452 4.2.2 mailbox full"); err != nil {
		t.Fatal(err)
	}
	p1, _, _ = s.OutboxItem(ctx, "p1")
	if !slices.Equal(p1.Recipients, []string{"b@example.net"}) || p1.Attempts != 1 || p1.ClaimedBy != "" || !p1.SentAt.IsZero() || !p1.NextAttempt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after MarkPartial: %+v", p1)
	}
	if got := claimKey(t, s, "email", t0.Add(time.Minute), "a"); got != "p1" {
		t.Errorf("claim at the retry time %q, want p1", got)
	}
	if err := s.MarkPartial(ctx, p1.ID, 2, time.Time{}, []string{"b@example.net"}, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("MarkPartial without a time: %v, want ErrInvalid", err)
	}
	if err := s.MarkPartial(ctx, p1.ID, 2, t0.Add(time.Hour), nil, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("MarkPartial without a recipient: %v, want ErrInvalid", err)
	}
}
