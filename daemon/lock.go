package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrLocked is wrapped by LockState's error when another process holds the
// state.
var ErrLocked = errors.New("daemon: the state is in use by another rblwatch")

// LockPath is the lock file of a state file: beside it, named after it.
// A state path that is a symbolic link to the file is followed first (as
// SQLite does for its -wal and -shm files), so that two daemons given the
// one file under two names take the same lock.
func LockPath(state string) string {
	if p, err := filepath.EvalSymlinks(state); err == nil {
		state = p
	}
	return state + ".lock"
}

// StateLock is a held lock on a state file (see LockState).
type StateLock struct {
	f     *os.File
	path  string
	state *os.File // the state file itself, once HoldFile took it
}

// Path is the lock file's name.
func (l *StateLock) Path() string { return l.path }

// Unlock releases the lock. The file stays: removing it would let a second
// process lock a new file while a third still waits on the old one.
// Call it once the store is closed: closing a descriptor of the state file
// would drop the locks SQLite holds on it.
func (l *StateLock) Unlock() {
	if l == nil {
		return
	}
	if l.state != nil {
		unlockFile(l.state)
		l.state.Close()
		l.state = nil
	}
	if l.f != nil {
		unlockFile(l.f)
		l.f.Close()
		l.f = nil
	}
}

// HoldFile adds the state file itself to a held lock: an exclusive
// flock(2) on it, kept until Unlock. The lock file is found by the state's
// name, so a second daemon given the same file under another name that is
// no symbolic link (a hard link in another directory) takes a lock file of
// its own; this lock, on the file, refuses it as well, and names the holder
// by the pid the kernel gives (/proc/locks). Call it before the store opens
// the file (SQLite's locks are fcntl(2) locks, which flock(2) leaves alone)
// and after RecoverState, which may put another file in its place. A
// missing file is created empty (mode 0640, as the store creates it; SQLite
// takes an empty file as a new database).
func (l *StateLock) HoldFile(state string) error {
	f, err := os.OpenFile(state, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("daemon: opening the state: %w", err)
	}
	if err := lockFile(f); err != nil {
		holder := flockHolder(f)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return fmt.Errorf("%w: %s is held by %s, under another name (a hard link?); stop that daemon first, or give this one another state.path", ErrLocked, state, holder)
		}
		return fmt.Errorf("daemon: locking %s: %w", state, err)
	}
	l.state = f
	return nil
}

// LockState takes the lock that makes one daemon per state file: an
// exclusive flock(2) on LockPath(state), which the kernel releases when the
// process ends, however it ends (no stale lock after kill -9). The holder
// writes who it is into the file — pid, host, start time — so that a second
// daemon refused the lock can name it. host and now describe this process.
func LockState(state, host string, now time.Time) (*StateLock, error) {
	path := LockPath(state)
	// A missing directory is made as the store makes it (track.Open).
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("daemon: lock file: %w", err)
	}
	// Never through a symbolic link, and only a regular file: the lock
	// file is truncated and written, and whoever can write in the state's
	// directory must not make that hit another file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|noFollow, 0o644)
	if err != nil {
		return nil, fmt.Errorf("daemon: lock file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("daemon: lock file %s is not a regular file", path)
	}
	if err := lockFile(f); err != nil {
		holder := readHolder(f)
		f.Close()
		if errors.Is(err, errWouldBlock) {
			return nil, fmt.Errorf("%w: %s is held by %s; stop that daemon first, or give this one another state.path", ErrLocked, path, holder)
		}
		return nil, fmt.Errorf("daemon: locking %s: %w", path, err)
	}
	info := fmt.Sprintf("pid=%d host=%s start=%s\n", os.Getpid(), host, now.UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(info), 0)
	}
	if err != nil {
		unlockFile(f)
		f.Close()
		return nil, fmt.Errorf("daemon: writing %s: %w", path, err)
	}
	return &StateLock{f: f, path: path}, nil
}

// readHolder describes the process named in a lock file: "pid 123 on mx
// (started 2026-12-06T08:00:00Z)".
func readHolder(f *os.File) string {
	buf := make([]byte, 512)
	n, _ := f.ReadAt(buf, 0)
	fields := map[string]string{}
	for kv := range strings.FieldsSeq(string(buf[:n])) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			fields[k] = v
		}
	}
	pid, err := strconv.Atoi(fields["pid"])
	if err != nil {
		return "another process (it has not written its name yet)"
	}
	return fmt.Sprintf("pid %d on %s (started %s)", pid, cleanField(fields["host"]), cleanField(fields["start"]))
}

// cleanField keeps a lock file's field printable: the file is ours, but it
// is read back into a terminal.
func cleanField(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > 255 {
		s = s[:255]
	}
	if s == "" {
		return "?"
	}
	return s
}
