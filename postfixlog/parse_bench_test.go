package postfixlog

import (
	"github.com/rblwatch/rblwatch/internal/benchlog"

	"fmt"
	"strings"
	"testing"
	"time"
)

// TestParseNoAllocs checks that parsing allocates nothing, for every line
// form of the table (errors included), once the parser is warm.
func TestParseNoAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are not meaningful under -cover or -race")
	}
	for _, c := range parseCases {
		p := NewParser(tableRef, time.UTC)
		var r Record
		_ = p.Parse(c.line, &r) // warm: caches the hour and any fixed zone
		n := testing.AllocsPerRun(50, func() { _ = p.Parse(c.line, &r) })
		if n != 0 {
			t.Errorf("%s: %v allocations per parse", c.name, n)
		}
	}
}

// relayMix returns n lines shaped like a busy outbound relay's log (the
// proportions of bench/genlog): mostly smtpd/cleanup/qmgr bookkeeping,
// about 15 % delivery lines, a few rejects and warnings; about ten lines per
// second so the timestamp cache works as it would on a real log.
func relayMix(n int) []string {
	templates := []string{
		"%s mx postfix/smtpd[%d]: connect from client%d.example.com[192.0.2.%d]",
		"%s mx postfix/smtpd[%d]: 4A%07X: client=client%d.example.com[192.0.2.%d], sasl_method=PLAIN, sasl_username=user%d@example.com",
		"%s mx postfix/cleanup[%d]: 4A%07X: message-id=<20261123.%d.%d@example.com>",
		"%s mx postfix/qmgr[%d]: 4A%07X: from=<user%d@example.com>, size=%d, nrcpt=1 (queue active)",
		"%s mx postfix/smtpd[%d]: disconnect from client%d.example.com[192.0.2.%d] ehlo=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=6",
		"%s mx postfix/smtp[%d]: 4A%07X: to=<rcpt%d@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.26]:25, delay=0.%d, delays=0.01/0/0.2/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK  1700000000 a640c23a62f3a-%d - gsmtp)",
		"%s mx postfix/qmgr[%d]: 4A%07X: removed",
		"%s mx postfix/smtpd[%d]: connect from unknown[198.51.100.%d]",
		"%s mx postfix/smtpd[%d]: 4B%07X: client=unknown[198.51.100.%d]",
		"%s mx postfix/cleanup[%d]: 4B%07X: message-id=<%d.%d@mail.example.org>",
		"%s mx postfix/qmgr[%d]: 4B%07X: from=<news%d@example.org>, size=%d, nrcpt=1 (queue active)",
		"%s mx postfix/smtpd[%d]: disconnect from unknown[198.51.100.%d] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5",
		"%s mx postfix/smtp[%d]: 4B%07X: to=<rcpt%d@outlook.com>, relay=outlook-com.olc.protection.outlook.com[52.101.1.2]:25, delay=1.%d, delays=0.1/0/0.5/0.6, dsn=2.6.0, status=sent (250 2.6.0 <%d@mail.example.org> [InternalId=1] Queued mail for delivery)",
		"%s mx postfix/qmgr[%d]: 4B%07X: removed",
	}
	rare := []string{
		"%s mx postfix/smtp[%d]: 4C%07X: to=<u%d@yahoo.com>, relay=mta5.am0.yahoodns.net[67.195.204.7]:25, delay=%d, delays=0.1/0/0.3/0.2, dsn=4.7.0, status=deferred (host mta5.am0.yahoodns.net[67.195.204.7] said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes (in reply to MAIL FROM command))",
		"%s mx postfix/smtp[%d]: 4D%07X: to=<u%d@example.net>, relay=mx1.example.net[198.51.100.7]:25, delay=%d, delays=0/0/0/0, dsn=5.7.1, status=bounced (host mx1.example.net[198.51.100.7] said: 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS16012611) (in reply to RCPT TO command))",
		"%s mx postfix/smtpd[%d]: NOQUEUE: reject: RCPT from unknown[203.0.113.%d]: 554 5.7.1 Service unavailable; Client host [203.0.113.%d] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.9; from=<a@b.example> to=<c@example.com> proto=ESMTP helo=<x>",
		"%s mx postfix/smtpd[%d]: warning: hostname h%d.example does not resolve to address 203.0.113.%d",
		"%s mx postfix/bounce[%d]: 4D%07X: sender non-delivery notification: 4E%07X",
	}
	lines := make([]string, 0, n)
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for i := 0; len(lines) < n; i++ {
		stamp := t0.Add(time.Duration(i/10) * time.Second).Format(time.Stamp)
		tpl := templates[i%len(templates)]
		if i%33 == 0 {
			tpl = rare[(i/33)%len(rare)]
		}
		args := []any{stamp, 1000 + i%5000, i, i % 250, i % 97, 400 + i%80000}
		line := fmt.Sprintf(tpl, args[:strings.Count(tpl, "%")]...)
		lines = append(lines, line)
	}
	return lines
}

// BenchmarkParse parses a realistic relay mix on one core and reports the
// time per line and throughput.
func BenchmarkParse(b *testing.B) {
	benchLines(b, relayMix(100000))
}

// BenchmarkParseFile parses a log named by RBLWATCH_BENCH_LOG (for example
// the output of `go run ./bench/genlog -n 1000000`).
func BenchmarkParseFile(b *testing.B) {
	data := benchlog.Read(b)
	// The lines are substrings of one string, as a reader's buffer would
	// hand them out, not separately allocated copies.
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	benchLines(b, lines)
}

func benchLines(b *testing.B, lines []string) {
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	p := NewParser(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), time.UTC)
	var r Record
	b.ReportAllocs()
	b.SetBytes(size / int64(len(lines)))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		_ = p.Parse(lines[i], &r)
		if i++; i == len(lines) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/line")
}

// BenchmarkParseKind parses one line of each main kind repeatedly.
func BenchmarkParseKind(b *testing.B) {
	for _, name := range []string{"smtp sent", "bounced, parentheses inside the reply (Spamhaus)",
		"qmgr removed", "smtpd connect is other", "smtpd NOQUEUE reject (DNSBL)",
		"multi-instance postfix-out, RFC 3339 high precision"} {
		var line string
		for _, c := range parseCases {
			if c.name == name {
				line = c.line
			}
		}
		b.Run(strings.Fields(name)[0]+"_"+strings.Fields(name)[1], func(b *testing.B) {
			p := NewParser(tableRef, time.UTC)
			var r Record
			b.ReportAllocs()
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				_ = p.Parse(line, &r)
			}
		})
	}
}

// BenchmarkParseHuge parses pathological lines of 64 KiB and 1 MiB: the
// time per byte must not grow with the size (linear parsing).
func BenchmarkParseHuge(b *testing.B) {
	for _, size := range []int{64 << 10, 1 << 20} {
		for _, c := range hugeLines(size) {
			b.Run(fmt.Sprintf("%s/%dKiB", c.name, size>>10), func(b *testing.B) {
				p := NewParser(tableRef, time.UTC)
				var r Record
				b.SetBytes(int64(len(c.line)))
				for b.Loop() {
					_ = p.Parse(c.line, &r)
				}
			})
		}
	}
}
