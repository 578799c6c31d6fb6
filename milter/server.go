// Package milter is rblwatch's mail filter: a github.com/emersion/go-milter
// server that Postfix consults for every message it accepts (smtpd_milters
// for SMTP, non_smtpd_milters for sendmail/pickup). For each message it
// adds one header, X-Rblwatch-Track: QUEUEID-xxxxxxxx (the name is
// configurable), and reports who sent it to a Sink: the queue id, the
// envelope sender and recipients, the SASL login, the client and the
// Message-ID. rblwatch's store joins these facts with what the log says
// became of the message, so that a deferred or bounced message can be
// traced back to its sender.
//
// The milter never changes anything else and never refuses mail: it
// answers only the negotiation and the end of each message ("continue",
// which there means accept; Protocol spares Postfix waiting for the other
// events), and Postfix must run it with default_action=accept
// (PostfixMilter) so that mail flows when rblwatch is down. Facts are
// handed to the Sink without waiting for any disk.
//
// What a client sends is bounded: at most MaxRecipients addresses are kept
// per message, texts are cut, go-milter's own copy of the headers is
// emptied as they arrive, connections are limited in number and closed
// when idle.
package milter

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"sync"
	"time"

	gomilter "github.com/emersion/go-milter"
	"go.uber.org/zap"
)

// Defaults for Options.
const (
	// DefaultIdleTimeout closes a connection on which the MTA sent nothing
	// for this long. Postfix keeps a milter connection for a whole SMTP
	// session, idle while the client is, within smtpd_timeout (300s) per
	// command.
	DefaultIdleTimeout = time.Hour
	// DefaultMaxSessions bounds the connections served at once; more are
	// closed at once (Postfix then applies its default_action).
	DefaultMaxSessions = 512
)

// Protocol is what the milter asks of the MTA when they negotiate: no
// body, no end-of-headers, DATA or unknown-command events, and no reply
// awaited for the connection, HELO, MAIL, RCPT and each header. Postfix
// then writes all of a message's events into its buffer and waits for the
// milter only once, at the end of the message, where the header is added:
// one round trip per message (and one per connection, the negotiation)
// instead of one per event.
//
// go-milter v0.5.0 answers the negotiation with protocol version 2 (it
// hard-codes it). Postfix 3.x (milter8.c) takes the no-reply flags from
// the milter's event mask whatever its version, and does not send a
// version-2 milter the DATA and unknown-command events it does not know;
// the callbacks below return no response (nil) for the no-reply events,
// which go-milter then does not write.
const Protocol = gomilter.OptNoBody | gomilter.OptNoEOH | gomilter.OptNoData | gomilter.OptNoUnknown |
	gomilter.OptNoConnReply | gomilter.OptNoHeloReply | gomilter.OptNoMailReply | gomilter.OptNoRcptReply |
	gomilter.OptNoHeaderReply

// SymList is the macros the milter asks for, whatever Postfix's
// milter_*_macros say: the SASL login and mechanism and the queue id at
// MAIL FROM (Postfix has the queue id there for mail submitted with
// sendmail, and the SASL login for SMTP AUTH), and the queue id at the
// end of the message (for SMTP, Postfix creates the queue file after the
// first accepted RCPT). Postfix sends its own lists for the other stages.
var SymList = map[gomilter.Stage][]string{
	gomilter.StageMailFrom: {"i", "{auth_type}", "{auth_authen}"},
	gomilter.StageEOM:      {"i"},
}

// Options configure a Server. The zero value works: it adds DefaultHeader
// and forgets the facts.
type Options struct {
	// Sink receives the facts of every message; nil drops them.
	Sink Sink
	// Header is the name of the header added; "" is DefaultHeader.
	Header string
	// Log receives the milter's own messages; nil: none. (go-milter
	// itself writes protocol errors with the standard log package.)
	Log *zap.Logger
	// Metrics count sessions and messages; nil: unregistered counters.
	Metrics *Metrics
	// Now is the clock for Message.Time; nil is time.Now.
	Now func() time.Time
	// Rand is read for the track id suffix; nil is crypto/rand.
	Rand io.Reader
	// IdleTimeout: 0 is DefaultIdleTimeout, negative none.
	IdleTimeout time.Duration
	// MaxSessions: 0 is DefaultMaxSessions.
	MaxSessions int
}

// Server serves the milter protocol. Its zero value is not usable; make one
// with New.
type Server struct {
	opts    Options
	log     *zap.Logger
	metrics *Metrics

	mu     sync.Mutex
	closed bool
	lns    []*listener
	conns  map[*conn]struct{}
	wg     sync.WaitGroup // one per open connection
}

// New checks o and returns a Server.
func New(o Options) (*Server, error) {
	if o.Header == "" {
		o.Header = DefaultHeader
	}
	if err := CheckHeaderName(o.Header); err != nil {
		return nil, err
	}
	if o.Sink == nil {
		o.Sink = SinkFunc(func(Message) {})
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	s := &Server{opts: o, log: o.Log, metrics: o.Metrics, conns: map[*conn]struct{}{}}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.metrics == nil {
		s.metrics = NewMetrics(nil)
	}
	return s, nil
}

// Serve accepts milter connections on ln until Close, and returns nil
// after Close, or the listener's error. It closes ln.
func (s *Server) Serve(ln net.Listener) error {
	l := &listener{Listener: ln, s: s}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.lns = append(s.lns, l)
	s.mu.Unlock()
	// A go-milter server per Serve: its fields are not safe for
	// concurrent use, and its Close races with Serve, so it is never
	// called; closing the listener ends Serve.
	gs := &gomilter.Server{
		NewMilter: func() gomilter.Milter { return &session{s: s} },
		Actions:   gomilter.OptAddHeader | gomilter.OptSetSymList,
		Protocol:  Protocol,
		SymList:   SymList,
	}
	s.log.Info("milter listening", zap.String("addr", ln.Addr().Network()+":"+ln.Addr().String()), zap.String("header", s.opts.Header))
	err := gs.Serve(l)
	if s.isClosed() {
		return nil
	}
	return fmt.Errorf("milter: serving %s: %w", ln.Addr(), err)
}

// Close stops accepting, closes every open connection (the MTA then applies
// its default_action to the messages under way) and returns once
// no session can call the Sink any more.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var errs []error
	for _, l := range s.lns {
		if err := l.Listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for c := range s.conns {
		// The session's goroutine sees the error, returns and closes
		// its conn, which ends its wait-group count.
		c.Conn.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("milter: closing: %w", err)
	}
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// track registers a new connection, or refuses it when closed or full.
func (s *Server) track(nc net.Conn) (*conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.opts.MaxSessions {
		return nil, false
	}
	c := newConn(nc, s)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.metrics.sessions.Inc()
	s.metrics.active.Inc()
	return c, true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.metrics.active.Dec()
	s.wg.Done()
}

// listener hands go-milter tracked connections, and keeps accepting after
// errors such as EMFILE, which would end go-milter's Serve.
type listener struct {
	net.Listener
	s *Server
}

func (l *listener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || l.s.isClosed() {
				return nil, err
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			l.s.log.Warn("accepting a milter connection failed; retrying", zap.Error(err), zap.Duration("delay", delay))
			time.Sleep(delay)
			continue
		}
		delay = 0
		c, ok := l.s.track(nc)
		if !ok {
			nc.Close()
			if !l.s.isClosed() {
				l.s.metrics.refused.Inc()
				l.s.log.Warn("too many milter connections; closed a new one", zap.Int("max", l.s.opts.MaxSessions))
			}
			continue
		}
		return c, nil
	}
}

// conn is an accepted connection: reads are buffered (Postfix writes a
// message's events at once, and go-milter reads each packet in two small
// reads), reads and writes time out when idle, and its close is counted
// once.
type conn struct {
	net.Conn
	s    *Server
	r    *bufio.Reader
	once sync.Once
}

func newConn(nc net.Conn, s *Server) *conn {
	c := &conn{Conn: nc, s: s}
	c.r = bufio.NewReaderSize(rawReader{c}, 4096)
	return c
}

func (c *conn) Read(b []byte) (int, error) { return c.r.Read(b) }

// rawReader reads the socket for the buffer, with the idle timeout.
type rawReader struct{ c *conn }

func (r rawReader) Read(b []byte) (int, error) {
	if t := r.c.s.opts.IdleTimeout; t > 0 {
		if err := r.c.Conn.SetReadDeadline(time.Now().Add(t)); err != nil {
			return 0, err
		}
	}
	return r.c.Conn.Read(b)
}

func (c *conn) Write(b []byte) (int, error) {
	if t := c.s.opts.IdleTimeout; t > 0 {
		if err := c.Conn.SetWriteDeadline(time.Now().Add(t)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(b)
}

func (c *conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.s.untrack(c) })
	return err
}

// session is the go-milter callback handler of one connection. go-milter
// makes one per connection (and a new one after a final answer, which this
// milter never gives), and calls it from that connection's goroutine only.
type session struct {
	gomilter.NoOpMilter
	s *Server
	c collector
}

// noReply is the answer to the events negotiated without a reply
// (Protocol): go-milter writes nothing for a nil response.
var noReply gomilter.Response

func (x *session) Connect(host, family string, port uint16, addr net.IP, m *gomilter.Modifier) (gomilter.Response, error) {
	x.c.connect(host, family, port, addr, m.Macros)
	return noReply, nil
}

func (x *session) Helo(name string, m *gomilter.Modifier) (gomilter.Response, error) {
	x.c.helo(name, m.Macros)
	return noReply, nil
}

func (x *session) MailFrom(from string, m *gomilter.Modifier) (gomilter.Response, error) {
	x.c.mail(from, m.Macros)
	return noReply, nil
}

func (x *session) RcptTo(to string, m *gomilter.Modifier) (gomilter.Response, error) {
	x.c.rcpt(to, m.Macros)
	return noReply, nil
}

func (x *session) Header(name, value string, m *gomilter.Modifier) (gomilter.Response, error) {
	x.c.header(name, value, m.Macros)
	// go-milter v0.5.0 keeps every header of the connection in a map that
	// only an abort empties, and hands us that same map as m.Headers:
	// empty it, so that neither a huge header section nor a long
	// connection piles up in memory. Nothing here reads it.
	clear(m.Headers)
	return noReply, nil
}

// Headers is the end of the headers, which Protocol declines; an MTA that
// sends it anyway gets an answer.
func (x *session) Headers(_ textproto.MIMEHeader, m *gomilter.Modifier) (gomilter.Response, error) {
	x.c.latch(m.Macros)
	return gomilter.RespContinue, nil
}

// Body is the end of the message: add the header, report the facts, and
// answer "continue", which at this stage accepts the message. (Accept
// would make go-milter forget the connection's facts before the next
// message on it.)
func (x *session) Body(m *gomilter.Modifier) (gomilter.Response, error) {
	s := x.s
	now := s.opts.Now()
	msg := x.c.end(now, func(qid string) string { return TrackID(qid, now, s.opts.Rand) }, m.Macros)
	err := m.AddHeader(s.opts.Header, msg.TrackID)
	if err != nil {
		// The connection is gone; Postfix applies its default action.
		s.metrics.failures.Inc()
		s.log.Warn("adding the track header failed", zap.String("queue_id", msg.QueueID), zap.Error(err))
		msg.TrackID = ""
	} else {
		s.metrics.messages.Inc()
	}
	s.log.Debug("message", zap.String("queue_id", msg.QueueID), zap.String("track_id", msg.TrackID),
		zap.String("sender", msg.Sender), zap.Int("nrcpt", msg.Nrcpt), zap.String("sasl_user", msg.AuthUser),
		zap.String("client", msg.Client.Name+"["+msg.Client.Addr+"]"))
	s.opts.Sink.Message(msg)
	if err != nil {
		return nil, err
	}
	return gomilter.RespContinue, nil
}

func (x *session) Abort(m *gomilter.Modifier) error {
	if x.c.abort() {
		x.s.metrics.aborts.Inc()
	}
	return nil
}
