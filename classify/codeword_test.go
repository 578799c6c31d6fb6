package classify

import "testing"

// Issue 14, sixteenth round, second kind: a tag naming a listing put
// first, as some admins write their reply code — "554 BLCKLST …", "550
// URIBLHL …", "550 RBL: …", "DNSBL:", "BLACKLISTED:" — spelt out, without
// its vowels or glued to what the list did; and the tags of other kinds
// of refusal written the same way, which stay what they are. Rows
// written by hand, each verdict before the classifier ran.
var codeWordFamilies = []familyRow{
	{"tag", "554 BLCKLST 192.0.2.1 rejected", Blocklist, ""},
	{"tag", "554 BLCKLST Your IP has been rejected", Blocklist, ""},
	{"tag", "554 BLCKLST", Blocklist, ""},
	{"tag", "554 BLCKLST - see http://example.net/bl", Blocklist, ""},
	{"tag", "554 BLCKLST mail refused", Blocklist, ""},
	{"tag", "554 BLCKLST Transaction failed", Blocklist, ""},
	{"tag", "550 BLKLST mail from your server refused", Blocklist, ""},
	{"tag", "550 5.7.1 BLKLIST: connection from 192.0.2.1 closed", Blocklist, ""},
	{"tag", "550 BLACKLST Your host is not welcome", Blocklist, ""},
	{"tag", "550 URIBLHL message rejected", Blocklist, ""},
	{"tag", "550 URIBLHL", Blocklist, ""},
	{"tag", "550 RBL: 192.0.2.1", Blocklist, ""},
	{"tag", "550 RBL: Your IP is not allowed", Blocklist, ""},
	{"tag", "550 RBL: rejected", Blocklist, ""},
	{"tag", "550 RBL: mail from 192.0.2.1 refused, see http://example.net", Blocklist, ""},
	{"tag", "550 RBL: Message rejected", Blocklist, ""},
	{"tag", "550 RBL: Please contact postmaster@example.org", Blocklist, ""},
	{"tag", "421 RBL: try again later", Blocklist, ""},
	{"tag", "421 4.7.1 RBL: deferred", Blocklist, ""},
	{"tag", "550 5.7.1 RBLREJ 192.0.2.1", Blocklist, ""},
	{"tag", "550 RBLREJ mail refused", Blocklist, ""},
	{"tag", "550 RBL-REJECT connection refused", Blocklist, ""},
	{"tag", "550 5.7.1 [RBL] Rejected", Blocklist, ""},
	{"tag", "554 DNSBL: rejected", Blocklist, ""},
	{"tag", "554 DNSBL: 192.0.2.1", Blocklist, ""},
	{"tag", "554 DNSBL: Mail refused", Blocklist, ""},
	{"tag", "554 5.7.1 DNSBL: Transaction failed", Blocklist, ""},
	{"tag", "550 DNSBL 192.0.2.1 refused", Blocklist, ""},
	{"tag", "550 IPBL: 192.0.2.1 refused", Blocklist, ""},
	{"tag", "550 BLACKLISTED: mail from 192.0.2.1 refused", Blocklist, ""},
	{"tag", "550 BLACKLISTED: see http://example.net/", Blocklist, ""},
	{"tag", "550 BLACKLISTED", Blocklist, ""},
	{"tag", "550 BLACKLIST: mail not accepted", Blocklist, ""},
	{"tag", "550 BLOCKLIST: host refused", Blocklist, ""},
	{"tag", "550 [BLACKLIST] connection refused", Blocklist, ""},
	{"tag", "550 BLOCKED: 192.0.2.1", Blocklist, ""},
	// a named list's tag is that list
	{"tag", "550 URIBL: message refused", Blocklist, "uribl"},
	{"tag", "550 SURBL: message refused", Blocklist, "surbl"},
	{"tag", "554 SPAMCOP: 192.0.2.1 refused", Blocklist, "spamcop"},

	// Look-alikes: the tags of other refusals, and a list's lookup that
	// failed.
	{"look-alike", "550 SPAM: message rejected", Content, ""},
	{"look-alike", "550 VIRUS: infected attachment", Content, ""},
	{"look-alike", "550 RCPT: user unknown", Other, ""},
	{"look-alike", "550 SPF: fail", Other, ""},
	{"look-alike", "451 DNSBL: temporary lookup failure", Other, ""},
	{"look-alike", "451 RBL: lookup timed out", Other, ""},
	{"look-alike", "550 POLICY: recipient rejected", Other, ""},
	{"look-alike", "550 CONTENT: message refused", Other, ""},
	{"look-alike", "550 SIZE: message too large", Other, ""},
	{"look-alike", "550 RELAY: relaying denied", Other, ""},
	{"look-alike", "550 HELO: invalid hostname", Other, ""},
	{"look-alike", "550 DMARC: policy reject", Other, ""},
	{"look-alike", "550 RDNS: no reverse DNS", Other, ""},
	{"look-alike", "550 GREYLIST: try again later", Other, ""},
	{"look-alike", "550 BLOCKED: message content", Other, ""},
	{"look-alike", "550 MAILBOX: full", Other, ""},
	{"look-alike", "550 USER: unknown", Other, ""},
	{"look-alike", "550 BLOCKED: attachment type", Other, ""},
	{"look-alike", "550 REJECT: spam score too high", Other, ""},
	{"look-alike", "550 RCPTBL: recipient address rejected", Other, ""},
	{"look-alike", "550 RBLWATCH test message, please ignore", Other, ""},
}

// TestCodeWordFamilies: see checkFamilies.
func TestCodeWordFamilies(t *testing.T) { checkFamilies(t, codeWordFamilies) }
