//go:build unix

package daemon

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"

	sysunix "golang.org/x/sys/unix"
)

var errWouldBlock = syscall.EWOULDBLOCK

const noFollow = syscall.O_NOFOLLOW

func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// flockHolder names the process holding a flock(2) on f's file, as Linux
// lists it in /proc/locks ("1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0
// EOF": pid, then device major:minor in hex and inode).
func flockHolder(f *os.File) string {
	const unknown = "another process"
	var st syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &st); err != nil {
		return unknown
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		return unknown
	}
	dev := uint64(st.Dev) // its type differs between platforms
	id := []byte(fmt.Sprintf("%02x:%02x:%d", sysunix.Major(dev), sysunix.Minor(dev), st.Ino))
	for line := range bytes.Lines(locks) {
		fields := bytes.Fields(line)
		// "N:" FLOCK ADVISORY WRITE PID DEV:INODE START END, or with
		// "->" after "N:" for a waiter.
		if len(fields) < 6 || !bytes.Equal(fields[1], []byte("FLOCK")) || !bytes.Equal(fields[5], id) {
			continue
		}
		if pid, err := strconv.Atoi(string(fields[4])); err == nil {
			return "pid " + strconv.Itoa(pid)
		}
	}
	return unknown
}
