package track

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/rblwatch/rblwatch/internal/jsonstr"
)

// A message's recipients are stored in its messages row, in the column
// rcpts: a JSON array with an array per recipient, in the order they were
// first seen, of these values (the columns of the view recipients, which
// reads them as rows; docs/store.md):
//
//	[address, orig_to, domain, status, dsn, relay, reply, attempts, first_seen, updated_at]
//
// A row per recipient cost each recipient a row of its own, a key in an
// index and twelve values bound one by one (issue 10: a third of what a
// catch-up wrote); in the message's row they cost one value, written with
// the message, which is when they change.
const (
	rcptAddress = iota
	rcptOrigTo
	rcptDomain
	rcptStatus
	rcptDSN
	rcptRelay
	rcptReply
	rcptAttempts
	rcptFirstSeen
	rcptUpdatedAt
	rcptFields
)

// appendRecipients appends the JSON of rcpts (the column rcpts) to b.
func appendRecipients(b []byte, rcpts []*qrcpt) []byte {
	b = append(b, '[')
	for i, rc := range rcpts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for _, s := range [...]string{rc.address, rc.origTo, rc.domain, rc.status, rc.dsn, rc.relay, rc.reply} {
			b = jsonstr.Append(b, s)
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(rc.attempts), 10)
		for _, t := range [...]time.Time{rc.firstSeen, rc.updatedAt} {
			if t.IsZero() {
				b = append(b, ",null"...)
				continue
			}
			b = append(b, ',', '"')
			b = appendTime(b, t) // a stored time needs no escaping
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// parseRecipients reads the column rcpts.
func parseRecipients(s string) ([]*qrcpt, error) {
	if s == "" || s == "[]" {
		return nil, nil
	}
	var rows [][]any
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("track: stored recipients: %w", err)
	}
	out := make([]*qrcpt, 0, len(rows))
	for _, row := range rows {
		if len(row) != rcptFields {
			return nil, fmt.Errorf("track: a stored recipient has %d values, want %d", len(row), rcptFields)
		}
		rc := &qrcpt{}
		for i, dst := range [...]*string{&rc.address, &rc.origTo, &rc.domain, &rc.status, &rc.dsn, &rc.relay, &rc.reply} {
			v, ok := row[i].(string)
			if !ok {
				return nil, fmt.Errorf("track: a stored recipient's value %d is %T, want a string", i, row[i])
			}
			*dst = v
		}
		n, ok := row[rcptAttempts].(float64)
		if !ok {
			return nil, fmt.Errorf("track: a stored recipient's attempts are %T, want a number", row[rcptAttempts])
		}
		rc.attempts = int(n)
		for i, dst := range map[int]*time.Time{rcptFirstSeen: &rc.firstSeen, rcptUpdatedAt: &rc.updatedAt} {
			var ns sql.NullString
			if row[i] != nil {
				if ns.String, ns.Valid = row[i].(string); !ns.Valid {
					return nil, fmt.Errorf("track: a stored recipient's time is %T, want a string", row[i])
				}
			}
			var err error
			if *dst, err = parseTime(ns); err != nil {
				return nil, err
			}
		}
		out = append(out, rc)
	}
	return out, nil
}
