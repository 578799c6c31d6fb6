// Package dnsbltest runs rbldnsd, a real DNSBL server, on a loopback port
// for tests, serving the zones of testdata/dnsbl.
package dnsbltest

import (
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/internal/testproc"
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
	"dead.test:ip4set:dead.zone",
	"nov6point.test:generic:nov6point.zone", "nov6point.test:ip6trie:nov6point6.zone",
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
	proc *testproc.Proc
}

// Start is Rbldnsd for a test that changes zone files while rbldnsd runs
// (WriteZone).
func Start(t testing.TB, dir string, zones ...string) *Server {
	t.Helper()
	bin := testenv.LookPath(t, "rbldnsd", "rbldnsd")
	if len(zones) == 0 {
		zones = Zones
	}
	work := copyZones(t, dir)
	var lastErr error
	for range 5 { // the free port may be taken between probe and bind
		addr, err := testproc.FreeAddr("udp", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		var proc *testproc.Proc
		if proc, lastErr = start(t, bin, work, addr.String(), zones); lastErr == nil {
			return &Server{Addr: addr.String(), dir: work, proc: proc}
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
	if err := s.proc.Process().Signal(syscall.SIGHUP); err != nil {
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

// start runs rbldnsd in the foreground (-n) until the test ends and waits
// until it answers an SOA query for the first zone.
func start(t testing.TB, bin, work, addr string, zones []string) (*testproc.Proc, error) {
	host, port, _ := net.SplitHostPort(addr)
	args := append([]string{"-n", "-b", host + "/" + port, "-w", work, "-t", "60", "-c", "1h"}, zones...)
	p, err := testproc.Start(t, "rbldnsd", exec.Command(bin, args...), 5*time.Second)
	if err != nil {
		return nil, err
	}
	zone, _, _ := strings.Cut(zones[0], ":")
	c := &dns.Client{Net: "udp", Timeout: 200 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(zone), dns.TypeSOA)
	err = p.WaitReady(10*time.Second, 20*time.Millisecond, func() error {
		r, _, err := c.Exchange(m, addr)
		if err == nil && r.Rcode != dns.RcodeSuccess {
			err = fmt.Errorf("SOA %s: %s", zone, dns.RcodeToString[r.Rcode])
		}
		return err
	})
	if err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}
