package track

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// Records built by hand, field for field as the parser fills them for the
// genuine lines quoted above each helper (from the harness captures).

// "Nov 23 15:34:05 mx postfix/smtpd[12055]: 97B799862D6: client=localhost[127.0.0.1]"
func client(at time.Time, qid string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/smtpd", Service: "smtpd", QueueID: qid, Kind: postfixlog.KindClient,
		Client: "localhost[127.0.0.1]", ClientHost: "localhost", ClientIP: "127.0.0.1"}
}

// "postfix/pickup[1234]: 5F2A19862D9: uid=1000 from=<alice>"
func pickup(at time.Time, qid, from string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/pickup", Service: "pickup", QueueID: qid, Kind: postfixlog.KindPickup, From: from}
}

// "postfix/cleanup[12057]: 97B799862D6: message-id=<20261123153405.012550@vm>"
func msgid(at time.Time, qid, id string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/cleanup", Service: "cleanup", QueueID: qid, Kind: postfixlog.KindMessageID, MessageID: id}
}

// "postfix/qmgr[12047]: 97B799862D6: from=<sender@origin.test>, size=408, nrcpt=1 (queue active)"
func queued(at time.Time, qid, from string, nrcpt int) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/qmgr", Service: "qmgr", QueueID: qid, Kind: postfixlog.KindQueued, From: from, Size: 408, Nrcpt: nrcpt}
}

// "postfix/smtp[12372]: 97B799862D6: to=<trendmicro@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, …, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.7.1 …)"
func delivery(at time.Time, qid, to, status, dsn, detail string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/smtp", Service: "smtp", QueueID: qid, Kind: postfixlog.KindDelivery,
		To: to, Relay: "127.0.0.1[127.0.0.1]:2526", RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526,
		DSN: dsn, Status: status, Detail: detail}
}

// "postfix/qmgr[12566]: 97B799862D6: from=<sender@origin.test>, status=expired, returned to sender"
func expired(at time.Time, qid, from string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/qmgr", Service: "qmgr", QueueID: qid, Kind: postfixlog.KindExpired, From: from, Status: "expired"}
}

// "postfix/qmgr[12566]: 97B799862D6: removed"
func removed(at time.Time, qid string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/qmgr", Service: "qmgr", QueueID: qid, Kind: postfixlog.KindRemoved}
}

// "postfix/bounce[12576]: 97B799862D6: sender non-delivery notification: 81B479862D8"
func notification(at time.Time, qid, newQID string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/bounce", Service: "bounce", QueueID: qid, Kind: postfixlog.KindNotification,
		NotifyQueueID: newQID, NotifyKind: "sender non-delivery notification"}
}

// "postfix/cleanup[15192]: 5379E986177: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 Rejected by trackmilter; from=<sender@origin.test> to=<ok@remote.test> proto=ESMTP helo=<vm>"
// (and smtpd's per-recipient "QID: reject: RCPT from …" when service is smtpd)
func reject(at time.Time, service, qid string) *postfixlog.Record {
	return &postfixlog.Record{Time: at, Program: "postfix/" + service, Service: service, QueueID: qid, Kind: postfixlog.KindReject,
		From: "sender@origin.test", To: "ok@remote.test", Client: "localhost[127.0.0.1]"}
}

const (
	tmDeferred = "host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Service temporarily unavailable; Client host [127.0.0.1] blocked using Trend Micro Network Anti-Spam Service. (in reply to RCPT TO command)"
	shBounced  = "host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. (in reply to RCPT TO command)"
	okSent     = "250 2.0.0 OK: queued"
)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func apply(t *testing.T, s *Store, recs ...*postfixlog.Record) {
	t.Helper()
	mustTx(t, s, func(tx *Tx) error {
		for _, r := range recs {
			if err := tx.ApplyRecord(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func byQueueID(t *testing.T, s *Store, qid string) []MessageRow {
	t.Helper()
	rows, err := s.Messages(context.Background(), MessageFilter{QueueID: qid})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// rcptSummary renders recipients as "addr=status/dsn/attempts" joined by ",".
func rcptSummary(m MessageRow) string {
	var parts []string
	for _, r := range m.Recipients {
		parts = append(parts, fmt.Sprintf("%s=%s/%s/%d", r.Address, r.Status, r.DSN, r.Attempts))
	}
	return strings.Join(parts, ",")
}

// step applies one record and, when want is set, checks the state of the
// newest message with the record's queue id.
type step struct {
	rec  *postfixlog.Record
	want MessageState
}

func TestApplyRecordSequences(t *testing.T) {
	const q = "97B799862D6"
	tests := []struct {
		name      string
		steps     []step
		wantRcpts string
		wantFrom  string
		removed   bool
		check     func(t *testing.T, m MessageRow)
	}{
		{
			name: "delivered",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{msgid(sec(0), q, "20261123153346.012054@vm"), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 1), StateQueued},
				{delivery(sec(1), q, "ok@remote.test", "sent", "2.0.0", okSent), StateDelivered},
				{removed(sec(1), q), StateDelivered},
			},
			wantRcpts: "ok@remote.test=sent/2.0.0/1",
			wantFrom:  "sender@origin.test",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				if m.MessageID != "20261123153346.012054@vm" || m.Client != "localhost[127.0.0.1]" || m.ClientIP != "127.0.0.1" ||
					m.Origin != "postfix/smtpd" || m.Size != 408 || m.Nrcpt != 1 {
					t.Errorf("message fields %+v", m)
				}
				if !m.FirstSeen.Equal(sec(0)) || !m.LastSeen.Equal(sec(1)) || !m.RemovedAt.Equal(sec(1)) {
					t.Errorf("times first %v last %v removed %v", m.FirstSeen, m.LastSeen, m.RemovedAt)
				}
				r := m.Recipients[0]
				if r.Domain != "remote.test" || r.Relay != "127.0.0.1[127.0.0.1]:2526" || r.Reply != okSent ||
					!r.FirstSeen.Equal(sec(1)) || !r.UpdatedAt.Equal(sec(1)) {
					t.Errorf("recipient %+v", r)
				}
			},
		},
		{
			name: "deferred then delivered",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 1), StateQueued},
				{delivery(sec(1), q, "tm@remote.test", "deferred", "4.7.1", tmDeferred), StateDeferred},
				{queued(sec(300), q, "sender@origin.test", 1), StateDeferred},
				{delivery(sec(301), q, "tm@remote.test", "deferred", "4.7.1", tmDeferred), StateDeferred},
				{queued(sec(900), q, "sender@origin.test", 1), StateDeferred},
				{delivery(sec(901), q, "tm@remote.test", "sent", "2.0.0", okSent), StateDelivered},
				{removed(sec(901), q), StateDelivered},
			},
			wantRcpts: "tm@remote.test=sent/2.0.0/3",
			wantFrom:  "sender@origin.test",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				r := m.Recipients[0]
				if r.Reply != okSent || !r.FirstSeen.Equal(sec(1)) || !r.UpdatedAt.Equal(sec(901)) {
					t.Errorf("recipient %+v: want the last reply and the first and last times", r)
				}
			},
		},
		{
			name: "bounced with a notification",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 1), StateQueued},
				{delivery(sec(0), q, "spamhaus@remote.test", "bounced", "5.7.1", shBounced), StateBounced},
				{notification(sec(0), q, "464ED986276"), StateBounced},
				{removed(sec(0), q), StateBounced},
			},
			wantRcpts: "spamhaus@remote.test=bounced/5.7.1/1",
			wantFrom:  "sender@origin.test",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				if m.NoticeQueueID != "464ED986276" || m.Notice != "sender non-delivery notification" {
					t.Errorf("notice %q %q", m.NoticeQueueID, m.Notice)
				}
			},
		},
		{
			name: "expired",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 1), StateQueued},
				{delivery(sec(0), q, "tm@remote.test", "deferred", "4.7.1", tmDeferred), StateDeferred},
				{queued(sec(4), q, "sender@origin.test", 1), StateDeferred},
				{delivery(sec(4), q, "tm@remote.test", "deferred", "4.7.1", tmDeferred), StateDeferred},
				{expired(sec(4), q, "sender@origin.test"), StateExpired},
				{notification(sec(4), q, "81B479862D8"), StateExpired},
				{removed(sec(4), q), StateExpired},
			},
			wantRcpts: "tm@remote.test=expired/4.7.1/2",
			wantFrom:  "sender@origin.test",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				if !m.ExpiredAt.Equal(sec(4)) || m.NoticeQueueID != "81B479862D8" {
					t.Errorf("expired at %v, notice %q", m.ExpiredAt, m.NoticeQueueID)
				}
				if r := m.Recipients[0]; r.Reply != tmDeferred {
					t.Errorf("expiry lost the last reply: %q", r.Reply)
				}
			},
		},
		{
			name: "partly: one sent, one bounced, one expired",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 3), StateQueued},
				{delivery(sec(0), q, "spamhaus@remote.test", "bounced", "5.7.1", shBounced), StateQueued}, // two still to try
				{delivery(sec(0), q, "tm@remote.test", "deferred", "4.7.1", tmDeferred), StateDeferred},
				{delivery(sec(0), q, "ok2@remote.test", "sent", "2.0.0", okSent), StateDeferred},
				{expired(sec(9), q, "sender@origin.test"), StatePartly},
				{removed(sec(9), q), StatePartly},
			},
			wantRcpts: "spamhaus@remote.test=bounced/5.7.1/1,tm@remote.test=expired/4.7.1/1,ok2@remote.test=sent/2.0.0/1",
			wantFrom:  "sender@origin.test",
			removed:   true,
		},
		{
			name: "mixed sent and bounced, still queued until every recipient is known",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 2), StateQueued},
				{delivery(sec(0), q, "ok@remote.test", "sent", "2.0.0", okSent), StateQueued},
				{delivery(sec(0), q, "spamhaus@remote.test", "bounced", "5.7.1", shBounced), StatePartly},
				{removed(sec(0), q), StatePartly},
			},
			wantRcpts: "ok@remote.test=sent/2.0.0/1,spamhaus@remote.test=bounced/5.7.1/1",
			wantFrom:  "sender@origin.test",
			removed:   true,
		},
		{
			name: "pickup from a local user",
			steps: []step{
				{pickup(sec(0), q, "alice"), StateQueued},
				{queued(sec(0), q, "alice@mx.example", 1), StateQueued},
				{delivery(sec(0), q, "bob@example.org", "sent", "2.0.0", okSent), StateDelivered},
			},
			wantRcpts: "bob@example.org=sent/2.0.0/1",
			wantFrom:  "alice@mx.example",
			check: func(t *testing.T, m MessageRow) {
				if m.Origin != "postfix/pickup" || m.Client != "local" {
					t.Errorf("origin %q client %q", m.Origin, m.Client)
				}
			},
		},
		{
			name: "removed without any delivery",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 1), StateQueued},
				{removed(sec(1), q), StateRemoved},
			},
			wantFrom: "sender@origin.test",
			removed:  true,
		},
		{
			name: "rejected by a milter at the end of DATA",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{msgid(sec(0), q, "20261123153755.015188@vm"), StateQueued},
				{reject(sec(1), "cleanup", q), StateRejected},
			},
			wantFrom: "sender@origin.test",
			removed:  true,
			check: func(t *testing.T, m MessageRow) {
				if !m.RejectedAt.Equal(sec(1)) || !m.RemovedAt.Equal(sec(1)) {
					t.Errorf("rejected at %v, removed at %v", m.RejectedAt, m.RemovedAt)
				}
			},
		},
		{
			name: "local submission rejected by a milter bounces",
			steps: []step{
				{pickup(sec(0), q, "sender@origin.test"), StateQueued},
				{reject(sec(0), "cleanup", q), StateRejected},
				{delivery(sec(0), q, "ok@remote.test", "bounced", "5.7.1", "Rejected by trackmilter"), StateBounced},
				{notification(sec(0), q, "5BD3098617A"), StateBounced},
			},
			wantRcpts: "ok@remote.test=bounced/5.7.1/1",
			wantFrom:  "sender@origin.test",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				if m.NoticeQueueID != "5BD3098617A" {
					t.Errorf("notice %q", m.NoticeQueueID)
				}
			},
		},
		{
			name: "smtpd refusing one recipient leaves the message alone",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{reject(sec(0), "smtpd", q), StateQueued},
				{queued(sec(1), q, "sender@origin.test", 1), StateQueued},
				{delivery(sec(1), q, "ok@remote.test", "sent", "2.0.0", okSent), StateDelivered},
			},
			wantRcpts: "ok@remote.test=sent/2.0.0/1",
			wantFrom:  "sender@origin.test",
		},
		{
			name: "the log starts in the middle of a message",
			steps: []step{
				{delivery(sec(5), q, "tm@remote.test", "deferred", "4.7.1", tmDeferred), StateDeferred},
				{removed(sec(6), q), StateDeferred},
			},
			wantRcpts: "tm@remote.test=deferred/4.7.1/1",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				if m.FromKnown {
					t.Errorf("sender known without a line naming it: %q", m.From)
				}
			},
		},
		{
			name: "bounce notice from the null sender",
			steps: []step{
				{msgid(sec(0), q, "20261123153409.81B479862D8@mx.bench.test"), StateQueued},
				{queued(sec(0), q, "", 1), StateQueued},
				{delivery(sec(0), q, "sender@origin.test", "sent", "2.0.0", okSent), StateDelivered},
				{removed(sec(0), q), StateDelivered},
			},
			wantRcpts: "sender@origin.test=sent/2.0.0/1",
			wantFrom:  "",
			removed:   true,
			check: func(t *testing.T, m MessageRow) {
				if !m.FromKnown {
					t.Error("null sender not recorded as known")
				}
			},
		},
		{
			name: "soft bounce",
			steps: []step{
				{client(sec(0), q), StateQueued},
				{queued(sec(0), q, "sender@origin.test", 1), StateQueued},
				{delivery(sec(0), q, "x@remote.test", "SOFTBOUNCE", "5.1.1", "host said: 550 5.1.1 no such user"), StateDeferred},
			},
			wantRcpts: "x@remote.test=softbounce/5.1.1/1",
			wantFrom:  "sender@origin.test",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t)
			for i, st := range tt.steps {
				apply(t, s, st.rec)
				if st.want == "" {
					continue
				}
				rows := byQueueID(t, s, q)
				if len(rows) != 1 {
					t.Fatalf("step %d: %d messages, want 1", i, len(rows))
				}
				if rows[0].State != st.want {
					t.Errorf("step %d (%s): state %s, want %s", i, st.rec.Kind, rows[0].State, st.want)
				}
			}
			m := byQueueID(t, s, q)[0]
			if got := rcptSummary(m); got != tt.wantRcpts {
				t.Errorf("recipients %s\nwant       %s", got, tt.wantRcpts)
			}
			if tt.wantFrom != "" && (m.From != tt.wantFrom || !m.FromKnown) {
				t.Errorf("from %q (known %v), want %q", m.From, m.FromKnown, tt.wantFrom)
			}
			if m.RemovedAt.IsZero() == tt.removed {
				t.Errorf("removed at %v, want removed %v", m.RemovedAt, tt.removed)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func TestReusedQueueID(t *testing.T) {
	s := openTest(t)
	const q = "43C4B986274"
	// First use: delivered and removed.
	apply(t, s,
		client(sec(0), q), msgid(sec(0), q, "first@vm"), queued(sec(0), q, "a@origin.test", 1),
		delivery(sec(1), q, "ok@remote.test", "sent", "2.0.0", okSent), removed(sec(1), q))
	// Second use, hours later: bounced.
	apply(t, s,
		client(sec(7200), q), msgid(sec(7200), q, "second@vm"), queued(sec(7200), q, "b@origin.test", 1),
		delivery(sec(7201), q, "spamhaus@remote.test", "bounced", "5.7.1", shBounced))
	// Third use whose predecessor's "removed" line was lost.
	apply(t, s, client(sec(9000), q), msgid(sec(9000), q, "third@vm"), queued(sec(9000), q, "c@origin.test", 1))
	// A late notification for the third message.
	apply(t, s, removed(sec(9001), q), notification(sec(9002), q, "AAAA"))

	rows := byQueueID(t, s, q)
	if len(rows) != 3 {
		t.Fatalf("%d messages with queue id %s, want 3", len(rows), q)
	}
	want := []struct {
		msgid, from, rcpts string
		state              MessageState
		removedAt          time.Time
		notice             string
	}{
		{"first@vm", "a@origin.test", "ok@remote.test=sent/2.0.0/1", StateDelivered, sec(1), ""},
		{"second@vm", "b@origin.test", "spamhaus@remote.test=bounced/5.7.1/1", StateBounced, sec(7201), ""}, // closed at its last-seen time
		{"third@vm", "c@origin.test", "", StateRemoved, sec(9001), "AAAA"},
	}
	for i, w := range want {
		m := rows[i]
		if m.MessageID != w.msgid || m.From != w.from || rcptSummary(m) != w.rcpts || m.State != w.state ||
			!m.RemovedAt.Equal(w.removedAt) || m.NoticeQueueID != w.notice {
			t.Errorf("message %d: %s from %s rcpts %q state %s removed %v notice %q; want %+v",
				i, m.MessageID, m.From, rcptSummary(m), m.State, m.RemovedAt, m.NoticeQueueID, w)
		}
	}
}

func TestApplyRecordIgnores(t *testing.T) {
	s := openTest(t)
	apply(t, s,
		nil,
		&postfixlog.Record{Kind: postfixlog.KindReject, QueueID: "NOQUEUE", From: "x@example.org"},
		&postfixlog.Record{Kind: postfixlog.KindDelivery, QueueID: "", To: "x@example.org", Status: "sent"},
		&postfixlog.Record{Kind: postfixlog.KindOther, QueueID: "ABC"},
		&postfixlog.Record{Kind: postfixlog.KindWarning, QueueID: "ABC"},
		&postfixlog.Record{Kind: postfixlog.KindUnknown, QueueID: "ABC"},
		removed(sec(0), "NEVERSEEN"),                                                      // removal of an unknown message
		notification(sec(0), "NEVERSEEN2", "BBBB"),                                        // notification for an unknown message
		&postfixlog.Record{Kind: postfixlog.KindDelivery, QueueID: "ABC", Status: "sent"}, // no recipient
	)
	rows, err := s.Messages(context.Background(), MessageFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Errorf("%d messages from lines that carry none: %+v", len(rows), rows)
	}
}

func TestApplyRecordHostileText(t *testing.T) {
	s := openTest(t)
	const q = "ABCDEF"
	long := strings.Repeat("x", 5000)
	bad := "550 \xff\xfe bad\r\nBcc: victim@example.org\r\n<script>" + long
	apply(t, s,
		client(sec(0), q),
		msgid(sec(0), q, "id\xff@"+long),
		queued(sec(0), q, "s\x00nder@origin.test", 1),
		delivery(sec(1), q, "r@remote.test", "bounced", "5.7.1", bad),
	)
	m := byQueueID(t, s, q)[0]
	r := m.Recipients[0]
	if len(r.Reply) > maxReplyText || !strings.HasPrefix(r.Reply, "550 \uFFFD bad\r\nBcc: victim@example.org\r\n<script>xxx") {
		t.Errorf("reply of %d bytes: %.80q", len(r.Reply), r.Reply)
	}
	if len(m.MessageID) > maxText || !strings.HasPrefix(m.MessageID, "id\uFFFD@xxx") {
		t.Errorf("message-id of %d bytes: %.40q", len(m.MessageID), m.MessageID)
	}
	if m.From != "s\x00nder@origin.test" {
		t.Errorf("sender %q: NUL lost", m.From)
	}
}

func TestMessagesFilter(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	apply(t, s,
		client(sec(0), "A"), queued(sec(0), "A", "s@o.test", 1), delivery(sec(0), "A", "x@r.test", "deferred", "4.7.1", tmDeferred),
		client(sec(10), "B"), queued(sec(10), "B", "s@o.test", 1), delivery(sec(10), "B", "x@r.test", "sent", "2.0.0", okSent), removed(sec(10), "B"),
		client(sec(20), "C"), queued(sec(20), "C", "s@o.test", 1), delivery(sec(20), "C", "y@r.test", "deferred", "4.7.1", tmDeferred),
		client(sec(30), "D"), queued(sec(30), "D", "s@o.test", 1), delivery(sec(30), "D", "z@r.test", "deferred", "4.7.1", tmDeferred), removed(sec(31), "D"),
	)
	qids := func(f MessageFilter) string {
		t.Helper()
		rows, err := s.Messages(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var l []string
		for _, m := range rows {
			l = append(l, m.QueueID)
		}
		return strings.Join(l, ",")
	}
	for _, tt := range []struct {
		name string
		f    MessageFilter
		want string
	}{
		{"all", MessageFilter{}, "A,B,C,D"},
		{"deferred: still queued only", MessageFilter{Deferred: true}, "A,C"},
		{"state", MessageFilter{State: StateDelivered}, "B"},
		{"limit keeps the newest, oldest first", MessageFilter{Limit: 2}, "C,D"},
		{"since", MessageFilter{Since: sec(15)}, "C,D"},
		{"combined", MessageFilter{Deferred: true, Limit: 1}, "C"},
	} {
		if got := qids(tt.f); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestMessageState(t *testing.T) {
	tests := []struct {
		c                          rcptCounts
		nrcpt                      int
		expired, removed, rejected bool
		want                       MessageState
	}{
		{rcptCounts{}, 1, false, false, false, StateQueued},
		{rcptCounts{}, 1, false, true, false, StateRemoved},
		{rcptCounts{}, 1, true, true, false, StateExpired},
		{rcptCounts{deferred: 1}, 1, false, false, false, StateDeferred},
		{rcptCounts{deferred: 1, sent: 2}, 3, false, false, false, StateDeferred},
		{rcptCounts{sent: 1}, 2, false, false, false, StateQueued},
		{rcptCounts{sent: 1}, 2, false, true, false, StateDelivered}, // removed: the other recipient was a duplicate
		{rcptCounts{sent: 2}, 2, false, false, false, StateDelivered},
		{rcptCounts{bounced: 2}, 2, false, false, false, StateBounced},
		{rcptCounts{expired: 1}, 1, true, false, false, StateExpired},
		{rcptCounts{expired: 1, bounced: 1}, 2, true, true, false, StateExpired},
		{rcptCounts{expired: 1, sent: 1}, 2, true, true, false, StatePartly},
		{rcptCounts{bounced: 1, sent: 1}, 2, false, false, false, StatePartly},
		{rcptCounts{other: 1}, 1, false, true, false, StateBounced},
		{rcptCounts{}, 1, false, true, true, StateRejected},
		{rcptCounts{bounced: 1}, 1, false, true, true, StateBounced}, // a rejected local submission bounces
	}
	for _, tt := range tests {
		if got := messageState(tt.c, tt.nrcpt, tt.expired, tt.removed, tt.rejected); got != tt.want {
			t.Errorf("messageState(%+v, nrcpt %d, expired %v, removed %v, rejected %v) = %s, want %s", tt.c, tt.nrcpt, tt.expired, tt.removed, tt.rejected, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"aé", 2, "a"}, // é is two bytes: never cut inside it
		{"a\xffb", 10, "a\uFFFDb"},
		{"日本語", 7, "日本"},
	} {
		if got := clip(tt.in, tt.max); got != tt.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// TestWritesAreTakenWhole: what Store.Writes takes is the rows as they
// were then. The daemon applies the next batch's records while the store's
// writer writes the last batch's rows, so records applied after the take
// (a recipient's new status, a removal) must not reach the rows it writes.
func TestWritesAreTakenWhole(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for _, r := range []*postfixlog.Record{client(sec(0), "AAA"), queued(sec(1), "AAA", "s@origin.test", 1),
		delivery(sec(2), "AAA", "rcpt@remote.test", "deferred", "4.7.1", tmDeferred)} {
		if err := s.Apply(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	w := s.Writes()
	for _, r := range []*postfixlog.Record{delivery(sec(3), "AAA", "rcpt@remote.test", "sent", "2.0.0", okSent), removed(sec(4), "AAA")} {
		if err := s.Apply(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	mustTx(t, s, func(tx *Tx) error { return tx.Write(w) })
	rows := byQueueID(t, s, "AAA")
	if len(rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rows))
	}
	m := rows[0]
	if got, want := rcptSummary(m), "rcpt@remote.test=deferred/4.7.1/1"; got != want || m.State != StateDeferred || !m.RemovedAt.IsZero() || !m.LastSeen.Equal(sec(2)) {
		t.Errorf("written: %s, state %s, removed %v, last seen %v; want %s, deferred, not removed, %v (as taken)",
			got, m.State, m.RemovedAt, m.LastSeen, want, sec(2))
	}
	mustTx(t, s, func(tx *Tx) error { return tx.Write(s.Writes()) })
	if m := byQueueID(t, s, "AAA")[0]; rcptSummary(m) != "rcpt@remote.test=sent/2.0.0/2" || m.State != StateDelivered || !m.RemovedAt.Equal(sec(4)) {
		t.Errorf("the next take wrote %s, state %s, removed %v", rcptSummary(m), m.State, m.RemovedAt)
	}
}

// TestWritesRecycled: the list of values of a Writes written is used again
// by a later take, never the list of one taken and not written yet (the
// daemon has one committing and one waiting), and each row is written as
// it was taken.
func TestWritesRecycled(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	apply := func(recs ...*postfixlog.Record) *Writes {
		t.Helper()
		for _, r := range recs {
			if err := s.Apply(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		return s.Writes()
	}
	w1 := apply(client(sec(0), "AAA"), queued(sec(1), "AAA", "a@origin.test", 1),
		delivery(sec(2), "AAA", "rcpt@remote.test", "deferred", "4.7.1", tmDeferred))
	w2 := apply(client(sec(3), "BBB"), queued(sec(4), "BBB", "b@origin.test", 1),
		delivery(sec(5), "BBB", "rcpt@remote.test", "sent", "2.0.0", okSent), removed(sec(6), "BBB"))
	if &w1.msgs[0] == &w2.msgs[0] {
		t.Fatal("two Writes taken share their values")
	}
	list := &w2.msgs[0]
	mustTx(t, s, func(tx *Tx) error { return tx.Write(w2) })
	if !w2.Empty() {
		t.Error("a Writes written still holds its rows")
	}
	w3 := apply(client(sec(7), "CCC"), queued(sec(8), "CCC", "c@origin.test", 1),
		delivery(sec(9), "CCC", "other@remote.test", "bounced", "5.7.1", "550 5.7.1 no"), removed(sec(10), "CCC"))
	if &w3.msgs[0] != list {
		t.Error("the next take did not use the written Writes' list again")
	}
	mustTx(t, s, func(tx *Tx) error { return tx.Write(w1) })
	mustTx(t, s, func(tx *Tx) error { return tx.Write(w3) })
	for qid, want := range map[string]string{
		"AAA": "a@origin.test deferred rcpt@remote.test=deferred/4.7.1/1",
		"BBB": "b@origin.test delivered rcpt@remote.test=sent/2.0.0/1",
		"CCC": "c@origin.test bounced other@remote.test=bounced/5.7.1/1",
	} {
		rows := byQueueID(t, s, qid)
		if len(rows) != 1 {
			t.Fatalf("%s: %d rows, want 1", qid, len(rows))
		}
		if got := rows[0].From + " " + string(rows[0].State) + " " + rcptSummary(rows[0]); got != want {
			t.Errorf("%s written as %q, want %q", qid, got, want)
		}
	}
}

// TestRowTimes: the five times of a message row are stored as each is,
// equal ones sharing a string (appendArgs), the unknown removal and
// rejection times as zeroTime, and a time not set as NULL.
func TestRowTimes(t *testing.T) {
	a, b, c := t0, t0.Add(time.Second), t0.Add(time.Minute)
	for _, tc := range []struct {
		name string
		m    qmsg
	}{
		{"one time", qmsg{firstSeen: a, lastSeen: a, removedAt: a, removed: true}},
		{"all different", qmsg{firstSeen: a, lastSeen: b, removedAt: c, removed: true, expiredAt: a.Add(time.Hour)}},
		{"live", qmsg{firstSeen: a, lastSeen: b}},
		{"removed at an unknown time", qmsg{removed: true}},
		{"removed at an unknown time, last seen", qmsg{firstSeen: a, lastSeen: a, removed: true}},
		{"rejected at an unknown time", qmsg{removed: true, rejectedAt: zeroAt}},
		{"rejected when removed", qmsg{firstSeen: a, lastSeen: b, removedAt: b, removed: true, rejectedAt: b}},
		{"rejected before removed", qmsg{firstSeen: a, lastSeen: c, removedAt: c, removed: true, rejectedAt: b}},
		{"expired at the last sighting", qmsg{firstSeen: a, lastSeen: b, expiredAt: b}},
		{"expired, no times", qmsg{expiredAt: c}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, _ := tc.m.appendArgs(nil, nil)
			m := &tc.m
			// What each column holds: the time as dbTime stores it, or
			// the stand-in for an unknown one.
			want := map[string]any{"first_seen": dbTime(m.firstSeen), "last_seen": dbTime(m.lastSeen), "expired_at": dbTime(m.expiredAt),
				"rejected_at": dbTime(m.rejectedAt), "removed_at": dbTime(m.removedAt)}
			if m.removed && m.removedAt.IsZero() {
				want["removed_at"] = zeroTime
			}
			if m.rejectedAt.Equal(zeroAt) {
				want["rejected_at"] = zeroTime
			}
			for i, col := range strings.Split(messageColumns, ", ") {
				if w, ok := want[col]; ok && args[i] != w {
					t.Errorf("%s = %v, want %v", col, args[i], w)
				}
			}
		})
	}
}

// TestRcptCountsAdd: a status counts in its class in any case (a state
// stored by an older rblwatch, a log that capitalises).
func TestRcptCountsAdd(t *testing.T) {
	for _, tc := range []struct {
		status string
		want   rcptCounts
	}{
		{"sent", rcptCounts{sent: 2}},
		{"SENT", rcptCounts{sent: 2}},
		{"Deliverable", rcptCounts{sent: 2}},
		{"bounced", rcptCounts{bounced: 2}},
		{"UNDELIVERABLE", rcptCounts{bounced: 2}},
		{"expired", rcptCounts{expired: 2}},
		{"Expired", rcptCounts{expired: 2}},
		{"deferred", rcptCounts{deferred: 2}},
		{"SoftBounce", rcptCounts{deferred: 2}},
		{"", rcptCounts{other: 2}},
		{"Relayed", rcptCounts{other: 2}},
		{"sent ", rcptCounts{other: 2}},
	} {
		var c rcptCounts
		c.add(tc.status, 2)
		if c != tc.want {
			t.Errorf("add(%q) = %+v, want %+v", tc.status, c, tc.want)
		}
	}
}

// TestLiveMessagesBounded: a log whose qmgr "removed" lines never come
// kept every message it named live in the store's memory; now past
// incident.MaxQueueIDs live messages the least recently seen are closed
// at their last-seen time (as a stale one is), counted in Evicted, and a
// later line of such a queue id starts another message. With the
// removals, the removed messages kept for late lines are bounded alike.
func TestLiveMessagesBounded(t *testing.T) {
	n := incident.MaxQueueIDs + 1000
	qid := func(i int) string { return fmt.Sprintf("%011X", 0x1000000+i) }
	for _, removals := range []bool{false, true} {
		t.Run(fmt.Sprintf("removals %v", removals), func(t *testing.T) {
			s := openTest(t)
			var recs []*postfixlog.Record
			for i := range n {
				recs = append(recs, queued(sec(i/100), qid(i), "a@origin.test", 1))
				if removals {
					recs = append(recs, removed(sec(i/100), qid(i)))
				}
			}
			apply(t, s, recs...)
			apply(t, s, delivery(sec(n/100+1), qid(0), "ok@remote.test", "sent", "2.0.0", okSent))
			s.qmu.Lock()
			live, gone := len(s.queue.live), len(s.queue.gone)
			s.qmu.Unlock()
			if live > incident.MaxQueueIDs || gone > incident.MaxQueueIDs {
				t.Errorf("%d live and %d removed messages in memory, want at most %d each", live, gone, incident.MaxQueueIDs)
			}
			if ev := s.Evicted(); removals != (ev == 0) || !removals && (ev < 1000 || ev > int64(n-incident.MaxQueueIDs/2)) {
				t.Errorf("%d live messages closed past the cap, want about %d (removals: %v)", ev, n-incident.MaxQueueIDs, removals)
			}
			if removals {
				return
			}
			rows := byQueueID(t, s, qid(0))
			if len(rows) != 2 || !rows[0].RemovedAt.Equal(sec(0)) || !rows[1].RemovedAt.IsZero() || rcptSummary(rows[1]) != "ok@remote.test=sent/2.0.0/1" {
				t.Errorf("queue id %s: %+v; want one closed at %v and a new one delivered", qid(0), rows, sec(0))
			}
		})
	}
}
