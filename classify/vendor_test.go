package classify

import "testing"

// Issue 14, sixteenth round, fifth kind: a security vendor or a receiver
// named as what refused us, with no listing words — "Blocked by
// Mimecast", "Rejected by FrontBridge", "denied by Barracuda Networks".
// When the text refuses our host or connection (no cue of the content,
// the recipient, authentication or size, and not the message named as
// what was refused), the vendor's reputation system refused us and the
// vendor is the provider (NOTES.md: the receiver's or its gateway's own
// reputation system; the catalog's ids). When such a cue is there, or
// the message is what was refused, it is no block. Rows written by hand,
// each verdict before the classifier ran.
var vendorFamilies = []familyRow{
	{"refuser", "550 Blocked by Mimecast", Blocklist, "mimecast"},
	{"refuser", "550 Rejected by Mimecast", Blocklist, "mimecast"},
	{"refuser", "421 Temporarily blocked by Mimecast", Blocklist, "mimecast"},
	{"refuser", "550 Your IP has been blocked by Mimecast", Blocklist, "mimecast"},
	{"refuser", "550 5.7.1 Your connection was rejected by Mimecast", Blocklist, "mimecast"},
	{"refuser", "550 Your server has been blocked by Mimecast", Blocklist, "mimecast"},
	{"refuser", "550 Blocked - see https://www.mimecast.com/", Blocklist, "mimecast"},
	{"refuser", "554 Rejected by FrontBridge", Blocklist, "microsoft"},
	{"refuser", "550 blocked by Proofpoint Essentials", Blocklist, "proofpoint"},
	{"refuser", "554 Connection denied by Proofpoint", Blocklist, "proofpoint"},
	{"refuser", "554 5.7.1 Mail from 192.0.2.1 refused by Proofpoint", Blocklist, "proofpoint"},
	{"refuser", "550 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1", Blocklist, "proofpoint"},
	{"refuser", "554 denied by Barracuda Networks", Blocklist, "barracuda"},
	{"refuser", "550 Blocked by Barracuda", Blocklist, "barracuda"},
	{"refuser", "550 Blocked - see http://www.barracudacentral.org/rbl", Blocklist, "barracuda"},
	{"refuser", "554 Connection refused by Sophos", Blocklist, "sophos"},
	{"refuser", "550 Rejected by Trend Micro", Blocklist, "trendmicro"},
	{"refuser", "550 Blocked by Trend Micro Email Reputation Services", Blocklist, "trendmicro"},
	{"refuser", "550 Blocked by Cisco IronPort", Blocklist, "cisco"},
	{"refuser", "550 Rejected by IronPort", Blocklist, "cisco"},
	{"refuser", "550 Blocked by Hornetsecurity", Blocklist, "hornetsecurity"},
	{"refuser", "550 Blocked by Forcepoint", Blocklist, "forcepoint"},
	{"refuser", "550 Blocked by FortiGuard", Blocklist, "fortiguard"},
	{"refuser", "550 Rejected by Symantec", Blocklist, "symantec"},
	{"refuser", "550 5.7.1 Connection rejected by MessageLabs", Blocklist, "symantec"},
	{"refuser", "550 Blocked by Cloudmark", Blocklist, "cloudmark"},
	{"refuser", "554 Blocked by Comcast", Blocklist, "comcast"},
	{"refuser", "550 Blocked by Mimecast (IP reputation)", Blocklist, "mimecast"},
	{"refuser", "554 Denied by Barracuda Reputation", Blocklist, "barracuda"},
	{"refuser", "554 Connection rejected by Proofpoint", Blocklist, "proofpoint"},
	{"refuser", "550 Blocked by Outlook.com", Blocklist, "microsoft"},
	{"refuser", "421 Temporarily blocked by Yahoo", Blocklist, "yahoo"},
	{"refuser", "550 Blocked by Gmail", Blocklist, "gmail"},
	{"refuser", "550 Blocked by Mimecast - see https://community.mimecast.com/docs/DOC-1369", Blocklist, "mimecast"},
	{"refuser", "550 Refused by Cisco Talos", Blocklist, "cisco"},
	{"refuser", "550 Blocked by Sophos Email", Blocklist, "sophos"},
	{"refuser", "550 Denied by Trend Micro ERS", Blocklist, "trendmicro"},
	{"refuser", "550 Refused by Spamhaus", Blocklist, "spamhaus"},
	{"refuser", "550 Rejected by Abusix", Blocklist, "abusix"},

	// Look-alikes: the vendor named for the content, the recipient,
	// authentication or size, or the message named as what it refused.
	{"look-alike", "550 Message blocked by Mimecast: content policy", Other, ""},
	{"look-alike", "550 Rejected by Mimecast: recipient address unknown", Other, ""},
	{"look-alike", "550 Rejected by Mimecast: the recipient does not exist", Other, ""},
	{"look-alike", "550 Rejected by Mimecast: SPF check failed", Other, ""},
	{"look-alike", "550 Rejected by Mimecast: authentication required", Other, ""},
	{"look-alike", "550 Blocked by Mimecast: DMARC policy", Other, ""},
	{"look-alike", "550 Blocked by Mimecast: DKIM signature invalid", Other, ""},
	{"look-alike", "550 Envelope blocked - User Entry - Mimecast", Other, ""},
	{"look-alike", "550 Sender blocked by recipient's Mimecast policy", Other, ""},
	{"look-alike", "550 Mimecast: user unknown", Other, ""},
	{"look-alike", "550 Message rejected by Mimecast", Other, ""},
	{"look-alike", "554 Message rejected by Proofpoint: spam content", Other, ""},
	{"look-alike", "550 Blocked by Proofpoint Essentials: recipient policy", Other, ""},
	{"look-alike", "550 Email blocked by Proofpoint", Other, ""},
	{"look-alike", "552 Rejected by Proofpoint: message too large", Other, ""},
	{"look-alike", "550 Blocked by Barracuda: message size exceeds limit", Other, ""},
	{"look-alike", "550 Rejected by Barracuda: attachment type not allowed", Other, ""},
	{"look-alike", "550 Message rejected by Barracuda: spam score too high", Other, ""},
	{"look-alike", "550 Your message was rejected by Barracuda", Other, ""},
	{"look-alike", "550 Message blocked by Sophos: virus found", Other, ""},
	{"look-alike", "550 Attachment blocked by Sophos", Other, ""},
	{"look-alike", "550 This message has been blocked by Sophos", Other, ""},
	{"look-alike", "550 Virus detected by Trend Micro", Other, ""},
	{"look-alike", "554 Mail rejected by Trend Micro", Other, ""},
	{"look-alike", "554 Message refused by Symantec: malware found", Other, ""},
	{"look-alike", "550 message refused by MailMarshal SpamProfiler", Other, ""},
	{"look-alike", "550 5.7.1 Mail rejected by Gmail for policy reasons: DMARC", Other, ""},
	{"look-alike", "550 Rejected by Outlook: mailbox full", Other, ""},
	{"look-alike", "550 Message content rejected by Mimecast", Other, ""},
	{"look-alike", "550 Blocked by Mimecast: message contains a suspicious link", Other, ""},
	{"look-alike", "550 Rejected by Gmail: the recipient's inbox is full", Other, ""},
	{"look-alike", "550 Delivery blocked by Proofpoint policy: sender address spoofed", Other, ""},
	{"look-alike", "550 Blocked by Mimecast: Envelope blocked - User Entry", Other, ""},
	{"look-alike", "550 Blocked by Barracuda: Sender is in the recipient's block list", Other, ""},
	{"look-alike", "550 Message rejected by Trend Micro: attachment blocked", Other, ""},
	{"look-alike", "550 Blocked by Mimecast: impersonation protection", Other, ""},
}

// TestVendorFamilies: see checkFamilies.
func TestVendorFamilies(t *testing.T) { checkFamilies(t, vendorFamilies) }
