package track

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Unannounced is an incident that began and ended while the daemon caught
// up with a backlog of the log: nobody was told of it while it lasted, and
// the backlog summary (a notice of kind "backlog") will. It waits in the
// unannounced table from the transaction of the batch in which it ended to
// the one that records the summary (TakeUnannounced), so that a restart
// during a catch-up loses none and the summary is recorded once.
type Unannounced struct {
	IncidentID string
	FirstSeen  time.Time
	// Since and Until are the log's times at the start of the catch-up
	// that found it and at its last line read so far.
	Since, Until time.Time
	// The incident's totals: the summary lists the incidents that refused
	// the most mail and counts the rest.
	Messages, Recipients, Bounced, Deferred int
	// Record is the daemon's JSON of the incident; the store does not
	// look into it.
	Record []byte
}

// UnannouncedTotals sums up every waiting incident.
type UnannouncedTotals struct {
	Incidents                               int
	Messages, Recipients, Bounced, Deferred int
	// Since is the earliest start of a catch-up, Until the latest line
	// read, over the waiting incidents (zero when none says).
	Since, Until time.Time
}

// SaveUnannounced stores an incident for the backlog summary; one stored
// already (a batch read twice) is left as it is.
func (t *Tx) SaveUnannounced(u Unannounced) error {
	if u.IncidentID == "" || len(u.Record) == 0 {
		return fmt.Errorf("%w: unannounced incident without id or record", ErrInvalid)
	}
	_, err := t.exec(saveUnannouncedSQL,
		u.IncidentID, dbTime(u.FirstSeen), dbTime(u.Since), dbTime(u.Until), u.Messages, u.Recipients, u.Bounced, u.Deferred, string(u.Record))
	if err != nil {
		return fmt.Errorf("track: saving unannounced incident %s: %w", u.IncidentID, err)
	}
	return nil
}

// saveUnannouncedSQL is prepared once (hotQueries): a catch-up's batches
// save their incidents over inside the backlog with it, and compiling it
// in each transaction cost about as much as the rows (bench/README.md,
// catchup12).
const saveUnannouncedSQL = `INSERT INTO unannounced (incident_id, first_seen, since, until, messages, recipients, bounced, deferred, record)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (incident_id) DO NOTHING`

// TakeUnannounced returns up to limit of the waiting incidents — those that
// bounced the most mail, then refused the most messages, in the order they
// began — with the totals of all of them, and deletes them all: the caller
// records the summary in the same transaction.
func (t *Tx) TakeUnannounced(limit int) ([]Unannounced, UnannouncedTotals, error) {
	var tot UnannouncedTotals
	var since, until sql.NullString
	err := t.queryRow(`SELECT count(*), coalesce(sum(messages), 0), coalesce(sum(recipients), 0), coalesce(sum(bounced), 0),
	coalesce(sum(deferred), 0), min(since), max(until) FROM unannounced`).
		Scan(&tot.Incidents, &tot.Messages, &tot.Recipients, &tot.Bounced, &tot.Deferred, &since, &until)
	if err != nil {
		return nil, tot, fmt.Errorf("track: unannounced incidents: %w", err)
	}
	if tot.Since, err = parseTime(since); err != nil {
		return nil, tot, err
	}
	if tot.Until, err = parseTime(until); err != nil {
		return nil, tot, err
	}
	if tot.Incidents == 0 {
		return nil, tot, nil
	}
	rows, err := t.query(`SELECT incident_id, first_seen, since, until, messages, recipients, bounced, deferred, record FROM (
	SELECT * FROM unannounced ORDER BY bounced DESC, messages DESC, first_seen, incident_id LIMIT ?
) ORDER BY first_seen, incident_id`, limit)
	if err != nil {
		return nil, tot, fmt.Errorf("track: unannounced incidents: %w", err)
	}
	var out []Unannounced
	for rows.Next() {
		var u Unannounced
		var rec string
		if err := rows.Scan(&u.IncidentID, scanTime(&u.FirstSeen), scanTime(&u.Since), scanTime(&u.Until),
			&u.Messages, &u.Recipients, &u.Bounced, &u.Deferred, &rec); err != nil {
			rows.Close()
			return nil, tot, fmt.Errorf("track: unannounced incidents: %w", err)
		}
		u.Record = []byte(rec)
		out = append(out, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, tot, fmt.Errorf("track: unannounced incidents: %w", err)
	}
	if _, err := t.exec(`DELETE FROM unannounced`); err != nil {
		return nil, tot, fmt.Errorf("track: unannounced incidents: %w", err)
	}
	return out, tot, nil
}

// HasUnannounced reports whether incidents wait for a backlog summary (a
// catch-up that stopped before the live end of the log).
func (s *Store) HasUnannounced(ctx context.Context) (bool, error) {
	var ok bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM unannounced)`).Scan(&ok); err != nil {
		return false, fmt.Errorf("track: unannounced incidents: %w", err)
	}
	return ok, nil
}
