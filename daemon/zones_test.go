package daemon

import (
	"slices"
	"testing"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
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
	// The catalog itself is untouched.
	for _, z := range cat.Provider("spamhaus").Zones {
		if z.Key != "" {
			t.Errorf("catalog zone %s got key %q", z.Name, z.Key)
		}
	}
}
