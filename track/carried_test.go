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

// counted returns what Store.Counted gives, as "id: blob, blob; …".
func counted(t *testing.T, s *Store) string {
	t.Helper()
	var out string
	if err := s.Counted(context.Background(), func(id string, blobs [][]byte) error {
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
// carry, in order, read back for the open incident only; the save that
// clears it deletes them. The addresses receivers named are saved and
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
	save(inc, "")
	var rows int
	if err := s.r.QueryRow(`SELECT count(*) FROM incident_counted WHERE incident_id = 'old'`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("%d rows carried for the cleared incident (%v), want 0", rows, err)
	}
	if got, want := counted(t, s), `other: ["x"]; `; got != want {
		t.Errorf("carried after the clear: %s, want %s", got, want)
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
