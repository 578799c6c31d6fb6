package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/sanitize"
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
// compact table: a line per message (queue id, first and last seen in loc,
// state, sender), a line with who sent it when known (SASL login, client,
// track id), and a line per recipient (status, DSN, delivery attempts, last
// reply). Every text is sanitised and cut.
func WriteMessagesText(w io.Writer, rows []track.MessageRow, loc *time.Location) error {
	b := bufio.NewWriter(w)
	if len(rows) == 0 {
		b.WriteString("no tracked messages\n")
		return b.Flush()
	}
	qw := len("QUEUE ID")
	for _, m := range rows {
		qw = max(qw, len(shown(m.QueueID, 32)))
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
	for _, m := range rows {
		fmt.Fprintf(b, "%-*s  %-19s  %-19s  %-9s  %s\n", qw, shown(m.QueueID, 32), when(m.FirstSeen), when(m.LastSeen),
			shown(string(m.State), 16), senderOf(m))
		if who := whoSent(m); who != "" {
			b.WriteString(indent + who + "\n")
		}
		for _, r := range m.Recipients {
			attempts := fmt.Sprintf("%d attempts", r.Attempts)
			if r.Attempts == 1 {
				attempts = "1 attempt"
			}
			line := fmt.Sprintf("to <%s> %s", shown(r.Address, maxShownText), shown(r.Status, 16))
			if r.DSN != "" {
				line += " " + shown(r.DSN, 16)
			}
			line += ", " + attempts
			if reply := shown(r.Reply, maxShownReply); reply != "" {
				line += ": " + reply
			}
			b.WriteString(indent + line + "\n")
		}
		if len(m.Recipients) == 0 && m.Milter != nil && len(m.Milter.Recipients) > 0 {
			var to []string
			for _, r := range m.Milter.Recipients[:min(3, len(m.Milter.Recipients))] {
				to = append(to, "<"+shown(r, maxShownText)+">")
			}
			more := ""
			if n := m.Milter.Nrcpt - len(to); n > 0 {
				more = fmt.Sprintf(" and %d more", n)
			}
			b.WriteString(indent + "to " + strings.Join(to, ", ") + more + ": no delivery yet\n")
		}
	}
	return b.Flush()
}

// senderOf is the envelope sender as "<addr>", "<>" for the null sender,
// "?" when not known yet.
func senderOf(m track.MessageRow) string {
	switch {
	case m.FromKnown:
		return "<" + shown(m.From, maxShownText) + ">"
	case m.Milter != nil:
		return "<" + shown(m.Milter.Sender, maxShownText) + ">"
	}
	return "?"
}

// whoSent names the SASL login, the client and the track id, from the log
// or else from the milter.
func whoSent(m track.MessageRow) string {
	var parts []string
	user, client := m.SASLUser, m.Client
	if f := m.Milter; f != nil {
		if user == "" {
			user = f.AuthUser
		}
		if client == "" && (f.ClientName != "" || f.ClientAddr != "") {
			client = f.ClientName + "[" + f.ClientAddr + "]"
		}
	}
	if user != "" {
		u := "sasl " + shown(user, maxShownText)
		if m.Milter != nil && m.Milter.AuthType != "" && user == m.Milter.AuthUser {
			u += " (" + shown(m.Milter.AuthType, 32) + ")"
		}
		parts = append(parts, u)
	}
	if client != "" {
		parts = append(parts, "client "+shown(client, maxShownText))
	}
	if m.Milter != nil && m.Milter.TrackID != "" {
		parts = append(parts, "track "+shown(m.Milter.TrackID, 64))
	}
	return strings.Join(parts, ", ")
}

// messageJSON is one line of WriteMessagesJSON. Times are RFC 3339 in UTC,
// absent when not known; texts are as stored (JSON escapes control
// characters).
type messageJSON struct {
	QueueID       string          `json:"queue_id"`
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

// WriteMessagesJSON writes one JSON object per message (JSON lines). Texts
// are given whole, as stored; characters that are invisible or change how
// a terminal shows text (controls, bidirectional overrides) are \u
// escapes.
func WriteMessagesJSON(w io.Writer, rows []track.MessageRow) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, m := range rows {
		j := messageJSON{QueueID: m.QueueID, State: string(m.State), FirstSeen: jsonTime(m.FirstSeen), LastSeen: jsonTime(m.LastSeen),
			RemovedAt: jsonTime(m.RemovedAt), ExpiredAt: jsonTime(m.ExpiredAt), RejectedAt: jsonTime(m.RejectedAt),
			MessageID: m.MessageID, Origin: m.Origin, Client: m.Client, ClientIP: m.ClientIP, SASLUser: m.SASLUser,
			Size: m.Size, Nrcpt: m.Nrcpt, NoticeQueueID: m.NoticeQueueID, Notice: m.Notice, Recipients: []recipientJSON{}}
		if m.FromKnown {
			j.Sender = &m.From
		}
		if f := m.Milter; f != nil {
			j.Milter = &milterJSON{TrackID: f.TrackID, SeenAt: jsonTime(f.SeenAt), Sender: f.Sender, Recipients: f.Recipients,
				Nrcpt: f.Nrcpt, AuthUser: f.AuthUser, AuthType: f.AuthType, ClientName: f.ClientName, ClientAddr: f.ClientAddr,
				ClientPort: f.ClientPort, Helo: f.Helo, MessageID: f.MessageID}
			if j.Milter.Recipients == nil {
				j.Milter.Recipients = []string{}
			}
		}
		for _, r := range m.Recipients {
			j.Recipients = append(j.Recipients, recipientJSON{Address: r.Address, OrigTo: r.OrigTo, Domain: r.Domain, Status: r.Status,
				DSN: r.DSN, Relay: r.Relay, Reply: r.Reply, Attempts: r.Attempts, FirstSeen: jsonTime(r.FirstSeen), UpdatedAt: jsonTime(r.UpdatedAt)})
		}
		buf.Reset()
		if err := enc.Encode(j); err != nil {
			return err
		}
		if _, err := w.Write(escapeInvisible(buf.Bytes())); err != nil {
			return err
		}
	}
	return nil
}

// escapeInvisible rewrites, in JSON text, the runes that are neither
// graphic nor plain spaces as \u escapes (UTF-16 pairs beyond the BMP).
// encoding/json already escapes the control characters; they occur only
// inside strings, where an escape means the same rune.
func escapeInvisible(b []byte) []byte {
	if !bytes.ContainsFunc(b, invisible) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if invisible(r) {
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

func invisible(r rune) bool {
	return r != '\n' && sanitize.Unsafe(r) // '\n' ends each JSON line
}
