package classify

import (
	"fmt"
	"testing"
)

// Issue 14, twelfth round: generalizations by idea of what the eleventh
// round left (see testdata/README.md). Unit tests, never an accuracy figure.

// TestSuspendedWithReason: our address "suspended" is a block when the
// reply says a reason of standing, and says nothing alone ("Sending IP
// temporarily suspended" is a rate limit in dev.tsv).
func TestSuspendedWithReason(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want Category // Other: anything but a block list
	}{
		{"550 Your IP has been suspended due to abuse complaints", Blocklist},
		{"554 5.7.1 Your IP has been suspended due to spam complaints", Blocklist},
		{"421 4.7.1 The sending host 192.0.2.1 was suspended for abuse, try again later", Blocklist},
		{"550 Your server is suspended because of its poor reputation", Blocklist},
		{"550 Your network has been suspended as a compromised host", Blocklist},
		{"554 IP 192.0.2.1 suspended: listed on our RBL", Blocklist},
		{"550 Your IP has been suspended by our anti-spam system", Blocklist},
		{"451 4.3.0 [internal] Sending IP temporarily suspended", Other},
		{"451 Sending IP temporarily suspended", Other},
		{"550 User suspended", Other},
		{"550 Your account has been suspended", Other},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if tc.want == Blocklist && (v.Category != Blocklist || v.Provider != Unknown) {
			t.Errorf("%q: %s/%q (rule %s), want blocklist/unknown", tc.text, v.Category, v.Provider, v.Rule)
		}
		if tc.want != Blocklist && v.Category == Blocklist {
			t.Errorf("%q: blocklist (rule %s), want no block-list verdict", tc.text, v.Rule)
		}
	}
}

// TestOwnerClaimsPlacedListing: a listing phrase of several words ("listed
// by", "listed in", "block-listed by") after an Owner word is that owner's
// listing, not our address's; "the sender is listed in <zone>" stays the
// sending host's listing, and our side named stays ours.
func TestOwnerClaimsPlacedListing(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want bool // a block-list verdict
	}{
		{"550 The recipient is listed by policy", false},
		{"550 5.7.1 The recipient is block-listed by policy", false},
		{"550 5.7.1 the mailbox is listed in our deny list", false},
		{"550 the recipient is listed on our block list", false},
		{"550 your message is listed in our blacklist", false},
		{"550 5.7.1 the recipient has been block-listed by our admin", false},
		{"550 The sender is listed in bl.example.org", true},
		{"550 5.7.1 The sender is listed in zen.spamhaus.org", true},
		{"550 Your IP is listed in our deny list", true},
		{"550 5.7.1 Service unavailable, Helo domain is listed in Spamhaus", true},
		{"554 Refused. Your IP address is listed in the RBL at bl.example.org", true},
		{"550 Client host 192.0.2.1 is listed by bl.example.org", true},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if got := v.Category == Blocklist; got != tc.want {
			t.Errorf("%q: %s/%q (rule %s), want block list %v", tc.text, v.Category, v.Provider, v.Rule, tc.want)
		}
	}
}

// TestListNameAlone: every DNS list of the catalog is found by its own
// name alone in a terse reply ("553 SpamCop"), as DSBL was (tenth round);
// a list whose names the catalog calls common (CommonName: "553
// barracuda", a filter vendor that also signs content refusals) is not,
// nor is a name inside another word or in a longer reply that says
// nothing else of a block.
func TestListNameAlone(t *testing.T) {
	c := Default()
	n := 0
	for _, p := range c.providers {
		if p.Kind != KindDNSBL || p.ID == Unknown {
			continue
		}
		names := aloneNames(p)
		if p.CommonName {
			if len(names) != 0 {
				t.Errorf("%s: common_name, yet names alone %q", p.ID, names)
			}
			for _, f := range []string{"553 %s", "550 5.7.1 %s"} {
				text := fmt.Sprintf(f, p.ID)
				if v := c.Classify(InputFromText(text, "")); v.Category == Blocklist {
					t.Errorf("%q: %s/%s (rule %s), want no block list: its name is common", text, v.Category, v.Provider, v.Rule)
				}
			}
			continue
		}
		if len(names) == 0 {
			t.Errorf("%s: a DNS list with no name alone", p.ID)
		}
		for _, name := range names {
			for _, f := range []string{"553 %s", "554 %s listed", "550 5.7.1 %s", "421 4.7.1 %s"} {
				text := fmt.Sprintf(f, name)
				n++
				if v := c.Classify(InputFromText(text, "")); v.Category != Blocklist || v.Provider != p.ID {
					t.Errorf("%q: %s/%q (rule %s), want blocklist/%s", text, v.Category, v.Provider, v.Rule, p.ID)
				}
			}
		}
	}
	for _, text := range []string{
		"553 spamcopy",
		"553 uceprotected",
		"550 mailbox sorbs",
		"550 5.7.1 we do not accept mail here, see dronebl for why your message is rejected by the recipient",
	} {
		if v := c.Classify(InputFromText(text, "")); v.Category == Blocklist && v.Rule == GenericRuleID && v.Provider != Unknown {
			t.Errorf("%q: %s/%q (rule %s), want no list named by the generic layer", text, v.Category, v.Provider, v.Rule)
		}
	}
	t.Logf("%d terse replies of a list's name alone", n)
}
