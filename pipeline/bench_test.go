package pipeline

import (
	"github.com/rblwatch/rblwatch/internal/benchlog"

	"context"
	"os"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
)

// BenchmarkReplay replays the log named by $RBLWATCH_BENCH_LOG (for example
// one made by `go run ./bench/genlog -n 1000000 -o /tmp/big.log`): reading,
// parsing, classifying and tracking, as `rblwatch replay` does after it has
// loaded the catalog (loaded once here) and before it builds and writes its
// report (not here: bench/replay.sh times the whole command, and on a log
// with thousands of incidents the report is 5–10 % of it). It reports
// lines/s and gc-%, the collector's share of the CPU.
func BenchmarkReplay(b *testing.B) {
	path := benchlog.Path(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cat := classify.Default()
	b.SetBytes(st.Size())
	var lines int64
	gc0, cpu0 := gcCPU()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := Replay(context.Background(), []Input{{Name: path, R: f, Ref: st.ModTime()}}, Options{Catalog: cat, Location: time.UTC})
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		lines = res.Lines
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	if gc1, cpu1 := gcCPU(); cpu1 > cpu0 {
		b.ReportMetric(100*(gc1-gc0)/(cpu1-cpu0), "gc-%")
	}
}

// gcCPU returns the CPU seconds the garbage collector and the whole
// program used so far (idle time left out), as the runtime estimates them
// (runtime/metrics).
func gcCPU() (gc, busy float64) {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/cpu/classes/total:cpu-seconds"},
		{Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64(), s[1].Value.Float64() - s[2].Value.Float64()
}
