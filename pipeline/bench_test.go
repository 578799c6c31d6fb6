package pipeline

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
)

// BenchmarkReplay replays the log named by $RBLWATCH_BENCH_LOG (for example
// one made by `go run ./bench/genlog -n 1000000 -o /tmp/big.log`).
func BenchmarkReplay(b *testing.B) {
	path := os.Getenv("RBLWATCH_BENCH_LOG")
	if path == "" {
		b.Skip("set RBLWATCH_BENCH_LOG to a Postfix log (see bench/genlog)")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cat := classify.Default()
	b.SetBytes(st.Size())
	var lines int64
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
}
