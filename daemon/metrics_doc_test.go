package daemon

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rblwatch/rblwatch/milter"
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
