package e2e

import (
	"context"
	"slices"
	"testing"

	"github.com/rblwatch/rblwatch/internal/amtest"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestAlertmanagerTwoHosts (issue 8.4): two mail hosts, each a real
// Postfix with its own rblwatch run, send from one listed IP and post to
// one real Alertmanager with notify.alertmanager.urls, routed as
// docs/config.md says (group_by: [alertname, provider, listed]). When a
// receiver refuses both hosts' mail citing Barracuda, Alertmanager holds
// one group of two alerts, one per host, and notifies them together; when
// mail goes through again on both, both alerts are notified resolved, the
// group at last, and every notification was of that one group.
func TestAlertmanagerTwoHosts(t *testing.T) {
	t.Parallel()
	am := amtest.Start(t, amtest.Options{})
	hosts := []string{"mx1.example.test", "mx2.example.test"}
	tc := channelCase{to: []string{postmaster}, rcpts: []string{postmaster}, names: []string{""}, alertmanager: true}
	var benches []*daemonBench
	for _, h := range hosts {
		b, routes := newBenchPeers(t)
		b.pf = pt.Start(t, pt.Options{Routes: routes, Hostname: h})
		b.drv = &driver{t: t, pf: b.pf, seen: map[string]int{}}
		cfg := b.channelConfig(tc, nil, am)
		startDaemon(t, cfg)
		benches = append(benches, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*daemonWait)
	defer cancel()
	hostsOf := func(n amtest.Notification, status string) []string {
		var hs []string
		for _, a := range n.Alerts {
			if a.Status == status {
				hs = append(hs, a.Labels["host"])
			}
		}
		slices.Sort(hs)
		return hs
	}

	for _, b := range benches {
		b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	}
	groups, err := am.WaitGroups(ctx, func(g []amtest.Group) bool { return len(g) > 1 || len(g) == 1 && len(g[0].Alerts) == 2 })
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 {
		t.Fatalf("%d alert groups, want one for the listed address: %+v", len(groups), groups)
	}
	var got []string
	for _, a := range groups[0].Alerts {
		got = append(got, a.Labels["host"])
		if a.Labels["provider"] != "barracuda" || a.Labels["listed"] != listed || a.Labels["alertname"] != "RblwatchBlocklisted" {
			t.Errorf("alert labels %v", a.Labels)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, hosts) {
		t.Fatalf("the group's alerts are from %v, want %v", got, hosts)
	}
	if _, err := am.WaitNotification(ctx, func(n amtest.Notification) bool {
		return slices.Equal(hostsOf(n, "firing"), hosts)
	}); err != nil {
		t.Fatalf("no notification naming both hosts: %v (%+v)", err, am.Notifications())
	}

	for _, b := range benches {
		b.drv.smtp(aliceAddr, sent("carol@bigbank.test"))
	}
	// Each host's alert is notified resolved, with the other's or before
	// it (a notification names an alert resolved once).
	resolved := map[string]bool{}
	if _, err := am.WaitNotification(ctx, func(n amtest.Notification) bool {
		for _, h := range hostsOf(n, "resolved") {
			resolved[h] = true
		}
		return n.Status == "resolved" && len(resolved) == len(hosts)
	}); err != nil {
		t.Fatalf("the alerts were not both resolved: %v (%+v)", err, am.Notifications())
	}
	notes := am.Notifications()
	for _, n := range notes {
		if n.GroupKey != notes[0].GroupKey {
			t.Errorf("notifications of two groups: %q and %q", notes[0].GroupKey, n.GroupKey)
		}
	}
}
