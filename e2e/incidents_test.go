package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestIncidentsAckMute (issue 12.4): "rblwatch incidents" lists what the
// running daemon tracks; "ack" stops the digests of one incident and
// "mute" silences a provider, at once (the daemon reads them from the store
// when it records a notice: no restart); a new incident still alerts.
func TestIncidentsAckMute(t *testing.T) {
	t.Parallel()
	b := newDaemonBench(t)
	spamhaus := []string{"554 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/{ip}"}
	if err := b.bigbank.AddRules(pt.Rule{Stage: pt.StageRcpt, Match: `^carl@`, Reply: spamhaus}); err != nil {
		t.Fatal(err)
	}
	cfg := b.config(daemonOptions{renotify: "2s"})
	d := startDaemon(t, cfg)
	from := d.startOffset()
	cli := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(rblwatchBin, append([]string{"incidents", "--config", cfg}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("rblwatch incidents %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	if n := b.notices(1)[0]; n.kind != "opened" {
		t.Fatalf("first notice %s", n.kind)
	}
	var rows []struct{ ID, Provider, Status string }
	for _, l := range strings.Split(strings.TrimSpace(cli("--json")), "\n") {
		var r struct{ ID, Provider, Status string }
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("incidents --json: %q: %v", l, err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 1 || rows[0].Provider != "barracuda" || rows[0].Status != "ongoing" {
		t.Fatalf("incidents: %+v", rows)
	}
	cli("ack", rows[0].ID)
	cli("mute", "microsoft", "for", "1d")

	// Barracuda goes on: the digest (due 2 s after the opened notice) is
	// skipped. Microsoft refuses: muted. The log's time has whole seconds:
	// the next rejection must be logged in a later second than the
	// opened notice's to be news for a digest.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(1100 * time.Millisecond)))
	b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	d.waitLog("incident acknowledged: no digest", 1)
	b.drv.sendmail(rootAddr, bounced("grace@outlook.test"))
	d.waitLog("incident muted: no notice", 1)
	// A new incident still alerts.
	b.drv.smtp(aliceAddr, bounced("carl@bigbank.test"))
	ns := b.notices(2)
	if ns[1].kind != "opened" || !strings.Contains(ns[1].subject, "Spamhaus") {
		t.Errorf("second notice: %s %q, want Spamhaus opened", ns[1].kind, ns[1].subject)
	}
	list := cli()
	for _, want := range []string{"acked ", "muted until ", "muted: microsoft until "} {
		if !strings.Contains(list, want) {
			t.Errorf("incidents lacks %q:\n%s", want, list)
		}
	}
	b.relayed(2)
	d.caughtUp(b.pf.LogPath(), from)
	d.stop()
	if got := len(b.ops.Messages()); got != 2 {
		t.Errorf("the postmaster got %d notices, want 2 (two opened; no digest, nothing about Microsoft)", got)
	}
}
