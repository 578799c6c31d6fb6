package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/internal/testenv"
)

// customCatalog is a user's catalog file: a list of their own, one rule.
const customCatalog = `providers:
  - id: example-rbl
    name: Example RBL
    kind: dnsbl
    meaning:
      en: 'A list of our own.'
    rules:
      - id: example-rbl
        any: ['example rbl says no']
        samples:
          - '554 5.7.1 Example RBL says no to 192.0.2.1'
`

// TestCatalogFlags: explain and replay classify with the catalog the
// daemon would use: catalog.file from --config, or --catalog; a broken
// file is reported with its name and line and exit status 2.
func TestCatalogFlags(t *testing.T) {
	dir := t.TempDir()
	cat := filepath.Join(dir, "my-catalog.yaml")
	if err := os.WriteFile(cat, []byte(customCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("catalog:\n  file: "+cat+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const reply = "554 5.7.1 Example RBL says no to 192.0.2.1"
	provider := func(out string) string {
		var v struct{ Provider string }
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: %q", err, out)
		}
		return v.Provider
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing --config", []string{"--config", filepath.Join(dir, "none.yaml")}, ""},
		{"--config", []string{"--config", cfg}, "example-rbl"},
		{"--catalog", []string{"--catalog", cat}, "example-rbl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"explain", "--json"}, tc.args...), reply)
			out, errOut, code := runCLI(t, args...)
			if tc.name == "missing --config" {
				// A --config that does not exist is an error (only the
				// default path may be missing).
				if code != 2 || !strings.Contains(errOut, "none.yaml") {
					t.Errorf("missing --config: exit %d, stderr %q", code, errOut)
				}
				return
			}
			if code != 0 || provider(out) != tc.want {
				t.Errorf("exit %d, provider %q, want %q; stderr %q", code, provider(out), tc.want, errOut)
			}
		})
	}
	t.Run("replay", func(t *testing.T) {
		log := filepath.Join(dir, "mail.log")
		line := "Dec  9 10:18:24 mail postfix/smtp[20056]: 1310930001DB: to=<a@example.com>, relay=mx.example.com[192.0.2.9]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host mx.example.com[192.0.2.9] said: " + reply + " (in reply to RCPT TO command))\n"
		if err := os.WriteFile(log, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runCLI(t, "replay", "--format", "json", "--catalog", cat, log)
		if code != 0 || !strings.Contains(out, `"provider": "example-rbl"`) && !strings.Contains(out, `"provider":"example-rbl"`) {
			t.Errorf("exit %d, stderr %q, out:\n%s", code, errOut, out)
		}
	})
	t.Run("a broken catalog points at its line", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(bad, []byte(strings.Replace(customCatalog, "any: ['example rbl says no']", "regex: '(unclosed'", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"explain", "replay"} {
			_, errOut, code := runCLI(t, cmd, "--catalog", bad, reply)
			if code != 2 || !strings.Contains(errOut, bad+":8:") || !strings.Contains(errOut, "bad regex") {
				t.Errorf("%s: exit %d, stderr %q", cmd, code, errOut)
			}
		}
	})
}

// TestAuditReadsAsTheDaemon: explain and replay with --config read the log
// as the daemon configured by that file does — a reply naming no address
// is attributed to its one sending IP, and replay's incidents clear by the
// file's notify.quiet and read times in its log.timezone — unless a flag
// says otherwise. Before, only catalog.file and role were taken: replay's
// incidents differed from the daemon's.
func TestAuditReadsAsTheDaemon(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("sending_ips: [192.0.2.7]\nlog: {timezone: Asia/Tokyo}\nnotify: {quiet: 1h}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const reply = "554 5.7.1 Service unavailable; blocked using b.barracudacentral.org"
	line := func(stamp, qid string) string {
		return stamp + " mail postfix/smtp[20056]: " + qid + ": to=<a@example.com>, relay=mx.example.com[192.0.2.9]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host mx.example.com[192.0.2.9] said: " + reply + " (in reply to RCPT TO command))\n"
	}
	log := filepath.Join(dir, "mail.log")
	// Two refusals two hours apart: two incidents with a quiet period of
	// an hour, one with the default six hours.
	// The file's time dates the year-less stamps: a fixed one (written
	// now, within three days before Dec 9 the second line was read in the
	// year before the first).
	testenv.WriteLog(t, log, []byte(line("Dec  9 10:18:24", "1310930001DB")+line("Dec  9 12:18:24", "1310930001DC")), time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC))
	type inc struct {
		Listed    string `json:"listed"`
		FirstSeen string `json:"first_seen"`
	}
	for _, tc := range []struct {
		name  string
		flags []string
		want  []inc
	}{
		{"the configuration", nil, []inc{{"192.0.2.7", "T10:18:24+09:00"}, {"192.0.2.7", "T12:18:24+09:00"}}},
		{"flags win", []string{"--sending-ip", "192.0.2.9", "--quiet", "6h", "--tz", "UTC"}, []inc{{"192.0.2.9", "T10:18:24Z"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"replay", "--format", "json", "--config", cfg}, tc.flags...), log)
			out, errOut, code := runCLI(t, args...)
			var rep struct{ Incidents []inc }
			if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
				t.Fatalf("exit %d (%v), stderr %q", code, err, errOut)
			}
			var got []inc
			for _, i := range rep.Incidents {
				_, clock, _ := strings.Cut(i.FirstSeen, "T")
				got = append(got, inc{i.Listed, "T" + clock})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("incidents %v, want %v", got, tc.want)
			}
		})
	}
	out, errOut, code := runCLI(t, "explain", "--json", "--config", cfg, reply)
	var ex struct{ Listed string }
	if err := json.Unmarshal([]byte(out), &ex); code != 0 || err != nil || ex.Listed != "192.0.2.7" {
		t.Errorf("explain --config: exit %d, listed %q, want the configuration's sending IP; stderr %q", code, ex.Listed, errOut)
	}
}

// TestReplayFoldsManyAddresses: replay bounds the addresses one receiver
// may name as the daemon does (ingest.AddressBound): 15 refusals of one
// receiver naming 15 addresses give MaxAddressesPerReceiver incidents and
// one for the rest, counted in folded_rejections; with --config naming
// them as ours, none is folded; with a --config of foreign_addresses: 0,
// all of them are, and the text report names that cap.
func TestReplayFoldsManyAddresses(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	var ours []string
	for i := range 15 {
		ip := fmt.Sprintf("198.51.100.%d", i+1)
		ours = append(ours, ip)
		fmt.Fprintf(&b, "Dec  9 10:18:%02d mail postfix/smtp[20056]: 1310930001%02X: to=<a@example.com>, relay=mx.example.com[192.0.2.9]:25, delay=0.22, delays=0.02/0.08/0.09/0.03, dsn=5.7.1, status=bounced (host mx.example.com[192.0.2.9] said: 554 5.7.1 Client host [%s] blocked using zen.spamhaus.org (in reply to RCPT TO command))\n", i, i, ip)
	}
	log := filepath.Join(dir, "mail.log")
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte("sending_ips: ["+strings.Join(ours, ", ")+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(dir, "none.yaml")
	if err := os.WriteFile(none, []byte("foreign_addresses: 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	type caps struct {
		PerReceiver      int `json:"per_receiver"`
		ForeignAddresses int `json:"foreign_addresses"`
	}
	for _, tc := range []struct {
		args              []string
		incidents, folded int
		by                *caps // the caps folded by (JSON folded_by), only with folded refusals
	}{
		{nil, ingest.MaxAddressesPerReceiver + 1, 15 - ingest.MaxAddressesPerReceiver, &caps{ingest.MaxAddressesPerReceiver, ingest.DefaultForeignAddresses}},
		{[]string{"--config", cfg}, 15, 0, nil},
		{[]string{"--config", none}, 1, 15, &caps{ingest.MaxAddressesPerReceiver, 0}},
	} {
		out, errOut, code := runCLI(t, append(append([]string{"replay", "--format", "json"}, tc.args...), log)...)
		var rep struct {
			Incidents []struct{ Listed string }
			Folded    int   `json:"folded_rejections"`
			FoldedBy  *caps `json:"folded_by"`
		}
		if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
			t.Fatalf("%v: exit %d (%v): %s", tc.args, code, err, errOut)
		}
		if len(rep.Incidents) != tc.incidents || rep.Folded != tc.folded {
			t.Errorf("%v: %d incidents, %d folded; want %d and %d", tc.args, len(rep.Incidents), rep.Folded, tc.incidents, tc.folded)
		}
		if (rep.FoldedBy == nil) != (tc.by == nil) || tc.by != nil && *rep.FoldedBy != *tc.by {
			t.Errorf("%v: folded_by %+v, want %+v", tc.args, rep.FoldedBy, tc.by)
		}
	}
	out, _, _ := runCLI(t, "replay", "--config", none, log)
	if want := "the receivers together more than 0"; !strings.Contains(out, want) {
		t.Errorf("replay --config (foreign_addresses: 0): no %q in\n%s", want, out)
	}
}
