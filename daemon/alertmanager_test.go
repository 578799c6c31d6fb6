package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/amtest"
	"github.com/rblwatch/rblwatch/notify"
)

// TestAlertmanagerChannel: with notify.alertmanager.urls, an incident is
// one alert in a real Alertmanager, with the labels that group a fleet; it
// stays firing while the incident lasts (the lane posts it again) and is
// resolved when the incident clears. The email channel works beside it.
func TestAlertmanagerChannel(t *testing.T) {
	am, h, base := startWithAlertmanager(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	defer h.stop()

	appendLines(t, h.log, rejection(base, "4C1B2A3F91", "alice@example.net"))
	h.mail.wait(t, "opened")
	alerts, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 1 })
	if err != nil {
		t.Fatal(err)
	}
	a := alerts[0]
	want := map[string]string{"alertname": notify.AlertName, "provider": "barracuda", "listed": "192.0.2.1", "host": "mx.example.org", "severity": "critical", "source": "log"}
	for k, v := range want {
		if a.Labels[k] != v {
			t.Errorf("label %s = %q, want %q (%v)", k, a.Labels[k], v, a.Labels)
		}
	}
	if a.Annotations["summary"] == "" || a.Annotations["lookup_url"] == "" || !a.StartsAt.Equal(base) {
		t.Errorf("alert %+v", a)
	}
	firstEnd := a.EndsAt

	// A minute later by the daemon's clock the lane posts it again.
	h.tickAt(base.Add(time.Minute))
	if _, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 1 && a[0].EndsAt.After(firstEnd) }); err != nil {
		t.Errorf("the firing alert was not posted again: %v", err)
	}

	// Mail to the receiver goes through: cleared, resolved.
	appendLines(t, h.log, sent(base.Add(2*time.Minute), "4C1B2A3F93", "carol@example.net"))
	h.read(2)
	h.tickAt(base.Add(3 * time.Minute))
	h.tickAt(base.Add(13 * time.Minute))
	h.mail.wait(t, "cleared")
	if _, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 0 }); err != nil {
		t.Fatal(err)
	}
	n, err := am.WaitNotification(ctx, func(n amtest.Notification) bool { return n.Status == "resolved" })
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Alerts) != 1 || n.Alerts[0].Labels["provider"] != "barracuda" {
		t.Errorf("resolved notification %+v", n)
	}
	// The refresh no longer posts it: it stays resolved.
	h.tickAt(base.Add(20 * time.Minute))
	h.tickAt(base.Add(30 * time.Minute))
	if a, _ := am.Alerts(ctx); len(a) != 0 {
		t.Errorf("after the clearing Alertmanager holds %+v", a)
	}
}

// TestAlertmanagerSeverityEscalates: an incident that begins with a
// deferral is a warning alert; once the receivers bounce mail for the same
// listing, the refresh posts it as critical and resolves the warning one
// (severity is a label, so the two are different alerts to Alertmanager):
// one alert fires, critical.
func TestAlertmanagerSeverityEscalates(t *testing.T) {
	am, h, base := startWithAlertmanager(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	defer h.stop()

	appendLines(t, h.log, deferral(base, "4C1B2A3F91", "alice@example.net"))
	h.mail.wait(t, "opened")
	if _, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 1 && a[0].Labels["severity"] == "warning" }); err != nil {
		t.Fatal(err)
	}

	// The same list now makes the receiver bounce mail.
	bounce := strings.Replace(strings.Replace(deferral(base.Add(time.Minute), "4C1B2A3F92", "bob@example.net"),
		"dsn=4.7.1, status=deferred", "dsn=5.7.1, status=bounced", 1), "said: 450 4.7.1", "said: 554 5.7.1", 1)
	appendLines(t, h.log, bounce)
	h.read(2)
	h.tickAt(base.Add(2 * time.Minute))
	alerts, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 1 && a[0].Labels["severity"] == "critical" })
	if err != nil {
		a, _ := am.Alerts(ctx)
		t.Fatalf("%v; Alertmanager holds %+v", err, a)
	}
	if !alerts[0].StartsAt.Equal(base) {
		t.Errorf("escalated alert starts %v, want %v (the incident's start)", alerts[0].StartsAt, base)
	}
	// It stays critical and alone on the next refreshes.
	h.tickAt(base.Add(3 * time.Minute))
	h.tickAt(base.Add(4 * time.Minute))
	if a, _ := am.Alerts(ctx); len(a) != 1 || a[0].Labels["severity"] != "critical" {
		t.Errorf("after the escalation Alertmanager holds %+v", a)
	}
}

// startWithAlertmanager starts a real Alertmanager and a daemon that posts
// to it, the daemon's clock at base, an hour before now: the log's time is
// the past, so a clearing is over by Alertmanager's clock, while a firing
// alert's end is counted from the real time. The caller stops h.
func startWithAlertmanager(t *testing.T) (*amtest.Server, *harness, time.Time) {
	t.Helper()
	am := amtest.Start(t, amtest.Options{})
	base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	h := newHarness(t)
	h.clock.set(base)
	cfg := h.config()
	cfg.Notify.Alertmanager.URLs = []string{am.URL}
	h.extra = map[string]notify.Transport{SinkAlertmanager: &notify.Alertmanager{URLs: []string{am.URL}, Now: time.Now}}
	h.start(cfg)
	return am, h, base
}
