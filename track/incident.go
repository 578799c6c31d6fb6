package track

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/jsonstr"
)

// The incidents row holds the incident without its lists of messages,
// recipients, recipient domains and samples (columns for SQL, and the rest
// as JSON); its messages and recipients are rows of incident_messages and
// incident_recipients, by seq, and its domains and samples rows of
// incident_lists, a JSON array of the entries each save added. A save
// writes what changed: the row, and the child rows that are new or changed. Rows written by
// rblwatch before this layout hold the lists of messages and recipients in
// their JSON too; they are read as they are and rewritten whole by their
// next save (the upgrade to schema 10 moved every row's domains and
// samples out). The save that clears an incident packs its child rows
// into one row of incident_evidence (evidence.go).

// The incidents rows and their child rows, written several rows a
// statement (the texts of flushChunks rows, prepared once: hotQueries).
const (
	incidentColumns          = `id, provider, listed, status, category, first_seen, last_seen, cleared_at, cleared_by, notified, notices, bounced, deferred, message_count, recipient_count, json`
	incidentCols             = 16
	incidentMessageColumns   = `incident_id, seq, queue_id, sender, message_id, fate, recipients, first_seen, last_seen, login, client`
	incidentMessageCols      = 11
	incidentRecipientColumns = `incident_id, seq, recipient, domain`
	incidentRecipientCols    = 4
	incidentListColumns      = `incident_id, list, first, entries`
	incidentListCols         = 4
)

// The lists of incident_lists.
const (
	listDomains = "domains"
	listSamples = "samples"
)

// IncidentWrites are the rows of a batch's incident changes, ready to be
// written (PrepareChanges, Tx.SaveIncidentWrites): their values are built
// and their JSON encoded where the changes are taken, so that the store's
// one writer, the slower stage of a catch-up, only writes them.
type IncidentWrites struct {
	heads, msgs, rcpts, lists []any    // by table
	counted                   []any    // incident_counted: id, id, data a row
	cleared                   []string // the cleared incidents, to pack (packEvidence)
}

// SaveChange stores what changed in an incident (incident.Tracker.Changes):
// its row, and its new or changed messages, recipients, domains and
// samples. The cost is that of the change, however large the incident.
func (t *Tx) SaveChange(c incident.Change) error {
	return t.SaveChanges([]incident.Change{c})
}

// SaveChanges is SaveChange for the changes of a batch, in order: the
// incidents' rows, then their messages and recipients, several rows a
// statement (a statement per row was most of a batch's incident writes on
// a log with many incidents).
func (t *Tx) SaveChanges(cs []incident.Change) error {
	w, err := PrepareChanges(cs)
	if err != nil {
		return err
	}
	return t.SaveIncidentWrites(w)
}

// PrepareChanges returns the rows that save cs (SaveChanges), to be written
// by SaveIncidentWrites.
func PrepareChanges(cs []incident.Change) (*IncidentWrites, error) {
	w := &IncidentWrites{}
	for i := range cs {
		if err := w.add(&cs[i]); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// SaveIncidentWrites writes the rows PrepareChanges built: the incidents'
// rows, then their messages, recipients and lists.
func (t *Tx) SaveIncidentWrites(w *IncidentWrites) error {
	texts := sqlTexts()
	if err := t.writeRows(texts["incidents"], incidentCols, w.heads); err != nil {
		return fmt.Errorf("track: saving incidents: %w", err)
	}
	if err := t.writeRows(texts["incident_messages"], incidentMessageCols, w.msgs); err != nil {
		return fmt.Errorf("track: saving incident messages: %w", err)
	}
	if err := t.writeRows(texts["incident_recipients"], incidentRecipientCols, w.rcpts); err != nil {
		return fmt.Errorf("track: saving incident recipients: %w", err)
	}
	if err := t.writeRows(texts["incident_lists"], incidentListCols, w.lists); err != nil {
		return fmt.Errorf("track: saving incident lists: %w", err)
	}
	for i := 0; i < len(w.counted); i += 3 {
		if _, err := t.exec(saveCountedSQL, w.counted[i:i+3]...); err != nil {
			return fmt.Errorf("track: saving what incident %s counted: %w", w.counted[i], err)
		}
	}
	for _, id := range w.cleared {
		if err := t.packEvidence(id); err != nil {
			return err
		}
	}
	return nil
}

// add appends the values of the incidents row of c and of its changed
// child rows to rows.
func (rows *IncidentWrites) add(c *incident.Change) error {
	inc := &c.Incident
	if inc.ID == "" {
		return fmt.Errorf("%w: incident without an id", ErrInvalid)
	}
	head := *inc
	head.Messages, head.Recipients, head.Domains, head.Samples = nil, nil, nil, nil
	js, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
	}
	rows.heads = append(rows.heads, inc.ID, inc.Provider, inc.Listed, string(inc.Status), string(inc.Verdict.Category),
		dbTime(inc.FirstSeen), dbTime(inc.LastSeen), dbTime(inc.ClearedAt), inc.ClearedBy,
		dbTime(inc.Notified), inc.Notices, inc.Bounced, inc.Deferred, c.MessageCount, c.RecipientCount, string(js))
	if inc.Status == incident.Cleared {
		rows.cleared = append(rows.cleared, inc.ID)
	}
	if c.Carried != nil {
		rows.counted = append(rows.counted, inc.ID, inc.ID, c.Carried)
	}
	var buf []byte
	for _, m := range c.Messages {
		buf = appendStrings(buf[:0], m.Recipients)
		rows.msgs = append(rows.msgs, inc.ID, m.Seq, clip(m.QueueID, maxText), clip(m.From, maxText), clip(m.MessageID, maxText),
			string(m.Fate), string(buf), dbTime(m.FirstSeen), dbTime(m.LastSeen), clip(m.Login, maxText), clip(m.Client, maxText))
	}
	for i, r := range c.Recipients {
		rows.rcpts = append(rows.rcpts, inc.ID, c.RecipientsFrom+i, clip(r, maxText), clip(domainOf(r), maxText))
	}
	for _, l := range []struct {
		name    string
		first   int
		entries []string
	}{{listDomains, c.DomainsFrom, c.Domains}, {listSamples, c.SamplesFrom, c.Samples}} {
		if len(l.entries) == 0 {
			continue
		}
		buf = appendStrings(buf[:0], l.entries)
		rows.lists = append(rows.lists, inc.ID, l.name, l.first, string(buf))
	}
	return nil
}

// appendStrings appends the JSON array of ss to b, as json.Marshal writes
// it ("[]" for none): encoding/json's reflection and per-byte escaping of
// an incident's recipients, domains and sample lines were about half of
// what a dense log's incident saves cost the loop (bench/README.md,
// catchup12).
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, s)
	}
	return append(b, ']')
}

// SaveIncident stores inc whole, replacing the stored version of the same
// ID; only the rows that differ are written, so saving an unchanged incident
// writes nothing. The daemon saves changes (SaveChange); this is for an
// incident from elsewhere.
func (t *Tx) SaveIncident(inc incident.Incident) error {
	if inc.ID == "" {
		return fmt.Errorf("%w: incident without an id", ErrInvalid)
	}
	old, ok, err := t.storedIncident(inc.ID)
	if err != nil {
		return err
	}
	c := incident.ChangeOf(inc)
	if ok {
		if reflect.DeepEqual(normalized(old), normalized(inc)) {
			return nil
		}
		// Packed evidence is written again whole: a list of it that
		// lost entries has no rows to delete.
		var packed int
		if err := t.queryRow(`SELECT count(*) FROM incident_evidence WHERE incident_id = ?`, inc.ID).Scan(&packed); err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
		if packed > 0 {
			if err := t.deleteEvidence(inc.ID); err != nil {
				return err
			}
			if err := t.deleteIncidentChildren(inc.ID); err != nil {
				return err
			}
			ok = false
		}
	}
	if ok {
		c.Messages = slices.DeleteFunc(c.Messages, func(m incident.IndexedMessage) bool {
			return m.Seq < len(old.Messages) && sameMessage(old.Messages[m.Seq], m.Message)
		})
		same := commonPrefix(old.Recipients, inc.Recipients)
		c.Recipients, c.RecipientsFrom = c.Recipients[same:], same
		// A list that only grew gets a row of its new entries; one that
		// lost any is written again whole.
		if same := commonPrefix(old.Samples, inc.Samples); same == len(old.Samples) {
			c.Samples, c.SamplesFrom = c.Samples[same:], same
		} else if err := t.deleteList(inc.ID, listSamples); err != nil {
			return err
		}
		if kept := slices.DeleteFunc(slices.Clone(c.Domains), func(d string) bool {
			return slices.Contains(old.Domains, d)
		}); len(kept)+len(old.Domains) == len(inc.Domains) {
			c.Domains, c.DomainsFrom = kept, len(old.Domains)
		} else if err := t.deleteList(inc.ID, listDomains); err != nil {
			return err
		}
	}
	// Before the save, which packs the evidence of a cleared incident.
	if ok && len(old.Messages) > len(inc.Messages) {
		if _, err := t.exec(`DELETE FROM incident_messages WHERE incident_id = ? AND seq >= ?`, inc.ID, len(inc.Messages)); err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
	}
	if ok && len(old.Recipients) > len(inc.Recipients) {
		if _, err := t.exec(`DELETE FROM incident_recipients WHERE incident_id = ? AND seq >= ?`, inc.ID, len(inc.Recipients)); err != nil {
			return fmt.Errorf("track: saving incident %s: %w", inc.ID, err)
		}
	}
	return t.SaveChange(c)
}

func sameMessage(a, b incident.Message) bool {
	return a.QueueID == b.QueueID && a.From == b.From && a.MessageID == b.MessageID && a.Login == b.Login && a.Client == b.Client &&
		a.Fate == b.Fate && a.FirstSeen.Equal(b.FirstSeen) && a.LastSeen.Equal(b.LastSeen) && slices.Equal(a.Recipients, b.Recipients)
}

// commonPrefix is how many first entries a and b have in common.
func commonPrefix(a, b []string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (t *Tx) deleteList(id, list string) error {
	if _, err := t.exec(`DELETE FROM incident_lists WHERE incident_id = ? AND list = ?`, id, list); err != nil {
		return fmt.Errorf("track: saving incident %s: %w", id, err)
	}
	return nil
}

// The statements of deleteIncidentChildren (prepared once: hotQueries).
const (
	deleteIncidentMessagesSQL   = `DELETE FROM incident_messages WHERE incident_id = ?`
	deleteIncidentRecipientsSQL = `DELETE FROM incident_recipients WHERE incident_id = ?`
	deleteIncidentListsSQL      = `DELETE FROM incident_lists WHERE incident_id = ?`
)

func (t *Tx) deleteIncidentChildren(id string) error {
	if _, err := t.exec(deleteIncidentMessagesSQL, id); err != nil {
		return fmt.Errorf("track: deleting incident %s: %w", id, err)
	}
	if _, err := t.exec(deleteIncidentRecipientsSQL, id); err != nil {
		return fmt.Errorf("track: deleting incident %s: %w", id, err)
	}
	if _, err := t.exec(deleteIncidentListsSQL, id); err != nil {
		return fmt.Errorf("track: deleting incident %s: %w", id, err)
	}
	return nil
}

// normalized makes empty lists nil, for comparing a stored incident with
// one in memory.
func normalized(inc incident.Incident) incident.Incident {
	for _, l := range []*[]string{&inc.Recipients, &inc.Domains, &inc.Remotes, &inc.Samples} {
		if len(*l) == 0 {
			*l = nil
		}
	}
	if len(inc.Messages) == 0 {
		inc.Messages = nil
	}
	return inc
}

// storedIncident reads the incident id as this transaction sees it; ok is
// false when there is none, or when its row cannot be read (an auditor's
// edit): its child rows are then deleted, to be written again whole.
func (t *Tx) storedIncident(id string) (incident.Incident, bool, error) {
	var js []byte
	err := t.queryRow(`SELECT json FROM incidents WHERE id = ?`, id).Scan(&js)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return incident.Incident{}, false, nil
	case err != nil:
		return incident.Incident{}, false, fmt.Errorf("track: saving incident %s: %w", id, err)
	}
	var inc incident.Incident
	if json.Unmarshal(js, &inc) != nil {
		return incident.Incident{}, false, t.deleteIncidentChildren(id)
	}
	if err := readEvidence(t.ctx, t.tx, &inc); err != nil {
		return incident.Incident{}, false, err
	}
	return inc, true, nil
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
	var out []incident.Incident
	for rows.Next() {
		var id string
		var js []byte
		if err := rows.Scan(&id, &js); err != nil {
			rows.Close()
			return nil, fmt.Errorf("track: loading incidents: %w", err)
		}
		var inc incident.Incident
		if err := json.Unmarshal(js, &inc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("track: loading incident %s: %w", id, err)
		}
		out = append(out, inc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: loading incidents: %w", err)
	}
	for i := range out {
		if err := readEvidence(ctx, s.r, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type querier interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
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
