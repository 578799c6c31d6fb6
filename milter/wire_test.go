package milter

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gomilter "github.com/emersion/go-milter"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"
)

// The milter is tested over the wire, with go-milter's client on loopback
// (an implementation of the protocol that is not ours), and with packets
// as Postfix writes them.

// bench is a running Server whose Sink feeds a channel.
type bench struct {
	t       testing.TB
	srv     *Server
	network string
	addr    string
	got     chan Message
	metrics *Metrics
	served  chan error
	stopped sync.Once
}

// suffix is what every track id ends with: the test's random source
// repeats these bytes.
const suffix = "-01020304"

func startOn(t testing.TB, network, address string, o Options) *bench {
	t.Helper()
	ln, err := Listen(network, address, ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{t: t, network: network, addr: ln.Addr().String(), got: make(chan Message, 10000), served: make(chan error, 1)}
	o.Sink = SinkFunc(func(m Message) { b.got <- m })
	o.Metrics = NewMetrics(nil)
	if o.Log == nil {
		o.Log = zaptest.NewLogger(t)
	}
	o.Now = func() time.Time { return t0 }
	o.Rand = strings.NewReader(strings.Repeat("\x01\x02\x03\x04", 100000))
	b.metrics = o.Metrics
	if b.srv, err = New(o); err != nil {
		t.Fatal(err)
	}
	b.srv.noPoll = wireGoroutines
	go func() { b.served <- b.srv.Serve(ln) }()
	t.Cleanup(func() { b.stop() })
	return b
}

func start(t testing.TB, o Options) *bench { return startOn(t, "tcp", "127.0.0.1:0", o) }

// wireGoroutines makes the servers of the tests run a goroutine per
// connection where a poller would serve them (Linux): the way other
// systems, and listeners without a file descriptor, are served.
var wireGoroutines bool

// linuxWireTests are the wire tests only Linux builds (quickack_linux_test.go).
var linuxWireTests = map[string]func(*testing.T){}

// TestWireGoroutinePerConnection runs the wire tests again with a
// goroutine per connection.
func TestWireGoroutinePerConnection(t *testing.T) {
	wireGoroutines = true
	defer func() { wireGoroutines = false }()
	tests := map[string]func(*testing.T){
		"SMTPDPathWithSASL":          TestWireSMTPDPathWithSASL,
		"PickupPathAndCustomHeader":  TestWirePickupPathAndCustomHeader,
		"SeveralMessagesAndAbort":    TestWireSeveralMessagesAndAbort,
		"HostileSizes":               TestWireHostileSizes,
		"MaxSessions":                TestWireMaxSessions,
		"Close":                      TestWireClose,
		"IdleTimeout":                TestWireIdleTimeout,
		"Garbage":                    TestWireGarbage,
		"UnixSocket":                 TestWireUnixSocket,
		"NegotiationAsPostfix":       TestWireNegotiationAsPostfix,
		"PostfixPipelining":          TestWirePostfixPipelining,
		"RepliesToASlowReader":       TestWireRepliesToASlowReader,
		"LongConnectionKeepsMemFlat": TestWireLongConnectionKeepsMemoryFlat,
	}
	for name, f := range linuxWireTests {
		tests[name] = f
	}
	for name, f := range tests {
		t.Run(name, f)
	}
}

// TestWireOneGoroutine: on Linux a poller serves every connection of a
// listener, TCP or unix, from one goroutine: 100 open sessions start no
// goroutine (with a goroutine per connection they start 100).
func TestWireOneGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a poller serves connections on Linux only")
	}
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "milter.sock")
			}
			b := startOn(t, network, addr, Options{})
			// Serve's goroutine has started serving.
			s := b.mustSession()
			connect(t, s)
			before := runtime.NumGoroutine()
			var sessions []*gomilter.ClientSession
			for range 100 {
				s := b.mustSession()
				connect(t, s)
				sessions = append(sessions, s)
			}
			if n := runtime.NumGoroutine() - before; n > 10 {
				t.Errorf("100 sessions started %d goroutines", n)
			}
			for i, s := range sessions {
				qid := fmt.Sprintf("A0696986%03X", i)
				marked(t, send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, eomMacros: []string{"i", qid}}), DefaultHeader, qid+suffix)
				s.Close()
			}
			for range sessions {
				b.next()
			}
		})
	}
}

// TestWireRepliesToASlowReader: an MTA that writes much and reads late
// (its socket buffer full of the milter's replies) gets every reply, in
// order, once it reads.
func TestWireRepliesToASlowReader(t *testing.T) {
	// A unix socket: its buffer (net.core.wmem_default, 208 KiB) does not
	// grow as TCP's does.
	b := startOn(t, "unix", filepath.Join(t.TempDir(), "milter.sock"), Options{})
	c, err := net.Dial("unix", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	// 20,000 negotiations, each answered with version, actions, flags and
	// the macro lists: over 1 MB of replies, more than the socket holds.
	const n = 20000
	offer := packet(cmdOptneg, "\x00\x00\x00\x06", "\x00\x00\x01\xff", "\x00\x1f\xff\xff")
	go func() {
		w := bufio.NewWriter(c)
		for range n {
			w.Write(offer)
		}
		w.Flush()
	}()
	time.Sleep(200 * time.Millisecond) // let the replies pile up
	r := bufio.NewReader(c)
	var want []byte
	for i := range n {
		code, data := readPacket(t, r)
		if i == 0 {
			want = data
		}
		if code != cmdOptneg || !bytes.Equal(data, want) {
			t.Fatalf("reply %d: %q %q, want %q", i, code, data, want)
		}
	}
}

// stop closes the server and checks that Serve ended cleanly.
func (b *bench) stop() {
	b.t.Helper()
	b.stopped.Do(func() {
		if err := b.srv.Close(); err != nil {
			b.t.Errorf("Close: %v", err)
		}
		if err := <-b.served; err != nil {
			b.t.Errorf("Serve: %v", err)
		}
	})
}

// Postfix 3.7's offer in the negotiation (milter8.c, milter_protocol = 6):
// every action, every event flag of version 6.
const (
	postfixActions  = 0x1ff
	postfixProtocol = 0x1fffff
)

// session opens a milter session as Postfix would: milter protocol 6,
// Postfix's actions and event flags.
func (b *bench) session() (*gomilter.ClientSession, error) {
	return b.sessionOffering(postfixActions, postfixProtocol)
}

func (b *bench) sessionOffering(actions gomilter.OptAction, protocol gomilter.OptProtocol) (*gomilter.ClientSession, error) {
	c := gomilter.NewClientWithOptions(b.network, b.addr, gomilter.ClientOptions{
		ReadTimeout: 20 * time.Second, WriteTimeout: 20 * time.Second,
		ActionMask: actions, ProtocolMask: protocol,
	})
	return c.Session()
}

func (b *bench) mustSession() *gomilter.ClientSession {
	b.t.Helper()
	s, err := b.session()
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { s.Close() })
	return s
}

// next returns the message the sink got. The sink is called right after
// the milter answered the end of the message.
func (b *bench) next() Message {
	b.t.Helper()
	select {
	case m := <-b.got:
		return m
	case <-time.After(10 * time.Second):
		b.t.Fatal("the sink got no message")
	}
	return Message{}
}

func (b *bench) none() {
	b.t.Helper()
	select {
	case m := <-b.got:
		b.t.Fatalf("unexpected message %+v", m)
	default:
	}
}

// msg is one message as the MTA hands it to the milter.
type msg struct {
	mailMacros []string
	from       string
	rcpts      []string
	headers    [][2]string
	eohMacros  []string
	eomMacros  []string
}

func check(t testing.TB, what string, act *gomilter.Action, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if act.Code != gomilter.ActContinue {
		t.Fatalf("%s: action %q, want continue: the milter must never refuse mail", what, act.Code)
	}
}

// connect sends the connection and HELO as Postfix's smtpd does.
func connect(t testing.TB, s *gomilter.ClientSession) {
	t.Helper()
	if err := s.Macros(gomilter.CodeConn, "j", "mx.bench.test", "_", "client.example.test [192.0.2.7]", "{daemon_name}", "mx.bench.test", "v", "Postfix 3.7.11"); err != nil {
		t.Fatal(err)
	}
	act, err := s.Conn("client.example.test", gomilter.FamilyInet, 4567, "192.0.2.7")
	check(t, "connect", act, err)
	act, err = s.Helo("vm")
	check(t, "helo", act, err)
}

// send sends one message and returns the modifications the milter asked for.
func send(t testing.TB, s *gomilter.ClientSession, m msg) []gomilter.ModifyAction {
	t.Helper()
	if len(m.mailMacros) > 0 {
		if err := s.Macros(gomilter.CodeMail, m.mailMacros...); err != nil {
			t.Fatal(err)
		}
	}
	act, err := s.Mail(m.from, nil)
	check(t, "mail", act, err)
	for _, r := range m.rcpts {
		act, err := s.Rcpt(r, nil)
		check(t, "rcpt", act, err)
	}
	for _, h := range m.headers {
		act, err := s.HeaderField(h[0], h[1])
		check(t, "header", act, err)
	}
	if len(m.eohMacros) > 0 {
		if err := s.Macros(gomilter.CodeEOH, m.eohMacros...); err != nil {
			t.Fatal(err)
		}
	}
	act, err = s.HeaderEnd()
	check(t, "eoh", act, err)
	if len(m.eomMacros) > 0 {
		if err := s.Macros(gomilter.CodeEOB, m.eomMacros...); err != nil {
			t.Fatal(err)
		}
	}
	mods, act, err := s.BodyReadFrom(strings.NewReader("body\r\n"))
	check(t, "end of message", act, err)
	return mods
}

// marked checks that the only modification is the track header.
func marked(t testing.TB, mods []gomilter.ModifyAction, name, value string) {
	t.Helper()
	want := []gomilter.ModifyAction{{Code: gomilter.ActAddHeader, HeaderName: name, HeaderValue: value}}
	if !reflect.DeepEqual(mods, want) {
		t.Errorf("modifications %+v, want only %+v", mods, want)
	}
}

var benchClient = Client{Name: "client.example.test", Addr: "192.0.2.7", Port: 4567, Family: "tcp4", Helo: "vm"}

func TestWireSMTPDPathWithSASL(t *testing.T) {
	b := start(t, Options{})
	s := b.mustSession()
	if s.ActionOpts != gomilter.OptAddHeader|gomilter.OptSetSymList || s.ProtocolOpts != gomilter.OptProtocol(Protocol) {
		t.Errorf("negotiated actions %#x protocol %#x: want add-header and macro lists, protocol %#x", s.ActionOpts, s.ProtocolOpts, Protocol)
	}
	connect(t, s)
	mods := send(t, s, msg{
		mailMacros: []string{"{auth_authen}", "alice@bench.test", "{auth_type}", "PLAIN", "{mail_addr}", "alice@bench.test"},
		from:       "alice@bench.test",
		rcpts:      []string{"ok@remote.test", "other@remote.test"},
		headers:    [][2]string{{"From", "<alice@bench.test>"}, {"Message-ID", "<20261123153739.014849@vm>"}, {"Subject", "milter up-auth"}},
		eohMacros:  []string{"i", "E3E1498613E"},
		eomMacros:  []string{"i", "E3E1498613E"},
	})
	marked(t, mods, DefaultHeader, "E3E1498613E"+suffix)
	want := Message{QueueID: "E3E1498613E", TrackID: "E3E1498613E" + suffix, Time: t0, Sender: "alice@bench.test",
		Recipients: []string{"ok@remote.test", "other@remote.test"}, Nrcpt: 2, AuthUser: "alice@bench.test", AuthType: "PLAIN",
		Client: benchClient, MessageID: "20261123153739.014849@vm"}
	if got := b.next(); !reflect.DeepEqual(got, want) {
		t.Errorf("facts\n got %+v\nwant %+v", got, want)
	}
	if n := testutil.ToFloat64(b.metrics.messages); n != 1 {
		t.Errorf("messages_total %v", n)
	}
}

func TestWirePickupPathAndCustomHeader(t *testing.T) {
	b := start(t, Options{Header: "X-Track-ID"})
	s := b.mustSession()
	// Postfix's non_smtpd_milters: a made-up local client, the queue id
	// from MAIL on, nothing at the end of the headers or message.
	if err := s.Macros(gomilter.CodeConn, "j", "mx.bench.test"); err != nil {
		t.Fatal(err)
	}
	act, err := s.Conn("localhost", gomilter.FamilyInet, 0, "127.0.0.1")
	check(t, "connect", act, err)
	act, err = s.Helo("localhost")
	check(t, "helo", act, err)
	mods := send(t, s, msg{
		mailMacros: []string{"i", "B5D419862E7", "{mail_addr}", "sender@origin.test"},
		from:       "sender@origin.test",
		rcpts:      []string{"ok@remote.test"},
		headers:    [][2]string{{"Subject", "milter up-sendmail (sendmail)"}},
	})
	marked(t, mods, "X-Track-ID", "B5D419862E7"+suffix)
	got := b.next()
	if got.QueueID != "B5D419862E7" || got.Sender != "sender@origin.test" || got.Client != (Client{Name: "localhost", Addr: "127.0.0.1", Family: "tcp4", Helo: "localhost"}) || got.AuthUser != "" {
		t.Errorf("facts %+v", got)
	}
}

func TestWireNoQueueID(t *testing.T) {
	b := start(t, Options{})
	s := b.mustSession()
	connect(t, s)
	mods := send(t, s, msg{from: "", rcpts: []string{"postmaster@remote.test"}, eomMacros: []string{"i", "NOQUEUE"}})
	marked(t, mods, DefaultHeader, "noqueue"+suffix)
	if got := b.next(); got.QueueID != "" || got.TrackID != "noqueue"+suffix || got.Sender != "" {
		t.Errorf("facts %+v", got)
	}
}

// TestWireSeveralMessagesAndAbort: one connection, three transactions; the
// second is aborted. The connection's facts carry over, the aborted
// message's do not.
func TestWireSeveralMessagesAndAbort(t *testing.T) {
	b := start(t, Options{})
	s := b.mustSession()
	connect(t, s)
	marked(t, send(t, s, msg{mailMacros: []string{"{auth_authen}", "alice", "{auth_type}", "LOGIN"}, from: "alice@bench.test",
		rcpts: []string{"a@remote.test"}, eohMacros: []string{"i", "A06969862E3"}}), DefaultHeader, "A06969862E3"+suffix)
	first := b.next()

	if err := s.Macros(gomilter.CodeMail, "{auth_authen}", "mallory", "{auth_type}", "PLAIN"); err != nil {
		t.Fatal(err)
	}
	act, err := s.Mail("mallory@bench.test", nil)
	check(t, "mail", act, err)
	act, err = s.Rcpt("m@remote.test", nil)
	check(t, "rcpt", act, err)
	act, err = s.HeaderField("Message-ID", "<aborted@vm>")
	check(t, "header", act, err)
	if err := s.Abort(); err != nil {
		t.Fatal(err)
	}

	marked(t, send(t, s, msg{from: "bob@bench.test", rcpts: []string{"b@remote.test"}, eomMacros: []string{"i", "B5D419862E7"}}),
		DefaultHeader, "B5D419862E7"+suffix)
	second := b.next()
	b.none()

	if first.QueueID != "A06969862E3" || first.AuthUser != "alice" || first.Client != benchClient {
		t.Errorf("first %+v", first)
	}
	want := Message{QueueID: "B5D419862E7", TrackID: "B5D419862E7" + suffix, Time: t0, Sender: "bob@bench.test",
		Recipients: []string{"b@remote.test"}, Nrcpt: 1, Client: benchClient}
	if !reflect.DeepEqual(second, want) {
		t.Errorf("second\n got %+v\nwant %+v", second, want)
	}
	for name, c := range map[string]float64{
		"sessions": testutil.ToFloat64(b.metrics.sessions), "messages": testutil.ToFloat64(b.metrics.messages),
		"aborts": testutil.ToFloat64(b.metrics.aborts), "open": testutil.ToFloat64(b.metrics.active),
	} {
		if want := map[string]float64{"sessions": 1, "messages": 2, "aborts": 1, "open": 1}[name]; c != want {
			t.Errorf("%s = %v, want %v", name, c, want)
		}
	}
}

// TestWireHostileSizes: thousands of recipients and header values near
// go-milter's 1 MiB packet limit are bounded; a packet over the limit ends
// that session only.
func TestWireHostileSizes(t *testing.T) {
	b := start(t, Options{})
	s := b.mustSession()
	connect(t, s)
	rcpts := make([]string, 3000)
	for i := range rcpts {
		rcpts[i] = "r" + strings.Repeat("x", i%300) + "@remote.test"
	}
	huge := strings.Repeat("v", 1000*1000)
	mods := send(t, s, msg{from: "s@bench.test", rcpts: rcpts,
		headers:   [][2]string{{"Message-ID", "<" + huge + ">"}, {"X-Big", huge}, {"Subject", huge}},
		eomMacros: []string{"i", "A06969862E3"}})
	marked(t, mods, DefaultHeader, "A06969862E3"+suffix)
	got := b.next()
	if got.Nrcpt != 3000 || len(got.Recipients) != MaxRecipients || len(got.MessageID) > maxMessageID {
		t.Errorf("nrcpt %d, kept %d, Message-ID %d bytes", got.Nrcpt, len(got.Recipients), len(got.MessageID))
	}

	// Over the limit: the milter drops the connection (headers get no
	// reply, so the client learns it at the end of the message); the
	// server goes on.
	_, err := s.HeaderField("X-Too-Big", strings.Repeat("v", 1<<20))
	if err == nil {
		_, _, err = s.End()
	}
	if err == nil {
		t.Error("a packet over 1 MiB was accepted")
	}
	s2 := b.mustSession()
	connect(t, s2)
	marked(t, send(t, s2, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, eomMacros: []string{"i", "B5D419862E7"}}), DefaultHeader, "B5D419862E7"+suffix)
	b.next()
}

// TestWireLongConnectionKeepsMemoryFlat: 40 messages with 512 KiB of
// headers each on one connection leave nothing behind (go-milter's server
// kept every header of a connection; ours keeps a large packet's buffer
// only while it reads it).
func TestWireLongConnectionKeepsMemoryFlat(t *testing.T) {
	b := start(t, Options{})
	s := b.mustSession()
	connect(t, s)
	big := strings.Repeat("h", 512*1024)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, headers: [][2]string{{"X-Big", big}}, eomMacros: []string{"i", "A06969862E3"}})
	b.next()
	before := heap()
	for range 40 {
		send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, headers: [][2]string{{"X-Big", big}}, eomMacros: []string{"i", "A06969862E3"}})
		b.next()
	}
	after := heap()
	if after > before && after-before > 8<<20 {
		t.Errorf("heap grew by %d MiB over 40 messages on one connection (20 MiB of headers)", (after-before)>>20)
	}
}

func TestWireMaxSessions(t *testing.T) {
	b := start(t, Options{MaxSessions: 1})
	s := b.mustSession()
	connect(t, s)
	if s2, err := b.session(); err == nil {
		s2.Close()
		t.Fatal("a second session was served beyond MaxSessions 1")
	}
	if n := testutil.ToFloat64(b.metrics.refused); n != 1 {
		t.Errorf("sessions_refused_total %v", n)
	}
	// The first goes on.
	marked(t, send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, eomMacros: []string{"i", "A06969862E3"}}), DefaultHeader, "A06969862E3"+suffix)
	b.next()
}

// TestWireClose: Close ends open sessions and Serve, and nothing reaches
// the sink afterwards.
func TestWireClose(t *testing.T) {
	b := start(t, Options{})
	s := b.mustSession()
	connect(t, s)
	b.stop()
	if n := testutil.ToFloat64(b.metrics.active); n != 0 {
		t.Errorf("%v sessions open after Close", n)
	}
	// MAIL gets no reply (Protocol); the end of the message does.
	if _, _, err := s.End(); err == nil {
		t.Error("the session still answers after Close")
	}
	if _, err := b.session(); err == nil {
		t.Error("a new session after Close")
	}
	b.none()
}

func TestWireIdleTimeout(t *testing.T) {
	b := start(t, Options{IdleTimeout: 50 * time.Millisecond})
	c, err := net.Dial("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Bound the wait: the server must hang up long before this.
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = c.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: read %v, want EOF (closed by the server)", err)
	}
}

func TestWireGarbage(t *testing.T) {
	b := start(t, Options{})
	for _, junk := range [][]byte{
		{0, 0, 0, 0},             // zero-length packet
		{0, 0, 0, 1, 'Z'},        // unknown command
		{0, 0, 0, 2, 'C', 'h'},   // connect cut short
		{0, 0, 0, 1, 'D'},        // empty macro packet
		{0xff, 0xff, 0xff, 0xff}, // 4 GiB length
	} {
		c, err := net.Dial("tcp", b.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(junk)
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.ReadAll(c); err != nil {
			t.Errorf("%q: %v, want the server to hang up", junk, err)
		}
		c.Close()
	}
	s := b.mustSession()
	connect(t, s)
	marked(t, send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, eomMacros: []string{"i", "A06969862E3"}}), DefaultHeader, "A06969862E3"+suffix)
	b.next()
}

func TestWireUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rblwatch", "milter.sock")
	b := startOn(t, "unix", path, Options{})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != DefaultSocketMode {
		t.Errorf("socket mode %v", fi.Mode())
	}
	s := b.mustSession()
	if err := s.Macros(gomilter.CodeConn, "j", "mx"); err != nil {
		t.Fatal(err)
	}
	act, err := s.Conn("localhost", gomilter.FamilyUnix, 0, "/var/run/x")
	check(t, "connect", act, err)
	marked(t, send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, eomMacros: []string{"i", "A06969862E3"}}), DefaultHeader, "A06969862E3"+suffix)
	if got := b.next(); got.Client.Family != "unix" || got.Client.Addr != "" {
		t.Errorf("client %+v", got.Client)
	}
	s.Close()
	b.stop()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left behind after Close: %v", err)
	}
}

func TestNewRejectsBadHeader(t *testing.T) {
	if _, err := New(Options{Header: "X-Track\r\nBcc: victim@example.test"}); !errors.Is(err, ErrHeaderName) {
		t.Errorf("New: %v, want ErrHeaderName", err)
	}
}

// packet encodes one milter packet.
func packet(code byte, data ...string) []byte {
	body := []byte{code}
	for _, d := range data {
		body = append(body, d...)
	}
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

// readPacket reads one packet: its code and data.
func readPacket(t *testing.T, r io.Reader) (byte, []byte) { return readPacketB(t, r) }

func readPacketB(t testing.TB, r io.Reader) (byte, []byte) {
	t.Helper()
	var n uint32
	if err := binary.Read(r, binary.BigEndian, &n); err != nil {
		t.Fatalf("reading a reply: %v", err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("reading a reply: %v", err)
	}
	return b[0], b[1:]
}

// TestWireNegotiationAsPostfix: the negotiation Postfix 3.7 opens
// (protocol 6, every action and event it offers) gets version 6, Actions,
// Protocol and the macro lists (SymList), which Postfix reads after the
// three numbers.
func TestWireNegotiationAsPostfix(t *testing.T) {
	b := start(t, Options{})
	c, err := net.Dial("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	optneg := binary.BigEndian.AppendUint32(nil, 6)
	optneg = binary.BigEndian.AppendUint32(optneg, 0x1ff)    // Postfix's my_actions
	optneg = binary.BigEndian.AppendUint32(optneg, 0x1fffff) // every v6 event flag
	if _, err := c.Write(packet('O', string(optneg))); err != nil {
		t.Fatal(err)
	}
	code, data := readPacket(t, c)
	if code != 'O' || len(data) < 12 {
		t.Fatalf("reply %q %x", code, data)
	}
	version, actions, proto := binary.BigEndian.Uint32(data), binary.BigEndian.Uint32(data[4:]), binary.BigEndian.Uint32(data[8:])
	if version != 6 || actions != uint32(gomilter.OptAddHeader|gomilter.OptSetSymList) || proto != Protocol {
		t.Errorf("version %d, actions %#x, protocol %#x; want 6, %#x, %#x", version, actions, proto, gomilter.OptAddHeader|gomilter.OptSetSymList, Protocol)
	}
	// No reply for the envelope and the headers, no body, no end of
	// headers (go-milter's names for the flags).
	for _, f := range []gomilter.OptProtocol{gomilter.OptNoConnReply, gomilter.OptNoHeloReply, gomilter.OptNoMailReply,
		gomilter.OptNoRcptReply, gomilter.OptNoHeaderReply, gomilter.OptNoBody, gomilter.OptNoEOH} {
		if proto&uint32(f) == 0 {
			t.Errorf("protocol %#x lacks %#x", proto, f)
		}
	}
	lists := map[uint32]string{}
	for rest := data[12:]; len(rest) > 0; {
		if len(rest) < 5 {
			t.Fatalf("macro list cut short: %q", rest)
		}
		stage := binary.BigEndian.Uint32(rest)
		end := bytes.IndexByte(rest[4:], 0)
		if end < 0 {
			t.Fatalf("macro list without NUL: %q", rest)
		}
		lists[stage] = string(rest[4 : 4+end])
		rest = rest[4+end+1:]
	}
	want := map[uint32]string{0: "i", 1: "i", 2: "i {auth_type} {auth_authen}", 3: "i", 4: "i", 5: "i", 6: "i"}
	if !reflect.DeepEqual(lists, want) {
		t.Errorf("macro lists %v, want %v", lists, want)
	}
}

// TestWirePostfixPipelining: with the negotiated Protocol, Postfix writes a
// whole message's events at once and reads only the end of message's
// answer. The milter must write nothing else: a stray reply would be read
// as the answer to the next event and put Postfix out of step.
func TestWirePostfixPipelining(t *testing.T) {
	b := start(t, Options{})
	c, err := net.Dial("tcp", b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(packet('O', "\x00\x00\x00\x06\x00\x00\x01\xff\x00\x1f\xff\xff")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	if code, _ := readPacket(t, r); code != 'O' {
		t.Fatalf("negotiation reply %q", code)
	}
	message := func(qid, from string) []byte {
		var w []byte
		w = append(w, packet('D', "M", "i\x00", qid, "\x00{auth_authen}\x00alice\x00{auth_type}\x00PLAIN\x00")...)
		w = append(w, packet('M', "<"+from+">\x00", "SIZE=100\x00")...)
		w = append(w, packet('D', "R")...)
		w = append(w, packet('R', "<a@remote.test>\x00")...)
		w = append(w, packet('R', "<b@remote.test>\x00")...)
		w = append(w, packet('L', "Message-ID\x00", " <"+qid+"@vm>\x00")...)
		w = append(w, packet('L', "Subject\x00", " hello\x00")...)
		w = append(w, packet('D', "E", "i\x00", qid, "\x00")...)
		w = append(w, packet('E')...)
		return w
	}
	var all []byte
	all = append(all, packet('D', "C", "j\x00mx.bench.test\x00")...)
	all = append(all, packet('C', "client.example.test\x00", "4", "\x11\xd7", "192.0.2.7\x00")...)
	all = append(all, packet('H', "client.example.test\x00")...)
	all = append(all, message("A06969862E3", "alice@bench.test")...)
	if _, err := c.Write(all); err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{'h', 'c'} {
		if code, data := readPacket(t, r); code != want {
			t.Fatalf("reply %d: %q %q, want %q", i, code, data, want)
		}
	}
	// A second message on the connection, and an aborted one between:
	// again exactly the two replies of its end.
	abort := append(packet('M', "<x@bench.test>\x00"), packet('A')...)
	if _, err := c.Write(append(abort, message("B5D419862E7", "bob@bench.test")...)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []byte{'h', 'c'} {
		if code, data := readPacket(t, r); code != want {
			t.Fatalf("second message, reply %d: %q %q, want %q", i, code, data, want)
		}
	}
	// Nothing more comes.
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := r.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("after the two messages: read %d bytes, %v; want nothing", n, err)
	}
	first, second := b.next(), b.next()
	if first.QueueID != "A06969862E3" || first.AuthUser != "alice" || first.MessageID != "A06969862E3@vm" || first.Nrcpt != 2 ||
		first.Client.Helo != "client.example.test" || first.Client.Port != 4567 || second.QueueID != "B5D419862E7" || second.Sender != "bob@bench.test" {
		t.Errorf("facts\n%+v\n%+v", first, second)
	}
}
