package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookRecorder is a webhook receiver on loopback that keeps the notices
// rblwatch posts.
type hookRecorder struct {
	srv *httptest.Server

	mu      sync.Mutex
	notices []hookNotice
	changed chan struct{}
}

type hookNotice struct {
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	Listed   string `json:"listed"`
	Incident string `json:"incident_id"`
}

func newHookRecorder(t *testing.T) *hookRecorder {
	h := &hookRecorder{changed: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var n hookNotice
		if err := json.Unmarshal(body, &n); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.notices = append(h.notices, n)
		close(h.changed)
		h.changed = make(chan struct{})
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// count returns how many notices of kind about provider came.
func (h *hookRecorder) count(kind, provider string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, x := range h.notices {
		if x.Kind == kind && x.Provider == provider {
			n++
		}
	}
	return n
}

// wait waits until n notices of kind about provider came.
func (h *hookRecorder) wait(t *testing.T, kind, provider string, n int) {
	t.Helper()
	timeout := time.After(daemonWait)
	for {
		h.mu.Lock()
		changed := h.changed
		h.mu.Unlock()
		if h.count(kind, provider) >= n {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("no %d %s notice(s) about %s in %v: %+v", n, kind, provider, daemonWait, h.notices)
		}
	}
}

// Rejections as Postfix logs them, stamped at.
func barracudaLine(at time.Time, qid, ip string) string {
	return at.Format("2006-01-02T15:04:05.000000-07:00") + " mx postfix/smtp[100]: " + qid + ": to=<bob@bigbank.test>, relay=mx.bigbank.test[127.0.0.21]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.bigbank.test[127.0.0.21] said: 554 5.7.1 Service unavailable; Client host [" + ip + "] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=" + ip + " (in reply to RCPT TO command))"
}

func spamhausLine(at time.Time, qid, ip string) string {
	return at.Format("2006-01-02T15:04:05.000000-07:00") + " mx postfix/smtp[100]: " + qid + ": to=<carol@shop.test>, relay=mx.shop.test[127.0.0.24]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.shop.test[127.0.0.24] said: 550 5.7.1 Service unavailable; Client host [" + ip + "] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/" + ip + " (in reply to RCPT TO command))"
}

// stateBench is a daemon configuration whose notices go to a webhook.
type stateBench struct {
	t                    *testing.T
	dir, log, state, cfg string
	hook                 *hookRecorder
}

func newStateBench(t *testing.T, backfill string) *stateBench {
	b := &stateBench{t: t, dir: t.TempDir(), hook: newHookRecorder(t)}
	b.log = filepath.Join(b.dir, "mail.log")
	b.state = filepath.Join(b.dir, "state.db")
	if err := os.WriteFile(b.log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b.cfg = writeFile(t, b.dir, "config.yaml", fmt.Sprintf(`log:
  path: %s
  backfill: %s
state:
  path: %s
notify:
  aggregate: 0s
  webhook:
    url: %s/hook
dnsbl:
  resolver: 127.0.0.1:1
  timeout: 200ms
  interval: 0s
metrics:
  listen: %s
`, b.log, backfill, b.state, b.hook.srv.URL, metricsAnyPort))
	return b
}

func (b *stateBench) appendLog(lines ...string) {
	b.t.Helper()
	f, err := os.OpenFile(b.log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			b.t.Fatal(err)
		}
	}
}

// announced logs a refusal of 192.0.2.1 by Barracuda and waits until the
// daemon d has announced it and emptied its outbox.
func (b *stateBench) announced(d *daemonProc) {
	b.t.Helper()
	b.appendLog(barracudaLine(time.Now(), "A1A1A1A1A1", "192.0.2.1"))
	b.hook.wait(b.t, "opened", "barracuda", 1)
	d.waitMetric(`rblwatch_outbox_pending_items{channel="webhook"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
}

// resumes starts the daemon again after the Barracuda incident was
// announced and a Spamhaus refusal logged while it was down: the start must
// resume from the stored position, and each incident be announced once.
func (b *stateBench) resumes() {
	b.t.Helper()
	again := startDaemon(b.t, b.cfg)
	b.hook.wait(b.t, "opened", "spamhaus", 1)
	again.waitMetric(`rblwatch_outbox_pending_items{channel="webhook"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
	again.stop()
	if again.count("resuming") < 1 {
		b.t.Errorf("the start did not resume from the stored position:\n%s", again.log())
	}
	if n := b.hook.count("opened", "barracuda"); n != 1 {
		b.t.Errorf("the barracuda incident was announced %d times, want once: %+v", n, b.hook.notices)
	}
	if n := b.hook.count("opened", "spamhaus"); n != 1 {
		b.t.Errorf("the rejection logged while the daemon was down was announced %d times, want once", n)
	}
}

// waitExit waits for the daemon to end by itself and returns its exit
// status.
func waitExit(t *testing.T, d *daemonProc) int {
	t.Helper()
	select {
	case <-d.exited:
	case <-time.After(daemonWait):
		t.Fatalf("rblwatch run still runs %v after its state was lost:\n%s", daemonWait, d.log())
	}
	var ee *exec.ExitError
	err := d.exitErr()
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}

// TestStateDeletedWhileRunning: the state file deleted under a running
// daemon is noticed at once; the daemon saves what it holds, stops with a
// non-zero status (systemd restarts it), and the restart resumes where it
// stopped: the rejection logged while it was down is reported, the incident
// it had announced is not announced again.
func TestStateDeletedWhileRunning(t *testing.T) {
	t.Parallel()
	b := newStateBench(t, "1h")
	d := startDaemon(t, b.cfg)
	d.startOffset()
	b.appendLog(barracudaLine(time.Now(), "A1A1A1A1A1", "192.0.2.1"))
	b.hook.wait(t, "opened", "barracuda", 1)

	if err := os.Remove(b.state); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, d); code == 0 {
		t.Fatalf("rblwatch run exited 0 after its state was deleted:\n%s", d.log())
	}
	if !strings.Contains(d.log(), "STATE FILE DELETED") {
		t.Errorf("the daemon did not say loudly that its state was deleted:\n%s", d.log())
	}
	if _, err := os.Stat(b.state); err != nil {
		t.Fatalf("the running state was not put back: %v\n%s", err, d.log())
	}

	// Logged while the daemon was down: the same listing again, and a new one.
	b.appendLog(barracudaLine(time.Now(), "B1B1B1B1B1", "192.0.2.1"), spamhausLine(time.Now(), "C1C1C1C1C1", "192.0.2.1"))
	b.resumes()
}

// TestStateReplacedWhileRunning: a state file replaced under the daemon
// (a restore from a backup, say) stops it with a non-zero status, and the
// new file is left as it was put.
func TestStateReplacedWhileRunning(t *testing.T) {
	t.Parallel()
	b := newStateBench(t, "1h")
	d := startDaemon(t, b.cfg)
	d.startOffset()
	b.appendLog(barracudaLine(time.Now(), "A1A1A1A1A1", "192.0.2.1"))
	b.hook.wait(t, "opened", "barracuda", 1)

	other := filepath.Join(b.dir, "backup.db")
	if err := os.WriteFile(other, nil, 0o640); err != nil { // an empty file is an empty SQLite database
		t.Fatal(err)
	}
	if err := os.Rename(other, b.state); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, d); code == 0 {
		t.Fatalf("rblwatch run exited 0 after its state was replaced:\n%s", d.log())
	}
	if !strings.Contains(d.log(), "STATE FILE REPLACED") {
		t.Errorf("the daemon did not say its state was replaced:\n%s", d.log())
	}
	if fi, err := os.Stat(b.state); err != nil || fi.Size() != 0 {
		t.Errorf("the replacement was not left alone: %v, %v", fi, err)
	}
	for _, leftover := range []string{b.state + "-wal", b.state + "-shm", b.state + ".recovered"} {
		if _, err := os.Stat(leftover); err == nil {
			t.Errorf("%s is left beside the new state", leftover)
		}
	}
}

// TestFreshStartReadsBack: a start without a stored position reads back
// log.backfill of the log: a rejection logged ten minutes before the start
// is reported, one logged two hours before is not; the daemon says what it
// did. With log.backfill 0s it starts at the end.
func TestFreshStartReadsBack(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tt := range []struct {
		backfill string
		want     int
		logged   string
	}{
		{"1h", 1, "reading back the log"},
		{"0s", 0, "following from the end"},
	} {
		t.Run(tt.backfill, func(t *testing.T) {
			b := newStateBench(t, tt.backfill)
			b.appendLog(barracudaLine(now.Add(-2*time.Hour), "A1A1A1A1A1", "192.0.2.77"),
				spamhausLine(now.Add(-10*time.Minute), "B1B1B1B1B1", "192.0.2.1"))
			d := startDaemon(t, b.cfg)
			d.waitLog(tt.logged, 1)
			// A line after the start: once it is reported, whatever the
			// start read back has been too.
			b.appendLog(barracudaLine(time.Now(), "C1C1C1C1C1", "192.0.2.1"))
			b.hook.wait(t, "opened", "barracuda", 1)
			d.waitMetric(`rblwatch_outbox_pending_items{channel="webhook"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
			d.stop()
			if n := b.hook.count("opened", "spamhaus"); n != tt.want {
				t.Errorf("the rejection of ten minutes before the start was announced %d times, want %d", n, tt.want)
			}
			b.hook.mu.Lock()
			for _, n := range b.hook.notices {
				if n.Listed == "192.0.2.77" {
					t.Errorf("a rejection of two hours before the start was announced: %+v", n)
				}
			}
			b.hook.mu.Unlock()
		})
	}
}

// TestQuietFreshStartKeepsItsPlace: a fresh start on a quiet log (no line
// read before the stop) keeps its place in the log, so that a restart
// resumes there: the rejection logged while rblwatch was down is announced.
// Before, the place was stored only with the first line processed: the
// restart found no position again and started at the end of the log (or
// log.backfill before it, too late for a rejection three hours old), and
// the rejection was never reported — after a stop, a crash, or a state on
// a full disk failing its first commit.
func TestQuietFreshStartKeepsItsPlace(t *testing.T) {
	t.Parallel()
	for _, backfill := range []string{"0s", "1h"} {
		t.Run(backfill, func(t *testing.T) {
			b := newStateBench(t, backfill)
			b.appendLog(barracudaLine(time.Now().Add(-10*time.Hour), "A1A1A1A1A1", "192.0.2.77"))
			d := startDaemon(t, b.cfg)
			d.waitLog("caught up with the log", 1)
			d.stop()
			// Down for three hours: the rejection came at its start.
			b.appendLog(spamhausLine(time.Now().Add(-3*time.Hour), "B1B1B1B1B1", "192.0.2.1"))
			again := startDaemon(t, b.cfg)
			again.waitLog("caught up with the log", 1)
			b.appendLog(barracudaLine(time.Now(), "C1C1C1C1C1", "192.0.2.1"))
			b.hook.wait(t, "opened", "barracuda", 1)
			again.waitMetric(`rblwatch_outbox_pending_items{channel="webhook"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
			again.stop()
			if again.count("resuming") < 1 {
				t.Errorf("the restart did not resume where the first start began:\n%s", again.log())
			}
			b.hook.mu.Lock()
			defer b.hook.mu.Unlock()
			spamhaus := 0
			for _, n := range b.hook.notices {
				if n.Listed == "192.0.2.77" {
					t.Errorf("a rejection logged before the first start was announced: %+v", n)
				}
				if n.Provider == "spamhaus" {
					spamhaus++
				}
			}
			if spamhaus == 0 {
				t.Errorf("the rejection logged while rblwatch was down was never reported: %+v", b.hook.notices)
			}
		})
	}
}

// TestSavedStateRecoveredAtStart: a state saved when its file was deleted
// (state.db.recovered) that was never put back — rblwatch was killed
// between the save and the end — is put in place by the next start, which
// resumes from it instead of beginning anew: the incident announced before
// is not announced again by the read-back of the log. (Before, the start
// ignored the saved state, read back log.backfill and announced the
// incident a second time.)
func TestSavedStateRecoveredAtStart(t *testing.T) {
	t.Parallel()
	b := newStateBench(t, "1h")
	d := startDaemon(t, b.cfg)
	d.startOffset()
	b.announced(d)
	d.stop()
	// What a kill after StateWatch.Save leaves: the saved copy, no state.
	if err := os.Rename(b.state, b.state+".recovered"); err != nil {
		t.Fatal(err)
	}

	b.appendLog(spamhausLine(time.Now(), "C1C1C1C1C1", "192.0.2.1"))
	again := startDaemon(t, b.cfg)
	b.hook.wait(t, "opened", "spamhaus", 1)
	again.waitMetric(`rblwatch_outbox_pending_items{channel="webhook"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
	again.stop()
	if again.count("resuming") < 1 {
		t.Errorf("the start did not resume from the saved state:\n%s", again.log())
	}
	if n := b.hook.count("opened", "barracuda"); n != 1 {
		t.Errorf("the barracuda incident was announced %d times, want once: %+v", n, b.hook.notices)
	}
	if again.count("the state file was missing: the state saved when it was deleted is put back, the start resumes from it") != 1 {
		t.Errorf("the start did not say it put the saved state back:\n%s", again.log())
	}
	if _, err := os.Stat(b.state + ".recovered"); err == nil {
		t.Error("the saved state is still beside the state file")
	}
}

// TestStateTruncated: a state file cut short while rblwatch was stopped (a
// copy that ran out of space, a restore that failed half-way) is refused
// at the start — the daemon exits non-zero saying the database is
// malformed, before it reads the log — and left as it is, for the
// operator to put back a copy: nothing is written over it or beside it.
func TestStateTruncated(t *testing.T) {
	t.Parallel()
	b := newStateBench(t, "1h")
	d := startDaemon(t, b.cfg)
	d.startOffset()
	b.announced(d)
	d.stop()

	fi, err := os.Stat(b.state)
	if err != nil {
		t.Fatal(err)
	}
	half := fi.Size() / 2
	if err := os.Truncate(b.state, half); err != nil {
		t.Fatal(err)
	}
	cut, err := os.ReadFile(b.state)
	if err != nil {
		t.Fatal(err)
	}
	b.appendLog(spamhausLine(time.Now(), "B1B1B1B1B1", "192.0.2.1"))
	again := startDaemon(t, b.cfg)
	if code := waitExit(t, again); code == 0 {
		t.Fatalf("rblwatch run exited 0 on a truncated state:\n%s", again.log())
	}
	if !strings.Contains(again.log(), "malformed") || strings.Contains(again.log(), "panic") {
		t.Errorf("the daemon did not say its state is malformed:\n%s", again.log())
	}
	for _, read := range []string{"resuming", "following from the end", "no stored position (a new state): reading back the log"} {
		if again.count(read) != 0 {
			t.Errorf("the daemon read the log on a truncated state (%q):\n%s", read, again.log())
		}
	}
	if now, err := os.ReadFile(b.state); err != nil || !bytes.Equal(now, cut) {
		t.Errorf("the truncated state was changed (%d bytes, was %d): %v", len(now), len(cut), err)
	}
	if _, err := os.Stat(b.state + ".recovered"); err == nil {
		t.Errorf("a copy was saved beside the truncated state")
	}
	if n := b.hook.count("opened", "spamhaus"); n != 0 {
		t.Errorf("a refusal was announced from a truncated state")
	}
}
