// Package classify names the reputation or block list behind an SMTP
// rejection and says what kind of rejection it is.
//
// The knowledge is data: an embedded YAML catalog (catalog.yaml) of
// providers — their rules, DNS zones, lookup and removal pages and advice in
// English and Japanese — and of category rules (rate limits, content,
// authentication, recipients, …). Users add or override entries with Load.
// Classify is pure and safe for concurrent use.
//
// The built-in catalog is loaded from Go literals made from catalog.yaml
// (catalog_gen.go), not from the YAML, which every command would otherwise
// read before its first line. After changing catalog.yaml (or the
// catalog's types), run
//
//	go generate ./classify
//
// TestBuiltinGenerated fails while catalog_gen.go is not what that makes.
package classify

//go:generate go test -tags rblwatch_yamlcatalog -run ^TestBuiltinGenerated$ . -generate

import (
	_ "embed"
	"errors"
	"hash/crc32"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/rblwatch/rblwatch/internal/fresh"
)

//go:embed catalog.yaml
var embeddedCatalog []byte

// EmbeddedName is the name the embedded catalog's problems are reported
// under.
const EmbeddedName = "catalog.yaml"

// ErrCatalog is wrapped by every catalog loading error.
var ErrCatalog = errors.New("classify: invalid catalog")

// CategoryInfo explains a category that names no provider.
type CategoryInfo struct {
	Category Category `yaml:"category" json:"category"`
	Meaning  Text     `yaml:"meaning" json:"meaning"`
	Advice   Text     `yaml:"advice" json:"advice"`
}

// source is the catalog file format; the embedded catalog and user files
// share it.
type source struct {
	Providers  []Provider      `yaml:"providers"`
	Rules      []Rule          `yaml:"rules"`
	Categories []CategoryInfo  `yaml:"categories"`
	Texts      map[string]Text `yaml:"texts"`
	Generic    *GenericCues    `yaml:"generic,omitempty"`
}

// Catalog is a compiled set of providers and rules. It is immutable once
// built; the Providers it returns must be treated as read-only.
type Catalog struct {
	src        source
	providers  []*Provider
	byID       map[string]*Provider
	rules      []*crule // in evaluation order
	categories map[Category]*CategoryInfo
	texts      map[string]Text

	m        *matcher
	litRules [][]int32 // literal → rules it can trigger
	litText  [][]byte  // each literal, as the matcher finds it (Catalog.addressOnly)
	nameLits []nameLit // Provider.Names, in catalog order
	// supLits: the plain cues of the generic layer's Supposed vetoes, the
	// cheap test before cueSet.supposes (Catalog.read)
	supLits []int32
	// aloneLits: DNS lists' names alone (aloneNames), longest first; they
	// name the list only in a reply of at most aloneWords words, and
	// one more for each word of a name past its first (aloneMax: the most
	// any name allows).
	aloneLits []nameLit
	// pageLists: the DNS lists by their names of one word, folded as
	// a reply is (normalizeLiteral), as a link's path names them
	// (listPageByName, and the generic layer's listPage)
	pageLists map[string]*Provider
	// checkers: the generic key's Checkers, lower case: a link to one of
	// them, or to a name under it, names no list (read)
	checkers map[string]bool
	// generic: the generic layer's rule, nil without one
	generic *crule
	// nameWords: each provider's id and names as a reply holds them
	// (inForeignHosts)
	nameWords map[*Provider][][]byte
	// ownNames: each provider's domains, mail hosts and zones, lower
	// case: the cheap test of inForeignHosts
	ownNames map[*Provider][][]byte
	// linkWords: the words that show each DNS list in a reply (linkOnly)
	linkWords  map[*Provider][][]byte
	aloneWords int
	aloneMax   int
	// calls: the words a reply calls each proprietary provider by (its
	// id, Names, proper nouns of its Name) and its domains, as literals
	// of the matcher, by id (howFound)
	calls      map[string][]callLit
	always     []int32 // rules without a literal trigger
	hostProv   []hostEntry
	domainProv []hostEntry  // Hosts and Domains, for links in replies
	hostIdx    *suffixIndex // of hostProv
	domainIdx  *suffixIndex // of domainProv

	scratch sync.Pool
}

// callLit is a literal of the matcher that calls a provider by a name
// of its, or (domain) shows one of its domains.
type callLit struct {
	lit    int32
	name   []byte
	domain bool
}

// nameLit is a literal of the matcher that names a provider.
type nameLit struct {
	lit   int32
	prov  *Provider
	size  int // the name's length: the longest name found wins
	words int // aloneLits: the name's words ("passive spam block list": 4)
}

type hostEntry struct {
	suffix string
	prov   *Provider
}

// crule is a compiled rule.
type crule struct {
	r        *Rule
	prov     *Provider // nil for category rules
	cat      Category
	prio     int
	any      []int32
	all      []int32
	not      []int32
	re       *regexp.Regexp
	codes    []string
	enhanced []string
	hosts    []string
	target   string
	found    string  // Verdict.Found of a provider rule
	cues     *cueSet // the generic layer (GenericCues), instead of the conditions
	vetoOf   *cueSet // Rule.Vetoes: the generic layer whose vetoes undo a match
	vetoMask uint64  // the groups of Rule.Vetoes
	idx      int32
}

type scratch struct {
	buf      []byte
	hostRule bool // a rule with host conditions was asked (read)
	hits     []uint64
	cand     []uint64
	low      []byte     // the generic layer's words, lower-cased
	toks     []cueToken // and where they are
	ev       []cueEvent // the cues found
}

// defaultCatalog is the built-in catalog. Its samples are not classified
// at every command's start (9 M instructions of the 180 M a short replay
// takes): they give the same verdicts in every run of one build, and
// TestBuiltinSamples classifies them.
var defaultCatalog = sync.OnceValues(loadDefault)

// defaultMerged is the built-in catalog before its build: Default builds
// it, and LoadFile merges a user's file over it.
var defaultMerged = sync.OnceValues(func() (merged, error) {
	return mergeBuiltin(embeddedCatalog, builtinDocument, builtinSum)
})

// loadDefault loads the built-in catalog.
func loadDefault() (*Catalog, error) {
	m, err := defaultMerged()
	if err != nil {
		return nil, err
	}
	m.res = maps.Clone(m.res) // (LoadFile's loads share defaultMerged's)
	return buildChecked(m, false)
}

// loadBuiltin is loadDefault of a catalog.yaml and the document made
// from the one whose CRC-32 is sum.
func loadBuiltin(data []byte, doc *document, sum uint32) (*Catalog, error) {
	m, err := mergeBuiltin(data, doc, sum)
	if err != nil {
		return nil, err
	}
	return buildChecked(m, false)
}

// mergeBuiltin checks and merges the built-in catalog from its Go
// literals (doc: builtinDocument, catalog_gen.go) when they were made
// from this catalog.yaml (sum: builtinSum, its CRC-32; 0.04 ms), else
// from catalog.yaml itself: a build with the tag rblwatch_yamlcatalog,
// which go generate uses to make them, or a catalog.yaml changed without
// go generate (TestBuiltinGenerated fails then; the commands still load
// the catalog as written, only slower).
func mergeBuiltin(data []byte, doc *document, sum uint32) (merged, error) {
	var problems []string
	if doc == nil || crc32.ChecksumIEEE(data) != sum {
		var d document
		d, problems = readDocument(data, EmbeddedName)
		doc = &d
	}
	m, problems := mergeOver(nil, *doc, problems, EmbeddedName)
	if len(problems) > 0 {
		return merged{}, &LoadError{Problems: problems}
	}
	return m, nil
}

// Default returns the embedded catalog, parsed once. It panics if the
// embedded file is broken, which the package's tests rule out.
func Default() *Catalog {
	c, err := defaultCatalog()
	if err != nil {
		panic(err)
	}
	return c
}

// Provider returns the provider with the given id, or nil.
func (c *Catalog) Provider(id string) *Provider { return c.byID[id] }

// Providers returns every provider in catalog order.
func (c *Catalog) Providers() []*Provider {
	out := make([]*Provider, len(c.providers))
	copy(out, c.providers)
	return out
}

// Category returns the explanation of a category, or nil.
func (c *Catalog) Category(cat Category) *CategoryInfo { return c.categories[cat] }

// LookupLink returns the provider's lookup page for target (an IP address
// or a domain), or "" when the provider has no lookup page. Without a
// target it returns the page without the query for one.
func (p *Provider) LookupLink(target string) string { return fillTemplate(p.LookupURL, target) }

// RemovalLink returns the provider's removal page for target, or "".
func (p *Provider) RemovalLink(target string) string { return fillTemplate(p.RemovalURL, target) }

// fillTemplate replaces {ip} and {domain} with target, escaped for a URL
// path before the '?' and for a query after it.
func fillTemplate(tmpl, target string) string {
	if tmpl == "" {
		return ""
	}
	if target == "" {
		// No address: the page itself, without the query for one.
		ph := strings.Index(tmpl, "{ip}")
		if d := strings.Index(tmpl, "{domain}"); d >= 0 && (ph < 0 || d < ph) {
			ph = d
		}
		if ph < 0 {
			return tmpl
		}
		prefix := tmpl[:ph]
		if q := strings.IndexByte(prefix, '?'); q >= 0 {
			prefix = prefix[:q]
		}
		return prefix
	}
	q := strings.IndexByte(tmpl, '?')
	var b strings.Builder
	b.Grow(len(tmpl) + len(target))
	// From one '{' to the next, the text between written at once (a
	// report fills two links an incident, byte by byte ~1,500
	// instructions each).
	for i := 0; i < len(tmpl); {
		j := strings.IndexByte(tmpl[i:], '{')
		if j < 0 {
			b.WriteString(tmpl[i:])
			break
		}
		j += i
		b.WriteString(tmpl[i:j])
		ph := ""
		if strings.HasPrefix(tmpl[j:], "{ip}") {
			ph = "{ip}"
		} else if strings.HasPrefix(tmpl[j:], "{domain}") {
			ph = "{domain}"
		}
		if ph == "" {
			b.WriteByte('{')
			i = j + 1
			continue
		}
		if q >= 0 && j > q {
			b.WriteString(url.QueryEscape(target))
		} else {
			b.WriteString(url.PathEscape(target))
		}
		i = j + len(ph)
	}
	return b.String()
}

// build compiles a merged source, its rules' patterns from res when they
// are there (and into it). Problems are reported with the rule's
// file and line.
func build(src source, res patterns) (*Catalog, []string) {
	c := &Catalog{
		src:        src,
		byID:       make(map[string]*Provider, len(src.Providers)),
		categories: make(map[Category]*CategoryInfo, len(src.Categories)),
		texts:      src.Texts,
	}
	var problems []string
	for i := range src.Providers {
		p := src.Providers[i] // a copy: the catalog owns it
		c.providers = append(c.providers, &p)
		c.byID[p.ID] = &p
		for _, h := range p.Hosts {
			c.hostProv = append(c.hostProv, hostEntry{strings.ToLower(h), &p})
			c.domainProv = append(c.domainProv, hostEntry{strings.ToLower(h), &p})
		}
		for _, h := range p.Domains {
			c.domainProv = append(c.domainProv, hostEntry{strings.ToLower(h), &p})
		}
	}
	for i := range src.Categories {
		ci := src.Categories[i]
		c.categories[ci.Category] = &ci
	}
	// The generic layer's cues (as long to compile as the matcher's table
	// is to build, each about a third of the load) need only the
	// providers' names: they compile on another core from here, while
	// this one gathers the literals and then builds the table, which
	// needs every literal. (Compiled after the literals, beside the
	// table, the literals' gathering was a stretch on one core.)
	alone, cues := c.startCues(src.Generic)

	lits := map[string]int32{}
	var litList []string
	var litBound []uint8
	var norm []byte // (a literal's folded text, a new string only for a new literal)
	lit := func(s string) int32 {
		norm = normalize(norm[:0], s, 0)
		if id, ok := lits[string(norm)]; ok {
			return id
		}
		key := string(norm)
		text, bound := literal(key)
		id := int32(len(litList))
		lits[key] = id
		litList = append(litList, text)
		litBound = append(litBound, bound)
		return id
	}
	var rules []*crule
	add := func(r *Rule, p *Provider) {
		if r.Disabled {
			return
		}
		cr := &crule{r: r, prov: p, cat: r.Category, prio: r.Priority, target: r.Target, found: r.Found}
		if p != nil {
			cr.cat = Blocklist
			switch {
			case p.ID == Unknown:
				cr.found = FoundGeneric
			case cr.found == "":
				cr.found = FoundNamed
			}
			if cr.prio == 0 {
				cr.prio = defaultProviderPriority
			}
			if cr.target == "" {
				cr.target = targetIP
			}
		} else {
			if cr.prio == 0 {
				cr.prio = defaultCategoryPriority
			}
			cr.target = targetNone
		}
		for _, s := range r.Any {
			cr.any = append(cr.any, lit(s))
		}
		for _, s := range r.All {
			cr.all = append(cr.all, lit(s))
		}
		for _, s := range r.Not {
			cr.not = append(cr.not, lit(s))
		}
		if r.Regex != "" {
			re, err := res.compile(r.Regex)
			if err != nil {
				problems = append(problems, where(r)+"rule "+r.ID+": bad regex: "+err.Error())
				return
			}
			cr.re = re
		}
		cr.codes = r.Codes
		cr.enhanced = r.Enhanced
		cr.hosts = r.Hosts
		rules = append(rules, cr)
	}
	for _, p := range c.providers {
		for i := range p.Rules {
			add(&p.Rules[i], p)
		}
		// The provider's zone names recognise it too.
		var zoneLits []string
		for _, z := range p.Zones {
			name := strings.ToLower(z.Name)
			if k := strings.Index(name, "{key}."); k >= 0 {
				name = name[k+len("{key}."):]
			}
			if strings.Contains(name, "{") || strings.Count(name, ".") < 1 {
				continue
			}
			zoneLits = append(zoneLits, name)
		}
		if len(zoneLits) > 0 {
			zr := &Rule{ID: p.ID + "-zone", Any: zoneLits, Target: zoneTarget(p), src: "(zones of " + p.ID + ")"}
			add(zr, p)
		}
	}
	for i := range src.Rules {
		add(&src.Rules[i], nil)
	}
	for _, p := range c.providers {
		for _, n := range p.Names {
			if strings.TrimSpace(n) == "" {
				problems = append(problems, "provider "+p.ID+": empty name")
				continue
			}
			c.nameLits = append(c.nameLits, nameLit{lit(n), p, len(n), 0})
		}
		if p.Kind == KindProprietary {
			if c.calls == nil {
				c.calls = map[string][]callLit{}
			}
			for _, n := range callNames(p) {
				c.calls[p.ID] = append(c.calls[p.ID], callLit{lit(string(n)), n, false})
			}
			for _, list := range [][]string{p.Domains, p.Hosts} {
				for _, d := range list {
					if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
						c.calls[p.ID] = append(c.calls[p.ID], callLit{lit(d), []byte(d), true})
					}
				}
			}
		}
	}
	// The longest name a reply calls a receiver by is the one it means:
	// "Yahoo! JAPAN" is Yahoo! JAPAN's, not Yahoo's "yahoo" (catalog
	// order among names of one length).
	sort.SliceStable(c.nameLits, func(i, j int) bool { return c.nameLits[i].size > c.nameLits[j].size })
	if g := src.Generic; alone != nil {
		for i, p := range c.providers {
			for _, n := range alone.byProvider[i] {
				c.aloneLits = append(c.aloneLits, nameLit{lit(n), p, len(n), len(strings.Fields(n))})
				if !strings.Contains(n, " ") {
					if c.pageLists == nil {
						c.pageLists = map[string]*Provider{}
					}
					if k := normalizeLiteral(n); c.pageLists[k] == nil {
						c.pageLists[k] = p
					}
				}
			}
		}
		sort.SliceStable(c.aloneLits, func(i, j int) bool { return c.aloneLits[i].size > c.aloneLits[j].size })
		for _, p := range c.providers {
			if p.Kind == KindDNSBL {
				if c.linkWords == nil {
					c.linkWords = map[*Provider][][]byte{}
				}
				c.linkWords[p] = linkWordsOf(p)
			}
			if c.nameWords == nil {
				c.nameWords = map[*Provider][][]byte{}
			}
			for _, n := range append([]string{p.ID}, p.Names...) {
				if n = normalizeLiteral(n); n != "" {
					c.nameWords[p] = append(c.nameWords[p], []byte(n))
				}
			}
			if c.ownNames == nil {
				c.ownNames = map[*Provider][][]byte{}
			}
			for _, d := range append(append([]string{}, p.Domains...), p.Hosts...) {
				c.ownNames[p] = append(c.ownNames[p], []byte(strings.ToLower(d)))
			}
			for _, z := range p.Zones {
				name := z.Name
				if k := strings.Index(name, "{key}."); k >= 0 {
					name = name[k+len("{key}."):]
				}
				c.ownNames[p] = append(c.ownNames[p], []byte(strings.ToLower(name)))
			}
		}
		for _, n := range g.Checkers {
			if !validName(n) {
				problems = append(problems, at(g.src, g.line)+"generic: checker "+strconv.Quote(n)+" is no DNS name")
				continue
			}
			if c.checkers == nil {
				c.checkers = map[string]bool{}
			}
			c.checkers[strings.ToLower(n)] = true
		}
		c.aloneWords = g.NameWords
		if c.aloneWords <= 0 {
			c.aloneWords = defaultNameWords
		}
		for _, n := range c.aloneLits {
			c.aloneMax = max(c.aloneMax, c.aloneWords+n.words-1)
		}
		for _, v := range g.Veto {
			for _, p := range v.Cues {
				if v.Supposed && !strings.ContainsAny(p, "{*<") {
					c.supLits = append(c.supLits, lit(p))
				}
			}
		}
		// The literals are all known: the matcher's table, while the
		// cues compile on the other core.
		c.m = newMatcher(litList, litBound)
		g = &alone.GenericCues
		compiled := <-cues
		cs, bp := compiled.cs, compiled.problems
		for _, m := range bp {
			problems = append(problems, at(g.src, g.line)+m)
		}
		if cs != nil {
			cs.pageOf = c.pageLists
			prio := g.Priority
			if prio == 0 {
				prio = defaultGenericPriority
			}
			r := &Rule{ID: GenericRuleID, Priority: prio, Samples: g.Samples, Counter: g.Counter, src: g.src, line: g.line}
			c.generic = &crule{r: r, prov: c.byID[Unknown], cat: Blocklist, prio: prio, target: targetIP, found: FoundGeneric, cues: cs}
			rules = append(rules, c.generic)
			for _, cr := range rules {
				for _, name := range cr.r.Vetoes {
					i := slices.IndexFunc(g.Veto, func(v Veto) bool { return v.Name == name })
					if i < 0 {
						problems = append(problems, at(cr.r.src, cr.r.line)+"rule "+strconv.Quote(cr.r.ID)+": vetoes: no generic veto group "+strconv.Quote(name))
						continue
					}
					cr.vetoOf, cr.vetoMask = cs, cr.vetoMask|1<<i
				}
			}
		}
	}
	if c.m == nil {
		c.m = newMatcher(litList, litBound)
	}
	// Evaluation order: priority, then file order.
	sort.SliceStable(rules, func(i, j int) bool { return rules[i].prio > rules[j].prio })
	c.litRules = fresh.Slice[[]int32](len(litList))
	for i, cr := range rules {
		cr.idx = int32(i)
		trigger := cr.any
		if len(trigger) == 0 && len(cr.all) > 0 {
			trigger = cr.all[:1]
		}
		if len(trigger) == 0 {
			c.always = append(c.always, int32(i))
			continue
		}
		for _, l := range trigger {
			c.litRules[l] = append(c.litRules[l], int32(i))
		}
	}
	c.rules = rules
	c.hostIdx, c.domainIdx = newSuffixIndex(c.hostProv), newSuffixIndex(c.domainProv)
	c.litText = make([][]byte, len(litList))
	for i, l := range litList {
		c.litText[i] = unsafe.Slice(unsafe.StringData(l), len(l)) // (read only)
	}
	nl, nr := (len(litList)+63)/64, (len(rules)+63)/64
	c.scratch.New = func() any {
		return &scratch{buf: make([]byte, 0, 512), hits: make([]uint64, nl), cand: make([]uint64, nr)}
	}
	return c, problems
}

// aloneCues is the generic layer a catalog compiles: the layer as the
// file has it, with the DNS lists' names as Terse cues and the names a
// reply calls a list by (see startCues).
type aloneCues struct {
	GenericCues
	byProvider [][]string // the names of c.providers[i] in names (aloneNames)
}

// compiledCues is what compileCues returns.
type compiledCues struct {
	cs       *cueSet
	problems []string
}

// startCues compiles the generic layer g of a catalog whose providers are
// known (nil: none, or no unknown provider for its verdicts) on another
// goroutine, and returns the layer it compiles and where its result
// comes. A DNS list's own name alone in a terse reply is its verdict ("553
// SpamCop"): its names are Terse cues of the layer, and name the list it
// found (issue 14, twelfth round).
func (c *Catalog) startCues(g *GenericCues) (*aloneCues, chan compiledCues) {
	if g == nil || c.byID[Unknown] == nil {
		return nil, nil
	}
	alone := &aloneCues{GenericCues: *g, byProvider: make([][]string, len(c.providers))}
	alone.names = nil
	alone.callers = nil
	for i, p := range c.providers {
		if p.ID != Unknown && (p.Kind == KindDNSBL || p.Kind == KindProprietary) {
			alone.callers = append(alone.callers, p.ID)
			alone.callers = append(alone.callers, p.Names...)
		}
		if p.Kind == KindDNSBL {
			// a DNS list is called by its site too: "Sender untrusted
			// by trustedsource.org" (issue 14, nineteenth round)
			alone.callers = append(alone.callers, p.Domains...)
		}
		alone.byProvider[i] = aloneNames(p)
		alone.names = append(alone.names, alone.byProvider[i]...)
	}
	cues := make(chan compiledCues, 1)
	go func() {
		cs, problems := compileCues(&alone.GenericCues)
		cues <- compiledCues{cs, problems}
	}()
	return alone, cues
}

// zoneTarget: a provider whose zones are all domain lists lists domains.
func zoneTarget(p *Provider) string {
	if len(p.Zones) == 0 {
		return targetIP
	}
	for _, z := range p.Zones {
		if !z.Domain {
			return targetIP
		}
	}
	return targetDomain
}

// normalizeLiteral lower-cases a substring and collapses its white space,
// as normalize does to the text.
func normalizeLiteral(s string) string {
	return string(normalize(nil, s, 0))
}

func where(r *Rule) string {
	if r.src == "" {
		return ""
	}
	if r.line == 0 {
		return r.src + ": "
	}
	return r.src + ":" + strconv.Itoa(r.line) + ": "
}

// aloneNames returns the names by which p alone in a terse reply is its
// verdict: a DNS list's id and Names made of plain words (ASCII letters
// and digits, one space between words: "spamcop", "passive spam block
// list"), unless the catalog says they are common words (CommonName). A
// name of several words leaves the reply as many other words as a name of
// one (GenericCues.NameWords; issue 14, thirteenth round).
func aloneNames(p *Provider) []string {
	if p.Kind != KindDNSBL || p.ID == Unknown || p.CommonName {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range append([]string{p.ID}, p.Names...) {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" || seen[n] || n != strings.Join(strings.Fields(n), " ") || strings.IndexFunc(n, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == ' ')
		}) >= 0 {
			continue
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// checker reports whether host is one of the generic key's Checkers or a
// name under one ("multirbl.valli.org", "www.mxtoolbox.com").
func (c *Catalog) checker(host string) bool {
	for h := host; h != ""; {
		if c.checkers[h] {
			return true
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return false
}
