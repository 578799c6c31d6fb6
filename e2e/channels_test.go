package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/internal/amtest"
	"github.com/rblwatch/rblwatch/track"
)

// The notification matrix (issue 8.1): for each documented form of each
// channel, the real rblwatch binary follows a real Postfix's log, a receiver
// refuses mail citing the Barracuda list, then accepts mail again; each
// channel must deliver exactly one "opened" and one "cleared" notice — email
// through SMTP (bare addresses, display names, several recipients) or
// sendmail (a private Postfix's), the webhook in each format to an HTTP
// peer, and Alertmanager one alert, resolved on clear.

// channelCase is one configuration of the matrix.
type channelCase struct {
	name string
	// to are notify.to's items as the YAML file writes them; rcpts the
	// addresses they stand for, names the display names (same order, ""
	// for none).
	to    []string
	rcpts []string
	names []string
	// sendmail hands the email to the private Postfix's sendmail instead
	// of SMTP.
	sendmail bool
	// webhook is notify.webhook.format ("" for no webhook; "default"
	// leaves the key out).
	webhook string
	// alertmanager adds a real Alertmanager.
	alertmanager bool
}

var channelCases = []channelCase{
	{
		name:  "smtp bare addresses, webhook default format, alertmanager",
		to:    []string{"postmaster@ops.test", "oncall@ops.test"},
		rcpts: []string{"postmaster@ops.test", "oncall@ops.test"}, names: []string{"", ""},
		webhook: "default", alertmanager: true,
	},
	{
		name:  "smtp display names, webhook slack",
		to:    []string{`"Ops Team <postmaster@ops.test>"`, `'"Tokyo, NOC" <oncall@ops.test>'`, `"運用チーム <noc@ops.test>"`},
		rcpts: []string{"postmaster@ops.test", "oncall@ops.test", "noc@ops.test"}, names: []string{"Ops Team", "Tokyo, NOC", "運用チーム"},
		webhook: "slack",
	},
	{
		name:  "sendmail with display names, webhook generic, alertmanager",
		to:    []string{`"Ops Team <postmaster@ops.test>"`, "oncall@ops.test"},
		rcpts: []string{"postmaster@ops.test", "oncall@ops.test"}, names: []string{"Ops Team", ""},
		sendmail: true, webhook: "generic", alertmanager: true,
	},
}

func TestNotificationChannels(t *testing.T) {
	for _, tc := range channelCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runChannelCase(t, tc)
		})
	}
}

// hookPeer is an HTTP server in the test that records webhook posts.
type hookPeer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	posts [][]byte
	got   chan struct{} // one per post
}

func newHookPeer(t *testing.T) *hookPeer {
	h := &hookPeer{got: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.posts = append(h.posts, body)
		h.mu.Unlock()
		h.got <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookPeer) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	timeout := time.After(daemonWait)
	for {
		h.mu.Lock()
		got := slices.Clone(h.posts)
		h.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-h.got:
		case <-timeout:
			t.Fatalf("the webhook peer got %d posts, want %d", len(got), n)
		}
	}
}

func runChannelCase(t *testing.T, tc channelCase) {
	b := newDaemonBench(t)
	var hook *hookPeer
	if tc.webhook != "" {
		hook = newHookPeer(t)
	}
	var am *amtest.Server
	if tc.alertmanager {
		am = amtest.Start(t, amtest.Options{})
	}
	cfg := b.channelConfig(tc, hook, am)
	// Every value is one config check accepts without a word about it.
	if out, err := exec.Command(rblwatchBin, "config", "check", "--config", cfg).CombinedOutput(); err != nil || strings.Contains(string(out), "notify.") {
		t.Fatalf("rblwatch config check: %v\n%s", err, out)
	}
	d := startDaemon(t, cfg)
	from := d.startOffset()
	ctx, cancel := context.WithTimeout(context.Background(), daemonWait)
	defer cancel()

	// Opened.
	b.drv.smtp(aliceAddr, bounced("bob@bigbank.test"))
	if _, err := b.ops.WaitMessages(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		hook.wait(t, 1)
	}
	var fingerprint string
	if am != nil {
		alerts, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		if len(alerts) != 1 || alerts[0].Labels["provider"] != "barracuda" || alerts[0].Labels["listed"] != listed || alerts[0].Labels["host"] != b.pf.Hostname() {
			t.Fatalf("Alertmanager holds %+v, want one Barracuda alert for %s from %s", alerts, listed, b.pf.Hostname())
		}
		fingerprint = alerts[0].Fingerprint
	}

	// Mail to the receiver is accepted again: cleared.
	b.drv.smtp(aliceAddr, sent("carol@bigbank.test"))
	if _, err := b.ops.WaitMessages(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		hook.wait(t, 2)
	}
	if am != nil {
		if _, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 0 }); err != nil {
			t.Fatalf("the alert was not resolved: %v", err)
		}
		if _, err := am.WaitNotification(ctx, func(n amtest.Notification) bool {
			return n.Status == "resolved" && len(n.Alerts) == 1 && n.Alerts[0].Fingerprint == fingerprint
		}); err != nil {
			t.Fatalf("Alertmanager did not notify the alert resolved: %v", err)
		}
	}
	for _, r := range tc.rcpts {
		if _, err := b.pf.WaitLogN(`: to=<`+r+`>,.* status=sent \(`, 2); err != nil {
			t.Fatal(err)
		}
	}
	d.caughtUp(b.pf.LogPath(), from)
	d.stop()

	// Exactly one delivery per channel and notice.
	b.checkEmails(tc)
	if hook != nil {
		checkHooks(t, tc, hook)
	}
	if am != nil {
		checkAlertmanager(t, am, fingerprint)
	}
	want := map[string][]string{"email": {"opened", "cleared"}}
	if hook != nil {
		want["webhook"] = []string{"opened", "cleared"}
	}
	if am != nil {
		want["alertmanager"] = []string{"opened", "cleared"}
	}
	checkOutbox(t, b.dir, want)
}

// checkOutbox checks that the state in dir holds, per channel (sink), the
// notices of want's kinds, in order, each sent.
func checkOutbox(t *testing.T, dir string, want map[string][]string) {
	t.Helper()
	st, err := track.OpenReadOnly(filepath.Join(dir, "state.db"), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items, err := st.OutboxItems(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	perSink := map[string][]string{}
	for _, it := range items {
		if it.SentAt.IsZero() {
			t.Errorf("outbox item %s not sent (attempts %d, %s)", it.DedupKey, it.Attempts, it.LastError)
		}
		perSink[it.Sink] = append(perSink[it.Sink], it.Kind)
	}
	for sink, kinds := range want {
		if !slices.Equal(perSink[sink], kinds) {
			t.Errorf("%s outbox items %q, want %q", sink, perSink[sink], kinds)
		}
	}
	if len(perSink) != len(want) {
		t.Errorf("outbox channels %v, want %v", perSink, want)
	}
}

// channelConfig writes the configuration of a case.
func (b *daemonBench) channelConfig(tc channelCase, hook *hookPeer, am *amtest.Server) string {
	t := b.t
	t.Helper()
	var n strings.Builder
	fmt.Fprintf(&n, "  to:\n")
	for _, to := range tc.to {
		fmt.Fprintf(&n, "    - %s\n", to)
	}
	fmt.Fprintf(&n, "  from: %q\n", "rblwatch <rblwatch@"+b.pf.Hostname()+">")
	if tc.sendmail {
		// The private Postfix's sendmail: its configuration directory
		// given with -C, as a local program would use the system's.
		wrapper := writeFile(t, b.dir, "sendmail", "#!/bin/sh\nexec /usr/sbin/sendmail -C "+b.pf.ConfigDir()+` "$@"`+"\n")
		if err := os.Chmod(wrapper, 0o755); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&n, "  sendmail: %s\n", wrapper)
	} else {
		fmt.Fprintf(&n, "  smtp: %s\n  starttls: never\n", b.pf.SMTPAddr())
	}
	if hook != nil {
		fmt.Fprintf(&n, "  webhook:\n    url: %s/hook\n", hook.srv.URL)
		if tc.webhook != "default" {
			fmt.Fprintf(&n, "    format: %s\n", tc.webhook)
		}
	}
	if am != nil {
		fmt.Fprintf(&n, "  alertmanager:\n    urls: [%s]\n", am.URL)
	}
	return b.notifyConfig("notify:\n" + n.String() + "  aggregate: 0s\n  settle: 1s\n")
}

// notifyConfig writes a configuration for rblwatch run on the bench with
// the notify block given (YAML, "notify:" included) and returns its path.
// The file is private: it may hold the webhook URL, a secret.
func (b *daemonBench) notifyConfig(notify string) string {
	t := b.t
	t.Helper()
	text := fmt.Sprintf(`log:
  path: %s
state:
  path: %s
host_name: %s
sending_ips: [%s]
dnsbl:
  resolver: %s
  interval: 0s
metrics:
  listen: %s
%s`, b.pf.LogPath(), filepath.Join(b.dir, "state.db"), b.pf.Hostname(), listed, b.dns.Addr, metricsAnyPort, notify)
	path := writeFile(t, b.dir, "rblwatch.yaml", text)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkEmails checks that the ops remote received, through Postfix, one
// opened and one cleared email, each to every recipient once, with the
// display names in the header and the bare addresses in the envelope.
func (b *daemonBench) checkEmails(tc channelCase) {
	b.t.Helper()
	b.checkEmailsFrom(tc.rcpts, tc.names, mail.Address{Name: "rblwatch", Address: "rblwatch@" + b.pf.Hostname()})
}

// checkEmailsFrom is checkEmails for the recipients rcpts (display names
// names, "" for none) and the sender from.
func (b *daemonBench) checkEmailsFrom(rcpts, names []string, from mail.Address) {
	t := b.t
	t.Helper()
	msgs := b.ops.Messages()
	perRcpt := map[string][]string{}
	for _, m := range msgs {
		nm, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("a notice is not a mail message: %v", err)
		}
		kind := nm.Header.Get("X-Rblwatch-Kind")
		for _, r := range m.To {
			perRcpt[r] = append(perRcpt[r], kind)
		}
		to, err := nm.Header.AddressList("To")
		if err != nil || len(to) != len(rcpts) {
			t.Errorf("%s notice To %q (%v), want %d mailboxes", kind, nm.Header.Get("To"), err, len(rcpts))
			continue
		}
		for i, a := range to {
			if a.Address != rcpts[i] || a.Name != names[i] {
				t.Errorf("%s notice To[%d] = %q <%s>, want %q <%s>", kind, i, a.Name, a.Address, names[i], rcpts[i])
			}
		}
		if f, err := nm.Header.AddressList("From"); err != nil || len(f) != 1 || f[0].Name != from.Name || f[0].Address != from.Address {
			t.Errorf("%s notice From %q", kind, nm.Header.Get("From"))
		}
		if m.From != from.Address {
			t.Errorf("%s notice envelope sender %q", kind, m.From)
		}
	}
	for _, r := range rcpts {
		if got := perRcpt[r]; !slices.Equal(got, []string{"opened", "cleared"}) {
			t.Errorf("%s got %q, want one opened and one cleared notice", r, got)
		}
	}
	if len(perRcpt) != len(rcpts) {
		t.Errorf("notices went to %v, want %q", perRcpt, rcpts)
	}
}

// checkHooks checks the webhook peer got one opened and one cleared post in
// the configured format.
func checkHooks(t *testing.T, tc channelCase, hook *hookPeer) {
	t.Helper()
	hook.mu.Lock()
	posts := slices.Clone(hook.posts)
	hook.mu.Unlock()
	if len(posts) != 2 {
		t.Fatalf("%d webhook posts, want 2", len(posts))
	}
	for i, kind := range []string{"opened", "cleared"} {
		var v map[string]any
		if err := json.Unmarshal(posts[i], &v); err != nil {
			t.Fatalf("webhook post %d is not JSON: %v", i, err)
		}
		switch tc.webhook {
		case "slack":
			text, _ := v["text"].(string)
			if len(v) != 1 || !strings.Contains(text, "Barracuda") || !strings.Contains(text, listed) {
				t.Errorf("slack post %d: %s", i, posts[i])
			}
		default:
			if v["kind"] != kind || v["provider"] != "barracuda" || v["listed"] != listed {
				t.Errorf("generic post %d: %s, want %s", i, posts[i], kind)
			}
		}
	}
}

// checkAlertmanager checks that Alertmanager knew one alert (one
// fingerprint in every notification) and notified it resolved.
func checkAlertmanager(t *testing.T, am *amtest.Server, fingerprint string) {
	t.Helper()
	resolved := false
	for _, n := range am.Notifications() {
		for _, a := range n.Alerts {
			if a.Fingerprint != fingerprint {
				t.Errorf("a second alert: %+v", a.Labels)
			}
			resolved = resolved || a.Status == "resolved"
		}
	}
	if !resolved {
		t.Errorf("no resolved notification")
	}
}
