package testproc

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary be the listening program of the tests:
// with TESTPROC_LISTEN=ADDR it serves /-/ready on ADDR, or says why it
// cannot and exits 1.
func TestMain(m *testing.M) {
	if addr := os.Getenv("TESTPROC_LISTEN"); addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = http.Serve(ln, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestStartListeningPortTaken: the port picked first is taken meanwhile
// by another process — one that does not answer the readiness check, and
// one that does (another instance of the program, run by a test beside
// this one). The program is started again on another port, and the
// address returned is its own listener's.
func TestStartListeningPortTaken(t *testing.T) {
	for _, answers := range []bool{false, true} {
		taken, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if answers {
			go http.Serve(taken, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		}
		picks := 0
		l := Listener{
			Name: "listener", IP: "127.0.0.1", Grace: time.Second, Timeout: 10 * time.Second,
			Command: func(addr netip.AddrPort) *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), "TESTPROC_LISTEN="+addr.String())
				return cmd
			},
			Ready: func(addr netip.AddrPort) func() error { return HTTPReady("http://" + addr.String() + "/") },
			pick: func() (netip.AddrPort, error) {
				if picks++; picks == 1 {
					return netip.MustParseAddrPort(taken.Addr().String()), nil
				}
				return FreeAddr("tcp", "127.0.0.1")
			},
		}
		p, addr, err := StartListening(t, l)
		if err != nil {
			t.Fatalf("answers %v: %v", answers, err)
		}
		if addr.String() == taken.Addr().String() || picks != 2 || !HoldsSocket(p.Process().Pid, listenerOf(addr)) {
			t.Errorf("answers %v: listening on %s after %d picks (the taken port %s); its own: %v", answers, addr, picks, taken.Addr(), HoldsSocket(p.Process().Pid, listenerOf(addr)))
		}
		p.Stop()
		taken.Close()
	}
}

func TestListenerInode(t *testing.T) {
	table := []byte(`  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1619 1
   1: 0100007F:2729 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1620 1
   2: 0B00007F:0019 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1621 1
`)
	for _, tt := range []struct {
		addr, want string
	}{
		{"127.0.0.1:10025", "1620"},
		{"127.0.0.1:10026", ""},
		{"127.0.0.11:25", ""}, // established, not listening
		{"0.0.0.0:2024", "1619"},
	} {
		if got := ListenerInode(table, netip.MustParseAddrPort(tt.addr)); got != tt.want {
			t.Errorf("ListenerInode(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

// TestClosedAddr: connections to the address are refused; no one else can
// listen there while it is held (a port merely picked free could be taken
// by another process meanwhile); after release, the test can.
func TestClosedAddr(t *testing.T) {
	addr, release := ClosedAddr(t, "127.0.0.1")
	if c, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dialing %s: %v, want connection refused", addr, err)
	}
	if ln, err := net.Listen("tcp", addr); !errors.Is(err, syscall.EADDRINUSE) {
		if ln != nil {
			ln.Close()
		}
		t.Errorf("listening on the held %s: %v, want address in use", addr, err)
	}
	release()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s after release: %v", addr, err)
	}
	ln.Close()
	release() // again: nothing
}
