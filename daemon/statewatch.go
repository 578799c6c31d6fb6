package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/track"
)

// ErrStateLost is wrapped by Run's error when the state file was deleted or
// replaced while the daemon ran: the daemon then stops, so that the service
// manager starts it again on a state it can keep.
var ErrStateLost = errors.New("daemon: the state file was deleted or replaced while rblwatch ran")

// ErrStateLostAtStart is wrapped by Build's or Run's error when the state
// file was deleted or replaced while the daemon started, before it read
// any of the log: nothing of this run is lost, so the caller starts again
// at once (Build, then Run), on a new state file or the one put in its
// place — as a start after the deletion would — with what the store
// left beside the lost file removed (Finish).
var ErrStateLostAtStart = errors.New("daemon: the state file was deleted or replaced while rblwatch started")

// StateWatch notices the state file deleted or replaced under the running
// daemon. SQLite keeps writing to a deleted file, which nobody will ever
// read again: every position, incident and notice recorded after the
// deletion would be lost at the next start, which would then begin at the
// end of the log (missing what was logged meanwhile) and announce ongoing
// incidents again. So the watch stops the daemon at once; when the file was
// deleted, Run saves what the running database holds, once everything that
// writes to it has stopped, to a copy beside it (Save), which Finish puts in
// place once the store is closed: the restart resumes where this run
// stopped, and sends nothing this run sent.
type StateWatch struct {
	path    string
	fi      fs.FileInfo
	log     *zap.Logger
	copy    string // the saved copy, to put in place by Finish
	lost    bool
	deleted bool // lost by deletion: Save copies the running state
}

// WatchState starts watching the state file at path, which must exist.
func WatchState(path string, log *zap.Logger) (*StateWatch, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("daemon: watching the state file: %w", err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	return &StateWatch{path: path, fi: fi, log: log}, nil
}

// Check returns an error wrapping ErrStateLost when the path no longer
// names the file the store opened. For a deleted file the running database
// is copied beside it by Save once the daemon's work has stopped; a
// replaced file is left alone: whoever put it there meant it.
func (w *StateWatch) Check(ctx context.Context, st *track.Store) error {
	if w == nil || w.lost {
		return nil
	}
	fi, err := os.Stat(w.path)
	switch {
	case err == nil && os.SameFile(fi, w.fi):
		return nil
	case err == nil:
		w.lost = true
		w.log.Error("STATE FILE REPLACED while rblwatch ran: stopping, so that the service manager restarts rblwatch on the new file",
			zap.String("state", w.path))
		return fmt.Errorf("%w: %s is another file now", ErrStateLost, w.path)
	case !errors.Is(err, fs.ErrNotExist):
		// Unreadable for a moment (permissions changed?): say so, and
		// look again at the next tick.
		w.log.Warn("cannot look at the state file", zap.String("state", w.path), zap.Error(err))
		return nil
	}
	w.lost, w.deleted = true, true
	w.log.Error("STATE FILE DELETED while rblwatch ran: stopping, so that the service manager restarts rblwatch; the running state is saved once the daemon's work has stopped, and put back",
		zap.String("state", w.path))
	return fmt.Errorf("%w: %s was deleted", ErrStateLost, w.path)
}

// CheckStart is Check for a daemon that has read nothing yet (Run, once
// it has loaded the state): an error wrapping ErrStateLostAtStart when the
// path no longer names the file the store opened.
func (w *StateWatch) CheckStart() error {
	if w == nil || w.lost {
		return nil
	}
	fi, err := os.Stat(w.path)
	if err == nil && os.SameFile(fi, w.fi) || err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	w.lost = true
	return lostAtStart(w.path, err == nil, w.log)
}

// lostAtStart says in the log that the state file at path was deleted (or
// replaced) while rblwatch started, and returns the error that starts it
// again.
func lostAtStart(path string, replaced bool, log *zap.Logger) error {
	if replaced {
		log.Error("STATE FILE REPLACED while rblwatch started: it starts again on the new file", zap.String("state", path))
		return fmt.Errorf("%w: %s is another file now", ErrStateLostAtStart, path)
	}
	log.Error("STATE FILE DELETED while rblwatch started, before it read the log: it starts again on a new state, as a start after the deletion would",
		zap.String("state", path))
	return fmt.Errorf("%w: %s was deleted", ErrStateLostAtStart, path)
}

// removeLeftovers removes the write-ahead log and shared-memory files of
// the state at path, which is gone: SQLite would replay them into whatever
// file comes next under the name.
func removeLeftovers(path string) error {
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// RecoverState puts in place, before the store is opened, a state saved
// when the state file was deleted (path+".recovered", see Save) that no
// Finish put back — the daemon was killed after saving it, or the rename
// failed: without it the start would begin anew, read back log.backfill of
// the log and announce again what the saved state says was announced. A
// saved state beside an existing state file is left alone, with a warning:
// whoever put that file there meant it. Call it with the state locked.
func RecoverState(path string, log *zap.Logger) error {
	saved := path + ".recovered"
	if _, err := os.Stat(saved); err != nil {
		return nil // none (or unreadable: nothing to recover from)
	}
	if _, err := os.Lstat(path); err == nil {
		log.Warn("a saved state is left beside the state file, which is used", zap.String("state", path), zap.String("saved", saved))
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("daemon: looking at the state file: %w", err)
	}
	if err := removeLeftovers(path); err != nil { // of the deleted file, never of the copy
		return fmt.Errorf("daemon: removing what the lost state left: %w", err)
	}
	if err := os.Rename(saved, path); err != nil {
		return fmt.Errorf("daemon: putting the saved state back: %w", err)
	}
	log.Warn("the state file was missing: the state saved when it was deleted is put back, the start resumes from it", zap.String("state", path), zap.String("saved", saved))
	return nil
}

// Save copies the running database (st) beside the deleted state file,
// for Finish to put in place. Run calls it when it returns with
// ErrStateLost, after the loop, the composer and the outbox worker have
// stopped and the last notices were sent: a copy taken while they still
// ran would miss the notices delivered after it, and the restart would
// send them again. For a replaced file (or none lost) it does nothing.
func (w *StateWatch) Save(ctx context.Context, st *track.Store) {
	if w == nil || !w.deleted || w.copy != "" {
		return
	}
	saved := w.path + ".recovered"
	os.Remove(saved) // a leftover of an earlier attempt
	if err := st.CopyTo(ctx, saved); err != nil {
		w.log.Error("the running state could not be saved after its file was deleted: the next start begins anew (log.backfill reads back the recent log, and announces again what is still current in it)",
			zap.String("state", w.path), zap.Error(err))
		return
	}
	w.copy = saved
	w.log.Warn("the running state is saved", zap.String("state", w.path), zap.String("saved", saved))
}

// Finish runs after the store is closed. When the state was lost it
// removes the write-ahead log and shared-memory files the closed
// connection leaves behind (SQLite does not clean up after a deleted
// database, and they would be replayed into whatever file comes next under
// the name), and puts the saved copy in place — unless a file appeared at
// the path meanwhile, which is then left alone.
func (w *StateWatch) Finish() {
	if w == nil || !w.lost {
		return
	}
	if err := removeLeftovers(w.path); err != nil {
		w.log.Warn("removing what the lost state left", zap.String("state", w.path), zap.Error(err))
	}
	if w.copy == "" {
		return
	}
	if _, err := os.Lstat(w.path); err == nil {
		w.log.Error("a new state file appeared: the saved state is left beside it", zap.String("state", w.path), zap.String("saved", w.copy))
		return
	}
	if err := os.Rename(w.copy, w.path); err != nil {
		w.log.Error("putting the saved state back", zap.String("state", w.path), zap.String("saved", w.copy), zap.Error(err))
		return
	}
	w.log.Warn("the saved state is back in place: the next start resumes where this one stopped", zap.String("state", w.path))
}
