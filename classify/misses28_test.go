package classify

import "testing"

// Issue 14, twenty-second round (rules28): four kinds a fresh batch
// missed, each written as a class. Rows written by hand, each verdict
// before the classifier ran (the real replies of each kind are in
// testdata/dev18.tsv); look-alikes are what must keep its verdict.

// A list service's own policy server replying for a reason that is no
// listing. SPFBL's Postfix and qmail scripts prefix every refusal with
// the service's name and link its feedback page, spfbl.net/en/feedback,
// whatever the reason; the page's domain alone made each a listing.
var listPolicyServerFamilies = []familyRow{
	{"reason", "554 5.7.1 SPFBL sender has non-existent internet domain. See http://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL The sender domain does not exist. See https://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL hostname and sender are both invalids. See http://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL user@example.com is not a valid e-mail address. See http://spfbl.net/en/feedback", Other, ""},
	{"reason", "550 5.1.1 SPFBL unknown user in virtual mailbox table. See http://spfbl.net/en/feedback", Other, ""},
	{"reason", "451 4.7.1 SPFBL you are greylisted on this server. See http://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL a@example.com is not allowed to send mail from 192.0.2.1. See https://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL message rejected due to SPF fail. See https://spfbl.net/en/feedback", Other, ""},
	{"reason", "550 5.7.1 SPFBL invalid syntax in MAIL FROM. See https://spfbl.net/en/feedback", Other, ""},
	{"reason", "550 5.7.1 SPFBL invalid sender. See http://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL invalid HELO hostname. See https://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL the sender domain has no MX record. See https://spfbl.net/en/feedback", Other, ""},
	{"reason", "554 5.7.1 SPFBL nonexistent sender domain example.com. See https://spfbl.net/en/feedback", Other, ""},
	{"block", "451 4.7.2 SPFBL you are temporarily blocked on this server. See http://spfbl.net/en/feedback", Blocklist, "spfbl"},
	{"block", "554 5.7.1 SPFBL BLOCKED https://spfbl.net/en/feedback", Blocklist, "spfbl"},
	{"block", "451 4.7.2 SPFBL LISTED http://spfbl.net/en/feedback", Blocklist, "spfbl"},
	{"block", "554 5.7.1 SPFBL 192.0.2.1 is listed. See https://spfbl.net/en/feedback", Blocklist, "spfbl"},
	{"block", "554 Service unavailable; Client host [192.0.2.1] blocked using dnsbl.spfbl.net", Blocklist, "spfbl"},
	{"block", "550 5.7.1 Client host [192.0.2.1] blocked using dnsbl.spfbl.net; invalid sender reputation", Blocklist, "spfbl"},
}

func TestListPolicyServerFamilies(t *testing.T) { checkFamilies(t, listPolicyServerFamilies) }
