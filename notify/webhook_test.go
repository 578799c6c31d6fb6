package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

func openedNotice() Notice {
	return Notice{Kind: KindOpened, Incident: spamhausIncident(), Provider: spamhausFixture(), Reply: spamhausReply, Checks: spamhausChecks(), Lang: "en", Host: "mail.example.net"}
}

func TestWebhookPayloadJSON(t *testing.T) {
	b, err := WebhookPayload(openedNotice(), testConfig(), t0.Add(30*time.Second), WebhookGeneric)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("payload is not JSON: %v", err)
	}
	want := map[string]any{
		"version":       1.0,
		"kind":          "opened",
		"summary":       "192.0.2.1 is listed by Spamhaus: mail from mail.example.net refused",
		"incident_id":   "spamhaus-192.0.2.1-20260314T092603Z",
		"host":          "mail.example.net",
		"provider":      "spamhaus",
		"provider_name": "Spamhaus",
		"listed":        "192.0.2.1",
		"status":        "ongoing",
		"first_seen":    "2026-03-14T09:26:03Z",
		"last_seen":     "2026-03-14T09:51:03Z",
		"code":          "554 5.7.1",
		"reply":         spamhausReply,
		"messages":      3.0,
		"recipients":    6.0,
		"bounced":       1.0,
		"deferred":      5.0,
		"domains":       []any{"example.com", "example.org"},
		"remotes":       []any{"mx1.example.org", "mx.example.com"},
		"fates":         map[string]any{"deferred": 2.0, "bounced": 1.0},
		"checks":        []any{map[string]any{"zone": "zen.spamhaus.org", "status": "listed", "meaning": "XBL: exploited or infected host", "txt": "https://check.spamhaus.org/query/ip/192.0.2.1"}},
		"lookup_url":    "https://check.spamhaus.org/results/?query=192.0.2.1",
		"removal_url":   "https://check.spamhaus.org/",
		"role":          "dedicated",
		// Who sent the refused mail, as the email says it.
		"senders": map[string]any{"messages": 3.0,
			"logins":  []any{map[string]any{"name": "alice", "messages": 1.0}},
			"senders": []any{map[string]any{"name": "alice@example.net", "messages": 1.0}, map[string]any{"name": "carol@example.net", "messages": 1.0}, map[string]any{"name": "", "messages": 1.0}},
			"clients": []any{map[string]any{"name": "laptop.example.net[192.0.2.55]", "messages": 1.0}}},
	}
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("payload:\n%s", gb)
	}
}

func TestWebhookPayloadSlack(t *testing.T) {
	b, err := WebhookPayload(openedNotice(), testConfig(), t0, WebhookSlack)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal(b, &got); err != nil || len(got) != 1 {
		t.Fatalf("payload %s: want exactly {\"text\": …} (%v)", b, err)
	}
	want := "*rblwatch*: 192.0.2.1 is listed by Spamhaus: mail from mail.example.net refused\n" +
		"3 messages to 6 recipients refused: 1 bounce, 5 deferrals\n" +
		"sent by: SASL logins alice (1); senders &lt;alice@example.net&gt; (1), &lt;carol@example.net&gt; (1), &lt;&gt; (bounces) (1); clients laptop.example.net[192.0.2.55] (1)\n" +
		"zen.spamhaus.org: listed\n" +
		"lookup: https://check.spamhaus.org/results/?query=192.0.2.1\n" +
		"removal: https://check.spamhaus.org/"
	if got["text"] != want {
		t.Errorf("text:\n%s\nwant:\n%s", got["text"], want)
	}
	// In Japanese, with no English left but names, addresses and links.
	n := openedNotice()
	n.Lang = "ja"
	b, err = WebhookPayload(n, testConfig(), t0, WebhookSlack)
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want = "*rblwatch*: 送信元IPアドレス 192.0.2.1 が Spamhaus に登録されています（mail.example.net）\n" +
		"拒否されたメール 3通（宛先6件）、返送 1件、遅延 5回\n" +
		"送信者: 認証ユーザー alice (1) ／ 差出人 &lt;alice@example.net&gt; (1)、&lt;carol@example.net&gt; (1)、&lt;&gt;（エラー通知） (1) ／ 送信元ホスト laptop.example.net[192.0.2.55] (1)\n" +
		"zen.spamhaus.org: 登録あり\n" +
		"登録状況の確認: https://check.spamhaus.org/results/?query=192.0.2.1\n" +
		"解除申請: https://check.spamhaus.org/"
	if got["text"] != want {
		t.Errorf("ja text:\n%s\nwant:\n%s", got["text"], want)
	}
}

func TestWebhookPayloadHostile(t *testing.T) {
	n := hostileNotice("en")
	n.Provider.Name = "<!channel> Spamhaus"
	for _, f := range WebhookFormats {
		b, err := WebhookPayload(n, testConfig(), t0, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 64<<10 {
			t.Errorf("%s payload is %d bytes: the 1 MiB texts were not cut", f, len(b))
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s payload is not JSON: %v", f, err)
		}
		s := string(b)
		for _, bad := range []string{`\r`, `\n\u0000`, "Bcc: victim@example.com\\n"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s payload contains %q", f, bad)
			}
		}
		if f == WebhookSlack && strings.Contains(s, "<!channel>") {
			t.Errorf("slack text carries an unescaped mention: %s", s)
		}
	}
	// Only the formats config accepts: "json" (the old name of generic)
	// and "" are errors, never a silent default.
	for _, f := range []WebhookFormat{"xml", "json", ""} {
		if _, err := WebhookPayload(n, testConfig(), t0, f); !errors.Is(err, ErrConfig) || f.Valid() {
			t.Errorf("format %q: err %v, Valid %v", f, err, f.Valid())
		}
	}
}

// hookServer records requests and answers with the scripted statuses
// (200 once they run out).
type hookServer struct {
	mu       sync.Mutex
	statuses []int
	bodies   [][]byte
	headers  []http.Header
}

func (h *hookServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.bodies = append(h.bodies, body)
	h.headers = append(h.headers, r.Header.Clone())
	status := http.StatusOK
	if len(h.statuses) > 0 {
		status, h.statuses = h.statuses[0], h.statuses[1:]
	}
	h.mu.Unlock()
	w.WriteHeader(status)
	io.WriteString(w, "status "+http.StatusText(status)+"\r\nBcc: x")
}

func TestWebhookPost(t *testing.T) {
	h := &hookServer{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	w := &Webhook{URL: srv.URL + "/hook", Header: http.Header{"Authorization": {"Bearer t0k3n"}}}
	body := []byte(`{"text":"hi"}`)
	if err := w.Deliver(context.Background(), Item{Sink: "webhook", Payload: body}); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(h.bodies) != 1 || string(h.bodies[0]) != string(body) {
		t.Fatalf("server got %q", h.bodies)
	}
	hd := h.headers[0]
	if hd.Get("Content-Type") != "application/json" || hd.Get("Authorization") != "Bearer t0k3n" {
		t.Errorf("headers %v", hd)
	}
}

func TestWebhookErrors(t *testing.T) {
	tests := []struct {
		status   int
		wantTemp bool
	}{
		{500, true},
		{503, true},
		{429, true},
		{408, true},
		{400, false},
		{404, false},
		{410, false},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			h := &hookServer{statuses: []int{tc.status}}
			srv := httptest.NewServer(h)
			defer srv.Close()
			err := (&Webhook{URL: srv.URL}).Post(context.Background(), []byte("{}"))
			var se *SendError
			if !errors.As(err, &se) || se.Code != tc.status || se.Temp != tc.wantTemp {
				t.Fatalf("err %v, want status %d temp %v", err, tc.status, tc.wantTemp)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error text has a line break: %q", err.Error())
			}
		})
	}
}

func TestWebhookNetworkErrorsAreTemporary(t *testing.T) {
	err := (&Webhook{URL: "http://" + closedAddr(t) + "/"}).Post(context.Background(), []byte("{}"))
	if err == nil || !Temporary(err) {
		t.Errorf("connection refused: err %v, want temporary", err)
	}
	// A server that never answers: the timeout ends the request.
	release := make(chan struct{})
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hung.Close()
	err = (&Webhook{URL: hung.URL, Timeout: 100 * time.Millisecond}).Post(context.Background(), []byte("{}"))
	close(release)
	if err == nil || !Temporary(err) {
		t.Errorf("timeout: err %v, want temporary", err)
	}
	err = (&Webhook{URL: "::not a url"}).Post(context.Background(), []byte("{}"))
	if err == nil || Temporary(err) || !errors.Is(err, ErrConfig) {
		t.Errorf("bad URL: err %v, want a permanent ErrConfig", err)
	}
}

// TestWorkerWebhookRetry: a 500, then a 200 after the backoff; the notice
// arrives once.
func TestWorkerWebhookRetry(t *testing.T) {
	h := &hookServer{statuses: []int{500}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	payload, err := WebhookPayload(openedNotice(), testConfig(), t0, WebhookSlack)
	if err != nil {
		t.Fatal(err)
	}
	q := &memQueue{}
	id := q.add(Item{Sink: "slack", Payload: payload, CreatedAt: t0})
	w := &Worker{Queue: q, Sinks: map[string]Transport{"slack": &Webhook{URL: srv.URL}}}
	if n, _ := w.Step(context.Background(), t0); n != 0 {
		t.Fatalf("sent on a 500")
	}
	if it := q.item(id); it.Attempts != 1 || !strings.Contains(it.lastErr, "500") {
		t.Fatalf("after the 500: %+v", it)
	}
	if n, err := w.Step(context.Background(), t0.Add(DefaultRetryInitial)); n != 1 || err != nil {
		t.Fatalf("retry: sent %d, err %v", n, err)
	}
	if len(h.bodies) != 2 || !slices.Equal(h.bodies[0], h.bodies[1]) || string(h.bodies[1]) != string(payload) {
		t.Errorf("server got %d bodies", len(h.bodies))
	}
}

func TestWebhookResolver(t *testing.T) {
	for _, failing := range []bool{true, false} {
		n := Notice{Kind: KindResolver, Incident: incident.Incident{ID: "resolver-1"}, Lang: "en", Host: "mail.example.net",
			Resolver: &ResolverState{Failing: failing, Server: "127.0.0.1:53", Rounds: 3, Since: t0, At: t0.Add(time.Hour)}}
		body, err := WebhookPayload(n, testConfig(), t0.Add(time.Hour), WebhookGeneric)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ Kind, Status, Summary string }
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		want := resolverWant(failing)
		if got.Kind != "resolver" || got.Status != want.status || !strings.Contains(got.Summary, want.summary) {
			t.Errorf("failing=%v: %s", failing, body)
		}
		if _, err := WebhookPayload(n, testConfig(), t0, WebhookSlack); err != nil {
			t.Errorf("slack: %v", err)
		}
	}
	if _, err := WebhookPayload(Notice{Kind: KindResolver}, testConfig(), t0, WebhookGeneric); err == nil {
		t.Error("a resolver notice without its state composed")
	}
}

// resolverWant is what a resolver webhook says.
func resolverWant(failing bool) struct{ status, summary string } {
	if failing {
		return struct{ status, summary string }{"failing", "DNS lookups fail"}
	}
	return struct{ status, summary string }{"recovered", "DNS lookups work again"}
}

// TestWebhookRelated: a notice about several incidents lists the others
// under "related", with their own provider, counts and checks.
func TestWebhookRelated(t *testing.T) {
	n := openedNotice()
	other := spamhausIncident()
	other.ID, other.Provider = "barracuda-1", "barracuda"
	other.Bounced, other.Deferred = 4, 0
	n.Related = []Related{
		{Incident: other, Provider: barracudaFixture(), Checks: []Check{{Zone: "b.barracudacentral.org", Status: CheckListed}}},
		{Incident: n.Incident}, // the main one again: left out
	}
	b, err := WebhookPayload(n, testConfig(), t0, WebhookGeneric)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Provider string
		Related  []struct {
			IncidentID string `json:"incident_id"`
			Provider   string
			Bounced    int
			Checks     []Check
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Provider != "spamhaus" || len(got.Related) != 1 || got.Related[0].IncidentID != "barracuda-1" || got.Related[0].Provider != "barracuda" ||
		got.Related[0].Bounced != 4 || len(got.Related[0].Checks) != 1 {
		t.Errorf("payload %s", b)
	}
}

// TestWebhookErrorsHideTheURL: the webhook URL is a secret (Slack and
// others put the token in its path) that docs/config.md promises is never
// printed; net/http's errors quote it ("Post \"https://…/TOKEN\": dial tcp
// …"), and the error went to the log and the outbox's last_error.
func TestWebhookErrorsHideTheURL(t *testing.T) {
	closed := closedAddr(t) // nobody listens there
	for _, u := range []string{
		"http://" + closed + "/services/T000/B000/SECRETTOKEN",
		"http://" + closed + "/services/T000/B000/SECRETTOKEN\x7f", // does not parse
	} {
		err := (&Webhook{URL: u, Timeout: 2 * time.Second}).Post(t.Context(), []byte(`{}`))
		if err == nil {
			t.Fatalf("%q: posted", u)
		}
		if strings.Contains(err.Error(), "SECRETTOKEN") {
			t.Errorf("the error prints the URL: %v", err)
		}
	}
}

// TestWebhookRedirect: a webhook or Alertmanager URL that redirects is
// followed only where the POST stays a POST with its body (307, 308). A
// 301, 302 or 303 would make Go's client send a GET without the notice —
// which the new address answered 200, so the notice counted as delivered
// and nobody got it (it did before). Such a redirect is now an error that
// says to configure the address it leads to, and the URL it names (a
// secret: chat services put their token in it) is not in the error.
func TestWebhookRedirect(t *testing.T) {
	for _, c := range []struct {
		status    int
		delivered bool
	}{{301, false}, {302, false}, {303, false}, {307, true}, {308, true}} {
		t.Run(http.StatusText(c.status), func(t *testing.T) {
			var mu sync.Mutex
			var got []string
			final := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				got = append(got, r.Method+" "+string(body))
				mu.Unlock()
			}))
			defer final.Close()
			moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, final.URL+"/secret-token"+r.URL.Path, c.status)
			}))
			defer moved.Close()
			body := `{"text":"hi"}`
			for _, deliver := range []func() error{
				func() error { return (&Webhook{URL: moved.URL + "/hook"}).Post(context.Background(), []byte(body)) },
				func() error {
					return (&Alertmanager{URLs: []string{moved.URL}}).Deliver(context.Background(), Item{Sink: "alertmanager", Payload: []byte(`[{}]`)})
				},
			} {
				mu.Lock()
				got = nil
				mu.Unlock()
				err := deliver()
				mu.Lock()
				reached := slices.Clone(got)
				mu.Unlock()
				if c.delivered {
					if err != nil || len(reached) != 1 || !(strings.HasPrefix(reached[0], "POST {") || strings.HasPrefix(reached[0], "POST [{")) {
						t.Errorf("err %v, the new address got %q; want the POST with its body", err, reached)
					}
					continue
				}
				if err == nil || !strings.Contains(err.Error(), "redirect") || strings.Contains(err.Error(), "secret-token") {
					t.Errorf("err %v, want an error about the redirect, without its URL", err)
				}
				if len(reached) != 0 {
					t.Errorf("the new address got %q", reached)
				}
			}
		})
	}
}
