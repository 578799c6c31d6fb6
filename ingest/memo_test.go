package ingest

import (
	"github.com/rblwatch/rblwatch/internal/benchlog"

	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestReaderVerdictsAsClassify reads the generator's logs (bench/genlog:
// its own replies, and the corpus's real replies with per-recipient mail
// hosts), and the real log excerpts of the corpus, through a Reader, whose
// verdicts come from a classify.Memo, and checks every failed delivery's
// verdict against Classify of the same record.
func TestReaderVerdictsAsClassify(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the log generator")
	}
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gen := filepath.Join(dir, "genlog")
	if out, err := exec.Command("go", "build", "-o", gen, filepath.Join(root, "bench", "genlog")).CombinedOutput(); err != nil {
		t.Fatalf("building genlog: %v\n%s", err, out)
	}
	logs := map[string][]string{"generator": {"-n", "60000", "-seed", "3"}}
	replies := testenv.Shared(t, "corpus/rejections.tsv")
	if len(replies) == 1 {
		logs["generator with corpus replies"] = []string{"-n", "60000", "-seed", "5", "-replies", replies[0], "-fail", "0.13"}
	}
	var files []string
	for name, args := range logs {
		f := filepath.Join(dir, name+".log")
		if out, err := exec.Command(gen, append(args, "-o", f)...).CombinedOutput(); err != nil {
			t.Fatalf("genlog %v: %v\n%s", args, err, out)
		}
		files = append(files, f)
	}
	files = append(files, testenv.Shared(t, "corpus/logs/*.log")...)

	cat := classify.Default()
	for _, f := range files {
		for _, sendingIP := range []string{"", "192.0.2.10"} {
			r := NewReader(Options{Catalog: cat, Location: time.UTC, SendingIP: sendingIP}, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
			p := postfixlog.NewParser(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), time.UTC)
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 1<<20)
			failures := 0
			for sc.Scan() {
				line := sc.Text()
				rec, v := r.Read(line)
				if v == nil {
					continue
				}
				failures++
				var rec2 postfixlog.Record
				if err := p.Parse(line, &rec2); err != nil {
					t.Fatal(err)
				}
				if want := cat.Classify(classify.InputFromRecord(&rec2, sendingIP)); *v != want {
					t.Errorf("%s: %s\n verdict %+v\n want    %+v (record %s)", filepath.Base(f), line, *v, want, rec.Kind)
				}
			}
			fh.Close()
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			if failures < 100 {
				continue
			}
			t.Logf("%s (sending IP %q): %d failures, %d from memory, %d classified and remembered, %d classified",
				filepath.Base(f), sendingIP, failures, r.memo.Hits, r.memo.Misses, r.memo.Volatile)
		}
	}
}

// BenchmarkReadFailures reads the failed deliveries of the log named by
// $RBLWATCH_BENCH_LOG through a Reader, over and over: parsing and
// classifying (ns/op is per failure line).
func BenchmarkReadFailures(b *testing.B) {
	f := benchlog.Open(b)
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, "status=deferred") || strings.Contains(l, "status=bounced") {
			lines = append(lines, l)
		}
	}
	r := NewReader(Options{Catalog: classify.Default(), Location: time.UTC}, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Read(lines[i])
		if i++; i == len(lines) {
			i = 0
		}
	}
	b.ReportMetric(float64(r.memo.Hits)/float64(r.memo.Hits+r.memo.Misses+r.memo.Volatile), "hit-ratio")
}
