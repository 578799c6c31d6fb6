package daemon

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// spamhausDeferral is a deferral of qid's rcpt by a receiver citing
// Spamhaus for 192.0.2.1.
func spamhausDeferral(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[101]: " + qid + ": to=<" + rcpt + ">, relay=mail.example.org[203.0.113.9]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=4.7.1, status=deferred (host mail.example.org[203.0.113.9] said: 450 4.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))"
}

// foreignBounce is a receiver of its own (relay.example) refusing citing
// Spamhaus for an address that is not ours, 198.51.100.k.
func foreignBounce(at time.Time, qid string, k int) string {
	ip := fmt.Sprintf("198.51.100.%d", k)
	return stamp(at) + " mx postfix/smtp[101]: " + qid + ": to=<f" + fmt.Sprint(k) + "@relay.example>, relay=mx.relay.example[203.0.113.20]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=5.7.1, status=bounced (host mx.relay.example[203.0.113.20] said: 554 5.7.1 Service unavailable; Client host [" + ip + "] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/" + ip + " (in reply to RCPT TO command))"
}

// denseDayOldLog is dayOldLog with, in the hour of its second Spamhaus
// incident (t0-10h to t0-9h), 1,300 more messages deferred for it before
// t0-9h30m and, after, what a restart there must count as one run does:
// 300 of them beyond the 1,000 listed deferred again, 50 of those bounced
// and 50 expired, 50 removed whose queue ids new messages take, and 200
// new ones — and a receiver naming addresses not ours, seven before
// t0-9h30m and seven after: the first ten are incidents of their own,
// the four after them are folded into Spamhaus's incident with no listed
// address (ingest.AddressBound); and a message of the first Spamhaus
// incident, over hours before, delivered after t0-9h30m. The lines come
// in time order. It
// returns the log and its first line at t0-9h30m or later.
func denseDayOldLog() (lines []string, cut int) {
	base := strings.Split(strings.TrimSuffix(dayOldLog(), "\n"), "\n")
	start := t0.Add(-10 * time.Hour)
	var more []string
	qid := func(i int) string { return fmt.Sprintf("B%07X", i) }
	rcpt := func(i int) string { return fmt.Sprintf("r%d@d%d.example", i, i%30) }
	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	for i := range 1300 {
		more = append(more, spamhausDeferral(at(20+float64(i)), qid(i), rcpt(i)))
	}
	for i := 1000; i < 1300; i++ { // t0-9h25m on: retried
		more = append(more, spamhausDeferral(at(2100+float64(i-1000)), qid(i), rcpt(i)))
	}
	for i := 1100; i < 1150; i++ {
		more = append(more, spamhausBounce(at(2500+float64(i-1100)), qid(i), rcpt(i)))
	}
	for i := 1150; i < 1200; i++ {
		more = append(more, stamp(at(2600+float64(i-1150)))+" mx postfix/qmgr[99]: "+qid(i)+": from=<app@ours.example>, status=expired, returned to sender")
	}
	for i := 1200; i < 1250; i++ {
		more = append(more, stamp(at(2700+float64(i-1200)))+" mx postfix/qmgr[99]: "+qid(i)+": removed")
		more = append(more, spamhausDeferral(at(2800+float64(i-1200)), qid(i), fmt.Sprintf("n%d@d%d.example", i, i%30)))
	}
	for i := 1300; i < 1500; i++ {
		more = append(more, spamhausDeferral(at(2900+float64(i-1300)), qid(i), rcpt(i)))
	}
	for k := 1; k <= 14; k++ {
		more = append(more, foreignBounce(at(float64(k)*240+5), fmt.Sprintf("F%07X", k), k))
	}
	// A message of the first Spamhaus incident, over long before the
	// cut, deferred still, delivered after it.
	more = append(more, spamhausDeferral(t0.Add(-22*time.Hour-30*time.Minute), "DE1A7E0001", "late@late.example"),
		sent(t0.Add(-9*time.Hour-5*time.Minute), "DE1A7E0001", "late@late.example"))
	lines = append(base, more...)
	// Stamps are fixed width: text order is time order (stable: the
	// day-old log's lines of a second stay in their order).
	slices.SortStableFunc(lines, func(a, b string) int { return strings.Compare(a[:32], b[:32]) })
	mid := stamp(t0.Add(-9*time.Hour - 30*time.Minute))
	cut = slices.IndexFunc(lines, func(l string) bool { return l[:len(mid)] >= mid })
	return lines, cut
}

// TestCatchUpRestartCountsAsReplay: a restart in the middle of a catch-up
// ends with the incidents replay finds in the whole log, counts included.
// The daemon reads the log up to t0-9h30m and stops (no end mark: still
// catching up) while Spamhaus's incident has more messages, recipients
// and domains than it lists and a receiver has named seven addresses not
// ours; started again on the whole log, it must not count again the
// messages beyond the 1,000 listed that are refused again (it counted
// 1,856 messages and recipients where replay counts 1,556), must follow their fates
// (bounced, expired), must count a reused queue id as a new message, and
// must fold the receiver's eleventh address and after as replay does
// (started afresh, the count of its addresses began again: 18 incidents
// where replay finds 15), and must count the delivery of a message of an
// incident cleared before the stop in it (it stayed deferred).
func TestCatchUpRestartCountsAsReplay(t *testing.T) {
	h := newHarness(t)
	lines, cut := denseDayOldLog()
	if cut <= 0 {
		t.Fatal("no line at t0-9h30m")
	}
	cfg := catchUpConfig(h)
	st := h.readAndStop(cfg, lines[:cut])
	open, err := st.OpenIncidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(open, func(inc incident.Incident) bool { return inc.Listed == "192.0.2.1" && inc.MoreMessages > 0 }); i < 0 {
		t.Fatalf("no open incident beyond its list at the cut: %v", ids(open))
	}

	appendLines(t, h.log, lines[cut:]...)
	h.noEndMarks = false
	h.catchUp(cfg)
	h.endsAsReplay(strings.Join(lines, "\n")+"\n", cfg, replayWant{incidents: 15, ended: 14})
}
