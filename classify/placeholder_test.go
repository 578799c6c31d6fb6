package classify

import "testing"

// Issue 14, sixteenth round, first kind: a server's refusal template as
// it reaches us with its placeholders unexpanded or half-expanded, in
// every MTA's macro syntax — sendmail's $&{client_addr} and
// ${client_name}, Exim's $sender_host_address, $dnslist_domain and
// ${if …}, Postfix's $client_address and $rbl_domain, Haraka's ${ip},
// Python's %(ip)s and {0}. The placeholder of the address is the
// address; the placeholder of a list is a list left out, never a
// provider's name. Rows written by hand (sendmail's cf/README, Exim's
// spec and Postfix's postconf(5) give the macro names), each verdict
// before the classifier ran.
var placeholderFamilies = []familyRow{
	// sendmail
	{"sendmail", "550 5.7.1 We do not accept mail from your IP address, $&{client_addr}, which has sent or tried to send spam", Blocklist, ""},
	{"sendmail", "550 5.7.1 Rejected: $&{client_addr} listed at $&{dnsbl_zone}", Blocklist, ""},
	{"sendmail", "550 5.7.1 Mail from $&{client_addr} refused by blackhole site bl.example.net", Blocklist, ""},
	{"sendmail", "550 5.7.1 Mail from ${client_name} [$&{client_addr}] refused, contact $&{ELContactEmail}", Blocklist, ""},
	{"sendmail", "554 5.7.1 Rejected: $&{client_addr} listed at zen.spamhaus.org", Blocklist, "spamhaus"},
	{"sendmail", "550 5.7.1 Rejected $&{client_addr}: your host is blacklisted. Contact $&{ELContactEmail} to be removed", Blocklist, ""},
	{"sendmail", "550 Access denied to ${client_name} $&{client_addr}: spam source", Blocklist, ""},
	{"sendmail", "550 $&{client_addr} refused", Blocklist, ""},
	{"sendmail", "550 Rejected: ${client_addr} is blacklisted, contact $&{ELContactEmail}", Blocklist, ""},
	{"sendmail", "550 We do not accept mail from your IP address, ${client_addr}, which has sent or tried to send spam", Blocklist, ""},
	{"sendmail", "550 Mail from $&{client_addr} rejected by $&{dnsbl}", Blocklist, ""},
	{"sendmail", "550 Rejected: $&{client_addr} listed at `$&{dnsbl}'", Blocklist, ""},
	{"sendmail", "550 Rejected: ${client_addr} listed at zen.spamhaus.org", Blocklist, "spamhaus"},
	// (Cisco's own template, its macro left in)
	{"sendmail", "554 Your access to this mail system from $&{client_addr} has been rejected due to the sending MTA's poor reputation", Blocklist, "cisco"},
	// Exim
	{"exim", "550 Rejected because $sender_host_address is in a black list at $dnslist_domain\\n$dnslist_text", Blocklist, ""},
	{"exim", "550 $sender_host_address is listed in $dnslist_domain: $dnslist_text", Blocklist, ""},
	{"exim", "550 ${if def:dnslist_text{$dnslist_text}{Your host $sender_host_address is blacklisted}}", Blocklist, ""},
	{"exim", "550 Rejected: host $sender_host_address listed at $dnslist_domain", Blocklist, ""},
	{"exim", "550 Rejected because 192.0.2.1 is in a black list at $dnslist_domain", Blocklist, ""},
	{"exim", "550 $sender_host_address is listed at bl.spamcop.net ($dnslist_value: $dnslist_text)", Blocklist, "spamcop"},
	{"exim", "451 Your host $sender_host_address is temporarily blocked: $dnslist_text", Blocklist, ""},
	{"exim", "550 Your host ($sender_host_address) is listed in $dnslist_domain", Blocklist, ""},
	{"exim", "550 Blacklisted: $sender_host_address ($sender_host_name)", Blocklist, ""},
	{"exim", "550 $sender_host_address denied: $dnslist_text", Blocklist, ""},
	// Postfix
	{"postfix", "554 5.7.1 Service unavailable; Client host [$client_address] blocked using $rbl_domain; $rbl_reason", Blocklist, ""},
	{"postfix", "$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}", Blocklist, ""},
	{"postfix", "554 Client host $client_address listed in $rbl_domain ($rbl_txt)", Blocklist, ""},
	{"postfix", "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using $rbl_domain", Blocklist, ""},
	{"postfix", "554 5.7.1 $rbl_class $rbl_what rejected: $rbl_txt", Blocklist, ""},
	{"postfix", "554 5.7.1 Service unavailable; Client host [$client_address] blocked using b.barracudacentral.org", Blocklist, "barracuda"},
	{"postfix", "554 $rbl_what blocked using $rbl_domain", Blocklist, ""},
	{"postfix", "550 5.7.1 Client host [$client_address] blocked by local DNSBL ($rbl_domain)", Blocklist, ""},
	{"postfix", "554 5.7.1 $rbl_what rejected", Blocklist, ""},
	// Haraka and other Node servers
	{"node", "550 host [${ip}] is blacklisted by ${zone}", Blocklist, ""},
	{"node", "554 ${ip} is listed on {rbl}", Blocklist, ""},
	{"node", "550 Your IP ${ip} is listed in {rbl}: {reason}", Blocklist, ""},
	{"node", "554 Refused: ${ip} in {rbl}", Blocklist, ""},
	{"node", "550 Mail from ${ip} rejected", Blocklist, ""},
	{"node", "550 5.7.1 [${ip}] rejected: see {url}", Blocklist, ""},
	{"node", "550 {ip} blocked", Blocklist, ""},
	// Python
	{"python", "550 %(ip)s is listed in %(zone)s", Blocklist, ""},
	{"python", "550 IP {0} is blacklisted by {1}", Blocklist, ""},
	{"python", "554 Your IP {ip} is on the {rbl} blocklist", Blocklist, ""},
	{"python", "550 Connection from %(ip)s refused: listed in %(rbl)s", Blocklist, ""},
	{"python", "550 Mail from %(ip)s refused", Blocklist, ""},

	// Look-alikes: templates of other refusals with the same macros.
	{"look-alike", "550 5.1.1 <${rcpt}>: Recipient address rejected: User unknown", Other, ""},
	{"look-alike", "550 5.1.1 <$local_part@$domain>: unknown user", Other, ""},
	{"look-alike", "550 Message from $sender_address rejected: spam score $spam_score exceeds threshold", Other, ""},
	{"look-alike", "550 5.7.1 $sender_host_address is not permitted to relay through this server", Other, ""},
	{"look-alike", "451 Temporary local problem: lookup of $sender_address_domain failed", Other, ""},
	{"look-alike", "550 SPF check failed for $sender_address from $sender_host_address", Other, ""},
	{"look-alike", "421 Too many connections from %(ip)s", Other, ""},
	{"look-alike", "550 5.7.1 $&{client_addr} has no reverse DNS (PTR) record", Other, ""},
	{"look-alike", "552 Message size $message_size exceeds limit of $message_size_limit", Other, ""},
	{"look-alike", "550 5.7.1 Client host rejected: cannot find your hostname, [$client_address]", Other, ""},
	{"look-alike", "554 5.7.1 <$recipient>: Relay access denied", Other, ""},
	{"look-alike", "550 Message rejected: {0} contains a virus", Other, ""},
	{"look-alike", "451 4.7.1 Greylisted, please try again in %(delay)s seconds", Other, ""},
	{"look-alike", "550 5.7.1 ${sender} is not allowed to send to {rcpt}", Other, ""},
	{"look-alike", "550 $&{client_addr}: Relaying denied", Other, ""},
	{"look-alike", "550 ${client_name}: Host name lookup failed", Other, ""},
	{"look-alike", "550 Mail from $sender_address refused: unknown sender", Other, ""},
	{"look-alike", "550 $&{f}... Sender address rejected", Other, ""},
	{"look-alike", "550 <${rcpt_addr}>... User unknown", Other, ""},
	{"look-alike", "550 $sender_address is not allowed to send mail here", Other, ""},
	{"look-alike", "550 5.7.1 {0} rejected: SPF fail", Other, ""},
	{"look-alike", "550 Message {0} rejected: spam content", Other, ""},
	{"look-alike", "554 5.7.1 $&{client_addr}: Helo command rejected: need fully-qualified hostname", Other, ""},
	{"look-alike", "550 5.7.1 ${client_name} is not in my list of allowed rcpthosts", Other, ""},
	{"look-alike", "550 Client name ${client_name} does not match its address", Other, ""},
}

// TestPlaceholderFamilies: see checkFamilies.
func TestPlaceholderFamilies(t *testing.T) { checkFamilies(t, placeholderFamilies) }
