package track

import (
	"context"
	"fmt"
	"os"
)

// CopyTo writes a consistent copy of the database, committed transactions
// included, to a new file at path (mode 0640): SQLite's VACUUM INTO. It
// reads through the open connection, so it works even when the database's
// own file was deleted under it.
func (s *Store) CopyTo(ctx context.Context, path string) error {
	if s.w == nil {
		return ErrReadOnly
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return fmt.Errorf("track: copying the database: %w", err)
	}
	f.Close()
	if _, err := s.w.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		os.Remove(path)
		return fmt.Errorf("track: copying the database to %s: %w", path, err)
	}
	return nil
}
