package classify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/internal/bounded"
	"github.com/rblwatch/rblwatch/internal/yamlerr"
	"github.com/rblwatch/rblwatch/reply"
)

// LoadError lists every problem found in a catalog file, each as
// "file:line: what".
type LoadError struct {
	Problems []string
}

func (e *LoadError) Error() string { return strings.Join(e.Problems, "\n") }

// Unwrap makes errors.Is(err, ErrCatalog) hold.
func (e *LoadError) Unwrap() error { return ErrCatalog }

// Load parses a catalog file (the format of the embedded catalog.yaml) and
// merges it into base; a nil base starts from an empty catalog. name is
// used in error messages.
//
// A provider with a new id is added. A provider whose id is already known
// overrides it field by field: what the file sets replaces the built-in
// value (texts per language; zones and hosts as whole lists), and its rules
// merge by id (the same id replaces a rule, a new id adds one, "disabled:
// true" switches one off). Top-level rules, categories and texts merge the
// same way. Decoding is strict: unknown keys are errors. Regular
// expressions are compiled and every rule's samples are classified; all
// problems are reported at once, with line numbers.
func Load(base *Catalog, data []byte, name string) (*Catalog, error) {
	doc, problems := readDocument(data, name)
	var over *merged
	if base != nil {
		over = &merged{src: base.src, res: patterns{}}
		for _, cr := range base.rules {
			if cr.re != nil {
				over.res[cr.r.Regex] = cr.re
			}
		}
	}
	return load(over, doc, problems, name, false)
}

// document is a catalog file as read: its entries, each rule with its
// file and line, and of each provider entry its line and the keys it
// sets. A user's file is read from YAML (readDocument); the built-in
// catalog is also there as Go literals made from catalog.yaml
// (catalog_gen.go, by go generate ./classify), which every command
// takes instead of reading the YAML: the same document, through the same
// validation, merging and build.
type document struct {
	src       source
	providers []providerInfo
}

// merged is a catalog before its build: its files' entries checked
// and merged, and its rules' patterns compiled, by their text.
type merged struct {
	src source
	res patterns
}

// mergeOver checks a document read with the reading's problems and
// merges it over base (nil: an empty catalog), which it leaves as it was.
func mergeOver(base *merged, doc document, problems []string, name string) (merged, []string) {
	file, setKeys := doc.src, doc.providers
	res := patterns{}
	if base != nil {
		maps.Copy(res, base.res)
	}
	problems = append(problems, validateFile(&file, name, setKeys, res)...)
	if len(problems) > 0 {
		return merged{}, problems
	}
	var m source
	if base != nil {
		m = copySource(base.src)
	}
	problems = append(problems, merge(&m, &file, setKeys)...)
	problems = append(problems, validateMerged(&m)...)
	return merged{src: m, res: res}, problems
}

// load is Load of a document read with the reading's problems over base
// (nil: an empty catalog); builtin (the built-in catalog) leaves the
// samples unclassified (the same at every start, and TestBuiltinSamples
// classifies them).
func load(base *merged, doc document, problems []string, name string, builtin bool) (*Catalog, error) {
	m, problems := mergeOver(base, doc, problems, name)
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return buildChecked(m, !builtin)
}

// buildChecked builds a merged catalog, and with samples classifies its
// rules' samples (checkSamples).
func buildChecked(m merged, samples bool) (*Catalog, error) {
	c, problems := build(m.src, m.res)
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	if samples {
		problems = append(problems, c.checkSamples()...)
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return c, nil
}

// LoadFile is the one way every command gets its catalog: the built-in
// catalog, with the user's file (catalog.file, or a command's --catalog)
// merged over it when one is named. Problems in the file are reported as
// a *LoadError whose lines start with the file's name and line ("my.yaml:12:
// rule \"x\": bad regex …"); a file that cannot be read gives an error
// wrapping the *fs.PathError.
//
// A file larger than max bytes is refused (config.MaxCatalogSize is the
// limit every command passes).
func LoadFile(file string, max int64) (*Catalog, error) {
	if file == "" {
		return Default(), nil
	}
	data, err := bounded.ReadFile(file, max)
	if err != nil {
		return nil, fmt.Errorf("classify: catalog: %w", err)
	}
	// The file merges over the built-in catalog's entries, not over the
	// built catalog (Default): a command with a file never uses the
	// built-in catalog's own matcher and cues, half its load.
	base, err := defaultMerged()
	if err != nil {
		panic(err)
	}
	doc, problems := readDocument(data, file)
	return load(&base, doc, problems, file, false)
}

// readSource reads a catalog file as nodes (for line numbers and the keys
// each provider sets) and decodes the structs from the nodes: every
// command waits for the catalog before it reads anything, and reading the
// text a second time took longer than the nodes (the built-in catalog: 13
// ms against 7, and 1 to decode the nodes). Decoding from nodes is not
// strict (yaml.v3 has no KnownFields there), so knownKeys checks every key
// first; a file with a key it does not know, anything knownKeys is not
// sure of, or an error, is read again by readStrict, which reports every
// problem (TestReadSourceAsStrict holds the two equal).
func readSource(data []byte, name string) (source, yaml.Node, []string) {
	var file source
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err == nil && root.Kind == yaml.DocumentNode &&
		knownKeys(&root, reflect.TypeFor[source](), map[reflect.Type]map[string]reflect.Type{}) && root.Decode(&file) == nil {
		annotate(&file, &root, name)
		return file, root, nil
	}
	return readStrict(data, name)
}

// readDocument reads a catalog file's YAML (readSource) into a document.
func readDocument(data []byte, name string) (document, []string) {
	file, root, problems := readSource(data, name)
	return document{src: file, providers: providerKeys(&root)}, problems
}

// readStrict reads a catalog file strictly into the structs
// (yaml.Decoder.KnownFields), and as nodes, side by side.
func readStrict(data []byte, name string) (source, yaml.Node, []string) {
	var problems []string
	var file source
	var root yaml.Node
	rootErr := make(chan error, 1)
	go func() { rootErr <- yaml.Unmarshal(data, &root) }()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) {
		problems = append(problems, yamlProblems(name, data, err)...)
	}
	if err := <-rootErr; err == nil {
		annotate(&file, &root, name)
	}
	return file, root, problems
}

// knownKeys reports whether every key of a mapping that n decodes into a
// struct of t is one of its fields — what a strict decoder
// (yaml.Decoder.KnownFields) checks — and whether it can tell: an alias,
// a merge key, a non-scalar key, an inline field or a type with its own
// UnmarshalYAML make it answer false, and the caller decodes strictly.
// fields caches each struct's keys.
func knownKeys(n *yaml.Node, t reflect.Type, fields map[reflect.Type]map[string]reflect.Type) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return false
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			if !knownKeys(c, t, fields) {
				return false
			}
		}
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.Unmarshaler]()) {
		return false
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		f, ok := fields[t]
		if !ok {
			if f, ok = structKeys(t); !ok {
				return false
			}
			fields[t] = f
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || k.Anchor != "" {
				return false
			}
			ft, ok := f[k.Value]
			if !ok || !knownKeys(n.Content[i+1], ft, fields) {
				return false
			}
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || k.Anchor != "" || !knownKeys(n.Content[i+1], t.Elem(), fields) {
				return false
			}
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for _, c := range n.Content {
			if !knownKeys(c, t.Elem(), fields) {
				return false
			}
		}
	}
	return true
}

// structKeys are the keys yaml.v3 decodes into t's fields (its rules: the
// yaml tag's name, else the lower-cased field name; unexported and "-"
// fields left out), with their types; false for an inline field.
func structKeys(t reflect.Type) (map[string]reflect.Type, bool) {
	keys := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.PkgPath != "" && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "" && !strings.Contains(string(f.Tag), ":") {
			tag = string(f.Tag)
		}
		if tag == "-" {
			continue
		}
		name, flags, _ := strings.Cut(tag, ",")
		if slices.Contains(strings.Split(flags, ","), "inline") {
			return nil, false
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		keys[name] = f.Type
	}
	return keys, true
}

// unknownField is the YAML library's word for a key KnownFields refuses.
var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// yamlProblems turns a decoding error of data into "name:line: what" lines.
func yamlProblems(name string, data []byte, err error) []string {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		line, text := yamlerr.Split(m, data)
		if g := unknownField.FindStringSubmatch(text); g != nil {
			text = g[1] + ": unknown key"
		}
		out = append(out, fmt.Sprintf("%s:%d: %s", name, line, text))
	}
	return out
}

// mapValue returns the value node of key in a mapping node, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func docRoot(root *yaml.Node) *yaml.Node {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		return root.Content[0]
	}
	return nil
}

// annotate records each rule's file and line.
func annotate(f *source, root *yaml.Node, name string) {
	top := docRoot(root)
	if ps := mapValue(top, "providers"); ps != nil && ps.Kind == yaml.SequenceNode {
		for i, pn := range ps.Content {
			if i >= len(f.Providers) {
				break
			}
			p := &f.Providers[i]
			rs := mapValue(pn, "rules")
			for j := range p.Rules {
				p.Rules[j].src = name
				if rs != nil && j < len(rs.Content) {
					p.Rules[j].line = rs.Content[j].Line
				}
			}
		}
	}
	if g := f.Generic; g != nil {
		g.src = name
		for i := 0; top != nil && top.Kind == yaml.MappingNode && i+1 < len(top.Content); i += 2 {
			if top.Content[i].Value == "generic" {
				g.line = top.Content[i].Line
			}
		}
	}
	rs := mapValue(top, "rules")
	for j := range f.Rules {
		f.Rules[j].src = name
		if rs != nil && rs.Kind == yaml.SequenceNode && j < len(rs.Content) {
			f.Rules[j].line = rs.Content[j].Line
		}
	}
}

// providerInfo is what the loader knows of a provider entry in the file:
// its line and the keys it sets, in the file's order.
type providerInfo struct {
	line int
	keys []string
}

func providerKeys(root *yaml.Node) []providerInfo {
	ps := mapValue(docRoot(root), "providers")
	if ps == nil || ps.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]providerInfo, len(ps.Content))
	for i, pn := range ps.Content {
		out[i] = providerInfo{line: pn.Line}
		if pn.Kind == yaml.MappingNode {
			for k := 0; k+1 < len(pn.Content); k += 2 {
				out[i].keys = append(out[i].keys, pn.Content[k].Value)
			}
		}
	}
	return out
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

func at(name string, line int) string {
	if line == 0 {
		return name + ": "
	}
	return name + ":" + strconv.Itoa(line) + ": "
}

// validateFile checks the entries of one file on their own.
func validateFile(f *source, name string, info []providerInfo, res patterns) []string {
	var out []string
	seen := map[string]bool{}
	for i := range f.Providers {
		p := &f.Providers[i]
		line := 0
		if i < len(info) {
			line = info[i].line
		}
		here := at(name, line)
		if !idRE.MatchString(p.ID) {
			out = append(out, fmt.Sprintf("%sprovider %q: id must be lower-case letters, digits, '-', '_' or '.'", here, p.ID))
		}
		if seen[p.ID] {
			out = append(out, fmt.Sprintf("%sprovider %q: listed twice", here, p.ID))
		}
		seen[p.ID] = true
		if p.Kind != "" && p.Kind != KindDNSBL && p.Kind != KindProprietary {
			out = append(out, fmt.Sprintf("%sprovider %q: kind must be %q or %q", here, p.ID, KindDNSBL, KindProprietary))
		}
		switch p.Removal {
		case "", RemovalContact, RemovalNone:
			if p.Removal != "" && p.SelfService {
				out = append(out, fmt.Sprintf("%sprovider %q: removal %q contradicts self_service: true (drop one of them)", here, p.ID, p.Removal))
			}
		case RemovalForm:
		default:
			out = append(out, fmt.Sprintf("%sprovider %q: removal must be %q, %q or %q", here, p.ID, RemovalForm, RemovalContact, RemovalNone))
		}
		for _, t := range []struct{ key, v string }{{"lookup_url", p.LookupURL}, {"removal_url", p.RemovalURL}} {
			if msg := checkTemplate(t.v); msg != "" {
				out = append(out, fmt.Sprintf("%sprovider %q: %s: %s", here, p.ID, t.key, msg))
			}
		}
		out = append(out, checkShownText(here, p)...)
		for _, z := range p.Zones {
			out = append(out, checkZone(here, p.ID, z.Name, z.Codes)...)
		}
		for j := range p.Rules {
			out = append(out, checkRule(&p.Rules[j], true, res)...)
		}
	}
	for j := range f.Rules {
		out = append(out, checkRule(&f.Rules[j], false, res)...)
	}
	for _, ci := range f.Categories {
		if !validCategory(ci.Category) {
			out = append(out, fmt.Sprintf("%s: unknown category %q", name, ci.Category))
		}
	}
	return out
}

// checkShownText refuses control characters in what notices, reports and
// explain show of a provider: a name is shown on one line, and advice may
// hold line breaks, but an escape, a carriage return or any other control
// character would reach a terminal or a header as the admin's file wrote it.
func checkShownText(here string, p *Provider) []string {
	var out []string
	// (the key is joined only for a problem: a load checks thousands)
	check := func(key, lang, v string, lines bool) {
		for _, r := range v {
			if unicode.IsControl(r) && !(lines && r == '\n') {
				out = append(out, fmt.Sprintf("%sprovider %q: %s%s holds the control character %U", here, p.ID, key, lang, r))
				return
			}
		}
	}
	check("name", "", p.Name, false)
	for _, n := range p.Names {
		check("names", "", n, false)
	}
	check("historical", "", p.Historical, false)
	check("historical_ja", "", p.HistoricalJa, false)
	for _, t := range []struct {
		key string
		v   Text
	}{{"meaning", p.Meaning}, {"advice", p.Advice}, {"removal_time", p.RemovalTime}} {
		check(t.key, ".en", t.v.En, true)
		check(t.key, ".ja", t.v.Ja, true)
	}
	for _, list := range slices.Sorted(maps.Keys(p.ListAdvice)) {
		t := p.ListAdvice[list]
		check("list_advice."+list, ".en", t.En, true)
		check("list_advice."+list, ".ja", t.Ja, true)
	}
	return out
}

func validCategory(c Category) bool {
	for _, k := range Categories {
		if k == c {
			return true
		}
	}
	return false
}

// templateFields removes the fields a template may fill in.
var templateFields = strings.NewReplacer("{ip}", "", "{domain}", "")

func checkTemplate(t string) string {
	if t == "" {
		return ""
	}
	if !strings.HasPrefix(t, "https://") && !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "mailto:") {
		return "must start with https://, http:// or mailto:"
	}
	rest := templateFields.Replace(t)
	if strings.ContainsAny(rest, "{} \t\r\n<>\"") {
		return "only {ip} and {domain} may be filled in, and no spaces or quotes"
	}
	return ""
}

func checkZone(here, id, name string, codes []dnsbl.Code) []string {
	var out []string
	if name == "" || strings.ContainsAny(name, " /\t") {
		out = append(out, fmt.Sprintf("%sprovider %q: zone name %q is not a DNS name", here, id, name))
	}
	for _, c := range codes {
		if !validAnswer(c.Answer) {
			out = append(out, fmt.Sprintf("%sprovider %q: zone %s: answer %q is not an address, range or prefix", here, id, name, c.Answer))
		}
		switch c.Status {
		case "", "listed", "error", "allowed":
		default:
			out = append(out, fmt.Sprintf("%sprovider %q: zone %s: status %q must be listed, error or allowed", here, id, name, c.Status))
		}
	}
	return out
}

func validAnswer(a string) bool {
	if lo, hi, ok := strings.Cut(a, "-"); ok {
		x, err1 := netip.ParseAddr(lo)
		y, err2 := netip.ParseAddr(hi)
		return err1 == nil && err2 == nil && x.Compare(y) <= 0
	}
	if strings.Contains(a, "/") {
		_, err := netip.ParsePrefix(a)
		return err == nil
	}
	_, err := netip.ParseAddr(a)
	return err == nil
}

// patterns are a load's compiled rule patterns by their text: a pattern
// checked with its file is built once, and the base catalog's are not
// compiled again (a regexp.Regexp is safe for concurrent use).
type patterns map[string]*regexp.Regexp

// compile compiles a rule's pattern (case-insensitive), once.
func (ps patterns) compile(expr string) (*regexp.Regexp, error) {
	if re := ps[expr]; re != nil {
		return re, nil
	}
	re, err := regexp.Compile("(?i)" + expr)
	if err == nil {
		ps[expr] = re
	}
	return re, err
}

// checkRule checks one rule on its own.
func checkRule(r *Rule, underProvider bool, res patterns) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, where(r)+"rule "+strconv.Quote(r.ID)+": "+fmt.Sprintf(format, args...))
	}
	if !idRE.MatchString(r.ID) {
		bad("id must be lower-case letters, digits, '-', '_' or '.'")
	}
	if underProvider {
		if r.Category != "" && r.Category != Blocklist {
			bad("rules under a provider are blocklist rules; move a %s rule to the top-level rules", r.Category)
		}
	} else {
		switch {
		case r.Category == "":
			bad("a top-level rule needs a category")
		case r.Category == Blocklist:
			bad("blocklist rules belong under a provider (use provider %q for unnamed lists)", Unknown)
		case !validCategory(r.Category):
			bad("unknown category %q", r.Category)
		}
		if r.Via != "" || r.ReceiverFault || r.Target != "" || r.RemovalURL != "" {
			bad("via, receiver_fault, target and removal_url only apply to provider rules")
		}
	}
	if r.Disabled {
		return out
	}
	if len(r.Any) == 0 && len(r.All) == 0 && r.Regex == "" && len(r.Codes) == 0 && len(r.Enhanced) == 0 {
		bad("needs at least one of any, all, regex, codes or enhanced")
	}
	for _, set := range [][]string{r.Any, r.All, r.Not} {
		for _, s := range set {
			if strings.TrimSpace(s) == "" {
				bad("empty substring")
			}
		}
	}
	if r.Regex != "" {
		if _, err := res.compile(r.Regex); err != nil {
			bad("bad regex: %v", err)
		}
	}
	for _, p := range r.Codes {
		if !validCodePattern(p) {
			bad("code %q must look like 550, 55x or 5xx", p)
		}
	}
	for _, p := range r.Enhanced {
		if !validEnhancedPattern(p) {
			bad("enhanced code %q must look like 5.7.1 or 4.7.5xx", p)
		}
	}
	switch r.Target {
	case "", targetIP, targetDomain, targetNone:
	default:
		bad("target must be ip, domain or none")
	}
	if r.Found != "" {
		if !underProvider {
			bad("found only applies to provider rules")
		} else if !slices.Contains(foundValues, r.Found) {
			bad("found must be one of %s", strings.Join(foundValues, ", "))
		}
	}
	if msg := checkTemplate(r.RemovalURL); msg != "" {
		bad("removal_url: %s", msg)
	}
	if len(r.Samples) == 0 {
		bad("needs at least one sample")
	}
	return out
}

// copySource copies a source deeply enough that merging into the copy
// leaves the original untouched.
func copySource(s source) source {
	out := source{
		Providers:  make([]Provider, len(s.Providers)),
		Rules:      append([]Rule(nil), s.Rules...),
		Categories: append([]CategoryInfo(nil), s.Categories...),
		Texts:      make(map[string]Text, len(s.Texts)),
	}
	for i, p := range s.Providers {
		p.Rules = append([]Rule(nil), p.Rules...)
		p.Zones = append([]dnsbl.Zone(nil), p.Zones...)
		p.Hosts = append([]string(nil), p.Hosts...)
		p.Domains = append([]string(nil), p.Domains...)
		p.ListAdvice = maps.Clone(p.ListAdvice)
		out.Providers[i] = p
	}
	for k, v := range s.Texts {
		out.Texts[k] = v
	}
	if s.Generic != nil {
		g := *s.Generic
		out.Generic = &g
	}
	return out
}

// merge applies a file to the merged source.
func merge(dst, f *source, info []providerInfo) []string {
	var out []string
	index := map[string]int{}
	for i, p := range dst.Providers {
		index[p.ID] = i
	}
	for i, p := range f.Providers {
		j, ok := index[p.ID]
		if !ok {
			index[p.ID] = len(dst.Providers)
			dst.Providers = append(dst.Providers, p)
			continue
		}
		var keys []string
		if i < len(info) {
			keys = info[i].keys
		}
		set := func(key string) bool { return slices.Contains(keys, key) }
		d := &dst.Providers[j]
		if p.Name != "" {
			d.Name = p.Name
		}
		if p.Kind != "" {
			d.Kind = p.Kind
		}
		if p.Historical != "" {
			d.Historical = p.Historical
		}
		if p.HistoricalJa != "" {
			d.HistoricalJa = p.HistoricalJa
		}
		if set("lookup_url") {
			d.LookupURL = p.LookupURL
		}
		if set("removal_url") {
			d.RemovalURL = p.RemovalURL
		}
		if set("self_service") {
			d.SelfService = p.SelfService
			if !set("removal") {
				// A user's file that sets only self_service means it.
				d.Removal = ""
			}
		}
		if set("removal") {
			d.Removal = p.Removal
		}
		d.RemovalTime = mergeText(d.RemovalTime, p.RemovalTime)
		d.Meaning = mergeText(d.Meaning, p.Meaning)
		d.Advice = mergeText(d.Advice, p.Advice)
		for list, t := range p.ListAdvice {
			if d.ListAdvice == nil {
				d.ListAdvice = map[string]Text{}
			}
			d.ListAdvice[list] = mergeText(d.ListAdvice[list], t)
		}
		if set("zones") {
			d.Zones = p.Zones
		}
		if set("hosts") {
			d.Hosts = p.Hosts
		}
		if set("domains") {
			d.Domains = p.Domains
		}
		d.Rules = mergeRules(d.Rules, p.Rules)
	}
	dst.Rules = mergeRules(dst.Rules, f.Rules)
	if g := f.Generic; g != nil {
		mergeGeneric(dst, g)
	}
	for _, ci := range f.Categories {
		found := false
		for k := range dst.Categories {
			if dst.Categories[k].Category == ci.Category {
				dst.Categories[k].Meaning = mergeText(dst.Categories[k].Meaning, ci.Meaning)
				dst.Categories[k].Advice = mergeText(dst.Categories[k].Advice, ci.Advice)
				found = true
			}
		}
		if !found {
			dst.Categories = append(dst.Categories, ci)
		}
	}
	if dst.Texts == nil {
		dst.Texts = map[string]Text{}
	}
	for k, t := range f.Texts {
		dst.Texts[k] = mergeText(dst.Texts[k], t)
	}
	return out
}

// mergeGeneric applies a file's "generic" entry: what it sets replaces the
// built-in value (each cue list as a whole).
func mergeGeneric(dst *source, g *GenericCues) {
	if dst.Generic == nil {
		c := *g
		dst.Generic = &c
		return
	}
	d := dst.Generic
	if g.Priority != 0 {
		d.Priority = g.Priority
	}
	if g.Window != 0 {
		d.Window = g.Window
	}
	if g.TerseWords != 0 {
		d.TerseWords = g.TerseWords
	}
	for _, l := range []struct{ dst, src *[]string }{{&d.Subject, &g.Subject}, {&d.Refusal, &g.Refusal}, {&d.List, &g.List}, {&d.Strong, &g.Strong}, {&d.Qualifier, &g.Qualifier}, {&d.Standing, &g.Standing}, {&d.Locative, &g.Locative}, {&d.Owner, &g.Owner}, {&d.Placed, &g.Placed}, {&d.Terse, &g.Terse}, {&d.Links, &g.Links}, {&d.Checkers, &g.Checkers}, {&d.Boilerplate, &g.Boilerplate}, {&d.Samples, &g.Samples}, {&d.Counter, &g.Counter}} {
		if *l.src != nil {
			*l.dst = *l.src
		}
	}
	if g.Veto != nil {
		d.Veto = g.Veto
	}
	d.src, d.line = g.src, g.line
}

func mergeText(base, over Text) Text {
	if over.En != "" {
		base.En = over.En
	}
	if over.Ja != "" {
		base.Ja = over.Ja
	}
	return base
}

func mergeRules(base, over []Rule) []Rule {
	for _, r := range over {
		replaced := false
		for i := range base {
			if base[i].ID == r.ID {
				base[i] = r
				replaced = true
				break
			}
		}
		if !replaced {
			base = append(base, r)
		}
	}
	return base
}

// validateMerged checks what only the whole catalog can tell: unique rule
// ids, providers with names and meanings, and via naming a provider.
func validateMerged(s *source) []string {
	var out []string
	ids := map[string]bool{}
	provs := map[string]bool{}
	for _, p := range s.Providers {
		provs[p.ID] = true
	}
	seenRule := map[string]*Rule{}
	check := func(r *Rule) {
		if prev, dup := seenRule[r.ID]; dup && where(prev) != where(r) {
			out = append(out, where(r)+"rule "+strconv.Quote(r.ID)+": id already used at "+strings.TrimSuffix(where(prev), ": "))
		}
		seenRule[r.ID] = r
		if r.Via != "" && !provs[r.Via] {
			out = append(out, where(r)+"rule "+strconv.Quote(r.ID)+": via names no provider: "+strconv.Quote(r.Via))
		}
	}
	for i := range s.Providers {
		p := &s.Providers[i]
		if ids[p.ID] {
			out = append(out, fmt.Sprintf("provider %q: listed twice", p.ID))
		}
		ids[p.ID] = true
		if p.Name == "" {
			out = append(out, fmt.Sprintf("provider %q: needs a name", p.ID))
		}
		if p.Kind == "" {
			out = append(out, fmt.Sprintf("provider %q: needs a kind (%s or %s)", p.ID, KindDNSBL, KindProprietary))
		}
		if p.Meaning.En == "" {
			out = append(out, fmt.Sprintf("provider %q: needs a meaning (en)", p.ID))
		}
		for j := range p.Rules {
			check(&p.Rules[j])
		}
	}
	for j := range s.Rules {
		check(&s.Rules[j])
	}
	return out
}

// checkSamples classifies every rule's samples and counter-samples. A
// sample must get the rule's provider (with its via and receiver_fault) or,
// for a category rule, its category; a counter-sample must not.
func (c *Catalog) checkSamples() []string {
	var out []string
	for _, cr := range c.rules {
		r := cr.r
		if r.src == "" || strings.HasPrefix(r.src, "(") {
			continue
		}
		for _, s := range r.Samples {
			v := c.Classify(sampleInput(r, s))
			want := r.Category
			if cr.prov != nil {
				want = Blocklist
			}
			switch {
			case v.Category != want:
				out = append(out, fmt.Sprintf("%srule %q: sample classified as %s (rule %q), not %s: %q", where(r), r.ID, v.Category, v.Rule, want, s))
			case cr.prov != nil && v.Provider != cr.prov.ID && !(r.Linked && v.Rule == r.ID && v.Found == FoundURL):
				// (a linked rule of provider "unknown" names the receiver
				// its link belongs to)
				out = append(out, fmt.Sprintf("%srule %q: sample names provider %q (rule %q), not %q: %q", where(r), r.ID, v.Provider, v.Rule, cr.prov.ID, s))
			case cr.prov != nil && r.Via != "" && v.Via != r.Via:
				out = append(out, fmt.Sprintf("%srule %q: sample came via %q, not %q: %q", where(r), r.ID, v.Via, r.Via, s))
			case cr.prov != nil && v.ReceiverFault != r.ReceiverFault:
				out = append(out, fmt.Sprintf("%srule %q: sample gives receiver_fault %v: %q", where(r), r.ID, v.ReceiverFault, s))
			}
		}
		for _, s := range r.Counter {
			v := c.Classify(sampleInput(r, s))
			if cr.prov != nil && v.Provider == cr.prov.ID && v.ReceiverFault == r.ReceiverFault || cr.prov == nil && v.Category == r.Category || r.Linked && v.Rule == r.ID {
				out = append(out, fmt.Sprintf("%srule %q: counter-sample classified as %s/%s (rule %q): %q", where(r), r.ID, v.Provider, v.Category, v.Rule, s))
			}
		}
	}
	return out
}

// sampleInput builds the input a sample stands for: the reply text, from
// the rule's first host, at the greeting when the rule asks for it.
func sampleInput(r *Rule, s string) Input {
	in := Input{Reply: reply.Parse(s), Greeting: r.Greeting}
	if len(r.Hosts) > 0 {
		in.RemoteHost = "mx." + r.Hosts[0]
	}
	return in
}
