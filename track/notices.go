package track

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Notice is a notice the log reader recorded, in the transaction of the
// batch that caused it; the daemon composes its channels' outbox items
// beside the reader (DNS checks included) and marks it composed in the
// transaction that enqueues them. Record is the daemon's JSON of what the
// reader knew (incident snapshots, related incidents, the counts at the
// previous notice); the store does not look into it.
type Notice struct {
	ID  int64
	Key string // notify.NoticeKey: unique, so a batch read twice records a notice once
	// Kind is "opened", "digest", "cleared", "listed", "delisted".
	Kind       string
	IncidentID string // "" for a self-check notice
	// Thread names the notices this one is threaded with (the ID of the
	// incident whose opened notice is the root); MessageID is this
	// notice's email Message-ID.
	Thread     string
	MessageID  string
	CreatedAt  time.Time
	Record     []byte
	ComposedAt time.Time // zero while pending
}

// RecordNotice stores n and reports whether it was added: false when a
// notice with the same Key exists, which is not an error.
func (t *Tx) RecordNotice(n Notice) (bool, error) {
	if n.Key == "" || n.Kind == "" || n.CreatedAt.IsZero() {
		return false, fmt.Errorf("%w: notice without key, kind or time", ErrInvalid)
	}
	var inc any
	if n.IncidentID != "" {
		inc = n.IncidentID
	}
	res, err := t.exec(`INSERT INTO notices (notice_key, kind, incident_id, thread, message_id, created_at, record, composed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (notice_key) DO NOTHING`,
		n.Key, n.Kind, inc, n.Thread, n.MessageID, dbTime(n.CreatedAt), string(n.Record), dbTime(n.ComposedAt))
	if err != nil {
		return false, fmt.Errorf("track: recording notice %s: %w", n.Key, err)
	}
	k, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("track: recording notice %s: %w", n.Key, err)
	}
	return k == 1, nil
}

const noticeColumns = `id, notice_key, kind, coalesce(incident_id, ''), thread, message_id, created_at, record, composed_at`

func scanNotice(row interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var rec string
	err := row.Scan(&n.ID, &n.Key, &n.Kind, &n.IncidentID, &n.Thread, &n.MessageID, scanTime(&n.CreatedAt), &rec, scanTime(&n.ComposedAt))
	n.Record = []byte(rec)
	return n, err
}

func scanNotices(rows *sql.Rows, err error) ([]Notice, error) {
	if err != nil {
		return nil, fmt.Errorf("track: notices: %w", err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		n, err := scanNotice(rows)
		if err != nil {
			return nil, fmt.Errorf("track: notices: %w", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: notices: %w", err)
	}
	return out, nil
}

// PendingNotices returns up to limit notices not composed yet, oldest first.
func (s *Store) PendingNotices(ctx context.Context, limit int) ([]Notice, error) {
	return scanNotices(s.r.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE composed_at IS NULL ORDER BY id LIMIT ?`, limit))
}

// Notices returns the notices about an incident ("" for every notice),
// oldest first.
func (s *Store) Notices(ctx context.Context, incidentID string) ([]Notice, error) {
	return scanNotices(s.r.QueryContext(ctx, `SELECT `+noticeColumns+` FROM notices WHERE ?1 = '' OR incident_id = ?1 ORDER BY id`, incidentID))
}

// MarkComposed records that notice id's outbox items are written (in the
// same transaction). A notice already composed is left as it is.
func (t *Tx) MarkComposed(id int64, at time.Time) error {
	if _, err := t.exec(`UPDATE notices SET composed_at = ? WHERE id = ? AND composed_at IS NULL`, dbTime(at), id); err != nil {
		return fmt.Errorf("track: marking notice %d composed: %w", id, err)
	}
	return nil
}

// ThreadMessageIDs returns the Message-IDs of the notices of a thread, in
// the order they were recorded (root first).
func (t *Tx) ThreadMessageIDs(thread string) ([]string, error) {
	rows, err := t.query(`SELECT message_id FROM notices WHERE thread = ? AND message_id != '' ORDER BY id`, thread)
	if err != nil {
		return nil, fmt.Errorf("track: thread %s: %w", thread, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("track: thread %s: %w", thread, err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// IncidentNote is what the notices remember of an announced incident: the
// thread its notices belong to, its counts at its last notice (the daemon's
// JSON), and whether the postmaster acknowledged it.
type IncidentNote struct {
	IncidentID string
	Thread     string
	Counts     []byte
	AckedAt    time.Time // zero: not acknowledged
	AckedBy    string
}

// IncidentNote returns the note of an incident, and false when it has none
// (it was never announced).
func (t *Tx) IncidentNote(id string) (IncidentNote, bool, error) {
	return scanNote(t.queryRow(`SELECT incident_id, thread, counts, acked_at, acked_by FROM incident_notes WHERE incident_id = ?`, id))
}

// IncidentNote is Tx.IncidentNote outside a transaction.
func (s *Store) IncidentNote(ctx context.Context, id string) (IncidentNote, bool, error) {
	return scanNote(s.r.QueryRowContext(ctx, `SELECT incident_id, thread, counts, acked_at, acked_by FROM incident_notes WHERE incident_id = ?`, id))
}

func scanNote(row *sql.Row) (IncidentNote, bool, error) {
	var n IncidentNote
	var counts string
	err := row.Scan(&n.IncidentID, &n.Thread, &counts, scanTime(&n.AckedAt), &n.AckedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return IncidentNote{}, false, nil
	}
	if err != nil {
		return IncidentNote{}, false, fmt.Errorf("track: incident note: %w", err)
	}
	n.Counts = []byte(counts)
	return n, true, nil
}

// AnnouncedBeforeNotes reports whether incident id, which has no note,
// was announced by a release that kept no notes (schema before version 4,
// which added the notices and incident_notes tables): its opened notice or
// a digest is in the outbox, and no notice row names it. An incident of this
// release without a note was never announced (muted when it opened): it has
// no outbox item either.
func (t *Tx) AnnouncedBeforeNotes(id string) (bool, error) {
	var ok bool
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM outbox WHERE incident_id = ?1 AND kind IN ('opened', 'digest'))
AND NOT EXISTS (SELECT 1 FROM notices WHERE incident_id = ?1)`, id).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("track: notices of incident %s before notes: %w", id, err)
	}
	return ok, nil
}

// PreviousThread returns the thread of the latest announced incident of
// provider and listed other than id (a listing before this one), and false
// when there is none.
func (t *Tx) PreviousThread(provider, listed, id string) (string, bool, error) {
	var thread string
	err := t.queryRow(`SELECT n.thread FROM incident_notes n JOIN incidents i ON i.id = n.incident_id
WHERE i.provider = ? AND i.listed = ? AND i.id != ? ORDER BY i.first_seen DESC LIMIT 1`, provider, listed, id).Scan(&thread)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("track: earlier incidents of %s/%s: %w", provider, listed, err)
	}
	return thread, true, nil
}

// SaveIncidentNote stores the thread and counts of an incident (the
// incident must be stored); an acknowledgement stays as it is.
func (t *Tx) SaveIncidentNote(n IncidentNote) error {
	if n.IncidentID == "" || n.Thread == "" {
		return fmt.Errorf("%w: incident note without incident or thread", ErrInvalid)
	}
	if _, err := t.exec(`INSERT INTO incident_notes (incident_id, thread, counts) VALUES (?, ?, ?)
ON CONFLICT (incident_id) DO UPDATE SET thread = excluded.thread, counts = excluded.counts`,
		n.IncidentID, n.Thread, string(n.Counts)); err != nil {
		return fmt.Errorf("track: saving the note of incident %s: %w", n.IncidentID, err)
	}
	return nil
}

// SetAlert stores the firing Alertmanager alert under key (its JSON, the
// daemon's); DeleteAlert forgets it once it is resolved.
func (t *Tx) SetAlert(key string, alert []byte, at time.Time) error {
	if _, err := t.exec(`INSERT INTO alerts (key, alert, updated_at) VALUES (?, ?, ?)
ON CONFLICT (key) DO UPDATE SET alert = excluded.alert, updated_at = excluded.updated_at`, key, string(alert), dbTime(at)); err != nil {
		return fmt.Errorf("track: saving alert %s: %w", key, err)
	}
	return nil
}

// DeleteAlert forgets the alert under key; a missing key is not an error.
func (t *Tx) DeleteAlert(key string) error {
	if _, err := t.exec(`DELETE FROM alerts WHERE key = ?`, key); err != nil {
		return fmt.Errorf("track: deleting alert %s: %w", key, err)
	}
	return nil
}

// Alerts returns the firing alerts, by key.
func (s *Store) Alerts(ctx context.Context) ([][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT alert FROM alerts ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("track: alerts: %w", err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, fmt.Errorf("track: alerts: %w", err)
		}
		out = append(out, []byte(a))
	}
	return out, rows.Err()
}
