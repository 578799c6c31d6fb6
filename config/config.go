// Package config reads rblwatch's configuration: one strict YAML file with
// sane defaults. Unknown keys, wrong types and bad values are all reported at
// once, each with its line ("FILE:LINE: key.path: problem"), the way mox's
// "config test" does. The daemon also runs with no file at all (Default).
//
// The reference for every key is docs/config.md; Example returns a commented
// file showing every key with its default.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"net/mail"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/notify"
)

// DefaultPath is where the daemon looks for its configuration.
const DefaultPath = "/etc/rblwatch/config.yaml"

// Config is the whole configuration. The yaml tags name the keys of the file.
type Config struct {
	Log    Log    `yaml:"log"`
	State  State  `yaml:"state"`
	Notify Notify `yaml:"notify"`
	// Role is who we are for our sending addresses, which decides who
	// files removal requests: dedicated (our own server, the default),
	// operator (we are the hosting company running a shared address: we
	// file removals after finding the customer behind a listing) or
	// customer (we send from our hosting company's shared address: we ask
	// them, never file ourselves). Notices, explain and replay follow it.
	Role classify.Role `yaml:"role"`
	// HostName is the name notices give this mail host (subjects, bodies,
	// the sender rblwatch@HOST); empty: the FQDN, else Postfix's
	// myhostname, else the system's host name (see daemon.HostName).
	HostName string `yaml:"host_name"`
	// SharedIP is the obsolete key that role replaced: true is an error
	// (write role: customer), false a warning. Nothing reads it.
	SharedIP bool `yaml:"shared_ip" obsolete:"role"`
	// SendingIPs are our outbound addresses: the periodic self-check looks
	// them up, and a verdict whose text names no IP is attributed to them.
	SendingIPs []netip.Addr `yaml:"sending_ips"`
	// SendingDomains are our sender domains, checked against domain lists
	// (Spamhaus DBL, SURBL, URIBL). Lower case, no trailing dot.
	SendingDomains []string `yaml:"sending_domains"`
	// ForeignAddresses is how many addresses that are not ours (neither
	// SendingIPs nor SendingDomains) all receivers together may name
	// within a day, each with an incident of its own; refusals naming
	// further ones count under their provider with no listed address
	// (ingest.AddressBound). 0: none, every refusal naming an address
	// that is not ours counts so.
	ForeignAddresses int     `yaml:"foreign_addresses"`
	DNSBL            DNSBL   `yaml:"dnsbl"`
	Catalog          Catalog `yaml:"catalog"`
	Metrics          Metrics `yaml:"metrics"`
	Milter           Milter  `yaml:"milter"`
	Logging          Logging `yaml:"logging"`

	// Warnings are doubtful but usable settings found while loading
	// (a public resolver, a secret file readable by all, …). The daemon
	// should log them; "rblwatch config check" prints them.
	Warnings []Problem `yaml:"-"`

	// File is the absolute path of the file Load read, "" for the default
	// path (DefaultPath): the commands a notice prints (rblwatch incidents
	// ack ID) carry --config FILE, so that pasted they act on this
	// daemon's state, not the default one.
	File string `yaml:"-"`
}

// Log says where Postfix's log comes from: a file (the default), the
// systemd journal, or standard input. Exactly one source is used.
type Log struct {
	// Path of the log file, followed across rotation.
	Path string `yaml:"path"`
	// Paths are several log files followed together, in place of Path: one
	// per Postfix instance when each logs to its own file (postmulti's
	// postfix-out and postfix-in). Each keeps its own position.
	Paths []string `yaml:"paths"`
	// Journald reads the journal instead of a file.
	Journald Journald `yaml:"journald"`
	// Stdin reads the log from standard input (for a pipe from another
	// collector); the daemon stops at end of input.
	Stdin bool `yaml:"stdin"`
	// Timezone of syslog timestamps that carry none (the traditional
	// "Jan  2 15:04:05" format): "Local" or an IANA name such as "Asia/Tokyo".
	Timezone string `yaml:"timezone"`
	// Backfill is how much of the log a start without a stored position
	// (a new install, or a state lost) reads back instead of starting at
	// the end, so that what was logged just before the start is not
	// missed; 0 starts at the end. Not for stdin.
	Backfill time.Duration `yaml:"backfill"`
}

// Journald selects the journal as the log source. In YAML it is either a
// boolean (true: every message of Postfix, whatever its unit) or a list of
// units to read ("postfix@-.service").
type Journald struct {
	Enabled bool
	Units   []string // empty: match Postfix by its syslog identifiers
}

// Log sources, as returned by Log.Source.
const (
	SourceFile     = "file"
	SourceJournald = "journald"
	SourceStdin    = "stdin"
)

// Source names the log source in use: SourceFile, SourceJournald or SourceStdin.
func (l Log) Source() string {
	switch {
	case l.Journald.Enabled:
		return SourceJournald
	case l.Stdin:
		return SourceStdin
	default:
		return SourceFile
	}
}

// Files returns the log files to follow (file source): log.paths, else
// log.path.
func (l Log) Files() []string {
	if len(l.Paths) > 0 {
		return l.Paths
	}
	if l.Path != "" {
		return []string{l.Path}
	}
	return nil
}

// Location returns the time zone for zone-less timestamps.
func (l Log) Location() (*time.Location, error) {
	if l.Timezone == "" {
		return time.Local, nil
	}
	return time.LoadLocation(l.Timezone)
}

// State is the embedded store.
type State struct {
	// Path of the SQLite database.
	Path string `yaml:"path"`
	// Retention is how long cleared incidents (with the messages and
	// recipients they affected) and sent notices are kept; 0 keeps them
	// forever.
	Retention time.Duration `yaml:"retention"`
	// MessageRetention is how long finished messages that met trouble
	// (a deferral, a bounce, an expiry, a rejection) are kept; 0: as long
	// as Retention.
	MessageRetention time.Duration `yaml:"message_retention"`
	// DeliveredRetention is how long messages delivered to every
	// recipient at the first attempt are kept; 0: as long as
	// MessageRetention.
	DeliveredRetention time.Duration `yaml:"delivered_retention"`
}

// TLSMode says how notify uses STARTTLS on its SMTP connection: notify's
// policy type, so the values config accepts (notify.StartTLSPolicies) are
// the ones the sender knows.
type TLSMode = notify.TLSPolicy

const (
	// TLSNever sends in clear text even if the server offers STARTTLS.
	TLSNever = notify.TLSNone
	// TLSOpportunistic uses STARTTLS when offered and accepts a certificate
	// that does not verify, like Postfix's smtp_tls_security_level = may.
	TLSOpportunistic = notify.TLSOpportunistic
	// TLSRequired refuses to send without STARTTLS and a certificate that
	// verifies for the host name, like Postfix's "secure".
	TLSRequired = notify.TLSRequired
)

// Notify is how the postmaster hears about incidents.
type Notify struct {
	// To are the recipients of incident emails, each an RFC 5322 mailbox
	// ("ops@example.com", "Ops Team <ops@example.com>"; in YAML a list or
	// a single string), parsed once here: the header shows the name, the
	// SMTP envelope and sendmail get the bare Address. Empty: no emails
	// are sent.
	To []mail.Address `yaml:"to"`
	// From is the sender, a mailbox like each of To; the zero Address
	// means rblwatch@<host name> (see Sender).
	From mail.Address `yaml:"from"`
	// SMTP is the host:port of the server that relays the emails, usually
	// the local Postfix. Empty when Sendmail is used.
	SMTP     string  `yaml:"smtp"`
	StartTLS TLSMode `yaml:"starttls"`
	// Username and Password authenticate to SMTP (SASL PLAIN). Load reads
	// PasswordFile into Password.
	Username     string `yaml:"username"`
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	// Sendmail is the path of a sendmail-compatible program used instead of
	// SMTP; it is run as: Sendmail -i -f FROM -- TO….
	Sendmail string `yaml:"sendmail"`
	// Language of the emails: "en" or "ja".
	Language string `yaml:"language"`
	// Renotify is the least time between digests about an ongoing
	// incident; 0 sends none (only the first notice and the cleared one).
	Renotify time.Duration `yaml:"renotify"`
	// Aggregate is how long to collect a burst of rejections into one
	// email; 0 sends at once.
	Aggregate time.Duration `yaml:"aggregate"`
	// Quiet clears an incident when no rejection was seen for this long
	// and the listing is gone (or cannot be checked).
	Quiet time.Duration `yaml:"quiet"`
	// Settle is how long mail delivered again to an affected receiver must
	// stand, with no new rejection, before the incident is cleared; it keeps
	// a receiver that accepts some mail and refuses other mail from flapping
	// between cleared and re-opened. 0 clears at the delivery.
	Settle time.Duration `yaml:"settle"`
	// HTML adds an HTML part beside the plain-text one.
	HTML         bool         `yaml:"html"`
	Webhook      Webhook      `yaml:"webhook"`
	Alertmanager Alertmanager `yaml:"alertmanager"`
	// SenderNotice tells a local sender, within minutes, that a blocklist
	// deferred or bounced their message (opt-in per domain).
	SenderNotice SenderNotice `yaml:"sender_notice"`
}

// SenderNotice is the early notice to a sender whose message a blocklist
// deferred or bounced (issue 11.3): sent by email (notify.smtp or
// notify.sendmail) in notify.language, never to <>, never outside Domains,
// at most once per message and PerHour times an hour per sender.
type SenderNotice struct {
	// Domains whose senders are told, each one of sending_domains; empty:
	// nobody is.
	Domains []string `yaml:"domains"`
	// PerHour is the most notices one sender gets in an hour.
	PerHour int `yaml:"per_hour"`
	// AuthenticatedOnly tells only senders whose message came with a SASL
	// login (not mail relayed for a network, whose sender may be forged).
	AuthenticatedOnly bool `yaml:"authenticated_only"`
}

// Enabled says whether any sender is told.
func (s SenderNotice) Enabled() bool { return len(s.Domains) > 0 }

// MaxSenderNoticesPerHour bounds notify.sender_notice.per_hour.
const MaxSenderNoticesPerHour = 100

// Sender returns the From mailbox: From, or rblwatch@hostname.
func (n Notify) Sender(hostname string) mail.Address {
	if n.From.Address != "" {
		return n.From
	}
	return mail.Address{Address: "rblwatch@" + strings.TrimSuffix(hostname, ".")}
}

// Envelope returns the bare addresses of mailboxes, for the SMTP envelope
// and sendmail's arguments.
func Envelope(list []mail.Address) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out
}

// ParseMailbox parses one RFC 5322 mailbox as notify.to and notify.from
// accept it: "ops@example.com", "<ops@example.com>", "Ops Team
// <ops@example.com>", a quoted name ("\"Ops, Tokyo\" <ops@example.com>"), a
// name in UTF-8 or RFC 2047 words. The address itself must be printable
// ASCII without spaces: rblwatch submits without SMTPUTF8, and the same
// address goes on sendmail's command line; the name, decoded, passes
// notify.CheckMailbox (no control or invisible character).
func ParseMailbox(s string) (mail.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		if strings.Count(s, "@") > 1 && strings.ContainsAny(s, ",;") {
			return mail.Address{}, errors.New("is not one email address (give each address as its own list item)")
		}
		return mail.Address{}, errors.New(`is not an email address: write ops@example.com or "Ops Team <ops@example.com>"`)
	}
	for _, r := range a.Address {
		switch {
		case r > 0x7e:
			return mail.Address{}, errors.New("has a non-ASCII address: rblwatch sends without SMTPUTF8 (write an international domain in its xn-- form)")
		case r <= ' ':
			return mail.Address{}, errors.New("has an address with a space in it")
		}
	}
	if err := notify.CheckMailbox(*a); err != nil {
		return mail.Address{}, err
	}
	return *a, nil
}

// TLS is the policy the SMTP sender uses: TLS from the first byte with a
// verified certificate (notify.TLSImplicit) when SMTP's port is 465, the
// port of SMTPS (RFC 8314's submissions), where a server sends its banner
// only after the handshake — Alertmanager and Grafana do the same; else
// StartTLS. Validation refuses a StartTLS that 465 would contradict.
func (n Notify) TLS() TLSMode {
	if _, port, msg := splitHostPort(n.SMTP, false, false); msg == "" && port == smtpsPort {
		return notify.TLSImplicit
	}
	return n.StartTLS
}

// Transport is "sendmail" when Sendmail is set, else "smtp".
func (n Notify) Transport() string {
	if n.Sendmail != "" {
		return "sendmail"
	}
	return "smtp"
}

// Webhook posts each incident event to a URL (chat, ticketing, …).
type Webhook struct {
	// URL to POST to; empty disables the webhook. It is a secret: Slack
	// and others put the token in the path.
	URL Secret `yaml:"url"`
	// Format of the body: one of notify.WebhookFormats ("generic", the
	// default, or "slack").
	Format notify.WebhookFormat `yaml:"format"`
}

// Alertmanager pushes incidents as alerts to Prometheus Alertmanager
// (API v2); list every instance of a cluster.
type Alertmanager struct {
	URLs []string `yaml:"urls"`
}

// DNSBL is how listings are verified.
type DNSBL struct {
	// Resolver is the "ip:port" of the recursive resolver to query; empty
	// uses the first nameserver of /etc/resolv.conf. It must not be a
	// public resolver: most lists refuse them.
	Resolver string `yaml:"resolver"`
	// Timeout of one query.
	Timeout time.Duration `yaml:"timeout"`
	// Interval of the self-check of SendingIPs and SendingDomains; 0
	// disables it.
	Interval time.Duration `yaml:"interval"`
	// ResolverFailures is how many self-checks in a row must get no DNS
	// answer at all (every lookup timed out, failed or was refused) before
	// the postmaster is told the resolver is failing; they are told once,
	// and once more when it answers again. 0: never told (still logged and
	// counted).
	ResolverFailures int   `yaml:"resolver_failures"`
	Zones            Zones `yaml:"zones"`
	// DQSKey is a Spamhaus Data Query Service key; with it Spamhaus is
	// queried through dq.spamhaus.net, which also works via public resolvers.
	DQSKey Secret `yaml:"dqs_key"`
	// AbusixKey enables Abusix Mail Intelligence zones.
	AbusixKey Secret `yaml:"abusix_key"`
}

// Zones adjusts the catalog's set of zones by name.
type Zones struct {
	Enable  []string `yaml:"enable"`  // zones off by default to query too
	Disable []string `yaml:"disable"` // zones never to query
}

// Catalog points at a user's provider file.
type Catalog struct {
	// File adds providers to the built-in catalog or overrides them by id.
	File string `yaml:"file"`
}

// Metrics is the Prometheus endpoint.
type Metrics struct {
	// Listen is the host:port serving /metrics; empty disables it.
	Listen string `yaml:"listen"`
	// AllowRemote permits a Listen address that is not loopback.
	AllowRemote bool `yaml:"allow_remote"`
}

// Milter is the optional milter that marks outbound mail.
type Milter struct {
	// Listen is "inet:HOST:PORT" or "unix:/PATH", as in Postfix's
	// smtpd_milters; empty disables the milter.
	Listen string `yaml:"listen"`
	// Header is the name of the header added to every message, whose
	// value is "QUEUEID-xxxxxxxx".
	Header string `yaml:"header"`
	// AllowRemote permits an inet Listen address that is not loopback.
	AllowRemote bool `yaml:"allow_remote"`
}

// Network splits Listen into the arguments of net.Listen: ("tcp",
// "127.0.0.1:8899") or ("unix", "/path"). It returns empty strings when the
// milter is off or Listen is malformed.
func (m Milter) Network() (network, address string) {
	switch {
	case strings.HasPrefix(m.Listen, "inet:"):
		return "tcp", strings.TrimPrefix(m.Listen, "inet:")
	case strings.HasPrefix(m.Listen, "unix:"):
		return "unix", strings.TrimPrefix(m.Listen, "unix:")
	}
	return "", ""
}

// Secret is a string that is never printed: fmt and encoders show
// "<redacted>". Use string(s) where the value is needed.
type Secret string

// String hides the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "<redacted>"
}

// GoString hides the value from %#v too.
func (s Secret) GoString() string { return `"` + s.String() + `"` }

// MarshalText hides the value from JSON, YAML and other encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Default returns the configuration used when there is no file.
func Default() *Config {
	return &Config{
		Log: Log{
			Path:     "/var/log/mail.log",
			Timezone: "Local",
			Backfill: time.Hour,
		},
		State: State{
			Path:               "/var/lib/rblwatch/state.db",
			Retention:          90 * Day,
			MessageRetention:   14 * Day,
			DeliveredRetention: 2 * Day,
		},
		Notify: Notify{
			SMTP:      "127.0.0.1:25",
			StartTLS:  TLSOpportunistic,
			Language:  "en",
			Renotify:  24 * time.Hour,
			Aggregate: 30 * time.Second,
			Quiet:     6 * time.Hour,
			Settle:    10 * time.Minute,
			Webhook:   Webhook{Format: notify.WebhookGeneric},

			SenderNotice: SenderNotice{PerHour: 3},
		},
		Role:             classify.RoleDedicated,
		ForeignAddresses: ingest.DefaultForeignAddresses,
		DNSBL: DNSBL{
			Timeout:          2 * time.Second,
			Interval:         time.Hour,
			ResolverFailures: 3,
		},
		Milter:  Milter{Header: "X-Rblwatch-Track"},
		Logging: Logging{Level: LogInfo, Format: LogText},
	}
}

// Load reads and checks the file at path. A missing file is not an error
// when path is DefaultPath (the defaults are returned); any other missing
// file is (wrapping ErrNotFound). Problems in the file are returned together
// as Errors. Unlike Parse, Load looks at the files the configuration names:
// it reads notify.password_file into Notify.Password, and checks that
// catalog.file exists and that notify.sendmail is executable.
func Load(path string) (*Config, error) {
	cfg, err := load(path, path == DefaultPath)
	if err == nil && path != DefaultPath {
		if cfg.File, err = filepath.Abs(path); err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	return cfg, err
}

// load is Load; missingOK says whether a missing file means the defaults.
func load(path string, missingOK bool) (*Config, error) {
	data, err := ReadFile(path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		if missingOK {
			return Default(), nil
		}
		return nil, fmt.Errorf("%w: %s", ErrNotFound, path)
	}
	if errors.Is(err, ErrTooLarge) {
		return nil, err
	}
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err // the path once: "reading D: is a directory"
	}
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	d := newDecoder(path, osFiles{})
	if fi, err := os.Stat(path); err == nil {
		d.mode = fi.Mode()
	}
	return d.run(data)
}

// Parse reads a configuration from data; name is used in messages. It
// touches no file: names of files are checked only for their form.
func Parse(data []byte, name string) (*Config, error) {
	return newDecoder(name, nil).run(data)
}

// Validate checks a Config built in code (Default, or one changed by a
// test) with the same rules as Parse, returning the errors (not the
// warnings) as Errors. Problems carry no line numbers.
func (c *Config) Validate() error {
	d := newDecoder("", nil)
	d.validate(c)
	var errs Errors
	for _, p := range d.errs {
		if !p.Warning {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Clone returns a deep copy.
func (c *Config) Clone() *Config {
	n := *c
	n.SendingIPs = slices.Clone(c.SendingIPs)
	n.SendingDomains = slices.Clone(c.SendingDomains)
	n.Log.Journald.Units = slices.Clone(c.Log.Journald.Units)
	n.Notify.To = slices.Clone(c.Notify.To)
	n.Notify.Alertmanager.URLs = slices.Clone(c.Notify.Alertmanager.URLs)
	n.Notify.SenderNotice.Domains = slices.Clone(c.Notify.SenderNotice.Domains)
	n.DNSBL.Zones.Enable = slices.Clone(c.DNSBL.Zones.Enable)
	n.DNSBL.Zones.Disable = slices.Clone(c.DNSBL.Zones.Disable)
	n.Warnings = slices.Clone(c.Warnings)
	return &n
}

// RestartNeeded lists the keys whose change from old to c cannot be applied
// by a reload (SIGHUP) and need a restart: the log source, the state file,
// and the addresses the daemon listens on. Everything else can be swapped
// in at run time.
func (c *Config) RestartNeeded(old *Config) []string {
	var keys []string
	add := func(key string, changed bool) {
		if changed {
			keys = append(keys, key)
		}
	}
	add("log.path", c.Log.Path != old.Log.Path)
	add("log.paths", !slices.Equal(c.Log.Paths, old.Log.Paths))
	add("log.journald", c.Log.Journald.Enabled != old.Log.Journald.Enabled ||
		!slices.Equal(c.Log.Journald.Units, old.Log.Journald.Units))
	add("log.stdin", c.Log.Stdin != old.Log.Stdin)
	add("state.path", c.State.Path != old.State.Path)
	add("host_name", c.HostName != old.HostName)
	add("metrics.listen", c.Metrics.Listen != old.Metrics.Listen)
	add("milter.listen", c.Milter.Listen != old.Milter.Listen)
	add("milter.header", c.Milter.Header != old.Milter.Header)
	add("milter.allow_remote", c.Milter.AllowRemote != old.Milter.AllowRemote)
	add("logging.format", c.Logging.Format != old.Logging.Format)
	return keys
}

// isLoopbackHost reports whether host (an IP or a name) is this machine.
func isLoopbackHost(host string) bool { return notify.LoopbackHost(host) }
