package classify

import (
	"fmt"
	"runtime"
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

// BenchmarkLoadCatalog loads the built-in catalog as every command does
// at its start (Default, without classifying the samples). Run it with
// -benchmem; live-B is what the last catalog keeps on the heap (the heap
// after a collection with it, less the heap after one without it).
func BenchmarkLoadCatalog(b *testing.B) {
	b.ReportAllocs()
	var c *Catalog
	for i := 0; i < b.N; i++ {
		var err error
		if c, err = loadDefault(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var with, without runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&with)
	runtime.KeepAlive(c)
	c = nil
	runtime.GC()
	runtime.ReadMemStats(&without)
	b.ReportMetric(float64(int64(with.HeapAlloc)-int64(without.HeapAlloc)), "live-B")
}

// memoBenchInputs are the corpus's texts (skipped when it is absent), each
// from a remote host of its own and our sending IP.
func memoBenchInputs(b *testing.B) []Input {
	rows := readCorpus(b)
	ins := make([]Input, len(rows))
	for i, r := range rows {
		ins[i] = r.input()
		ins[i].RemoteHost = fmt.Sprintf("mx%d.example%d.net", i%3, i)
		ins[i].SendingIP = "192.0.2.1"
	}
	return ins
}

// BenchmarkMemoLearn is the memo's miss path: every corpus text through a
// fresh Memo, which shapes each and learns each new shape (ns/op is a
// text's).
func BenchmarkMemoLearn(b *testing.B) {
	ins := memoBenchInputs(b)
	c := Default()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		m := c.NewMemo()
		for i := range ins {
			m.Classify(ins[i])
		}
		n += len(ins)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/text")
}

// BenchmarkMemoHits is the memo's hit path: 128 corpus texts, which its
// slots hold, through one Memo that has seen them, over and over.
func BenchmarkMemoHits(b *testing.B) {
	ins := memoBenchInputs(b)[:128]
	m := Default().NewMemo()
	for i := range ins {
		m.Classify(ins[i])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Classify(ins[i])
		if i++; i == len(ins) {
			i = 0
		}
	}
}
