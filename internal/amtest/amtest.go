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
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/internal/testproc"
)

// Options shape the Alertmanager's configuration.
type Options struct {
	// GroupBy are the route's group_by labels; nil groups by alertname,
	// provider and listed (what docs/config.md recommends).
	GroupBy []string
	// GroupWait and GroupInterval of the route; 100 ms and 1 s when zero,
	// so that tests see notifications quickly.
	GroupWait, GroupInterval time.Duration
	// Config, when set, is an Alertmanager configuration file (the shipped
	// prometheus/alertmanager.yml) whose route tree is used as it is —
	// matchers, group_by, nesting — with GroupWait and GroupInterval in
	// every route and the capture webhook as every receiver, which resolves
	// only when every configuration of the file's receiver does
	// (send_resolved: true). GroupBy is then unused; the file's global
	// section (SMTP) is dropped.
	Config string
}

// Server is a running Alertmanager.
type Server struct {
	// URL is its base URL, as notify.alertmanager.urls takes it.
	URL  string
	proc *testproc.Proc

	mu    sync.Mutex
	notes []Notification
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
	s := &Server{note: make(chan struct{})}
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
	var cfg string
	if o.Config != "" {
		var err error
		if cfg, err = shippedConfig(o.Config, modelDuration(o.GroupWait), modelDuration(o.GroupInterval), "http://"+hln.Addr().String()+"/"); err != nil {
			t.Fatalf("amtest: %v", err)
		}
	} else {
		cfg = fmt.Sprintf(`route:
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
	}
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// A free port, taken a moment ago: Alertmanager has no ":0" (started
	// again on another one when a test beside this one took it).
	var addr netip.AddrPort
	var err2 error
	s.proc, addr, err2 = testproc.StartListening(t, testproc.Listener{
		Name: "alertmanager", IP: "127.0.0.1", Grace: 10 * time.Second, Timeout: 30 * time.Second,
		Command: func(addr netip.AddrPort) *exec.Cmd {
			return exec.Command(bin,
				"--config.file="+cfgPath,
				"--storage.path="+filepath.Join(dir, "data"),
				"--web.listen-address="+addr.String(),
				"--cluster.listen-address=", // no cluster: nothing listens beyond the API
				"--log.level=warn",
			)
		},
		Ready: func(addr netip.AddrPort) func() error {
			return testproc.HTTPReady("http://" + addr.String() + "/-/ready")
		},
	})
	if err2 != nil {
		t.Fatalf("amtest: %v", err2)
	}
	s.URL = "http://" + addr.String()
	return s
}

// shippedConfig rewrites the configuration file path for a test: its
// routes as they are, with group_wait and group_interval set to wait and
// interval, and each receiver a webhook to url that sends resolutions when
// all of the receiver's configurations do.
func shippedConfig(path, wait, interval, url string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	route, ok := cfg["route"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("%s: no route", path)
	}
	var retime func(r map[string]any)
	retime = func(r map[string]any) {
		r["group_wait"], r["group_interval"] = wait, interval
		if _, ok := r["repeat_interval"]; ok {
			r["repeat_interval"] = "1h"
		}
		subs, _ := r["routes"].([]any)
		for _, s := range subs {
			if sub, ok := s.(map[string]any); ok {
				retime(sub)
			}
		}
	}
	retime(route)
	receivers, _ := cfg["receivers"].([]any)
	for i, r := range receivers {
		rec, ok := r.(map[string]any)
		if !ok {
			return "", fmt.Errorf("%s: receiver %d is no mapping", path, i)
		}
		resolved, n := true, 0
		for k, v := range rec {
			confs, ok := v.([]any)
			if !ok || !strings.HasSuffix(k, "_configs") {
				continue
			}
			for _, c := range confs {
				m, _ := c.(map[string]any)
				n++
				sr, set := m["send_resolved"].(bool)
				// Alertmanager's defaults: true for webhooks, false for email.
				resolved = resolved && (sr || !set && k == "webhook_configs")
			}
		}
		if n == 0 {
			resolved = false
		}
		receivers[i] = map[string]any{"name": rec["name"], "webhook_configs": []any{map[string]any{"url": url, "send_resolved": resolved}}}
	}
	delete(cfg, "global")
	out, err := yaml.Marshal(cfg)
	return string(out), err
}

// modelDuration writes d as Alertmanager's configuration reads it.
func modelDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
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
	err := s.get(ctx, "/api/v2/alerts", &out)
	return out, err
}

// Groups returns the alert groups.
func (s *Server) Groups(ctx context.Context) ([]Group, error) {
	var out []Group
	err := s.get(ctx, "/api/v2/alerts/groups", &out)
	return out, err
}

func (s *Server) get(ctx context.Context, path string, v any) error {
	return testproc.GetJSON(ctx, s.URL+path, v)
}

// WaitAlerts polls the alerts until cond holds and returns them.
// Alertmanager offers no event to wait on.
func (s *Server) WaitAlerts(ctx context.Context, cond func([]Alert) bool) ([]Alert, error) {
	return poll(ctx, "alerts", s.Alerts, cond)
}

// WaitGroups polls the alert groups until cond holds and returns them:
// Alertmanager's dispatcher groups a posted alert a moment later.
func (s *Server) WaitGroups(ctx context.Context, cond func([]Group) bool) ([]Group, error) {
	return poll(ctx, "groups", s.Groups, cond)
}

// poll calls get every 50 ms until cond holds for what it returns.
func poll[T any](ctx context.Context, what string, get func(context.Context) (T, error), cond func(T) bool) (T, error) {
	for {
		v, err := get(ctx)
		if err == nil && cond(v) {
			return v, nil
		}
		select {
		case <-ctx.Done():
			return v, fmt.Errorf("amtest: %s %+v (err %v): %w", what, v, err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
