package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
)

// senderNotice is a sender notice as the local sender's mailbox got it.
type senderNotice struct {
	To, Text string
}

// senderNotices returns the sender notices (X-Rblwatch-Kind: sender) among
// the messages a fake remote accepted.
func senderNotices(t *testing.T, msgs []pt.Message) []senderNotice {
	t.Helper()
	var out []senderNotice
	for _, m := range msgs {
		r, err := gomail.CreateReader(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatalf("a message to %v does not parse: %v", m.To, err)
		}
		if r.Header.Get("X-Rblwatch-Kind") != "sender" {
			continue
		}
		if r.Header.Get("Auto-Submitted") != "auto-generated" {
			t.Errorf("sender notice to %v without Auto-Submitted", m.To)
		}
		p, err := r.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p.Body)
		out = append(out, senderNotice{To: strings.Join(m.To, ","), Text: string(b)})
	}
	return out
}

// countLog counts the daemon's JSON log entries with this message (and,
// when field is set, a field equal to value).
func (d *milterDaemon) countLog(msg, field, value string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, l := range d.lines {
		var e map[string]any
		if json.Unmarshal([]byte(l), &e) != nil || e["msg"] != msg {
			continue
		}
		if field == "" || e[field] == value {
			n++
		}
	}
	return n
}

// TestSenderNoticeThroughPostfix (issue 11.3): a real Postfix relays mail
// from local senders (bench.test, opted in) to a receiver that defers
// some recipients citing a blocklist; rblwatch follows its log and sends
// the notices through that Postfix to the senders' mail host. A local
// sender hears of a deferred message once, within seconds, in plain words
// that give the date maximal_queue_lifetime promises (read from the
// instance with postconf), even though two recipients were refused and the
// queue was flushed again; the null sender and an outside sender relayed
// for the network hear nothing; a sender of three refused messages gets
// per_hour (2) notices.
func TestSenderNoticeThroughPostfix(t *testing.T) {
	partner := pt.NewRemote(t, "127.0.0.26:0", "mx.partner.test")
	if err := partner.SetRules(pt.Rule{Stage: pt.StageRcpt, Match: `^blocked`, Reply: trendMicro}); err != nil {
		t.Fatal(err)
	}
	home := pt.NewRemote(t, "127.0.0.27:0", "mx.bench.test")
	pf := pt.Start(t, pt.Options{
		Routes: []pt.Route{{Domain: "partner.test", Host: partner.Domain(), Addr: partner.Addr()},
			{Domain: "bench.test", Host: home.Domain(), Addr: home.Addr()}},
		Main: map[string]string{"maximal_queue_lifetime": "3d"},
	})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	conf := fmt.Sprintf(`log: {path: %s}
state: {path: %s}
dnsbl: {interval: 0s, resolver: "127.0.0.1:53"}
host_name: %s
sending_domains: [bench.test]
notify:
  to: postmaster@bench.test
  from: rblwatch@bench.test
  smtp: %q
  aggregate: 0s
  sender_notice: {domains: [bench.test], per_hour: 2}
`, pf.LogPath(), filepath.Join(dir, "state.db"), pf.Hostname(), pf.SMTPAddr())
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	// postconf reads the instance's main.cf (maximal_queue_lifetime).
	d := startMilterDaemon(t, cfg, "MAIL_CONFIG="+pf.ConfigDir())
	d.waitFor("caught up with the log")

	start := time.Now()
	alice, err := pf.Submit("alice@bench.test", []string{"blocked1@partner.test", "blocked2@partner.test", "fine@partner.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), milterWait)
	defer cancel()
	var notices []senderNotice
	for len(notices) == 0 {
		msgs, err := home.WaitMessages(ctx, len(home.Messages())+1)
		if err != nil {
			t.Fatalf("no sender notice reached alice: %v\ndaemon log:\n%s", err, d.log())
		}
		notices = senderNotices(t, msgs)
	}
	took := time.Since(start)
	t.Logf("alice's notice arrived %v after she submitted the message", took.Round(time.Millisecond))
	if took > time.Minute {
		t.Errorf("the sender notice took %v", took)
	}
	n := notices[0]
	if n.To != "alice@bench.test" {
		t.Fatalf("the first sender notice went to %s", n.To)
	}
	until := "until " // the date is 3 days after the submission: checked by its words
	for _, want := range []string{"has not been delivered yet", "Trend Micro", "The postmaster of " + pf.Hostname() + " has been told",
		until, "(3 days after it was sent)", "You do not need to send it again", "give this reference: " + alice} {
		if !strings.Contains(n.Text, want) {
			t.Errorf("alice's notice lacks %q:\n%s", want, n.Text)
		}
	}
	if !strings.Contains(n.Text, "<blocked1@partner.test>") && !strings.Contains(n.Text, "<blocked2@partner.test>") {
		t.Errorf("alice's notice names no refused recipient:\n%s", n.Text)
	}

	// The null sender, an outside sender relayed for the network, and
	// carol's three messages.
	bounceID, err := pf.Submit("", []string{"blocked3@partner.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pf.Submit("outsider@elsewhere.test", []string{"blocked4@partner.test"}, nil); err != nil {
		t.Fatal(err)
	}
	for i, from := range []string{"carol@bench.test", "Carol@bench.test", "carol@bench.test"} {
		// The rate limit is per mailbox, whatever the case of its letters.
		if _, err := pf.Submit(from, []string{fmt.Sprintf("blocked-c%d@partner.test", i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Flush: every refused message is deferred again.
	if _, err := pf.WaitLogN(`status=deferred`, 2+1+1+3); err != nil {
		t.Fatal(err)
	}
	if err := pf.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitLogN(`status=deferred`, 2*(2+1+1+3)); err != nil {
		t.Fatal(err)
	}
	// The daemon has decided on every deferral: the null and outside
	// senders were left out, carol's third hit the rate limit (twice:
	// once per round), alice's and carol's told messages were told already.
	d.waitUntil(func() bool {
		return d.countLog("sender not told", "reason", "null sender") >= 2 &&
			d.countLog("sender not told", "reason", "sender outside notify.sender_notice.domains") >= 2 &&
			d.countLog("sender not told: notify.sender_notice.per_hour reached", "", "") >= 2 &&
			d.countLog("sender told already", "", "") >= 2+2+1
	}, func() string { return "the daemon's decisions on the flushed deferrals" })
	// What it enqueued has gone through Postfix to bench.test.
	want := []string{"alice@bench.test", "carol@bench.test", "carol@bench.test"}
	var to []string
	for {
		to = to[:0]
		for _, n := range senderNotices(t, home.Messages()) {
			to = append(to, strings.ToLower(n.To))
		}
		slices.Sort(to)
		if len(to) >= len(want) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Anything more would be on its way by now.
	time.Sleep(2 * time.Second)
	to = to[:0]
	for _, n := range senderNotices(t, home.Messages()) {
		to = append(to, strings.ToLower(n.To))
		if strings.Contains(n.Text, "outsider") || strings.Contains(n.Text, "blocked3") || strings.Contains(n.Text, "blocked4") {
			t.Errorf("a notice about the null or the outside sender's message:\n%s", n.Text)
		}
	}
	slices.Sort(to)
	if !slices.Equal(to, want) {
		t.Errorf("sender notices to %q, want %q\ndaemon log:\n%s", to, want, d.log())
	}
	if n := d.countLog("sender told of the refusal", "", ""); n != len(want) {
		t.Errorf("the daemon told %d senders, want %d", n, len(want))
	}
	d.stop()
	// rblwatch messages --sender '<>' lists the null sender's message
	// alone (it listed every message: the filter read as empty).
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(milterCLI(t, "messages", "--config", cfg, "--sender", "<>", "--json")), "\n") {
		var m struct {
			QueueID string `json:"queue_id"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("messages --json: %q: %v", l, err)
		}
		got = append(got, m.QueueID)
	}
	if !slices.Equal(got, []string{bounceID}) {
		t.Errorf("rblwatch messages --sender '<>': %q, want the null sender's %s", got, bounceID)
	}
}
