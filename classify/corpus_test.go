package classify

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
	"github.com/rblwatch/rblwatch/reply"
)

// corpusDir finds the shared corpus: $RBLWATCH_CORPUS, else shared/corpus
// beside the repository (see testenv); without one it skips, or fails under
// RBLWATCH_E2E=require.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := findCorpus()
	if dir == "" {
		testenv.Missing(t, "corpus not found: no shared/corpus/rejections.tsv beside the repository (or set RBLWATCH_CORPUS to the directory holding rejections.tsv)")
	}
	return dir
}

// findCorpus returns the corpus directory, or "".
func findCorpus() string {
	if dir := os.Getenv("RBLWATCH_CORPUS"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "rejections.tsv")); err == nil {
			return dir
		}
	}
	if m := testenv.SharedGlob("corpus/rejections.tsv"); len(m) == 1 {
		return filepath.Dir(m[0])
	}
	return ""
}

type corpusRow struct {
	line   int
	label  string // provider id, "unknown", or "none:<reason>"
	code   string
	text   string
	source string
	extra  []string // columns after source, if any
}

func readCorpus(t testing.TB) []corpusRow {
	t.Helper()
	return readRows(t, filepath.Join(corpusDir(t), "rejections.tsv"))
}

// readRows reads a file in the corpus format: provider, code, text, source
// and optional further columns, TAB-separated without quoting, an optional
// header line.
func readRows(t testing.TB, path string) []corpusRow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := filepath.Base(path)
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		cols := strings.Split(sc.Text(), "\t")
		if n == 1 && cols[0] == "provider" {
			continue
		}
		if len(cols) < 3 {
			t.Fatalf("%s:%d: %d columns", name, n, len(cols))
		}
		r := corpusRow{line: n, label: cols[0], code: cols[1], text: cols[2]}
		if len(cols) > 3 {
			r.source = cols[3]
		}
		r.extra = cols[min(len(cols), 4):]
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// input builds the reply of a corpus row: the text, with the code column
// filling in codes the text itself lacks (the Microsoft NDR-table rows give
// only the enhanced code, separately).
func (r corpusRow) input() Input {
	rep := reply.Parse(r.text)
	for _, f := range strings.Fields(r.code) {
		if n, err := strconv.Atoi(f); err == nil && rep.Code == 0 && n >= 200 && n < 600 {
			rep.Code = n
		} else if strings.Count(f, ".") == 2 && rep.Enhanced == "" {
			rep.Enhanced = f
		}
	}
	return Input{Reply: rep}
}

// reasonCategory maps a corpus "none:<reason>" to the category it should
// get.
var reasonCategory = map[string]Category{
	"user_unknown":     Recipient,
	"mailbox_full":     Recipient,
	"disabled_account": Recipient,
	"ratelimit":        RateLimit,
	"greylisting":      Greylist,
	"content_spam":     Content,
	"content_security": Content,
	"virus":            Content,
	"rfc_noncompliant": Content,
	"spf_fail":         Auth,
	"dmarc_reject":     Auth,
	"dmarc_alignment":  Auth,
	"auth_fail":        Auth,
	"tls_required":     TLS,
	"rdns":             Policy,
	"message_too_big":  Policy,
	"relay_denied":     Policy,
	"sender_domain":    Policy,
	"policy":           Policy,
	"recipient_policy": Policy,
	"dns":              Network,
	"network":          Network,
	"expired":          Network,
	"system_storage":   Other,
	"line_too_long":    Policy,
}

// TestCorpus measures the classifier on the labelled corpus: at least 95 %
// of the blocklist rows get the right provider ("unknown" rows count as
// right when the category is blocklist), at most 3 % of the negative rows
// are called blocklist. It also reports how many negatives get the
// category their reason maps to.
func TestCorpus(t *testing.T) {
	c := Default()
	rows := readCorpus(t)
	var pos, posRight, neg, negBlock, negCat int
	for _, r := range rows {
		v := c.Classify(r.input())
		if reason, ok := strings.CutPrefix(r.label, "none:"); ok {
			neg++
			if v.Category == Blocklist {
				negBlock++
				t.Logf("false blocklist, line %d (%s): got %s/%s (rule %s): %s", r.line, r.label, v.Provider, v.Category, v.Rule, r.text)
			}
			want, known := reasonCategory[reason]
			if !known {
				t.Errorf("line %d: reason %q has no category mapping", r.line, reason)
			}
			if v.Category == want {
				negCat++
			} else if v.Category != Blocklist {
				t.Logf("category miss, line %d (%s): want %s, got %s (rule %s): %s", r.line, r.label, want, v.Category, v.Rule, r.text)
			}
			continue
		}
		pos++
		right := v.Provider == r.label || r.label == Unknown && v.Category == Blocklist
		if right {
			posRight++
		} else {
			t.Logf("provider miss, line %d: want %s, got %q/%s (rule %s): %s", r.line, r.label, v.Provider, v.Category, v.Rule, r.text)
		}
	}
	if pos == 0 || neg == 0 {
		t.Fatalf("corpus has %d positive and %d negative rows", pos, neg)
	}
	posRate := float64(posRight) / float64(pos)
	fpRate := float64(negBlock) / float64(neg)
	catRate := float64(negCat) / float64(neg)
	t.Logf("blocklist rows: %d/%d right provider (%.1f %%)", posRight, pos, 100*posRate)
	t.Logf("negative rows: %d/%d called blocklist (%.1f %%)", negBlock, neg, 100*fpRate)
	t.Logf("negative rows: %d/%d right category (%.1f %%)", negCat, neg, 100*catRate)
	if posRate < 0.95 {
		t.Errorf("provider accuracy %.1f %% < 95 %%", 100*posRate)
	}
	if fpRate > 0.03 {
		t.Errorf("false blocklist rate %.1f %% > 3 %%", 100*fpRate)
	}
}
