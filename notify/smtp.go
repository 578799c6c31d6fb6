package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	smtp "github.com/emersion/go-smtp"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// TLSPolicy says whether and how the SMTP sender uses TLS.
type TLSPolicy string

const (
	// TLSNone never uses TLS, even if the relay offers STARTTLS: right for
	// the local relay on 127.0.0.1:25. It is notify.starttls: never.
	TLSNone TLSPolicy = "never"
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

// StartTLSPolicies are the values of the configuration's notify.starttls:
// config accepts exactly these. TLSImplicit is not one: config chooses it
// for notify.smtp on port 465 (config.Notify.TLS).
var StartTLSPolicies = []TLSPolicy{TLSNone, TLSOpportunistic, TLSRequired}

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
	// TLSImplicit), or to a relay on this host (a loopback Addr), where
	// they cross no network; Validate refuses other combinations.
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
	if host, _, _ := net.SplitHostPort(addr); s.Username != "" && s.TLS != TLSRequired && s.TLS != TLSImplicit && !LoopbackHost(host) {
		return fmt.Errorf("%w: smtp authentication to another host needs TLS policy required or implicit, not %q", ErrConfig, s.policy())
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

// Send delivers msg (CRLF line ends, as Compose makes it) to the relay with
// go-smtp's client. It returns nil only once the relay has accepted the
// data with a 2xx reply; a *SendError says otherwise, and whether to try
// again. When the relay refused some recipients and took the message for
// the others, it returns a *PartialError naming the refused ones: the
// notice is delivered.
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

	c, err := s.open(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if s.Username != "" {
		if err := s.auth(c); err != nil {
			return err
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return smtpError("mail", err)
	}
	// A recipient the relay refuses is left out; the others get the
	// notice (a mistyped or unroutable address among notify.to must not
	// keep the postmaster from being told). Only when every recipient is
	// refused does the delivery fail: temporarily if one refusal is.
	var refused []RefusedRecipient
	var failed *SendError
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			se := smtpError("rcpt", err)
			if se.Code == 0 {
				return se // not a reply: the connection failed
			}
			refused = append(refused, RefusedRecipient{Addr: rcpt, Err: se})
			if failed == nil || se.Temp && !failed.Temp {
				failed = se
			}
		}
	}
	if len(refused) == len(to) {
		return failed
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
	if len(refused) > 0 {
		return &PartialError{Refused: refused}
	}
	return nil
}

// open connects and greets the relay under the TLS policy, and returns a
// client ready for AUTH or MAIL. Every command is bounded by ctx's deadline,
// and the end of ctx closes the connection.
//
// go-smtp (v0.25) starts TLS only in NewClientStartTLS, which says EHLO
// before we could know whether the relay offers STARTTLS. So a STARTTLS
// policy asks first (EHLO on a connection of its own, which goes on in
// clear text when the opportunistic policy finds no STARTTLS), then
// connects again with STARTTLS.
func (s *SMTP) open(ctx context.Context) (*smtp.Client, error) {
	helo := s.HeloName
	if helo == "" {
		helo = "localhost"
	}
	addr := s.addr()
	host, _, _ := net.SplitHostPort(addr)
	policy := s.policy()
	c, said, err := s.client(ctx, addr, host, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Hello(helo); err != nil {
		c.Close()
		if !said.spoke {
			return nil, greetingError(err)
		}
		return nil, smtpError("ehlo", err)
	}
	if policy != TLSOpportunistic && policy != TLSRequired {
		return c, nil
	}
	if offered, _ := c.Extension("STARTTLS"); !offered {
		if policy == TLSRequired {
			c.Close()
			return nil, &SendError{Sink: "smtp", Op: "starttls", Temp: true, Message: "the relay does not offer STARTTLS"}
		}
		return c, nil
	}
	_ = c.Quit()
	c.Close()
	if c, _, err = s.client(ctx, addr, host, s.tlsConfig(host, policy == TLSOpportunistic)); err != nil {
		return nil, err
	}
	// Our name again, over TLS (the library said EHLO localhost before
	// STARTTLS).
	if err := c.Hello(helo); err != nil {
		c.Close()
		return nil, smtpError("ehlo", err)
	}
	return c, nil
}

// client dials and wraps the connection in a go-smtp client; with
// startTLS set it also runs STARTTLS. The connection it returns says
// whether the client has written to the relay yet (see greetingError).
func (s *SMTP) client(ctx context.Context, addr, host string, startTLS *tls.Config) (*smtp.Client, *saidConn, error) {
	raw, err := s.dial(ctx, addr, host)
	if err != nil {
		return nil, nil, &SendError{Sink: "smtp", Op: "dial", Temp: true, Err: err}
	}
	conn := &saidConn{Conn: raw}
	// go-smtp sets a deadline per command (CommandTimeout): keep them
	// within ctx's, and close the connection when ctx ends (Send's end, or
	// a stop).
	context.AfterFunc(ctx, func() { _ = conn.Close() })
	var c *smtp.Client
	if startTLS == nil {
		c = smtp.NewClient(conn)
	} else if c, err = smtp.NewClientStartTLS(conn, startTLS); err != nil {
		conn.Close()
		if !conn.spoke {
			return nil, nil, greetingError(err)
		}
		return nil, nil, smtpError("starttls", err)
	}
	if d, ok := ctx.Deadline(); ok {
		left := time.Until(d)
		c.CommandTimeout, c.SubmissionTimeout = left, left
	}
	return c, conn, nil
}

// saidConn is a connection that notes whether the client has written to
// it: go-smtp's Hello reads the greeting and says EHLO, and returns the
// failure of either.
type saidConn struct {
	net.Conn
	spoke bool
}

func (c *saidConn) Write(p []byte) (int, error) {
	c.spoke = true
	return c.Conn.Write(p)
}

// greetingError is the failure of a session the relay refused in its
// greeting, before any command of ours. A 5xx there (a relay whose client
// restrictions refuse our address, a smarthost that refuses a listed
// address, "554 no SMTP service here") refuses every notice whatever its
// recipients and text: Postfix's own client takes it for a failure of that
// server, not of the mail (smtp_skip_5xx_greeting = yes), and the mail
// waits. So does a notice: the failure is temporary, retried until the
// relay greets us, never given up at the first attempt.
func greetingError(err error) *SendError {
	e := smtpError("greeting", err)
	e.Temp = true
	return e
}

// maxRelayRead bounds what one session reads from the relay: its replies
// are a few hundred bytes, its TLS handshake a few kilobytes, and go-smtp
// keeps a multi-line reply whole, so a relay whose reply never ends would
// take the memory with it.
const maxRelayRead = 1 << 20

// errRelayTooMuch ends a session whose relay sent more than maxRelayRead.
var errRelayTooMuch = errors.New("the relay sent more than 1 MiB in one session")

// boundedConn is a connection that reads at most left bytes.
type boundedConn struct {
	net.Conn
	left int64
}

func (c *boundedConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errRelayTooMuch
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
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
	conn = &boundedConn{Conn: conn, left: maxRelayRead}
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

// auth authenticates with go-sasl's PLAIN, or LOGIN when the relay offers
// only that, and only over TLS or to a relay on this host: credentials
// never cross a network in clear text.
func (s *SMTP) auth(c *smtp.Client) error {
	host, _, _ := net.SplitHostPort(s.addr())
	if _, isTLS := c.TLSConnectionState(); !isTLS && !LoopbackHost(host) {
		return &SendError{Sink: "smtp", Op: "auth", Err: errAuthNoTLS}
	}
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return &SendError{Sink: "smtp", Op: "auth", Message: "the relay does not offer AUTH"}
	}
	var a sasl.Client
	switch {
	case c.SupportsAuth(sasl.Plain):
		a = sasl.NewPlainClient("", s.Username, s.Password)
	case c.SupportsAuth(sasl.Login):
		a = sasl.NewLoginClient(s.Username, s.Password)
	default:
		return &SendError{Sink: "smtp", Op: "auth", Message: fmt.Sprintf("the relay offers neither PLAIN nor LOGIN (%s)", sanitize.Line(mechs, 100))}
	}
	if err := c.Auth(a); err != nil {
		return authError(err)
	}
	return nil
}

// authError is the failure of AUTH. The relay's refusal of our credentials
// ("535 5.7.8 Authentication credentials invalid": a password changed on
// one side only) is the same for every notice and is mended by the
// operator, not by the notice: it is temporary, as Postfix's own client
// defers its mail then (smtp_sasl_auth_soft_bounce = yes), so that the
// notices wait in the outbox (RblwatchOutboxStuck) and go out once the
// password is right, instead of each being given up at its first attempt.
func authError(err error) *SendError {
	e := smtpError("auth", err)
	e.Temp = true
	return e
}

var errAuthNoTLS = errors.New("notify: refusing to send credentials without TLS")

// LoopbackHost reports whether host (an IP address or a name) is this
// machine: "localhost" or a loopback address.
func LoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
