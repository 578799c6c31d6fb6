package incident

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

// rec builds a record at t0+sec.
func rec(sec int, kind postfixlog.Kind, qid string, f func(r *postfixlog.Record)) *postfixlog.Record {
	r := &postfixlog.Record{Time: t0.Add(time.Duration(sec) * time.Second), Kind: kind, QueueID: qid, Raw: "line " + qid}
	if f != nil {
		f(r)
	}
	return r
}

func delivery(sec int, qid, to, status string) *postfixlog.Record {
	return rec(sec, postfixlog.KindDelivery, qid, func(r *postfixlog.Record) {
		r.To, r.Status, r.RemoteHost = to, status, "mx."+domainOf(to)
	})
}

var spamhaus = classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1"}
var barracuda = classify.Verdict{Provider: "barracuda", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 554, Temporary: false}

// step is one input to the tracker: a record with its verdict, or a tick.
type step struct {
	r    *postfixlog.Record
	v    classify.Verdict
	tick int // seconds after t0, when r is nil
}

func run(tr *Tracker, steps []step) []Event {
	var evs []Event
	for _, s := range steps {
		if s.r == nil {
			evs = append(evs, tr.Tick(t0.Add(time.Duration(s.tick)*time.Second))...)
			continue
		}
		evs = append(evs, observe(tr, s.r, s.v)...)
	}
	return evs
}

// observe feeds r with its verdict (the zero Verdict for none).
func observe(tr *Tracker, r *postfixlog.Record, v classify.Verdict) []Event {
	var vp *classify.Verdict
	if v != (classify.Verdict{}) {
		vp = &v
	}
	o, ok := ObservationOf(r, vp)
	if !ok {
		return nil
	}
	return tr.Observe(&o)
}

func kinds(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Kind)+":"+e.Incident.Provider)
	}
	return out
}

func TestLifecycle(t *testing.T) {
	daemon := Config{Aggregate: 30 * time.Second, Renotify: time.Hour, Quiet: 6 * time.Hour, Settle: 10 * time.Minute}
	tests := []struct {
		name       string
		cfg        Config
		steps      []step
		wantEvents []string
		wantStatus map[string]Status // provider → status after the steps
	}{
		{
			name: "replay: deferral then delivery clears",
			steps: []step{
				{r: delivery(0, "A1", "u@example.net", "deferred"), v: barracuda},
				{r: delivery(60, "A1", "u@example.net", "sent")},
			},
			wantEvents: []string{"opened:barracuda", "cleared:barracuda"},
			wantStatus: map[string]Status{"barracuda": Cleared},
		},
		{
			name: "replay: bounce stays ongoing",
			steps: []step{
				{r: delivery(0, "A1", "u@example.net", "bounced"), v: spamhaus},
				{r: delivery(5, "B1", "v@other.example", "sent")},
			},
			wantEvents: []string{"opened:spamhaus"},
			wantStatus: map[string]Status{"spamhaus": Ongoing},
		},
		{
			name: "non-blocklist failures open nothing",
			steps: []step{
				{r: delivery(0, "A1", "u@example.net", "bounced"), v: classify.Verdict{Category: classify.Recipient}},
				{r: delivery(1, "A2", "u@example.net", "deferred"), v: classify.Verdict{Category: classify.Greylist}},
			},
		},
		{
			name: "aggregation: burst becomes one notice at the end of the window",
			cfg:  daemon,
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "bounced"), v: spamhaus},
				{r: delivery(10, "A2", "b@example.net", "bounced"), v: spamhaus},
				{tick: 29},
				{r: delivery(29, "A3", "c@example.org", "deferred"), v: spamhaus},
				{tick: 30},
				{tick: 31},
			},
			wantEvents: []string{"opened:spamhaus"},
			wantStatus: map[string]Status{"spamhaus": Ongoing},
		},
		{
			name: "a blip cleared inside the window is never announced",
			cfg:  Config{Aggregate: 30 * time.Second},
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
				{r: delivery(5, "A1", "a@example.net", "sent")},
				{tick: 100},
			},
			wantStatus: map[string]Status{"barracuda": Cleared},
		},
		{
			name: "digest only when rejections continued",
			cfg:  daemon,
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "bounced"), v: spamhaus},
				{tick: 30},
				{tick: 3630}, // an hour later, nothing new: no digest
				{r: delivery(3700, "A2", "b@example.net", "bounced"), v: spamhaus},
				{tick: 3701}, // new rejection, but only 3671 s since the notice… and renotify is 1h = 3600 s: due
				{tick: 3702},
			},
			wantEvents: []string{"opened:spamhaus", "digest:spamhaus"},
			wantStatus: map[string]Status{"spamhaus": Ongoing},
		},
		{
			name: "quiet period clears",
			cfg:  daemon,
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "bounced"), v: spamhaus},
				{tick: 30},
				{tick: 6*3600 - 1},
				{tick: 6 * 3600},
			},
			wantEvents: []string{"opened:spamhaus", "cleared:spamhaus"},
			wantStatus: map[string]Status{"spamhaus": Cleared},
		},
		{
			name: "a new rejection inside the settle time keeps it open",
			cfg:  daemon,
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
				{tick: 30},
				{r: delivery(100, "A9", "z@example.net", "sent")},
				{r: delivery(200, "A2", "b@example.net", "deferred"), v: barracuda},
				{tick: 100 + 601},
			},
			wantEvents: []string{"opened:barracuda"},
			wantStatus: map[string]Status{"barracuda": Ongoing},
		},
		{
			name: "settled delivery clears",
			cfg:  daemon,
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
				{tick: 30},
				{r: delivery(100, "A9", "z@EXAMPLE.net", "sent")},
				{tick: 699},
				{tick: 700},
			},
			wantEvents: []string{"opened:barracuda", "cleared:barracuda"},
			wantStatus: map[string]Status{"barracuda": Cleared},
		},
		{
			name: "delivery to another receiver does not clear",
			cfg:  daemon,
			steps: []step{
				{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
				{tick: 30},
				{r: delivery(100, "A9", "z@unrelated.example", "sent")},
				{tick: 1000},
			},
			wantEvents: []string{"opened:barracuda"},
			wantStatus: map[string]Status{"barracuda": Ongoing},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(tc.cfg)
			evs := run(tr, tc.steps)
			if tc.cfg == (Config{}) {
				tr.Finish()
			}
			if got := kinds(evs); !slices.Equal(got, tc.wantEvents) {
				t.Errorf("events = %v, want %v", got, tc.wantEvents)
			}
			got := map[string]Status{}
			for _, inc := range tr.Incidents() {
				got[inc.Provider] = inc.Status
			}
			if len(got) != len(tc.wantStatus) {
				t.Errorf("incidents = %v, want %v", got, tc.wantStatus)
			}
			for p, s := range tc.wantStatus {
				if got[p] != s {
					t.Errorf("%s status = %q, want %q", p, got[p], s)
				}
			}
		})
	}
}

func TestAggregatedNoticeCarriesTheBurst(t *testing.T) {
	tr := New(Config{Aggregate: 30 * time.Second})
	run(tr, []step{
		{r: rec(0, postfixlog.KindQueued, "A1", func(r *postfixlog.Record) { r.From = "alice@ours.example" })},
		{r: rec(0, postfixlog.KindMessageID, "A1", func(r *postfixlog.Record) { r.MessageID = "m1@ours.example" })},
		{r: rec(0, postfixlog.KindClient, "A1", func(r *postfixlog.Record) { r.SASLUser, r.Client = "alice", "pc.ours.example[192.0.2.55]" })},
		{r: delivery(1, "A1", "a@example.net", "bounced"), v: spamhaus},
		{r: delivery(1, "A1", "b@example.org", "bounced"), v: spamhaus},
		{r: delivery(2, "A2", "a@example.net", "deferred"), v: spamhaus},
		{r: delivery(3, "A2", "a@example.net", "deferred"), v: spamhaus},
	})
	evs := tr.Tick(t0.Add(31 * time.Second))
	if len(evs) != 1 {
		t.Fatalf("events = %v", kinds(evs))
	}
	inc := evs[0].Incident
	if inc.Bounced != 2 || inc.Deferred != 2 {
		t.Errorf("bounced/deferred = %d/%d, want 2/2", inc.Bounced, inc.Deferred)
	}
	if want := []string{"a@example.net", "b@example.org"}; !slices.Equal(inc.Recipients, want) {
		t.Errorf("recipients = %v, want %v", inc.Recipients, want)
	}
	if want := []string{"example.net", "example.org"}; !slices.Equal(inc.Domains, want) {
		t.Errorf("domains = %v, want %v", inc.Domains, want)
	}
	if len(inc.Messages) != 2 || inc.Messages[0].From != "alice@ours.example" || inc.Messages[0].MessageID != "m1@ours.example" ||
		inc.Messages[0].Login != "alice" || inc.Messages[0].Client != "pc.ours.example[192.0.2.55]" {
		t.Errorf("messages = %+v", inc.Messages)
	}
	if inc.Messages[0].Fate != FateBounced || inc.Messages[1].Fate != FateDeferred {
		t.Errorf("fates = %s, %s", inc.Messages[0].Fate, inc.Messages[1].Fate)
	}
	if inc.ID != "spamhaus-192.0.2.1-20261123T140001Z" {
		t.Errorf("id = %q", inc.ID)
	}
	if inc.Notices != 1 || !inc.Notified.Equal(t0.Add(31*time.Second)) {
		t.Errorf("notified = %v (%d)", inc.Notified, inc.Notices)
	}
}

func TestFates(t *testing.T) {
	tr := New(Config{})
	run(tr, []step{
		{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: delivery(0, "A2", "b@example.net", "deferred"), v: barracuda},
		{r: delivery(0, "A3", "c@example.net", "deferred"), v: barracuda},
		{r: delivery(10, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: rec(20, postfixlog.KindExpired, "A2", nil)},
		{r: delivery(30, "A3", "c@example.net", "bounced"), v: barracuda},
		{r: delivery(40, "A1", "a@example.net", "sent")},
	})
	tr.Finish()
	incs := tr.Incidents()
	if len(incs) != 1 {
		t.Fatalf("incidents: %d", len(incs))
	}
	fates := map[string]Fate{}
	for _, m := range incs[0].Messages {
		fates[m.QueueID] = m.Fate
	}
	want := map[string]Fate{"A1": FateDelivered, "A2": FateExpired, "A3": FateBounced}
	for q, f := range want {
		if fates[q] != f {
			t.Errorf("%s fate = %q, want %q", q, fates[q], f)
		}
	}
	if incs[0].Deferred != 4 || incs[0].Bounced != 1 {
		t.Errorf("deferred/bounced = %d/%d", incs[0].Deferred, incs[0].Bounced)
	}
	if incs[0].Status != Cleared || incs[0].ClearedBy != "delivered" || !incs[0].ClearedAt.Equal(t0.Add(40*time.Second)) {
		t.Errorf("status %s by %q at %v", incs[0].Status, incs[0].ClearedBy, incs[0].ClearedAt)
	}
}

func TestRelistingOpensANewIncident(t *testing.T) {
	tr := New(Config{})
	run(tr, []step{
		{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: delivery(10, "A1", "a@example.net", "sent")},
		{r: delivery(20, "A2", "b@example.net", "bounced"), v: barracuda},
	})
	tr.Finish()
	incs := tr.Incidents()
	if len(incs) != 2 || incs[0].Status != Cleared || incs[1].Status != Ongoing || incs[0].ID == incs[1].ID {
		t.Fatalf("incidents = %+v", incs)
	}
}

func TestRestoreContinues(t *testing.T) {
	cfg := Config{Aggregate: 0, Renotify: time.Hour}
	tr := New(cfg)
	run(tr, []step{{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda}})
	saved := tr.Active()
	if len(tr.Dirty()) != 1 || len(tr.Dirty()) != 0 {
		t.Fatal("Dirty should report the changed incident once")
	}

	tr2 := New(cfg)
	tr2.Restore(saved)
	evs := run(tr2, []step{{r: delivery(50, "A1", "a@example.net", "sent")}})
	if got := kinds(evs); !slices.Equal(got, []string{"cleared:barracuda"}) {
		t.Fatalf("events after restore = %v", got)
	}
	inc := evs[0].Incident
	if inc.ID != saved[0].ID || inc.Messages[0].Fate != FateDelivered || inc.Notices != 2 {
		t.Errorf("restored incident = %+v", inc)
	}
}

func TestSnapshotsAreIndependent(t *testing.T) {
	tr := New(Config{})
	evs := run(tr, []step{{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda}})
	run(tr, []step{{r: delivery(1, "A2", "b@example.net", "deferred"), v: barracuda}})
	if n := len(evs[0].Incident.Recipients); n != 1 {
		t.Errorf("event snapshot changed after the fact: %d recipients", n)
	}
}

func BenchmarkObserve(b *testing.B) {
	tr := New(Config{})
	recs := []*postfixlog.Record{
		rec(0, postfixlog.KindQueued, "A1", func(r *postfixlog.Record) { r.From = "a@ours.example" }),
		delivery(1, "A1", "x@example.net", "sent"),
		rec(2, postfixlog.KindRemoved, "A1", nil),
		delivery(3, "A2", "y@example.net", "deferred"),
	}
	vs := []classify.Verdict{{}, {}, {}, barracuda}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		j := i % len(recs)
		observe(tr, recs[j], vs[j])
	}
}

// TestTrackerDoesNotPinLines: records point into big read buffers, and a
// string the tracker keeps without copying pins its whole buffer. Every
// buffer here must be collectable while the tracker lives.
func TestTrackerDoesNotPinLines(t *testing.T) {
	var live atomic.Int64
	tr := New(Config{Settle: time.Hour})
	for i := range 50 {
		buf := make([]byte, 1<<16)
		n := copy(buf, fmt.Sprintf("Q%d u%d@Example.NET mx.example.net 192.0.2.1 the-line sender@ours.example", i%5, i%3))
		live.Add(1)
		runtime.SetFinalizer(&buf[0], func(*byte) { live.Add(-1) })
		f := strings.Fields(unsafe.String(&buf[0], n))
		at := t0.Add(time.Duration(i) * time.Second)
		v := barracuda
		v.Listed, v.Remote, v.Command = f[3], f[2], f[4]
		observe(tr, &postfixlog.Record{Time: at, Kind: postfixlog.KindQueued, QueueID: f[0], From: f[5]}, classify.Verdict{})
		observe(tr, &postfixlog.Record{Time: at, Kind: postfixlog.KindMessageID, QueueID: f[0], MessageID: f[4]}, classify.Verdict{})
		observe(tr, &postfixlog.Record{Time: at, Kind: postfixlog.KindDelivery, Status: "deferred", QueueID: f[0], To: f[1], RemoteHost: f[2], Raw: f[4]}, v)
		observe(tr, &postfixlog.Record{Time: at, Kind: postfixlog.KindDelivery, Status: "sent", QueueID: f[0], To: f[1]}, classify.Verdict{})
	}
	for i := 0; i < 50 && live.Load() > 0; i++ {
		runtime.GC()
		runtime.Gosched()
	}
	if n := live.Load(); n > 0 {
		t.Errorf("%d of 50 line buffers are still pinned by the tracker", n)
	}
	runtime.KeepAlive(tr)
}

func TestActiveRefs(t *testing.T) {
	tr := New(Config{})
	run(tr, []step{
		{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: delivery(1, "A2", "b@example.org", "bounced"), v: spamhaus},
		{r: delivery(2, "A1", "a@example.net", "sent")},
	})
	refs := tr.ActiveRefs()
	if tr.ActiveCount() != 1 || len(refs) != 1 || refs[0].Key != spamhausKey || refs[0].ID != tr.Active()[0].ID {
		t.Errorf("refs %+v, count %d", refs, tr.ActiveCount())
	}
}

var spamhausKey = Key{Provider: "spamhaus", Listed: "192.0.2.1"}
