package incident

import (
	"slices"
	"testing"
	"time"
)

// TestEndWindows: the end of the log source ends every aggregation window
// at once — an opened event for each incident still in one, none for one
// announced already, none twice — and nothing while a backlog is read
// (CatchUp announces those when it ends).
func TestEndWindows(t *testing.T) {
	tr := New(Config{Aggregate: 30 * time.Second, Quiet: time.Hour})
	run(tr, []step{
		{r: delivery(0, "A1", "a@example.net", "bounced"), v: spamhaus},
		{tick: 31}, // Spamhaus's window ends: announced
		{r: delivery(40, "A2", "b@example.org", "bounced"), v: barracuda},
	})
	evs := tr.EndWindows(t0.Add(45 * time.Second))
	if got := kinds(evs); !slices.Equal(got, []string{"opened:barracuda"}) {
		t.Fatalf("events %v, want Barracuda opened", got)
	}
	if inc := evs[0].Incident; inc.Status != Ongoing || !inc.Notified.Equal(t0.Add(45*time.Second)) {
		t.Errorf("incident %s notified %v", inc.Status, inc.Notified)
	}
	if evs := tr.EndWindows(t0.Add(46 * time.Second)); len(evs) != 0 {
		t.Errorf("again: %v", kinds(evs))
	}
	// Its digest and clearing still follow its deadlines.
	if evs := tr.Tick(t0.Add(40*time.Second + time.Hour)); !slices.Equal(kinds(evs), []string{"cleared:spamhaus", "cleared:barracuda"}) {
		t.Errorf("after the quiet period: %v", kinds(evs))
	}

	back := New(Config{Aggregate: 30 * time.Second})
	back.CatchUp(true, t0)
	run(back, []step{{r: delivery(0, "B1", "a@example.net", "bounced"), v: spamhaus}})
	if evs := back.EndWindows(t0.Add(5 * time.Second)); len(evs) != 0 {
		t.Errorf("while catching up: %v", kinds(evs))
	}
}
