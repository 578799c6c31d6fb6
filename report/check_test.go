package report

import (
	"bytes"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// The end-to-end runs of rblwatch check (rbldnsd, exit codes, goldens in
// testdata/dnsbl/check) are in cmd/rblwatch/check_test.go.

func ipTarget(t *testing.T, s string) dnsbl.Target {
	t.Helper()
	ip, err := netip.ParseAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return dnsbl.Target{IP: ip}
}

func TestSelectZones(t *testing.T) {
	spamhaus := &classify.Provider{ID: "spamhaus", Zones: []dnsbl.Zone{
		{Name: "zen.spamhaus.org", Codes: []dnsbl.Code{{Answer: "127.0.0.2", Meaning: "SBL"}}},
		{Name: "dbl.spamhaus.org", Domain: true},
	}}
	sorbs := &classify.Provider{ID: "sorbs", Zones: []dnsbl.Zone{{Name: "dnsbl.sorbs.net", Disabled: true}}}
	providers := []*classify.Provider{spamhaus, sorbs}
	ip := ipTarget(t, "192.0.2.1")
	tests := []struct {
		names []string
		want  []string // zone@provider
	}{
		{nil, []string{"zen.spamhaus.org@spamhaus"}},
		{[]string{"dnsbl.sorbs.net", "bl.example.net", "zen.spamhaus.org"}, []string{"dnsbl.sorbs.net@sorbs", "bl.example.net@", "zen.spamhaus.org@spamhaus"}},
	}
	for _, tt := range tests {
		var got []string
		for _, z := range SelectZones(providers, tt.names, ip) {
			id := ""
			if z.Provider != nil {
				id = z.Provider.ID
			}
			got = append(got, z.Zone.Name+"@"+id)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q: %q, want %q", tt.names, got, tt.want)
		}
	}
}

// TestCheckTargets checks more targets than are looked up at once against
// the test zones of testdata/dnsbl (rbldnsd on loopback): each target gets
// the zones of its kind, with its provider's links, in the order given.
func TestCheckTargets(t *testing.T) {
	addr := dnsbltest.Rbldnsd(t, "../testdata/dnsbl")
	ipBL := &classify.Provider{ID: "testbl", Name: "Test BL", LookupURL: "https://bl.test/lookup?ip={ip}", RemovalURL: "https://bl.test/remove?ip={ip}",
		Zones: []dnsbl.Zone{{Name: "zen.test"}, {Name: "v6.test"}}}
	domainBL := &classify.Provider{ID: "testdbl", Name: "Test DBL", Zones: []dnsbl.Zone{{Name: "dbl.test", Domain: true}}}
	var targets []dnsbl.Target
	for _, s := range []string{"127.0.0.2", "192.0.2.1", "192.0.2.99", "203.0.113.5", "spammer.example", "clean.example", "2001:db8:bad::1"} {
		tg, err := dnsbl.ParseTarget(s)
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	// v6.test lists IPv6 addresses only: without the IPv4 test point it
	// cannot tell about an IPv4 address (an error, not "clean").
	want := []string{ // target: zone=status,…
		"127.0.0.2: zen.test=listed v6.test=error",
		"192.0.2.1: zen.test=clean v6.test=error",
		"192.0.2.99: zen.test=listed v6.test=error",
		"203.0.113.5: zen.test=listed v6.test=error",
		"spammer.example: dbl.test=listed",
		"clean.example: dbl.test=clean",
		"2001:db8:bad::1: zen.test=clean v6.test=listed",
	}
	if len(targets) <= checkParallel {
		t.Fatalf("%d targets do not exceed the %d looked up at once", len(targets), checkParallel)
	}
	r := &dnsbl.Resolver{Server: addr, Timeout: 2 * time.Second}
	reports := CheckTargets(t.Context(), zap.NewNop(), r, []*classify.Provider{ipBL, domainBL}, nil, targets, time.Now())
	var got []string
	for _, c := range reports {
		line := c.Target + ":"
		for _, row := range c.Rows {
			line += " " + row.Zone + "=" + string(row.Status)
		}
		got = append(got, line)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(reports) == len(want) {
		listed, clean := reports[0].Rows[0], reports[1].Rows[0]
		if listed.Provider != "testbl" || listed.LookupURL != "https://bl.test/lookup?ip=127.0.0.2" || listed.RemovalURL != "https://bl.test/remove?ip=127.0.0.2" {
			t.Errorf("listed row: %+v", listed)
		}
		if clean.LookupURL != "https://bl.test/lookup?ip=192.0.2.1" || clean.RemovalURL != "" {
			t.Errorf("clean row: %+v", clean)
		}
		if !reports[0].Listed() || reports[1].Listed() {
			t.Errorf("Listed: %v %v, want true false", reports[0].Listed(), reports[1].Listed())
		}
	}

	// Named zones replace the providers' choice; a name they do not know
	// is checked all the same, without a provider.
	reports = CheckTargets(t.Context(), zap.NewNop(), r, []*classify.Provider{ipBL}, []string{"karma.test", "zen.test"}, targets[:1], time.Now())
	if len(reports) != 1 || len(reports[0].Rows) != 2 || reports[0].Rows[0].Zone != "karma.test" || reports[0].Rows[0].Provider != "" ||
		reports[0].Rows[1].Provider != "testbl" || reports[0].Rows[0].Status != dnsbl.StatusListed {
		t.Errorf("named zones: %+v", reports)
	}
}

// TestCatalogZonesValid: every zone of the catalog, which CheckTargets
// queries, must be queryable by package dnsbl (name and code table).
func TestCatalogZonesValid(t *testing.T) {
	for _, p := range classify.Default().Providers() {
		for _, z := range p.Zones {
			if err := z.Validate(); err != nil {
				t.Errorf("%s: zone %s: %v", p.ID, z.Name, err)
			}
		}
	}
}

func TestNewCheckReport(t *testing.T) {
	ex := &classify.Provider{ID: "example", Name: "Example BL",
		LookupURL: "https://bl.example/lookup?ip={ip}", RemovalURL: "https://bl.example/remove/{ip}"}
	zones := []CheckZone{
		{Zone: dnsbl.Zone{Name: "zen.example.org"}, Provider: ex},
		{Zone: dnsbl.Zone{Name: "old.example.org", Note: "historical: closed in 2020"}, Provider: ex},
		{Zone: dnsbl.Zone{Name: "bl.other.test"}},
	}
	results := []dnsbl.Result{
		{Zone: "zen.example.org", Status: dnsbl.StatusListed, Codes: []string{"127.0.0.2"}},
		{Zone: "old.example.org", Status: dnsbl.StatusClean},
		{Zone: "bl.other.test", Status: dnsbl.StatusListed},
	}
	c := NewCheckReport(ipTarget(t, "192.0.2.1"), zones, results)
	if c.Target != "192.0.2.1" || !c.Listed() || len(c.Rows) != 3 {
		t.Fatalf("got %+v", c)
	}
	want := []CheckRow{
		{Result: results[0], Provider: "example", ProviderName: "Example BL",
			LookupURL: "https://bl.example/lookup?ip=192.0.2.1", RemovalURL: "https://bl.example/remove/192.0.2.1"},
		{Result: results[1], Provider: "example", ProviderName: "Example BL",
			LookupURL: "https://bl.example/lookup?ip=192.0.2.1", Note: "historical: closed in 2020"}, // no removal link when clean
		{Result: results[2]}, // not in the catalog: no provider, no links
	}
	for i := range want {
		got := c.Rows[i]
		if got.Zone != want[i].Zone || got.Status != want[i].Status || got.Provider != want[i].Provider ||
			got.ProviderName != want[i].ProviderName || got.LookupURL != want[i].LookupURL ||
			got.RemovalURL != want[i].RemovalURL || got.Note != want[i].Note {
			t.Errorf("row %d: %+v\nwant %+v", i, got, want[i])
		}
	}
	if c := NewCheckReport(ipTarget(t, "192.0.2.1"), zones[1:2], results[1:2]); c.Listed() {
		t.Errorf("clean everywhere, yet Listed: %+v", c)
	}
}

// sampleCheck has a listing with links, an error in a zone unknown to the
// catalog with a note, and a whitelisting.
func sampleCheck() *CheckReport {
	return &CheckReport{Target: "192.0.2.1", Rows: []CheckRow{
		{Result: dnsbl.Result{Zone: "zen.example.org", Status: dnsbl.StatusListed, Codes: []string{"127.0.0.2", "127.0.0.4"},
			Meaning: "spam source", TXT: "see https://bl.example/q/192.0.2.1"},
			Provider: "example", ProviderName: "Example", LookupURL: "https://bl.example/l/192.0.2.1", RemovalURL: "https://bl.example/r/192.0.2.1"},
		{Result: dnsbl.Result{Zone: "bl.other.test", Status: dnsbl.StatusError, Reason: "dnsbl: dns error: timeout"},
			Note: "historical: closed 2020"},
		{Result: dnsbl.Result{Zone: "wl.example.org", Status: dnsbl.StatusClean, Allowed: true, Codes: []string{"127.0.0.5"}, Meaning: "trusted"},
			Provider: "example", ProviderName: "Example", LookupURL: "https://bl.example/l/192.0.2.1"},
	}}
}

func TestWriteCheckText(t *testing.T) {
	tests := []struct {
		name string
		c    *CheckReport
		want string
	}{
		{"rows", sampleCheck(), "" +
			"192.0.2.1: listed in 1 of 3 zones, 1 could not tell\n" +
			"  zen.example.org  Example  listed  127.0.0.2,127.0.0.4 (spam source) \"see https://bl.example/q/192.0.2.1\"\n" +
			"                                    lookup: https://bl.example/l/192.0.2.1\n" +
			"                                    removal: https://bl.example/r/192.0.2.1\n" +
			"  bl.other.test    -        error   dnsbl: dns error: timeout [historical: closed 2020]\n" +
			"  wl.example.org   Example  clean   127.0.0.5 (trusted) whitelisted\n" +
			"\n"},
		// Every lookup failed: the summary read "listed in 0 of 1 zones",
		// as for a clean address.
		{"no answer", &CheckReport{Target: "192.0.2.9", Rows: []CheckRow{{Result: dnsbl.Result{Zone: "zen.example.org", Status: dnsbl.StatusError, Reason: "dnsbl: dns error: timeout"}}}}, "" +
			"192.0.2.9: listed in 0 of 1 zones, 1 could not tell\n" +
			"  zen.example.org  -  error  dnsbl: dns error: timeout\n" +
			"\n"},
		{"no zone", &CheckReport{Target: "example.org"}, "" +
			"example.org: listed in 0 of 0 zones\n" +
			"  (no zone fits this target)\n" +
			"\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := WriteCheckText(&b, tt.c); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, b.String(), tt.want)
		}
	}
}

func TestWriteCheckJSON(t *testing.T) {
	tests := []struct {
		name string
		c    *CheckReport
		want string
	}{
		{"rows", sampleCheck(), `{"target":"192.0.2.1","listed":true,"results":[` +
			`{"zone":"zen.example.org","provider":"example","status":"listed","codes":["127.0.0.2","127.0.0.4"],"meaning":"spam source",` +
			`"txt":"see https://bl.example/q/192.0.2.1","lookup_url":"https://bl.example/l/192.0.2.1","removal_url":"https://bl.example/r/192.0.2.1"},` +
			`{"zone":"bl.other.test","provider":"","status":"error","codes":[],"error":"dnsbl: dns error: timeout","note":"historical: closed 2020"},` +
			`{"zone":"wl.example.org","provider":"example","status":"clean","codes":["127.0.0.5"],"meaning":"trusted","lookup_url":"https://bl.example/l/192.0.2.1"}]}` + "\n"},
		{"no zone", &CheckReport{Target: "example.org"}, `{"target":"example.org","listed":false,"results":[]}` + "\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := WriteCheckJSON(&b, tt.c); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, b.String(), tt.want)
		}
	}
}
