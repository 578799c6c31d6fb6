package milter

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// scriptConn is a net.Conn whose reads return the given chunks, one per
// Read (as the MTA's writes arrive), then EOF. It records the writes and
// how often the deadline moved.
type scriptConn struct {
	chunks    [][]byte
	reads     int
	writes    [][]byte
	deadlines int
}

func (c *scriptConn) Read(b []byte) (int, error) {
	if len(c.chunks) == 0 {
		return 0, io.EOF
	}
	c.reads++
	n := copy(b, c.chunks[0])
	if c.chunks[0] = c.chunks[0][n:]; len(c.chunks[0]) == 0 {
		c.chunks = c.chunks[1:]
	}
	return n, nil
}

func (c *scriptConn) Write(b []byte) (int, error) {
	c.writes = append(c.writes, bytes.Clone(b))
	return len(b), nil
}

func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.UnixAddr{Name: "milter.sock", Net: "unix"} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.UnixAddr{Net: "unix"} }
func (c *scriptConn) SetDeadline(time.Time) error      { c.deadlines++; return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { c.deadlines++; return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { c.deadlines++; return nil }

// codes lists the codes of the packets in b.
func codes(t *testing.T, b []byte) string {
	t.Helper()
	var s []byte
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("packet cut short: %q", b)
		}
		n := binary.BigEndian.Uint32(b)
		s = append(s, b[4])
		b = b[4+n:]
	}
	return string(s)
}

// serveScript runs one connection over the chunks and returns it.
func serveScript(t *testing.T, chunks ...[]byte) (*scriptConn, []Message) {
	t.Helper()
	var got []Message
	s, err := New(Options{Sink: SinkFunc(func(m Message) { got = append(got, m) }), Now: func() time.Time { return t0 },
		Rand: strings.NewReader(strings.Repeat("\x01\x02\x03\x04", 100))})
	if err != nil {
		t.Fatal(err)
	}
	sc := &scriptConn{chunks: chunks}
	c, ok := s.track(sc)
	if !ok {
		t.Fatal("not tracked")
	}
	c.serve()
	return sc, got
}

// Postfix's bursts on one milter connection (bench/milter's synthetic
// client and TestWirePostfixPipelining send the same).
func postfixBursts(offer []byte) [][]byte {
	envelope := packet('D', "C", "j\x00mx.bench.test\x00")
	envelope = append(envelope, packet('C', "client.example.test\x00", "4", "\x11\xd7", "192.0.2.7\x00")...)
	envelope = append(envelope, packet('H', "client.example.test\x00")...)
	envelope = append(envelope, packet('D', "M", "{auth_authen}\x00alice\x00{auth_type}\x00PLAIN\x00")...)
	envelope = append(envelope, packet('M', "<alice@bench.test>\x00", "SIZE=100\x00")...)
	envelope = append(envelope, packet('R', "<a@remote.test>\x00")...)
	content := packet('L', "Message-ID\x00", "<m@vm>\x00")
	content = append(content, packet('L', "Subject\x00", "hello\x00")...)
	content = append(content, packet('D', "E", "{i}\x00A06969862E3\x00")...)
	content = append(content, packet('E')...)
	quit := append(append(packet('A'), packet('A')...), packet('Q')...)
	return [][]byte{packet('O', string(offer)), envelope, content, quit}
}

func offer(version, actions, protocol uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, version), actions), protocol)
}

// TestConnOneWritePerWait: a Postfix session is four bursts; the milter
// reads each with one read, answers with one write per burst that needs
// an answer (the header and "continue" at the end of the message together),
// and moves its idle deadline once.
func TestConnOneWritePerWait(t *testing.T) {
	sc, got := serveScript(t, postfixBursts(offer(6, postfixActions, postfixProtocol))...)
	if sc.reads != 4 {
		t.Errorf("%d reads for 4 bursts", sc.reads)
	}
	var cs []string
	for _, w := range sc.writes {
		cs = append(cs, codes(t, w))
	}
	if strings.Join(cs, " ") != "O hc" {
		t.Errorf("writes %q, want the negotiation's answer, then the header and continue in one write", cs)
	}
	if sc.deadlines != 1 {
		t.Errorf("deadline moved %d times in a short session, want once", sc.deadlines)
	}
	if len(got) != 1 || got[0].QueueID != "A06969862E3" || got[0].AuthUser != "alice" || got[0].MessageID != "m@vm" || got[0].TrackID != "A06969862E3"+suffix {
		t.Errorf("facts %+v", got)
	}
}

// TestConnMTAWithoutNoReply: an MTA that does not offer to skip the
// answers (milter protocol 2, Sendmail 8.13's flags) gets every answer the
// protocol requires, each burst's in one write, and no flag it did not
// offer.
func TestConnMTAWithoutNoReply(t *testing.T) {
	sc, got := serveScript(t, postfixBursts(offer(2, 0x3f, 0x7f))...)
	if len(sc.writes) != 3 {
		t.Fatalf("%d writes, want 3", len(sc.writes))
	}
	neg := sc.writes[0]
	if v, a, p := binary.BigEndian.Uint32(neg[5:]), binary.BigEndian.Uint32(neg[9:]), binary.BigEndian.Uint32(neg[13:]); v != 2 || a != ActAddHeaders || p != NoBody|NoEOH || len(neg) != 17 {
		t.Errorf("negotiation: version %d actions %#x protocol %#x, %d bytes; want 2, add headers, no body and EOH, no macro lists", v, a, p, len(neg))
	}
	if c := codes(t, sc.writes[1]); c != "cccc" {
		t.Errorf("envelope answers %q, want connect, HELO, MAIL, RCPT", c)
	}
	if c := codes(t, sc.writes[2]); c != "cchc" {
		t.Errorf("content answers %q, want two headers, then the header and continue", c)
	}
	if len(got) != 1 || got[0].QueueID != "A06969862E3" {
		t.Errorf("facts %+v", got)
	}
}

// TestConnRefusesOldProtocol: an MTA offering milter protocol 1 is refused
// (closed) without an answer.
func TestConnRefusesOldProtocol(t *testing.T) {
	sc, got := serveScript(t, postfixBursts(offer(1, 0x3f, 0x7f))...)
	if len(sc.writes) != 0 || len(got) != 0 || sc.reads != 1 {
		t.Errorf("%d writes, %d messages, %d reads; want the connection closed after the offer", len(sc.writes), len(got), sc.reads)
	}
}

// TestConnLargePacketBufferReleased: a header near the packet limit is read
// into a buffer of its own, which goes once the packet is handled.
func TestConnLargePacketBufferReleased(t *testing.T) {
	bursts := postfixBursts(offer(6, postfixActions, postfixProtocol))
	big := packet('L', "X-Big\x00", strings.Repeat("v", 900*1024)+"\x00")
	bursts[2] = append(big, bursts[2]...)
	s, err := New(Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	sc := &scriptConn{chunks: bursts[:3]}
	c, _ := s.track(sc)
	defer c.Close()
	if err := c.loop(); err != io.EOF {
		t.Fatalf("loop: %v, want EOF after the third burst", err)
	}
	if len(c.in) != inSize {
		t.Errorf("input buffer of %d bytes kept after the large packet", len(c.in))
	}
	if cs := codes(t, sc.writes[len(sc.writes)-1]); cs != "hc" {
		t.Errorf("last write %q", cs)
	}
}
