package track

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rblwatch/rblwatch/incident"
)

// SaveIncident stores inc, replacing the stored version of the same ID: the
// incidents row (the whole incident as JSON, plus columns for SQL) and its
// incident_messages and incident_recipients rows. Only the child rows that
// changed are rewritten, so saving a large ongoing incident on every batch
// stays cheap; saving an unchanged incident writes nothing.
func (t *Tx) SaveIncident(inc incident.Incident) error {
	if inc.ID == "" {
		return fmt.Errorf("%w: incident without an id", ErrInvalid)
	}
	js, err := json.Marshal(inc)
	if err != nil {
		return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
	}
	var old incident.Incident
	var oldJSON []byte
	err = t.queryRow(`SELECT json FROM incidents WHERE id = ?`, inc.ID).Scan(&oldJSON)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
	case bytes.Equal(oldJSON, js):
		return nil
	default:
		// An unreadable old version is replaced whole.
		if json.Unmarshal(oldJSON, &old) != nil {
			old = incident.Incident{}
			if err := t.deleteIncidentChildren(inc.ID); err != nil {
				return err
			}
		}
	}
	_, err = t.exec(`INSERT INTO incidents (id, provider, listed, status, category, first_seen, last_seen, cleared_at, cleared_by,
	notified, notices, bounced, deferred, message_count, recipient_count, json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, listed = excluded.listed, status = excluded.status,
	category = excluded.category, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
	cleared_at = excluded.cleared_at, cleared_by = excluded.cleared_by, notified = excluded.notified,
	notices = excluded.notices, bounced = excluded.bounced, deferred = excluded.deferred,
	message_count = excluded.message_count, recipient_count = excluded.recipient_count, json = excluded.json`,
		inc.ID, inc.Provider, inc.Listed, string(inc.Status), string(inc.Verdict.Category),
		dbTime(inc.FirstSeen), dbTime(inc.LastSeen), dbTime(inc.ClearedAt), inc.ClearedBy,
		dbTime(inc.Notified), inc.Notices, inc.Bounced, inc.Deferred,
		len(inc.Messages)+inc.MoreMessages, len(inc.Recipients)+inc.MoreRecipients, string(js))
	if err != nil {
		return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
	}
	for i, m := range inc.Messages {
		if i < len(old.Messages) && sameMessage(old.Messages[i], m) {
			continue
		}
		rj, err := json.Marshal(orEmpty(m.Recipients))
		if err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
		_, err = t.exec(`INSERT OR REPLACE INTO incident_messages (incident_id, seq, queue_id, sender, message_id, fate, recipients, first_seen, last_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, inc.ID, i, clip(m.QueueID, maxText), clip(m.From, maxText), clip(m.MessageID, maxText), string(m.Fate), string(rj), dbTime(m.FirstSeen), dbTime(m.LastSeen))
		if err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
	}
	if len(old.Messages) > len(inc.Messages) {
		if _, err := t.exec(`DELETE FROM incident_messages WHERE incident_id = ? AND seq >= ?`, inc.ID, len(inc.Messages)); err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
	}
	for i, r := range inc.Recipients {
		if i < len(old.Recipients) && old.Recipients[i] == r {
			continue
		}
		_, err = t.exec(`INSERT OR REPLACE INTO incident_recipients (incident_id, seq, recipient, domain) VALUES (?, ?, ?, ?)`,
			inc.ID, i, clip(r, maxText), clip(domainOf(r), maxText))
		if err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
	}
	if len(old.Recipients) > len(inc.Recipients) {
		if _, err := t.exec(`DELETE FROM incident_recipients WHERE incident_id = ? AND seq >= ?`, inc.ID, len(inc.Recipients)); err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
	}
	return nil
}

func sameMessage(a, b incident.Message) bool {
	return a.QueueID == b.QueueID && a.From == b.From && a.MessageID == b.MessageID && a.Fate == b.Fate &&
		a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen) && slices.Equal(a.Recipients, b.Recipients)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *Tx) deleteIncidentChildren(id string) error {
	if _, err := t.exec(`DELETE FROM incident_messages WHERE incident_id = ?`, id); err != nil {
		return fmt.Errorf("track: deleting incident %s: %w", id, err)
	}
	if _, err := t.exec(`DELETE FROM incident_recipients WHERE incident_id = ?`, id); err != nil {
		return fmt.Errorf("track: deleting incident %s: %w", id, err)
	}
	return nil
}

// DeleteIncident removes an incident and its rows; a missing one is not an
// error.
func (t *Tx) DeleteIncident(id string) error {
	if _, err := t.exec(`DELETE FROM incidents WHERE id = ?`, id); err != nil {
		return fmt.Errorf("track: deleting incident %s: %w", id, err)
	}
	return nil
}

// OpenIncidents returns the incidents not yet cleared (open or ongoing), by
// first-seen time: what the daemon resumes when it starts.
func (s *Store) OpenIncidents(ctx context.Context) ([]incident.Incident, error) {
	return s.incidents(ctx, `WHERE status <> ?`, string(incident.Cleared))
}

// Incidents returns every stored incident, by first-seen time.
func (s *Store) Incidents(ctx context.Context) ([]incident.Incident, error) {
	return s.incidents(ctx, ``)
}

// Incident returns the incident with the given id, and false when there is
// none.
func (s *Store) Incident(ctx context.Context, id string) (incident.Incident, bool, error) {
	l, err := s.incidents(ctx, `WHERE id = ?`, id)
	if err != nil || len(l) == 0 {
		return incident.Incident{}, false, err
	}
	return l[0], true, nil
}

func (s *Store) incidents(ctx context.Context, where string, args ...any) ([]incident.Incident, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, json FROM incidents `+where+` ORDER BY first_seen, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("track: loading incidents: %w", err)
	}
	defer rows.Close()
	var out []incident.Incident
	for rows.Next() {
		var id string
		var js []byte
		if err := rows.Scan(&id, &js); err != nil {
			return nil, fmt.Errorf("track: loading incidents: %w", err)
		}
		var inc incident.Incident
		if err := json.Unmarshal(js, &inc); err != nil {
			return nil, fmt.Errorf("track: loading incident %s: %w", id, err)
		}
		out = append(out, inc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: loading incidents: %w", err)
	}
	return out, nil
}

// domainOf returns the lower-cased part after the last "@", or "" when there
// is none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(addr[i+1:])
}
