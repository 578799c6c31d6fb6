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
	holdoutFloor    = 0.75 // measured: 12 of 20; 15 of 20 after issue 14's third round
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
//
// Issue 14's third round (the generic layer of cues) was told the kinds of
// wording these rows missed, not the rows, and measured 24 of 25 (96 %), 0
// of 35: the rows are no longer unseen, and the lines below now only keep
// that result from getting worse. holdout3.tsv is the unseen batch.
const (
	holdout2Floor    = 0.96            // provider right, blocklist rows: 17/25 at first, 24/25 now
	holdout2MaxAlarm = holdoutMaxAlarm // other rows called blocklist: 1/35 at first, 0/35 now
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

// The third held-out batch (holdout3.tsv, gathered for issue 14's third
// round from sources the repository had not used, split off before any
// rule of that round changed, see testdata/README.md), measured once when
// the round's generic layer was final: 25 of 26 block-list rows right
// (96.2 %), 1 of 44 other rows called blocklist (2.3 %). The accuracy meets
// issue 14's line (90 %); the false alarms miss it (2 %) by that one row,
// so the test holds the measured ceiling and logs NOT MET. Raise the floor
// or lower the ceiling only with a rule change not tuned on these rows.
// Before the round (the regex rules), the same rows scored 22 of 26
// (84.6 %) and 0 of 44.
const (
	holdout3Floor    = 25.0/26 - 1e-9 // provider right, blocklist rows: 25/26
	holdout3MaxAlarm = 1.0/44 + 1e-9  // other rows called blocklist: 1/44
)

// TestHoldout3 holds the line on the third held-out batch: issue 14's
// accuracy line and the measured floor, and the measured false-alarm
// ceiling, with NOT MET logged while it is above issue 14's 2 %.
func TestHoldout3(t *testing.T) {
	rows := readRows(t, filepath.FromSlash("testdata/holdout3.tsv"))
	s := scoreRows(t, Default(), "holdout3.tsv", rows)
	if s.pos < 25 || s.neg < 40 {
		t.Fatalf("holdout3.tsv has %d blocklist and %d other rows", s.pos, s.neg)
	}
	if s.posRate() < holdoutTarget {
		t.Errorf("provider accuracy %.1f %% < the acceptance line %.0f %% (issue 14)", 100*s.posRate(), 100*holdoutTarget)
	}
	if s.posRate() < holdout3Floor {
		t.Errorf("provider accuracy %.1f %% < the measured floor %.1f %%", 100*s.posRate(), 100*holdout3Floor)
	}
	if s.fpRate() > holdout3MaxAlarm {
		t.Errorf("false blocklist rate %.1f %% > the measured ceiling %.1f %%", 100*s.fpRate(), 100*holdout3MaxAlarm)
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
