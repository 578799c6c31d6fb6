// Package amtest runs a real Prometheus Alertmanager (Debian's
// prometheus-alertmanager) for tests: on loopback, on free ports, with
// clustering off, its storage in the test's temporary directory, and a
// webhook receiver of its own that records every notification Alertmanager
// sends (send_resolved on), so a test sees both what Alertmanager holds
// (its API v2) and what it would tell people.
//
//	am := amtest.Start(t, amtest.Options{GroupBy: []string{"alertname", "provider", "listed"}})
//	… post alerts to am.URL …
//	groups, err := am.Groups(ctx)
//
// Start skips the test when the program is not installed, and fails it
// under RBLWATCH_E2E=require.
package amtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// Options shape the Alertmanager's configuration.
type Options struct {
	// GroupBy are the route's group_by labels; nil groups by alertname,
	// provider and listed (what docs/config.md recommends).
	GroupBy []string
	// GroupWait and GroupInterval of the route; 100 ms and 1 s when zero,
	// so that tests see notifications quickly.
	GroupWait, GroupInterval time.Duration
}

// Server is a running Alertmanager.
type Server struct {
	// URL is its base URL, as notify.alertmanager.urls takes it.
	URL string
	t   testing.TB
	cmd *exec.Cmd

	mu    sync.Mutex
	notes []Notification
	log   bytes.Buffer
	note  chan struct{} // closed and replaced on each notification
}

// Notification is what Alertmanager's webhook receiver gets (version 4).
type Notification struct {
	Status            string            `json:"status"` // "firing" or "resolved"
	GroupKey          string            `json:"groupKey"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	Alerts            []NotifiedAlert   `json:"alerts"`
}

// NotifiedAlert is one alert of a Notification.
type NotifiedAlert struct {
	Status      string            `json:"status"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Fingerprint string            `json:"fingerprint"`
}

// Alert is one alert as GET /api/v2/alerts returns it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
	Fingerprint string            `json:"fingerprint"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// Group is one alert group as GET /api/v2/alerts/groups returns it.
type Group struct {
	Labels map[string]string `json:"labels"`
	Alerts []Alert           `json:"alerts"`
}

// Start runs an Alertmanager until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin := testenv.LookPath(t, "prometheus-alertmanager", "prometheus-alertmanager")
	if o.GroupBy == nil {
		o.GroupBy = []string{"alertname", "provider", "listed"}
	}
	if o.GroupWait == 0 {
		o.GroupWait = 100 * time.Millisecond
	}
	if o.GroupInterval == 0 {
		o.GroupInterval = time.Second
	}
	s := &Server{t: t, note: make(chan struct{})}
	hook := &http.Server{Handler: http.HandlerFunc(s.receive), ReadHeaderTimeout: 10 * time.Second}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hook.Serve(hln)
	t.Cleanup(func() { hook.Close() })

	dir := t.TempDir()
	var groupBy []string
	for _, l := range o.GroupBy {
		groupBy = append(groupBy, fmt.Sprintf("%q", l))
	}
	cfg := fmt.Sprintf(`route:
  receiver: capture
  group_by: [%s]
  group_wait: %s
  group_interval: %s
  repeat_interval: 1h
receivers:
  - name: capture
    webhook_configs:
      - url: http://%s/
        send_resolved: true
`, strings.Join(groupBy, ", "), modelDuration(o.GroupWait), modelDuration(o.GroupInterval), hln.Addr())
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// A free port, taken a moment ago: Alertmanager has no ":0".
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	s.URL = "http://" + addr
	s.cmd = exec.Command(bin,
		"--config.file="+cfgPath,
		"--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--cluster.listen-address=", // no cluster: nothing listens beyond the API
		"--log.level=warn",
	)
	s.cmd.Stdout, s.cmd.Stderr = &lockedWriter{s: s}, &lockedWriter{s: s}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("amtest: starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("alertmanager log:\n%s", s.Log())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-exited:
			t.Fatalf("amtest: alertmanager exited at start:\n%s", s.Log())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("amtest: alertmanager not ready at %s after 30 s (%v):\n%s", s.URL, err, s.Log())
		}
	}
	return s
}

// modelDuration writes d as Alertmanager's configuration reads it.
func modelDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

type lockedWriter struct{ s *Server }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.log.Write(p)
}

// Log returns what Alertmanager logged.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

func (s *Server) receive(w http.ResponseWriter, r *http.Request) {
	var n Notification
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.notes = append(s.notes, n)
	close(s.note)
	s.note = make(chan struct{})
	s.mu.Unlock()
}

// Notifications returns the notifications received so far.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.notes...)
}

// WaitNotification waits until a notification satisfies cond and returns
// it.
func (s *Server) WaitNotification(ctx context.Context, cond func(Notification) bool) (Notification, error) {
	for {
		s.mu.Lock()
		ch := s.note
		for _, n := range s.notes {
			if cond(n) {
				s.mu.Unlock()
				return n, nil
			}
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Notification{}, fmt.Errorf("amtest: no such notification (%d received): %w", len(s.Notifications()), ctx.Err())
		}
	}
}

// Alerts returns the alerts Alertmanager holds (active, silenced or
// inhibited; resolved ones are not listed).
func (s *Server) Alerts(ctx context.Context) ([]Alert, error) {
	var out []Alert
	return out, s.get(ctx, "/api/v2/alerts", &out)
}

// Groups returns the alert groups.
func (s *Server) Groups(ctx context.Context) ([]Group, error) {
	var out []Group
	return out, s.get(ctx, "/api/v2/alerts/groups", &out)
}

func (s *Server) get(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
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
		return fmt.Errorf("amtest: GET %s: %s: %s", path, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

// WaitAlerts polls the alerts until cond holds and returns them.
// Alertmanager offers no event to wait on.
func (s *Server) WaitAlerts(ctx context.Context, cond func([]Alert) bool) ([]Alert, error) {
	for {
		alerts, err := s.Alerts(ctx)
		if err == nil && cond(alerts) {
			return alerts, nil
		}
		select {
		case <-ctx.Done():
			return alerts, fmt.Errorf("amtest: alerts %+v (err %v): %w", alerts, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// WaitGroups polls the alert groups until cond holds and returns them:
// Alertmanager's dispatcher groups a posted alert a moment later.
func (s *Server) WaitGroups(ctx context.Context, cond func([]Group) bool) ([]Group, error) {
	for {
		groups, err := s.Groups(ctx)
		if err == nil && cond(groups) {
			return groups, nil
		}
		select {
		case <-ctx.Done():
			return groups, fmt.Errorf("amtest: groups %+v (err %v): %w", groups, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
