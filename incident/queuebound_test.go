package incident

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestQueueBound: what the tracker keeps per queue id ends at the message's
// removal, QueueLifetime after the queue id was last seen, or past
// MaxQueueIDs (the least recently seen first), each counted; a message
// refused again after its eviction is not counted twice; past MaxDistinct
// recipients are counted without being told apart, and counted so (those
// told apart before are still known).
func TestQueueBound(t *testing.T) {
	day := 24 * 3600
	lifetime := int(QueueLifetime / time.Second)
	from := func(sec int, qid string) step {
		return step{r: rec(sec, postfixlog.KindQueued, qid, func(r *postfixlog.Record) { r.From = "alice@ours.example" })}
	}
	refused := func(sec int, qid, to string) step { return step{r: delivery(sec, qid, to, "deferred"), v: spamhaus} }
	removed := func(sec int, qid string) step { return step{r: rec(sec, postfixlog.KindRemoved, qid, nil)} }
	qid := func(i int) string { return fmt.Sprintf("B%07X", i) }
	// many refuses n other messages from second 1 on, each once.
	many := func(n int) []step {
		var out []step
		for i := range n {
			out = append(out, refused(1+i/100, qid(i), fmt.Sprintf("u%d@example.net", i%50)))
		}
		return out
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	n := MaxQueueIDs + 1000
	for _, tc := range []struct {
		name  string
		cfg   Config
		steps []step
		// messages and deferred: the incident's message count and its
		// messages counted deferred; the Bounds wanted (Tracked and Peak
		// at most, Evicted: some or none, the others exactly).
		messages, deferred int
		want               Bounds
	}{
		{"removal ends a queue id", Config{},
			[]step{from(0, "Q1"), refused(1, "Q1", "bob@example.net"), removed(2, "Q1")},
			1, 1, Bounds{Tracked: 0, Peak: 2, Distinct: 2}},
		{"a queue id not seen for the lifetime ends", Config{},
			[]step{from(0, "Q1"), refused(1, "Q1", "bob@example.net"), {tick: 1 + lifetime + day/2 + 1}},
			1, 1, Bounds{Expired: 1, Tracked: 0, Peak: 2, Distinct: 2}},
		{"seen again within the lifetime it stays", Config{},
			[]step{from(0, "Q1"), refused(1, "Q1", "bob@example.net"), refused(4*day, "Q1", "bob@example.net"), {tick: 1 + lifetime + day/2 + 1}},
			1, 1, Bounds{Tracked: 2, Peak: 2, Distinct: 2}},
		{"refused again within the lifetime it stays", Config{},
			[]step{refused(1, "Q1", "bob@example.net"), refused(4*day, "Q1", "bob@example.net"), {tick: 1 + lifetime + day/2 + 1}},
			1, 1, Bounds{Tracked: 1, Peak: 1, Distinct: 2}},
		{"refused again after the lifetime: another message", Config{},
			[]step{refused(0, "Q1", "bob@example.net"), {tick: lifetime + day/2 + 1}, refused(lifetime+day/2+2, "Q1", "bob@example.net")},
			2, 2, Bounds{Expired: 1, Tracked: 1, Peak: 1, Distinct: 2}},
		{"past the cap the oldest metadata goes", Config{},
			func() []step {
				var out []step
				for i := range n {
					out = append(out, from(i, qid(i)))
				}
				return out
			}(),
			0, 0, Bounds{Evicted: 1, Tracked: MaxQueueIDs, Peak: MaxQueueIDs}},
		{"refused again after its eviction: counted once (replay)", Config{CountsOnly: true, NoEvents: true},
			cat([]step{from(0, "Q1"), refused(0, "Q1", "bob@example.net")}, many(n), []step{refused(n, "Q1", "bob@example.net")}),
			n + 1, n + 1, Bounds{Evicted: 1, Tracked: 2 * MaxQueueIDs, Peak: 2 * MaxQueueIDs, Distinct: 52}},
		{"refused again after its eviction: counted once (daemon)", Config{},
			cat([]step{from(0, "Q1"), refused(0, "Q1", "bob@example.net")}, many(n), []step{refused(n, "Q1", "bob@example.net")}),
			n + 1, n + 1, Bounds{Evicted: 1, Tracked: 2 * MaxQueueIDs, Peak: 2 * MaxQueueIDs, Distinct: 52}},
		{"evicted, then removed: the queue id's next message is another", Config{},
			cat([]step{refused(0, "Q1", "bob@example.net")}, many(n), []step{removed(n, "Q1"), refused(n+1, "Q1", "bob@example.net")}),
			n + 2, n + 2, Bounds{Evicted: 1, Tracked: 2 * MaxQueueIDs, Peak: 2 * MaxQueueIDs, Distinct: 52}},
		{"past MaxDistinct recipients are counted, not told apart", Config{CountsOnly: true, NoEvents: true},
			func() []step {
				var out []step
				for i := range MaxDistinct + 10 {
					out = append(out, refused(i/1000, "", fmt.Sprintf("u%d@example.net", i)))
				}
				// Told apart before the cap: not new again.
				return append(out, refused(MaxDistinct, "", "u0@example.net"), refused(MaxDistinct, "", "u1@example.net"))
			}(),
			0, 0, Bounds{Untold: 11, Distinct: MaxDistinct}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(tc.cfg)
			run(tr, tc.steps)
			got := tr.Bounds()
			if got.Tracked > tc.want.Tracked || got.Peak > tc.want.Peak || got.Expired != tc.want.Expired || got.Untold != tc.want.Untold || got.Distinct != tc.want.Distinct {
				t.Errorf("bounds %+v, want %+v (Tracked, Peak at most)", got, tc.want)
			}
			if (got.Evicted == 0) != (tc.want.Evicted == 0) {
				t.Errorf("%d evicted, want some: %v", got.Evicted, tc.want.Evicted != 0)
			}
			if tc.want.Evicted != 0 {
				// The least recently seen went, the last one stayed.
				if _, ok := tr.Submitted(qid(0)); ok {
					t.Errorf("%s kept", qid(0))
				}
				if _, ok := tr.Submitted(qid(n - 1)); !ok && tc.messages == 0 {
					t.Errorf("%s forgotten", qid(n-1))
				}
			}
			var msgs, deferred int
			for _, inc := range tr.Incidents() {
				msgs += len(inc.Messages) + inc.MoreMessages
				deferred += inc.Fates.Deferred
			}
			if msgs != tc.messages || deferred != tc.deferred {
				t.Errorf("%d messages, %d deferred; want %d, %d", msgs, deferred, tc.messages, tc.deferred)
			}
		})
	}
}

// TestQueueBoundShuffled: a tracker holding 32 queue ids reads a long
// random mix of submissions, refusals, deliveries, expiries, removals,
// requeues and days of silence over 200 queue ids: it never holds more
// than its cap of either kind nor more tombs, and every incident's
// messages are each counted under one fate.
func TestQueueBoundShuffled(t *testing.T) {
	verdicts := []classify.Verdict{spamhaus, barracuda, {Provider: "microsoft", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550}}
	for _, cfg := range []Config{{}, {CountsOnly: true, NoEvents: true}, {Quiet: 6 * time.Hour, Settle: 10 * time.Minute}} {
		r := rand.New(rand.NewPCG(1, 2))
		tr := New(cfg)
		tr.maxQueueIDs = 32
		sec := 0
		qid := func() string { return fmt.Sprintf("%011X", 0x1000000+r.IntN(200)) }
		rcpt := func() string { return fmt.Sprintf("u%d@d%d.example", r.IntN(50), r.IntN(5)) }
		for i := range 20000 {
			switch r.IntN(100) {
			case 0:
				sec += int(QueueLifetime/time.Second) + r.IntN(86400)
			default:
				sec += r.IntN(600)
			}
			var s step
			switch k := r.IntN(10); k {
			case 0:
				s = step{r: rec(sec, postfixlog.KindQueued, qid(), func(r *postfixlog.Record) { r.From = "a@ours.example" })}
			case 1:
				s = step{r: rec(sec, postfixlog.KindClient, qid(), func(r *postfixlog.Record) { r.SASLUser, r.Client = "alice", "pc[192.0.2.55]" })}
			case 2, 3, 4:
				st := "deferred"
				if k == 4 {
					st = "bounced"
				}
				s = step{r: delivery(sec, qid(), rcpt(), st), v: verdicts[r.IntN(len(verdicts))]}
			case 5, 6:
				to := fmt.Sprintf("v%d@other.example", r.IntN(50)) // clears no incident
				if r.IntN(20) == 0 {
					to = rcpt()
				}
				s = step{r: delivery(sec, qid(), to, "sent")}
			case 7:
				s = step{r: rec(sec, postfixlog.KindExpired, qid(), nil)}
			case 8:
				s = step{r: rec(sec, postfixlog.KindRemoved, qid(), nil)}
			case 9:
				prev, next := qid(), qid()
				s = step{r: rec(sec, postfixlog.KindPickup, next, func(r *postfixlog.Record) {
					r.From, r.OrigQueueID = "a@ours.example", prev
				})}
			}
			run(tr, []step{s})
			if tr.meta.Len() > 32 || tr.byQueue.Len() > 32 || len(tr.tombs) > 32 {
				t.Fatalf("%+v, step %d: %d queue ids with metadata, %d affected, %d tombs; want at most 32 each", cfg, i, tr.meta.Len(), tr.byQueue.Len(), len(tr.tombs))
			}
		}
		b := tr.Bounds()
		if b.Evicted == 0 || b.Expired == 0 {
			t.Errorf("%+v: %+v, want some evicted and some expired", cfg, b)
		}
		for _, inc := range tr.Incidents() {
			f := inc.Fates
			if n := len(inc.Messages) + inc.MoreMessages; f.Deferred+f.Delivered+f.Bounced+f.Expired != n {
				t.Errorf("%+v: incident %s: %d messages, fates %+v", cfg, inc.ID, n, f)
			}
		}
	}
}

// TestEvictOldestOrder: the entries go in the order of their stamps, then
// their keys, whatever the map's order — the tombs of evicted queue ids
// fill a ring in that order, so a map's order made a long replay's report
// differ from run to run (seen at 20 M dense lines: one incident's
// message count 25,373 or 25,372).
func TestEvictOldestOrder(t *testing.T) {
	for run := range 20 {
		m := map[string]int64{}
		for i := range 800 {
			m[fmt.Sprintf("Q%04d", (i*7919)%800)] = int64(i % 50) // 16 keys a stamp
		}
		stamps := maps.Clone(m)
		var got []string
		EvictOldest(m, func(v int64) int64 { return v }, nil, func(k string, _ int64) {
			got = append(got, k)
			delete(m, k)
		})
		if len(got) != 112 { // the eighth (100) reaches into stamp 6: stamps 0–6, 16 keys each
			t.Fatalf("run %d: %d evicted, want 112 (the eighth and the rest of its last second)", run, len(got))
		}
		want := slices.Clone(got)
		slices.SortFunc(want, func(a, b string) int {
			return cmp.Or(cmp.Compare(stamps[a], stamps[b]), cmp.Compare(a, b))
		})
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: evicted in the order %v…, want %v…", run, got[:6], want[:6])
		}
	}
}

// TestQueueStateMemory: what a replay's tracker holds per refused message
// still in the queue — its metadata (sender, login, client, Message-ID),
// its entry in the incident that refused it and its queue id's
// reference — stays small: a long dense log holds MaxQueueIDs of them, and
// 20 M lines of one peaked at the memory target (issue 10: 64 MiB).
func TestQueueStateMemory(t *testing.T) {
	const n = MaxQueueIDs - 1 // none evicted
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	obs := make([]Observation, 0, 4*n)
	for i := range n {
		qid := fmt.Sprintf("%010X", 0x3E80986018+i)
		obs = append(obs,
			Observation{Kind: postfixlog.KindClient, At: at, QueueID: qid, Client: "app7.example.com[198.18.0.25]", Login: "crm24"},
			Observation{Kind: postfixlog.KindMessageID, At: at, QueueID: qid, MessageID: fmt.Sprintf("<20261122000000.%06d@app2.example.com>", i)},
			Observation{Kind: postfixlog.KindQueued, At: at, QueueID: qid, From: "newsletter@quant-crm.example"},
			Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "deferred",
				To: "j.smith1574@fieldriver760.example.net", RemoteHost: "mx.example.net", Raw: "the line", Verdict: &spamhaus})
	}
	tr := New(Config{CountsOnly: true, NoEvents: true})
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	tr.Observe(&obs[3]) // the incident opens
	before := heap()
	for i := 4; i < len(obs); i++ {
		tr.Observe(&obs[i])
	}
	grown := heap() - before
	runtime.KeepAlive(obs) // the lines are not the tracker's
	runtime.KeepAlive(tr)
	// Each queue id with metadata and a reference, but the first's (no metadata).
	if b := tr.Bounds(); b.Tracked != 2*n-1 || b.Evicted != 0 {
		t.Fatalf("bounds %+v, want %d held, none evicted", b, 2*n-1)
	}
	per := float64(grown) / (n - 1)
	t.Logf("%.0f bytes a refused message in the queue", per)
	if per > 340 {
		t.Errorf("%.0f bytes a refused message in the queue (%d bytes for %d); want at most 340", per, grown, n-1)
	}
}
