package track

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// MessageState is what became of a tracked message, as far as the log tells.
type MessageState string

const (
	StateQueued    MessageState = "queued"    // in the queue, no final word on every recipient yet
	StateDeferred  MessageState = "deferred"  // at least one recipient is waiting for a retry
	StateDelivered MessageState = "delivered" // every recipient delivered
	StateBounced   MessageState = "bounced"   // nothing delivered, returned to the sender
	StateExpired   MessageState = "expired"   // nothing delivered, gave up after the queue lifetime
	StatePartly    MessageState = "partly"    // some recipients delivered, others bounced or expired
	StateRemoved   MessageState = "removed"   // removed from the queue without a logged delivery (postsuper -d, discard)
	StateRejected  MessageState = "rejected"  // refused by this host's cleanup (milter, header or body checks) before it was queued
)

// Bounds on stored texts. Postfix cuts its own log records at 2000
// characters, so the general bound loses nothing Postfix logs; reply texts
// are cut shorter, the start of a reply names the problem.
const (
	maxText      = 2048
	maxReplyText = 1000
)

// ApplyRecord updates the messages and recipients tables from one parsed
// log line, as it will be when the transaction commits (the tables are
// written then, each changed message once: see queue). It understands
// KindClient and KindPickup (a message enters the
// queue), KindMessageID, KindQueued, KindDelivery, KindExpired, KindRemoved,
// KindNotification and cleanup's KindReject (a milter, header or body check
// refused the whole message, which then never enters the queue), and
// ignores every other kind and lines without a queue id. (smtpd's rejects
// with a queue id refuse one recipient, not the message.)
//
// Postfix reuses queue ids over time, so messages are keyed by an internal
// id and a queue id names the live (not yet removed) message that carries
// it. A client= or pickup line always starts a new message; if a live one
// with the same queue id is still open, its removal was never seen (a lost
// log line) and it is closed at its last-seen time. Other lines for a queue
// id without a live message start one, since the log may begin in the
// middle of a message's life.
func (t *Tx) ApplyRecord(r *postfixlog.Record) error {
	if r == nil || r.QueueID == "" || r.QueueID == "NOQUEUE" {
		return nil
	}
	t.applied = true
	return t.s.Apply(t.ctx, r)
}

// zeroTime stands in when a removal or expiry has no readable time at all;
// removed_at must not stay NULL, NULL means live.
const zeroTime = "0001-01-01T00:00:00.000000000Z"

// rcptCounts counts a message's recipients by the class of their status.
type rcptCounts struct {
	sent, bounced, expired, deferred, other int
}

func (c rcptCounts) final() int { return c.sent + c.bounced + c.expired + c.other }

// add counts one recipient status as Postfix logs it, in any case. The
// statuses stored are lower case already (deliver): they are counted
// without strings.ToLower, which took more than the rest of a message's
// state a line (bench/README.md, catchup12).
func (c *rcptCounts) add(status string, n int) {
	switch status {
	case "sent", "deliverable":
		c.sent += n
	case "bounced", "undeliverable":
		c.bounced += n
	case "expired":
		c.expired += n
	case "deferred", "softbounce":
		c.deferred += n
	default:
		if lower := strings.ToLower(status); lower != status {
			c.add(lower, n)
			return
		}
		c.other += n
	}
}

// messageState is the state a message is in, given its recipients, the
// recipient count qmgr announced, and whether it expired or left the queue.
func messageState(c rcptCounts, nrcpt int, expired, removed, rejected bool) MessageState {
	switch {
	case c.final() == 0 && rejected:
		return StateRejected
	case c.deferred > 0 && !expired:
		return StateDeferred
	case c.final() == 0 && expired:
		return StateExpired
	case c.final() == 0 && removed:
		return StateRemoved
	case c.final() == 0:
		return StateQueued
	case !removed && !expired && c.final() < nrcpt:
		return StateQueued // other recipients are still to be tried
	case c.sent == c.final():
		return StateDelivered
	case c.sent > 0:
		return StatePartly
	case c.expired > 0:
		return StateExpired
	default:
		return StateBounced
	}
}

// clip makes s valid UTF-8 and cuts it to at most max bytes on a character
// boundary.
func clip(s string, max int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// MessageFilter selects messages for Messages.
type MessageFilter struct {
	// Deferred keeps only messages still in the queue with a deferred
	// recipient (rblwatch messages --deferred).
	Deferred bool
	// State keeps only messages in that state ("" for all).
	State MessageState
	// QueueID keeps only messages with that queue id (all its uses).
	QueueID string
	// Since keeps only messages last seen at or after it (zero: no bound).
	Since time.Time
	// Until keeps only messages first seen before it (zero: no bound).
	Until time.Time
	// Sender keeps only messages with that envelope sender (the log's or
	// the milter's; case-insensitive).
	Sender string
	// NullSender keeps only messages from the null sender <> (bounces and
	// other notifications); Sender then does not apply.
	NullSender bool
	// Login keeps only messages submitted with that SASL login, in any case
	// of its ASCII letters (the log's or the milter's).
	Login string
	// Domain keeps only messages with a recipient in that domain
	// (case-insensitive).
	Domain string
	// Incident keeps only messages that incident lists (by queue id, seen
	// while it lasted).
	Incident string
	// QueueIDs keeps only messages with one of these queue ids.
	QueueIDs []string
	// Limit keeps the messages first seen last (0: all).
	Limit int
}

// MessageRow is a tracked message with its recipients.
type MessageRow struct {
	ID         int64 // internal id
	QueueID    string
	From       string // sender; "" is the null sender when FromKnown
	FromKnown  bool   // false until a line named the sender
	MessageID  string
	Origin     string // program that received it: "postfix/smtpd", "postfix/submission/smtpd", "postfix/pickup"
	Client     string // "host[ip]" as logged; "local" for pickup
	ClientIP   string
	SASLUser   string
	Size       int64
	Nrcpt      int
	State      MessageState
	FirstSeen  time.Time
	LastSeen   time.Time
	ExpiredAt  time.Time // zero unless expired
	RejectedAt time.Time // zero unless cleanup rejected it
	RemovedAt  time.Time // zero while in the queue
	// NoticeQueueID is the queue id of the notification Postfix sent the
	// sender about this message (bounce, delay warning), Notice its kind.
	NoticeQueueID string
	Notice        string

	Recipients []RecipientRow
	// Milter is what the milter learned about the message (sender, SASL
	// login, client, track id); nil when it did not see it.
	Milter *MilterRow
}

// RecipientRow is one recipient of a tracked message.
type RecipientRow struct {
	Address   string
	OrigTo    string
	Domain    string
	Status    string // as Postfix logs it: sent, deferred, bounced, … ; expired when the message expired while it waited
	DSN       string
	Relay     string
	Reply     string // last reply or reason, cut to 1000 bytes
	Attempts  int    // delivery lines seen
	FirstSeen time.Time
	UpdatedAt time.Time
}

// Messages returns the tracked messages f selects, in the order their first
// log lines were read (ids ascend with it), with
// their recipients.
func (s *Store) Messages(ctx context.Context, f MessageFilter) ([]MessageRow, error) {
	var where []string
	var args []any
	if f.Deferred {
		where = append(where, `m.state = 'deferred' AND m.removed_at IS NULL`)
	}
	if f.State != "" {
		where = append(where, `m.state = ?`)
		args = append(args, string(f.State))
	}
	if f.QueueID != "" {
		where = append(where, `m.queue_id = ?`)
		args = append(args, f.QueueID)
	}
	if !f.Since.IsZero() {
		where = append(where, `m.last_seen >= ?`)
		args = append(args, dbTime(f.Since))
	}
	if !f.Until.IsZero() {
		where = append(where, `m.first_seen < ?`)
		args = append(args, dbTime(f.Until))
	}
	if f.NullSender {
		where = append(where, `(m.sender = '' OR m.sender IS NULL AND f.sender = '')`)
	} else if f.Sender != "" {
		where = append(where, `(m.sender = ? COLLATE NOCASE OR f.sender = ? COLLATE NOCASE)`)
		args = append(args, f.Sender, f.Sender)
	}
	if f.Login != "" {
		where = append(where, `(m.sasl_user = ? COLLATE NOCASE OR f.auth_user = ? COLLATE NOCASE)`)
		args = append(args, f.Login, f.Login)
	}
	if f.Domain != "" {
		where = append(where, `EXISTS (SELECT 1 FROM json_each(m.rcpts) r WHERE r.value->>2 = ? COLLATE NOCASE)`)
		args = append(args, f.Domain)
	}
	if f.Incident != "" {
		// A queue id the incident lists, while the message was in the
		// queue (queue ids are reused over time).
		// Its messages are rows or packed (evidence.go): they are
		// passed as a JSON array of [queue id, first seen, last seen].
		ims, err := s.incidentMessageSpans(ctx, f.Incident)
		if err != nil {
			return nil, err
		}
		where = append(where, `EXISTS (SELECT 1 FROM json_each(?) j WHERE j.value->>0 = m.queue_id
	AND (j.value->>2 IS NULL OR m.first_seen IS NULL OR m.first_seen <= j.value->>2)
	AND (j.value->>1 IS NULL OR m.last_seen IS NULL OR m.last_seen >= j.value->>1))`)
		args = append(args, ims)
	}
	if len(f.QueueIDs) > 0 {
		where = append(where, `m.queue_id IN (?`+strings.Repeat(`, ?`, len(f.QueueIDs)-1)+`)`)
		for _, q := range f.QueueIDs {
			args = append(args, q)
		}
	}
	q := `SELECT m.id, m.queue_id, m.sender, m.message_id, origin, client, client_ip, sasl_user, size, m.nrcpt, state,
	first_seen, last_seen, expired_at, rejected_at, removed_at, notice_queue_id, notice, m.rcpts, ` + milterColumns + `
FROM messages m LEFT JOIN milter_messages f ON f.message = m.id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	// By id: the order in which their first lines were read.
	q += ` ORDER BY m.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("track: listing messages: %w", err)
	}
	var out []MessageRow
	for rows.Next() {
		var m MessageRow
		var sender sql.NullString
		var state, rcpts string
		var ms milterScan
		err := rows.Scan(append([]any{&m.ID, &m.QueueID, &sender, &m.MessageID, &m.Origin, &m.Client, &m.ClientIP, &m.SASLUser,
			&m.Size, &m.Nrcpt, &state, scanTime(&m.FirstSeen), scanTime(&m.LastSeen), scanTime(&m.ExpiredAt),
			scanTime(&m.RejectedAt), scanTime(&m.RemovedAt), &m.NoticeQueueID, &m.Notice, &rcpts}, ms.dest()...)...)
		if err == nil {
			m.Milter, err = ms.row()
		}
		if err == nil {
			m.Recipients, err = recipientRows(rcpts)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("track: listing messages: %w", err)
		}
		m.From, m.FromKnown, m.State = sender.String, sender.Valid, MessageState(state)
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: listing messages: %w", err)
	}
	// Oldest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// recipientRows reads a message's recipients (the column rcpts).
func recipientRows(rcpts string) ([]RecipientRow, error) {
	rs, err := parseRecipients(rcpts)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	out := make([]RecipientRow, len(rs))
	for i, rc := range rs {
		out[i] = RecipientRow{Address: rc.address, OrigTo: rc.origTo, Domain: rc.domain, Status: rc.status, DSN: rc.dsn,
			Relay: rc.relay, Reply: rc.reply, Attempts: rc.attempts, FirstSeen: rc.firstSeen, UpdatedAt: rc.updatedAt}
	}
	return out, nil
}
