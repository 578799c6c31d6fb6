package classify

import (
	"path/filepath"
	"strings"
	"testing"
)

// score is how a labelled file fares: blocklist rows with the right
// provider, other rows called blocklist.
type score struct {
	pos, posRight, neg, negBlock, negCat int
}

func (s score) posRate() float64 { return float64(s.posRight) / float64(max(s.pos, 1)) }
func (s score) fpRate() float64  { return float64(s.negBlock) / float64(max(s.neg, 1)) }

// scoreRows classifies every row as a pasted text is read (extraInput) and
// logs every miss. An "unknown" row is right when the verdict is a
// blocklist one.
func scoreRows(t *testing.T, c *Catalog, name string, rows []corpusRow) score {
	t.Helper()
	var s score
	for _, r := range rows {
		if r.source == "" {
			t.Errorf("%s:%d: no source", name, r.line)
		}
		v := c.Classify(extraInput(r))
		if reason, ok := strings.CutPrefix(r.label, "none:"); ok {
			s.neg++
			if v.Category == Blocklist {
				s.negBlock++
				t.Logf("false blocklist, %s:%d (%s): got %s (rule %s): %s", name, r.line, r.label, v.Provider, v.Rule, r.text)
				continue
			}
			if cat, known := reasonCategory[reason]; !known {
				t.Errorf("%s:%d: reason %q has no category mapping", name, r.line, reason)
			} else if v.Category == cat {
				s.negCat++
			}
			continue
		}
		if r.label != Unknown && c.Provider(r.label) == nil {
			t.Errorf("%s:%d: label %q is not a catalog provider", name, r.line, r.label)
		}
		s.pos++
		if v.Provider == r.label || r.label == Unknown && v.Category == Blocklist {
			s.posRight++
		} else {
			t.Logf("provider miss, %s:%d: want %s, got %q/%s (rule %s): %s", name, r.line, r.label, v.Provider, v.Category, v.Rule, r.text)
		}
	}
	t.Logf("%s: blocklist rows %d/%d right provider (%.1f %%); other rows %d/%d called blocklist (%.1f %%), %d/%d right category",
		name, s.posRight, s.pos, 100*s.posRate(), s.negBlock, s.neg, 100*s.fpRate(), s.negCat, s.neg)
	return s
}

// Acceptance lines of issue 14 on the held-out rows, and the provider
// accuracy measured when the held-out part was last extended. The
// acceptance line for accuracy is NOT met yet (see testdata/README.md):
// TestHoldout fails below the measured floor, so the classifier cannot get
// worse on rows it was never tuned on, and reports the gap to the
// acceptance line on every run. Raise holdoutFloor to holdoutTarget once a
// rule change that was not tuned on these rows gets there; never lower it.
const (
	holdoutTarget   = 0.90 // provider right, blocklist rows
	holdoutFloor    = 0.60 // measured: 12 of 20
	holdoutMaxAlarm = 0.02 // other failures called blocklist
)

// TestHoldout holds the line on the rows no rule was tuned on (see
// testdata/README.md): at most 2 % of the other rows called blocklist, and
// the provider accuracy not below the measured floor.
func TestHoldout(t *testing.T) {
	rows := readRows(t, filepath.FromSlash("testdata/holdout.tsv"))
	s := scoreRows(t, Default(), "holdout.tsv", rows)
	if s.pos < 20 || s.neg < 75 {
		t.Fatalf("holdout.tsv has %d blocklist and %d other rows", s.pos, s.neg)
	}
	if s.posRate() < holdoutFloor {
		t.Errorf("provider accuracy %.1f %% < the measured floor %.0f %%", 100*s.posRate(), 100*holdoutFloor)
	}
	if s.posRate() < holdoutTarget {
		t.Logf("NOT MET: provider accuracy %.1f %% < the acceptance line %.0f %% (issue 14)", 100*s.posRate(), 100*holdoutTarget)
	}
	if s.fpRate() > holdoutMaxAlarm {
		t.Errorf("false blocklist rate %.1f %% > %.0f %%", 100*s.fpRate(), 100*holdoutMaxAlarm)
	}
}

// The second held-out batch (holdout2.tsv, gathered for issue 14's second
// round from sources the repository had not used, split off before any
// rule of that round was written, see testdata/README.md) and the provider
// accuracy measured on it once, after the round's rules were final.
// Measured once: 17 of 25 block-list rows right (68 %), 1 of 35 other
// rows called blocklist (2.9 %). Both miss issue 14's lines (90 %, 2 %),
// so the test holds the measured values instead and logs NOT MET; raise
// the floor (lower the ceiling) only with a rule change not tuned on these
// rows, and never the other way.
const (
	holdout2Floor    = 0.68          // provider right, blocklist rows: 17/25
	holdout2MaxAlarm = 1.0/35 + 1e-9 // other rows called blocklist: 1/35
)

// TestHoldout2 holds the line on the second held-out batch: the provider
// accuracy not below, and the false blocklist rate not above, what was
// measured; it logs NOT MET while either misses issue 14's lines.
func TestHoldout2(t *testing.T) {
	rows := readRows(t, filepath.FromSlash("testdata/holdout2.tsv"))
	s := scoreRows(t, Default(), "holdout2.tsv", rows)
	if s.pos < 20 || s.neg < 30 {
		t.Fatalf("holdout2.tsv has %d blocklist and %d other rows", s.pos, s.neg)
	}
	if s.posRate() < holdout2Floor {
		t.Errorf("provider accuracy %.1f %% < the measured floor %.0f %%", 100*s.posRate(), 100*holdout2Floor)
	}
	if s.posRate() < holdoutTarget {
		t.Logf("NOT MET: provider accuracy %.1f %% < the acceptance line %.0f %% (issue 14)", 100*s.posRate(), 100*holdoutTarget)
	}
	if s.fpRate() > holdout2MaxAlarm {
		t.Errorf("false blocklist rate %.1f %% > the measured ceiling %.1f %%", 100*s.fpRate(), 100*holdout2MaxAlarm)
	}
	if s.fpRate() > holdoutMaxAlarm {
		t.Logf("NOT MET: false blocklist rate %.1f %% > the acceptance line %.0f %% (issue 14)", 100*s.fpRate(), 100*holdoutMaxAlarm)
	}
}

// TestDev measures the rows the rules were tuned on, with the same
// thresholds.
func TestDev(t *testing.T) {
	rows := readRows(t, filepath.FromSlash("testdata/dev.tsv"))
	s := scoreRows(t, Default(), "dev.tsv", rows)
	if s.posRate() < 0.90 {
		t.Errorf("provider accuracy %.1f %% < 90 %%", 100*s.posRate())
	}
	if s.fpRate() > 0.02 {
		t.Errorf("false blocklist rate %.1f %% > 2 %%", 100*s.fpRate())
	}
}

// TestSplitsAreDisjoint: no text is in both parts, nor in the corpus,
// extra.tsv or knownReplies.
func TestSplitsAreDisjoint(t *testing.T) {
	seen := map[string]string{}
	for _, k := range knownReplies {
		seen[dedupKey(k.text)] = "knownReplies"
	}
	for _, name := range []string{"testdata/extra.tsv", "testdata/dev.tsv", "testdata/holdout.tsv", "testdata/holdout2.tsv", "testdata/holdout3.tsv"} {
		for _, r := range readRows(t, filepath.FromSlash(name)) {
			k := dedupKey(r.text)
			if where, dup := seen[k]; dup {
				t.Errorf("%s:%d: text also in %s: %s", name, r.line, where, r.text)
			}
			seen[k] = name
		}
	}
}
