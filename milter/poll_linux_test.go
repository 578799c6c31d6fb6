package milter

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// TestPollerAcceptsEveryWaitingConnection: connections that wait in the
// listener's queue when the poller starts are all served. The poller's
// epoll set is edge-triggered, so the listener is reported once for all of
// them: a poller that took one connection per event would leave the rest
// waiting for ever (they send nothing the listener would report again).
func TestPollerAcceptsEveryWaitingConnection(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "milter.sock")
			}
			ln, err := Listen(network, addr, ListenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Queued before anything accepts: the kernel completes
			// the connections on the listener's backlog.
			var conns []net.Conn
			for range 20 {
				c, err := net.Dial(network, ln.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				conns = append(conns, c)
			}
			srv, err := New(Options{Sink: SinkFunc(func(Message) {}), Log: zaptest.NewLogger(t), Metrics: NewMetrics(nil),
				Rand: strings.NewReader(strings.Repeat("\x01", 1000))})
			if err != nil {
				t.Fatal(err)
			}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()
			defer func() {
				srv.Close()
				<-served
			}()
			for i, c := range conns {
				// Bounds a hang (a connection never accepted), not a
				// speed: any machine answers within it.
				c.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := c.Write(packet('O', "\x00\x00\x00\x06\x00\x00\x01\xff\x00\x1f\xff\xff")); err != nil {
					t.Fatal(err)
				}
				if code, _ := readPacket(t, c); code != 'O' {
					t.Fatalf("connection %d: reply %q to the negotiation", i, code)
				}
			}
		})
	}
}
