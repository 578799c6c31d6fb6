package classify

import "testing"

// Issue 14, sixteenth round, fourth kind: a domain listed — the sender's
// domain, or a URL or domain the message carries, on a URI or domain
// list (URIBL, SURBL, Spamhaus DBL, a site's own) — in the site's own
// words. NOTES.md labels these block-list refusals ("A URL in this email
// … is listed on https://spamrl.com/" is spamrl's, "sender domain listed
// at dbl.example.org" unknown): the provider is uribl, surbl or spamhaus
// only when named, unknown otherwise. Rounds 7 to 15 called a listed URL
// in the message content (generic_test.go's rows, the crossing's "a link
// in the message is blacklisted"); a link a content filter, a virus scan
// or a policy blocks stays the content's, and a domain on the receiver's
// own tables (its local domains, its MX table) is no list. Rows written
// by hand, each verdict before the classifier ran.
var domainFamilies = []familyRow{
	{"sender domain", "550 We do not accept mail sent from your domain as it is listed", Blocklist, ""},
	{"sender domain", "554 Your domain example.com is blacklisted", Blocklist, ""},
	{"sender domain", "550 Your domain is listed", Blocklist, ""},
	{"sender domain", "550 Rejected: sender domain blacklisted", Blocklist, ""},
	{"sender domain", "550 Sending domain is blacklisted", Blocklist, ""},
	{"sender domain", "554 Rejected: the domain in your From address is on our blocklist", Blocklist, ""},
	{"sender domain", "550 5.7.1 Mail from domains listed in our blacklist is refused", Blocklist, ""},
	{"sender domain", "550 Your sending domain has a poor reputation", Blocklist, ""},
	{"sender domain", "550 5.7.1 Blocked: your domain has a poor reputation", Blocklist, ""},
	{"sender domain", "550 example.com is listed in a domain blocklist", Blocklist, ""},
	{"sender domain", "550 Your From: domain is listed as a spam source", Blocklist, ""},
	{"sender domain", "550 Your domain is on our list of spamvertised domains", Blocklist, ""},
	{"sender domain", "550 Ihre Domain ist auf einer Sperrliste", Blocklist, ""},
	{"sender domain", "550 Votre domaine est sur une liste noire", Blocklist, ""},
	{"sender domain", "550 Su dominio está en una lista negra", Blocklist, ""},
	{"sender domain", "550 Sender domain listed at dbl.spamhaus.org", Blocklist, "spamhaus"},
	{"sender domain", "550 Your domain example.com is listed by Spamhaus", Blocklist, "spamhaus"},
	{"uri", "554 A URL in your message is on a block list", Blocklist, ""},
	{"uri", "550 Domain appears in a list of spamvertised domains", Blocklist, ""},
	{"uri", "550 Domain found in spamvertised list", Blocklist, ""},
	{"uri", "550 Spamvertised domain", Blocklist, ""},
	{"uri", "550 5.7.1 Message rejected: body contains a blacklisted URL", Blocklist, ""},
	{"uri", "554 5.7.1 Rejected: the message contains a blacklisted URL", Blocklist, ""},
	{"uri", "550 Message contains a link to a blocklisted domain", Blocklist, ""},
	{"uri", "550 Rejected: a domain in your message is listed on a URI block list", Blocklist, ""},
	{"uri", "550 URI blacklisted", Blocklist, ""},
	{"uri", "554 5.7.1 The domain example.org in your message is blacklisted", Blocklist, ""},
	{"uri", "550 A link in your email points to a domain on a block list", Blocklist, ""},
	{"uri", "550 Rejected: message contains URL listed in a URI DNSBL", Blocklist, ""},
	{"uri", "421 4.7.1 A link in the message is blacklisted, try again later", Blocklist, ""},
	{"uri", "554 A link in the message is blocklisted", Blocklist, ""},
	{"uri", "550 5.7.1 Message contains a domain listed in URIBL", Blocklist, "uribl"},
	{"uri", "550 The link example.com in your message is listed by SURBL", Blocklist, "surbl"},
	{"uri", "550 5.7.1 URL in message body is blocklisted (multi.surbl.org)", Blocklist, "surbl"},
	{"uri", "550 5.7.1 Message rejected: URL listed in Spamhaus DBL", Blocklist, "spamhaus"},
	{"uri", "550 A URL in this email (example . com) appears on https://spamrl.com/. Please resolve and retry", Blocklist, "spamrl"},
	{"uri", "550 5.7.1 Your sender domain is on a domain blocklist", Blocklist, ""},
	{"uri", "554 5.7.1 The sending domain example.com is listed on a domain reputation list", Blocklist, ""},
	{"uri", "550 5.7.1 Rejected: From domain example.com has a bad reputation", Blocklist, ""},
	{"uri", "550 Envelope sender domain is blacklisted", Blocklist, ""},
	{"uri", "550 Mail from example.com refused: domain blacklisted", Blocklist, ""},
	{"uri", "550 5.7.1 Domain example.com listed in our URI blacklist", Blocklist, ""},
	{"uri", "554 Message rejected: contains a URL listed in a URI block list", Blocklist, ""},
	{"uri", "550 5.7.1 Message contains a listed URL (example.com)", Blocklist, ""},
	{"uri", "550 Rejected: body contains a URL on a blocklist", Blocklist, ""},
	{"uri", "550 5.7.1 A domain in your message (example.com) is on a block list", Blocklist, ""},
	{"uri", "554 5.7.1 URI example.com is blacklisted", Blocklist, ""},
	{"uri", "550 5.7.1 The URL example.com in the message body is blocklisted", Blocklist, ""},
	{"uri", "550 Your message contains a blacklisted domain: example.com", Blocklist, ""},
	{"uri", "550 spamvertised URL found", Blocklist, ""},
	{"uri", "550 URL example.com is listed", Blocklist, ""},
	{"uri", "550 5.7.1 Rejected: the domain example.com in your From header is blacklisted", Blocklist, ""},
	{"uri", "550 Domain example.com is blocked", Blocklist, ""},
	{"uri", "550 Rejected: domain example.com has been blacklisted", Blocklist, ""},
	{"uri", "550 The domain of your email address is on our blacklist", Blocklist, ""},

	// Look-alikes: a domain that does not exist or lacks a record, a
	// domain on the receiver's own tables, a link judged by the content
	// filter, a virus scan or a policy, the recipient's list.
	{"look-alike", "550 5.1.2 Domain does not exist", Other, ""},
	{"look-alike", "550 Sender domain not found", Other, ""},
	{"look-alike", "550 Domain example.com is not in my list of allowed rcpthosts", Other, ""},
	{"look-alike", "550 5.7.1 Your domain has no SPF record", Other, ""},
	{"look-alike", "550 Sender domain is on the recipient's block list", Other, ""},
	{"look-alike", "550 Message contains a link to a phishing site", Other, ""},
	{"look-alike", "550 5.7.1 Your domain is not allowed to send to this mailing list", Other, ""},
	{"look-alike", "550 Domain listed in our local domains", Other, ""},
	{"look-alike", "550 Domain example.com is listed in our MX table", Other, ""},
	{"look-alike", "550 This domain is listed as a local domain", Other, ""},
	{"look-alike", "550 Domain is not listed in DNS", Other, ""},
	{"look-alike", "550 The domain is listed as inactive", Other, ""},
	{"look-alike", "550 Your domain is not listed in our allowed domains", Other, ""},
	{"look-alike", "550 URL rejected", Other, ""},
	{"look-alike", "554 Message rejected due to suspicious links", Other, ""},
	{"look-alike", "554 5.7.1 Rejected: URL reputation check failed", Other, ""},
	{"look-alike", "550 5.7.1 Rejected: the reputation of a link in the message is poor", Other, ""},
	{"look-alike", "550 Message rejected: a link in the body leads to malware", Other, ""},
	{"look-alike", "554 Message rejected: the Tor download link in the body is blocked", Other, ""},
	{"look-alike", "550 The link in your message is broken", Other, ""},
	{"look-alike", "451 A link in the message is blacklisted by our content filter", Other, ""},
	{"look-alike", "553 5.7.0 A link in the message is blacklisted as spam", Other, ""},
	{"look-alike", "550 A link in the message is blocklisted because it contains a virus", Other, ""},
	{"look-alike", "550 A link in the message is blacklisted by the recipient", Other, ""},
	{"look-alike", "550 Message rejected: content matched our blacklist of phishing URLs", Other, ""},
	{"look-alike", "550 5.7.1 Rejected: the message contains a URL our filter blocks", Other, ""},
}

// TestDomainFamilies: see checkFamilies.
func TestDomainFamilies(t *testing.T) { checkFamilies(t, domainFamilies) }
