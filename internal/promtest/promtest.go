// Package promtest runs a real Prometheus server (Debian's prometheus) for
// tests: on loopback, on a free port, its storage in the test's temporary
// directory, scraping the given targets and evaluating the given rule files
// at short intervals, and sending its alerts to the given Alertmanagers.
//
//	p := promtest.Start(t, promtest.Options{
//		Targets:       []promtest.Target{{Addr: "127.0.0.1:9101", Instance: "mx1"}},
//		RuleFiles:     []string{"/path/to/prometheus/rules.yml"},
//		Alertmanagers: []string{am.URL},
//	})
//
// Start skips the test when the program is not installed, and fails it
// under RBLWATCH_E2E=require.
package promtest

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/internal/testproc"
)

// Target is a scrape target.
type Target struct {
	Addr     string // host:port serving /metrics
	Instance string // the instance label (default: Addr)
}

// Options configure the server.
type Options struct {
	Targets       []Target
	RuleFiles     []string // absolute paths
	Alertmanagers []string // base URLs (http://host:port)
	// Interval is the scrape and evaluation interval; 1 s when zero.
	Interval time.Duration
	// Job is the job label of the targets; "rblwatch" when empty.
	Job string
}

// Server is a running Prometheus.
type Server struct {
	URL string // its base URL
}

// Start runs Prometheus until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin := testenv.LookPath(t, "prometheus", "prometheus")
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.Job == "" {
		o.Job = "rblwatch"
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(config(o)), 0o644); err != nil {
		t.Fatal(err)
	}
	// Prometheus has no ":0": a port free a moment ago (started again on
	// another one when a test beside this one took it).
	_, addr, err := testproc.StartListening(t, testproc.Listener{
		Name: "prometheus", IP: "127.0.0.1", Grace: 10 * time.Second, Timeout: 60 * time.Second,
		Command: func(addr netip.AddrPort) *exec.Cmd {
			return exec.Command(bin,
				"--config.file="+cfgPath,
				"--storage.tsdb.path="+filepath.Join(dir, "data"),
				"--web.listen-address="+addr.String(),
				"--log.level=warn",
			)
		},
		Ready: func(addr netip.AddrPort) func() error {
			return testproc.HTTPReady("http://" + addr.String() + "/-/ready")
		},
	})
	if err != nil {
		t.Fatalf("promtest: %v", err)
	}
	s := &Server{URL: "http://" + addr.String()}
	return s
}

// config is the prometheus.yml for o.
func config(o Options) string {
	var b strings.Builder
	iv := fmt.Sprintf("%dms", o.Interval/time.Millisecond)
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n", iv, iv, iv)
	if len(o.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range o.RuleFiles {
			fmt.Fprintf(&b, "  - %q\n", f)
		}
	}
	if len(o.Alertmanagers) > 0 {
		b.WriteString("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets:\n")
		for _, u := range o.Alertmanagers {
			host := u
			if pu, err := url.Parse(u); err == nil && pu.Host != "" {
				host = pu.Host
			}
			fmt.Fprintf(&b, "            - %q\n", host)
		}
	}
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %q\n    static_configs:\n", o.Job)
	for _, tg := range o.Targets {
		inst := tg.Instance
		if inst == "" {
			inst = tg.Addr
		}
		fmt.Fprintf(&b, "      - targets: [%q]\n        labels: {instance: %q}\n", tg.Addr, inst)
	}
	return b.String()
}

// Alert is one alert as GET /api/v1/alerts returns it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"` // pending or firing
	Value       string            `json:"value"`
}

// Alerts returns the pending and firing alerts.
func (s *Server) Alerts(ctx context.Context) ([]Alert, error) {
	var out struct {
		Data struct {
			Alerts []Alert `json:"alerts"`
		} `json:"data"`
	}
	err := s.get(ctx, "/api/v1/alerts", &out)
	return out.Data.Alerts, err
}

// TargetHealth returns the health ("up", "down", "unknown") of each target
// by its instance label.
func (s *Server) TargetHealth(ctx context.Context) (map[string]string, error) {
	var out struct {
		Data struct {
			ActiveTargets []struct {
				Labels    map[string]string `json:"labels"`
				Health    string            `json:"health"`
				LastError string            `json:"lastError"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := s.get(ctx, "/api/v1/targets", &out); err != nil {
		return nil, err
	}
	h := map[string]string{}
	for _, tg := range out.Data.ActiveTargets {
		h[tg.Labels["instance"]] = tg.Health
	}
	return h, nil
}

func (s *Server) get(ctx context.Context, path string, v any) error {
	return testproc.GetJSON(ctx, s.URL+path, v)
}
