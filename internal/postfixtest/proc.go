package postfixtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// proc is one process as /proc/PID/stat describes it.
type proc struct {
	PID   int
	State byte // 'R', 'S', 'Z' (zombie), 'X' (dead), …
	PPID  int
	PGID  int
	Comm  string
}

// gone reports whether the process has exited: a zombie still has a /proc
// entry (and "kill -0" succeeds on it) until its parent reaps it, which for a
// daemonised Postfix master is PID 1, and PID 1 may reap late.
func (p proc) gone() bool { return p.State == 'Z' || p.State == 'X' }

// parseStat parses /proc/PID/stat. The command name is in parentheses and
// may itself contain spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(b []byte) (proc, error) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return proc{}, fmt.Errorf("postfixtest: bad /proc stat %q", b)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return proc{}, fmt.Errorf("postfixtest: bad pid in /proc stat %q", b)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 3 || len(f[0]) != 1 {
		return proc{}, fmt.Errorf("postfixtest: short /proc stat %q", b)
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return proc{}, fmt.Errorf("postfixtest: bad ppid/pgid in /proc stat %q", b)
	}
	return proc{PID: pid, State: f[0][0], PPID: ppid, PGID: pgid, Comm: string(b[open+1 : end])}, nil
}

// readProc reads one process; ok is false when it no longer exists.
func readProc(pid int) (proc, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	p, err := parseStat(b)
	return p, err == nil
}

// alive reports whether pid runs and has not exited (zombies are not alive).
func alive(pid int) bool {
	p, ok := readProc(pid)
	return ok && !p.gone()
}

// procs lists the processes that have not exited and for which keep is true.
func procs(keep func(proc) bool) []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok := readProc(pid)
		if ok && !p.gone() && keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// envValue returns the value of key in a NUL-separated environment block.
func envValue(environ []byte, key string) (string, bool) {
	for _, kv := range bytes.Split(environ, []byte{0}) {
		if k, v, ok := bytes.Cut(kv, []byte{'='}); ok && string(k) == key {
			return string(v), true
		}
	}
	return "", false
}

// mailConfig returns the MAIL_CONFIG a process runs with: "postfix -c DIR"
// exports it, and the master and every daemon inherit it
// (import_environment), so it names the instance a process belongs to.
func mailConfig(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		return ""
	}
	v, _ := envValue(b, "MAIL_CONFIG")
	return v
}

// DirPrefix is the path prefix of the directories of the instances that the
// process pid starts: "/tmp/rblwatch-postfix-PID-".
func DirPrefix(pid int) string {
	return fmt.Sprintf("/tmp/rblwatch-postfix-%d-", pid)
}

// ErrLeftovers is returned by Leftovers.
var ErrLeftovers = errors.New("postfixtest: left behind")

// Leftovers reports Postfix processes that still run for an instance whose
// directory starts with prefix, and such directories still on disk. Tests
// call it after all instances were closed:
//
//	postfixtest.Leftovers(postfixtest.DirPrefix(os.Getpid()))
func Leftovers(prefix string) error {
	var found []string
	for _, p := range procs(func(p proc) bool { return strings.HasPrefix(mailConfig(p.PID), prefix) }) {
		found = append(found, fmt.Sprintf("process %d (%s, MAIL_CONFIG=%s)", p.PID, p.Comm, mailConfig(p.PID)))
	}
	dirs, _ := filepath.Glob(prefix + "*")
	for _, d := range dirs {
		found = append(found, "directory "+d)
	}
	if len(found) == 0 {
		return nil
	}
	sort.Strings(found)
	return fmt.Errorf("%w: %s", ErrLeftovers, strings.Join(found, "; "))
}
