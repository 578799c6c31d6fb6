package track

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// rawRows runs the multi-row writes (writeRows: the messages' upserts and
// the incidents' rows, hundreds of values a statement) on statements
// prepared on the writer's driver connection, bound from one reused list
// of driver.NamedValue, instead of through database/sql.
//
// Hand-written over database/sql for a measured reason (bench/README.md,
// catchup10): a catch-up binds about 19 M values, and database/sql's Exec
// converts each one (driver.DefaultParameterConverter, a NamedValue slice
// allocated per statement: 97 MB a dense catch-up) before the driver binds
// it. Here the values the store builds are passed as they are (driverValue
// converts the few non-driver types) and the list is allocated once.
// Everything else goes through database/sql; these statements run inside
// the transaction database/sql began on the same connection, so commits,
// rollbacks and their guarantees are unchanged.
type rawRows struct {
	conn  any                    // the driver connection stmts belong to
	stmts map[string]driver.Stmt // by text
	args  []driver.NamedValue
}

// execRows runs q, one of the statements writeRows runs, with vals.
func (t *Tx) execRows(q string, vals []any) error {
	return t.conn.Raw(func(dc any) error {
		return t.s.rows.exec(t.ctx, dc, q, vals)
	})
}

func (r *rawRows) exec(ctx context.Context, dc any, q string, vals []any) error {
	if r.conn != dc {
		// A new connection (database/sql replaced a broken one): the
		// old one's statements went with it.
		r.conn, r.stmts = dc, map[string]driver.Stmt{}
	}
	st, ok := r.stmts[q]
	if !ok {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return errors.New("track: the sqlite driver cannot prepare with a context")
		}
		var err error
		if st, err = pc.PrepareContext(ctx, q); err != nil {
			return fmt.Errorf("track: preparing: %w", err)
		}
		r.stmts[q] = st
	}
	se, ok := st.(driver.StmtExecContext)
	if !ok {
		return errors.New("track: the sqlite driver cannot execute with a context")
	}
	if n := st.NumInput(); n >= 0 && n != len(vals) {
		return fmt.Errorf("track: %d values for %d parameters", len(vals), n)
	}
	if cap(r.args) < len(vals) {
		r.args = make([]driver.NamedValue, len(vals))
	}
	args := r.args[:len(vals)]
	for i, v := range vals {
		dv, err := driverValue(v)
		if err != nil {
			clear(args[:i])
			return fmt.Errorf("track: value %d: %w", i+1, err)
		}
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: dv}
	}
	_, err := se.ExecContext(ctx, args)
	// Hold no row's strings until the next statement.
	clear(args)
	return err
}

// driverValue is v as a driver.Value: the types the store's rows hold pass
// as they are, others go through database/sql's own conversion.
func driverValue(v any) (driver.Value, error) {
	switch x := v.(type) {
	case nil, string, int64, bool, float64, []byte:
		return x, nil
	case int:
		return int64(x), nil
	}
	return driver.DefaultParameterConverter.ConvertValue(v)
}

// closeRows closes the statements rawRows prepared, before the writer
// connection closes (an unfinalized statement would keep the file open).
func (s *Store) closeRows() error {
	s.txMu.Lock()
	defer s.txMu.Unlock()
	if len(s.rows.stmts) == 0 {
		return nil
	}
	c, err := s.w.Conn(context.Background())
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Raw(func(dc any) error {
		var errs []error
		if dc == s.rows.conn {
			for _, st := range s.rows.stmts {
				errs = append(errs, st.Close())
			}
		}
		s.rows = rawRows{}
		return errors.Join(errs...)
	})
}
