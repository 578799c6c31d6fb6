package notify

import (
	"errors"
	"fmt"
	"net/textproto"
	"strings"

	"github.com/rblwatch/rblwatch/internal/sanitize"
	"github.com/rblwatch/rblwatch/reply"
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
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "notify: %s %s", e.Sink, e.Op)
	if e.Code != 0 {
		fmt.Fprintf(&b, ": %d", e.Code)
		if e.Enhanced != "" {
			b.WriteString(" " + e.Enhanced)
		}
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil && e.Message == "" {
		b.WriteString(": " + e.Err.Error())
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

// smtpError turns an error from net/smtp into a SendError: a reply carries
// its code (4xx temporary, 5xx permanent); anything else is a network
// failure, temporary.
func smtpError(op string, err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		r := reply.Parse(fmt.Sprintf("%03d %s", te.Code, strings.ReplaceAll(te.Msg, "\n", " ")))
		return &SendError{
			Sink: "smtp", Op: op, Code: te.Code, Enhanced: r.Enhanced,
			Message: sanitize.Line(r.Message(), maxReply),
			Temp:    te.Code < 500 || te.Code >= 600,
			Err:     err,
		}
	}
	return &SendError{Sink: "smtp", Op: op, Temp: true, Err: err}
}
