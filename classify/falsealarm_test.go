package classify

import "testing"

// Issue 14, three kinds of false block-list alarm the lead found with
// explain --json: an IP address that is the subject of a HELO complaint
// (an IP literal as the greeting's host name), a worm or virus refusal
// that links an antivirus vendor's encyclopedia, and a country refused by
// the receiver's geographic policy; and their look-alikes, an address
// listed for its reputation in the same words. Synthetic rows, each
// verdict written before the classifier ran on it.
var falseAlarmFamilies = []familyRow{
	// an IP address as the HELO/EHLO name or the host name
	{"helo ip", "550 5.7.1 Rejecting due to security policy - Ip address used as MTA hostname '192.0.2.1'", Other, ""},
	{"helo ip", "550 5.7.1 IP address used as HELO hostname: 192.0.2.1", Other, ""},
	{"helo ip", "550 IP address used as EHLO hostname [192.0.2.1]", Other, ""},
	{"helo ip", "550 5.7.1 HELO is an IP address (192.0.2.1)", Other, ""},
	{"helo ip", "501 Invalid HELO 192.0.2.1", Other, ""},
	{"helo ip", "504 5.5.2 <192.0.2.1>: Helo command rejected: IP address not allowed", Other, ""},
	{"helo ip", "550 Your HELO/EHLO greeting is an IP address 192.0.2.1", Other, ""},
	{"helo ip", "550 Hostname is an IP address: 192.0.2.1", Other, ""},
	// "due to security policy" for a reason that is no listing
	{"security policy", "550 5.7.1 Rejecting due to security policy - bad HELO 192.0.2.1", Other, ""},
	{"security policy", "550 5.7.1 Rejecting due to security policy - no PTR record for 192.0.2.1", Other, ""},
	{"security policy", "550 5.7.1 Rejecting due to security policy - HELO is not a FQDN", Other, ""},
	// ... and the look-alikes: the address listed in the same words
	{"security policy look-alike", "550 5.7.1 Rejecting due to security policy - IP address 192.0.2.1 is blacklisted", Blocklist, ""},
	{"security policy look-alike", "550 5.7.1 Rejecting due to security policy - IP address 192.0.2.1 is listed", Blocklist, ""},
	{"helo ip look-alike", "554 Client host [192.0.2.1] blocked using bl.example.org; bare IP in HELO", Blocklist, ""},
	// a worm or virus refusal linking an antivirus vendor's page
	{"virus", "553 Your system is probably infected by a worm; see http://www.symantec.com/avcenter/venc/data/w32.sobig.f@mm.html", Other, ""},
	{"virus", "554 Your system is infected by a virus, see http://www.mcafee.com/threat-intelligence/malware/default.aspx", Other, ""},
	{"virus", "550 Worm detected, see http://www.trendmicro.com/vinfo/virusencyclopedia/", Other, ""},
	{"virus", "550 Message contains a virus, see https://www.sophos.com/en-us/threat-center/threat-analyses/viruses-and-spyware", Other, ""},
	{"virus", "554 Infected with a worm; see http://www.kaspersky.com/virusinfo", Other, ""},
	{"virus", "554 Virus found; see https://www.virusradar.com/en/threat_encyclopaedia", Other, ""},
	{"virus", "554 Malware detected; see https://www.microsoft.com/en-us/wdsi/threats", Other, ""},
	// ... and the look-alikes: a vendor's reputation pages
	{"virus", "553 See http://securityresponse.symantec.com/avcenter/venc/data/w32.mydoom.a@mm.html", Other, ""},
	{"virus", "550 Your host is infected with a worm: http://vil.nai.com/vil/content/v_100983.htm", Other, ""},
	{"virus", "553 See https://www.symantec.com/security-center/writeup/2004-012612-5422-99", Other, ""},
	// ... and the look-alikes: a vendor's reputation pages, a listing
	// for a worm's activity
	{"virus look-alike", "550 Your IP 192.0.2.1 is blocked, see http://ipremoval.sms.symantec.com/lookup/", Blocklist, "symantec"},
	{"virus look-alike", "550 5.7.1 Client host [192.0.2.1] blocked using Symantec IP reputation, see http://ipremoval.sms.symantec.com/", Blocklist, "symantec"},
	{"virus look-alike", "550 Mail from 192.0.2.1 blocked using Trend Micro RBL+. Please see http://www.mail-abuse.com/cgi-bin/lookup?192.0.2.1", Blocklist, "trendmicro"},
	{"virus look-alike", "550 Your IP 192.0.2.1 is blocked, see https://www.sophos.com/en-us/threat-center/ip-lookup.aspx?ip=192.0.2.1", Blocklist, "sophos"},
	{"virus look-alike", "550 Your IP 192.0.2.1 is blacklisted: infected with a worm, see http://www.symantec.com/avcenter/", Blocklist, "symantec"},
	{"virus look-alike", "550 Your IP 192.0.2.1 is blacklisted due to worm activity", Blocklist, ""},
	// a country or region refused by the receiver's policy
	{"country", "550 5.7.1 Rejecting due to security policy - Country Code 'XX' has been blacklisted", Other, ""},
	{"country", "550 Mail from your country is not accepted", Other, ""},
	{"country", "554 Country blocked", Other, ""},
	{"country", "550 5.7.1 Connection refused: geo-blocked", Other, ""},
	{"country", "550 We do not accept mail from Examplestan", Other, ""},
	{"country", "550 Your country (XX) is blacklisted", Other, ""},
	{"country", "554 Connections from this country are blocked", Other, ""},
	{"country", "550 5.7.1 Blocked countries: XX", Other, ""},
	// ... and the look-alikes: an address listed in a country list's zone
	{"country look-alike", "550 Your IP 192.0.2.1 is listed in countries.nerd.dk", Blocklist, "nerddk"},
	{"country look-alike", "554 Client host [192.0.2.1] blocked using zz.countries.nerd.dk", Blocklist, "nerddk"},
	{"country look-alike", "550 Your IP 192.0.2.1 is listed in bl.example.org (country XX)", Blocklist, ""},
}

// TestFalseAlarmFamilies: every row gets the category its kind has.
func TestFalseAlarmFamilies(t *testing.T) { checkFamilies(t, falseAlarmFamilies) }
