package classify

import (
	"slices"
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

// NamedList returns the provider a notice shows for a block list the
// reply names that the catalog does not know ("blocked using
// rbl.example.org", Verdict.List): the catalog's unnamed list under that
// name, with the meaning and first step explain gives it (the list the
// reply names, to be looked up on its own site) — not the unnamed list's
// "the reply does not say which list". nil when name is neither a DNS name
// nor a list's one-word name ("megarbl").
func (c *Catalog) NamedList(name string) *Provider { return c.NamedLists([]string{name}) }

// NamedLists is NamedList for the lists an incident's refusals named
// (incident.Incident.Lists): their names, the meaning and the first step
// of each; names that are not DNS names are left out (nil when none is).
func (c *Catalog) NamedLists(names []string) *Provider {
	u := c.byID[Unknown]
	if u == nil {
		return nil
	}
	var kept []string
	for _, n := range names {
		if n = strings.ToLower(n); validListName(n) && !slices.Contains(kept, n) {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	p := *u
	p.Name = strings.Join(kept, ", ")
	p.Rules, p.Zones, p.ListAdvice = nil, nil, nil
	p.Meaning, p.Advice = Text{}, Text{}
	for _, lang := range []string{"en", "ja"} {
		var meaning, steps []string
		for _, n := range kept {
			meaning = append(meaning, strings.ReplaceAll(c.texts["named_list_meaning"].Get(lang), "{provider}", n))
			steps = append(steps, strings.ReplaceAll(c.texts["named_list_step"].Get(lang), "{provider}", n))
		}
		sep := " "
		if lang == "ja" {
			sep = ""
		}
		m, a := strings.Join(meaning, sep), strings.Join(steps, "\n")+"\n"+u.Advice.Get(lang)
		if lang == "ja" {
			p.Meaning.Ja, p.Advice.Ja = m, a
		} else {
			p.Meaning.En, p.Advice.En = m, a
		}
	}
	return &p
}
