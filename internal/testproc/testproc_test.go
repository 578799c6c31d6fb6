package testproc

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestWaitReady: a program that becomes ready, one that exits first and
// one that never gets ready, with its output in the error and Stop ending
// it.
func TestWaitReady(t *testing.T) {
	p, err := Start(t, "echo", exec.Command("sh", "-c", "echo started; exec sleep 60"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	if err := p.WaitReady(10*time.Second, time.Millisecond, func() error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	}); err != nil || calls != 3 {
		t.Fatalf("WaitReady: %v after %d calls", err, calls)
	}
	err = p.WaitReady(50*time.Millisecond, time.Millisecond, func() error { return errors.New("never") })
	if err == nil || !strings.Contains(err.Error(), "echo not ready after 50ms (never)") || !strings.Contains(err.Error(), "started") {
		t.Errorf("WaitReady never ready: %v", err)
	}
	p.Stop()
	select {
	case <-p.exited:
	default:
		t.Error("Stop returned before the program exited")
	}
	p.Stop() // again: nothing

	q, err := Start(t, "failing", exec.Command("sh", "-c", "echo bad flag >&2; exit 3"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	err = q.WaitReady(10*time.Second, time.Millisecond, func() error { return errors.New("no") })
	if err == nil || !strings.Contains(err.Error(), "failing exited at start (exit status 3)") || !strings.Contains(err.Error(), "bad flag") {
		t.Errorf("WaitReady of an exited program: %v", err)
	}
}

// TestFreeAddr: a loopback port of each network, free to listen on.
func TestFreeAddr(t *testing.T) {
	for _, network := range []string{"tcp", "udp"} {
		a, err := FreeAddr(network, "127.0.0.1")
		if err != nil || a.Port() == 0 || a.Addr().String() != "127.0.0.1" {
			t.Errorf("FreeAddr(%s): %v, %v", network, a, err)
		}
	}
}

// TestFreePortsDistinct: the ports of a run are all different. Picked one
// after another, each closed before the next, 500 picks gave 14 to 21
// pairs; a port given twice made Postfix, rblwatch or a stand-in milter
// fail to bind it, or two of them serve one port (bench/milter,
// e2e's milter tests).
func TestFreePortsDistinct(t *testing.T) {
	ports, err := FreePorts("127.0.0.1", 500)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if seen[p] {
			t.Fatalf("port %d given twice", p)
		}
		seen[p] = true
	}
}
