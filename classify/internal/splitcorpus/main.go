// Command splitcorpus splits a batch of gathered SMTP replies into a
// held-out part and a development part, the way every batch of
// classify/testdata was split (see classify/testdata/README.md for the
// invocation that made each file).
//
//	go run ./classify/internal/splitcorpus -seed rblwatch-holdout4-2026 -holdout holdout3.tsv rows.tsv
//
// rows.tsv holds the gathered rows in the corpus format (provider, code,
// text, source; TAB-separated, no quoting, an optional header line). A row
// whose text is already in the repository is dropped: in a .tsv file of
// the testdata folder, the shared corpus, known_test.go's knownReplies or a
// sample or counter-sample of the catalog (texts compared lower-cased, white
// space collapsed, without a Postfix "host … said:" wrapper, a "Remote host
// said:" or "Diagnostic-Code: smtp;" prefix, the leading reply codes and a
// trailing "(in reply to … command)"). The rest are grouped by source (the
// source up to its first " (" note, or all of it with -notes; a source with
// ten rows or more is grouped by source and label), and a group goes to the
// held-out part when SHA-256(seed + group) falls in the lower -held share
// of its range; with -fill, the groups are taken in the order of their
// SHA-256 until the held-out part has -held of the rows. Held-out rows are
// appended to -holdout, the others to -dev, each in the order of rows.tsv;
// a file that does not exist yet starts with the header line. What was
// dropped and how many rows went where is written to the standard error.
package main

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

const header = "provider\tcode\ttext\tsource\n"

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "splitcorpus:", err)
		os.Exit(1)
	}
}

type options struct {
	seed             string
	held             float64
	fill, notes      bool
	keepCodes        bool
	devOnly          string
	holdout, dev     string
	testdata, corpus string
	catalog, known   string
}

func run(args []string, log io.Writer) error {
	var o options
	fs := flag.NewFlagSet("splitcorpus", flag.ContinueOnError)
	fs.StringVar(&o.seed, "seed", "", "what SHA-256 hashes before each group's name (required)")
	fs.Float64Var(&o.held, "held", 0.5, "the held-out share: of the hash range, or of the rows with -fill")
	fs.BoolVar(&o.fill, "fill", false, "take groups in hash order until the held-out part has -held of the rows")
	fs.BoolVar(&o.notes, "notes", false, `a source's " (…)" note is part of its group's name`)
	fs.BoolVar(&o.keepCodes, "keep-codes", false, "compare texts with their leading reply codes")
	fs.StringVar(&o.devOnly, "dev-only", "", "rows whose source starts with this never go to the held-out part")
	fs.StringVar(&o.holdout, "holdout", "", "the file the held-out rows are appended to (required)")
	fs.StringVar(&o.dev, "dev", "dev.tsv", "the file the other rows are appended to")
	fs.StringVar(&o.testdata, "testdata", ".", "the folder whose .tsv files the rows are compared with")
	fs.StringVar(&o.corpus, "corpus", "../../../shared/corpus/rejections.tsv", "the shared corpus's replies")
	fs.StringVar(&o.catalog, "catalog", "../catalog.yaml", "the catalog whose samples the rows are compared with")
	fs.StringVar(&o.known, "known", "../known_test.go", "the Go file of knownReplies")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.seed == "" || o.holdout == "" || fs.NArg() != 1 {
		return errors.New("usage: splitcorpus -seed SEED -holdout FILE [flags] rows.tsv")
	}
	if o.held <= 0 || o.held >= 1 {
		return fmt.Errorf("-held %v: want a share between 0 and 1", o.held)
	}
	seen, err := o.seen(fs.Arg(0))
	if err != nil {
		return err
	}
	rows, err := readRows(fs.Arg(0))
	if err != nil {
		return err
	}
	var kept [][]string
	for _, r := range rows {
		k := o.norm(r[2])
		if where, dup := seen[k]; dup {
			fmt.Fprintf(log, "drop (%s): %s\n", where, r[2])
			continue
		}
		seen[k] = "repeated"
		kept = append(kept, r)
	}
	held := o.split(kept)
	var h, d [][]string
	for i, r := range kept {
		if held[i] {
			h = append(h, r)
		} else {
			d = append(d, r)
		}
	}
	if err := appendRows(o.holdout, h); err != nil {
		return err
	}
	if err := appendRows(o.dev, d); err != nil {
		return err
	}
	fmt.Fprintf(log, "held out: %s\ndev: %s\n", stats(h), stats(d))
	return nil
}

// split says which rows go to the held-out part.
func (o *options) split(rows [][]string) []bool {
	base := func(src string) string {
		if o.notes {
			return src
		}
		b, _, _ := strings.Cut(src, " (")
		return b
	}
	count := map[string]int{}
	for _, r := range rows {
		count[base(source(r))]++
	}
	group := func(r []string) string {
		b := base(source(r))
		if count[b] >= 10 {
			return b + "#" + r[0]
		}
		return b
	}
	eligible := func(r []string) bool { return o.devOnly == "" || !strings.HasPrefix(source(r), o.devOnly) }
	hash := func(g string) []byte { h := sha256.Sum256([]byte(o.seed + g)); return h[:] }
	in := map[string]bool{}
	if o.fill {
		size, total := map[string]int{}, 0
		var groups []string
		for _, r := range rows {
			if !eligible(r) {
				continue
			}
			g := group(r)
			if size[g] == 0 {
				groups = append(groups, g)
			}
			size[g]++
			total++
		}
		slices.SortFunc(groups, func(a, b string) int { return slices.Compare(hash(a), hash(b)) })
		n := 0
		for _, g := range groups {
			if float64(n) < o.held*float64(total) {
				in[g] = true
				n += size[g]
			}
		}
	} else {
		// below = held × 2²⁵⁶, exact as the float64 held is.
		below := new(big.Float).SetMantExp(new(big.Float).SetFloat64(o.held), 256)
		for _, r := range rows {
			g := group(r)
			h := new(big.Float).SetPrec(256).SetInt(new(big.Int).SetBytes(hash(g)))
			in[g] = h.Cmp(below) < 0
		}
	}
	held := make([]bool, len(rows))
	for i, r := range rows {
		held[i] = eligible(r) && in[group(r)]
	}
	return held
}

// seen maps the texts already in the repository (normalised) to where
// they are.
func (o *options) seen(input string) (map[string]string, error) {
	seen := map[string]string{}
	put := func(text, where string) {
		if k := o.norm(text); seen[k] == "" {
			seen[k] = where
		}
	}
	add := func(path, name string) error {
		rows, err := readRows(path)
		for _, r := range rows {
			put(r[2], name)
		}
		return err
	}
	if err := add(o.corpus, "corpus"); err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(o.testdata, "*.tsv"))
	if err != nil {
		return nil, err
	}
	in, _ := filepath.Abs(input)
	for _, f := range files {
		if abs, _ := filepath.Abs(f); abs == in {
			continue
		}
		if err := add(f, filepath.Base(f)); err != nil {
			return nil, err
		}
	}
	src, err := os.ReadFile(o.known)
	if err != nil {
		return nil, err
	}
	for _, m := range knownText.FindAllStringSubmatch(string(src), -1) {
		s, err := strconv.Unquote(`"` + m[1] + `"`)
		if err != nil {
			s = m[1]
		}
		put(s, "knownReplies")
	}
	samples, err := catalogSamples(o.catalog)
	if err != nil {
		return nil, err
	}
	for _, s := range samples {
		put(s, "catalog")
	}
	return seen, nil
}

// knownText finds the reply texts of knownReplies' rows ({"text", …}).
var knownText = regexp.MustCompile(`\{"((?:[^"\\]|\\.)*)", `)

// catalogSamples returns the samples and counter-samples of a catalog file.
// It reads only those keys, of any version of the catalog, for comparing
// texts; classify.LoadFile remains the one loader of catalogs.
func catalogSamples(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	type rule struct{ Samples, Counter []string }
	var cat struct {
		Providers []struct{ Rules []rule }
		Rules     []rule
		Generic   rule
	}
	if err := yaml.Unmarshal(data, &cat); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rules := []rule{cat.Generic}
	for _, p := range cat.Providers {
		rules = append(rules, p.Rules...)
	}
	var out []string
	for _, r := range append(rules, cat.Rules...) {
		out = append(append(out, r.Samples...), r.Counter...)
	}
	return out, nil
}

var (
	wrapper   = regexp.MustCompile(`^.*?(?: said: | refused to talk to me: )`)
	inReplyTo = regexp.MustCompile(`\s*\(in reply to [^)]*command\)?\s*$`)
	codes     = regexp.MustCompile(`^(?:[245]\d\d[ -])?(?:[245x]\.\d{1,3}\.\d{1,3}\s+)?`)
	diagCode  = regexp.MustCompile(`^diagnostic-code:\s*(smtp;\s*)?`)
	remote    = regexp.MustCompile(`^remote host said:\s*`)
)

// norm is the form in which two texts are compared.
func (o *options) norm(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	s = diagCode.ReplaceAllString(s, "")
	s = wrapper.ReplaceAllString(s, "")
	s = remote.ReplaceAllString(s, "")
	s = inReplyTo.ReplaceAllString(s, "")
	if !o.keepCodes {
		s = codes.ReplaceAllString(s, "")
	}
	return strings.TrimSpace(s)
}

// readRows reads a file in the corpus format, without its header line.
func readRows(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		cols := strings.Split(sc.Text(), "\t")
		if n == 1 && cols[0] == "provider" {
			continue
		}
		if len(cols) < 3 {
			return nil, fmt.Errorf("%s:%d: %d columns", path, n, len(cols))
		}
		rows = append(rows, cols)
	}
	return rows, sc.Err()
}

// appendRows appends rows to the file at path, which starts with the
// header line when it is new.
func appendRows(path string, rows [][]string) error {
	var b strings.Builder
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		b.WriteString(header)
	}
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// source is a row's source column ("" when it has none).
func source(r []string) string {
	if len(r) < 4 {
		return ""
	}
	return r[3]
}

func stats(rows [][]string) string {
	pos := 0
	for _, r := range rows {
		if !strings.HasPrefix(r[0], "none:") {
			pos++
		}
	}
	return fmt.Sprintf("%d rows, %d blocklist, %d other", len(rows), pos, len(rows)-pos)
}
