package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSplit runs the tool on a small batch: texts already in the
// repository are dropped (and with -keep-codes only when their reply codes
// match too), a new file gets the header, an existing one is appended to,
// a group never straddles the two parts, and -dev-only keeps its rows out
// of the held-out part.
func TestSplit(t *testing.T) {
	rows := []string{
		"unknown\t550\t550 5.7.1 Your IP is on our block list\tsource-a",      // in extra.tsv without codes
		"spamhaus\t554\tClient host blocked using zen.spamhaus.org\tsource-b", // a catalog sample
		"none:rate\t421\t421 Known reply text\tsource-c",                      // knownReplies
		"none:size\t552\tCorpus text\tsource-d",                               // the shared corpus
		"spamcop\t554\tnew text one\tsource-e (a note)",
		"spamcop\t554\tNEW  text one\tsource-e (a note)", // repeated in the batch
	}
	for i := range 12 { // a source with ten rows or more: grouped by label too
		label := []string{"spamcop", "none:user_unknown"}[i%2]
		rows = append(rows, label+"\t550\ttext of the big source "+string(rune('a'+i))+"\tbig source")
	}
	for i := range 20 {
		rows = append(rows, "unknown\t550\tsmall source text "+string(rune('a'+i))+"\tsmall "+string(rune('a'+i)))
	}
	rows = append(rows, "unknown\t550\tfragment\tfragments/why-blocked.go")

	for _, tt := range []struct {
		name    string
		flags   []string
		dropped []string
	}{
		{"default", nil, []string{"(extra.tsv): 550 5.7.1 Your IP", "(catalog)", "(knownReplies)", "(corpus)", "(repeated)"}},
		{"keep-codes", []string{"-keep-codes", "-held", "0.6"}, []string{"(catalog)", "(knownReplies)", "(corpus)", "(repeated)"}},
		{"fill", []string{"-fill", "-notes", "-dev-only", "fragments/", "-held", "0.9"}, []string{"(extra.tsv)", "(catalog)", "(knownReplies)", "(corpus)", "(repeated)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, text string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			write("extra.tsv", header+"unknown\t550\tYour IP is on our block list\tx\n")
			write("dev.tsv", header+"unknown\t550\tan older dev row\tx\n")
			corpus := write("corpus.tsv", header+"none:size\t552\tcorpus text\tx\n")
			catalog := write("catalog.yaml", "providers:\n  - rules:\n      - samples: ['Client host blocked using zen.spamhaus.org']\n")
			known := write("known.go", "var knownReplies = []struct{}{\n\t{\"421 Known reply text\", Unknown},\n}\n")
			in := filepath.Join(t.TempDir(), "rows.tsv")
			if err := os.WriteFile(in, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var log strings.Builder
			args := append([]string{"-seed", "test-seed", "-holdout", filepath.Join(dir, "held.tsv"), "-dev", filepath.Join(dir, "dev.tsv"),
				"-testdata", dir, "-corpus", corpus, "-catalog", catalog, "-known", known}, tt.flags...)
			if err := run(append(args, in), &log); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(log.String(), "drop "); n != len(tt.dropped) {
				t.Errorf("%d drops, want %d:\n%s", n, len(tt.dropped), log.String())
			}
			for _, d := range tt.dropped {
				if !strings.Contains(log.String(), "drop "+d) {
					t.Errorf("no drop %q:\n%s", d, log.String())
				}
			}
			held, err := readRows(filepath.Join(dir, "held.tsv"))
			if err != nil {
				t.Fatal(err)
			}
			dev, err := readRows(filepath.Join(dir, "dev.tsv"))
			if err != nil {
				t.Fatal(err)
			}
			if dev[0][2] != "an older dev row" {
				t.Errorf("dev.tsv was not appended to: %q", dev[0])
			}
			dev = dev[1:]
			if got, want := len(held)+len(dev), len(rows)-len(tt.dropped); got != want || len(held) == 0 || len(dev) == 0 {
				t.Errorf("%d held out and %d dev rows, want %d in all, some in each", len(held), len(dev), want)
			}
			data, _ := os.ReadFile(filepath.Join(dir, "held.tsv"))
			if !strings.HasPrefix(string(data), header) {
				t.Errorf("held.tsv does not start with the header: %.60q", data)
			}
			side := map[string]string{}
			for name, part := range map[string][][]string{"held": held, "dev": dev} {
				for _, r := range part {
					g := strings.TrimSuffix(source(r), " (a note)")
					if g == "big source" {
						g += "#" + r[0]
					}
					if s, ok := side[g]; ok && s != name {
						t.Errorf("group %q in both parts", g)
					}
					side[g] = name
					if name == "held" && tt.name == "fill" && strings.HasPrefix(source(r), "fragments/") {
						t.Errorf("a -dev-only row held out: %q", r)
					}
				}
			}
		})
	}
}
