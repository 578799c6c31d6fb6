//go:build !linux

package testproc

import "syscall"

// DieWithParent: only Linux has a parent-death signal; elsewhere Stop and
// the test's cleanup are what stop the program.
func DieWithParent() *syscall.SysProcAttr { return nil }
