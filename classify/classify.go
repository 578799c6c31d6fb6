package classify

import (
	"math/bits"
	"slices"
	"unsafe"
)

// Classify says what a reply means. It is pure (no I/O) and safe for
// concurrent use.
//
// The first rule, in priority order, whose conditions all hold decides.
// A failure without a remote reply (Input.NoReply) is never a blocklist
// verdict; when no rule matches it is a network problem, and any other
// unmatched reply is "other".
//
// It works in two steps: read takes from the reply's text what the
// verdict needs of it (the rule that decides, links to providers, the
// DNS lists it names), then verdict makes the verdict of those facts, the
// remote host and the listed address. Memo remembers the first step.
func (c *Catalog) Classify(in Input) Verdict {
	sc := c.scratch.Get().(*scratch)
	defer c.scratch.Put(sc)
	sc.buf = normalize(sc.buf[:0], in.Reply.Text, in.Reply.Code)
	var f facts
	c.read(sc.buf, &in, sc, &f)
	h := hostInfo{host: in.RemoteHost}
	if in.RemoteHost != "" {
		h.hp = c.hostProvider(in.RemoteHost)
	}
	v, target, listed := c.verdict(&f, &in, &h)
	if listed {
		v.Listed = c.listed(sc.buf, target, in.SendingIP)
	}
	return v
}

// hostInfo is what verdict needs of the remote host: hp, the provider
// whose mail host it is (nil: none), and its registrable domain, found
// when first asked.
type hostInfo struct {
	host    string
	hp      *Provider
	reg     string
	regDone bool
}

func (h *hostInfo) registrable() string {
	if !h.regDone {
		h.reg, h.regDone = registrable(h.host), true
	}
	return h.reg
}

// facts is what a reply's normalized text says: what Classify reads of
// the text, the reply codes and the kind of failure (Input.NoReply,
// Greeting), and of the remote host only what rules with host conditions
// ask (hostRule says one was asked).
type facts struct {
	hit      *crule
	hostRule bool
	// urlDNSBL: a DNS list a link in a proprietary provider's reply names
	// (read only for such a hit); urlAny: a provider a link in a reply of
	// no known provider names; lists: the DNS lists such a reply names,
	// in order (namedList).
	urlDNSBL, urlAny *Provider
	// named: a provider a reply of no known provider calls by one of its
	// Names.
	named *Provider
	// page: a DNS list a link of such a reply names by a segment of its
	// path ("See http://www.e-scrub.com/orbs/"): a page about that list.
	page  *Provider
	lists []listName
	// links: the hosts of the links such a reply gives ("see
	// https://rbl.example.org/…"), in order (linkedLists).
	links []listName
	// found: how a receiver's rule that sets no "found" knows its
	// receiver in this reply (howFound); "" for other rules.
	found string
}

// firstRule returns the first candidate rule (sc.cand), in priority
// order, that keep accepts and that matches the reply, or nil: the rule
// that decides, and again when a first decision gives way to the rules of
// another provider or category.
func (c *Catalog) firstRule(text []byte, in *Input, sc *scratch, keep func(*crule) bool) *crule {
	for w, word := range sc.cand {
		for word != 0 {
			i := w<<6 | bits.TrailingZeros64(word)
			word &= word - 1
			if r := c.rules[i]; keep(r) && r.match(text, sc, in) && (!r.r.Linked || c.linked(text, sc, in)) {
				return r
			}
		}
	}
	return nil
}

// listName is a DNS list a reply names, and its registrable domain.
type listName struct{ name, reg string }

// read fills f from the normalized text of in's reply.
func (c *Catalog) read(text []byte, in *Input, sc *scratch, f *facts) {
	clear(sc.hits)
	clear(sc.cand)
	sc.hostRule = false
	c.m.scan(text, sc.hits)

	// Candidate rules: those a found literal triggers, and those without
	// any literal.
	for w, word := range sc.hits {
		for word != 0 {
			l := w<<6 | bits.TrailingZeros64(word)
			word &= word - 1
			for _, r := range c.litRules[l] {
				sc.cand[r>>6] |= 1 << (uint(r) & 63)
			}
		}
	}
	for _, r := range c.always {
		sc.cand[r>>6] |= 1 << (uint(r) & 63)
	}
	hit := c.firstRule(text, in, sc, func(r *crule) bool { return !in.NoReply || r.cat != Blocklist })
	if hit != nil && hit.cat == Blocklist && hit.cues == nil && hit.prov != nil && len(hit.r.Hosts) == 0 && c.addressOnly(text, hit, sc.hits) {
		// A provider's rule that matched only by words inside the
		// recipient's or sender's address the reply quotes ("554 <
		// bob@bigpond.com>: Client host rejected: … blacklisted") does
		// not name who refused: where our mail was going names no one.
		// The other rules decide (issue 14, twenty-third round).
		prov := hit.prov
		hit = c.firstRule(text, in, sc, func(r *crule) bool { return r.prov != prov && (!in.NoReply || r.cat != Blocklist) })
	}
	if hit != nil && hit.cat == Blocklist && hit.cues == nil && hit.prov != nil && hit.r.Via == "" && hit.r.Found == "" && len(hit.r.Hosts) == 0 && c.inForeignHosts(text, hit.prov) {
		// A provider's name only as a label of another domain's host
		// name ("User unknown - mail.sorbs.example.com", "Recipient
		// unknown (cloudmark-gw1.example.org)") names the receiver's
		// host, not the list: the other rules decide, the generic layer
		// among them (issue 14, nineteenth round). A zone after a listing
		// phrase ("blocked using spamhaus.example.net", a list's mirror)
		// and the provider's own domains still name it.
		// Only when the rest call it no block at all: a block said
		// beside the host ("refused by blackhole site
		// orbz.gst-group.co.uk", a mirror of the list) keeps the name.
		prov := hit.prov
		other := c.firstRule(text, in, sc, func(r *crule) bool { return r.prov != prov && (!in.NoReply || r.cat != Blocklist) })
		if other == nil || other.cat != Blocklist {
			hit = other
		}
	}
	if hit != nil && hit.cat == Blocklist && hit.cues == nil && hit.prov != nil && hit.r.Via == "" && c.generic != nil && slices.ContainsFunc(c.supLits, func(l int32) bool { return sc.hits[l>>6]&(1<<(uint(l)&63)) != 0 }) && c.generic.cues.supposes(text, sc) {
		// A reply that only supposes a block ("User unknown. If you think
		// you are blocked, check your IP at https://check.spamhaus.org/")
		// names the list as a page to read: the first rule of another
		// category decides (issue 14, nineteenth round). (A list shown
		// only by links beside another reason is no such advice: its link
		// is often the reason, "554 Rejected as spam see:
		// http://spamcop.net/bl.shtml?…", "This violates RFC 821
		// http://www.rfc-ignorant.org/": dev.tsv, dev10.tsv.)
		hit = c.firstRule(text, in, sc, func(r *crule) bool { return r.cat != Blocklist })
	}
	f.hit, f.hostRule = hit, sc.hostRule
	if hit == nil || hit.prov == nil {
		return
	}
	var page *Provider // a DNS list whose pages the reply only links (below)
	if hit.prov.Kind == KindDNSBL && hit.r.Via == "" && c.generic != nil && c.linkOnly(text, hit.prov) {
		// A DNS list shown only by links to its general pages, none a
		// lookup or a removal ("see https://www.spamhaus.org/faq/… for
		// why we use lists"), in a reply that
		// names another list by its zone ("blocked using
		// dnsbl.example.org") or calls the list its own ("on our local
		// blocklist") is a page to read, not the list: the zone, or the
		// receiver's own list, is (issue 14, seventeenth round).
		// Another catalog list the reply names outside its links is that
		// list ("listed by Abusix; more info at https://www.spamhaus.org",
		// "… blocked using bl.spamcop.net; see https://www.spamhaus.org";
		// issue 14, twenty-second round: the wrong provider).
		linked := hit.prov
		if other := c.firstRule(text, in, sc, func(r *crule) bool { return r.prov != linked && r.cat == Blocklist }); other != nil && other.prov != nil && other.prov.ID != Unknown && other.prov != linked && !c.linkOnly(text, other.prov) {
			page, f.hit, hit = linked, other, other
		} else if ownListSaid(text) || zoneOutsideLinks(text) && c.otherZone(text, namedLists(text, f.lists[:0])) {
			page, f.hit, hit = hit.prov, c.generic, c.generic
		}
	}
	switch {
	case hit.prov.ID == Unknown:
		f.lists = namedLists(text, f.lists[:0])
		f.links = linkedLists(text, f.links[:0])
		if len(c.checkers) > 0 {
			kept := f.links[:0]
			for _, l := range f.links {
				if !c.checker(l.name) {
					kept = append(kept, l)
				}
			}
			f.links = kept
		}
		f.urlAny = c.urlProvider(text)
		f.page = c.listPageByName(text)
		for _, n := range c.nameLits {
			// (a name only as a label of another's host names no one:
			// "Rejected by mail.apple.example.org: your IP is blocked";
			// issue 14, twenty-second round)
			if sc.hits[n.lit>>6]&(1<<(uint(n.lit)&63)) != 0 && !c.inForeignHosts(text, n.prov) {
				f.named = n.prov
				break
			}
		}
		// "553 SpamCop": a DNS list's name alone in a terse reply (the
		// layer has just cut this reply into sc.toks).
		if f.named == nil && len(sc.toks) <= c.aloneMax {
			for _, n := range c.aloneLits {
				if len(sc.toks) <= c.aloneWords+n.words-1 && sc.hits[n.lit>>6]&(1<<(uint(n.lit)&63)) != 0 {
					f.named = n.prov
					break
				}
			}
		}
		// "blocked by mail.ru", "rejected using web.de": a name that is a
		// catalog receiver's own mail domain (its Hosts) is no DNS list
		// but that receiver, called by its domain.
		kept := f.lists[:0]
		for _, l := range f.lists {
			if p := c.hostProvider(l.name); p != nil {
				if f.named == nil {
					f.named = p
				}
				continue
			}
			// "listed by trustedsource.org": a DNS list's own site named
			// as the list (a registrable domain, not a zone under it) is
			// that list (issue 14, nineteenth round)
			if l.name == l.reg {
				if p := c.domainIdx.first([]byte(l.name), []Kind{KindDNSBL}); p != nil {
					if f.named == nil {
						f.named = p
					}
					continue
				}
			}
			kept = append(kept, l)
		}
		f.lists = kept
		if page != nil {
			// (its pages, linked, name it no more)
			if f.urlAny == page {
				f.urlAny = nil
			}
			if f.page == page {
				f.page = nil
			}
			if f.named == page {
				f.named = nil
			}
			links := f.links[:0]
			for _, l := range f.links {
				if c.domainIdx.first([]byte(l.name), nil) != page {
					links = append(links, l)
				}
			}
			f.links = links
		}
	case hit.prov.Kind == KindProprietary && !hit.r.ReceiverFault:
		f.urlDNSBL = c.listPageProvider(text)
		if hit.r.Found == "" {
			f.found = c.howFound(text, sc.hits, hit.prov)
			// A rule that asks for the receiver's own mail host (its
			// hosts), in a reply that neither names the receiver nor
			// links to it, knew the receiver by that host, not by its
			// words ("550 IP in blacklist" from mx3.qq.com; rules32).
			if f.found == FoundWording && len(hit.hosts) > 0 {
				f.found = FoundRelay
			}
		}
	}
}

// verdict makes the verdict of the facts of in's reply, given what h
// tells of the remote host, but for the listed address: when listed, it is
// to be found in the text (Catalog.listed) with target.
func (c *Catalog) verdict(f *facts, in *Input, h *hostInfo) (v Verdict, target string, listed bool) {
	hp := h.hp
	v = Verdict{
		Code:      in.Reply.Code,
		Enhanced:  in.Reply.Enhanced,
		Temporary: in.Reply.Temporary() || in.Deferred,
		Remote:    in.RemoteHost,
		Command:   in.Command,
	}
	hit := f.hit
	if hit == nil {
		v.Category = Other
		if in.NoReply {
			v.Category = Network
		}
		return v, "", false
	}
	v.Category = hit.cat
	v.Rule = hit.r.ID
	if hit.prov == nil {
		return v, "", false
	}
	v.Provider = hit.prov.ID
	v.ReceiverFault = hit.r.ReceiverFault
	v.Via = hit.r.Via
	v.Found = hit.found
	if f.found != "" {
		v.Found = f.found
	}
	if hit.prov.ID == Unknown {
		inferUnknown(&v, f, h)
	} else {
		if hit.prov.Kind == KindProprietary && !v.ReceiverFault {
			// A receiver's or filter's own reply that links to a DNS
			// list's page ("… - see https://www.spamhaus.org/query/ip/…")
			// quotes that list: the list must delist us.
			if lp := f.urlDNSBL; lp != nil && lp != hit.prov {
				v.Provider, v.Found, v.Via = lp.ID, FoundURL, hit.prov.ID
			}
		}
		if hp != nil && hp.ID != v.Provider && v.Via == "" {
			v.Via = hp.ID
		} else if hp == nil && h.host != "" && v.Via == "" && hit.prov.Kind != KindProprietary {
			// A catalog list quoted by a receiver the catalog does not
			// know is relayed by it as an unknown list is (inferUnknown):
			// Via names the receiver by its mail host's registrable
			// domain, so the postmaster knows who refused (issue 14,
			// eleventh round; the ninth round's note).
			v.Via = h.registrable()
		}
	}
	if v.Via == v.Provider {
		v.Via = ""
	}
	return v, hit.target, !v.ReceiverFault
}

// Unknown is the provider id of a block or reputation list the reply does
// not name.
const Unknown = "unknown"

// inferUnknown looks beyond the words of a blocklist reply that names no
// catalog provider, in this order:
//
//   - a DNS list the reply names ("blocked using rbl.example.org") is that
//     list: v.List, Found "named", and the receiver only relayed it (Via),
//     whoever the receiver is;
//   - a link to a provider's page (or its domain) names that provider
//     (Found "url");
//   - a link to a site the catalog does not know, not the receiver's own
//     ("refused, see http://www.korea.services.net/") names the list by
//     its host: v.List, Found "url", the receiver is Via (issue 12.6);
//   - a refusal from a provider's own mail host is that provider's own
//     system (Found "relay");
//   - a receiver the reply calls by one of its Names ("blocked by
//     docomo") is that receiver (Found "named"): a pasted reply without
//     its host;
//   - else the provider stays unknown (Found "generic") and the receiver,
//     named by the registrable domain of its mail host, is Via.
func inferUnknown(v *Verdict, f *facts, h *hostInfo) {
	hp := h.hp
	receiver := ""
	if hp != nil {
		receiver = hp.ID
	} else if h.host != "" {
		receiver = h.registrable()
	}
	if l := namedList(f.lists, h); l != "" {
		v.List, v.Found, v.Via = l, FoundNamed, receiver
		return
	}
	if up := f.urlAny; up != nil {
		v.Provider, v.Found = up.ID, FoundURL
		if hp != nil && hp != up {
			v.Via = hp.ID
		}
		return
	}
	if pp := f.page; pp != nil {
		v.Provider, v.Found, v.Via = pp.ID, FoundURL, receiver
		return
	}
	if l := namedList(f.links, h); l != "" {
		v.List, v.Found, v.Via = l, FoundURL, receiver
		return
	}
	if hp != nil {
		v.Provider, v.Found = hp.ID, FoundRelay
		return
	}
	if np := f.named; np != nil {
		v.Provider, v.Found, v.Via = np.ID, FoundNamed, receiver
		return
	}
	v.Found, v.Via = FoundGeneric, receiver
}

// linked reports whether a catalog receiver (a provider of kind
// proprietary) is where the reply comes from or points to: a link,
// domain or mail address of its, or its mail host as the remote host (a
// rule's Linked condition). Asking the remote host makes the facts
// depend on it (sc.hostRule).
func (c *Catalog) linked(text []byte, sc *scratch, in *Input) bool {
	if c.urlProvider(text, KindProprietary) != nil {
		return true
	}
	sc.hostRule = true // (with no remote host too: the memo keys by it)
	if in.RemoteHost == "" {
		return false
	}
	p := c.hostProvider(in.RemoteHost)
	return p != nil && p.Kind == KindProprietary
}

func (c *Catalog) hostProvider(host string) *Provider {
	return c.hostIdx.first(unsafe.Slice(unsafe.StringData(host), len(host)), nil)
}

// listed finds the listed IP or domain in the text, else the sending IP.
func (c *Catalog) listed(text []byte, target, sendingIP string) string {
	if target == targetNone {
		return ""
	}
	if s := targetIn(text, target); s != "" || target == targetDomain {
		return s
	}
	return sendingIP
}

// targetIn returns the address (or, for targetDomain, the domain) the
// normalized reply text names for a rule's target other than targetNone,
// "" for none: what listed returns when the text names one.
func targetIn(text []byte, target string) string {
	if target == targetDomain {
		return findDomain(text)
	}
	ip, _ := findIP(text)
	return ip
}

// match reports whether every condition of the rule holds.
func (r *crule) match(text []byte, sc *scratch, in *Input) bool {
	if r.cues != nil {
		return r.cues.match(text, sc)
	}
	hits := sc.hits
	has := func(l int32) bool { return hits[l>>6]&(1<<(uint(l)&63)) != 0 }
	if len(r.any) > 0 {
		ok := false
		for _, l := range r.any {
			if has(l) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, l := range r.all {
		if !has(l) {
			return false
		}
	}
	for _, l := range r.not {
		if has(l) {
			return false
		}
	}
	if r.r.Greeting && !in.Greeting {
		return false
	}
	if len(r.codes) > 0 {
		ok := false
		for _, p := range r.codes {
			if codePattern(p, in.Reply.Code, in.Reply.Enhanced) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(r.enhanced) > 0 {
		ok := false
		for _, p := range r.enhanced {
			if enhancedPattern(p, in.Reply.Enhanced) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if len(r.hosts) > 0 {
		sc.hostRule = true
		ok := false
		for _, h := range r.hosts {
			if hostHasSuffix(in.RemoteHost, h) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if r.re != nil && !r.re.Match(text) {
		return false
	}
	// (Rule.Vetoes: the generic layer's vetoes last, the dearest test)
	return r.vetoOf == nil || !r.vetoOf.vetoed(text, sc, r.vetoMask)
}
