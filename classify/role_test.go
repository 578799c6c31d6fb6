package classify

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseRole(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Role
		err  bool
	}{
		{"", RoleDedicated, false},
		{"dedicated", RoleDedicated, false},
		{"operator", RoleOperator, false},
		{"customer", RoleCustomer, false},
		{"Customer", "", true},
		{"shared", "", true},
	} {
		got, err := ParseRole(tc.in)
		if got != tc.want || (err != nil) != tc.err || err != nil && !errors.Is(err, ErrRole) {
			t.Errorf("ParseRole(%q) = %q, %v", tc.in, got, err)
		}
	}
}

func TestRoleTexts(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		if RoleDedicated.Note(lang) != "" {
			t.Errorf("%s: a note for a dedicated server", lang)
		}
		for _, r := range []Role{RoleOperator, RoleCustomer} {
			if r.Note(lang) == "" || len(RoleSteps(r, lang, nil)) < 2 {
				t.Errorf("%s %s: no note or steps", lang, r)
			}
		}
	}
	base := []string{"look it up", "request removal"}
	if got := RoleSteps(RoleDedicated, "en", base); !slices.Equal(got, base) {
		t.Errorf("dedicated: %q", got)
	}
	if got := RoleSteps(RoleOperator, "en", base); len(got) != 4 || !slices.Equal(got[2:], base) {
		t.Errorf("operator: %q", got)
	}
	if got := RoleSteps(RoleCustomer, "ja", base); slices.Contains(got, "request removal") {
		t.Errorf("customer keeps the owner's steps: %q", got)
	}
}

func TestSteps(t *testing.T) {
	got := Steps("1. Look it up.\n\n  2) Fix it.\n3.Not a number prefix\n10. Ten.\n2026 is a year.\n")
	want := []string{"Look it up.", "Fix it.", "3.Not a number prefix", "Ten.", "2026 is a year."}
	if !slices.Equal(got, want) {
		t.Errorf("Steps = %q, want %q", got, want)
	}
}

// TestCodeMeaningsInJapanese: every DNS answer the catalog explains is
// explained in Japanese too, and a provider with advice per sub-list has
// it for every sub-list its codes name, in both languages.
func TestCodeMeaningsInJapanese(t *testing.T) {
	for _, p := range Default().Providers() {
		if p.Historical != "" && p.HistoricalJa == "" {
			t.Errorf("%s: historical note %q has no historical_ja", p.ID, p.Historical)
		}
		for _, z := range p.Zones {
			for _, c := range z.Codes {
				if c.Meaning != "" && c.MeaningJa == "" {
					t.Errorf("%s %s %s: meaning %q has no meaning_ja", p.ID, z.Name, c.Answer, c.Meaning)
				}
				if c.MeaningJa != "" && !strings.ContainsFunc(c.MeaningJa, func(r rune) bool { return r > 0x3000 }) {
					t.Errorf("%s %s %s: meaning_ja %q is not Japanese", p.ID, z.Name, c.Answer, c.MeaningJa)
				}
				if c.List != "" && len(p.ListAdvice) > 0 {
					if a := p.ListAdvice[c.List]; a.En == "" || a.Ja == "" {
						t.Errorf("%s: list %q has no advice in en and ja", p.ID, c.List)
					}
				}
			}
		}
	}
}

func TestAdviceFor(t *testing.T) {
	p := Default().Provider("spamhaus")
	if _, ok := p.AdviceFor(nil); ok {
		t.Error("advice for no list")
	}
	if _, ok := p.AdviceFor([]string{"xbl", "nosuch"}); ok {
		t.Error("advice when a list has none of its own")
	}
	a, ok := p.AdviceFor([]string{"xbl"})
	if !ok || strings.Contains(a.En, "PBL") || strings.Contains(a.Ja, "SBL") || !strings.Contains(a.En, "XBL") {
		t.Errorf("xbl advice: %q / %q", a.En, a.Ja)
	}
	two, ok := p.AdviceFor([]string{"pbl", "xbl", "pbl"})
	if !ok || len(Steps(two.Ja)) != len(Steps(p.ListAdvice["pbl"].Ja))+len(Steps(p.ListAdvice["xbl"].Ja)) || !strings.HasPrefix(two.En, "A PBL listing") {
		t.Errorf("pbl+xbl advice: %q", Steps(two.En))
	}
}

// TestJapaneseTerms: the catalog's Japanese uses the terms of the notices
// and the report: 返送 (a bounce) and 遅延 (a deferral), not 差し戻し or 保留.
func TestJapaneseTerms(t *testing.T) {
	for _, old := range []string{"差し戻", "保留"} {
		if i := strings.Index(string(embeddedCatalog), old); i >= 0 {
			line := strings.Count(string(embeddedCatalog[:i]), "\n") + 1
			t.Errorf("catalog.yaml:%d uses %q", line, old)
		}
	}
}

// TestRoleNoteNoRemoval: an operator is told "you file the removal
// yourself" only for a provider that takes removal requests; for one that
// takes none (docomo: clean the list; SpamCop: it expires) that would
// contradict the provider's own advice printed just below it.
func TestRoleNoteNoRemoval(t *testing.T) {
	fileIt := map[string]string{"en": "you file the removal yourself", "ja": "解除申請はご自身で行います"}
	for _, tc := range []struct {
		reply  string
		noForm bool
	}{
		{"550 5.7.1 Unable to deliver to <x@docomo.ne.jp>: Message rejected due to sender IP [192.0.2.1] policy. (by docomo)", true},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net", true},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", false},
	} {
		for _, lang := range []string{"en", "ja"} {
			e := explainText(t, tc.reply, lang, RoleOperator, nil)
			if e.RoleNote == "" {
				t.Fatalf("%s %q: no role note", lang, tc.reply)
			}
			if says := strings.Contains(e.RoleNote, fileIt[lang]); says == tc.noForm {
				t.Errorf("%s %q (self_service_note %q): role note %q", lang, tc.reply, e.SelfServiceNote, e.RoleNote)
			}
		}
	}
}

// TestCustomerListHygiene: a customer's steps replace the provider's, so
// they name the cause a customer most often owns besides spam: a list of
// dead addresses, which docomo and other receivers block for (issue 12.5).
func TestCustomerListHygiene(t *testing.T) {
	docomo := "550 5.7.1 Unable to deliver to <x@docomo.ne.jp>: Message rejected due to sender IP [192.0.2.1] policy. (by docomo)"
	for lang, want := range map[string]string{"en": "addresses that no longer exist", "ja": "存在しないアドレスを多く含む配信リスト"} {
		e := explainText(t, docomo, lang, RoleCustomer, nil)
		if !slices.ContainsFunc(e.Steps, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("%s: a customer's steps about docomo do not mention the list: %q", lang, e.Steps)
		}
	}
}
