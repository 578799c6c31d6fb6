package classify

import (
	"bytes"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// How a verdict's provider was found (Verdict.Found), from the most to the
// least certain.
const (
	// FoundNamed: the reply names the list or the receiver's own system (a
	// zone, a list name, a code of that provider's own family).
	FoundNamed = "named"
	// FoundCode: a reply-code family specific to one receiver ("AUP#…",
	// "[TSS04]", "OFR006_…"), without the receiver's name.
	FoundCode = "code"
	// FoundURL: inferred from a link or domain in the reply (the
	// receiver's support page).
	FoundURL = "url"
	// FoundRelay: inferred from the mail host that answered (in log
	// context): the receiver's own system refused us.
	FoundRelay = "relay"
	// FoundGeneric: generic wording that names no one; the provider is
	// "unknown".
	FoundGeneric = "generic"
)

// foundValues are the values a rule's "found" may take.
var foundValues = []string{FoundNamed, FoundCode, FoundURL}

// listPhrases introduce the name of a DNS list in a reply ("blocked using
// rbl.example.org", "listed at work.drbl.example.net").
var listPhrases = [][]byte{
	[]byte("blocked using "), []byte("rejected using "), []byte("blocked by "), []byte("listed at "), []byte("listed in "),
	[]byte("listed on "), []byte("listed by "), []byte("blacklisted by "), []byte("blacklisted at "), []byte("blacklisted in "),
	[]byte("blocklisted by "), []byte("black list at "), []byte("blacklist at "), []byte("block list at "), []byte("rbl at "),
	[]byte("blocked - see "), []byte("refused - see "), []byte("found in "), []byte("found on "),
}

// namedList returns the DNS list a reply names that the catalog does not
// know ("blocked using rbl.example.org" gives "rbl.example.org"), or "". A
// link after "blocked - see" names the list by its host. Names that are
// the receiver's own (the same registrable domain as its mail host) are not
// lists.
func namedList(text []byte, remoteHost string) string {
	own := registrable(remoteHost)
	for _, p := range listPhrases {
		for off := 0; off < len(text); {
			k := bytes.Index(text[off:], p)
			if k < 0 {
				break
			}
			rest := text[off+k+len(p):]
			off += k + len(p)
			rest = bytes.TrimLeft(rest, "[<(\"'")
			for _, scheme := range []string{"https://", "http://"} {
				rest = bytes.TrimPrefix(rest, []byte(scheme))
			}
			rest = bytes.TrimPrefix(rest, []byte("the "))
			d := domainAt(rest)
			if d == "" || !validName(d) || !publicName(d) {
				continue
			}
			if own != "" && registrable(d) == own {
				continue
			}
			return d
		}
	}
	return ""
}

// publicName reports whether d ends in a public suffix the Internet
// knows (an ICANN or privately run one in the public suffix list). A zone
// under a made-up top-level name ("88.blocklist.zap") is a receiver's
// private mirror of some list, not a list anyone can look up: it names
// no list.
func publicName(d string) bool {
	suffix, icann := publicsuffix.PublicSuffix(strings.ToLower(d))
	return icann || strings.Contains(suffix, ".")
}

// registrable returns the registrable domain of a host name
// ("mx1.mail.example.co.jp" gives "example.co.jp"), or "" when it has none
// (an address, a bare name, a public suffix).
func registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if !validName(host) {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return d
}

// validName reports whether s is a DNS name of at least two labels made of
// letters, digits and hyphens, not an address: it is safe to show.
func validName(s string) bool {
	if len(s) < 3 || len(s) > 253 || strings.Count(s, ".") < 1 {
		return false
	}
	digits := true
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				digits = false
			case c >= '0' && c <= '9':
			default:
				return false
			}
		}
	}
	return !digits
}

// hostsIn returns the host names the reply's links and bare domain names
// show, in order ("https://postmaster.example.net/x" and
// "see example.org" give "postmaster.example.net", "example.org").
func hostsIn(text []byte) []string {
	var out []string
	for i := 0; i < len(text); {
		// A name starts at a letter or digit not preceded by one, '.',
		// '-', '@' (an address is not a link) or '/' past the host.
		c := text[i]
		if !(isAlnum(c) && c != '_') || i > 0 && (isAlnum(text[i-1]) || strings.IndexByte(".-@", text[i-1]) >= 0) {
			i++
			continue
		}
		j := i
		for j < len(text) && (isAlnum(text[j]) && text[j] != '_' || text[j] == '.' || text[j] == '-') {
			j++
		}
		name := strings.Trim(string(text[i:j]), ".-")
		if validName(name) && (j >= len(text) || text[j] != '@') {
			if last := name[strings.LastIndexByte(name, '.')+1:]; len(last) >= 2 && !strings.ContainsAny(last, "0123456789") {
				out = append(out, name)
			}
		}
		i = j + 1
	}
	return out
}

// mailDomainsIn returns the domains of the mail addresses the reply shows
// ("forward this message to delist@example.net" gives "example.net"): a
// removal contact names its operator as a link does.
func mailDomainsIn(text []byte) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || i == 0 || !(isAlnum(text[i-1]) || text[i-1] == '.' || text[i-1] == '-') {
			continue
		}
		if d := domainAt(text[i+1:]); d != "" && validName(d) {
			out = append(out, d)
		}
	}
	return out
}

// urlProvider returns the catalog provider whose web or mail domains a
// link, domain or mail address in the reply belongs to, or nil. With
// kinds, only providers of those kinds count.
func (c *Catalog) urlProvider(text []byte, kinds ...Kind) *Provider {
	for _, h := range append(hostsIn(text), mailDomainsIn(text)...) {
		for _, e := range c.domainProv {
			if len(kinds) > 0 && !slices.Contains(kinds, e.prov.Kind) {
				continue
			}
			if hostHasSuffix(h, e.suffix) {
				return e.prov
			}
		}
	}
	return nil
}
