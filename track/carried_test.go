package track

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
)

// counted returns what Store.Counted gives for the incidents of
// Store.Resumable, as "id: blob, blob; …".
func counted(t *testing.T, s *Store) string {
	t.Helper()
	incs, err := s.Resumable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, inc := range incs {
		ids = append(ids, inc.ID)
	}
	var out string
	if err := s.Counted(context.Background(), ids, func(id string, blobs [][]byte) error {
		out += fmt.Sprintf("%s: %q; ", id, blobs)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMigrateCounted: a state written by schema 11 with an open incident
// reads the same after migration 12, with nothing carried for it (it
// counts as before until it clears); its next saves append what they
// carry, in order, read back while it is open, or cleared with messages
// still deferred within incident.QueueLifetime of the latest incident
// (Resumable), and kept with the incident. The addresses receivers named are saved and
// read back, dropped, and all let go by a reset.
func TestMigrateCounted(t *testing.T) {
	path, db := schemaFile(t, 11)
	inc := sampleIncident("old", t0, incident.Ongoing)
	head := inc
	head.Messages, head.Recipients, head.Domains, head.Samples = nil, nil, nil, nil
	insertOldIncident(t, db, inc, head)
	db.Close()
	s := openPath(t, path)
	ctx := context.Background()
	open, err := s.OpenIncidents(ctx)
	if err != nil || len(open) != 1 || len(open[0].Messages) != len(inc.Messages) {
		t.Fatalf("after the migration: %+v, %v", open, err)
	}
	if got := counted(t, s); got != "" {
		t.Errorf("carried after the migration: %s", got)
	}
	other := sampleIncident("other", t0.Add(time.Hour), incident.Ongoing)
	save := func(inc incident.Incident, carried string) {
		c := incident.ChangeOf(inc)
		if carried != "" {
			c.Carried = []byte(carried)
		}
		mustTx(t, s, func(tx *Tx) error { return tx.SaveChange(c) })
	}
	save(inc, "a")
	save(other, "x")
	save(inc, "b")
	save(inc, "")
	save(inc, "c")
	if got, want := counted(t, s), `old: ["a" "b" "c"]; other: ["x"]; `; got != want {
		t.Errorf("carried: %s, want %s", got, want)
	}
	inc.Status, inc.ClearedAt, inc.ClearedBy = incident.Cleared, t0.Add(2*time.Hour), "quiet"
	inc.Fates = incident.FateCounts{Deferred: 1, Bounced: 1}
	save(inc, "d")
	if got, want := counted(t, s), `old: ["a" "b" "c" "d"]; other: ["x"]; `; got != want {
		t.Errorf("carried once cleared with a message deferred: %s, want %s", got, want)
	}
	inc.Fates = incident.FateCounts{Delivered: 1, Bounced: 1}
	save(inc, "")
	if got, want := counted(t, s), `other: ["x"]; `; got != want {
		t.Errorf("carried once cleared with no message deferred: %s, want %s", got, want)
	}
	inc.Fates = incident.FateCounts{Deferred: 1, Bounced: 1}
	save(inc, "")
	later := sampleIncident("later", t0.Add(6*24*time.Hour), incident.Ongoing)
	save(later, "")
	if got, want := counted(t, s), `other: ["x"]; `; got != want {
		t.Errorf("carried with the cleared incident 6 days before the latest: %s, want %s", got, want)
	}
	keptRows := func() (n int) {
		if err := s.r.QueryRow(`SELECT count(*) FROM incident_counted WHERE incident_id = 'old'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := keptRows(); n != 4 {
		t.Errorf("%d rows kept for the cleared incident, want 4", n)
	}
	// A prune keeps them while the incident's messages may be in the
	// queue, then lets them go with no message left, the incident kept.
	for _, c := range []struct {
		now  time.Time
		want int
	}{{inc.LastSeen.Add(incident.QueueLifetime - time.Hour), 4}, {inc.LastSeen.Add(incident.QueueLifetime + time.Hour), 0}} {
		if _, err := s.Prune(ctx, c.now, 90*24*time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := keptRows(); n != c.want {
			t.Errorf("pruned at %v after its last rejection: %d rows kept, want %d", c.now.Sub(inc.LastSeen), n, c.want)
		}
	}
	if _, ok, err := s.Incident(ctx, "old"); !ok || err != nil {
		t.Errorf("the incident went with its rows (%v)", err)
	}

	foreign := func() []string {
		var out []string
		if err := s.ForeignAddresses(ctx, func(recv, addr string, at time.Time) {
			out = append(out, fmt.Sprintf("%s/%s@%s", recv, addr, at.Sub(t0)))
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	k := func(recv, addr string) ingest.BoundKey { return ingest.BoundKey{Receiver: recv, Address: addr} }
	mustTx(t, s, func(tx *Tx) error {
		return tx.SaveForeign(&ingest.BoundChanges{Named: map[ingest.BoundKey]time.Time{
			k("relay.example", "198.51.100.1"): t0, k("relay.example", "198.51.100.2"): t0.Add(time.Minute), k("", "198.51.100.1"): t0}})
	})
	mustTx(t, s, func(tx *Tx) error {
		return tx.SaveForeign(&ingest.BoundChanges{Named: map[ingest.BoundKey]time.Time{k("relay.example", "198.51.100.1"): t0.Add(time.Hour)},
			Dropped: map[ingest.BoundKey]bool{k("relay.example", "198.51.100.2"): true}})
	})
	if got, want := foreign(), []string{"/198.51.100.1@0s", "relay.example/198.51.100.1@1h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("foreign addresses %v, want %v", got, want)
	}
	mustTx(t, s, func(tx *Tx) error {
		return tx.SaveForeign(&ingest.BoundChanges{Reset: true, Named: map[ingest.BoundKey]time.Time{k("b.example", "203.0.113.5"): t0}})
	})
	if got, want := foreign(), []string{"b.example/203.0.113.5@0s"}; !slices.Equal(got, want) {
		t.Errorf("foreign addresses after a reset %v, want %v", got, want)
	}
}
