package daemon

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLockState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.db")
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	first, err := LockState(state, "mx1.example.org", start)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file: a second open conflicts even
	// in the same process.
	_, err = LockState(state, "mx2.example.org", start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v, want ErrLocked", err)
	}
	for _, want := range []string{"pid " + strconv.Itoa(os.Getpid()), "on mx1.example.org", "started 2026-12-06T08:00:00Z", state + ".lock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	// The same state under another name — a symbolic link to the file —
	// is the same lock (two daemons on it sent every notice twice).
	if err := os.WriteFile(state, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	alias := filepath.Join(t.TempDir(), "alias.db")
	if err := os.Symlink(state, alias); err != nil {
		t.Fatal(err)
	}
	if l, err := LockState(alias, "mx3.example.org", start); !errors.Is(err, ErrLocked) {
		l.Unlock()
		t.Errorf("a lock through a link to the state file: %v, want ErrLocked", err)
	}
	first.Unlock()
	second, err := LockState(state, "mx2.example.org", start)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	defer second.Unlock()

	// A symbolic link (or a directory) in the lock file's place is refused
	// and its target left alone.
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	linked := filepath.Join(dir, "linked.db")
	if err := os.Symlink(victim, LockPath(linked)); err != nil {
		t.Fatal(err)
	}
	if l, err := LockState(linked, "h", start); err == nil {
		l.Unlock()
		t.Error("a lock through a symbolic link")
	}
	if data, _ := os.ReadFile(victim); string(data) != "precious" {
		t.Errorf("the link's target was written: %q", data)
	}
	dirLock := filepath.Join(dir, "d.db")
	if err := os.Mkdir(LockPath(dirLock), 0o755); err != nil {
		t.Fatal(err)
	}
	if l, err := LockState(dirLock, "h", start); err == nil {
		l.Unlock()
		t.Error("a directory as the lock file")
	}

	// A lock file written by someone else is read back printable and short.
	path := filepath.Join(t.TempDir(), "x.db")
	held, err := LockState(path, "h", start)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	if err := os.WriteFile(LockPath(path), []byte("pid=7 host=\x1b]0;pwned\x07"+strings.Repeat("a", 1000)+" start=x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LockState(path, "h", start)
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || len(err.Error()) > 700 || !strings.Contains(err.Error(), "pid 7") {
		t.Errorf("hostile lock file: %q", err)
	}
}

// TestLockStateHardLink: the state file under another name that is no
// symbolic link — a hard link in another directory, whose lock file is
// beside that name — is refused too, naming the holder's pid: two daemons
// on it sent every notice twice, and SQLite, whose -wal file goes by the
// name, could corrupt the database.
func TestLockStateHardLink(t *testing.T) {
	start := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	state := filepath.Join(t.TempDir(), "state.db")
	first, err := LockState(state, "mx1.example.org", start)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Unlock()
	// A new state: HoldFile creates the file (mode 0640 less the umask,
	// as the store).
	if err := first.HoldFile(state); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Fatalf("state file after HoldFile: %v, want mode 0640 at most", err)
	}
	link := filepath.Join(t.TempDir(), "state.db")
	if err := os.Link(state, link); err != nil {
		t.Fatal(err)
	}
	second, err := LockState(link, "mx2.example.org", start)
	if err != nil {
		t.Fatalf("the lock file beside the link: %v", err)
	}
	err = second.HoldFile(link)
	second.Unlock()
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("the state through a hard link: %v, want ErrLocked", err)
	}
	for _, want := range []string{link, "pid " + strconv.Itoa(os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	// Released with the lock.
	first.Unlock()
	third, err := LockState(link, "mx3.example.org", start)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Unlock()
	if err := third.HoldFile(link); err != nil {
		t.Errorf("after the holder unlocked: %v", err)
	}
}

// TestLockStateMakesTheDirectory: a state in a directory that does not
// exist yet (a first start with state.path of its own) is locked, the
// directory made as the store makes it (0750): the lock, taken before the
// store opens, failed with "no such file or directory".
func TestLockStateMakesTheDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "sub")
	l, err := LockState(filepath.Join(dir, "state.db"), "mx.example.org", time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm()&^0o750 != 0 {
		t.Errorf("state directory: %v, want mode 0750 at most", err)
	}
}
