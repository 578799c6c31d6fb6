package classify

import "strings"

// Rule recognises one kind of reply. Rules live in the catalog: under a
// provider (blocklist rules naming that provider) or at the top level
// (category rules: rate limits, content, authentication, …).
//
// Every condition that is set must hold. Substrings and regular expressions
// are matched against the reply as rules see it: lower-cased, runs of white
// space collapsed to one space, and the "550-5.7.1 " prefixes of a joined
// multi-line reply (and the leading code) removed.
type Rule struct {
	// ID names the rule in verdicts ("spamhaus-zen"); unique in the catalog.
	ID string `yaml:"id" json:"id"`
	// Category of a top-level rule. Rules under a provider are blocklist
	// rules and leave it empty.
	Category Category `yaml:"category,omitempty" json:"category,omitempty"`
	// Priority orders the rules, highest first; rules of equal priority
	// keep their order in the file. Zero means the default: 50 for
	// provider rules, 20 for category rules.
	Priority int `yaml:"priority,omitempty" json:"priority,omitempty"`

	// Any: at least one of these substrings occurs. All: every one occurs.
	// Not: none occurs.
	Any []string `yaml:"any,omitempty" json:"any,omitempty"`
	All []string `yaml:"all,omitempty" json:"all,omitempty"`
	Not []string `yaml:"not,omitempty" json:"not,omitempty"`
	// Regex must match (case-insensitively). Give Any or All too where you
	// can: they are a cheap filter that spares the regular expression.
	Regex string `yaml:"regex,omitempty" json:"regex,omitempty"`
	// Codes are basic reply codes the reply must have ("550", "5xx", "45x").
	// Without a basic code, "4xx"/"5xx" match the enhanced code's class.
	Codes []string `yaml:"codes,omitempty" json:"codes,omitempty"`
	// Enhanced are enhanced status codes ("5.7.606", "4.7.5xx"; x is any
	// digit).
	Enhanced []string `yaml:"enhanced,omitempty" json:"enhanced,omitempty"`
	// Hosts are remote host suffixes the reply must come from.
	Hosts []string `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	// Greeting requires a greeting or EHLO rejection ("refused to talk to
	// me").
	Greeting bool `yaml:"greeting,omitempty" json:"greeting,omitempty"`
	// Vetoes names veto groups of the generic layer that undo the rule's
	// match when one holds: the reply gives a reason that is no listing
	// (a rate, failed logins, a country, the recipient …). For the rules
	// that take any refusal at the greeting for a refusal of our address
	// (issue 14, nineteenth round).
	Vetoes []string `yaml:"vetoes,omitempty" json:"vetoes,omitempty"`
	// Linked requires a link, domain or mail address in the reply that
	// belongs to a catalog receiver (a provider of kind proprietary: its
	// postmaster or support site), or that receiver's mail host as the
	// remote host. A rule of provider "unknown" with it names that
	// receiver (Found "url" or "relay").
	Linked bool `yaml:"linked,omitempty" json:"linked,omitempty"`

	// Target says what a blocklist rule lists: "ip" (default), "domain"
	// (Spamhaus DBL, SURBL, URIBL) or "none".
	Target string `yaml:"target,omitempty" json:"target,omitempty"`
	// Via names the provider that relayed this list's verdict (Yahoo's
	// "[BL21] … Spamhaus's list" is spamhaus via yahoo).
	Via string `yaml:"via,omitempty" json:"via,omitempty"`
	// ReceiverFault marks replies that show the receiver, not us, is at
	// fault (a Spamhaus "open resolver" error answer).
	ReceiverFault bool `yaml:"receiver_fault,omitempty" json:"receiver_fault,omitempty"`
	// Found says how a provider rule knows its provider (Verdict.Found):
	// "named" (the default: the reply names the list or receiver), "code"
	// (a reply-code family of that receiver) or "url" (its web domain).
	// Rules of provider "unknown" find no one ("generic").
	Found string `yaml:"found,omitempty" json:"found,omitempty"`

	// Meaning and Advice, when set, replace the provider's (or the
	// category's) texts for replies this rule recognises.
	Meaning Text `yaml:"meaning,omitempty" json:"meaning,omitempty"`
	Advice  Text `yaml:"advice,omitempty" json:"advice,omitempty"`
	// RemovalURL, when set, replaces the provider's removal template.
	RemovalURL string `yaml:"removal_url,omitempty" json:"removal_url,omitempty"`

	// Samples are real reply texts the rule must recognise; Counter are
	// texts that must not be classified as this rule's provider (or, for a
	// category rule, category). The loader checks both.
	Samples []string `yaml:"samples,omitempty" json:"samples,omitempty"`
	Counter []string `yaml:"counter,omitempty" json:"counter,omitempty"`

	// Disabled switches a rule off (useful to override a built-in rule).
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`

	src  string // file the rule came from
	line int    // its line there
}

// Default priorities.
const (
	defaultProviderPriority = 50
	defaultCategoryPriority = 20
)

// Targets of a blocklist rule.
const (
	targetIP     = "ip"
	targetDomain = "domain"
	targetNone   = "none"
)

// codePattern reports whether p ("550", "5xx", "55x") matches the reply
// code, or, when code is 0, the class of the enhanced code.
func codePattern(p string, code int, enhanced string) bool {
	if code == 0 {
		return len(enhanced) > 0 && p[0] == enhanced[0] && p[1] == 'x' && p[2] == 'x'
	}
	d := [3]byte{byte('0' + code/100%10), byte('0' + code/10%10), byte('0' + code%10)}
	for i := 0; i < 3; i++ {
		if p[i] != 'x' && p[i] != d[i] {
			return false
		}
	}
	return true
}

// enhancedPattern reports whether p ("5.7.606", "4.7.5xx") matches v.
func enhancedPattern(p, v string) bool {
	if len(p) != len(v) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] == v[i] || p[i] == 'x' && v[i] >= '0' && v[i] <= '9' {
			continue
		}
		return false
	}
	return true
}

// validCodePattern checks "550", "5xx": three characters, class 2-5.
func validCodePattern(p string) bool {
	if len(p) != 3 || p[0] < '2' || p[0] > '5' {
		return false
	}
	for i := 1; i < 3; i++ {
		if !(p[i] >= '0' && p[i] <= '9' || p[i] == 'x') {
			return false
		}
	}
	return true
}

// validEnhancedPattern checks "5.7.606", "4.7.5xx".
func validEnhancedPattern(p string) bool {
	parts := strings.Split(p, ".")
	if len(parts) != 3 || parts[0] != "2" && parts[0] != "4" && parts[0] != "5" && parts[0] != "x" {
		return false
	}
	for _, q := range parts[1:] {
		if len(q) == 0 || len(q) > 3 {
			return false
		}
		for i := 0; i < len(q); i++ {
			if !(q[i] >= '0' && q[i] <= '9' || q[i] == 'x') {
				return false
			}
		}
	}
	return true
}

// hostHasSuffix reports whether host is suffix or ends in "."+suffix,
// ignoring ASCII case.
func hostHasSuffix(host, suffix string) bool {
	if len(host) < len(suffix) {
		return false
	}
	tail := host[len(host)-len(suffix):]
	if !strings.EqualFold(tail, suffix) {
		return false
	}
	return len(host) == len(suffix) || host[len(host)-len(suffix)-1] == '.'
}
