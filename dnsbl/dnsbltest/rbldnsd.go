// Package dnsbltest runs rbldnsd, a real DNSBL server, on a loopback port
// for tests, serving the zones of testdata/dnsbl.
package dnsbltest

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Zones are the rbldnsd zone specs for testdata/dnsbl (see its README).
var Zones = []string{
	"zen.test:ip4set:zen.zone",
	"v6.test:ip6trie:v6.zone",
	"dbl.test:dnset:dbl.zone",
	"karma.test:ip4set:karma.zone",
	"hijack.test:ip4set:hijack.zone",
	"pub.test:ip4set:zen.zone", "pub.test:acl:openresolver.acl",
	"slow.test:ip4set:zen.zone", "slow.test:acl:ignore.acl",
	"refused.test:ip4set:zen.zone", "refused.test:acl:refuse.acl",
	"k3y.dq.test:ip4set:zen.zone",
}

// Key is the subscriber key of the k3y.dq.test zone ("{key}.dq.test").
const Key = "k3y"

// Rbldnsd starts rbldnsd on a free 127.0.0.1 UDP port serving zones (specs
// "name:type:file", Zones when none) from the files in dir, and returns
// "127.0.0.1:port" once it answers. It stops rbldnsd and removes its
// copy of the files when the test ends.
//
// rbldnsd drops root privileges to user rbldns, so the files are copied to
// a world-readable directory first. The test is skipped when rbldnsd is
// not installed, unless RBLWATCH_E2E=require, which makes it fail.
func Rbldnsd(t testing.TB, dir string, zones ...string) string {
	t.Helper()
	return Start(t, dir, zones...).Addr
}

// Server is a running rbldnsd started by Start.
type Server struct {
	// Addr is where it answers, "127.0.0.1:port".
	Addr string
	dir  string // its copy of the zone files
	proc *os.Process
}

// Start is Rbldnsd for a test that changes zone files while rbldnsd runs
// (WriteZone).
func Start(t testing.TB, dir string, zones ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("rbldnsd")
	if err != nil {
		if os.Getenv("RBLWATCH_E2E") == "require" {
			t.Fatalf("rbldnsd is required (RBLWATCH_E2E=require) but not found: %v", err)
		}
		t.Skipf("rbldnsd not installed (Debian package rbldnsd); set RBLWATCH_E2E=require to make this a failure: %v", err)
	}
	if len(zones) == 0 {
		zones = Zones
	}
	work := copyZones(t, dir)
	var lastErr error
	for range 5 { // the free port may be taken between probe and bind
		port, err := freeUDPPort()
		if err != nil {
			t.Fatal(err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		var proc *os.Process
		if proc, lastErr = start(t, bin, work, addr, zones); lastErr == nil {
			return &Server{Addr: addr, dir: work, proc: proc}
		}
	}
	t.Fatalf("starting rbldnsd: %v", lastErr)
	return nil
}

// WriteZone replaces the zone file name in rbldnsd's copy of the
// directory with data and has rbldnsd reload the files that changed
// (SIGHUP). rbldnsd reloads in the background: query until the answer
// changes. Mind the TTL of cached answers ($TTL in the file).
func (s *Server) WriteZone(name string, data []byte) error {
	path := filepath.Join(s.dir, filepath.Base(name))
	old, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("dnsbltest: %w", err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("dnsbltest: %w", err)
	}
	// rbldnsd compares modification times in whole seconds.
	mtime := time.Now()
	if mtime.Unix() <= old.ModTime().Unix() {
		mtime = old.ModTime().Add(time.Second)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		return fmt.Errorf("dnsbltest: %w", err)
	}
	if err := s.proc.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("dnsbltest: signalling rbldnsd: %w", err)
	}
	return nil
}

// copyZones copies the regular files of dir to a new world-readable
// directory, removed when the test ends.
func copyZones(t testing.TB, dir string) string {
	t.Helper()
	work, err := os.MkdirTemp("", "rblwatch-rbldnsd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading zones: %v", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(work, e.Name()), fs.FileMode(0o644)); err != nil { // despite the umask
			t.Fatal(err)
		}
	}
	return work
}

func freeUDPPort() (int, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port, nil
}

// lockedBuffer collects rbldnsd's output for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs rbldnsd in the foreground (-n) and waits until it answers an
// SOA query for the first zone; it registers the stop in t.Cleanup.
func start(t testing.TB, bin, work, addr string, zones []string) (*os.Process, error) {
	host, port, _ := net.SplitHostPort(addr)
	args := append([]string{"-n", "-b", host + "/" + port, "-w", work, "-t", "60", "-c", "1h"}, zones...)
	cmd := exec.Command(bin, args...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	}

	zone, _, _ := strings.Cut(zones[0], ":")
	c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	// Readiness: poll until it answers, it exits, or 10 s have passed.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		if r, _, err := c.Exchange(m, addr); err == nil && r.Rcode == dns.RcodeSuccess {
			t.Cleanup(func() {
				stop()
				if t.Failed() {
					t.Logf("rbldnsd output:\n%s", out.String())
				}
			})
			return cmd.Process, nil
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("rbldnsd exited (%v): %s", err, out.String())
		case <-deadline:
			stop()
			return nil, fmt.Errorf("rbldnsd on %s does not answer: %s", addr, out.String())
		case <-tick.C:
		}
	}
}
