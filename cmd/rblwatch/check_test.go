package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/report"
)

func init() {
	// Shared with other golden tests of the package, whichever registers first.
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

const checkZoneDir = "../../testdata/dnsbl"

// runCLI runs rblwatch with args and returns stdout, stderr and the exit
// status main would use.
func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, log: zap.NewNop(), getenv: func(string) string { return "" }}
	err := dispatch(t.Context(), e, args)
	code := exitCode(&stderr, err)
	return stdout.String(), stderr.String(), code
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(checkZoneDir, "check", name)
	if updateGolden() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/rblwatch -run Check -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/rblwatch -run Check -update):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// testZones are the test lists of testdata/dnsbl, none in the catalog.
var testZones = []string{"--zone", "zen.test", "--zone", "v6.test", "--zone", "dbl.test", "--zone", "karma.test",
	"--zone", "pub.test", "--zone", "slow.test", "--zone", "refused.test"}

func TestCheckRbldnsd(t *testing.T) {
	addr := dnsbltest.Rbldnsd(t, checkZoneDir)
	base := append([]string{"check", "--resolver", addr, "--timeout", "500ms"}, testZones...)
	redact := func(s string) string { return strings.ReplaceAll(s, addr, "RESOLVER") }

	t.Run("text", func(t *testing.T) {
		out, stderr, code := runCLI(t, append(base, "127.0.0.2", "192.0.2.1", "2001:db8:bad::1", "Spammer.Example.", "clean.example")...)
		if code != 1 {
			t.Errorf("exit status %d, want 1 (listed); stderr %s", code, stderr)
		}
		checkGolden(t, "text.golden", redact(out))
	})

	t.Run("flags after the targets", func(t *testing.T) {
		args := append([]string{"check", "127.0.0.2", "192.0.2.1", "spammer.example", "--json", "--resolver", addr, "--timeout", "500ms"}, testZones...)
		out, stderr, code := runCLI(t, args...)
		if code != 1 {
			t.Errorf("exit status %d, want 1 (listed); stderr %s", code, stderr)
		}
		checkGolden(t, "json.golden", redact(out))
	})

	t.Run("json", func(t *testing.T) {
		out, stderr, code := runCLI(t, append(append(base, "--json"), "127.0.0.2", "192.0.2.1", "spammer.example")...)
		if code != 1 {
			t.Errorf("exit status %d, want 1 (listed); stderr %s", code, stderr)
		}
		checkGolden(t, "json.golden", redact(out))
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("%d JSON lines, want one per target:\n%s", len(lines), out)
		}
		type result struct {
			Zone     string   `json:"zone"`
			Provider *string  `json:"provider"`
			Status   string   `json:"status"`
			Codes    []string `json:"codes"`
			Meaning  string   `json:"meaning"`
			TXT      string   `json:"txt"`
			Error    string   `json:"error"`
		}
		var first struct {
			Target  *string  `json:"target"`
			Results []result `json:"results"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
			t.Fatal(err)
		}
		if first.Target == nil || *first.Target != "127.0.0.2" {
			t.Fatalf("target %v, want 127.0.0.2", first.Target)
		}
		byZone := map[string]result{}
		for _, r := range first.Results {
			if r.Provider == nil {
				t.Errorf("%s: no provider field", r.Zone)
			}
			byZone[r.Zone] = r
		}
		// Zones unknown to the catalog are checked whatever the target's
		// kind, with default meanings; one that does not list the test
		// point of the target's kind (an IPv6 list, a domain list asked
		// about 127.0.0.2) cannot tell.
		want := map[string]string{"zen.test": "listed", "v6.test": "error", "dbl.test": "error", "karma.test": "listed",
			"pub.test": "error", "slow.test": "error", "refused.test": "error"}
		if len(byZone) != len(want) {
			t.Errorf("zones %v, want %v", byZone, want)
		}
		for zone, status := range want {
			if byZone[zone].Status != status {
				t.Errorf("%s: status %q, want %q", zone, byZone[zone].Status, status)
			}
		}
		if r := byZone["zen.test"]; !slices.Equal(r.Codes, []string{"127.0.0.2"}) || !strings.Contains(r.TXT, "zen.test") {
			t.Errorf("zen.test: %+v", r)
		}
		if r := byZone["pub.test"]; !slices.Equal(r.Codes, []string{"127.255.255.254"}) || !strings.Contains(r.Error, "refused") {
			t.Errorf("pub.test must be an error, never a listing: %+v", r)
		}
		if r := byZone["slow.test"]; !strings.Contains(r.Error, "timeout") {
			t.Errorf("slow.test: %+v", r)
		}
	})

	t.Run("clean exits 0", func(t *testing.T) {
		_, stderr, code := runCLI(t, "check", "--resolver", addr, "--zone", "zen.test", "--zone", "dbl.test", "192.0.2.1", "clean.example")
		if code != 0 {
			t.Errorf("exit status %d, want 0; stderr %s", code, stderr)
		}
	})

	// Exit 3 is "could not tell" (a monitoring plugin's UNKNOWN): no zone
	// gave a definite answer for some target and none lists any.
	exitTests := []struct {
		name   string
		args   []string
		want   int
		unsure string // a target named on stderr as undecided; "" for none
	}{
		{"timeout, open-resolver code and REFUSED only", []string{"--zone", "slow.test", "--zone", "pub.test", "--zone", "refused.test", "127.0.0.2"}, 3, "127.0.0.2"},
		{"timeout only, two targets", []string{"--zone", "slow.test", "192.0.2.1", "192.0.2.2"}, 3, "192.0.2.2"},
		{"one zone answers NXDOMAIN beside errors", []string{"--zone", "slow.test", "--zone", "zen.test", "--zone", "refused.test", "192.0.2.1"}, 0, ""},
		{"one target decided, the other not", []string{"--zone", "zen.test", "--zone", "dbl.test", "192.0.2.1", "clean.example", "--zone", "slow.test"}, 0, ""},
		{"a domain, REFUSED", []string{"--zone", "refused.test", "clean.example"}, 3, "clean.example"},
		{"listed beside errors", []string{"--zone", "slow.test", "--zone", "zen.test", "127.0.0.2", "192.0.2.2"}, 1, ""},
		{"listed one, undecided other", []string{"--zone", "zen.test", "--zone", "pub.test", "127.0.0.2", "spammer.example"}, 1, ""},
		{"key zone without a key", []string{"--zone", "{key}.dq.test", "127.0.0.2"}, 3, "127.0.0.2"},
		{"an error answer in 127.255.255/24 is no listing", []string{"--zone", "pub.test", "127.0.0.2"}, 3, "127.0.0.2"},
		// RFC 5782 test points: a zone answering NXDOMAIN for everything,
		// 127.0.0.2 included (dead, or a typo a resolver answers NXDOMAIN
		// for), cannot tell; before, it read "clean", exit 0.
		{"a dead zone", []string{"--zone", "dead.test", "192.0.2.1"}, 3, "192.0.2.1"},
		{"a dead zone, IPv6", []string{"--zone", "dead.test", "2001:db8::1"}, 3, "2001:db8::1"},
		{"a dead zone, two targets", []string{"--zone", "dead.test", "192.0.2.1", "198.51.100.1"}, 3, "198.51.100.1"},
		{"a mistyped zone rbldnsd refuses", []string{"--zone", "zen.tset", "192.0.2.1"}, 3, "192.0.2.1"},
		{"a live zone beside a dead one", []string{"--zone", "dead.test", "--zone", "zen.test", "192.0.2.1"}, 0, ""},
		{"listed in a live zone beside a dead one", []string{"--zone", "dead.test", "--zone", "zen.test", "192.0.2.99"}, 1, ""},
		// A list alive on IPv4 that lacks the IPv6 test point (most do)
		// answers an IPv6 address definitely.
		{"IPv6, a list without the IPv6 test point", []string{"--zone", "nov6point.test", "2001:db8::1"}, 0, ""},
		{"IPv6 listed by a list without the IPv6 test point", []string{"--zone", "nov6point.test", "2001:db8:bad::1"}, 1, ""},
	}
	for _, tt := range exitTests {
		t.Run("exit "+tt.name, func(t *testing.T) {
			args := append([]string{"check", "--json", "--resolver", addr, "--timeout", "100ms"}, tt.args...)
			out, stderr, code := runCLI(t, args...)
			if code != tt.want {
				t.Errorf("exit status %d, want %d; stdout %s stderr %s", code, tt.want, out, stderr)
			}
			if tt.unsure != "" && !strings.Contains(stderr, "could not tell") {
				t.Errorf("stderr %q does not say it could not tell", stderr)
			}
			if tt.unsure != "" && !strings.Contains(stderr, tt.unsure) {
				t.Errorf("stderr %q does not name %s", stderr, tt.unsure)
			}
			if tt.unsure == "" && strings.Contains(stderr, "could not tell") {
				t.Errorf("stderr %q says it could not tell", stderr)
			}
		})
	}

	t.Run("dead zone row", func(t *testing.T) {
		out, _, _ := runCLI(t, "check", "--resolver", addr, "--zone", "zen.test", "--zone", "dead.test", "192.0.2.1")
		for _, want := range []string{"zen.test   -  clean", "dead.test  -  error  dnsbl: could not tell: the zone fails its RFC 5782 test point: 127.0.0.2 is not listed"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("ipv4_only zone of the catalog", func(t *testing.T) {
		// A catalog zone that lists no IPv6 says so for an IPv6 address,
		// without asking: dead.test would otherwise be "could not tell".
		dir := t.TempDir()
		cat := filepath.Join(dir, "providers.yaml")
		if err := os.WriteFile(cat, []byte("providers:\n  - id: v4-rbl\n    name: V4 RBL\n    kind: dnsbl\n    meaning:\n      en: 'IPv4 only.'\n    zones:\n      - name: dead.test\n        ipv4_only: true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "config.yaml")
		if err := os.WriteFile(cfg, []byte("catalog: {file: "+cat+"}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, stderr, code := runCLI(t, "check", "--config", cfg, "--resolver", addr, "--zone", "dead.test", "2001:db8::1")
		if code != 0 || !strings.Contains(out, "dead.test  V4 RBL  clean  (the list has no IPv6 addresses)") {
			t.Errorf("exit %d, want 0 and the zone said to list no IPv6; stderr %s\n%s", code, stderr, out)
		}
		out, _, _ = runCLI(t, "check", "--json", "--config", cfg, "--resolver", addr, "--zone", "dead.test", "2001:db8::1")
		if !strings.Contains(out, `"status":"clean"`) || !strings.Contains(out, `"no_ipv6":true`) {
			t.Errorf("JSON lacks status clean and no_ipv6:\n%s", out)
		}
		if _, _, code := runCLI(t, "check", "--config", cfg, "--resolver", addr, "--zone", "dead.test", "192.0.2.1"); code != 3 {
			t.Errorf("IPv4 in the dead ipv4_only zone: exit %d, want 3 (it is asked)", code)
		}
		// Beside a zone that could not tell, the unasked zone decides
		// nothing: a dead resolver must not read "clean".
		if _, stderr, code := runCLI(t, "check", "--config", cfg, "--resolver", addr, "--zone", "dead.test", "--zone", "refused.test", "2001:db8::1"); code != 3 {
			t.Errorf("IPv6 in an ipv4_only zone beside a REFUSED one: exit %d, want 3 (could not tell); stderr %s", code, stderr)
		}
	})

	t.Run("catalog zones", func(t *testing.T) {
		// Every enabled IP zone of the catalog, all through rbldnsd, which
		// refuses zones it does not serve: errors, never listed nor clean.
		out, _, code := runCLI(t, "check", "--json", "--resolver", addr, "--timeout", "200ms", "192.0.2.1")
		if code != 3 {
			t.Errorf("exit status %d, want 3 (errors only: could not tell)", code)
		}
		var got struct {
			Results []struct{ Zone, Provider, Status string }
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		// Every enabled IP zone of the catalog, except those that need a
		// key (Spamhaus DQS, Abusix): without a configured key they are off.
		var want []string
		for _, z := range report.SelectZones(classify.Default().Providers(), nil, dnsbl.Target{IP: mustAddr(t, "192.0.2.1")}) {
			if !z.Zone.NeedsKey {
				want = append(want, z.Zone.Name)
			}
		}
		if len(want) < 10 {
			t.Fatalf("only %d catalog IP zones: %q", len(want), want)
		}
		var zones []string
		for _, r := range got.Results {
			zones = append(zones, r.Zone)
			if r.Status != "error" || r.Provider == "" {
				t.Errorf("%s: %+v, want an error with its provider", r.Zone, r)
			}
		}
		if !slices.Equal(zones, want) {
			t.Errorf("zones %q, want %q", zones, want)
		}
	})
}

// TestCheckCatalogZone serves a catalog zone's name from rbldnsd (queries
// only ever go to loopback) to see its meanings and links in the output.
func TestCheckCatalogZone(t *testing.T) {
	var zone dnsbl.Zone
	var prov *classify.Provider
	for _, p := range classify.Default().Providers() {
		for _, z := range p.Zones {
			if !z.Domain && !z.NeedsKey && !z.Disabled && p.LookupURL != "" && meaningOf(z, "127.0.0.2") != "" && prov == nil {
				zone, prov = z, p
			}
		}
	}
	if prov == nil {
		t.Skip("the catalog has no enabled IP zone with a meaning for 127.0.0.2 and a lookup page")
	}
	addr := dnsbltest.Rbldnsd(t, checkZoneDir, zone.Name+":ip4set:zen.zone")
	out, _, code := runCLI(t, "check", "--json", "--resolver", addr, "--zone", zone.Name, "127.0.0.2")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	var got struct {
		Results []struct {
			Zone, Provider, Status, Meaning string
			LookupURL                       string `json:"lookup_url"`
			RemovalURL                      string `json:"removal_url"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got.Results) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	r := got.Results[0]
	if r.Provider != prov.ID || r.Status != "listed" || r.Meaning != meaningOf(zone, "127.0.0.2") ||
		r.LookupURL != prov.LookupLink("127.0.0.2") || r.RemovalURL != prov.RemovalLink("127.0.0.2") {
		t.Errorf("got %+v\nwant provider %s, listed, meaning %q, links %q %q", r, prov.ID, meaningOf(zone, "127.0.0.2"), prov.LookupLink("127.0.0.2"), prov.RemovalLink("127.0.0.2"))
	}
}

// meaningOf returns the meaning the zone's code table gives answer when it
// is a plain single-address entry.
func meaningOf(z dnsbl.Zone, answer string) string {
	for _, c := range z.Codes {
		if c.Answer == answer && (c.Status == "" || c.Status == dnsbl.CodeListed) {
			return c.Meaning
		}
	}
	return ""
}

// TestCheckTargetOnce: a target given twice, in any of its forms, is
// looked up and reported once: "check 192.0.2.1 ::ffff:192.0.2.1" printed
// the same report twice.
func TestCheckTargetOnce(t *testing.T) {
	out, stderr, code := runCLI(t, "check", "--resolver", "127.0.0.1:1", "--timeout", "100ms", "--zone", "bl.example.test",
		"192.0.2.1", "::ffff:192.0.2.1", "Example.COM", "example.com.", "192.0.2.1")
	if n, m := strings.Count(out, "192.0.2.1: listed in"), strings.Count(out, "example.com: listed in"); code != 3 || n != 1 || m != 1 {
		t.Errorf("exit %d, %d and %d reports, want 3 and one each; stderr %q:\n%s", code, n, m, stderr, out)
	}
}

func TestCheckUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no target", []string{"check", "--resolver", "127.0.0.1:1"}, "no IP address or domain"},
		{"bad target", []string{"check", "--resolver", "127.0.0.1:1", "192.0.2.1", "not a target"}, "invalid target"},
		// A host name without its domain ("mail", a typo for mail.example.com)
		// or a name no DNS has ("-x") is in no domain list: "clean" would
		// mislead; sending_domains refuses them too.
		{"single label", []string{"check", "--resolver", "127.0.0.1:1", "mail"}, `"mail" is not a fully qualified domain name`},
		{"leading hyphen", []string{"check", "--resolver", "127.0.0.1:1", "--", "-x.example.com"}, "a label starts or ends with -"},
		{"bad resolver", []string{"check", "--resolver", "resolver.example:53", "192.0.2.1"}, "invalid resolver"},
		{"bad timeout", []string{"check", "--resolver", "127.0.0.1:1", "--timeout", "0s", "192.0.2.1"}, "--timeout"},
		// Every query would time out: each zone an error, exit 3.
		{"timeout too short", []string{"check", "--resolver", "127.0.0.1:1", "--timeout", "1ns", "192.0.2.1"}, "--timeout 1ns is shorter than 1ms"},
		{"empty zone", []string{"check", "--resolver", "127.0.0.1:1", "--zone", "", "192.0.2.1"}, "empty zone"},
		{"unknown flag", []string{"check", "--nope", "192.0.2.1"}, "not defined"},
	}
	for _, tt := range tests {
		out, stderr, code := runCLI(t, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) || out != "" {
			t.Errorf("%s: exit %d, stderr %q, stdout %q; want 2 and %q", tt.name, code, stderr, out, tt.want)
		}
	}
}

func TestCheckPublicResolverWarning(t *testing.T) {
	// 8.8.8.8 is only named, never queried: the only zone needs a key
	// that is not configured, so no query is sent.
	out, stderr, _ := runCLI(t, "check", "--resolver", "8.8.8.8", "--zone", "{key}.dq.test", "--json", "192.0.2.1")
	if !strings.Contains(out, "no key configured") {
		t.Fatalf("unexpected output %q", out)
	}
	if !strings.Contains(stderr, "public resolver") || !strings.Contains(stderr, "Google") {
		t.Errorf("no warning about a public resolver: %q", stderr)
	}
}

func mustAddr(t *testing.T, s string) netip.Addr {
	t.Helper()
	ip, err := dnsbl.ParseTarget(s)
	if err != nil || ip.IsDomain() {
		t.Fatalf("%s: %v", s, err)
	}
	return ip.IP
}

func TestCheckHelpExitStatus(t *testing.T) {
	_, stderr, code := runCLI(t, "check", "--help")
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for _, want := range []string{"Exit status", "1  some zone lists", "2  usage error", "3  could not tell"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("check --help does not say %q:\n%s", want, stderr)
		}
	}
}

// TestCheckHostileAnswers: a list's TXT answer with terminal escapes,
// bidi overrides and line breaks reaches neither the terminal nor the JSON
// raw; an answer about another name than the one asked is an error, no
// listing.
func TestCheckHostileAnswers(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	fake.Set("evil.test", dnsbltest.Listed("127.0.0.2", "\x1b]0;pwned\x07 see \u202eevil\u202c\r\nX-Injected: yes \x1b[2J"))
	fake.Set("forged.test", dnsbltest.Mode{A: []string{"127.0.0.2"}, TXT: "forged", Owner: "example.org"})
	for _, format := range [][]string{nil, {"--json"}} {
		args := append([]string{"check", "--resolver", fake.Addr, "--timeout", "1s", "--zone", "evil.test", "--zone", "forged.test"}, format...)
		out, stderr, code := runCLI(t, append(args, "192.0.2.1")...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1 (evil.test lists it); stderr %s", format, code, stderr)
		}
		if strings.ContainsAny(out, "\x1b\x07\r\u202e\u202c") {
			t.Errorf("%v: remote text reached the output raw: %q", format, out)
		}
		if !strings.Contains(out, "see") || strings.Contains(out, `"forged"`) || strings.Contains(out, `\"forged\"`) {
			t.Errorf("%v: output %q", format, out)
		}
		if strings.Count(out, "\n") > 4 {
			t.Errorf("%v: the TXT answer broke lines: %q", format, out)
		}
	}
}

// TestCheckTakesTheDaemonsCatalog: check --config looks the target up in
// the zones the daemon's self-check would use, those of catalog.file's
// providers included, and waits dnsbl.timeout for each answer unless
// --timeout says otherwise. Before, it used the built-in catalog (a list of
// the user's own was never asked: "clean") and the built-in timeout.
func TestCheckTakesTheDaemonsCatalog(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	fake.Set("own.rbl.test", dnsbltest.Listed("127.0.0.2", "listed by our own list"))
	fake.Set("slow.rbl.test", dnsbltest.Timeout)
	dir := t.TempDir()
	cat := filepath.Join(dir, "providers.yaml")
	if err := os.WriteFile(cat, []byte(`providers:
  - id: own-rbl
    name: Own RBL
    kind: dnsbl
    meaning:
      en: 'A list of our own.'
    zones:
      - name: own.rbl.test
      - name: slow.rbl.test
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("catalog: {file: "+cat+"}\ndnsbl: {timeout: 300ms, resolver: \""+fake.Addr+"\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, "check", "--json", "--config", cfg, "192.0.2.1")
	if code != 1 || !strings.Contains(out, `"zone":"own.rbl.test","provider":"own-rbl"`) {
		t.Errorf("exit %d, want 1 (listed by own.rbl.test of catalog.file); stderr %s\n%s", code, stderr, out)
	}
	if !strings.Contains(out, "of 300ms") {
		t.Errorf("the unanswered zone was not given dnsbl.timeout (300ms):\n%s", out)
	}
	out, _, _ = runCLI(t, "check", "--json", "--config", cfg, "--timeout", "200ms", "--zone", "slow.rbl.test", "192.0.2.1")
	if !strings.Contains(out, "of 200ms") {
		t.Errorf("--timeout does not win over dnsbl.timeout:\n%s", out)
	}
}

// TestCheckRefusesKeylessZone: check --config asks the configuration's
// zones, and refuses, as config check and run do, a keyed zone enabled
// without its key (it was left out without a word: "listed in 0 of 19
// zones"); named with --zone, the configuration's choice is not asked.
func TestCheckRefusesKeylessZone(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	fake.Set("own.rbl.test", dnsbltest.Listed("127.0.0.2", "listed"))
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("dnsbl: {timeout: 300ms, resolver: \""+fake.Addr+"\", zones: {enable: ['{key}.zen.dq.spamhaus.net']}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "check", "--config", cfg, "192.0.2.1")
	if code != 2 || !strings.Contains(stderr, "dnsbl.zones.enable: {key}.zen.dq.spamhaus.net needs a subscriber key") {
		t.Errorf("check with a keyed zone enabled and no key: exit %d, stderr %q; want 2 and the zone refused", code, stderr)
	}
	if _, stderr, code := runCLI(t, "check", "--config", cfg, "--zone", "own.rbl.test", "192.0.2.1"); code != 1 {
		t.Errorf("check --zone with that configuration: exit %d, want 1 (listed); stderr %q", code, stderr)
	}
}
