package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/miekg/dns"
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	inc "github.com/rblwatch/rblwatch/incident"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
	"github.com/rblwatch/rblwatch/internal/testproc"
	"github.com/rblwatch/rblwatch/track"
)

// The daemon's bench: a real Postfix whose mail to bigbank.test is refused
// by a receiver that uses the Barracuda list (for bob@ only) and to
// outlook.test by Microsoft; rblwatch run follows Postfix's log and sends
// its notices to postmaster@ops.test through the same Postfix, which
// relays them to a capture remote. rbldnsd serves b.barracudacentral.org on
// loopback, listing our public address.

var brbl = []string{"554 5.7.1 Service unavailable; Client host [{ip}] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip={ip}"}

const (
	postmaster = "postmaster@ops.test"
	brblZone   = "b.barracudacentral.org"
	// brblListed lists our public address; brblEmpty lists nobody but
	// the RFC 5782 test point 127.0.0.2, which a working list always lists
	// (the self-check trusts a zone's "not listed" only then). TTLs of 1 s
	// keep the daemon's DNS cache from hiding a change.
	brblListed = brblHead + listed + "\n"
	brblEmpty  = brblHead
	// brblDead is a dead zone: no entry at all, not even the test point.
	brblDead = "$SOA 1 ns.brbl.test. hostmaster.brbl.test. 1 600 300 86400 1\n$TTL 1\n"
	// deadZoneWarning is what the daemon logs of a zone failing its test
	// point.
	deadZoneWarning = "self-check: the zone fails its RFC 5782 test point: its answers count as errors, its providers keep their last state"
	brblHead        = "$SOA 1 ns.brbl.test. hostmaster.brbl.test. 1 600 300 86400 1\n$TTL 1\n:127.0.0.2:Listed by the test BRBL: $\n127.0.0.2\n"
)

type daemonBench struct {
	t                           *testing.T
	dir                         string
	pf                          *pt.Instance
	bigbank, outlook, ops, shop *pt.FakeRemote
	dns                         *dnsbltest.Server
	drv                         *driver
	configs                     int // the configuration files written
}

func newDaemonBench(t *testing.T) *daemonBench {
	t.Helper()
	b, routes := newBenchPeers(t)
	b.pf = pt.Start(t, pt.Options{Routes: routes})
	b.drv = &driver{t: t, pf: b.pf, seen: map[string]int{}}
	return b
}

// newBenchPeers starts the bench's rbldnsd and remotes and returns the
// routes to the remotes, for the Postfix instances the test starts.
func newBenchPeers(t *testing.T) (*daemonBench, []pt.Route) {
	t.Helper()
	b := &daemonBench{t: t, dir: t.TempDir()}
	zones := t.TempDir()
	writeFile(t, zones, "brbl.zone", brblListed)
	b.dns = dnsbltest.Start(t, zones, brblZone+":ip4set:brbl.zone")

	b.bigbank = pt.NewRemote(t, "127.0.0.21:0", "mx.bigbank.test")
	b.outlook = pt.NewRemote(t, "127.0.0.22:0", "mx.outlook.test")
	b.ops = pt.NewRemote(t, "127.0.0.23:0", "mx.ops.test")
	b.shop = pt.NewRemote(t, "127.0.0.24:0", "mailstore.example.test")
	if err := b.bigbank.SetRules(pt.Rule{Stage: pt.StageRcpt, Match: `^bob@`, Reply: brbl}); err != nil {
		t.Fatal(err)
	}
	if err := b.outlook.SetRules(pt.Rule{Stage: pt.StageRcpt, Reply: s3150}); err != nil {
		t.Fatal(err)
	}
	var routes []pt.Route
	for _, r := range []*pt.FakeRemote{b.bigbank, b.outlook, b.ops, b.shop} {
		if err := r.SetPublicIP(listed); err != nil {
			t.Fatal(err)
		}
		domain := strings.TrimPrefix(strings.TrimPrefix(r.Domain(), "mx."), "mailstore.")
		routes = append(routes, pt.Route{Domain: domain, Host: r.Domain(), Addr: r.Addr()})
	}
	return b, routes
}

// daemonOptions vary the configuration between tests.
type daemonOptions struct {
	lang     string // "en" when empty
	smtp     string // the Postfix instance's smtpd when empty
	interval string // dnsbl.interval; "0s" when empty
	renotify string // notify.renotify; "24h" when empty
	// resolverFailures is dnsbl.resolver_failures; unset (3) when empty.
	resolverFailures string
}

// config writes a configuration file for rblwatch run and returns its
// path. Every run of one bench shares the state.
func (b *daemonBench) config(o daemonOptions) string {
	b.t.Helper()
	if o.lang == "" {
		o.lang = "en"
	}
	if o.smtp == "" {
		o.smtp = b.pf.SMTPAddr()
	}
	if o.interval == "" {
		o.interval = "0s"
	}
	if o.renotify == "" {
		o.renotify = "24h"
	}
	if o.resolverFailures != "" {
		o.resolverFailures = "  resolver_failures: " + o.resolverFailures + "\n"
	}
	text := fmt.Sprintf(`log:
  path: %s
state:
  path: %s
notify:
  to: %s
  from: rblwatch@%s
  smtp: %s
  starttls: never
  language: %s
  aggregate: 0s
  settle: 1s
  renotify: %s
sending_ips: [%s]
dnsbl:
  resolver: %s
  interval: %s
%smetrics:
  listen: %s
`, b.pf.LogPath(), filepath.Join(b.dir, "state.db"), postmaster, b.pf.Hostname(), o.smtp, o.lang, o.renotify, listed, b.dns.Addr, o.interval, o.resolverFailures, metricsAnyPort)
	b.configs++
	return writeFile(b.t, b.dir, fmt.Sprintf("rblwatch-%d.yaml", b.configs), text)
}

// notices waits until the capture remote holds n notices and returns them.
func (b *daemonBench) notices(n int) []notice {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), daemonWait)
	defer cancel()
	msgs, err := b.ops.WaitMessages(ctx, n)
	if err != nil {
		b.t.Fatal(err)
	}
	out := make([]notice, len(msgs))
	for i, m := range msgs {
		out[i] = b.readNotice(m)
	}
	return out
}

// relayed waits until Postfix has logged the delivery of n notices to the
// postmaster: after that, the log holds every line the notices caused.
func (b *daemonBench) relayed(n int) {
	b.t.Helper()
	if _, err := b.pf.WaitLogN(`: to=<`+postmaster+`>,.* status=sent \(`, n); err != nil {
		b.t.Fatal(err)
	}
}

// notice is a notice as the postmaster's mail server received it.
type notice struct {
	kind, subject, lang string
	body                string // the decoded text, LF line ends
}

// readNotice parses a received notice: its header with net/mail, its body
// with go-message (transfer encoding and charset undone). It checks that
// the notice came through Postfix.
func (b *daemonBench) readNotice(m pt.Message) notice {
	t := b.t
	t.Helper()
	nm, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("a notice is not a mail message: %v\n%s", err, m.Data)
	}
	mr, err := gomail.CreateReader(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("go-message cannot read a notice: %v", err)
	}
	subject, err := mr.Header.Subject()
	if err != nil {
		t.Fatalf("notice subject: %v", err)
	}
	part, err := mr.NextPart()
	if err != nil {
		t.Fatalf("notice body: %v", err)
	}
	body, err := io.ReadAll(part.Body)
	if err != nil {
		t.Fatalf("notice body: %v", err)
	}
	if ct := part.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("notice body is %q, want text/plain", ct)
	}
	n := notice{
		kind:    nm.Header.Get("X-Rblwatch-Kind"),
		lang:    nm.Header.Get("Content-Language"),
		subject: subject,
		body:    strings.ReplaceAll(string(body), "\r\n", "\n"),
	}
	// Relayed by the Postfix instance: its Received header on top, and
	// its SMTP client's address.
	if !bytes.HasPrefix(m.Data, []byte("Received: from ")) || !strings.Contains(nm.Header.Get("Received"), "by "+b.pf.Hostname()+" (Postfix)") {
		t.Errorf("notice %q did not come through Postfix: Received %q", subject, nm.Header.Get("Received"))
	}
	if !strings.HasPrefix(m.Client, b.pf.SendingIP()+":") {
		t.Errorf("notice %q came from %s, want Postfix's %s", subject, m.Client, b.pf.SendingIP())
	}
	hdrTo, err := nm.Header.AddressList("To")
	if len(m.To) != 1 || m.To[0] != postmaster || err != nil || len(hdrTo) != 1 || hdrTo[0].Address != postmaster {
		t.Errorf("notice %q went to %q (To: %q), want %s", subject, m.To, nm.Header.Get("To"), postmaster)
	}
	return n
}

// has checks that a notice's body holds every string.
func (n notice) has(t *testing.T, what ...string) {
	t.Helper()
	for _, w := range what {
		if !strings.Contains(n.body, w) {
			t.Errorf("%s notice %q lacks %q:\n%s", n.kind, n.subject, w, n.body)
		}
	}
}

// subjectHas checks that a notice's subject holds every string.
func (n notice) subjectHas(t *testing.T, what ...string) {
	t.Helper()
	for _, w := range what {
		if !strings.Contains(n.subject, w) {
			t.Errorf("%s notice: subject %q lacks %q", n.kind, n.subject, w)
		}
	}
}

// Links of the Barracuda list with our address filled in (catalog).
const (
	brblLookup  = "https://www.barracudacentral.org/lookups/lookup-reputation?ip=" + listed
	brblRemoval = "https://www.barracudacentral.org/rbl/removal-request?ip=" + listed
)

// storeState opens the daemon's store (the daemon stopped) and returns its
// incidents and the number of notices not yet sent.
func (b *daemonBench) storeState() ([]inc.Incident, int) {
	b.t.Helper()
	st, err := track.OpenReadOnly(filepath.Join(b.dir, "state.db"), zap.NewNop())
	if err != nil {
		b.t.Fatal(err)
	}
	defer st.Close()
	incs, err := st.Incidents(context.Background())
	if err != nil {
		b.t.Fatal(err)
	}
	pending, err := st.Pending(context.Background())
	if err != nil {
		b.t.Fatal(err)
	}
	return incs, pending
}

// checkIncidents compares the stored incidents with providers → status.
func (b *daemonBench) checkIncidents(incs []inc.Incident, want map[string]inc.Status) {
	b.t.Helper()
	if len(incs) != len(want) {
		b.t.Errorf("%d incidents in the store, want %d: %+v", len(incs), len(want), incs)
	}
	for _, x := range incs {
		st, ok := want[x.Provider]
		switch {
		case !ok:
			b.t.Errorf("unexpected incident %s (%s, %s)", x.ID, x.Provider, x.Listed)
		case x.Status != st || x.Listed != listed:
			b.t.Errorf("incident %s: %s for %s, want %s for %s", x.ID, x.Status, x.Listed, st, listed)
		}
	}
}

// Metric series of the daemon.
const (
	mOpened   = `rblwatch_incident_events_total{kind="opened"}`
	mCleared  = `rblwatch_incident_events_total{kind="cleared"}`
	mListed   = `rblwatch_incident_events_total{kind="listed"}`
	mDelisted = `rblwatch_incident_events_total{kind="delisted"}`
	mSent     = `rblwatch_notify_attempts_total{channel="email",result="sent"}`
	mRetry    = `rblwatch_notify_attempts_total{channel="email",result="retry"}`
)

// checkMetrics compares metric series with their wanted values.
func checkMetrics(t *testing.T, d *daemonProc, want map[string]float64) {
	t.Helper()
	// The counters are bumped after the event the test waited for (a
	// notice counts as sent once the relay has answered and the outbox
	// row is marked, which may be after Postfix relayed it): poll until
	// they match, within a bound. They only grow, so one that went past
	// its value never comes back to it.
	deadline := time.Now().Add(daemonWait)
	for {
		got, err := d.scrape()
		if err != nil {
			t.Fatal(err)
		}
		var wrong []string
		for k, v := range want {
			if got[k] != v {
				wrong = append(wrong, fmt.Sprintf("%s = %v, want %v", k, got[k], v))
			}
		}
		if len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, w := range wrong {
				t.Error(w)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDaemonNotifiesThroughPostfix: a receiver refuses our mail citing the
// Barracuda list; the real Postfix logs it; rblwatch run reads the log,
// confirms the listing over DNS (rbldnsd) and tells the postmaster by
// email through the same Postfix. Mail to the receiver then goes through,
// and after notify.settle a "cleared" notice follows. The notices' own
// passage through Postfix, logged like any mail, is no incident.
func TestDaemonNotifiesThroughPostfix(t *testing.T) {
	t.Parallel()
	b := newDaemonBench(t)
	cfg := b.config(daemonOptions{})
	d := startDaemon(t, cfg)
	from := d.startOffset()

	qid := b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	evidence, err := b.pf.WaitDelivery(qid, "bob@bigbank.test", "bounced", 1)
	if err != nil {
		t.Fatal(err)
	}
	n := b.notices(1)[0]
	if n.kind != "opened" || n.lang != "en" {
		t.Errorf("first notice: kind %q, language %q; want opened, en", n.kind, n.lang)
	}
	n.subjectHas(t, "Barracuda", listed)
	n.has(t,
		brblLookup, brblRemoval,
		brblZone+": listed", "The listing is confirmed.", // rbldnsd's answer
		"  "+evidence, // the log line, whole
		"bob@bigbank.test",
	)

	// Mail to the same receiver is accepted again: cleared after settle.
	b.drv.smtp(aliceAddr, sent("carol@bigbank.test"))
	ns := b.notices(2)
	c := ns[1]
	if c.kind != "cleared" {
		t.Errorf("second notice: kind %q, want cleared (subject %q)", c.kind, c.subject)
	}
	c.subjectHas(t, "Barracuda", listed)
	c.has(t, "accepted again", "delivered")

	b.relayed(2)
	d.caughtUp(b.pf.LogPath(), from)
	checkMetrics(t, d, map[string]float64{
		mOpened: 1, mCleared: 1, mSent: 2, mRetry: 0,
		`rblwatch_classify_blocklist_rejections_total{provider="barracuda"}`: 1,
	})
	d.stop()
	incs, pending := b.storeState()
	b.checkIncidents(incs, map[string]inc.Status{"barracuda": inc.Cleared})
	if pending != 0 {
		t.Errorf("%d notices still pending", pending)
	}
	if got := len(b.ops.Messages()); got != 2 {
		t.Errorf("the postmaster got %d notices, want 2", got)
	}
}

// TestDaemonJapaneseAcrossRestart: with notify.language ja the notice is
// in Japanese; a restart (SIGTERM, start) resumes where the daemon stopped:
// a rejection logged while it was down is notified, the notice sent before
// the stop is not sent again.
func TestDaemonJapaneseAcrossRestart(t *testing.T) {
	t.Parallel()
	b := newDaemonBench(t)
	cfg := b.config(daemonOptions{lang: "ja"})
	d := startDaemon(t, cfg)
	d.startOffset()

	qid := b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	evidence, err := b.pf.WaitDelivery(qid, "bob@bigbank.test", "bounced", 1)
	if err != nil {
		t.Fatal(err)
	}
	n := b.notices(1)[0]
	if n.kind != "opened" || n.lang != "ja" {
		t.Errorf("notice: kind %q, language %q; want opened, ja", n.kind, n.lang)
	}
	n.subjectHas(t, "Barracuda", listed, "登録されています")
	n.has(t, brblLookup, brblRemoval, "登録が確認されました。", "  "+evidence, "bob@bigbank.test")
	b.relayed(1)
	d.stop()

	// While rblwatch is down, Microsoft refuses mail.
	qid = b.drv.sendmail(rootAddr, bounced("grace@outlook.test"))
	evidence, err = b.pf.WaitDelivery(qid, "grace@outlook.test", "bounced", 1)
	if err != nil {
		t.Fatal(err)
	}

	d = startDaemon(t, cfg)
	from := d.startOffset()
	ns := b.notices(2)
	m := ns[1]
	if m.kind != "opened" || m.lang != "ja" {
		t.Errorf("notice after the restart: kind %q, language %q; want opened, ja", m.kind, m.lang)
	}
	m.subjectHas(t, "Microsoft", listed)
	m.has(t, "  "+evidence, "grace@outlook.test", "S3150")

	b.relayed(2)
	d.caughtUp(b.pf.LogPath(), from)
	checkMetrics(t, d, map[string]float64{mOpened: 1, mSent: 1, mRetry: 0})
	d.stop()
	incs, pending := b.storeState()
	b.checkIncidents(incs, map[string]inc.Status{"barracuda": inc.Ongoing, "microsoft": inc.Ongoing})
	if pending != 0 {
		t.Errorf("%d notices still pending", pending)
	}
	if got := len(b.ops.Messages()); got != 2 {
		t.Errorf("the postmaster got %d notices, want 2", got)
	}
}

// TestDaemonRelayDownThenUp: notify.smtp names a loopback port where
// nothing listens; the notice waits in the outbox, across a restart, and
// goes out exactly once when a relay (to the Postfix) answers there. The
// outbox retries 30 s after the first failure, so this test takes that
// long; it runs in parallel with the others.
func TestDaemonRelayDownThenUp(t *testing.T) {
	t.Parallel()
	b := newDaemonBench(t)
	// Closed: connections are refused. An address of its own, held
	// (testproc.ClosedAddr) until the relay listens there.
	relay, release := testproc.ClosedAddr(t, "127.0.0.25")
	cfg := b.config(daemonOptions{smtp: relay})
	d := startDaemon(t, cfg)
	d.startOffset()

	b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	d.waitMetric(mRetry, "a failed delivery to the closed relay", func(v float64) bool { return v >= 1 })
	checkMetrics(t, d, map[string]float64{mOpened: 1, mSent: 0})
	d.stop()
	if _, pending := b.storeState(); pending != 1 {
		t.Fatalf("%d notices pending after the stop, want 1", pending)
	}

	release()
	forward(t, relay, b.pf.SMTPAddr())
	d = startDaemon(t, cfg)
	from := d.startOffset()
	n := b.notices(1)[0]
	if n.kind != "opened" {
		t.Errorf("notice: kind %q, want opened", n.kind)
	}
	n.subjectHas(t, "Barracuda", listed)
	n.has(t, brblLookup, "bob@bigbank.test")

	b.relayed(1)
	d.caughtUp(b.pf.LogPath(), from)
	checkMetrics(t, d, map[string]float64{mOpened: 0, mSent: 1})
	d.stop()
	incs, pending := b.storeState()
	b.checkIncidents(incs, map[string]inc.Status{"barracuda": inc.Ongoing})
	if pending != 0 {
		t.Errorf("%d notices still pending", pending)
	}
	if got := len(b.ops.Messages()); got != 1 {
		t.Errorf("the postmaster got %d notices, want 1", got)
	}
}

// TestDaemonSelfCheck: the periodic check of sending_ips finds our address
// in the (loopback) Barracuda zone and says so once; when the zone drops
// it, a "delisted" notice follows, once.
func TestDaemonSelfCheck(t *testing.T) {
	t.Parallel()
	b := newDaemonBench(t)
	// The loopback Barracuda zone is the only one rbldnsd serves (it
	// refuses the catalog's others): while it is dead below, no zone
	// gives a definite answer, which the daemon counts as a failing
	// resolver (one answering NXDOMAIN for everything looks the same)
	// and, after dnsbl.resolver_failures rounds in a row, tells the
	// postmaster. How many rounds the dead phase lasts depends on the
	// machine's load: that notice is off here (log and metric remain).
	cfg := b.config(daemonOptions{interval: "1s", resolverFailures: "0"})
	d := startDaemon(t, cfg)

	n := b.notices(1)[0]
	if n.kind != "listed" {
		t.Errorf("first notice: kind %q, want listed (subject %q)", n.kind, n.subject)
	}
	n.subjectHas(t, "Barracuda", listed)
	n.has(t, brblZone+": listed", "The listing is confirmed.", brblLookup)
	// The next check finds the same: nothing more to say.
	d.waitLog("self-check done", d.count("self-check done")+1)
	checkMetrics(t, d, map[string]float64{mListed: 1, mDelisted: 0, mSent: 1})

	// The zone dies: NXDOMAIN for everything, its RFC 5782 test point
	// 127.0.0.2 included. That is no delisting: the daemon warns, and the
	// listing stands until the zone answers again.
	if err := b.dns.WriteZone("brbl.zone", []byte(brblDead)); err != nil {
		t.Fatal(err)
	}
	waitNXDomain(t, b.dns.Addr, "127.0.0.2", brblZone)
	w := d.waitLog(deadZoneWarning, 1)
	if w["zone"] != brblZone || !strings.Contains(fmt.Sprint(w["error"]), "127.0.0.2 is not listed") {
		t.Errorf("the warning does not name %s and its test point: %v", brblZone, w)
	}
	d.waitLog("self-check done", d.count("self-check done")+2)
	checkMetrics(t, d, map[string]float64{mListed: 1, mDelisted: 0, mSent: 1})
	if n := d.count(deadZoneWarning); n != 1 {
		t.Errorf("warned %d times of the dead zone, want once", n)
	}

	if err := b.dns.WriteZone("brbl.zone", []byte(brblEmpty)); err != nil {
		t.Fatal(err)
	}
	waitNXDomain(t, b.dns.Addr, listed, brblZone)
	ns := b.notices(2)
	dl := ns[1]
	if dl.kind != "delisted" {
		t.Errorf("second notice: kind %q, want delisted (subject %q)", dl.kind, dl.subject)
	}
	dl.subjectHas(t, "Barracuda", listed)
	dl.has(t, brblZone+": not listed")
	d.waitLog("self-check done", d.count("self-check done")+1)
	checkMetrics(t, d, map[string]float64{mListed: 1, mDelisted: 1, mSent: 2})
	d.stop()
	if got := len(b.ops.Messages()); got != 2 {
		t.Errorf("the postmaster got %d notices, want 2", got)
	}
}

// waitNXDomain polls rbldnsd until it no longer lists ip in zone: it
// reloads its files in the background after WriteZone.
func waitNXDomain(t *testing.T, server, ip, zone string) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(reverse(ip)+"."+zone), dns.TypeA)
	c := &dns.Client{Timeout: time.Second}
	deadline := time.Now().Add(daemonWait)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		r, _, err := c.Exchange(q, server)
		if err == nil && r.Rcode == dns.RcodeNameError {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rbldnsd still answers %v (%v) for %s in %s", r, err, ip, zone)
		}
		<-tick.C
	}
}

// reverse turns "192.0.2.10" into "10.2.0.192".
func reverse(ip string) string {
	p := strings.Split(ip, ".")
	for i, j := 0, len(p)-1; i < j; i, j = i+1, j-1 {
		p[i], p[j] = p[j], p[i]
	}
	return strings.Join(p, ".")
}

// TestDaemonStateLostKnowsOwnNotices: the state file lost while rblwatch
// is stopped, the next start reads back log.backfill of the Postfix log,
// where the opened notice it had sent through that Postfix left its
// Message-ID (cleanup's message-id= line): that incident is not announced
// again; a refusal logged while it was down is. Before, the postmaster got
// the Barracuda notice a second time.
func TestDaemonStateLostKnowsOwnNotices(t *testing.T) {
	t.Parallel()
	b := newDaemonBench(t)
	cfg := b.config(daemonOptions{})
	d := startDaemon(t, cfg)
	d.startOffset()
	qid := b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	if _, err := b.pf.WaitDelivery(qid, "bob@bigbank.test", "bounced", 1); err != nil {
		t.Fatal(err)
	}
	if n := b.notices(1)[0]; n.kind != "opened" {
		t.Fatalf("first notice: kind %q, want opened", n.kind)
	}
	b.relayed(1)
	d.stop()

	// The state is lost while rblwatch is stopped; meanwhile Microsoft
	// refuses mail.
	state := filepath.Join(b.dir, "state.db")
	for _, p := range []string{state, state + "-wal", state + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	qid = b.drv.sendmail(rootAddr, bounced("grace@outlook.test"))
	if _, err := b.pf.WaitDelivery(qid, "grace@outlook.test", "bounced", 1); err != nil {
		t.Fatal(err)
	}

	d = startDaemon(t, cfg)
	d.waitLog("no stored position (a new state): reading back the log", 1)
	w := d.waitLog("incident announced before the state was lost (our notice is in the log): not announced again", 1)
	if !strings.HasPrefix(fmt.Sprint(w["incident"]), "barracuda-"+listed+"-") || w["notice"] != "opened" {
		t.Errorf("the incident recognised is not Barracuda's, announced by its opened notice: %v", w)
	}
	ns := b.notices(2)
	if ns[1].kind != "opened" {
		t.Errorf("notice after the restart: kind %q, want opened", ns[1].kind)
	}
	ns[1].subjectHas(t, "Microsoft", listed)
	d.waitMetric(`rblwatch_outbox_pending_items{channel="email"}`, "the outbox to drain", func(v float64) bool { return v == 0 })
	checkMetrics(t, d, map[string]float64{mSent: 1})
	d.stop()
	b.relayed(2)
	if got := len(b.ops.Messages()); got != 2 {
		t.Errorf("the postmaster got %d notices, want 2", got)
	}
}
