package track

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/rblwatch/rblwatch/ingest"
)

// What a restart needs to go on as one run would, beyond the incidents'
// lists (schema 12): what an open incident counted beyond them
// (incident.Change.Carried, a blob per save that added to it, appended in
// O(change) and read back in order by incident.Tracker.Resume; deleted
// when the incident is saved cleared, whose counts are then final), and
// the addresses not ours that receivers named (ingest.AddressBound: the
// rows a batch named or dropped).

// The statements of the carried rows (prepared once: hotQueries).
const (
	saveCountedSQL = `INSERT INTO incident_counted (incident_id, seq, data)
VALUES (?, (SELECT coalesce(max(seq) + 1, 0) FROM incident_counted WHERE incident_id = ?), ?)`
	deleteCountedSQL = `DELETE FROM incident_counted WHERE incident_id = ?`
	saveForeignSQL   = `INSERT INTO foreign_addresses (receiver, address, named_at) VALUES (?, ?, ?)
ON CONFLICT (receiver, address) DO UPDATE SET named_at = excluded.named_at`
	deleteForeignSQL = `DELETE FROM foreign_addresses WHERE receiver = ? AND address = ?`
)

// Counted calls fn with what each open incident counted beyond its lists,
// every blob saved, in order (incident.Tracker.Resume).
func (s *Store) Counted(ctx context.Context, fn func(id string, blobs [][]byte) error) error {
	rows, err := s.r.QueryContext(ctx, `SELECT c.incident_id, c.data FROM incident_counted c JOIN incidents i ON i.id = c.incident_id
WHERE i.status <> 'cleared' ORDER BY c.incident_id, c.seq`)
	if err != nil {
		return fmt.Errorf("track: loading what incidents counted: %w", err)
	}
	defer rows.Close()
	id, blobs := "", [][]byte(nil)
	for rows.Next() {
		var next string
		var data []byte
		if err := rows.Scan(&next, &data); err != nil {
			return fmt.Errorf("track: loading what incidents counted: %w", err)
		}
		if next != id && len(blobs) > 0 {
			if err := fn(id, blobs); err != nil {
				return err
			}
			blobs = nil
		}
		id, blobs = next, append(blobs, data)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("track: loading what incidents counted: %w", err)
	}
	if len(blobs) > 0 {
		return fn(id, blobs)
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
