package track

import (
	"fmt"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// RecentSenders counts who submitted the messages first seen in [since,
// until): their SASL logins, envelope senders and clients (the log's, else
// the milter's), at most limit names of each (issue 11.2: when a
// self-check finds one of our addresses listed, who sent most mail in the
// hours before). A message that a content filter or postsuper -r queued
// again counts once, under its first queue id. A message delivered here to
// every recipient (a relay without a port: local, virtual, a pipe, LMTP on
// a unix socket) never left this host and is not counted: the incoming
// mail of a host that is also an MX. domain, when set, keeps the
// senders in that domain or under it (a listed sender domain).
func (t *Tx) RecentSenders(since, until time.Time, domain string, limit int) (incident.Who, error) {
	rows, err := t.query(`SELECT m.sasl_user, COALESCE(f.auth_user, ''), m.sender, f.sender, m.client, COALESCE(f.client_name, ''), COALESCE(f.client_addr, '')
FROM messages m LEFT JOIN milter_messages f ON f.message = m.id
WHERE m.first_seen >= ?1 AND m.first_seen < ?2
	AND NOT EXISTS (SELECT 1 FROM message_links l WHERE l.next = m.queue_id AND l.seen_at >= ?1 AND l.seen_at < ?3)
	AND NOT (COALESCE(json_array_length(m.rcpts), 0) > 0 AND NOT EXISTS (SELECT 1 FROM json_each(m.rcpts) r
		WHERE r.value->>3 IS NOT 'sent' OR instr(r.value->>5, ']:') > 0))`, // rcptStatus, rcptRelay
		dbTime(since), dbTime(until), dbTime(until.Add(linkWindow)))
	if err != nil {
		return incident.Who{}, fmt.Errorf("track: counting senders: %w", err)
	}
	defer rows.Close()
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	var c incident.WhoCounter
	for rows.Next() {
		var login, authUser, client, fName, fAddr string
		var sender, fSender *string
		if err := rows.Scan(&login, &authUser, &sender, &fSender, &client, &fName, &fAddr); err != nil {
			return incident.Who{}, fmt.Errorf("track: counting senders: %w", err)
		}
		if login == "" {
			login = authUser
		}
		if sender == nil {
			sender = fSender
		}
		if client == "" && (fName != "" || fAddr != "") {
			client = fName + "[" + fAddr + "]"
		}
		if domain != "" {
			if sender == nil {
				continue
			}
			d := strings.ToLower((*sender)[strings.LastIndexByte(*sender, '@')+1:])
			if d != domain && !strings.HasSuffix(d, "."+domain) {
				continue
			}
		}
		s := ""
		if sender != nil {
			s = *sender
		}
		c.Add(login, s, sender != nil, client)
	}
	if err := rows.Err(); err != nil {
		return incident.Who{}, fmt.Errorf("track: counting senders: %w", err)
	}
	w := c.Who(limit)
	w.Window = until.Sub(since)
	return w, nil
}
