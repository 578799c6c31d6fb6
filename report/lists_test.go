package report

import (
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/classify"
)

// TestUnknownListsNamed (issue 12.6): an address refused citing two lists
// the catalog does not know is one incident; the report names both, with
// a step for each, in both languages.
func TestUnknownListsNamed(t *testing.T) {
	cat := classify.Default()
	inc := incidentOf(cat, "550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using dnsrbl.swinog.ch", "contoso-com.mail.protection.outlook.com")
	inc.Lists = []string{"dnsrbl.swinog.ch", "korea.services.net"}
	for _, lang := range []string{"en", "ja"} {
		rep := buildOne(cat, inc, lang)
		got := rep.Incidents[0]
		if got.ProviderName != "dnsrbl.swinog.ch, korea.services.net" {
			t.Errorf("%s: provider name %q", lang, got.ProviderName)
		}
		steps := strings.Join(got.Steps, "\n")
		for _, l := range inc.Lists {
			if !strings.Contains(steps, l) || !strings.Contains(got.Meaning, l) {
				t.Errorf("%s: %s not in meaning %q or steps %q", lang, l, got.Meaning, steps)
			}
		}
	}
}
