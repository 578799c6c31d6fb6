package milter

import (
	"bufio"
	"net"
	"syscall"
	"testing"
	"time"

	gomilter "github.com/emersion/go-milter"
	"go.uber.org/zap"
)

// BenchmarkWireMessage measures one message through the milter over
// loopback, as Postfix's smtpd drives it: MAIL with SASL macros, two
// recipients, five headers, the end of the headers and of the message
// (the header added, the facts handed to the sink).
func BenchmarkWireMessage(b *testing.B) {
	bn := start(b, Options{Log: zap.NewNop()})
	s, err := bn.session()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Conn("client.example.test", gomilter.FamilyInet, 4567, "192.0.2.7"); err != nil {
		b.Fatal(err)
	}
	m := msg{
		mailMacros: []string{"{auth_authen}", "alice@bench.test", "{auth_type}", "PLAIN"},
		from:       "alice@bench.test",
		rcpts:      []string{"a@remote.test", "b@remote.test"},
		headers: [][2]string{{"From", "<alice@bench.test>"}, {"To", "<a@remote.test>, <b@remote.test>"}, {"Subject", "benchmark"},
			{"Message-ID", "<20261123153739.014849@vm>"}, {"Date", "Mon, 23 Nov 2026 15:37:39 +0000"}},
		eohMacros: []string{"i", "E3E1498613E"},
		eomMacros: []string{"i", "E3E1498613E"},
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		send(b, s, m)
		<-bn.got
	}
}

// BenchmarkWirePipelined measures one message as Postfix sends it with the
// negotiated Protocol: a new connection (negotiation, connect, HELO), and
// every event of the message written at once (MAIL with SASL macros, two
// recipients, five headers, the end of the message); the client reads the
// two replies (the header, continue) and closes. One SMTP session, one
// message, as smtp-source and most submission clients do.
func BenchmarkWirePipelined(b *testing.B) {
	bn := start(b, Options{Log: zap.NewNop()})
	var w []byte
	w = append(w, packet('O', "\x00\x00\x00\x06\x00\x00\x01\xff\x00\x1f\xff\xff")...)
	session := packet('D', "C", "j\x00mx.bench.test\x00{daemon_name}\x00mx.bench.test\x00v\x00Postfix 3.7.11\x00")
	session = append(session, packet('C', "client.example.test\x00", "4", "\x11\xd7", "192.0.2.7\x00")...)
	session = append(session, packet('H', "client.example.test\x00")...)
	session = append(session, packet('D', "M", "i\x00E3E1498613E\x00{auth_authen}\x00alice@bench.test\x00{auth_type}\x00PLAIN\x00")...)
	session = append(session, packet('M', "<alice@bench.test>\x00", "SIZE=2048\x00")...)
	session = append(session, packet('R', "<a@remote.test>\x00")...)
	session = append(session, packet('R', "<b@remote.test>\x00")...)
	for _, h := range [][2]string{{"From", "<alice@bench.test>"}, {"To", "<a@remote.test>, <b@remote.test>"}, {"Subject", "benchmark"},
		{"Message-ID", "<20261123153739.014849@vm>"}, {"Date", "Mon, 23 Nov 2026 15:37:39 +0000"}} {
		session = append(session, packet('L', h[0]+"\x00", " "+h[1]+"\x00")...)
	}
	session = append(session, packet('D', "E", "i\x00E3E1498613E\x00")...)
	session = append(session, packet('E')...)
	quit := packet('Q')
	b.ReportAllocs()
	defer reportCPU(b)()
	b.ResetTimer()
	for b.Loop() {
		c, err := net.Dial("tcp", bn.addr)
		if err != nil {
			b.Fatal(err)
		}
		r := bufio.NewReader(c)
		if _, err := c.Write(w); err != nil {
			b.Fatal(err)
		}
		if code, _ := readPacketB(b, r); code != 'O' {
			b.Fatalf("negotiation: %q", code)
		}
		if _, err := c.Write(session); err != nil {
			b.Fatal(err)
		}
		for _, want := range []byte{'h', 'c'} {
			if code, _ := readPacketB(b, r); code != want {
				b.Fatalf("reply %q, want %q", code, want)
			}
		}
		c.Write(quit)
		c.Close()
		<-bn.got
	}
}

// reportCPU reports the process's CPU time (user and system, client and
// server alike) per operation: on a loaded machine wall time mostly
// measures waiting.
func reportCPU(b *testing.B) func() {
	var r0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	return func() {
		var r1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		cpu := time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
		b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/op")
	}
}
