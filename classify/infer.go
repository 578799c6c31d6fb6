package classify

import (
	"bytes"
	"iter"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

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
	// FoundWording: the fixed wording of one receiver's or product's
	// refusal template, without its name (Cisco Secure Email's "Your
	// access to this mail system has been rejected due to … reputation"):
	// as sure as the template is unique to it.
	FoundWording = "wording"
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
var foundValues = []string{FoundNamed, FoundCode, FoundWording, FoundURL}

// listPhrases introduce the name of a DNS list in a reply ("blocked using
// rbl.example.org", "listed at work.drbl.example.net", "is in blacklist
// rbl.example.org", "an open relay according to relays.example.org"), as
// whole words: "unlisted in", "unblocked by" and
// "delisted by" introduce none.
var listPhrases = [][]byte{
	[]byte("blocked using "), []byte("rejected using "), []byte("blocked by "), []byte("listed at "), []byte("listed in "),
	[]byte("listed on "), []byte("listed by "), []byte("blacklisted by "), []byte("blacklisted at "), []byte("blacklisted in "),
	[]byte("blocklisted by "), []byte("blocklisted in "), []byte("blocklisted at "), []byte("blocklisted on "), []byte("blacklisted on "), []byte("black list at "), []byte("blacklist at "), []byte("block list at "), []byte("rbl at "),
	[]byte("blocked - see "), []byte("refused - see "), []byte("found in "), []byte("found on "),
	[]byte("in blacklist "), []byte("in blocklist "), []byte("in black list "), []byte("in block list "),
	[]byte("on blacklist "), []byte("on blocklist "),
	// a list said by its kind before its name: "en la DNSBL
	// rbl.example.org", "listed in the DNSBL …", "blacklisted using
	// ZSorbs-All" (issue 14, twentieth round)
	[]byte("in the dnsbl "), []byte("in the rbl "), []byte("on the dnsbl "), []byte("on the rbl "), []byte("in dnsbl "), []byte("in rbl "),
	[]byte("en la dnsbl "), []byte("en la rbl "), []byte("en el rbl "), []byte("en la lista negra "), []byte("blacklisted using "),
	// a listing said, then whose it is: "an open relay according to
	// relays.example.org", "as reported by", "per", "blacklisted
	// (bl.example.net)" (issue 14, sixteenth round)
	[]byte("according to "), []byte("reported by "), []byte("per "),
	[]byte("listed ("), []byte("blacklisted ("), []byte("blocklisted ("), []byte("blocked ("),
	// Japanese: "ブラックリスト（bl.example.jp）に登録"
	[]byte("ブラックリスト("), []byte("ブラックリスト（"), []byte("ブラックリスト "), []byte("ブロックリスト("), []byte("ブロックリスト（"), []byte("ブロックリスト "),
}

// listNameRe finds a list named by its name before a list noun.
var listNameRe = regexp.MustCompile(`\b(?:listed|blocked|rejected|found|blacklisted)\s+(?:in|on|by|at)\s+the\s+([a-z0-9][a-z0-9-]{1,30})\s+(?:blacklist|blocklist|black list|block list|rbl|dnsbl)\b`)

// commonListWords name no list but whose it is or what it holds: a
// receiver's own list ("the local blacklist"), or a kind of list.
var commonListWords = []string{"our", "my", "own", "local", "internal", "private", "custom", "site", "company", "corporate",
	"global", "public", "ip", "ips", "dns", "domain", "domains", "sender", "senders", "recipient", "user", "users", "spam",
	"email", "e-mail", "mail", "server", "servers", "host", "hosts", "client", "country", "geo", "dynamic", "static",
	"reputation", "realtime", "real-time", "rbl", "dnsbl", "black", "block", "same", "above", "following", "your", "their",
	"this", "that", "default", "network", "address", "addresses", "url", "uri", "content", "header"}

// validListName reports whether s can be shown as a list's name: a DNS
// name, or one word of letters, digits and hyphens with a letter in it.
func validListName(s string) bool {
	if validName(s) {
		return true
	}
	if len(s) < 2 || len(s) > 63 || strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
	}
	return letter
}

// listSuffixes follow the name of a DNS list in a reply written in
// Japanese, where the name comes first ("rbl.example.jp に登録されている").
var listSuffixes = [][]byte{
	[]byte("に登録"), []byte("に掲載"), []byte("によりブロック"), []byte("によって拒否"),
}

// namedLists appends to dst the DNS lists a reply names ("blocked using
// rbl.example.org" gives "rbl.example.org"), in order: after each phrase of
// listPhrases, a name (a link after "blocked - see" names the list by its
// host) that is valid and public.
func namedLists(text []byte, dst []listName) []listName {
	for _, p := range listPhrases {
		for off := 0; off < len(text); {
			k := bytes.Index(text[off:], p)
			if k < 0 {
				break
			}
			rest := text[off+k+len(p):]
			at := off + k
			off += k + len(p)
			if wordBefore(text, at) && wordByte(p[0]) {
				// inside another word: "unlisted in", "unblocked by"
				continue
			}
			rest = bytes.TrimLeft(rest, "[<(\"'")
			for _, scheme := range []string{"https://", "http://"} {
				rest = bytes.TrimPrefix(rest, []byte(scheme))
			}
			rest = bytes.TrimPrefix(rest, []byte("the "))
			d := domainAt(rest)
			if d == "" || !validName(d) || !publicName(d) || ownAfter(rest[len(d):]) {
				continue
			}
			dst = append(dst, listName{d, registrable(d)})
		}
	}
	// A list named by its name rather than a zone ("is listed in the
	// MegaRBL blacklist"): the word before the list noun, unless it is a
	// word anyone's own list is called by ("our", "local", "IP"). (A text
	// without the "the" the expression needs is not searched: most are
	// not.)
	if bytes.Contains(text, []byte("the")) {
		for _, m := range listNameRe.FindAllSubmatch(text, -1) {
			if n := string(m[1]); validListName(n) && !slices.Contains(commonListWords, n) {
				dst = append(dst, listName{n, ""})
			}
		}
	}
	for _, p := range listSuffixes {
		for off := 0; off < len(text); {
			k := bytes.Index(text[off:], p)
			if k < 0 {
				break
			}
			before := bytes.TrimRight(text[:off+k], " )）」\"'")
			off += k + len(p)
			j := len(before)
			for j > 0 && (isAlnum(before[j-1]) && before[j-1] != '_' || before[j-1] == '.' || before[j-1] == '-') {
				j--
			}
			d := domainAt(before[j:])
			if d == "" || !validName(d) || !publicName(d) {
				continue
			}
			dst = append(dst, listName{d, registrable(d)})
		}
	}
	return dst
}

// ownWords, after a domain that a list's phrase introduces, make it the
// receiver's or someone's own, not a list: "rejected per example.net
// policy", "blocked by example.org anti-spam", "blocked by example.com
// users" (issue 14, seventeenth round).
var ownWords = []string{"policy", "policies", "rules", "rule", "guidelines", "terms", "anti-spam", "antispam", "filter", "filters", "filtering",
	"firewall", "security", "administrator", "administrators", "admin", "admins", "postmaster", "support", "staff", "team", "user", "users", "customer", "customers"}

// ownAfter reports whether the word at the start of b, past spaces, is
// one of ownWords.
func ownAfter(b []byte) bool {
	b = bytes.TrimLeft(b, " ")
	j := 0
	for j < len(b) && (isAlnum(b[j]) && b[j] != '_' || b[j] == '-') {
		j++
	}
	for _, w := range ownWords {
		if string(b[:j]) == w {
			return true
		}
	}
	return false
}

// linkedLists appends to dst the hosts of the links a reply gives
// ("http://", "https://" or a bare "www." name), in order, without a
// leading "www.": in a block-list refusal that names no list and no
// catalog provider, a link to another site than the receiver's own is
// where the list that refused us is looked up (namedList picks it).
func linkedLists(text []byte, dst []listName) []listName {
	for off := 0; off < len(text); {
		k, skip := -1, 0
		for _, p := range [][]byte{[]byte("http://"), []byte("https://"), []byte("www.")} {
			if i := bytes.Index(text[off:], p); i >= 0 && (k < 0 || i < k) {
				k, skip = i, len(p)
				if p[0] == 'w' {
					skip = 0
				}
			}
		}
		if k < 0 {
			break
		}
		at := off + k
		off = at + len("www.")
		if skip == 0 && at > 0 && (isAlnum(text[at-1]) || text[at-1] == '.' || text[at-1] == '-' || text[at-1] == '/' || text[at-1] == '@') {
			continue // "www." inside a name, or the host of a link seen
		}
		d := domainAt(text[at+skip:])
		if at+skip+len(d) < len(text) && text[at+skip+len(d)] == '@' {
			continue // "http://user@host": not a name to show
		}
		d = strings.TrimPrefix(d, "www.")
		if d == "" || !validName(d) || !publicName(d) {
			continue
		}
		dst = append(dst, listName{d, registrable(d)})
		off = at + skip + len(d)
	}
	return dst
}

// namedList returns the first of the DNS lists a reply names (namedLists)
// that is not the receiver's own: names of the same registrable domain as
// its mail host are not lists. "" when there is none.
func namedList(lists []listName, h *hostInfo) string {
	for _, l := range lists {
		if h.host != "" {
			if own := h.registrable(); own != "" && l.reg == own {
				continue
			}
		}
		return l.name
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
func validName[T string | []byte](s T) bool {
	if len(s) < 3 || len(s) > 253 {
		return false
	}
	digits, dots := true, 0
	start := 0 // of the current label
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			n := i - start
			if n == 0 || n > 63 || s[start] == '-' || s[i-1] == '-' {
				return false
			}
			if i < len(s) {
				dots++
			}
			start = i + 1
			continue
		}
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
			digits = false
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return dots >= 1 && !digits
}

// hostsIn calls fn with each host name the reply's links and bare domain
// names show, in order ("https://postmaster.example.net/x" and "see
// example.org" give "postmaster.example.net", "example.org"), until fn
// returns true. The names are views of text.
func hostsIn(text []byte, fn func(name []byte) bool) bool {
	for i := 0; i < len(text); {
		// A name starts at a letter or digit not preceded by one, '.',
		// '-', '@' (an address is not a link) or '/' past the host.
		c := text[i]
		if !(isAlnum(c) && c != '_') || i > 0 && (isAlnum(text[i-1]) || text[i-1] == '.' || text[i-1] == '-' || text[i-1] == '@' || text[i-1] >= utf8.RuneSelf && wordRuneBefore(text, i)) {
			i++
			continue
		}
		j := i
		for j < len(text) && (isAlnum(text[j]) && text[j] != '_' || text[j] == '.' || text[j] == '-') {
			j++
		}
		name := bytes.Trim(text[i:j], ".-")
		// (a name glued to a letter outside ASCII, "mail.ruж", is part
		// of a word, not a host)
		if validName(name) && (j >= len(text) || text[j] != '@' && !(text[j] >= utf8.RuneSelf && wordRuneAfter(text, j))) {
			if last := name[bytes.LastIndexByte(name, '.')+1:]; len(last) >= 2 && !bytes.ContainsAny(last, "0123456789") {
				if fn(name) {
					return true
				}
			}
		}
		i = j + 1
	}
	return false
}

// mailDomainsIn calls fn with the domain of each mail address the reply
// shows, until fn returns true for one the reply offers as a contact
// (contactAt: "forward this message to delist@example.net" gives
// "example.net"): a removal contact names its operator as a link does.
// The recipient or sender a reply quotes ("<bob@example.net>: Client
// host rejected", "(for bob@example.net)") names only where our mail was
// going.
func mailDomainsIn(text []byte, fn func(domain []byte) bool) bool {
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || i == 0 || !(isAlnum(text[i-1]) || text[i-1] == '.' || text[i-1] == '-') {
			continue
		}
		if d := domainAtBytes(text[i+1:]); len(d) > 0 && validName(d) {
			// (the look-up first: most addresses are no provider's)
			if fn(d) && contactAt(text, i, i+1+len(d)) {
				return true
			}
		}
	}
	return false
}

// contactAt reports whether the mail address whose '@' is text[at], its
// domain ending at end, is one the reply offers as a contact (issue 14,
// twenty-third round): never in the envelope's places ("<addr>:", "for
// <addr>", "to=<addr>", "RCPT TO:<addr>", "user addr", "<addr>...", "Mail
// to addr refused", "<addr> 宛"); else when its local part is a role's
// ("postmaster", "abuse", "delist", "unblock", …: contactLocals) or the
// words before it in its clause ask to write there ("please contact",
// "write to", "forward this message to", "Kontakt:"; contactWords), or
// those after it do ("… までご連絡ください").
func contactAt(text []byte, at, end int) bool {
	s := at
	for s > 0 && (isAlnum(text[s-1]) || text[s-1] == '.' || text[s-1] == '-' || text[s-1] == '+') {
		s--
	}
	// after it: "<addr>:", "addr: Recipient address rejected", "<addr> 宛",
	// "<addr>... User unknown" (sendmail's), "addr unknown"
	a := end
	if a < len(text) && text[a] == '>' {
		a++
	}
	if a < len(text) && text[a] == ':' && (a+1 == len(text) || text[a+1] == ' ') {
		return false
	}
	after := bytes.TrimLeft(text[a:], " >)")
	if bytes.HasPrefix(after, []byte("宛")) || bytes.HasPrefix(after, []byte("...")) || bytes.HasPrefix(after, []byte("unknown")) || bytes.HasPrefix(after, []byte("does not exist")) {
		return false
	}
	// before it: the words of its clause, the nearest last
	before := bytes.TrimRight(text[:s], " <([\"'")
	cs := clauseStart(before)
	clause := bytes.TrimLeft(before[cs:], " ")
	// "Questions? postmaster@…", "Need help? abuse@…": the address is the
	// whole clause after a question or an exclamation, whose words offer
	// it (words; rules32).
	words := clause
	if len(clause) == 0 && cs > 0 && (before[cs-1] == '?' || before[cs-1] == '!') {
		q := bytes.TrimRight(before[:cs-1], " ?!")
		words = bytes.TrimLeft(q[clauseStart(q):], " ")
	}
	for _, w := range envelopeWords {
		if bytes.HasSuffix(clause, w) && !wordBefore(clause, len(clause)-len(w)) {
			return false
		}
	}
	// "Mail to addr refused", "Your message to addr was blocked": the
	// clause is only the recipient's
	lead := clause
	for len(lead) > 0 && (isDigit(lead[0]) || lead[0] == '.' || lead[0] == ' ') {
		lead = lead[1:] // a code, an enhanced code
	}
	lead = bytes.TrimPrefix(lead, []byte("your "))
	for _, w := range envelopeClauses {
		if bytes.Equal(lead, w) {
			return false
		}
	}
	if contactLocal(text[s:at]) {
		return true
	}
	// the words of the clause, and the imperative "mail postmaster@…"
	for k := 0; k < len(words); {
		for k < len(words) && !isLetter(words[k]) && words[k] < utf8.RuneSelf {
			k++
		}
		j := k
		for j < len(words) && (isLetter(words[j]) || words[j] == '-' || words[j] >= utf8.RuneSelf) {
			j++
		}
		if contactWords[string(words[k:j])] {
			return true
		}
		if w := string(words[k:j]); j >= len(words) && len(clause) > 0 && (w == "mail" || w == "email" || w == "e-mail") && len(lead) > len(w) {
			return true // "… mail postmaster@example.net" (not "Mail addr refused")
		}
		k = j
	}
	for _, w := range contactScripts {
		if bytes.Contains(words, w) {
			return true
		}
	}
	// after it, in its sentence: "… までご連絡ください"
	if e := bytes.Index(after, []byte("。")); e >= 0 {
		after = after[:e]
	}
	after = after[:min(len(after), 60)]
	for _, w := range contactScripts {
		if bytes.Contains(after, w) {
			return true
		}
	}
	return false
}

// addressOnly reports whether rule r matched the text only by literals
// inside mail addresses that are no contacts (contactAt): every literal
// of its any that the text holds, or one of its all, occurs there and
// nowhere else. hits are the literals the matcher found.
func (c *Catalog) addressOnly(text []byte, r *crule, hits []uint64) bool {
	if bytes.IndexByte(text, '@') < 0 {
		return false // the common case: no address at all
	}
	has := func(l int32) bool { return hits[l>>6]&(1<<(uint(l)&63)) != 0 }
	inAddr := func(l int32) bool {
		w := c.litText[l]
		seen := false
		for k := range occurrences(text, w) {
			if !inRecipient(text, k, k+len(w)) {
				return false
			}
			seen = true
		}
		return seen
	}
	if len(r.any) > 0 {
		only := false
		for _, l := range r.any {
			if has(l) {
				if !inAddr(l) {
					only = false
					break
				}
				only = true
			}
		}
		if only {
			return true
		}
	}
	for _, l := range r.all {
		if inAddr(l) {
			return true
		}
	}
	return false
}

// inRecipient reports whether text[k:e] lies inside a mail address that
// is no contact (contactAt): its local part or its domain.
func inRecipient(text []byte, k, e int) bool {
	s := k
	for s > 0 && (isAlnum(text[s-1]) || text[s-1] == '.' || text[s-1] == '-' || text[s-1] == '+' || text[s-1] == '@') {
		s--
	}
	f := e
	for f < len(text) && (isAlnum(text[f]) || text[f] == '.' || text[f] == '-' || text[f] == '+' || text[f] == '@') {
		f++
	}
	at := s + bytes.IndexByte(text[s:f], '@')
	if at < s || at == s {
		return false
	}
	d := domainAtBytes(text[at+1 : f])
	return len(d) > 0 && at+1+len(d) >= e && !contactAt(text, at, at+1+len(d))
}

// envelopeWords, just before a mail address (past "<", "(" and spaces),
// put it in the envelope: the recipient or sender of our mail.
var envelopeWords = [][]byte{[]byte("for"), []byte("to="), []byte("from="), []byte("from"), []byte("rcpt to:"), []byte("mail from:"),
	[]byte("rcpt to"), []byte("mail from"), []byte("recipient"), []byte("rcpt"), []byte("user"), []byte("mailbox"), []byte("sender"),
	[]byte("address"), []byte("originator"), []byte("rfc822;"), []byte("deliver to"), []byte("delivery to"), []byte("delivered to"),
	[]byte("relay to"), []byte("relaying to"), []byte("forwarded to"), []byte("your message to"), []byte("your mail to"),
	[]byte("your email to"), []byte("your e-mail to"), []byte("sending to"), []byte("sent to"), []byte("addressed to"),
	[]byte("delivering to"), []byte("宛先"), []byte("宛先:"), []byte("宛先："),
	// German, French, Spanish, Italian: "Zustellung an <addr>", "für",
	// "pour", "para", "destinataire"
	[]byte("zustellung an"), []byte("nachricht an"), []byte("e-mail an"), []byte("mail an"), []byte("für"), []byte("empfänger"),
	[]byte("pour"), []byte("destinataire"), []byte("para"), []byte("destinatario")}

// envelopeClauses are whole clauses before a mail address that make it
// the recipient ("Mail to bob@example.net refused", "Messages to … deferred").
var envelopeClauses = [][]byte{[]byte("mail to"), []byte("message to"), []byte("messages to"), []byte("email to"), []byte("e-mail to"),
	[]byte("mail for"), []byte("message for"), []byte("mail"), []byte("email"), []byte("e-mail")}

// clauseStart returns where the last clause of b begins, within its last
// 120 bytes: after a ';', '!', '?', a parenthesis, a full stop before a
// space or an ideographic full stop.
func clauseStart(b []byte) int {
	cs := max(0, len(b)-120)
	for i := len(b) - 1; i >= cs; i-- {
		if c := b[i]; c == ';' || c == '!' || c == '?' || c == '(' || c == ')' || c == '.' && i+1 < len(b) && b[i+1] == ' ' {
			return i + 1
		}
		if b[i] == 0xe3 && bytes.HasPrefix(b[i:], []byte("。")) {
			return i + len("。")
		}
	}
	return cs
}

// contactWords, in the clause before a mail address, offer it as a
// contact.
var contactWords = map[string]bool{
	"contact": true, "contacts": true, "contacting": true, "please": true, "kindly": true, "write": true, "forward": true,
	"report": true, "register": true, "reach": true, "notify": true, "inform": true, "ask": true, "questions": true,
	"question": true, "assistance": true, "help": true, "helpdesk": true, "support": true, "postmaster": true, "abuse": true,
	"delist": true, "delisting": true, "removal": true, "unblock": true, "unblocking": true, "whitelist": true,
	"whitelisting": true, "complaints": true, "mailto": true,
	// German, French, Spanish, Italian, Polish, Portuguese
	"kontakt": true, "kontaktieren": true, "wenden": true, "schreiben": true, "contactez": true, "contacter": true, "écrivez": true,
	"écrire": true, "contacte": true, "contacto": true, "escriba": true, "escribe": true, "contatta": true, "contattare": true,
	"contattaci": true, "scrivere": true, "scrivi": true, "napisz": true, "contato": true,
	// a question invited ("Fragen? …", "Domande? …"; rules32)
	"fragen": true, "preguntas": true, "domande": true, "pytania": true,
}

// contactScripts are contact words of scripts without spaces, and
// Russian's, before or after a mail address.
var contactScripts = [][]byte{[]byte("連絡"), []byte("問い合わせ"), []byte("問合せ"), []byte("窓口"), []byte("联系"), []byte("联络"),
	[]byte("обрат"), []byte("напиш"), []byte("пишите")}

// contactLocal reports whether a mail address's local part is a role's
// (a segment between '.', '_', '-' and '+' that begins with one of
// contactLocals, or is one of the short ones): "postmaster",
// "abuse_rbl", "delist.forefront", "blockedbyearthlink", "noc".
func contactLocal(local []byte) bool {
	for len(local) > 0 {
		k := 0
		for k < len(local) && local[k] != '.' && local[k] != '_' && local[k] != '-' && local[k] != '+' {
			k++
		}
		seg := local[:k]
		local = local[min(k+1, len(local)):]
		for _, p := range contactLocals {
			if bytes.HasPrefix(seg, p) {
				return true
			}
		}
		switch string(seg) {
		case "noc", "rbl", "dnsbl", "bl", "remove", "help":
			return true
		}
	}
	return false
}

var contactLocals = [][]byte{[]byte("postmaster"), []byte("hostmaster"), []byte("mailmaster"), []byte("spammaster"), []byte("listmaster"),
	[]byte("abuse"), []byte("delist"), []byte("unblock"), []byte("block"), []byte("blacklist"), []byte("spam"), []byte("antispam"),
	[]byte("support"), []byte("helpdesk"), []byte("security"), []byte("removal"), []byte("whitelist"), []byte("kontakt"), []byte("contact")}

// howFound says how a receiver's own rule (a provider of kind
// proprietary) that sets no "found" knows its receiver in this reply:
// named when the reply calls it by its id, one of its Names, a proper
// noun of its name ("SenderBase" of "Cisco Talos (SenderBase,
// IronPort)") or one of its zones; url when a link, domain or mail
// address of its is there; else wording — the reply names no one, only
// the receiver's template says who it is (Outlook's "part of their
// network is on our block list", Gmail's "very low reputation of the
// sending IP address"). A rule whose words are a code family says so
// itself (found: code).
func (c *Catalog) howFound(text []byte, hits []uint64, p *Provider) string {
	has := func(l int32) bool { return hits[l>>6]&(1<<(uint(l)&63)) != 0 }
	url := false
	for _, cl := range c.calls[p.ID] {
		if !has(cl.lit) {
			continue // the matcher saw no such word: the common case
		}
		if cl.domain {
			url = url || hostNameAt(text, string(cl.name))
		} else if wordAt(text, cl.name) {
			return FoundNamed
		}
	}
	for _, z := range p.Zones {
		if z.Name != "" && bytes.Contains(text, []byte(normalizeLiteral(z.Name))) {
			return FoundNamed
		}
	}
	if url {
		return FoundURL
	}
	return FoundWording
}

// hostNameAt reports whether the domain d occurs in text as a host name or
// the end of one ("https://mail.live.com/…", "abuse@example.net",
// "[DB3….protection.outlook.com]"), not inside another word.
func hostNameAt(text []byte, d string) bool {
	for off := 0; off < len(text); {
		k := bytes.Index(text[off:], []byte(d))
		if k < 0 {
			return false
		}
		k += off
		off = k + 1
		end := k + len(d)
		if k > 0 && (isAlnum(text[k-1]) || text[k-1] == '-' || wordBefore(text, k)) {
			continue
		}
		if end < len(text) && (isAlnum(text[end]) || text[end] == '-' || wordAfter(text, end)) {
			continue
		}
		if at := addressAt(text, k); at >= 0 && !contactAt(text, at, hostEnd(text, end)) {
			continue // a recipient's address, not the receiver's contact
		}
		return true
	}
	return false
}

// addressAt returns the index of the '@' of the mail address whose domain
// the host name at text[k] is or ends, or -1 when it is no address's.
func addressAt(text []byte, k int) int {
	s := k
	for s > 0 && (isAlnum(text[s-1]) || text[s-1] == '.' || text[s-1] == '-') {
		s--
	}
	if s > 1 && text[s-1] == '@' && (isAlnum(text[s-2]) || text[s-2] == '.' || text[s-2] == '-' || text[s-2] == '+') {
		return s - 1
	}
	return -1
}

// hostEnd returns where the host name that goes on at text[e] ends.
func hostEnd(text []byte, e int) int {
	for e < len(text) && (isAlnum(text[e]) || text[e] == '.' || text[e] == '-') {
		e++
	}
	for e > 0 && (text[e-1] == '.' || text[e-1] == '-') {
		e--
	}
	return e
}

// callNames returns the words a reply calls p by, lower-cased: its id,
// its Names and the proper nouns of its Name (howFound).
func callNames(p *Provider) [][]byte {
	var names [][]byte
	add := func(n string) {
		if n = normalizeLiteral(n); n != "" { // folded as the text is
			names = append(names, []byte(n))
		}
	}
	add(p.ID)
	for _, w := range strings.FieldsFunc(p.Name, func(r rune) bool { return strings.ContainsRune(" /(),;", r) }) {
		if len(w) >= 3 && w[0] >= 'A' && w[0] <= 'Z' && !nameStopWords[strings.ToLower(w)] {
			add(w)
		}
	}
	for _, n := range p.Names {
		add(n)
	}
	return names
}

// nameStopWords are words of providers' names that name no one.
var nameStopWords = map[string]bool{
	"mail": true, "email": true, "online": true, "security": true, "reputation": true, "inbound": true,
	"filtering": true, "dynamic": true, "sender": true, "intelligence": true, "communications": true,
	"enterprise": true, "business": true, "message": true, "united": true, "internet": true,
	"korea": true, "china": true, "france": true, "poland": true, "belgium": true, "netherlands": true,
	"brazil": true, "ukraine": true, "japan": true, "hosted": true, "antispam": true, "email.cloud": true,
}

// occurrences yields where w occurs in text, each offset in turn,
// overlapping occurrences too.
func occurrences(text, w []byte) iter.Seq[int] {
	return func(yield func(int) bool) {
		for off := 0; off < len(text); {
			k := bytes.Index(text[off:], w)
			if k < 0 {
				return
			}
			k += off
			off = k + 1
			if !yield(k) {
				return
			}
		}
	}
}

// wordAt reports whether w occurs in text as a whole word that is not
// part of a host name or a link ("hotmail" in "by Windows Live Hotmail",
// not in "hotmail.com" nor "mx.hotmail.example"): a name said, not a
// domain shown.
func wordAt(text, w []byte) bool {
	for k := range occurrences(text, w) {
		end := k + len(w)
		if k > 0 && (isAlnum(text[k-1]) || strings.IndexByte("./@-", text[k-1]) >= 0 || wordBefore(text, k)) {
			continue
		}
		if end < len(text) && (isAlnum(text[end]) || text[end] == '.' && end+1 < len(text) && isAlnum(text[end+1]) || wordAfter(text, end)) {
			continue
		}
		return true
	}
	return false
}

// urlProvider returns the catalog provider whose web or mail domains a
// link, domain or mail address in the reply belongs to, or nil. With a
// kind, only providers of that kind count.
func (c *Catalog) urlProvider(text []byte, kinds ...Kind) *Provider {
	var p *Provider
	find := func(name []byte) bool {
		p = c.domainIdx.first(name, kinds)
		return p != nil
	}
	if hostsIn(text, find) || mailDomainsIn(text, find) {
		return p
	}
	return nil
}

// listPageProvider returns the DNS list whose page a link in a
// receiver's own reply points to ("… - see
// https://www.spamhaus.org/query/ip/192.0.2.1"), or whose removal
// address it gives: the receiver quotes that list. A list's bare home
// page ("http://www.spamhaus.org maintains lists of dynamic addresses",
// Hotmail's DY-001) only tells where to read more: it quotes no verdict
// (issue 14, seventh round).
func (c *Catalog) listPageProvider(text []byte) *Provider {
	var p *Provider
	page := func(name []byte) bool {
		if !pathAfter(text, name) {
			return false
		}
		p = c.domainIdx.first(name, []Kind{KindDNSBL})
		return p != nil
	}
	mail := func(name []byte) bool {
		p = c.domainIdx.first(name, []Kind{KindDNSBL})
		return p != nil
	}
	if hostsIn(text, page) || mailDomainsIn(text, mail) {
		return p
	}
	return nil
}

// listPageByName returns the DNS list a link in the text names by a
// segment of its path, its id or one of its names of one word ("See
// http://www.e-scrub.com/orbs/": ORBS), as the generic layer's listPage
// reads it; nil when none does. Lists whose names are common words
// (common_name) are not found so.
func (c *Catalog) listPageByName(text []byte) *Provider {
	if len(c.pageLists) == 0 {
		return nil
	}
	var p *Provider
	for off := 0; off < len(text); {
		i := bytes.Index(text[off:], []byte("://"))
		if i < 0 {
			break
		}
		start := off + i
		end := start
		for end < len(text) && text[end] != ' ' {
			end++
		}
		if pathSegment(text[start:end], func(seg string) bool { p = c.pageLists[seg]; return p != nil }) {
			return p
		}
		off = end
	}
	return nil
}

// pathAfter reports whether the host name, a view of text (as hostsIn
// gives it), is followed by a path ("example.org/query/…", not
// "example.org" or "example.org/").
func pathAfter(text, name []byte) bool {
	end := cap(text) - cap(name) + len(name)
	return end >= 0 && end+1 < len(text) && text[end] == '/' && text[end+1] != ' '
}

// suffixIndex finds the first of a list of host suffixes (Provider.Hosts
// and Domains, in catalog order) that a host name ends in, as
// hostHasSuffix tells: by looking up each suffix of the name that starts
// at a label, instead of trying every entry of the list.
type suffixIndex struct {
	entries  []hostEntry
	bySuffix map[string][]int32 // suffix → its entries, in order
}

func newSuffixIndex(entries []hostEntry) *suffixIndex {
	x := &suffixIndex{entries: entries, bySuffix: make(map[string][]int32, len(entries))}
	for i, e := range entries {
		x.bySuffix[e.suffix] = append(x.bySuffix[e.suffix], int32(i))
	}
	return x
}

// first returns the provider of the first entry that host ends in (and
// whose provider is of one of kinds, when any is given), or nil. host is
// compared without regard to case.
func (x *suffixIndex) first(host []byte, kinds []Kind) *Provider {
	var low [256]byte
	h := host
	for i, c := range host {
		if c >= 0x80 {
			return x.slowFirst(string(host), kinds) // Unicode case folding: as hostHasSuffix does
		}
		if c >= 'A' && c <= 'Z' {
			if len(host) > len(low) {
				return x.slowFirst(string(host), kinds)
			}
			h = low[:len(host)]
			copy(h, host[:i])
			for j := i; j < len(host); j++ {
				c := host[j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				h[j] = c
			}
			break
		}
	}
	best := int32(-1)
	try := func(s []byte) {
		for _, i := range x.bySuffix[string(s)] {
			if best >= 0 && i >= best {
				return
			}
			if len(kinds) == 0 || slices.Contains(kinds, x.entries[i].prov.Kind) {
				best = i
				return
			}
		}
	}
	try(h)
	for i, c := range h {
		if c == '.' {
			try(h[i+1:])
		}
	}
	if best < 0 {
		return nil
	}
	return x.entries[best].prov
}

// slowFirst is first by trying every entry in turn.
func (x *suffixIndex) slowFirst(host string, kinds []Kind) *Provider {
	for _, e := range x.entries {
		if (len(kinds) == 0 || slices.Contains(kinds, e.prov.Kind)) && hostHasSuffix(host, e.suffix) {
			return e.prov
		}
	}
	return nil
}

// linkOnly reports whether the reply shows p only by links to its general
// pages (pagesOnly): none of p's words (linkWords: its id, names, domains
// and their first labels, zones) occurs outside a link ("…, see
// https://www.spamhaus.org/faq/…", not "blocked using zen.spamhaus.org").
// The cheap tests come first: a link, p's id outside one.
func (c *Catalog) linkOnly(text []byte, p *Provider) bool {
	ws := c.linkWords[p]
	if len(ws) == 0 || !bytes.Contains(text, []byte("://")) || saidOutsideLinks(text, ws[0]) || !c.pagesOnly(text, p) {
		return false
	}
	for _, w := range ws[1:] {
		if saidOutsideLinks(text, w) {
			return false
		}
	}
	return true
}

// inForeignHosts reports whether the reply shows p, by its id or one of
// its names, only as a label of host names that are not p's ("User
// unknown - mail.sorbs.example.com", "Recipient unknown
// (cloudmark-gw1.example.org)"): every occurrence lies in a DNS name
// that is no link, is not under one of p's domains, and follows no
// listing phrase ("blocked using spamhaus.example.net" names a mirror
// of the list; listPhrases).
func (c *Catalog) inForeignHosts(text []byte, p *Provider) bool {
	seen := false
	for _, w := range c.nameWords[p] {
		for k := range occurrences(text, w) {
			e := k + len(w)
			if wordBefore(text, k) || e < len(text) && isAlnum(text[e]) {
				continue // inside a longer word: no name of p
			}
			if at := addressAt(text, k); at >= 0 && !contactAt(text, at, hostEnd(text, e)) {
				// the domain of a recipient's or sender's address
				// ("<bob@gmx.net>: Client host rejected"): where our mail
				// was going names no one (issue 14, twenty-third round)
				seen = true
				continue
			}
			// (the cheap test first: a name said as a word, not a label)
			if !(k > 0 && (text[k-1] == '.' || text[k-1] == '-') || e < len(text) && (text[e] == '.' || text[e] == '-') && e+1 < len(text) && isAlnum(text[e+1])) {
				return false
			}
			s := k
			for s > 0 && (isAlnum(text[s-1]) || text[s-1] == '.' || text[s-1] == '-') {
				s--
			}
			for e < len(text) && (isAlnum(text[e]) || text[e] == '.' || text[e] == '-') {
				e++
			}
			host := bytes.Trim(text[s:e], ".-")
			if bytes.IndexByte(host, '.') < 0 || bytes.HasPrefix(host, []byte("www.")) || bytes.HasSuffix(text[:s], []byte("://")) {
				return false
			}
			for _, d := range c.ownNames[p] {
				// (the cheap test first: one of p's own names or under it)
				if bytes.HasSuffix(host, d) && (len(host) == len(d) || host[len(host)-len(d)-1] == '.') {
					return false
				}
			}
			if c.domainIdx.first(host, nil) == p || c.hostIdx.first(host, nil) == p || ownZone(host, p) {
				return false
			}
			before := bytes.TrimRight(text[:s], "[<(\"' ")
			for _, lp := range listPhrases {
				if bytes.HasSuffix(before, bytes.TrimRight(lp, " ([（")) {
					return false
				}
			}
			seen = true
		}
	}
	return seen
}

// ownZone reports whether host is one of p's zones or under one, or
// shares the registrable domain of one of p's domains or zones.
func ownZone(host []byte, p *Provider) bool {
	h := string(host)
	for _, z := range p.Zones {
		name := z.Name
		if k := strings.Index(name, "{key}."); k >= 0 {
			name = name[k+len("{key}."):]
		}
		if hostHasSuffix(h, name) {
			return true
		}
	}
	reg := registrable(h)
	for _, z := range p.Zones {
		name := z.Name
		if k := strings.Index(name, "{key}."); k >= 0 {
			name = name[k+len("{key}."):]
		}
		if reg != "" && registrable(name) == reg {
			return true
		}
	}
	for _, d := range p.Domains {
		if reg != "" && registrable(d) == reg {
			return true
		}
	}
	return false
}

// linkWordsOf returns the words that show p in a reply, folded as a reply
// is: its id, names, domains and their first labels (a mirror's zone
// that carries one, "rbl-plus.mail-abuse.ja.net" of mail-abuse.org's
// list), and its zones without a key.
func linkWordsOf(p *Provider) [][]byte {
	var ws [][]byte
	add := func(w string) {
		if w = normalizeLiteral(w); w != "" {
			ws = append(ws, []byte(w))
		}
	}
	add(p.ID)
	for _, n := range p.Names {
		add(n)
	}
	for _, d := range p.Domains {
		add(d)
		if i := strings.IndexByte(d, '.'); i > 0 {
			add(d[:i])
		}
	}
	for _, z := range p.Zones {
		name := z.Name
		if k := strings.Index(name, "{key}."); k >= 0 {
			name = name[k+len("{key}."):]
		}
		if !strings.Contains(name, "{") {
			add(name)
		}
	}
	return ws
}

// zoneOutsideLinks reports whether a list's phrase (listPhrases) is
// followed by a DNS name that is not a link ("blocked using
// dnsbl.example.net"; not "blocked - see https://…"): the cheap test
// before namedLists.
func zoneOutsideLinks(text []byte) bool {
	for _, p := range listPhrases {
		for off := 0; off < len(text); {
			k := bytes.Index(text[off:], p)
			if k < 0 {
				break
			}
			rest := bytes.TrimLeft(text[off+k+len(p):], "[<(\"'")
			off += k + len(p)
			if bytes.HasPrefix(rest, []byte("http")) || bytes.HasPrefix(rest, []byte("www.")) {
				continue
			}
			if d := domainAtBytes(bytes.TrimPrefix(rest, []byte("the "))); bytes.IndexByte(d, '.') > 0 {
				return true
			}
		}
	}
	return false
}

// ownLists are the words of a reply that calls the list that refused
// us the receiver's own ("our local blocklist", "our internal
// blacklist", "blocked by our own list").
var ownLists = [][]byte{[]byte("our block"), []byte("our black"), []byte("our deny"), []byte("our list"), []byte("our local"), []byte("our own"),
	[]byte("our internal"), []byte("our private"), []byte("our rbl"), []byte("our dnsbl"), []byte("our spam"), []byte("our ip block"), []byte("our ip black")}

// ownListSaid reports whether the reply calls the list its own
// (ownLists), outside a link.
func ownListSaid(text []byte) bool {
	for _, w := range ownLists {
		if k := bytes.Index(text, w); k >= 0 && !wordBefore(text, k) {
			return true
		}
	}
	return false
}

// lookupWords in a link make it a lookup of our address or a removal,
// not a page about lists in general.
var lookupWords = [][]byte{[]byte("?"), []byte("="), []byte("lookup"), []byte("query"), []byte("check"), []byte("remov"), []byte("delist"), []byte("bl.shtml"), []byte("/ip/"), []byte("listing")}

// pagesOnly reports whether the reply links p's domains, and every such
// link is a page about lists in general ("https://www.spamhaus.org/
// faq/…"), not a lookup of an address or a removal form (lookupWords).
func (c *Catalog) pagesOnly(text []byte, p *Provider) bool {
	some := false
	for off := 0; off < len(text); {
		k := bytes.Index(text[off:], []byte("://"))
		if k < 0 {
			break
		}
		k += off
		e := k + bytes.IndexByte(text[k:], ' ')
		if e < k {
			e = len(text)
		}
		link := text[k+3 : e]
		off = e
		host := link[:len(domainAtBytes(link))]
		if c.domainIdx.first(host, nil) != p {
			continue
		}
		for _, w := range lookupWords {
			if bytes.Contains(link, w) {
				return false
			}
		}
		some = true
	}
	return some
}

// otherZone reports whether a DNS list the reply names by a zone outside
// a link (namedLists' lists) is no catalog provider's: no provider's
// zone, domain or mail host.
func (c *Catalog) otherZone(text []byte, lists []listName) bool {
	for _, l := range lists {
		name := []byte(l.name)
		if !saidOutsideLinks(text, name) || c.domainIdx.first(name, nil) != nil || c.hostIdx.first(name, nil) != nil || c.knownZone(l.name) {
			continue
		}
		return true
	}
	return false
}

// knownZone reports whether name is a catalog provider's zone, or a
// parent of one ("zen.dq.spamhaus.net" of "{key}.zen.dq.spamhaus.net").
func (c *Catalog) knownZone(name string) bool {
	for _, p := range c.providers {
		for _, z := range p.Zones {
			if strings.EqualFold(z.Name, name) || len(z.Name) > len(name) && z.Name[len(z.Name)-len(name)-1] == '.' && strings.EqualFold(z.Name[len(z.Name)-len(name):], name) {
				return true
			}
		}
	}
	return false
}

// saidOutsideLinks reports whether w (folded as a reply is) occurs in
// text outside a link: in a run of text without spaces that has no "://"
// and does not start with "www.".
func saidOutsideLinks(text, w []byte) bool {
	if len(w) == 0 {
		return false
	}
	for k := range occurrences(text, w) {
		s := bytes.LastIndexByte(text[:k], ' ') + 1
		e := k + bytes.IndexByte(text[k:], ' ')
		if e < k {
			e = len(text)
		}
		run := text[s:e]
		if !bytes.Contains(run, []byte("://")) && !bytes.HasPrefix(run, []byte("www.")) {
			return true
		}
	}
	return false
}
