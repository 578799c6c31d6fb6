package daemon

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the daemon's Prometheus metrics (namespace rblwatch, one
// subsystem per package, bounded labels).
type Metrics struct {
	lines         prometheus.Counter
	skippedLines  prometheus.Counter
	unparsed      *prometheus.CounterVec // service
	deliveries    *prometheus.CounterVec // status
	failures      *prometheus.CounterVec // category
	rejections    *prometheus.CounterVec // provider (catalog ids: bounded)
	events        *prometheus.CounterVec // kind
	notices       *prometheus.CounterVec // sink, result
	dnsChecks     *prometheus.CounterVec // status
	openIncidents prometheus.Gauge
}

// NewMetrics makes the metrics and registers them with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		lines: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "logwatch", Name: "lines_total",
			Help: "Log lines read."}),
		skippedLines: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "logwatch", Name: "overlong_lines_total",
			Help: "Lines longer than the limit, skipped."}),
		unparsed: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "logwatch", Name: "unparsed_lines_total",
			Help: "Postfix lines not understood, by service (\"-\": no readable prefix)."}, []string{"service"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "logwatch", Name: "deliveries_total",
			Help: "Delivery lines by status."}, []string{"status"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "classify", Name: "failures_total",
			Help: "Deferred and bounced delivery lines by category."}, []string{"category"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "classify", Name: "blocklist_rejections_total",
			Help: "Rejections blamed on a reputation or block list, by provider."}, []string{"provider"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "incident", Name: "events_total",
			Help: "Incident and self-check events by kind."}, []string{"kind"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "notify", Name: "attempts_total",
			Help: "Notice delivery attempts by sink and result (sent, retry, failed)."}, []string{"sink", "result"}),
		dnsChecks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "dnsbl", Name: "lookups_total",
			Help: "DNSBL lookups by result (listed, clean, error)."}, []string{"status"}),
		openIncidents: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "rblwatch", Subsystem: "incident", Name: "open",
			Help: "Incidents open or ongoing now."}),
	}
	if reg != nil {
		reg.MustRegister(m.lines, m.skippedLines, m.unparsed, m.deliveries, m.failures, m.rejections, m.events, m.notices, m.dnsChecks, m.openIncidents)
	}
	return m
}
