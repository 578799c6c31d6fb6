package track

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The postmaster's acknowledgements and mutes (rblwatch incidents ack and
// mute). The daemon reads them from the store when it records a notice, so
// they take effect at once, without a restart.

// ErrNotAnnounced: an acknowledgement of an incident no notice announced.
var ErrNotAnnounced = errors.New("track: the incident has not been announced")

// AckIncident acknowledges an announced incident: no more digests about it.
// An unknown incident is ErrNotFound, one not announced yet
// ErrNotAnnounced; acknowledging twice keeps the first.
func (s *Store) AckIncident(ctx context.Context, id, by string, at time.Time) error {
	return s.Tx(ctx, func(t *Tx) error {
		var n int
		if err := t.queryRow(`SELECT count(*) FROM incidents WHERE id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("track: acknowledging %s: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("%w: incident %s", ErrNotFound, id)
		}
		res, err := t.exec(`UPDATE incident_notes SET acked_at = coalesce(acked_at, ?), acked_by = CASE WHEN acked_at IS NULL THEN ? ELSE acked_by END WHERE incident_id = ?`,
			dbTime(at), by, id)
		if err != nil {
			return fmt.Errorf("track: acknowledging %s: %w", id, err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return fmt.Errorf("%w: %s", ErrNotAnnounced, id)
		}
		return nil
	})
}

// Mute silences new notices about a provider (a catalog id) or a listed IP
// address or domain, or both, until Until (zero: until lifted).
type Mute struct {
	ID        int64
	Provider  string
	Listed    string
	Until     time.Time
	CreatedAt time.Time
	CreatedBy string
	LiftedAt  time.Time
}

// Matches reports whether the mute covers an incident of provider and
// listed at time at.
func (m Mute) Matches(provider, listed string, at time.Time) bool {
	if !m.LiftedAt.IsZero() && !at.Before(m.LiftedAt) || !m.Until.IsZero() && !at.Before(m.Until) || at.Before(m.CreatedAt) {
		return false
	}
	if m.Provider != "" && m.Provider != provider {
		return false
	}
	return m.Listed == "" || strings.EqualFold(m.Listed, listed)
}

// AddMute stores a mute and returns its id.
func (s *Store) AddMute(ctx context.Context, m Mute) (int64, error) {
	if m.Provider == "" && m.Listed == "" || m.CreatedAt.IsZero() {
		return 0, fmt.Errorf("%w: a mute of nothing", ErrInvalid)
	}
	var id int64
	err := s.Tx(ctx, func(t *Tx) error {
		res, err := t.exec(`INSERT INTO mutes (provider, listed, until, created_at, created_by) VALUES (?, ?, ?, ?, ?)`,
			m.Provider, strings.ToLower(m.Listed), dbTime(m.Until), dbTime(m.CreatedAt), m.CreatedBy)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("track: muting: %w", err)
	}
	return id, nil
}

// LiftMutes lifts, at time at, the mutes in force for provider or listed
// (one of them is given) and returns how many.
func (s *Store) LiftMutes(ctx context.Context, provider, listed string, at time.Time) (int, error) {
	var n int64
	err := s.Tx(ctx, func(t *Tx) error {
		var err error
		n, err = t.deleted(`UPDATE mutes SET lifted_at = ?1 WHERE lifted_at IS NULL AND (until IS NULL OR until > ?1)
	AND provider = ?2 AND listed = ?3`, dbTime(at), provider, strings.ToLower(listed))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("track: lifting mutes: %w", err)
	}
	return int(n), nil
}

const muteColumns = `id, provider, listed, until, created_at, created_by, lifted_at`

func scanMutes(rows *sql.Rows, err error) ([]Mute, error) {
	if err != nil {
		return nil, fmt.Errorf("track: mutes: %w", err)
	}
	defer rows.Close()
	var out []Mute
	for rows.Next() {
		var m Mute
		if err := rows.Scan(&m.ID, &m.Provider, &m.Listed, scanTime(&m.Until), scanTime(&m.CreatedAt), &m.CreatedBy, scanTime(&m.LiftedAt)); err != nil {
			return nil, fmt.Errorf("track: mutes: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ActiveMutes returns the mutes in force at time at, as this transaction
// sees them.
func (t *Tx) ActiveMutes(at time.Time) ([]Mute, error) {
	return scanMutes(t.query(activeMutesSQL, dbTime(at)))
}

// activeMutesSQL is prepared once (hotQueries): a catch-up's batches that
// end incidents ask it.
const activeMutesSQL = `SELECT ` + muteColumns + ` FROM mutes WHERE lifted_at IS NULL AND (until IS NULL OR until > ?) ORDER BY id`

// Mutes returns the mutes in force at time at.
func (s *Store) Mutes(ctx context.Context, at time.Time) ([]Mute, error) {
	return scanMutes(s.r.QueryContext(ctx, `SELECT `+muteColumns+` FROM mutes WHERE lifted_at IS NULL AND (until IS NULL OR until > ?) ORDER BY id`, dbTime(at)))
}
