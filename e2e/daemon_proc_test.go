package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// daemonWait bounds every wait on the daemon (a start, a notice, a
// catch-up): generous, so that a loaded CI machine does not fail a test,
// and far below the go test timeout.
const daemonWait = 60 * time.Second

// metricsAnyPort is the metrics.listen of every daemon the tests start: a
// free port the daemon picks and binds itself, read back from its log
// (daemonProc.metricsAddr). A port the test picked (free a moment ago) and
// handed to the daemon could be taken by another process before the daemon
// binds it; the daemon then exits at its start ("address already in use").
const metricsAnyPort = "127.0.0.1:0"

// daemonProc is a running "rblwatch run" (the binary TestMain built), with
// its JSON log lines collected for the test to wait on.
type daemonProc struct {
	t       *testing.T
	cmd     *exec.Cmd
	metrics string // where it serves its metrics, once metricsAddr read it

	mu      sync.Mutex
	entries []logEntry
	raw     bytes.Buffer  // every log line, for failure messages
	changed chan struct{} // closed and replaced when a line arrives
	exited  chan struct{} // closed when the process has exited
	err     error         // its exit status, once exited
}

// logEntry is one JSON log line (RBLWATCH_LOG=json).
type logEntry map[string]any

func (e logEntry) msg() string { s, _ := e["msg"].(string); return s }

// startDaemon runs "rblwatch run --config cfg" until stop, or until the
// test ends (then it is killed if still running). Its configuration's
// metrics.listen is metricsAnyPort.
func startDaemon(t *testing.T, cfg string) *daemonProc {
	t.Helper()
	return startDaemonEnv(t, cfg, "RBLWATCH_LOG=json", "RBLWATCH_LOG_LEVEL=info")
}

// startDaemonEnv is startDaemon with env added to the environment in place
// of its log settings (which must still make the log JSON).
func startDaemonEnv(t *testing.T, cfg string, env ...string) *daemonProc {
	t.Helper()
	return startDaemonInput(t, cfg, nil, env...)
}

// startDaemonInput is startDaemonEnv with stdin as the daemon's standard
// input (nil: none), for log.stdin.
func startDaemonInput(t *testing.T, cfg string, stdin io.Reader, env ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(rblwatchBin, "run", "--config", cfg)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = stdin
	cmd.SysProcAttr = testproc.DieWithParent() // never outlive the test binary
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting rblwatch run: %v", err)
	}
	d := &daemonProc{t: t, cmd: cmd, changed: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		d.read(stderr)
		err := cmd.Wait()
		d.mu.Lock()
		d.err = err
		d.mu.Unlock()
		close(d.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-d.exited:
			return
		default:
		}
		_ = cmd.Process.Kill()
		<-d.exited
		if t.Failed() {
			t.Logf("rblwatch run log:\n%s", d.log())
		}
	})
	return d
}

func (d *daemonProc) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var e logEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			e = logEntry{"msg": sc.Text()} // "rblwatch: error" on exit
		}
		d.mu.Lock()
		d.entries = append(d.entries, e)
		d.raw.Write(sc.Bytes())
		d.raw.WriteByte('\n')
		close(d.changed)
		d.changed = make(chan struct{})
		d.mu.Unlock()
	}
}

func (d *daemonProc) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.raw.String()
}

// waitLog waits until n log lines have the message msg and returns the
// n-th. It fails the test if the daemon exits first.
func (d *daemonProc) waitLog(msg string, n int) logEntry {
	d.t.Helper()
	timeout := time.NewTimer(daemonWait)
	defer timeout.Stop()
	for {
		d.mu.Lock()
		seen, changed := 0, d.changed
		var found logEntry
		for _, e := range d.entries {
			if e.msg() == msg {
				if seen++; seen == n {
					found = e
					break
				}
			}
		}
		d.mu.Unlock()
		if found != nil {
			return found
		}
		select {
		case <-changed:
		case <-d.exited:
			d.t.Fatalf("rblwatch run exited (%v) before logging %q %d times:\n%s", d.exitErr(), msg, n, d.log())
		case <-timeout.C:
			d.t.Fatalf("rblwatch run did not log %q %d times in %v:\n%s", msg, n, daemonWait, d.log())
		}
	}
}

// count returns how many log lines so far have the message msg.
func (d *daemonProc) count(msg string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, e := range d.entries {
		if e.msg() == msg {
			n++
		}
	}
	return n
}

func (d *daemonProc) exitErr() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// startOffset waits until the daemon follows the log and returns the byte
// offset it started reading at: the end of the file on a first start
// ("following from the end", or where a fresh start reads back the recent
// log from: "reading back the log"), the stored position after a restart
// ("resuming"). Lines appended after it returns are read.
func (d *daemonProc) startOffset() int64 {
	d.t.Helper()
	timeout := time.NewTimer(daemonWait)
	defer timeout.Stop()
	for {
		d.mu.Lock()
		changed := d.changed
		for _, e := range d.entries {
			if m := e.msg(); m == "following from the end" || m == "resuming" || m == "reading back the log" {
				if off, ok := e["offset"].(float64); ok {
					d.mu.Unlock()
					return int64(off)
				}
			}
		}
		d.mu.Unlock()
		select {
		case <-changed:
		case <-d.exited:
			d.t.Fatalf("rblwatch run exited (%v) before following the log:\n%s", d.exitErr(), d.log())
		case <-timeout.C:
			d.t.Fatalf("rblwatch run does not follow the log after %v:\n%s", daemonWait, d.log())
		}
	}
}

// stop sends SIGTERM and waits for a clean exit (status 0).
func (d *daemonProc) stop() {
	d.t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		d.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-d.exited:
	case <-time.After(daemonWait):
		d.t.Fatalf("rblwatch run still runs %v after SIGTERM:\n%s", daemonWait, d.log())
	}
	if err := d.exitErr(); err != nil {
		d.t.Fatalf("rblwatch run after SIGTERM: %v\n%s", err, d.log())
	}
	if !strings.Contains(d.log(), `"msg":"stopped"`) {
		d.t.Errorf("rblwatch run did not log its orderly stop:\n%s", d.log())
	}
}

// exit waits for the daemon to end by itself (log.stdin at the end of its
// input) and returns its exit status.
func (d *daemonProc) exit() error {
	d.t.Helper()
	select {
	case <-d.exited:
	case <-time.After(daemonWait):
		d.t.Fatalf("rblwatch run still runs after %v:\n%s", daemonWait, d.log())
	}
	return d.exitErr()
}

// metricsAddr waits until the daemon serves its metrics and returns where:
// the address its log names (metricsAnyPort: the port it bound).
func (d *daemonProc) metricsAddr() string {
	d.t.Helper()
	d.mu.Lock()
	addr := d.metrics
	d.mu.Unlock()
	if addr != "" {
		return addr
	}
	addr, _ = d.waitLog("serving metrics", 1)["addr"].(string)
	if addr == "" {
		d.t.Fatalf("rblwatch run logged no address it serves its metrics on:\n%s", d.log())
	}
	d.mu.Lock()
	d.metrics = addr
	d.mu.Unlock()
	return addr
}

// scrape reads the daemon's metrics: series ("name{label=\"v\"}") →
// value.
func (d *daemonProc) scrape() (map[string]float64, error) {
	resp, err := http.Get("http://" + d.metricsAddr() + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// metric returns one series' value (0 when absent).
func (d *daemonProc) metric(series string) float64 {
	d.t.Helper()
	m, err := d.scrape()
	if err != nil {
		d.t.Fatalf("scraping the metrics: %v", err)
	}
	return m[series]
}

// waitMetric polls the metrics until cond holds for series. The daemon is
// another process: there is no event to wait on.
func (d *daemonProc) waitMetric(series string, what string, cond func(float64) bool) float64 {
	d.t.Helper()
	deadline := time.Now().Add(daemonWait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		m, err := d.scrape()
		if err == nil && cond(m[series]) {
			return m[series]
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("%s: %s = %v after %v (scrape error %v):\n%s", what, series, m[series], daemonWait, err, d.log())
		}
		select {
		case <-tick.C:
		case <-d.exited:
			d.t.Fatalf("rblwatch run exited (%v) while waiting for %s:\n%s", d.exitErr(), what, d.log())
		}
	}
}

// caughtUp waits until the daemon has read every complete line now in the
// log at path, from the offset it started at.
func (d *daemonProc) caughtUp(path string, from int64) {
	d.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		d.t.Fatal(err)
	}
	if int64(len(data)) < from {
		d.t.Fatalf("%s is shorter (%d) than the daemon's start offset %d", path, len(data), from)
	}
	want := float64(bytes.Count(data[from:], []byte("\n")))
	d.waitMetric("rblwatch_logwatch_lines_total", "reading the log to its end", func(v float64) bool { return v >= want })
}

// forwarder relays TCP connections from a loopback address to another: a
// relay the test switches on at a known address.
type forwarder struct {
	ln net.Listener
	wg sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// forward listens on addr and relays every connection to target until the
// test ends.
func forward(t *testing.T, addr, target string) *forwarder {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listening on %s: %v", addr, err)
	}
	f := &forwarder{ln: ln, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.wg.Add(1)
			go func() { defer f.wg.Done(); f.relay(c, target) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

func (f *forwarder) track(c net.Conn, add bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if add {
		f.conns[c] = struct{}{}
	} else {
		delete(f.conns, c)
	}
}

func (f *forwarder) relay(c net.Conn, target string) {
	defer c.Close()
	up, err := net.DialTimeout("tcp", target, 5*time.Second)
	if err != nil {
		return
	}
	defer up.Close()
	f.track(c, true)
	f.track(up, true)
	defer f.track(c, false)
	defer f.track(up, false)
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// writeFile writes a file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
