package track

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// PruneStats counts what Prune deleted.
type PruneStats struct {
	Messages  int64 // messages (with their recipients)
	Incidents int64 // cleared incidents (with their messages and recipients)
	Outbox    int64 // sent or failed outbox items
	Milter    int64 // milter facts never linked to a message (those linked go with their message)
	Mutes     int64 // mutes that ended (expired or lifted)
}

// Prune deletes, in one transaction, what is finished and older than
// olderThan at now:
//   - messages removed from the queue before the cutoff, and messages not
//     seen since the cutoff at all (their removal line was lost: Postfix
//     logs every queued message at least every few hours), with their
//     recipients;
//   - incidents cleared before the cutoff, with their rows; and, whatever
//     olderThan, what a cleared incident carried for a restart
//     (incident_counted) once its last rejection is incident.QueueLifetime
//     old: none of its messages is in the queue any more (Resumable);
//   - milter facts seen before the cutoff and never linked to a message;
//   - links between queue ids logged before the cutoff;
//   - outbox items sent or given up before the cutoff. Their dedup keys go
//     with them, so keep olderThan longer than any replay of old log lines
//     the daemon might make;
//   - mutes that ended (expired or were lifted) before the cutoff: one
//     that ended later may still cover old log lines a catch-up reads (a
//     mute counts at the time of the line).
//
// Positions, open incidents, pending outbox items and meta are never pruned.
func (s *Store) Prune(ctx context.Context, now time.Time, olderThan time.Duration) (PruneStats, error) {
	var st PruneStats
	if olderThan <= 0 {
		return st, fmt.Errorf("%w: prune age %v", ErrInvalid, olderThan)
	}
	cutoff := dbTime(now.Add(-olderThan))
	err := s.Tx(ctx, func(t *Tx) error {
		var err error
		if st.Messages, err = t.deleteMessages(cutoff, cutoff); err != nil {
			return err
		}
		if st.Incidents, err = t.deleted(`DELETE FROM incidents WHERE status = 'cleared' AND cleared_at < ?1`, cutoff); err != nil {
			return err
		}
		if _, err = t.deleted(`DELETE FROM incident_counted WHERE incident_id IN
(SELECT id FROM incidents WHERE status = 'cleared' AND last_seen < ?1)`, dbTime(now.Add(-incident.QueueLifetime))); err != nil {
			return err
		}
		if st.Outbox, err = t.deleted(`DELETE FROM outbox WHERE sent_at < ?1 OR failed_at < ?1`, cutoff); err != nil {
			return err
		}
		// Notices go with their incident (ON DELETE CASCADE); self-check
		// notices have none.
		if _, err = t.deleted(`DELETE FROM notices WHERE incident_id IS NULL AND composed_at < ?1`, cutoff); err != nil {
			return err
		}
		if st.Milter, err = t.deleted(`DELETE FROM milter_messages WHERE message IS NULL AND seen_at < ?1`, cutoff); err != nil {
			return err
		}
		if st.Mutes, err = t.deleted(`DELETE FROM mutes WHERE until < ?1 OR lifted_at < ?1`, cutoff); err != nil {
			return err
		}
		_, err = t.deleted(`DELETE FROM message_links WHERE seen_at < ?1 OR seen_at IS NULL`, cutoff)
		return err
	})
	if err != nil {
		return PruneStats{}, fmt.Errorf("track: pruning: %w", err)
	}
	s.Reload() // the picture of the queue may hold deleted rows
	return st, nil
}

// PruneMessages deletes, in one transaction, the messages (with their
// recipients and milter facts) that finished before shorter cutoffs than
// Prune's: those delivered to every recipient at the first attempt
// (no deferral, no bounce) that left the queue more than delivered ago,
// and every other message that left the queue, or was last seen, more than
// troubled ago. A zero age keeps those messages. Incidents keep their own
// record of the messages they affected (incident_messages).
func (s *Store) PruneMessages(ctx context.Context, now time.Time, troubled, delivered time.Duration) (int64, error) {
	if troubled < 0 || delivered < 0 {
		return 0, fmt.Errorf("%w: prune ages %v, %v", ErrInvalid, troubled, delivered)
	}
	var n int64
	err := s.Tx(ctx, func(t *Tx) error {
		if delivered > 0 {
			d, err := t.deletedMessages(`removed_at < ?1 AND state = 'delivered'
	AND NOT EXISTS (SELECT 1 FROM json_each(messages.rcpts) j WHERE j.value->>7 > 1)`, dbTime(now.Add(-delivered)))
			if err != nil {
				return err
			}
			n += d
		}
		if troubled > 0 {
			cut := dbTime(now.Add(-troubled))
			d, err := t.deleteMessages(cut, cut)
			if err != nil {
				return err
			}
			n += d
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("track: pruning messages: %w", err)
	}
	s.Reload()
	return n, nil
}

// deleteMessages deletes the messages removed from the queue before
// removed, and those still in it but not seen since seen (their removal
// line was lost: Postfix logs every queued message at least every few
// hours). Two statements, so that each uses its index (messages_removed_at,
// and the partial indexes of the live rows).
func (t *Tx) deleteMessages(removed, seen any) (int64, error) {
	a, err := t.deletedMessages(`removed_at < ?`, removed)
	if err != nil {
		return 0, err
	}
	b, err := t.deletedMessages(`removed_at IS NULL AND last_seen < ?`, seen)
	return a + b, err
}

// pruneChunk is how many messages one statement of a prune deletes.
const pruneChunk = 10000

// deletedMessages deletes the messages matching where, pruneChunk at a
// time, in the transaction, and returns how many. One statement deleting
// them all first gathers every row in memory: the prune of a day's
// backlog (585,368 messages once the daemon had caught up with 10 M
// lines) took the daemon from 229 to 676 MiB for its length.
func (t *Tx) deletedMessages(where string, args ...any) (int64, error) {
	q := `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE ` + where + ` LIMIT ` + strconv.Itoa(pruneChunk) + `)`
	var n int64
	for {
		d, err := t.deleted(q, args...)
		n += d
		if err != nil || d < pruneChunk {
			return n, err
		}
	}
}

func (t *Tx) deleted(q string, args ...any) (int64, error) {
	res, err := t.exec(q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
