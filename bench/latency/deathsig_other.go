//go:build !linux

package main

import "syscall"

// dieWithParent: only Linux has a parent-death signal; elsewhere the
// bench stops the daemon itself.
func dieWithParent() *syscall.SysProcAttr { return nil }
