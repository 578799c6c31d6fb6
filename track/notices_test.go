package track

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// TestNotices: a notice is recorded once per key, pending until composed;
// a thread lists its Message-IDs in order; notices go with their incident
// when it is pruned, self-check notices by age.
func TestNotices(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := sampleIncident("a", t0, incident.Ongoing)
	b := sampleIncident("b", t0, incident.Ongoing)
	saveIncident(t, s, a)
	saveIncident(t, s, b)
	rec := func(key, inc, thread, mid string, at time.Time) bool {
		var ok bool
		mustTx(t, s, func(tx *Tx) error {
			var err error
			ok, err = tx.RecordNotice(Notice{Key: key, Kind: "opened", IncidentID: inc, Thread: thread, MessageID: mid, CreatedAt: at, Record: []byte(`{"k":"` + key + `"}`)})
			return err
		})
		return ok
	}
	if !rec("incident/a/opened", "a", "a", "<1@x>", t0) || !rec("incident/b/cleared", "b", "a", "<2@x>", t0.Add(time.Hour)) || !rec("self/x", "", "", "<3@x>", t0) {
		t.Fatal("first records not added")
	}
	if rec("incident/a/opened", "a", "a", "<other@x>", t0.Add(time.Minute)) {
		t.Error("a key recorded twice")
	}
	pending, err := s.PendingNotices(ctx, 10)
	if err != nil || len(pending) != 3 || pending[0].Key != "incident/a/opened" || string(pending[0].Record) != `{"k":"incident/a/opened"}` || pending[2].IncidentID != "" {
		t.Fatalf("pending %+v, %v", pending, err)
	}
	mustTx(t, s, func(tx *Tx) error {
		ids, err := tx.ThreadMessageIDs("a")
		if !slices.Equal(ids, []string{"<1@x>", "<2@x>"}) {
			t.Errorf("thread a: %q", ids)
		}
		if err != nil {
			return err
		}
		return tx.MarkComposed(pending[0].ID, t0)
	})
	if pending, _ = s.PendingNotices(ctx, 10); len(pending) != 2 {
		t.Errorf("%d pending after one composed, want 2", len(pending))
	}

	// Notes.
	mustTx(t, s, func(tx *Tx) error {
		if _, ok, err := tx.IncidentNote("a"); ok || err != nil {
			t.Errorf("a note before any: %v %v", ok, err)
		}
		if err := tx.SaveIncidentNote(IncidentNote{IncidentID: "b", Thread: "a", Counts: []byte(`{"bounced":1}`)}); err != nil {
			return err
		}
		n, ok, err := tx.IncidentNote("b")
		if !ok || n.Thread != "a" || string(n.Counts) != `{"bounced":1}` {
			t.Errorf("note %+v %v %v", n, ok, err)
		}
		if err := tx.SaveIncidentNote(IncidentNote{IncidentID: "b"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("a note without thread: %v", err)
		}
		return nil
	})

	// Alerts.
	mustTx(t, s, func(tx *Tx) error {
		if err := tx.SetAlert("log/h/p/1", []byte(`{"v":1}`), t0); err != nil {
			return err
		}
		if err := tx.SetAlert("log/h/p/1", []byte(`{"v":2}`), t0); err != nil {
			return err
		}
		if err := tx.SetAlert("log/h/p/2", []byte(`{"v":3}`), t0); err != nil {
			return err
		}
		return tx.DeleteAlert("log/h/p/2")
	})
	if al, err := s.Alerts(ctx); err != nil || len(al) != 1 || string(al[0]) != `{"v":2}` {
		t.Errorf("alerts %q, %v", al, err)
	}

	// Pruning: b cleared long ago goes with its notice and note; the old
	// self-check notice goes; a's stay.
	b.Status, b.ClearedAt = incident.Cleared, t0.Add(time.Hour)
	saveIncident(t, s, b)
	mustTx(t, s, func(tx *Tx) error {
		for _, p := range pending {
			if err := tx.MarkComposed(p.ID, t0.Add(2*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := s.Prune(ctx, t0.Add(100*24*time.Hour), 90*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	all, err := s.Notices(ctx, "")
	if err != nil || len(all) != 1 || all[0].Key != "incident/a/opened" {
		t.Errorf("after pruning: %+v, %v", all, err)
	}
	if _, ok, _ := s.IncidentNote(ctx, "b"); ok {
		t.Error("the pruned incident's note is still there")
	}
}
