package track

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// facts are what the milter reports at the end of a message, as it
// reported them for the bench's SASL submission (harness NOTES §5).
func facts(at time.Time, qid string) *milter.Message {
	return &milter.Message{QueueID: qid, TrackID: qid + "-947c19b5", Time: at, Sender: "alice@bench.test",
		Recipients: []string{"ok@remote.test"}, Nrcpt: 1, AuthUser: "alice@bench.test", AuthType: "PLAIN",
		Client:    milter.Client{Name: "localhost", Addr: "127.0.0.1", Port: 52892, Family: "tcp4", Helo: "vm"},
		MessageID: "20261123153739.014849@vm"}
}

func applyMilter(t *testing.T, s *Store, ms ...*milter.Message) {
	t.Helper()
	mustTx(t, s, func(tx *Tx) error {
		for _, m := range ms {
			if err := tx.ApplyMilter(m); err != nil {
				return err
			}
		}
		return nil
	})
}

func wantFacts(at time.Time, qid string) *MilterRow {
	return &MilterRow{TrackID: qid + "-947c19b5", SeenAt: at, Sender: "alice@bench.test", Recipients: []string{"ok@remote.test"},
		Nrcpt: 1, AuthUser: "alice@bench.test", AuthType: "PLAIN", ClientName: "localhost", ClientAddr: "127.0.0.1",
		ClientPort: 52892, Helo: "vm", MessageID: "20261123153739.014849@vm"}
}

// milterCount counts the stored facts, linked and waiting.
func milterCount(t *testing.T, s *Store) (linked, waiting int) {
	t.Helper()
	err := s.r.QueryRow(`SELECT count(message), count(*) - count(message) FROM milter_messages`).Scan(&linked, &waiting)
	if err != nil {
		t.Fatal(err)
	}
	return linked, waiting
}

func TestMilterFactsJoinTheLog(t *testing.T) {
	const qid = "25044986262"
	life := func(base int) []any {
		return []any{client(sec(base), qid), msgid(sec(base), qid, "20261123153739.014849@vm"), queued(sec(base), qid, "alice@bench.test", 1),
			delivery(sec(base+1), qid, "ok@remote.test", "sent", "2.0.0", okSent), removed(sec(base+1), qid)}
	}
	tests := []struct {
		name  string
		steps []any // *postfixlog.Record or *milter.Message, in the order the daemon writes them
	}{
		{"milter first (the usual order)", append([]any{facts(sec(0), qid)}, life(0)...)},
		{"log first (a slow store)", append(life(0), facts(sec(0), qid))},
		{"milter between client= and delivery", append(append(life(0)[:2:2], facts(sec(0), qid)), life(0)[2:]...)},
		{"milter clock a few hours off", append([]any{facts(sec(0).Add(-9*time.Hour), qid)}, life(0)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			for _, st := range tt.steps {
				switch v := st.(type) {
				case *milter.Message:
					applyMilter(t, s, v)
				case *postfixlog.Record:
					apply(t, s, v)
				default:
					t.Fatalf("step %T", st)
				}
			}
			rows := byQueueID(t, s, qid)
			if len(rows) != 1 {
				t.Fatalf("%d messages", len(rows))
			}
			at := tt.steps[0]
			for _, st := range tt.steps {
				if m, ok := st.(*milter.Message); ok {
					at = m
				}
			}
			if want := wantFacts(at.(*milter.Message).Time, qid); !reflect.DeepEqual(rows[0].Milter, want) {
				t.Errorf("milter facts\n got %+v\nwant %+v", rows[0].Milter, want)
			}
			if rows[0].State != StateDelivered {
				t.Errorf("state %s", rows[0].State)
			}
			if l, w := milterCount(t, s); l != 1 || w != 0 {
				t.Errorf("linked %d, waiting %d", l, w)
			}
		})
	}
}

// TestMilterFactsAndReusedQueueIDs: facts never join a message with the
// same queue id from another day, nor one that already has facts.
func TestMilterFactsAndReusedQueueIDs(t *testing.T) {
	const qid = "97B799862D6"
	s := openTest(t)
	day := 24 * time.Hour
	// An old message with this queue id, gone two days ago.
	apply(t, s, client(sec(0).Add(-2*day), qid), queued(sec(0).Add(-2*day), qid, "old@origin.test", 1), removed(sec(1).Add(-2*day), qid))
	// The milter reports the new one before its log lines arrive.
	applyMilter(t, s, facts(sec(0), qid))
	if l, w := milterCount(t, s); l != 0 || w != 1 {
		t.Fatalf("facts joined the old message: linked %d, waiting %d", l, w)
	}
	apply(t, s, client(sec(1), qid), queued(sec(1), qid, "alice@bench.test", 1))
	rows := byQueueID(t, s, qid)
	if len(rows) != 2 || rows[0].Milter != nil || rows[1].Milter == nil || rows[1].Milter.TrackID != qid+"-947c19b5" {
		t.Fatalf("rows %+v", rows)
	}
	// A second report for the same queue id (a second milter pass) waits;
	// it does not replace the first.
	second := facts(sec(2), qid)
	second.TrackID = qid + "-00000000"
	applyMilter(t, s, second)
	if rows := byQueueID(t, s, qid); rows[1].Milter.TrackID != qid+"-947c19b5" {
		t.Errorf("facts replaced: %+v", rows[1].Milter)
	}
	if l, w := milterCount(t, s); l != 1 || w != 1 {
		t.Errorf("linked %d, waiting %d", l, w)
	}
	// Facts from long before a message starts stay apart from it.
	const other = "C0C0C0C0C0"
	applyMilter(t, s, facts(sec(0).Add(-3*day), other))
	apply(t, s, client(sec(5), other))
	if rows := byQueueID(t, s, other); rows[0].Milter != nil {
		t.Errorf("facts three days older joined: %+v", rows[0].Milter)
	}
}

func TestApplyMilterChecks(t *testing.T) {
	s := openTest(t)
	noQueue := facts(sec(0), "")
	applyMilter(t, s, noQueue, nil)
	if l, w := milterCount(t, s); l+w != 0 {
		t.Errorf("facts without a queue id stored")
	}
	for _, bad := range []*milter.Message{facts(sec(0), "../../etc"), facts(time.Time{}, "25044986262")} {
		err := s.Tx(context.Background(), func(tx *Tx) error { return tx.ApplyMilter(bad) })
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%q at %v: %v, want ErrInvalid", bad.QueueID, bad.Time, err)
		}
	}
	// Many recipients: the first 100 are kept, all are counted.
	many := facts(sec(0), "A06969862E3")
	many.Recipients = nil
	for i := range 1000 {
		many.Recipients = append(many.Recipients, fmt.Sprintf("r%d@remote.test", i))
	}
	many.Nrcpt = 5000
	many.Sender = "bad\xff\xfe@x"
	applyMilter(t, s, many)
	apply(t, s, client(sec(1), "A06969862E3"))
	got := byQueueID(t, s, "A06969862E3")[0].Milter
	if got == nil || len(got.Recipients) != 100 || got.Recipients[99] != "r99@remote.test" || got.Nrcpt != 5000 || got.Sender != "bad\uFFFD@x" {
		t.Errorf("got %+v", got)
	}
}

func TestPruneMilterFacts(t *testing.T) {
	s := openTest(t)
	// Linked facts go with their message; waiting ones by their age.
	applyMilter(t, s, facts(sec(0), "25044986262"), facts(sec(0), "A06969862E3"), facts(sec(0).Add(20*24*time.Hour), "B5D419862E7"))
	apply(t, s, client(sec(0), "25044986262"), removed(sec(1), "25044986262"))
	st, err := s.Prune(context.Background(), sec(0).Add(40*24*time.Hour), 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if st.Messages != 1 || st.Milter != 1 {
		t.Errorf("pruned %+v", st)
	}
	if l, w := milterCount(t, s); l != 0 || w != 1 {
		t.Errorf("left: linked %d, waiting %d (want the facts newer than the cutoff)", l, w)
	}
}

// TestMigrateVersion1: a version-1 file (before the milter) is upgraded
// with its data, and its messages have no milter facts.
func TestMigrateVersion1(t *testing.T) {
	path, db := schemaFile(t, 1)
	if _, err := db.Exec(`INSERT INTO messages (queue_id, sender, state, first_seen, last_seen) VALUES ('97B799862D6', 'a@b', 'queued', ?1, ?1)`, dbTime(t0)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := OpenReadOnly(path, nil); !errors.Is(err, ErrSchemaOld) {
		t.Errorf("read-only open of version 1: %v, want ErrSchemaOld", err)
	}
	s, err := Open(path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows := byQueueID(t, s, "97B799862D6")
	if len(rows) != 1 || rows[0].From != "a@b" || rows[0].Milter != nil {
		t.Fatalf("after migration: %+v", rows)
	}
	applyMilter(t, s, facts(t0, "97B799862D6"))
	if rows := byQueueID(t, s, "97B799862D6"); rows[0].Milter == nil {
		t.Error("facts did not join the migrated message")
	}
}

// BenchmarkApplyMilter measures what the milter's writer does per batch:
// one synchronous transaction storing 100 messages' facts (at 500 msgs/s
// the writer finds about 100 queued every 200 ms), half of them with their
// message's row already written. ns/op is per message.
func BenchmarkApplyMilter(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	const batch = 100
	var seq int
	facts := make([]milter.Message, batch)
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		b.StopTimer()
		recs := make([]*postfixlog.Record, 0, batch)
		for i := range facts {
			seq++
			qid := fmt.Sprintf("%011X", seq)
			at := t0.Add(time.Duration(seq) * time.Millisecond)
			facts[i] = milter.Message{QueueID: qid, TrackID: qid + "-01020304", Time: at, Sender: "alice@example.org",
				Recipients: []string{"bob@example.net"}, Nrcpt: 1, AuthUser: "alice", AuthType: "PLAIN",
				Client:    milter.Client{Name: "pc.example.org", Addr: "192.0.2.7", Port: 4711, Family: "tcp4", Helo: "pc.example.org"},
				MessageID: qid + "@example.org"}
			if i%2 == 0 {
				recs = append(recs, client(at, qid))
			}
		}
		if err := s.Tx(ctx, func(tx *Tx) error {
			for _, r := range recs {
				if err := tx.ApplyRecord(r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := s.SyncTx(ctx, func(tx *Tx) error {
			for i := range facts {
				if err := tx.ApplyMilter(&facts[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLinkMilterUsesQueueIDIndex: a message that starts finds its waiting
// facts by queue id (the partial index of unlinked facts), not by reading
// every unlinked fact.
func TestLinkMilterUsesQueueIDIndex(t *testing.T) {
	s := openTest(t)
	for _, q := range []string{linkMilterAnyTime, linkMilterInWindow} {
		rows, err := s.w.Query(`EXPLAIN QUERY PLAN `+q, 1, "A06969862E3", "x", "y")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "milter_messages_pending (queue_id=?)") }) {
			t.Errorf("%s:\nplan %q, want a search of milter_messages_pending by queue_id", q, plan)
		}
	}
}
