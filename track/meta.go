package track

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetMeta stores value under key (for example the DNSBL self-check state),
// replacing any previous value.
func (t *Tx) SetMeta(key, value string) error {
	if key == "" {
		return fmt.Errorf("%w: empty meta key", ErrInvalid)
	}
	if _, err := t.exec(`INSERT INTO meta (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value); err != nil {
		return fmt.Errorf("track: setting %s: %w", key, err)
	}
	return nil
}

// GetMeta returns the value under key as this transaction sees it, and
// false when there is none; use it for read-modify-write.
func (t *Tx) GetMeta(key string) (string, bool, error) {
	return getMeta(t.queryRow(`SELECT value FROM meta WHERE key = ?`, key), key)
}

// DeleteMeta removes key; a missing key is not an error.
func (t *Tx) DeleteMeta(key string) error {
	if _, err := t.exec(`DELETE FROM meta WHERE key = ?`, key); err != nil {
		return fmt.Errorf("track: deleting %s: %w", key, err)
	}
	return nil
}

// GetMeta returns the value under key, and false when there is none.
func (s *Store) GetMeta(ctx context.Context, key string) (string, bool, error) {
	return getMeta(s.r.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key), key)
}

func getMeta(row *sql.Row, key string) (string, bool, error) {
	var v string
	err := row.Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("track: getting %s: %w", key, err)
	}
	return v, true, nil
}
