package daemon

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/track"
)

// blackhole is a DNS server on loopback that takes every query and never
// answers.
type blackhole struct {
	addr    string
	queries atomic.Int32
}

func newBlackhole(t *testing.T) *blackhole {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{addr: pc.LocalAddr().String()}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 4096)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			b.queries.Add(1)
		}
	}()
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	return b
}

// listedBy is a Barracuda refusal naming ip, to a recipient of domain.
func listedBy(at time.Time, qid, ip, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: 554 5.7.1 Service unavailable; Client host [" + ip + "] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=" + ip + " (in reply to RCPT TO command))"
}

// TestDeadResolverNeverStallsTheLog (issue 9.3): 20 incidents open and
// clear while the resolver takes every query and never answers (its
// timeout is far longer than the test). Each needs a DNS check for its
// notice, opened and cleared; the log is still read, every line, while
// those checks are pending. The loop records the notices, the checks run
// beside it; stopping the daemon cuts them short and leaves the notices
// recorded, to be composed at the next start.
func TestDeadResolverNeverStallsTheLog(t *testing.T) {
	dns := newBlackhole(t)
	h := newHarness(t)
	h.resolver = &dnsbl.Resolver{Server: dns.addr, Timeout: time.Hour, Attempts: 1}
	cfg := h.config()
	cfg.Notify.Settle = time.Second
	cfg.DNSBL.Timeout = time.Hour
	// The 20 listed addresses are ours: one receiver naming 20 others
	// would have most folded into one incident (ingest.AddressBound).
	for i := 1; i <= 20; i++ {
		cfg.SendingIPs = append(cfg.SendingIPs, netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i)))
	}
	h.start(cfg)
	lines := 0
	processed := func() int { return int(testutil.ToFloat64(h.metrics.lines)) }
	// wait waits until every line written is read, and returns how long
	// it took. The bound only catches a loop that waits on DNS: the
	// resolver would hold it for hours.
	wait := func(what string) time.Duration {
		t.Helper()
		start := time.Now()
		for processed() < lines {
			if time.Since(start) > time.Minute {
				t.Fatalf("%s: %d of %d lines read after a minute: the log waits on DNS", what, processed(), lines)
			}
			time.Sleep(2 * time.Millisecond)
		}
		return time.Since(start)
	}
	tick := func(at time.Time) {
		t.Helper()
		h.clock.set(at)
		select {
		case h.tick <- at:
		case err := <-h.done:
			t.Fatalf("daemon ended: %v", err)
		case <-time.After(time.Minute):
			t.Fatal("the loop did not take a tick in a minute: it waits on DNS")
		}
	}

	var worst time.Duration
	note := func(d time.Duration) { worst = max(worst, d) }
	const incidents = 20
	for i := 1; i <= incidents; i++ {
		appendLines(t, h.log, listedBy(t0, fmt.Sprintf("4C1B2A%04X", i), fmt.Sprintf("192.0.2.%d", i), fmt.Sprintf("u@d%d.example", i)))
		lines++
		note(wait("a rejection"))
	}
	// The opened notices' checks are asked, and hang.
	for dns.queries.Load() == 0 {
		if processed() != lines {
			t.Fatal("lines lost")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Mail to each receiver goes through; after the settle time the 20
	// incidents clear, and each cleared notice wants a DNS check too.
	for i := 1; i <= incidents; i++ {
		appendLines(t, h.log, sent(t0.Add(time.Minute), fmt.Sprintf("5D2C3B%04X", i), fmt.Sprintf("v@d%d.example", i)))
		lines++
		note(wait("a delivery"))
	}
	tick(t0.Add(2 * time.Minute))
	tick(t0.Add(3 * time.Minute))
	for i := 1; i <= 50; i++ {
		appendLines(t, h.log, sent(t0.Add(4*time.Minute), fmt.Sprintf("6E3D4C%04X", i), "w@elsewhere.example"))
		lines++
		note(wait("a line after the clearings"))
	}
	t.Logf("slowest line: read %v after it was written; %d DNS queries asked, none answered", worst, dns.queries.Load())

	h.stop()
	st, err := track.OpenReadOnly(h.store, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pending, err := st.PendingNotices(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2*incidents {
		t.Errorf("%d notices recorded and waiting for their DNS checks, want %d (opened and cleared)", len(pending), 2*incidents)
	}
	if h.mail.count() != 0 {
		t.Errorf("%d notices sent without their DNS check", h.mail.count())
	}
}
