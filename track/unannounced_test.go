package track

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestUnannounced: incidents wait for the backlog summary across
// transactions; a batch read twice saves one once;
// TakeUnannounced lists those that bounced the most mail, in the order they
// began, sums up all of them, and leaves none behind.
func TestUnannounced(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	base := time.Date(2026, 11, 22, 14, 0, 0, 0, time.UTC)
	if ok, err := st.HasUnannounced(ctx); err != nil || ok {
		t.Fatalf("HasUnannounced on a new store = %v, %v", ok, err)
	}
	rows := []Unannounced{
		{IncidentID: "a", FirstSeen: base.Add(3 * time.Hour), Since: base, Until: base.Add(5 * time.Hour), Messages: 4, Recipients: 4, Bounced: 4},
		{IncidentID: "b", FirstSeen: base.Add(time.Hour), Since: base, Until: base.Add(2 * time.Hour), Messages: 9, Recipients: 10, Deferred: 20},
		{IncidentID: "c", FirstSeen: base.Add(2 * time.Hour), Since: base.Add(-time.Hour), Until: base.Add(3 * time.Hour), Messages: 1, Recipients: 1, Bounced: 1},
		{IncidentID: "d", FirstSeen: base.Add(4 * time.Hour), Since: base, Until: base.Add(6 * time.Hour), Messages: 2, Recipients: 3, Bounced: 7},
	}
	for i, u := range rows {
		u.Record = fmt.Appendf(nil, `{"id":%q}`, u.IncidentID)
		if err := st.Tx(ctx, func(tx *Tx) error {
			if err := tx.SaveUnannounced(u); err != nil {
				return err
			}
			if i == 1 { // the same batch read again
				return tx.SaveUnannounced(u)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Tx(ctx, func(tx *Tx) error { return tx.SaveUnannounced(Unannounced{IncidentID: "x"}) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("a row without a record: %v", err)
	}
	if ok, err := st.HasUnannounced(ctx); err != nil || !ok {
		t.Fatalf("HasUnannounced = %v, %v", ok, err)
	}
	var got []Unannounced
	var tot UnannouncedTotals
	if err := st.Tx(ctx, func(tx *Tx) error {
		var err error
		got, tot, err = tx.TakeUnannounced(3)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range got {
		ids = append(ids, u.IncidentID)
	}
	// The three that bounced the most (d 7, a 4, c 1; b bounced none), by
	// first seen.
	if want := []string{"c", "a", "d"}; !slices.Equal(ids, want) {
		t.Errorf("listed %v, want %v", ids, want)
	}
	if len(got) == 3 && (string(got[1].Record) != `{"id":"a"}` || !got[1].FirstSeen.Equal(base.Add(3*time.Hour)) || got[1].Bounced != 4) {
		t.Errorf("row a read back as %+v", got[1])
	}
	want := UnannouncedTotals{Incidents: 4, Messages: 16, Recipients: 18, Bounced: 12, Deferred: 20, Since: base.Add(-time.Hour), Until: base.Add(6 * time.Hour)}
	if tot != want {
		t.Errorf("totals %+v, want %+v", tot, want)
	}
	if ok, err := st.HasUnannounced(ctx); err != nil || ok {
		t.Errorf("after TakeUnannounced: HasUnannounced = %v, %v", ok, err)
	}
	if err := st.Tx(ctx, func(tx *Tx) error {
		l, tot, err := tx.TakeUnannounced(3)
		if len(l) != 0 || tot.Incidents != 0 {
			t.Errorf("taken twice: %v %+v", l, tot)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
