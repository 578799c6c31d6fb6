package milter

import (
	"io"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

// TestPollerAcksTCPReads: on TCP the poller acknowledges at once a burst
// it sends no reply to (quickAck, whose effect TestReadAcksAtOnce checks):
// the envelope's. A burst it answers (the negotiation, the end of the
// message) gets its ACK with the reply, and the QUIT none: one call per
// message, where there was one per read. A unix socket, which has no
// delayed ACK, gets none. The bursts are written one at a time, as
// Postfix writes them, each once the one before it was read.
func TestPollerAcksTCPReads(t *testing.T) {
	acks := make(chan struct{}, 16)
	pollQuickAck = func(fd uintptr) { acks <- struct{}{}; quickAck(fd) }
	defer func() { pollQuickAck = quickAck }()
	envelope := slices.Concat(packet('D', "C", "j\x00mx.test\x00"), packet('C', "client.test\x00", "4", "\x11\xd7", "192.0.2.7\x00"),
		packet('H', "client.test\x00"), packet('M', "<a@b.test>\x00"), packet('R', "<c@d.test>\x00"))
	content := slices.Concat(packet('L', "Message-ID\x00", "<1@b.test>\x00"), packet('D', "E", "i\x00A06969862E3\x00"), packet('E'))
	for _, tc := range []struct {
		network, addr string
		acks          bool
	}{
		{"tcp", "127.0.0.1:0", true},
		{"unix", filepath.Join(t.TempDir(), "milter.sock"), false},
	} {
		for len(acks) > 0 {
			<-acks
		}
		b := startOn(t, tc.network, tc.addr, Options{})
		c, err := net.Dial(tc.network, b.addr)
		if err != nil {
			t.Fatal(err)
		}
		if tc.network == "tcp" {
			c.(*net.TCPConn).SetNoDelay(false) // Nagle on, as Postfix has it
		}
		// Bounds a hang, not a speed.
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if _, err := c.Write(packet('O', "\x00\x00\x00\x06\x00\x00\x01\xff\x00\x1f\xff\xff")); err != nil {
			t.Fatal(err)
		}
		if code, _ := readPacket(t, c); code != 'O' {
			t.Fatalf("%s: reply %q to the negotiation", tc.network, code)
		}
		if _, err := c.Write(envelope); err != nil {
			t.Fatal(err)
		}
		if tc.acks {
			// The envelope gets no reply: its read shows as its ACK.
			select {
			case <-acks:
			case <-time.After(30 * time.Second):
				t.Fatalf("%s: the envelope was read without an acknowledgement", tc.network)
			}
		}
		if _, err := c.Write(content); err != nil {
			t.Fatal(err)
		}
		for _, want := range []byte{'h', 'c'} {
			if code, _ := readPacket(t, c); code != want {
				t.Fatalf("%s: reply %q, want %q", tc.network, code, want)
			}
		}
		b.next()
		c.Write(packet('Q'))
		c.Close()
		b.stop()
		if n := len(acks); n != 0 {
			t.Errorf("%s: %d acknowledgements more than the envelope's (the negotiation's, the end of the message's or the QUIT's read)", tc.network, n)
		}
	}
}
