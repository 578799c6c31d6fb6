package classify

import "testing"

// Issue 14, sixteenth round, sixth kind and the generic layer's forms: a
// site's local DNS list configured in sendmail's FEATURE(dnsbl) and
// FEATURE(enhdnsbl), Exim's dnslists or Postfix's reject_rbl_client,
// with a masked or private zone (dnsbl.example, bl.local, [masked]) — an
// unknown list, never a named provider (a zone that carries a list's
// own name, "spamcop.example", is that list's mirror and not among
// these rows) — and the forms a refusal reaches us in: IPv4 and IPv6
// addresses in brackets or parentheses, continuation lines
// ("550-… 550 …"), texts cut mid-sentence or mid-word. The look-alikes
// are the same forms around other refusals, and a list's lookup that
// failed. Rows written by hand (sendmail's cf/README, Exim's spec and
// Postfix's postconf(5) give the default texts), each verdict before the
// classifier ran.
var localZoneFamilies = []familyRow{
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at dnsbl.example", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at bl.local", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at [masked]", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at <zone>", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at xxx.xxx", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at dnsbl.example.invalid", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at rbl.company.lan", Blocklist, ""},
	{"local zone", "550 5.7.1 Mail from 192.0.2.1 refused by blackhole site bl.local", Blocklist, ""},
	{"local zone", "550 5.7.1 Mail from 192.0.2.1 refused by blackhole site [masked]", Blocklist, ""},
	{"local zone", "451 4.7.1 Temporarily rejected: 192.0.2.1 listed at bl.local", Blocklist, ""},
	{"local zone", "550 rejected because 192.0.2.1 is in a black list at dnsbl.example", Blocklist, ""},
	{"local zone", "550 rejected because 192.0.2.1 is in a black list at [masked]", Blocklist, ""},
	{"local zone", "550 192.0.2.1 is listed at bl.local (127.0.0.2: listed)", Blocklist, ""},
	{"local zone", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.local; Listed", Blocklist, ""},
	{"local zone", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using [masked]", Blocklist, ""},
	{"local zone", "554 5.7.1 <example.com>: Sender address rejected: blocked using dbl.local", Blocklist, ""},
	{"local zone", "554 5.7.1 <mx.example.com>: Helo command rejected: blocked using rhsbl.local", Blocklist, ""},
	{"local zone", "554 5.7.1 Service unavailable; Sender address [a@example.com] blocked using dbl.example", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at mybarracuda.local", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at spamhausmirror.local", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at zen-local.lan", Blocklist, ""},
	{"local zone", "550 Rejected: IP 192.0.2.1 is in our local DNSBL", Blocklist, ""},
	{"local zone", "550 Access denied: 192.0.2.1 is listed in the local blacklist zone bl.corp", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at bl.example.org", Blocklist, ""},
	{"local zone", "550 5.7.1 Rejected: 192.0.2.1 listed at localbl.example.com", Blocklist, ""},
	{"local zone", "550 bl.example.org lists 192.0.2.1", Blocklist, ""},
	{"local zone", "550 zen.example.net lists your IP", Blocklist, ""},
	{"local zone", "550 bl.local lists your server", Blocklist, ""},
	{"local zone", "550 ${zone} lists ${ip}", Blocklist, ""},
	{"form", "554 Rejected: [2001:db8::1] listed at bl.local", Blocklist, ""},
	{"form", "554 Rejected: (2001:db8::1) listed at bl.local", Blocklist, ""},
	{"form", "550 5.7.1 Client [192.0.2.1] listed at bl.local", Blocklist, ""},
	{"form", "550 5.7.1 [192.0.2.1] listed at bl.local", Blocklist, ""},
	{"form", "550 5.7.1 (192.0.2.1) listed at bl.local", Blocklist, ""},
	{"form", "550 5.7.1 [192.0.2.1] is blacklisted", Blocklist, ""},
	{"form", "550 5.7.1 (192.0.2.1) is blocked", Blocklist, ""},
	{"form", "554 [2001:db8::1] blocked", Blocklist, ""},
	{"form", "554 (2001:db8::1) blocked", Blocklist, ""},
	{"form", "554 2001:db8::1 blocked", Blocklist, ""},
	{"form", "550 5.7.1 Blocked: [192.0.2.1]", Blocklist, ""},
	{"form", "550 5.7.1 Blocked: (2001:db8::1)", Blocklist, ""},
	{"form", "550 5.7.1 Connection from [2001:db8::1] refused", Blocklist, ""},
	{"form", "550 5.7.1 Connection from (192.0.2.1) refused", Blocklist, ""},
	{"form", "550-5.7.1 Your IP 192.0.2.1 is 550 5.7.1 on our blocklist", Blocklist, ""},
	{"form", "550-5.7.1 [192.0.2.1] The IP you are using 550-5.7.1 has been listed by 550 5.7.1 a DNSBL", Blocklist, ""},
	{"form", "550 5.7.1 Your IP address is listed on a bl", Blocklist, ""},
	{"form", "550 5.7.1 Your IP address has been black", Blocklist, ""},
	{"form", "550 5.7.1 The sending IP (192.0.2.1) is listed on a", Blocklist, ""},
	{"form", "550 5.7.1 Mail from IP [2001:db8::1] refused", Blocklist, ""},
	{"form", "550-Your server 550-is on our 550 blacklist", Blocklist, ""},
	{"form", "421-4.7.0 [192.0.2.1] Our system has detected that 421-4.7.0 this IP has a poor reputation", Blocklist, ""},
	{"form", "550 5.7.1 Your IP address 192.0.2.1 has been blackl", Blocklist, ""},
	{"form", "550 5.7.1 Your IP address 192.0.2.1 has been black-", Blocklist, ""},
	{"form", "550 5.7.1 Rejected - your IP is on our bl", Blocklist, ""},
	{"form", "550-5.7.1 The IP address 192.0.2.1 550-5.7.1 has been 550 5.7.1 blacklisted", Blocklist, ""},
	{"form", "554-Your mail server 554-has a poor 554 reputation", Blocklist, ""},
	{"form", "550 5.7.1 Mail from 192.0.2.1 rejected: listed a", Blocklist, ""},
	{"look-alike", "550 5.7.1 [192.0.2.1] Recipient address rejected: user unknown", Other, ""},
	{"look-alike", "550 5.7.1 (192.0.2.1) SPF fail", Other, ""},
	{"look-alike", "554 [2001:db8::1] Message too large", Other, ""},
	{"look-alike", "451 4.7.1 Temporary lookup failure of 192.0.2.1 at bl.local", Other, ""},
	{"look-alike", "550-5.1.1 The email account that you tried to reach does not exist 550 5.1.1 Please try again", Other, ""},
	{"look-alike", "550 5.7.1 Recipient address rejected: blocked by use", Other, ""},
	{"look-alike", "421 4.7.0 [2001:db8::1] Too many connections", Other, ""},
	{"look-alike", "554 [192.0.2.1] blocked: mailbox full", Other, ""},
	{"look-alike", "421 Blocked: [192.0.2.1] too many connections", Other, ""},
	{"look-alike", "550 Blocked: <a@example.org>", Other, ""},
	{"look-alike", "550 Blocked: [a@example.org]", Other, ""},
	{"look-alike", "550 Our mailing lists do not accept posts from non-members", Other, ""},
	{"look-alike", "550 The lists at example.org are closed to 192.0.2.1", Other, ""},
	{"look-alike", "550 192.0.2.1: lists server unavailable", Other, ""},
	{"look-alike", "550 Sender lists are full", Other, ""},
}

// TestLocalZoneFamilies: see checkFamilies.
func TestLocalZoneFamilies(t *testing.T) { checkFamilies(t, localZoneFamilies) }
