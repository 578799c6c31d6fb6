package classify

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// GenericCues is the vocabulary of the generic layer (the catalog's
// "generic" key): how a refusal of our sending address for its reputation
// reads when no catalog entry knows the wording.
//
// The reply is cut into words (see tokenize: letters and digits of any
// script; an IPv4 address or a mask of one is one word; a link is one word
// that only Links look into) and into clauses (at '.', ';', '!', '?'). It
// is such a refusal when, in one clause,
//
//   - a Subject cue (words that denote our sending side: "ip", "your
//     server", "connecting host", 192.0.2.1, x.x.x.x) stands within Window
//     words of a Refusal cue ("blocked", "no access", "too much spam") or
//     a List cue ("blacklist", "rbl"), or a List cue within Window words of
//     a Refusal cue ("rbl reject");
//   - a Qualifier ("bad", "poor") stands at most two words before a Subject
//     or Standing cue ("bad sender ip", "poor email reputation"), or a
//     Locative ("in", "on") at most two words before a List cue ("in a
//     black list");
//     An address alone is a weaker Subject: in brackets ("[192.0.2.1]",
//     as receivers echo the client) it is none, and otherwise it pairs
//     with a Refusal or List cue only before it or at most two words
//     after it, and with no Refusal that an Owner word just before it
//     claims ("192.0.2.1: recipient rejected"); a Placed phrase ("from
//     192.0.2.1") pairs anywhere in the window, but not with such a
//     claimed Refusal either;
//   - or a Strong cue occurs ("blacklisted", "blocked using"), a Terse cue
//     in a reply of at most TerseWords words ("tutanota is blocked"; not
//     right after an Owner word: "message is rejected"), or a link whose
//     address holds one of Links ("…/delist?ip=…");
//
// and no Veto group holds: a group holds when one of its cues occurs
// anywhere in the reply and none of its Except cues does ("too many" is a
// rate limit unless "spam" is said too).
//
// The words of a Boilerplate phrase — what an MTA writes before any
// reason ("Mailbox unavailable. The server response was:", RFC 5321's
// "Requested action not taken: mailbox unavailable") — are no cue of any
// kind: a wrapper is no recipient refusal.
//
// A cue is a phrase of words matched as whole words; a word ending in "*"
// is a prefix ("blacklist*" is also "blacklisted"); "{ip}" stands for an
// address, "{link}", after a first word, for a link ("appears on
// {link}"), "{addr}" for a mail address ("a@example.org" or a word in
// angle brackets; "{mail}" for the address with its "@" only) and
// "{word}", after a first word, for any one plain word ("blocked by the
// {word} user": a user's name), "{provider}", after a
// first word, for the name a catalog provider is called by ("blocked by
// {provider}": "blocked by Mimecast", "denied by Barracuda Networks"),
// "{host}", after a first
// word, for a host name ("host {host}": "host mx.example.net") or a
// template's placeholder where one would be ("listed in %s", "listed in
// <zone>"), and a word in angle brackets for that word alone in <>, [] or
// {} ("<list>": a template's placeholder, "found on [list]"), and
// "{placeholder}", after a first word, for any such placeholder or a
// printf verb ("denied by %s", "blocked by <RBL>"). A cue in Chinese,
// Japanese or Korean (scripts that do not put spaces between words, or
// glue particles to them) is found anywhere inside a word instead
// ("黑名单", "ブロック", "차단"), and so is one in Thai, Lao, Khmer or
// Burmese.
type GenericCues struct {
	// Priority places the layer among the rules (default 41): rules of a
	// higher priority are tried first, then the layer, then the rest.
	Priority int      `yaml:"priority,omitempty" json:"priority,omitempty"`
	Window   int      `yaml:"window,omitempty" json:"window,omitempty"`
	Subject  []string `yaml:"subject,omitempty" json:"subject,omitempty"`
	Refusal  []string `yaml:"refusal,omitempty" json:"refusal,omitempty"`
	List     []string `yaml:"list,omitempty" json:"list,omitempty"`
	Strong   []string `yaml:"strong,omitempty" json:"strong,omitempty"`
	// Qualifier: words that, at most two words before a Subject cue or a
	// Standing word, call it bad ("bad sender ip", "poor email
	// reputation").
	Qualifier []string `yaml:"qualifier,omitempty" json:"qualifier,omitempty"`
	Standing  []string `yaml:"standing,omitempty" json:"standing,omitempty"`
	// Locative: words that, at most two words before a List cue, put us on
	// it ("in a black list", "on our blacklist").
	Locative []string `yaml:"locative,omitempty" json:"locative,omitempty"`
	// Owner: words that, just before a Refusal cue, say what it refuses
	// when that is not our side ("recipient rejected", "user refused",
	// "message rejected"): such a refusal is not about an address that
	// stands alone in the reply (see decide).
	Owner []string `yaml:"owner,omitempty" json:"owner,omitempty"`
	// Placed: Subject phrases that only say where mail came from ("from
	// 192.0.2.1", "for 192.0.2.1"): like an address alone, they are what a
	// refusal is about only when no Owner word claims the refusal.
	Placed []string `yaml:"placed,omitempty" json:"placed,omitempty"`
	// Terse: cues that are enough in a reply of at most TerseWords words
	// ("tutanota is blocked": the receiver refuses the sender by name).
	Terse      []string `yaml:"terse,omitempty" json:"terse,omitempty"`
	TerseWords int      `yaml:"terse_words,omitempty" json:"terse_words,omitempty"`
	// NameWords: a DNS list's own name (its id and Names, unless the
	// catalog calls them common: Provider.CommonName) is a Terse cue in a
	// reply of at most NameWords words (default 3): "553 SpamCop", "550
	// UCEPROTECT listed" (issue 14, twelfth round). The names come from
	// the catalog's providers, not from this key.
	NameWords int `yaml:"name_words,omitempty" json:"name_words,omitempty"`
	names     []string
	// callers: the names the catalog's DNS lists and receivers are
	// called by (their ids and Names), for the "{provider}" element; from
	// the catalog, not from this key.
	callers []string
	Links   []string `yaml:"links,omitempty" json:"links,omitempty"`
	// Checkers: sites that look an address up in many lists or test a
	// mail setup (a multi-list lookup, a mail-tester site): a link to one
	// of them, or to a name under it, names no list (issue 14,
	// seventeenth round).
	Checkers []string `yaml:"checkers,omitempty" json:"checkers,omitempty"`
	Veto     []Veto   `yaml:"veto,omitempty" json:"veto,omitempty"`
	// Boilerplate: phrases whose words are not cues (see above).
	Boilerplate []string `yaml:"boilerplate,omitempty" json:"boilerplate,omitempty"`
	// Samples must be classified as a blocklist refusal of provider
	// "unknown"; Counter must not be.
	Samples []string `yaml:"samples,omitempty" json:"samples,omitempty"`
	Counter []string `yaml:"counter,omitempty" json:"counter,omitempty"`

	src  string // file of the "generic" key, for messages
	line int    // and its line
}

// Veto is a group of cues of another kind of refusal (the recipient, the
// content, authentication, rates, …) that keep the generic layer quiet.
type Veto struct {
	Name   string   `yaml:"name" json:"name"`
	Cues   []string `yaml:"cues" json:"cues"`
	Except []string `yaml:"except,omitempty" json:"except,omitempty"`
	// Supposed: the group, when it holds, says the reply only supposes a
	// block ("If you think you are blocked, check your IP at …"), so a
	// list or receiver the reply names, or links, is a page to read, not
	// the one that refused: a catalog rule's block-list verdict gives way
	// to the other rules (see Catalog.read; issue 14, nineteenth round).
	Supposed bool `yaml:"supposed,omitempty" json:"supposed,omitempty"`
}

// GenericRuleID names verdicts of the generic layer.
const GenericRuleID = "generic"

const (
	defaultGenericPriority = 41
	defaultGenericWindow   = 12
	defaultTerseWords      = 4
	defaultNameWords       = 3
	nameGroup              = 1 // the group of a Terse cue that is a list's name
	pageGroup              = 2 // the group of a Strong cue that is a link to a list's page by its name
	callerGroup            = 3 // the group of a Strong cue with a "{provider}" element ("blocked by {provider}")
	maxVetoGroups          = 64
)

// Kinds of cue.
const (
	cueSubject uint8 = iota
	cueRefusal
	cueList
	cueStrong
	cueQualifier
	cueStanding
	cueLocative
	cueOwner
	cueTerse
	cueVeto
	cueExcept
	cuePlaced // only while compiling: a Subject of weak 1
	cueBoiler // a Boilerplate phrase: its words are no cues
)

// Kinds of word.
const (
	tokWord uint8 = iota
	tokIP         // an IPv4 address, or a mask of one (x.x.x.x, 1.2.3.*)
	tokAddr       // a mail address, or a word in angle brackets
	tokLink       // a link (http://…, www.…)
	tokKinds
)

type cueElem struct {
	word   string
	prefix bool
	any    bool  // "{word}": any one plain word (a name: "the FakeMail user")
	host   bool  // "{host}": a plain word that is a host name ("mx.example.net") or a placeholder ("%s")
	masked bool  // "<list>": the word alone in brackets, a template's placeholder ("[list]", "{zone}")
	hole   bool  // "{placeholder}": any placeholder ("%s", "%2", "<RBL>", "{zone}", "[list]")
	caller bool  // "{provider}": the words of a name a catalog provider is called by ("mimecast", "trend micro")
	mail   bool  // "{mail}": a mail address with its "@" ("a@example.org"), not a word in angle brackets
	kind   uint8 // tokWord: match word (or prefix); else match the kind
}

type cuePhrase struct {
	elems []cueElem
	kind  uint8
	group int8
	weak  uint8 // a Subject: 1 placed ("from 192.0.2.1"), 2 an address alone
}

// cueSet is the compiled vocabulary.
type cueSet struct {
	window   int
	terse    int
	nameW    int // NameWords
	phrases  []cuePhrase
	first    map[string][]int32 // first word → phrases
	prefixes [256][]int32       // phrases whose first word is a prefix, by its first byte
	byKind   [tokKinds][]int32  // phrases whose first element is a kind
	substr   []int32            // one-word phrases found inside words
	links    [][]byte
	pageOf   map[string]*Provider // DNS lists' names of one word, as a link's path segment (see listPage): the catalog's pageLists
	callers  map[string][][]byte  // "{provider}": a provider's name by its first word, the rest of its words joined by spaces (nil for a name of one word)
	named    uint64               // veto groups with the Except "{named}"
	supposed uint64               // veto groups that only suppose a block (Veto.Supposed)
}

// namedExcept, in a Veto's Except, holds when our side is itself named
// as what is refused or listed: a Subject cue ("your server", "sending
// host", "ip", an address, even in brackets) followed, at most two words
// later in its clause ("is", "has been"), by a Refusal, List, Strong or
// Terse cue, with no Owner word between ("your network is barred",
// "[192.0.2.1] has been denied"; not "192.0.2.1: recipient rejected",
// nor a Placed phrase: "mail from 192.0.2.1 was blocked"). It stands for
// the whole family the fixed phrases "ip is blocked", "{ip} has been
// listed" … spelled out one by one (issue 14, eleventh round: the
// crossing, cross_test.go). Named is also a refusal of its own, the
// vetoes permitting: "[192.0.2.1] has been denied", where an address in
// brackets is otherwise no Subject.
const namedExcept = "{named}"

// auxiliary: the words that may stand between our side and its refusal
// for it to be named as refused ("is", "has been", "was temporarily").
// At least one must: "Client host rejected:" and "192.0.2.1 rejected:"
// are Postfix's and others' wrappers of any reason, not a verdict.
var auxiliary = map[string]bool{"is": true, "are": true, "was": true, "were": true, "has": true, "have": true, "had": true, "been": true, "be": true, "being": true, "got": true, "gets": true,
	"currently": true, "temporarily": true, "permanently": true, "now": true, "hereby": true}

// claimed reports whether an Owner word claims the Strong cue e: the
// owner, then one or two auxiliaries, then the cue of one word ("the recipient is
// blacklisted", "this mailbox is block-listed", "your message is
// blocklisted"), unless the owner word is part of our side ("your mail
// server", "IP address": a Subject covers it or ends just before it).
// Issue 14, eleventh round: the crossing's look-alikes. A listing and
// its place ("listed by", "listed in", "block listed by") is claimed the
// same way ("the recipient is listed by policy", "this mailbox is
// block-listed by policy"; twelfth round), but not by "sender": "the
// sender is listed in <zone>" is the sending host's listing. So is a
// refusal by a provider named ("message refused by MailMarshal";
// sixteenth round).
// listingPlace: the words that end a listing phrase with where it is
// ("listed in", "listed by").
var listingPlace = map[string]bool{"in": true, "on": true, "at": true, "by": true}

// verdictWord: the first words of a "{provider}" cue that say a
// reputation service's verdict ("untrusted by {provider}", "reputation
// per {provider}"), which no owner word claims.
var verdictWord = map[string]bool{"untrusted": true, "reputation": true}

func claimed(ev []cueEvent, e cueEvent, low []byte, toks []cueToken) bool {
	word := func(k int32) string { return string(low[toks[k].s:toks[k].e]) }
	placed := false // "listed in", "block listed by": a listing and where
	// (a refusal by a provider named is claimed as its refusal word is:
	// "message refused by MailMarshal" is the message's)
	// (but a reputation service's verdict is the sender's whatever it
	// is said of: "Message untrusted by TrustedSource"; eighteenth round)
	if e.group == callerGroup && verdictWord[word(e.s)] {
		return false
	}
	if e.s != e.e && word(e.e) != "listed" && e.group != callerGroup {
		if !listingPlace[word(e.e)] || word(e.e-1) != "listed" {
			return false // a phrase says more than "block listed": "listed as spammer", "poor reputation"
		}
		placed = true
	}
owners:
	for _, o := range ev {
		if o.kind != cueOwner || o.clause != e.clause || o.e+1 >= e.s && !(e.group == callerGroup && o.e+1 == e.s) || e.s-o.e > 4 {
			continue
		}
		w := word(o.e)
		if w == "domain" || w == "relay" || w == "relaying" {
			continue // a domain listed is a domain list's verdict
		}
		if inside(o.s, low, toks) {
			continue // "the domain in your message is blacklisted": the domain is
		}
		if placed && (w == "sender" || w == "senders") {
			continue // "the sender is listed in <zone>": the sending host's listing
		}
		for k := o.e + 1; k < e.s; k++ {
			if auxiliary[word(k)] {
				continue
			}
			// a word of a listing that runs into e ("is block-listed by":
			// "block listed" then "listed by")
			for _, p := range ev {
				if p.kind == cueStrong && p.clause == e.clause && p.s <= k && p.e >= e.s {
					goto next
				}
			}
			continue owners
		next:
		}
		for _, s := range ev {
			if s.kind == cueSubject && s.s <= o.e && s.e+1 >= o.s {
				continue owners
			}
		}
		return true
	}
	return false
}

// inside reports whether the words before toks[s] put it as where
// something else is ("in your message", "in the email", "within the
// body"): then it is not what a refusal after it is said of.
func inside(s int32, low []byte, toks []cueToken) bool {
	for k := s - 1; k >= 0 && k >= s-2; k-- {
		switch string(low[toks[k].s:toks[k].e]) {
		case "in", "within", "inside":
			return toks[k].clause == toks[s].clause
		case "your", "the", "this", "its":
			continue
		}
		return false
	}
	return false
}

// named reports whether ev holds our side named as refused (see
// namedExcept).
func named(ev []cueEvent, low []byte, toks []cueToken) bool {
	for i, r := range ev {
		switch r.kind {
		case cueRefusal, cueList, cueStrong, cueTerse:
		default:
			continue
		}
	subjects:
		for _, s := range ev[:i] {
			if s.kind != cueSubject || s.weak == 1 || s.clause != r.clause || s.e+1 >= r.s || r.s-s.e > 3 {
				continue
			}
			for k := s.e + 1; k < r.s; k++ {
				if !auxiliary[string(low[toks[k].s:toks[k].e])] {
					continue subjects
				}
			}
			for _, o := range ev {
				// an Owner between, a Placed phrase that is the subject
				// ("mail from 192.0.2.1 was blocked"), or an Owner's origin
				// ("messages from your location are rejected")
				if o.kind == cueOwner && o.s > s.e && o.s < r.s || o.kind == cueSubject && o.weak == 1 && o.e == s.e ||
					o.kind == cueOwner && o.e+2 == s.s && string(low[toks[s.s-1].s:toks[s.s-1].e]) == "from" {
					continue subjects
				}
			}
			return true
		}
	}
	return false
}

type cueToken struct {
	s, e   int32 // in scratch.low
	clause int32 // the clause the word is in (see tokenize)
	kind   uint8
	wide   bool // a Chinese, Japanese or Korean word
	aside  bool // an address in brackets: "[192.0.2.1]", "(192.0.2.1)"; a word just after '[' or '(' ("(client 192.0.2.1)")
	masked bool // a placeholder: a word alone in <>, [] or {} ("<list>", "[zone]", "{rbl}"), a printf verb ("%s")
}

type cueEvent struct {
	kind, group uint8
	weak        uint8 // cuePhrase.weak of a Subject (see decide)
	s, e        int32 // first and last word
	clause      int32
}

// compileCues builds the matcher of the vocabulary; problems name the
// phrase at fault.
func compileCues(g *GenericCues) (*cueSet, []string) {
	var problems []string
	cs := &cueSet{window: g.Window, first: map[string][]int32{}}
	if cs.window <= 0 {
		cs.window = defaultGenericWindow
	}
	cs.terse = g.TerseWords
	if cs.terse <= 0 {
		cs.terse = defaultTerseWords
	}
	cs.nameW = g.NameWords
	if cs.nameW <= 0 {
		cs.nameW = defaultNameWords
	}
	if len(g.Veto) > maxVetoGroups {
		problems = append(problems, fmt.Sprintf("generic: at most %d veto groups", maxVetoGroups))
		return nil, problems
	}
	// A cue in a Latin script with diacritics is also its plain-ASCII
	// twin (see unaccented): "czarnej liście" is also "czarnej liscie".
	var add func(p string, kind uint8, group int)
	var buf cueBuf
	addOne := func(p string, kind uint8, group int) {
		ph, err := parseCue(p, &buf)
		if err != "" {
			problems = append(problems, "generic: cue "+strconv.Quote(p)+": "+err)
			return
		}
		ph.kind, ph.group = kind, int8(group)
		if kind == cueStrong {
			for _, e := range ph.elems {
				if e.caller {
					ph.group = callerGroup
				}
			}
		}
		if kind == cueSubject && len(ph.elems) == 1 && ph.elems[0].kind == tokIP {
			ph.weak = 2
		}
		id := int32(len(cs.phrases))
		cs.phrases = append(cs.phrases, ph)
		e := ph.elems[0]
		switch {
		case e.kind != tokWord:
			cs.byKind[e.kind] = append(cs.byKind[e.kind], id)
		case len(ph.elems) == 1 && wideScript(e.word):
			cs.substr = append(cs.substr, id)
		case e.prefix:
			cs.prefixes[e.word[0]] = append(cs.prefixes[e.word[0]], id)
		default:
			cs.first[e.word] = append(cs.first[e.word], id)
		}
	}
	add = func(p string, kind uint8, group int) {
		addOne(p, kind, group)
		for _, t := range unaccented(p) {
			addOne(t, kind, group)
		}
	}
	for _, set := range []struct {
		cues []string
		kind uint8
	}{{g.Subject, cueSubject}, {g.Placed, cuePlaced}, {g.Refusal, cueRefusal}, {g.List, cueList}, {g.Strong, cueStrong}, {g.Qualifier, cueQualifier}, {g.Standing, cueStanding}, {g.Locative, cueLocative}, {g.Owner, cueOwner}, {g.Terse, cueTerse}, {g.Boilerplate, cueBoiler}} {
		for _, p := range set.cues {
			if set.kind == cuePlaced {
				n := len(cs.phrases)
				add(p, cueSubject, 0)
				for k := n; k < len(cs.phrases); k++ {
					cs.phrases[k].weak = 1
				}
				continue
			}
			add(p, set.kind, 0)
		}
	}
	for _, n := range g.names {
		add(n, cueTerse, nameGroup)
	}
	for _, n := range g.callers {
		buf.norm = normalize(buf.norm[:0], n, 0)
		buf.low, buf.toks = tokenize(buf.low[:0], buf.toks[:0], buf.norm)
		low, toks := buf.low, buf.toks
		if len(toks) == 0 || toks[0].kind != tokWord {
			continue
		}
		if cs.callers == nil {
			cs.callers = map[string][][]byte{}
		}
		var rest []byte
		for k, t := range toks[1:] {
			if k > 0 {
				rest = append(rest, ' ')
			}
			rest = append(rest, low[t.s:t.e]...)
		}
		first := string(low[toks[0].s:toks[0].e])
		cs.callers[first] = append(cs.callers[first], rest)
	}
	for i, v := range g.Veto {
		if len(v.Cues) == 0 {
			problems = append(problems, fmt.Sprintf("generic: veto %q has no cues", v.Name))
		}
		if v.Supposed {
			cs.supposed |= 1 << i
		}
		for _, p := range v.Cues {
			add(p, cueVeto, i)
		}
		for _, p := range v.Except {
			if p == namedExcept {
				cs.named |= 1 << i
				continue
			}
			add(p, cueExcept, i)
		}
	}
	for _, l := range g.Links {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" {
			problems = append(problems, "generic: empty link cue")
			continue
		}
		cs.links = append(cs.links, []byte(l))
	}
	return cs, problems
}

// parseCue reads a phrase: words separated by spaces, "*" at a word's end
// for a prefix, "{ip}" and "{addr}" for those kinds of word ("{mail}": an
// address with its "@" only, not a word in angle brackets), "{word}" (not
// first) for any one plain word, "<list>" for the word alone in brackets
// ("<list>", "[list]", "{list}": a placeholder), "{placeholder}" (not
// first) for any placeholder ("%s", "%2", "<RBL>", "{zone}"). The words are
// cut as the reply is, so a cue must be words the tokenizer would make.
func parseCue(p string, buf *cueBuf) (cuePhrase, string) {
	ph := cuePhrase{elems: make([]cueElem, 0, strings.Count(p, " ")+1)}
	for f := range strings.FieldsSeq(p) {
		switch f {
		case "{ip}":
			ph.elems = append(ph.elems, cueElem{kind: tokIP})
			continue
		case "{addr}", "{mail}":
			ph.elems = append(ph.elems, cueElem{kind: tokAddr, mail: f == "{mail}"})
			continue
		case "{link}":
			if len(ph.elems) == 0 {
				return ph, "cannot begin with " + f
			}
			ph.elems = append(ph.elems, cueElem{kind: tokLink})
			continue
		case "{placeholder}":
			if len(ph.elems) == 0 {
				return ph, "cannot begin with " + f
			}
			ph.elems = append(ph.elems, cueElem{hole: true})
			continue
		case "{word}", "{host}", "{provider}":
			if len(ph.elems) == 0 {
				return ph, "cannot begin with " + f
			}
			ph.elems = append(ph.elems, cueElem{any: f == "{word}", host: f == "{host}", caller: f == "{provider}"})
			continue
		}
		prefix := strings.HasSuffix(f, "*") && len(f) > 1
		if prefix {
			f = f[:len(f)-1]
		}
		masked := len(f) > 2 && f[0] == '<' && f[len(f)-1] == '>'
		if masked {
			f = f[1 : len(f)-1]
		}
		// (folded as a reply is: "yasaklandı" is "YASAKLANDI" too; a
		// new string only when folding changed it)
		buf.norm = normalize(buf.norm[:0], f, 0)
		if string(buf.norm) != f {
			f = string(buf.norm)
		}
		buf.low, buf.toks = tokenize(buf.low[:0], buf.toks[:0], buf.norm)
		if len(buf.toks) != 1 || buf.toks[0].kind != tokWord || string(buf.low[buf.toks[0].s:buf.toks[0].e]) != f {
			return ph, "is not made of whole words as replies are cut (" + strconv.Quote(f) + ")"
		}
		ph.elems = append(ph.elems, cueElem{word: f, prefix: prefix, masked: masked})
	}
	if len(ph.elems) == 0 {
		return ph, "is empty"
	}
	return ph, ""
}

// cueBuf is parseCue's scratch space, kept from one cue to the next: the
// built-in catalog has thousands, and a load spent a third of its time
// allocating for them.
type cueBuf struct {
	norm, low []byte
	toks      []cueToken
}

// wideScript reports whether s holds a letter of a script written without
// spaces between words.
func wideScript(s string) bool {
	for _, r := range s {
		if isWide(r) {
			return true
		}
	}
	return false
}

// isWide reports whether r is a letter of a script written without spaces
// between words (Chinese, Japanese; Thai, Lao, Khmer, Burmese) or with
// particles glued to words (Korean).
func isWide(r rune) bool {
	return r >= 0x0e00 && (r == 0x30fc || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar)) // 0x30fc: the kana length mark
}

// tokenize cuts text (as normalize leaves it) into words, appending their
// lower-cased bytes to low and the words to toks.
//
// A word is a run of letters and digits, where Chinese, Japanese and Korean
// letters make words of their own ("发信ip位于" is three words); '.' joins two letters or digits
// ("x.x.x.x", "mx.example.org"), as do "'" between letters ("don't"), '@'
// (mail addresses) and '*' and '#' (masks: "2***.***.***.***"). Everything
// else separates words ('-', '_', '/', ':', brackets, punctuation). A
// link ("http://…", "https://…", "www.…") is one word up to the next
// space.
func tokenize(low []byte, toks []cueToken, text []byte) ([]byte, []cueToken) {
	i := 0
	n := len(text)
	clause := int32(0)
	for i < n {
		c := text[i]
		if clauseEnd(text, i) {
			clause++
		}
		if c == 'h' && (hasPrefixAt(text, i, "http://") || hasPrefixAt(text, i, "https://")) || c == 'w' && hasPrefixAt(text, i, "www.") && (i == 0 || !wordByte(text[i-1])) {
			j := i
			for j < n && text[j] != ' ' {
				j++
			}
			s := int32(len(low))
			low = append(low, text[i:j]...)
			toks = append(toks, cueToken{s: s, e: int32(len(low)), kind: tokLink, clause: clause})
			i = j
			continue
		}
		if !tokenStart(text, i) {
			_, size := utf8.DecodeRune(text[i:])
			i += size
			continue
		}
		start := i
		s := int32(len(low))
		if j := ipv6At(text, i); j > i {
			// an IPv6 address is one word, an address as an IPv4 one is
			// (issue 14, fifteenth round: "2001:db8::1 is banned")
			low = append(low, bytes.ToLower(text[i:j])...)
			toks = append(toks, cueToken{s: s, e: int32(len(low)), kind: tokIP, clause: clause, aside: i > 0 && (text[i-1] == '[' || text[i-1] == '(')})
			i = j
			continue
		}
		wide := false // a word of a script written without spaces
		if c >= utf8.RuneSelf {
			r, _ := utf8.DecodeRune(text[i:])
			wide = isWide(r)
		}
		hasAt := false
		for i < n {
			c = text[i]
			if c < utf8.RuneSelf {
				if wide {
					break
				}
				if wordByte(c) || c == '*' || c == '#' {
					low = append(low, c)
					i++
					continue
				}
				if (c == '.' || c == '@' || c == '\'') && i > start && i+1 < n && joinable(text[i-1]) && joinable(text[i+1]) {
					if c == '\'' && !(isLetter(text[i-1]) && isLetter(text[i+1])) {
						break
					}
					if c == '@' {
						hasAt = true
					}
					low = append(low, c)
					i++
					continue
				}
				break
			}
			r, size := utf8.DecodeRune(text[i:])
			// (a combining mark, spacing or not, belongs to its letter:
			// Devanagari's vowel signs "ि", "ी" are spacing marks, Mc;
			// issue 14, thirteenth round)
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r) {
				break
			}
			if isWide(r) != wide && !unicode.Is(unicode.M, r) {
				break
			}
			low = utf8.AppendRune(low, unicode.ToLower(r))
			i += size
		}
		if i+1 < n && text[i] == '/' && text[i+1] != ' ' && !wide && hostLike(low[s:]) {
			// A link without its scheme ("antispam.example.org/denyip.php?ip=…",
			// or one whose "http:// " a page cut off): one link word up to
			// the next space.
			j := i
			for j < n && text[j] != ' ' {
				j++
			}
			low = append(low, text[i:j]...)
			toks = append(toks, cueToken{s: s, e: int32(len(low)), kind: tokLink, clause: clause})
			i = j
			continue
		}
		t := cueToken{s: s, e: int32(len(low)), wide: wide, clause: clause, masked: placeholder(text, start, i), aside: start > 0 && (text[start-1] == '[' || text[start-1] == '(')}
		switch {
		case hasAt:
			t.kind = tokAddr
		case !wide && ipLike(low[s:]):
			// (also in angle brackets: AT&T's "521 <192.0.2.1> is
			// blocked" shows the client's address so)
			t.kind = tokIP
		case start > 0 && text[start-1] == '<' && i < n && text[i] == '>':
			t.kind = tokAddr
		case start > 0 && text[start-1] == '%' && (start < 2 || !wordByte(text[start-2])) && i-start == 1 && low[s] == 'a':
			// "%A", OpenBSD spamd's placeholder for the client's address
			// in its lists' messages ("Your address %A is in the bsdly
			// list."), as a configuration or a page quotes them: a mask
			// of the address (issue 14, thirteenth round)
			t.kind = tokIP
		}
		toks = append(toks, t)
	}
	return low, toks
}

// placeholder reports whether the word text[start:end] stands alone in
// angle brackets, square brackets or braces ("<list>", "[zone]",
// "{rbl}"), the brackets glued to no other word ("q<list>q" is none),
// or is a printf verb of one letter ("%s", "%L", "%v"; "50%s" is none)
// or a positional one of one digit ("%1", "%2": Windows' and Qt's):
// how templates and quoting sources put a name they leave out.
func placeholder(text []byte, start, end int) bool {
	if start == 0 {
		return false
	}
	if text[start-1] == '%' {
		return end-start == 1 && (isLetter(text[start]) || text[start] >= '1' && text[start] <= '9') && !wordBefore(text, start-1)
	}
	if end >= len(text) {
		return false
	}
	var closing byte
	switch text[start-1] {
	case '<':
		closing = '>'
	case '[':
		closing = ']'
	case '{':
		closing = '}'
	default:
		return false
	}
	return text[end] == closing && !wordBefore(text, start-1) && !wordAfter(text, end+1)
}

// ipv6At returns the end of an IPv6 address that starts at text[i]
// ("2001:db8::1", "2a01:111:f400::1", "::ffff:192.0.2.1" is not one:
// it starts with ':'), or i: hex digits, colons and dots, two colons at
// least, that netip reads as IPv6, and no word byte right after (a time,
// "14:52:05", is none).
func ipv6At(text []byte, i int) int {
	j, colons := i, 0
	for j < len(text) {
		c := text[j]
		switch {
		case c == ':':
			colons++
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '.':
		default:
			goto end
		}
		j++
	}
end:
	if colons < 2 {
		return i
	}
	for j > i && (text[j-1] == '.' || text[j-1] == ':' && (j-2 < i || text[j-2] != ':')) {
		j-- // a sentence's full stop, a label's colon ("2001:db8::1:")
	}
	if j < len(text) && wordByte(text[j]) {
		return i
	}
	if a, err := netip.ParseAddr(string(text[i:j])); err != nil || !a.Is6() {
		return i
	}
	return j
}

// hostLike reports whether w (lower case) looks like a host name: two
// labels or more, the last of letters only (so not an address).
func hostLike(w []byte) bool {
	dot := bytes.LastIndexByte(w, '.')
	if dot <= 0 || len(w)-dot-1 < 2 {
		return false
	}
	for _, c := range w[dot+1:] {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// clauseEnd reports whether text[i] ends a clause: '.', ';', '!' or '?'
// before a space or the end, or the full stop of Chinese and Japanese. A
// '.' after a short word that a lower-case word follows is an
// abbreviation's ("adresa IP a serverului dvs. este pe lista neagră",
// "etc. and"), not a clause's end.
func clauseEnd(text []byte, i int) bool {
	switch c := text[i]; c {
	case '.':
		if i+1 == len(text) {
			return true
		}
		return text[i+1] == ' ' && !abbreviation(text, i)
	case ';', '!', '?':
		return i+1 == len(text) || text[i+1] == ' '
	case 0xe3: // 。 (e3 80 82)
		return i+2 < len(text) && text[i+1] == 0x80 && text[i+2] == 0x82
	}
	return false
}

// abbreviation reports whether the '.' at text[i] (before a space) ends
// an abbreviation: one to four letters before it (after a space or
// the start), a lower-case letter after the space.
func abbreviation(text []byte, i int) bool {
	j := i
	for j > 0 && isLetter(text[j-1]) {
		j--
	}
	if n := i - j; n < 1 || n > 4 || j > 0 && text[j-1] != ' ' {
		return false
	}
	return i+2 < len(text) && text[i+2] >= 'a' && text[i+2] <= 'z'
}

func hasPrefixAt(b []byte, i int, p string) bool {
	return len(b)-i >= len(p) && string(b[i:i+len(p)]) == p
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func joinable(c byte) bool { return wordByte(c) || c == '*' || c == '#' }

// tokenStart reports whether a word begins at text[i].
func tokenStart(text []byte, i int) bool {
	c := text[i]
	if c < utf8.RuneSelf {
		return wordByte(c) || c == '*' || c == '#'
	}
	r, _ := utf8.DecodeRune(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// ipLike reports whether w is an IPv4 address or a mask of one: four parts
// of up to three digits, or of x, *, # (also "2***"), or single letters
// ("a.b.c.d").
func ipLike(w []byte) bool {
	parts := 0
	start := 0
	for i := 0; i <= len(w); i++ {
		if i < len(w) && w[i] != '.' {
			continue
		}
		if !ipPart(w[start:i]) {
			return false
		}
		parts++
		start = i + 1
	}
	return parts == 4
}

func ipPart(p []byte) bool {
	switch {
	case len(p) == 1 && isLetter(p[0]):
		return true
	case len(p) == 0 || len(p) > 4:
		return false
	}
	digits, masks := 0, 0
	for _, c := range p {
		switch {
		case c >= '0' && c <= '9' && masks == 0:
			digits++
		case c == 'x' || c == '*' || c == '#':
			masks++
		default:
			return false
		}
	}
	// "192", "xxx", "***", "2***"
	return masks == 0 && digits <= 3 || digits == 0 && masks <= 3 || digits == 1
}

// scan finds the cues in the words of a reply.
func (cs *cueSet) scan(ev []cueEvent, low []byte, toks []cueToken) []cueEvent {
	word := func(t cueToken) []byte { return low[t.s:t.e] }
	try := func(id int32, i int) {
		ph := &cs.phrases[id]
		if i+len(ph.elems) > len(toks) {
			return
		}
		weak := ph.weak
		for k, e := range ph.elems {
			t := toks[i+k]
			switch {
			case e.kind != tokWord:
				if t.kind != e.kind || e.mail && bytes.IndexByte(word(t), '@') < 0 {
					return
				}
				if t.aside && ph.kind == cueSubject && len(ph.elems) == 1 {
					weak = 3 // only named refuses it (see namedExcept)
				}
			case t.kind == tokLink:
				return
			case e.any:
				if t.kind != tokWord {
					return
				}
			case e.caller:
				if t.kind != tokWord || !cs.callerAt(low, toks, i+k) {
					return
				}
			case e.host:
				// (a placeholder stands for the name: "listed in %s",
				// "listed in <zone>")
				if t.kind != tokWord || !hostLike(word(t)) && !t.masked {
					return
				}
			case e.hole:
				if t.kind != tokWord || !t.masked {
					return
				}
			case e.masked:
				if !t.masked || string(word(t)) != e.word {
					return
				}
			case e.prefix:
				if !bytes.HasPrefix(word(t), []byte(e.word)) {
					return
				}
			default:
				if string(word(t)) != e.word {
					return
				}
			}
		}
		ev = append(ev, cueEvent{kind: ph.kind, group: uint8(ph.group), weak: weak, s: int32(i), e: int32(i + len(ph.elems) - 1), clause: toks[i].clause})
	}
	for i, t := range toks {
		w := word(t)
		if t.kind == tokLink {
			if cs.listPage(w) {
				ev = append(ev, cueEvent{kind: cueStrong, group: pageGroup, s: int32(i), e: int32(i), clause: t.clause})
				continue
			}
			for _, l := range cs.links {
				if bytes.Contains(w, l) {
					ev = append(ev, cueEvent{kind: cueStrong, s: int32(i), e: int32(i), clause: t.clause})
					break
				}
			}
			continue
		}
		for _, id := range cs.first[string(w)] {
			try(id, i)
		}
		if len(w) > 0 {
			for _, id := range cs.prefixes[w[0]] {
				if bytes.HasPrefix(w, []byte(cs.phrases[id].elems[0].word)) {
					try(id, i)
				}
			}
		}
		for _, id := range cs.byKind[t.kind] {
			try(id, i)
		}
		if t.wide {
			for _, id := range cs.substr {
				ph := &cs.phrases[id]
				if bytes.Contains(w, []byte(ph.elems[0].word)) {
					ev = append(ev, cueEvent{kind: ph.kind, group: uint8(ph.group), s: int32(i), e: int32(i), clause: t.clause})
				}
			}
		}
	}
	return inList(unmask(echoed(ev, low, toks)))
}

// echoed drops the cues of an address that only closes the reply, where
// a receiver or a relay echoes the client after any reason ("552 Mailbox
// full from 192.0.2.1", "550 User unknown [192.0.2.1]"): its mere
// presence says nothing of a listing, so it is no Subject and no Except
// of a veto (issue 14, twenty-first round). A Terse cue that is the
// address refused keeps it ("550 Blocked [192.0.2.1]"), as does an
// address said before its refusal ("192.0.2.1 is listed") and mail from
// it as what is refused (fromWhat).
// fromWhat: the words that make a closing "from 192.0.2.1" what the
// reply refuses ("554 Rejected: mail from 192.0.2.1", "Connections
// from 192.0.2.1 refused"), not an echo.
var fromWhat = map[string]bool{"mail": true, "email": true, "mails": true, "emails": true, "message": true, "messages": true, "connection": true, "connections": true, "traffic": true, "delivery": true, "deliveries": true, "sending": true, "access": true}

func echoed(ev []cueEvent, low []byte, toks []cueToken) []cueEvent {
	at := echoAt(low, toks)
	if at == int32(len(toks)) {
		return ev
	}
	kept := ev[:0]
	for _, e := range ev {
		if e.e >= at && e.kind != cueTerse {
			continue
		}
		kept = append(kept, e)
	}
	return kept
}

// echoAt is the first word of the echoed address that closes the reply
// (see echoed), or len(toks) without one.
func echoAt(low []byte, toks []cueToken) int32 {
	n := int32(len(toks))
	if n < 3 || toks[n-1].kind != tokIP {
		return n
	}
	if toks[n-1].aside {
		return n - 1
	}
	label := string(low[toks[n-2].s:toks[n-2].e])
	if label == "from" && !fromWhat[string(low[toks[n-3].s:toks[n-3].e])] {
		return n - 2
	}
	if echoLabel[label] && toks[n-2].aside {
		return n - 2
	}
	return n
}

// echoLabel: the words a receiver writes before the client's address in
// a closing parenthesis ("550 Spam Rejected (client 192.0.2.1)", "(IP:
// 192.0.2.1)", "(host 192.0.2.1)"): the address named, as in brackets,
// not refused (issue 14, twenty-second round).
var echoLabel = map[string]bool{"client": true, "host": true, "ip": true, "sender": true, "source": true, "remote": true, "peer": true, "addr": true, "address": true, "from": true}

// callerAt reports whether the words from toks[i] on begin with a name a
// catalog provider is called by (the "{provider}" element).
func (cs *cueSet) callerAt(low []byte, toks []cueToken, i int) bool {
	rests, ok := cs.callers[string(low[toks[i].s:toks[i].e])]
	if !ok {
		return false
	}
names:
	for _, rest := range rests {
		k := i + 1
		for len(rest) > 0 {
			w := rest
			if j := bytes.IndexByte(rest, ' '); j >= 0 {
				w, rest = rest[:j], rest[j+1:]
			} else {
				rest = nil
			}
			if k >= len(toks) || toks[k].kind != tokWord || !bytes.Equal(low[toks[k].s:toks[k].e], w) {
				continue names
			}
			k++
		}
		return true
	}
	return false
}

// listPage reports whether a segment of the link's path is a DNS list's
// name ("http://www.e-scrub.com/orbs/", "…/njabl.html"): a page about
// that list, on whatever site (issue 14, fifteenth round: dev11.tsv's
// "550-MAIL BLOCKED; See http://www.e-scrub.com/orbs/"). The host is no
// segment ("www.spamcop.net" is the list's own site, which the catalog's
// domains tell).
func (cs *cueSet) listPage(link []byte) bool {
	return len(cs.pageOf) > 0 && pathSegment(link, func(seg string) bool { return cs.pageOf[seg] != nil })
}

// pathSegment reports whether fn holds for a segment of a link's path,
// lower-cased and cut at its first '.', '?', '#', '&', '=', ';' or ','
// ("http://www.example.org/Orbs/index.html": "orbs", "index").
func pathSegment(link []byte, fn func(seg string) bool) bool {
	if i := bytes.Index(link, []byte("://")); i >= 0 {
		link = link[i+3:]
	}
	slash := bytes.IndexByte(link, '/')
	if slash < 0 {
		return false
	}
	var buf [32]byte
	for rest := link[slash+1:]; len(rest) > 0; {
		seg := rest
		if k := bytes.IndexByte(rest, '/'); k >= 0 {
			seg, rest = rest[:k], rest[k+1:]
		} else {
			rest = nil
		}
		if k := bytes.IndexAny(seg, ".?#&=;,"); k >= 0 {
			seg = seg[:k]
		}
		if len(seg) == 0 || len(seg) > len(buf) {
			continue
		}
		low := buf[:len(seg)]
		for k, c := range seg {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[k] = c
		}
		if fn(string(low)) {
			return true
		}
	}
	return false
}

// inList drops the Refusal cues that are words of a List cue of several
// words: the noun "block" of "spam block list" refuses nothing.
func inList(ev []cueEvent) []cueEvent {
	multi := false
	for _, e := range ev {
		if e.kind == cueList && e.e > e.s {
			multi = true
			break
		}
	}
	if !multi {
		return ev
	}
	inside := func(e cueEvent) bool {
		for _, l := range ev {
			if l.kind == cueList && l.e > l.s && e.s >= l.s && e.e <= l.e {
				return true
			}
		}
		return false
	}
	kept := ev[:0]
	for _, e := range ev {
		if e.kind != cueRefusal || !inside(e) {
			kept = append(kept, e)
		}
	}
	return kept
}

// unmask drops the Boilerplate phrases found in ev and every cue that
// shares a word with one of them.
func unmask(ev []cueEvent) []cueEvent {
	boiler := false
	for _, e := range ev {
		if e.kind == cueBoiler {
			boiler = true
			break
		}
	}
	if !boiler {
		return ev
	}
	inside := func(e cueEvent) bool {
		for _, b := range ev {
			if b.kind == cueBoiler && e.s <= b.e && b.s <= e.e {
				return true
			}
		}
		return false
	}
	kept := ev[:0]
	for _, e := range ev {
		if e.kind != cueBoiler && !inside(e) {
			kept = append(kept, e)
		}
	}
	return kept
}

// decide applies the layer's rule to the cues found.
func (cs *cueSet) decide(ev []cueEvent, low []byte, toks []cueToken) bool {
	words := int(echoAt(low, toks)) // (an echoed address is no word of the reason)
	var veto, except uint64
	strong := false
	ownedPlace := int32(-1)
	for _, e := range ev {
		switch e.kind {
		case cueVeto:
			veto |= 1 << e.group
		case cueExcept:
			except |= 1 << e.group
		case cueStrong:
			if !claimed(ev, e, low, toks) {
				strong = true
			} else if e.s != e.e {
				ownedPlace = e.e // "the mailbox is listed in": its place is no Locative of ours
			}
		}
	}
	if cs.nameAlone(ev, words, toks) {
		return true
	}
	for _, e := range ev {
		if e.kind == cueStrong && e.group == pageGroup {
			return true // a link to a list's page names that list, whatever else is said
		}
	}
	if held := veto &^ except &^ cs.supposed; held != 0 && (held&^cs.named != 0 || !named(ev, low, toks)) {
		return false
	}
	if veto&cs.supposed != 0 && cs.supposition(ev, low, toks) {
		return false
	}
	if strong || named(ev, low, toks) {
		return true
	}
	// One pass over the cues, in the order of their words: last[k] is the
	// last word of the cues of kind k seen so far in the clause.
	//
	// An address alone (a weak Subject: "192.0.2.1", not "ip 192.0.2.1"
	// or "client host [192.0.2.1]") is what a refusal is about when it
	// comes before the refusal ("192.0.2.1 is blocked") or right after it
	// ("blocked: 192.0.2.1"); one further after it only tells where the
	// reply went ("recipient rejected, account disabled 192.0.2.1"). A
	// Placed phrase ("rejected: mail from 192.0.2.1") may stand anywhere
	// in the window. Neither is what a refusal that an Owner word just
	// before it claims is about ("192.0.2.1: recipient rejected",
	// "recipient rejected from 192.0.2.1").
	const none = -1 << 30
	const bareAfter = 2
	var last [cueExcept + 1]int32
	lastBare := int32(none)    // the last weak Subject
	freeRefusal := int32(none) // the last Refusal no Owner claims
	clause := int32(-1)
	for _, e := range ev {
		if e.clause != clause {
			clause = e.clause
			for k := range last {
				last[k] = none
			}
			lastBare = none
			freeRefusal = none
		}
		within := func(at int32, d int) bool { return at != none && e.s-at <= int32(d) }
		near := func(k uint8) bool { return within(last[k], cs.window) }
		after := func(k uint8) bool { return last[k] != none && last[k] < e.s && e.s-last[k] <= 3 }
		owned := func() bool { return last[cueOwner] != none && last[cueOwner] < e.s && e.s-last[cueOwner] <= 2 }
		switch e.kind {
		case cueSubject:
			if e.weak == 3 {
				continue
			}
			if e.weak > 0 {
				d := cs.window
				if e.weak == 2 {
					d = bareAfter
				}
				if within(freeRefusal, d) || within(last[cueList], d) {
					return true
				}
				lastBare = max(lastBare, e.e)
				continue
			}
			if near(cueRefusal) || near(cueList) || after(cueQualifier) {
				return true
			}
		case cueRefusal:
			free := !owned()
			if near(cueSubject) || free && within(lastBare, cs.window) || near(cueList) {
				return true
			}
			if free {
				freeRefusal = max(freeRefusal, e.e)
			}
		case cueList:
			if near(cueSubject) || within(lastBare, cs.window) || near(cueRefusal) || after(cueLocative) && last[cueLocative] != ownedPlace {
				return true
			}
		case cueStanding:
			if after(cueQualifier) {
				return true
			}
		case cueTerse:
			// a short reply that only says the sender is refused, unless
			// an Owner word just before claims it ("message is
			// rejected", "mailbox is blocked")
			limit := cs.terse
			if e.group == nameGroup {
				continue // nameAlone
			}
			if words <= limit && !(last[cueOwner] != none && last[cueOwner] < e.s && e.s-last[cueOwner] <= 1) && !claimed(ev, e, low, toks) {
				return true
			}
		}
		last[e.kind] = max(last[e.kind], e.e)
	}
	return false
}

// nameAlone reports whether the reply is a DNS list's own name and at
// most NameWords-1 other words ("553 SpamCop", "550 UCEPROTECT listed",
// "554 Passive Spam Block List"): the list is the verdict, whatever the
// other words ("550 SORBS spam" names the list's spam zone, not a
// message's content), so no veto holds. Issue 14, twelfth round (names of
// one word) and thirteenth (of several).
// An Owner word just before claims the name ("mailbox sorbs"), and a
// name alone in brackets is a filter's tag signing its reply, not a
// list's verdict ("[SPFBL] blocked.": SPFBL, the filter software, for a
// block its user set; dev11.tsv, issue 14, fifteenth round).
func (cs *cueSet) nameAlone(ev []cueEvent, words int, toks []cueToken) bool {
names:
	for _, e := range ev {
		if e.kind != cueTerse || e.group != nameGroup || words > cs.nameW+int(e.e-e.s) || e.s == e.e && toks[e.s].masked {
			continue
		}
		for _, o := range ev {
			if o.kind == cueOwner && o.e+1 == e.s {
				continue names
			}
		}
		return true
	}
	return false
}

// match runs the layer on a normalized reply.
func (cs *cueSet) match(text []byte, sc *scratch) bool {
	sc.low, sc.toks = tokenize(sc.low[:0], sc.toks[:0], text)
	sc.ev = cs.scan(sc.ev[:0], sc.low, sc.toks)
	return cs.decide(sc.ev, sc.low, sc.toks)
}

// vetoed reports whether a veto group of mask holds in the reply (see
// decide): one of its cues occurs and none of its excepts, and, for a
// group that excepts it, our side is not named as refused; a Supposed
// group holds as supposition says.
func (cs *cueSet) vetoed(text []byte, sc *scratch, mask uint64) bool {
	sc.low, sc.toks = tokenize(sc.low[:0], sc.toks[:0], text)
	sc.ev = cs.scan(sc.ev[:0], sc.low, sc.toks)
	var veto, except uint64
	for _, e := range sc.ev {
		switch e.kind {
		case cueVeto:
			veto |= 1 << e.group
		case cueExcept:
			except |= 1 << e.group
		}
	}
	veto &= mask
	if held := veto &^ except &^ cs.supposed; held != 0 && (held&^cs.named != 0 || !named(sc.ev, sc.low, sc.toks)) {
		return true
	}
	return veto&cs.supposed != 0 && cs.supposition(sc.ev, sc.low, sc.toks)
}

// supposes reports whether the reply only supposes a block: a cue of a
// Supposed veto group occurs, and nothing outside the supposition (from
// its cue to the end of its clause) says the block (an Except of the
// group, or our side named as refused when the group excepts that: "Your
// IP is listed in … . If you think you are listed in error, …"): "if
// your IP is listed" names our side only as a possibility.
func (cs *cueSet) supposes(text []byte, sc *scratch) bool {
	if cs.supposed == 0 {
		return false
	}
	sc.low, sc.toks = tokenize(sc.low[:0], sc.toks[:0], text)
	sc.ev = cs.scan(sc.ev[:0], sc.low, sc.toks)
	return cs.supposition(sc.ev, sc.low, sc.toks)
}

// supposition is supposes on the reply's cues.
func (cs *cueSet) supposition(ev []cueEvent, low []byte, toks []cueToken) bool {
	var held uint64
	var hedges []cueEvent // the supposing cues
	for _, e := range ev {
		if e.kind == cueVeto && cs.supposed&(1<<e.group) != 0 {
			held |= 1 << e.group
			hedges = append(hedges, e)
		}
	}
	if held == 0 {
		return false
	}
	var rest []cueEvent // the events outside the suppositions
	for _, e := range ev {
		// (a supposition runs from its cue to the end of its clause:
		// "Blocked - see <link>. To report abuse, …" keeps "Blocked" when
		// the link's dot ends no clause)
		if slices.ContainsFunc(hedges, func(h cueEvent) bool { return h.clause == e.clause && e.s >= h.s }) {
			continue
		}
		if e.kind == cueExcept {
			held &^= 1 << e.group
		}
		rest = append(rest, e)
	}
	return held&^cs.named != 0 || held != 0 && !named(rest, low, toks)
}

// commonTwins are plain spellings that are another word of a language
// the layer reads: French "listé" without its accent is "liste", the
// French and German noun ("liste de diffusion", "Mailing-Liste"), so
// "listé" and "listés" have no twin (the French "est liste" is a cue of
// its own).
var commonTwins = map[string]bool{"liste": true, "listes": true}

// unaccented returns the plain-ASCII twins of a cue written with Latin
// letters that carry diacritics: the letters without their marks
// ("czarnej liście" → "czarnej liscie", "černé listině" → "cerne
// listine", "bloquée" → "bloquee"), and where German writes an umlaut
// out, that spelling too ("gelöscht" → "geloscht", "geloescht"). Mail
// servers write their replies in ASCII more often than not, so a
// receiver's refusal in its own language comes without its accents
// (issue 14, twenty-second round). Letters of other scripts are left as
// they are; a cue with no such letter has no twin, nor one of at most
// three letters.
func unaccented(p string) []string {
	if isASCII(p) {
		return nil
	}
	var plain, spelt []byte
	twin, umlaut := false, false
	for _, r := range p {
		if r < utf8.RuneSelf || !(r >= 0xc0 && r <= 0x24f || r >= 0x1e00 && r <= 0x1eff) {
			plain = utf8.AppendRune(plain, r)
			spelt = utf8.AppendRune(spelt, r)
			continue
		}
		twin = true
		var a string
		switch r {
		case 'ä', 'ö', 'ü':
			umlaut = true
			spelt = append(spelt, string(norm.NFD.String(string(r))[0])+"e"...)
			plain = append(plain, norm.NFD.String(string(r))[0])
			continue
		case 'ß':
			a = "ss"
		case 'ł':
			a = "l"
		case 'ø':
			a = "o"
		case 'æ':
			a = "ae"
		case 'œ':
			a = "oe"
		case 'đ', 'ð':
			a = "d"
		case 'þ':
			a = "th"
		case 'ħ':
			a = "h"
		default:
			d := norm.NFD.String(string(r))
			if d == "" || d[0] >= utf8.RuneSelf {
				return nil // a letter with no ASCII base: no twin
			}
			a = d[:1]
		}
		plain = append(plain, a...)
		spelt = append(spelt, a...)
	}
	if !twin || len(plain) <= 3 || commonTwins[string(plain)] {
		return nil // a word as short as "ma" ("má", Czech "bad") is another language's word
	}
	if umlaut {
		return []string{string(plain), string(spelt)}
	}
	return []string{string(plain)}
}
