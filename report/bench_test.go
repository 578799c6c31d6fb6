package report

import (
	"github.com/rblwatch/rblwatch/internal/benchlog"

	"context"
	"io"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/pipeline"
)

// replayed replays the log named by $RBLWATCH_BENCH_LOG as replay does,
// for a benchmark of what comes after.
func replayed(b *testing.B) (*pipeline.Result, *classify.Catalog, string) {
	f := benchlog.Open(b)
	path := f.Name()
	cat := classify.Default()
	res, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: path, R: f, Ref: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}},
		pipeline.Options{Catalog: cat, Location: time.UTC, NoTimelines: true,
			Settle: incident.DefaultConfig.Settle, Quiet: incident.DefaultConfig.Quiet}) // as replay runs
	if err != nil {
		b.Fatal(err)
	}
	return res, cat, path
}

// BenchmarkBuildJSON builds and writes as JSON the report of the log named
// by $RBLWATCH_BENCH_LOG (replayed once, before the timer): what `rblwatch
// replay --format json` does once the log is read. A dense log (bench/genlog
// -replies …) has thousands of incidents; ns/op is per report.
func BenchmarkBuildJSON(b *testing.B) {
	res, cat, path := replayed(b)
	b.ReportAllocs()
	for b.Loop() {
		rep := Build(res, Options{Catalog: cat, Lang: "en", Files: []string{path}})
		if err := WriteJSON(io.Discard, rep); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Incidents)), "incidents")
}

// BenchmarkWriteText writes as text the report of the log named by
// $RBLWATCH_BENCH_LOG (replayed and built once, before the timer): what
// `rblwatch replay --format text` does once the report is built; ns/op is
// per report.
func BenchmarkWriteText(b *testing.B) {
	res, cat, path := replayed(b)
	rep := Build(res, Options{Catalog: cat, Lang: "en", Files: []string{path}})
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteText(io.Discard, rep, "en"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Incidents)), "incidents")
}

// BenchmarkWrite writes the report of the log named by $RBLWATCH_BENCH_LOG
// as `rblwatch replay` does (Write, as JSON and as text), each time after
// writing 64 MB of other memory, the timer stopped: at the end of a
// replay the incidents' texts, copied from the log long before, are out
// of the caches, and reading them is much of what the report costs. ns/op
// is per report.
func BenchmarkWrite(b *testing.B) {
	res, cat, path := replayed(b)
	evict := make([]byte, 64<<20)
	for _, format := range []string{"json", "text"} {
		b.Run(format, func(b *testing.B) {
			opts := Options{Catalog: cat, Lang: "en", Files: []string{path}}
			for b.Loop() {
				b.StopTimer()
				for i := 0; i < len(evict); i += 64 {
					evict[i]++
				}
				b.StartTimer()
				if err := Write(io.Discard, res, opts, format); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(res.Incidents)), "incidents")
		})
	}
}
