package main

import "syscall"

// dieWithParent makes the kernel kill a program the benchmark started when the benchmark dies.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
