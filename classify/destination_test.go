package classify

import "testing"

// destinationFamilies (issue 14, twenty-second round): list words said
// of something other than our sending address — the recipient's or
// destination domain on the list of where a server will not deliver, a
// HELO name on the administrator's list, the mail program (MUA) on a
// list of banned mailers, our own smarthost's outbound filter — are no
// listing of our IP. Our address or a zone beside the same words stays a
// block. Rows written by hand, each verdict before the classifier ran.
var destinationFamilies = []familyRow{
	{"destination", "550 5.7.1 Recipient domain blacklisted", Other, ""},
	{"destination", "550 5.7.1 Destination domain is blacklisted", Other, ""},
	{"destination", "550 5.7.1 We do not relay to blacklisted domains", Other, ""},
	{"destination", "554 5.7.1 <a@example.org>: Recipient domain is blocked", Other, ""},
	{"destination", "550 5.7.1 Delivery to blacklisted destination refused", Other, ""},
	{"helo list", "550 5.7.1 HELO name on our blacklist", Other, ""},
	{"helo list", "550 Blocked: HELO hostname is on our blacklist", Other, ""},
	{"helo list", "554 5.7.1 EHLO name mx.example.net is in the deny list", Other, ""},
	{"mailer", "550 5.7.1 Your client is blacklisted: unrecognized MUA", Other, ""},
	{"mailer", "550 5.7.1 Mail user agent blacklisted", Other, ""},
	{"outbound filter", "554 Blacklisted by our outbound filter", Other, ""},
	{"outbound filter", "550 5.7.1 Blocked by outgoing spam filter", Other, ""},
	// look-alikes
	{"look-alike", "550 5.7.1 HELO host 192.0.2.1 is listed in zen.spamhaus.org", Blocklist, "spamhaus"},
	{"look-alike", "554 Your IP 192.0.2.1 is blacklisted; see our outbound filter FAQ", Blocklist, ""},
	{"look-alike", "554 Service unavailable; Client host [192.0.2.1] blocked using bl.example.org; client MUA", Blocklist, ""},
	{"look-alike", "550 5.7.1 Your domain is blacklisted", Blocklist, ""},
	{"look-alike", "550 5.7.1 The sending domain is blacklisted", Blocklist, ""},
}

func TestDestinationFamilies(t *testing.T) { checkFamilies(t, destinationFamilies) }

// domainRecordsFamilies: our sending domain refused, even "blacklisted",
// for what its DNS or its registration lacks (no mail exchanger, newly
// registered) is a check of the domain, not a list's verdict on it; a
// list, a zone, spam or our IP beside it stays a block.
var domainRecordsFamilies = []familyRow{
	{"domain records", "550 Your domain is blacklisted because it has no MX record", Other, ""},
	{"domain records", "550 5.7.1 Your domain is blacklisted: newly registered domain", Other, ""},
	{"domain records", "550 5.7.1 Sender domain blacklisted: domain registered less than 30 days ago", Other, ""},
	{"domain records", "550 5.7.1 Domain banned: no valid MX", Other, ""},
	{"look-alike", "550 5.7.1 Your domain is blacklisted: it appears on the Spamhaus DBL although it has no MX record", Blocklist, "spamhaus"},
	{"look-alike", "550 5.7.1 Newly registered domain listed in dbl.example.org", Blocklist, ""},
	{"look-alike", "550 5.7.1 Your domain is blacklisted for spam; it also has no MX record", Blocklist, ""},
	{"look-alike", "554 Your IP 192.0.2.1 is blacklisted; also your domain has no MX record", Blocklist, ""},
	{"look-alike", "550 5.7.1 Your domain is blacklisted", Blocklist, ""},
}

func TestDomainRecordsFamilies(t *testing.T) { checkFamilies(t, domainRecordsFamilies) }
