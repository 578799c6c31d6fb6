package notify

import (
	"errors"
	"fmt"
	"strings"

	smtp "github.com/emersion/go-smtp"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// SendError is a failed delivery, modelled on go-smtp's SMTPError. It says
// whether trying again later makes sense.
type SendError struct {
	Sink string // "smtp", "sendmail", "webhook"
	Op   string // what failed: "dial", "starttls", "auth", "mail", "rcpt", "data", "run", "post", …
	// Code is the SMTP reply code, the HTTP status or the sendmail exit
	// status; 0 when there was none (a network error).
	Code     int
	Enhanced string // RFC 3463 code of an SMTP reply ("4.7.1"), if any
	Message  string // the peer's words, sanitised and bounded
	Temp     bool   // a retry may succeed
	Err      error  // the underlying error, if any
	// Peer names the peer when it is no secret (an Alertmanager's URL;
	// never the webhook's, which often holds a token).
	Peer string
}

func (e *SendError) Error() string {
	d := e.detail()
	if strings.HasPrefix(d, " (") { // nothing but temporary or permanent
		return fmt.Sprintf("notify: %s %s%s", e.Sink, e.Op, d)
	}
	return fmt.Sprintf("notify: %s %s: %s", e.Sink, e.Op, d)
}

// detail is the error after its sink and operation: the peer, the code,
// the peer's words or the underlying error, and whether it is temporary.
func (e *SendError) detail() string {
	var b strings.Builder
	if e.Peer != "" {
		b.WriteString(e.Peer + ": ")
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, "%d", e.Code)
		if e.Enhanced != "" {
			b.WriteString(" " + e.Enhanced)
		}
	}
	if e.Message != "" {
		if e.Code != 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	if e.Err != nil && e.Message == "" {
		if e.Code != 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	if e.Temp {
		b.WriteString(" (temporary)")
	} else {
		b.WriteString(" (permanent)")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Temporary reports whether a retry may succeed.
func (e *SendError) Temporary() bool { return e.Temp }

// PartialError is a delivery the peer took for some recipients only: the
// others were refused (an SMTP relay's reply to RCPT TO). The notice is
// delivered to those it took, never again; the outbox tries it again for
// the recipients deferred (4xx) alone, and names those refused for good in
// the log.
type PartialError struct {
	Refused []RefusedRecipient
}

// deferred returns the recipients refused temporarily (nil for a nil e).
func (e *PartialError) deferred() []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, r := range e.Refused {
		if r.Err == nil || r.Err.Temp {
			out = append(out, r.Addr)
		}
	}
	return out
}

// RefusedRecipient is a recipient the relay refused, with its reply.
type RefusedRecipient struct {
	Addr string
	Err  *SendError
}

func (e *PartialError) Error() string {
	parts := make([]string, len(e.Refused))
	for i, r := range e.Refused {
		parts[i] = sanitize.Line(r.Addr, maxField) + ": " + r.Err.Error()
	}
	return "notify: delivered, but refused for " + strings.Join(parts, "; ")
}

// delivered reports whether err still means the peer took the notice
// (nil, or a *PartialError).
func delivered(err error) (*PartialError, bool) {
	if err == nil {
		return nil, true
	}
	var pe *PartialError
	if errors.As(err, &pe) {
		return pe, true
	}
	return nil, false
}

// Temporary reports whether a delivery error is worth retrying. A SendError
// says so itself; any other error (a network failure, a timeout, a cancelled
// context) is taken as temporary, because giving up loses a notice while
// retrying only delays it.
func Temporary(err error) bool {
	var se *SendError
	if errors.As(err, &se) {
		return se.Temp
	}
	return err != nil
}

// smtpError turns an error of go-smtp's client into a SendError: a reply
// (*smtp.SMTPError) carries its code and enhanced code (5xx permanent,
// anything else temporary); any other error is a network failure,
// temporary.
func smtpError(op string, err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var re *smtp.SMTPError
	if errors.As(err, &re) {
		e := &SendError{
			Sink: "smtp", Op: op, Code: re.Code,
			Message: sanitize.Line(strings.ReplaceAll(re.Message, "\n", " "), maxReply),
			Temp:    re.Code/100 != 5,
			Err:     err,
		}
		if c := re.EnhancedCode; c[0] >= 2 && c[0] <= 5 && c[1] >= 0 && c[2] >= 0 {
			e.Enhanced = fmt.Sprintf("%d.%d.%d", c[0], c[1], c[2])
		}
		return e
	}
	return &SendError{Sink: "smtp", Op: op, Temp: true, Err: err}
}
