package testproc

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Listener is a program that listens on a TCP address it is told, for
// StartListening.
type Listener struct {
	Name string
	IP   string // the loopback IP to listen on
	// Command makes the program, told to listen on addr.
	Command func(addr netip.AddrPort) *exec.Cmd
	// Ready makes the readiness check of the program on addr (WaitReady's).
	Ready func(addr netip.AddrPort) func() error
	// Grace is Start's, Timeout WaitReady's.
	Grace, Timeout time.Duration

	pick func() (netip.AddrPort, error) // the tests': FreeAddr when nil
}

// listenAttempts bounds the starts on a port taken meanwhile.
const listenAttempts = 5

// StartListening starts l's program on a port that was free when picked
// and waits until it is ready and holds the listening socket itself.
// Another process (a test running beside this one) may take the port
// between the pick and the program's bind: then the program exits
// ("address already in use"), or the readiness check reaches the other
// process's listener; StartListening stops it and starts it again on
// another port, up to five times, so that the address it returns leads to
// this program and no other.
func StartListening(t testing.TB, l Listener) (*Proc, netip.AddrPort, error) {
	t.Helper()
	pick := l.pick
	if pick == nil {
		pick = func() (netip.AddrPort, error) { return FreeAddr("tcp", l.IP) }
	}
	for attempt := 1; ; attempt++ {
		addr, err := pick()
		if err != nil {
			return nil, addr, fmt.Errorf("%s: choosing a port: %w", l.Name, err)
		}
		p, err := Start(t, l.Name, l.Command(addr), l.Grace)
		if err != nil {
			return nil, addr, err
		}
		err = p.WaitReady(l.Timeout, 50*time.Millisecond, l.Ready(addr))
		taken := err != nil && strings.Contains(strings.ToLower(p.Output()), "address already in use")
		if err == nil {
			if HoldsSocket(p.cmd.Process.Pid, listenerOf(addr)) {
				return p, addr, nil
			}
			err, taken = fmt.Errorf("%s: the listener on %s is not its own", l.Name, addr), true
		}
		p.Stop()
		if !taken || attempt == listenAttempts {
			return nil, addr, err
		}
		t.Logf("%v: starting %s again on another port", err, l.Name)
	}
}

// listenerOf returns the inode of the TCP socket listening on addr, or "".
func listenerOf(addr netip.AddrPort) string {
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		return ""
	}
	return ListenerInode(table, addr)
}

// ListenerInode returns the inode of the socket a /proc/net/tcp table
// shows in LISTEN state on the IPv4 address addr, or "". Reading the
// table, unlike connecting, leaves no trace in the listener's log.
func ListenerInode(table []byte, addr netip.AddrPort) string {
	a4 := addr.Addr().As4()
	// /proc/net/tcp writes the IPv4 address as a host-order (little-endian
	// on every platform the tests run on) 32-bit hex number.
	want := fmt.Sprintf("%02X%02X%02X%02X:%04X", a4[3], a4[2], a4[1], a4[0], addr.Port())
	for _, line := range strings.Split(string(table), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[3] == "0A" {
			return f[9]
		}
	}
	return ""
}

// HoldsSocket reports whether process pid has the socket inode open.
func HoldsSocket(pid int, inode string) bool {
	if inode == "" {
		return false
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == "socket:["+inode+"]" {
			return true
		}
	}
	return false
}

// ClosedAddr returns a TCP address on the loopback IPv4 address ip where
// nothing listens, so that connections to it are refused, and keeps it so
// until release (or the end of the test): a socket bound to it, never
// listening, holds the port, which no other process can take meanwhile. A
// test that listens there later calls release first. (A port merely free
// when picked, FreeAddr's, may be taken by another process — a test
// beside this one — before the test is done with it.)
func ClosedAddr(t testing.TB, ip string) (addr string, release func()) {
	t.Helper()
	a := net.ParseIP(ip).To4()
	if a == nil {
		t.Fatalf("testproc.ClosedAddr: %q is not an IPv4 address", ip)
	}
	// Marked close-on-exec under syscall.ForkLock, as package net does
	// where SOCK_CLOEXEC is missing (darwin): else a child another test
	// starts between socket(2) and the mark inherits the socket and holds
	// the port past release.
	syscall.ForkLock.RLock()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err == nil {
		syscall.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { syscall.Close(fd) }) }
	t.Cleanup(release)
	sa := &syscall.SockaddrInet4{}
	copy(sa.Addr[:], a)
	if err := syscall.Bind(fd, sa); err != nil {
		t.Fatalf("testproc.ClosedAddr: binding %s: %v", ip, err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(ip, strconv.Itoa(bound.(*syscall.SockaddrInet4).Port)), release
}
