package milter

import (
	"testing"

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
