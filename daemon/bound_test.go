package daemon

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rblwatch/rblwatch/ingest"
)

// TestReceiverNamingManyAddresses (attack run): a receiver whose replies
// name a different address each time — 60 of them, none ours — opened an
// incident and sent a notice per address. Now it opens one per address up
// to ingest.MaxAddressesPerReceiver, and the rest count under the
// provider with no listed address: one more notice, the folded refusals
// counted in rblwatch_incident_folded_rejections_total and said once in
// the log. Refusals naming our own address are never folded.
func TestReceiverNamingManyAddresses(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	h.start(cfg)
	const n = 60
	var lines []string
	for i := range n {
		lines = append(lines, listedBy(t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("7E4D5C%04X", i), fmt.Sprintf("203.0.113.%d", i+1), "a@example.net"))
	}
	lines = append(lines, listedBy(t0.Add(time.Minute), "7E4D5C9999", "192.0.2.1", "b@example.net")) // ours: never folded
	appendLines(t, h.log, lines...)
	h.read(n + 1)
	h.tickAt(t0.Add(2 * time.Minute))
	h.stop()
	if got, want := h.mail.count(), ingest.MaxAddressesPerReceiver+2; got != want {
		t.Errorf("%d notices for %d addresses named by one receiver (and ours), want %d", got, n, want)
	}
	if got := testutil.ToFloat64(h.metrics.folded); got != n-ingest.MaxAddressesPerReceiver {
		t.Errorf("folded refusals counted %v, want %d", got, n-ingest.MaxAddressesPerReceiver)
	}
	if got := h.logs.FilterMessageSnippet("names many addresses that are not ours").Len(); got != 1 {
		t.Errorf("the folding was logged %d times, want once", got)
	}
}
