package track

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// evidenceRows counts the rows of incident id: its rows of
// incident_messages, incident_recipients and incident_lists, and its
// packed evidence.
func evidenceRows(t *testing.T, s *Store, id string) (rows, packed int) {
	t.Helper()
	if err := s.r.QueryRow(`SELECT (SELECT count(*) FROM incident_messages WHERE incident_id = ?1)
	+ (SELECT count(*) FROM incident_recipients WHERE incident_id = ?1) + (SELECT count(*) FROM incident_lists WHERE incident_id = ?1),
	(SELECT count(*) FROM incident_evidence WHERE incident_id = ?1)`, id).Scan(&rows, &packed); err != nil {
		t.Fatal(err)
	}
	return rows, packed
}

// TestPackEvidence: the change that clears an incident packs its evidence
// (its rows become one row of incident_evidence), which reads as the rows
// did; a later change that adds to a cleared incident's lists is read over
// the packed evidence and packed with it; a whole save that shrinks a
// packed incident replaces it. Before, every row stayed for 90 days.
func TestPackEvidence(t *testing.T) {
	cleared := func(inc incident.Incident) incident.Incident {
		inc.Status, inc.ClearedAt, inc.ClearedBy = incident.Cleared, inc.LastSeen.Add(time.Hour), "delivered"
		return inc
	}
	grown := func(inc incident.Incident) incident.Incident {
		inc = cleared(inc)
		inc.Messages = append(slices.Clone(inc.Messages), incident.Message{QueueID: "C0FFEE", From: "late@origin.test",
			Recipients: []string{"u4@example.com"}, Fate: incident.FateBounced, FirstSeen: t0.Add(time.Hour), LastSeen: t0.Add(time.Hour)})
		inc.Messages[1].Fate = incident.FateBounced
		inc.Recipients = append(slices.Clone(inc.Recipients), "u4@example.com")
		inc.Domains = []string{"example.com", "example.net", "example.org"}
		inc.Samples = append(slices.Clone(inc.Samples), "a second line")
		return inc
	}
	open := sampleIncident("i1", t0, incident.Ongoing)
	for _, tc := range []struct {
		name  string
		saves []func(*Tx) error // in turn, each in its transaction
		want  incident.Incident
		rows  int // rows left, besides the packed evidence
		pack  int
	}{
		{"open: rows", []func(*Tx) error{
			func(tx *Tx) error { return tx.SaveChange(incident.ChangeOf(open)) },
		}, open, 2 + 3 + 2, 0},
		{"cleared by a change of the row alone", []func(*Tx) error{
			func(tx *Tx) error { return tx.SaveChange(incident.ChangeOf(open)) },
			func(tx *Tx) error {
				c := incident.ChangeOf(cleared(open))
				c.Messages, c.Recipients, c.Domains, c.Samples = nil, nil, nil, nil
				return tx.SaveChange(c)
			},
		}, cleared(open), 0, 1},
		{"cleared in its first save", []func(*Tx) error{
			func(tx *Tx) error { return tx.SaveChange(incident.ChangeOf(cleared(open))) },
		}, cleared(open), 0, 1},
		{"a change after the packing", []func(*Tx) error{
			func(tx *Tx) error { return tx.SaveChange(incident.ChangeOf(cleared(open))) },
			func(tx *Tx) error {
				g := grown(open)
				c := incident.ChangeOf(g)
				c.Messages = c.Messages[1:]
				c.Recipients, c.RecipientsFrom = c.Recipients[3:], 3
				c.Domains, c.DomainsFrom = []string{"example.com"}, 2
				c.Samples, c.SamplesFrom = c.Samples[1:], 1
				return tx.SaveChange(c)
			},
		}, grown(open), 0, 1},
		{"a whole save of a packed incident", []func(*Tx) error{
			func(tx *Tx) error { return tx.SaveIncident(grown(open)) },
			func(tx *Tx) error { return tx.SaveIncident(cleared(open)) },
		}, cleared(open), 0, 1},
		{"reopened by a whole save", []func(*Tx) error{
			func(tx *Tx) error { return tx.SaveIncident(cleared(open)) },
			func(tx *Tx) error { return tx.SaveIncident(open) },
		}, open, 2 + 3 + 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			for _, save := range tc.saves {
				mustTx(t, s, save)
			}
			got, ok, err := s.Incident(context.Background(), "i1")
			if err != nil || !ok || !reflect.DeepEqual(normalized(got), normalized(tc.want)) {
				a, _ := json.Marshal(got)
				b, _ := json.Marshal(tc.want)
				t.Errorf("read (%v, %v):\n got %s\nwant %s", ok, err, a, b)
			}
			if rows, packed := evidenceRows(t, s, "i1"); rows != tc.rows || packed != tc.pack {
				t.Errorf("%d rows and %d packed, want %d and %d", rows, packed, tc.rows, tc.pack)
			}
		})
	}
}

// TestMigrateEvidence: a state written by schema 10 (a cleared incident's
// evidence in rows) reads the same after migration 11, and the incident's
// next save packs it; an evidence row of an unknown format is an error,
// not an incident without evidence.
func TestMigrateEvidence(t *testing.T) {
	path, db := schemaFile(t, 10)
	inc := sampleIncident("old", t0, incident.Cleared)
	inc.Messages[0].Login, inc.Messages[0].Client = "alice", "pc.ours.example[192.0.2.55]"
	head := inc
	head.Messages, head.Recipients, head.Domains, head.Samples = nil, nil, nil, nil
	insertOldIncident(t, db, inc, head)
	if _, err := db.Exec(`INSERT INTO incident_lists (incident_id, list, first, entries) VALUES ('old', 'domains', 0, '["example.org","example.net"]'), ('old', 'samples', 0, ?)`,
		string(must(json.Marshal(inc.Samples)))); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openPath(t, path)
	ctx := context.Background()
	check := func(when string, rows, packed int) {
		t.Helper()
		got, ok, err := s.Incident(ctx, "old")
		if err != nil || !ok || !reflect.DeepEqual(got, inc) {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(inc)
			t.Errorf("%s (%v, %v):\n got %s\nwant %s", when, ok, err, a, b)
		}
		if r, p := evidenceRows(t, s, "old"); r != rows || p != packed {
			t.Errorf("%s: %d rows and %d packed, want %d and %d", when, r, p, rows, packed)
		}
	}
	check("after the migration", 2+3+2, 0)
	inc.Notices = 2
	saveIncident(t, s, inc)
	check("after a save", 0, 1)

	if _, err := s.w.Exec(`UPDATE incident_evidence SET format = 2`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Incident(ctx, "old"); err == nil {
		t.Error("evidence of format 2 read without an error")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
