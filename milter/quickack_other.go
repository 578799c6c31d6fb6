//go:build !linux

package milter

// quickAck: only Linux has TCP_QUICKACK (quickack_linux.go).
func quickAck(fd uintptr) {}
