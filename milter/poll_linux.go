//go:build linux

package milter

import (
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"go.uber.org/zap"
	"golang.org/x/sys/unix"
)

// A poller serves every connection of one listener on one goroutine, with
// an epoll set of its own (the way bench/nullmilter, a milter in C, does),
// instead of a goroutine per connection.
//
// Postfix opens a milter connection per SMTP session and writes four
// bursts on it (the negotiation, the envelope macros, the end of the
// message, the QUIT), each of which finds the milter idle at the rates
// Postfix reaches. With a goroutine per connection, each burst cost Go's
// scheduler a hand-off, and each connection a goroutine started (and its
// stack grown), an accept, getsockname and close through the syscall
// package: system calls that wake the runtime's monitor thread (sysmon)
// from its deep sleep, after which it polls every 20 µs until the process
// is idle again. Here the only thing Go's runtime waits for is the epoll
// descriptor (registered with its network poller as an os.File); accept,
// read, write, close and epoll_ctl are raw system calls made from this
// goroutine, which keep sysmon asleep, and nothing is handed to another
// goroutine but the facts (Sink). Measured with bench/milter (-synthetic,
// one session, so every burst wakes the process from idle, and with
// Postfix): see bench/README.md.
type poller struct {
	s        *Server
	lfd      int  // the listener's descriptor (the listener owns it)
	tcp      bool // acknowledge reads at once, no Nagle (quickAck)
	epfd     int
	ep       *os.File // epfd, as Go's network poller waits for it
	rc       syscall.RawConn
	evfd     int           // eventfd: stop, sweep and rearm requests
	flags    atomic.Uint32 // requests (pollStop, pollSweep, pollRearm)
	evmu     sync.RWMutex  // released, against a request writing to evfd closed (timers, Close)
	released bool
	conns    map[int]*conn
	delay    time.Duration // the listener's pause after an accept error
	done     chan struct{} // closed when the poller has stopped and closed everything
}

const (
	pollStop  = 1 << iota // Server.Close: close every connection and return
	pollSweep             // close connections idle for IdleTimeout
	pollRearm             // accept again after an error's pause
)

// The epoll set is edge-triggered (EPOLLET): a descriptor is reported when
// something new arrives, and the poller drains what it reports (run).
// Level-triggered, every descriptor reported went back on the set's ready
// list at once, which made the kernel signal the set readable again to Go's
// poller: one more pass of the scheduler and two more epoll_pwait per
// burst, to learn that nothing was left.
const (
	connEvents   = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET
	listenEvents = unix.EPOLLIN | unix.EPOLLET
)

// servePoll serves ln with a poller until Close. It returns false, doing
// nothing, when ln has no file descriptor to poll (a listener of a test,
// or of another kind): Serve then runs a goroutine per connection.
func (s *Server) servePoll(ln net.Listener) (bool, error) {
	if s.noPoll {
		return false, nil
	}
	var tcp bool
	switch ln.(type) {
	case *net.TCPListener:
		tcp = true
	case *net.UnixListener:
	default:
		return false, nil
	}
	sc, err := ln.(syscall.Conn).SyscallConn()
	if err != nil {
		return false, nil
	}
	lfd := -1
	if err := sc.Control(func(fd uintptr) { lfd = int(fd) }); err != nil || lfd < 0 {
		return false, nil
	}
	p, err := newPoller(s, lfd, tcp)
	if err != nil {
		ln.Close()
		return true, fmt.Errorf("milter: serving %s: %w", ln.Addr(), err)
	}
	defer close(p.done)
	defer ln.Close()
	defer p.release()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return true, nil
	}
	s.pollers = append(s.pollers, p)
	s.mu.Unlock()
	if t := s.opts.IdleTimeout; t > 0 {
		tick := time.NewTicker(max(t/16, time.Millisecond))
		defer tick.Stop()
		go func() {
			for {
				select {
				case <-tick.C:
					p.request(pollSweep)
				case <-p.done:
					return
				}
			}
		}()
	}
	return true, p.run()
}

func newPoller(s *Server, lfd int, tcp bool) (*poller, error) {
	p := &poller{s: s, lfd: lfd, tcp: tcp, epfd: -1, evfd: -1, conns: map[int]*conn{}, done: make(chan struct{})}
	var err error
	if p.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if p.evfd, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		unix.Close(p.epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	err = unix.SetNonblock(p.epfd, true)
	if err == nil {
		err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, p.evfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(p.evfd)})
	}
	if err == nil {
		err = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, lfd, &unix.EpollEvent{Events: listenEvents, Fd: int32(lfd)})
	}
	if err == nil {
		p.ep = os.NewFile(uintptr(p.epfd), "milter-epoll")
		p.rc, err = p.ep.SyscallConn()
	}
	if err != nil {
		p.release()
		return nil, fmt.Errorf("epoll: %w", err)
	}
	return p, nil
}

// release closes the poller's own descriptors.
func (p *poller) release() {
	p.evmu.Lock()
	defer p.evmu.Unlock()
	p.released = true
	if p.ep != nil {
		p.ep.Close()
	} else if p.epfd >= 0 {
		unix.Close(p.epfd)
	}
	if p.evfd >= 0 {
		unix.Close(p.evfd)
	}
}

// request asks the poller's goroutine for something (pollStop, …).
// Once the poller has released its descriptors (it has stopped), a
// request does nothing: the number may belong to another file by then.
func (p *poller) request(flag uint32) {
	p.flags.Or(flag)
	p.evmu.RLock()
	defer p.evmu.RUnlock()
	if !p.released {
		one := [8]byte{1}
		unix.Write(p.evfd, one[:])
	}
}

// stop closes every connection and waits until the poller has returned.
func (p *poller) stop() {
	p.request(pollStop)
	<-p.done
}

// run waits for events and serves them until pollStop.
//
// It serves within one RawRead of the epoll descriptor, which Go's network
// poller watches edge-triggered: the callback asks the epoll set for what
// is ready (without waiting), serves it, and returns false to park the
// goroutine until the set has something new. A burst is served by one
// epoll_pwait, not two: the set is not asked again only to learn it is
// empty. That is safe because the set is edge-triggered and every
// descriptor it reported has been drained when the callback parks: a
// connection read until a read came back short (its queue empty; later
// data is a new edge, which wakes Go's poller), the listener accepted
// until EAGAIN, the eventfd read. Only a full events array makes it ask
// again. Go's poller keeps a notification that comes while the callback
// serves (RawRead resets it only once, before its first call), so parking
// never sleeps through one.
func (p *poller) run() error {
	events := make([]unix.EpollEvent, 128)
	var errno syscall.Errno
	stop := false
	err := p.rc.Read(func(uintptr) bool {
		for {
			r, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), uintptr(unsafe.Pointer(&events[0])),
				uintptr(len(events)), 0, 0, 0)
			switch {
			case e == syscall.EINTR:
				continue
			case e != 0:
				errno = e
				return true
			case r == 0:
				return false // wait for Go's poller
			}
			n := int(r)
			if p.handle(events[:n]) {
				stop = true
				return true
			}
			if n < len(events) {
				return false
			}
		}
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("epoll_pwait", errno)
	}
	if err != nil {
		p.closeAll()
		return fmt.Errorf("milter: waiting for connections: %w", err)
	}
	if stop {
		p.closeAll()
	}
	return nil
}

// handle serves the events epoll_pwait reported; it reports whether to
// stop (pollStop).
func (p *poller) handle(events []unix.EpollEvent) bool {
	now := time.Now()
	for i := range events {
		switch fd := int(events[i].Fd); fd {
		case p.lfd:
			p.accept(now)
		case p.evfd:
			if p.wakeup(now) {
				return true
			}
		default:
			if c := p.conns[fd]; c != nil {
				p.serve(c, events[i].Events, now)
			}
		}
	}
	return false
}

// wakeup handles the requests; it reports whether to stop.
func (p *poller) wakeup(now time.Time) bool {
	var b [8]byte
	syscall.RawSyscall(unix.SYS_READ, uintptr(p.evfd), uintptr(unsafe.Pointer(&b[0])), 8)
	flags := p.flags.Swap(0)
	if flags&pollStop != 0 {
		return true
	}
	if flags&pollRearm != 0 {
		if err := epollCtl(p.epfd, unix.EPOLL_CTL_ADD, p.lfd, listenEvents); err != nil {
			p.s.log.Error("the milter cannot accept connections any more", zap.Error(err))
		}
	}
	if flags&pollSweep != 0 {
		t := p.s.opts.IdleTimeout
		for _, c := range p.conns {
			if now.Sub(c.active) >= t {
				p.close(c, os.ErrDeadlineExceeded)
			}
		}
	}
	return false
}

// accept takes the connections waiting, until EAGAIN (the listener is
// edge-triggered), or pauses the listener after an error (EMFILE…), as
// Serve does; re-armed, the listener reports the connections still
// waiting.
func (p *poller) accept(now time.Time) {
	for {
		r, _, e := syscall.RawSyscall6(unix.SYS_ACCEPT4, uintptr(p.lfd), 0, 0, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		switch e {
		case 0:
		case syscall.EAGAIN:
			p.delay = 0
			return
		case syscall.EINTR, syscall.ECONNABORTED:
			continue
		default:
			p.delay = min(max(2*p.delay, 5*time.Millisecond), time.Second)
			p.s.log.Warn("accepting a milter connection failed; retrying", zap.Error(os.NewSyscallError("accept4", e)), zap.Duration("delay", p.delay))
			if err := epollCtl(p.epfd, unix.EPOLL_CTL_DEL, p.lfd, 0); err == nil {
				time.AfterFunc(p.delay, func() { p.request(pollRearm) })
			}
			return
		}
		fd := int(r)
		c, ok := p.s.trackConn(func() *conn { return newPollConn(fd, p, now) })
		if !ok {
			if !p.s.isClosed() {
				p.s.metrics.refused.Inc()
				p.s.log.Warn("too many milter connections; closed a new one", zap.Int("max", p.s.opts.MaxSessions))
			}
			rawClose(fd)
			continue
		}
		if p.tcp {
			one := int32(1)
			syscall.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.IPPROTO_TCP, unix.TCP_NODELAY,
				uintptr(unsafe.Pointer(&one)), unsafe.Sizeof(one), 0)
		}
		if err := epollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, connEvents); err != nil {
			p.s.log.Warn("milter connection closed", zap.Error(err))
			rawClose(fd)
			c.release()
			p.s.untrack(c)
			continue
		}
		p.conns[fd] = c
	}
}

// serve reads what the MTA wrote on c, answers every whole packet, and
// writes the replies at once.
func (p *poller) serve(c *conn, events uint32, now time.Time) {
	defer func() {
		if v := recover(); v != nil {
			p.s.log.Error("milter connection failed", zap.Any("panic", v), zap.ByteString("stack", debug.Stack()))
			p.close(c, nil)
		}
	}()
	c.active = now
	if events&unix.EPOLLOUT != 0 {
		if err := c.flush(); err != nil {
			p.close(c, err)
			return
		}
	}
	if events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) == 0 {
		return
	}
	for {
		if !p.answer(c) {
			return
		}
		b := c.in[c.w:]
		r, _, e := syscall.RawSyscall(unix.SYS_READ, uintptr(c.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		switch e {
		case 0:
		case syscall.EAGAIN:
			if err := c.flush(); err != nil {
				p.close(c, err)
			}
			return
		case syscall.EINTR:
			continue
		default:
			p.close(c, os.NewSyscallError("read", e))
			return
		}
		if r == 0 {
			p.close(c, c.eof(io.EOF))
			return
		}
		c.w += int(r)
		if int(r) < len(b) {
			// The MTA's burst is read (more would have filled the
			// buffer): answer it, and take a later burst as a new
			// event instead of reading again to learn EAGAIN.
			c.wrote = false
			if p.answer(c) {
				if err := c.flush(); err != nil {
					p.close(c, err)
					return
				}
				if p.tcp && !c.wrote {
					// No reply went out to carry the ACK of
					// what was read (quickAck says why it
					// must not wait): the envelope's burst.
					// A reply (the negotiation's, the end of
					// the message's) carries it, one system
					// call fewer per burst.
					pollQuickAck(uintptr(c.fd))
				}
			}
			return
		}
		if p.tcp {
			pollQuickAck(uintptr(c.fd)) // more of the burst follows
		}
	}
}

// answer handles the whole packets in c's buffer; it reports false when
// that ended the connection.
func (p *poller) answer(c *conn) bool {
	for {
		code, data, ok, err := c.next()
		if err != nil {
			p.close(c, err)
			return false
		}
		if !ok {
			return true
		}
		if code == cmdQuit {
			c.flush()
			p.close(c, nil)
			return false
		}
		if err := c.handle(code, data); err != nil {
			p.close(c, err)
			return false
		}
	}
}

// pollQuickAck is quickAck; a test counts the calls.
var pollQuickAck = quickAck

// close ends c, logging why (err; nil: nothing to log).
func (p *poller) close(c *conn, err error) {
	if _, ok := p.conns[c.fd]; !ok {
		return
	}
	delete(p.conns, c.fd)
	if err != nil {
		c.logEnd(err, func() string { return peerName(c.fd, p.tcp) })
	}
	rawClose(c.fd) // which takes it out of the epoll set
	c.release()
	p.s.untrack(c)
}

// closeAll ends every connection (Server.Close, or the poller failed).
func (p *poller) closeAll() {
	for _, c := range p.conns {
		p.close(c, nil)
	}
}

// newPollConn makes the conn of descriptor fd, served by p.
func newPollConn(fd int, p *poller, now time.Time) *conn {
	c := &conn{s: p.s, polled: true, fd: fd, epfd: p.epfd, active: now}
	c.bufs = bufferPool.Get().(*buffers)
	c.small, c.out = c.bufs.in, c.bufs.out[:0]
	c.in = c.small
	return c
}

// pollFlush writes what it can of the pending replies without waiting;
// the rest waits for the socket to be writable (EPOLLOUT).
func (c *conn) pollFlush() error {
	for len(c.out) > 0 {
		r, _, e := syscall.RawSyscall(unix.SYS_WRITE, uintptr(c.fd), uintptr(unsafe.Pointer(&c.out[0])), uintptr(len(c.out)))
		switch e {
		case 0:
			c.out = c.out[:copy(c.out, c.out[r:])]
			c.wrote = true
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			if !c.wantOut {
				c.wantOut = true
				return epollCtl(c.epfd, unix.EPOLL_CTL_MOD, c.fd, connEvents|unix.EPOLLOUT)
			}
			return nil
		}
		return os.NewSyscallError("write", e)
	}
	if c.wantOut {
		c.wantOut = false
		return epollCtl(c.epfd, unix.EPOLL_CTL_MOD, c.fd, connEvents)
	}
	return nil
}

func epollCtl(epfd, op, fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	_, _, e := syscall.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), uintptr(op), uintptr(fd), uintptr(unsafe.Pointer(&ev)), 0, 0)
	if e != 0 {
		return os.NewSyscallError("epoll_ctl", e)
	}
	return nil
}

func rawClose(fd int) {
	syscall.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// peerName names a connection's peer for a warning.
func peerName(fd int, tcp bool) string {
	if !tcp {
		return "unix"
	}
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return "tcp"
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), fmt.Sprint(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), fmt.Sprint(a.Port))
	}
	return "tcp"
}
