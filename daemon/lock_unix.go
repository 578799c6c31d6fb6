//go:build unix

package daemon

import (
	"os"
	"syscall"
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
