package track

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// KindSenderNotice is the outbox kind of an early notice to a sender
// (notify.KindSender; issue 11.3).
const KindSenderNotice = "sender"

// Submitted returns what the store knows of the message last queued under
// qid, for a notice to its sender: when it was first seen (the submission,
// from which Postfix counts maximal_queue_lifetime) and the SASL login the
// milter handed over for it ("" when none). ok is false when the store has
// no such message.
func (t *Tx) Submitted(qid string) (first time.Time, milterLogin string, ok bool, err error) {
	var seen sql.NullString
	err = t.queryRow(`SELECT m.first_seen, COALESCE(f.auth_user, '') FROM messages m LEFT JOIN milter_messages f ON f.message = m.id
WHERE m.queue_id = ? ORDER BY m.id DESC LIMIT 1`, qid).Scan(&seen, &milterLogin)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", false, nil
	}
	if err == nil {
		first, err = parseTime(seen)
	}
	if err != nil {
		return time.Time{}, "", false, fmt.Errorf("track: message %s: %w", qid, err)
	}
	return first, milterLogin, true, nil
}

// SenderNoticesSince counts the notices to the sender addr (in any case of
// ASCII letters: Alice@Example.com is alice@example.com, as the dedup key
// has it, or a sender varying its case would multiply its quota) enqueued
// at or after since, whatever became of them: the rate limit of
// notify.sender_notice.per_hour. Items enqueued earlier in the same
// transaction count.
func (t *Tx) SenderNoticesSince(addr string, since time.Time) (int, error) {
	rj, err := json.Marshal([]string{addr})
	if err != nil {
		return 0, err
	}
	var n int
	if err := t.queryRow(`SELECT COUNT(*) FROM outbox WHERE kind = ? AND lower(recipients) = lower(?) AND created_at >= ?`,
		KindSenderNotice, string(rj), dbTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("track: counting sender notices: %w", err)
	}
	return n, nil
}

// HasOutboxItem reports whether an item with the dedup key is in the
// outbox, whatever its state.
func (t *Tx) HasOutboxItem(key string) (bool, error) {
	var one int
	err := t.queryRow(`SELECT 1 FROM outbox WHERE dedup_key = ?`, key).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("track: outbox item %s: %w", key, err)
	}
	return true, nil
}

// FirstQueueID returns the first queue id of the message last queued under
// qid: it follows message_links back (a content filter's copy, postsuper
// -r) as the store keeps them, across restarts, where the tracker's memory
// ends. A link counts for the use of a queue id whose first sight is
// within linkWindow of it (queue ids are reused). qid itself when the
// store knows no earlier one.
func (t *Tx) FirstQueueID(qid string) (string, error) {
	seen := map[string]bool{qid: true}
	for range maxLinkDepth {
		var first sql.NullString
		err := t.queryRow(`SELECT first_seen FROM messages WHERE queue_id = ? ORDER BY id DESC LIMIT 1`, qid).Scan(&first)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !first.Valid {
			return qid, nil
		}
		var at time.Time
		if err == nil {
			at, err = parseTime(first)
		}
		var prev string
		if err == nil {
			err = t.queryRow(`SELECT prev FROM message_links WHERE next = ? AND seen_at >= ? AND seen_at <= ? ORDER BY seen_at DESC, id DESC LIMIT 1`,
				qid, dbTime(at.Add(-linkWindow)), dbTime(at.Add(linkWindow))).Scan(&prev)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return qid, nil
		}
		if err != nil {
			return "", fmt.Errorf("track: the first queue id of %s: %w", qid, err)
		}
		if seen[prev] {
			return qid, nil // a loop: keep what was reached
		}
		seen[prev] = true
		qid = prev
	}
	return qid, nil
}
