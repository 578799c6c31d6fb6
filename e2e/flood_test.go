package e2e

import (
	"fmt"
	"testing"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/ingest"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestDaemonManyReceiversNoStorm (attack run): a real Postfix sends one
// message to 24 receivers, each of which refuses it naming an address of
// its own, none ours. Each receiver stays under its own cap, and the
// postmaster got 24 notices, one per address. Now all receivers together
// open incidents for ingest.DefaultForeignAddresses addresses; the other
// refusals count under Barracuda with no listed address: one notice more,
// MaxForeignAddresses+1 in all.
func TestDaemonManyReceiversNoStorm(t *testing.T) {
	t.Parallel()
	const n = ingest.DefaultForeignAddresses + 4
	b := &daemonBench{t: t, dir: t.TempDir()}
	zones := t.TempDir()
	writeFile(t, zones, "brbl.zone", brblListed)
	b.dns = dnsbltest.Start(t, zones, brblZone+":ip4set:brbl.zone")
	b.ops = pt.NewRemote(t, "127.0.0.23:0", "mx.ops.test")
	b.shop = pt.NewRemote(t, "127.0.0.24:0", "mailstore.example.test") // alice's: the bounce
	routes := []pt.Route{{Domain: "ops.test", Host: b.ops.Domain(), Addr: b.ops.Addr()}, {Domain: "example.test", Host: b.shop.Domain(), Addr: b.shop.Addr()}}
	var rcpts []rcpt
	for i := range n {
		r := pt.NewRemote(t, "127.0.0.28:0", fmt.Sprintf("mx.r%d.test", i))
		reply := fmt.Sprintf("554 5.7.1 Service unavailable; Client host [203.0.113.%d] blocked using b.barracudacentral.org", i+1)
		if err := r.SetRules(pt.Rule{Stage: pt.StageRcpt, Reply: []string{reply}}); err != nil {
			t.Fatal(err)
		}
		routes = append(routes, pt.Route{Domain: fmt.Sprintf("r%d.test", i), Host: r.Domain(), Addr: r.Addr()})
		rcpts = append(rcpts, bounced(fmt.Sprintf("bob@r%d.test", i)))
	}
	b.pf = pt.Start(t, pt.Options{Routes: routes})
	b.drv = &driver{t: t, pf: b.pf, seen: map[string]int{}}
	cfg := b.config(daemonOptions{})
	d := startDaemon(t, cfg)
	from := d.startOffset()

	b.drv.smtp(aliceAddr, rcpts...)
	want := ingest.DefaultForeignAddresses + 1
	b.notices(want)
	b.relayed(want)
	d.caughtUp(b.pf.LogPath(), from)
	d.waitMetric("rblwatch_incident_folded_rejections_total", "the folded refusals", func(v float64) bool { return v == n-ingest.DefaultForeignAddresses })
	d.stop()
	if got := len(b.ops.Messages()); got != want {
		t.Errorf("the postmaster got %d notices for %d receivers naming an address each, want %d", got, n, want)
	}
}
