package pipeline

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
)

var keep *Result
var keepTr *incident.Tracker

func TestZZHeap(t *testing.T) {
	path := os.Getenv("RBLWATCH_BENCH_LOG")
	st, _ := os.Stat(path)
	f, _ := os.Open(path)
	res, err := Replay(context.Background(), []Input{{Name: path, R: f, Ref: st.ModTime()}}, Options{Catalog: classify.Default(), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	keep = res
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("incidents %d heap inuse %d MB", len(res.Incidents), ms.HeapInuse>>20)
	out, _ := os.Create("/tmp/r5/heap.prof")
	pprof.WriteHeapProfile(out)
	out.Close()
}
