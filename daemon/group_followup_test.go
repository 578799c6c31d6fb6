package daemon

import (
	"io"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/notify"
)

// TestOneDigestForOneAddress (issue 12.3): two providers announced in one
// notice, both still refusing after notify.renotify: one digest names both
// (each with its counts since the opened notice), in the thread of the
// opened notice; the second provider's own digest, due a few seconds later
// (its window ended later), sends nothing. Before, the address got one
// digest per provider.
func TestOneDigestForOneAddress(t *testing.T) {
	h, opened := announceTwo(t, func(cfg *config.Config) { cfg.Notify.Renotify = time.Hour })
	// Both go on refusing.
	h.write(rejection(t0.Add(10*time.Minute), "4C1B2A3F92", "bob@example.net"), deferral(t0.Add(11*time.Minute), "5D2C3B4A02", "erin@example.com"),
		deferral(t0.Add(12*time.Minute), "5D2C3B4A03", "frank@example.com"))
	h.read(5)
	h.tickAt(t0.Add(30*time.Second + time.Hour)) // Barracuda's digest is due
	digest := h.mail.wait(t, "digest")
	h.tickAt(t0.Add(36*time.Second + time.Hour)) // Trend Micro's: sent with Barracuda's
	h.tickAt(t0.Add(2 * time.Hour))
	h.stop()
	if n := h.mail.count(); n != 2 {
		t.Fatalf("%d emails, want 2: the opened notice and one digest for both providers of 192.0.2.1", n)
	}
	if s := subject(t, digest); !strings.Contains(s, "Barracuda") || !strings.Contains(s, "Trend Micro") || !strings.Contains(s, "Still ongoing") {
		t.Errorf("digest subject %q, want both providers", s)
	}
	if got, want := header(t, digest, "In-Reply-To"), header(t, opened, "Message-ID"); got != want {
		t.Errorf("digest In-Reply-To %q, want the opened notice %q", got, want)
	}
	ns, recs := noticeRecords(t, h.store)
	if len(ns) != 2 || recs[1].Kind != "digest" || len(recs[1].Related) != 1 || recs[1].Related[0].Incident.Provider != "trendmicro" {
		t.Fatalf("notices %+v, want the opened one and one digest with Trend Micro related", recs)
	}
	if p := recs[1].Previous; p == nil || p.Bounced != 1 {
		t.Errorf("Barracuda's previous counts %+v, want 1 bounce as of the opened notice", p)
	}
	if p := recs[1].Related[0].Previous; p == nil || p.Deferred != 1 || !p.At.Equal(t0.Add(30*time.Second)) {
		t.Errorf("Trend Micro's previous counts %+v, want 1 deferral as of the opened notice at %v", p, t0.Add(30*time.Second))
	}
	// The digest says what each provider added since the opened notice.
	body := textBody(t, digest)
	for _, want := range []string{"Barracuda", "Trend Micro", "1 new message refused, 1 bounce and 0 deferrals", "2 new messages refused, 0 bounces and 2 deferrals"} {
		if !strings.Contains(body, want) {
			t.Errorf("digest body lacks %q:\n%s", want, body)
		}
	}
}

// TestOneClearedForOneAddress (issue 12.3): two providers of one address
// announced together go quiet at the same time: one cleared notice names
// both, in the thread of the opened notice.
func TestOneClearedForOneAddress(t *testing.T) {
	h, opened := announceTwo(t, func(cfg *config.Config) { cfg.Notify.Quiet = time.Hour })
	// The last refusals of both, in the same second.
	h.write(rejection(t0.Add(10*time.Minute), "4C1B2A3F92", "bob@example.net"), deferral(t0.Add(10*time.Minute), "5D2C3B4A02", "erin@example.com"))
	h.read(4)
	h.tickAt(t0.Add(10*time.Minute + time.Hour))
	cleared := h.mail.wait(t, "cleared")
	h.tickAt(t0.Add(3 * time.Hour))
	h.stop()
	if n := h.mail.count(); n != 2 {
		t.Fatalf("%d emails, want 2: the opened notice and one cleared notice for both providers", n)
	}
	if s := subject(t, cleared); !strings.Contains(s, "Barracuda") || !strings.Contains(s, "Trend Micro") {
		t.Errorf("cleared subject %q, want both providers", s)
	}
	if got, want := header(t, cleared, "In-Reply-To"), header(t, opened, "Message-ID"); got != want {
		t.Errorf("cleared In-Reply-To %q, want the opened notice %q", got, want)
	}
	_, recs := noticeRecords(t, h.store)
	if len(recs) != 2 || recs[1].Kind != "cleared" || len(recs[1].Related) != 1 {
		t.Fatalf("notices %+v, want the opened one and one cleared with the other provider related", recs)
	}
}

// announceTwo starts a daemon (notify.aggregate 30 s, then set) on
// Barracuda's and Trend Micro's refusals of 192.0.2.1 five seconds apart,
// and returns it with the one opened notice announcing both, once the
// second provider's own window has ended too.
func announceTwo(t *testing.T, set func(*config.Config)) (*harness, notify.Item) {
	t.Helper()
	h := newHarness(t)
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	set(cfg)
	h.start(cfg)
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"), deferral(t0.Add(5*time.Second), "5D2C3B4A01", "dave@example.com"))
	h.read(2)
	h.tickAt(t0.Add(30 * time.Second))
	opened := h.mail.wait(t, "opened")
	h.tickAt(t0.Add(36 * time.Second))
	return h, opened
}

// textBody is the decoded plain text of a notice without an HTML part.
func textBody(t *testing.T, it notify.Item) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(it.Payload)))
	if err != nil {
		t.Fatal(err)
	}
	r := m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
