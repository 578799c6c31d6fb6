package incident

import (
	"fmt"
	"maps"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

var t0 = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

// finished is when the tests' logs end for Finish: long after their last
// lines, so that every delivery after a rejection has stood its settle time.
var finished = t0.Add(365 * 24 * time.Hour)

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
		if status == "sent" { // delivered to the receiver's MX
			r.RemoteHost, r.RelayHost, r.RelayIP = "", "mx."+domainOf(to), "198.51.100.25"
		}
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
				// What Finish returns is what Incidents says after it.
				if fin, incs := tr.Finish(finished), tr.Incidents(); !reflect.DeepEqual(fin, incs) || len(fin) != len(tc.wantStatus) {
					t.Errorf("Finish = %+v, Incidents = %+v", fin, incs)
				}
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

			// Without events (replay), the same lifecycle: the same
			// incidents, notices counted, and no event returned.
			cfg := tc.cfg
			cfg.NoEvents = true
			quiet := New(cfg)
			if evs := run(quiet, tc.steps); len(evs) != 0 {
				t.Errorf("NoEvents: events = %v, want none", kinds(evs))
			}
			if tc.cfg == (Config{}) {
				quiet.Finish(finished)
			}
			if got, want := quiet.Incidents(), tr.Incidents(); !reflect.DeepEqual(got, want) {
				t.Errorf("NoEvents: incidents = %+v, want %+v", got, want)
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
	tr.Finish(finished)
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
	tr.Finish(finished)
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
	if len(tr.Changes()) != 1 || len(tr.Changes()) != 0 {
		t.Fatal("Changes should report the changed incident once")
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

// TestDeadlinePassedBeforeTheLine: a deadline that passed before a record
// takes effect before it, whether or not Tick ran in between: after a quiet
// period, a rejection opens a new incident; after a settled delivery too.
func TestDeadlinePassedBeforeTheLine(t *testing.T) {
	cfg := Config{Quiet: time.Hour, Settle: 10 * time.Minute}
	tests := []struct {
		name  string
		steps []step
		ids   int // incidents in all
	}{
		{"quiet period passed", []step{
			{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
			{r: delivery(2*3600, "A2", "b@example.net", "deferred"), v: barracuda},
		}, 2},
		{"inside the quiet period", []step{
			{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
			{r: delivery(3599, "A2", "b@example.net", "deferred"), v: barracuda},
		}, 1},
		{"delivery settled", []step{
			{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
			{r: delivery(10, "A3", "c@example.net", "sent")},
			{r: delivery(10+600, "A2", "b@example.net", "deferred"), v: barracuda},
		}, 2},
		{"delivery not settled yet", []step{
			{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
			{r: delivery(10, "A3", "c@example.net", "sent")},
			{r: delivery(10+599, "A2", "b@example.net", "deferred"), v: barracuda},
		}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(cfg)
			run(tr, tc.steps)
			incs := tr.Incidents()
			if len(incs) != tc.ids {
				t.Fatalf("%d incidents, want %d: %+v", len(incs), tc.ids, incs)
			}
			if tc.ids == 2 && (incs[0].Status != Cleared || incs[1].Status == Cleared) {
				t.Errorf("statuses %s, %s", incs[0].Status, incs[1].Status)
			}
		})
	}
}

// TestCatchUp: while reading a backlog, incidents follow the log's times but
// nothing is announced; an incident that began and ended inside it is
// handed to Backlog instead of an opened+cleared pair; one still open at the
// live end is announced then; one announced before the backlog gets its
// cleared notice.
func TestCatchUp(t *testing.T) {
	cfg := Config{Aggregate: 30 * time.Second, Renotify: time.Hour, Quiet: time.Hour, Settle: 10 * time.Minute}
	announced := New(cfg)
	run(announced, []step{{r: delivery(0, "C1", "c@example.com", "bounced"), v: spamhaus}, {tick: 31}})
	before := announced.Active()
	if len(before) != 1 || before[0].Notices != 1 {
		t.Fatalf("setup: %+v", before)
	}

	tr := New(cfg)
	tr.Restore(before)
	if evs := tr.CatchUp(true, time.Time{}); evs != nil || !tr.CatchingUp() {
		t.Fatalf("CatchUp(true) = %v", evs)
	}
	evs := run(tr, []step{
		// Barracuda: a blip of an hour and a half, cleared by a delivery.
		{r: delivery(100, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: delivery(200, "A2", "b@example.net", "deferred"), v: barracuda},
		{r: delivery(5400, "A3", "z@example.net", "sent")},
		// Spamhaus's announced incident ends (quiet), a new one starts.
		{r: delivery(7200, "B1", "d@example.org", "bounced"), v: spamhaus},
		{r: delivery(7300, "B2", "e@example.org", "bounced"), v: spamhaus},
	})
	if got := kinds(evs); !slices.Equal(got, []string{"cleared:spamhaus"}) {
		t.Errorf("events while catching up = %v, want only the announced incident's clearing", got)
	}
	back := tr.Backlog()
	if len(back) != 1 || back[0].Provider != "barracuda" || back[0].Status != Cleared || back[0].Deferred != 2 || back[0].Notices != 0 {
		t.Errorf("backlog = %+v", back)
	}
	if tr.Backlog() != nil {
		t.Error("Backlog hands each incident over once")
	}
	live := t0.Add(8000 * time.Second)
	evs = tr.CatchUp(false, live)
	if got := kinds(evs); !slices.Equal(got, []string{"opened:spamhaus"}) || !evs[0].At.Equal(live) || evs[0].Incident.Bounced != 2 {
		t.Errorf("at the live end: %v %+v", got, evs)
	}
	if tr.CatchingUp() {
		t.Error("still catching up")
	}
	// Live again: the normal lifecycle.
	evs = run(tr, []step{{r: delivery(8001, "B3", "f@example.org", "bounced"), v: spamhaus}, {tick: 8000 + 3600}})
	if got := kinds(evs); !slices.Equal(got, []string{"digest:spamhaus"}) {
		t.Errorf("after the catch-up: %v", got)
	}
}

// TestCatchUpEndsWhatIsOver: an incident whose quiet period ran out
// between the last line of a backlog and the wall clock at its live end is
// over before anyone was told: it goes to Backlog, not out unsaid (no
// event, and missing from Backlog, as before) nor as an opened notice. So
// does an incident restored unannounced (the daemon stopped while its
// notice was held back) that is over by the time the log is read again.
func TestCatchUpEndsWhatIsOver(t *testing.T) {
	cfg := Config{Aggregate: 30 * time.Second, Renotify: time.Hour, Quiet: time.Hour, Settle: 10 * time.Minute}
	tr := New(cfg)
	tr.CatchUp(true, time.Time{})
	run(tr, []step{
		{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: delivery(60, "B1", "b@example.org", "bounced"), v: spamhaus},
		{r: delivery(3000, "B2", "c@example.org", "bounced"), v: spamhaus},
	})
	// The log ends at t0+3000 s; the live end is reached at t0+3700 s:
	// Barracuda's last rejection (t0) is more than the quiet hour ago,
	// Spamhaus's (t0+3000 s) is not.
	evs := tr.CatchUp(false, t0.Add(3700*time.Second))
	if got := kinds(evs); !slices.Equal(got, []string{"opened:spamhaus"}) {
		t.Errorf("at the live end: %v, want only Spamhaus opened", got)
	}
	back := tr.Backlog()
	if len(back) != 1 || back[0].Provider != "barracuda" || back[0].ClearedBy != "quiet" || !back[0].ClearedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("backlog = %+v, want Barracuda cleared by the quiet hour at t0+1h", back)
	}

	// Stopped while a notice was held back: the incident is restored
	// unannounced, and is over by the time the next catch-up reads on.
	held := New(cfg)
	held.CatchUp(true, time.Time{})
	run(held, []step{{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda}, {tick: 100}})
	open := held.Active()
	if len(open) != 1 || open[0].Notices != 0 {
		t.Fatalf("setup: %+v", open)
	}
	restored := New(cfg)
	restored.Restore(open)
	restored.CatchUp(true, time.Time{})
	evs = run(restored, []step{{r: delivery(7200, "Z1", "z@example.com", "sent")}})
	evs = append(evs, restored.CatchUp(false, t0.Add(7300*time.Second))...)
	if len(evs) != 0 {
		t.Errorf("events %v, want none", kinds(evs))
	}
	if back := restored.Backlog(); len(back) != 1 || back[0].Provider != "barracuda" || back[0].Status != Cleared {
		t.Errorf("backlog after a restart = %+v, want the restored Barracuda incident", back)
	}
}

// TestClearedKeepsOnlyTheSummary: a cleared incident drops its counting
// maps; a removed message is forgotten, so a reused queue id is a new
// message.
func TestClearedKeepsOnlyTheSummary(t *testing.T) {
	tr := New(Config{})
	run(tr, []step{
		{r: delivery(0, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: rec(1, postfixlog.KindRemoved, "A1", nil)},
		{r: delivery(2, "A1", "a@example.net", "deferred"), v: barracuda},
		{r: delivery(3, "A2", "b@example.net", "deferred"), v: spamhaus},
		{r: delivery(4, "A9", "b@example.net", "sent")},
	})
	incs := tr.Incidents()
	if len(incs) != 2 {
		t.Fatalf("incidents %+v", incs)
	}
	var bar Incident
	for _, inc := range incs {
		if inc.Provider == "barracuda" {
			bar = inc
		}
	}
	if len(bar.Messages) != 2 || len(bar.Recipients) != 1 {
		t.Errorf("the reused queue id is a new message: %d messages, %d recipients", len(bar.Messages), len(bar.Recipients))
	}
	for _, st := range tr.done {
		if st.rcpts.slots != nil || st.doms.slots != nil {
			t.Errorf("cleared %s keeps its maps", st.inc.ID)
		}
	}
	if tr.byQueue.Len() != 2 || tr.ref("A1") == nil || len(tr.ref("A1").entries) != 1 {
		t.Errorf("queue state: %v", maps.Collect(tr.byQueue.All()))
	}
}

// TestTimersOnlyDue: with many incidents, advancing time touches only those
// whose deadline passed.
func TestTimersOnlyDue(t *testing.T) {
	tr := New(Config{Aggregate: 30 * time.Second})
	for i := range 1000 {
		v := barracuda
		v.Listed = fmt.Sprintf("192.0.2.%d", i)
		run(tr, []step{{r: delivery(i%10, fmt.Sprintf("A%d", i), "a@example.net", "deferred"), v: v}})
	}
	if n := len(tr.timers); n != 1000 {
		t.Fatalf("%d timers", n)
	}
	evs := tr.Tick(t0.Add(35 * time.Second)) // incidents opened at 0..5 s are due
	if len(evs) != 600 || len(tr.timers) != 400 {
		t.Errorf("%d events, %d timers left; want 600, 400", len(evs), len(tr.timers))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].At.Before(evs[i-1].At) || evs[i].Incident.ID < evs[i-1].Incident.ID && evs[i].At.Equal(evs[i-1].At) {
			t.Errorf("events out of order at %d", i)
		}
	}
}

// BenchmarkDeliveryLine: the tracker's cost per delivery line with 1 and
// with 10,000 open incidents, in a log whose time moves on (10 ms a line):
// each second one incident opens (its aggregation window ends 30 s later)
// and the oldest one clears, the other lines are deliveries to other
// domains and removals. A deadline thus passes about every hundred lines;
// a heap pops it where a scan would look at every open incident. The
// incidents opened before the timed loop are announced before it (they
// all opened at once: their notices at one line cost 1.5 ms in a
// 200,000-line run, more than the lines).
func BenchmarkDeliveryLine(b *testing.B) {
	cfg := Config{Aggregate: 30 * time.Second, Renotify: 24 * time.Hour, Quiet: 6 * time.Hour}
	const ring = 20000
	listed, inDomain, other, mx := make([]string, ring), make([]string, ring), make([]string, ring), make([]string, ring)
	for i := range ring {
		listed[i] = fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
		inDomain[i] = fmt.Sprintf("u%d@d%d.example", i, i)
		other[i] = fmt.Sprintf("x%d@other%d.example", i, i%500)
		mx[i] = fmt.Sprintf("mx.d%d.example", i)
	}
	for _, open := range []int{1, 10000} {
		b.Run(fmt.Sprintf("open=%d", open), func(b *testing.B) {
			tr := New(cfg)
			at := t0
			v := barracuda
			most := 0 // the most events one line of the timed loop gave
			observe := func(o *Observation) {
				most = max(most, len(tr.Observe(o)))
			}
			reject := func(j int) {
				v.Listed = listed[j%ring]
				o := Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: listed[j%ring], Status: "deferred", To: inDomain[j%ring],
					RemoteHost: mx[j%ring], Verdict: &v}
				observe(&o)
			}
			for j := range open {
				reject(j)
			}
			// The incidents opened above are announced once their
			// aggregation window ends: 10,000 notices at once, not what
			// a delivery line costs (in a short run, most of the time).
			at = at.Add(cfg.Aggregate + time.Second)
			tr.Tick(at)
			most = 0
			j := open
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				at = at.Add(10 * time.Millisecond)
				var o Observation
				switch i % 100 {
				case 0:
					reject(j)
					j++
					continue
				case 50: // the oldest incident's receiver takes mail again (from its own MX: TestClearedOnlyByTheReceiver)
					k := (j - open) % ring
					o = Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: other[i%ring], Status: "sent", To: inDomain[k],
						RelayHost: mx[k], RelayIP: "192.0.2.25"}
				case 99:
					o = Observation{Kind: postfixlog.KindRemoved, At: at, QueueID: listed[(j-open)%ring]}
				default:
					o = Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: other[i%ring], Status: "sent", To: other[i%ring]}
				}
				observe(&o)
			}
			if n := tr.ActiveCount(); n < open-1 || n > open+1 {
				b.Fatalf("%d open incidents, want %d", n, open)
			}
			if most > 2 {
				b.Fatalf("a line gave %d events: what was timed is not a delivery line's cost", most)
			}
			tr.Forget()
		})
	}
}

// TestChanges: Changes reports what changed since the last call — the new
// and changed messages and the new recipients, domains and samples — not
// the whole incident.
func TestChanges(t *testing.T) {
	tr := New(Config{Settle: time.Hour})
	var steps []step
	for i := range 10 {
		steps = append(steps, step{r: delivery(i, fmt.Sprintf("A%d", i), fmt.Sprintf("r%d@example.net", i), "deferred"), v: barracuda})
	}
	run(tr, steps)
	first := tr.Changes()
	if len(first) != 1 || len(first[0].Messages) != 10 || len(first[0].Recipients) != 10 || first[0].RecipientsFrom != 0 ||
		first[0].Incident.Messages != nil || first[0].MessageCount != 10 ||
		!slices.Equal(first[0].Domains, []string{"example.net"}) || first[0].DomainsFrom != 0 || len(first[0].Samples) != MaxSamples || first[0].SamplesFrom != 0 ||
		first[0].Incident.Domains != nil || first[0].Incident.Samples != nil {
		t.Fatalf("first changes: %d changes, %+v", len(first), first)
	}
	run(tr, []step{
		{r: delivery(20, "A3", "r3@example.net", "sent")},                   // a fate changes
		{r: delivery(21, "B1", "s1@example.org", "deferred"), v: barracuda}, // a new message, recipient and domain
	})
	c := tr.Changes()
	if len(c) != 1 {
		t.Fatalf("%d changes", len(c))
	}
	var seqs []int
	for _, m := range c[0].Messages {
		seqs = append(seqs, m.Seq)
	}
	if !slices.Equal(seqs, []int{3, 10}) || c[0].Messages[0].Fate != FateDelivered || c[0].RecipientsFrom != 10 ||
		!slices.Equal(c[0].Recipients, []string{"s1@example.org"}) || c[0].MessageCount != 11 || c[0].RecipientCount != 11 ||
		!slices.Equal(c[0].Domains, []string{"example.org"}) || c[0].DomainsFrom != 1 || len(c[0].Samples) != 0 || c[0].SamplesFrom != MaxSamples {
		t.Errorf("second changes: seqs %v, %+v", seqs, c[0])
	}
	if len(tr.Changes()) != 0 {
		t.Error("changes reported twice")
	}
	whole := ChangeOf(tr.Active()[0])
	if len(whole.Messages) != 11 || len(whole.Recipients) != 11 || whole.RecipientsFrom != 0 || whole.Incident.Messages != nil ||
		!slices.Equal(whole.Domains, []string{"example.net", "example.org"}) || len(whole.Samples) != MaxSamples || whole.Incident.Domains != nil {
		t.Errorf("ChangeOf: %+v", whole)
	}
}

// TestEarlierRefusalMovesFirstSeen: a refusal read after later ones but
// dated before them (the files of log.paths are read one after the other)
// makes the incident first seen at its time; the incident keeps its ID and
// its last seen. (Before, first seen stayed the time of the first refusal
// read.) One from further back than the quiet period counts but moves
// nothing: in time order it would have been another incident's.
func TestEarlierRefusalMovesFirstSeen(t *testing.T) {
	tr := New(Config{Quiet: 6 * time.Hour})
	run(tr, []step{
		{r: delivery(120, "A1", "a@example.net", "bounced"), v: barracuda},
		{r: delivery(240, "A2", "b@example.net", "bounced"), v: barracuda},
		{r: delivery(60, "B1", "c@example.net", "bounced"), v: barracuda},
		{r: delivery(-365*24*3600, "B2", "d@example.net", "bounced"), v: barracuda},
	})
	tr.Finish(finished)
	incs := tr.Incidents()
	if len(incs) != 1 {
		t.Fatalf("incidents = %+v", incs)
	}
	inc := incs[0]
	if !inc.FirstSeen.Equal(t0.Add(time.Minute)) || !inc.LastSeen.Equal(t0.Add(4*time.Minute)) || inc.Bounced != 4 || inc.ID != incidentID(inc.Key, t0.Add(2*time.Minute)) {
		t.Errorf("incident %s first seen %v, last seen %v, %d bounced; want first seen 14:01, last 14:04, 4 bounced, its ID from 14:02", inc.ID, inc.FirstSeen, inc.LastSeen, inc.Bounced)
	}
}

// TestRegisteredNames checks the memory of registered domains the tracker
// and ingest's address bound share: the same answer as Registered, asked
// again too, kept apart from the line the host was read from (a buffer
// read into again), and bounded by Max.
func TestRegisteredNames(t *testing.T) {
	tr := &RegisteredNames{Max: 3}
	for _, host := range []string{"mx1.example.co.jp", "MX2.Example.NET.", "192.0.2.1", "localhost", "mx1.example.co.jp"} {
		buf := []byte("relay=" + host + "[192.0.2.1]")
		h := unsafe.String(&buf[6], len(host))
		got := tr.Of(h)
		for i := range buf {
			buf[i] = 'x'
		}
		if want := Registered(host); got != want || tr.Of(host) != want {
			t.Errorf("Of(%q) = %q, then %q; want %q", host, got, tr.Of(host), want)
		}
		if len(tr.m) > tr.Max {
			t.Errorf("after %q: %d names kept, Max %d", host, len(tr.m), tr.Max)
		}
	}
}

// TestIncidentID checks the IDs' form: the listed address with every
// character but letters, digits, '.' and '-' as '_' (a rune, or an
// invalid byte, as one), "unknown" for none, the first-seen time in UTC.
func TestIncidentID(t *testing.T) {
	at := time.Date(2026, 11, 24, 0, 30, 5, 999, time.FixedZone("JST", 9*3600))
	for _, tc := range []struct {
		key  Key
		want string
	}{
		{Key{"spamhaus", "192.0.2.1"}, "spamhaus-192.0.2.1-20261123T153005Z"},
		{Key{"spamhaus", ""}, "spamhaus-unknown-20261123T153005Z"},
		{Key{"microsoft", "2001:db8::1"}, "microsoft-2001_db8__1-20261123T153005Z"},
		{Key{"unknown", "例え.example.JP"}, "unknown-__.example.JP-20261123T153005Z"},
		{Key{"x", "a\xffb c/d<e>"}, "x-a_b_c_d_e_-20261123T153005Z"},
	} {
		if got := incidentID(tc.key, at); got != tc.want {
			t.Errorf("incidentID(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
	// The time's digits as AppendFormat gives them, for every field's
	// first and last values and years of one to five digits.
	for _, at := range []time.Time{
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(1999, 9, 9, 9, 9, 9, 0, time.UTC), time.Date(2000, 10, 10, 10, 10, 10, 0, time.UTC),
		time.Date(7, 2, 28, 1, 2, 3, 0, time.UTC), time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 6, 15, 12, 0, 0, 0, time.UTC), {},
	} {
		if got, want := string(appendIDTime(nil, at)), at.Format(idTime); got != want {
			t.Errorf("appendIDTime(%v) = %q, want %q", at, got, want)
		}
	}
}

// TestReplayLetsGoOfMessageStates: a tracker without events (replay's)
// keeps no per-message state of a cleared incident once its messages have
// left the queue and the ring of removed ones — only the summary, whose
// messages and counts stay — so that a dense log's thousands of cleared
// incidents do not keep them for the collector to mark to the end.
func TestReplayLetsGoOfMessageStates(t *testing.T) {
	tr := New(Config{CountsOnly: true, NoEvents: true})
	var states []weak.Pointer[msgState]
	for i := range 10 {
		qid := fmt.Sprintf("A%d", i)
		run(tr, []step{{r: delivery(i, qid, fmt.Sprintf("u%d@example.net", i), "deferred"), v: barracuda}})
		states = append(states, weak.Make(tr.ref(qid).entries[0]))
	}
	run(tr, []step{{r: delivery(20, "B1", "v@example.net", "sent")}}) // clears it (settle 0)
	for i := range 10 + maxGone {
		run(tr, []step{{r: rec(30, postfixlog.KindRemoved, fmt.Sprintf("A%d", i), nil)}})
	}
	kept := len(states)
	for i := 0; i < 5 && kept > 0; i++ {
		runtime.GC()
		kept = 0
		for _, w := range states {
			if w.Value() != nil {
				kept++
			}
		}
	}
	incs := tr.Finish(finished)
	if len(incs) != 1 || incs[0].Status != Cleared || len(incs[0].Messages) != 10 || incs[0].Fates.Deferred != 10 {
		t.Fatalf("incidents %+v", incs)
	}
	if kept > 0 {
		t.Errorf("%d of 10 message states of the cleared incident still in memory", kept)
	}
}

// TestDomainsBounded: an incident keeps at most MaxDomains recipient
// domains (sorted) and counts the others, exactly, in MoreDomains — a spam
// run to a million domains refused by one list kept every one in a sorted
// slice, each new one inserted by moving the ones after it (replay of
// 50,000 such lines took 10 s, 1,000,000 did not end in 11 minutes) and the
// memory with it. A delivery to a kept domain still clears the incident;
// the count survives the store (Active, Restore).
func TestDomainsBounded(t *testing.T) {
	tr := New(Config{Aggregate: 0, Renotify: time.Hour})
	const n = MaxDomains + 250
	var steps []step
	for i := range n {
		// Each domain twice, the second time later: counted once.
		steps = append(steps, step{r: delivery(i, fmt.Sprintf("A%05d", i), fmt.Sprintf("u@d%05d.example", n-i), "bounced"), v: spamhaus})
	}
	for i := range 10 {
		steps = append(steps, step{r: delivery(n+i, fmt.Sprintf("B%05d", i), fmt.Sprintf("v@d%05d.example", n-i), "bounced"), v: spamhaus})
	}
	run(tr, steps)
	active := tr.Active()
	if len(active) != 1 {
		t.Fatalf("%d incidents, want 1", len(active))
	}
	inc := active[0]
	if len(inc.Domains) != MaxDomains || inc.MoreDomains != n-MaxDomains {
		t.Errorf("%d domains kept and %d more counted, want %d and %d", len(inc.Domains), inc.MoreDomains, MaxDomains, n-MaxDomains)
	}
	if !slices.IsSorted(inc.Domains) || slices.Contains(inc.Domains, "d00001.example") {
		t.Errorf("domains kept: not the first %d in order, sorted: %q…", MaxDomains, inc.Domains[:3])
	}

	tr2 := New(Config{Aggregate: 0, Renotify: time.Hour})
	tr2.Restore(active)
	run(tr2, []step{{r: delivery(2*n, "C1", "w@new.example", "bounced"), v: spamhaus}})
	if got := tr2.Active()[0].MoreDomains; got != n-MaxDomains+1 {
		t.Errorf("after a restore and a new domain: %d more domains, want %d", got, n-MaxDomains+1)
	}
	evs := run(tr2, []step{{r: delivery(2*n+1, "C2", fmt.Sprintf("x@d%05d.example", n), "sent")}})
	if got := kinds(evs); !slices.Equal(got, []string{"cleared:spamhaus"}) {
		t.Errorf("a delivery to a kept domain: events %v, want cleared", got)
	}
}

// TestUnknownListsOfOneAddress (issue 12.6): two lists the catalog does not
// know refuse mail from one address; the incident of provider "unknown"
// keeps both names, in order, once each, so neither is lost.
func TestUnknownListsOfOneAddress(t *testing.T) {
	tr := New(Config{Aggregate: 30 * time.Second})
	named := func(list string) classify.Verdict {
		return classify.Verdict{Provider: classify.Unknown, Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550, List: list}
	}
	run(tr, []step{
		{r: delivery(1, "A1", "a@example.net", "bounced"), v: named("dnsrbl.swinog.ch")},
		{r: delivery(2, "A2", "b@example.org", "bounced"), v: named("korea.services.net")},
		{r: delivery(3, "A3", "c@example.org", "bounced"), v: named("dnsrbl.swinog.ch")},
		{r: delivery(4, "A4", "d@example.org", "bounced"), v: named("")},
	})
	evs := tr.Tick(t0.Add(31 * time.Second))
	if len(evs) != 1 {
		t.Fatalf("events = %v", kinds(evs))
	}
	if got, want := evs[0].Incident.Lists, []string{"dnsrbl.swinog.ch", "korea.services.net"}; !slices.Equal(got, want) {
		t.Errorf("lists = %q, want %q", got, want)
	}
	if got := evs[0].Incident.Verdict.List; got != "dnsrbl.swinog.ch" {
		t.Errorf("first verdict's list %q", got)
	}
}

// TestFinishWaitsForSettle: the end of a replay clears an incident by a
// delivery only when the delivery stood for the settle time by the end of
// the log (before, any delivery after the last rejection cleared it, as if
// the settle time had passed); a rejection after the delivery keeps it
// ongoing whatever the end.
func TestFinishWaitsForSettle(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []step
		end   time.Duration
		want  Status
	}{
		{"delivery a minute before the end", []step{{r: delivery(0, "A1", "a@example.net", "bounced"), v: barracuda}, {r: delivery(240, "A2", "b@example.net", "sent")}}, 5 * time.Minute, Ongoing},
		{"delivery settled by the end", []step{{r: delivery(0, "A1", "a@example.net", "bounced"), v: barracuda}, {r: delivery(240, "A2", "b@example.net", "sent")}}, 14 * time.Minute, Cleared},
		{"rejection after the delivery", []step{{r: delivery(0, "A1", "a@example.net", "bounced"), v: barracuda}, {r: delivery(240, "A2", "b@example.net", "sent")}, {r: delivery(250, "A3", "c@example.net", "bounced"), v: barracuda}}, time.Hour, Ongoing},
	} {
		tr := New(Config{Settle: 10 * time.Minute, NoEvents: true})
		run(tr, tc.steps)
		incs := tr.Finish(t0.Add(tc.end))
		if len(incs) != 1 || incs[0].Status != tc.want {
			t.Errorf("%s: %+v, want one %s", tc.name, incs, tc.want)
			continue
		}
		if tc.want == Cleared && (!incs[0].ClearedAt.Equal(t0.Add(240*time.Second)) || incs[0].ClearedBy != "delivered") {
			t.Errorf("%s: cleared at %v by %q, want at the delivery, delivered", tc.name, incs[0].ClearedAt, incs[0].ClearedBy)
		}
	}
}

// TestDeadlineAtTheSameTime: a deadline that a reload of the configuration
// (SetConfig) brings to or before the time the tracker last advanced to is
// due at the next Tick of that same time, and at the next line of that
// second: advance skips the timers only when no deadline was scheduled
// since it last ran them at that time.
func TestDeadlineAtTheSameTime(t *testing.T) {
	slow := Config{Aggregate: time.Hour, Renotify: 24 * time.Hour, Quiet: 6 * time.Hour, Settle: 10 * time.Minute}
	fast := slow
	fast.Aggregate = time.Minute // opened before the reload
	tests := []struct {
		name         string
		cfg, reload  Config
		line         bool // a line at the same time instead of a Tick
		before, want []string
	}{
		{"aggregate shortened, tick", slow, Config{Aggregate: 5 * time.Minute, Renotify: 24 * time.Hour, Quiet: 6 * time.Hour, Settle: 10 * time.Minute}, false, nil, []string{"opened:spamhaus"}},
		{"aggregate shortened, line", slow, Config{Aggregate: 5 * time.Minute, Renotify: 24 * time.Hour, Quiet: 6 * time.Hour, Settle: 10 * time.Minute}, true, nil, []string{"opened:spamhaus"}},
		{"quiet shortened, tick", fast, Config{Aggregate: time.Minute, Renotify: 24 * time.Hour, Quiet: 5 * time.Minute, Settle: 10 * time.Minute}, false, []string{"opened:spamhaus"}, []string{"cleared:spamhaus"}},
		{"quiet shortened, line", fast, Config{Aggregate: time.Minute, Renotify: 24 * time.Hour, Quiet: 5 * time.Minute, Settle: 10 * time.Minute}, true, []string{"opened:spamhaus"}, []string{"cleared:spamhaus"}},
		{"unchanged", slow, slow, false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(tc.cfg)
			at := 10 * 60
			evs := run(tr, []step{
				{r: delivery(0, "Q1", "a@example.net", "bounced"), v: spamhaus},
				{r: rec(at, postfixlog.KindRemoved, "Q1", nil)},
				{tick: at},
			})
			if got := kinds(evs); !slices.Equal(got, tc.before) {
				t.Fatalf("before the reload: %v, want %v", got, tc.before)
			}
			tr.SetConfig(tc.reload)
			if tc.line {
				evs = run(tr, []step{{r: rec(at, postfixlog.KindRemoved, "Q2", nil)}})
			} else {
				evs = run(tr, []step{{tick: at}})
			}
			if got := kinds(evs); !slices.Equal(got, tc.want) {
				t.Errorf("at the same time after the reload: %v, want %v", got, tc.want)
			}
		})
	}
}
