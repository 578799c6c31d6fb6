package main

import (
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestLinesOpenDistinctIncidents: every line the benchmark writes parses as
// a Postfix delivery line and classifies as a blocklist rejection naming
// the line's own IP, so each opens an incident of its own and the notice
// about it names that IP.
func TestLinesOpenDistinctIncidents(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 16, 34, 123456000, time.Local)
	cat := classify.Default()
	keys := map[incident.Key]int{}
	for i := range 3 * len(replies) {
		ip := incidentIP(i)
		line := rejectionLine(i, ip, now)
		var r postfixlog.Record
		if err := postfixlog.NewParser(now, time.Local).Parse(line[:len(line)-1], &r); err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", i, err, line)
		}
		if r.Kind != postfixlog.KindDelivery || !r.Time.Equal(now.Truncate(time.Microsecond)) {
			t.Errorf("line %d: kind %v, time %v; want a delivery at %v", i, r.Kind, r.Time, now)
		}
		v := cat.Classify(classify.InputFromRecord(&r, ""))
		if v.Category != classify.Blocklist || v.Provider == "" || v.Listed != ip {
			t.Errorf("line %d: %s/%s listed %q, want a blocklist provider listing %s\n%s", i, v.Category, v.Provider, v.Listed, ip, line)
		}
		k := incident.Key{Provider: v.Provider, Listed: v.Listed}
		if j, dup := keys[k]; dup {
			t.Errorf("lines %d and %d share the incident %v", j, i, k)
		}
		keys[k] = i
	}
	if n := len(keys); n < len(replies) {
		t.Errorf("%d incidents from %d lines", n, 3*len(replies))
	}
}

func TestIncidentIP(t *testing.T) {
	for _, c := range []struct {
		i    int
		want string
	}{
		{0, "198.18.0.1"},
		{254, "198.18.0.255"},
		{255, "198.18.1.0"},
		{1<<16 - 1, "198.19.0.0"},
		{maxIncidents - 1, "198.19.255.254"},
	} {
		if got := incidentIP(c.i); got != c.want {
			t.Errorf("incidentIP(%d) = %s, want %s", c.i, got, c.want)
		}
		if !subjectIP.MatchString(c.want) {
			t.Errorf("the subject pattern misses %s", c.want)
		}
	}
}

func TestQuantile(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	for _, c := range []struct {
		in   []time.Duration
		q    float64
		want time.Duration
	}{
		{nil, 0.5, 0},
		{ms(7), 0.99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{ms(hundred...), 0.5, 50 * time.Millisecond},
		{ms(hundred...), 0.99, 99 * time.Millisecond},
		{ms(hundred...), 1, 100 * time.Millisecond},
	} {
		if got := quantile(c.in, c.q); got != c.want {
			t.Errorf("quantile(%v, %v) = %v, want %v", c.in, c.q, got, c.want)
		}
	}
}
