package daemon

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// hookPeer is an HTTP server that records the bodies POSTed to it; with
// hang set it accepts each request and never answers (until the test
// ends).
type hookPeer struct {
	srv    *httptest.Server
	bodies chan []byte
}

func newHookPeer(t *testing.T, hang bool) *hookPeer {
	p := &hookPeer{bodies: make(chan []byte, 100)}
	release := make(chan struct{})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		p.bodies <- body
		if hang {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { close(release); p.srv.Close() })
	return p
}

func (p *hookPeer) wait(t *testing.T, what string) []byte {
	t.Helper()
	select {
	case b := <-p.bodies:
		return b
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s webhook request", what)
	}
	return nil
}

// TestWebhookDefaultFormatDelivers: with notify.webhook.url and the default
// format (generic), each notice reaches both the email and the webhook
// channel: one item each.
func TestWebhookDefaultFormatDelivers(t *testing.T) {
	h := newHarness(t)
	hook := newHookPeer(t, false)
	cfg := h.config()
	cfg.Notify.Webhook.URL = "http://127.0.0.1/unused" // the transport below posts to the peer
	if cfg.Notify.Webhook.Format != notify.WebhookGeneric {
		t.Fatalf("default webhook format %q", cfg.Notify.Webhook.Format)
	}
	h.extra = map[string]notify.Transport{SinkWebhook: &notify.Webhook{URL: hook.srv.URL}}
	h.start(cfg)
	defer h.stop()
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	if it := h.mail.wait(t, "opened"); it.Kind != "opened" {
		t.Errorf("email: %+v", it)
	}
	var got map[string]any
	if err := json.Unmarshal(hook.wait(t, "opened"), &got); err != nil {
		t.Fatal(err)
	}
	if got["kind"] != "opened" || got["provider"] != "barracuda" || got["listed"] != "192.0.2.1" {
		t.Errorf("webhook body %v", got)
	}
}

// TestChannelComposeFailureIsolated: when one channel's notice cannot be
// composed, the others still get theirs; the failed one is kept in the
// outbox as given up, with the reason.
func TestChannelComposeFailureIsolated(t *testing.T) {
	h := newHarness(t)
	hook := newHookPeer(t, false)
	cfg := h.config()
	cfg.Notify.Webhook.URL = "http://127.0.0.1/unused"
	cfg.Notify.Webhook.Format = "bogus" // config check refuses it; here it stands for any compose error
	h.extra = map[string]notify.Transport{SinkWebhook: &notify.Webhook{URL: hook.srv.URL}}
	h.start(cfg)
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	if it := h.mail.wait(t, "opened"); it.Kind != "opened" {
		t.Errorf("email: %+v", it)
	}
	h.stop()
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var hookItem track.OutboxItem
	for _, key := range []string{"email", "webhook"} {
		items := outboxItems(t, st, key)
		if len(items) != 1 {
			t.Fatalf("%d %s items, want 1", len(items), key)
		}
		if key == "webhook" {
			hookItem = items[0]
		}
	}
	if hookItem.FailedAt.IsZero() || !strings.Contains(hookItem.LastError, "composing") {
		t.Errorf("webhook item %+v, want given up with the compose error", hookItem)
	}
	select {
	case b := <-hook.bodies:
		t.Errorf("the webhook got %s", b)
	default:
	}
}

// TestHungWebhookDelaysNoEmail: a webhook peer that accepts and never
// answers holds only its own lane: the emails of the incidents that come
// meanwhile go out.
func TestHungWebhookDelaysNoEmail(t *testing.T) {
	h := newHarness(t)
	hook := newHookPeer(t, true)
	cfg := h.config()
	cfg.Notify.Webhook.URL = "http://127.0.0.1/unused"
	h.extra = map[string]notify.Transport{SinkWebhook: &notify.Webhook{URL: hook.srv.URL, Timeout: time.Hour}}
	h.start(cfg)
	defer h.stop()
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	h.mail.wait(t, "first opened")
	hook.wait(t, "first opened") // now hanging
	appendLines(t, h.log, deferral(t0.Add(time.Minute), "5D2C3B4A01", "dave@example.com"))
	if it := h.mail.wait(t, "second opened"); !strings.Contains(subject(t, it), "Trend Micro") {
		t.Errorf("second email %q", subject(t, it))
	}
}

// outboxItems returns the items of one channel, from the store.
func outboxItems(t *testing.T, st *track.Store, sink string) []track.OutboxItem {
	t.Helper()
	rows, err := st.OutboxItems(context.Background(), sink)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestHungRelayDelaysNoWebhook: an SMTP relay that accepts the connection
// and never says a word holds only the email lane: the webhook gets every
// notice meanwhile.
func TestHungRelayDelaysNoWebhook(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c // held open, silent
		}
	}()
	defer func() {
		for {
			select {
			case c := <-accepted:
				c.Close()
			default:
				return
			}
		}
	}()
	h := newHarness(t)
	hook := newHookPeer(t, false)
	cfg := h.config()
	cfg.Notify.Webhook.URL = "http://127.0.0.1/unused"
	h.extra = map[string]notify.Transport{
		SinkEmail:   &notify.SMTP{Addr: l.Addr().String(), Timeout: time.Hour},
		SinkWebhook: &notify.Webhook{URL: hook.srv.URL},
	}
	h.start(cfg)
	appendLines(t, h.log, rejection(t0, "4C1B2A3F91", "alice@example.net"))
	hook.wait(t, "first opened")
	select {
	case <-accepted: // the email lane is stuck with the silent relay
	case <-time.After(20 * time.Second):
		t.Fatal("the email lane never connected")
	}
	appendLines(t, h.log, deferral(t0.Add(time.Minute), "5D2C3B4A01", "dave@example.com"))
	var got map[string]any
	if err := json.Unmarshal(hook.wait(t, "second opened"), &got); err != nil || got["provider"] != "trendmicro" {
		t.Errorf("second webhook post %v (%v)", got, err)
	}
	h.stop()
}
