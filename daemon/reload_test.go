package daemon

import (
	"net/mail"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/notify"
)

// reloadTo sends cfg to the daemon as a SIGHUP would and waits until it was
// applied or refused.
func (h *harness) reloadTo(cfg *config.Config) {
	h.t.Helper()
	before := h.logs.FilterMessage("configuration reloaded").Len() + h.logs.FilterMessageSnippet("reload refused").Len()
	select {
	case h.reload <- cfg:
	case err := <-h.done:
		h.t.Fatalf("daemon ended: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for h.logs.FilterMessage("configuration reloaded").Len()+h.logs.FilterMessageSnippet("reload refused").Len() == before {
		if time.Now().After(deadline) {
			h.t.Fatal("the reload was neither applied nor refused")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestReloadDNS: docs/config.md says every key but a few applies at a
// reload. dnsbl.resolver and dnsbl.timeout did not: the resolver was made
// once at the start, so the self-check (and the checks behind notices)
// kept asking the old server with the old timeout until a restart.
func TestReloadDNS(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before and after set the resolver's address and timeout;
		// want are the self-check's transitions over two rounds, the
		// reload between them.
		before, after func(c *config.DNSBL, listing, clean *dnsbltest.Fake)
		want          []string
	}{
		{"resolver", func(c *config.DNSBL, listing, _ *dnsbltest.Fake) {
			c.Resolver = listing.Addr
		}, func(c *config.DNSBL, _, clean *dnsbltest.Fake) {
			c.Resolver = clean.Addr
		}, []string{"listed", "delisted"}},
		{"timeout", func(c *config.DNSBL, listing, _ *dnsbltest.Fake) {
			c.Resolver, c.Timeout = listing.Addr, time.Nanosecond // every query times out
		}, func(c *config.DNSBL, _, _ *dnsbltest.Fake) {
			c.Timeout = 2 * time.Second
		}, []string{"listed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			listing, clean := dnsbltest.StartFake(t), dnsbltest.StartFake(t)
			listing.Set(uce1, dnsbltest.Listed("127.0.0.2", "listed for a test"))
			h := newHarness(t)
			cfg := h.config()
			cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
			cfg.DNSBL.Interval = time.Hour
			cfg.DNSBL.Timeout = 500 * time.Millisecond
			tc.before(&cfg.DNSBL, listing, clean)
			var err error
			if h.resolver, err = resolver(cfg.DNSBL, zap.NewNop()); err != nil {
				t.Fatal(err)
			}
			h.newResolver = func(c config.DNSBL) (*dnsbl.Resolver, error) { return resolver(c, zap.NewNop()) }
			h.reload = make(chan *config.Config)
			h.start(cfg)
			defer h.stop()

			h.selfCheckRound(1)
			next := cfg.Clone()
			tc.after(&next.DNSBL, listing, clean)
			h.reloadTo(next)
			h.selfCheckRound(2)
			if got := h.transitions(); !slices.Equal(got, tc.want) {
				t.Errorf("self-check transitions %q, want %q (the reload's %s not applied?)", got, tc.want, tc.name)
			}
		})
	}
}

// byExample is a refusal whose words only the catalog below knows.
func byExample(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: 554 5.7.1 Example RBL says no to 192.0.2.1 (in reply to RCPT TO command))"
}

// exampleCatalog is a catalog file with one provider named name.
func exampleCatalog(name string) string {
	return `providers:
  - id: example-rbl
    name: ` + name + `
    kind: dnsbl
    meaning:
      en: 'A list of our own.'
    rules:
      - id: example-rbl
        any: ['example rbl says no']
        samples:
          - '554 5.7.1 Example RBL says no to 192.0.2.1'
`
}

// TestReloadCatalog: a reload reads catalog.file again — a file named
// anew, or the same file edited — as docs/config.md says of every key but
// a few; a file with errors refuses the reload and the catalog in use
// stays. Before, the daemon logged "restart rblwatch to load it" and
// classified with the catalog of its start.
func TestReloadCatalog(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	h.reload = make(chan *config.Config)
	h.start(cfg)
	defer h.stop()

	file := filepath.Join(h.dir, "providers.yaml")
	write := func(text string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(exampleCatalog("Example RBL"))
	next := cfg.Clone()
	next.Catalog.File = file
	h.reloadTo(next)
	appendLines(t, h.log, byExample(t0, "4C1B2A3F91", "alice@example.net"))
	if s := subject(t, h.mail.wait(t, "opened")); !strings.Contains(s, "Example RBL") {
		t.Errorf("after a reload naming catalog.file: %q, want the file's provider", s)
	}

	write(exampleCatalog("Example RBL Two"))
	h.reloadTo(next.Clone())
	appendLines(t, h.log, byExample(t0.Add(time.Second), "4C1B2A3F92", "bob@example.net"))
	h.read(2)
	h.tickAt(t0.Add(7 * time.Hour)) // the quiet period clears it
	h.mail.wait(t, "cleared")
	appendLines(t, h.log, byExample(t0.Add(8*time.Hour), "4C1B2A3F93", "carol@example.net"))
	if s := subject(t, h.mail.wait(t, "opened again")); !strings.Contains(s, "Example RBL Two") {
		t.Errorf("after a reload of the edited file: %q, want its new name", s)
	}

	write("providers: [\n")
	h.reloadTo(next.Clone())
	if h.logs.FilterMessage("reload refused: the catalog has errors").Len() != 1 {
		t.Error("a broken catalog file did not refuse the reload")
	}
}

// TestReloadRefusesKeylessZone: a reload (a SIGHUP, which need not come
// through systemd's config check) refuses a keyed zone enabled without its
// key, as config check and the start do, and keeps the zones it had.
func TestReloadRefusesKeylessZone(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	h.reload = make(chan *config.Config)
	h.start(cfg)
	defer h.stop()
	next := cfg.Clone()
	next.DNSBL.Zones.Enable = []string{"{key}.zen.dq.spamhaus.net"}
	h.reloadTo(next)
	if h.logs.FilterMessage("reload refused: the configuration has errors").Len() != 1 {
		t.Error("a keyed zone enabled without its key did not refuse the reload")
	}
}

// TestReloadApplies: keys docs/config.md does not list as needing a
// restart apply to the next notice after a reload (SIGHUP): one table row
// per key, each checked on the notice of a refusal read after the reload.
func TestReloadApplies(t *testing.T) {
	for _, tc := range []struct {
		key   string
		set   func(*config.Config)
		line  func(time.Time) string
		check func(t *testing.T, it notify.Item)
	}{
		{"notify.language", func(c *config.Config) { c.Notify.Language = "ja" }, func(at time.Time) string { return rejection(at, "4C1B2A3F91", "a@example.net") },
			func(t *testing.T, it notify.Item) {
				if s := subject(t, it); !strings.Contains(s, "登録されています") {
					t.Errorf("subject %q is not Japanese", s)
				}
			}},
		{"role", func(c *config.Config) { c.Role = classify.RoleCustomer }, func(at time.Time) string { return rejection(at, "4C1B2A3F91", "a@example.net") },
			func(t *testing.T, it notify.Item) {
				if text, _ := parts(t, it); !strings.Contains(text, "hosting company") {
					t.Errorf("the customer role's advice is missing:\n%s", text)
				}
			}},
		{"notify.to", func(c *config.Config) { c.Notify.To = []mail.Address{{Address: "other@example.org"}} }, func(at time.Time) string { return rejection(at, "4C1B2A3F91", "a@example.net") },
			func(t *testing.T, it notify.Item) {
				if strings.Join(it.Recipients, " ") != "other@example.org" {
					t.Errorf("recipients %q", it.Recipients)
				}
			}},
		{"notify.html", func(c *config.Config) { c.Notify.HTML = true }, func(at time.Time) string { return rejection(at, "4C1B2A3F91", "a@example.net") },
			func(t *testing.T, it notify.Item) {
				if _, types := parts(t, it); !slices.Contains(types, "text/html") {
					t.Errorf("parts %q, want an HTML one", types)
				}
			}},
		{"sending_ips", func(c *config.Config) { c.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.77")} }, func(at time.Time) string { return noIP(at, "4C1B2A3F91", "a@example.net") },
			func(t *testing.T, it notify.Item) {
				if s := subject(t, it); !strings.Contains(s, "192.0.2.77") {
					t.Errorf("subject %q: the reloaded sending IP is not the listed one", s)
				}
			}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			h := newHarness(t)
			cfg := h.config()
			h.reload = make(chan *config.Config)
			h.start(cfg)
			next := cfg.Clone()
			tc.set(next)
			if keys := next.RestartNeeded(cfg); len(keys) != 0 {
				t.Fatalf("%s needs a restart: %q", tc.key, keys)
			}
			h.reloadTo(next)
			appendLines(t, h.log, tc.line(t0))
			it := h.mail.wait(t, "opened")
			h.stop()
			tc.check(t, it)
		})
	}
}
