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

// TestListQueryFailedIsNoListing: a receiver whose own query of a DNS list
// failed names the list without listing us ("421 DNS error on
// zen.spamhaus.org", OpenSMTPD's filter-dnsbl): no block-list verdict,
// whichever list; the same filter's "Listed at <list>" is that list's, and
// a failure said beside a listing stays the listing.
func TestListQueryFailedIsNoListing(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text, want string // want: a provider, Unknown, or "" for no block-list verdict
	}{
		{"421 DNS error on zen.spamhaus.org", ""},
		{"421 DNS error on bl.spamcop.net", ""},
		{"421 DNS error on b.barracudacentral.org", ""},
		{"421 DNS error on dnsbl.example.net", ""},
		{"451 4.3.0 bl.spamcop.net: DNS lookup failed, try again later", ""},
		{"451 DNS timeout while querying psbl.surriel.com", ""},
		{"421 Listed at zen.spamhaus.org", "spamhaus"},
		{"421 Listed at bl.spamcop.net", "spamcop"},
		{"421 Listed at dnsbl.example.net", Unknown},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/192.0.2.53/", "spamhaus"},
		{"550 5.7.1 Rejected: 192.0.2.1 listed at bl.spamcop.net (DNS lookup failed for the others)", "spamcop"},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		switch {
		case tc.want == "" && v.Category == Blocklist:
			t.Errorf("%q: blocklist/%q (rule %s), want no block-list verdict", tc.text, v.Provider, v.Rule)
		case tc.want != "" && (v.Category != Blocklist || v.Provider != tc.want):
			t.Errorf("%q: %s/%q (rule %s), want blocklist/%s", tc.text, v.Category, v.Provider, v.Rule, tc.want)
		}
	}
}

// TestOldListsNamed: lists that closed long ago, named as receivers'
// old configurations and list files quote them, are those lists (with
// their historical note), also in a terse reply of their name or in
// OpenBSD spamd's wording; an OpenSMTPD filter's template is its list's.
func TestOldListsNamed(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ text, want string }{
		{"450 Your address 192.0.2.1 is in the spews level 2 database", "spews"},
		{"Your address %A is in the spews level 1 database See http://www.spews.org/ask.cgi?x=%A for more details", "spews"},
		{"553 SPEWS", "spews"},
		{"550 5.7.1 Rejected: 192.0.2.1 listed at relays.ordb.org", "ordb"},
		{"553: ORDB", "ordb"},
		{"554 Open Relay Database", "ordb"},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using relays.osirusoft.com", "osirusoft"},
		{"554 5.7.1 <a@example.org>: Sender address rejected: blocked using dsn.rfc-ignorant.org", "rfcignorant"},
		{"550 Mail appeared to be SPAM or forged. Ask your Mail/DNS-Administrator to correct HELO and DNS MX settings or to get removed from DNSBLs; in DSN_RFCI", "rfcignorant"},
		{"550 Mail appeared to be SPAM or forged. Ask your Mail/DNS-Administrator to correct HELO and DNS MX settings or to get removed from DNSBLs; in SORBS_DUL", "sorbs"},
		{"554 5.7.1 Your IP 192.0.2.1 is blocked by KISA RBL", "kisarbl"},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using spamlist.or.kr", "kisarbl"},
		{"550 your IP reputation is too low for this MX", "senderscore"},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != Blocklist || v.Provider != tc.want {
			t.Errorf("%q: %s/%q (rule %s), want blocklist/%s", tc.text, v.Category, v.Provider, v.Rule, tc.want)
		}
		if p := c.Provider(tc.want); p != nil && tc.want != "kisarbl" && tc.want != "senderscore" && p.Historical == "" {
			t.Errorf("%s: no historical note", tc.want)
		}
	}
	for _, text := range []string{"550 absorbs", "550 5.7.1 Subordbinate mailbox", "550 KISA"} {
		if v := c.Classify(InputFromText(text, "")); v.Category == Blocklist {
			t.Errorf("%q: blocklist/%q (rule %s), want none", text, v.Provider, v.Rule)
		}
	}
}

// TestHotmailDynamicCode: Hotmail's DY-001 code is its own list of
// dynamic ranges even when its text also speaks of reverse DNS, which
// alone is a reverse-DNS refusal.
func TestHotmailDynamicCode(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want Category
		prov string
	}{
		{"550 DY-001 (COL0-MC4-F12) Unfortunately, messages from 192.0.2.1 weren't sent. Please contact your Internet service provider. We do not accept e-mail from dynamic IP's or from IP's with an unresolvable reverse DNS.", Blocklist, "microsoft"},
		{"550 5.7.1 We do not accept e-mail from IP's with an unresolvable reverse DNS.", Policy, ""},
		{"550 DY-0010 reverse DNS missing", Policy, ""},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != tc.want || v.Provider != tc.prov {
			t.Errorf("%q: %s/%q (rule %s), want %s/%q", tc.text, v.Category, v.Provider, v.Rule, tc.want, tc.prov)
		}
	}
}

// TestReceiverOwnListNames: FOPE/EOP's own lists by the names its
// template gives them are Microsoft's, with or without the delist
// address; another "Blocklist 1" said otherwise is no one's.
func TestReceiverOwnListNames(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ text, want string }{
		{"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Blocklist 1", "microsoft"},
		{"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using Blocklist 2; To request removal from this list please forward this message to delist@messaging.microsoft.com", "microsoft"},
		{"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using FBLW15", "microsoft"},
		{"550 5.7.1 Your IP 192.0.2.1 is on blocklist 1 of our own", Unknown},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != Blocklist || v.Provider != tc.want {
			t.Errorf("%q: %s/%q (rule %s), want blocklist/%s", tc.text, v.Category, v.Provider, v.Rule, tc.want)
		}
	}
}
