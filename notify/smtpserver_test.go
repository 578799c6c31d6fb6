package notify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// A capture server, as go-smtp's own tests run one: a real go-smtp server on
// a loopback port whose backend records every message it accepts, and can
// be scripted to refuse.

type captured struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string // authenticated user, if any
	Helo string // the name the client gave in its last EHLO
}

type captureServer struct {
	mu       sync.Mutex
	msgs     []captured
	rcpts    int // RCPT commands seen
	datas    int // DATA commands seen
	received chan captured

	// Scripting: rcptErr and dataErr are asked for every RCPT and DATA
	// (n counts from 1 across sessions); a nil error accepts.
	rcptErr func(n int) error
	dataErr func(n int) error
	// Auth: when user is set the server offers these mechanisms and
	// refuses MAIL before a successful AUTH.
	user, pass string
	mechs      []string
}

func newCaptureServer() *captureServer {
	return &captureServer{received: make(chan captured, 100)}
}

// start serves on addr ("127.0.0.1:0" or a reserved loopback port) and
// returns the address. tlsConfig enables STARTTLS.
func (c *captureServer) start(t *testing.T, addr string, tlsConfig *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	return c.serve(t, l, tlsConfig)
}

// serve serves on l (which may be a TLS listener) until the test ends.
func (c *captureServer) serve(t *testing.T, l net.Listener, tlsConfig *tls.Config) string {
	t.Helper()
	s := smtp.NewServer(smtp.BackendFunc(func(conn *smtp.Conn) (smtp.Session, error) {
		return &captureSession{srv: c, conn: conn}, nil
	}))
	s.Domain = "capture.test"
	s.TLSConfig = tlsConfig
	// AUTH is offered in clear text too: the client must decide where it
	// may send credentials.
	s.AllowInsecureAuth = true
	s.ReadTimeout = 30 * time.Second
	s.WriteTimeout = 30 * time.Second
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(l)
	}()
	t.Cleanup(func() {
		// Close l too: Close alone misses a listener that Serve has not
		// registered yet.
		s.Close()
		l.Close()
		<-done
	})
	return l.Addr().String()
}

func (c *captureServer) messages() []captured {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]captured(nil), c.msgs...)
}

type captureSession struct {
	srv    *captureServer
	conn   *smtp.Conn
	from   string
	to     []string
	user   string
	authed bool
}

func (s *captureSession) AuthMechanisms() []string {
	if s.srv.user == "" {
		return nil
	}
	return s.srv.mechs
}

func (s *captureSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return smtp.ErrAuthFailed
		}
		s.user, s.authed = user, true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *captureSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *captureSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	s.srv.rcpts++
	n := s.srv.rcpts
	s.srv.mu.Unlock()
	if s.srv.rcptErr != nil {
		if err := s.srv.rcptErr(n); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *captureSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.datas++
	n := s.srv.datas
	s.srv.mu.Unlock()
	if s.srv.dataErr != nil {
		if err := s.srv.dataErr(n); err != nil {
			return err
		}
	}
	_, isTLS := s.conn.TLSConnectionState()
	m := captured{From: s.from, To: append([]string(nil), s.to...), Data: b, TLS: isTLS, User: s.user, Helo: s.conn.Hostname()}
	s.srv.mu.Lock()
	s.srv.msgs = append(s.srv.msgs, m)
	s.srv.mu.Unlock()
	s.srv.received <- m
	return nil
}

func (s *captureSession) Reset()        { s.from, s.to = "", nil }
func (s *captureSession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has only the client).
type loginServer struct {
	check      func(user, pass string) error
	step       int
	user, pass string
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if resp != nil { // initial response: the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(resp)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		l.pass = string(resp)
		l.step++
		return nil, true, l.check(l.user, l.pass)
	}
	return nil, false, errors.New("unexpected LOGIN step")
}

// closedAddr returns a loopback address on which nothing listens (a
// connection gets "connection refused") for the rest of the test.
func closedAddr(t *testing.T) string {
	t.Helper()
	addr, _ := testproc.ClosedAddr(t, "127.0.0.1")
	return addr
}

// testCert makes a self-signed certificate for "localhost" and 127.0.0.1,
// and a pool that trusts it.
func testCert(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// smtpErr builds a scripted refusal.
func smtpErr(code int, enh [3]int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode(enh), Message: msg}
}
