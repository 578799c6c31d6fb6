// Package contentfilter is an after-queue content filter for tests, as
// amavisd-new runs beside Postfix: an SMTP server on loopback to which
// Postfix's content_filter hands every message, and which injects each
// message again into a second smtpd of Postfix (one with content_filter
// empty and receive_override_options=no_milters), where it gets a new queue
// id. It changes nothing in the message; it scans nothing.
//
// Like amavisd-new, it answers Postfix with the second smtpd's reply, so
// that the log of the first delivery names the new queue id:
//
//	status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 28A879CA567)
//
// With SetQuiet it answers only "250 2.0.0 Ok: filtered", as a filter that
// keeps the message in a queue of its own would: the log then ties the two
// queue ids only through the track header (header_checks INFO).
package contentfilter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Filter is a running content filter.
type Filter struct {
	srv      *smtp.Server
	ln       net.Listener
	reinject string
	quiet    atomic.Bool
	done     chan struct{}

	mu     sync.Mutex
	passed int
}

// Start listens on addr (a loopback host:port; port 0 picks one) and
// injects what it receives into the smtpd at reinject (host:port).
func Start(addr, reinject string) (*Filter, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("contentfilter: %w", err)
	}
	f := &Filter{ln: ln, reinject: reinject, done: make(chan struct{})}
	f.srv = smtp.NewServer(backend{f})
	f.srv.Domain = "filter.localhost"
	f.srv.ReadTimeout, f.srv.WriteTimeout = time.Minute, time.Minute
	f.srv.MaxMessageBytes = 10 << 20
	go func() {
		defer close(f.done)
		_ = f.srv.Serve(ln)
	}()
	return f, nil
}

// Addr is where the filter listens ("127.0.0.1:10024").
func (f *Filter) Addr() string { return f.ln.Addr().String() }

// SetQuiet makes the filter answer without the new queue id (true) or with
// it (false, the default).
func (f *Filter) SetQuiet(q bool) { f.quiet.Store(q) }

// Passed counts the messages injected again.
func (f *Filter) Passed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.passed
}

// Close stops the filter.
func (f *Filter) Close() error {
	err := f.srv.Close()
	<-f.done
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

type backend struct{ f *Filter }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{f: b.f}, nil }

type session struct {
	f     *Filter
	from  string
	rcpts []string
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data injects the message again and answers with the second smtpd's
// reply; a failure there is a temporary failure here, so Postfix retries.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	reply, err := s.f.inject(s.from, s.rcpts, data)
	if err != nil {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "re-injection failed: " + err.Error()}
	}
	s.f.mu.Lock()
	s.f.passed++
	s.f.mu.Unlock()
	msg := "Ok: filtered"
	if !s.f.quiet.Load() {
		msg = fmt.Sprintf("from MTA(smtp:[%s]): %s", s.f.reinject, reply)
	}
	// go-smtp writes an SMTPError's code as it is: a 250 with our text.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: msg}
}

func (s *session) Reset()        { s.from, s.rcpts = "", nil }
func (s *session) Logout() error { return nil }

// inject sends the message to the second smtpd and returns its reply to
// the end of the data ("250 2.0.0 Ok: queued as QID").
func (f *Filter) inject(from string, rcpts []string, data []byte) (string, error) {
	c, err := smtp.Dial(f.reinject)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.CommandTimeout, c.SubmissionTimeout = time.Minute, time.Minute
	if err := c.Hello("filter.localhost"); err != nil {
		return "", err
	}
	if err := c.Mail(from, nil); err != nil {
		return "", err
	}
	for _, rc := range rcpts {
		if err := c.Rcpt(rc, nil); err != nil {
			return "", err
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		return "", err
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", err
	}
	_ = c.Quit()
	return "250 " + resp.StatusText, nil
}
