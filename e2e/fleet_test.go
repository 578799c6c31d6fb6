package e2e

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/amtest"
	"github.com/rblwatch/rblwatch/internal/promtest"
	"github.com/rblwatch/rblwatch/internal/testenv"
)

// fleetWait bounds each wait of the fleet test: Prometheus scrapes and
// evaluates every second, Alertmanager waits 100 ms and groups every
// second, so each step takes seconds; the bound is for a loaded machine.
const fleetWait = 90 * time.Second

// TestFleet is a hosting company's fleet on one machine (docs/fleet.md):
// two mail hosts, each a real Postfix with rblwatch run beside it, send
// from one shared IP; a real Prometheus scrapes both with the shipped rules
// (prometheus/rules.yml) and a real Alertmanager routes with the shipped
// routes (prometheus/alertmanager.yml). When a receiver refuses both
// hosts' mail citing Barracuda, Alertmanager sends one notification for the
// listed IP naming both hosts; when mail flows again on both, it sends the
// group's resolution.
func TestFleet(t *testing.T) {
	t.Parallel()
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	// The shipped routing as it is (matchers, group_by, send_resolved),
	// with seconds for minutes and a webhook for the email.
	am := amtest.Start(t, amtest.Options{Config: filepath.Join(root, "prometheus", "alertmanager.yml")})

	names := []string{"mx1.example.test", "mx2.example.test"}
	var hosts []*daemonBench
	var targets []promtest.Target
	for _, name := range names {
		b := newDaemonBench(t)
		cfg := b.config(daemonOptions{})
		d := startDaemon(t, cfg)
		hosts = append(hosts, b)
		targets = append(targets, promtest.Target{Addr: d.metricsAddr(), Instance: name})
	}
	prom := promtest.Start(t, promtest.Options{
		Targets:       targets,
		RuleFiles:     []string{filepath.Join(root, "prometheus", "rules.yml")},
		Alertmanagers: []string{am.URL},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*fleetWait)
	defer cancel()
	waitTargetsUp(ctx, t, prom, names)

	// Both hosts: the receiver refuses, citing Barracuda's list.
	for _, b := range hosts {
		b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	}
	wctx, wcancel := context.WithTimeout(ctx, fleetWait)
	defer wcancel()
	fired, err := am.WaitNotification(wctx, func(n amtest.Notification) bool {
		return n.Status == "firing" && slices.Equal(hostsOf(n, "RblwatchBlocklistIncident", "firing"), names)
	})
	if err != nil {
		alerts, _ := prom.Alerts(context.Background())
		t.Fatalf("no notification with both hosts' alerts: %v\nnotifications: %+v\nprometheus alerts: %+v", err, am.Notifications(), alerts)
	}
	if want := map[string]string{"listed": listed}; !mapsEqual(fired.GroupLabels, want) {
		t.Errorf("group labels %v, want %v: one group per listed address", fired.GroupLabels, want)
	}
	for _, a := range fired.Alerts {
		if a.Labels["provider"] != "barracuda" || a.Labels["listed"] != listed || a.Labels["job"] != "rblwatch" {
			t.Errorf("alert labels %v, want provider barracuda, listed %s, job rblwatch", a.Labels, listed)
		}
		if !strings.Contains(a.Annotations["summary"], "barracuda blocks mail from "+listed) {
			t.Errorf("alert summary %q", a.Annotations["summary"])
		}
	}
	// Every notification about the listing so far belongs to that one group.
	for _, n := range am.Notifications() {
		if len(hostsOf(n, "RblwatchBlocklistIncident", "")) > 0 && n.GroupKey != fired.GroupKey {
			t.Errorf("a notification in another group %q (want %q): %+v", n.GroupKey, fired.GroupKey, n)
		}
	}

	// Mail to the receiver flows again on both hosts: the incidents clear
	// (notify.settle), their gauges go, Prometheus resolves the alerts and
	// Alertmanager resolves the group.
	for _, b := range hosts {
		b.drv.smtp(aliceAddr, sent("carol@bigbank.test"))
	}
	rctx, rcancel := context.WithTimeout(ctx, fleetWait)
	defer rcancel()
	// The group is resolved (every alert in it): one host may clear first,
	// its alert then shows resolved in a notification of its own.
	resolved, err := am.WaitNotification(rctx, func(n amtest.Notification) bool {
		return n.Status == "resolved" && n.GroupKey == fired.GroupKey
	})
	if err != nil {
		alerts, _ := prom.Alerts(context.Background())
		t.Fatalf("the group was not resolved: %v\nnotifications: %+v\nprometheus alerts: %+v", err, am.Notifications(), alerts)
	}
	for _, a := range resolved.Alerts {
		if a.Status != "resolved" {
			t.Errorf("a resolved group with a firing alert: %v", a.Labels)
		}
	}
	var cleared []string
	for _, n := range am.Notifications() {
		for _, h := range hostsOf(n, "RblwatchBlocklistIncident", "resolved") {
			if !slices.Contains(cleared, h) {
				cleared = append(cleared, h)
			}
		}
	}
	slices.Sort(cleared)
	if !slices.Equal(cleared, names) {
		t.Errorf("resolved alerts of %q, want both hosts %q", cleared, names)
	}
	active, err := am.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range active {
		if a.Labels["alertname"] == "RblwatchBlocklistIncident" {
			t.Errorf("still active after the clear: %v", a.Labels)
		}
	}
}

// hostsOf lists, sorted, the instances of a notification's alerts named
// alertname in status ("" for any).
func hostsOf(n amtest.Notification, alertname, status string) []string {
	var out []string
	for _, a := range n.Alerts {
		if a.Labels["alertname"] == alertname && (status == "" || a.Status == status) {
			out = append(out, a.Labels["instance"])
		}
	}
	slices.Sort(out)
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// waitTargetsUp waits until Prometheus has scraped every instance.
func waitTargetsUp(ctx context.Context, t *testing.T, p *promtest.Server, names []string) {
	t.Helper()
	for {
		h, err := p.TargetHealth(ctx)
		up := err == nil
		for _, n := range names {
			up = up && h[n] == "up"
		}
		if up {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("targets not up: %v (%v)", h, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
