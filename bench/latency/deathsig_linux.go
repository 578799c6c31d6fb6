package main

import "syscall"

// dieWithParent makes the kernel kill the daemon when the bench dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
