package milter

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// DefaultSocketMode is the mode of a unix socket: the owner and its group
// may connect, nobody else. In the directory docs/milter.md has made
// (PostfixSocketDir: Postfix's group, setgid) the group is Postfix's.
const DefaultSocketMode fs.FileMode = 0o660

// Listen errors.
var (
	// ErrNotLoopback: a TCP address beyond this host without AllowRemote.
	ErrNotLoopback = errors.New("milter: listen address is not loopback")
	// ErrInUse: another process serves the unix socket.
	ErrInUse = errors.New("milter: socket in use by another process")
	// ErrNotSocket: the unix socket path names something else.
	ErrNotSocket = errors.New("milter: path exists and is not a socket")
)

// ListenOptions adjust Listen.
type ListenOptions struct {
	// AllowRemote accepts a TCP address that is not loopback. Postfix runs
	// on this host: a milter reachable from the network lets anyone read
	// and mark mail facts.
	AllowRemote bool
	// SocketMode is a unix socket's mode; 0 is DefaultSocketMode.
	SocketMode fs.FileMode
}

// Listen opens the milter's listener: network "tcp" (address HOST:PORT, a
// loopback address unless o.AllowRemote) or "unix" (an absolute path; the
// directory is created with mode 0750 when missing, a stale socket left by
// a crash is removed, a live one or a file that is not a socket is an
// error, and the new socket gets o.SocketMode). Closing the listener
// removes the socket. config.Milter.Network splits the milter.listen
// setting into these two arguments.
func Listen(network, address string, o ListenOptions) (net.Listener, error) {
	switch network {
	case "tcp":
		if !o.AllowRemote && !loopbackHost(address) {
			return nil, fmt.Errorf("%w: %s", ErrNotLoopback, address)
		}
		// No TCP keep-alive on accepted connections: Postfix is on this
		// host, the idle timeout closes dead ones, and setting it costs
		// four system calls per connection (one per SMTP session).
		lc := net.ListenConfig{KeepAlive: -1}
		ln, err := lc.Listen(context.Background(), "tcp", address)
		if err != nil {
			return nil, fmt.Errorf("milter: %w", err)
		}
		if a, ok := ln.Addr().(*net.TCPAddr); !o.AllowRemote && (!ok || !a.IP.IsLoopback()) {
			ln.Close()
			return nil, fmt.Errorf("%w: %s listens on %s", ErrNotLoopback, address, ln.Addr())
		}
		return ln, nil
	case "unix":
		return listenUnix(address, o)
	}
	return nil, fmt.Errorf("milter: listen on %q %q: want tcp or unix", network, address)
}

// loopbackHost reports whether address's host may be loopback: a loopback
// IP, or a name (checked again on the bound address). An empty host or an
// unspecified or other address is not.
func loopbackHost(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return true // net.Listen says what is wrong
	}
	if host == "" {
		return false // every interface
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	return true
}

func listenUnix(path string, o ListenOptions) (net.Listener, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("milter: socket %q: the path must be absolute", path)
	}
	mode := o.SocketMode
	if mode == 0 {
		mode = DefaultSocketMode
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("milter: socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("milter: %w", err)
	}
	if err := os.Chmod(path, mode); err != nil {
		ln.Close()
		return nil, fmt.Errorf("milter: socket mode: %w", err)
	}
	return ln, nil
}

// removeStale removes a socket nobody listens on any more.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("milter: socket: %w", err)
	case fi.Mode().Type() != fs.ModeSocket:
		return fmt.Errorf("%w: %s (%s)", ErrNotSocket, path, fi.Mode().Type())
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("%w: %s", ErrInUse, path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("milter: checking the old socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("milter: removing the stale socket: %w", err)
	}
	return nil
}
