package classify

import "testing"

// engineVerdictFamilies (issue 14, twenty-second round; the kind of one
// false alarm of the seventeenth batch, "a named anti-spam engine's
// verdict on the message"): a vendor's content engine judging this
// message — "message is spam", "classified as spam", "spam detected in
// the message", a spam score, its anti-spam engine or spam firewall — is
// the content's, not the vendor's reputation list refusing our address.
// The same vendors' reputation refusals stay theirs.
var engineVerdictFamilies = []familyRow{
	{"engine verdict", "550 5.7.1 Blocked by Trend Micro IMSS: message is spam", Other, ""},
	{"engine verdict", "550 5.7.1 Spam message detected by Trend Micro", Other, ""},
	{"engine verdict", "554 5.7.1 Rejected by FortiMail: spam detected in message", Other, ""},
	{"engine verdict", "550 5.7.1 Blocked by Symantec Brightmail: message is spam", Other, ""},
	{"engine verdict", "550 5.7.1 Cloudmark Authority: message classified as spam", Other, ""},
	{"engine verdict", "554 5.7.1 Message rejected by Cisco IronPort anti-spam", Other, ""},
	{"engine verdict", "554 5.7.1 Message blocked by Barracuda Spam Firewall: score 9.5", Other, ""},
	{"engine verdict", "554 5.7.1 Proofpoint: spam score 98, message rejected", Other, ""},
	{"engine verdict", "550 5.7.1 Sophos PureMessage: message identified as spam", Other, ""},
	{"engine verdict", "550 5.7.1 Nachricht von Trend Micro als Spam eingestuft", Other, ""},
	{"engine verdict", "550 5.7.1 Message considéré comme spam par Sophos", Other, ""},
	{"engine verdict", "550 5.7.1 Mensaje clasificado como spam por FortiMail", Other, ""},
	{"engine verdict", "550 5.7.1 Proofpoint rejected this message as bulk mail", Other, ""},
	{"engine verdict", "550 5.7.1 Cloudmark: bulk mail", Other, ""},
	{"look-alike", "554 5.7.1 Your access to this mail system has been rejected due to the sending MTA's poor reputation. IronPort anti-spam", Blocklist, "cisco"},
	{"look-alike", "554 5.7.1 This message has been blocked because it is from a FortiGuard - AntiSpam black IP address.", Blocklist, "fortiguard"},
	{"look-alike", "This email from IP 192.0.2.1 has been rejected. The email message was detected as spam. FortiGuard AntiSpam", Blocklist, "fortiguard"},
	{"look-alike", "550 5.7.1 Mail from 192.0.2.1 blocked by Trend Micro Email Reputation Service", Blocklist, "trendmicro"},
	{"look-alike", "554 Blocked by Sophos: your IP 192.0.2.1 is listed in the Sophos SXL", Blocklist, "sophos"},
	{"look-alike", "550 5.7.1 Rejected: Cisco IronPort: SBRS score too low", Blocklist, "cisco"},
}

func TestEngineVerdictFamilies(t *testing.T) { checkFamilies(t, engineVerdictFamilies) }
