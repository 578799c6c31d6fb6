package daemon

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
)

// TestReceiversNamingManyAddresses (attack runs): a receiver whose replies
// name a different address each time — 60 of them, none ours — opened an
// incident and sent a notice per address; so did 60 receivers each naming
// one address of its own. Now one receiver opens one per address up to
// ingest.MaxAddressesPerReceiver, all of them together up to
// ingest.DefaultForeignAddresses, and the rest count under the provider with
// no listed address: one more notice, the folded refusals counted in
// rblwatch_incident_folded_rejections_total and said once in the log.
// Refusals naming our own address are never folded. (Before the cap on
// all, 50 of the 60 receivers' notices had gone out by the stop.) The cap
// on all is the configuration's foreign_addresses: 0 folds every address
// that is not ours, 100 none of these 60 (before, it was 20 whatever the
// configuration said).
func TestReceiversNamingManyAddresses(t *testing.T) {
	const allWords = "the receivers together name many addresses"
	many := func(i int) string { return fmt.Sprintf("mx.r%d.example", i) }
	for _, tc := range []struct {
		name    string
		remote  func(i int) string // the host that refuses the i-th
		foreign int                // foreign_addresses
		max     int
		logged  string // said once in the log; "" for nothing folded
	}{
		{"one receiver", func(int) string { return "mx.example.net" }, ingest.DefaultForeignAddresses, ingest.MaxAddressesPerReceiver, "a receiver names many addresses that are not ours"},
		{"many receivers", many, ingest.DefaultForeignAddresses, ingest.DefaultForeignAddresses, allWords},
		{"many receivers, foreign_addresses 5", many, 5, 5, allWords},
		{"many receivers, foreign_addresses 0", many, 0, 0, allWords},
		{"many receivers, foreign_addresses 100", many, 100, 60, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := h.config()
			cfg.ForeignAddresses = tc.foreign
			cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
			h.start(cfg)
			const n = 60
			var lines []string
			for i := range n {
				line := listedBy(t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("7E4D5C%04X", i), fmt.Sprintf("203.0.113.%d", i+1), "a@example.net")
				lines = append(lines, strings.ReplaceAll(line, "mx.example.net", tc.remote(i)))
			}
			lines = append(lines, listedBy(t0.Add(time.Minute), "7E4D5C9999", "192.0.2.1", "b@example.net")) // ours: never folded
			appendLines(t, h.log, lines...)
			h.read(n + 1)
			h.tickAt(t0.Add(2 * time.Minute))
			h.stop()
			want := tc.max + 2 // and the folded ones' incident, and ours
			if tc.logged == "" {
				want = tc.max + 1
			}
			// The notices made (the outbox may still hold some at the stop).
			if ns, _ := noticeRecords(t, h.store); len(ns) != want {
				t.Errorf("%d notices for %d addresses (and ours), want %d", len(ns), n, want)
			}
			if got := testutil.ToFloat64(h.metrics.folded); got != float64(n-tc.max) {
				t.Errorf("folded refusals counted %v, want %d", got, n-tc.max)
			}
			if tc.logged == "" {
				if got := h.logs.FilterMessageSnippet("many addresses").Len(); got != 0 {
					t.Errorf("a folding was logged %d times, want none", got)
				}
			} else if got := h.logs.FilterMessageSnippet(tc.logged).Len(); got != 1 {
				t.Errorf("the folding was logged %d times, want once", got)
			}
		})
	}
}

// TestQueueIDsWithoutRemoval: a live log whose qmgr "removed" lines never
// come (filtered out) keeps at most incident.MaxQueueIDs queue ids in the
// tracker: past it the least recently seen are evicted, counted in
// rblwatch_incident_forgotten_queue_ids_total{reason="evicted"} and said
// once in the log; a queue id not seen for incident.QueueLifetime is
// forgotten at a tick, counted as expired. The store's live messages are
// bounded alike (rblwatch_track_evicted_messages_total).
func TestQueueIDsWithoutRemoval(t *testing.T) {
	h := newHarness(t)
	h.start(h.config())
	n := incident.MaxQueueIDs + 2000
	lines := make([]string, 0, n)
	for i := range n {
		lines = append(lines, fmt.Sprintf("%s mx postfix/qmgr[90]: %011X: from=<u%d@ours.example>, size=400, nrcpt=1 (queue active)",
			stamp(t0.Add(time.Duration(i)*time.Millisecond)), 0x1000000+i, i%7))
	}
	appendLines(t, h.log, lines...)
	h.read(n)
	h.tickAt(t0.Add(time.Minute))
	evicted := testutil.ToFloat64(h.metrics.forgotten.WithLabelValues("evicted"))
	if evicted < 2000 || evicted > float64(n)-float64(incident.MaxQueueIDs)/2 {
		t.Errorf("%v queue ids evicted of %d, want the %d past the cap and at most an eighth of the cap more", evicted, n, n-incident.MaxQueueIDs)
	}
	if got := h.logs.FilterMessageSnippet("more queue ids in the log than the tracker holds").Len(); got != 1 {
		t.Errorf("the eviction was logged %d times, want once", got)
	}
	// The store's picture of the queue closed the least recently seen
	// messages likewise (track.Store.Evicted).
	if got := testutil.ToFloat64(h.metrics.storeEvicted); got < 2000 || got > float64(n)-float64(incident.MaxQueueIDs)/2 {
		t.Errorf("%v live messages closed by the store of %d, want the %d past the cap and at most an eighth of the cap more", got, n, n-incident.MaxQueueIDs)
	}
	h.tickAt(t0.Add(incident.QueueLifetime + 24*time.Hour))
	h.stop()
	if got := testutil.ToFloat64(h.metrics.forgotten.WithLabelValues("expired")); got+evicted != float64(n) {
		t.Errorf("%v queue ids expired, %v evicted, want all %d forgotten", got, evicted, n)
	}
}

// TestReloadKeepsCountedAddresses: a reload built the address bound anew,
// whatever it changed, so that the addresses not ours that receivers had
// named that day were forgotten: every SIGHUP (a notify.to edited, a
// configuration management run) let foreign_addresses more open an
// incident and send a notice each. Now a reload keeps what was counted
// unless it changes what the bound depends on — foreign_addresses (which
// the reload applies), sending_ips or sending_domains.
func TestReloadKeepsCountedAddresses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *config.Config)
		folded int // of the 3 refusals after the reload
	}{
		{"another key", func(c *config.Config) { c.Notify.Language = "ja" }, 3},
		{"foreign_addresses 0", func(c *config.Config) { c.ForeignAddresses = 0 }, 3},
		{"foreign_addresses 10", func(c *config.Config) { c.ForeignAddresses = 10 }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.reload = make(chan *config.Config)
			cfg := h.config()
			cfg.ForeignAddresses = 5
			cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
			h.start(cfg)
			refusal := func(i int) string {
				line := listedBy(t0.Add(time.Duration(i)*time.Second), fmt.Sprintf("7E4D5C%04X", i), fmt.Sprintf("203.0.113.%d", i+1), "a@example.net")
				return strings.ReplaceAll(line, "mx.example.net", fmt.Sprintf("mx.r%d.example", i))
			}
			var lines []string
			for i := range 5 {
				lines = append(lines, refusal(i))
			}
			appendLines(t, h.log, lines...)
			h.read(5)
			next := *cfg
			tc.change(&next)
			h.reloadTo(&next)
			if h.logs.FilterMessageSnippet("reload refused").Len() > 0 {
				t.Fatal("the reload was refused")
			}
			appendLines(t, h.log, refusal(5), refusal(6), refusal(7))
			h.read(8)
			h.stop()
			if got := testutil.ToFloat64(h.metrics.folded); got != float64(tc.folded) {
				t.Errorf("folded refusals counted %v after the reload, want %d", got, tc.folded)
			}
		})
	}
}
