package track

import (
	"context"
	"testing"
	"time"
)

// TestSenderNoticesSince: the rate limit counts a sender's notices of the
// last hour, whatever their state, including those enqueued earlier in the
// same transaction; other senders and other kinds do not count.
func TestSenderNoticesSince(t *testing.T) {
	s := openTest(t)
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	err := s.Tx(context.Background(), func(tx *Tx) error {
		for i, it := range []OutboxItem{
			{DedupKey: "sender/A/1/alice@example.com", Recipients: []string{"alice@example.com"}, CreatedAt: now.Add(-61 * time.Minute)},
			{DedupKey: "sender/B/1/alice@example.com", Recipients: []string{"alice@example.com"}, CreatedAt: now.Add(-59 * time.Minute)},
			{DedupKey: "sender/C/1/bob@example.com", Recipients: []string{"bob@example.com"}, CreatedAt: now},
			{DedupKey: "incident/x/opened", Kind: "opened", Recipients: []string{"alice@example.com"}, CreatedAt: now},
		} {
			if it.Kind == "" {
				it.Kind = KindSenderNotice
			}
			it.Sink = "email"
			if _, err := tx.Enqueue(it); err != nil {
				return err
			}
			if i == 1 {
				if n, err := tx.SenderNoticesSince("alice@example.com", now.Add(-time.Hour)); err != nil || n != 1 {
					t.Errorf("alice in the transaction: %d %v, want 1", n, err)
				}
			}
		}
		for _, tc := range []struct {
			key  string
			want bool
		}{{"sender/A/1/alice@example.com", true}, {"sender/A/2/alice@example.com", false}} {
			if got, err := tx.HasOutboxItem(tc.key); err != nil || got != tc.want {
				t.Errorf("HasOutboxItem(%s) = %v %v", tc.key, got, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(context.Background(), func(tx *Tx) error {
		for _, tc := range []struct {
			addr string
			want int
		}{{"alice@example.com", 1}, {"Alice@Example.COM", 1}, {"bob@example.com", 1}, {"BOB@example.com", 1}, {"carol@example.com", 0}} {
			if n, err := tx.SenderNoticesSince(tc.addr, now.Add(-time.Hour)); err != nil || n != tc.want {
				t.Errorf("%s: %d %v, want %d", tc.addr, n, err, tc.want)
			}
		}
		if _, _, ok, err := tx.Submitted("NOPE"); ok || err != nil {
			t.Errorf("Submitted of an unknown message: %v %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFirstQueueID: the first queue id of a message follows the store's
// links back through a content filter and postsuper -r, for the use of a
// queue id at hand (28A879CA567 was an unrelated message two days before).
func TestFirstQueueID(t *testing.T) {
	s := openTest(t)
	applyLines(t, s, trailLog)
	for qid, want := range map[string]string{"3B0C12D4E5F": "1AFA39CA54E", "28A879CA567": "1AFA39CA54E", "1AFA39CA54E": "1AFA39CA54E",
		"4C1D22E3F40": "4C1D22E3F40", "FFFFFFFFFF": "FFFFFFFFFF"} {
		mustTx(t, s, func(tx *Tx) error {
			got, err := tx.FirstQueueID(qid)
			if got != want || err != nil {
				t.Errorf("FirstQueueID(%s) = %s, %v; want %s", qid, got, err, want)
			}
			return nil
		})
	}
}
