package incident

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestMessageAcrossQueueIDs: the log of a message submitted with SASL,
// handed to a content filter that queued it again (the filter's reply names
// the new queue id; the track header logged by header_checks names the
// first), refused there by a blocklist, then requeued with postsuper -r
// and refused again: one affected message naming every queue id and the
// first submitter, not the filter's re-injection. The lines are in the
// order Postfix 3.7 logs them (the re-injected copy's first lines come
// before the filter answers the delivery). Each link alone suffices.
func TestMessageAcrossQueueIDs(t *testing.T) {
	lines := map[string]string{
		"client":     "Dec  6 10:00:00 mx postfix/smtpd[100]: 1AFA39CA54E: client=pc.ours.example[192.0.2.55], sasl_method=PLAIN, sasl_username=alice",
		"from":       "Dec  6 10:00:00 mx postfix/qmgr[90]: 1AFA39CA54E: from=<alice@ours.example>, size=400, nrcpt=1 (queue active)",
		"re-client":  "Dec  6 10:00:01 mx postfix/smtpd[101]: 28A879CA567: client=localhost[127.0.0.1]",
		"re-header":  "Dec  6 10:00:01 mx postfix/cleanup[102]: 28A879CA567: info: header X-Rblwatch-Track: 1AFA39CA54E-0a0b0c0d from localhost[127.0.0.1]; from=<alice@ours.example> to=<bob@example.net> proto=ESMTP helo=<localhost>",
		"filtered":   "Dec  6 10:00:01 mx postfix/smtp[103]: 1AFA39CA54E: to=<bob@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 28A879CA567)",
		"removed":    "Dec  6 10:00:01 mx postfix/qmgr[90]: 1AFA39CA54E: removed",
		"re-from":    "Dec  6 10:00:01 mx postfix/qmgr[90]: 28A879CA567: from=<alice@ours.example>, size=600, nrcpt=1 (queue active)",
		"refused":    "Dec  6 10:00:02 mx postfix/smtp[104]: 28A879CA567: to=<bob@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=deferred (host mx.example.net[198.51.100.25] said: 450 4.7.1 blocked (in reply to RCPT TO command))",
		"requeued":   "Dec  6 10:05:00 mx postfix/postsuper[105]: 28A879CA567: requeued",
		"pickup":     "Dec  6 10:05:00 mx postfix/pickup[106]: 3B0C12D4E5F: uid=0 from=<alice@ours.example> orig_id=28A879CA567",
		"re-header2": "Dec  6 10:05:00 mx postfix/cleanup[102]: 3B0C12D4E5F: info: header X-Rblwatch-Track: 1AFA39CA54E-0a0b0c0d from local; from=<alice@ours.example> to=<bob@example.net>",
		"re-refused": "Dec  6 10:05:01 mx postfix/smtp[104]: 3B0C12D4E5F: to=<bob@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=deferred (host mx.example.net[198.51.100.25] said: 450 4.7.1 blocked (in reply to RCPT TO command))",
	}
	all := []string{"client", "from", "re-client", "re-header", "filtered", "removed", "re-from", "refused", "requeued", "pickup", "re-header2", "re-refused"}
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
	}
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string // queue ids of the one affected message
		login string
	}{
		{"every link", all, []string{"1AFA39CA54E", "28A879CA567", "3B0C12D4E5F"}, "alice"},
		{"the filter's reply alone", without("re-header"), []string{"1AFA39CA54E", "28A879CA567", "3B0C12D4E5F"}, "alice"},
		{"the track header alone", without("filtered"), []string{"1AFA39CA54E", "28A879CA567", "3B0C12D4E5F"}, "alice"},
		{"no link to the filter", without("filtered", "re-header", "re-header2"), []string{"28A879CA567", "3B0C12D4E5F"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(Config{})
			p := postfixlog.NewParser(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.UTC)
			for _, name := range tc.lines {
				var r postfixlog.Record
				if err := p.Parse(lines[name], &r); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				var v *classify.Verdict
				if r.Status == "deferred" {
					v = &spamhaus
				}
				if o, ok := ObservationOf(&r, v); ok {
					tr.Observe(&o)
				}
			}
			incs := tr.Incidents()
			if len(incs) != 1 || len(incs[0].Messages) != 1 {
				t.Fatalf("incidents %+v, want one with one message", incs)
			}
			m := incs[0].Messages[0]
			if !slices.Equal(m.QueueIDs, tc.want) && !(len(tc.want) == 0 && m.QueueIDs == nil) {
				t.Errorf("queue ids %v, want %v", m.QueueIDs, tc.want)
			}
			if m.Login != tc.login || m.From != "alice@ours.example" {
				t.Errorf("login %q from %q, want %q alice@ours.example", m.Login, m.From, tc.login)
			}
			if tc.login != "" && m.Client != "pc.ours.example[192.0.2.55]" {
				t.Errorf("client %q, want the first submitter", m.Client)
			}
			if m.Fate != FateDeferred || !slices.Equal(m.Recipients, []string{"bob@example.net"}) || incs[0].Deferred != 2 {
				t.Errorf("fate %s recipients %v deferred %d", m.Fate, m.Recipients, incs[0].Deferred)
			}
			// Senders counts the first submitter, not the filter's
			// re-injection (counted first, then taken back).
			wantClient := "pc.ours.example[192.0.2.55]"
			if tc.login == "" {
				wantClient = "localhost[127.0.0.1]"
			}
			if w := incs[0].Senders; w.Messages != 1 || len(w.Clients) != 1 || w.Clients[0] != (Count{wantClient, 1}) {
				t.Errorf("senders %+v, want one message from %s", w, wantClient)
			}
		})
	}
}

// TestCountsOnlyKeepsSenders: a counts-only tracker (replay) lists the first
// CountsOnlyMessages messages but counts the submitters of all.
func TestCountsOnlyKeepsSenders(t *testing.T) {
	tr := New(Config{CountsOnly: true})
	for i := range 25 {
		qid := fmt.Sprintf("A%05X", i)
		login := "alice"
		if i%5 == 0 {
			login = "bob"
		}
		run(tr, []step{
			{r: rec(i, postfixlog.KindClient, qid, func(r *postfixlog.Record) { r.SASLUser, r.Client = login, "pc[192.0.2.55]" })},
			{r: rec(i, postfixlog.KindQueued, qid, func(r *postfixlog.Record) { r.From = login + "@ours.example" })},
			{r: delivery(i, qid, "x@example.net", "deferred"), v: spamhaus},
		})
	}
	incs := tr.Incidents()
	if len(incs) != 1 {
		t.Fatalf("%d incidents", len(incs))
	}
	inc := incs[0]
	if len(inc.Messages) != CountsOnlyMessages || inc.MoreMessages != 25-CountsOnlyMessages || len(inc.Recipients) != 0 {
		t.Errorf("%d messages listed, %d more, %d recipients", len(inc.Messages), inc.MoreMessages, len(inc.Recipients))
	}
	want := Who{Messages: 25, Logins: []Count{{"alice", 20}, {"bob", 5}}, Senders: []Count{{"bob@ours.example", 5}, {"alice@ours.example", 20}},
		Clients: []Count{{"pc[192.0.2.55]", 25}}}
	slices.SortFunc(want.Senders, func(a, b Count) int { return b.Messages - a.Messages })
	if !reflect.DeepEqual(inc.Senders, want) {
		t.Errorf("senders\n got %+v\nwant %+v", inc.Senders, want)
	}
}

// TestGoneRingReusesMeta: the metadata of a message that leaves the ring
// of removed messages (Tracker.gone, kept for a later link) is reused for
// the next message, emptied — nothing else holds it — while the messages
// still in the ring can be linked to as before.
func TestGoneRingReusesMeta(t *testing.T) {
	tr := New(Config{})
	const extra = 10
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	metas := map[*msgMeta]bool{}
	for i := range maxGone + extra {
		qid := fmt.Sprintf("Q%05X", i)
		o := Observation{Kind: postfixlog.KindClient, At: at, QueueID: qid, Client: "pc.ours.example[192.0.2.55]"}
		tr.Observe(&o)
		m := tr.metaOf(qid)
		if !reflect.DeepEqual(*m, msgMeta{qid: qid, sub: m.sub, last: at.Unix()}) || !m.sub.same(&submitter{client: o.Client}) {
			t.Fatalf("message %d: metadata %+v, submitter %+v", i, *m, *m.sub)
		}
		metas[m] = true
		for _, o := range []Observation{
			{Kind: postfixlog.KindQueued, At: at, QueueID: qid, From: fmt.Sprintf("s%d@ours.example", i)},
			{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "deferred", To: "u@example.net"},
			{Kind: postfixlog.KindRemoved, At: at, QueueID: qid},
		} {
			tr.Observe(&o)
		}
	}
	// Each message past the ring's size took the metadata of the one
	// that left it.
	if len(tr.gone) != maxGone || len(metas) != maxGone+1 {
		t.Fatalf("%d removed messages in the ring, %d metadata made; want %d, %d", len(tr.gone), len(metas), maxGone, maxGone+1)
	}
	// The last one removed is still in the ring: a requeue links to it.
	last := fmt.Sprintf("Q%05X", maxGone+extra-1)
	o := Observation{Kind: postfixlog.KindPickup, At: at, QueueID: "NEW", Prev: last, Next: "NEW"}
	tr.Observe(&o)
	if m := tr.metaOf("NEW"); m == nil || m.sub.from != fmt.Sprintf("s%d@ours.example", maxGone+extra-1) || !slices.Equal(m.earlier, []string{last}) {
		t.Errorf("linked message's metadata %+v", m)
	}
}
