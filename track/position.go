package track

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// Position is where a log source stopped (file path, device, inode, byte
// offset and content fingerprint, or a journald cursor): the logwatch type,
// named here for the store's callers.
type Position = postfixlog.Position

const savePositionSQL = `INSERT INTO positions (source, path, dev, inode, byte_offset, fingerprint, cursor, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source) DO UPDATE SET path = excluded.path, dev = excluded.dev, inode = excluded.inode,
	byte_offset = excluded.byte_offset, fingerprint = excluded.fingerprint, cursor = excluded.cursor,
	updated_at = excluded.updated_at`

// SavePosition records where source stopped. now is stored as updated_at.
// Device and inode numbers are stored as their 64-bit patterns (SQLite
// integers are signed).
func (t *Tx) SavePosition(source string, p Position, now time.Time) error {
	if source == "" {
		return fmt.Errorf("%w: position without a source name", ErrInvalid)
	}
	_, err := t.exec(savePositionSQL,
		source, p.Path, int64(p.Dev), int64(p.Inode), p.Offset, p.Fingerprint, p.Cursor, dbTime(now))
	if err != nil {
		return fmt.Errorf("track: saving position of %s: %w", source, err)
	}
	return nil
}

// LoadPosition returns where source stopped, and false when it has no
// saved position.
func (s *Store) LoadPosition(ctx context.Context, source string) (Position, bool, error) {
	var p Position
	var dev, inode int64
	err := s.r.QueryRowContext(ctx, `SELECT path, dev, inode, byte_offset, fingerprint, cursor FROM positions WHERE source = ?`, source).
		Scan(&p.Path, &dev, &inode, &p.Offset, &p.Fingerprint, &p.Cursor)
	if errors.Is(err, sql.ErrNoRows) {
		return Position{}, false, nil
	}
	if err != nil {
		return Position{}, false, fmt.Errorf("track: loading position of %s: %w", source, err)
	}
	p.Dev, p.Inode = uint64(dev), uint64(inode)
	return p, true, nil
}
