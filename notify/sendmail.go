package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// DefaultSendmail is where Postfix installs its sendmail command.
const DefaultSendmail = "/usr/sbin/sendmail"

// Exit statuses of sendmail (sysexits.h) that mean "try again later".
const (
	exOSErr    = 71 // EX_OSERR: fork failed, out of memory, …
	exIOErr    = 74 // EX_IOERR
	exTempFail = 75 // EX_TEMPFAIL: the queue is not writable now, …
)

// Sendmail delivers notices by running "sendmail -i -f FROM -- TO…" with the
// message on standard input, as a local submission. Postfix's sendmail
// writes to the maildrop queue even when the Postfix daemons are down.
type Sendmail struct {
	Path string // DefaultSendmail when empty
	From string // envelope sender; "" leaves it to sendmail
	// Timeout bounds one run; DefaultSMTPTimeout when zero.
	Timeout time.Duration
}

// Deliver sends an outbox item: Payload is the message, Recipients the
// envelope recipients.
func (s *Sendmail) Deliver(ctx context.Context, it Item) error {
	return s.Send(ctx, s.From, it.Recipients, it.Payload)
}

// Send runs sendmail. msg may have CRLF line ends (as Compose makes them):
// they are turned into the local "\n" convention that the sendmail command
// expects. Exit status 0 is success; EX_TEMPFAIL, EX_OSERR and EX_IOERR, a
// command that cannot be started and a timeout are temporary failures;
// any other status is permanent.
func (s *Sendmail) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if len(to) == 0 {
		return &SendError{Sink: "sendmail", Op: "run", Message: "no recipient"}
	}
	for _, a := range append([]string{from}, to...) {
		// An address must never become an option.
		if strings.HasPrefix(a, "-") || strings.ContainsAny(a, "\r\n\x00") {
			return &SendError{Sink: "sendmail", Op: "run", Message: fmt.Sprintf("bad address %q", sanitize.Line(a, maxField))}
		}
	}
	path := s.Path
	if path == "" {
		path = DefaultSendmail
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	args := []string{"-i"}
	if from != "" {
		args = append(args, "-f", from)
	}
	args = append(args, "--")
	args = append(args, to...)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = bytes.NewReader(bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")))
	var out limitedBuffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	text := sanitize.Line(out.String(), maxReply)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		code := ee.ExitCode()
		temp := code == exTempFail || code == exOSErr || code == exIOErr
		return &SendError{Sink: "sendmail", Op: "run", Code: code, Message: text, Temp: temp, Err: err}
	}
	// Not started (missing binary, permissions), killed, or timed out: keep
	// the notice and try again, the operator may be fixing it.
	return &SendError{Sink: "sendmail", Op: "run", Message: text, Temp: true, Err: err}
}

// limitedBuffer keeps the first 4 KiB written to it and discards the rest.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 4096 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
