package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/sanitize"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Display bounds of the messages table: texts come from clients and
// remote servers.
const (
	maxShownReply = 200 // bytes of a reply
	maxShownText  = 120 // bytes of an address, client, user
)

// shown makes a stored text safe for a terminal: no control characters or
// escape sequences, no bidirectional overrides, one line, cut.
func shown(s string, max int) string { return sanitize.Line(s, max) }

// WriteMessagesText writes tracked messages (rblwatch messages) as a
// compact table: a line per message (its first queue id, first and last
// seen in loc, state, sender), a line with its queue ids when it had
// several (a content filter queued it again, postsuper -r requeued it), a
// line with who sent it when known (SASL login, client, track id), and a
// line per recipient with its final fate (status, DSN, delivery attempts,
// when a message that was refused got through, last reply). Every text is
// sanitised and cut.
func WriteMessagesText(w io.Writer, trails []track.Trail, loc *time.Location) error {
	b := bufio.NewWriter(w)
	if len(trails) == 0 {
		b.WriteString("no tracked messages\n")
		return b.Flush()
	}
	qw := len("QUEUE ID")
	for i := range trails {
		qw = max(qw, len(shown(trails[i].First().QueueID, 32)))
	}
	const stamp = "2006-01-02 15:04:05"
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(loc).Format(stamp)
	}
	fmt.Fprintf(b, "%-*s  %-19s  %-19s  %-9s  %s\n", qw, "QUEUE ID", "FIRST SEEN", "LAST SEEN", "STATE", "SENDER")
	indent := strings.Repeat(" ", qw+2)
	for i := range trails {
		tr := &trails[i]
		m := tr.First()
		fmt.Fprintf(b, "%-*s  %-19s  %-19s  %-9s  %s\n", qw, shown(m.QueueID, 32), when(tr.FirstSeen()), when(tr.LastSeen()),
			shown(string(tr.State()), 16), senderOf(tr))
		if len(tr.Hops) > 1 {
			line := "queue ids " + shown(m.QueueID, 32)
			for _, h := range tr.Hops[1:] {
				line += " > " + shown(h.QueueID, 32)
				if v := viaText[h.Via]; v != "" {
					line += " (" + v + ")"
				}
			}
			b.WriteString(indent + line + "\n")
		}
		if who := whoSent(tr); who != "" {
			b.WriteString(indent + who + "\n")
		}
		rcpts := tr.Recipients()
		for _, r := range rcpts {
			attempts := fmt.Sprintf("%d attempts", r.Attempts)
			if r.Attempts == 1 {
				attempts = "1 attempt"
			}
			line := fmt.Sprintf("to <%s> %s", shown(r.Address, maxShownText), shown(r.Status, 16))
			if r.DSN != "" {
				line += " " + shown(r.DSN, 16)
			}
			if r.Status == "sent" && r.Attempts > 1 {
				// Refused before, through now: say when.
				line += " at " + when(r.UpdatedAt) + ", " + attempts + " since " + when(r.FirstSeen)
			} else {
				line += ", " + attempts
			}
			if reply := shown(r.Reply, maxShownReply); reply != "" {
				line += ": " + reply
			}
			b.WriteString(indent + line + "\n")
		}
		if f := m.Milter; len(rcpts) == 0 && f != nil && len(f.Recipients) > 0 {
			var to []string
			for _, r := range f.Recipients[:min(3, len(f.Recipients))] {
				to = append(to, "<"+shown(r, maxShownText)+">")
			}
			more := ""
			if n := f.Nrcpt - len(to); n > 0 {
				more = fmt.Sprintf(" and %d more", n)
			}
			b.WriteString(indent + "to " + strings.Join(to, ", ") + more + ": no delivery yet\n")
		}
	}
	return b.Flush()
}

// viaText says how a message came to a queue id after its first.
var viaText = map[postfixlog.LinkVia]string{
	postfixlog.ViaFilter:  "content filter",
	postfixlog.ViaHeader:  "queued again",
	postfixlog.ViaRequeue: "requeued",
}

// WriteWho writes who submitted a set of messages: their SASL logins,
// envelope senders and clients, with counts. total, when more than the
// messages counted, is the number of the set they are part of, and note
// (when set) says why the others are not counted.
func WriteWho(w io.Writer, title string, who incident.Who, total int, note string) error {
	b := bufio.NewWriter(w)
	if total > who.Messages {
		fmt.Fprintf(b, "%s: %d of its %d messages", shown(title, maxShownText), who.Messages, total)
	} else {
		fmt.Fprintf(b, "%s: %d %s", shown(title, maxShownText), who.Messages, plural(who.Messages, "message", "messages"))
	}
	if note != "" {
		fmt.Fprintf(b, " (%s)", note)
	}
	b.WriteString("\n")
	list := func(name string, cs []incident.Count, more int, show func(string) string) {
		if len(cs) == 0 {
			return
		}
		var parts []string
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%s (%d)", show(c.Name), c.Messages))
		}
		if more > 0 {
			parts = append(parts, fmt.Sprintf("others (%d)", more))
		}
		fmt.Fprintf(b, "  %-12s %s\n", name, strings.Join(parts, ", "))
	}
	list("SASL logins:", who.Logins, who.MoreLogins, func(s string) string { return shown(s, maxShownText) })
	list("senders:", who.Senders, who.MoreSenders, func(s string) string { return "<" + shown(s, maxShownText) + ">" })
	list("clients:", who.Clients, who.MoreClients, func(s string) string { return shown(s, maxShownText) })
	b.WriteString("\n")
	return b.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// TrailsWho counts who submitted the messages.
func TrailsWho(trails []track.Trail, limit int) incident.Who {
	var c incident.WhoCounter
	for i := range trails {
		tr := &trails[i]
		sender, known := tr.Sender()
		c.Add(tr.Login(), sender, known, tr.Client())
	}
	return c.Who(limit)
}

// senderOf is the envelope sender as "<addr>", "<>" for the null sender,
// "?" when not known yet.
func senderOf(tr *track.Trail) string {
	if s, ok := tr.Sender(); ok {
		return "<" + shown(s, maxShownText) + ">"
	}
	return "?"
}

// whoSent names the SASL login, the client and the track id of the first
// hop, from the log or else from the milter.
func whoSent(tr *track.Trail) string {
	var parts []string
	m := tr.First()
	if user := tr.Login(); user != "" {
		u := "sasl " + shown(user, maxShownText)
		if m.Milter != nil && m.Milter.AuthType != "" && user == m.Milter.AuthUser {
			u += " (" + shown(m.Milter.AuthType, 32) + ")"
		}
		parts = append(parts, u)
	}
	if client := tr.Client(); client != "" {
		parts = append(parts, "client "+shown(client, maxShownText))
	}
	if m.Milter != nil && m.Milter.TrackID != "" {
		parts = append(parts, "track "+shown(m.Milter.TrackID, 64))
	}
	return strings.Join(parts, ", ")
}

// messageJSON is one line of WriteMessagesJSON: a message, with the
// fields of its first hop (who sent it), the state and recipients of the
// whole trail, and its hops when it had several queue ids. Times are RFC
// 3339 in UTC, absent when not known; texts are as stored (JSON escapes
// control characters).
type messageJSON struct {
	QueueID       string          `json:"queue_id"`
	QueueIDs      []string        `json:"queue_ids,omitempty"`
	State         string          `json:"state"`
	FirstSeen     string          `json:"first_seen,omitempty"`
	LastSeen      string          `json:"last_seen,omitempty"`
	RemovedAt     string          `json:"removed_at,omitempty"`
	ExpiredAt     string          `json:"expired_at,omitempty"`
	RejectedAt    string          `json:"rejected_at,omitempty"`
	Sender        *string         `json:"sender"` // null: not known yet; "": the null sender
	MessageID     string          `json:"message_id,omitempty"`
	Origin        string          `json:"origin,omitempty"`
	Client        string          `json:"client,omitempty"`
	ClientIP      string          `json:"client_ip,omitempty"`
	SASLUser      string          `json:"sasl_user,omitempty"`
	Size          int64           `json:"size"`
	Nrcpt         int             `json:"nrcpt"`
	NoticeQueueID string          `json:"notice_queue_id,omitempty"`
	Notice        string          `json:"notice,omitempty"`
	Milter        *milterJSON     `json:"milter,omitempty"`
	Recipients    []recipientJSON `json:"recipients"`
	Hops          []hopJSON       `json:"hops,omitempty"`
}

// hopJSON is the message under one of its queue ids.
type hopJSON struct {
	QueueID   string `json:"queue_id"`
	Via       string `json:"via,omitempty"`
	State     string `json:"state"`
	FirstSeen string `json:"first_seen,omitempty"`
	LastSeen  string `json:"last_seen,omitempty"`
	RemovedAt string `json:"removed_at,omitempty"`
	Client    string `json:"client,omitempty"`
}

type milterJSON struct {
	TrackID    string   `json:"track_id"`
	SeenAt     string   `json:"seen_at"`
	Sender     string   `json:"sender"`
	Recipients []string `json:"recipients"`
	Nrcpt      int      `json:"nrcpt"`
	AuthUser   string   `json:"auth_user,omitempty"`
	AuthType   string   `json:"auth_type,omitempty"`
	ClientName string   `json:"client_name,omitempty"`
	ClientAddr string   `json:"client_addr,omitempty"`
	ClientPort int      `json:"client_port,omitempty"`
	Helo       string   `json:"helo,omitempty"`
	MessageID  string   `json:"message_id,omitempty"`
}

type recipientJSON struct {
	Address   string `json:"address"`
	OrigTo    string `json:"orig_to,omitempty"`
	Domain    string `json:"domain"`
	Status    string `json:"status"`
	DSN       string `json:"dsn,omitempty"`
	Relay     string `json:"relay,omitempty"`
	Reply     string `json:"reply,omitempty"`
	Attempts  int    `json:"attempts"`
	FirstSeen string `json:"first_seen,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

func jsonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// WriteMessagesJSON writes one JSON object per message (JSON lines). Every
// text from the log, a client or a remote server passes through the one
// sanitizer (internal/sanitize.Line), as in replay's JSON and with its
// bounds (a reply 600 runes, a name or address 254): controls, escape
// sequences, bidirectional overrides and invisible characters are U+FFFD,
// line breaks spaces.
func WriteMessagesJSON(w io.Writer, trails []track.Trail) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	f := func(s string) string { return sanitize.Line(s, maxField) }
	fs := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = f(s)
		}
		return out
	}
	for i := range trails {
		tr := &trails[i]
		m, last := tr.First(), tr.Last()
		j := messageJSON{QueueID: f(m.QueueID), State: string(tr.State()), FirstSeen: jsonTime(tr.FirstSeen()), LastSeen: jsonTime(tr.LastSeen()),
			RemovedAt: jsonTime(last.RemovedAt), ExpiredAt: jsonTime(last.ExpiredAt), RejectedAt: jsonTime(last.RejectedAt),
			MessageID: f(m.MessageID), Origin: f(m.Origin), Client: f(m.Client), ClientIP: f(m.ClientIP), SASLUser: f(m.SASLUser),
			Size: m.Size, Nrcpt: m.Nrcpt, NoticeQueueID: f(last.NoticeQueueID), Notice: f(last.Notice), Recipients: []recipientJSON{}}
		for k := range tr.Hops {
			if h := &tr.Hops[k]; h.FromKnown {
				from := f(h.From)
				j.Sender = &from // the log's, null until a line names it
				break
			}
		}
		if m := m.Milter; m != nil {
			j.Milter = &milterJSON{TrackID: f(m.TrackID), SeenAt: jsonTime(m.SeenAt), Sender: f(m.Sender), Recipients: fs(m.Recipients),
				Nrcpt: m.Nrcpt, AuthUser: f(m.AuthUser), AuthType: f(m.AuthType), ClientName: f(m.ClientName), ClientAddr: f(m.ClientAddr),
				ClientPort: m.ClientPort, Helo: f(m.Helo), MessageID: f(m.MessageID)}
		}
		for _, r := range tr.Recipients() {
			j.Recipients = append(j.Recipients, recipientJSON{Address: f(r.Address), OrigTo: f(r.OrigTo), Domain: f(r.Domain), Status: f(r.Status),
				DSN: f(r.DSN), Relay: f(r.Relay), Reply: sanitize.Line(r.Reply, maxReply), Attempts: r.Attempts, FirstSeen: jsonTime(r.FirstSeen), UpdatedAt: jsonTime(r.UpdatedAt)})
		}
		if len(tr.Hops) > 1 {
			j.QueueIDs = fs(tr.QueueIDs())
			for _, h := range tr.Hops {
				j.Hops = append(j.Hops, hopJSON{QueueID: f(h.QueueID), Via: string(h.Via), State: string(h.State), FirstSeen: jsonTime(h.FirstSeen),
					LastSeen: jsonTime(h.LastSeen), RemovedAt: jsonTime(h.RemovedAt), Client: f(h.Client)})
			}
		}
		if err := enc.Encode(j); err != nil {
			return err
		}
	}
	return nil
}
