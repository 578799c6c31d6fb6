package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// openPTY returns a pseudo-terminal's two ends.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		testenv.Missing(t, "no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestExplainTerminalHint: explain with no TEXT, and replay -, on a
// terminal say on stderr that they read it and how to end; they waited in
// silence, as if hung. From a pipe they say nothing.
func TestExplainTerminalHint(t *testing.T) {
	master, tty := openPTY(t)
	// A text, then the terminal's end of input (Ctrl-D).
	if _, err := master.Write([]byte(unnamedList + "\n\x04")); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	e := &env{stdin: tty, stdout: &stdout, stderr: &stderr, log: zap.NewNop(), getenv: func(string) string { return "" }}
	if code := exitCode(&stderr, dispatch(t.Context(), e, []string{"explain"})); code != 0 || !strings.HasPrefix(stdout.String(), "Provider: not named") || !strings.Contains(stderr.String(), "Ctrl-D") {
		t.Errorf("exit %d, stderr %q, stdout %.100q; want the explanation and a hint naming Ctrl-D", code, stderr.String(), stdout.String())
	}
	if _, stderr, _ := explainCLI(t, unnamedList+"\n", ""); stderr != "" {
		t.Errorf("from a pipe: stderr %q", stderr)
	}

	// replay - likewise.
	master, tty = openPTY(t)
	if _, err := master.Write([]byte("Nov 23 15:33:46 mx postfix/qmgr[1]: DE9A6986268: removed\n\x04")); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	e.stdin = tty
	cfg := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(cfg, nil, 0o644); err != nil { // the defaults
		t.Fatal(err)
	}
	if code := exitCode(&stderr, dispatch(t.Context(), e, []string{"replay", "--config", cfg, "-"})); !strings.Contains(stderr.String(), "replay: reading log lines from the terminal; end with Ctrl-D") {
		t.Errorf("replay -: exit %d, stderr %q, stdout %.100q", code, stderr.String(), stdout.String())
	}
}
