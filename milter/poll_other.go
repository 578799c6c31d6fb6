//go:build !linux

package milter

import "net"

// poller: only Linux has one (poll_linux.go); elsewhere a goroutine serves
// each connection.
type poller struct{}

func (*poller) stop() {}

func (s *Server) servePoll(net.Listener) (bool, error) { return false, nil }

func (c *conn) pollFlush() error { panic("milter: no poller here") }
