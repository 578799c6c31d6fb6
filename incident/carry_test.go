package incident

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// restartSteps is an incident of more messages, recipients and domains
// than it lists, then what a restart after cut must not count again or
// must count as one run does: messages beyond the list refused again
// (deferred again, bounced), some that expire, queue ids removed and reused by new messages, and a recipient and a
// domain beyond the lists refused in a new message; and a listed message
// of two recipients, one delivered before the restart, the other after.
func restartSteps() (steps []Observation, cut int) {
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	v := spamhaus
	refuse := func(sec int, qid, to, status string) Observation {
		return Observation{Kind: postfixlog.KindDelivery, At: at(sec), QueueID: qid, Status: status, To: to,
			RemoteHost: "mx.example.org", Raw: "line " + qid, Verdict: &v}
	}
	qid := func(i int) string { return fmt.Sprintf("Q%05d", i) }
	rcpt := func(i int) string { return fmt.Sprintf("r%d@d%d.example", i, i%1200) }
	for i := range 1500 {
		steps = append(steps, refuse(i, qid(i), rcpt(i), "deferred"))
	}
	// A listed message of two recipients: one delivered on a retry, the
	// other still deferred.
	sent := func(sec int, qid, to string) Observation {
		return Observation{Kind: postfixlog.KindDelivery, At: at(sec), QueueID: qid, Status: "sent", To: to, Raw: "line " + qid}
	}
	steps = append(steps, refuse(1500, qid(5), "second@d5.example", "deferred"), sent(1501, qid(5), rcpt(5)))
	cut = len(steps)
	for i := 1100; i < 1200; i++ {
		steps = append(steps, refuse(2000+i, qid(i), rcpt(i), "deferred"))
	}
	for i := 1200; i < 1250; i++ {
		steps = append(steps, refuse(2000+i, qid(i), rcpt(i), "bounced"))
	}
	for i := 1250; i < 1300; i++ {
		steps = append(steps, Observation{Kind: postfixlog.KindExpired, At: at(3300), QueueID: qid(i)})
	}
	for i := 1300; i < 1350; i++ {
		steps = append(steps, Observation{Kind: postfixlog.KindRemoved, At: at(3400), QueueID: qid(i)})
		steps = append(steps, refuse(3500+i, qid(i), rcpt(i), "deferred"))
	}
	steps = append(steps, refuse(5003, "N1", rcpt(1450), "deferred"), sent(5004, qid(5), "second@d5.example"))
	return steps, cut
}

// TestRestartCountsAsOneRun: a tracker restored from what the store keeps
// of its incident (Active: the lists) and from every Change.Carried its
// saves wrote (Resume) goes on counting as the tracker that never stopped:
// the same messages, recipients, domains and fates. Before, a message
// beyond the 1,000 listed refused again after the restart was counted
// again, and a recipient or domain beyond the list too.
func TestRestartCountsAsOneRun(t *testing.T) {
	steps, cut := restartSteps()
	cfg := Config{Quiet: 6 * time.Hour}
	one := New(cfg)
	for i := range steps {
		one.Observe(&steps[i])
	}
	want := one.Active()

	for _, every := range []int{1, 97, cut} { // saves: after every line, every 97, once at the cut
		first := New(cfg)
		var carried [][]byte
		for i := range steps[:cut] {
			first.Observe(&steps[i])
			if (i+1)%every == 0 || i+1 == cut {
				carried = carriedOf(first, carried)
			}
		}
		saved := first.Active()
		again := resumed(t, cfg, saved, carried)
		for i := range steps[cut:] {
			again.Observe(&steps[cut+i])
		}
		got := again.Active()
		if len(got) != 1 || len(want) != 1 {
			t.Fatalf("%d and %d incidents, want 1", len(got), len(want))
		}
		g, w := got[0], want[0]
		if len(g.Messages)+g.MoreMessages != len(w.Messages)+w.MoreMessages || g.Fates != w.Fates ||
			len(g.Recipients)+g.MoreRecipients != len(w.Recipients)+w.MoreRecipients ||
			len(g.Domains)+g.MoreDomains != len(w.Domains)+w.MoreDomains || g.Bounced != w.Bounced || g.Deferred != w.Deferred {
			t.Errorf("saved every %d lines, restarted: messages %d+%d recipients %d+%d domains %d+%d fates %+v\n"+
				"one run: messages %d+%d recipients %d+%d domains %d+%d fates %+v", every,
				len(g.Messages), g.MoreMessages, len(g.Recipients), g.MoreRecipients, len(g.Domains), g.MoreDomains, g.Fates,
				len(w.Messages), w.MoreMessages, len(w.Recipients), w.MoreRecipients, len(w.Domains), w.MoreDomains, w.Fates)
		}
	}
	if w := want[0]; w.MoreMessages != 551 || w.Fates.Bounced != 50 || w.Fates.Expired != 50 || w.Fates.Delivered != 1 {
		t.Errorf("one run: %d messages beyond the list, fates %+v (the test's log is wrong)", w.MoreMessages, w.Fates)
	}
}

// TestResumeUnreadable: a record that cannot be read is an error, not an
// incident that counts less.
func TestResumeUnreadable(t *testing.T) {
	tr := New(Config{})
	steps, _ := restartSteps()
	for i := range 1100 {
		tr.Observe(&steps[i])
	}
	var carried []byte
	for _, c := range tr.Changes() {
		carried = c.Carried
	}
	id := tr.Active()[0].ID
	for _, bad := range [][]byte{{2}, carried[:len(carried)-3], append([]byte{1, 0, 0}, 9)} {
		again := New(Config{})
		again.Restore(tr.Active())
		if err := again.Resume(id, [][]byte{bad}); err == nil {
			t.Errorf("Resume(%x…) = nil, want an error", bad[:min(len(bad), 8)])
		}
	}
}

// TestRestartKeepsSettle: a delivery that would clear an incident once it
// stood for Config.Settle, seen before the restart, clears it after the
// restart as in one run: a refusal after the settle time opens a new
// incident. Before, the restart forgot the delivery, and the refusal
// joined the old incident.
func TestRestartKeepsSettle(t *testing.T) {
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	v := spamhaus
	refuse := func(sec int, qid string) Observation {
		return Observation{Kind: postfixlog.KindDelivery, At: at(sec), QueueID: qid, Status: "deferred", To: qid + "@x.example",
			RemoteHost: "mx.x.example", Raw: "line " + qid, Verdict: &v}
	}
	steps := []Observation{refuse(0, "A"),
		{Kind: postfixlog.KindDelivery, At: at(60), QueueID: "B", Status: "sent", To: "b@x.example", RelayHost: "mx.x.example", RelayIP: "198.51.100.1", Raw: "line B"},
		refuse(900, "C")}
	cfg := Config{Settle: 10 * time.Minute, Quiet: 6 * time.Hour}
	one := New(cfg)
	for i := range steps {
		one.Observe(&steps[i])
	}
	first := New(cfg)
	for i := range steps[:2] {
		first.Observe(&steps[i])
	}
	carried := carriedOf(first, nil)
	saved := first.Active()
	again := resumed(t, cfg, saved, carried)
	again.Observe(&steps[2])
	summary := func(incs []Incident) []string {
		var out []string
		for _, inc := range incs {
			out = append(out, fmt.Sprintf("%s %s %d", inc.ID, inc.Status, len(inc.Messages)))
		}
		return out
	}
	if got, want := summary(again.Finish(at(1000))), summary(one.Finish(at(1000))); !slices.Equal(got, want) {
		t.Errorf("restarted: %v\none run: %v", got, want)
	}
}

// TestRestartCountsClearedFates: the later fates of the messages of an
// incident cleared before the restart — listed, and beyond the list —
// count in it after the restart as in one run. Before, the restart did
// not restore cleared incidents: they stayed deferred.
func TestRestartCountsClearedFates(t *testing.T) {
	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	v := spamhaus
	qid := func(i int) string { return fmt.Sprintf("Q%05d", i) }
	var steps []Observation
	for i := range 1100 {
		steps = append(steps, Observation{Kind: postfixlog.KindDelivery, At: at(i), QueueID: qid(i), Status: "deferred", To: fmt.Sprintf("r%d@d.example", i),
			RemoteHost: "mx.d.example", Raw: "line", Verdict: &v})
	}
	steps = append(steps, Observation{Kind: postfixlog.KindQueued, At: at(3 * 3600), QueueID: "X"}) // the quiet hour ends it
	cut := len(steps)
	for _, i := range []int{5, 1050} {
		steps = append(steps, Observation{Kind: postfixlog.KindDelivery, At: at(4 * 3600), QueueID: qid(i), Status: "sent", To: fmt.Sprintf("r%d@d.example", i), Raw: "line"})
	}
	steps = append(steps, Observation{Kind: postfixlog.KindExpired, At: at(4 * 3600), QueueID: qid(1060)},
		Observation{Kind: postfixlog.KindRemoved, At: at(4 * 3600), QueueID: qid(1070)},
		Observation{Kind: postfixlog.KindExpired, At: at(4 * 3600), QueueID: qid(1070)})
	cfg := Config{Quiet: time.Hour}
	one := New(cfg)
	for i := range steps {
		one.Observe(&steps[i])
	}
	first := New(cfg)
	var carried [][]byte
	for i := range steps[:cut] {
		first.Observe(&steps[i])
		carried = carriedOf(first, carried)
	}
	saved := first.Incidents()
	if len(saved) != 1 || saved[0].Status != Cleared {
		t.Fatalf("at the cut: %+v, want one cleared incident", saved)
	}
	again := resumed(t, cfg, saved, carried)
	var changed []Change
	for i := range steps[cut:] {
		again.Observe(&steps[cut+i])
		changed = append(changed, again.Changes()...)
	}
	w := one.Incidents()[0]
	if len(changed) == 0 || changed[len(changed)-1].Incident.Fates != w.Fates {
		t.Fatalf("restarted: changes %d, want the cleared incident's fates %+v", len(changed), w.Fates)
	}
	if w.Fates.Delivered != 2 || w.Fates.Expired != 1 {
		t.Errorf("one run: fates %+v (the test's log is wrong)", w.Fates)
	}
}

// carriedOf appends to carried what the tracker's changes since the last
// call carry (Change.Carried): what the store saves for a restart.
func carriedOf(tr *Tracker, carried [][]byte) [][]byte {
	for _, c := range tr.Changes() {
		if c.Carried != nil {
			carried = append(carried, c.Carried)
		}
	}
	return carried
}

// resumed is a tracker started afresh, as after a restart, on the saved
// incidents and what was carried for the first of them.
func resumed(t *testing.T, cfg Config, saved []Incident, carried [][]byte) *Tracker {
	t.Helper()
	again := New(cfg)
	again.Restore(saved)
	if err := again.Resume(saved[0].ID, carried); err != nil {
		t.Fatal(err)
	}
	return again
}
