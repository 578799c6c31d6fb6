package track

import (
	"bytes"
	"compress/flate"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/rblwatch/rblwatch/incident"
)

// A cleared incident's evidence — its messages, recipients, recipient
// domains and sample lines — is packed into one row of incident_evidence
// (schema 11) in the transaction that saves it cleared: the JSON of
// packedEvidence, deflated. While the incident is open its evidence is
// rows of incident_messages, incident_recipients and incident_lists, which
// a save adds to in O(change); packing reads them once, when the incident
// ends, and deletes them. On a dense log most incidents are small, and a
// row per message, recipient and save cost more in keys and row headers
// than the texts themselves: the evidence of a day of bench/catchup.sh's
// dense log took 8.8 MiB as rows and takes about 1.6 MiB packed
// (bench/README.md).
//
// Rows written for an incident after it was packed (a save of a cleared
// incident that adds to its lists) are read over the packed evidence, by
// seq as rows are, and packed with it by that save.

// evidenceDeflated is incident_evidence.format 1: data is the JSON of
// packedEvidence, deflated (RFC 1951).
const evidenceDeflated = 1

// maxEvidence bounds what one incident's packed evidence may inflate to
// (the largest incidents hold about 2 MB of JSON): a hand-edited row
// cannot make a reader allocate without bound.
const maxEvidence = 64 << 20

// packedEvidence is an incident's evidence as its rows hold it: its
// messages as the columns of incident_messages (times in the store's text
// form), its domains in the order they came.
type packedEvidence struct {
	Messages   []packedMessage `json:"m,omitempty"`
	Recipients []string        `json:"r,omitempty"`
	Domains    []string        `json:"d,omitempty"`
	Samples    []string        `json:"s,omitempty"`
}

// packedMessage is a row of incident_messages without its incident and seq.
type packedMessage struct {
	QueueID    string          `json:"q"`
	Sender     string          `json:"f,omitempty"`
	MessageID  string          `json:"i,omitempty"`
	Fate       string          `json:"t,omitempty"`
	Recipients json.RawMessage `json:"r,omitempty"` // the row's JSON array
	FirstSeen  *string         `json:"a,omitempty"`
	LastSeen   *string         `json:"z,omitempty"`
	Login      string          `json:"l,omitempty"`
	Client     string          `json:"c,omitempty"`
}

// message is m as incident.Message.
func (m *packedMessage) message() (incident.Message, error) {
	out := incident.Message{QueueID: m.QueueID, From: m.Sender, MessageID: m.MessageID, Fate: incident.Fate(m.Fate), Login: m.Login, Client: m.Client}
	var err error
	if out.FirstSeen, err = parseTime(nullString(m.FirstSeen)); err != nil {
		return out, err
	}
	if out.LastSeen, err = parseTime(nullString(m.LastSeen)); err != nil {
		return out, err
	}
	if len(m.Recipients) > 0 {
		if err := json.Unmarshal(m.Recipients, &out.Recipients); err != nil {
			return out, err
		}
	}
	if len(out.Recipients) == 0 {
		out.Recipients = nil
	}
	return out, nil
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

// The statements of loadEvidence and packEvidence, prepared once
// (hotQueries): a catch-up packs every incident that clears.
const (
	evidenceSQL         = `SELECT format, data FROM incident_evidence WHERE incident_id = ?`
	evidenceMessagesSQL = `SELECT seq, queue_id, sender, message_id, fate, recipients, first_seen, last_seen, login, client
FROM incident_messages WHERE incident_id = ? ORDER BY seq`
	evidenceRecipientsSQL = `SELECT seq, recipient FROM incident_recipients WHERE incident_id = ? ORDER BY seq`
	evidenceListsSQL      = `SELECT list, first, entries FROM incident_lists WHERE incident_id = ? ORDER BY list, first`
	packSQL               = `INSERT INTO incident_evidence (incident_id, format, data) VALUES (?, ?, ?)
ON CONFLICT (incident_id) DO UPDATE SET format = excluded.format, data = excluded.data`
)

// put sets s[i] to v, growing s as needed.
func put[T any](s []T, i int, v T) []T {
	if i < 0 {
		return s
	}
	for len(s) <= i {
		var zero T
		s = append(s, zero)
	}
	s[i] = v
	return s
}

// loadEvidence reads the evidence of incident id: its packed row, if any,
// and its rows over it; rows is how many rows of incident_messages,
// incident_recipients and incident_lists it read.
func loadEvidence(ctx context.Context, q querier, id string) (ev packedEvidence, rows int, err error) {
	fail := func(err error) (packedEvidence, int, error) {
		return packedEvidence{}, 0, fmt.Errorf("track: loading incident %s: %w", id, err)
	}
	var format int
	var data []byte
	switch err := q.QueryRowContext(ctx, evidenceSQL, id).Scan(&format, &data); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fail(err)
	default:
		if ev, err = unpackEvidence(format, data); err != nil {
			return fail(err)
		}
	}
	r, err := q.QueryContext(ctx, evidenceMessagesSQL, id)
	if err != nil {
		return fail(err)
	}
	for r.Next() {
		var seq int
		var m packedMessage
		var rcpts string
		if err := r.Scan(&seq, &m.QueueID, &m.Sender, &m.MessageID, &m.Fate, &rcpts, &m.FirstSeen, &m.LastSeen, &m.Login, &m.Client); err != nil {
			r.Close()
			return fail(err)
		}
		m.Recipients = json.RawMessage(rcpts)
		ev.Messages = put(ev.Messages, seq, m)
		rows++
	}
	r.Close()
	if err := r.Err(); err != nil {
		return fail(err)
	}
	r, err = q.QueryContext(ctx, evidenceRecipientsSQL, id)
	if err != nil {
		return fail(err)
	}
	for r.Next() {
		var seq int
		var rcpt string
		if err := r.Scan(&seq, &rcpt); err != nil {
			r.Close()
			return fail(err)
		}
		ev.Recipients = put(ev.Recipients, seq, rcpt)
		rows++
	}
	r.Close()
	if err := r.Err(); err != nil {
		return fail(err)
	}
	r, err = q.QueryContext(ctx, evidenceListsSQL, id)
	if err != nil {
		return fail(err)
	}
	defer r.Close()
	for r.Next() {
		var list string
		var first int
		var js []byte
		if err := r.Scan(&list, &first, &js); err != nil {
			return fail(err)
		}
		var entries []string
		if err := json.Unmarshal(js, &entries); err != nil {
			return fail(fmt.Errorf("its %s: %w", list, err))
		}
		l := &ev.Samples
		switch list {
		case listDomains:
			l = &ev.Domains
		case listSamples:
		default:
			continue
		}
		for i, e := range entries {
			*l = put(*l, first+i, e)
		}
		rows++
	}
	if err := r.Err(); err != nil {
		return fail(err)
	}
	return ev, rows, nil
}

// fill sets the lists of inc that its row's JSON did not hold (rows
// written before schema 5 held them there) from ev.
func (ev *packedEvidence) fill(inc *incident.Incident) error {
	if inc.Messages == nil {
		for i := range ev.Messages {
			m, err := ev.Messages[i].message()
			if err != nil {
				return fmt.Errorf("track: loading incident %s: %w", inc.ID, err)
			}
			inc.Messages = append(inc.Messages, m)
		}
		inc.Recipients = ev.Recipients
	}
	if len(inc.Domains) == 0 {
		inc.Domains = slices.Clone(ev.Domains)
		slices.Sort(inc.Domains) // sorted, saved in the order they came
	}
	if len(inc.Samples) == 0 {
		inc.Samples = ev.Samples
	}
	return nil
}

// readEvidence fills in the lists of inc from its evidence (fill).
func readEvidence(ctx context.Context, q querier, inc *incident.Incident) error {
	ev, _, err := loadEvidence(ctx, q, inc.ID)
	if err != nil {
		return err
	}
	return ev.fill(inc)
}

// packEvidence packs the rows of the cleared incident id, and its packed
// evidence if it has some, into its row of incident_evidence and deletes
// the rows. An incident without rows is left as it is.
func (t *Tx) packEvidence(id string) error {
	ev, rows, err := loadEvidence(t.ctx, txQuerier{t}, id)
	if err != nil || rows == 0 {
		return err
	}
	data, err := deflateEvidence(&ev)
	if err != nil {
		return fmt.Errorf("track: packing incident %s: %w", id, err)
	}
	if _, err := t.exec(packSQL, id, evidenceDeflated, data); err != nil {
		return fmt.Errorf("track: packing incident %s: %w", id, err)
	}
	return t.deleteIncidentChildren(id)
}

// txQuerier reads in t with its prepared statements (Tx.stmt): a pack
// runs the same four queries for every incident that clears.
type txQuerier struct{ t *Tx }

func (q txQuerier) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.t.query(query, args...)
}

func (q txQuerier) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	return q.t.queryRow(query, args...)
}

// deleteEvidence deletes the packed evidence of incident id.
func (t *Tx) deleteEvidence(id string) error {
	if _, err := t.exec(`DELETE FROM incident_evidence WHERE incident_id = ?`, id); err != nil {
		return fmt.Errorf("track: saving incident %s: %w", id, err)
	}
	return nil
}

// deflaters are flate writers to reuse: one holds about 600 KB.
var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression)
	return w
}}

func deflateEvidence(ev *packedEvidence) ([]byte, error) {
	js, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(js); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unpackEvidence decodes a row of incident_evidence.
func unpackEvidence(format int, data []byte) (packedEvidence, error) {
	var ev packedEvidence
	if format != evidenceDeflated {
		return ev, fmt.Errorf("%w: its evidence has format %d, this rblwatch knows %d; use a newer rblwatch", ErrInvalid, format, evidenceDeflated)
	}
	r := flate.NewReader(bytes.NewReader(data))
	defer r.Close()
	js, err := io.ReadAll(io.LimitReader(r, maxEvidence+1))
	if err != nil {
		return ev, fmt.Errorf("its evidence: %w", err)
	}
	if len(js) > maxEvidence {
		return ev, fmt.Errorf("%w: its evidence inflates to more than %d bytes", ErrInvalid, maxEvidence)
	}
	if err := json.Unmarshal(js, &ev); err != nil {
		return ev, fmt.Errorf("its evidence: %w", err)
	}
	return ev, nil
}

// incidentMessageSpans returns the messages of incident id as a JSON array
// of [queue id, first seen, last seen] (times in the store's text form,
// null when unknown), for Messages' filter by incident.
func (s *Store) incidentMessageSpans(ctx context.Context, id string) (string, error) {
	inc, _, err := s.Incident(ctx, id)
	if err != nil {
		return "", err
	}
	spans := make([][3]any, 0, len(inc.Messages))
	for _, m := range inc.Messages {
		spans = append(spans, [3]any{m.QueueID, dbTime(m.FirstSeen), dbTime(m.LastSeen)})
	}
	js, err := json.Marshal(spans)
	return string(js), err
}
