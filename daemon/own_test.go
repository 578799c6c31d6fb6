package daemon

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// ownNotice is the line Postfix's cleanup logs when one of our notices
// passes through it: its Message-ID, made for host.
func ownNotice(at time.Time, qid string, kind notify.Kind, provider, listed, host string) string {
	n := notify.Notice{Kind: kind, Incident: incident.Incident{Key: incident.Key{Provider: provider, Listed: listed}}}
	return stamp(at) + " mx postfix/cleanup[200]: " + qid + ": message-id=" + notify.MessageID(n, at, host)
}

// A Spamhaus refusal and a delivery through another receiver than the
// other lines' (mx.example.net), so that its incident clears alone.
func otherRejection(at time.Time, qid string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<carol@other.example>, relay=mx.other.example[198.51.100.9]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.other.example[198.51.100.9] said: 550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))"
}

func otherSent(at time.Time, qid string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<dave@other.example>, relay=mx.other.example[198.51.100.9]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 OK)"
}

// TestReadBackKnowsOwnNotices: a start without state (lost while rblwatch
// was stopped) reads back log.backfill of the log; our notices, which went
// through the local Postfix, are in it with their Message-IDs. An incident
// still current whose last notice announced it (a digest, here logged
// before the read-back's first refusal of it, as when the window cuts
// into an incident) is not announced again, and one over inside the
// backlog whose cleared notice went out stays out of the backlog summary.
// An incident without a notice of ours is announced, and a Message-ID of
// our form made for another host's name proves nothing. Before, the
// read-back announced the Barracuda incident again and summed up the
// Spamhaus one.
func TestReadBackKnowsOwnNotices(t *testing.T) {
	h := newHarness(t)
	const ip, host = "192.0.2.1", "mx.example.org"
	appendLines(t, h.log,
		ownNotice(t0.Add(-time.Minute), "0A0A0A0A0A", notify.KindDigest, "barracuda", ip, host),
		rejection(t0, "4C1B2A3F91", "alice@example.net"),
		deferral(t0.Add(time.Minute), "4C1B2A3F92", "bob@example.net"),
		ownNotice(t0.Add(90*time.Second), "0B0B0B0B0B", notify.KindOpened, "trendmicro", ip, "other.example.org"),
		otherRejection(t0.Add(2*time.Minute), "4C1B2A3F93"),
		ownNotice(t0.Add(150*time.Second), "0C0C0C0C0C", notify.KindOpened, "spamhaus", ip, host),
		otherSent(t0.Add(5*time.Minute), "4C1B2A3F94"),
		ownNotice(t0.Add(16*time.Minute), "0D0D0D0D0D", notify.KindCleared, "spamhaus", ip, host),
	)
	h.clock.set(t0.Add(40 * time.Minute))
	cfg := catchUpConfig(h)
	h.start(cfg)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	it := h.mail.wait(t, "opened")
	waitRead(t, st, h.log)
	h.stop()

	if s := subject(t, it); it.Kind != "opened" || !strings.Contains(s, "Trend Micro") {
		t.Errorf("notice %s %q, want Trend Micro's opened notice", it.Kind, s)
	}
	all, err := st.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		for _, n := range all {
			t.Errorf("recorded: %s %s", n.Kind, n.IncidentID)
		}
		t.Fatalf("%d notices recorded, want 1 (Trend Micro's opened)", len(all))
	}
	if n := h.logs.FilterMessage("incident announced before the state was lost (our notice is in the log): not announced again").Len(); n != 1 {
		t.Errorf("logged %d incidents as announced before, want 1 (Barracuda)", n)
	}
	if n := h.logs.FilterMessage("incident over inside the backlog, its cleared notice is in the log: not in the summary").Len(); n != 1 {
		t.Errorf("logged %d incidents left out of the summary, want 1 (Spamhaus)", n)
	}
	// Barracuda's incident is noted as announced: its follow-ups are owed.
	incs, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, inc := range incs {
		if inc.Provider != "barracuda" {
			continue
		}
		if inc.Status != incident.Ongoing {
			t.Errorf("barracuda incident %s, want ongoing", inc.Status)
		}
	}
}

// TestReadBackKnowsOwnSelfCheckNotice: the self-check's "listed" notice
// sent before the state was lost is in the log read back: the first
// self-check after a fresh start finds the same listing and says nothing
// (before, it announced it again); the listing's end is news as before. A
// listing whose last notice was "delisted" is announced.
func TestReadBackKnowsOwnSelfCheckNotice(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	cfg.DNSBL.Zones.Enable = nil // one zone: dnsbl-1.uceprotect.net
	cfg.SendingIPs = append(cfg.SendingIPs, netip.MustParseAddr("192.0.2.2"))
	appendLines(t, h.log,
		ownNotice(t0.Add(-20*time.Minute), "0A0A0A0A0A", notify.KindListed, "uceprotect", "192.0.2.1", "mx.example.org"),
		ownNotice(t0.Add(-19*time.Minute), "0B0B0B0B0B", notify.KindListed, "uceprotect", "192.0.2.2", "mx.example.org"),
		ownNotice(t0.Add(-5*time.Minute), "0C0C0C0C0C", notify.KindDelisted, "uceprotect", "192.0.2.2", "mx.example.org"),
	)
	fake.Set(uce1, dnsbltest.Listed("127.0.0.2", "listed by the test"))
	h.start(cfg)
	defer h.stop()
	h.read(3) // the read-back reaches the lines before the first tick
	h.selfCheckRound(0)
	if got := h.transitions(); len(got) != 1 || got[0] != "listed" {
		t.Errorf("transitions %q, want one listed (192.0.2.2, whose listing had ended)", got)
	}
	if n := h.logs.FilterMessage("self-check: listing announced before the state was lost (our notice is in the log): not announced again").Len(); n != 1 {
		t.Errorf("logged %d listings as announced before, want 1 (192.0.2.1)", n)
	}
	fake.Set(uce1, dnsbltest.NXDomain)
	h.selfCheckRound(1)
	if got := h.transitions(); len(got) != 3 || got[1] != "delisted" || got[2] != "delisted" {
		t.Errorf("transitions %q, want [listed delisted delisted]", got)
	}
}

// TestFirstTickBeforeAnyLine: a tick that comes before the source's first
// line is no live end of the log — the idle time counts from the start.
// Before, the first tick after a start with a slow source (journalctl
// starting) ended the catch-up at once, and the read-back of a fresh
// start then ran on the wall clock, its notices not held back and its own
// notices in the log never consulted.
func TestFirstTickBeforeAnyLine(t *testing.T) {
	h := newHarness(t)
	h.noEndMarks = true
	h.start(h.config())
	defer h.stop()
	h.tickAt(t0)
	h.tickAt(t0.Add(time.Second)) // the loop took the first tick: it is handled
	if n := h.logs.FilterMessage("caught up with the log").Len(); n != 0 {
		t.Fatalf("caught up with the log %d times within idleLive of the start, want none", n)
	}
	h.tickAt(t0.Add(idleLive + time.Second))
	h.tickAt(t0.Add(idleLive + 2*time.Second))
	if n := h.logs.FilterMessage("caught up with the log").Len(); n != 1 {
		t.Errorf("caught up with the log %d times idleLive after the start, want once", n)
	}
}
