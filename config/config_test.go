package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/notify"
)

// problems parses src and returns every problem as text, errors and
// warnings alike.
func problems(t *testing.T, src string) []string {
	t.Helper()
	cfg, err := Parse([]byte(src), "t.yaml")
	var errs Errors
	switch {
	case err == nil:
		errs = cfg.Warnings
	case errors.As(err, &errs):
	default:
		t.Fatalf("Parse: error of type %T: %v", err, err)
	}
	var out []string
	for _, p := range errs {
		out = append(out, p.Error())
	}
	return out
}

func TestParseValid(t *testing.T) {
	src := `# a full configuration
log:
  path: /var/log/maillog
  timezone: Asia/Tokyo
  backfill: 90m
state:
  path: /srv/rblwatch/state.db
  retention: 30d
notify:
  to: [postmaster@example.com, "Ops Team <ops@example.com>"]
  from: rblwatch@mx1.example.com
  smtp: smtp.example.com:587
  starttls: required
  username: rblwatch
  password: "123456"
  language: ja
  renotify: 12h
  aggregate: 0s
  quiet: 1d12h
  settle: 2m
  html: yes
  webhook:
    url: https://hooks.example.com/T/B/X
    format: slack
  alertmanager:
    urls: http://127.0.0.1:9093
  sender_notice:
    domains: [Example.com]
    per_hour: 5
    authenticated_only: true
role: operator
host_name: mx1.example.com.
sending_ips: [198.18.0.25, "2a01:4f8::25", "::ffff:198.18.0.26"]
sending_domains: [Example.COM., mail.example.org]
dnsbl:
  resolver: 127.0.0.53
  timeout: 1500ms
  interval: 0s
  zones:
    enable: [psbl.surriel.com]
    disable: ["{key}.zen.dq.spamhaus.net"]
  dqs_key: abcdefghijklmnopqrstuvwxyz
catalog:
  file: /etc/rblwatch/providers.yaml
metrics:
  listen: "[::1]:9436"
milter:
  listen: unix:/var/spool/postfix/rblwatch/milter.sock
`
	cfg, err := Parse([]byte(src), "full.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %v", Errors(cfg.Warnings))
	}
	want := Default()
	want.Log = Log{Path: "/var/log/maillog", Timezone: "Asia/Tokyo", Backfill: 90 * time.Minute}
	want.State = State{Path: "/srv/rblwatch/state.db", Retention: 30 * 24 * time.Hour, MessageRetention: 14 * Day, DeliveredRetention: 2 * Day}
	want.Notify = Notify{
		To:        []mail.Address{{Address: "postmaster@example.com"}, {Name: "Ops Team", Address: "ops@example.com"}},
		From:      mail.Address{Address: "rblwatch@mx1.example.com"},
		SMTP:      "smtp.example.com:587",
		StartTLS:  TLSRequired,
		Username:  "rblwatch",
		Password:  "123456",
		Language:  "ja",
		Renotify:  12 * time.Hour,
		Aggregate: 0,
		Quiet:     36 * time.Hour,
		Settle:    2 * time.Minute,
		HTML:      true,
		Webhook:   Webhook{URL: "https://hooks.example.com/T/B/X", Format: notify.WebhookSlack},
		Alertmanager: Alertmanager{
			URLs: []string{"http://127.0.0.1:9093"},
		},
		SenderNotice: SenderNotice{Domains: []string{"example.com"}, PerHour: 5, AuthenticatedOnly: true},
	}
	want.Role = classify.RoleOperator
	want.HostName = "mx1.example.com."
	want.SendingIPs = []netip.Addr{
		netip.MustParseAddr("198.18.0.25"),
		netip.MustParseAddr("2a01:4f8::25"),
		netip.MustParseAddr("198.18.0.26"), // unmapped
	}
	want.SendingDomains = []string{"example.com", "mail.example.org"}
	want.DNSBL = DNSBL{
		Resolver: "127.0.0.53:53",
		Timeout:  1500 * time.Millisecond,
		Interval: 0,
		// Left at its default: with interval 0s, no warning about it.
		ResolverFailures: 3,
		Zones: Zones{
			Enable:  []string{"psbl.surriel.com"},
			Disable: []string{"{key}.zen.dq.spamhaus.net"},
		},
		DQSKey: "abcdefghijklmnopqrstuvwxyz",
	}
	want.Catalog.File = "/etc/rblwatch/providers.yaml"
	want.Metrics.Listen = "[::1]:9436"
	want.Milter.Listen = "unix:/var/spool/postfix/rblwatch/milter.sock"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", cfg, want)
	}
	if n, a := cfg.Milter.Network(); n != "unix" || a != "/var/spool/postfix/rblwatch/milter.sock" {
		t.Errorf("Milter.Network() = %q, %q", n, a)
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		check func(*Config) bool
	}{
		{"zero aggregate", "notify: {aggregate: 0s}", func(c *Config) bool { return c.Notify.Aggregate == 0 }},
		{"foreign addresses by default", "notify: {}", func(c *Config) bool { return c.ForeignAddresses == 20 }},
		{"no foreign addresses", "foreign_addresses: 0", func(c *Config) bool { return c.ForeignAddresses == 0 }},
		{"many foreign addresses", "foreign_addresses: 100000", func(c *Config) bool { return c.ForeignAddresses == 100000 }},
		{"bare zero", "notify: {aggregate: 0}", func(c *Config) bool { return c.Notify.Aggregate == 0 }},
		{"zero settle", "notify: {settle: 0s}", func(c *Config) bool { return c.Notify.Settle == 0 }},
		{"days", "state: {retention: 2d}", func(c *Config) bool { return c.State.Retention == 48*time.Hour }},
		{"days and hours", "notify: {renotify: 1d12h}", func(c *Config) bool { return c.Notify.Renotify == 36*time.Hour }},
		{"fractional days", "state: {retention: 1.5d}", func(c *Config) bool { return c.State.Retention == 36*time.Hour }},
		{"to as a string", "notify: {to: pm@example.com}", func(c *Config) bool {
			return slices.Equal(c.Notify.To, []mail.Address{{Address: "pm@example.com"}})
		}},
		{"to with display names", `notify: {to: ["Ops Team <ops@example.com>", '"Ops, Tokyo" <tokyo@example.com>', "<bare@example.com>", "=?UTF-8?B?55uj6KaW?= <kanshi@example.jp>", "監視チーム <team@example.jp>", "pm@example.com (Postmaster)"]}`, func(c *Config) bool {
			return slices.Equal(c.Notify.To, []mail.Address{
				{Name: "Ops Team", Address: "ops@example.com"},
				{Name: "Ops, Tokyo", Address: "tokyo@example.com"},
				{Address: "bare@example.com"},
				{Name: "監視", Address: "kanshi@example.jp"},
				{Name: "監視チーム", Address: "team@example.jp"},
				{Name: "Postmaster", Address: "pm@example.com"},
			}) && slices.Equal(Envelope(c.Notify.To), []string{"ops@example.com", "tokyo@example.com", "bare@example.com", "kanshi@example.jp", "team@example.jp", "pm@example.com"})
		}},
		{"from with a name", `notify: {to: pm@example.com, from: "rblwatch 監視 <rblwatch@mx1.example.com>"}`, func(c *Config) bool {
			return c.Notify.From == mail.Address{Name: "rblwatch 監視", Address: "rblwatch@mx1.example.com"} &&
				c.Notify.Sender("mx1.example.com").Address == "rblwatch@mx1.example.com"
		}},
		{"journald true", "log: {journald: true}", func(c *Config) bool {
			return c.Log.Source() == SourceJournald && c.Log.Journald.Enabled && c.Log.Journald.Units == nil && c.Log.Path == ""
		}},
		{"journald units", "log: {journald: [postfix@-.service, postfix.service]}", func(c *Config) bool {
			return c.Log.Journald.Enabled && slices.Equal(c.Log.Journald.Units, []string{"postfix@-.service", "postfix.service"})
		}},
		{"journald unit string", "log: {journald: postfix@-.service}", func(c *Config) bool {
			return c.Log.Journald.Enabled && slices.Equal(c.Log.Journald.Units, []string{"postfix@-.service"})
		}},
		// yes, no, on and off are booleans here as for every other
		// boolean key: "journald: no" once read the unit "no".
		{"journald no keeps the file", "log: {journald: no}", func(c *Config) bool {
			return !c.Log.Journald.Enabled && c.Log.Journald.Units == nil && c.Log.Source() == SourceFile
		}},
		{"journald Off keeps the file", "log: {journald: Off}", func(c *Config) bool {
			return !c.Log.Journald.Enabled && c.Log.Journald.Units == nil && c.Log.Source() == SourceFile
		}},
		{"journald yes", "log: {journald: yes}", func(c *Config) bool {
			return c.Log.Journald.Enabled && c.Log.Journald.Units == nil
		}},
		{"journald false keeps the file", "log: {journald: false}", func(c *Config) bool {
			return c.Log.Source() == SourceFile && c.Log.Path == "/var/log/mail.log"
		}},
		{"stdin", "log: {stdin: true}", func(c *Config) bool { return c.Log.Source() == SourceStdin && c.Log.Path == "" }},
		{"sendmail drops the default smtp", "notify: {sendmail: /usr/sbin/sendmail}", func(c *Config) bool {
			return c.Notify.Transport() == "sendmail" && c.Notify.SMTP == ""
		}},
		{"null keeps the default", "notify:\n  smtp:\n", func(c *Config) bool { return c.Notify.SMTP == "127.0.0.1:25" }},
		{"smtps port speaks TLS first", "notify: {smtp: 'smtp.example.net:465'}", func(c *Config) bool { return c.Notify.TLS() == notify.TLSImplicit }},
		{"submission port says STARTTLS", "notify: {smtp: 'smtp.example.net:587', starttls: required}", func(c *Config) bool { return c.Notify.TLS() == TLSRequired }},
		{"the local relay opportunistic", "notify: {to: pm@example.com}", func(c *Config) bool { return c.Notify.TLS() == TLSOpportunistic }},
		{"empty list", "notify: {to: []}", func(c *Config) bool { return len(c.Notify.To) == 0 }},
		{"numeric password", "notify: {username: u, password: 1234}", func(c *Config) bool { return c.Notify.Password == "1234" }},
		{"resolver with port", "dnsbl: {resolver: '[::1]:5353'}", func(c *Config) bool { return c.DNSBL.Resolver == "[::1]:5353" }},
		{"bare IPv6 resolver", "dnsbl: {resolver: '::1'}", func(c *Config) bool { return c.DNSBL.Resolver == "[::1]:53" }},
		{"alias", "notify:\n  to: &pm [pm@example.com]\nsending_domains: [example.com]\n", func(c *Config) bool {
			return slices.Equal(c.Notify.To, []mail.Address{{Address: "pm@example.com"}})
		}},
		{"remote metrics allowed", "metrics: {listen: '0.0.0.0:9436', allow_remote: true}", func(c *Config) bool {
			return c.Metrics.Listen == "0.0.0.0:9436"
		}},
		{"localhost metrics", "metrics: {listen: 'localhost:9436'}", func(c *Config) bool { return c.Metrics.Listen == "localhost:9436" }},
		{"metrics on any free port", "metrics: {listen: '127.0.0.1:0'}", func(c *Config) bool { return c.Metrics.Listen == "127.0.0.1:0" }},
		{"remote milter allowed", "milter: {listen: 'inet:192.0.2.25:8899', allow_remote: true, header: X-Track-ID}", func(c *Config) bool {
			return c.Milter.AllowRemote && c.Milter.Header == "X-Track-ID" &&
				!slices.ContainsFunc(c.Warnings, func(p Problem) bool { return strings.Contains(p.Error(), "milter") })
		}},
		{"inet milter", "milter: {listen: 'inet:127.0.0.1:8899'}", func(c *Config) bool {
			n, a := c.Milter.Network()
			return n == "tcp" && a == "127.0.0.1:8899"
		}},
		{"single-label smtp host", "notify: {smtp: 'mailhub:25'}", func(c *Config) bool { return c.Notify.SMTP == "mailhub:25" }},
		{"empty file", "", func(c *Config) bool { return reflect.DeepEqual(withoutWarnings(c), Default()) }},
		{"only comments", "# nothing\n", func(c *Config) bool { return reflect.DeepEqual(withoutWarnings(c), Default()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.src), "t.yaml")
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.src, err)
			}
			if !tt.check(cfg) {
				t.Errorf("Parse(%q) = %+v", tt.src, cfg)
			}
		})
	}
}

func withoutWarnings(c *Config) *Config {
	c = c.Clone()
	c.Warnings = nil
	return c
}

// nobody is the warning of every configuration without a recipient.
const nobody = "t.yaml: notify.to: warning: nobody is notified: incidents are only logged and counted; set notify.to, notify.webhook.url or notify.alertmanager.urls"

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown key", "notify:\n  to: pm@example.com\nsmtp: 127.0.0.1:25\n", []string{
			"t.yaml:3: smtp: unknown key (did you mean notify.smtp?)",
		}},
		{"unknown nested key, near spelling", "notify:\n  to: pm@example.com\n  smpt: 127.0.0.1:25\n", []string{
			"t.yaml:3: notify.smpt: unknown key (did you mean notify.smtp?)",
		}},
		{"unknown key with a dash", "notify:\n  to: pm@example.com\n  password-file: /x\n", []string{
			"t.yaml:3: notify.password-file: unknown key (did you mean notify.password_file?)",
		}},
		{"unknown key, no guess", "notify: {to: pm@example.com}\nlog:\n  colour: red\n", []string{
			"t.yaml:3: log.colour: unknown key; known keys under log: path, paths, journald, stdin, timezone, backfill",
		}},
		{"unknown deep key", "notify:\n  to: pm@example.com\n  webhook:\n    token: x\n", []string{
			"t.yaml:4: notify.webhook.token: unknown key; known keys under notify.webhook: url, format",
		}},
		{"odd key quoted", "notify: {to: pm@example.com}\n\"a\\tb\": 1\n", []string{
			`t.yaml:2: "a\tb": unknown key; known keys here: log, state, notify, role, host_name, sending_ips, sending_domains, foreign_addresses, dnsbl, catalog, metrics, milter, logging`,
		}},
		{"section not a mapping", "notify: {to: pm@example.com}\nlog: /var/log/mail.log\n", []string{
			`t.yaml:2: log: want a mapping with the keys path, paths, journald, stdin, timezone, backfill, got "/var/log/mail.log"`,
		}},
		{"top level not a mapping", "- a\n- b\n", []string{
			"t.yaml:1: want a mapping with the keys log, state, notify, role, host_name, sending_ips, sending_domains, foreign_addresses, dnsbl, catalog, metrics, milter, logging, got a list",
		}},
		{"list for a mapping", "notify:\n  to: {pm: example.com}\n", []string{
			"t.yaml:2: notify.to: want a list, got a mapping",
		}},
		{"bad boolean", "notify: {to: pm@example.com, html: maybe}\n", []string{
			`t.yaml:1: notify.html: want true or false, got "maybe"`,
		}},
		{"boolean for a string", "notify:\n  to: pm@example.com\n  language: true\n", []string{
			"t.yaml:3: notify.language: want a string, got the boolean true (quote it to mean the text)",
		}},
		{"list for a string", "notify:\n  to: pm@example.com\n  from: [a@example.com]\n", []string{
			"t.yaml:3: notify.from: want an email address, got a list",
		}},
		{"duration without unit", "notify: {to: pm@example.com}\ndnsbl:\n  timeout: 5\n", []string{
			`t.yaml:3: dnsbl.timeout: "5" has no unit: write e.g. 5s, 5m, 5h or 5d`,
		}},
		{"bad duration", "notify:\n  to: pm@example.com\n  quiet: soon\n", []string{
			`t.yaml:3: notify.quiet: "soon" is not a duration: write e.g. 30s, 15m, 6h, 2d or 1d12h`,
		}},
		{"negative duration", "notify:\n  to: pm@example.com\n  renotify: -1h\n", []string{
			`t.yaml:3: notify.renotify: "-1h" is not a duration: write e.g. 30s, 15m, 6h, 2d or 1d12h`,
		}},
		{"set twice", "notify:\n  to: pm@example.com\n  language: en\n  language: ja\n", []string{
			"t.yaml:4: notify.language: set twice (first at line 3)",
		}},
		{"syntax error", "notify:\n  to: pm@example.com\n  from: a: b\n", []string{
			"t.yaml:3: YAML syntax: mapping values are not allowed in this context",
		}},
		// The YAML library names no line for an error on the first line,
		// nor for bytes it cannot read (invalid UTF-8, a raw control
		// character) wherever they are.
		{"syntax error on the first line", "\tnotify: {to: pm@example.com}\n", []string{
			"t.yaml:1: YAML syntax: found character that cannot start any token",
		}},
		{"invalid UTF-8", "notify:\n  to: pm@example.com\n  from: \"\xff\xfe@example.com\"\n", []string{
			"t.yaml:3: YAML syntax: invalid leading UTF-8 octet",
		}},
		{"raw control character", "notify:\n  to: pm@example.com\nrole: \x01dedicated\n", []string{
			"t.yaml:3: YAML syntax: control characters are not allowed",
		}},
		{"two documents", "notify: {to: pm@example.com}\n---\nrole: customer\n", []string{
			"t.yaml:2: a second YAML document (after ---): put everything in one",
		}},
		{"anchor under an unknown key", "base: &b {language: ja}\nnotify: *b\n", []string{
			"t.yaml:1: base: unknown key; known keys here: log, state, notify, role, host_name, sending_ips, sending_domains, foreign_addresses, dnsbl, catalog, metrics, milter, logging",
			nobody,
		}},
		{"merge key", "notify:\n  <<: {to: pm@example.com}\n", []string{
			"t.yaml:2: notify: merge keys (<<) are not supported",
			nobody,
		}},
		{"control character", "notify:\n  to: pm@example.com\n  from: \"a@example.com\\r\\nBcc: x@example.net\"\n", []string{
			`t.yaml:3: notify.from: contains a control character ("\r")`,
		}},
		{"bad address", "notify:\n  to:\n    - pm@example.com\n    - not an address\n", []string{
			`t.yaml:4: notify.to[1]: "not an address" is not an email address: write ops@example.com or "Ops Team <ops@example.com>"`,
		}},
		{"bad mailbox forms", "notify:\n  to:\n    - Ops <ops@example.com\n    - a@example.com, b@example.com\n    - ポスト@example.jp\n    - '\"a b\"@example.com'\n  from: Ops Team ops@example.com\n", []string{
			`t.yaml:3: notify.to[0]: "Ops <ops@example.com" is not an email address: write ops@example.com or "Ops Team <ops@example.com>"`,
			`t.yaml:4: notify.to[1]: "a@example.com, b@example.com" is not one email address (give each address as its own list item)`,
			`t.yaml:5: notify.to[2]: "ポスト@example.jp" has a non-ASCII address: rblwatch sends without SMTPUTF8 (write an international domain in its xn-- form)`,
			`t.yaml:6: notify.to[3]: "\"a b\"@example.com" has an address with a space in it`,
			`t.yaml:7: notify.from: "Ops Team ops@example.com" is not an email address: write ops@example.com or "Ops Team <ops@example.com>"`,
		}},
		{"names a header cannot carry", "notify:\n  to:\n    - =?UTF-8?B?T3BzDQpCY2M6IGV2aWxAeC5jb20=?= <ops@example.com>\n    - \"Ev\\u202Eil <ev@example.com>\"\n    - \"\\u76E3\\u8996 <kanshi@example.jp>\"\n  from: =?UTF-8?B?YRtbMko=?= <rblwatch@example.com>\n", []string{
			`t.yaml:3: notify.to[0]: "=?UTF-8?B?T3BzDQpCY2M6IGV2aWxAeC5jb20=?= <ops@example.com>" has a name with a control or invisible character ("\r"): a mail header cannot show it`,
			`t.yaml:4: notify.to[1]: "Ev\u202eil <ev@example.com>" has a name with a control or invisible character ("\u202e"): a mail header cannot show it`,
			`t.yaml:6: notify.from: "=?UTF-8?B?YRtbMko=?= <rblwatch@example.com>" has a name with a control or invisible character ("\x1b"): a mail header cannot show it`,
		}},
		{"address twice", "notify:\n  to:\n    - pm@example.com\n    - PM <PM@example.com>\n", []string{
			"t.yaml:4: notify.to[1]: warning: PM@example.com is listed twice",
		}},
		{"no recipient", "role: customer\n", []string{nobody}},
		{"alertmanager URLs the daemon cannot use", "notify:\n  to: pm@example.com\n  alertmanager:\n    urls:\n      - http://127.0.0.1:9093/?tenant=a\n      - https://am:secret@am.example.net\n      - http://127.0.0.1:9093/\n      - http://127.0.0.1:9093\n      - am.example.net:9093\n", []string{
			`t.yaml:5: notify.alertmanager.urls[0]: "http://127.0.0.1:9093/?tenant=a": a base URL takes no query or fragment (write http://host:9093 or a path prefix)`,
			"t.yaml:6: notify.alertmanager.urls[1]: a URL with a user and password: Alertmanager URLs are not kept secret; put an authenticating proxy on loopback instead",
			"t.yaml:8: notify.alertmanager.urls[3]: warning: http://127.0.0.1:9093 is listed twice",
			`t.yaml:9: notify.alertmanager.urls[4]: "am.example.net:9093": not an http:// or https:// URL`,
		}},
		{"alertmanager URLs with the API path", "notify:\n  to: pm@example.com\n  alertmanager:\n    urls:\n      - http://127.0.0.1:9093/api/v2/alerts\n      - https://example.com/alertmanager/api/v2/\n      - http://127.0.0.1:9094/api/v1/alerts\n      - https://example.com/alertmanager\n", []string{
			`t.yaml:5: notify.alertmanager.urls[0]: "http://127.0.0.1:9093/api/v2/alerts": give the base URL, without the API path (write http://127.0.0.1:9093; rblwatch posts to its /api/v2/alerts)`,
			`t.yaml:6: notify.alertmanager.urls[1]: "https://example.com/alertmanager/api/v2/": give the base URL, without the API path (write https://example.com/alertmanager; rblwatch posts to its /api/v2/alerts)`,
			`t.yaml:7: notify.alertmanager.urls[2]: "http://127.0.0.1:9094/api/v1/alerts": give the base URL, without the API path (write http://127.0.0.1:9094; rblwatch posts to its /api/v2/alerts)`,
		}},
		{"starttls required to an IP", "notify:\n  to: pm@example.com\n  smtp: 127.0.0.1:587\n  starttls: required\n", []string{
			"t.yaml:4: notify.starttls: warning: starttls: required verifies the relay's certificate for 127.0.0.1, and certificates rarely name an IP address: write the name the certificate gives in notify.smtp",
		}},
		{"starttls required to localhost", "notify:\n  to: pm@example.com\n  smtp: localhost:587\n  starttls: required\n", []string{
			"t.yaml:4: notify.starttls: warning: starttls: required verifies the relay's certificate for localhost, and certificates rarely name localhost: write the name the certificate gives in notify.smtp",
		}},
		{"starttls with sendmail", "notify:\n  to: pm@example.com\n  sendmail: /usr/sbin/sendmail\n  starttls: required\n", []string{
			"t.yaml:4: notify.starttls: applies to notify.smtp, not to notify.sendmail",
		}},
		// The sendmail sink refuses an address that could be an option,
		// and gives the whole email up: every notice was lost.
		{"sendmail and an address like an option", "notify:\n  to: [pm@example.com, --x@example.com]\n  from: -f@example.com\n  sendmail: /usr/sbin/sendmail\n", []string{
			"t.yaml:2: notify.to[1]: --x@example.com begins with '-', which notify.sendmail never passes to the program (it could be read as an option): every email would be lost; use notify.smtp to reach it",
			"t.yaml:3: notify.from: -f@example.com begins with '-', which notify.sendmail never passes to the program (it could be read as an option): every email would be lost",
		}},
		{"smtp and an address with a dash first", "notify:\n  to: [--x@example.com]\n  from: -f@example.com\n", nil},
		{"alertmanager alone is somebody", "notify:\n  alertmanager:\n    urls: [http://127.0.0.1:9093]\n", nil},
		{"webhook alone is somebody", "notify:\n  webhook:\n    url: http://127.0.0.1:8080/hook\n", nil},
		{"shared_ip true is replaced by role", "notify: {to: pm@example.com}\nshared_ip: true\n", []string{
			"t.yaml:2: shared_ip: replaced by role: write role: customer (you send from your hosting company's shared IP: it files removals) or role: operator (you are the hosting company)",
		}},
		{"shared_ip false is obsolete", "notify: {to: pm@example.com}\nshared_ip: false\n", []string{
			"t.yaml:2: shared_ip: warning: obsolete and ignored: remove it (role: dedicated is the default)",
		}},
		{"bad role and host name", "notify: {to: pm@example.com}\nrole: shared\nhost_name: mail_1.-bad\n", []string{
			`t.yaml:2: role: "shared" is not one of dedicated, operator, customer`,
			`t.yaml:3: host_name: "mail_1.-bad" is not a valid domain name (a label starts or ends with -)`,
		}},
		{"bad enum values", "notify:\n  to: pm@example.com\n  starttls: always\n  language: fr\n  webhook: {format: teams}\n", []string{
			`t.yaml:3: notify.starttls: "always" is not one of never, opportunistic, required`,
			`t.yaml:4: notify.language: "fr" is not one of en, ja`,
			`t.yaml:5: notify.webhook.format: "teams" is not one of generic, slack`,
		}},
		{"two log sources", "notify: {to: pm@example.com}\nlog:\n  journald: true\n  stdin: true\n", []string{
			"t.yaml:4: log.stdin: cannot be used with log.journald (line 3): choose one log source",
		}},
		{"path and journald", "notify: {to: pm@example.com}\nlog:\n  journald: [postfix.service]\n  path: /var/log/mail.log\n", []string{
			"t.yaml:4: log.path: cannot be used with log.journald (line 3): choose one log source",
		}},
		{"bad unit", "notify: {to: pm@example.com}\nlog:\n  journald: [postfix.service, 'post fix']\n", []string{
			`t.yaml:3: log.journald[1]: "post fix" is not a systemd unit name`,
		}},
		{"no units", "notify: {to: pm@example.com}\nlog:\n  journald: []\n", []string{
			"t.yaml:3: log.journald: an empty list: write true for every Postfix message, or name the units",
		}},
		{"bad time zone", "notify: {to: pm@example.com}\nlog:\n  timezone: Mars/Olympus\n", []string{
			`t.yaml:3: log.timezone: unknown time zone "Mars/Olympus": write Local, UTC or a zone such as Asia/Tokyo`,
		}},
		// message_retention's prune deletes delivered messages too: a
		// longer delivered_retention kept them no longer.
		{"delivered kept longer than the others", "notify: {to: pm@example.com}\nstate:\n  message_retention: 14d\n  delivered_retention: 30d\n", []string{
			"t.yaml:4: state.delivered_retention: 30d is longer than state.message_retention (14d), which prunes delivered messages with the others: write at most 14d, or keep state.message_retention longer",
		}},
		{"delivered kept longer than everything", "notify: {to: pm@example.com}\nstate:\n  retention: 30d\n  message_retention: 0s\n  delivered_retention: 60d\n", []string{
			"t.yaml:5: state.delivered_retention: 60d is longer than state.retention (30d), which prunes delivered messages with the others: write at most 30d, or keep state.retention longer",
		}},
		{"delivered retention within", "notify: {to: pm@example.com}\nstate:\n  message_retention: 14d\n  delivered_retention: 14d\n", nil},
		{"default delivered retention over a short message retention", "notify: {to: pm@example.com}\nstate:\n  message_retention: 1d\n", nil},
		{"delivered retention, everything kept", "notify: {to: pm@example.com}\nstate:\n  retention: 0s\n  message_retention: 0s\n  delivered_retention: 400d\n", nil},
		{"short retention", "notify: {to: pm@example.com}\nstate:\n  retention: 2h\n", []string{
			"t.yaml:3: state.retention: 2h is less than a day: write at least 1d, or 0 to keep everything",
		}},
		// 0 keeps everything only for state.retention: the others' 0 is
		// the one before's duration.
		{"short message retentions", "notify: {to: pm@example.com}\nstate:\n  message_retention: 2h\n  delivered_retention: 1h\n", []string{
			"t.yaml:3: state.message_retention: 2h is less than a day: write at least 1d, or 0 for as long as state.retention",
			"t.yaml:4: state.delivered_retention: 1h is less than a day: write at least 1d, or 0 for as long as state.message_retention",
		}},
		{"relative state path", "notify: {to: pm@example.com}\nstate:\n  path: state.db\n", []string{
			"t.yaml:3: state.path: warning: a relative path is resolved against the daemon's working directory (/ under systemd)",
		}},
		{"two transports", "notify:\n  to: pm@example.com\n  smtp: 127.0.0.1:25\n  sendmail: /usr/sbin/sendmail\n", []string{
			"t.yaml:4: notify.sendmail: cannot be used with notify.smtp (line 3): choose one way to send",
		}},
		{"relative sendmail", "notify:\n  to: pm@example.com\n  sendmail: sendmail\n", []string{
			`t.yaml:3: notify.sendmail: "sendmail" is not an absolute path`,
		}},
		{"bad smtp", "notify:\n  to: pm@example.com\n  smtp: 127.0.0.1\n", []string{
			`t.yaml:3: notify.smtp: "127.0.0.1" is not host:port`,
		}},
		{"bad smtp port", "notify:\n  to: pm@example.com\n  smtp: 127.0.0.1:smtp\n", []string{
			`t.yaml:3: notify.smtp: "127.0.0.1:smtp": the port must be a number from 1 to 65535`,
		}},
		// A server on 465 speaks TLS first and sends its banner only after
		// the handshake: rblwatch, greeting in clear, lost every notice.
		// On 465 the server speaks TLS first and sends its banner only after
		// the handshake: rblwatch speaks TLS from the first byte there,
		// verified (Notify.TLS), so a policy that says otherwise is refused.
		{"smtps port", "notify:\n  to: pm@example.com\n  smtp: smtp.example.net:465\n", nil},
		{"smtps port, required", "notify:\n  to: pm@example.com\n  smtp: smtp.example.net:465\n  starttls: required\n", nil},
		{"smtps port, opportunistic", "notify:\n  to: pm@example.com\n  smtp: smtp.example.net:465\n  starttls: opportunistic\n", []string{
			`t.yaml:4: notify.starttls: "smtp.example.net:465": port 465 is SMTPS, TLS from the first byte with the relay's certificate verified, as with starttls: required; starttls: opportunistic does not apply there (leave it out, or use the submission port 587)`,
		}},
		{"smtps port, never", "notify:\n  to: pm@example.com\n  starttls: never\n  smtp: smtp.example.net:465\n", []string{
			`t.yaml:4: notify.smtp: "smtp.example.net:465": port 465 is SMTPS, TLS from the first byte with the relay's certificate verified, as with starttls: required; starttls: never does not apply there (leave it out, or use the submission port 587)`,
		}},
		{"smtps port with a password", "notify:\n  to: pm@example.com\n  smtp: smtp.example.net:465\n  username: u\n  password: p\n", nil},
		{"smtps port to an IP", "notify:\n  to: pm@example.com\n  smtp: 192.0.2.25:465\n", []string{
			"t.yaml:3: notify.smtp: warning: port 465 (SMTPS) verifies the relay's certificate for 192.0.2.25, and certificates rarely name an IP address: write the name the certificate gives in notify.smtp",
		}},
		{"submission port", "notify:\n  to: pm@example.com\n  smtp: smtp.example.net:587\n  starttls: required\n", nil},
		{"bad smtp host", "notify:\n  to: pm@example.com\n  smtp: -relay-:25\n", []string{
			`t.yaml:3: notify.smtp: "-relay-:25": the host is not a valid domain name (a label starts or ends with -)`,
		}},
		{"username without password", "notify:\n  to: pm@example.com\n  username: u\n", []string{
			"t.yaml:3: notify.username: set notify.password or notify.password_file too",
		}},
		{"password without username", "notify:\n  to: pm@example.com\n  password_file: /etc/rblwatch/pw\n", []string{
			"t.yaml:3: notify.password_file: set notify.username too",
		}},
		{"password twice", "notify:\n  to: pm@example.com\n  username: u\n  password_file: /etc/rblwatch/pw\n  password: s3cret\n", []string{
			"t.yaml:5: notify.password: cannot be used with notify.password_file (line 4): give the password one way",
		}},
		{"password in clear", "notify:\n  to: pm@example.com\n  smtp: smtp.example.com:587\n  username: u\n  password: s3cret\n", []string{
			"t.yaml:4: notify.username: the password would cross the network unprotected: set notify.starttls: required",
		}},
		{"auth with sendmail", "notify:\n  to: pm@example.com\n  sendmail: /usr/sbin/sendmail\n  username: u\n  password: s3cret\n", []string{
			"t.yaml:4: notify.username: authentication applies to notify.smtp, not to notify.sendmail",
		}},
		{"timing", "notify:\n  to: pm@example.com\n  renotify: 30m\n  aggregate: 1h\n  quiet: 45m\n", []string{
			"t.yaml:3: notify.renotify: warning: a digest every 30m is a lot of email",
			"t.yaml:4: notify.aggregate: warning: the first email about an incident waits 1h",
			"t.yaml:5: notify.quiet: notify.aggregate (1h) must be shorter than notify.quiet (45m)",
		}},
		{"zero quiet", "notify:\n  to: pm@example.com\n  quiet: 0s\n", []string{
			"t.yaml:3: notify.quiet: must be more than 0s: an incident that no delivery clears would never end",
		}},
		{"webhook", "notify:\n  webhook:\n    url: ftp://hooks.example.com/x\n", []string{
			"t.yaml:3: notify.webhook.url: not an http:// or https:// URL",
		}},
		{"webhook in clear", "notify:\n  webhook:\n    url: http://hooks.example.com/x\n", []string{
			"t.yaml:3: notify.webhook.url: warning: plain http to a remote host: the URL and its token travel unprotected",
		}},
		{"alertmanager", "notify:\n  alertmanager:\n    urls: [http://127.0.0.1:9093, 'am:9093']\n", []string{
			`t.yaml:3: notify.alertmanager.urls[1]: "am:9093": not an http:// or https:// URL`,
		}},
		// No request reaches these ports: every notice would be retried
		// for five days and lost.
		{"webhook port", "notify:\n  webhook:\n    url: http://127.0.0.1:0/hook\n", []string{
			"t.yaml:3: notify.webhook.url: the port must be a number from 1 to 65535",
		}},
		{"alertmanager ports", "notify:\n  alertmanager:\n    urls: ['http://127.0.0.1:0', 'https://[::1]:65536', 'http://127.0.0.1:9093', 'http://localhost:65535/am']\n", []string{
			`t.yaml:3: notify.alertmanager.urls[0]: "http://127.0.0.1:0": the port must be a number from 1 to 65535`,
			`t.yaml:3: notify.alertmanager.urls[1]: "https://[::1]:65536": the port must be a number from 1 to 65535`,
		}},
		{"sending ips", "notify: {to: pm@example.com}\nsending_ips:\n  - 198.18.0.1\n  - 10.0.0.1\n  - 127.0.0.1\n  - 1.2.3.0/24\n  - mail.example.com\n  - 192.0.2.1\n  - 198.18.0.1\n  - fe80::1%eth0\n", []string{
			"t.yaml:4: sending_ips[1]: warning: 10.0.0.1 is not a public address: block lists only list public ones (list the address your mail leaves by after NAT)",
			"t.yaml:5: sending_ips[2]: 127.0.0.1 cannot send mail to the Internet",
			`t.yaml:6: sending_ips[3]: "1.2.3.0/24" is a network: list single addresses`,
			`t.yaml:7: sending_ips[4]: "mail.example.com" is not an IP address`,
			"t.yaml:8: sending_ips[5]: warning: 192.0.2.1 is reserved for documentation",
			"t.yaml:9: sending_ips[6]: warning: 198.18.0.1 is listed twice",
			`t.yaml:10: sending_ips[7]: "fe80::1%eth0" has a zone: a sending address is global`,
		}},
		{"sending domains", "notify: {to: pm@example.com}\nsending_domains: [example.com, localhost, bücher.example, a..b, EXAMPLE.com]\n", []string{
			`t.yaml:2: sending_domains[1]: "localhost" is not a fully qualified domain name`,
			`t.yaml:2: sending_domains[2]: "bücher.example" is not ASCII: write an international name in its xn-- form`,
			`t.yaml:2: sending_domains[3]: "a..b" is not a valid domain name`,
			"t.yaml:2: sending_domains[4]: warning: example.com is listed twice",
		}},
		{"sender notice", "notify:\n  to: pm@example.com\n  sender_notice: {domains: [example.com, Example.org.], per_hour: 0}\nsending_domains: [example.org]\n", []string{
			`t.yaml:3: notify.sender_notice.domains[0]: "example.com" is not one of sending_domains: only our own senders are told`,
			"t.yaml:3: notify.sender_notice.per_hour: 0 is not between 1 and 100",
		}},
		{"sender notice rate", "notify:\n  to: pm@example.com\n  sender_notice: {per_hour: 101}\n", []string{
			"t.yaml:3: notify.sender_notice.per_hour: 101 is not between 1 and 100",
		}},
		{"public resolver", "notify: {to: pm@example.com}\ndnsbl:\n  resolver: 8.8.8.8\n", []string{
			"t.yaml:3: dnsbl.resolver: warning: 8.8.8.8 is a public resolver (Google Public DNS): Spamhaus, URIBL and others refuse it, so listings cannot be verified; use a local resolver (unbound) or a Spamhaus DQS key",
		}},
		{"resolver by name", "notify: {to: pm@example.com}\ndnsbl:\n  resolver: localhost:53\n", []string{
			`t.yaml:3: dnsbl.resolver: "localhost:53" is not IP:PORT (a resolver must be given by address)`,
		}},
		{"settle not shorter than quiet", "notify: {to: pm@example.com, settle: 6h}\n", []string{
			"t.yaml:1: notify.settle: warning: 6h is not shorter than notify.quiet (6h): the quiet period clears incidents first",
		}},
		{"dnsbl timeout too short", "notify: {to: pm@example.com}\ndnsbl:\n  timeout: 500us\n", []string{
			"t.yaml:3: dnsbl.timeout: 500µs is shorter than 1ms: no DNS answer comes that fast, every query would time out",
		}},
		{"dnsbl timing", "notify: {to: pm@example.com}\ndnsbl:\n  timeout: 0s\n  interval: 30s\n", []string{
			"t.yaml:3: dnsbl.timeout: must be more than 0s",
			"t.yaml:4: dnsbl.interval: warning: 30s is too often for real lists, which throttle heavy users: use at least 1m unless the resolver is a private list server",
		}},
		{"backfill too long", "notify: {to: pm@example.com}\nlog:\n  backfill: 8d\n", []string{
			"t.yaml:3: log.backfill: 8d is more than 7d: read older logs with rblwatch replay",
		}},
		{"backfill on stdin", "notify: {to: pm@example.com}\nlog:\n  path: \"\"\n  stdin: true\n  backfill: 2h\n", []string{
			"t.yaml:5: log.backfill: warning: has no effect on standard input, which has no past to read back",
		}},
		{"foreign addresses negative", "notify: {to: pm@example.com}\nforeign_addresses: -1\n", []string{
			"t.yaml:2: foreign_addresses: -1 is not between 0 and 100000 (0: every refusal naming an address that is not ours counts under its provider)",
		}},
		{"foreign addresses too many", "notify: {to: pm@example.com}\nforeign_addresses: 100001\n", []string{
			"t.yaml:2: foreign_addresses: 100001 is not between 0 and 100000 (0: every refusal naming an address that is not ours counts under its provider)",
		}},
		{"foreign addresses not a number", "notify: {to: pm@example.com}\nforeign_addresses: 20d\n", []string{
			`t.yaml:2: foreign_addresses: want a whole number, got "20d"`,
		}},
		{"resolver failures", "notify: {to: pm@example.com}\ndnsbl:\n  resolver_failures: -1\n", []string{
			"t.yaml:3: dnsbl.resolver_failures: -1 is negative: write 0 to never be told",
		}},
		{"resolver failures too many", "notify: {to: pm@example.com}\ndnsbl:\n  resolver_failures: 1001\n", []string{
			"t.yaml:3: dnsbl.resolver_failures: 1001 is more than 1000 self-checks in a row",
		}},
		{"resolver failures not a number", "notify: {to: pm@example.com}\ndnsbl:\n  resolver_failures: three\n", []string{
			`t.yaml:3: dnsbl.resolver_failures: want a whole number, got "three"`,
		}},
		{"resolver failures a fraction", "notify: {to: pm@example.com}\ndnsbl:\n  resolver_failures: 2.5\n", []string{
			`t.yaml:3: dnsbl.resolver_failures: want a whole number, got "2.5"`,
		}},
		{"resolver failures huge", "notify: {to: pm@example.com}\ndnsbl:\n  resolver_failures: 0x7fffffffffff\n", []string{
			`t.yaml:3: dnsbl.resolver_failures: "0x7fffffffffff" is not a whole number within reach`,
		}},
		// A key of a channel or listener that is off does nothing: say so.
		{"webhook format without url", "notify: {to: pm@example.com, webhook: {format: slack}}\n", []string{
			"t.yaml:1: notify.webhook.format: warning: has no effect: notify.webhook.url is not set, so there is no webhook",
		}},
		{"html without email", "notify:\n  alertmanager: {urls: [\"http://127.0.0.1:9093\"]}\n  html: true\n", []string{
			"t.yaml:3: notify.html: warning: has no effect: notify.to is empty, so no notice goes by email",
		}},
		{"email keys without email", "notify:\n  webhook: {url: \"http://127.0.0.1:8080/hook\"}\n  from: rblwatch@example.com\n  sendmail: /bin/true\n", []string{
			"t.yaml:3: notify.from: warning: has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email",
			"t.yaml:4: notify.sendmail: warning: has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email",
		}},
		{"smtp keys without email", "notify:\n  alertmanager: {urls: [\"http://127.0.0.1:9093\"]}\n  smtp: localhost:25\n  starttls: never\n  username: u\n  password: p\n", []string{
			"t.yaml:3: notify.smtp: warning: has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email",
			"t.yaml:4: notify.starttls: warning: has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email",
			"t.yaml:5: notify.username: warning: has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email",
			"t.yaml:6: notify.password: warning: has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email",
		}},
		{"email keys for the sender notices", "sending_domains: [example.com]\nnotify:\n  alertmanager: {urls: [\"http://127.0.0.1:9093\"]}\n  from: rblwatch@example.com\n  smtp: localhost:25\n  sender_notice: {domains: [example.com]}\n", nil},
		{"sender notice keys without domains", "notify:\n  to: pm@example.com\n  sender_notice:\n    per_hour: 5\n    authenticated_only: true\n", []string{
			"t.yaml:4: notify.sender_notice.per_hour: warning: has no effect: notify.sender_notice.domains is empty, so no sender is told",
			"t.yaml:5: notify.sender_notice.authenticated_only: warning: has no effect: notify.sender_notice.domains is empty, so no sender is told",
		}},
		{"metrics remote without listen", "notify: {to: pm@example.com}\nmetrics:\n  allow_remote: true\n", []string{
			"t.yaml:3: metrics.allow_remote: warning: has no effect: metrics.listen is not set, so no metrics are served",
		}},
		{"milter keys without listen", "notify: {to: pm@example.com}\nmilter:\n  header: X-Track\n  allow_remote: true\n", []string{
			"t.yaml:3: milter.header: warning: has no effect: milter.listen is not set, so there is no milter",
			"t.yaml:4: milter.allow_remote: warning: has no effect: milter.listen is not set, so there is no milter",
		}},
		{"resolver failures without self-check", "notify: {to: pm@example.com}\ndnsbl:\n  interval: 0s\n  resolver_failures: 2\n", []string{
			"t.yaml:4: dnsbl.resolver_failures: warning: has no effect: dnsbl.interval is 0s, so there is no self-check to count",
		}},
		{"dnsbl slow", "notify: {to: pm@example.com}\ndnsbl:\n  timeout: 30s\n  interval: 5m\n", []string{
			"t.yaml:3: dnsbl.timeout: warning: 30s per query is long: a resolver that slow is a problem in itself",
			"t.yaml:4: dnsbl.interval: warning: a self-check every 5m adds load on free lists for little gain",
		}},
		{"zones", "notify: {to: pm@example.com}\ndnsbl:\n  zones:\n    enable:\n      - psbl.surriel.com\n      - bl_\n    disable:\n      - PSBL.surriel.com.\n", []string{
			`t.yaml:6: dnsbl.zones.enable[1]: "bl_" is not a fully qualified domain name`,
			"t.yaml:8: dnsbl.zones.disable[0]: psbl.surriel.com is also enabled (line 5)",
		}},
		{"dqs key length", "notify: {to: pm@example.com}\ndnsbl:\n  dqs_key: abc123\n", []string{
			"t.yaml:3: dnsbl.dqs_key: warning: 6 characters long; Spamhaus DQS keys have 26",
		}},
		{"metrics remote", "notify: {to: pm@example.com}\nmetrics:\n  listen: 0.0.0.0:9436\n", []string{
			"t.yaml:3: metrics.listen: 0.0.0.0 is not loopback: set metrics.allow_remote: true to serve metrics beyond this host",
		}},
		{"metrics every interface", "notify: {to: pm@example.com}\nmetrics:\n  listen: :9436\n", []string{
			"t.yaml:3: metrics.listen: every interface is not loopback: set metrics.allow_remote: true to serve metrics beyond this host",
		}},
		{"metrics port", "notify: {to: pm@example.com}\nmetrics:\n  listen: 127.0.0.1:99999\n", []string{
			`t.yaml:3: metrics.listen: "127.0.0.1:99999": the port must be a number from 0 to 65535`,
		}},
		{"milter port 0", "notify: {to: pm@example.com}\nmilter:\n  listen: inet:127.0.0.1:0\n", []string{
			`t.yaml:3: milter.listen: "127.0.0.1:0": the port must be a number from 1 to 65535`,
		}},
		{"milter sendmail syntax", "notify: {to: pm@example.com}\nmilter:\n  listen: inet:8899@127.0.0.1\n", []string{
			`t.yaml:3: milter.listen: "inet:8899@127.0.0.1" is Sendmail's inet:PORT@HOST form; Postfix's is inet:HOST:PORT`,
		}},
		{"milter scheme", "notify: {to: pm@example.com}\nmilter:\n  listen: 127.0.0.1:8899\n", []string{
			`t.yaml:3: milter.listen: "127.0.0.1:8899": want inet:HOST:PORT or unix:/PATH`,
		}},
		{"milter remote", "notify: {to: pm@example.com}\nmilter:\n  listen: inet:0.0.0.0:8899\n", []string{
			"t.yaml:3: milter.listen: 0.0.0.0 is reachable from the network; Postfix runs on this host, so 127.0.0.1 suffices (set milter.allow_remote: true to allow it)",
		}},
		{"milter header", "notify: {to: pm@example.com}\nmilter:\n  header: 'X-Track: 1'\n", []string{
			`t.yaml:3: milter.header: "X-Track: 1" is not a header name: 1 to 64 printable ASCII characters, no spaces, no ':'`,
		}},
		// The milter adds its header to every message: a second Subject or
		// Message-ID gets the mail refused, a second Content-Type or
		// DKIM-Signature breaks it.
		{"milter header of the message", "notify: {to: pm@example.com}\nmilter:\n  listen: inet:127.0.0.1:8899\n  header: Subject\n", []string{
			`t.yaml:4: milter.header: "Subject" is a header of the message itself: a second one, added to every message, breaks it (receivers refuse a mail with two, or read the wrong one); choose a name of your own, such as X-Rblwatch-Track`,
		}},
		{"milter header of the message, any case", "notify: {to: pm@example.com}\nmilter:\n  header: message-id\n", []string{
			`t.yaml:3: milter.header: "message-id" is a header of the message itself: a second one, added to every message, breaks it (receivers refuse a mail with two, or read the wrong one); choose a name of your own, such as X-Rblwatch-Track`,
		}},
		{"milter header resent", "notify: {to: pm@example.com}\nmilter:\n  listen: inet:127.0.0.1:8899\n  header: Resent-From\n", []string{
			`t.yaml:4: milter.header: "Resent-From" is a header of the message itself: a second one, added to every message, breaks it (receivers refuse a mail with two, or read the wrong one); choose a name of your own, such as X-Rblwatch-Track`,
		}},
		{"milter header of one's own", "notify: {to: pm@example.com}\nmilter:\n  listen: inet:127.0.0.1:8899\n  header: X-Subject-Track\n", nil},
		{"milter outside the chroot", "notify: {to: pm@example.com}\nmilter:\n  listen: unix:/run/rblwatch/milter.sock\n", []string{
			"t.yaml:3: milter.listen: warning: the socket is outside /var/spool/postfix, where a chrooted smtpd (Debian's default) cannot reach it",
		}},
		{"milter relative socket", "notify: {to: pm@example.com}\nmilter:\n  listen: unix:milter.sock\n", []string{
			`t.yaml:3: milter.listen: "milter.sock": the socket path must be absolute`,
		}},
		{"several problems at once, in line order", `log:
  path: /var/log/mail.log
  journald: true
state:
  retention: forever
notify:
  to: [pm@example.com, nobody]
  smtp: localhost
  langauge: ja
role: sometimes
metrics:
  listen: 0.0.0.0:9436
  allow-remote: true
`, []string{
			"t.yaml:3: log.journald: cannot be used with log.path (line 2): choose one log source",
			`t.yaml:5: state.retention: "forever" is not a duration: write e.g. 30s, 15m, 6h, 2d or 1d12h`,
			`t.yaml:7: notify.to[1]: "nobody" is not an email address: write ops@example.com or "Ops Team <ops@example.com>"`,
			`t.yaml:8: notify.smtp: "localhost" is not host:port`,
			"t.yaml:9: notify.langauge: unknown key (did you mean notify.language?)",
			`t.yaml:10: role: "sometimes" is not one of dedicated, operator, customer`,
			"t.yaml:12: metrics.listen: 0.0.0.0 is not loopback: set metrics.allow_remote: true to serve metrics beyond this host",
			"t.yaml:13: metrics.allow-remote: unknown key (did you mean metrics.allow_remote?)",
		}},
		{"no second report of a value that did not decode", "notify:\n  to: [pm@example.com, [a@example.com], pm@example.com]\n", []string{
			"t.yaml:2: notify.to[1]: want an email address, got a list",
			"t.yaml:2: notify.to[2]: warning: pm@example.com is listed twice",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := problems(t, tt.src)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(tt.want, "\n     "))
			}
		})
	}
}

// TestParseErrorType checks that errors come as Errors and that a file with
// warnings only still loads.
func TestParseErrorType(t *testing.T) {
	_, err := Parse([]byte("notify:\n  smtp: x\n  language: fr\n"), "t.yaml")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %T is not Errors", err)
	}
	if len(errs) != 3 { // smtp, language, and the warning about no recipient
		t.Errorf("got %d problems, want 3: %v", len(errs), err)
	}
	if !strings.Contains(err.Error(), "\n") {
		t.Errorf("Error() does not put problems on lines of their own: %q", err.Error())
	}
	cfg, err := Parse([]byte("role: customer\n"), "t.yaml")
	if err != nil || len(cfg.Warnings) != 1 || !cfg.Warnings[0].Warning {
		t.Errorf("Parse with a warning only = %+v, %v", cfg, err)
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	const secret = "Hunter2Secret"
	tests := []struct{ src, key string }{
		{"notify: {username: u, password: \"" + secret + "\\n\"}", "notify.password"},
		{"notify: {username: u, password: [" + secret + "]}", "notify.password"},
		{"notify: {username: u, password: {" + secret + ": 1}}", "notify.password"},
		{"dnsbl: {dqs_key: " + secret + "-x}", "dnsbl.dqs_key"},
		{"dnsbl: {abusix_key: " + secret + "-x}", "dnsbl.abusix_key"},
		{"notify: {webhook: {url: 'ftp://x.example/" + secret + "'}}", "notify.webhook.url"},
		{"notify: {webhook: {url: 'http://x.example/" + secret + "'}}", "notify.webhook.url"},
		{"notify: {webhook: {url: '%zz" + secret + "'}}", "notify.webhook.url"},
	}
	for _, tt := range tests {
		got := problems(t, tt.src)
		if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, "t.yaml:1: "+tt.key+": ") }) {
			t.Errorf("Parse(%q): no problem reported for %s: %q", tt.src, tt.key, got)
		}
		for _, p := range got {
			if strings.Contains(p, secret) {
				t.Errorf("Parse(%q): problem shows the secret: %s", tt.src, p)
			}
		}
	}

	cfg, err := Parse([]byte("notify:\n  username: u\n  password: "+secret+"\n  webhook: {url: 'https://h.example/"+secret+"'}\ndnsbl: {dqs_key: "+strings.ToLower(secret)+"}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), string(js)} {
		if strings.Contains(strings.ToLower(s), strings.ToLower(secret)) {
			t.Errorf("the secret shows in %s", s)
		}
	}
	if string(cfg.Notify.Password) != secret {
		t.Errorf("string(Password) = %q, want the secret", string(cfg.Notify.Password))
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		text string // FormatDuration(want)
	}{
		{"0s", 0, "0s"},
		{"0", 0, "0s"},
		{"30s", 30 * time.Second, "30s"},
		{"1500ms", 1500 * time.Millisecond, "1.5s"},
		{"90m", 90 * time.Minute, "1h30m"},
		{"6h", 6 * time.Hour, "6h"},
		{"24h", 24 * time.Hour, "1d"},
		{"2d", 48 * time.Hour, "2d"},
		{"90d", 90 * 24 * time.Hour, "90d"},
		{"1d12h", 36 * time.Hour, "1d12h"},
		{"1d1m", 24*time.Hour + time.Minute, "1d1m"},
		{"1.5d", 36 * time.Hour, "1d12h"},
		{"1h0m1s", time.Hour + time.Second, "1h0m1s"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if s := FormatDuration(tt.want); s != tt.text {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.want, s, tt.text)
		}
		if back, err := ParseDuration(FormatDuration(tt.want)); err != nil || back != tt.want {
			t.Errorf("ParseDuration(FormatDuration(%v)) = %v, %v", tt.want, back, err)
		}
	}
	for _, bad := range []string{"", "d", "-1d", "+1d", "1d-1h", "2d3d", "1x", "-5s", "NaNd", "Infd", "1e300d", "99999999999d"} {
		if got, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", bad, got)
		}
	}
}

func TestExample(t *testing.T) {
	cfg, err := Parse([]byte(Example()), "t.yaml")
	if err != nil {
		t.Fatalf("Example() does not parse:\n%v", err)
	}
	var warns []string
	for _, p := range cfg.Warnings {
		warns = append(warns, p.Error())
	}
	// The example names no recipient: that is its only warning.
	if !slices.Equal(warns, []string{nobody}) {
		t.Errorf("Example() warnings: %q", warns)
	}
	if got := withoutWarnings(cfg); !reflect.DeepEqual(got, Default()) {
		t.Errorf("Example() differs from Default():\n got %+v\nwant %+v", got, Default())
	}
}

// commented finds the example's commented settings ("#key: value",
// no space after #) into settings.
var commented = regexp.MustCompile(`(?m)^(\s*)#(\S)`)

// TestExampleShowsEveryKey uncomments every setting of the example and
// checks that each key of Config appears, in its right place, with a
// value that decodes.
func TestExampleShowsEveryKey(t *testing.T) {
	src := commented.ReplaceAllString(Example(), "$1$2")
	cfg := Default()
	d := newDecoder("example", nil)
	if d.parse([]byte(src), cfg); len(d.errs) > 0 {
		t.Fatalf("uncommented example does not decode:\n%v\n%s", d.errs, src)
	}
	for _, k := range keyPaths(reflect.TypeFor[Config](), "") {
		if !d.set(k) {
			t.Errorf("Example() does not show %s", k)
		}
	}
}

// TestDocsCoverEveryKey checks that docs/config.md documents every key.
func TestDocsCoverEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatalf("reading the reference: %v", err)
	}
	keys := keyPaths(reflect.TypeFor[Config](), "")
	for _, k := range keys {
		if slices.ContainsFunc(keys, func(sub string) bool { return strings.HasPrefix(sub, k+".") }) {
			continue // a section: its keys are documented one by one
		}
		if !strings.Contains(string(doc), "### `"+k+"`") {
			t.Errorf("docs/config.md does not document `%s`", k)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	c := Default()
	c.Notify.Language = "xx"
	c.Metrics.Listen = "192.0.2.1:9436"
	err := c.Validate()
	want := `notify.language: "xx" is not one of en, ja` + "\n" +
		"metrics.listen: 192.0.2.1 is not loopback: set metrics.allow_remote: true to serve metrics beyond this host"
	if err == nil || err.Error() != want {
		t.Errorf("Validate() = %v, want %s", err, want)
	}
}

func TestCloneAndRestartNeeded(t *testing.T) {
	old, err := Parse([]byte("notify: {to: [a@example.com]}\nsending_ips: [198.18.0.1]\nlog: {journald: [postfix.service]}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := old.Clone()
	c.Notify.To[0] = mail.Address{Address: "b@example.com"}
	c.SendingIPs[0] = netip.MustParseAddr("198.18.0.2")
	c.Log.Journald.Units[0] = "postfix@-.service"
	if old.Notify.To[0].Address != "a@example.com" || old.SendingIPs[0] != netip.MustParseAddr("198.18.0.1") || old.Log.Journald.Units[0] != "postfix.service" {
		t.Errorf("Clone shares memory with the original: %+v", old)
	}
	if got := c.RestartNeeded(old); !slices.Equal(got, []string{"log.journald"}) {
		t.Errorf("RestartNeeded after a unit change = %q", got)
	}

	c = old.Clone()
	c.Notify.Language = "ja"
	c.DNSBL.Interval = 0
	if got := c.RestartNeeded(old); len(got) != 0 {
		t.Errorf("RestartNeeded after reloadable changes = %q", got)
	}
	c.State.Path = "/tmp/x.db"
	c.Metrics.Listen = "127.0.0.1:9436"
	c.Milter.Listen = "inet:127.0.0.1:8899"
	c.Log.Stdin = true
	if got, want := c.RestartNeeded(old), []string{"log.stdin", "state.path", "metrics.listen", "milter.listen"}; !slices.Equal(got, want) {
		t.Errorf("RestartNeeded = %q, want %q", got, want)
	}
}

func TestSender(t *testing.T) {
	n := Default().Notify
	if got := n.Sender("mx1.example.com."); got != (mail.Address{Address: "rblwatch@mx1.example.com"}) {
		t.Errorf("Sender = %q", got)
	}
	n.From = mail.Address{Name: "PM", Address: "pm@example.com"}
	if got := n.Sender("mx1.example.com"); got != n.From {
		t.Errorf("Sender = %q", got)
	}
}

func TestProblemError(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "f", Line: 3, Key: "a.b", Msg: "bad"}, "f:3: a.b: bad"},
		{Problem{File: "f", Key: "a.b", Msg: "bad"}, "f: a.b: bad"},
		{Problem{File: "f", Line: 1, Msg: "bad"}, "f:1: bad"},
		{Problem{Key: "a", Msg: "bad", Warning: true}, "a: warning: bad"},
	}
	for _, tt := range tests {
		if got := tt.p.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string, mode os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}

	// Every file names an existing log, so that the machine's own
	// /var/log/mail.log does not matter.
	logFile := write("mail.log", "", 0o640)
	logKey := "log: {path: " + logFile + "}\n"

	t.Run("missing default file", func(t *testing.T) {
		cfg, err := load(filepath.Join(dir, "absent.yaml"), true)
		if err != nil || !reflect.DeepEqual(cfg, Default()) {
			t.Errorf("load(missing, default) = %+v, %v; want the defaults", cfg, err)
		}
		if _, err := os.Stat(DefaultPath); errors.Is(err, os.ErrNotExist) {
			cfg, err := Load(DefaultPath)
			if err != nil || !reflect.DeepEqual(cfg, Default()) {
				t.Errorf("Load(DefaultPath) = %+v, %v; want the defaults", cfg, err)
			}
		}
	})
	t.Run("file named for the commands", func(t *testing.T) {
		// The commands a notice prints carry --config File: absolute, so
		// that they work from any directory.
		p := write("named.yaml", logKey, 0o640)
		t.Chdir(dir)
		cfg, err := Load("named.yaml")
		if err != nil || cfg.File != p {
			t.Errorf("Load(named.yaml) in %s: File %q, %v; want %q", dir, cfg.File, err, p)
		}
	})
	t.Run("missing named file", func(t *testing.T) {
		p := filepath.Join(dir, "absent.yaml")
		_, err := Load(p)
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(missing) = %v, want ErrNotFound naming the file", err)
		}
	})
	t.Run("password file", func(t *testing.T) {
		pw := write("pw", "s3cret\n", 0o640)
		cfg, err := Load(write("c.yaml", logKey+"notify:\n  to: pm@example.com\n  username: u\n  password_file: "+pw+"\n", 0o640))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Notify.Password != "s3cret" || len(cfg.Warnings) != 0 {
			t.Errorf("Password = %q, warnings %v", string(cfg.Notify.Password), cfg.Warnings)
		}
	})
	t.Run("file problems", func(t *testing.T) {
		open := write("open-pw", "s3cret", 0o644)
		empty := write("empty-pw", "\n", 0o600)
		notExec := write("sendmail", "#!/bin/sh\n", 0o644)
		c := write("c.yaml", logKey+"notify:\n  to: pm@example.com\n  username: u\n  password_file: "+open+"\n", 0o600)
		if got := loadProblems(t, c); !slices.Equal(got, []string{
			c + ":5: notify.password_file: warning: every user can read " + open + " (mode 0644): chmod 640",
		}) {
			t.Errorf("readable password file: %q", got)
		}
		c = write("c.yaml", "notify:\n  to: pm@example.com\n  username: u\n  password_file: "+empty+"\ncatalog:\n  file: "+dir+"/none.yaml\nlog:\n  path: "+dir+"/rotated.log\n", 0o600)
		if got := loadProblems(t, c); !slices.Equal(got, []string{
			c + ":4: notify.password_file: " + empty + " is empty",
			c + ":6: catalog.file: " + dir + "/none.yaml does not exist",
			c + ":8: log.path: warning: " + dir + "/rotated.log does not exist (yet) (Debian 12 installs no syslog daemon: without rsyslog, Postfix logs to the journal only; then set log.journald: true)",
		}) {
			t.Errorf("missing files: %q", got)
		}
		// Each of log.paths too: a mistyped name said nothing, and that
		// instance's log was never read.
		present := write("postfix-out.log", "", 0o640)
		c = write("c.yaml", "notify:\n  to: pm@example.com\nlog:\n  paths:\n    - "+present+"\n    - "+dir+"/postfix-inn.log\n", 0o600)
		if got := loadProblems(t, c); !slices.Equal(got, []string{
			c + ":6: log.paths[1]: warning: " + dir + "/postfix-inn.log does not exist (yet): it is read from its start once it does",
		}) {
			t.Errorf("missing file of log.paths: %q", got)
		}
		c = write("c.yaml", logKey+"notify:\n  to: pm@example.com\n  sendmail: "+notExec+"\n", 0o600)
		if got := loadProblems(t, c); !slices.Equal(got, []string{
			c + ":4: notify.sendmail: " + notExec + " is not an executable file",
		}) {
			t.Errorf("sendmail: %q", got)
		}
	})
	t.Run("secrets in a readable file", func(t *testing.T) {
		c := write("c.yaml", logKey+"notify:\n  to: pm@example.com\n  username: u\n  password: s3cret\n", 0o644)
		if got := loadProblems(t, c); !slices.Equal(got, []string{
			c + ": warning: the file holds secrets and every user can read it (mode 0644): chmod 640 and chgrp rblwatch",
		}) {
			t.Errorf("readable secrets: %q", got)
		}
	})
}

func loadProblems(t *testing.T, path string) []string {
	t.Helper()
	cfg, err := Load(path)
	var errs Errors
	switch {
	case err == nil:
		errs = cfg.Warnings
	case errors.As(err, &errs):
	default:
		t.Fatalf("Load: %v", err)
	}
	var out []string
	for _, p := range errs {
		out = append(out, p.Error())
	}
	return out
}

// TestNotifyEnumsShared: every value notify knows for a notification enum
// is one config accepts, and config accepts no other (issue 8.1: the
// default webhook format once was a value notify did not know).
func TestNotifyEnumsShared(t *testing.T) {
	accept := func(key, value string) bool {
		_, err := Parse([]byte("notify:\n  to: pm@example.com\n  "+key+": "+value+"\n"), "t.yaml")
		return err == nil
	}
	for _, f := range notify.WebhookFormats {
		if !accept("webhook", "{url: 'https://hooks.example.com/x', format: "+string(f)+"}") {
			t.Errorf("webhook format %q refused", f)
		}
	}
	for _, p := range notify.StartTLSPolicies {
		if !accept("starttls", string(p)) {
			t.Errorf("starttls %q refused", p)
		}
	}
	for _, l := range notify.Langs {
		if !accept("language", l) {
			t.Errorf("language %q refused", l)
		}
	}
	for key, v := range map[string]string{"webhook": "{url: 'https://hooks.example.com/x', format: json}", "starttls": "implicit", "language": "fr"} {
		if accept(key, v) {
			t.Errorf("%s: %s accepted", key, v)
		}
	}
	if d := Default(); !d.Notify.Webhook.Format.Valid() || !slices.Contains(notify.StartTLSPolicies, d.Notify.StartTLS) || !slices.Contains(notify.Langs, d.Notify.Language) {
		t.Errorf("a default notify enum is not one notify knows: %+v", d.Notify)
	}
}
