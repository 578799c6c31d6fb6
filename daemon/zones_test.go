package daemon

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

func TestConfiguredProviders(t *testing.T) {
	cat := classify.Default()
	names := func(c config.DNSBL) (on, keys []string) {
		for _, p := range ConfiguredProviders(cat, c) {
			for _, z := range p.Zones {
				if !z.Disabled {
					on = append(on, z.Name)
					if z.Key != "" {
						keys = append(keys, p.ID+"="+z.Key)
					}
				}
			}
		}
		return
	}
	on, keys := names(config.DNSBL{})
	if !slices.Contains(on, "zen.spamhaus.org") || slices.Contains(on, "{key}.zen.dq.spamhaus.net") || len(keys) != 0 {
		t.Errorf("defaults: zones %q keys %q", on, keys)
	}
	on, keys = names(config.DNSBL{DQSKey: "k3y", Zones: config.Zones{Disable: []string{"zen.spamhaus.org"}}})
	if slices.Contains(on, "zen.spamhaus.org") || !slices.Contains(on, "{key}.zen.dq.spamhaus.net") || !slices.Contains(keys, "spamhaus=k3y") {
		t.Errorf("with a DQS key and zen disabled: zones %q keys %q", on, keys)
	}
	if slices.ContainsFunc(keys, func(k string) bool { return k == "abusix=k3y" }) {
		t.Error("the DQS key leaked to Abusix")
	}
	// With its key, a provider is asked through its keyed zones only (the
	// public ones refuse public resolvers: every verdict would stay
	// undecided), unless zones.enable names them; Abusix's key turns its
	// zone on.
	for _, tc := range []struct {
		name    string
		c       config.DNSBL
		on, off []string
	}{
		{"DQS key", config.DNSBL{DQSKey: "k3y"}, []string{"{key}.zen.dq.spamhaus.net", "{key}.dbl.dq.spamhaus.net"}, []string{"zen.spamhaus.org", "dbl.spamhaus.org"}},
		{"DQS key, zen enabled", config.DNSBL{DQSKey: "k3y", Zones: config.Zones{Enable: []string{"zen.spamhaus.org"}}},
			[]string{"{key}.zen.dq.spamhaus.net", "zen.spamhaus.org"}, []string{"dbl.spamhaus.org"}},
		{"no key", config.DNSBL{}, []string{"zen.spamhaus.org", "dbl.spamhaus.org"}, []string{"{key}.zen.dq.spamhaus.net", "{key}.combined.mail.abusix.zone"}},
		{"Abusix key", config.DNSBL{AbusixKey: "ab1"}, []string{"{key}.combined.mail.abusix.zone", "zen.spamhaus.org"}, nil},
	} {
		on, _ := names(tc.c)
		for _, z := range tc.on {
			if !slices.Contains(on, z) {
				t.Errorf("%s: %s is off", tc.name, z)
			}
		}
		for _, z := range tc.off {
			if slices.Contains(on, z) {
				t.Errorf("%s: %s is on", tc.name, z)
			}
		}
	}
	// The catalog itself is untouched.
	for _, z := range cat.Provider("spamhaus").Zones {
		if z.Key != "" {
			t.Errorf("catalog zone %s got key %q", z.Name, z.Key)
		}
	}
}

// TestSelfCheckWithDQSKey: with a Spamhaus DQS key and a public resolver
// (the set-up docs/config.md offers for one), the public zen.spamhaus.org
// answers every query with the refusal code 127.255.255.254, and the
// keyed zone tells the truth. A listing, then its end, must both be seen:
// before, the self-check asked both zones, and the refusal — an error,
// which decides nothing — kept the listing forever.
func TestSelfCheckWithDQSKey(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	h := newHarness(t)
	h.resolver = &dnsbl.Resolver{Server: fake.Addr, Timeout: 500 * time.Millisecond, Attempts: 1}
	cfg := h.config()
	cfg.SendingIPs = []netip.Addr{netip.MustParseAddr("192.0.2.1")}
	cfg.DNSBL.Interval = time.Hour
	cfg.DNSBL.Timeout = 500 * time.Millisecond
	cfg.DNSBL.DQSKey = "k3y"
	fake.Set("zen.spamhaus.org", dnsbltest.Listed("127.255.255.254", "public resolver"))
	h.start(cfg)
	defer h.stop()
	fake.Set("k3y.zen.dq.spamhaus.net", dnsbltest.Listed("127.0.0.2", "SBL"))
	h.selfCheckRound(1)
	fake.Set("k3y.zen.dq.spamhaus.net", dnsbltest.NXDomain)
	h.selfCheckRound(2)
	if got := h.transitions(); !slices.Equal(got, []string{"listed", "delisted"}) {
		t.Errorf("transitions %q, want listed then delisted", got)
	}
	if n := fake.Queries("zen.spamhaus.org"); n != 0 {
		t.Errorf("the public zone was asked %d times despite the DQS key", n)
	}
}

// TestBuildRefusesKeylessZone: rblwatch run refuses what config check
// refuses of dnsbl.zones — a keyed zone enabled without its key, which
// ConfiguredProviders leaves off (the daemon started, and the zone was never
// queried) — before it takes the state's lock.
func TestBuildRefusesKeylessZone(t *testing.T) {
	dir := t.TempDir()
	cfg := config.Default()
	cfg.HostName = "mx.example.org"
	cfg.Log.Path = filepath.Join(dir, "mail.log")
	cfg.State.Path = filepath.Join(dir, "state.db")
	cfg.DNSBL.Zones.Enable = []string{"{key}.zen.dq.spamhaus.net"}
	_, closeDeps, err := Build(context.Background(), cfg, zaptest.NewLogger(t), nil)
	closeDeps()
	if err == nil || !strings.Contains(err.Error(), "dnsbl.zones.enable: {key}.zen.dq.spamhaus.net needs a subscriber key") {
		t.Fatalf("Build with a keyed zone enabled and no key: %v, want the zone refused", err)
	}
	if _, err := os.Stat(cfg.State.Path + ".lock"); err == nil {
		t.Error("the state was locked before the configuration was refused")
	}
}
