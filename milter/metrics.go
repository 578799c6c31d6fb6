package milter

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the milter's Prometheus metrics (namespace rblwatch,
// subsystem milter).
type Metrics struct {
	sessions prometheus.Counter
	refused  prometheus.Counter
	active   prometheus.Gauge
	messages prometheus.Counter
	aborts   prometheus.Counter
	failures prometheus.Counter
}

// NewMetrics makes the metrics and registers them with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	opts := func(name, help string) prometheus.CounterOpts {
		return prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: "milter", Name: name, Help: help}
	}
	m := &Metrics{
		sessions: prometheus.NewCounter(opts("sessions_total", "Milter connections accepted (Postfix opens one per SMTP session or local submission).")),
		refused:  prometheus.NewCounter(opts("sessions_refused_total", "Milter connections closed at once because too many were open.")),
		active: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "rblwatch", Subsystem: "milter", Name: "sessions_open",
			Help: "Milter connections open now."}),
		messages: prometheus.NewCounter(opts("messages_total", "Messages seen to their end and marked with the track header.")),
		aborts:   prometheus.NewCounter(opts("aborts_total", "Messages the MTA abandoned before their end (RSET, rejected or dropped transactions).")),
		failures: prometheus.NewCounter(opts("header_failures_total", "Messages whose track header could not be sent to the MTA (connection lost).")),
	}
	if reg != nil {
		reg.MustRegister(m.sessions, m.refused, m.active, m.messages, m.aborts, m.failures)
	}
	return m
}
