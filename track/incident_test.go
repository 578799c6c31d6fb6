package track

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap/zaptest"
)

func sampleIncident(id string, first time.Time, status incident.Status) incident.Incident {
	return incident.Incident{
		ID:        id,
		Key:       incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"},
		Status:    status,
		FirstSeen: first,
		LastSeen:  first.Add(time.Minute),
		Verdict: classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1",
			Code: 550, Enhanced: "5.7.1", Remote: "mx.example.org", Command: "RCPT TO", Rule: "spamhaus-blocked-using"},
		Bounced:  1,
		Deferred: 2,
		Messages: []incident.Message{
			{QueueID: "43C4B986274", From: "sender@origin.test", MessageID: "a@vm", Recipients: []string{"u1@Example.ORG"},
				Fate: incident.FateBounced, FirstSeen: first, LastSeen: first},
			{QueueID: "97B799862D6", From: "", MessageID: "b@vm", Recipients: []string{"u2@example.net", "u3@example.net"},
				Fate: incident.FateDeferred, FirstSeen: first.Add(time.Second), LastSeen: first.Add(time.Minute)},
		},
		MoreMessages: 3,
		Recipients:   []string{"u1@Example.ORG", "u2@example.net", "u3@example.net"},
		Domains:      []string{"example.net", "example.org"},
		Remotes:      []string{"mx.example.org"},
		Samples:      []string{"Nov 23 15:33:48 mx postfix/smtp[12059]: 43C4B986274: to=<u1@Example.ORG>, … status=bounced (…)"},
	}
}

func saveIncident(t *testing.T, s *Store, inc incident.Incident) {
	t.Helper()
	mustTx(t, s, func(tx *Tx) error { return tx.SaveIncident(inc) })
}

// incidentRows renders an incident's SQL rows so tests can compare them
// with what the incident holds.
func incidentRows(t *testing.T, s *Store, id string) string {
	t.Helper()
	var b strings.Builder
	var provider, listed, status, category, clearedBy string
	var first, last, cleared, notified *string
	var notices, bounced, deferred, nmsg, nrcpt int
	err := s.r.QueryRow(`SELECT provider, listed, status, category, first_seen, last_seen, cleared_at, cleared_by, notified,
	notices, bounced, deferred, message_count, recipient_count FROM incidents WHERE id = ?`, id).
		Scan(&provider, &listed, &status, &category, &first, &last, &cleared, &clearedBy, &notified, &notices, &bounced, &deferred, &nmsg, &nrcpt)
	if err != nil {
		t.Fatal(err)
	}
	str := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return *p
	}
	fmt.Fprintf(&b, "%s %s %s %s first=%s last=%s cleared=%s/%s notified=%s notices=%d bounced=%d deferred=%d messages=%d recipients=%d\n",
		provider, listed, status, category, str(first), str(last), str(cleared), clearedBy, str(notified), notices, bounced, deferred, nmsg, nrcpt)
	rows, err := s.r.Query(`SELECT seq, queue_id, sender, message_id, fate, recipients, first_seen, last_seen FROM incident_messages WHERE incident_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq int
		var q, from, mid, fate, rcpts, f, l string
		if err := rows.Scan(&seq, &q, &from, &mid, &fate, &rcpts, &f, &l); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "msg %d %s <%s> %s %s %s %s %s\n", seq, q, from, mid, fate, rcpts, f, l)
	}
	rows.Close()
	rows, err = s.r.Query(`SELECT seq, recipient, domain FROM incident_recipients WHERE incident_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq int
		var r, d string
		if err := rows.Scan(&seq, &r, &d); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "rcpt %d %s %s\n", seq, r, d)
	}
	rows.Close()
	rows, err = s.r.Query(`SELECT domain FROM incident_domains WHERE incident_id = ? ORDER BY domain`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "domain %s\n", d)
	}
	rows.Close()
	rows, err = s.r.Query(`SELECT seq, line FROM incident_samples WHERE incident_id = ? ORDER BY seq`, id)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var seq int
		var l string
		if err := rows.Scan(&seq, &l); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "sample %d %s\n", seq, l)
	}
	rows.Close()
	return b.String()
}

func TestSaveIncidentRoundTrip(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	inc := sampleIncident("spamhaus/192.0.2.1/20261123T153355", t0, incident.Ongoing)
	inc.Notified = t0.Add(2 * time.Minute)
	inc.Notices = 1
	saveIncident(t, s, inc)
	got, ok, err := s.Incident(ctx, inc.ID)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if !reflect.DeepEqual(got, inc) {
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(inc)
		t.Errorf("round trip changed the incident:\n got %s\nwant %s", a, b)
	}
	want := `spamhaus 192.0.2.1 ongoing blocklist first=2026-11-23T15:33:55.123456789Z last=2026-11-23T15:34:55.123456789Z cleared=NULL/ notified=2026-11-23T15:35:55.123456789Z notices=1 bounced=1 deferred=2 messages=5 recipients=3
msg 0 43C4B986274 <sender@origin.test> a@vm bounced ["u1@Example.ORG"] 2026-11-23T15:33:55.123456789Z 2026-11-23T15:33:55.123456789Z
msg 1 97B799862D6 <> b@vm deferred ["u2@example.net","u3@example.net"] 2026-11-23T15:33:56.123456789Z 2026-11-23T15:34:55.123456789Z
rcpt 0 u1@Example.ORG example.org
rcpt 1 u2@example.net example.net
rcpt 2 u3@example.net example.net
domain example.net
domain example.org
sample 0 Nov 23 15:33:48 mx postfix/smtp[12059]: 43C4B986274: to=<u1@Example.ORG>, … status=bounced (…)
`
	if got := incidentRows(t, s, inc.ID); got != want {
		t.Errorf("rows:\n%s\nwant:\n%s", got, want)
	}
}

// changes counts the rows the statements of fn changed, as SQLite counts
// them on the writer connection.
func changes(t *testing.T, s *Store, fn func(*Tx) error) int {
	t.Helper()
	var n int
	mustTx(t, s, func(tx *Tx) error {
		var before, after int
		if err := tx.queryRow(`SELECT total_changes()`).Scan(&before); err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		if err := tx.queryRow(`SELECT total_changes()`).Scan(&after); err != nil {
			return err
		}
		n = after - before
		return nil
	})
	return n
}

func TestSaveIncidentReplaces(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	inc := sampleIncident("i1", t0, incident.Open)
	if n := changes(t, s, func(tx *Tx) error { return tx.SaveIncident(inc) }); n != 1+2+3+1+1 {
		t.Errorf("first save changed %d rows, want 8", n)
	}
	// Unchanged: nothing written.
	if n := changes(t, s, func(tx *Tx) error { return tx.SaveIncident(inc) }); n != 0 {
		t.Errorf("saving an unchanged incident changed %d rows", n)
	}
	// One message's fate changes and a message, a recipient, its domain
	// and a sample are added: the incident row, two message rows, one
	// recipient row, a row of new domains and one of new samples.
	next := sampleIncident("i1", t0, incident.Ongoing)
	next.Messages[1].Fate = incident.FateDelivered
	next.Messages = append(next.Messages, incident.Message{QueueID: "C0FFEE", Recipients: []string{"u4@example.com"}, Fate: incident.FateDeferred, FirstSeen: t0, LastSeen: t0})
	next.Recipients = append(next.Recipients, "u4@example.com")
	next.Domains = []string{"example.com", "example.net", "example.org"}
	next.Samples = append(next.Samples, "a second line")
	if n := changes(t, s, func(tx *Tx) error { return tx.SaveIncident(next) }); n != 6 {
		t.Errorf("update changed %d rows, want 6", n)
	}
	got, _, err := s.Incident(ctx, "i1")
	if err != nil || !reflect.DeepEqual(got, next) {
		t.Errorf("stored %+v, %v", got, err)
	}
	rows := incidentRows(t, s, "i1")
	for _, want := range []string{"msg 1 97B799862D6 <> b@vm delivered", "msg 2 C0FFEE <>  deferred", "rcpt 3 u4@example.com example.com", " ongoing ",
		"domain example.com\n", "sample 1 a second line\n"} {
		if !strings.Contains(rows, want) {
			t.Errorf("rows lack %q:\n%s", want, rows)
		}
	}
	// Shrinking (not something the tracker does, but a replace is a replace).
	// Ongoing: a cleared one's rows are packed (TestPackEvidence).
	small := sampleIncident("i1", t0, incident.Ongoing)
	small.Messages = small.Messages[:1]
	small.Recipients = nil
	small.Domains = []string{"example.org"}
	small.Samples = nil
	saveIncident(t, s, small)
	rows = incidentRows(t, s, "i1")
	if strings.Count(rows, "msg ") != 1 || strings.Contains(rows, "rcpt ") || strings.Count(rows, "domain ") != 1 ||
		!strings.Contains(rows, "domain example.org\n") || strings.Contains(rows, "sample ") {
		t.Errorf("rows after shrinking:\n%s", rows)
	}
	if got, _, err := s.Incident(ctx, "i1"); err != nil || !reflect.DeepEqual(normalized(got), normalized(small)) {
		t.Errorf("stored after shrinking %+v, %v", got, err)
	}
	// A corrupt stored JSON (an auditor's edit) is replaced whole.
	if _, err := s.w.Exec(`UPDATE incidents SET json = 'not json' WHERE id = 'i1'`); err != nil {
		t.Fatal(err)
	}
	saveIncident(t, s, inc)
	if got := incidentRows(t, s, "i1"); strings.Count(got, "msg ") != 2 || strings.Count(got, "rcpt ") != 3 ||
		strings.Count(got, "domain ") != 2 || strings.Count(got, "sample ") != 1 {
		t.Errorf("rows after replacing corrupt JSON:\n%s", got)
	}
	if err := s.Tx(ctx, func(tx *Tx) error { return tx.SaveIncident(incident.Incident{}) }); !errors.Is(err, ErrInvalid) {
		t.Errorf("incident without id: %v", err)
	}
}

func TestOpenIncidentsAndList(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	a := sampleIncident("a", t0.Add(2*time.Hour), incident.Ongoing)
	b := sampleIncident("b", t0, incident.Cleared)
	b.ClearedAt, b.ClearedBy = t0.Add(time.Hour), "delivered"
	c := sampleIncident("c", t0.Add(time.Hour), incident.Open)
	for _, inc := range []incident.Incident{a, b, c} {
		saveIncident(t, s, inc)
	}
	ids := func(l []incident.Incident, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, inc := range l {
			out = append(out, inc.ID)
		}
		return strings.Join(out, ",")
	}
	if got := ids(s.OpenIncidents(ctx)); got != "c,a" {
		t.Errorf("OpenIncidents: %s, want c,a", got)
	}
	if got := ids(s.Incidents(ctx)); got != "b,c,a" {
		t.Errorf("Incidents: %s, want b,c,a", got)
	}
	mustTx(t, s, func(tx *Tx) error { return tx.DeleteIncident("c") })
	if got := ids(s.Incidents(ctx)); got != "b,a" {
		t.Errorf("after delete: %s, want b,a", got)
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM incident_messages WHERE incident_id = 'c'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("deleted incident left %d message rows (%v)", n, err)
	}
	if err := s.r.QueryRow(`SELECT count(*) FROM incident_lists WHERE incident_id = 'c'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("deleted incident left %d list rows (%v)", n, err)
	}
	if _, ok, err := s.Incident(ctx, "c"); ok || err != nil {
		t.Errorf("Incident(c) after delete: %v, %v", ok, err)
	}
}

func TestPrune(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	day := 24 * time.Hour
	now := t0.Add(40 * day)
	old, recent := t0, t0.Add(35*day)
	// Messages: old and removed, old but never removed (lost line), old
	// but still seen recently, recent and removed.
	apply(t, s,
		client(old, "OLD1"), delivery(old, "OLD1", "a@r.test", "sent", "2.0.0", okSent), removed(old, "OLD1"),
		client(old, "STALE"), delivery(old, "STALE", "b@r.test", "deferred", "4.7.1", tmDeferred),
		client(old, "LIVE"), delivery(recent, "LIVE", "c@r.test", "deferred", "4.7.1", tmDeferred),
		client(recent, "NEW"), delivery(recent, "NEW", "d@r.test", "sent", "2.0.0", okSent), removed(recent, "NEW"),
	)
	cleared := sampleIncident("cleared-old", old, incident.Cleared)
	cleared.ClearedAt = old.Add(time.Hour)
	clearedNew := sampleIncident("cleared-new", recent, incident.Cleared)
	clearedNew.ClearedAt = recent
	ongoing := sampleIncident("ongoing-old", old, incident.Ongoing)
	for _, inc := range []incident.Incident{cleared, clearedNew, ongoing} {
		saveIncident(t, s, inc)
	}
	for _, k := range []string{"sent-old", "failed-old", "pending-old", "sent-new"} {
		enqueue(t, s, item(k, old))
	}
	mark := func(key string, fn func(id int64) error) {
		it, _, err := s.OutboxItem(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := fn(it.ID); err != nil {
			t.Fatal(err)
		}
	}
	mark("sent-old", func(id int64) error { return s.MarkSent(ctx, id, old) })
	mark("failed-old", func(id int64) error { return s.MarkFailed(ctx, id, old, "550") })
	mark("sent-new", func(id int64) error { return s.MarkSent(ctx, id, recent) })
	mustTx(t, s, func(tx *Tx) error { return tx.SavePosition("file", Position{Offset: 1}, old) })
	// Mutes: expired before the cutoff, lifted before it, expired after
	// it (it may still cover old lines a catch-up reads), for good.
	for _, m := range []Mute{
		{Provider: "expired-old", Until: old.Add(day)},
		{Provider: "lifted-old"},
		{Provider: "expired-recent", Until: recent},
		{Provider: "forever"},
	} {
		m.CreatedAt = old
		if _, err := s.AddMute(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.LiftMutes(ctx, "lifted-old", "", old.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	st, err := s.Prune(ctx, now, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	if st != (PruneStats{Messages: 2, Incidents: 1, Outbox: 2, Mutes: 2}) {
		t.Errorf("Prune = %+v", st)
	}
	rows, err := s.Messages(ctx, MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, m := range rows {
		left = append(left, m.QueueID)
	}
	if got := strings.Join(left, ","); got != "LIVE,NEW" {
		t.Errorf("messages left: %s, want LIVE,NEW", got)
	}
	// The cleared incidents' evidence is packed, the ongoing one's rows.
	var rcpts, imsgs, ilists, packed int
	s.r.QueryRow(`SELECT count(*) FROM recipients`).Scan(&rcpts)
	s.r.QueryRow(`SELECT count(*) FROM incident_messages`).Scan(&imsgs)
	s.r.QueryRow(`SELECT count(*) FROM incident_lists`).Scan(&ilists)
	s.r.QueryRow(`SELECT count(*) FROM incident_evidence`).Scan(&packed)
	if rcpts != 2 || imsgs != 2 || ilists != 2 || packed != 1 {
		t.Errorf("%d recipients, %d incident messages, %d incident lists and %d packed evidence left, want 2, 2, 2 and 1 (cascaded deletes)", rcpts, imsgs, ilists, packed)
	}
	incs, _ := s.Incidents(ctx)
	if len(incs) != 2 || incs[0].ID != "ongoing-old" || incs[1].ID != "cleared-new" {
		t.Errorf("incidents left: %+v", incs)
	}
	for key, want := range map[string]bool{"sent-old": false, "failed-old": false, "pending-old": true, "sent-new": true} {
		if _, ok, _ := s.OutboxItem(ctx, key); ok != want {
			t.Errorf("outbox %s kept %v, want %v", key, ok, want)
		}
	}
	if _, ok, _ := s.LoadPosition(ctx, "file"); !ok {
		t.Error("position pruned")
	}
	var mutes []string
	for _, m := range allMutes(t, s) {
		mutes = append(mutes, m.Provider)
	}
	if got := strings.Join(mutes, ","); got != "expired-recent,forever" {
		t.Errorf("mutes left: %s, want expired-recent,forever", got)
	}
	if _, err := s.Prune(ctx, now, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Prune with no age: %v", err)
	}
}

// allMutes returns every row of the mutes table, ended or not.
func allMutes(t *testing.T, s *Store) []Mute {
	t.Helper()
	m, err := scanMutes(s.r.Query(`SELECT ` + muteColumns + ` FROM mutes ORDER BY id`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestMigrateIncidentLists: an incident written before migration 5 (its
// lists in the JSON as well as in rows, the SASL login and client only in
// the JSON) reads the same after it, and its next save writes what changed.
func TestMigrateIncidentLists(t *testing.T) {
	path, db := schemaFile(t, 4)
	inc := sampleIncident("old", t0, incident.Ongoing)
	inc.Messages[0].Login, inc.Messages[0].Client = "alice", "pc.ours.example[192.0.2.55]"
	js, _ := json.Marshal(inc)
	if _, err := db.Exec(`INSERT INTO incidents (id, provider, listed, status, first_seen, json) VALUES ('old', 'spamhaus', '192.0.2.1', 'ongoing', ?, ?)`, dbTime(t0), string(js)); err != nil {
		t.Fatal(err)
	}
	for i, m := range inc.Messages {
		rj, _ := json.Marshal(m.Recipients)
		if _, err := db.Exec(`INSERT INTO incident_messages (incident_id, seq, queue_id, sender, message_id, fate, recipients, first_seen, last_seen) VALUES ('old', ?, ?, ?, ?, ?, ?, ?, ?)`,
			i, m.QueueID, m.From, m.MessageID, string(m.Fate), string(rj), dbTime(m.FirstSeen), dbTime(m.LastSeen)); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range inc.Recipients {
		if _, err := db.Exec(`INSERT INTO incident_recipients (incident_id, seq, recipient, domain) VALUES ('old', ?, ?, ?)`, i, r, domainOf(r)); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.Incident(context.Background(), "old")
	if err != nil || !ok || !reflect.DeepEqual(got, inc) {
		a, _ := json.Marshal(got)
		t.Fatalf("after the migration (%v, %v):\n got %s\nwant %s", ok, err, a, js)
	}
	var stored string
	if err := s.r.QueryRow(`SELECT json FROM incidents WHERE id = 'old'`).Scan(&stored); err != nil || strings.Contains(stored, `"messages"`) {
		t.Errorf("the row's JSON still holds the lists: %s", stored)
	}
	next := inc
	next.Messages = slices.Clone(inc.Messages)
	next.Messages[1].Fate = incident.FateDelivered
	if n := changes(t, s, func(tx *Tx) error { return tx.SaveIncident(next) }); n != 2 {
		t.Errorf("saving one changed message changed %d rows, want 2", n)
	}
}

// TestMigrateIncidentDomains: incidents written by schema 9 (their
// domains and samples in the row's JSON) read the same after migration 10,
// which moves those lists to rows of their own; a next save writes what
// changed. An incident without either list and a row whose JSON cannot be
// read do not stop the upgrade.
func TestMigrateIncidentDomains(t *testing.T) {
	path, db := schemaFile(t, 9)
	old := sampleIncident("old", t0, incident.Ongoing)
	old.Samples = append(old.Samples, "a second line")
	bare := sampleIncident("bare", t0.Add(time.Hour), incident.Cleared)
	bare.Messages, bare.Recipients, bare.Domains, bare.Samples = nil, nil, nil, nil
	// What schema 9's save wrote: the row's JSON without the messages and
	// recipients, which are rows.
	for _, inc := range []incident.Incident{old, bare} {
		head := inc
		head.Messages, head.Recipients = nil, nil
		insertOldIncident(t, db, inc, head)
	}
	if _, err := db.Exec(`INSERT INTO incidents (id, provider, listed, status, json) VALUES ('edited', 'x', '', 'cleared', 'not json')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s := openPath(t, path)
	ctx := context.Background()
	for _, want := range []incident.Incident{old, bare} {
		got, ok, err := s.Incident(ctx, want.ID)
		if err != nil || !ok || !reflect.DeepEqual(normalized(got), normalized(want)) {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			t.Errorf("%s after the migration (%v, %v):\n got %s\nwant %s", want.ID, ok, err, a, b)
		}
		var stored string
		if err := s.r.QueryRow(`SELECT json FROM incidents WHERE id = ?`, want.ID).Scan(&stored); err != nil ||
			strings.Contains(stored, `"domains"`) || strings.Contains(stored, `"samples"`) || !strings.Contains(stored, `"remotes"`) {
			t.Errorf("%s: the row's JSON after the migration (%v): %s", want.ID, err, stored)
		}
	}
	rows := incidentRows(t, s, "old")
	if !strings.Contains(rows, "domain example.net\ndomain example.org\nsample 0 Nov 23 15:33:48 ") || !strings.Contains(rows, "sample 1 a second line\n") {
		t.Errorf("rows of old after the migration:\n%s", rows)
	}
	next := old
	next.Recipients = append(slices.Clone(old.Recipients), "u9@example.com")
	next.Domains = []string{"example.com", "example.net", "example.org"}
	if n := changes(t, s, func(tx *Tx) error { return tx.SaveIncident(next) }); n != 3 {
		t.Errorf("saving a new recipient and its domain changed %d rows, want 3", n)
	}
	if got, _, err := s.Incident(ctx, "old"); err != nil || !reflect.DeepEqual(got, next) {
		t.Errorf("after the save: %+v, %v", got, err)
	}
}

// TestSaveChangeCostsTheChange: saving a change of an incident of 1,000
// messages writes the row and the changed entries, not the whole list.
func TestSaveChangeCostsTheChange(t *testing.T) {
	s := openTest(t)
	tr := incident.New(incident.Config{})
	v := classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1"}
	feed := func(i int, qid, status string) {
		o := incident.Observation{Kind: postfixlog.KindDelivery, At: t0.Add(time.Duration(i) * time.Second), QueueID: qid,
			Status: status, To: fmt.Sprintf("u%d@example.net", i), Raw: "line"}
		if status != "sent" {
			o.Verdict = &v
		}
		tr.Observe(&o)
	}
	for i := range 1000 {
		feed(i, fmt.Sprintf("A%d", i), "deferred")
	}
	save := func() int {
		return changes(t, s, func(tx *Tx) error {
			for _, c := range tr.Changes() {
				if err := tx.SaveChange(c); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if n := save(); n != 1+1000+1000+1+1 { // a row of domains, one of samples
		t.Errorf("first save changed %d rows", n)
	}
	feed(1000, "A7", "deferred") // a retry of an affected message, to a 1,001st recipient
	if n := save(); n != 1+1+1 { // and the recipient's hash, beyond the list (incident_counted)
		t.Errorf("saving one changed message changed %d rows, want 3", n)
	}
	// A refusal for a new domain, its message and recipient beyond the
	// lists' bounds (counted only): the row, the new domain, not the
	// domain saved before, and a row of what it counted beyond the lists
	// (the message and the recipient's hash).
	o := incident.Observation{Kind: postfixlog.KindDelivery, At: t0.Add(1001 * time.Second), QueueID: "B1", Status: "deferred",
		To: "v@example.com", Raw: "line", Verdict: &v}
	tr.Observe(&o)
	if n := save(); n != 1+1+1 {
		t.Errorf("saving a new domain's refusal changed %d rows, want 3", n)
	}
	got, _, err := s.Incident(context.Background(), tr.Active()[0].ID)
	if err != nil || !slices.Equal(got.Domains, []string{"example.com", "example.net"}) || !reflect.DeepEqual(normalized(got), normalized(tr.Active()[0])) {
		t.Errorf("stored incident differs from the tracker's after a new domain: %v %v", got.Domains, err)
	}
}

// TestPruneMessages: messages delivered at the first attempt go after the
// short delivered age, the others after the longer one; live messages stay
// unless not seen for that long.
func TestPruneMessages(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	day := 24 * time.Hour
	now := t0.Add(100 * day)
	life := func(at time.Time, qid string, statuses ...string) []*postfixlog.Record {
		recs := []*postfixlog.Record{client(at, qid), queued(at, qid, "a@ours.example", 1)}
		for _, st := range statuses {
			recs = append(recs, delivery(at, qid, "u@example.net", st, "2.0.0", "text"))
		}
		return append(recs, removed(at, qid))
	}
	var recs []*postfixlog.Record
	recs = append(recs, life(now.Add(-3*day), "C1EA000001", "sent")...)             // clean, 3 days: pruned
	recs = append(recs, life(now.Add(-1*day+time.Hour), "C1EA000002", "sent")...)   // clean, under a day: kept
	recs = append(recs, life(now.Add(-3*day), "4E7A000001", "deferred", "sent")...) // retried, 3 days: kept
	recs = append(recs, life(now.Add(-3*day), "B0B0000001", "bounced")...)          // bounced, 3 days: kept
	recs = append(recs, life(now.Add(-40*day), "B0B0000002", "bounced")...)         // bounced, 40 days: pruned
	recs = append(recs, client(now.Add(-40*day), "5A1E000001"))                     // live, unseen 40 days: pruned
	recs = append(recs, client(now.Add(-3*day), "5A1E000002"))                      // live, 3 days: kept
	apply(t, s, recs...)
	n, err := s.PruneMessages(ctx, now, 30*day, 2*day)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want 3", n, err)
	}
	msgs, err := s.Messages(ctx, MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, m := range msgs {
		left = append(left, m.QueueID)
	}
	if want := []string{"C1EA000002", "4E7A000001", "B0B0000001", "5A1E000002"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	var rcpts int
	if err := s.r.QueryRow(`SELECT count(*) FROM recipients`).Scan(&rcpts); err != nil || rcpts != 3 {
		t.Errorf("%d recipients left (%v), want those of the 3 finished messages kept", rcpts, err)
	}
	// The queue in memory follows: a line for a pruned live message starts
	// a new one.
	apply(t, s, queued(now, "5A1E000001", "b@ours.example", 1))
	if got := byQueueID(t, s, "5A1E000001"); len(got) != 1 || got[0].From != "b@ours.example" {
		t.Errorf("after the prune: %+v", got)
	}
	if _, err := s.PruneMessages(ctx, now, -day, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative age: %v", err)
	}
}

// TestSaveChangesOfABatch: the changes of a batch saved together, their
// rows several a statement, read back as each incident saved on its own;
// a second batch that changes one message of one incident and adds to
// another keeps the rest.
func TestSaveChangesOfABatch(t *testing.T) {
	s := openTest(t)
	var incs []incident.Incident
	for i, n := range []int{40, 9, 1} {
		inc := sampleIncident(fmt.Sprintf("inc%d", i), t0.Add(time.Duration(i)*time.Hour), incident.Ongoing)
		inc.Messages, inc.Recipients, inc.MoreMessages = nil, nil, 0
		for j := range n {
			rcpt := fmt.Sprintf("u%d.%d@example.net", i, j)
			inc.Messages = append(inc.Messages, incident.Message{QueueID: fmt.Sprintf("Q%d%03d", i, j), From: "s@origin.test",
				Recipients: []string{rcpt}, Fate: incident.FateDeferred, FirstSeen: inc.FirstSeen, LastSeen: inc.FirstSeen})
			inc.Recipients = append(inc.Recipients, rcpt)
		}
		incs = append(incs, inc)
	}
	save := func(incs []incident.Incident, changes []incident.Change) {
		t.Helper()
		mustTx(t, s, func(tx *Tx) error { return tx.SaveChanges(changes) })
		for _, inc := range incs {
			got, ok, err := s.Incident(context.Background(), inc.ID)
			if err != nil || !ok || !reflect.DeepEqual(got, inc) {
				t.Errorf("incident %s read back (%v, %v):\n got %+v\nwant %+v", inc.ID, ok, err, got, inc)
			}
		}
	}
	var changes []incident.Change
	for _, inc := range incs {
		changes = append(changes, incident.ChangeOf(inc))
	}
	save(incs, changes)

	incs[0].Messages = slices.Clone(incs[0].Messages)
	incs[0].Messages[33].Fate = incident.FateDelivered
	c0 := incident.ChangeOf(incs[0])
	c0.Messages = []incident.IndexedMessage{{Seq: 33, Message: incs[0].Messages[33]}}
	c0.Recipients = nil
	incs[2].Messages = append(slices.Clone(incs[2].Messages), incident.Message{QueueID: "Q2new", Recipients: []string{"new@example.net"},
		Fate: incident.FateBounced, FirstSeen: t0, LastSeen: t0})
	incs[2].Recipients = append(slices.Clone(incs[2].Recipients), "new@example.net")
	c2 := incident.ChangeOf(incs[2])
	c2.Messages, c2.Recipients, c2.RecipientsFrom = c2.Messages[1:], c2.Recipients[1:], 1
	save(incs, []incident.Change{c0, c2})
}

// TestAppendStrings: an incident's lists are stored as json.Marshal writes
// them, byte for byte (the views and the sqlite3 queries of docs/store.md
// read them with SQLite's JSON functions).
func TestAppendStrings(t *testing.T) {
	for _, ss := range [][]string{
		{},
		{""},
		{"a@example.net"},
		{"a@example.net", "b@example.org", "c@example.com"},
		{`"quoted" \\ back`, "<b>&amp;</b>", "tab\there\nnew line\r\x00\x1f\x7f"},
		{"caf\xe9", "\xff\xfe", "ok \u2028 \u2029 é 日本"},
	} {
		want, err := json.Marshal(ss)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendStrings([]byte("x"), ss); string(got) != "x"+string(want) {
			t.Errorf("appendStrings(%q) = %s, want %s", ss, got[1:], want)
		}
	}
}

// insertMessageRows writes the rows of incident_messages and
// incident_recipients of inc as schema 5 to 10 did.
// insertOldIncident writes inc as an older rblwatch did: its row, whose
// JSON is head (inc without the lists that version kept in rows), and its
// rows of incident_messages.
func insertOldIncident(t *testing.T, db *sql.DB, inc, head incident.Incident) {
	t.Helper()
	js, _ := json.Marshal(head)
	if _, err := db.Exec(`INSERT INTO incidents (id, provider, listed, status, first_seen, json) VALUES (?, ?, ?, ?, ?, ?)`,
		inc.ID, inc.Provider, inc.Listed, string(inc.Status), dbTime(inc.FirstSeen), string(js)); err != nil {
		t.Fatal(err)
	}
	insertMessageRows(t, db, inc)
}

// openPath opens the store at path, closed when the test ends.
func openPath(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func insertMessageRows(t *testing.T, db *sql.DB, inc incident.Incident) {
	t.Helper()
	for i, m := range inc.Messages {
		rj, _ := json.Marshal(m.Recipients)
		if _, err := db.Exec(`INSERT INTO incident_messages (incident_id, seq, queue_id, sender, message_id, fate, recipients, first_seen, last_seen, login, client)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, inc.ID, i, m.QueueID, m.From, m.MessageID, string(m.Fate), string(rj), dbTime(m.FirstSeen), dbTime(m.LastSeen), m.Login, m.Client); err != nil {
			t.Fatal(err)
		}
	}
	for i, r := range inc.Recipients {
		if _, err := db.Exec(`INSERT INTO incident_recipients (incident_id, seq, recipient, domain) VALUES (?, ?, ?, ?)`, inc.ID, i, r, domainOf(r)); err != nil {
			t.Fatal(err)
		}
	}
}
