package incident

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestSendersAsNames: an incident counts its messages' submitters by
// the tracker's copy of each (state.subs), and by their names once they are
// more than maxSubs; either way Senders is what counting each listed
// message's login, sender and client gives (WhoSent), in the same order,
// also after a link took a message from one submitter to another, and
// with more submitters than the incident keeps the names' places of
// (state.seen: a submitter counted again, and one whose slot another took).
func TestSendersAsNames(t *testing.T) {
	for _, subs := range []int{1, 3, maxSubs, maxSubs + 1, 3 * maxSubs, seenSlots + seenSlots/2} {
		t.Run(fmt.Sprint(subs), func(t *testing.T) {
			tr := New(Config{})
			for i := range 4 * subs {
				qid := fmt.Sprintf("A%05X", i)
				k := i * 7 % subs
				run(tr, []step{
					{r: rec(i, postfixlog.KindClient, qid, func(r *postfixlog.Record) {
						r.SASLUser, r.Client = fmt.Sprintf("user%d", k%5), fmt.Sprintf("pc%d[192.0.2.%d]", k%3, k)
					})},
					{r: rec(i, postfixlog.KindQueued, qid, func(r *postfixlog.Record) { r.From = fmt.Sprintf("s%d@Ours.example", k) })},
					{r: delivery(i, qid, fmt.Sprintf("x%d@example.net", i), "deferred"), v: spamhaus},
				})
			}
			// A message queued again (postsuper -r) under a new
			// queue id, refused before the link names its first one:
			// counted as the re-injection's, then as the first's.
			run(tr, []step{
				{r: rec(900, postfixlog.KindQueued, "B00001", func(r *postfixlog.Record) { r.From = "late@ours.example" })},
				{r: delivery(901, "B00001", "y@example.net", "deferred"), v: spamhaus},
				{r: rec(902, postfixlog.KindHeader, "B00001", func(r *postfixlog.Record) { r.Raw = "header X-Rblwatch-Track: A00001-0a0b" })},
			})
			incs := tr.Incidents()
			if len(incs) != 1 {
				t.Fatalf("%d incidents", len(incs))
			}
			if got, want := incs[0].Senders, WhoSent(incs[0].Messages, MaxSenders); !equalWho(got, want) {
				t.Errorf("senders %+v\nwant %+v", got, want)
			}
		})
	}
}

func equalWho(a, b Who) bool {
	return a.Messages == b.Messages && slices.Equal(a.Logins, b.Logins) && slices.Equal(a.Senders, b.Senders) && slices.Equal(a.Clients, b.Clients) &&
		a.MoreLogins == b.MoreLogins && a.MoreSenders == b.MoreSenders && a.MoreClients == b.MoreClients
}

// TestDomainsSortedWhenRead: an incident lists its recipient domains
// sorted however they came (they are sorted when read, not as each comes);
// Changes gives the new ones in the order they came.
func TestDomainsSortedWhenRead(t *testing.T) {
	tr := New(Config{})
	order := []string{"m.example", "z.example", "a.example", "q.example", "b.example", "a.example"}
	for i, d := range order {
		observe(tr, delivery(i, fmt.Sprintf("A%05X", i), "x@"+d, "deferred"), spamhaus)
	}
	want := []string{"a.example", "b.example", "m.example", "q.example", "z.example"}
	if incs := tr.Incidents(); len(incs) != 1 || !slices.Equal(incs[0].Domains, want) {
		t.Fatalf("incidents %+v, want one listing %v", incs, want)
	}
	if act := tr.Active(); len(act) != 1 || !slices.Equal(act[0].Domains, want) {
		t.Errorf("active %+v, want one listing %v", act, want)
	}
	if cs := tr.Changes(); len(cs) != 1 || !slices.Equal(cs[0].Domains, order[:5]) || cs[0].DomainsFrom != 0 {
		t.Errorf("changes %+v, want the domains as they came", cs)
	}
	observe(tr, delivery(10, "A00010", "x@c.example", "deferred"), spamhaus)
	if cs := tr.Changes(); len(cs) != 1 || !slices.Equal(cs[0].Domains, []string{"c.example"}) || cs[0].DomainsFrom != 5 {
		t.Errorf("changes %+v, want c.example after 5", cs)
	}
	if incs := tr.Finish(finished); len(incs) != 1 || !slices.Equal(incs[0].Domains, slices.Insert(want, 2, "c.example")) {
		t.Errorf("finished %+v", incs)
	}
}

// TestDeliveriesClearAsNaive holds the tracker's clearing by delivery
// (the incidents of a domain found through Tracker.byDomain, what a
// delivery asks of each in Tracker.hot) to the plain rule — an active
// incident that refused the recipient's domain, with no clear pending
// and no refusal after the delivery, is cleared by a delivery to a host
// of a receiver that refused — on random refusals and deliveries of a
// few providers, listings, domains and receivers, the log's times now
// and then going back.
func TestDeliveriesClearAsNaive(t *testing.T) {
	type naive struct {
		key     Key
		doms    map[string]bool
		remotes map[string]bool
		last    time.Time
		clearAt time.Time
		cleared time.Time
	}
	r := rand.New(rand.NewPCG(12, 24))
	for round := range 40 {
		settle := time.Duration(r.IntN(3)) * 5 * time.Minute
		tr := New(Config{Settle: settle, NoEvents: true, CountsOnly: true})
		active := map[Key]*naive{}
		var done []*naive
		at, now := t0, t0
		advance := func() { // clear what stood its settle time by now
			for k, n := range active {
				if !n.clearAt.IsZero() && !now.Before(n.clearAt.Add(settle)) {
					n.cleared = n.clearAt
					done = append(done, n)
					delete(active, k)
				}
			}
		}
		for i := range 600 {
			at = at.Add(time.Duration(r.IntN(120)-10) * time.Second)
			now = maxTime(now, at)
			advance()
			d := fmt.Sprintf("d%d.example", r.IntN(6))
			mx := fmt.Sprintf("mx%d.r%d.example", r.IntN(2), r.IntN(3))
			qid := fmt.Sprintf("Q%05X", i)
			if r.IntN(3) == 0 {
				v := classify.Verdict{Provider: []string{"spamhaus", "barracuda"}[r.IntN(2)], Category: classify.Blocklist, Listed: fmt.Sprintf("192.0.2.%d", r.IntN(4))}
				tr.Observe(&Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "deferred", To: "u@" + d, RemoteHost: mx, Raw: "line", Verdict: &v})
				k := Key{v.Provider, v.Listed}
				n := active[k]
				if n == nil {
					n = &naive{key: k, doms: map[string]bool{}, remotes: map[string]bool{}}
					active[k] = n
				}
				n.doms[d], n.remotes[Registered(mx)] = true, true
				n.clearAt = time.Time{}
				if at.After(n.last) {
					n.last = at
				}
			} else {
				tr.Observe(&Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "sent", To: "u@" + d, RelayHost: mx, RelayIP: "198.51.100.25", Raw: "line"})
				for _, n := range active {
					if n.doms[d] && n.clearAt.IsZero() && !at.Before(n.last) && n.remotes[Registered(mx)] {
						n.clearAt = at
					}
				}
			}
			advance()
		}
		var want []string
		for _, n := range done {
			want = append(want, fmt.Sprintf("%s/%s %v", n.key.Provider, n.key.Listed, n.cleared.Sub(t0)))
		}
		var got []string
		for _, inc := range tr.Incidents() {
			if inc.Status == Cleared {
				got = append(got, fmt.Sprintf("%s/%s %v", inc.Provider, inc.Listed, inc.ClearedAt.Sub(t0)))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("round %d (settle %v): cleared\n%v\nwant\n%v", round, settle, got, want)
		}
	}
}
