package notify

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSMTPCaptureGolden sends goldens through the SMTP sender to a go-smtp
// server: the bytes the server's backend receives (the protocol has undone
// its dot-stuffing) equal the golden file.
func TestSMTPCaptureGolden(t *testing.T) {
	srv := newCaptureServer()
	addr := srv.start(t, "127.0.0.1:0", nil)
	s := &SMTP{Addr: addr, From: "rblwatch@mail.example.net", HeloName: "mail.example.net"}
	for _, name := range []string{"opened_en", "opened_ja", "opened_microsoft_html_en", "hostile_en"} {
		t.Run(name, func(t *testing.T) {
			golden, err := os.ReadFile(goldenPath(name))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(context.Background(), s.From, []string{"postmaster@example.net"}, golden); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := <-srv.received
			if !bytes.Equal(got.Data, golden) {
				t.Errorf("received message differs from %s", goldenPath(name))
			}
			if got.From != "rblwatch@mail.example.net" || !slices.Equal(got.To, []string{"postmaster@example.net"}) {
				t.Errorf("envelope %q → %q", got.From, got.To)
			}
		})
	}
}

// TestSMTPDotStuffing: lines that start with a dot survive the trip.
func TestSMTPDotStuffing(t *testing.T) {
	srv := newCaptureServer()
	addr := srv.start(t, "127.0.0.1:0", nil)
	msg := []byte("Subject: dots\r\n\r\n.\r\n..\r\n.leading\r\nmiddle.\r\n.\r\n")
	s := &SMTP{Addr: addr}
	if err := s.Send(context.Background(), "", []string{"a@example.net", "b@example.net"}, msg); err != nil {
		t.Fatal(err)
	}
	got := <-srv.received
	if !bytes.Equal(got.Data, msg) {
		t.Errorf("got %q, want %q", got.Data, msg)
	}
	if got.From != "" || !slices.Equal(got.To, []string{"a@example.net", "b@example.net"}) {
		t.Errorf("envelope %q → %q", got.From, got.To)
	}
}

func TestSMTPErrors(t *testing.T) {
	tests := []struct {
		name     string
		rcptErr  error
		dataErr  error
		wantOp   string
		wantCode int
		wantEnh  string
		wantTemp bool
	}{
		{"rcpt 451", smtpErr(451, [3]int{4, 3, 0}, "Try again later"), nil, "rcpt", 451, "4.3.0", true},
		{"rcpt 550", smtpErr(550, [3]int{5, 7, 1}, "Relaying denied"), nil, "rcpt", 550, "5.7.1", false},
		{"data 452", nil, smtpErr(452, [3]int{4, 3, 1}, "Insufficient system storage"), "data", 452, "4.3.1", true},
		{"data 554", nil, smtpErr(554, [3]int{5, 6, 0}, "Message rejected"), "data", 554, "5.6.0", false},
		// go-smtp puts the enhanced code on the continuation lines only.
		{"data 554 multi-line", nil, smtpErr(554, [3]int{5, 6, 0}, "Message rejected\r\nBcc: x"), "data", 554, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCaptureServer()
			srv.rcptErr = func(int) error { return tc.rcptErr }
			srv.dataErr = func(int) error { return tc.dataErr }
			addr := srv.start(t, "127.0.0.1:0", nil)
			s := &SMTP{Addr: addr}
			err := s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("Subject: x\r\n\r\nx\r\n"))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err %v (%T), want *SendError", err, err)
			}
			if se.Op != tc.wantOp || se.Code != tc.wantCode || se.Enhanced != tc.wantEnh || se.Temporary() != tc.wantTemp || Temporary(err) != tc.wantTemp {
				t.Errorf("got op %q code %d enh %q temp %v; want %q %d %q %v", se.Op, se.Code, se.Enhanced, se.Temp, tc.wantOp, tc.wantCode, tc.wantEnh, tc.wantTemp)
			}
			if strings.ContainsAny(se.Error(), "\r\n") {
				t.Errorf("error text has a line break: %q", se.Error())
			}
			if len(srv.messages()) != 0 {
				t.Errorf("the server stored a message it refused")
			}
		})
	}
}

func TestSMTPConnectionRefusedIsTemporary(t *testing.T) {
	s := &SMTP{Addr: closedAddr(t)}
	err := s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("x\r\n"))
	var se *SendError
	if !errors.As(err, &se) || se.Op != "dial" || !se.Temp {
		t.Fatalf("err %v, want a temporary dial error", err)
	}
}

func TestSMTPTLS(t *testing.T) {
	serverTLS, pool := testCert(t)
	_, otherPool := testCert(t)
	msg := []byte("Subject: tls\r\n\r\nhello\r\n")
	tests := []struct {
		name      string
		serverTLS bool
		smtp      SMTP
		user      string // the server requires AUTH as this user (password "secret")
		mechs     []string
		wantErr   string // substring of the error; "" for success
		wantTemp  bool
		wantTLS   bool
		wantUser  string
		// remote names the relay relay.example.net (dialled at the test
		// server): not this host.
		remote bool
	}{
		{name: "required, verified", serverTLS: true, smtp: SMTP{TLS: TLSRequired, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}, wantTLS: true},
		{name: "required, not offered", serverTLS: false, smtp: SMTP{TLS: TLSRequired}, wantErr: "does not offer STARTTLS", wantTemp: true},
		{name: "required, unknown CA", serverTLS: true, smtp: SMTP{TLS: TLSRequired, TLSConfig: &tls.Config{RootCAs: otherPool, ServerName: "localhost"}}, wantErr: "certificate", wantTemp: true},
		{name: "opportunistic, self-signed", serverTLS: true, smtp: SMTP{TLS: TLSOpportunistic}, wantTLS: true},
		{name: "opportunistic, not offered", serverTLS: false, smtp: SMTP{TLS: TLSOpportunistic}, wantTLS: false},
		{name: "none ignores STARTTLS", serverTLS: true, smtp: SMTP{TLS: TLSNone}, wantTLS: false},
		{name: "auth plain", serverTLS: true, user: "rbl", mechs: []string{"PLAIN", "LOGIN"},
			smtp: SMTP{TLS: TLSRequired, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, Username: "rbl", Password: "secret"}, wantTLS: true, wantUser: "rbl"},
		{name: "auth login", serverTLS: true, user: "rbl", mechs: []string{"LOGIN"},
			smtp: SMTP{TLS: TLSRequired, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, Username: "rbl", Password: "secret"}, wantTLS: true, wantUser: "rbl"},
		{name: "auth wrong password", serverTLS: true, user: "rbl", mechs: []string{"PLAIN"},
			smtp: SMTP{TLS: TLSRequired, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, Username: "rbl", Password: "wrong"}, wantErr: "535", wantTemp: true},
		{name: "auth over opportunistic refused", serverTLS: true, remote: true, smtp: SMTP{TLS: TLSOpportunistic, Username: "rbl", Password: "secret"}, wantErr: "needs TLS policy required", wantTemp: false},
		{name: "auth in clear refused", serverTLS: false, remote: true, smtp: SMTP{Username: "rbl", Password: "secret"}, wantErr: "needs TLS policy required", wantTemp: false},
		{name: "auth in clear to this host", serverTLS: false, user: "rbl", mechs: []string{"PLAIN"},
			smtp: SMTP{Username: "rbl", Password: "secret"}, wantTLS: false, wantUser: "rbl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCaptureServer()
			srv.user, srv.pass, srv.mechs = tc.user, "secret", tc.mechs
			var cfg *tls.Config
			if tc.serverTLS {
				cfg = serverTLS
			}
			s := tc.smtp
			s.Addr = srv.start(t, "127.0.0.1:0", cfg)
			if tc.remote {
				real := s.Addr
				_, port, _ := net.SplitHostPort(real)
				s.Addr = "relay.example.net:" + port
				s.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
					return (&net.Dialer{}).DialContext(ctx, network, real)
				}
			}
			err := s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, msg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want one mentioning %q", err, tc.wantErr)
				}
				if Temporary(err) != tc.wantTemp {
					t.Errorf("Temporary(%v) = %v, want %v", err, Temporary(err), tc.wantTemp)
				}
				if len(srv.messages()) != 0 {
					t.Errorf("message delivered despite the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := <-srv.received
			if got.TLS != tc.wantTLS || got.User != tc.wantUser || !bytes.Equal(got.Data, msg) {
				t.Errorf("got TLS %v user %q data %q; want TLS %v user %q", got.TLS, got.User, got.Data, tc.wantTLS, tc.wantUser)
			}
		})
	}
}

// TestSMTPImplicitTLS connects with TLS from the first byte (port 465 style).
func TestSMTPImplicitTLS(t *testing.T) {
	serverTLS, pool := testCert(t)
	l, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
	if err != nil {
		t.Fatal(err)
	}
	srv := newCaptureServer()
	srv.serve(t, l, nil)
	s := &SMTP{Addr: l.Addr().String(), TLS: TLSImplicit, TLSConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	if err := s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("Subject: x\r\n\r\ny\r\n")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := <-srv.received; !got.TLS {
		t.Errorf("message not received over TLS")
	}
}

func TestSMTPValidate(t *testing.T) {
	tests := []struct {
		s    SMTP
		want bool // valid
	}{
		{SMTP{}, true},
		{SMTP{Addr: "relay.example.net:587", TLS: TLSRequired, Username: "u", Password: "p"}, true},
		{SMTP{Addr: "relay.example.net:465", TLS: TLSImplicit, Username: "u"}, true},
		{SMTP{Addr: "no-port"}, false},
		{SMTP{TLS: "sometimes"}, false},
		{SMTP{Username: "u"}, true}, // the local relay: nothing crosses a network
		{SMTP{Addr: "localhost:587", TLS: TLSOpportunistic, Username: "u"}, true},
		{SMTP{Addr: "relay.example.net:587", Username: "u"}, false},
		{SMTP{Addr: "relay.example.net:587", TLS: TLSOpportunistic, Username: "u"}, false},
		{SMTP{From: "a@b\r\nRCPT TO:<x@y>"}, false},
		{SMTP{HeloName: "bad name"}, false},
	}
	for _, tc := range tests {
		err := tc.s.Validate()
		if (err == nil) != tc.want {
			t.Errorf("Validate(%+v) = %v, want valid %v", tc.s, err, tc.want)
		}
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("Validate error %v is not ErrConfig", err)
		}
	}
}

func TestSMTPBadAddressIsPermanent(t *testing.T) {
	s := &SMTP{Addr: closedAddr(t)}
	err := s.Send(context.Background(), "a@example.net", []string{"b@example.net>\r\nDATA"}, []byte("x\r\n"))
	if err == nil || Temporary(err) {
		t.Fatalf("err %v, want a permanent error", err)
	}
}

// TestSMTPHungRelay: a relay that accepts the connection and never says a
// word is given up at the timeout, as a temporary failure; go-smtp's own
// command timeouts (minutes) do not stretch it.
func TestSMTPHungRelay(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, silent, until the test ends
		}
	}()
	s := &SMTP{Addr: l.Addr().String(), Timeout: 300 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		done <- s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("x\r\n"))
	}()
	select {
	case err := <-done:
		if err == nil || !Temporary(err) {
			t.Errorf("err %v, want a temporary failure", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Send still waits on a silent relay long after its timeout")
	}
}

// TestSMTPHelo: the relay hears our name, also after STARTTLS.
func TestSMTPHelo(t *testing.T) {
	serverTLS, _ := testCert(t)
	for _, tc := range []struct {
		name      string
		serverTLS *tls.Config
		policy    TLSPolicy
	}{{"clear", nil, TLSNone}, {"starttls", serverTLS, TLSOpportunistic}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newCaptureServer()
			addr := srv.start(t, "127.0.0.1:0", tc.serverTLS)
			s := &SMTP{Addr: addr, HeloName: "mx1.example.net", TLS: tc.policy}
			if err := s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("Subject: x\r\n\r\ny\r\n")); err != nil {
				t.Fatal(err)
			}
			if got := <-srv.received; got.Helo != "mx1.example.net" || got.TLS != (tc.serverTLS != nil) {
				t.Errorf("relay heard HELO %q (TLS %v)", got.Helo, got.TLS)
			}
		})
	}
}

// TestSMTPHugeReply: a relay whose reply never ends (a greeting of 64 MiB
// in lines of 900 bytes) is cut off after maxRelayRead: go-smtp keeps a
// multi-line reply whole, and a 180 MB greeting took the daemon to 800 MB
// (attack run, issue 9). The notice is retried later.
func TestSMTPHugeReply(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const total = 64 << 20
	wrote := make(chan int64, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			wrote <- 0
			return
		}
		defer c.Close()
		line := []byte("220-" + strings.Repeat("x", 894) + "\r\n")
		var n int64
		for n < total {
			k, err := c.Write(line)
			n += int64(k)
			if err != nil {
				break
			}
		}
		if n >= total {
			c.Write([]byte("220 ok\r\n"))
		}
		wrote <- n
	}()
	s := &SMTP{Addr: l.Addr().String(), Timeout: time.Minute}
	err = s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("x\r\n"))
	if err == nil || !Temporary(err) {
		t.Errorf("err %v, want a temporary failure", err)
	}
	// The relay could write what the client read, and what the sockets'
	// buffers held after the client hung up.
	if n := <-wrote; n >= total {
		t.Errorf("the client read the whole %d-byte reply, want it cut off after %d", n, maxRelayRead)
	}
}

// scriptedRelay serves raw SMTP on a loopback port: greetings[n] first on
// the nth connection (the last one on those after), then ehlo as the reply
// to EHLO and "250 ok" to any other command (a go-smtp server cannot refuse
// in its greeting). It returns the address and a channel of the commands
// it heard.
func scriptedRelay(t *testing.T, greetings []string, ehlo string) (string, <-chan string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	heard := make(chan string, 100)
	go func() {
		for n := 0; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			greeting := greetings[min(n, len(greetings)-1)]
			go func() {
				defer c.Close()
				if _, err := c.Write([]byte(greeting + "\r\n")); err != nil || greeting[0] != '2' {
					return
				}
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					heard <- cmd
					reply := "250 ok"
					switch {
					case strings.HasPrefix(cmd, "EHLO"):
						reply = ehlo
					case cmd == "QUIT":
						reply = "221 bye"
					}
					if _, err := c.Write([]byte(reply + "\r\n")); err != nil || reply[0] != '2' {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String(), heard
}

// TestSMTPRefusedGreeting: a relay that refuses the session in its
// greeting, before any command of ours — 554 from client restrictions, a
// smarthost refusing a listed address, 521 from postscreen — refuses every
// notice whatever it holds: the failure is temporary (the notice is
// retried, as Postfix's smtp_skip_5xx_greeting defers its mail), never given
// up at once. A refusal of our EHLO is a reply to what we said, and keeps
// its code's meaning.
func TestSMTPRefusedGreeting(t *testing.T) {
	const refused = "554 5.7.1 <localhost[127.0.0.1]>: Client host rejected: Access denied"
	for _, tc := range []struct {
		name      string
		greetings []string
		ehlo      string
		policy    TLSPolicy
		op        string
		code      int
		temp      bool
	}{
		{"554 greeting", []string{refused}, "250 ok", TLSNone, "greeting", 554, true},
		{"521 greeting", []string{"521 5.3.2 mx.example.net Service currently unavailable"}, "250 ok", TLSNone, "greeting", 521, true},
		{"421 greeting", []string{"421 4.3.2 Service shutting down"}, "250 ok", TLSNone, "greeting", 421, true},
		// STARTTLS offered on the first connection, refused in the
		// greeting of the second (the one that starts TLS).
		{"554 greeting before STARTTLS", []string{"220 mx.example.net ESMTP", refused}, "250-mx.example.net\r\n250 STARTTLS", TLSOpportunistic, "greeting", 554, true},
		{"550 to EHLO", []string{"220 mx.example.net ESMTP"}, "550 5.7.1 <localhost>: Helo command rejected: not a name of ours", TLSNone, "ehlo", 550, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, heard := scriptedRelay(t, tc.greetings, tc.ehlo)
			s := &SMTP{Addr: addr, TLS: tc.policy, Timeout: 10 * time.Second}
			err := s.Send(context.Background(), "a@example.net", []string{"b@example.net"}, []byte("Subject: x\r\n\r\nx\r\n"))
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err %v (%T), want *SendError", err, err)
			}
			if se.Op != tc.op || se.Code != tc.code || se.Temporary() != tc.temp || Temporary(err) != tc.temp {
				t.Errorf("got op %q code %d temporary %v (%v); want %q %d %v", se.Op, se.Code, se.Temporary(), err, tc.op, tc.code, tc.temp)
			}
			if strings.ContainsAny(se.Error(), "\r\n") {
				t.Errorf("error text has a line break: %q", se.Error())
			}
			for len(heard) > 0 {
				if cmd := <-heard; strings.HasPrefix(cmd, "MAIL") || strings.HasPrefix(cmd, "RCPT") {
					t.Errorf("the client went on after the refusal: %q", cmd)
				}
			}
		})
	}
}
