package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
)

// configCLI runs rblwatch with args through dispatch and returns its
// output and exit status.
func configCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, log: zap.NewNop(), getenv: func(string) string { return "" }}
	code = exitCode(&errOut, dispatch(context.Background(), e, args))
	return out.String(), errOut.String(), code
}

func TestConfigExample(t *testing.T) {
	out, _, code := configCLI(t, "config", "example")
	if code != 0 || out != config.Example() {
		t.Errorf("config example: status %d, output %d bytes, want 0 and the example (%d bytes)", code, len(out), len(config.Example()))
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "mail.log")
	write := func(name, data string) string { return writeFile(t, dir, name, data) }
	write("mail.log", "")
	good := write("good.yaml", "log: {path: "+logFile+"}\nnotify:\n  to: pm@example.com\n")
	warned := write("warned.yaml", "log: {path: "+logFile+"}\nnotify:\n  to: pm@example.com\n  renotify: 10m\n")
	bad := write("bad.yaml", "log: {path: "+logFile+"}\nnotify:\n  to: [pm@example.com, nobody]\n  smpt: 127.0.0.1:25\n  username: u\n  password: Hunter2Secret\n  smtp: relay.example.com:587\n  renotify: 10m\nshared_ip: true\n")
	missing := filepath.Join(dir, "missing.yaml")
	zone := configCatalogZone(t)
	zones := write("zones.yaml", "log: {path: "+logFile+"}\nnotify: {to: pm@example.com}\ndnsbl:\n  zones: {disable: [nosuch.example.org, "+zone+"]}\n")
	// A keyed zone is queried only with its key: enabled without it, it
	// did nothing, and config check said OK.
	keyless := write("keyless.yaml", "log: {path: "+logFile+"}\nnotify: {to: pm@example.com}\ndnsbl:\n  zones: {enable: ['{key}.zen.dq.spamhaus.net', '{key}.combined.mail.abusix.zone']}\n")
	keyed := write("keyed.yaml", "log: {path: "+logFile+"}\nnotify: {to: pm@example.com}\ndnsbl:\n  dqs_key: abcdefghijklmnopqrstuvwxyz\n  zones: {enable: ['{key}.zen.dq.spamhaus.net']}\n")

	tests := []struct {
		name string
		args []string
		out  string
		code int
	}{
		{"valid", []string{"check", "--config", good}, good + ": OK\n", 0},
		{"warnings only", []string{"check", "--config", warned},
			warned + ":4: notify.renotify: warning: a digest every 10m is a lot of email\n" +
				warned + ": OK\n", 0},
		{"every problem", []string{"check", "--config", bad},
			bad + `:3: notify.to[1]: "nobody" is not an email address: write ops@example.com or "Ops Team <ops@example.com>"` + "\n" +
				bad + ":4: notify.smpt: unknown key (did you mean notify.smtp?)\n" +
				bad + ":5: notify.username: the password would cross the network unprotected: set notify.starttls: required\n" +
				bad + ":8: notify.renotify: warning: a digest every 10m is a lot of email\n" +
				bad + `:9: shared_ip: replaced by role: write role: customer (you send from your hosting company's shared IP: it files removals) or role: operator (you are the hosting company)` + "\n", 2},
		{"missing file", []string{"check", "--config", missing}, "config: file not found: " + missing + "\n", 2},
		{"zones unknown to the catalog", []string{"check", "--config", zones},
			zones + ": dnsbl.zones.disable: warning: nosuch.example.org is not a zone of the catalog\n" +
				zones + ": OK\n", 0},
		{"keyed zones without their keys", []string{"check", "--config", keyless},
			keyless + ": dnsbl.zones.enable: {key}.zen.dq.spamhaus.net needs a subscriber key, and it is not queried without one: set dnsbl.dqs_key (with it, the keyed zones are used without naming them here)\n" +
				keyless + ": dnsbl.zones.enable: {key}.combined.mail.abusix.zone needs a subscriber key, and it is not queried without one: set dnsbl.abusix_key (with it, the keyed zones are used without naming them here)\n", 2},
		{"keyed zone with its key", []string{"check", "--config", keyed}, keyed + ": OK\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := configCLI(t, append([]string{"config"}, tt.args...)...)
			if out != tt.out || code != tt.code {
				t.Errorf("config %s: status %d, output:\n%s\nwant status %d, output:\n%s", strings.Join(tt.args, " "), code, out, tt.code, tt.out)
			}
			if errOut != "" {
				t.Errorf("config %s wrote to stderr: %q", strings.Join(tt.args, " "), errOut)
			}
			if strings.Contains(out, "Hunter2Secret") {
				t.Errorf("config %s printed the password", strings.Join(tt.args, " "))
			}
		})
	}
}

// TestConfigCheckCatalog checks that the problems of catalog.file are
// reported with their lines (their words are the catalog's).
func TestConfigCheckCatalog(t *testing.T) {
	dir := t.TempDir()
	user := filepath.Join(dir, "providers.yaml")
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(user, []byte("providers:\n  - id: examplebl\n    colour: blue\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("log: {stdin: true}\nnotify: {to: pm@example.com}\ncatalog: {file: "+user+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code := configCLI(t, "config", "check", "--config", cfg)
	if code != 2 || !strings.HasPrefix(out, user+":3: ") || strings.Contains(out, "OK") {
		t.Errorf("config check with a bad catalog: status %d, output %q", code, out)
	}
}

// configCatalogZone returns a zone of the built-in catalog.
func configCatalogZone(t *testing.T) string {
	t.Helper()
	for _, p := range classify.Default().Providers() {
		for _, z := range p.Zones {
			if !strings.Contains(z.Name, "{") {
				return z.Name
			}
		}
	}
	t.Fatal("the built-in catalog has no zone")
	return ""
}

func TestConfigUsage(t *testing.T) {
	for _, args := range [][]string{
		{"config"},
		{"config", "verify"},
		{"config", "check", "extra"},
		{"config", "check", "--no-such-flag"},
	} {
		_, errOut, code := configCLI(t, args...)
		if code != 2 || !strings.Contains(errOut, "rblwatch: ") {
			t.Errorf("%q: status %d, stderr %q; want 2 and a message", args, code, errOut)
		}
	}
	// "config check FILE", as "postfix check" or "nginx -t -c FILE" have
	// it, says how to name the file; it said only "unexpected argument".
	if _, errOut, code := configCLI(t, "config", "check", "/etc/rblwatch/other.yaml"); code != 2 || !strings.Contains(errOut, "name the file with --config /etc/rblwatch/other.yaml") {
		t.Errorf("config check FILE: status %d, stderr %q", code, errOut)
	}
	if _, errOut, code := configCLI(t, "config", "--help"); code != 0 || !strings.Contains(errOut, "usage: rblwatch config check|example") {
		t.Errorf("config --help: status %d, stderr %q", code, errOut)
	}
}

// TestConfigCheckKeyedZoneOfOwnProvider: a zone of catalog.file written
// with "{key}" takes a subscriber key, which no setting gives a provider
// of one's own (only Spamhaus's and Abusix's): config check said OK, and
// every lookup of the zone failed ("no key configured"). It is an error; a
// zone of one's own with its key written in is not.
func TestConfigCheckKeyedZoneOfOwnProvider(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string { return writeFile(t, dir, name, data) }
	catalog := func(zone string) string {
		return write("providers.yaml", "providers:\n  - id: own-rbl\n    name: Own RBL\n    kind: dnsbl\n    meaning:\n      en: 'A list of our own.'\n    zones:\n      - name: '"+zone+"'\n")
	}
	cfg := write("config.yaml", "log: {stdin: true}\nnotify: {to: pm@example.com}\ncatalog: {file: "+filepath.Join(dir, "providers.yaml")+"}\n")
	catalog("{key}.own.rbl.test")
	out, _, code := configCLI(t, "config", "check", "--config", cfg)
	if want := cfg + ": catalog.file: the zone {key}.own.rbl.test of own-rbl needs a subscriber key, which rblwatch gives only to Spamhaus's (dnsbl.dqs_key) and Abusix's (dnsbl.abusix_key) zones: it could never be queried; write the key into the zone's name\n"; code != 2 || out != want {
		t.Errorf("config check with a keyed zone of one's own: status %d, output %q; want 2 and %q", code, out, want)
	}
	catalog("s3cr3t.own.rbl.test")
	if out, _, code := configCLI(t, "config", "check", "--config", cfg); code != 0 || out != cfg+": OK\n" {
		t.Errorf("config check with the key written in: status %d, output %q", code, out)
	}
}

// writeFile writes data to dir/name (mode 0600) and returns the path.
func writeFile(t *testing.T, dir, name, data string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
