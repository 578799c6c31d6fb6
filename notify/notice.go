// Package notify tells the postmaster: it composes the diagnosis emails
// (English and Japanese), webhook bodies (generic JSON, Slack) and
// Alertmanager alerts from an incident snapshot, and delivers them through a
// persistent outbox, one lane per channel.
//
// Compose is pure: the date, the Message-ID and everything else that varies
// are arguments, and the MIME boundary is derived from the Message-ID, so a
// notice renders byte-identical run to run. The senders (SMTP with go-smtp,
// sendmail, webhook, Alertmanager) are thin edges whose errors say whether a
// retry makes sense; the Worker drains the outbox, each channel on its own.
//
// Wiring, in the daemon (daemon/notices.go):
//
//	kind, _ := notify.KindOf(ev.Kind)            // an incident event becomes a notice:
//	n := notify.Notice{Kind: kind, Incident: ev.Incident, Provider: cat.Provider(ev.Incident.Provider), …}
//	key, mid := notify.NoticeKey(n), notify.MessageID(n, now, host) // recorded once, in the event's transaction
//	// later, beside the ingest loop: Reply, Checks (DNS), Lang, Role, Host, Related, Thread filled in,
//	// and one outbox item per channel under notify.DedupKey(n, channel):
//	msg, _ := notify.Compose(n, cfg, now, mid)                      // "email"
//	body, _ := notify.WebhookPayload(n, cfg, now, format)           // "webhook"
//	alerts, _ := notify.Alerts(n, cfg, now)                         // "alertmanager" (their JSON)
//	// once: a Worker over the store (a Queue whose Claim takes an item
//	// atomically), one lane per channel, run with a ticker.
//	w := &notify.Worker{Queue: q, Sinks: map[string]notify.Transport{"email": &notify.SMTP{…}, "webhook": &notify.Webhook{…}}, Log: log}
//	go w.Run(ctx, time.NewTicker(time.Second).C)
//
// A notice to a sender whose message was refused (SenderNotice) is composed
// by ComposeSender and keyed by SenderKey.
//
// Text from remote servers and the log (reply texts, log lines, addresses,
// TXT answers) is attacker-controlled: it appears only in message bodies,
// sanitised by the one sanitizer (internal/sanitize), never in a header;
// HTML is escaped by html/template and links only to the catalog's lookup
// and removal pages.
package notify

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
)

// Sentinel errors.
var (
	ErrConfig    = errors.New("notify: bad configuration")
	ErrMessageID = errors.New("notify: bad Message-ID")
	ErrKind      = errors.New("notify: unknown notice kind")
	ErrLang      = errors.New("notify: unsupported language")
)

// Kind says what a notice tells.
type Kind string

const (
	// Incident notices, from incident.Event.
	KindOpened  Kind = "opened"  // receivers refuse our mail citing a provider
	KindDigest  Kind = "digest"  // still ongoing: a summary since the last notice
	KindCleared Kind = "cleared" // mail flows again
	// Self-check notices, from the periodic DNSBL check of our own IPs and
	// domains.
	KindListed   Kind = "listed"   // a list names us now
	KindDelisted Kind = "delisted" // it no longer does
	// KindResolver says the DNS resolver fails every lookup, or answers
	// again (Notice.Resolver says which).
	KindResolver Kind = "resolver"
	// KindBacklog sums up, once per catch-up, the incidents that began
	// and ended inside a backlog of the log the daemon read late (after
	// a restart or a stop, or a fresh start's read-back): nobody was told
	// of them while they lasted, and they get this one notice instead of
	// an opened and a cleared notice each (Notice.Backlog says what).
	KindBacklog Kind = "backlog"
)

// Kinds lists every kind, in a stable order.
var Kinds = []Kind{KindOpened, KindDigest, KindCleared, KindListed, KindDelisted, KindResolver, KindBacklog}

// BacklogListed is how many incidents a backlog notice lists at most; the
// others are counted (Backlog.More, Backlog.MoreCounts).
const BacklogListed = 20

// Backlog is what a KindBacklog notice tells: the stretch of the log read
// late, and the incidents that began and ended inside it.
type Backlog struct {
	// From and Until are the log's times at the start and the end of the
	// stretch read (the catch-up).
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
	// Incidents are the incidents listed, each cleared (ClearedAt,
	// ClearedBy say how it ended): at most BacklogListed, those that
	// refused the most mail, in the order they began.
	Incidents []Related `json:"incidents"`
	// More is how many more incidents there were, and MoreCounts their
	// totals (At unused).
	More       int    `json:"more,omitempty"`
	MoreCounts Counts `json:"more_counts,omitzero"`
	// Ended says the stretch ends where the log source did (log.stdin at
	// the end of its input): rblwatch stops there and follows nothing.
	Ended bool `json:"ended,omitempty"`
}

// Total is how many incidents the backlog held, listed or not.
func (b *Backlog) Total() int { return len(b.Incidents) + b.More }

// ResolverState is what a KindResolver notice tells: the resolver got no
// answer in Rounds self-checks in a row since Since (Failing), or answers
// again at At after such a stretch.
type ResolverState struct {
	Failing bool      `json:"failing"`
	Server  string    `json:"server"` // "127.0.0.1:53"
	Rounds  int       `json:"rounds"` // failed self-checks in a row
	Since   time.Time `json:"since"`  // the first failed self-check
	At      time.Time `json:"at"`     // this self-check
	// Error is the last lookup's error (sanitised when shown).
	Error string `json:"error,omitempty"`
}

// KindOf maps an incident event kind to a notice kind.
func KindOf(k incident.EventKind) (Kind, error) {
	switch k {
	case incident.EventOpened:
		return KindOpened, nil
	case incident.EventDigest:
		return KindDigest, nil
	case incident.EventCleared:
		return KindCleared, nil
	}
	return "", ErrKind
}

// CheckStatus is the outcome of a DNSBL confirmation.
type CheckStatus string

const (
	CheckListed CheckStatus = "listed" // the zone lists the target now
	CheckClean  CheckStatus = "clean"  // the zone does not list it now
	CheckError  CheckStatus = "error"  // the lookup failed, or the zone refused to answer (never a listing)
	CheckNoList CheckStatus = "nolist" // the provider has no public list to query
)

// Check is one DNSBL confirmation of the listing, from package dnsbl (see
// CheckOf).
type Check struct {
	Zone    string      `json:"zone,omitempty"` // "zen.spamhaus.org"; "" for CheckNoList
	Status  CheckStatus `json:"status"`
	Meaning string      `json:"meaning,omitempty"` // from the catalog: "XBL: exploited host"
	// MeaningJa is Meaning in Japanese, from the catalog.
	MeaningJa string `json:"meaning_ja,omitempty"`
	// Lists are the provider's sub-lists the answer names ("xbl"): the
	// advice is narrowed to them.
	Lists []string `json:"lists,omitempty"`
	// TXT is the zone's TXT answer. It comes from the network and is
	// sanitised before it is shown.
	TXT   string `json:"txt,omitempty"`
	Error string `json:"error,omitempty"` // why a CheckError happened
	// Failure classifies a CheckError, so that a notice can say why in
	// its language.
	Failure Failure `json:"failure,omitempty"`
	// NoIPv6 is set (Status clean) for an IPv6 address in a zone that
	// lists no IPv6 addresses (ipv4_only): not asked, so its "not listed"
	// says nothing of the address (dnsbl.Result.NoIPv6).
	NoIPv6 bool `json:"no_ipv6,omitempty"`
}

// Failure is why a DNS check gave no answer.
type Failure string

const (
	FailureRefused   Failure = "refused"   // the list refused the query (public resolver, quota, typo)
	FailureDNS       Failure = "dns"       // timeout, SERVFAIL, REFUSED, network error
	FailureBadAnswer Failure = "badanswer" // an answer outside 127.0.0.0/8 (a resolver rewriting NXDOMAIN)
	FailureNoKey     Failure = "nokey"     // the zone needs a subscriber key
	FailureTimeout   Failure = "timeout"   // the check did not finish in time for the notice
	FailureDeadZone  Failure = "deadzone"  // the zone fails its RFC 5782 test point: dead, mistyped, unreachable
	FailureOther     Failure = "other"
)

// CheckOf turns a DNSBL result into a notice's check.
func CheckOf(r dnsbl.Result) Check {
	c := Check{Zone: r.Zone, Status: CheckStatus(r.Status), Meaning: r.Meaning, MeaningJa: r.MeaningJa, Lists: r.Lists, TXT: r.TXT, NoIPv6: r.NoIPv6}
	if r.Status != dnsbl.StatusError {
		return c
	}
	c.Status, c.Error = CheckError, r.Reason
	if c.Error == "" && r.Err != nil {
		c.Error = r.Err.Error()
	}
	switch {
	case errors.Is(r.Err, dnsbl.ErrUnhealthy):
		c.Failure = FailureDeadZone
	case errors.Is(r.Err, dnsbl.ErrRefused):
		c.Failure = FailureRefused
	case errors.Is(r.Err, dnsbl.ErrBadAnswer):
		c.Failure = FailureBadAnswer
	case errors.Is(r.Err, dnsbl.ErrNoKey):
		c.Failure = FailureNoKey
	case errors.Is(r.Err, dnsbl.ErrDNS):
		c.Failure = FailureDNS
	default:
		c.Failure = FailureOther
	}
	return c
}

// Counts are an incident's totals at some moment. The daemon keeps the
// counts at the last notice (in its store, so a restart keeps them) so that
// a digest can say what is new, and since when.
type Counts struct {
	Messages   int `json:"messages"`
	Recipients int `json:"recipients"`
	Bounced    int `json:"bounced"`
	Deferred   int `json:"deferred"`
	// At is when these were the totals (the time of that notice); zero
	// when unknown.
	At time.Time `json:"at,omitzero"`
}

// CountsOf returns the totals of an incident snapshot.
func CountsOf(inc incident.Incident) Counts {
	return Counts{
		Messages:   len(inc.Messages) + inc.MoreMessages,
		Recipients: len(inc.Recipients) + inc.MoreRecipients,
		Bounced:    inc.Bounced,
		Deferred:   inc.Deferred,
	}
}

// Notice is what to tell the postmaster.
type Notice struct {
	Kind Kind `json:"kind"`
	// Incident is the snapshot. For self-check notices only Key, ID,
	// FirstSeen (listed since) and ClearedAt (delisted at) matter.
	Incident incident.Incident `json:"incident"`
	// Provider is the catalog entry for Incident.Provider; nil when the
	// list is not in the catalog ("unknown").
	Provider *classify.Provider `json:"-"`
	// Via is the catalog entry for Incident.Verdict.Via, the receiver that
	// relayed the provider's verdict; nil shows the id.
	Via *classify.Provider `json:"-"`
	// Reply is the first reply text that named the provider. Like Samples,
	// it is attacker-controlled and only ever shown sanitised in the body.
	Reply string `json:"reply,omitempty"`
	// FoundNote says in Lang how the provider was found
	// (classify.Catalog.FoundNote of Incident.Verdict.Found: "named in the
	// reply", "inferred from the receiver's mail host …"), as explain and
	// the replay report say it; "" shows nothing.
	FoundNote string `json:"found_note,omitempty"`
	// Checks are DNSBL confirmations, if any were made.
	Checks []Check `json:"checks,omitempty"`
	// Previous are the counts at the last notice, for a digest; nil when
	// unknown (the digest then counts messages first seen after
	// Incident.Notified).
	Previous *Counts `json:"previous,omitempty"`
	// Lang is "en" (default) or "ja".
	Lang string `json:"lang"`
	// Role is who we are for the listed address (config's role): it
	// decides who files the removal, and so the advice. "" is
	// classify.RoleDedicated.
	Role classify.Role `json:"role,omitempty"`
	// Host is our mail host's name, as the postmaster knows it.
	Host string `json:"host,omitempty"`
	// Related are other incidents announced in the same notice: the other
	// providers listing the same address in the same aggregation window,
	// or the other findings of one self-check round. The daemon decides
	// which incidents go together.
	Related []Related `json:"related,omitempty"`
	// Thread are the Message-IDs of the earlier notices this one follows,
	// root (the opened notice) first; Compose writes In-Reply-To (the last)
	// and References (all). Empty for a first notice.
	Thread []string `json:"thread,omitempty"`
	// Quiet is the quiet period that closed the incident, for a cleared
	// notice whose Incident.ClearedBy is "quiet": the notice names it.
	Quiet time.Duration `json:"quiet,omitempty"`
	// Resolver is set for KindResolver (and only then).
	Resolver *ResolverState `json:"resolver,omitempty"`
	// Backlog is set for KindBacklog (and only then).
	Backlog *Backlog `json:"backlog,omitempty"`
}

// Related is another incident announced in the same notice as the main one
// (Notice.Incident).
type Related struct {
	Incident incident.Incident  `json:"incident"`
	Provider *classify.Provider `json:"-"` // nil when not in the catalog
	Via      *classify.Provider `json:"-"`
	// Reply is the first reply text (remote, sanitised when shown).
	Reply string `json:"reply,omitempty"`
	// FoundNote is Notice.FoundNote of this incident.
	FoundNote string  `json:"found_note,omitempty"`
	Checks    []Check `json:"checks,omitempty"`
	// Previous are this incident's counts at its previous notice, for a
	// digest that covers several incidents of one address; nil: counted
	// from its messages since Incident.Notified.
	Previous *Counts `json:"previous,omitempty"`
}

// Config is the part of the configuration that composing needs.
type Config struct {
	// From and To are the header's mailboxes, parsed once by package
	// config: the header shows their names, while the transports get only
	// the bare addresses (config.Envelope).
	From mail.Address
	To   []mail.Address
	// HTML adds an HTML alternative to the plain text.
	HTML bool
	// Renotify is the digest interval, mentioned in "what happens next";
	// zero leaves the interval out.
	Renotify time.Duration
	// Location is the time zone of the Date header and of times in the
	// body; nil means UTC.
	Location *time.Location
	// ConfigPath is the configuration file the daemon runs with, absolute,
	// or "" for the default one: the rblwatch commands a notice prints
	// then end with --config PATH (quoted for a POSIX shell when it needs
	// it), so that pasted as printed they act on this daemon's state. A
	// path that cannot be shown on one line (a control character, an
	// invisible one) leaves the ack and mute commands out.
	ConfigPath string
}

// DedupKey names a notice for one channel in the outbox, so that enqueueing
// the same notice twice (a restart replaying an event) stores it once:
// NoticeKey(n) + "/" + sink. With SenderKey, it is the only key scheme of
// the outbox.
func DedupKey(n Notice, sink string) string {
	return NoticeKey(n) + "/" + sink
}

// SenderKey names the notice to a sender about one message in the outbox:
// "sender/<first queue id>/<unix time it was first seen>/<sender>" (the
// first queue id is stable across a content filter and postsuper -r, and
// Postfix reuses queue ids, never at the same time). One message, one
// notice, however many recipients are refused and however often.
func SenderKey(n SenderNotice) string {
	seen := ""
	if !n.Sent.IsZero() {
		seen = strconv.FormatInt(n.Sent.Unix(), 10)
	}
	return "sender/" + n.QueueID + "/" + seen + "/" + strings.ToLower(n.Sender)
}

// NoticeKey names a notice whatever its channel:
// "incident/<id>/opened", "incident/<id>/digest/<n>" (n is the number of
// notices of the incident, this one included), "incident/<id>/cleared";
// "self/<provider>/<listed>/<kind>/<unix time>" for self-check notices,
// whose time is FirstSeen (listed) or ClearedAt (delisted);
// "resolver/failing/<unix time>" and "resolver/recovered/<unix time>" for
// resolver notices, whose time is the first failed self-check: one of each
// per outage; "backlog/<unix time>/<n>/<digest>" for a backlog summary,
// whose time is the end of the stretch of log it sums up, n the number of
// its incidents and digest a hash of the listed incidents' IDs.
func NoticeKey(n Notice) string {
	inc := n.Incident
	switch n.Kind {
	case KindBacklog:
		until, total := int64(0), 0
		h := sha256.New()
		if b := n.Backlog; b != nil {
			until, total = b.Until.Unix(), b.Total()
			for _, r := range b.Incidents {
				h.Write([]byte(r.Incident.ID + "\x00"))
			}
		}
		return fmt.Sprintf("backlog/%d/%d/%x", until, total, h.Sum(nil)[:6])
	case KindResolver:
		state, since := "failing", int64(0)
		if r := n.Resolver; r != nil {
			since = r.Since.Unix()
			if !r.Failing {
				state = "recovered"
			}
		}
		return fmt.Sprintf("resolver/%s/%d", state, since)
	case KindDigest:
		return fmt.Sprintf("incident/%s/digest/%d", inc.ID, inc.Notices)
	case KindListed:
		return fmt.Sprintf("self/%s/%s/listed/%d", inc.Provider, inc.Listed, inc.FirstSeen.Unix())
	case KindDelisted:
		return fmt.Sprintf("self/%s/%s/delisted/%d", inc.Provider, inc.Listed, inc.ClearedAt.Unix())
	}
	return fmt.Sprintf("incident/%s/%s", inc.ID, n.Kind)
}
