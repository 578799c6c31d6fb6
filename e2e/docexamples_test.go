package e2e

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/internal/amtest"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// TestDocumentedNotifyExamples: every notification example of README.md
// and docs/config.md, copied as written (its notify block, every key and
// value), delivers exactly once per channel and recipient. Only its peers
// are replaced by the test's on loopback: the local Postfix (notify.smtp
// 127.0.0.1:25, written or the default) by a real Postfix that relays to a
// capture remote for the examples' domains, /usr/sbin/sendmail by that
// Postfix's sendmail, the webhook URL by an HTTP peer, each Alertmanager
// URL by a real Alertmanager of its own; aggregate and settle are
// shortened. An example naming a peer the test cannot stand in for fails
// the test, so a new example gets tried too. The form with SMTP
// authentication (notify.username) is TestNotifySMTPAuth's.
func TestDocumentedNotifyExamples(t *testing.T) {
	examples := docNotifyExamples(t)
	if len(examples) < 5 {
		t.Fatalf("found %d notification examples in README.md and docs/config.md, want every channel's", len(examples))
	}
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			t.Parallel()
			runDocExample(t, ex)
		})
	}
}

// docExample is the notify block of a documented configuration example.
type docExample struct {
	name   string
	notify *yaml.Node // the mapping under notify:
}

// docNotifyExamples returns the examples of README.md and docs/config.md
// that configure a channel.
func docNotifyExamples(t *testing.T) []docExample {
	t.Helper()
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	var out []docExample
	for _, doc := range []string{"../README.md", "../docs/config.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range block.FindAllSubmatch(data, -1) {
			cfg, err := config.Parse(m[1], filepath.Base(doc))
			if err != nil {
				continue // not rblwatch's (an Alertmanager route); TestDocumentedExamples parses the others
			}
			n := cfg.Notify
			if len(n.To) == 0 && n.Webhook.URL == "" && len(n.Alertmanager.URLs) == 0 {
				continue // no channel (notify.sender_notice alone)
			}
			if n.Username != "" {
				continue // TestNotifySMTPAuth
			}
			var root yaml.Node
			if err := yaml.Unmarshal(m[1], &root); err != nil {
				t.Fatal(err)
			}
			out = append(out, docExample{
				name:   fmt.Sprintf("%s example %d", filepath.Base(doc), i+1),
				notify: mapValue(root.Content[0], "notify"),
			})
		}
	}
	return out
}

// mapValue returns the value of key in a YAML mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// setValue sets key in a YAML mapping to a scalar.
func setValue(m *yaml.Node, key, value string) {
	if v := mapValue(m, key); v != nil {
		*v = yaml.Node{Kind: yaml.ScalarNode, Value: value}
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, &yaml.Node{Kind: yaml.ScalarNode, Value: value})
}

// loopback says whether a host:port or URL names a loopback peer.
func loopback(s string) bool {
	host := s
	if u, err := url.Parse(s); err == nil && u.Host != "" {
		host = u.Host
	}
	ap, err := netip.ParseAddrPort(host)
	return err == nil && ap.Addr().IsLoopback()
}

func runDocExample(t *testing.T, ex docExample) {
	// The bench, with the examples' mail domains routed to the capture
	// remote.
	b, routes := newBenchPeers(t)
	for _, d := range []string{"example.com", "example.jp"} {
		routes = append(routes, pt.Route{Domain: d, Host: b.ops.Domain(), Addr: b.ops.Addr()})
	}
	b.pf = pt.Start(t, pt.Options{Routes: routes})
	b.drv = &driver{t: t, pf: b.pf, seen: map[string]int{}}

	// The example's peers, replaced.
	n := ex.notify
	var hook *hookPeer
	var ams []*amtest.Server
	if w := mapValue(n, "webhook"); w != nil && mapValue(w, "url") != nil {
		hook = newHookPeer(t)
		setValue(w, "url", hook.srv.URL+"/hook")
	}
	if a := mapValue(n, "alertmanager"); a != nil {
		urls := mapValue(a, "urls")
		for _, u := range urls.Content {
			am := amtest.Start(t, amtest.Options{})
			ams = append(ams, am)
			*u = yaml.Node{Kind: yaml.ScalarNode, Value: am.URL}
		}
	}
	hasTo := mapValue(n, "to") != nil
	if s := mapValue(n, "sendmail"); s != nil {
		if s.Value != "/usr/sbin/sendmail" {
			t.Fatalf("notify.sendmail %q: the test stands in only for /usr/sbin/sendmail", s.Value)
		}
		wrapper := writeFile(t, b.dir, "sendmail", "#!/bin/sh\nexec /usr/sbin/sendmail -C "+b.pf.ConfigDir()+` "$@"`+"\n")
		if err := os.Chmod(wrapper, 0o755); err != nil {
			t.Fatal(err)
		}
		setValue(n, "sendmail", wrapper)
	} else if hasTo {
		if s := mapValue(n, "smtp"); s != nil && s.Value != "127.0.0.1:25" {
			t.Fatalf("notify.smtp %q: the test stands in only for the local Postfix (127.0.0.1:25)", s.Value)
		}
		setValue(n, "smtp", b.pf.SMTPAddr())
	}
	setValue(n, "aggregate", "0s")
	setValue(n, "settle", "1s")
	block, err := yaml.Marshal(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "notify"}, n}})
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := b.notifyConfig(string(block))
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(data, cfgPath)
	if err != nil {
		t.Fatalf("the example, its peers replaced: %v\n%s", err, block)
	}
	nc := cfg.Notify
	for _, peer := range append([]string{string(nc.Webhook.URL)}, nc.Alertmanager.URLs...) {
		if peer != "" && !loopback(peer) {
			t.Fatalf("the example's peer %s is still in the configuration: replace it", peer)
		}
	}
	if nc.Sendmail == "" && len(nc.To) > 0 && !loopback(nc.SMTP) {
		t.Fatalf("the example's notify.smtp %s is still in the configuration: replace it", nc.SMTP)
	}
	t.Logf("the example as run:\n%s", block)

	d := startDaemon(t, cfgPath)
	from := d.startOffset()
	ctx, cancel := context.WithTimeout(context.Background(), daemonWait)
	defer cancel()
	rcpts := config.Envelope(nc.To)
	wait := func(notices int) {
		t.Helper()
		for _, r := range rcpts {
			if _, err := b.pf.WaitLogN(`: to=<`+regexp.QuoteMeta(r)+`>,.* status=sent \(`, notices); err != nil {
				t.Fatal(err)
			}
		}
		if hook != nil {
			hook.wait(t, notices)
		}
	}

	// Opened.
	b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	wait(1)
	fingerprints := make([]string, len(ams))
	for i, am := range ams {
		alerts, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) > 0 })
		if err != nil {
			t.Fatalf("Alertmanager %d: %v", i+1, err)
		}
		if len(alerts) != 1 || alerts[0].Labels["provider"] != "barracuda" || alerts[0].Labels["listed"] != listed {
			t.Fatalf("Alertmanager %d holds %+v, want one Barracuda alert for %s", i+1, alerts, listed)
		}
		fingerprints[i] = alerts[0].Fingerprint
	}

	// Cleared.
	b.drv.smtp(aliceAddr, sent("carol@bigbank.test"))
	wait(2)
	for i, am := range ams {
		if _, err := am.WaitNotification(ctx, func(n amtest.Notification) bool {
			return n.Status == "resolved" && len(n.Alerts) == 1 && n.Alerts[0].Fingerprint == fingerprints[i]
		}); err != nil {
			t.Fatalf("Alertmanager %d did not notify the alert resolved: %v", i+1, err)
		}
	}
	d.caughtUp(b.pf.LogPath(), from)
	d.stop()

	// Exactly once per channel and recipient.
	if len(rcpts) > 0 {
		names := make([]string, len(nc.To))
		for i, a := range nc.To {
			names[i] = a.Name
		}
		b.checkEmailsFrom(rcpts, names, nc.Sender(b.pf.Hostname()))
	} else if msgs := b.ops.Messages(); len(msgs) != 0 {
		t.Errorf("%d emails without notify.to", len(msgs))
	}
	if hook != nil {
		format := string(nc.Webhook.Format)
		checkHooks(t, channelCase{webhook: format}, hook)
	}
	for i, am := range ams {
		checkAlertmanager(t, am, fingerprints[i])
	}
	want := map[string][]string{}
	if len(rcpts) > 0 {
		want["email"] = []string{"opened", "cleared"}
	}
	if hook != nil {
		want["webhook"] = []string{"opened", "cleared"}
	}
	if len(ams) > 0 {
		want["alertmanager"] = []string{"opened", "cleared"}
	}
	checkOutbox(t, b.dir, want)
	if len(want) == 0 {
		t.Fatal("the example configures no channel")
	}
}
