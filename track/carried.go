package track

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
)

// What a restart needs to go on as one run would, beyond the incidents'
// lists (schema 12): what an incident counted beyond them
// (incident.Change.Carried, a blob per save that added to it, appended in
// O(change) and read back in order by incident.Tracker.Resume, for the
// open incidents and those cleared lately whose messages may still change
// fate: Resumable), and the addresses not ours that receivers named
// (ingest.AddressBound: the rows a batch named or dropped).

// The statements of the carried rows (prepared once: hotQueries).
const (
	saveCountedSQL = `INSERT INTO incident_counted (incident_id, seq, data)
VALUES (?, (SELECT coalesce(max(seq) + 1, 0) FROM incident_counted WHERE incident_id = ?), ?)`
	countedSQL     = `SELECT data FROM incident_counted WHERE incident_id = ? ORDER BY seq`
	saveForeignSQL = `INSERT INTO foreign_addresses (receiver, address, named_at) VALUES (?, ?, ?)
ON CONFLICT (receiver, address) DO UPDATE SET named_at = excluded.named_at`
	deleteForeignSQL = `DELETE FROM foreign_addresses WHERE receiver = ? AND address = ?`
)

// Resumable returns what the daemon resumes when it starts
// (incident.Tracker.Restore): the incidents not cleared, and those cleared
// with messages still deferred whose last rejection is at most
// incident.QueueLifetime before the latest one stored (a later delivery,
// bounce or expiry of such a message counts in its incident), by
// first-seen time.
func (s *Store) Resumable(ctx context.Context) ([]incident.Incident, error) {
	var latest sql.NullString
	if err := s.r.QueryRowContext(ctx, `SELECT max(last_seen) FROM incidents`).Scan(&latest); err != nil {
		return nil, fmt.Errorf("track: loading incidents: %w", err)
	}
	last, err := parseTime(latest)
	if err != nil || last.IsZero() {
		return nil, err
	}
	return s.incidents(ctx, `WHERE status <> ? OR (json_extract(json, '$.fates.deferred') > 0 AND last_seen >= ?)`,
		string(incident.Cleared), dbTime(last.Add(-incident.QueueLifetime)))
}

// Counted calls fn with what incident id counted beyond its lists, every
// blob saved, in order (incident.Tracker.Resume), for each of ids.
func (s *Store) Counted(ctx context.Context, ids []string, fn func(id string, blobs [][]byte) error) error {
	for _, id := range ids {
		rows, err := s.r.QueryContext(ctx, countedSQL, id)
		if err != nil {
			return fmt.Errorf("track: loading what incident %s counted: %w", id, err)
		}
		var blobs [][]byte
		for rows.Next() {
			var data []byte
			if err := rows.Scan(&data); err != nil {
				rows.Close()
				return fmt.Errorf("track: loading what incident %s counted: %w", id, err)
			}
			blobs = append(blobs, data)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("track: loading what incident %s counted: %w", id, err)
		}
		if len(blobs) > 0 {
			if err := fn(id, blobs); err != nil {
				return err
			}
		}
	}
	return nil
}

// SaveForeign writes the changes of foreign_addresses
// (ingest.AddressBound.TakeChanges); receiver "" stands for all receivers
// together.
func (t *Tx) SaveForeign(c *ingest.BoundChanges) error {
	if c == nil {
		return nil
	}
	if c.Reset {
		if _, err := t.exec(`DELETE FROM foreign_addresses`); err != nil {
			return fmt.Errorf("track: saving foreign addresses: %w", err)
		}
	}
	for k := range c.Dropped {
		if _, err := t.exec(deleteForeignSQL, k.Receiver, k.Address); err != nil {
			return fmt.Errorf("track: saving foreign addresses: %w", err)
		}
	}
	for k, at := range c.Named {
		if _, err := t.exec(saveForeignSQL, k.Receiver, k.Address, dbTime(at)); err != nil {
			return fmt.Errorf("track: saving foreign addresses: %w", err)
		}
	}
	return nil
}

// ForeignAddresses calls fn with each row of foreign_addresses
// (ingest.AddressBound.Load).
func (s *Store) ForeignAddresses(ctx context.Context, fn func(receiver, address string, namedAt time.Time)) error {
	rows, err := s.r.QueryContext(ctx, `SELECT receiver, address, named_at FROM foreign_addresses ORDER BY receiver, address`)
	if err != nil {
		return fmt.Errorf("track: loading foreign addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var recv, addr, at string
		if err := rows.Scan(&recv, &addr, &at); err != nil {
			return fmt.Errorf("track: loading foreign addresses: %w", err)
		}
		t, err := parseTime(sql.NullString{String: at, Valid: true})
		if err != nil {
			return fmt.Errorf("track: loading foreign addresses: %w", err)
		}
		fn(recv, addr, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("track: loading foreign addresses: %w", err)
	}
	return nil
}
