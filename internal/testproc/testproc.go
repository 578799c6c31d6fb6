// Package testproc runs the real peer programs of tests (Alertmanager,
// Prometheus, rbldnsd): on loopback, on a port free a moment ago, with
// their output collected; a program never outlives the test binary, is
// stopped when the test ends, and has its output logged when the test
// failed.
//
//	addr, err := testproc.FreeAddr("tcp", "127.0.0.1")
//	p, err := testproc.Start(t, "alertmanager", exec.Command(bin, "--web.listen-address="+addr.String()), 10*time.Second)
//	err = p.WaitReady(30*time.Second, 50*time.Millisecond, testproc.HTTPReady("http://"+addr.String()+"/-/ready"))
package testproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreeAddr returns an address on the loopback IP ip whose port, of network
// "tcp" or "udp", was free a moment ago: for a program that cannot listen
// on port 0 and tell which port it took. Another process may take the
// port first; a caller that can start again on another port should.
func FreeAddr(network, ip string) (netip.AddrPort, error) {
	addr := net.JoinHostPort(ip, "0")
	if network == "udp" {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return netip.AddrPort{}, err
		}
		defer pc.Close()
		return netip.MustParseAddrPort(pc.LocalAddr().String()), nil
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer ln.Close()
	return netip.MustParseAddrPort(ln.Addr().String()), nil
}

// FreePorts returns n distinct TCP ports on the loopback IP ip that were
// free a moment ago, as FreeAddr's. Each is held until the last is
// picked: a port closed is free to be picked again at once (about 18
// pairs in 500 picks one after another).
func FreePorts(ip string, n int) ([]int, error) {
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
		if err != nil {
			return nil, err
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Proc is a running program.
type Proc struct {
	name  string
	cmd   *exec.Cmd
	grace time.Duration

	mu  sync.Mutex
	out bytes.Buffer

	exited chan struct{} // closed when the program has exited
	err    error         // its exit status, set before exited is closed
	stop   sync.Once
}

// Start starts cmd, its standard output and error collected, and stops it
// when the test ends (Stop). name names the program in messages.
func Start(t testing.TB, name string, cmd *exec.Cmd, grace time.Duration) (*Proc, error) {
	p := &Proc{name: name, cmd: cmd, grace: grace, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p, p
	cmd.SysProcAttr = DieWithParent() // never outlive the test binary (Linux)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.Output())
		}
	})
	return p, nil
}

// Write collects the program's output.
func (p *Proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// Output returns what the program wrote so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Process is the running program, for signals.
func (p *Proc) Process() *os.Process { return p.cmd.Process }

// Stop sends SIGTERM and waits for the program to exit, killing it after
// the grace period given to Start. Stopping again does nothing.
func (p *Proc) Stop() {
	p.stop.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(p.grace):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
}

// WaitReady calls ready every interval until it returns nil, the program
// exits or timeout has passed; the error says which, with ready's last
// error and the program's output.
func (p *Proc) WaitReady(timeout, interval time.Duration, ready func() error) error {
	deadline := time.After(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited at start (%v):\n%s", p.name, p.err, p.Output())
		case <-deadline:
			return fmt.Errorf("%s not ready after %v (%v):\n%s", p.name, timeout, err, p.Output())
		case <-tick.C:
		}
	}
}

// HTTPReady is a readiness check for WaitReady: a GET of url answers 200
// within 2 s (a port another process holds may accept and never answer).
func HTTPReady(url string) func() error {
	client := &http.Client{Timeout: 2 * time.Second}
	return func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return nil
	}
}

// GetJSON decodes the JSON answer to a GET of url into v; a status other
// than 200 is an error quoting the answer.
func GetJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}
