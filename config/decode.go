package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// files is what Load may look at besides the configuration itself.
type files interface {
	Stat(name string) (fs.FileInfo, error)
	// ReadFile reads a file of at most max bytes (see ReadFile).
	ReadFile(name string, max int64) ([]byte, error)
}

type osFiles struct{}

func (osFiles) Stat(name string) (fs.FileInfo, error)           { return os.Stat(name) }
func (osFiles) ReadFile(name string, max int64) ([]byte, error) { return ReadFile(name, max) }

// decoder walks the YAML node tree onto a Config, collecting every problem.
type decoder struct {
	file  string
	files files       // nil: referenced files are not looked at
	mode  fs.FileMode // of the configuration file; 0 when unknown
	lines map[string]int
	errs  Errors          // errors and warnings
	bad   map[string]bool // keys whose value did not decode: validation is quiet about them
	// broken is set by a syntax error: nothing was decoded, so there is
	// nothing to validate.
	broken bool
	// aliased counts the values decoded through YAML aliases (at most
	// maxAliasValues); aliasDepth is how many aliases lead to the value
	// being decoded.
	aliased, aliasDepth int
	// more counts the problems beyond maxProblems, moreErrors whether one
	// of them is an error.
	more       int
	moreErrors bool
	// aborted stops decoding (too many alias expansions).
	aborted bool
}

func newDecoder(file string, f files) *decoder {
	return &decoder{file: file, files: f, lines: map[string]int{}, bad: map[string]bool{}}
}

// problem records a problem. Text arguments are bounded (see clipArgs), and
// so is the number of problems kept (maxProblems): a hostile file gets a
// screenful, not megabytes.
func (d *decoder) problem(line int, key string, warning bool, format string, args ...any) {
	if len(d.errs) >= maxProblems {
		d.more++
		d.moreErrors = d.moreErrors || !warning
		return
	}
	d.errs = append(d.errs, Problem{File: d.file, Line: line, Key: key, Msg: fmt.Sprintf(format, clipArgs(args)...), Warning: warning})
}

// errorAt and warnAt report a problem at a node's line.
func (d *decoder) errorAt(n *yaml.Node, key, format string, args ...any) {
	d.bad[key] = true
	d.problem(n.Line, key, false, format, args...)
}

// errorf and warnf report a problem with a key's value, at the line where
// the key was set; nothing when the value did not even decode.
func (d *decoder) errorf(key, format string, args ...any) {
	if !d.bad[key] {
		d.problem(d.lines[key], key, false, format, args...)
	}
}

func (d *decoder) warnf(key, format string, args ...any) {
	if !d.bad[key] {
		d.problem(d.lines[key], key, true, format, args...)
	}
}

// set reports whether key appears in the file.
func (d *decoder) set(key string) bool { return d.lines[key] > 0 }

// run decodes data onto the defaults, validates the result and returns it,
// or every problem.
func (d *decoder) run(data []byte) (*Config, error) {
	if len(data) > MaxFileSize {
		return nil, tooLarge(d.file, MaxFileSize)
	}
	cfg := Default()
	d.parse(data, cfg)
	if !d.broken {
		d.normalize(cfg)
		d.validate(cfg)
		if d.files != nil {
			d.checkFiles(cfg)
		}
	}
	slices.SortStableFunc(d.errs, func(a, b Problem) int {
		if (a.Line == 0) != (b.Line == 0) {
			return cmp.Compare(b.Line, a.Line) // line 0 last
		}
		return cmp.Compare(a.Line, b.Line)
	})
	if d.more > 0 {
		d.errs = append(d.errs, Problem{File: d.file, Msg: fmt.Sprintf("%d more problems not shown: fix these first", d.more), Warning: !d.moreErrors})
	}
	if slices.ContainsFunc(d.errs, func(p Problem) bool { return !p.Warning }) {
		return nil, d.errs
	}
	cfg.Warnings = d.errs
	return cfg, nil
}

// parse decodes data onto cfg.
func (d *decoder) parse(data []byte, cfg *Config) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	switch err := dec.Decode(&root); {
	case errors.Is(err, io.EOF):
		// An empty file (or only comments): the defaults.
	case err != nil:
		d.syntax(err, data)
	default:
		var extra yaml.Node
		if err := dec.Decode(&extra); err == nil {
			d.errorAt(&extra, "", "a second YAML document (after ---): put everything in one")
		} else if !errors.Is(err, io.EOF) {
			d.syntax(err, data)
		}
		n := &root
		if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			n = n.Content[0]
		}
		if r := resolve(n); r != nil && r.Kind != yaml.MappingNode && !isNull(r) {
			d.broken = true // not a configuration at all: nothing to validate
		}
		d.decode(n, reflect.ValueOf(cfg).Elem(), "")
	}
}

// syntax reports a YAML syntax error at its line (yamlerr.Split).
func (d *decoder) syntax(err error, data []byte) {
	line, msg := yamlerr.Split(err.Error(), data)
	d.broken = true
	d.problem(line, "", false, "YAML syntax: %s", msg)
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	addrType     = reflect.TypeFor[netip.Addr]()
	secretType   = reflect.TypeFor[Secret]()
	journaldType = reflect.TypeFor[Journald]()
	mailboxType  = reflect.TypeFor[mail.Address]()
)

// resolve follows aliases (bounded, against alias loops).
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// describe names what a node holds for a message; secret values are not shown.
func describe(n *yaml.Node, secret bool) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if secret {
			return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
		}
		return quote(n.Value)
	}
	return "nothing usable"
}

// decode sets v from n; key is the dotted path of v. A null value keeps
// the default.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, key string) {
	if d.aborted {
		return
	}
	orig := n
	if n = resolve(n); n == nil {
		d.errorAt(orig, key, "an alias that leads nowhere")
		return
	}
	if orig.Kind == yaml.AliasNode {
		d.aliasDepth++
		defer func() { d.aliasDepth-- }()
	}
	if d.aliasDepth > 0 {
		if d.aliased++; d.aliased > maxAliasValues {
			d.errorAt(orig, key, "aliases expand to more than %d values: write the values out, or use fewer aliases", maxAliasValues)
			d.aborted, d.broken = true, true // stop here: the rest would be expanded too
			return
		}
	}
	if isNull(n) {
		return
	}
	switch v.Type() {
	case durationType:
		d.decodeDuration(n, v, key)
		return
	case addrType:
		s, ok := d.scalar(n, key, false, "an IP address")
		if !ok {
			return
		}
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil && strings.Contains(s, "/"):
			d.errorAt(n, key, "%q is a network: list single addresses", s)
		case err != nil:
			d.errorAt(n, key, "%q is not an IP address", s)
		case a.Zone() != "":
			d.errorAt(n, key, "%q has a zone: a sending address is global", s)
		default:
			v.Set(reflect.ValueOf(a.Unmap()))
		}
		return
	case secretType:
		if s, ok := d.scalar(n, key, true, "a string"); ok {
			v.SetString(s)
		}
		return
	case journaldType:
		d.decodeJournald(n, v, key)
		return
	case mailboxType:
		s, ok := d.scalar(n, key, false, "an email address")
		if !ok {
			return
		}
		a, err := ParseMailbox(s)
		if err != nil {
			d.errorAt(n, key, "%q %v", s, err)
			return
		}
		v.Set(reflect.ValueOf(a))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, key)
	case reflect.Bool:
		if b, ok := d.boolean(n, key); ok {
			v.SetBool(b)
		}
	case reflect.String:
		if s, ok := d.scalar(n, key, false, "a string"); ok {
			v.SetString(s)
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.errorAt(n, key, "want a whole number, got %s", describe(n, false))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, 32)
		if err != nil {
			d.errorAt(n, key, "%s is not a whole number within reach", quote(n.Value))
			return
		}
		v.SetInt(i)
	case reflect.Slice:
		d.decodeSlice(n, v, key)
	default:
		d.errorAt(n, key, "internal error: no decoder for %s", v.Type())
	}
}

// scalar returns the text of a scalar. Numbers are accepted as text
// (a numeric password); booleans are not (quote them to mean the text).
func (d *decoder) scalar(n *yaml.Node, key string, secret bool, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorAt(n, key, "want %s, got %s", want, describe(n, secret))
		return "", false
	}
	if n.ShortTag() == "!!bool" {
		d.errorAt(n, key, "want %s, got the boolean %s (quote it to mean the text)", want, n.Value)
		return "", false
	}
	if i := strings.IndexFunc(n.Value, unicode.IsControl); i >= 0 {
		if secret {
			d.errorAt(n, key, "contains a control character")
		} else {
			_, size := utf8.DecodeRuneInString(n.Value[i:])
			d.errorAt(n, key, "contains a control character (%q)", n.Value[i:i+size])
		}
		return "", false
	}
	return n.Value, true
}

func (d *decoder) boolean(n *yaml.Node, key string) (bool, bool) {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true, true
		case "false", "no", "off":
			return false, true
		}
	}
	d.errorAt(n, key, "want true or false, got %s", describe(n, false))
	return false, false
}

func (d *decoder) decodeDuration(n *yaml.Node, v reflect.Value, key string) {
	s, ok := d.scalar(n, key, false, "a duration (30s, 15m, 6h, 2d)")
	if !ok {
		return
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" {
		d.errorAt(n, key, "%q has no unit: write e.g. %ss, %sm, %sh or %sd", s, s, s, s, s)
		return
	}
	dur, err := ParseDuration(s)
	if err != nil {
		d.errorAt(n, key, "%q is not a duration: write e.g. 30s, 15m, 6h, 2d or 1d12h", s)
		return
	}
	v.SetInt(int64(dur))
}

func (d *decoder) decodeJournald(n *yaml.Node, v reflect.Value, key string) {
	j := Journald{}
	switch {
	case n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!bool" || isBoolWord(n.Value)):
		// yes, no, on and off are booleans, as for every boolean key
		// (d.boolean), not units: "journald: no" read the unit "no".
		b, ok := d.boolean(n, key)
		if !ok {
			return
		}
		j.Enabled = b
	case n.Kind == yaml.SequenceNode && len(n.Content) == 0:
		d.errorAt(n, key, "an empty list: write true for every Postfix message, or name the units")
		return
	case n.Kind == yaml.ScalarNode || n.Kind == yaml.SequenceNode:
		j.Enabled = true
		d.decodeSlice(n, reflect.ValueOf(&j.Units).Elem(), key)
	default:
		d.errorAt(n, key, "want true, false or a list of systemd units, got %s", describe(n, false))
		return
	}
	v.Set(reflect.ValueOf(j))
}

// isBoolWord reports whether s is a word d.boolean reads (in any case):
// no systemd unit is called so.
func isBoolWord(s string) bool {
	switch strings.ToLower(s) {
	case "true", "yes", "on", "false", "no", "off":
		return true
	}
	return false
}

// decodeSlice decodes a list; a single scalar is a list of one.
func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, key string) {
	items := []*yaml.Node{n}
	switch n.Kind {
	case yaml.SequenceNode:
		items = n.Content
	case yaml.ScalarNode:
	default:
		d.errorAt(n, key, "want a list, got %s", describe(n, false))
		return
	}
	s := reflect.MakeSlice(v.Type(), 0, len(items))
	for i, item := range items {
		ekey := fmt.Sprintf("%s[%d]", key, i)
		d.lines[ekey] = item.Line
		e := reflect.New(v.Type().Elem()).Elem()
		if r := resolve(item); r != nil && isNull(r) {
			d.errorAt(item, ekey, "an empty item")
		} else {
			d.decode(item, e, ekey)
		}
		// A bad item stays, as a zero value, so that the indexes of the
		// others still match the file.
		s = reflect.Append(s, e)
	}
	v.Set(s)
}

// field is a key of a struct: its name in the file and its index. An
// obsolete key (tag obsolete:"…") is still read, so that validation can
// say what replaced it, but no message or listing offers it.
type field struct {
	name     string
	index    int
	obsolete bool
}

func fields(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		_, obsolete := t.Field(i).Tag.Lookup("obsolete")
		fs = append(fs, field{name, i, obsolete})
	}
	return fs
}

// current leaves out the obsolete keys.
func current(fs []field) []field {
	return slices.DeleteFunc(slices.Clone(fs), func(f field) bool { return f.obsolete })
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, key string) {
	fs := fields(v.Type())
	if n.Kind != yaml.MappingNode {
		names := make([]string, 0, len(fs))
		for _, f := range current(fs) {
			names = append(names, f.name)
		}
		d.errorAt(n, key, "want a mapping with the keys %s, got %s", strings.Join(names, ", "), describe(n, false))
		return
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorAt(k, key, "a key must be a name, not %s", describe(k, false))
			continue
		}
		name := k.Value
		path := joinKey(key, quoteKey(name))
		if name == "<<" && k.ShortTag() == "!!merge" {
			d.errorAt(k, key, "merge keys (<<) are not supported")
			continue
		}
		if first, dup := seen[name]; dup {
			d.errorAt(k, path, "set twice (first at line %d)", first)
			continue
		}
		seen[name] = k.Line
		idx := slices.IndexFunc(fs, func(f field) bool { return f.name == name })
		if idx < 0 {
			d.errorAt(k, path, "unknown key%s", suggest(name, key, current(fs)))
			continue
		}
		d.lines[path] = k.Line
		d.decode(val, v.Field(fs[idx].index), path)
	}
}

func joinKey(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// quoteKey quotes a key that is not a plain name, so that a stray
// character cannot garble a message.
func quoteKey(name string) string {
	if len(name) > maxQuoted {
		return quote(name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return strconv.Quote(name)
		}
	}
	if name == "" {
		return `""`
	}
	return name
}

// suggest proposes a known key for an unknown one: a near spelling among
// the siblings, the same name elsewhere in the file, or the list of the
// siblings.
func suggest(name, parent string, siblings []field) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	if len(name) > maxQuoted {
		name = "" // no key is that long: nothing to suggest, and no quadratic work
	}
	best, bestDist := "", 3
	for _, f := range siblings {
		if dist := editDistance(norm(name), f.name); dist < bestDist {
			best, bestDist = f.name, dist
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %s?)", joinKey(parent, best))
	}
	var elsewhere []string
	for _, k := range keyPaths(reflect.TypeFor[Config](), "") {
		if k == joinKey(parent, name) {
			continue
		}
		if k == norm(name) || strings.HasSuffix(k, "."+norm(name)) {
			elsewhere = append(elsewhere, k)
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Sprintf(" (did you mean %s?)", strings.Join(elsewhere, " or "))
	}
	names := make([]string, len(siblings))
	for i, f := range siblings {
		names[i] = f.name
	}
	where := "here"
	if parent != "" {
		where = "under " + parent
	}
	return fmt.Sprintf("; known keys %s: %s", where, strings.Join(names, ", "))
}

// keyPaths lists every key path of a struct type, depth first.
func keyPaths(t reflect.Type, parent string) []string {
	var keys []string
	for _, f := range current(fields(t)) {
		path := joinKey(parent, f.name)
		keys = append(keys, path)
		ft := t.Field(f.index).Type
		if ft.Kind() == reflect.Struct && ft != addrType && ft != journaldType && ft != mailboxType {
			keys = append(keys, keyPaths(ft, path)...)
		}
	}
	return keys
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
