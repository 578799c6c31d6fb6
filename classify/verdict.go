package classify

import (
	"unsafe"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/reply"
)

// Category is the broad reason a remote refused or delayed mail.
type Category string

const (
	Blocklist Category = "blocklist" // a reputation or block list names us (the IP or domain)
	RateLimit Category = "ratelimit" // too much, too fast; not a listing
	Content   Category = "content"   // this message looked like spam or carried a virus
	Auth      Category = "auth"      // SPF, DKIM or DMARC failed
	Recipient Category = "recipient" // user unknown, mailbox full, disabled account
	Policy    Category = "policy"    // a local policy of the receiver (rDNS, size, relay, sender domain, …)
	Greylist  Category = "greylist"  // try again later, by design
	TLS       Category = "tls"       // TLS required or failed
	Network   Category = "network"   // could not connect, lost connection, DNS failure
	Other     Category = "other"     // none of the above, or no reply at all
)

// Categories lists every category, in a stable order.
var Categories = []Category{Blocklist, RateLimit, Content, Auth, Recipient, Policy, Greylist, TLS, Network, Other}

// Input is what Classify looks at: a remote reply and where it came from.
type Input struct {
	Reply      reply.Reply
	RemoteHost string // "mx.example.com" (from the log; "" for a bare reply text)
	RemoteIP   string
	Command    string // SMTP command the reply answered: "RCPT TO", "end of DATA", "MAIL FROM", …
	Greeting   bool   // the remote refused at the greeting or EHLO ("refused to talk to me")
	// NoReply marks a failure without any remote reply (connect refused,
	// timeout, lost connection); Reply.Text then holds Postfix's own words.
	NoReply bool
	// Deferred: the log says Postfix deferred the mail (status=deferred),
	// whatever the code — a 5xx at the greeting makes it try the next MX
	// host and retry later. The verdict is then Temporary.
	Deferred bool
	// SendingIP is our outbound address, when known from configuration or
	// the log; it becomes Verdict.Listed when the text names no IP or domain.
	SendingIP string
}

// Verdict is what a reply means.
type Verdict struct {
	Provider  string   `json:"provider"` // catalog id ("spamhaus"), "unknown" for an unnamed list, "" when no provider is involved
	Category  Category `json:"category"`
	Listed    string   `json:"listed"`    // the listed IP or domain: from the text, else Input.SendingIP; "" when unknown
	Temporary bool     `json:"temporary"` // 4xx, or deferred by the log's word: Postfix will retry
	Code      int      `json:"code"`
	Enhanced  string   `json:"enhanced"`
	Remote    string   `json:"remote,omitempty"`  // the remote host that answered
	Command   string   `json:"command,omitempty"` // the SMTP command it answered
	Rule      string   `json:"rule,omitempty"`    // id of the catalog rule that matched
	// Via names the receiver that relayed another list's verdict
	// ("microsoft" for Outlook's "blocked using Spamhaus"): Provider is the
	// list that must delist us, Via the one that told us.
	Via string `json:"via,omitempty"`
	// ReceiverFault is set when the reply shows the receiver is at fault and
	// we are not listed (a Spamhaus "open resolver" error answer).
	ReceiverFault bool `json:"receiver_fault,omitempty"`
	// Found says how the provider was found, so that a postmaster knows
	// what is certain: "named" (the reply names it), "code" (a reply-code
	// family of one receiver), "url" (a link or domain in the reply),
	// "relay" (the receiver's mail host refused us with its own system) or
	// "generic" (wording that names no one; Provider is "unknown"). Empty
	// for replies that are not about a list.
	Found string `json:"found,omitempty"`
	// List is the DNS list a reply names that the catalog does not know
	// ("blocked using rbl.example.org", or a one-word name: "listed in the
	// MegaRBL blacklist" gives "megarbl"); Provider is then "unknown". A
	// validated DNS name or word (validListName), safe to show.
	List string `json:"list,omitempty"`
}

// Kind of provider.
type Kind string

const (
	KindDNSBL       Kind = "dnsbl"       // a public DNS list anyone can query
	KindProprietary Kind = "proprietary" // a reputation system with no public list (Microsoft, Gmail, Yahoo, …)
)

// Text is a piece of advice in every supported language.
type Text struct {
	En string `yaml:"en" json:"en"`
	Ja string `yaml:"ja" json:"ja"`
}

// Get returns the text in lang ("en" or "ja"), falling back to English.
func (t Text) Get(lang string) string {
	if lang == "ja" && t.Ja != "" {
		return t.Ja
	}
	return t.En
}

// Provider is one entry of the catalog.
type Provider struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	Kind Kind   `yaml:"kind" json:"kind"`
	// Historical is set for lists that no longer operate (SORBS, NiX Spam):
	// the text says when and what it means for a rejection naming them.
	Historical string `yaml:"historical,omitempty" json:"historical,omitempty"`
	// HistoricalJa is Historical in Japanese.
	HistoricalJa string `yaml:"historical_ja,omitempty" json:"historical_ja,omitempty"`
	// LookupURL and RemovalURL are templates with {ip} and {domain}
	// (query-escaped on expansion).
	LookupURL  string `yaml:"lookup_url,omitempty" json:"lookup_url,omitempty"`
	RemovalURL string `yaml:"removal_url,omitempty" json:"removal_url,omitempty"`
	// RemovalTime is the typical time to be delisted, as a phrase per language.
	RemovalTime Text `yaml:"removal_time,omitempty" json:"removal_time,omitempty"`
	// SelfService says whether the operator of the listed IP should file the
	// removal itself. On shared hosting the hosting company should do it.
	SelfService bool `yaml:"self_service" json:"self_service"`
	// Removal says how a listing ends (RemovalForm, RemovalContact,
	// RemovalNone); empty reads self_service: true as a form and false as
	// none, so catalogs written before the key keep their meaning.
	Removal RemovalKind `yaml:"removal,omitempty" json:"removal,omitempty"`
	// Meaning explains in a sentence or two what the provider is and what a
	// listing means; Advice gives the steps.
	Meaning Text `yaml:"meaning" json:"meaning"`
	Advice  Text `yaml:"advice" json:"advice"`
	// ListAdvice gives the steps for each of the provider's sub-lists
	// (the List of its zones' codes: "sbl", "xbl", "pbl", "dbl", …): when
	// a DNS answer names sub-lists, their advice replaces the general one,
	// which must cover every branch.
	ListAdvice map[string]Text `yaml:"list_advice,omitempty" json:"list_advice,omitempty"`
	// Zones are the provider's DNS lists, if any.
	Zones []dnsbl.Zone `yaml:"zones,omitempty" json:"zones,omitempty"`
	// Hosts are the provider's own mail host suffixes ("outlook.com",
	// "yahoodns.net"): a reply from such a host that quotes another list
	// names this provider as Verdict.Via, and a blocklist reply from it
	// that names no list is attributed to it (Found "relay").
	Hosts []string `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	// Domains are the provider's web domains ("spamhaus.org",
	// "mail.qq.com"): a blocklist reply that names no list but links to a
	// page there (or to one of Hosts) is attributed to it (Found "url").
	Domains []string `yaml:"domains,omitempty" json:"domains,omitempty"`
	// Names are the names a reply calls the receiver by ("docomo",
	// "t-online", "biglobe"), matched as whole words: a blocklist reply of
	// the generic layer that names no list but names a receiver is that
	// receiver's own refusal (Found "named"). Give only names that mean
	// the receiver and nothing else.
	Names []string `yaml:"names,omitempty" json:"names,omitempty"`
	// CommonName says that a DNS list's id and Names are common words or
	// also sign other refusals (Barracuda's filter signs content verdicts
	// too): its name alone in a terse reply is no listing. A DNS list
	// without it is found by its name alone there ("553 SpamCop", "550
	// UCEPROTECT"; issue 14, twelfth round).
	CommonName bool `yaml:"common_name,omitempty" json:"common_name,omitempty"`
	// Rules recognise the provider's rejections in reply texts. Their
	// zone names are recognised too, without a rule.
	Rules []Rule `yaml:"rules,omitempty" json:"rules,omitempty"`
}

// Clone returns v with every string copied, so that keeping the verdict does
// not keep alive the log line (or the whole read buffer) its substrings
// point into.
func (v Verdict) Clone() Verdict {
	// The strings copied into one allocation, not one each: the tracker
	// clones a verdict for every incident it opens (a dense log opens
	// thousands), and they are kept or dropped together.
	fields := [...]*string{&v.Provider, &v.Listed, &v.Enhanced, &v.Remote, &v.Command, &v.Rule, &v.Via, &v.Found, &v.List,
		(*string)(&v.Category)}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	buf := make([]byte, 0, n) // never grown: the strings stay where they are
	for _, f := range fields {
		if s := *f; s != "" {
			buf = append(buf, s...)
			*f = unsafe.String(&buf[len(buf)-len(s)], len(s))
		}
	}
	return v
}

// RemovalKind says how a listing with a provider ends.
type RemovalKind string

const (
	// RemovalForm: the owner of the address asks for removal itself,
	// through the provider's form or page (self_service: true).
	RemovalForm RemovalKind = "form"
	// RemovalContact: removal exists, but is asked for by contacting the
	// provider (postmaster, support, an address) rather than by a
	// self-service form.
	RemovalContact RemovalKind = "contact"
	// RemovalNone: there is no removal; the listing ends when the cause is
	// fixed (it expires, or the receiver lifts it).
	RemovalNone RemovalKind = "none"
)

// RemovalKinds are the values the catalog's removal key takes.
var RemovalKinds = []RemovalKind{RemovalForm, RemovalContact, RemovalNone}

// HowRemoved returns how a listing with p ends: the catalog's removal key,
// or, without it, self_service read as form (true) or none (false).
func (p *Provider) HowRemoved() RemovalKind {
	if p.Removal != "" {
		return p.Removal
	}
	if p.SelfService {
		return RemovalForm
	}
	return RemovalNone
}
