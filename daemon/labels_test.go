package daemon

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/rblwatch/rblwatch/ingest"
)

// metricFamilies returns what the daemon's registry holds, by name.
func (h *harness) metricFamilies() map[string]*dto.MetricFamily {
	h.t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		h.t.Fatalf("gathering the metrics: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// waitLines waits until the daemon has read n lines.
func (h *harness) waitLines(n int) {
	h.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var got float64
		if mf := h.metricFamilies()["rblwatch_logwatch_lines_total"]; mf != nil {
			got = mf.GetMetric()[0].GetCounter().GetValue()
		}
		if got >= float64(n) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the daemon read %v lines, want %d", got, n)
		}
		select {
		case err := <-h.done:
			h.t.Fatalf("daemon ended: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestMetricLabelsBounded: 63,000 Postfix lines with made-up service names
// (some not even UTF-8, which client_golang refuses as a label value) make
// at most one series per known Postfix service plus "other" and "-".
func TestMetricLabelsBounded(t *testing.T) {
	h := newHarness(t)
	h.start(h.config())
	defer h.stop()

	const n = 63000
	var b strings.Builder
	for i := range n {
		svc := fmt.Sprintf("x%d", i)
		switch i % 7 {
		case 1:
			svc = fmt.Sprintf("\xff\xfe%d", i) // invalid UTF-8
		case 2:
			svc = "smtp" // a known service, in a line it does not understand
		case 3:
			svc = strings.Repeat("s", 15) + fmt.Sprint(i%100000)
		}
		fmt.Fprintf(&b, "%s mx postfix/%s[%d]: %s\n", stamp(t0), svc, 100+i, "something odd happened")
	}
	// And lines with no readable Postfix prefix at all.
	b.WriteString(stamp(t0) + " mx postfix/\n")
	if err := os.WriteFile(h.log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	h.waitLines(n + 1)

	mf := h.metricFamilies()["rblwatch_logwatch_unparsed_lines_total"]
	if mf == nil {
		t.Fatal("no rblwatch_logwatch_unparsed_lines_total")
	}
	allowed := map[string]bool{"other": true, "-": true}
	for _, s := range []string{"smtp", "smtpd", "lmtp", "qmgr", "cleanup", "pickup", "bounce", "local", "relay"} {
		allowed[s] = true
	}
	var total float64
	for _, m := range mf.GetMetric() {
		v := m.GetLabel()[0].GetValue()
		if !allowed[v] {
			t.Errorf("service label %q made from log text", v)
		}
		total += m.GetCounter().GetValue()
	}
	if len(mf.GetMetric()) > 3 {
		t.Errorf("%d series of unparsed_lines_total, want at most 3 (smtp, other, -)", len(mf.GetMetric()))
	}
	if total != n+1 {
		t.Errorf("%v unparsed lines counted, want %d", total, n+1)
	}
	// Every other label set stays small too.
	for name, mf := range h.metricFamilies() {
		if len(mf.GetMetric()) > 20 {
			t.Errorf("%s has %d series", name, len(mf.GetMetric()))
		}
	}
}

// TestRefusalLabelsBounded: a hostile log of refusals — each from another
// receiver, naming another address and another list nobody knows, with
// made-up statuses and syslog names — makes no series of its own: the
// providers are catalog ids, the listed addresses ours or "other", the
// statuses and categories fixed sets. The open incidents still add up.
// (They are few: past ingest.DefaultForeignAddresses addresses that are not
// ours, the refusals count under their provider with no listed address.)
func TestRefusalLabelsBounded(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	h.start(cfg)
	defer h.stop()

	const n = 2000
	var b strings.Builder
	for i := range n {
		rcv := fmt.Sprintf("evil%d.test", i)
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		fmt.Fprintf(&b, "%s mx postfix/smtp[100]: %010X: to=<u%d@%s>, relay=mx.%s[198.18.%d.%d]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.%s[198.18.%d.%d] said: 554 5.7.1 Client host [%s] blocked using bl%d.evil%d.test; see https://evil%d.test/?ip=%s (in reply to RCPT TO command))\n",
			stamp(t0), i, i, rcv, rcv, i>>8&255, i&255, rcv, i>>8&255, i&255, ip, i, i, i, ip)
		fmt.Fprintf(&b, "%s mx postfix%d/smtp[100]: %010X: to=<v%d@%s>, relay=mx.%s[198.18.0.1]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=4.7.1, status=deferred%d (host mx.%s[198.18.0.1] said: 421 4.7.1 EvilList%d blocks %s)\n",
			stamp(t0), i, n+i, i, rcv, rcv, i, rcv, i, ip)
	}
	if err := os.WriteFile(h.log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	h.waitLines(2 * n)

	series := 0
	for name, mf := range h.metricFamilies() {
		if !strings.HasPrefix(name, "rblwatch_") {
			continue
		}
		series += len(mf.GetMetric())
		if len(mf.GetMetric()) > 10 {
			t.Errorf("%s has %d series", name, len(mf.GetMetric()))
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); strings.Contains(v, "evil") || strings.HasPrefix(v, "10.") || strings.Contains(v, "deferred") {
					t.Errorf("%s: label %s=%q made from log text", name, l.GetName(), v)
				}
			}
		}
	}
	if series > 60 {
		t.Errorf("%d rblwatch series after %d hostile refusals", series, n)
	}
	open := 0.0
	if mf := h.metricFamilies()["rblwatch_incidents_open"]; mf != nil {
		for _, m := range mf.GetMetric() {
			open += m.GetGauge().GetValue()
		}
	}
	// The receivers together open an incident for each of the first
	// ingest.DefaultForeignAddresses addresses, and one with no listed address
	// for the others (ingest.AddressBound).
	if open != ingest.DefaultForeignAddresses+1 {
		t.Errorf("%v incidents open after %d refusals of distinct receivers, want %d: the gauge lost them", open, n, ingest.DefaultForeignAddresses+1)
	}
}
