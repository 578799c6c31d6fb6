package track

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// milterWindow is how far apart the milter's time of a message and the
// first log line of a messages row may be for the two to be the same
// message. A message's first log line (smtpd's client=, pickup's from=)
// comes within seconds of the milter's end of message; the window is wide
// for clocks and time zones, and Postfix reuses a queue id only after the
// old message left the queue and by chance (the id holds the file's inode
// and the microseconds of its creation).
const milterWindow = 24 * time.Hour

// maxMilterRecipients is the most envelope recipients stored with the
// milter's facts (the recipients table has every one that was delivered
// to or tried).
const maxMilterRecipients = 100

// MilterRow is what the milter learned about a tracked message.
type MilterRow struct {
	TrackID    string    // the X-Rblwatch-Track header's value ("" when it could not be added)
	SeenAt     time.Time // end of the message, by the milter's clock
	Sender     string    // envelope sender; "" is the null sender
	Recipients []string  // envelope recipients, the first 100
	Nrcpt      int       // envelope recipients, all of them
	AuthUser   string    // SASL login
	AuthType   string    // SASL mechanism
	ClientName string
	ClientAddr string
	ClientPort int
	Helo       string
	MessageID  string
}

// ApplyMilter stores what the milter learned about a message and links it
// to the message's row (same queue id, first seen within a day of the
// milter's time) when the log already showed the message; otherwise the
// facts wait, and the log line that starts the message links them
// (ApplyRecord). The milter usually reports a message before its first
// log line reaches the daemon, but a slow store may reverse that. Facts
// without a queue id cannot be linked and are not stored.
func (t *Tx) ApplyMilter(m *milter.Message) error {
	if m == nil || m.QueueID == "" {
		return nil
	}
	if !postfixlog.ValidQueueID(m.QueueID) {
		return fmt.Errorf("%w: milter facts with queue id %q", ErrInvalid, clip(m.QueueID, 64))
	}
	if m.Time.IsZero() {
		return fmt.Errorf("%w: milter facts of %s without a time", ErrInvalid, m.QueueID)
	}
	rcpts := m.Recipients
	if len(rcpts) > maxMilterRecipients {
		rcpts = rcpts[:maxMilterRecipients]
	}
	clipped := make([]string, len(rcpts))
	for i, r := range rcpts {
		clipped[i] = clip(r, maxText)
	}
	rj, err := json.Marshal(clipped)
	if err != nil {
		return fmt.Errorf("track: milter facts of %s: %w", m.QueueID, err)
	}
	link, err := t.milterTarget(m.QueueID, m.Time)
	if err != nil {
		return fmt.Errorf("track: milter facts of %s: %w", m.QueueID, err)
	}
	_, err = t.exec(`INSERT INTO milter_messages (message, queue_id, track_id, seen_at, sender, recipients, nrcpt,
	auth_user, auth_type, client_name, client_addr, client_port, helo, message_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		link, m.QueueID, clip(m.TrackID, maxText), dbTime(m.Time), clip(m.Sender, maxText), string(rj), m.Nrcpt,
		clip(m.AuthUser, maxText), clip(m.AuthType, maxText), clip(m.Client.Name, maxText), clip(m.Client.Addr, maxText),
		m.Client.Port, clip(m.Client.Helo, maxText), clip(m.MessageID, maxText))
	if err != nil {
		return fmt.Errorf("track: milter facts of %s: %w", m.QueueID, err)
	}
	return nil
}

// milterTarget returns the id of the messages row the milter's facts of
// queue id qid at time at belong to, or nil: the newest message with that
// queue id, when its row is written, has no milter facts yet and was first
// seen within the window. The newest message is the store's picture of the
// queue (live, or removed within the last hour of log): the messages table
// has no index by queue id (it cost every message a random write). Facts
// that come later than that stay unlinked, and a row not written yet links
// them itself when it is (linkMilter).
func (t *Tx) milterTarget(qid string, at time.Time) (any, error) {
	id, err := t.s.newestMessage(t.ctx, qid)
	if err != nil || id == 0 {
		return nil, err
	}
	var first time.Time
	var linked bool
	err = t.queryRow(`SELECT m.first_seen, EXISTS (SELECT 1 FROM milter_messages f WHERE f.message = m.id)
FROM messages m WHERE m.id = ?`, id).Scan(scanTime(&first), &linked)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, err
	case linked || !first.IsZero() && (first.Before(at.Add(-milterWindow)) || first.After(at.Add(milterWindow))):
		return nil, nil
	}
	return id, nil
}

// linkMilter attaches waiting milter facts to a message just started by a
// log record: the newest facts of its queue id seen within the window.
func (t *Tx) linkMilter(msg int64, r *postfixlog.Record) error {
	if r.Time.IsZero() {
		_, err := t.exec(linkMilterAnyTime, msg, r.QueueID)
		return err
	}
	_, err := t.exec(linkMilterInWindow, msg, r.QueueID, dbTime(r.Time.Add(-milterWindow)), dbTime(r.Time.Add(milterWindow)))
	return err
}

// The statements of linkMilter. INDEXED BY: without it SQLite looked for
// the facts through the unique index on message (message IS NULL), which
// reads every unlinked fact there is — facts whose message the log never
// showed pile up until the prune — for each message that starts
// (BenchmarkApplyMilter: 0.8 ms a log record at 5,000 unlinked facts).
const (
	linkMilterSelect   = `UPDATE milter_messages SET message = ?1 WHERE id = (SELECT id FROM milter_messages INDEXED BY milter_messages_pending WHERE queue_id = ?2 AND message IS NULL`
	linkMilterAnyTime  = linkMilterSelect + ` ORDER BY id DESC LIMIT 1)`
	linkMilterInWindow = linkMilterSelect + ` AND seen_at >= ?3 AND seen_at <= ?4 ORDER BY id DESC LIMIT 1)`
)

// milterColumns are the milter facts Messages reads, from the table
// aliased f.
const milterColumns = `f.id, f.track_id, f.seen_at, f.sender, f.recipients, f.nrcpt, f.auth_user, f.auth_type,
	f.client_name, f.client_addr, f.client_port, f.helo, f.message_id`

// milterScan scans milterColumns of a LEFT JOIN into a *MilterRow,
// leaving it nil when the message has none.
type milterScan struct {
	id                                                         sql.NullInt64
	trackID, sender, rcpts, user, typ, name, addr, helo, msgID sql.NullString
	seen                                                       sql.NullString
	nrcpt, port                                                sql.NullInt64
}

func (s *milterScan) dest() []any {
	return []any{&s.id, &s.trackID, &s.seen, &s.sender, &s.rcpts, &s.nrcpt, &s.user, &s.typ,
		&s.name, &s.addr, &s.port, &s.helo, &s.msgID}
}

func (s *milterScan) row() (*MilterRow, error) {
	if !s.id.Valid {
		return nil, nil
	}
	seen, err := parseTime(s.seen)
	if err != nil {
		return nil, err
	}
	r := &MilterRow{TrackID: s.trackID.String, SeenAt: seen, Sender: s.sender.String, Nrcpt: int(s.nrcpt.Int64),
		AuthUser: s.user.String, AuthType: s.typ.String, ClientName: s.name.String, ClientAddr: s.addr.String,
		ClientPort: int(s.port.Int64), Helo: s.helo.String, MessageID: s.msgID.String}
	if err := json.Unmarshal([]byte(s.rcpts.String), &r.Recipients); err != nil {
		return nil, fmt.Errorf("track: stored milter recipients: %w", err)
	}
	return r, nil
}
