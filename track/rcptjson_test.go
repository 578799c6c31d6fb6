package track

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// TestRecipientsRoundTrip: the recipients a message's row holds read back
// the same through the store (parseRecipients) and through SQLite's own
// JSON reader (the view recipients), whatever the texts hold: quotes,
// backslashes, control characters, line breaks, non-ASCII, markup.
func TestRecipientsRoundTrip(t *testing.T) {
	s := openTest(t)
	odd := []string{
		`plain@example.net`,
		`"quoted local"@example.net`,
		"back\\slash and \"quotes\"",
		"line\r\nbreak\ttab\x00nul\x01\x1f\x7f",
		"日本語 <b>markup</b> & \u2028\u2029 é",
		"",
	}
	var rcpts []*qrcpt
	for i, text := range odd {
		rc := &qrcpt{address: text, origTo: odd[(i+1)%len(odd)], domain: domainOf(text), status: "deferred", dsn: "4.7.1",
			relay: "mx[192.0.2.1]:25", reply: text, attempts: i, firstSeen: t0.Add(time.Duration(i) * time.Second)}
		if i%2 == 0 {
			rc.updatedAt = t0.Add(time.Hour)
		}
		rcpts = append(rcpts, rc)
	}
	js := string(appendRecipients(nil, rcpts))
	got, err := parseRecipients(js)
	if err != nil {
		t.Fatalf("parseRecipients(%s): %v", js, err)
	}
	if !reflect.DeepEqual(got, rcpts) {
		t.Errorf("parseRecipients:\n got %+v\nwant %+v", got, rcpts)
	}
	if _, err := s.w.Exec(`INSERT INTO messages (id, queue_id, rcpts) VALUES (1, 'A1', ?)`, js); err != nil {
		t.Fatal(err)
	}
	rows, err := s.r.Query(`SELECT seq, address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at
FROM recipients WHERE message = 1 ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		var seq int
		rc := &qrcpt{}
		if err := rows.Scan(&seq, &rc.address, &rc.origTo, &rc.domain, &rc.status, &rc.dsn, &rc.relay, &rc.reply, &rc.attempts,
			scanTime(&rc.firstSeen), scanTime(&rc.updatedAt)); err != nil {
			t.Fatal(err)
		}
		if seq != n || !reflect.DeepEqual(rc, rcpts[n]) {
			t.Errorf("the view's row %d (seq %d):\n got %+v\nwant %+v", n, seq, rc, rcpts[n])
		}
	}
	if err := rows.Err(); err != nil || n != len(rcpts) {
		t.Errorf("the view has %d rows (%v), want %d", n, err, len(rcpts))
	}
	for _, bad := range []string{`[["a"]]`, `[[1,"","","","","","",0,null,null]]`, `[["","","","","","","","x",null,null]]`, `[["","","","","","","",0,5,null]]`, `{`} {
		if _, err := parseRecipients(bad); err == nil {
			t.Errorf("parseRecipients(%s) took it", bad)
		}
	}
}

// TestMigrateRecipients: a state of version 8, with its recipients in rows
// of the table recipients, opens with them in their messages' rows: the
// messages read the same, the view shows the rows the table held, and the
// message still in the queue goes on from where it was.
func TestMigrateRecipients(t *testing.T) {
	path, db := schemaFile(t, 8)
	// As version 8 wrote them: a message delivered to two recipients, one
	// still in the queue with a deferred recipient, one with none.
	for _, q := range []string{
		`INSERT INTO messages (id, queue_id, sender, state, nrcpt, first_seen, last_seen, removed_at)
	VALUES (1, 'A1', 'a@example.org', 'delivered', 2, '2026-11-23T15:33:55.123456789Z', '2026-11-23T15:33:56.000000000Z', '2026-11-23T15:33:56.000000000Z')`,
		`INSERT INTO messages (id, queue_id, sender, state, nrcpt, first_seen, last_seen)
	VALUES (2, 'B2', 'b@example.org', 'deferred', 1, '2026-11-23T15:34:00.000000000Z', '2026-11-23T15:34:01.000000000Z')`,
		`INSERT INTO messages (id, queue_id, state, first_seen, last_seen) VALUES (3, 'C3', 'queued', '2026-11-23T15:35:00.000000000Z', '2026-11-23T15:35:00.000000000Z')`,
		`INSERT INTO recipients (id, message, address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at)
	VALUES (7, 1, 'z@example.net', '', 'example.net', 'sent', '2.0.0', 'mx[192.0.2.1]:25', '250 ok "queued"', 1, '2026-11-23T15:33:56.000000000Z', '2026-11-23T15:33:56.000000000Z')`,
		`INSERT INTO recipients (id, message, address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at)
	VALUES (5, 2, 'y@example.com', 'alias@example.com', 'example.com', 'deferred', '4.7.1', 'mx[192.0.2.2]:25', '450 4.7.1 try
later', 1, '2026-11-23T15:34:01.000000000Z', NULL)`,
		`INSERT INTO recipients (id, message, address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at)
	VALUES (9, 1, 'x@example.net', '', 'example.net', 'sent', '2.0.0', 'mx[192.0.2.1]:25', '250 ok', 1, '2026-11-23T15:33:56.000000000Z', '2026-11-23T15:33:56.000000000Z')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	const viewQuery = `SELECT message, address, orig_to, domain, status, dsn, relay, reply, attempts, coalesce(first_seen, '-'), coalesce(updated_at, '-')
FROM recipients ORDER BY message, %s`
	before := queryStrings(t, db, fmt.Sprintf(viewQuery, "id"))
	db.Close()

	s, err := Open(path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if after := queryStrings(t, s.r, fmt.Sprintf(viewQuery, "seq")); !reflect.DeepEqual(after, before) {
		t.Errorf("the view after the migration:\n%q\nthe table before:\n%q", after, before)
	}
	msgs, err := s.Messages(context.Background(), MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || len(msgs[0].Recipients) != 2 || len(msgs[1].Recipients) != 1 || len(msgs[2].Recipients) != 0 {
		t.Fatalf("messages after the migration: %+v", msgs)
	}
	if r := msgs[1].Recipients[0]; r.Address != "y@example.com" || r.OrigTo != "alias@example.com" || r.Reply != "450 4.7.1 try\nlater" ||
		!r.FirstSeen.Equal(time.Date(2026, 11, 23, 15, 34, 1, 0, time.UTC)) || !r.UpdatedAt.IsZero() {
		t.Errorf("the deferred recipient after the migration: %+v", r)
	}
	// The queue is read from the migrated rows: the retry and the removal
	// change the recipient the table held, and add none.
	at := time.Date(2026, 11, 23, 16, 34, 1, 0, time.UTC)
	retry := delivery(at, "B2", "y@example.com", "sent", "2.0.0", "250 ok")
	retry.OrigTo = "alias@example.com"
	apply(t, s, retry, removed(at, "B2"))
	got, err := s.Messages(context.Background(), MessageFilter{QueueID: "B2"})
	if err != nil || len(got) != 1 {
		t.Fatalf("B2 after a retry: %+v, %v", got, err)
	}
	if got[0].State != StateDelivered || !got[0].RemovedAt.Equal(at) {
		t.Errorf("B2 after a retry: %s, removed %v", got[0].State, got[0].RemovedAt)
	}
	if rs := got[0].Recipients; len(rs) != 1 || rs[0].Status != "sent" || rs[0].Attempts != 2 || rs[0].Reply != "250 ok" ||
		!rs[0].FirstSeen.Equal(time.Date(2026, 11, 23, 15, 34, 1, 0, time.UTC)) || !rs[0].UpdatedAt.Equal(at) {
		t.Errorf("B2's recipients after a retry: %+v", rs)
	}
}

// queryStrings returns the rows of q, each value as text, a row a string.
func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, v := range vals {
			fmt.Fprintf(&b, "%q|", v.String)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
