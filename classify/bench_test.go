package classify

import (
	"testing"

	"github.com/rblwatch/rblwatch/reply"
)

// BenchmarkClassify classifies every corpus text in turn (skipped when the
// corpus is absent).
func BenchmarkClassify(b *testing.B) {
	rows := readCorpus(b)
	ins := make([]Input, len(rows))
	for i, r := range rows {
		ins[i] = r.input()
		ins[i].SendingIP = "192.0.2.1"
	}
	c := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Classify(ins[i%len(ins)])
	}
}

// BenchmarkClassifyTypical is one common Outlook.com rejection.
func BenchmarkClassifyTypical(b *testing.B) {
	in := Input{Reply: reply.Parse("550 5.7.1 Unfortunately, messages from [142.93.169.220] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [DB5EUR03FT029.eop-EUR03.prod.protection.outlook.com]"), RemoteHost: "hotmail-com.olc.protection.outlook.com"}
	c := Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Classify(in)
	}
}
