package classify

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/rblwatch/rblwatch/reply"
)

// memoHosts are remote hosts the replies come from: none, mail hosts of
// ordinary domains (each its own receiver), and providers' own hosts.
var memoHosts = []string{"", "mx.orbitgreen2054.example", "MX2.Riverprime1014.example.org", "mail.example.co.jp",
	"acme-com.mail.protection.outlook.com", "gmail-smtp-in.l.google.com", "mta7.am0.yahoodns.net",
	"d733223a.ess.barracudanetworks.com", "eu-smtp-inbound-1.mimecast.com", "mx1.cloudfilter.net", "192.0.2.7"}

// TestMemoAsClassify classifies every reply of the corpus, the test sets
// and the catalog's samples both ways — Classify, and one Memo fed them all
// in turn — from several remote hosts and sending IPs, each reply also with
// its varying tokens (addresses, ids, times, the host's name) replaced by
// other values of their kind, as the next message's reply would have them;
// the verdicts must be the same. It also checks that the memo is of use:
// most replies of a known shape come from memory.
func TestMemoAsClassify(t *testing.T) {
	c := Default()
	texts := memoTexts(t, c)
	m := c.NewMemo()
	rng := rand.New(rand.NewPCG(7, 11))
	calls := 0
	// The memo reads its inputs as views of a buffer that is read into
	// again after each reply, as a log line's is: it must keep copies.
	var buf []byte
	view := func(s string) string {
		if s == "" {
			return ""
		}
		buf = append(buf, s...)
		return unsafe.String(&buf[len(buf)-len(s)], len(s))
	}
	check := func(in Input) {
		t.Helper()
		calls++
		want := c.Classify(in)
		buf = buf[:0]
		vin := in
		vin.Reply.Text, vin.Reply.Enhanced, vin.RemoteHost = view(in.Reply.Text), view(in.Reply.Enhanced), view(in.RemoteHost)
		got := m.Classify(vin)
		got = got.Clone()
		for i := range buf {
			buf[i] = '#'
		}
		if got != want {
			t.Errorf("Memo.Classify(%q from %q, sending IP %q)\n= %+v\nwant %+v", in.Reply.Text, in.RemoteHost, in.SendingIP, got, want)
		}
	}
	for _, base := range texts {
		for k, host := range memoHosts {
			in := base
			in.RemoteHost = host
			in.SendingIP = []string{"", "192.0.2.10", "2001:db8::25"}[k%3]
			in.Greeting = k%4 == 3
			in.NoReply = k%5 == 4 && in.Reply.Code == 0
			// Varied replies before and after the original: the memo
			// learns a shape from whichever comes first.
			for i := range 4 {
				if i == 2 {
					check(in)
				}
				v := in
				v.RemoteHost = memoHosts[rng.IntN(len(memoHosts))]
				v.Reply.Text = vary(m, rng, in.Reply.Text, in.RemoteHost, v.RemoteHost)
				check(v)
			}
		}
	}
	t.Logf("%d replies, %d calls: %d from memory, %d classified and remembered, %d classified (their tokens matter)",
		len(texts), calls, m.Hits, m.Misses, m.Volatile)
	if m.Hits < int64(calls)/2 {
		t.Errorf("only %d of %d replies came from memory", m.Hits, calls)
	}
}

// TestLearntShared: two Memos of one Learnt, as a replay's two workers,
// read every reply of the memo tests at the same time, each with its own
// varied tokens; every verdict is Classify's. Then a third Memo of the
// Learnt reads what the first read: it classifies none itself (no miss),
// what the two learnt is its too. go test -race checks that the Memos
// share without a race.
func TestLearntShared(t *testing.T) {
	c := Default()
	texts := memoTexts(t, c)
	l := c.NewLearnt()
	read := func(m *Memo, seed uint64) []string {
		var bad []string
		rng := rand.New(rand.NewPCG(seed, 13))
		for _, in := range texts {
			in.RemoteHost = "mx.orbitgreen2054.example"
			in.Reply.Text = vary(m, rng, in.Reply.Text, "", "")
			if got, want := m.Classify(in), c.Classify(in); got != want {
				bad = append(bad, fmt.Sprintf("%q: %+v, want %+v", in.Reply.Text, got, want))
			}
		}
		return bad
	}
	workers := []*Memo{l.NewMemo(), l.NewMemo()}
	bad := make([][]string, len(workers))
	var wg sync.WaitGroup
	for i, m := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bad[i] = read(m, uint64(i))
		}()
	}
	wg.Wait()
	third := l.NewMemo()
	bad = append(bad, read(third, 0))
	for _, b := range bad {
		for _, s := range b {
			t.Error(s)
		}
	}
	t.Logf("%d replies: misses %d and %d of the two, %d of the third (hits %d, volatile %d); %d shapes learnt (at most %d)",
		len(texts), workers[0].Misses, workers[1].Misses, third.Misses, third.Hits, third.Volatile, len(l.entries), maxMemo)
	if third.Misses != 0 || third.Hits == 0 {
		t.Errorf("the third Memo classified %d replies itself, %d from memory; want 0, all but the volatile", third.Misses, third.Hits)
	}
}

// TestMemoHosts: the memo's table of remote hosts (Memo.host) gives each
// name its own host, the same one again while it remembers it, with the
// suffixes a fresh memo finds for it, and starts afresh past maxMemoHosts
// names.
func TestMemoHosts(t *testing.T) {
	// A host is one allocation of 128 bytes: its name and info.host in
	// one cache line (memoHost).
	if size := unsafe.Sizeof(memoHost{}); size != 128 {
		t.Errorf("memoHost is %d bytes, want 128", size)
	}
	// A shape slot is two cache lines of a Memo, its slots first.
	if size, at := unsafe.Sizeof(shapeSlot{}), unsafe.Offsetof(Memo{}.shapes); size != 128 || at != 0 {
		t.Errorf("shapeSlot is %d bytes at %d of a Memo, want 128 at 0", size, at)
	}
	c := Default()
	m := c.NewMemo()
	var names []string
	for i := range maxMemoHosts * 5 / 2 {
		names = append(names, fmt.Sprintf("MX%d.Example%d.net", i%7, i), fmt.Sprintf("eur%02d-com.mail.protection.outlook.com", i),
			fmt.Sprintf("Inbound-Relay%d.Mail-Filtering.Eu-West-%d.Example-Hosting.net", i%3, i)) // longer than a slot holds
	}
	for round := range 2 {
		for i, n := range names {
			h := m.host(n)
			if h.info.host != n {
				t.Fatalf("round %d: host(%q) is %q's", round, n, h.info.host)
			}
			if again := m.host(n); again != h {
				t.Fatalf("round %d: host(%q) not found again", round, n)
			}
			if i%64 != 0 {
				continue
			}
			if fresh := c.NewMemo().host(n); string(fresh.sig) != string(h.sig) || fresh.catalog != h.catalog || fresh.low != h.low {
				t.Fatalf("round %d: host(%q) = %+v, a fresh memo's %+v", round, n, h, fresh)
			}
		}
		if m.nHosts > maxMemoHosts {
			t.Fatalf("%d hosts remembered, at most %d", m.nHosts, maxMemoHosts)
		}
	}
}

// vary returns text with its masked tokens replaced by random values of
// their kind, as another message's reply of the same shape; the remote
// host's name (from host) becomes the new host's (to).
func vary(m *Memo, rng *rand.Rand, text, host, to string) string {
	h := m.host(host)
	m.shape(nil, text, host, h)
	var b strings.Builder
	at := 0
	for _, sp := range m.spans {
		b.WriteString(text[at:sp.s])
		orig := text[sp.s:sp.e]
		switch sp.k {
		case maskIP, maskIPPort:
			oct := func() int { return rng.IntN(256) }
			switch rng.IntN(4) {
			case 0:
				fmt.Fprintf(&b, "127.0.0.%d", 1+rng.IntN(10))
			case 1:
				fmt.Fprintf(&b, "10.%d.%d.%d", oct(), oct(), oct())
			default:
				fmt.Fprintf(&b, "%d.%d.%d.%d", 1+rng.IntN(223), oct(), oct(), oct())
			}
			if sp.k == maskIPPort {
				fmt.Fprintf(&b, ":%d", rng.IntN(65536))
			}
		case maskIP6:
			fmt.Fprintf(&b, "2001:db8:%x::%x", rng.IntN(65536), rng.IntN(65536))
		case maskLocal:
			b.WriteString(randomLike(rng, "user.name"))
		case maskDomain:
			b.WriteString(randomLike(rng, "example") + ".example")
		case maskTime:
			fmt.Fprintf(&b, "%02d:%02d:%02d", rng.IntN(24), rng.IntN(60), rng.IntN(60))
		case maskHost:
			b.WriteString(to)
		default:
			b.WriteString(randomLike(rng, orig))
		}
		at = sp.e
	}
	b.WriteString(text[at:])
	return b.String()
}

// randomLike returns a random string with the character classes of s.
func randomLike(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case c >= '0' && c <= '9':
			b[i] = byte('0' + rng.IntN(10))
		case c >= 'a' && c <= 'z':
			b[i] = byte('a' + rng.IntN(26))
		case c >= 'A' && c <= 'Z':
			b[i] = byte('A' + rng.IntN(26))
		}
	}
	return string(b)
}

// TestMemoShape: what is masked and what stays.
func TestMemoShape(t *testing.T) {
	m := Default().NewMemo()
	for _, tc := range []struct{ host, text, want string }{
		{"", "550 5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1",
			"550 5.7.1 Client host [~I] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/~I"},
		{"mx.orbit.example", "550 5.1.1 <j.smith15@orbit.example>: unknown at mx.orbit.example, mx.other.example",
			"550 5.1.1 <~L@~D>: unknown at ~H, mx.other.example"},
		{"", "421 4.3.2 Your IP(218.236.206.104) is filtered. Register your IP to spammaster@hanafos.com",
			"421 4.3.2 Your IP(~I) is filtered. Register your IP to spammaster@hanafos.com"},
		{"", "550 delist@messaging.microsoft.com (AS16012609) S3140 BL000010 OFR006_100 MXIN506 [TSS04]",
			"550 delist@messaging.microsoft.com (AS16012609) S3140 BL000010 OFR006_100 MXIN506 [TSS04]"},
		{"", "550 a\x00b 192.0.2.1:25\x00", "550 a~~b ~J~~"},
		{"", "553-Message filtered. 550-5.7.1 [192.0.2.1      12] 550-5.7.1bad",
			"553-Message filtered. 550-5.7.1 [~I      12] 550-5.7.1bad"},
		{"", "451 4.7.650 (S3113) [5NY1SSJFSTZJRJBG.eurprd02.prod.outlook.com 2024-05-09T23:34:45.000Z GLXTWVLGZHZ]",
			"451 4.7.650 (S3113) [~N.eurprd02.prod.outlook.com ~T GLXTWVLGZHZ]"},
		{"", "554 Txn ID 4fbc0af0-417e-4180-91d8-66754d53a162 at 14:52:05 +0200, port 39153, d733223a, 2001:db8::1.",
			"554 Txn ID ~N at ~T +0200, port ~N, ~N, ~6."},
		{"acme-com.mail.protection.outlook.com", "550 from acme-com.mail.protection.outlook.com[192.0.2.9]:25",
			"550 from acme-com.mail.protection.outlook.com[~I]:25"},
		{"", "421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
			"421 4.7.0 [TSS04] Messages from ~I temporarily deferred - ~I; see https://postmaster.yahooinc.com/error-codes"},
	} {
		got := strings.ReplaceAll(strings.ReplaceAll(string(m.shape(nil, tc.text, tc.host, m.host(tc.host))), "\x00", "~"), "~\x00", "~0")
		if got != tc.want {
			t.Errorf("shape(%q)\n= %q\nwant %q", tc.text, got, tc.want)
		}
	}
}

// TestMemoShapesRepeatedTexts: a reply text that comes again, word for
// word, from another host that it does not name is not masked again (its
// shape is remembered, Memo.shapes); one that names its remote host is
// not either when it comes again from that host, but is from another host
// it names, since the host's name is masked in it. The verdicts stay
// Classify's.
func TestMemoShapesRepeatedTexts(t *testing.T) {
	c := Default()
	texts := []string{
		"554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10",
		"550 5.7.1 Your IP 192.0.2.10 is blacklisted. Click delist.emailfiltering.com to delist",
		"421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
	}
	// Fewer texts than a set has slots: all stay, whichever sets they
	// are in.
	m := c.NewMemo()
	hosts := []string{"mx1.example.net", "MX2.example.org", "", "mta5.am0.yahoodns.net", "d151929b.ess.barracudanetworks.com"}
	classify := func(text, host string) {
		t.Helper()
		in := Input{Reply: reply.Parse(text), RemoteHost: host, SendingIP: "192.0.2.10"}
		if got, want := m.Classify(in), c.Classify(in); got != want {
			t.Errorf("%q from %q: %+v, want %+v", text, host, got, want)
		}
	}
	for range 3 {
		for _, host := range hosts {
			for _, text := range texts {
				classify(text, host)
			}
		}
	}
	if m.shaped != int64(len(texts)) {
		t.Errorf("%d texts shaped for %d texts from %d hosts, 3 times over; want %d", m.shaped, len(texts), len(hosts), len(texts))
	}
	// A text that names its host is shaped once from each host it names,
	// once for the hosts it does not name.
	m.shaped = 0
	for range 3 {
		for _, host := range []string{"mx1.example.net", "MX1.EXAMPLE.NET", "mx2.example.net", "mx3.example.net"} {
			classify("550 5.7.1 mx1.example.net refuses mail from 192.0.2.10: listed at zen.spamhaus.org", host)
		}
	}
	if m.shaped != 3 {
		t.Errorf("a text naming a host, from 2 hosts it names and 2 it does not, 3 times over: shaped %d times, want 3", m.shaped)
	}
	// A catalog host's name is not masked: a text that names one is shaped
	// once, for it and for every other host.
	m.shaped = 0
	for range 3 {
		for _, host := range []string{"mta7.am0.yahoodns.net", "mx2.example.net", "MTA7.AM0.YAHOODNS.NET"} {
			classify("421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred by mta7.am0.yahoodns.net", host)
		}
	}
	if m.shaped != 1 {
		t.Errorf("a text naming a catalog host, from it and 2 other hosts, 3 times over: shaped %d times, want 1", m.shaped)
	}
}

// TestMemoListedFromSlot: a text that came again takes what it names for
// the rule's target from its slot (shapeSlot.target), and the listed
// address is still its own reply's: the sending IP when the text names
// none, the text's address or domain when it does.
func TestMemoListedFromSlot(t *testing.T) {
	c := Default()
	texts := []string{
		// The listed address is found in the text read whole (listedFull).
		"550 5.7.1 Mail from bob42@example.com refused: your IP is listed on zen.spamhaus.org",
		"421 4.7.0 [TSS04] Messages from 198.51.100.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
		"554 5.7.1 <x@spam-domain.example>: Sender address rejected: Domain listed at dbl.spamhaus.org; sender address [x@spam-domain.example]",
		// The listed address is the first masked IP when it is public
		// (listedSpan), and found as listedFull's when it is not.
		"421 4.7.0 [TSS04] Messages from 10.1.2.3 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
	}
	m := c.NewMemo() // 4 texts: all stay (shapeWays)
	for round := range 3 {
		for _, ip := range []string{"198.51.100.7", "203.0.113.9", ""} {
			for _, text := range texts {
				in := Input{Reply: reply.Parse(text), RemoteHost: "mx.example.net", SendingIP: ip}
				if got, want := m.Classify(in), c.Classify(in); got != want {
					t.Errorf("round %d, %q from %q: %+v, want %+v", round, text, ip, got, want)
				}
			}
		}
	}
	if m.shaped != int64(len(texts)) {
		t.Errorf("%d texts shaped, want %d (each found in its slot again)", m.shaped, len(texts))
	}
	// The yahoo texts' slots know whether their first masked IP is the
	// one listed (shapeSlot.ip): public, and private.
	for i, want := range map[int]int16{1: 1, 3: -1} {
		in := Input{Reply: reply.Parse(texts[i]), RemoteHost: "mx.example.net"}
		if _, sl := m.slot(&in); sl == nil || sl.ip != want {
			t.Errorf("%q: slot %v, want its ip %d", texts[i], sl, want)
		}
	}
	// What the test holds: the first text's listed address is the sending
	// IP, the third's the domain it names.
	for i, want := range []string{"203.0.113.9", "spam-domain.example"} {
		text := texts[2*i]
		if v := c.Classify(Input{Reply: reply.Parse(text), RemoteHost: "mx.example.net", SendingIP: "203.0.113.9"}); v.Listed != want {
			t.Errorf("%q: listed %q, want %q", text, v.Listed, want)
		}
	}
}

// TestMemoShapeSets: the texts of one set of slots (Memo.shapes) that
// come again stay while others come and go — up to shapeWays of them,
// the one used least lately making room for a new text.
func TestMemoShapeSets(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	// Texts of one set: of the same length and code, differing in their
	// first 64 bytes (setOf), so ~1 of 128 is in the first's set.
	var same []string
	set := -1
	for i := 0; len(same) < 2*shapeWays+20; i++ {
		text := fmt.Sprintf("550 5.7.1 Service unavailable, refused by policy %06d; see https://www.example.net/policy", i)
		in := Input{Reply: reply.Parse(text)}
		if k := m.setOf(append(m.keyHead(nil, &in), text...)); set < 0 || k == set {
			set = k
			same = append(same, text)
		}
	}
	classify := func(text string) int64 {
		t.Helper()
		in := Input{Reply: reply.Parse(text), RemoteHost: "mx.example.net", SendingIP: "192.0.2.10"}
		before := m.shaped
		if got, want := m.Classify(in), c.Classify(in); got != want {
			t.Errorf("%q: %+v, want %+v", text, got, want)
		}
		return m.shaped - before
	}
	hot, cold := same[:shapeWays], same[shapeWays:]
	for round := range 3 {
		for _, text := range hot {
			if n := classify(text); n != 0 && round > 0 {
				t.Errorf("round %d: %q shaped again, one of %d texts of a set", round, text, shapeWays)
			}
		}
	}
	// A text that comes between others that never come again stays.
	classify(hot[0]) // hot[1] is now the one used least lately
	for _, text := range cold {
		classify(text)
		if n := classify(hot[0]); n != 0 {
			t.Fatalf("%q shaped again after %q", hot[0], text)
		}
	}
	// The slot used least lately makes room: hot[1:] were not used since
	// the cold texts came, hot[0] was each time.
	for _, text := range hot[1:] {
		if n := classify(text); n != 1 {
			t.Errorf("%q shaped %d times after %d other texts of its set, want 1", text, n, len(cold))
		}
	}
	if n := classify(hot[0]); n != 0 {
		t.Errorf("%q shaped again, used lately", hot[0])
	}
}

// TestSlotAsShape: the slot a text is found in or put in (Memo.slot)
// holds the shape the text has from the host it came from (Memo.shape),
// whatever came before: replies of the tests' texts and of texts naming
// hosts, from each of memoHosts in turn and in several cases of their
// letters, three times over.
func TestSlotAsShape(t *testing.T) {
	c := Default()
	m, ref := c.NewMemo(), c.NewMemo()
	texts := memoTexts(t, c)
	if len(texts) > 400 {
		texts = texts[:400]
	}
	var hosts []string
	for _, host := range memoHosts {
		hosts = append(hosts, host, strings.ToUpper(host))
	}
	for _, host := range memoHosts[1:] {
		for _, f := range []string{"connect to %s[192.0.2.1]:25: Connection timed out", "550 5.7.1 %s refuses mail from 192.0.2.10: listed at zen.spamhaus.org"} {
			texts = append(texts, InputFromText(fmt.Sprintf(f, host), ""), InputFromText(fmt.Sprintf(f, strings.ToUpper(host)), ""))
		}
	}
	found := 0
	for round := range 3 {
		for i, in := range texts {
			for k := range hosts {
				in.RemoteHost = hosts[(i+k+round)%len(hosts)]
				shaped := m.shaped
				h, sl := m.slot(&in)
				if sl == nil {
					continue
				}
				if m.shaped == shaped {
					found++
				}
				want := ref.shape(ref.keyHead(nil, &in), in.Reply.Text, in.RemoteHost, ref.host(in.RemoteHost))
				if string(sl.shape) != string(want) || !slices.Equal(sl.spans, ref.spans) {
					t.Fatalf("round %d: the slot of %q from %q holds %q %v, want %q %v", round, in.Reply.Text, in.RemoteHost, sl.shape, sl.spans, want, ref.spans)
				}
				if sl.named != nil && sl.named != h {
					t.Fatalf("round %d: the slot of %q from %q is another host's", round, in.Reply.Text, in.RemoteHost)
				}
				if sl.e == nil {
					sl.e = &memoEntry{} // as Classify: the entry found, the key not asked again
				}
			}
		}
	}
	if found == 0 {
		t.Fatal("no text found in its slot")
	}
	t.Logf("%d texts found in their slots", found)
}

// TestNextMark holds nextMark, eight bytes at a time, to a byte at a time
// search for a digit, '@' or NUL: from every place of ASCII texts of 0 to
// 40 bytes, of random bytes and of the bytes about the marks ('/', ':',
// '?', 'A', 1, 0x7f).
func TestNextMark(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	near := []byte("/:?A\x01\x7f09@\x00")
	for n := 0; n <= 40; n++ {
		for range 200 {
			b := make([]byte, n)
			for i := range b {
				if rng.IntN(3) == 0 {
					b[i] = near[rng.IntN(len(near))]
				} else {
					b[i] = byte(rng.IntN(utf8.RuneSelf))
				}
			}
			text := string(b)
			for i := 0; i <= n; i++ {
				want := i
				for want < n && !(text[want] >= '0' && text[want] <= '9' || text[want] == '@' || text[want] == 0) {
					want++
				}
				if got := nextMark(text, i); got != want {
					t.Fatalf("nextMark(%q, %d) = %d, want %d", text, i, got, want)
				}
			}
		}
	}
}

// TestAppendLower holds appendLower, eight bytes at a time, to a byte at a
// time lowering of ASCII capitals: every ASCII byte at every place of texts
// of 1 to 17 bytes.
func TestAppendLower(t *testing.T) {
	for n := 1; n <= 17; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < utf8.RuneSelf; c++ {
				b := []byte(strings.Repeat("aZ", n)[:n])
				b[at] = byte(c)
				want := strings.Map(func(r rune) rune {
					if r >= 'A' && r <= 'Z' {
						return r + 'a' - 'A'
					}
					return r
				}, string(b))
				if got := appendLower([]byte("x"), string(b)); string(got) != "x"+want {
					t.Fatalf("appendLower(%q) = %q, want %q", b, got[1:], want)
				}
			}
		}
	}
}
