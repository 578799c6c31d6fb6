// Package postfixlog is the Postfix log line and its parser: a Line (text and
// the Position after it) as sources produce it, and the Record a Parser makes
// of it. It does no I/O; the sources (followed files, journald, stdin, files
// read once) live in package logwatch, so packages that only read records
// (classify, incident, track, milter) do not depend on them.
package postfixlog

import (
	"time"

	"github.com/rblwatch/rblwatch/reply"
)

// Kind says what a parsed line is about.
type Kind uint8

const (
	KindUnknown      Kind = iota // a Postfix line whose message is not understood (counted as unparsed)
	KindOther                    // understood but of no interest to rblwatch (connect/disconnect, statistics, …)
	KindDelivery                 // a delivery attempt: "to=<…>, relay=…, status=…" (smtp, lmtp, local, virtual, pipe, error, retry, discard, cleanup)
	KindQueued                   // qmgr "from=<…>, size=N, nrcpt=N (queue active)"
	KindRemoved                  // qmgr "removed"
	KindExpired                  // qmgr "from=<…>, status=expired, returned to sender"
	KindMessageID                // cleanup "message-id=<…>"
	KindClient                   // smtpd "QID: client=host[ip]" (with sasl_username when present)
	KindPickup                   // pickup "QID: uid=N from=<…>"
	KindNotification             // bounce "QID: sender non-delivery notification: NEWQID" (also delivery status, delay warning)
	KindReject                   // smtpd/cleanup "NOQUEUE: reject: …" or "milter-reject": inbound refusals by this host
	KindWarning                  // "warning: …" lines
	KindHeader                   // cleanup "QID: info: header NAME: VALUE from …" (a header_checks INFO rule)
)

var kindNames = [...]string{"unknown", "other", "delivery", "queued", "removed", "expired", "message-id", "client", "pickup", "notification", "reject", "warning", "header"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Stage says where in the SMTP dialogue a delivery failed, as Postfix words it.
type Stage uint8

const (
	StageNone     Stage = iota
	StageSaid           // "host X said: …"  (reply to a command)
	StageGreeting       // "host X refused to talk to me: …" (greeting or EHLO rejection)
	StageConnect        // "connect to X: Connection refused/timed out", "Network is unreachable"
	StageLost           // "lost connection with X while …", "conversation with X timed out while …"
	StageLocal          // any other text: local delivery, "delivered to mailbox", "mail for X loops back", DNS errors, …
)

// Record is one parsed log line. String fields are substrings of Raw (no
// copies); fields that the line does not carry are zero.
type Record struct {
	Raw  string    // the whole line, exactly as read (without the trailing newline)
	Time time.Time // zero when the timestamp could not be read
	Host string    // syslog host field

	// Program is the syslog tag as written: "postfix/smtp",
	// "postfix-out/smtp", "postfix/submission/smtpd".
	Program string
	// Instance is the part before the service: "postfix", "postfix-out",
	// "postfix/submission".
	Instance string
	// Service is the last component of Program: "smtp", "smtpd", "qmgr", …
	Service string
	PID     int

	// QueueID is the Postfix queue id (short hex or long form), "NOQUEUE",
	// or "" when the line carries none.
	QueueID string

	Kind Kind

	// Delivery fields (KindDelivery).
	To        string  // recipient, without angle brackets
	OrigTo    string  // orig_to, without angle brackets
	Relay     string  // the whole relay field: "mx.example.com[192.0.2.1]:25", "none", "local"
	RelayHost string  // "mx.example.com"
	RelayIP   string  // "192.0.2.1"
	RelayPort int     // 25; 0 when absent
	Delay     float64 // total delay in seconds
	Delays    string  // "0.01/0/0.1/0.2"
	DSN       string  // "5.7.1"
	Status    string  // "sent", "deferred", "bounced", "expired", "deliverable", "undeliverable"
	Detail    string  // the text inside the final parentheses, as logged (may be cut short by Postfix's 2000-character record limit)

	// Remote reply (deliveries and smtp/lmtp warnings that quote a reply).
	Stage      Stage
	RemoteHost string      // "mx.example.com" from "host mx.example.com[192.0.2.1] said:"
	RemoteIP   string      // "192.0.2.1"
	Reply      reply.Reply // the remote's reply (StageSaid, StageGreeting); for other stages Reply.Text holds the Detail text
	Command    string      // "RCPT TO", "MAIL FROM", "end of DATA", "DATA", "HELO", "EHLO", "STARTTLS", "CONNECT"… (from "in reply to X command" or "while sending X" / "after X")

	// Message fields.
	From      string // KindQueued, KindExpired, KindPickup, KindReject: sender without brackets ("" for the null sender)
	Size      int64  // KindQueued
	Nrcpt     int    // KindQueued
	MessageID string // KindMessageID, without angle brackets

	// KindClient: the submitting client; KindReject: the rejected client.
	Client     string // "localhost[127.0.0.1]" as logged
	ClientHost string
	ClientIP   string
	SASLUser   string // sasl_username=

	// KindPickup: the queue id the message had before "postsuper -r"
	// requeued it (orig_id=), "" for a new submission.
	OrigQueueID string

	// KindHeader: the header a header_checks INFO rule logged, its name as
	// in the message and its value (unfolded as Postfix logs it).
	HeaderName  string
	HeaderValue string

	// KindNotification: the queue id of the notification Postfix created
	// ("sender non-delivery notification: NEWQID").
	NotifyQueueID string
	NotifyKind    string // "sender non-delivery notification", "sender delivery status notification", "sender delay notification", "postmaster non-delivery notification"
}

// Delivered reports whether the record is a successful delivery.
func (r *Record) Delivered() bool { return r.Kind == KindDelivery && r.Status == "sent" }
