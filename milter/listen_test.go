package milter

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestListenTCPLoopbackOnly(t *testing.T) {
	ln, err := Listen("tcp", "127.0.0.1:0", ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	// Refused before anything is bound.
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8899", "[::]:0"} {
		if ln, err := Listen("tcp", addr, ListenOptions{}); !errors.Is(err, ErrNotLoopback) {
			if ln != nil {
				ln.Close()
			}
			t.Errorf("%s: %v, want ErrNotLoopback", addr, err)
		}
	}
	if _, err := Listen("udp", "127.0.0.1:0", ListenOptions{}); err == nil {
		t.Error("udp accepted")
	}
}

func TestListenUnix(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "spool", "rblwatch")
	path := filepath.Join(dir, "milter.sock")

	// The directory is made, the socket gets the mode asked for.
	ln, err := Listen("unix", path, ListenOptions{SocketMode: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("directory: %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v %v", fi.Mode(), err)
	}

	// A live socket is not taken over.
	if _, err := Listen("unix", path, ListenOptions{}); !errors.Is(err, ErrInUse) {
		t.Errorf("second listener: %v, want ErrInUse", err)
	}
	ln.Close()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left after Close: %v", err)
	}

	// A stale socket (a crash left it) is replaced.
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("no stale socket to test with: %v", err)
	}
	ln, err = Listen("unix", path, ListenOptions{})
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	ln.Close()

	// Anything else is left alone.
	if err := os.WriteFile(path, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen("unix", path, ListenOptions{}); !errors.Is(err, ErrNotSocket) {
		t.Errorf("over a file: %v, want ErrNotSocket", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "precious" {
		t.Errorf("the file was touched: %q %v", b, err)
	}

	if _, err := Listen("unix", "milter.sock", ListenOptions{}); err == nil {
		t.Error("a relative socket path was accepted")
	}
}
