package track

import (
	"context"
	"database/sql"
	"errors"
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

// liveMsg is what ApplyRecord needs to know of a live message.
type liveMsg struct {
	id       int64
	nrcpt    int
	expired  bool
	removed  bool
	rejected bool
}

// ApplyRecord updates the messages and recipients tables from one parsed
// log line. It understands KindClient and KindPickup (a message enters the
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
	var err error
	switch r.Kind {
	case postfixlog.KindClient, postfixlog.KindPickup:
		err = t.startMessage(r)
	case postfixlog.KindMessageID:
		err = t.applyMessageID(r)
	case postfixlog.KindQueued:
		err = t.applyQueued(r)
	case postfixlog.KindDelivery:
		err = t.applyDelivery(r)
	case postfixlog.KindExpired:
		err = t.applyExpired(r)
	case postfixlog.KindRemoved:
		err = t.applyRemoved(r)
	case postfixlog.KindNotification:
		err = t.applyNotification(r)
	case postfixlog.KindReject:
		if r.Service != "cleanup" {
			return nil
		}
		err = t.applyRejected(r)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("track: applying %s line of %s: %w", r.Kind, clip(r.QueueID, 64), err)
	}
	return nil
}

// lastSeenSQL moves last_seen forward to ?1 (never back; NULL ?1 keeps it).
const lastSeenSQL = `last_seen = CASE WHEN ?1 IS NULL THEN last_seen WHEN last_seen IS NULL OR last_seen < ?1 THEN ?1 ELSE last_seen END`

// live returns the live message with queue id qid.
func (t *Tx) live(qid string) (liveMsg, bool, error) {
	var m liveMsg
	err := t.queryRow(`SELECT id, nrcpt, expired_at IS NOT NULL FROM messages WHERE queue_id = ? AND removed_at IS NULL`, qid).
		Scan(&m.id, &m.nrcpt, &m.expired)
	if errors.Is(err, sql.ErrNoRows) {
		return liveMsg{}, false, nil
	}
	return m, err == nil, err
}

// latest returns the live message with queue id qid, else the last removed
// one; lines that follow a removal (a notification logged late) belong to it.
func (t *Tx) latest(qid string) (liveMsg, bool, error) {
	var m liveMsg
	err := t.queryRow(`SELECT id, nrcpt, expired_at IS NOT NULL, removed_at IS NOT NULL, rejected_at IS NOT NULL FROM messages WHERE queue_id = ? ORDER BY id DESC LIMIT 1`, qid).
		Scan(&m.id, &m.nrcpt, &m.expired, &m.removed, &m.rejected)
	if errors.Is(err, sql.ErrNoRows) {
		return liveMsg{}, false, nil
	}
	return m, err == nil, err
}

// liveOrNew returns the live message with r's queue id, creating it. A
// message cleanup rejected is no longer live, but the lines that follow
// the rejection (the bounce of a rejected local submission) are its own.
func (t *Tx) liveOrNew(r *postfixlog.Record) (liveMsg, error) {
	m, ok, err := t.latest(r.QueueID)
	if err != nil || (ok && (!m.removed || m.rejected)) {
		return m, err
	}
	return t.insertMessage(r)
}

func (t *Tx) insertMessage(r *postfixlog.Record) (liveMsg, error) {
	ts := dbTime(r.Time)
	res, err := t.exec(`INSERT INTO messages (queue_id, first_seen, last_seen) VALUES (?, ?, ?)`, clip(r.QueueID, maxText), ts, ts)
	if err != nil {
		return liveMsg{}, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return liveMsg{}, err
	}
	return liveMsg{id: id}, t.linkMilter(id, r)
}

func (t *Tx) startMessage(r *postfixlog.Record) error {
	if old, ok, err := t.live(r.QueueID); err != nil {
		return err
	} else if ok {
		if _, err := t.exec(`UPDATE messages SET removed_at = COALESCE(last_seen, first_seen, ?) WHERE id = ?`, dbTime(r.Time), old.id); err != nil {
			return err
		}
		if err := t.updateState(old.id, nil); err != nil {
			return err
		}
	}
	m, err := t.insertMessage(r)
	if err != nil {
		return err
	}
	if r.Kind == postfixlog.KindPickup {
		_, err = t.exec(`UPDATE messages SET origin = ?, sender = ?, client = 'local' WHERE id = ?`, clip(r.Program, maxText), clip(r.From, maxText), m.id)
	} else {
		_, err = t.exec(`UPDATE messages SET origin = ?, client = ?, client_ip = ?, sasl_user = ? WHERE id = ?`,
			clip(r.Program, maxText), clip(r.Client, maxText), clip(r.ClientIP, maxText), clip(r.SASLUser, maxText), m.id)
	}
	return err
}

func (t *Tx) applyMessageID(r *postfixlog.Record) error {
	m, err := t.liveOrNew(r)
	if err != nil {
		return err
	}
	_, err = t.exec(`UPDATE messages SET message_id = ?2, `+lastSeenSQL+` WHERE id = ?3`, dbTime(r.Time), clip(r.MessageID, maxText), m.id)
	return err
}

func (t *Tx) applyQueued(r *postfixlog.Record) error {
	m, err := t.liveOrNew(r)
	if err != nil {
		return err
	}
	// nrcpt keeps the largest count seen: later queue passes may count
	// only the recipients still to do.
	_, err = t.exec(`UPDATE messages SET sender = ?2, size = ?3, nrcpt = max(nrcpt, ?4), `+lastSeenSQL+` WHERE id = ?5`,
		dbTime(r.Time), clip(r.From, maxText), r.Size, r.Nrcpt, m.id)
	if err != nil {
		return err
	}
	return t.updateState(m.id, nil)
}

func (t *Tx) applyDelivery(r *postfixlog.Record) error {
	if r.To == "" {
		return nil
	}
	m, err := t.liveOrNew(r)
	if err != nil {
		return err
	}
	text := r.Detail
	if text == "" {
		text = r.Reply.Text
	}
	ts := dbTime(r.Time)
	addr := clip(r.To, maxText)
	_, err = t.exec(`INSERT INTO recipients (message, address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1, ?9, ?9)
ON CONFLICT (message, address, orig_to) DO UPDATE SET status = excluded.status, dsn = excluded.dsn, relay = excluded.relay,
	reply = excluded.reply, attempts = attempts + 1, updated_at = COALESCE(excluded.updated_at, updated_at)`,
		m.id, addr, clip(r.OrigTo, maxText), domainOf(addr), clip(strings.ToLower(r.Status), 64), clip(r.DSN, 64),
		clip(r.Relay, maxText), clip(text, maxReplyText), ts)
	if err != nil {
		return err
	}
	return t.updateState(m.id, ts)
}

func (t *Tx) applyExpired(r *postfixlog.Record) error {
	m, err := t.liveOrNew(r)
	if err != nil {
		return err
	}
	ts := dbTime(r.Time)
	_, err = t.exec(`UPDATE messages SET expired_at = COALESCE(?1, last_seen, first_seen, '`+zeroTime+`'), sender = COALESCE(sender, ?2), `+lastSeenSQL+` WHERE id = ?3`,
		ts, clip(r.From, maxText), m.id)
	if err != nil {
		return err
	}
	// The recipients still waiting are returned to the sender now.
	if _, err := t.exec(`UPDATE recipients SET status = 'expired', updated_at = COALESCE(?1, updated_at) WHERE message = ?2 AND status IN ('deferred', 'softbounce')`, ts, m.id); err != nil {
		return err
	}
	return t.updateState(m.id, nil)
}

// zeroTime stands in when a removal or expiry has no readable time at all;
// removed_at must not stay NULL, NULL means live.
const zeroTime = "0001-01-01T00:00:00.000000000Z"

func (t *Tx) applyRemoved(r *postfixlog.Record) error {
	m, ok, err := t.live(r.QueueID)
	if err != nil || !ok {
		return err // a removal of a message we never saw tells nothing
	}
	ts := dbTime(r.Time)
	_, err = t.exec(`UPDATE messages SET removed_at = COALESCE(?1, last_seen, first_seen, '`+zeroTime+`'), `+lastSeenSQL+` WHERE id = ?2`, ts, m.id)
	if err != nil {
		return err
	}
	return t.updateState(m.id, nil)
}

func (t *Tx) applyRejected(r *postfixlog.Record) error {
	m, ok, err := t.live(r.QueueID)
	if err != nil || !ok {
		return err
	}
	ts := dbTime(r.Time)
	_, err = t.exec(`UPDATE messages SET rejected_at = COALESCE(?1, last_seen, first_seen, '`+zeroTime+`'),
	removed_at = COALESCE(?1, last_seen, first_seen, '`+zeroTime+`'), sender = COALESCE(sender, ?2), `+lastSeenSQL+` WHERE id = ?3`,
		ts, clip(r.From, maxText), m.id)
	if err != nil {
		return err
	}
	return t.updateState(m.id, nil)
}

func (t *Tx) applyNotification(r *postfixlog.Record) error {
	if r.NotifyQueueID == "" {
		return nil
	}
	m, ok, err := t.latest(r.QueueID)
	if err != nil || !ok {
		return err
	}
	_, err = t.exec(`UPDATE messages SET notice_queue_id = ?2, notice = ?3, `+lastSeenSQL+` WHERE id = ?4`,
		dbTime(r.Time), clip(r.NotifyQueueID, maxText), clip(r.NotifyKind, maxText), m.id)
	return err
}

// rcptCounts counts a message's recipients by the class of their status.
type rcptCounts struct {
	sent, bounced, expired, deferred, other int
}

func (c rcptCounts) final() int { return c.sent + c.bounced + c.expired + c.other }

// add counts one recipient status as Postfix logs it.
func (c *rcptCounts) add(status string, n int) {
	switch strings.ToLower(status) {
	case "sent", "deliverable":
		c.sent += n
	case "bounced", "undeliverable":
		c.bounced += n
	case "expired":
		c.expired += n
	case "deferred", "softbounce":
		c.deferred += n
	default:
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

// updateState recomputes a message's state from its recipients, and moves
// its last_seen forward to ts (a stored time or nil).
func (t *Tx) updateState(id int64, ts any) error {
	rows, err := t.query(`SELECT m.state, m.nrcpt, m.expired_at IS NOT NULL, m.removed_at IS NOT NULL, m.rejected_at IS NOT NULL,
	r.status, count(r.id)
FROM messages m LEFT JOIN recipients r ON r.message = m.id WHERE m.id = ? GROUP BY r.status`, id)
	if err != nil {
		return err
	}
	var old string
	var nrcpt int
	var expired, removed, rejected bool
	var c rcptCounts
	for rows.Next() {
		var st sql.NullString
		var n int
		if err := rows.Scan(&old, &nrcpt, &expired, &removed, &rejected, &st, &n); err != nil {
			rows.Close()
			return err
		}
		if st.Valid {
			c.add(st.String, n)
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	state := string(messageState(c, nrcpt, expired, removed, rejected))
	if state == old && ts == nil {
		return nil
	}
	_, err = t.exec(`UPDATE messages SET state = ?2, `+lastSeenSQL+` WHERE id = ?3`, ts, state, id)
	return err
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
	// Limit keeps the most recently first-seen messages (0: all).
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

// Messages returns the tracked messages f selects, by first-seen time, with
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
	q := `SELECT m.id, m.queue_id, m.sender, m.message_id, origin, client, client_ip, sasl_user, size, m.nrcpt, state,
	first_seen, last_seen, expired_at, rejected_at, removed_at, notice_queue_id, notice, ` + milterColumns + `
FROM messages m LEFT JOIN milter_messages f ON f.message = m.id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY first_seen DESC, m.id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("track: listing messages: %w", err)
	}
	var out []MessageRow
	byID := make(map[int64]int)
	for rows.Next() {
		var m MessageRow
		var sender sql.NullString
		var state string
		var ms milterScan
		err := rows.Scan(append([]any{&m.ID, &m.QueueID, &sender, &m.MessageID, &m.Origin, &m.Client, &m.ClientIP, &m.SASLUser,
			&m.Size, &m.Nrcpt, &state, scanTime(&m.FirstSeen), scanTime(&m.LastSeen), scanTime(&m.ExpiredAt),
			scanTime(&m.RejectedAt), scanTime(&m.RemovedAt), &m.NoticeQueueID, &m.Notice}, ms.dest()...)...)
		if err == nil {
			m.Milter, err = ms.row()
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
	for i := range out {
		byID[out[i].ID] = i
	}
	if err := s.loadRecipients(ctx, out, byID); err != nil {
		return nil, err
	}
	return out, nil
}

// loadRecipients fills in the recipients of msgs, a chunk of ids at a time.
func (s *Store) loadRecipients(ctx context.Context, msgs []MessageRow, byID map[int64]int) error {
	const chunk = 500
	for start := 0; start < len(msgs); start += chunk {
		end := min(start+chunk, len(msgs))
		args := make([]any, 0, end-start)
		for _, m := range msgs[start:end] {
			args = append(args, m.ID)
		}
		q := `SELECT message, address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at
FROM recipients WHERE message IN (?` + strings.Repeat(`, ?`, len(args)-1) + `) ORDER BY message, id`
		rows, err := s.r.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("track: listing recipients: %w", err)
		}
		for rows.Next() {
			var id int64
			var rc RecipientRow
			err := rows.Scan(&id, &rc.Address, &rc.OrigTo, &rc.Domain, &rc.Status, &rc.DSN, &rc.Relay, &rc.Reply,
				&rc.Attempts, scanTime(&rc.FirstSeen), scanTime(&rc.UpdatedAt))
			if err != nil {
				rows.Close()
				return fmt.Errorf("track: listing recipients: %w", err)
			}
			i := byID[id]
			msgs[i].Recipients = append(msgs[i].Recipients, rc)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("track: listing recipients: %w", err)
		}
	}
	return nil
}
