package track

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Backlog is one channel's outbox items neither sent nor given up.
type Backlog struct {
	Sink    string
	Pending int
	// Oldest is the creation time of the oldest pending item (to the
	// second: stored times compare as text).
	Oldest time.Time
}

// OutboxBacklog returns the pending items per sink (channel), by sink name;
// sinks with nothing pending are left out. For the metrics (scrape time).
func (s *Store) OutboxBacklog(ctx context.Context) ([]Backlog, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT sink, count(*), min(created_at) FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY sink ORDER BY sink`)
	if err != nil {
		return nil, fmt.Errorf("track: outbox backlog: %w", err)
	}
	defer rows.Close()
	var out []Backlog
	for rows.Next() {
		var b Backlog
		var oldest sql.NullString
		if err := rows.Scan(&b.Sink, &b.Pending, &oldest); err != nil {
			return nil, fmt.Errorf("track: outbox backlog: %w", err)
		}
		if b.Oldest, err = parseTime(oldest); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: outbox backlog: %w", err)
	}
	return out, nil
}
