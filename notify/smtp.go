package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// TLSPolicy says whether and how the SMTP sender uses TLS.
type TLSPolicy string

const (
	// TLSNone never uses TLS: right for the local relay on 127.0.0.1:25.
	TLSNone TLSPolicy = "none"
	// TLSOpportunistic uses STARTTLS when the relay offers it, without
	// verifying the certificate, and sends in clear text otherwise.
	TLSOpportunistic TLSPolicy = "opportunistic"
	// TLSRequired insists on STARTTLS with a verified certificate; a relay
	// that does not offer it is a temporary failure.
	TLSRequired TLSPolicy = "required"
	// TLSImplicit connects with TLS from the start (port 465), verifying
	// the certificate.
	TLSImplicit TLSPolicy = "implicit"
)

// Defaults of the SMTP sender.
const (
	DefaultSMTPAddr    = "127.0.0.1:25"
	DefaultSMTPTimeout = 60 * time.Second
)

// SMTP delivers notices to a relay, by default the local Postfix. The zero
// value (after Validate) sends in clear text to 127.0.0.1:25 as "localhost".
type SMTP struct {
	Addr     string    // host:port; DefaultSMTPAddr when empty
	From     string    // envelope sender; "" sends with the null sender <>
	HeloName string    // name in EHLO; "localhost" when empty
	TLS      TLSPolicy // TLSNone when empty
	// TLSConfig sets roots and server name for TLSRequired and TLSImplicit;
	// nil verifies against the system roots and the host of Addr.
	TLSConfig *tls.Config
	// Username and Password enable AUTH (PLAIN, else LOGIN). Credentials
	// are only ever sent over a verified TLS connection (TLSRequired or
	// TLSImplicit); Validate refuses other combinations.
	Username string
	Password string
	// Timeout bounds one whole delivery (connect, dialogue, data);
	// DefaultSMTPTimeout when zero. A context deadline also applies.
	Timeout time.Duration
	// Dial connects; nil uses a net.Dialer. Tests may replace it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Validate checks the configuration and returns the first problem.
func (s *SMTP) Validate() error {
	addr := s.addr()
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%w: smtp address %q: %w", ErrConfig, addr, err)
	}
	switch s.TLS {
	case "", TLSNone, TLSOpportunistic, TLSRequired, TLSImplicit:
	default:
		return fmt.Errorf("%w: unknown TLS policy %q (want none, opportunistic, required or implicit)", ErrConfig, s.TLS)
	}
	if s.Username != "" && s.TLS != TLSRequired && s.TLS != TLSImplicit {
		return fmt.Errorf("%w: smtp authentication needs TLS policy required or implicit, not %q", ErrConfig, s.policy())
	}
	if strings.ContainsAny(s.From, "\r\n<> ") || strings.ContainsAny(s.HeloName, "\r\n ") {
		return fmt.Errorf("%w: smtp sender or HELO name with spaces, brackets or line breaks", ErrConfig)
	}
	return nil
}

func (s *SMTP) addr() string {
	if s.Addr == "" {
		return DefaultSMTPAddr
	}
	return s.Addr
}

func (s *SMTP) policy() TLSPolicy {
	if s.TLS == "" {
		return TLSNone
	}
	return s.TLS
}

// Deliver sends an outbox item: Payload is the message, Recipients the
// envelope recipients.
func (s *SMTP) Deliver(ctx context.Context, it Item) error {
	return s.Send(ctx, s.From, it.Recipients, it.Payload)
}

// Send delivers msg (CRLF line ends, as Compose makes it) to the relay. It
// returns nil only once the relay has accepted the data with a 2xx reply;
// a *SendError says otherwise, and whether to try again.
func (s *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) (err error) {
	if err := s.Validate(); err != nil {
		return &SendError{Sink: "smtp", Op: "config", Err: err}
	}
	if len(to) == 0 {
		return &SendError{Sink: "smtp", Op: "rcpt", Message: "no recipient"}
	}
	for _, a := range append([]string{from}, to...) {
		if strings.ContainsAny(a, "\r\n<>") {
			return &SendError{Sink: "smtp", Op: "mail", Message: fmt.Sprintf("bad address %q", sanitize.Line(a, maxField))}
		}
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	addr := s.addr()
	host, _, _ := net.SplitHostPort(addr)
	conn, err := s.dial(ctx, addr, host)
	if err != nil {
		return &SendError{Sink: "smtp", Op: "dial", Temp: true, Err: err}
	}
	// Every read and write honours the context: its deadline becomes the
	// connection's, and cancelling it unblocks a pending read.
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return smtpError("greeting", err)
	}
	defer c.Close()
	helo := s.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return smtpError("ehlo", err)
	}
	switch s.policy() {
	case TLSOpportunistic, TLSRequired:
		offered, _ := c.Extension("STARTTLS")
		if !offered {
			if s.policy() == TLSRequired {
				return &SendError{Sink: "smtp", Op: "starttls", Temp: true, Message: "the relay does not offer STARTTLS"}
			}
			break
		}
		if err := c.StartTLS(s.tlsConfig(host, s.policy() == TLSOpportunistic)); err != nil {
			return smtpError("starttls", err)
		}
	}
	if s.Username != "" {
		if err := s.auth(c, host); err != nil {
			return err
		}
	}
	if err := c.Mail(from); err != nil {
		return smtpError("mail", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return smtpError("rcpt", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpError("data", err)
	}
	// Close sends the final dot and reads the relay's reply: from here on
	// the relay owns the message.
	if err := w.Close(); err != nil {
		return smtpError("data", err)
	}
	// The message is accepted; a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) dial(ctx context.Context, addr, host string) (net.Conn, error) {
	dial := s.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if s.policy() != TLSImplicit {
		return conn, nil
	}
	tc := tls.Client(conn, s.tlsConfig(host, false))
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

func (s *SMTP) tlsConfig(host string, insecure bool) *tls.Config {
	var cfg *tls.Config
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if insecure {
		// Opportunistic TLS only protects against passive listeners: an
		// unverifiable certificate is still better than clear text. No
		// credentials are sent over it (see Validate).
		cfg.InsecureSkipVerify = true
	}
	return cfg
}

// auth authenticates with PLAIN, or LOGIN when the relay offers only that.
func (s *SMTP) auth(c *smtp.Client, host string) error {
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return &SendError{Sink: "smtp", Op: "auth", Message: "the relay does not offer AUTH"}
	}
	offered := strings.Fields(strings.ToUpper(mechs))
	var a smtp.Auth
	switch {
	case slices.Contains(offered, "PLAIN"):
		a = &plainAuth{user: s.Username, pass: s.Password}
	case slices.Contains(offered, "LOGIN"):
		a = &loginAuth{user: s.Username, pass: s.Password}
	default:
		return &SendError{Sink: "smtp", Op: "auth", Message: fmt.Sprintf("the relay offers neither PLAIN nor LOGIN (%s)", sanitize.Line(mechs, 100))}
	}
	if err := c.Auth(a); err != nil {
		return smtpError("auth", err)
	}
	return nil
}

var errAuthNoTLS = errors.New("notify: refusing to send credentials without TLS")

// plainAuth is SASL PLAIN (RFC 4616). Unlike net/smtp's PlainAuth it never
// makes an exception for localhost: credentials go over TLS only.
type plainAuth struct{ user, pass string }

func (a *plainAuth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	if !si.TLS {
		return "", nil, errAuthNoTLS
	}
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a *plainAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("notify: unexpected AUTH PLAIN challenge")
	}
	return nil, nil
}

// loginAuth is the obsolete but common LOGIN mechanism: the server asks for
// "Username:" and "Password:".
type loginAuth struct{ user, pass string }

func (a *loginAuth) Start(si *smtp.ServerInfo) (string, []byte, error) {
	if !si.TLS {
		return "", nil, errAuthNoTLS
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:", "user name", "username":
		return []byte(a.user), nil
	case "password:", "password":
		return []byte(a.pass), nil
	}
	return nil, fmt.Errorf("notify: unexpected AUTH LOGIN challenge %q", sanitize.Line(string(fromServer), 100))
}
