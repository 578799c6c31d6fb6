package daemon

import (
	"io"
	"net/mail"
	"net/netip"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/notify"
)

// parts returns an email's decoded text part and the media types of all
// its parts.
func parts(t *testing.T, it notify.Item) (text string, types []string) {
	t.Helper()
	r, err := gomail.CreateReader(strings.NewReader(string(it.Payload)))
	if err != nil {
		t.Fatalf("notice is not a mail message: %v", err)
	}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return text, types
		}
		if err != nil {
			t.Fatal(err)
		}
		h, ok := p.Header.(*gomail.InlineHeader)
		if !ok {
			continue
		}
		typ, _, _ := h.ContentType()
		types = append(types, typ)
		b, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatal(err)
		}
		if typ == "text/plain" {
			text = string(b)
		}
	}
}

// noIP is a refusal that names no address (the listed IP is then ours, when
// we have one sending IP).
func noIP(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: 554 5.7.1 Service unavailable; blocked using b.barracudacentral.org (in reply to RCPT TO command))"
}

// TestNotifyOptions runs the daemon once per documented value of the keys
// that shape the notices (docs/config.md), and checks what the postmaster
// gets: every value config check accepts does what the reference says.
func TestNotifyOptions(t *testing.T) {
	type step struct {
		lines []string
		tick  time.Time // zero: none
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	burst := []step{{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}}, {tick: at(time.Minute)}}
	for _, tc := range []struct {
		name  string
		set   func(*config.Config)
		steps []step
		// kinds are the notices delivered, in order; check looks at them.
		kinds []string
		check func(t *testing.T, items []notify.Item)
	}{
		{"language en", func(c *config.Config) { c.Notify.Language = "en" }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if s := subject(t, items[0]); !strings.Contains(s, "is listed by Barracuda") {
				t.Errorf("subject %q", s)
			}
			if h := header(t, items[0], "Content-Language"); h != "en" {
				t.Errorf("Content-Language %q", h)
			}
		}},
		{"language ja", func(c *config.Config) { c.Notify.Language = "ja" }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if s := subject(t, items[0]); !strings.Contains(s, "に登録されています") {
				t.Errorf("subject %q is not Japanese", s)
			}
			if text, _ := parts(t, items[0]); !strings.Contains(text, "対処方法") || strings.Contains(text, "WHAT TO DO") {
				t.Errorf("body is not Japanese:\n%s", text)
			}
		}},
		{"html false", func(c *config.Config) { c.Notify.HTML = false }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if _, types := parts(t, items[0]); strings.Join(types, " ") != "text/plain" {
				t.Errorf("parts %q, want text/plain only", types)
			}
		}},
		{"html true", func(c *config.Config) { c.Notify.HTML = true }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if _, types := parts(t, items[0]); strings.Join(types, " ") != "text/plain text/html" {
				t.Errorf("parts %q, want text/plain beside text/html", types)
			}
		}},
		{"from and to", func(c *config.Config) {
			c.Notify.From = mustMailbox(t, "Watcher <watch@example.org>")
			c.Notify.To = []mail.Address{mustMailbox(t, "pm@example.org"), mustMailbox(t, `"Ops, Tokyo" <ops@example.org>`)}
		}, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if got := strings.Join(items[0].Recipients, " "); got != "pm@example.org ops@example.org" {
				t.Errorf("envelope recipients %q", got)
			}
			if h := header(t, items[0], "From"); h != `"Watcher" <watch@example.org>` {
				t.Errorf("From: %s", h)
			}
			if h := header(t, items[0], "To"); h != `<pm@example.org>, "Ops, Tokyo" <ops@example.org>` {
				t.Errorf("To: %s", h)
			}
		}},
		{"aggregate 0s", func(c *config.Config) { c.Notify.Aggregate = 0 }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{lines: []string{rejection(at(10*time.Second), "4C1B2A3F92", "bob@example.net")}, tick: at(20 * time.Second)},
		}, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if text, _ := parts(t, items[0]); !strings.Contains(text, "1 message to 1 recipient") {
				t.Errorf("aggregate 0s: the opened notice should count the first rejection only:\n%s", text)
			}
		}},
		{"aggregate 30s", func(c *config.Config) { c.Notify.Aggregate = 30 * time.Second }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{lines: []string{rejection(at(10*time.Second), "4C1B2A3F92", "bob@example.net")}, tick: at(20 * time.Second)},
			{tick: at(30 * time.Second)},
		}, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if text, _ := parts(t, items[0]); !strings.Contains(text, "2 messages to 2 recipients") {
				t.Errorf("aggregate 30s: the opened notice should count the burst:\n%s", text)
			}
		}},
		{"renotify 0s", func(c *config.Config) { c.Notify.Renotify = 0 }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{lines: []string{rejection(at(2*time.Hour), "4C1B2A3F92", "bob@example.net")}, tick: at(3 * time.Hour)},
			{lines: []string{rejection(at(5*time.Hour), "4C1B2A3F93", "carol@example.net")}, tick: at(10 * time.Hour)},
		}, []string{"opened"}, nil},
		{"renotify 1h", func(c *config.Config) { c.Notify.Renotify = time.Hour }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{tick: at(30 * time.Minute)},
			{lines: []string{rejection(at(40*time.Minute), "4C1B2A3F92", "bob@example.net")}, tick: at(61 * time.Minute)},
		}, []string{"opened", "digest"}, nil},
		{"quiet 2h", func(c *config.Config) { c.Notify.Quiet = 2 * time.Hour }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{tick: at(119 * time.Minute)},
			{tick: at(121 * time.Minute)},
		}, []string{"opened", "cleared"}, func(t *testing.T, items []notify.Item) {
			if text, _ := parts(t, items[1]); !strings.Contains(text, "2 hours") {
				t.Errorf("the quiet-period clear does not name the 2 hours:\n%s", text)
			}
		}},
		{"quiet 6h", func(c *config.Config) { c.Notify.Quiet = 6 * time.Hour }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{tick: at(5 * time.Hour)},
		}, []string{"opened"}, nil},
		{"settle 0s", func(c *config.Config) { c.Notify.Settle = 0 }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{lines: []string{sent(at(time.Minute), "4C1B2A3F92", "bob@example.net")}, tick: at(2 * time.Minute)},
		}, []string{"opened", "cleared"}, nil},
		{"settle 10m", func(c *config.Config) { c.Notify.Settle = 10 * time.Minute }, []step{
			{lines: []string{rejection(t0, "4C1B2A3F91", "alice@example.net")}},
			{lines: []string{sent(at(time.Minute), "4C1B2A3F92", "bob@example.net")}, tick: at(10 * time.Minute)},
		}, []string{"opened"}, nil},
		{"role dedicated", func(c *config.Config) { c.Role = classify.RoleDedicated }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if text, _ := parts(t, items[0]); strings.Contains(text, "hosting company") || strings.Contains(text, "customer") {
				t.Errorf("a dedicated server's notice speaks of a hosting company or customers:\n%s", text)
			}
		}},
		{"role operator", func(c *config.Config) { c.Role = classify.RoleOperator }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if text, _ := parts(t, items[0]); !strings.Contains(text, "customer") {
				t.Errorf("an operator's notice does not say to find the customer:\n%s", text)
			}
		}},
		{"role customer", func(c *config.Config) { c.Role = classify.RoleCustomer }, burst, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if text, _ := parts(t, items[0]); !strings.Contains(text, "hosting company") {
				t.Errorf("a customer's notice does not send them to the hosting company:\n%s", text)
			}
		}},
		{"one sending ip", func(c *config.Config) {
			c.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.77")}
		}, []step{{lines: []string{noIP(t0, "4C1B2A3F91", "alice@example.net")}}, {tick: at(time.Minute)}}, []string{"opened"}, func(t *testing.T, items []notify.Item) {
			if s := subject(t, items[0]); !strings.Contains(s, "192.0.2.77") {
				t.Errorf("a refusal naming no address is not attributed to our sending IP: %q", s)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			cfg := h.config()
			tc.set(cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatalf("the case's configuration is not valid: %v", err)
			}
			h.start(cfg)
			n := 0
			for _, s := range tc.steps {
				h.write(s.lines...)
				n += len(s.lines)
				h.read(n)
				if !s.tick.IsZero() {
					h.tickAt(s.tick)
				}
			}
			h.stop() // composes and sends what was recorded
			h.mail.mu.Lock()
			items := append([]notify.Item(nil), h.mail.items...)
			h.mail.mu.Unlock()
			var kinds []string
			for _, it := range items {
				kinds = append(kinds, it.Kind)
			}
			if strings.Join(kinds, " ") != strings.Join(tc.kinds, " ") {
				t.Fatalf("notices %q, want %q", kinds, tc.kinds)
			}
			if tc.check != nil {
				tc.check(t, items)
			}
		})
	}
}

func mustMailbox(t *testing.T, s string) mail.Address {
	t.Helper()
	a, err := config.ParseMailbox(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLogTimezone: log.timezone dates the syslog timestamps that carry no
// zone, as docs/config.md says; "Nov 24 01:00:00" is 16:00 UTC the day
// before in Tokyo.
func TestLogTimezone(t *testing.T) {
	for _, tc := range []struct{ zone, id string }{
		{"UTC", "barracuda-192.0.2.1-20261124T010000Z"},
		{"Asia/Tokyo", "barracuda-192.0.2.1-20261123T160000Z"},
	} {
		t.Run(tc.zone, func(t *testing.T) {
			h := newHarness(t)
			cfg := h.config()
			cfg.Log.Timezone = tc.zone
			cfg.Notify.Quiet = 24 * time.Hour // announced either way
			h.clock.set(time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC))
			h.start(cfg)
			appendLines(t, h.log, "Nov 24 01:00:00 mx postfix/smtp[100]: 4C1B2A3F91: to=<alice@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using b.barracudacentral.org (in reply to RCPT TO command))")
			it := h.mail.wait(t, "opened")
			h.stop()
			if id := header(t, it, "X-Rblwatch-Incident"); id != tc.id {
				t.Errorf("incident %s, want %s", id, tc.id)
			}
		})
	}
}
