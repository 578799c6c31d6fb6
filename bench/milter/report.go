package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// byDaemon formats Postfix's CPU by daemon for a run's line.
func byDaemon(v []float64) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(" (")
	for i, name := range append(slices.Clone(postfixDaemons), "other", "exited") {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s %.0f", name, v[i])
	}
	b.WriteByte(')')
	return b.String()
}

// report prints the medians per mode and, for every mode against off, the
// measured ratio next to the ratio CPU predicts.
//
// On a machine whose CPUs are saturated, the benchmark's processes get
// some share of them, and the rate is that share divided by the CPU
// every message costs all of them together (Postfix, the milter,
// smtp-source and smtp-sink): rate = share / T. With the share the same in
// two runs, rate_on / rate_off = T_off / T_on. The share is what other
// work on a shared machine changes from run to run, which is why the
// measured ratio is noisy; T is not (much), so T_off / T_on per round is
// the decision, and the measured ratio its check. The difference T_on −
// T_off is what the milter costs per message, split into rblwatch's CPU,
// Postfix's own extra work (its side of the milter protocol, by daemon)
// and the load generator's.
func report(out io.Writer, modes []string, results map[string][]result) {
	rounds := len(results[modes[0]])
	fmt.Fprintf(out, "\nmedians over %d rounds (ratio: msgs/s against off)\n", rounds)
	fmt.Fprintf(out, "%-5s %10s %7s %14s %22s %22s %21s %18s %16s %13s\n", "mode", "msgs/s", "ratio", "inject msgs/s", "rblwatch µs CPU/msg",
		"nullmilter µs CPU/msg", "postfix µs CPU/msg", "rblwatch cs/msg", "rblwatch KB/msg", "GCs/1000 msgs")
	offRate := median(results["off"], func(r result) float64 { return r.rate })
	if len(results["off"]) == 0 {
		offRate = 1
	}
	for _, m := range modes {
		rate := median(results[m], func(r result) float64 { return r.rate })
		fmt.Fprintf(out, "%-5s %10.1f %7.3f %14.1f %22.1f %22.1f %21.1f %18.1f %16.1f %13.1f\n", m, rate, rate/offRate,
			median(results[m], func(r result) float64 { return r.inject }),
			median(results[m], func(r result) float64 { return r.cpuPerMsg }),
			median(results[m], func(r result) float64 { return r.nullCPU }),
			median(results[m], func(r result) float64 { return r.postfixCPU }),
			median(results[m], func(r result) float64 { return r.switches }),
			median(results[m], func(r result) float64 { return r.allocKB }),
			median(results[m], func(r result) float64 { return r.gcs }))
	}

	names := append(slices.Clone(postfixDaemons), "other", "exited")
	fmt.Fprintf(out, "\nCPU µs per message, medians (Postfix by daemon; total = Postfix + rblwatch + null milter + smtp-source + smtp-sink; busy = the whole machine's, others' work included)\n")
	fmt.Fprintf(out, "%-5s %8s", "mode", "postfix")
	for _, name := range names {
		fmt.Fprintf(out, " %8s", name)
	}
	fmt.Fprintf(out, " %8s %8s %8s %8s %8s %7s\n", "rblwatch", "null", "load", "total", "busy", "idle %")
	for _, m := range modes {
		rs := results[m]
		fmt.Fprintf(out, "%-5s %8.1f", m, median(rs, func(r result) float64 { return r.postfixCPU }))
		for i := range names {
			fmt.Fprintf(out, " %8.1f", median(rs, func(r result) float64 { return at(r.postfixBy, i) }))
		}
		fmt.Fprintf(out, " %8.1f %8.1f %8.1f %8.1f %8.1f %7.1f\n",
			median(rs, func(r result) float64 { return r.cpuPerMsg }),
			median(rs, func(r result) float64 { return r.nullCPU }),
			median(rs, func(r result) float64 { return r.loadCPU }),
			median(rs, func(r result) float64 { return r.totalCPU }),
			median(rs, func(r result) float64 { return r.busy }),
			median(rs, func(r result) float64 { return r.idle }))
	}

	off := results["off"]
	if len(off) == 0 {
		return
	}
	fmt.Fprintf(out, "\nagainst off, paired by round (median [min, max] of the %d rounds)\n", rounds)
	for _, m := range modes {
		rs := results[m]
		if m == "off" || len(rs) != len(off) {
			continue
		}
		paired := func(f func(r, o result) float64) string {
			v := make([]float64, len(rs))
			for i := range rs {
				v[i] = f(rs[i], off[i])
			}
			s := slices.Sorted(slices.Values(v))
			return fmt.Sprintf("%.3f [%.3f, %.3f]", medianOf(v), s[0], s[len(s)-1])
		}
		delta := func(f func(r result) float64) string {
			v := make([]float64, len(rs))
			for i := range rs {
				v[i] = f(rs[i]) - f(off[i])
			}
			return fmt.Sprintf("%+.1f", medianOf(v))
		}
		fmt.Fprintf(out, "%s/off msgs/s:               %s\n", m, paired(func(r, o result) float64 { return r.rate / o.rate }))
		fmt.Fprintf(out, "%s/off by CPU (T_off/T_%s):  %s\n", m, m, paired(func(r, o result) float64 { return o.totalCPU / r.totalCPU }))
		fmt.Fprintf(out, "%s − off, µs CPU per message: total %s = rblwatch %s + null milter %s + Postfix %s (", m,
			delta(func(r result) float64 { return r.totalCPU }), delta(func(r result) float64 { return r.cpuPerMsg }),
			delta(func(r result) float64 { return r.nullCPU }), delta(func(r result) float64 { return r.postfixCPU }))
		for i, name := range names {
			if i > 0 {
				fmt.Fprint(out, ", ")
			}
			fmt.Fprintf(out, "%s %s", name, delta(func(r result) float64 { return at(r.postfixBy, i) }))
		}
		fmt.Fprintf(out, ") + smtp-source/sink %s\n", delta(func(r result) float64 { return r.loadCPU }))
	}
}

func at(v []float64, i int) float64 {
	if i < len(v) {
		return v[i]
	}
	return 0
}
