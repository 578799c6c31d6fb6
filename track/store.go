// Package track is rblwatch's embedded state store: an SQLite database
// (modernc.org/sqlite, pure Go) holding where each log source stopped, the
// incidents, the messages and recipients seen in the log, the notification
// outbox and a little key/value state.
//
// Everything the daemon derives from a batch of log lines (the new read
// position, incident changes, outbox items, message fates) is written in one
// transaction (Store.Tx), so after a crash — even kill -9 — the store holds
// either all of a batch or none of it: every line is processed exactly once,
// and a notice is never lost nor queued twice.
//
// Times are stored as TEXT, UTC, in the fixed-width form
// 2006-01-02T15:04:05.000000000Z, which sorts correctly as text and which
// SQLite's date functions read. docs/store.md describes every table for
// auditors who open the file with the sqlite3 command.
package track

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.uber.org/zap"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DefaultPath is where the daemon keeps its state unless configured
// otherwise.
const DefaultPath = "/var/lib/rblwatch/state.db"

// BusyTimeout is how long a statement waits for a lock held by another
// connection or process before failing with "database is locked".
const BusyTimeout = 5 * time.Second

// maxReaders bounds the connections used for reads, which WAL lets run in
// parallel with the single writer.
const maxReaders = 4

// Errors.
var (
	// ErrSchemaTooNew: the database was written by a newer rblwatch.
	ErrSchemaTooNew = errors.New("track: database schema is newer than this rblwatch")
	// ErrSchemaOld: a read-only open found a database that still needs
	// migrating (the daemon does that when it opens it).
	ErrSchemaOld = errors.New("track: database schema is older than this rblwatch")
	// ErrReadOnly: a write on a store opened with OpenReadOnly.
	ErrReadOnly = errors.New("track: store is read-only")
	// ErrNotFound: no row with that id.
	ErrNotFound = errors.New("track: not found")
	// ErrInvalid: a value the store refuses to write (missing key, …).
	ErrInvalid = errors.New("track: invalid value")
)

// Store is an open state database. Its methods are safe for concurrent use:
// writes are serialised over one connection, reads use a small pool of their
// own and run in parallel with the writer (WAL).
type Store struct {
	path string
	log  *zap.Logger
	w    *sql.DB // the single writer connection; nil when read-only
	r    *sql.DB // readers

	// txMu serialises write transactions (the writer connection does so
	// too).
	txMu sync.Mutex
	// queue is the picture of Postfix's queue that Apply changes and
	// Writes takes the changed rows of (qmu guards it).
	qmu   sync.Mutex
	queue *queue
	// evicted counts the live messages closed past the cap by the
	// pictures dropped before (Evicted).
	evicted int64
	// spare are value lists of written Writes, for the next (recycle).
	spare [][]any
	// stmts are the writer's prepared hot statements (prepare).
	stmts map[string]*sql.Stmt
}

// Open opens (creating when missing) the state database at path, DefaultPath
// when path is "", and brings its schema up to date. A missing directory is
// created with mode 0750, a missing database file with mode 0640 (it holds
// e-mail addresses). A database written by a newer rblwatch is refused with
// ErrSchemaTooNew. log may be nil.
func Open(path string, log *zap.Logger) (*Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if log == nil {
		log = zap.NewNop()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if err := prepareFile(abs); err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	w, err := sql.Open("sqlite", dsn(abs, writerParams))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	// One writer connection: database/sql hands it to one goroutine at a
	// time, which serialises every write transaction in this process.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(context.Background(), w, log); err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(abs, "mode=rw&"+readerParams))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(maxReaders)
	r.SetMaxIdleConns(maxReaders)
	s := &Store{path: abs, log: log, w: w, r: r}
	if err := s.prepare(context.Background()); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return s, nil
}

// OpenReadOnly opens an existing state database for reading only, as
// `rblwatch messages` does while the daemon runs. It neither creates nor
// migrates anything: a missing file is an error wrapping fs.ErrNotExist, a
// schema other than this binary's is ErrSchemaTooNew or ErrSchemaOld.
// Writes (Tx and the outbox marks) return ErrReadOnly.
func OpenReadOnly(path string, log *zap.Logger) (*Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if log == nil {
		log = zap.NewNop()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(abs, "mode=ro&"+readerParams))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r.SetMaxOpenConns(maxReaders)
	v, err := schemaVersion(context.Background(), r)
	if err == nil {
		switch {
		case v > len(migrations):
			err = fmt.Errorf("%w: it has version %d, this rblwatch knows up to %d", ErrSchemaTooNew, v, len(migrations))
		case v < len(migrations):
			err = fmt.Errorf("%w: it has version %d, this rblwatch needs %d (the daemon upgrades it when it starts)", ErrSchemaOld, v, len(migrations))
		}
	}
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return &Store{path: abs, log: log, r: r}, nil
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database. Committed transactions are already durable;
// Close only releases the connections.
func (s *Store) Close() error {
	var errs []error
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	errs = append(errs, s.r.Close())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("closing %s: %w", s.path, err)
	}
	return nil
}

// Connection settings. The writer runs every transaction as BEGIN
// IMMEDIATE, so it takes the write lock up front and waits (busy_timeout)
// instead of failing when it later upgrades from reading to writing.
//
// synchronous=NORMAL in WAL mode: a commit is written to the WAL but not
// flushed to the disk; the WAL is flushed at each checkpoint (every 8192
// pages, 32 MiB: at SQLite's default of 1000 a catch-up checkpointed, and
// wrote the same pages into the file again, every few batches; the WAL
// file is cut back to 32 MiB after a checkpoint, journal_size_limit). The
// writer caches 16 MiB of pages (cache_size), where the default 2 MiB
// made each batch read the tails of the tables and indexes back. A committed transaction survives kill -9 and any crash
// of rblwatch (it is in the OS page cache), but a power cut or kernel crash
// may roll back the last commits — never corrupt the file. For a batch of
// log lines that is recoverable: it was committed together with the log
// position after it, so the restart reads the lines again from the older
// position and rebuilds what was lost (incident changes, queued notices
// under the same deduplication keys, message rows). Flushing every batch
// (synchronous=FULL) would cost an fsync per batch for nothing the log
// cannot give back. What the log cannot give back is committed with SyncTx
// (synchronous=FULL for that transaction): an outbox item marked sent (lost,
// the notice would go out again) or given up, and the milter's facts.
// docs/store.md says the same for operators.
const (
	writerParams = "_busy_timeout=5000&_foreign_keys=1&_journal_mode=WAL&_synchronous=NORMAL&_txlock=immediate&_pragma=temp_store(memory)&_pragma=wal_autocheckpoint(8192)&_pragma=journal_size_limit(33554432)&_pragma=cache_size(-16384)"
	readerParams = "_busy_timeout=5000&_foreign_keys=1&_query_only=1"
)

// dsn makes a SQLite URI for an absolute path; the path is escaped, so any
// file name works.
func dsn(abs, params string) string {
	u := url.URL{Scheme: "file", Path: abs, RawQuery: params}
	return u.String()
}

// prepareFile creates the directory (0750) and an empty database file (0640)
// when they are missing, so that SQLite never creates them with looser modes.
// SQLite gives its -wal and -shm files the database file's mode.
func prepareFile(abs string) error {
	dir := filepath.Dir(abs)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	return f.Close()
}

// Tx is a write transaction. Its methods are only valid inside the function
// given to Store.Tx, and must not be used from other goroutines.
type Tx struct {
	ctx     context.Context
	s       *Store
	tx      *sql.Tx
	stmts   map[string]*sql.Stmt
	applied bool // ApplyRecord was called: write the Writes at the end
}

// Tx runs fn in a write transaction and commits it when fn returns nil. When
// fn returns an error (or panics) nothing it did is kept, and its error is
// returned as is. Transactions are serialised: inside fn, use only the *Tx
// methods, never the Store's outbox marks (they would wait for the
// transaction that is waiting for them). Store reads are fine but do not see
// fn's uncommitted writes.
func (s *Store) Tx(ctx context.Context, fn func(*Tx) error) (err error) {
	return s.tx(ctx, false, fn)
}

// SyncTx is Tx for what the log cannot give back after a power cut: its
// commit waits until the WAL is on the disk (synchronous=FULL), where Tx's
// commits may be lost with the last moments before a power cut (see
// writerParams). An outbox item marked sent, for one, must stay so.
func (s *Store) SyncTx(ctx context.Context, fn func(*Tx) error) (err error) {
	return s.tx(ctx, true, fn)
}

func (s *Store) tx(ctx context.Context, sync bool, fn func(*Tx) error) (err error) {
	if s.w == nil {
		return ErrReadOnly
	}
	s.txMu.Lock()
	defer s.txMu.Unlock()
	if sync {
		// The setting applies to transactions begun after it.
		if _, err := s.w.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
			return fmt.Errorf("track: beginning transaction: %w", err)
		}
		defer func() {
			if _, rerr := s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = NORMAL`); rerr != nil && err == nil {
				err = fmt.Errorf("track: after a transaction: %w", rerr)
			}
		}()
	}
	stx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("track: beginning transaction: %w", err)
	}
	t := &Tx{ctx: ctx, s: s, tx: stx, stmts: make(map[string]*sql.Stmt)}
	done := false
	defer func() {
		if !done {
			// fn panicked: roll back, let the panic go on.
			_ = stx.Rollback()
			s.Reload()
		}
	}()
	ferr := fn(t)
	if ferr == nil && t.applied {
		ferr = t.Write(s.Writes())
	}
	done = true
	if ferr != nil {
		// The queue in memory may hold what the rolled back
		// transaction did: read it again next time.
		if t.applied {
			s.Reload()
		}
		if rerr := stx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			s.log.Warn("rolling back", zap.Error(rerr))
		}
		return ferr
	}
	if err := stx.Commit(); err != nil {
		if t.applied {
			s.Reload()
		}
		return fmt.Errorf("track: committing: %w", err)
	}
	return nil
}

// stmt returns q prepared for this transaction: one of the statements
// every batch runs (hotQueries), prepared once for the store's life, or
// another one prepared for this transaction.
func (t *Tx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if ps, ok := t.s.stmts[q]; ok {
		st = t.tx.StmtContext(t.ctx, ps)
	} else {
		var err error
		if st, err = t.tx.PrepareContext(t.ctx, q); err != nil {
			return nil, fmt.Errorf("track: preparing: %w", err)
		}
	}
	t.stmts[q] = st
	return st, nil
}

// prepare prepares the statements every batch runs (hotQueries) on the
// writer connection, outside any transaction: compiling a statement costs
// more than running it, and a transaction cannot prepare one for the store's
// life (the one connection is its own).
func (s *Store) prepare(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	for _, q := range hotQueries() {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("track: preparing: %w", err)
		}
		s.stmts[q] = st
	}
	return nil
}

func (t *Tx) exec(q string, args ...any) (sql.Result, error) {
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, args...)
}

func (t *Tx) queryRow(q string, args ...any) *sql.Row {
	st, err := t.stmt(q)
	if err != nil {
		// Surface the preparation error through Scan.
		return t.tx.QueryRowContext(t.ctx, q, args...)
	}
	return st.QueryRowContext(t.ctx, args...)
}

func (t *Tx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := t.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(t.ctx, args...)
}

// timeLayout is how times are stored: UTC, fixed width, so that text order is
// time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// dbTime converts t for storage: NULL for the zero time.
func dbTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// formatTime is t.UTC().Format(timeLayout), written out by hand: the store
// formats several times per message, and time.Format's generic layout
// interpreter cost more than the rest of a row.
func formatTime(t time.Time) string {
	var b [len(timeLayout)]byte
	return string(appendTime(b[:0], t))
}

// appendTime appends formatTime(t) to b. Years outside 0–9999 (which no
// log holds) go through time.Format. The date is worked out from the Unix
// seconds by days (civilDate) and the digits written two at a time:
// t.UTC(), t.Date() and t.Clock() and a digit at a time cost about 570
// instructions a time, a catch-up formats some 700,000 (bench/README.md,
// catchup12).
func appendTime(b []byte, t time.Time) []byte {
	sec := t.Unix()
	days := sec / 86400
	sod := sec - days*86400
	if sod < 0 {
		days, sod = days-1, sod+86400
	}
	year, month, day := civilDate(days)
	if year < 0 || year > 9999 {
		return t.UTC().AppendFormat(b, timeLayout)
	}
	ns := t.Nanosecond()
	hms := int(sod)
	return append(b,
		twoDigits[2*(year/100)], twoDigits[2*(year/100)+1], twoDigits[2*(year%100)], twoDigits[2*(year%100)+1], '-',
		twoDigits[2*month], twoDigits[2*month+1], '-',
		twoDigits[2*day], twoDigits[2*day+1], 'T',
		twoDigits[2*(hms/3600)], twoDigits[2*(hms/3600)+1], ':',
		twoDigits[2*(hms/60%60)], twoDigits[2*(hms/60%60)+1], ':',
		twoDigits[2*(hms%60)], twoDigits[2*(hms%60)+1], '.',
		twoDigits[2*(ns/10000000)], twoDigits[2*(ns/10000000)+1],
		twoDigits[2*(ns/100000%100)], twoDigits[2*(ns/100000%100)+1],
		twoDigits[2*(ns/1000%100)], twoDigits[2*(ns/1000%100)+1],
		twoDigits[2*(ns/10%100)], twoDigits[2*(ns/10%100)+1],
		byte('0'+ns%10), 'Z')
}

// twoDigits holds "00" to "99".
const twoDigits = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" + "30313233343536373839" +
	"40414243444546474849" + "50515253545556575859" + "60616263646566676869" + "70717273747576777879" +
	"80818283848586878889" + "90919293949596979899"

// civilDate is the proleptic Gregorian date of a day counted from
// 1970-01-01 (H. Hinnant's days_from_civil, inverted: eras of 400 years
// that start on 1 March).
func civilDate(days int64) (year, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097                                  // [0, 146096]
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // [0, 399]
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // [0, 365]
	mp := (5*doy + 2) / 153                                // [0, 11], March first
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	y := yoe + era*400
	if month <= 2 {
		y++
	}
	return int(y), month, day
}

// parseTime reads a stored time; NULL is the zero time.
func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("track: stored time %q: %w", s.String, err)
	}
	return t.UTC(), nil
}

// timeScanner scans a nullable TEXT time column into dst.
type timeScanner struct{ dst *time.Time }

func (ts timeScanner) Scan(v any) error {
	var ns sql.NullString
	if err := ns.Scan(v); err != nil {
		return err
	}
	t, err := parseTime(ns)
	if err != nil {
		return err
	}
	*ts.dst = t
	return nil
}

func scanTime(dst *time.Time) sql.Scanner { return timeScanner{dst} }
