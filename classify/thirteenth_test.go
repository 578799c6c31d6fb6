package classify

import (
	"slices"
	"testing"
)

// Issue 14, thirteenth round: generalizations by kind (see
// testdata/README.md). Unit tests, never an accuracy figure.

// TestListFullNameAlone: a DNS list's full name of several words alone in a
// terse reply is its verdict, as its one-word name is ("554 Passive Spam
// Block List"), also when its words are those of another kind of refusal
// ("spam", "relay"), and a leading code ending in a colon is no word of
// the reply ("553: DSBL Open Relay"). A name claimed by an Owner word or
// said in a longer reply is no list's verdict by itself.
func TestListFullNameAlone(t *testing.T) {
	c := Default()
	if names := aloneNames(c.byID["psbl"]); !slices.Contains(names, "passive spam block list") {
		t.Fatalf("psbl's names alone %q lack its full name", names)
	}
	for _, tc := range []struct {
		text, want string // want: a provider, or "" for no block-list verdict
	}{
		{"554 Passive Spam Block List", "psbl"},
		{"554 5.7.1 Passive Spam Block List listed", "psbl"},
		{"550 Not Just Another Bogus List", "njabl"},
		{"550 5.7.1 Spam and Open Relay Blocking System", "sorbs"},
		{"550 Abusive Hosts Blocking List", "ahbl"},
		{"550 Spam Eating Monkey", "spameatingmonkey"},
		{"550 Weighted Private Block List", "wpbl"},
		{"550 Unsubscribe Blacklist", "lashback"},
		{"553 Mail Abuse Prevention System", "trendmicro"},
		{"550 MAPS RBL", "trendmicro"},
		{"550 5.7.1 MAPS DUL", "trendmicro"},
		{"550 SORBS spam", "sorbs"},
		{"553: DSBL Open Relay", "dsbl"},
		{"553: Open Relay", Unknown},
		{"550:5.7.1 Passive Spam Block List", "psbl"},
		// look-alikes
		{"550 5.7.1 mailbox passive spam block list", ""},
		{"550 5.7.1 Message content rejected: spam block", ""},
		{"554 Your message looks like spam; we check it against many lists, see the passive spam block list page for our policy on content", ""},
		{"550 MAPS", ""},
		{"550 Realtime traffic", ""},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		switch {
		case tc.want == "" && v.Category == Blocklist && v.Rule == GenericRuleID:
			t.Errorf("%q: %s/%q (rule %s), want no block-list verdict of the generic layer", tc.text, v.Category, v.Provider, v.Rule)
		case tc.want != "" && (v.Category != Blocklist || v.Provider != tc.want):
			t.Errorf("%q: %s/%q (rule %s), want blocklist/%s", tc.text, v.Category, v.Provider, v.Rule, tc.want)
		}
	}
}
