package track

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// OutboxItem is a notification waiting to be sent (or sent, or given up).
type OutboxItem struct {
	ID int64 // assigned by Enqueue
	// DedupKey names the notice, e.g. "incident/<id>/opened",
	// "incident/<id>/digest/2", "incident/<id>/cleared". Enqueueing a key
	// that is already in the outbox does nothing, which is how a restart
	// never repeats a notice.
	DedupKey   string
	Kind       string   // "opened", "digest", "cleared", "listed", …
	IncidentID string   // "" when the notice is not about an incident
	Sink       string   // "email", "webhook", …
	Recipients []string // addresses or URLs, as the sink understands them
	Payload    []byte   // the exact bytes to send

	CreatedAt   time.Time
	NextAttempt time.Time // not before; Enqueue uses CreatedAt when zero
	Attempts    int       // tries made so far
	LastError   string
	SentAt      time.Time // zero until sent
	FailedAt    time.Time // zero unless given up (MarkFailed); Enqueue stores an item given up from the start (a notice that could not be composed for this sink) when set
	// ClaimedBy names the sender delivering the item now (see Claim), until
	// ClaimedUntil; "" when nobody does.
	ClaimedBy    string
	ClaimedUntil time.Time
}

// maxErrorText bounds a stored error text.
const maxErrorText = 1000

// Enqueue adds it to the outbox and reports whether it was added: false when
// an item with the same DedupKey exists (whatever its state), which is not
// an error. Write it in the transaction that records the change it
// announces.
func (t *Tx) Enqueue(it OutboxItem) (inserted bool, err error) {
	switch {
	case it.DedupKey == "":
		return false, fmt.Errorf("%w: outbox item without a dedup key", ErrInvalid)
	case it.Kind == "" || it.Sink == "":
		return false, fmt.Errorf("%w: outbox item %s without kind or sink", ErrInvalid, it.DedupKey)
	case it.CreatedAt.IsZero():
		return false, fmt.Errorf("%w: outbox item %s without creation time", ErrInvalid, it.DedupKey)
	}
	if it.NextAttempt.IsZero() {
		it.NextAttempt = it.CreatedAt
	}
	rcpts := it.Recipients
	if rcpts == nil {
		rcpts = []string{}
	}
	rj, err := json.Marshal(rcpts)
	if err != nil {
		return false, fmt.Errorf("track: enqueueing %s: %w", it.DedupKey, err)
	}
	payload := it.Payload
	if payload == nil {
		payload = []byte{}
	}
	res, err := t.exec(`INSERT INTO outbox (dedup_key, kind, incident_id, sink, recipients, payload, created_at, next_attempt, attempts, last_error, failed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING`,
		it.DedupKey, it.Kind, it.IncidentID, it.Sink, string(rj), payload,
		dbTime(it.CreatedAt), dbTime(it.NextAttempt), it.Attempts, clip(it.LastError, maxErrorText), dbTime(it.FailedAt))
	if err != nil {
		return false, fmt.Errorf("track: enqueueing %s: %w", it.DedupKey, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("track: enqueueing %s: %w", it.DedupKey, err)
	}
	return n == 1, nil
}

const outboxColumns = `id, dedup_key, kind, incident_id, sink, recipients, payload, created_at, next_attempt, attempts, last_error, sent_at, failed_at, claimed_by, claimed_until`

func scanOutbox(rows interface{ Scan(...any) error }) (OutboxItem, error) {
	var it OutboxItem
	var rj string
	err := rows.Scan(&it.ID, &it.DedupKey, &it.Kind, &it.IncidentID, &it.Sink, &rj, &it.Payload,
		scanTime(&it.CreatedAt), scanTime(&it.NextAttempt), &it.Attempts, &it.LastError,
		scanTime(&it.SentAt), scanTime(&it.FailedAt), &it.ClaimedBy, scanTime(&it.ClaimedUntil))
	if err != nil {
		return it, err
	}
	if err := json.Unmarshal([]byte(rj), &it.Recipients); err != nil {
		return it, fmt.Errorf("track: outbox item %d recipients: %w", it.ID, err)
	}
	return it, nil
}

// Due returns up to limit items neither sent nor failed whose next attempt
// is at or before now, oldest first (in the order they were enqueued).
func (s *Store) Due(ctx context.Context, now time.Time, limit int) ([]OutboxItem, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox
WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt <= ? ORDER BY id LIMIT ?`, dbTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("track: due outbox items: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("track: due outbox items: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: due outbox items: %w", err)
	}
	return out, nil
}

// Claim takes the oldest item of sink that is neither sent nor failed, due
// at now, and not claimed by a live claim: it records owner as its sender
// until now+lease and returns it (false when there is none). The choice and
// the claim are one statement in a write transaction, so two senders —
// goroutines or processes sharing the state file — never claim the same
// item. MarkSent, MarkRetry and MarkFailed end the claim. lease must be
// longer than one delivery attempt: once it runs out, another sender may
// take the item (a sender that crashed holds nothing for longer).
func (s *Store) Claim(ctx context.Context, sink string, now time.Time, owner string, lease time.Duration) (OutboxItem, bool, error) {
	if owner == "" || lease <= 0 {
		return OutboxItem{}, false, fmt.Errorf("%w: outbox claim without owner or lease", ErrInvalid)
	}
	var it OutboxItem
	found := false
	err := s.Tx(ctx, func(t *Tx) error {
		row := t.queryRow(`UPDATE outbox SET claimed_by = ?1, claimed_until = ?2
WHERE id = (SELECT id FROM outbox
	WHERE sink = ?3 AND sent_at IS NULL AND failed_at IS NULL AND next_attempt <= ?4
		AND (claimed_until IS NULL OR claimed_until <= ?4)
	ORDER BY id LIMIT 1)
RETURNING `+outboxColumns, owner, dbTime(now.Add(lease)), sink, dbTime(now))
		var err error
		it, err = scanOutbox(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		return OutboxItem{}, false, fmt.Errorf("track: claiming a %s outbox item: %w", sink, err)
	}
	return it, found, nil
}

// ReleaseClaims ends the claims of every owner that held(owner) says holds
// nothing any more (a process that ended), so their items go out at once
// instead of when the lease runs out. It returns how many items it freed.
func (s *Store) ReleaseClaims(ctx context.Context, held func(owner string) bool) (int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT claimed_by FROM outbox WHERE claimed_by != '' AND sent_at IS NULL AND failed_at IS NULL`)
	if err != nil {
		return 0, fmt.Errorf("track: outbox claims: %w", err)
	}
	var stale []string
	for rows.Next() {
		var owner string
		if err := rows.Scan(&owner); err != nil {
			rows.Close()
			return 0, fmt.Errorf("track: outbox claims: %w", err)
		}
		if !held(owner) {
			stale = append(stale, owner)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("track: outbox claims: %w", err)
	}
	var n int64
	err = s.Tx(ctx, func(t *Tx) error {
		for _, owner := range stale {
			k, err := t.deleted(`UPDATE outbox SET claimed_by = '', claimed_until = NULL WHERE claimed_by = ? AND sent_at IS NULL AND failed_at IS NULL`, owner)
			if err != nil {
				return err
			}
			n += k
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("track: releasing outbox claims: %w", err)
	}
	return int(n), nil
}

// PendingBySink counts the items neither sent nor failed, due or not, by
// sink.
func (s *Store) PendingBySink(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT sink, count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY sink`)
	if err != nil {
		return nil, fmt.Errorf("track: counting pending outbox items: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var sink string
		var n int
		if err := rows.Scan(&sink, &n); err != nil {
			return nil, fmt.Errorf("track: counting pending outbox items: %w", err)
		}
		out[sink] = n
	}
	return out, rows.Err()
}

// OutboxItems returns every item of sink ("" for every sink), whatever its
// state, in the order they were enqueued.
func (s *Store) OutboxItems(ctx context.Context, sink string) ([]OutboxItem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE ?1 = '' OR sink = ?1 ORDER BY id`, sink)
	if err != nil {
		return nil, fmt.Errorf("track: outbox items: %w", err)
	}
	defer rows.Close()
	var out []OutboxItem
	for rows.Next() {
		it, err := scanOutbox(rows)
		if err != nil {
			return nil, fmt.Errorf("track: outbox items: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// OutboxItem returns the item with the given dedup key, and false when there
// is none.
func (s *Store) OutboxItem(ctx context.Context, dedupKey string) (OutboxItem, bool, error) {
	it, err := scanOutbox(s.r.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE dedup_key = ?`, dedupKey))
	if errors.Is(err, sql.ErrNoRows) {
		return OutboxItem{}, false, nil
	}
	if err != nil {
		return OutboxItem{}, false, fmt.Errorf("track: outbox item %s: %w", dedupKey, err)
	}
	return it, true, nil
}

// Pending counts the items neither sent nor failed, due or not.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&n); err != nil {
		return 0, fmt.Errorf("track: counting pending outbox items: %w", err)
	}
	return n, nil
}

// MarkSent records that item id was sent at now (counting the attempt) and
// ends its claim. An item already sent is left as it is; an unknown id is
// ErrNotFound.
func (t *Tx) MarkSent(id int64, now time.Time) error {
	return t.mark(id, "sent", `UPDATE outbox SET sent_at = ?, attempts = attempts + 1, claimed_by = '', claimed_until = NULL WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL`, dbTime(now), id)
}

// MarkRetry records a failed attempt: attempts is the number of tries made
// so far, next when to try again, errText why it failed (cut to 1000
// bytes); it ends the claim. An item already sent or failed is left as it
// is.
func (t *Tx) MarkRetry(id int64, attempts int, next time.Time, errText string) error {
	if next.IsZero() {
		return fmt.Errorf("%w: retry of outbox item %d without a time", ErrInvalid, id)
	}
	return t.mark(id, "retry", `UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ?, claimed_by = '', claimed_until = NULL WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL`,
		attempts, dbTime(next), clip(errText, maxErrorText), id)
}

// MarkPartial records a delivery that reached some of item id's
// recipients: it keeps only rcpts, those still to be told, and is tried
// again at next, as MarkRetry.
func (t *Tx) MarkPartial(id int64, attempts int, next time.Time, rcpts []string, errText string) error {
	if next.IsZero() || len(rcpts) == 0 {
		return fmt.Errorf("%w: partial delivery of outbox item %d without a time or a recipient", ErrInvalid, id)
	}
	rj, err := json.Marshal(rcpts)
	if err != nil {
		return fmt.Errorf("track: outbox item %d recipients: %w", id, err)
	}
	return t.mark(id, "partly sent", `UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ?, recipients = ?, claimed_by = '', claimed_until = NULL WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL`,
		attempts, dbTime(next), clip(errText, maxErrorText), string(rj), id)
}

// MarkFailed gives item id up for good (a permanent error, or too many
// tries), counting the attempt and ending the claim. An item already sent or failed is left as
// it is.
func (t *Tx) MarkFailed(id int64, now time.Time, errText string) error {
	return t.mark(id, "failed", `UPDATE outbox SET failed_at = ?, attempts = attempts + 1, last_error = ?, claimed_by = '', claimed_until = NULL WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL`,
		dbTime(now), clip(errText, maxErrorText), id)
}

func (t *Tx) mark(id int64, what, q string, args ...any) error {
	res, err := t.exec(q, args...)
	if err != nil {
		return fmt.Errorf("track: marking outbox item %d %s: %w", id, what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("track: marking outbox item %d %s: %w", id, what, err)
	}
	if n == 1 {
		return nil
	}
	var exists int
	if err := t.queryRow(`SELECT count(*) FROM outbox WHERE id = ?`, id).Scan(&exists); err != nil {
		return fmt.Errorf("track: marking outbox item %d %s: %w", id, what, err)
	}
	if exists == 0 {
		return fmt.Errorf("%w: outbox item %d", ErrNotFound, id)
	}
	return nil
}

// MarkSent is Tx.MarkSent in a transaction of its own, on the disk when
// it returns (SyncTx): a sent mark lost in a power cut would send the
// notice again.
func (s *Store) MarkSent(ctx context.Context, id int64, now time.Time) error {
	return s.SyncTx(ctx, func(t *Tx) error { return t.MarkSent(id, now) })
}

// MarkRetry is Tx.MarkRetry in a transaction of its own.
func (s *Store) MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, errText string) error {
	return s.Tx(ctx, func(t *Tx) error { return t.MarkRetry(id, attempts, next, errText) })
}

// MarkPartial is Tx.MarkPartial in a transaction of its own, on the disk
// when it returns (SyncTx): the recipients told must not be told again.
func (s *Store) MarkPartial(ctx context.Context, id int64, attempts int, next time.Time, rcpts []string, errText string) error {
	return s.SyncTx(ctx, func(t *Tx) error { return t.MarkPartial(id, attempts, next, rcpts, errText) })
}

// MarkFailed is Tx.MarkFailed in a transaction of its own, on the disk
// when it returns (SyncTx).
func (s *Store) MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error {
	return s.SyncTx(ctx, func(t *Tx) error { return t.MarkFailed(id, now, errText) })
}
