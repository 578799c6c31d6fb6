package incident

import (
	"fmt"
	"testing"
	"time"

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
