// Package milter is rblwatch's mail filter: a milter server that Postfix
// consults for every message it accepts (smtpd_milters for SMTP,
// non_smtpd_milters for sendmail/pickup). For each message it adds one
// header, X-Rblwatch-Track: QUEUEID-xxxxxxxx (the name is configurable),
// and reports who sent it to a Sink: the queue id, the envelope sender and
// recipients, the SASL login, the client and the Message-ID. rblwatch's
// store joins these facts with what the log says became of the message, so
// that a deferred or bounced message can be traced back to its sender.
//
// The milter never changes anything else and never refuses mail: it
// answers only the negotiation and the end of each message ("continue",
// which there means accept; Protocol spares Postfix waiting for the other
// events), and Postfix must run it with default_action=accept
// (PostfixMilter) so that mail flows when rblwatch is down. Facts are
// handed to the Sink without waiting for any disk.
//
// It speaks the milter protocol itself (protocol.go says why). On Linux
// one goroutine serves every connection of a listener with an epoll set of
// its own (poll_linux.go says why); elsewhere, and for a listener without a
// file descriptor, one goroutine serves each connection.
//
// What a client sends is bounded: packets to 1 MiB, at most MaxRecipients
// addresses are kept per message, texts are cut, only the Message-ID of
// the headers is kept, connections are limited in number and closed when
// idle.
package milter

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

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

// Options configure a Server. The zero value works: it adds DefaultHeader
// and forgets the facts.
type Options struct {
	// Sink receives the facts of every message; nil drops them.
	Sink Sink
	// Header is the name of the header added; "" is DefaultHeader.
	Header string
	// Log receives the milter's own messages (protocol errors, closed
	// connections); nil: none.
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

	mu      sync.Mutex
	closed  bool
	lns     []net.Listener
	pollers []*poller
	conns   map[*conn]struct{}
	noPoll  bool           // tests: a goroutine per connection even where a poller serves
	wg      sync.WaitGroup // one per open connection
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
// after Close, or the listener's error. It closes ln. Errors such as
// EMFILE do not end it: it waits a little and accepts again.
func (s *Server) Serve(ln net.Listener) error {
	if s.isClosed() {
		ln.Close()
		return nil
	}
	s.log.Info("milter listening", zap.String("addr", ln.Addr().Network()+":"+ln.Addr().String()), zap.String("header", s.opts.Header))
	if ok, err := s.servePoll(ln); ok {
		return err
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	defer ln.Close()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("milter: serving %s: %w", ln.Addr(), err)
			}
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.log.Warn("accepting a milter connection failed; retrying", zap.Error(err), zap.Duration("delay", delay))
			time.Sleep(delay)
			continue
		}
		delay = 0
		c, ok := s.track(nc)
		if !ok {
			// Counted before the close: whoever sees the connection
			// closed sees it counted (TestWireMaxSessions read 0 once).
			if !s.isClosed() {
				s.metrics.refused.Inc()
				s.log.Warn("too many milter connections; closed a new one", zap.Int("max", s.opts.MaxSessions))
			}
			nc.Close()
			continue
		}
		go c.serve()
	}
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
	pollers := s.pollers
	s.mu.Unlock()
	// A poller closes its connections and its listener itself.
	for _, p := range pollers {
		p.stop()
	}
	s.mu.Lock()
	var errs []error
	for _, l := range s.lns {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for c := range s.conns {
		// The connection's goroutine sees the error, returns and
		// closes its conn, which ends its wait-group count.
		if c.nc != nil {
			c.nc.Close()
		}
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
	return s.trackConn(func() *conn { return newConn(nc, s) })
}

// trackConn registers the connection mk makes, or refuses it (and does not
// call mk) when closed or full.
func (s *Server) trackConn(mk func() *conn) (*conn, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || len(s.conns) >= s.opts.MaxSessions {
		return nil, false
	}
	c := mk()
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
