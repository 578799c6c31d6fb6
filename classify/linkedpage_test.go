package classify

import "testing"

// linkedPageFamilies (issue 14, twenty-second round: the wrong
// provider): a DNS list shown only by links to its general pages ("more
// info at https://www.spamhaus.org") beside another catalog list the
// reply names outside its links ("listed by Abusix", "Listed by
// UCEPROTECT") is a page to read; the named list refused us. A reply that
// names no other list keeps the linked one, and the receiver's own list
// beside the link stays unnamed (the seventeenth round's rule).
var linkedPageFamilies = []familyRow{
	{"named beside a page", "550 5.7.1 Client host rejected: listed by Abusix; more info at https://www.spamhaus.org", Blocklist, "abusix"},
	{"named beside a page", "550 5.7.1 Listed by UCEPROTECT, see https://www.spamhaus.org for help", Blocklist, "uceprotect"},
	{"named beside a page", "554 5.7.1 Rejected: your IP is listed by SpamCop. About block lists: https://www.spamhaus.org/faq/", Blocklist, "spamcop"},
	{"named beside a page", "550 Blocked by Barracuda Reputation; see https://www.spamhaus.org/organization/dnsblusage/ for how we use lists", Blocklist, "barracuda"},
	{"named beside a page", "554 Your IP 192.0.2.1 is on the PSBL. General information: https://www.spamhaus.org/", Blocklist, "psbl"},
	{"look-alike", "554 Rejected, see https://www.spamhaus.org/faq/", Blocklist, "spamhaus"},
	{"look-alike", "550 5.7.1 Your IP is on our local blocklist, see https://www.spamhaus.org/faq/", Blocklist, ""},
	{"look-alike", "554 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1", Blocklist, "spamhaus"},
	{"look-alike", "550 5.7.1 Client host rejected: listed by Abusix", Blocklist, "abusix"},
}

func TestLinkedPageFamilies(t *testing.T) { checkFamilies(t, linkedPageFamilies) }
