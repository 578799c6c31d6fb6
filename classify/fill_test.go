package classify

import (
	"strings"
	"testing"
)

// TestFillPlaceholdersAsReplacer: fillPlaceholders replaces as
// strings.NewReplacer does, on every text of the catalog and on edge cases
// (braces that open no placeholder, a value holding a placeholder, empty
// values).
func TestFillPlaceholdersAsReplacer(t *testing.T) {
	c := Default()
	texts := []string{"", "{", "}", "{{provider}}", "{provider}{target}", "{targ", "a{via}b{note}c{x}", "{provider} of {target} via {via}"}
	for _, tx := range c.texts {
		texts = append(texts, tx.En, tx.Ja)
	}
	for _, vals := range [][]string{{"Spamhaus", "192.0.2.1", "Outlook", ""}, {"{target}", "{provider}", "", "note {via}"}} {
		pairs := []string{"{provider}", vals[0], "{target}", vals[1], "{via}", vals[2], "{note}", vals[3]}
		r := strings.NewReplacer(pairs...)
		for _, s := range texts {
			if got, want := fillPlaceholders(s, pairs...), r.Replace(s); got != want {
				t.Errorf("fillPlaceholders(%q) = %q, want %q", s, got, want)
			}
		}
	}
}
