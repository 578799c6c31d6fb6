package daemon

import (
	"context"
	"encoding/json"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// header returns a header of a delivered email.
func header(t *testing.T, it notify.Item, name string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(it.Payload)))
	if err != nil {
		t.Fatalf("notice is not a mail message: %v", err)
	}
	return m.Header.Get(name)
}

// noticeRecords reads the recorded notices from a stopped daemon's store.
func noticeRecords(t *testing.T, path string) ([]track.Notice, []noticeRecord) {
	t.Helper()
	st, err := track.OpenReadOnly(path, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ns, err := st.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]noticeRecord, len(ns))
	for i, n := range ns {
		if err := json.Unmarshal(n.Record, &recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return ns, recs
}

// TestOneNoticeForOneAddress (issue 12.3): two providers refuse mail from
// one address within the aggregation window: one notice announces both;
// the second incident's own opened event sends nothing. Their follow-ups
// (digest, cleared) are threaded under that notice, and a digest counts
// what happened since the previous notice, from the store, across a
// restart.
func TestOneNoticeForOneAddress(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	cfg.Notify.Renotify = time.Hour
	h.start(cfg)

	// Barracuda at t0, Trend Micro 5 s later: both name 192.0.2.1.
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"), deferral(t0.Add(5*time.Second), "5D2C3B4A01", "dave@example.com"))
	h.read(2)
	h.tickAt(t0.Add(30 * time.Second)) // Barracuda's window ends
	opened := h.mail.wait(t, "opened")
	root := header(t, opened, "Message-ID")
	if !strings.Contains(subject(t, opened), "Barracuda") || root == "" || header(t, opened, "In-Reply-To") != "" {
		t.Fatalf("opened: %q, Message-ID %q, In-Reply-To %q", subject(t, opened), root, header(t, opened, "In-Reply-To"))
	}
	h.tickAt(t0.Add(36 * time.Second)) // Trend Micro's window ends: announced already
	// More Trend Micro deferrals, then a digest after renotify.
	h.write(deferral(t0.Add(10*time.Minute), "5D2C3B4A02", "erin@example.com"), deferral(t0.Add(11*time.Minute), "5D2C3B4A03", "frank@example.com"))
	h.read(4)
	h.tickAt(t0.Add(12 * time.Minute))
	h.stop()
	if n := h.mail.count(); n != 1 {
		t.Fatalf("%d emails for two providers of one address, want 1", n)
	}
	ns, recs := noticeRecords(t, h.store)
	if len(ns) != 1 || len(recs[0].Related) != 1 || recs[0].Related[0].Incident.Provider != "trendmicro" {
		t.Fatalf("notices %+v, want one opened notice with Trend Micro related", ns)
	}

	// A restart: the digest still knows the counts at the opened notice.
	h.start(cfg)
	h.tickAt(t0.Add(36*time.Second + time.Hour))
	digest := h.mail.wait(t, "digest")
	if header(t, digest, "X-Rblwatch-Kind") != "digest" || !strings.Contains(subject(t, digest), "Trend Micro") {
		t.Fatalf("second email: %q", subject(t, digest))
	}
	if got := header(t, digest, "In-Reply-To"); got != root {
		t.Errorf("digest In-Reply-To %q, want the opened notice %q", got, root)
	}
	if got := header(t, digest, "References"); !strings.HasPrefix(got, root) {
		t.Errorf("digest References %q, want it to start at %q", got, root)
	}
	h.stop()
	ns, recs = noticeRecords(t, h.store)
	if len(ns) != 2 {
		t.Fatalf("%d notices, want 2", len(ns))
	}
	prev := recs[1].Previous
	if prev == nil || prev.Deferred != 1 || !prev.At.Equal(t0.Add(30*time.Second)) {
		t.Errorf("digest's previous counts %+v, want 1 deferral as of the opened notice at %v", prev, t0.Add(30*time.Second))
	}
	if ns[1].Thread != ns[0].IncidentID {
		t.Errorf("digest thread %q, want %q", ns[1].Thread, ns[0].IncidentID)
	}
}

// TestSelfCheckRoundOneNotice (issue 12.3): a self-check round that finds
// our address listed by two providers sends one notice naming both; the
// round that finds both gone sends one more.
func TestSelfCheckRoundOneNotice(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	h.start(cfg)
	listed := dnsbltest.Listed("127.0.0.2", "listed by the test")
	fake.Set(uce1, listed)
	fake.Set("bl.spamcop.net", listed)
	h.selfCheckRound(0)
	first := h.mail.wait(t, "listed")
	if first.Kind != "listed" {
		t.Errorf("first notice %s", first.Kind)
	}
	fake.Set(uce1, dnsbltest.NXDomain)
	fake.Set("bl.spamcop.net", dnsbltest.NXDomain)
	h.selfCheckRound(1)
	second := h.mail.wait(t, "delisted")
	if second.Kind != "delisted" {
		t.Errorf("second notice %s", second.Kind)
	}
	if got, want := header(t, second, "In-Reply-To"), header(t, first, "Message-ID"); got != want || want == "" {
		t.Errorf("delisted In-Reply-To %q, want the listed notice %q", got, want)
	}
	h.stop()
	if n := h.mail.count(); n != 2 {
		t.Errorf("%d emails for two rounds of two findings, want 2", n)
	}
	_, recs := noticeRecords(t, h.store)
	if len(recs) != 2 {
		t.Fatalf("%d notices, want 2", len(recs))
	}
	for i, r := range recs {
		if len(r.Related) != 1 {
			t.Errorf("notice %d (%s) of %s has %d related findings, want 1", i, r.Kind, r.Incident.Provider, len(r.Related))
			continue
		}
		got := []string{r.Incident.Provider, r.Related[0].Incident.Provider}
		slices.Sort(got)
		if strings.Join(got, ",") != "spamcop,uceprotect" {
			t.Errorf("notice %d names %q", i, got)
		}
	}
}

// TestListedAgainThreads (issue 12.3): an incident that clears and opens
// again (the same provider and address) is announced in the thread of the
// first one: its opened notice refers to the earlier notices, root first.
func TestListedAgainThreads(t *testing.T) {
	h := newHarness(t)
	h.start(h.config())
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	first := h.mail.wait(t, "opened")
	appendLines(t, h.log, sent(t0.Add(time.Minute), "4C1B2A3F92", "carol@example.net"))
	h.read(2)
	h.tickAt(t0.Add(2 * time.Minute))
	h.tickAt(t0.Add(12 * time.Minute))
	cleared := h.mail.wait(t, "cleared")
	appendLines(t, h.log, rejection(t0.Add(time.Hour), "4C1B2A3F93", "dave@example.net"))
	again := h.mail.wait(t, "opened again")
	h.stop()
	root := header(t, first, "Message-ID")
	if header(t, cleared, "In-Reply-To") != root {
		t.Errorf("cleared In-Reply-To %q, want %q", header(t, cleared, "In-Reply-To"), root)
	}
	if again.Kind != "opened" || header(t, again, "X-Rblwatch-Incident") == header(t, first, "X-Rblwatch-Incident") {
		t.Fatalf("third notice: %s about %s, want a new incident's opened notice", again.Kind, header(t, again, "X-Rblwatch-Incident"))
	}
	if got, want := header(t, again, "In-Reply-To"), header(t, cleared, "Message-ID"); got != want {
		t.Errorf("listed-again In-Reply-To %q, want the cleared notice %q", got, want)
	}
	if refs := strings.Fields(header(t, again, "References")); len(refs) != 2 || refs[0] != root {
		t.Errorf("listed-again References %q, want the opened then the cleared notice", refs)
	}
}

// TestThreeProvidersOneEmail (issue 12.3, acceptance): Barracuda, Trend
// Micro and Spamhaus refuse mail from 192.0.2.1 within the aggregation
// window: the postmaster gets one email naming the three, and the store
// one opened notice with the other two related.
func TestThreeProvidersOneEmail(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	h.start(cfg)
	appendLines(t, h.log,
		rejection(t0, "4C1B2A3F91", "alice@example.net"),
		deferral(t0.Add(5*time.Second), "5D2C3B4A01", "dave@example.com"),
		spamhausBounce(t0.Add(9*time.Second), "6E3D4C5B11", "erin@example.org"))
	h.read(3)
	for _, s := range []time.Duration{30, 35, 39, 45} {
		h.tickAt(t0.Add(s * time.Second))
	}
	opened := h.mail.wait(t, "opened")
	h.stop()
	if n := h.mail.count(); n != 1 {
		t.Fatalf("%d emails for three providers of one address, want 1", n)
	}
	s := subject(t, opened)
	for _, name := range []string{"Barracuda", "Trend Micro", "Spamhaus"} {
		if !strings.Contains(s, name) {
			t.Errorf("subject %q does not name %s", s, name)
		}
	}
	ns, recs := noticeRecords(t, h.store)
	if len(ns) != 1 || len(recs[0].Related) != 2 {
		t.Fatalf("notices %+v, want one opened notice with two related", ns)
	}
}
