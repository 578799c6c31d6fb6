package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gomilter "github.com/emersion/go-milter"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// lockConfig writes a configuration for a daemon on state in dir and
// returns its path.
func lockConfig(t *testing.T, dir, state string) string {
	t.Helper()
	log := writeFile(t, dir, "mail.log", "")
	cfg := writeFile(t, dir, fmt.Sprintf("config-%d.yaml", time.Now().UnixNano()), fmt.Sprintf(`log:
  path: %s
state:
  path: %s
notify:
  to: postmaster@example.org
  smtp: 127.0.0.1:1
dnsbl:
  resolver: 127.0.0.1:1
  interval: 0s
metrics:
  listen: %s
`, log, state, metricsAnyPort))
	return cfg
}

// runOnce runs "rblwatch run" and waits for it to end (or kills it after
// daemonWait), returning its exit status and stderr.
func runOnce(t *testing.T, cfg string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), daemonWait)
	defer cancel()
	cmd := exec.CommandContext(ctx, rblwatchBin, "run", "--config", cfg)
	cmd.SysProcAttr = testproc.DieWithParent()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the second rblwatch run still ran after %v:\n%s", daemonWait, stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stderr.String()
}

// TestOneDaemonPerState: a second "rblwatch run" on the state file of a
// running one exits non-zero at once, naming the holder (pid, host, start
// time); once the first stops — or is killed — the state is free again.
func TestOneDaemonPerState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "state.db")
	cfg1 := lockConfig(t, dir, state)
	first := startDaemon(t, cfg1)
	first.startOffset()

	cfg2 := lockConfig(t, dir, state)
	code, stderr := runOnce(t, cfg2)
	host, _ := os.Hostname()
	if code == 0 {
		t.Errorf("a second daemon on the same state exited 0:\n%s", stderr)
	}
	for _, want := range []string{"pid " + strconv.Itoa(first.cmd.Process.Pid), "on " + host, "started 20", state + ".lock"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, `"msg":"following`) || strings.Contains(stderr, "following from the end") {
		t.Errorf("the second daemon followed the log:\n%s", stderr)
	}

	// The same file under a name of its own — a hard link in another
	// directory, with a lock file of its own beside it — is refused too.
	linkDir := t.TempDir()
	link := filepath.Join(linkDir, "state.db")
	if err := os.Link(state, link); err != nil {
		t.Fatal(err)
	}
	cfg3 := lockConfig(t, linkDir, link)
	code, stderr = runOnce(t, cfg3)
	if code == 0 || !strings.Contains(stderr, "held by pid "+strconv.Itoa(first.cmd.Process.Pid)) {
		t.Errorf("a second daemon on a hard link to the state: exit %d:\n%s", code, stderr)
	}

	// Another state beside it is fine.
	other := lockConfig(t, dir, filepath.Join(dir, "other.db"))
	second := startDaemon(t, other)
	second.startOffset()
	second.stop()

	// A stopped holder frees the state; so does a killed one.
	first.stop()
	again := startDaemon(t, cfg2)
	again.startOffset()
	if err := again.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-again.exited
	last := startDaemon(t, cfg1)
	last.startOffset()
	last.stop()
}

// milterAnswers reports whether a milter negotiates on the unix socket
// path, as Postfix's smtpd does first on each connection.
func milterAnswers(path string) error {
	c := gomilter.NewClientWithOptions("unix", path, gomilter.ClientOptions{
		Dialer: &net.Dialer{Timeout: 10 * time.Second}, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		ActionMask: gomilter.OptAddHeader, ProtocolMask: gomilter.OptNoBody})
	s, err := c.Session()
	if err != nil {
		return err
	}
	return s.Close()
}

// TestOneDaemonPerMilterSocket: a second "rblwatch run" on another state
// but the milter socket of a running one exits non-zero at once, naming
// the socket in use, and leaves it alone: the first still answers on it.
// Once the first is killed (kill -9 leaves its socket file behind), a new
// daemon takes the stale socket and answers there.
func TestOneDaemonPerMilterSocket(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sock := filepath.Join(dir, "milter", "milter.sock")
	withMilter := func(state string) string {
		cfg := lockConfig(t, dir, filepath.Join(dir, state))
		text, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg, append(text, "milter:\n  listen: unix:"+sock+"\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	first := startDaemon(t, withMilter("first.db"))
	first.startOffset()
	if err := milterAnswers(sock); err != nil {
		t.Fatalf("the first daemon's milter does not answer: %v\n%s", err, first.log())
	}

	code, stderr := runOnce(t, withMilter("second.db"))
	if code == 0 || !strings.Contains(stderr, "socket in use by another process") || !strings.Contains(stderr, sock) {
		t.Errorf("a second daemon on the milter socket: exit %d:\n%s", code, stderr)
	}
	if strings.Contains(stderr, "following from the end") || strings.Contains(stderr, "reading back the log") {
		t.Errorf("the second daemon followed the log:\n%s", stderr)
	}
	if err := milterAnswers(sock); err != nil {
		t.Errorf("the first daemon's milter no longer answers after the second's start: %v", err)
	}

	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.exited
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("kill -9 left no socket behind (the test wants a stale one): %v", err)
	}
	next := startDaemon(t, withMilter("second.db"))
	next.startOffset()
	if err := milterAnswers(sock); err != nil {
		t.Errorf("a daemon started on the stale socket does not answer: %v\n%s", err, next.log())
	}
	next.stop()
}
