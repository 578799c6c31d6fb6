package track

import (
	"github.com/rblwatch/rblwatch/internal/benchlog"

	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// benchRecords returns n records of a busy log, as whole message lives of
// the shapes a relay sees (client, message-id, queued, one deferral for a
// fifth of the messages then delivery of two recipients, removed: 7 or 8
// lines a message), with queue ids unique across calls through seq.
func benchRecords(n int, seq *int) []*postfixlog.Record {
	recs := make([]*postfixlog.Record, 0, n+8)
	for len(recs) < n {
		*seq++
		qid := fmt.Sprintf("%011X", *seq)
		at := t0.Add(time.Duration(*seq) * time.Millisecond)
		recs = append(recs, client(at, qid), msgid(at, qid, qid+"@example.org"), queued(at, qid, "sender@example.org", 2))
		if *seq%5 == 0 {
			recs = append(recs, delivery(at, qid, "a@example.net", "deferred", "4.7.1", tmDeferred))
		}
		recs = append(recs,
			delivery(at, qid, "a@example.net", "sent", "2.0.0", okSent),
			delivery(at, qid, "b@example.com", "sent", "2.0.0", okSent),
			removed(at, qid))
	}
	return recs[:n]
}

// BenchmarkApplyBatch measures what the daemon does per batch of log lines:
// one transaction applying the batch's records and saving the position.
// records/s is the rate the daemon can follow a log at.
func BenchmarkApplyBatch(b *testing.B) {
	for _, size := range []int{1000, 100, 10} {
		for _, sync := range []string{"FULL", "NORMAL"} {
			b.Run(fmt.Sprintf("batch=%d/sync=%s", size, sync), func(b *testing.B) {
				s, err := Open(filepath.Join(b.TempDir(), "state.db"), nil)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				ctx := context.Background()
				if _, err := s.w.ExecContext(ctx, "PRAGMA synchronous = "+sync); err != nil {
					b.Fatal(err)
				}
				seq := 0
				var offset int64
				iters := 0
				for b.Loop() {
					iters++
					b.StopTimer()
					recs := benchRecords(size, &seq)
					b.StartTimer()
					err := s.Tx(ctx, func(tx *Tx) error {
						for _, r := range recs {
							if err := tx.ApplyRecord(r); err != nil {
								return err
							}
						}
						offset += int64(size) * 200
						return tx.SavePosition("file", Position{Path: "/var/log/mail.log", Inode: 131, Offset: offset}, t0)
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(iters*size)/b.Elapsed().Seconds(), "records/s")
			})
		}
	}
}

// BenchmarkSaveLargeIncident: one batch's save of an ongoing incident of
// 100, 1,000 and 10,000 messages in which one message changed (a retry):
// the incident row and one message row, whatever the incident's size — the
// three cost about the same (issue 10: O(change), not O(size)).
func BenchmarkSaveLargeIncident(b *testing.B) {
	for _, size := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("messages=%d", size), func(b *testing.B) { benchSaveIncident(b, size) })
	}
}

func benchSaveIncident(b *testing.B, size int) {
	s, err := Open(filepath.Join(b.TempDir(), "state.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tr := incident.New(incident.Config{})
	v := classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1"}
	at := t0
	feed := func(qid, rcpt string) {
		at = at.Add(time.Second)
		o := incident.Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "deferred", To: rcpt, Raw: "line", Verdict: &v}
		tr.Observe(&o)
	}
	save := func() {
		err := s.Tx(ctx, func(tx *Tx) error {
			for _, c := range tr.Changes() {
				if err := tx.SaveChange(c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	qids, rcpts := make([]string, size), make([]string, size)
	for i := range qids {
		qids[i], rcpts[i] = fmt.Sprintf("A%d", i), fmt.Sprintf("u%d@example.net", i)
		feed(qids[i], rcpts[i])
	}
	save()
	for i := 0; b.Loop(); i++ {
		feed(qids[i%size], rcpts[i%size])
		save()
	}
	if incs := tr.Incidents(); len(incs) != 1 || len(incs[0].Messages)+incs[0].MoreMessages != size {
		b.Fatalf("%d incidents, want one of %d messages", len(incs), size)
	}
}

// BenchmarkWriteLog writes what the log named by $RBLWATCH_BENCH_LOG
// (bench/genlog) tells of messages into a new store, as the daemon catching
// up does: its records applied a batch of lines at a time, each batch
// committed with its position. ns/line is the store's part of a catch-up.
func BenchmarkWriteLog(b *testing.B) {
	path, data := benchlog.Path(b), benchlog.Read(b)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if n, err := strconv.Atoi(os.Getenv("RBLWATCH_BENCH_LINES")); err == nil && n < len(lines) {
		lines = lines[:n]
	}
	p := postfixlog.NewParser(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), time.UTC)
	recs := make([]postfixlog.Record, len(lines))
	for i, l := range lines {
		_ = p.Parse(l, &recs[i])
	}
	batch := 4096
	if n, err := strconv.Atoi(os.Getenv("RBLWATCH_BENCH_BATCH")); err == nil {
		batch = n
	}
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "state.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := 0; i < len(recs); i += batch {
			end := min(i+batch, len(recs))
			for k := i; k < end; k++ {
				if err := s.Apply(ctx, &recs[k]); err != nil {
					b.Fatal(err)
				}
			}
			w := s.Writes()
			err := s.Tx(ctx, func(tx *Tx) error {
				if err := tx.Write(w); err != nil {
					return err
				}
				return tx.SavePosition("file", Position{Path: path, Offset: int64(end)}, t0)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(lines)), "ns/line")
}

// BenchmarkSaveIncidentsLog measures the incidents' part of a catch-up:
// the log named by $RBLWATCH_BENCH_LOG read through the daemon's ingest
// steps into a tracker (not timed), the changes of each batch of 16384
// lines (the daemon's batch) then saved into a new store, a transaction a
// batch, as the daemon's commits save them.
func BenchmarkSaveIncidentsLog(b *testing.B) {
	path, data := benchlog.Path(b), benchlog.Read(b)
	r := ingest.NewReader(ingest.Options{Catalog: classify.Default(), Location: time.UTC}, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC))
	tr := incident.New(incident.DefaultConfig)
	var batches [][]incident.Change
	n, rows := 0, 0
	for line := range strings.Lines(string(data)) {
		if rec, v := r.Read(strings.TrimSuffix(line, "\n")); rec != nil {
			var o incident.Observation
			if ingest.Observation(&o, rec, v) {
				ingest.Feed(tr, &o)
			}
		}
		if n++; n%16384 == 0 {
			c := tr.Changes()
			tr.Forget()
			rows += len(c)
			batches = append(batches, c)
		}
	}
	batches = append(batches, tr.Changes())
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		s, err := Open(filepath.Join(b.TempDir(), "state.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i, cs := range batches {
			err := s.Tx(ctx, func(tx *Tx) error {
				if err := tx.SaveChanges(cs); err != nil {
					return err
				}
				return tx.SavePosition("file", Position{Path: path, Offset: int64(i)}, t0)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows), "saves")
}
