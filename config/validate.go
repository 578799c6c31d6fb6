package config

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/milter"
	"github.com/rblwatch/rblwatch/notify"
)

// normalize puts values in their canonical form and drops defaults that
// another key replaces (log.path when the journal is read, notify.smtp when
// sendmail is used). It runs after decoding, before validate.
func (d *decoder) normalize(c *Config) {
	if (c.Log.Journald.Enabled || c.Log.Stdin || d.set("log.paths")) && !d.set("log.path") {
		c.Log.Path = ""
	}
	if c.Notify.Sendmail != "" && !d.set("notify.smtp") {
		c.Notify.SMTP = ""
	}
	lower := func(names []string) {
		for i, s := range names {
			names[i] = strings.ToLower(strings.TrimSuffix(s, "."))
		}
	}
	lower(c.SendingDomains)
	lower(c.Notify.SenderNotice.Domains)
	lower(c.DNSBL.Zones.Enable)
	lower(c.DNSBL.Zones.Disable)
	if ip, err := netip.ParseAddr(strings.Trim(c.DNSBL.Resolver, "[]")); err == nil {
		c.DNSBL.Resolver = netip.AddrPortFrom(ip, 53).String()
	}
}

// validate checks values and their combinations.
func (d *decoder) validate(c *Config) {
	d.validateLog(&c.Log)
	d.validateState(&c.State)
	d.validateStateApart(c)
	d.validateNotify(&c.Notify)
	d.validateIdentity(c)
	d.validateSending(c)
	d.validateDNSBL(&c.DNSBL)
	if c.Catalog.File != "" && !filepath.IsAbs(c.Catalog.File) {
		d.warnf("catalog.file", "a relative path is resolved against the daemon's working directory (/ under systemd)")
	}
	d.validateMetrics(&c.Metrics)
	d.validateMilter(&c.Milter)
	d.validateLogging(&c.Logging)
}

// later returns the key of two that was set further down the file, for
// reporting a conflict where the reader sees the second key.
func (d *decoder) later(a, b string) (key, other string) {
	if d.lines[a] > d.lines[b] {
		return a, b
	}
	return b, a
}

func (d *decoder) conflict(a, b, advice string) {
	key, other := d.later(a, b)
	if line := d.lines[other]; line > 0 {
		d.errorf(key, "cannot be used with %s (line %d): %s", other, line, advice)
	} else {
		d.errorf(key, "cannot be used with %s: %s", other, advice)
	}
}

func (d *decoder) validateLog(l *Log) {
	switch {
	case l.Journald.Enabled && l.Stdin:
		d.conflict("log.journald", "log.stdin", "choose one log source")
	case l.Journald.Enabled && l.Path != "":
		d.conflict("log.journald", "log.path", "choose one log source")
	case l.Stdin && l.Path != "":
		d.conflict("log.stdin", "log.path", "choose one log source")
	case len(l.Paths) > 0 && l.Path != "":
		d.conflict("log.paths", "log.path", "list every file under log.paths")
	case len(l.Paths) > 0 && l.Journald.Enabled:
		d.conflict("log.paths", "log.journald", "choose one log source")
	case len(l.Paths) > 0 && l.Stdin:
		d.conflict("log.paths", "log.stdin", "choose one log source")
	case !l.Journald.Enabled && !l.Stdin && l.Path == "" && len(l.Paths) == 0:
		d.errorf("log.path", "empty: name the log file, or set log.paths, log.journald or log.stdin")
	}
	seen := map[string]bool{}
	for i, p := range l.Paths {
		key := fmt.Sprintf("log.paths[%d]", i)
		switch {
		case !filepath.IsAbs(p):
			d.errorf(key, "%q is not an absolute path", p)
		case strings.HasSuffix(p, "/"):
			d.errorf(key, "%q is a directory: name the file a Postfix instance logs to", p)
		case seen[filepath.Clean(p)]:
			d.errorf(key, "%q is listed twice", p)
		}
		seen[filepath.Clean(p)] = true
	}
	if strings.HasSuffix(l.Path, "/") {
		d.errorf("log.path", "%q is a directory: name the file Postfix logs to", l.Path)
	}
	for i, u := range l.Journald.Units {
		if !validUnit(u) {
			d.errorf(fmt.Sprintf("log.journald[%d]", i), "%q is not a systemd unit name", u)
		}
	}
	switch {
	case l.Backfill > MaxBackfill:
		d.errorf("log.backfill", "%s is more than %s: read older logs with rblwatch replay", FormatDuration(l.Backfill), FormatDuration(MaxBackfill))
	case l.Backfill > 0 && l.Stdin && d.set("log.backfill"):
		d.warnf("log.backfill", "has no effect on standard input, which has no past to read back")
	}
	if l.Timezone == "" {
		d.errorf("log.timezone", "empty: write Local, UTC or a zone such as Asia/Tokyo")
	} else if _, err := time.LoadLocation(l.Timezone); err != nil {
		d.errorf("log.timezone", "unknown time zone %q: write Local, UTC or a zone such as Asia/Tokyo", l.Timezone)
	}
}

func validUnit(u string) bool {
	if u == "" || len(u) > 256 {
		return false
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(":_.\\@-", r)) {
			return false
		}
	}
	return true
}

func (d *decoder) validateState(s *State) {
	switch {
	case s.Path == "":
		d.errorf("state.path", "empty: name the database file")
	case strings.HasSuffix(s.Path, "/"):
		d.errorf("state.path", "%q is a directory: name the database file", s.Path)
	case !filepath.IsAbs(s.Path):
		d.warnf("state.path", "a relative path is resolved against the daemon's working directory (/ under systemd)")
	}
	for _, r := range []struct {
		key  string
		d    time.Duration
		zero string // what 0 means
	}{
		{"state.retention", s.Retention, "to keep everything"},
		{"state.message_retention", s.MessageRetention, "for as long as state.retention"},
		{"state.delivered_retention", s.DeliveredRetention, "for as long as state.message_retention"},
	} {
		if r.d != 0 && r.d < Day {
			d.errorf(r.key, "%s is less than a day: write at least 1d, or 0 %s", FormatDuration(r.d), r.zero)
		}
	}
	// The prune of message_retention deletes every message that left the
	// queue before its cutoff, those delivered at the first attempt too
	// (track.PruneMessages): delivered_retention can only be shorter.
	if msgs := cmp.Or(s.MessageRetention, s.Retention); msgs > 0 && s.DeliveredRetention > msgs && d.set("state.delivered_retention") {
		key := "state.message_retention"
		if s.MessageRetention == 0 {
			key = "state.retention"
		}
		d.errorf("state.delivered_retention", "%s is longer than %s (%s), which prunes delivered messages with the others: write at most %s, or keep %s longer", FormatDuration(s.DeliveredRetention), key, FormatDuration(msgs), FormatDuration(msgs), key)
	}
}

// StateCompanions are the suffixes of the files the store and the daemon
// write beside state.path: SQLite's write-ahead log, shared memory and
// rollback journal, the lock (daemon.LockPath) and a state saved when the
// file was deleted (daemon.StateWatch).
var StateCompanions = []string{"-wal", "-shm", "-journal", ".lock", ".recovered"}

// stateWrites returns the files the daemon writes for the state at path.
func stateWrites(path string) []string {
	files := []string{path}
	for _, s := range StateCompanions {
		files = append(files, path+s)
	}
	return files
}

// validateStateApart refuses a log file that the state would overwrite:
// state.path naming the log (an empty, just rotated mail.log becomes a
// database; syslog then appends to it), or the log named like a file the
// store writes beside the state (its write-ahead log is deleted at a
// checkpoint). Links to the log are found by checkFiles.
func (d *decoder) validateStateApart(c *Config) {
	if c.State.Path == "" || c.Log.Source() != SourceFile {
		return
	}
	for _, w := range stateWrites(filepath.Clean(c.State.Path)) {
		for _, l := range c.Log.Files() {
			if filepath.Clean(l) == w {
				d.errorf("state.path", "%s would write over the log file %s: the state needs a file of its own", c.State.Path, l)
				return
			}
		}
	}
}

func (d *decoder) validateNotify(n *Notify) {
	// The addresses were parsed as they were decoded (see ParseMailbox);
	// a Config built in code is checked here the same way.
	seen := map[string]bool{}
	for i, to := range n.To {
		key := fmt.Sprintf("notify.to[%d]", i)
		if _, err := ParseMailbox(to.String()); err != nil || to.Address == "" {
			d.errorf(key, "%q is not a usable email address", to.Address)
			continue
		}
		if addr := strings.ToLower(to.Address); seen[addr] {
			d.warnf(key, "%s is listed twice", to.Address)
		} else {
			seen[addr] = true
		}
	}
	if len(n.To) == 0 && n.Webhook.URL == "" && len(n.Alertmanager.URLs) == 0 {
		d.warnf("notify.to", "nobody is notified: incidents are only logged and counted; set notify.to, notify.webhook.url or notify.alertmanager.urls")
	}
	if n.From.Address != "" {
		if _, err := ParseMailbox(n.From.String()); err != nil {
			d.errorf("notify.from", "%q is not a usable email address", n.From.Address)
		}
	}

	// Transport.
	switch {
	case n.Sendmail != "" && n.SMTP != "":
		d.conflict("notify.sendmail", "notify.smtp", "choose one way to send")
	case n.Sendmail != "":
		if !filepath.IsAbs(n.Sendmail) {
			d.errorf("notify.sendmail", "%q is not an absolute path", n.Sendmail)
		}
		if n.Username != "" {
			d.errorf("notify.username", "authentication applies to notify.smtp, not to notify.sendmail")
		}
		// The sendmail sink never hands over an address that begins with
		// '-' (it could be read as an option) and gives the email up: one
		// such address lost every notice, for every recipient.
		for i, to := range n.To {
			if strings.HasPrefix(to.Address, "-") {
				d.errorf(fmt.Sprintf("notify.to[%d]", i), "%s begins with '-', which notify.sendmail never passes to the program (it could be read as an option): every email would be lost; use notify.smtp to reach it", to.Address)
			}
		}
		if strings.HasPrefix(n.From.Address, "-") {
			d.errorf("notify.from", "%s begins with '-', which notify.sendmail never passes to the program (it could be read as an option): every email would be lost", n.From.Address)
		}
	case n.SMTP == "":
		d.errorf("notify.smtp", "empty: write host:port (127.0.0.1:25 for the local Postfix), or set notify.sendmail")
	default:
		if _, port, msg := splitHostPort(n.SMTP, false, false); msg != "" {
			d.errorf("notify.smtp", "%s", msg)
		} else if port == smtpsPort && d.set("notify.starttls") && n.StartTLS != TLSRequired {
			// On 465 rblwatch speaks TLS from the first byte and verifies
			// the certificate (Notify.TLS): a policy that would send in
			// clear text or accept any certificate is not what it does.
			key, _ := d.later("notify.starttls", "notify.smtp")
			d.errorf(key, "%q: port 465 is SMTPS, TLS from the first byte with the relay's certificate verified, as with starttls: required; starttls: %s does not apply there (leave it out, or use the submission port 587)", n.SMTP, n.StartTLS)
		}
	}
	// verified: the relay's certificate is checked (starttls: required, or
	// port 465, where TLS starts with the connection: Notify.TLS).
	policy := n.TLS()
	verified := policy == TLSRequired || policy == notify.TLSImplicit
	if !slices.Contains(notify.StartTLSPolicies, n.StartTLS) {
		d.errorf("notify.starttls", "%q is not one of %s", string(n.StartTLS), joinNames(notify.StartTLSPolicies))
	} else if n.Sendmail != "" && d.set("notify.starttls") {
		d.errorf("notify.starttls", "applies to notify.smtp, not to notify.sendmail")
	} else if host, _, msg := splitHostPort(n.SMTP, false, false); verified && msg == "" && (net.ParseIP(host) != nil || strings.EqualFold(host, "localhost")) {
		// The certificate is verified for the host notify.smtp names: a
		// relay's certificate names the host (Postfix's, its myhostname),
		// rarely an address or localhost.
		what, verifier := "an IP address", "starttls: required"
		if net.ParseIP(host) == nil {
			what = host
		}
		if policy == notify.TLSImplicit {
			verifier = "port 465 (SMTPS)"
		}
		key, _ := d.later("notify.starttls", "notify.smtp")
		d.warnf(key, "%s verifies the relay's certificate for %s, and certificates rarely name %s: write the name the certificate gives in notify.smtp", verifier, host, what)
	}

	// Authentication.
	hasPassword := n.Password != "" || n.PasswordFile != ""
	switch {
	case n.Password != "" && n.PasswordFile != "":
		d.conflict("notify.password", "notify.password_file", "give the password one way")
	case n.Username != "" && !hasPassword:
		d.errorf("notify.username", "set notify.password or notify.password_file too")
	case n.Username == "" && hasPassword:
		key := "notify.password"
		if n.PasswordFile != "" {
			key = "notify.password_file"
		}
		d.errorf(key, "set notify.username too")
	}
	if n.Username != "" && n.Sendmail == "" && !verified {
		if host, _, msg := splitHostPort(n.SMTP, false, false); msg == "" && !isLoopbackHost(host) {
			d.errorf("notify.username", "the password would cross the network unprotected: set notify.starttls: required")
		}
	}

	if !slices.Contains(notify.Langs, n.Language) {
		d.errorf("notify.language", "%q is not one of %s", n.Language, joinNames(notify.Langs))
	}
	if n.Renotify > 0 && n.Renotify < time.Hour {
		d.warnf("notify.renotify", "a digest every %s is a lot of email", FormatDuration(n.Renotify))
	}
	if n.Quiet <= 0 {
		d.errorf("notify.quiet", "must be more than 0s: an incident that no delivery clears would never end")
	}
	if n.Aggregate > 10*time.Minute {
		d.warnf("notify.aggregate", "the first email about an incident waits %s", FormatDuration(n.Aggregate))
	}
	if n.Quiet > 0 && n.Settle >= n.Quiet {
		d.warnf("notify.settle", "%s is not shorter than notify.quiet (%s): the quiet period clears incidents first", FormatDuration(n.Settle), FormatDuration(n.Quiet))
	}
	if n.Quiet > 0 && n.Aggregate >= n.Quiet {
		key, _ := d.later("notify.aggregate", "notify.quiet")
		d.errorf(key, "notify.aggregate (%s) must be shorter than notify.quiet (%s)", FormatDuration(n.Aggregate), FormatDuration(n.Quiet))
	}

	if n.Webhook.URL != "" {
		if u, msg := checkURL(string(n.Webhook.URL)); msg != "" {
			d.errorf("notify.webhook.url", "%s", msg) // never the URL: it holds a token
		} else if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
			d.warnf("notify.webhook.url", "plain http to a remote host: the URL and its token travel unprotected")
		}
	}
	if !n.Webhook.Format.Valid() {
		d.errorf("notify.webhook.format", "%q is not one of %s", string(n.Webhook.Format), webhookFormats())
	} else if n.Webhook.URL == "" && n.Webhook.Format != notify.WebhookGeneric && d.set("notify.webhook.format") {
		d.warnf("notify.webhook.format", "has no effect: notify.webhook.url is not set, so there is no webhook")
	}
	if n.HTML && len(n.To) == 0 && d.set("notify.html") {
		// The sender notices (notify.sender_notice) are plain text.
		d.warnf("notify.html", "has no effect: notify.to is empty, so no notice goes by email")
	}
	if len(n.To) == 0 && !n.SenderNotice.Enabled() && (n.Webhook.URL != "" || len(n.Alertmanager.URLs) > 0) {
		// Notices, but no email: the email transport's keys do nothing
		// (with no channel at all, the warning above says what to set).
		// Those left at their defaults (config example) are no mistake.
		def := Default().Notify
		for _, k := range []struct {
			key     string
			changed bool
		}{
			{"notify.from", n.From.Address != ""}, {"notify.smtp", n.SMTP != def.SMTP}, {"notify.starttls", n.StartTLS != def.StartTLS},
			{"notify.username", n.Username != ""}, {"notify.password", n.Password != ""}, {"notify.password_file", n.PasswordFile != ""},
			{"notify.sendmail", n.Sendmail != ""},
		} {
			if k.changed && d.set(k.key) {
				d.warnf(k.key, "has no effect: notify.to is empty and notify.sender_notice.domains too, so no notice goes by email")
			}
		}
	}
	seenAM := map[string]bool{}
	for i, s := range n.Alertmanager.URLs {
		key := fmt.Sprintf("notify.alertmanager.urls[%d]", i)
		u, msg := checkURL(s)
		switch {
		case msg != "":
			d.errorf(key, "%q: %s", s, msg)
		case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
			// rblwatch appends /api/v2/alerts to the path.
			d.errorf(key, "%q: a base URL takes no query or fragment (write http://host:9093 or a path prefix)", s)
		case u.User != nil:
			d.errorf(key, "a URL with a user and password: Alertmanager URLs are not kept secret; put an authenticating proxy on loopback instead")
		case amAPIPath(u) != "":
			// rblwatch appends /api/v2/alerts: …/api/v2/alerts/api/v2/alerts
			// would be a 404, every alert lost.
			base := *u
			base.Path = amAPIPath(u)
			d.errorf(key, "%q: give the base URL, without the API path (write %s; rblwatch posts to its /api/v2/alerts)", s, strings.TrimSuffix(base.String(), "/"))
		case seenAM[strings.TrimSuffix(u.String(), "/")]:
			d.warnf(key, "%s is listed twice", s)
		}
		if u != nil {
			seenAM[strings.TrimSuffix(u.String(), "/")] = true
		}
	}
}

// amAPIPath returns the base path of an Alertmanager URL that goes on to its
// API (/api, /api/v1, /api/v2, /api/v2/alerts), or "" for a base URL.
func amAPIPath(u *url.URL) string {
	p := strings.TrimSuffix(u.Path, "/")
	for _, api := range []string{"/api/v2/alerts", "/api/v1/alerts", "/api/v2", "/api/v1", "/api"} {
		if base, ok := strings.CutSuffix(p, api); ok {
			if base == "" {
				base = "/"
			}
			return base
		}
	}
	return ""
}

// webhookFormats lists notify's webhook formats: "generic, slack".
func webhookFormats() string { return joinNames(notify.WebhookFormats) }

// joinNames lists enum values: "a, b, c".
func joinNames[T ~string](values []T) string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// checkURL accepts an absolute http or https URL.
func checkURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, "not a valid URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, "not an http:// or https:// URL"
	case u.Host == "":
		return nil, "the URL has no host"
	}
	// No request reaches port 0 or one past 65535: every notice would be
	// retried for five days and lost.
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, "the port must be a number from 1 to 65535"
		}
	}
	return u, ""
}

// validateIdentity checks who we are: the role, the obsolete shared_ip, and
// the host name notices show.
func (d *decoder) validateIdentity(c *Config) {
	if _, err := classify.ParseRole(string(c.Role)); err != nil || c.Role == "" {
		d.errorf("role", "%q is not one of %s", string(c.Role), joinRoles())
	}
	switch {
	case c.SharedIP:
		d.errorf("shared_ip", "replaced by role: write role: customer (you send from your hosting company's shared IP: it files removals) or role: operator (you are the hosting company)")
	case d.set("shared_ip"):
		d.warnf("shared_ip", "obsolete and ignored: remove it (role: dedicated is the default)")
	}
	if c.HostName != "" {
		if msg := checkDomain(strings.TrimSuffix(c.HostName, "."), false); msg != "" {
			d.errorf("host_name", "%q %s", c.HostName, msg)
		}
	}
}

func joinRoles() string {
	names := make([]string, len(classify.Roles))
	for i, r := range classify.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func (d *decoder) validateSending(c *Config) {
	seen := map[netip.Addr]bool{}
	for i, ip := range c.SendingIPs {
		key := fmt.Sprintf("sending_ips[%d]", i)
		switch {
		case !ip.IsValid():
			d.errorf(key, "not an IP address")
		case ip.IsUnspecified(), ip.IsLoopback(), ip.IsMulticast():
			d.errorf(key, "%s cannot send mail to the Internet", ip)
		case ip.IsPrivate(), ip.IsLinkLocalUnicast(), sharedSpace.Contains(ip):
			d.warnf(key, "%s is not a public address: block lists only list public ones (list the address your mail leaves by after NAT)", ip)
		case isDocumentation(ip):
			d.warnf(key, "%s is reserved for documentation", ip)
		}
		if seen[ip] {
			d.warnf(key, "%s is listed twice", ip)
		}
		seen[ip] = true
	}
	d.checkDomains("sending_domains", c.SendingDomains, false)
	if c.ForeignAddresses < 0 || c.ForeignAddresses > MaxForeignAddresses {
		d.errorf("foreign_addresses", "%d is not between 0 and %d (0: every refusal naming an address that is not ours counts under its provider)", c.ForeignAddresses, MaxForeignAddresses)
	}
	d.validateSenderNotice(c)
}

// validateSenderNotice checks notify.sender_notice: only our own domains
// (sending_domains) may opt in, and the rate limit is bounded.
func (d *decoder) validateSenderNotice(c *Config) {
	sn := c.Notify.SenderNotice
	for i, dom := range sn.Domains {
		if !slices.Contains(c.SendingDomains, dom) {
			d.errorf(fmt.Sprintf("notify.sender_notice.domains[%d]", i), "%q is not one of sending_domains: only our own senders are told", dom)
		}
	}
	if sn.PerHour < 1 || sn.PerHour > MaxSenderNoticesPerHour {
		d.errorf("notify.sender_notice.per_hour", "%d is not between 1 and %d", sn.PerHour, MaxSenderNoticesPerHour)
	} else if len(sn.Domains) == 0 {
		for _, k := range []struct {
			key string
			own bool
		}{{"notify.sender_notice.per_hour", sn.PerHour != Default().Notify.SenderNotice.PerHour}, {"notify.sender_notice.authenticated_only", sn.AuthenticatedOnly}} {
			if k.own && d.set(k.key) {
				d.warnf(k.key, "has no effect: notify.sender_notice.domains is empty, so no sender is told")
			}
		}
	}
}

var (
	sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // RFC 6598 carrier-grade NAT
	docPrefixes = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"),
		netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"),
		netip.MustParsePrefix("2001:db8::/32"),
	}
)

func isDocumentation(ip netip.Addr) bool {
	for _, p := range docPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// checkDomains checks a list of DNS names; zones may hold a "{key}" label.
func (d *decoder) checkDomains(key string, names []string, zone bool) {
	seen := map[string]bool{}
	for i, name := range names {
		k := fmt.Sprintf("%s[%d]", key, i)
		check := name
		if zone {
			check = strings.ReplaceAll(check, "{key}", "key")
		}
		if msg := checkDomain(check, true); msg != "" {
			d.errorf(k, "%q %s", name, msg)
			continue
		}
		if seen[name] {
			d.warnf(k, "%s is listed twice", name)
		}
		seen[name] = true
	}
}

// DomainProblem returns what is wrong with a fully qualified DNS name
// ("is not a valid domain name"), or "": the rule of sending_domains, for
// the commands that take a domain (rblwatch incidents mute).
func DomainProblem(s string) string { return checkDomain(s, true) }

// checkDomain returns what is wrong with a DNS name, or "". A name of one
// label (a host in /etc/hosts) passes unless fqdn.
func checkDomain(s string, fqdn bool) string {
	if s == "" {
		return "is empty"
	}
	if len(s) > 253 {
		return "is longer than a DNS name can be"
	}
	if fqdn && !strings.Contains(s, ".") {
		return "is not a fully qualified domain name"
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 {
			return "is not a valid domain name"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "is not a valid domain name (a label starts or ends with -)"
		}
		for _, r := range label {
			switch {
			case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			case r >= 'A' && r <= 'Z':
			case r > 127:
				return "is not ASCII: write an international name in its xn-- form"
			default:
				return "is not a valid domain name"
			}
		}
	}
	return ""
}

func (d *decoder) validateDNSBL(b *DNSBL) {
	if b.Resolver != "" {
		ap, err := netip.ParseAddrPort(b.Resolver)
		switch {
		case err != nil:
			d.errorf("dnsbl.resolver", "%q is not IP:PORT (a resolver must be given by address)", b.Resolver)
		case ap.Port() == 0:
			d.errorf("dnsbl.resolver", "port 0 in %q", b.Resolver)
		default:
			if who, public := dnsbl.PublicResolver(b.Resolver); public {
				d.warnf("dnsbl.resolver", "%s is a public resolver (%s): Spamhaus, URIBL and others refuse it, so listings cannot be verified; use a local resolver (unbound) or a Spamhaus DQS key", ap.Addr(), who)
			}
		}
	}
	if b.Timeout <= 0 {
		d.errorf("dnsbl.timeout", "must be more than 0s")
	} else if b.Timeout < MinTimeout {
		d.errorf("dnsbl.timeout", "%s is shorter than %s: no DNS answer comes that fast, every query would time out", b.Timeout, MinTimeout)
	} else if b.Timeout > 10*time.Second {
		d.warnf("dnsbl.timeout", "%s per query is long: a resolver that slow is a problem in itself", FormatDuration(b.Timeout))
	}
	switch {
	case b.Interval > 0 && b.Interval < time.Minute:
		d.warnf("dnsbl.interval", "%s is too often for real lists, which throttle heavy users: use at least 1m unless the resolver is a private list server", FormatDuration(b.Interval))
	case b.Interval > 0 && b.Interval < 10*time.Minute:
		d.warnf("dnsbl.interval", "a self-check every %s adds load on free lists for little gain", FormatDuration(b.Interval))
	}
	switch {
	case b.ResolverFailures < 0:
		d.errorf("dnsbl.resolver_failures", "%d is negative: write 0 to never be told", b.ResolverFailures)
	case b.ResolverFailures > MaxResolverFailures:
		d.errorf("dnsbl.resolver_failures", "%d is more than %d self-checks in a row", b.ResolverFailures, MaxResolverFailures)
	case b.ResolverFailures > 0 && b.Interval <= 0 && d.set("dnsbl.resolver_failures"):
		d.warnf("dnsbl.resolver_failures", "has no effect: dnsbl.interval is 0s, so there is no self-check to count")
	}
	d.checkDomains("dnsbl.zones.enable", b.Zones.Enable, true)
	d.checkDomains("dnsbl.zones.disable", b.Zones.Disable, true)
	for i, z := range b.Zones.Disable {
		for j, e := range b.Zones.Enable {
			if z == e {
				ke, kd := fmt.Sprintf("dnsbl.zones.enable[%d]", j), fmt.Sprintf("dnsbl.zones.disable[%d]", i)
				d.errorf(kd, "%s is also enabled (line %d)", z, d.lines[ke])
			}
		}
	}
	if k := string(b.DQSKey); k != "" {
		if !isAlnum(k, false) {
			d.errorf("dnsbl.dqs_key", "must be lower-case letters and digits (it becomes part of a DNS name)")
		} else if len(k) != 26 {
			d.warnf("dnsbl.dqs_key", "%d characters long; Spamhaus DQS keys have 26", len(k))
		}
	}
	if k := string(b.AbusixKey); k != "" && (!isAlnum(k, true) || len(k) > 63) {
		d.errorf("dnsbl.abusix_key", "must be up to 63 letters and digits (it becomes part of a DNS name)")
	}
}

func isAlnum(s string, upper bool) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || upper && r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func (d *decoder) validateMetrics(m *Metrics) {
	if m.Listen == "" {
		if m.AllowRemote && d.set("metrics.allow_remote") {
			d.warnf("metrics.allow_remote", "has no effect: metrics.listen is not set, so no metrics are served")
		}
		return
	}
	host, _, msg := splitHostPort(m.Listen, true, true)
	switch {
	case msg != "":
		d.errorf("metrics.listen", "%s", msg)
	case !isLoopbackHost(host) && !m.AllowRemote:
		what := host
		if host == "" {
			what = "every interface"
		}
		d.errorf("metrics.listen", "%s is not loopback: set metrics.allow_remote: true to serve metrics beyond this host", what)
	}
}

func (d *decoder) validateMilter(m *Milter) {
	badHeader := milter.CheckHeaderName(m.Header) != nil
	switch {
	case badHeader:
		d.errorf("milter.header", "%q is not a header name: 1 to 64 printable ASCII characters, no spaces, no ':'", m.Header)
	case ownHeader(m.Header):
		badHeader = true
		d.errorf("milter.header", "%q is a header of the message itself: a second one, added to every message, breaks it (receivers refuse a mail with two, or read the wrong one); choose a name of your own, such as %s", m.Header, milter.DefaultHeader)
	}
	if m.Listen == "" {
		// (The example's defaults say nothing: only a value of one's own.)
		for _, k := range []struct {
			key string
			own bool
		}{{"milter.header", m.Header != milter.DefaultHeader && !badHeader}, {"milter.allow_remote", m.AllowRemote}} {
			if k.own && d.set(k.key) {
				d.warnf(k.key, "has no effect: milter.listen is not set, so there is no milter")
			}
		}
		return
	}
	network, addr := m.Network()
	switch network {
	case "tcp":
		if strings.Contains(addr, "@") {
			d.errorf("milter.listen", "%q is Sendmail's inet:PORT@HOST form; Postfix's is inet:HOST:PORT", m.Listen)
			return
		}
		host, _, msg := splitHostPort(addr, false, false)
		if msg != "" {
			d.errorf("milter.listen", "%s", msg)
		} else if !isLoopbackHost(host) && !m.AllowRemote {
			d.errorf("milter.listen", "%s is reachable from the network; Postfix runs on this host, so 127.0.0.1 suffices (set milter.allow_remote: true to allow it)", host)
		}
	case "unix":
		switch {
		case !filepath.IsAbs(addr):
			d.errorf("milter.listen", "%q: the socket path must be absolute", addr)
		case !strings.HasPrefix(addr, "/var/spool/postfix/"):
			d.warnf("milter.listen", "the socket is outside /var/spool/postfix, where a chrooted smtpd (Debian's default) cannot reach it")
		}
	default:
		d.errorf("milter.listen", "%q: want inet:HOST:PORT or unix:/PATH", m.Listen)
	}
}

// messageHeaders are the header fields a message has of its own (RFC 5322
// §3.6: those it may have once, the trace and resent fields; MIME's;
// DKIM's, ARC's and the authentication results), lower case: the milter
// adds its header to every message, and a second Subject, From or
// Message-ID makes receivers refuse the mail, a second Content-Type or
// DKIM-Signature breaks it, a made-up Received or Authentication-Results
// misleads whoever reads it.
var messageHeaders = []string{
	"date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to", "references", "subject",
	"return-path", "received",
	"mime-version", "content-type", "content-transfer-encoding", "content-id", "content-description", "content-disposition",
	"dkim-signature", "authentication-results", "received-spf",
}

// ownHeader reports whether name is one of messageHeaders, or a Resent-
// or ARC- field, in any case.
func ownHeader(name string) bool {
	l := strings.ToLower(name)
	return slices.Contains(messageHeaders, l) || strings.HasPrefix(l, "resent-") || strings.HasPrefix(l, "arc-")
}

// smtpsPort is SMTP over TLS from the first byte (RFC 8314's submissions).
const smtpsPort = 465

// splitHostPort checks "host:port" with a numeric port in 1–65535 and a
// host that is an IP address or a DNS name; an empty host (all interfaces)
// only when emptyHost, port 0 (a free port the system picks) only when
// anyPort. It returns a message instead of an error.
func splitHostPort(s string, emptyHost, anyPort bool) (host string, port int, msg string) {
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Sprintf("%q is not host:port", s)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 || n == 0 && !anyPort {
		if anyPort {
			return "", 0, fmt.Sprintf("%q: the port must be a number from 0 to 65535", s)
		}
		return "", 0, fmt.Sprintf("%q: the port must be a number from 1 to 65535", s)
	}
	switch {
	case h == "" && !emptyHost:
		return "", 0, fmt.Sprintf("%q has no host", s)
	case h == "":
	case net.ParseIP(h) != nil:
	case h == "localhost":
	default:
		if m := checkDomain(h, false); m != "" {
			return "", 0, fmt.Sprintf("%q: the host %s", s, m)
		}
	}
	return h, n, ""
}
