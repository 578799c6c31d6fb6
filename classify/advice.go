package classify

import (
	"strings"
	"unicode"
)

// Steps splits advice into steps: one per non-blank line, without a
// number the text may already carry ("1. ", "2) "), so that whoever shows
// them numbers them alike (explain, the emails, the report).
func Steps(advice string) []string {
	var steps []string
	for _, line := range strings.Split(advice, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.IndexFunc(line, func(r rune) bool { return !unicode.IsDigit(r) }); i > 0 && i+1 < len(line) && (line[i] == '.' || line[i] == ')') && line[i+1] == ' ' {
			line = strings.TrimSpace(line[i+1:])
		}
		if line != "" {
			steps = append(steps, line)
		}
	}
	return steps
}

// RuleOf returns the provider's rule with this id, or nil. A rule's own
// meaning, advice and removal page, when it has them, replace the
// provider's (as Explain does).
func (p *Provider) RuleOf(id string) *Rule {
	if p == nil || id == "" {
		return nil
	}
	for i := range p.Rules {
		if p.Rules[i].ID == id {
			return &p.Rules[i]
		}
	}
	return nil
}

// AdviceFor returns the advice for the sub-lists a DNS answer named (see
// ListAdvice): theirs, in the order given, when the provider has advice for
// every one of them; ok is false otherwise (no list named, or one without
// advice of its own), and the general advice applies.
func (p *Provider) AdviceFor(lists []string) (advice Text, ok bool) {
	if p == nil || len(lists) == 0 {
		return Text{}, false
	}
	var en, ja []string
	seen := map[string]bool{}
	for _, l := range lists {
		t, found := p.ListAdvice[l]
		if !found || t.En == "" {
			return Text{}, false
		}
		if seen[l] {
			continue
		}
		seen[l] = true
		en = append(en, t.En)
		ja = append(ja, t.Get("ja"))
	}
	return Text{En: strings.Join(en, "\n"), Ja: strings.Join(ja, "\n")}, true
}

// HistoricalNote returns the note of a list that no longer operates, in
// lang ("en" or "ja"; English when there is no Japanese); "" for a list in
// operation.
func (p *Provider) HistoricalNote(lang string) string {
	if p == nil {
		return ""
	}
	if lang == "ja" && p.HistoricalJa != "" {
		return p.HistoricalJa
	}
	return p.Historical
}
