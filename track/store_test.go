package track

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// t0 is a fixed time the tests count from.
var t0 = time.Date(2026, 11, 23, 15, 33, 55, 123456789, time.UTC)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "state.db"), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func mustTx(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Tx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// schemaFile makes a state file as a release of schema version n left it
// (the first n migrations), for the migration tests to fill as that
// release would, and returns its path and a raw connection to it.
func schemaFile(t testing.TB, n int) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	if err := prepareFile(path); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	if err := migrateTo(context.Background(), db, zaptest.NewLogger(t), migrations[:n]); err != nil {
		t.Fatal(err)
	}
	return path, db
}

// rawDB opens the file without the store, to look at it as an auditor would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenCreatesDirFileAndSchema(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var", "lib", "rblwatch")
	path := filepath.Join(dir, "state.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]fs.FileMode{dir: 0o750 | fs.ModeDir, path: 0o640} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		// The umask may only take bits away.
		if fi.Mode()&^want != 0 {
			t.Errorf("%s: mode %v, want at most %v", p, fi.Mode(), want)
		}
	}
	db := rawDB(t, path)
	var v int
	var mode string
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v < 1 {
		t.Errorf("user_version %d, want %d", v, SchemaVersion())
	}
	if mode != "wal" {
		t.Errorf("journal_mode %q, want wal", mode)
	}
	for _, table := range []string{"table meta", "table positions", "table incidents", "table incident_messages", "table incident_recipients",
		"table incident_lists", "view incident_domains", "view incident_samples", "table messages", "view recipients", "table outbox"} {
		typ, name, _ := strings.Cut(table, " ")
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = ? AND name = ?`, typ, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("%s missing", table)
		}
	}
}

func TestConnectionPragmas(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	check := func(db *sql.DB, pragma string, want int) {
		t.Helper()
		var got int
		if err := db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %d, want %d", pragma, got, want)
		}
	}
	check(s.w, "foreign_keys", 1)
	check(s.w, "synchronous", 1) // NORMAL: see writerParams
	check(s.w, "busy_timeout", int(BusyTimeout/time.Millisecond))
	check(s.w, "wal_autocheckpoint", 8192)
	check(s.w, "journal_size_limit", 32<<20)
	check(s.w, "cache_size", -16384) // KiB
	check(s.r, "foreign_keys", 1)
	check(s.r, "query_only", 1)
	check(s.r, "busy_timeout", int(BusyTimeout/time.Millisecond))
}

// TestSyncTx: a SyncTx commits with synchronous=FULL, and the writer goes
// back to NORMAL after it, also when it fails.
func TestSyncTx(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mode := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int {
		var m int
		if err := q.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, fail := range []bool{false, true} {
		var inside int
		err := s.SyncTx(ctx, func(tx *Tx) error {
			inside = mode(tx.tx)
			if fail {
				return errors.New("failed")
			}
			return tx.SetMeta("k", "v")
		})
		if (err != nil) != fail {
			t.Fatal(err)
		}
		if inside != 2 || mode(s.w) != 1 {
			t.Errorf("fail %v: synchronous %d inside, %d after; want 2, 1", fail, inside, mode(s.w))
		}
	}
	var inside int
	mustTx(t, s, func(tx *Tx) error { inside = mode(tx.tx); return nil })
	if inside != 1 {
		t.Errorf("a Tx runs with synchronous %d, want 1", inside)
	}
}

func TestPathWithOddCharacters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%", "state 1?.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustTx(t, s, func(tx *Tx) error { return tx.SetMeta("k", "v") })
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
	s, err = OpenReadOnly(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, ok, err := s.GetMeta(context.Background(), "k"); err != nil || !ok || v != "v" {
		t.Errorf("GetMeta = %q, %v, %v", v, ok, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	ctx := context.Background()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	pos := Position{Path: "/var/log/mail.log", Dev: 2049, Inode: 1<<63 + 5, Offset: 123456, Fingerprint: "abc", Cursor: ""}
	mustTx(t, s, func(tx *Tx) error {
		if err := tx.SavePosition("file", pos, t0); err != nil {
			return err
		}
		return tx.SetMeta("selfcheck", "ok")
	})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.LoadPosition(ctx, "file")
	if err != nil || !ok {
		t.Fatalf("LoadPosition: %v, %v", ok, err)
	}
	if got != pos {
		t.Errorf("position %+v, want %+v", got, pos)
	}
	if _, ok, err := s.LoadPosition(ctx, "journal"); err != nil || ok {
		t.Errorf("LoadPosition of an unknown source: %v, %v", ok, err)
	}
	if v, ok, err := s.GetMeta(ctx, "selfcheck"); err != nil || !ok || v != "ok" {
		t.Errorf("GetMeta = %q, %v, %v", v, ok, err)
	}
}

func TestSavePositionReplaces(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustTx(t, s, func(tx *Tx) error {
		return tx.SavePosition("journal", Position{Cursor: "s=1"}, t0)
	})
	mustTx(t, s, func(tx *Tx) error {
		return tx.SavePosition("journal", Position{Cursor: "s=2"}, t0.Add(time.Second))
	})
	got, _, err := s.LoadPosition(ctx, "journal")
	if err != nil || got.Cursor != "s=2" {
		t.Errorf("cursor %q, %v; want s=2", got.Cursor, err)
	}
	var updated string
	if err := s.r.QueryRow(`SELECT updated_at FROM positions WHERE source = 'journal'`).Scan(&updated); err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-23T15:33:56.123456789Z"; updated != want {
		t.Errorf("updated_at %q, want %q", updated, want)
	}
	err = s.Tx(ctx, func(tx *Tx) error { return tx.SavePosition("", Position{}, t0) })
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("empty source: %v, want ErrInvalid", err)
	}
}

func TestFailedTxLeavesNothing(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Tx(ctx, func(tx *Tx) error {
		if err := tx.SavePosition("file", Position{Offset: 10}, t0); err != nil {
			return err
		}
		if err := tx.SetMeta("k", "v"); err != nil {
			return err
		}
		if _, err := tx.Enqueue(OutboxItem{DedupKey: "x", Kind: "opened", Sink: "email", CreatedAt: t0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Tx returned %v, want the function's error", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic swallowed")
			}
		}()
		_ = s.Tx(ctx, func(tx *Tx) error {
			if err := tx.SetMeta("p", "v"); err != nil {
				return err
			}
			panic("oops")
		})
	}()
	for _, table := range []string{"positions", "meta", "outbox"} {
		var n int
		if err := s.r.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows after a failed transaction", table, n)
		}
	}
	// The writer is usable again.
	mustTx(t, s, func(tx *Tx) error { return tx.SetMeta("k", "v") })
}

func TestMeta(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	mustTx(t, s, func(tx *Tx) error {
		if err := tx.SetMeta("dnsbl/zen.spamhaus.org/192.0.2.1", "listed"); err != nil {
			return err
		}
		if err := tx.SetMeta("dnsbl/zen.spamhaus.org/192.0.2.1", "clear"); err != nil {
			return err
		}
		v, ok, err := tx.GetMeta("dnsbl/zen.spamhaus.org/192.0.2.1")
		if err != nil || !ok || v != "clear" {
			return fmt.Errorf("in-tx GetMeta = %q, %v, %v", v, ok, err)
		}
		if err := tx.SetMeta("gone", "x"); err != nil {
			return err
		}
		return tx.DeleteMeta("gone")
	})
	if v, ok, err := s.GetMeta(ctx, "dnsbl/zen.spamhaus.org/192.0.2.1"); err != nil || !ok || v != "clear" {
		t.Errorf("GetMeta = %q, %v, %v", v, ok, err)
	}
	if _, ok, err := s.GetMeta(ctx, "gone"); err != nil || ok {
		t.Errorf("deleted key: %v, %v", ok, err)
	}
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.SetMeta("", "x") }); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty key: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, nil); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open: %v, want ErrSchemaTooNew", err)
	}
	if _, err := OpenReadOnly(path, nil); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("OpenReadOnly: %v, want ErrSchemaTooNew", err)
	}
}

func TestMigrationsStepByStep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := prepareFile(path); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, path)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	log := zaptest.NewLogger(t)
	extra := append(append([]string(nil), migrations...), `CREATE TABLE extra (x INTEGER) STRICT;`)
	// A failing migration leaves the version and the schema as they were.
	bad := append(append([]string(nil), extra...), `CREATE TABLE half (x INTEGER); CREATE TABLE broken (;`)
	if err := migrateTo(ctx, db, log, bad); err == nil {
		t.Fatal("a broken migration succeeded")
	}
	v, err := schemaVersion(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(extra) {
		t.Errorf("after a failed migration: version %d, want %d (the good ones applied)", v, len(extra))
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("a failed migration left a table behind")
	}
	// Applying again is a no-op.
	if err := migrateTo(ctx, db, log, extra); err != nil {
		t.Fatal(err)
	}
	// The current binary refuses this newer database.
	db.Close()
	if _, err := Open(path, nil); !errors.Is(err, ErrSchemaTooNew) {
		t.Errorf("Open: %v, want ErrSchemaTooNew", err)
	}
}

func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenReadOnly(filepath.Join(dir, "missing.db"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := prepareFile(empty); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenReadOnly(empty, nil); !errors.Is(err, ErrSchemaOld) {
		t.Errorf("empty file: %v, want ErrSchemaOld", err)
	}
	path := filepath.Join(dir, "state.db")
	w, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	mustTx(t, w, func(tx *Tx) error { return tx.SetMeta("k", "1") })
	r, err := OpenReadOnly(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	if err := r.Tx(ctx, func(*Tx) error { return nil }); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Tx: %v, want ErrReadOnly", err)
	}
	if err := r.MarkSent(ctx, 1, t0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("MarkSent: %v, want ErrReadOnly", err)
	}
	// The reader sees the writer's later commits.
	mustTx(t, w, func(tx *Tx) error { return tx.SetMeta("k", "2") })
	if v, _, err := r.GetMeta(ctx, "k"); err != nil || v != "2" {
		t.Errorf("GetMeta = %q, %v; want 2", v, err)
	}
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, []byte("this is not an SQLite database, just some text that is long enough to fill a header ......"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, nil); err == nil {
		t.Error("Open accepted a text file")
	}
}

func TestTimeLayoutSortsAsText(t *testing.T) {
	a := dbTime(t0).(string)
	b := dbTime(t0.Add(time.Millisecond - t0.Sub(t0.Truncate(time.Second)))).(string) // .001 of the same second
	c := dbTime(t0.Truncate(time.Second).Add(time.Second)).(string)
	if !(b < a && a < c) {
		t.Errorf("text order broken: %s %s %s", b, a, c)
	}
	if dbTime(time.Time{}) != nil {
		t.Error("zero time not stored as NULL")
	}
	got, err := parseTime(sql.NullString{String: a, Valid: true})
	if err != nil || !got.Equal(t0) {
		t.Errorf("round trip %v, %v", got, err)
	}
	jst := time.FixedZone("JST", 9*3600)
	if s := dbTime(t0.In(jst)).(string); s != a {
		t.Errorf("non-UTC time stored as %s, want %s", s, a)
	}
}

// TestFormatTime: the hand-written formatter writes what time.Format does.
func TestFormatTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 23, 15, 33, 55, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 6, time.FixedZone("JST", 9*3600)),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, 0),
		time.Unix(-1, 999999999),                      // the last moment before 1970
		time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), // a day before the epoch, at midnight
		time.Date(2000, 2, 29, 23, 59, 59, 0, time.UTC),
		time.Date(2000, 3, 1, 0, 0, 0, 10, time.UTC),
		time.Date(1900, 2, 28, 12, 0, 0, 0, time.UTC), // no 29 February in 1900 or 2100
		time.Date(1900, 3, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2100, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1600, 2, 29, 1, 2, 3, 4, time.UTC),
		time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
	} {
		if got, want := formatTime(tm), tm.UTC().Format(timeLayout); got != want {
			t.Errorf("formatTime(%v) = %q, want %q", tm, got, want)
		}
	}
	// Every day of years 1 to 9999 at a time of its own (one run of days
	// from a fixed seed), and every day of 1968–2104 (leap years, the
	// epoch, the centuries).
	rng := rand.New(rand.NewPCG(1, 2))
	check := func(tm time.Time) {
		t.Helper()
		if got, want := formatTime(tm), tm.UTC().Format(timeLayout); got != want {
			t.Fatalf("formatTime(%v) = %q, want %q", tm, got, want)
		}
	}
	first, last := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	for range 200000 {
		d := rng.Int64N(int64(last.Sub(first)/(24*time.Hour)) + 1)
		check(first.AddDate(0, 0, int(d)).Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))))
	}
	for d := time.Date(1968, 1, 1, 23, 59, 59, 999999999, time.UTC); d.Year() < 2105; d = d.AddDate(0, 0, 1) {
		check(d)
	}
}
