package classify

import "testing"

// signatureFamilies (issue 14, twenty-second round): a security vendor's
// or a list's name beside a reason of another kind — an unknown user, a
// full mailbox, a rate, TLS, size, relay, greylisting, authentication or
// (for a vendor's gateway) content — signs the reply; it does not refuse
// our address. The vendors' gateways (Proofpoint, Sophos, Trend Micro,
// Symantec, FortiMail, Cloudmark, Vade) send such replies for their
// customers every day. The same names beside a listing stay blocks.
var signatureFamilies = []familyRow{}

func init() {
	for _, v := range []string{"Proofpoint", "Sophos", "Trend Micro", "Symantec", "FortiMail", "Cloudmark", "Vade Secure"} {
		for _, r := range []string{"550 5.1.1 User unknown", "552 5.2.2 Mailbox full", "530 5.7.0 STARTTLS required", "421 4.7.0 Too many connections", "554 5.7.1 Relay access denied"} {
			signatureFamilies = append(signatureFamilies,
				familyRow{"signature", r + " (" + v + ")", Other, ""},
				familyRow{"signature", v + ": " + r, Other, ""})
		}
	}
	signatureFamilies = append(signatureFamilies,
		familyRow{"signature", "550 5.7.1 Attachment type not allowed (Cloudmark)", Other, ""},
		familyRow{"signature", "Vade Secure: 550 5.7.1 Attachment type not allowed", Other, ""},
		familyRow{"look-alike", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; user unknown", Blocklist, "spamhaus"},
		familyRow{"look-alike", "554 Rejected as spam see: http://spamcop.net/bl.shtml?192.0.2.1", Blocklist, "spamcop"},
		familyRow{"look-alike", "550 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1", Blocklist, "proofpoint"},
		familyRow{"look-alike", "554 5.7.1 This message has been blocked because it is from a FortiGuard - AntiSpam black IP address.", Blocklist, "fortiguard"},
		familyRow{"look-alike", "550 5.7.1 Mail from 192.0.2.1 blocked by Trend Micro Email Reputation Service; relay denied", Blocklist, "trendmicro"},
		familyRow{"look-alike", "554 Cloudmark Poor Reputation Sender Blacklist http://csi.cloudmark.com/reset-request/?ip=192.0.2.1", Blocklist, "cloudmark"},
	)
}

func TestSignatureFamilies(t *testing.T) { checkFamilies(t, signatureFamilies) }
