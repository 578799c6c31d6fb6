package classify

import "testing"

// receiverStateFamilies (issue 14, twenty-second round): the receiver's
// own state — overloaded, in maintenance, out of resources, taking no
// mail from anyone just now, or from no one outside (RFC 7504's "does
// not accept mail", an internal or backup host, submission on another
// port) — is no verdict on our address, also behind
// Postfix's "refused to talk to me:", whose rules take any 5xx greeting
// for a refusal of us unless a named veto group holds. Our address, a
// list, spam or a reputation said beside it stays a block. Rows written
// by hand, each verdict before the classifier ran.
var receiverStateFamilies = []familyRow{}

func init() {
	const greet = "host mx.example.net[192.0.2.1] refused to talk to me: "
	for _, s := range []string{
		"554 5.3.2 Server is overloaded",
		"554 mx.example.net ESMTP not accepting messages",
		"554 Sorry, this server is not accepting mail at this time",
		"554 5.3.2 System overload, try again later",
		"550 Server is down for maintenance",
		"554 5.3.0 Out of resources",
		"550 5.3.0 Insufficient system resources",
		"554 Local error in processing",
		"554 5.3.1 Mail system full: disk full",
		"554 5.7.1 This server does not accept mail",
		"521 5.3.2 mx.example.net does not accept mail (RFC 7504)",
		"554 5.7.1 This server is for internal use only",
		"554 5.7.1 Not an MX for this domain",
		"554 5.7.1 This is a backup MX; please deliver to the primary",
		"554 5.7.1 Please use port 587 for submission",
		"554 5.7.1 This mail server has been decommissioned",
		"554 5.7.1 Service disabled",
		"554 5.5.0 Error: SMTP protocol synchronization",
		"554 5.3.1 Mail system full",
		"554 Go away, we're full",
		"554 5.7.1 Server is in backup-only mode",
		"554 Mail server disabled for this domain",
		"554 5.7.1 This domain has no mail service",
		"554 5.7.1 Maximum number of connections reached",
		"554 5.7.0 Use SMTPS on port 465",
	} {
		receiverStateFamilies = append(receiverStateFamilies,
			familyRow{"state", s, Other, ""},
			familyRow{"state at the greeting", greet + s, Other, ""})
	}
	for _, s := range []string{
		"554 Not accepting messages from 192.0.2.9",
		"554 mx.example.net ESMTP not accepting messages from your network",
		"554 Server overloaded. Your IP is blacklisted",
		"554 5.7.1 Not accepting messages from spammers",
		"554 Maintenance mode: your IP 192.0.2.9 is listed in bl.example.org",
		"554 This server does not accept mail from your IP",
		"554 We do not accept mail from spammers",
		"554 We do not accept mail from dynamic IPs",
		"554 Go away, spammer",
	} {
		receiverStateFamilies = append(receiverStateFamilies,
			familyRow{"look-alike", greet + s, Blocklist, ""})
	}
}

func TestReceiverStateFamilies(t *testing.T) { checkFamilies(t, receiverStateFamilies) }

// exchangeNDRFamilies: Exchange's own sentence for a delivery that timed
// out on refused connections is a network failure; Exchange quoting a
// remote ban stays that ban.
var exchangeNDRFamilies = []familyRow{
	{"connection refused", "Your message couldn't be delivered. Despite repeated attempts to deliver your message, the recipient's email system refused to accept a connection from your email system.", Other, ""},
	{"look-alike", "Remote Server returned '550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit https://sender.office.com/'", Blocklist, "microsoft"},
	{"look-alike", "Despite repeated attempts to deliver your message, it was refused: your IP 192.0.2.1 is listed in bl.example.org", Blocklist, ""},
}

func TestExchangeNDRFamilies(t *testing.T) { checkFamilies(t, exchangeNDRFamilies) }
