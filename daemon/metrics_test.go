package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// TestStateMetrics drives the state collector directly, each case with a
// registry of its own, and compares the exposition.
func TestStateMetrics(t *testing.T) {
	own := func(s string) bool { return s == "192.0.2.1" || s == "mail.example.org" }
	at := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	spamhaus := func(z string) string {
		if strings.HasSuffix(z, "spamhaus.org") {
			return "spamhaus"
		}
		return "barracuda"
	}
	res := func(target, zone string, st dnsbl.Status, codes ...string) dnsbl.Result {
		r := dnsbl.Result{Zone: zone, Target: target, Status: st, Codes: codes}
		if st == dnsbl.StatusListed {
			r.Meaning = "listed: " + strings.Join(codes, ",")
		}
		return r
	}
	tests := []struct {
		name  string
		do    func(m *Metrics)
		names []string
		want  string
	}{
		{
			name: "open incidents: catalog ids and our addresses, the rest aggregated",
			do: func(m *Metrics) {
				m.setOpenIncidents([]incident.Ref{
					{ID: "a", Key: incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"}},
					{ID: "b", Key: incident.Key{Provider: "barracuda", Listed: "192.0.2.1"}},
					{ID: "c", Key: incident.Key{Provider: "spamhaus", Listed: "198.51.100.9"}},
					{ID: "d", Key: incident.Key{Provider: "spamhaus", Listed: "203.0.113.7"}},
					{ID: "e", Key: incident.Key{Provider: "unknown", Listed: "mail.example.org"}},
					{ID: "f", Key: incident.Key{Provider: "no-such-provider\xff", Listed: "attacker\x00.test"}},
				}, own, classify.Default())
			},
			names: []string{"rblwatch_incidents_open"},
			want: `
# HELP rblwatch_incidents_open Incidents open or ongoing now, by provider (catalog id or "other") and listed address (one of our sending IPs or domains, or "other").
# TYPE rblwatch_incidents_open gauge
rblwatch_incidents_open{listed="192.0.2.1",provider="barracuda"} 1
rblwatch_incidents_open{listed="192.0.2.1",provider="spamhaus"} 1
rblwatch_incidents_open{listed="mail.example.org",provider="unknown"} 1
rblwatch_incidents_open{listed="other",provider="other"} 1
rblwatch_incidents_open{listed="other",provider="spamhaus"} 2
`,
		},
		{
			name: "open incidents: a cleared one leaves no series",
			do: func(m *Metrics) {
				m.setOpenIncidents([]incident.Ref{{ID: "a", Key: incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"}}}, own, classify.Default())
				m.setOpenIncidents(nil, own, classify.Default())
			},
			names: []string{"rblwatch_incidents_open"},
			want:  ``,
		},
		{
			name: "listings: an error keeps the last answer, a zone no longer checked goes",
			do: func(m *Metrics) {
				m.selfCheck(at, map[string][]dnsbl.Result{
					"192.0.2.1": {
						res("192.0.2.1", "zen.spamhaus.org", dnsbl.StatusListed, "127.0.0.2", "127.0.0.4"),
						res("192.0.2.1", "b.barracudacentral.org", dnsbl.StatusClean),
						res("192.0.2.1", "old.example", dnsbl.StatusClean),
					},
				}, spamhaus)
				m.selfCheck(at.Add(time.Hour), map[string][]dnsbl.Result{
					"192.0.2.1": {
						res("192.0.2.1", "zen.spamhaus.org", dnsbl.StatusError),
						res("192.0.2.1", "b.barracudacentral.org", dnsbl.StatusListed, "127.0.0.2"),
					},
				}, spamhaus)
			},
			names: []string{"rblwatch_dnsbl_listed", "rblwatch_selfcheck_last_success_timestamp_seconds", "rblwatch_dnsbl_lookups_total"},
			want: `
# HELP rblwatch_dnsbl_listed Whether a DNSBL zone lists one of our own sending IPs or domains (1) or not (0), as the last definite self-check answer said; code and meaning are the zone's return codes and their meaning when listed.
# TYPE rblwatch_dnsbl_listed gauge
rblwatch_dnsbl_listed{code="127.0.0.2",meaning="listed: 127.0.0.2",provider="barracuda",target="192.0.2.1",zone="b.barracudacentral.org"} 1
rblwatch_dnsbl_listed{code="127.0.0.2,127.0.0.4",meaning="listed: 127.0.0.2,127.0.0.4",provider="spamhaus",target="192.0.2.1",zone="zen.spamhaus.org"} 1
# HELP rblwatch_dnsbl_lookups_total DNSBL lookups, of incidents' listings and of the self-check, by result (listed, clean, error).
# TYPE rblwatch_dnsbl_lookups_total counter
rblwatch_dnsbl_lookups_total{status="clean"} 2
rblwatch_dnsbl_lookups_total{status="error"} 1
rblwatch_dnsbl_lookups_total{status="listed"} 2
# HELP rblwatch_selfcheck_last_success_timestamp_seconds When the last self-check that got a definite DNS answer completed (Unix time); 0 before the first.
# TYPE rblwatch_selfcheck_last_success_timestamp_seconds gauge
rblwatch_selfcheck_last_success_timestamp_seconds ` + fmt.Sprint(float64(at.Add(time.Hour).Unix())) + `
`,
		},
		{
			name: "self-check: a round of errors only is no success",
			do: func(m *Metrics) {
				m.selfCheck(at, map[string][]dnsbl.Result{"192.0.2.1": {res("192.0.2.1", "zen.spamhaus.org", dnsbl.StatusClean)}}, spamhaus)
				m.selfCheck(at.Add(time.Hour), map[string][]dnsbl.Result{"192.0.2.1": {res("192.0.2.1", "zen.spamhaus.org", dnsbl.StatusError)}}, spamhaus)
			},
			names: []string{"rblwatch_dnsbl_listed", "rblwatch_selfcheck_last_success_timestamp_seconds"},
			want: `
# HELP rblwatch_dnsbl_listed Whether a DNSBL zone lists one of our own sending IPs or domains (1) or not (0), as the last definite self-check answer said; code and meaning are the zone's return codes and their meaning when listed.
# TYPE rblwatch_dnsbl_listed gauge
rblwatch_dnsbl_listed{code="",meaning="",provider="spamhaus",target="192.0.2.1",zone="zen.spamhaus.org"} 0
# HELP rblwatch_selfcheck_last_success_timestamp_seconds When the last self-check that got a definite DNS answer completed (Unix time); 0 before the first.
# TYPE rblwatch_selfcheck_last_success_timestamp_seconds gauge
rblwatch_selfcheck_last_success_timestamp_seconds ` + fmt.Sprint(float64(at.Unix())) + `
`,
		},
		{
			name: "outbox backlog per channel, configured channels shown when empty",
			do: func(m *Metrics) {
				m.SetBacklog(func(context.Context) ([]track.Backlog, error) {
					return []track.Backlog{{Sink: "email", Pending: 3, Oldest: at.Add(-90 * time.Second)}}, nil
				}, []string{"email", "webhook"})
			},
			names: []string{"rblwatch_outbox_pending_items", "rblwatch_outbox_oldest_pending_age_seconds"},
			want: `
# HELP rblwatch_outbox_oldest_pending_age_seconds Age of the oldest outbox item neither sent nor given up, by channel; 0 when none is pending.
# TYPE rblwatch_outbox_oldest_pending_age_seconds gauge
rblwatch_outbox_oldest_pending_age_seconds{channel="email"} 90
rblwatch_outbox_oldest_pending_age_seconds{channel="webhook"} 0
# HELP rblwatch_outbox_pending_items Outbox items neither sent nor given up, by channel.
# TYPE rblwatch_outbox_pending_items gauge
rblwatch_outbox_pending_items{channel="email"} 3
rblwatch_outbox_pending_items{channel="webhook"} 0
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			m := NewMetrics(reg)
			m.state.now = func() time.Time { return at }
			tt.do(m)
			if err := testutil.GatherAndCompare(reg, strings.NewReader(tt.want), tt.names...); err != nil {
				t.Error(err)
			}
			if probs, err := testutil.GatherAndLint(reg); err != nil || len(probs) > 0 {
				t.Errorf("lint: %v %+v", err, probs)
			}
		})
	}
}

// TestLastRead: the last read is the last batch's time, or now while the
// file holds nothing past the position read; a grown, replaced or
// vanished file keeps the batch's time.
func TestLastRead(t *testing.T) {
	batch := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	now := batch.Add(time.Hour)
	pos := postfixlog.Position{Path: "/var/log/mail.log", Dev: 8, Inode: 42, Offset: 1000}
	tests := []struct {
		name string
		pos  postfixlog.Position
		file logwatch.FileState
		err  error
		want time.Time
	}{
		{"caught up", pos, logwatch.FileState{Dev: 8, Inode: 42, Size: 1000}, nil, now},
		{"the file grew", pos, logwatch.FileState{Dev: 8, Inode: 42, Size: 1200}, nil, batch},
		{"rotated: another file", pos, logwatch.FileState{Dev: 8, Inode: 43, Size: 1000}, nil, batch},
		{"the file is gone", pos, logwatch.FileState{}, os.ErrNotExist, batch},
		{"journald", postfixlog.Position{Cursor: "s=1;i=2"}, logwatch.FileState{}, nil, batch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMetrics(nil)
			clock := batch
			m.state.now = func() time.Time { return clock }
			m.state.stat = func(string) (logwatch.FileState, error) { return tt.file, tt.err }
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(m.state)
			if got := testutil.ToFloat64(gaugeOf(t, reg, "rblwatch_log_last_read_timestamp_seconds")); got != 0 {
				t.Errorf("before any read: %v, want 0", got)
			}
			m.noteRead(tt.pos)
			clock = now
			if got, want := testutil.ToFloat64(gaugeOf(t, reg, "rblwatch_log_last_read_timestamp_seconds")), float64(tt.want.Unix()); got != want {
				t.Errorf("last read %v, want %v", time.Unix(int64(got), 0).UTC(), tt.want)
			}
		})
	}
}

// gaugeOf returns a collector of the single series name in reg, for
// testutil.ToFloat64.
func gaugeOf(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) == 1 {
			return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: "copy"}, func() float64 { return mf.GetMetric()[0].GetGauge().GetValue() })
		}
	}
	t.Fatalf("no single series %s", name)
	return nil
}

// TestBacklogError: a failing store query makes the scrape say so.
func TestBacklogError(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.SetBacklog(func(context.Context) ([]track.Backlog, error) { return nil, errors.New("disk on fire") }, []string{"email"})
	if _, err := reg.Gather(); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("gather error %v, want the store's", err)
	}
}

// TestDaemonMetrics runs the daemon over a log with a real store and a DNS
// server under the test's control: the open incidents, the listings of the
// self-check, its lookups and the outbox backlog appear as the daemon
// meets them, and go when they end.
func TestDaemonMetrics(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	h.mail.fail.Store(true) // the relay is down: notices stay in the outbox
	fake.Set("b.barracudacentral.org", dnsbltest.Listed("127.0.0.2", "poor reputation"))
	h.start(cfg)
	defer h.stop()

	// Started on an idle log: caught up, so read now (at scrape time).
	h.waitFor("rblwatch_log_last_read_timestamp_seconds", func(v float64) bool {
		return math.Abs(v-float64(time.Now().Unix())) < 60
	}, "about now")
	// A configured channel's notices given up are counted from 0, not
	// from the first one (which increase() would not see).
	if v := h.metric(`rblwatch_notify_attempts_total{channel="email",result="failed"}`); v != 0 {
		t.Errorf("notices given up by email at the start: %v, want a series at 0", v)
	}

	appendLines(t, h.log,
		rejection(t0, "4C1B2A3F91", "alice@example.net"),
		strings.ReplaceAll(rejection(t0.Add(time.Second), "4C1B2A3F92", "bob@example.net"), "192.0.2.1", "198.51.100.77"),
	)
	h.waitLines(2)
	h.selfCheckRound(0)

	h.waitMetric(`rblwatch_incidents_open{listed="192.0.2.1",provider="barracuda"}`, 1)
	h.waitMetric(`rblwatch_incidents_open{listed="other",provider="barracuda"}`, 1)
	h.waitMetric(`rblwatch_dnsbl_listed{code="127.0.0.2",meaning="listed: poor reputation",provider="barracuda",target="192.0.2.1",zone="b.barracudacentral.org"}`, 1)
	h.waitMetric(`rblwatch_dnsbl_listed{code="",meaning="",provider="uceprotect",target="192.0.2.1",zone="`+uce1+`"}`, 0)
	if v := h.metric(`rblwatch_selfcheck_last_success_timestamp_seconds`); v != float64(t0.Unix()) {
		t.Errorf("last self-check %v, want %v", v, t0.Unix())
	}
	if v := h.metric(`rblwatch_dnsbl_lookups_total{status="listed"}`); v < 1 {
		t.Errorf("listed lookups %v: the self-check's are not counted", v)
	}
	h.tickAt(t0.Add(time.Minute)) // the outbox tries, the relay refuses
	h.waitMetricAtLeast(`rblwatch_outbox_pending_items{channel="email"}`, 1)
	if v := h.metric(`rblwatch_outbox_pending_items{channel="email"}`); v < 1 {
		t.Errorf("pending email items %v, want some", v)
	}

	// The listing ends; mail to the receivers flows again: the gauges follow.
	fake.Set("b.barracudacentral.org", dnsbltest.NXDomain)
	h.selfCheckRound(1)
	h.waitMetric(`rblwatch_dnsbl_listed{code="",meaning="",provider="barracuda",target="192.0.2.1",zone="b.barracudacentral.org"}`, 0)
	appendLines(t, h.log, sent(t0.Add(time.Hour+time.Minute), "4C1B2A3F93", "carol@example.net"))
	h.waitLines(3)
	h.tickAt(t0.Add(time.Hour + 2*time.Minute))
	h.tickAt(t0.Add(2 * time.Hour))
	h.waitMetric(`rblwatch_incidents_open{listed="192.0.2.1",provider="barracuda"}`, -1)
	h.waitMetric(`rblwatch_incidents_open{listed="other",provider="barracuda"}`, -1)
}

// metric returns the value of one series in the exposition format's
// notation (`name{a="x",b="y"}`, labels in name order), or -1 when absent.
func (h *harness) metric(series string) float64 {
	h.t.Helper()
	for name, mf := range h.metricFamilies() {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			id := name
			if len(labels) > 0 {
				id += "{" + strings.Join(labels, ",") + "}"
			}
			if id != series {
				continue
			}
			switch {
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

// waitMetric waits until a series has the value (-1: is absent).
func (h *harness) waitMetric(series string, want float64) {
	h.t.Helper()
	h.waitFor(series, func(v float64) bool { return v == want }, fmt.Sprint(want))
}

func (h *harness) waitMetricAtLeast(series string, want float64) {
	h.t.Helper()
	h.waitFor(series, func(v float64) bool { return v >= want }, fmt.Sprint(">= ", want))
}

func (h *harness) waitFor(series string, ok func(float64) bool, want string) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		v := h.metric(series)
		if ok(v) {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s = %v, want %s", series, v, want)
		}
		select {
		case err := <-h.done:
			h.t.Fatalf("daemon ended: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestStreamWaitingIsRead: with a stream source (stdin, journald) that
// stays open and has nothing more to give, a tick makes the log read now —
// a quiet mail host is not an unread log (RblwatchLogNotRead fired after
// every ten quiet minutes). A line read sets the time as before.
func TestStreamWaitingIsRead(t *testing.T) {
	h, w := startStream(t)
	defer h.stop()
	h.metrics.state.mu.Lock()
	h.metrics.state.now = h.clock.now
	h.metrics.state.mu.Unlock()
	lastRead := func() time.Time {
		return time.Unix(int64(testutil.ToFloat64(gaugeOf(t, h.reg, "rblwatch_log_last_read_timestamp_seconds"))), 0).UTC()
	}

	if _, err := io.WriteString(w, rejection(t0, "4C1B2A3F91", "alice@example.net")+"\n"); err != nil {
		t.Fatal(err)
	}
	h.read(1)
	if got := lastRead(); !got.Equal(t0) {
		t.Fatalf("after a line: last read %v, want %v", got, t0)
	}
	// An hour of silence, the source still open: read at every tick.
	for _, at := range []time.Time{t0.Add(10 * time.Minute), t0.Add(time.Hour)} {
		h.tickAt(at)
		h.tickAt(at) // the second tick returns once the first was handled
		if got := lastRead(); !got.Equal(at) {
			t.Errorf("waiting on the stream at %v: last read %v, want %v", at, got, at)
		}
	}
}

// TestLastReadNeedsAReadableLog: a log file rblwatch cannot open is not
// read, however still it lies — a daemon whose user lacks the log's group
// (adm) took a quiet log's unchanged size for "read now", so
// RblwatchLogNotRead, whose advice is to check the read access, stayed
// silent. Root, who runs the tests, may open any file: a unix socket
// stands for a file that exists and cannot be opened (ENXIO).
func TestLastReadNeedsAReadableLog(t *testing.T) {
	dir, err := os.MkdirTemp("", "rblwatch-sock-") // short: a socket path is at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	tests := []struct {
		name      string
		make      func(path string) error
		wantFresh bool
	}{
		{"a readable file", func(p string) error { return os.WriteFile(p, nil, 0o640) }, true},
		{"a file that cannot be opened", func(p string) error {
			ln, err := net.Listen("unix", p)
			if err == nil {
				t.Cleanup(func() { ln.Close() })
			}
			return err
		}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprint(i))
			if err := tt.make(path); err != nil {
				t.Fatal(err)
			}
			fs, err := logwatch.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
			now := start.Add(time.Hour)
			m := NewMetrics(nil)
			m.state.now = func() time.Time { return now }
			m.noteRead(postfixlog.Position{Path: path, Dev: fs.Dev, Inode: fs.Inode, Offset: fs.Size})
			m.state.readAt = start
			reg := prometheus.NewPedanticRegistry()
			reg.MustRegister(m.state)
			want := start
			if tt.wantFresh {
				want = now
			}
			if got := testutil.ToFloat64(gaugeOf(t, reg, "rblwatch_log_last_read_timestamp_seconds")); got != float64(want.Unix()) {
				t.Errorf("last read %v, want %v", time.Unix(int64(got), 0).UTC(), want)
			}
		})
	}
}

// TestScrapeSurvivesABacklogError: when the outbox backlog cannot be read
// at scrape time, /metrics still serves every other metric (and the error
// is logged) — it answered 500, so Prometheus saw the host down, its
// listing and incident alerts resolved and fired again when the store
// answered, and RblwatchDown fired for a daemon that was reading its log.
func TestScrapeSurvivesABacklogError(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.SetBacklog(func(context.Context) ([]track.Backlog, error) { return nil, errors.New("disk on fire") }, []string{"email"})
	m.lines.Add(3)
	core, logs := observer.New(zap.WarnLevel)
	rec := httptest.NewRecorder()
	metricsHandler(reg, zap.New(core)).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200:\n%s", rec.Code, rec.Body)
	}
	if body := rec.Body.String(); !strings.Contains(body, "\nrblwatch_logwatch_lines_total 3\n") || strings.Contains(body, "rblwatch_outbox_pending_items{") {
		t.Errorf("the scrape, want the other metrics and no outbox series:\n%s", body)
	}
	if !slices.ContainsFunc(logs.All(), func(e observer.LoggedEntry) bool {
		return strings.Contains(fmt.Sprint(e.ContextMap()), "disk on fire")
	}) {
		t.Errorf("the error is not logged: %v", logs.All())
	}
}
