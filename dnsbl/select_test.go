package dnsbl

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

func TestSelect(t *testing.T) {
	zones := []Zone{
		{Name: "zen.spamhaus.org", Codes: []Code{{Answer: "127.0.0.2", Meaning: "SBL"}}},
		{Name: "dbl.spamhaus.org", Domain: true},
		{Name: "{key}.zen.dq.spamhaus.net", NeedsKey: true},
		{Name: "dnsbl.sorbs.net", Disabled: true},
		{Name: "ZEN.spamhaus.org."}, // a duplicate from another provider
	}
	ip := Target{IP: netip.MustParseAddr("192.0.2.1")}
	dom := Target{Domain: "example.com"}
	tests := []struct {
		name   string
		names  []string
		target Target
		want   []string // name@index
	}{
		{"all IP zones", nil, ip, []string{"zen.spamhaus.org@0", "{key}.zen.dq.spamhaus.net@2"}},
		{"all domain zones", nil, dom, []string{"dbl.spamhaus.org@1"}},
		{"named, disabled included, in order", []string{"dnsbl.sorbs.net", "Zen.Spamhaus.Org."}, ip, []string{"dnsbl.sorbs.net@3", "zen.spamhaus.org@0"}},
		{"named, wrong kind left out", []string{"zen.spamhaus.org", "dbl.spamhaus.org"}, dom, []string{"dbl.spamhaus.org@1"}},
		{"unknown zone for a domain", []string{"bl.example.net."}, dom, []string{"bl.example.net@-1"}},
		{"unknown zone for an IP", []string{"bl.example.net", "bl.example.net"}, ip, []string{"bl.example.net@-1"}},
		{"key zone by its name", []string{"{key}.zen.dq.spamhaus.net"}, ip, []string{"{key}.zen.dq.spamhaus.net@2"}},
	}
	for _, tt := range tests {
		picked, index := Select(zones, tt.names, tt.target)
		var got []string
		for i, z := range picked {
			got = append(got, fmt.Sprintf("%s@%d", z.Name, index[i]))
			if z.Domain != tt.target.IsDomain() {
				t.Errorf("%s: zone %s of the wrong kind", tt.name, z.Name)
			}
			if index[i] >= 0 && !slices.EqualFunc(z.Codes, zones[index[i]].Codes, func(a, b Code) bool { return a == b }) {
				t.Errorf("%s: zone %s lost its code table", tt.name, z.Name)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
