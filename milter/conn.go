package milter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"go.uber.org/zap"
)

// inSize is a connection's input buffer: Postfix writes an SMTP session's
// envelope, and then the headers and the end of a message, each at once
// (a few hundred bytes), so one read takes each.
const inSize = 4096

// conn is one milter connection, served by one goroutine: its own (serve)
// or a poller's (poll_linux.go), and no other. It reads packets from its
// buffer, refilling it with one read when the buffer holds no whole
// packet; the replies of the packets read go out in one write before the
// next wait for input. With a goroutine of its own, the idle deadline is
// moved only when the connection would wait for input and at most once
// per refresh interval, not per packet; a poller notes the time of each
// burst and closes idle connections every IdleTimeout/16.
type conn struct {
	s    *Server
	nc   net.Conn
	io   rawIO
	once sync.Once

	bufs  *buffers
	in    []byte // input; in[r:w] not read yet
	small []byte // the input buffer of inSize, kept while a large packet is read
	r, w  int
	out   []byte // replies not written yet

	neg     negotiation
	col     collector
	mac     macros // the last macro packet, for the event that follows
	macSet  bool
	setAt   time.Time     // when the deadline was last moved
	refresh time.Duration // how often at most (IdleTimeout/16)

	// A connection a poller serves (poll_linux.go) has no net.Conn.
	polled  bool
	fd      int       // its socket
	epfd    int       // the poller's epoll set
	wantOut bool      // replies wait for the socket to be writable
	wrote   bool      // a reply went out since serve read the burst (pollFlush)
	active  time.Time // when the MTA last wrote
}

// buffers are a connection's input buffer and reply buffer, kept for the
// next connection when one ends: Postfix opens a connection per SMTP
// session, and 4 KiB per session was most of what the milter allocated.
type buffers struct {
	in  []byte
	out []byte
}

var bufferPool = sync.Pool{New: func() any { return &buffers{in: make([]byte, inSize), out: make([]byte, 0, 256)} }}

func newConn(nc net.Conn, s *Server) *conn {
	c := &conn{s: s, nc: nc}
	c.bufs = bufferPool.Get().(*buffers)
	c.small, c.out = c.bufs.in, c.bufs.out[:0]
	c.in = c.small
	c.io.init(nc)
	if t := s.opts.IdleTimeout; t > 0 {
		c.refresh = t / 16
	}
	return c
}

// Close closes the connection; the wait group and the open-connection
// gauge count it once.
func (c *conn) Close() error {
	err := c.nc.Close()
	c.once.Do(func() { c.s.untrack(c) })
	return err
}

// serve runs the connection until the MTA quits or hangs up, a protocol
// error, the idle timeout, or Server.Close.
func (c *conn) serve() {
	defer c.release()
	defer c.Close()
	defer func() {
		if v := recover(); v != nil {
			c.s.log.Error("milter connection failed", zap.Any("panic", v), zap.ByteString("stack", debug.Stack()))
		}
	}()
	c.logEnd(c.loop(), func() string { return remote(c.nc) })
}

// logEnd logs why the connection ended, when that is worth a line.
func (c *conn) logEnd(err error, remote func() string) {
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed) && c.s.isClosed():
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.s.log.Debug("idle milter connection closed", zap.Duration("idle_timeout", c.s.opts.IdleTimeout))
	default:
		c.s.log.Warn("milter connection closed", zap.String("remote", remote()), zap.Error(err))
	}
}

// release gives the buffers back once the connection is closed and
// untracked (nothing else uses it then).
func (c *conn) release() {
	if cap(c.out) <= 4096 {
		c.bufs.out = c.out[:0]
		bufferPool.Put(c.bufs)
	}
	c.bufs, c.in, c.small, c.out = nil, nil, nil, nil
}

func remote(nc net.Conn) string {
	if a := nc.RemoteAddr(); a != nil && a.String() != "" && a.String() != "@" {
		return a.String()
	}
	return nc.LocalAddr().Network()
}

// loop reads and answers packets until the MTA quits (nil) or an error.
func (c *conn) loop() error {
	if err := c.touch(time.Now()); err != nil {
		return err
	}
	for {
		code, data, ok, err := c.next()
		if err != nil {
			return err
		}
		if !ok {
			if err := c.fill(); err != nil {
				return err
			}
			continue
		}
		if code == cmdQuit {
			return nil
		}
		if err := c.handle(code, data); err != nil {
			return err
		}
	}
}

// handle answers one packet. data is valid until the next packet is read.
func (c *conn) handle(code byte, data []byte) error {
	var m *macros
	if code != cmdMacro && c.macSet {
		m, c.macSet = &c.mac, false
	}
	switch code {
	case cmdOptneg:
		neg, err := negotiate(data)
		if err != nil {
			return err
		}
		c.neg = neg
		c.out = neg.appendReply(c.out)
	case cmdMacro:
		if len(data) == 0 {
			return fmt.Errorf("%w: macro packet without its stage", errProtocol)
		}
		c.mac.parse(data[1:])
		c.macSet = true
	case cmdConnect:
		host, family, port, addr, err := parseConnect(data)
		if err != nil {
			return err
		}
		c.col.connect(host, family, port, addr, m)
		c.reply(NoConnectReply)
	case cmdHelo:
		name, _ := cstring(data)
		c.col.helo(string(name), m)
		c.reply(NoHeloReply)
	case cmdMail:
		from, _ := cstring(data)
		c.col.mail(string(trimAngles(from)), m)
		c.reply(NoMailReply)
	case cmdRcpt:
		to, _ := cstring(data)
		c.col.rcpt(trimAngles(to), m)
		c.reply(NoRcptReply)
	case cmdHeader:
		name, rest := cstring(data)
		value, _ := cstring(rest)
		c.col.header(name, value, m)
		c.reply(NoHeaderReply)
	case cmdEOH:
		c.col.latch(m)
		c.reply(NoEOHReply)
	case cmdBody:
		c.reply(NoBodyReply)
	case cmdData:
		c.col.latch(m)
		c.reply(NoDataReply)
	case cmdUnknown:
		c.reply(NoUnknownReply)
	case cmdEOB:
		return c.end(m)
	case cmdAbort:
		if c.col.abort() {
			c.s.metrics.aborts.Inc()
		}
	case cmdQuitNC:
		// The MTA starts over on this connection (a new SMTP
		// session): forget the client too.
		c.col = collector{}
	default:
		return fmt.Errorf("%w: unknown command %q", errProtocol, code)
	}
	return nil
}

// reply answers "continue" to an event unless the MTA agreed to skip the
// answer (flag).
func (c *conn) reply(flag uint32) {
	if c.neg.protocol&flag == 0 {
		c.out = appendPacket(c.out, replyContinue)
	}
}

// end finishes the message: adds the header and accepts it in one write,
// then reports the facts (the MTA does not wait for that).
func (c *conn) end(m *macros) error {
	s := c.s
	now := s.opts.Now()
	msg := c.col.end(now, func(qid string) string { return TrackID(qid, now, s.opts.Rand) }, m)
	if c.neg.actions&ActAddHeaders != 0 {
		c.out = appendPacket(c.out, replyAddHeader, s.opts.Header, msg.TrackID)
	} else {
		msg.TrackID = "" // the MTA did not let the milter add headers
	}
	c.out = appendPacket(c.out, replyContinue)
	err := c.flush()
	if err != nil || msg.TrackID == "" {
		// The connection is gone (the MTA applies its default
		// action), or headers were not negotiated.
		s.metrics.failures.Inc()
		s.log.Warn("adding the track header failed", zap.String("queue_id", msg.QueueID), zap.Error(err))
		msg.TrackID = ""
	} else {
		s.metrics.messages.Inc()
	}
	if ce := s.log.Check(zap.DebugLevel, "message"); ce != nil {
		ce.Write(zap.String("queue_id", msg.QueueID), zap.String("track_id", msg.TrackID),
			zap.String("sender", msg.Sender), zap.Int("nrcpt", msg.Nrcpt), zap.String("sasl_user", msg.AuthUser),
			zap.String("client", msg.Client.Name+"["+msg.Client.Addr+"]"))
	}
	s.opts.Sink.Message(msg)
	return err
}

// next returns the next whole packet in the buffer (data is valid until
// the packet after it is taken), or ok false when the buffer holds none:
// then c.in[c.w:] has room for the rest of it (a buffer as large as the
// packet when it is larger than inSize).
func (c *conn) next() (code byte, data []byte, ok bool, err error) {
	if c.r == c.w && len(c.in) > inSize {
		c.in, c.r, c.w = c.small, 0, 0 // let a large packet's buffer go
	}
	need := 4
	if c.w-c.r >= 4 {
		n := int(binary.BigEndian.Uint32(c.in[c.r:]))
		if n == 0 || n > maxPacket {
			return 0, nil, false, fmt.Errorf("%w: packet length %d", errProtocol, n)
		}
		if c.w-c.r >= 4+n {
			p := c.in[c.r+4 : c.r+4+n]
			c.r += 4 + n
			return p[0], p[1:], true, nil
		}
		need = 4 + n
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	}
	if need > len(c.in)-c.r {
		// Move what is left to the front, into a buffer large enough
		// for the packet.
		in := c.in
		if need > len(in) {
			in = make([]byte, need)
		}
		c.w = copy(in, c.in[c.r:c.w])
		c.r, c.in = 0, in
	}
	return 0, nil, false, nil
}

// fill writes the pending replies, then waits for the MTA and reads once
// into c.in[c.w:] (next made room).
func (c *conn) fill() error {
	if err := c.flush(); err != nil {
		return err
	}
	if err := c.touch(time.Now()); err != nil {
		return err
	}
	k, err := c.io.read(c.in[c.w:])
	c.w += k
	if k == 0 && err == nil {
		err = io.EOF
	}
	if k > 0 {
		return nil
	}
	return c.eof(err)
}

// eof is the error of a connection that ended with err: within a packet
// it is a protocol error.
func (c *conn) eof(err error) error {
	if errors.Is(err, io.EOF) && c.w > c.r {
		return fmt.Errorf("%w: connection closed within a packet", errProtocol)
	}
	return err
}

// flush writes the pending replies (a polled connection: without
// waiting, pollFlush).
func (c *conn) flush() error {
	if c.polled {
		return c.pollFlush()
	}
	if len(c.out) == 0 {
		return nil
	}
	err := c.io.write(c.out)
	c.out = c.out[:0]
	return err
}

// touch moves the idle deadline when it was last moved more than
// c.refresh ago.
func (c *conn) touch(now time.Time) error {
	t := c.s.opts.IdleTimeout
	if t <= 0 || now.Sub(c.setAt) < c.refresh {
		return nil
	}
	c.setAt = now
	return c.nc.SetDeadline(now.Add(t))
}

// parseConnect reads SMFIC_CONNECT: the client's host name, its family
// ('4', '6', 'L' for a unix socket, 'U' unknown), and but for 'U' a port
// and an address. The address is kept when it is an IP address.
func parseConnect(data []byte) (host, family string, port int, addr string, err error) {
	h, rest := cstring(data)
	if len(rest) < 1 {
		return "", "", 0, "", fmt.Errorf("%w: connect event cut short", errProtocol)
	}
	fam := rest[0]
	rest = rest[1:]
	switch fam {
	case '4':
		family = "tcp4"
	case '6':
		family = "tcp6"
	case 'L':
		family = "unix"
	case 'U':
		return string(h), "unknown", 0, "", nil
	default:
		return "", "", 0, "", fmt.Errorf("%w: connect event with family %q", errProtocol, fam)
	}
	if len(rest) < 2 {
		return "", "", 0, "", fmt.Errorf("%w: connect event cut short", errProtocol)
	}
	if fam != 'L' {
		port = int(binary.BigEndian.Uint16(rest))
	}
	a, _ := cstring(rest[2:])
	if fam != 'L' {
		addr = ipString(string(a))
	}
	return string(h), family, port, addr, nil
}

// trimAngles strips the angle brackets around an address.
func trimAngles(b []byte) []byte {
	for len(b) > 0 && b[0] == '<' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == '>' {
		b = b[:len(b)-1]
	}
	return b
}
