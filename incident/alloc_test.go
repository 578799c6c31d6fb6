package incident

import (
	"fmt"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestRefusalAllocations: in a replay's tracker (counts only, no events),
// a refusal of a message the log introduced (its queued line came first)
// in an incident already open, past the messages it lists, allocates its
// entry (with its queue id's reference to it), nothing more: not a copy of
// the queue id the message's metadata holds already, nor of its recipient
// (a hash of it is kept), nor a list of changes no one asks for. A dense
// log refuses tens of thousands of messages.
func TestRefusalAllocations(t *testing.T) {
	tr := New(Config{CountsOnly: true, NoEvents: true})
	const n = 2000
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	refusals := make([]Observation, n)
	for i := range refusals {
		qid := fmt.Sprintf("Q%05X", i)
		tr.Observe(&Observation{Kind: postfixlog.KindQueued, At: at, QueueID: qid, From: "sender@ours.example"})
		tr.Observe(&Observation{Kind: postfixlog.KindClient, At: at, QueueID: qid, Client: "pc[192.0.2.55]", Login: "alice"})
		refusals[i] = Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "deferred",
			To: fmt.Sprintf("u%d@example.net", i%50), RemoteHost: "mx.example.net", Raw: "the line", Verdict: &barracuda}
	}
	// The incident opens, and lists the first messages it keeps.
	next := 0
	for ; next < 2*CountsOnlyMessages; next++ {
		tr.Observe(&refusals[next])
	}
	allocs := testing.AllocsPerRun(n-2*CountsOnlyMessages-1, func() {
		tr.Observe(&refusals[next])
		next++
	})
	if allocs > 1 {
		t.Errorf("a refused message allocates %.2f times; want at most 1 (its entry)", allocs)
	}
}

// TestOutgrownMessageArrays: an incident's list of messages grows by
// doubling its array; in a replay no collection reclaims the array it
// outgrew before the end, so every such array was fresh memory (a dense
// log: 2.2 MB of arrays for 1.1 MB of messages). The next incident to
// list a message takes the outgrown array, and both lists stay whole.
func TestOutgrownMessageArrays(t *testing.T) {
	tr := New(Config{CountsOnly: true, NoEvents: true})
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	refuse := func(qid string, v *classify.Verdict) {
		tr.Observe(&Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: qid, Status: "deferred",
			To: "u@example.net", RemoteHost: "mx.example.net", Raw: "the line", Verdict: v})
	}
	for i := range 4 {
		refuse(fmt.Sprintf("A%04X", i), &barracuda)
	}
	a := tr.active[Key{Provider: barracuda.Provider, Listed: barracuda.Listed}]
	first := &a.inc.Messages[:1][0] // the array of the first four
	refuse("A0004", &barracuda)     // the fifth outgrows it
	refuse("B0000", &spamhaus)      // a new incident's first
	b := tr.active[spamhausKey]
	if len(b.inc.Messages) != 1 || &b.inc.Messages[0] != first {
		t.Errorf("the new incident's list is not in the array the first outgrew")
	}
	var got []string
	for _, m := range append(slices.Clone(a.inc.Messages), b.inc.Messages...) {
		got = append(got, m.QueueID)
	}
	if want := []string{"A0000", "A0001", "A0002", "A0003", "A0004", "B0000"}; !slices.Equal(got, want) {
		t.Errorf("messages %q, want %q", got, want)
	}
}

// TestIncidentListsMadeOnce: an incident's short lists (samples, remotes,
// instances, domains) are made with room for what most incidents list
// (firstRoom), not grown one by one (1, 2, 4: the arrays outgrown were a
// dense replay's garbage); and a Postfix instance two incidents list is
// one copy (Tracker.name).
func TestIncidentListsMadeOnce(t *testing.T) {
	tr := New(Config{CountsOnly: true, NoEvents: true})
	at := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	refuse := func(i int, v *classify.Verdict) {
		tr.Observe(&Observation{Kind: postfixlog.KindDelivery, At: at, QueueID: fmt.Sprintf("Q%04X", i), Status: "deferred",
			To: fmt.Sprintf("u@d%d.example", i%firstDomains), RemoteHost: fmt.Sprintf("mx%d.example.net", i%firstRemotes),
			Instance: fmt.Sprintf("postfix-%d", i%firstInstances), Raw: fmt.Sprintf("line %d", i), Verdict: v})
	}
	refuse(0, &barracuda)
	st := tr.active[Key{Provider: barracuda.Provider, Listed: barracuda.Listed}]
	inc := &st.inc
	arrays := func() []*string {
		return []*string{unsafe.SliceData(inc.Samples), unsafe.SliceData(inc.Remotes), unsafe.SliceData(inc.Instances), unsafe.SliceData(inc.Domains)}
	}
	first := arrays()
	for i := 1; i < MaxSamples; i++ {
		refuse(i, &barracuda)
	}
	if got := arrays(); !slices.Equal(got, first) {
		t.Errorf("arrays of samples, remotes, instances, domains %v after %d refusals, %v after the first: grown", got, MaxSamples, first)
	}
	if len(inc.Samples) != MaxSamples || len(inc.Remotes) != firstRemotes || len(inc.Instances) != firstInstances || len(inc.Domains) != firstDomains {
		t.Errorf("listed %d samples, %d remotes, %d instances, %d domains; want %d, %d, %d, %d", len(inc.Samples), len(inc.Remotes),
			len(inc.Instances), len(inc.Domains), MaxSamples, firstRemotes, firstInstances, firstDomains)
	}
	refuse(MaxSamples, &spamhaus) // mx1, postfix-1
	other := tr.active[Key{Provider: spamhaus.Provider, Listed: spamhaus.Listed}].inc
	if unsafe.StringData(other.Instances[0]) != unsafe.StringData(inc.Instances[1]) {
		t.Errorf("instance %q of a second incident is a copy of the first's", other.Instances[0])
	}
}
