//go:build !unix

package daemon

import (
	"errors"
	"os"
)

// Without flock(2) the state is not locked.

var errWouldBlock = errors.New("would block")

const noFollow = 0

func lockFile(*os.File) error { return nil }
func unlockFile(*os.File)     {}

func flockHolder(*os.File) string { return "another process" }
