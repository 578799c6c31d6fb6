package daemon

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/track"
)

// TestAckAndMute (issue 12.4): the postmaster's word, written to the store
// while the daemon runs, counts at once. An acknowledged incident gets no
// digest, though rejections go on; a muted provider's new incident gets no
// notice at all, nor later its cleared one; another incident still alerts.
func TestAckAndMute(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.Notify.Renotify = time.Hour
	cfg.Notify.Settle = time.Minute
	h.start(cfg)
	ctx := context.Background()
	st, err := track.Open(h.store, zaptest.NewLogger(t)) // as rblwatch incidents opens it
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	opened := h.mail.wait(t, "opened")
	id := header(t, opened, "X-Rblwatch-Incident")
	if err := st.AckIncident(ctx, id, "pm", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddMute(ctx, track.Mute{Provider: "trendmicro", CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	// Barracuda goes on (no digest: acknowledged); Trend Micro opens
	// (muted), then clears.
	h.write(
		rejection(t0.Add(10*time.Minute), "4C1B2A3F92", "bob@example.net"),
		deferral(t0.Add(11*time.Minute), "5D2C3B4A01", "dave@example.com"),
		sent(t0.Add(20*time.Minute), "5D2C3B4A02", "erin@example.com"))
	h.read(4)
	h.tickAt(t0.Add(2 * time.Hour))
	h.tickAt(t0.Add(3 * time.Hour))
	// A new incident of another address still alerts.
	appendLines(t, h.log, listedBy(t0.Add(3*time.Hour), "7E4D5C6B01", "192.0.2.99", "frank@example.org"))
	next := h.mail.wait(t, "a new incident")
	if s := subject(t, next); next.Kind != "opened" || !strings.Contains(s, "192.0.2.99") {
		t.Errorf("after the ack and the mute the next notice is %s %q, want the new incident's opened notice", next.Kind, s)
	}
	h.stop()
	if n := h.mail.count(); n != 2 {
		t.Errorf("%d notices, want 2 (two opened; no digest, nothing about Trend Micro)", n)
	}
	for _, msg := range []string{"incident acknowledged: no digest", "incident muted: no notice", "incident cleared; it was never announced (muted): no notice"} {
		if h.logs.FilterMessage(msg).Len() == 0 {
			t.Errorf("the daemon did not log %q", msg)
		}
	}
}

// TestMuteAddress (issue 12.4): "rblwatch incidents mute 192.0.2.99 for 1d"
// written to the store of the running daemon silences that address's
// incidents, whichever list names it, at once; another address still
// alerts.
func TestMuteAddress(t *testing.T) {
	h := newHarness(t)
	h.start(h.config())
	ctx := context.Background()
	st, err := track.Open(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AddMute(ctx, track.Mute{Listed: "192.0.2.99", CreatedAt: t0, Until: t0.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	appendLines(t, h.log, listedBy(t0.Add(time.Minute), "7E4D5C6B01", "192.0.2.99", "frank@example.org"))
	h.read(1)
	appendLines(t, h.log, listedBy(t0.Add(2*time.Minute), "7E4D5C6B02", "192.0.2.98", "grace@example.org"))
	next := h.mail.wait(t, "the other address's incident")
	if s := subject(t, next); !strings.Contains(s, "192.0.2.98") {
		t.Errorf("first notice %q, want the unmuted address's", s)
	}
	h.stop()
	if n := h.mail.count(); n != 1 {
		t.Errorf("%d notices, want 1 (nothing about the muted address)", n)
	}
	if h.logs.FilterMessage("incident muted: no notice").Len() == 0 {
		t.Error("the daemon did not log the muted incident")
	}
}
