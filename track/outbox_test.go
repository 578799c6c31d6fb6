package track

import (
	"bytes"
	"context"
	"errors"
	"strings"
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
