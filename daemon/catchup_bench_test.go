package daemon

import (
	"github.com/rblwatch/rblwatch/internal/benchlog"

	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// BenchmarkCatchUp measures the daemon reading a backlog: the log named by
// $RBLWATCH_BENCH_LOG (e.g. `go run ./bench/genlog -n 1000000 -o FILE`),
// read from its start into a new store, until the position of its last
// line is committed. lines/s is the catch-up rate (bench/catchup.sh runs
// the real binary the same way).
func BenchmarkCatchUp(b *testing.B) {
	src := benchlog.Path(b)
	fi, err := os.Stat(src)
	if err != nil {
		b.Fatal(err)
	}
	var lines int64
	b.StopTimer()
	for range b.N {
		dir := b.TempDir()
		cfg := config.Default()
		cfg.Log.Path, cfg.Log.Timezone = src, "UTC"
		cfg.State.Path = filepath.Join(dir, "state.db")
		cfg.DNSBL.Interval = 0
		st, err := track.Open(cfg.State.Path, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		m := NewMetrics(nil)
		done := make(chan error, 1)
		b.StartTimer()
		go func() {
			done <- Run(ctx, Deps{
				Config: cfg, Catalog: classify.Default(), Store: st, Host: "mx.example.org", Metrics: m,
				Source: func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error) {
					return logwatch.Follow(ctx, start, logwatch.FollowOptions{Path: src, FromStart: true, EndMarks: true, Buffer: batchMax})
				},
				SourceName: "file:" + src,
			})
		}()
		for {
			pos, ok, err := st.LoadPosition(context.Background(), "file:"+src)
			if err != nil {
				b.Fatal(err)
			}
			if ok && pos.Offset == fi.Size() {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.StopTimer()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		st.Close()
		lines = int64(testutil.ToFloat64(m.lines))
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkProcess: the loop's work per line while catching up (parse,
// classify, track, commit), without the source: the lines of
// $RBLWATCH_BENCH_LOG in batches of batchMax, into a new store.
func BenchmarkProcess(b *testing.B) {
	src, data := benchlog.Path(b), benchlog.Read(b)
	var lines []postfixlog.Line
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		lines = append(lines, postfixlog.Line{Text: l, Pos: postfixlog.Position{Path: src, Inode: 1, Offset: int64(i + 1)}})
	}
	b.StopTimer()
	for range b.N {
		cfg := config.Default()
		cfg.Log.Path, cfg.Log.Timezone = src, "UTC"
		cfg.State.Path = filepath.Join(b.TempDir(), "state.db")
		cfg.DNSBL.Interval = 0
		st, err := track.Open(cfg.State.Path, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		d := Deps{Config: cfg, Catalog: classify.Default(), Store: st, Host: "mx.example.org", Log: zap.NewNop(),
			Metrics: NewMetrics(nil), Now: time.Now, SourceName: "file:" + src}
		s, err := newService(context.Background(), d)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := 0; i < len(lines); i += batchMax {
			if err := s.process(context.Background(), lines[i:min(i+batchMax, len(lines))], false); err != nil {
				b.Fatal(err)
			}
		}
		if err := s.writer.stop(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
	}
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
