package milter

import (
	"io"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"
)

func init() { linuxWireTests["ReadAcksAtOnce"] = TestReadAcksAtOnce }

// TestReadAcksAtOnce: a read from a TCP socket has the kernel send its ACK
// before the read returns (quickAck). The connection first goes through
// request-reply exchanges, as the negotiation does, which put the kernel
// in its interactive mode, where it delays an ACK (up to 40 ms) for data
// it can send it with; then comes a write that gets no reply, as the
// envelope with the no-reply flags. The check counts the segments the
// server's socket sent (TCP_INFO): no timing. (Were the kernel's delayed
// ACK to fire before the read, without quickAck, the test would pass; it
// never fails because of a slow machine.)
func TestReadAcksAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	if err := client.(*net.TCPConn).SetNoDelay(false); err != nil { // Nagle on, as Postfix has it
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	var x rawIO
	x.init(server)
	segsOut := func() uint32 {
		rc, err := server.(*net.TCPConn).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var info *unix.TCPInfo
		var ierr error
		if err := rc.Control(func(fd uintptr) { info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil {
			t.Fatal(err)
		}
		if ierr != nil {
			t.Fatal(ierr)
		}
		return info.Segs_out
	}
	buf := make([]byte, 64)
	readAll := func(want string) {
		t.Helper()
		var got []byte
		for len(got) < len(want) {
			n, err := x.read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, buf[:n]...)
		}
		if string(got) != want {
			t.Fatalf("read %q, want %q", got, want)
		}
	}
	for range 4 {
		if _, err := client.Write([]byte("request")); err != nil {
			t.Fatal(err)
		}
		readAll("request")
		if err := x.write([]byte("reply")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(client, make([]byte, len("reply"))); err != nil {
			t.Fatal(err)
		}
	}
	before := segsOut()
	if _, err := client.Write([]byte("envelope")); err != nil {
		t.Fatal(err)
	}
	readAll("envelope")
	if after := segsOut(); after == before {
		t.Errorf("the read of data that gets no reply left its ACK to the delayed-ACK timer (segments sent: %d before, %d after)", before, after)
	}
}

// TestPollerAcksTCPReads: the poller acknowledges every read on TCP at
// once (quickAck, whose effect TestReadAcksAtOnce checks), and makes no
// such call on a unix socket, which has no delayed ACK.
func TestPollerAcksTCPReads(t *testing.T) {
	var calls atomic.Int64
	pollQuickAck = func(fd uintptr) { calls.Add(1); quickAck(fd) }
	defer func() { pollQuickAck = quickAck }()
	for _, tc := range []struct {
		network, addr string
		acks          bool
	}{
		{"tcp", "127.0.0.1:0", true},
		{"unix", filepath.Join(t.TempDir(), "milter.sock"), false},
	} {
		calls.Store(0)
		b := startOn(t, tc.network, tc.addr, Options{})
		s := b.mustSession()
		connect(t, s)
		marked(t, send(t, s, msg{from: "a@b.test", rcpts: []string{"c@d.test"}, eomMacros: []string{"i", "A06969862E3"}}), DefaultHeader, "A06969862E3"+suffix)
		b.next()
		s.Close()
		b.stop()
		// Reads: the negotiation, the connect and envelope events, the
		// end of the message (go-milter writes them in turn).
		if n := calls.Load(); tc.acks && n < 3 || !tc.acks && n != 0 {
			t.Errorf("%s: %d acknowledgements", tc.network, n)
		}
	}
}
