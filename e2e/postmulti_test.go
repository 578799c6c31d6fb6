package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
	"github.com/rblwatch/rblwatch/track"
)

// TestPostmulti: two Postfix instances on one host, as postmulti sets them
// up — postfix-out and postfix-in, each with its own configuration, queue,
// syslog_name and log file — and one rblwatch following both logs
// (log.paths). A refusal logged by each instance becomes an incident whose
// notice names the instance; each log keeps its own position, and a
// restart resumes both.
func TestPostmulti(t *testing.T) {
	t.Parallel()
	b, routes := newBenchPeers(t)
	out := pt.Start(t, pt.Options{Routes: routes, Main: map[string]string{"syslog_name": "postfix-out"}})
	in := pt.Start(t, pt.Options{Routes: routes, Main: map[string]string{"syslog_name": "postfix-in"}})
	b.pf = out // notices go out through postfix-out
	outDrv := &driver{t: t, pf: out, seen: map[string]int{}}
	inDrv := &driver{t: t, pf: in, seen: map[string]int{}}

	cfg := writeFile(t, b.dir, "rblwatch.yaml", fmt.Sprintf(`log:
  paths: [%s, %s]
  backfill: 0s
state:
  path: %s
notify:
  to: %s
  from: rblwatch@%s
  smtp: %s
  starttls: never
  aggregate: 0s
sending_ips: [%s]
dnsbl:
  resolver: %s
  interval: 0s
metrics:
  listen: %s
`, out.LogPath(), in.LogPath(), filepath.Join(b.dir, "state.db"), postmaster, out.Hostname(), out.SMTPAddr(), listed, b.dns.Addr, metricsAnyPort))
	d := startDaemon(t, cfg)
	d.waitLog("following from the end", 2) // both logs followed

	// postfix-out meets Barracuda's list, postfix-in Microsoft's.
	outDrv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	ns := b.notices(1)
	ns[0].subjectHas(t, "Barracuda")
	ns[0].has(t, "Postfix instance: postfix-out\n", "postfix-out/smtp[")
	if strings.Contains(ns[0].body, "postfix-in") {
		t.Errorf("the Barracuda notice names postfix-in:\n%s", ns[0].body)
	}
	inDrv.smtp(aliceAddr, bounced("carol@outlook.test"))
	ns = b.notices(2)
	ns[1].subjectHas(t, "Microsoft")
	ns[1].has(t, "Postfix instance: postfix-in\n", "postfix-in/smtp[")
	if strings.Contains(ns[1].body, "postfix-out") {
		t.Errorf("the Microsoft notice names postfix-out:\n%s", ns[1].body)
	}
	b.relayed(2)
	d.stop()

	// Each log's position is stored under its own name.
	st, err := track.OpenReadOnly(filepath.Join(b.dir, "state.db"), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	for _, pf := range []*pt.Instance{out, in} {
		pos, ok, err := st.LoadPosition(context.Background(), "file:"+pf.LogPath())
		if err != nil || !ok || pos.Path != pf.LogPath() || pos.Offset == 0 {
			t.Errorf("position of %s: %+v %v %v", pf.LogPath(), pos, ok, err)
		}
	}
	st.Close()

	// A restart resumes both logs where they were. The refusal postfix-in
	// logs next is the first Microsoft refusal the new process counts:
	// carol's, before it in the same log, was not read again.
	d = startDaemon(t, cfg)
	d.waitLog("resuming", 2)
	inDrv.smtp(aliceAddr, bounced("erin@outlook.test"))
	if v := d.waitMetric(`rblwatch_classify_blocklist_rejections_total{provider="microsoft"}`, "the refusal after the restart",
		func(v float64) bool { return v >= 1 }); v != 1 {
		t.Errorf("Microsoft refusals counted after the restart: %v, want 1 (postfix-in's log read again)", v)
	}
}
