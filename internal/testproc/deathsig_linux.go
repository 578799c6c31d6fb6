package testproc

import "syscall"

// DieWithParent makes the kernel kill the program when the test binary
// dies, even by SIGKILL.
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
