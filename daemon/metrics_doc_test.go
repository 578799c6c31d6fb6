package daemon

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/track"
)

// recordingRegisterer keeps the collectors registered with it.
type recordingRegisterer struct{ cs []prometheus.Collector }

func (r *recordingRegisterer) Register(c prometheus.Collector) error {
	r.cs = append(r.cs, c)
	return nil
}

func (r *recordingRegisterer) MustRegister(cs ...prometheus.Collector) { r.cs = append(r.cs, cs...) }

func (r *recordingRegisterer) Unregister(prometheus.Collector) bool { return false }

// names returns the metric names of the registered collectors.
func (r *recordingRegisterer) names() []string {
	ch := make(chan *prometheus.Desc, 100)
	go func() {
		for _, c := range r.cs {
			c.Describe(ch)
		}
		close(ch)
	}()
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	var out []string
	for d := range ch {
		if m := fq.FindStringSubmatch(d.String()); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// TestMetricsDocumented: docs/metrics.md documents every metric rblwatch
// registers (the milter's counters as rblwatch_milter_*_total), names none
// it does not, and the queries of docs/metrics.md and the rules of
// prometheus/rules.yml use documented names only.
func TestMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(rblwatch_[a-z_*]+)`").FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = true
	}
	isDocumented := func(name string) bool {
		return documented[name] || strings.HasPrefix(name, "rblwatch_milter_") && strings.HasSuffix(name, "_total") && documented["rblwatch_milter_*_total"]
	}
	reg := &recordingRegisterer{}
	NewMetrics(reg)
	milter.NewMetrics(reg)
	registered := reg.names()
	if len(registered) < 15 {
		t.Fatalf("%d metrics registered: %q", len(registered), registered)
	}
	for _, name := range registered {
		if !isDocumented(name) {
			t.Errorf("%s is registered but not documented in docs/metrics.md", name)
		}
	}
	for name := range documented {
		if !strings.Contains(name, "*") && !slices.Contains(registered, name) {
			t.Errorf("docs/metrics.md documents %s, which rblwatch does not register", name)
		}
	}
	rules, err := os.ReadFile("../prometheus/rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	_, queries, _ := strings.Cut(string(doc), "```promql")
	used := regexp.MustCompile(`rblwatch_[a-z_]+`)
	for _, text := range []string{string(rules), queries} {
		for _, name := range used.FindAllString(text, -1) {
			if !isDocumented(name) {
				t.Errorf("%s is used by a rule or a documented query but is no documented metric", name)
			}
		}
	}
}

// forwardingRegisterer registers with reg and keeps the collectors, so a
// test can give every vector a series.
type forwardingRegisterer struct {
	reg *prometheus.Registry
	cs  []prometheus.Collector
}

func (r *forwardingRegisterer) Register(c prometheus.Collector) error {
	r.cs = append(r.cs, c)
	return r.reg.Register(c)
}

func (r *forwardingRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

func (r *forwardingRegisterer) Unregister(c prometheus.Collector) bool { return r.reg.Unregister(c) }

// documentedMetric is a row of a table of docs/metrics.md (or of
// docs/milter.md's, for the milter's counters).
type documentedMetric struct {
	typ    string // "gauge", "counter"
	labels []string
}

// metricsTables reads the metric tables of a document: each row's name
// and labels (backquoted in the second column, "—" for none), with the
// type of the section it is in (a heading naming gauges or counters).
func metricsTables(t *testing.T, doc string) map[string]documentedMetric {
	t.Helper()
	out := map[string]documentedMetric{}
	typ := ""
	row := regexp.MustCompile("^\\| `(rblwatch_[a-z_*]+)` \\| ([^|]*) \\|")
	word := regexp.MustCompile("`([a-z_]+)`")
	for line := range strings.Lines(doc) {
		switch {
		case strings.HasPrefix(line, "## "):
			typ = ""
			if strings.Contains(line, "(gauges)") {
				typ = "gauge"
			} else if strings.Contains(line, "(counters)") {
				typ = "counter"
			}
		case row.MatchString(line):
			m := row.FindStringSubmatch(line)
			if typ == "" {
				t.Errorf("docs/metrics.md: %s is in a section that names no type", m[1])
			}
			labels := []string{}
			for _, w := range word.FindAllStringSubmatch(m[2], -1) {
				labels = append(labels, w[1])
			}
			if len(labels) == 0 && strings.TrimSpace(m[2]) != "—" {
				t.Errorf("docs/metrics.md: %s: labels %q: neither backquoted names nor —", m[1], m[2])
			}
			slices.Sort(labels)
			out[m[1]] = documentedMetric{typ: typ, labels: labels}
		}
	}
	return out
}

// TestMetricsAsDocumented: every metric rblwatch exports is in
// docs/metrics.md with its type (the section: gauges or counters) and its
// labels exactly, and every row there is a metric with that type and
// those labels; the milter's counters (rblwatch_milter_*_total) are
// docs/milter.md's table. Every vector is given a series and the state
// collector a state, so the registry's output is what a scrape of a busy
// daemon shows.
func TestMetricsAsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := metricsTables(t, string(doc))
	milterDoc, err := os.ReadFile("../docs/milter.md")
	if err != nil {
		t.Fatal(err)
	}
	milterNames := regexp.MustCompile("(?m)^\\| `(rblwatch_milter_[a-z_]+)` \\|").FindAllStringSubmatch(string(milterDoc), -1)
	if wild, ok := documented["rblwatch_milter_*_total"]; ok {
		delete(documented, "rblwatch_milter_*_total")
		for _, m := range milterNames {
			if _, ok := documented[m[1]]; !ok && strings.HasSuffix(m[1], "_total") {
				documented[m[1]] = wild
			}
		}
	}
	for _, m := range milterNames {
		if _, ok := documented[m[1]]; !ok {
			t.Errorf("docs/milter.md names %s, which docs/metrics.md does not document", m[1])
		}
	}

	reg := &forwardingRegisterer{reg: prometheus.NewPedanticRegistry()}
	m := NewMetrics(reg)
	milter.NewMetrics(reg)
	newMilterWriter(nil, reg, zap.NewNop(), 1)
	for _, c := range reg.cs {
		if v, ok := c.(*prometheus.CounterVec); ok {
			ch := make(chan *prometheus.Desc, 1)
			v.Describe(ch)
			n := strings.Count(regexp.MustCompile(`variableLabels: \{([^}]*)\}`).FindStringSubmatch((<-ch).String())[1], ",") + 1
			v.WithLabelValues(slices.Repeat([]string{"x"}, n)...).Inc()
		}
	}
	cat := classify.Default()
	m.setOpenIncidents([]incident.Ref{{Key: incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"}}}, func(string) bool { return true }, cat)
	m.selfCheck(time.Unix(1e9, 0), map[string][]dnsbl.Result{"192.0.2.1": {{Zone: "zen.spamhaus.org", Target: "192.0.2.1", Status: dnsbl.StatusListed, Codes: []string{"127.0.0.2"}, Meaning: "SBL"}}},
		func(string) string { return "spamhaus" })
	m.SetBacklog(func(context.Context) ([]track.Backlog, error) { return nil, nil }, []string{"email"})

	families, err := reg.reg.Gather()
	if err != nil {
		t.Fatalf("the pedantic registry: %v", err)
	}
	exported := map[string]bool{}
	for _, f := range families {
		name := f.GetName()
		exported[name] = true
		typ := strings.ToLower(f.GetType().String())
		var labels []string
		for _, l := range f.GetMetric()[0].GetLabel() {
			labels = append(labels, l.GetName())
		}
		slices.Sort(labels)
		d, ok := documented[name]
		switch {
		case !ok:
			t.Errorf("%s (%s, labels %q) is exported but not documented in docs/metrics.md", name, typ, labels)
		case d.typ != typ:
			t.Errorf("%s is a %s, docs/metrics.md lists it among the %ss", name, typ, d.typ)
		case !slices.Equal(d.labels, labels):
			t.Errorf("%s has labels %q, docs/metrics.md says %q", name, labels, d.labels)
		}
		if f.GetHelp() == "" {
			t.Errorf("%s has no help", name)
		}
		if (typ == "counter") != strings.HasSuffix(name, "_total") {
			t.Errorf("%s: a %s; counters, and only they, end in _total", name, typ)
		}
	}
	for name := range documented {
		if !exported[name] {
			t.Errorf("docs/metrics.md documents %s, which rblwatch does not export", name)
		}
	}

	// What /metrics serves (with the runtime's and the process's metrics,
	// as Build registers them) passes promtool's lint.
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg.reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = rec.Body
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}
