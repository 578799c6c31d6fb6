package pipeline

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestObsBatch: what the tracker reads of records comes back from a batch
// as incident.ObservationOf makes it, strings of the chunk's text or not,
// with their times and a copy of the verdict.
func TestObsBatch(t *testing.T) {
	data := "Nov 23 15:33:47 mx postfix/smtp[1]: 90DB998626D: to=<a@remote.test>, status=bounced"
	at := time.Date(2026, 11, 23, 15, 33, 47, 0, time.UTC)
	v := classify.Verdict{Provider: "spamhaus", Listed: "192.0.2.1"}
	recs := []postfixlog.Record{
		{Kind: postfixlog.KindDelivery, Time: at, QueueID: data[36:47], Status: data[len(data)-7:], To: data[53:65], Raw: data,
			RemoteHost: "not.in.the.chunk"},
		{Kind: postfixlog.KindRemoved, Time: at, QueueID: data[36:47]},
		{Kind: postfixlog.KindQueued, Time: at.Add(time.Second), QueueID: "static", From: ""},
		{Kind: postfixlog.KindOther, Time: at, QueueID: data[36:47]}, // the tracker reads nothing of it
	}
	var b obsBatch
	b.reset(data)
	var want []incident.Observation
	for i := range recs {
		o, ok := incident.ObservationOf(&recs[i], &v)
		if b.addRecord(&recs[i], &v) != ok {
			t.Fatalf("%d: addRecord = %v, ObservationOf %v", i, !ok, ok)
		}
		if ok {
			want = append(want, o)
		}
	}
	if b.n != 3 {
		t.Fatalf("%d observations, want 3", b.n)
	}
	v.Provider = "changed" // the batch keeps a copy
	for i, at := 0, 0; i < len(want); i++ {
		var o incident.Observation
		at = b.get(at, &o)
		w := want[i]
		if w.Verdict != nil {
			if o.Verdict == nil || o.Verdict.Provider != "spamhaus" || o.Verdict.Listed != "192.0.2.1" {
				t.Errorf("%d: verdict %+v", i, o.Verdict)
			}
			o.Verdict, w.Verdict = nil, nil
		}
		if o != w {
			t.Errorf("%d: got %+v\nwant %+v", i, o, w)
		}
	}
}

// TestObsBatchKeepsObservationOf: whatever incident.ObservationOf makes of
// a record of any kind, with every string of the record set, comes back
// from a batch that took the record (addRecord) the same, and addRecord
// takes the records ObservationOf takes — a string ObservationOf starts
// to set for a kind, or a kind it starts to take, fails here until
// addRecord follows. Read one after another into the same observation
// (as the merger reads them: get clears only what the one before set),
// in either order, each is still what ObservationOf makes.
func TestObsBatchKeepsObservationOf(t *testing.T) {
	// Every string field of a record a distinct part of the chunk's text.
	var names []string
	var walk func(v reflect.Value, do func(f reflect.Value, name string))
	walk = func(v reflect.Value, do func(f reflect.Value, name string)) {
		for i := 0; i < v.NumField(); i++ {
			switch f := v.Field(i); f.Kind() {
			case reflect.String:
				do(f, v.Type().Field(i).Name)
			case reflect.Struct:
				if f.Type() != reflect.TypeOf(time.Time{}) {
					walk(f, do)
				}
			}
		}
	}
	rec := postfixlog.Record{Time: time.Date(2026, 11, 23, 15, 33, 47, 0, time.UTC)}
	walk(reflect.ValueOf(&rec).Elem(), func(_ reflect.Value, name string) { names = append(names, "<"+name+">") })
	data := strings.Join(names, "")
	rest := data
	walk(reflect.ValueOf(&rec).Elem(), func(f reflect.Value, _ string) {
		n := strings.IndexByte(rest[1:], '<') + 1
		if n == 0 {
			n = len(rest)
		}
		f.SetString(rest[:n])
		rest = rest[n:]
	})
	if rec.To != "<To>" || rec.Reply.Text != "<Text>" || rec.HeaderValue != "<HeaderValue>" {
		t.Fatalf("record not filled: %+v", rec)
	}
	v := classify.Verdict{Provider: "spamhaus", Listed: "192.0.2.1"}
	seen := 0
	var all obsBatch // every record observed, in one batch
	all.reset(data)
	var wants []incident.Observation
	for kind := postfixlog.KindUnknown; kind <= postfixlog.KindHeader; kind++ {
		for _, links := range []bool{false, true} {
			r := rec
			r.Kind = kind
			if links { // what Record.Link ties together (strings not in the chunk)
				r.QueueID, r.OrigQueueID, r.Status, r.RelayHost, r.RelayIP = "3F2A81C0B4E", "4A1B2C3D4E5", "sent", "localhost", ""
				r.Detail = "250 2.0.0 Ok: queued as 5B6C7D8E9F0"
				r.HeaderValue = "6D7E8F9A0B1-0123abcd" // the track header's earlier queue id
			}
			want, ok := incident.ObservationOf(&r, &v)
			var b obsBatch
			b.reset(data)
			if b.addRecord(&r, &v) != ok {
				t.Errorf("%v (links %v): addRecord %v, ObservationOf %v", kind, links, !ok, ok)
			}
			if !ok {
				continue
			}
			all.addRecord(&r, &v)
			wants = append(wants, want)
			seen++
			var got incident.Observation
			b.get(0, &got)
			if (got.Verdict == nil) != (want.Verdict == nil) || got.Verdict != nil && *got.Verdict != *want.Verdict {
				t.Errorf("%v: verdict %+v, want %+v", kind, got.Verdict, want.Verdict)
			}
			got.Verdict, want.Verdict = nil, nil
			if got != want {
				t.Errorf("%v (links %v): got %+v\nwant %+v", kind, links, got, want)
			}
			if links && (kind == postfixlog.KindPickup || kind == postfixlog.KindHeader || kind == postfixlog.KindDelivery) && got.Next == "" {
				t.Errorf("%v: no link", kind)
			}
		}
	}
	if seen < 8 {
		t.Errorf("only %d kinds observed", seen)
	}
	var o incident.Observation
	var starts []int // where each observation of all starts
	for i := 0; i < len(all.enc); i = all.get(i, &o) {
		starts = append(starts, i)
	}
	if len(starts) != len(wants) || all.n != len(wants) {
		t.Fatalf("%d observations read back (n %d), %d added", len(starts), all.n, len(wants))
	}
	o = incident.Observation{}
	for _, order := range []int{1, -1} {
		for j := range wants {
			i := j
			if order < 0 {
				i = len(wants) - 1 - j
			}
			all.get(starts[i], &o)
			got, want := o, wants[i]
			if (got.Verdict == nil) != (want.Verdict == nil) || got.Verdict != nil && *got.Verdict != *want.Verdict {
				t.Errorf("%d after another: verdict %+v, want %+v", i, got.Verdict, want.Verdict)
			}
			got.Verdict, want.Verdict = nil, nil
			if got != want {
				t.Errorf("%d after another: got %+v\nwant %+v", i, got, want)
			}
		}
	}
}

// TestObsBatchCountsReused: a chunk's counts travel in its recycled
// batch, so counting the next chunk's rejections by provider (and
// unparsed lines by service) reuses the maps of the one before: each
// chunk made new maps (600 kB of a dense log's replay, at its end near
// the heap's limit).
func TestObsBatchCountsReused(t *testing.T) {
	var c ingest.Counts
	c.Failures[0], c.Failures[9] = 3, 1 // blocklist, other
	c.Rejections = map[string]int64{"spamhaus": 2, "barracuda": 1, "": 1}
	var b obsBatch
	b.reset("")
	b.counts.Add(&c)
	if n := testing.AllocsPerRun(10, func() {
		b.reset("")
		b.counts.Add(&c)
	}); n != 0 {
		t.Errorf("a chunk's counts allocate %.0f times; want 0", n)
	}
	if b.counts.Rejections["spamhaus"] != 2 || b.counts.Failures.Of(classify.Blocklist) != 3 || len(b.counts.Rejections) != 3 {
		t.Errorf("counts after a reset and one chunk: %+v", b.counts)
	}
}

// TestObsBatchNarrowAndWide: a parsed line's strings are within it, and
// its observation is kept as one word a string; a line longer than a
// word's 16-bit offset can say, or a string outside its line, makes the
// observation wide. Either way each comes back as incident.ObservationOf
// makes it, read in order into one observation.
func TestObsBatchNarrowAndWide(t *testing.T) {
	long := strings.Repeat("x", 70000)
	lines := []string{
		"Nov 23 15:33:47 mx postfix/qmgr[2]: 90DB998626D: from=<a@here.test>, size=120, nrcpt=1 (queue active)",
		"Nov 23 15:33:47 mx postfix/smtpd[3]: 90DB998626D: client=c.test[192.0.2.9], sasl_method=PLAIN, sasl_username=joe",
		"Nov 23 15:33:47 mx postfix/cleanup[4]: 90DB998626D: message-id=<x@here.test>",
		"Nov 23 15:33:48 mx postfix-out/smtp[1]: 90DB998626D: to=<a@remote.test>, relay=mx.remote.test[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.remote.test[192.0.2.1] said: 554 5.7.1 blocked using zen.spamhaus.org (in reply to RCPT TO command))",
		"Nov 23 15:33:49 mx postfix/smtp[1]: 90DB998626D: to=<b@remote.test>, relay=127.0.0.1[127.0.0.1]:10025, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 5B6C7D8E9F0)",
		"Nov 23 15:33:50 mx postfix/smtp[1]: 90DB998626D: to=<c@remote.test>, relay=mx.remote.test[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host mx.remote.test[192.0.2.1] said: 450 " + long + ")",
		"Nov 23 15:33:51 mx postfix/qmgr[2]: 90DB998626D: removed",
	}
	data := strings.Join(lines, "\n")
	p := postfixlog.NewParser(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	v := classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1"}
	var b obsBatch
	b.reset(data)
	var wants []incident.Observation
	var wide []bool
	rest := data
	for range lines {
		line, after, _ := strings.Cut(rest, "\n")
		rest = after
		var r postfixlog.Record
		if err := p.Parse(line, &r); err != nil {
			t.Fatal(err)
		}
		var vp *classify.Verdict
		if r.Kind == postfixlog.KindDelivery && r.Status != "sent" {
			vp = &v
		}
		want, ok := incident.ObservationOf(&r, vp)
		if !ok {
			t.Fatalf("%q: not observed", line)
		}
		if !b.addRecord(&r, vp) {
			t.Fatalf("%q: not added", line)
		}
		wants = append(wants, want)
		wide = append(wide, len(line) > 0xffff)
	}
	// One string (not in the chunk) of a short line's observation.
	r := postfixlog.Record{Kind: postfixlog.KindMessageID, Time: wants[0].At, QueueID: data[36:47], MessageID: "<not@in.the.chunk>", Raw: lines[0]}
	want, _ := incident.ObservationOf(&r, nil)
	b.addRecord(&r, nil)
	wants, wide = append(wants, want), append(wide, true)

	var o incident.Observation
	i := 0
	for k, want := range wants {
		if i >= len(b.enc) {
			t.Fatalf("%d observations read back, %d added", k, len(wants))
		}
		if got := b.enc[i]&wWide != 0; got != wide[k] {
			t.Errorf("%d: wide %v, want %v", k, got, wide[k])
		}
		i = b.get(i, &o)
		got := o
		if (got.Verdict == nil) != (want.Verdict == nil) || got.Verdict != nil && *got.Verdict != *want.Verdict {
			t.Errorf("%d: verdict %+v, want %+v", k, got.Verdict, want.Verdict)
		}
		got.Verdict, want.Verdict = nil, nil
		if got != want {
			t.Errorf("%d: got %+v\nwant %+v", k, got, want)
		}
	}
	if i != len(b.enc) || b.n != len(wants) {
		t.Errorf("read to %d of %d words; n %d, want %d", i, len(b.enc), b.n, len(wants))
	}
	if wants[4].Next == "" {
		t.Errorf("the local relay's delivery is not linked: %+v", wants[4])
	}
}
