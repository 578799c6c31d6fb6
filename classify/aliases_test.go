package classify

import "testing"

// Issue 14, sixteenth round: a provider named by a product, a former
// company, a zone's nickname or a URL of a former domain ("blocked using
// ZRD", a commtouch.com reputation check), and the look-alikes where the
// short nickname is an ordinary word ("drop", "css", "zen") in a reply
// that cites no listing. Synthetic rows, each verdict written before the
// classifier ran on it.
var aliasFamilies = []familyRow{
	// Spamhaus's zones by nickname, beside a listing's words
	{"spamhaus nickname", "554 Service unavailable; Client host [192.0.2.1] blocked using ZRD", Blocklist, "spamhaus"},
	{"spamhaus nickname", "550 5.7.1 Client host 192.0.2.1 blocked using ZEN", Blocklist, "spamhaus"},
	{"spamhaus nickname", "554 Rejected: 192.0.2.1 listed in XBL", Blocklist, "spamhaus"},
	{"spamhaus nickname", "554 Rejected: 192.0.2.1 listed in CSS", Blocklist, "spamhaus"},
	{"spamhaus nickname", "554 Rejected: 192.0.2.1 listed in DROP", Blocklist, "spamhaus"},
	{"spamhaus nickname", "554 Rejected: 192.0.2.1 listed in EDROP", Blocklist, "spamhaus"},
	{"spamhaus nickname", "550 Rejected: 192.0.2.1 listed in EDROP list", Blocklist, "spamhaus"},
	{"spamhaus nickname", "554 Rejected: sender domain listed in DBL", Blocklist, "spamhaus"},
	{"spamhaus nickname", "550 5.7.1 Your IP is listed on the ZEN blocklist", Blocklist, "spamhaus"},
	{"spamhaus nickname", "550 Sender domain example.com blacklisted in ZRD", Blocklist, "spamhaus"},
	// a former company's domain in a link
	{"former domain", "550 5.7.1 Rejected: see http://www.commtouch.com/check-reputation?ip=192.0.2.1", Blocklist, "cyren"},
	// products, former companies and nicknames of the reputation services
	{"product name", "550 Your IP 192.0.2.1 is listed by Broadcom reputation service", Blocklist, "symantec"},
	{"product name", "550 Your IP 192.0.2.1 has a poor reputation according to Broadcom", Blocklist, "symantec"},
	{"product name", "550 Your IP 192.0.2.1 has a poor Talos reputation", Blocklist, "cisco"},
	{"product name", "550 5.7.1 Rejected: 192.0.2.1 has poor Talos reputation score", Blocklist, "cisco"},
	{"product name", "550 Your IP 192.0.2.1 is blacklisted by EOP", Blocklist, "microsoft"},
	{"product name", "550 Your IP 192.0.2.1 is blocked by Microsoft Forefront", Blocklist, "microsoft"},
	{"product name", "550 Your IP 192.0.2.1 has a poor McAfee reputation", Blocklist, "trellix"},
	{"product name", "550 Your IP 192.0.2.1 is blacklisted by Trellix", Blocklist, "trellix"},
	{"product name", "550 Your IP 192.0.2.1 is blacklisted by TrustedSource", Blocklist, "trellix"},
	{"product name", "550 Rejected: 192.0.2.1 has a poor McAfee GTI IP reputation", Blocklist, "trellix"},
	{"former domain", "550 Your IP 192.0.2.1 is blacklisted, see http://www.trustedsource.org/query/192.0.2.1", Blocklist, "trellix"},
	{"trend micro nickname", "550 Client host [192.0.2.1] blocked using QIL", Blocklist, "trendmicro"},
	{"trend micro nickname", "450 4.7.1 192.0.2.1 listed in QIL, try again later", Blocklist, "trendmicro"},
	// ... and the look-alikes: the nicknames as ordinary words
	{"nickname look-alike", "550 Please drop your connection and try again later", Other, ""},
	{"nickname look-alike", "550 Message rejected: invalid CSS in body", Other, ""},
	{"nickname look-alike", "550 Message rejected by CSS filter", Other, ""},
	{"nickname look-alike", "550 drop list full", Other, ""},
	{"nickname look-alike", "452 Connection dropped: zen mode, too many connections", Other, ""},
	{"nickname look-alike", "550 Message rejected by drop rule in content filter", Other, ""},
	{"nickname look-alike", "550 Attachment type not allowed: .zrd files are blocked", Other, ""},
	{"nickname look-alike", "550 Rejected by mail.talos.example.org: your IP is blocked", Blocklist, ""},
	{"nickname look-alike", "550 We are at the forefront of spam fighting: your IP is blocked", Blocklist, ""},
	{"nickname look-alike", "550 Message rejected: attachment type .qil not allowed", Other, ""},
	{"product look-alike", "554 5.7.1 Message rejected: virus detected by McAfee", Other, ""},
	{"product look-alike", "554 McAfee", Other, ""},
	{"product look-alike", "550 Your IP 192.0.2.1 is blocked: not a trusted source", Blocklist, ""},
	// ... and another list's zone that begins with a nickname
	{"zone look-alike", "554 Client host [192.0.2.1] blocked using zen.example.net", Blocklist, ""},
	{"zone look-alike", "550 Rejected: 192.0.2.1 listed in drop.example.org", Blocklist, ""},
	{"zone look-alike", "554 Sender address [a@example.org] rejected using dbl.example.net", Blocklist, ""},
}

// TestAliasFamilies: every row gets the category and provider its kind
// has.
func TestAliasFamilies(t *testing.T) { checkFamilies(t, aliasFamilies) }
