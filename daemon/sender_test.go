package daemon

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/track"
)

// TestSenderRefusal: the anti-backscatter rules of notify.sender_notice
// (issue 11.3): never <>, never outside the opted-in domains, never our own
// notices, a SASL login when asked for, nothing stale.
func TestSenderRefusal(t *testing.T) {
	now := t0
	sn := config.SenderNotice{Domains: []string{"example.com"}, PerHour: 3}
	auth := sn
	auth.AuthenticatedOnly = true
	cand := func(from string, known bool, age time.Duration) senderCand {
		return senderCand{sub: incident.Submission{QueueID: "4A", From: from, FromKnown: known}, to: "x@example.org", at: now.Add(-age)}
	}
	for _, tc := range []struct {
		name  string
		c     senderCand
		sn    config.SenderNotice
		login string
		want  string
	}{
		{"local sender", cand("alice@example.com", true, time.Minute), sn, "", ""},
		{"case", cand("Alice@EXAMPLE.com", true, 0), sn, "", ""},
		{"null sender", cand("", true, 0), sn, "", "null sender"},
		{"sender not logged", cand("", false, 0), sn, "", "sender not logged"},
		{"outside domain", cand("bob@example.net", true, 0), sn, "alice", "sender outside notify.sender_notice.domains"},
		{"subdomain not opted in", cand("bob@mail.example.com", true, 0), sn, "", "sender outside notify.sender_notice.domains"},
		{"look-alike", cand("bob@evilexample.com", true, 0), sn, "", "sender outside notify.sender_notice.domains"},
		{"no domain", cand("bob", true, 0), sn, "", "sender outside notify.sender_notice.domains"},
		{"our own notice", cand("rblwatch@example.com", true, 0), sn, "", "our own notice"},
		// A local part that routes elsewhere (Postfix's percent hack and
		// bang paths, a quoted or source-routed address) would take the
		// notice outside our domains.
		{"percent hack", cand("bob%outside.test@example.com", true, 0), sn, "", "sender address routes elsewhere"},
		{"bang path", cand("outside.test!bob@example.com", true, 0), sn, "", "sender address routes elsewhere"},
		{"quoted address", cand(`"bob@outside.test"@example.com`, true, 0), sn, "", "sender address routes elsewhere"},
		{"source route", cand("@outside.test:bob@example.com", true, 0), sn, "", "sender address routes elsewhere"},
		{"plus address", cand("alice+lists@example.com", true, 0), sn, "", ""},
		{"authenticated only, no login", cand("alice@example.com", true, 0), auth, "", "no SASL login"},
		{"authenticated only, login", cand("alice@example.com", true, 0), auth, "alice", ""},
		{"stale", cand("alice@example.com", true, senderMaxAge+time.Second), sn, "", "refusal too old"},
	} {
		if got := senderRefusal(tc.c, tc.sn, tc.login, "rblwatch@example.com", now); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPostfixTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"5d", 5 * 24 * time.Hour, false}, {"5", 5 * 24 * time.Hour, false}, {"3h", 3 * time.Hour, false},
		{"1w", 7 * 24 * time.Hour, false}, {"90s", 90 * time.Second, false}, {"0", 0, false},
		{"", 0, true}, {"5x", 0, true}, {"d", 0, true}, {"-1d", 0, true},
	} {
		got, err := PostfixTime(tc.in, 'd')
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("PostfixTime(%q) = %v, %v", tc.in, got, err)
		}
	}
}

// submitted returns the log lines of a message submitted by login (none:
// relayed for the network) from sender, with a Message-ID.
func submitted(at time.Time, qid, login, sender string) []string {
	client := stamp(at) + " mx postfix/smtpd[100]: " + qid + ": client=pc.example.com[192.0.2.55]"
	if login != "" {
		client += ", sasl_method=PLAIN, sasl_username=" + login
	}
	return []string{client,
		stamp(at) + " mx postfix/cleanup[101]: " + qid + ": message-id=<" + strings.ToLower(qid) + "@pc.example.com>",
		stamp(at) + " mx postfix/qmgr[90]: " + qid + ": from=<" + sender + ">, size=400, nrcpt=2 (queue active)"}
}

// TestSenderNotices: a local sender of an opted-in domain whose message a
// blocklist defers hears of it once, however many recipients and
// deferrals; <>, outside senders and a stale refusal get nothing; a sender
// gets at most per_hour notices an hour.
func TestSenderNotices(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.SendingDomains = []string{"example.com"}
	cfg.Notify.SenderNotice = config.SenderNotice{Domains: []string{"example.com"}, PerHour: 2}
	h.start(cfg)
	at := t0.Add(-time.Minute)
	var lines []string
	add := func(l ...string) { lines = append(lines, l...) }
	// alice: two recipients deferred, one of them twice: one notice.
	add(submitted(at, "A1A1A1A1A1", "alice", "alice@example.com")...)
	add(deferral(at, "A1A1A1A1A1", "x@example.net"), deferral(at, "A1A1A1A1A1", "y@example.net"), deferral(at.Add(30*time.Second), "A1A1A1A1A1", "x@example.net"))
	// The null sender and an outside sender: none.
	add(submitted(at, "B1B1B1B1B1", "", "")...)
	add(deferral(at, "B1B1B1B1B1", "x@example.net"))
	add(submitted(at, "C1C1C1C1C1", "", "bob@example.org")...)
	add(deferral(at, "C1C1C1C1C1", "x@example.net"))
	// A refusal read long after it happened: none.
	add(submitted(t0.Add(-2*time.Hour), "D1D1D1D1D1", "dave", "dave@example.com")...)
	add(deferral(t0.Add(-2*time.Hour), "D1D1D1D1D1", "x@example.net"))
	// carol sends three refused messages: two notices (per_hour 2).
	for _, qid := range []string{"E1E1E1E1E1", "E2E2E2E2E2", "E3E3E3E3E3"} {
		add(submitted(at, qid, "carol", "carol@example.com")...)
		add(rejection(at, qid, "z@example.net"))
	}
	appendLines(t, h.log, lines...)
	h.read(len(lines))
	for range 3 {
		h.mail.wait(t, "sender or incident")
	}
	h.stop()

	var to []string
	for _, it := range senderItems(t, h) {
		to = append(to, strings.Join(it.Recipients, ","))
		text := textOf(t, it.Payload)
		if it.Recipients[0] == "alice@example.com" {
			// Both recipients refused in the batch are named.
			for _, want := range []string{"Your message to <x@example.net> and <y@example.net>", "has not been delivered yet", "Trend Micro",
				"The postmaster of mx.example.org has been told", "reference: A1A1A1A1A1 (Message-ID <a1a1a1a1a1@pc.example.com>)"} {
				if !strings.Contains(text, want) {
					t.Errorf("alice's notice lacks %q:\n%s", want, text)
				}
			}
		} else if !strings.Contains(text, "could not be delivered") {
			t.Errorf("carol's notice does not say the message bounced:\n%s", text)
		}
	}
	if got, want := strings.Join(to, " "), "alice@example.com carol@example.com carol@example.com"; got != want {
		t.Errorf("sender notices to %q, want %q", got, want)
	}
}

// TestSenderNotToldOnceDelivered: a deferral whose recipient got the
// message before rblwatch told the sender is not told — the notice would
// say "has not been delivered yet" of mail already delivered. Both when
// the delivery follows in the same batch and when a backlog read at the
// start puts it in a later batch (frank: a batch of batchMax lines apart);
// hank's deferral, not delivered, is told.
func TestSenderNotToldOnceDelivered(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.SendingDomains = []string{"example.com"}
	cfg.Notify.SenderNotice = config.SenderNotice{Domains: []string{"example.com"}, PerHour: 3}
	var lines []string
	add := func(l ...string) { lines = append(lines, l...) }
	at := t0.Add(-10 * time.Minute)
	add(submitted(at, "F1F1F1F1F1", "frank", "frank@example.com")...)
	add(deferral(at, "F1F1F1F1F1", "x@example.net"))
	for i := range batchMax {
		add(stamp(at) + fmt.Sprintf(" mx dovecot: imap(frank): Logged out in=%d out=1", i))
	}
	add(sent(at.Add(5*time.Minute), "F1F1F1F1F1", "x@example.net"))
	at = t0.Add(-4 * time.Minute)
	add(submitted(at, "A2A2A2A2A2", "gina", "gina@example.com")...)
	add(deferral(at, "A2A2A2A2A2", "x@example.net"), sent(at.Add(10*time.Second), "A2A2A2A2A2", "X@example.net"))
	add(submitted(at, "B3B3B3B3B3", "hank", "hank@example.com")...)
	add(deferral(at, "B3B3B3B3B3", "x@example.net"))
	// ivan's message went through a content filter, whose hand-over
	// ("sent … queued as") Postfix logged after the copy it queued again
	// was deferred: no delivery, he is told.
	add(submitted(at, "C4C4C4C4C4", "ivan", "ivan@example.com")...)
	add(stamp(at)+" mx postfix/smtpd[105]: D5D5D5D5D5: client=localhost[127.0.0.1]",
		stamp(at)+" mx postfix/cleanup[101]: D5D5D5D5D5: info: header X-Rblwatch-Track: C4C4C4C4C4-0a0b0c0d from localhost[127.0.0.1]; from=<ivan@example.com> to=<x@example.net> proto=ESMTP helo=<localhost>",
		stamp(at)+" mx postfix/qmgr[90]: D5D5D5D5D5: from=<ivan@example.com>, size=600, nrcpt=1 (queue active)",
		deferral(at, "D5D5D5D5D5", "x@example.net"),
		stamp(at)+" mx postfix/smtp[106]: C4C4C4C4C4: to=<x@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as D5D5D5D5D5)")
	// judy's message was requeued with postsuper -r and delivered under
	// its new queue id: not told.
	add(submitted(at, "E6E6E6E6E6", "judy", "judy@example.com")...)
	add(deferral(at, "E6E6E6E6E6", "x@example.net"),
		stamp(at)+" mx postfix/postsuper[107]: E6E6E6E6E6: requeued",
		stamp(at)+" mx postfix/pickup[108]: F7F7F7F7F7: uid=0 from=<judy@example.com> orig_id=E6E6E6E6E6",
		stamp(at)+" mx postfix/qmgr[90]: F7F7F7F7F7: from=<judy@example.com>, size=700, nrcpt=1 (queue active)",
		sent(at, "F7F7F7F7F7", "x@example.net"))
	appendLines(t, h.log, lines...)
	h.start(cfg)
	h.read(len(lines))
	h.stop()

	var to []string
	for _, it := range senderItems(t, h) {
		to = append(to, strings.Join(it.Recipients, ","))
	}
	if got, want := strings.Join(to, " "), "hank@example.com ivan@example.com"; got != want {
		t.Errorf("sender notices to %q, want %q", got, want)
	}
}

// TestSenderRateLimitLoggedOnce: a flood from one sender past its
// per_hour is logged at info level once an hour, the rest at debug — each
// deferral of a thousand messages was an info line, and every retry of
// the queue another thousand.
func TestSenderRateLimitLoggedOnce(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.SendingDomains = []string{"example.com"}
	cfg.Notify.SenderNotice = config.SenderNotice{Domains: []string{"example.com"}, PerHour: 1}
	h.start(cfg)
	at := t0.Add(-time.Minute)
	var lines []string
	for i := range 6 {
		qid := fmt.Sprintf("C%04dC%04d", i, i)
		from := "carol@example.com"
		if i%2 == 1 {
			from = "Carol@Example.com"
		}
		lines = append(lines, submitted(at, qid, "carol", from)...)
		lines = append(lines, deferral(at, qid, "x@example.net"))
	}
	appendLines(t, h.log, lines...)
	h.read(len(lines))
	h.stop()
	limited := h.logs.FilterMessage("sender not told: notify.sender_notice.per_hour reached")
	info := limited.Filter(func(e observer.LoggedEntry) bool { return e.Level == zap.InfoLevel })
	if limited.Len() != 5 || info.Len() != 1 {
		t.Errorf("%d messages over the limit logged, %d at info level; want 5, 1", limited.Len(), info.Len())
	}
}

// TestSenderToldOnceAcrossRestart: one notice per message also when
// rblwatch restarts while a message that a content filter queued again is
// still deferred — the next deferral of the copy was told again (erin got
// two notices for one message, by hand through Postfix): the tracker had
// forgotten the link to the first queue id, which the store keeps. The
// same for a copy requeued with postsuper -r after the restart.
func TestSenderToldOnceAcrossRestart(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.SendingDomains = []string{"example.com"}
	cfg.Notify.SenderNotice = config.SenderNotice{Domains: []string{"example.com"}, PerHour: 5}
	h.start(cfg)
	at := t0.Add(-20 * time.Minute)
	lines := submitted(at, "1A1A1A1A1A", "erin", "erin@example.com")
	lines = append(lines, stamp(at)+" mx postfix/smtpd[105]: 2B2B2B2B2B: client=localhost[127.0.0.1]",
		stamp(at)+" mx postfix/cleanup[101]: 2B2B2B2B2B: info: header X-Rblwatch-Track: 1A1A1A1A1A-0a0b0c0d from localhost[127.0.0.1]; from=<erin@example.com> to=<x@example.net> proto=ESMTP helo=<localhost>",
		stamp(at)+" mx postfix/smtp[106]: 1A1A1A1A1A: to=<x@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 2B2B2B2B2B)",
		stamp(at)+" mx postfix/qmgr[90]: 1A1A1A1A1A: removed",
		stamp(at)+" mx postfix/qmgr[90]: 2B2B2B2B2B: from=<erin@example.com>, size=600, nrcpt=1 (queue active)",
		deferral(at, "2B2B2B2B2B", "x@example.net"))
	appendLines(t, h.log, lines...)
	h.read(len(lines))
	h.mail.wait(t, "erin's notice")
	h.stop()

	// Restarted: the copy is retried, then requeued and retried again.
	h.start(cfg)
	at = t0.Add(-10 * time.Minute)
	more := []string{stamp(at) + " mx postfix/qmgr[90]: 2B2B2B2B2B: from=<erin@example.com>, size=600, nrcpt=1 (queue active)",
		deferral(at, "2B2B2B2B2B", "x@example.net"),
		stamp(at) + " mx postfix/postsuper[107]: 2B2B2B2B2B: requeued",
		stamp(at) + " mx postfix/pickup[108]: 3C3C3C3C3C: uid=0 from=<erin@example.com> orig_id=2B2B2B2B2B",
		stamp(at) + " mx postfix/qmgr[90]: 3C3C3C3C3C: from=<erin@example.com>, size=700, nrcpt=1 (queue active)",
		deferral(at, "3C3C3C3C3C", "x@example.net")}
	appendLines(t, h.log, more...)
	h.read(len(more))
	h.stop()

	var keys []string
	for _, it := range senderItems(t, h) {
		keys = append(keys, it.DedupKey)
	}
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "sender/1A1A1A1A1A/") {
		t.Errorf("sender notices %q, want one, of 1A1A1A1A1A", keys)
	}
}

// senderItems returns the sender notices in the outbox of the stopped
// daemon's store, in order.
func senderItems(t *testing.T, h *harness) []track.OutboxItem {
	t.Helper()
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items, err := st.OutboxItems(context.Background(), SinkEmail)
	if err != nil {
		t.Fatal(err)
	}
	var out []track.OutboxItem
	for _, it := range items {
		if it.Kind == track.KindSenderNotice {
			out = append(out, it)
		}
	}
	return out
}
