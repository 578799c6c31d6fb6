// Package tracktest builds state databases for tests from fixtures.
package tracktest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Fixture is the JSON form of a store's content: what the milter reported
// and the log lines, applied in that order, as the daemon would.
type Fixture struct {
	Milter []milter.Message
	Log    []string
}

// Store builds a state database in t.TempDir from the fixture file (JSON,
// see Fixture) and returns its path. Log timestamps without a year are read
// as of 2026-11-24 UTC.
func Store(t testing.TB, fixture string) string {
	t.Helper()
	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var f Fixture
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("%s: %v", fixture, err)
	}
	path := filepath.Join(t.TempDir(), "state.db")
	st, err := track.Open(path, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	p := postfixlog.NewParser(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.UTC)
	err = st.Tx(t.Context(), func(tx *track.Tx) error {
		for i := range f.Milter {
			if err := tx.ApplyMilter(&f.Milter[i]); err != nil {
				return err
			}
		}
		for _, line := range f.Log {
			var r postfixlog.Record
			if err := p.Parse(line, &r); err != nil {
				t.Fatalf("%s: %v: %q", fixture, err, line)
			}
			if err := tx.ApplyRecord(&r); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return path
}
