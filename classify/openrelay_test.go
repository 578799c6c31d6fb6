package classify

import "testing"

// Issue 14, fifteenth round: a refusal that cites a listing of our
// address, host or domain, or calls our address an open relay or proxy,
// said beside words the local-policy and relay-denied vetoes know
// ("Access denied to 192.0.2.1 (listed in relays.example.org)", as the
// lead found with explain --json), and the look-alikes that share those
// words: a relay refused for the recipient, access denied for
// authentication, an address listed in an address book or a white list.
// Synthetic rows, each verdict written before the classifier ran on it.
var openRelayFamilies = []familyRow{
	// listed in, at, on or by a zone, a list's placeholder, our side named
	// by an address, a host or a template's placeholder
	{"listed beside access denied", "550 Access denied to 192.0.2.1 (listed in relays.example.org)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to 192.0.2.1: This address is vulnerable to open-relay/open-proxy attacks (listed in relays.example.org)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to 192.0.2.1 (listed at relays.example.org)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied: 192.0.2.1 listed on proxies.example.net", Blocklist, ""},
	{"listed beside access denied", "550 5.7.1 Access denied to mx.example.com (listed by relays.example.org)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to %A (listed in <zone>)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to {ip} (listed in {zone})", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to $addr (listed in $rbl)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to <ip> (listed in <list>)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to [ip] (listed in [zone])", Blocklist, ""},
	// printf-style placeholders where the address and the zone would be
	// (Synchronet's "%s", OpenBSD spamd's "%A", a template's "%v")
	{"listed beside access denied", "550 Access denied to %A (listed in %L)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to %s (listed in %s)", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to %v (listed by %v)", Blocklist, ""},
	{"listed beside local policy", "550 Rejected by local policy: %s is listed at %s", Blocklist, ""},
	{"listed beside access denied", "550 Access denied to sender address bob@example.com (domain is listed by rhsbl.example.net)", Blocklist, ""},
	{"listed beside local policy", "550 5.7.1 Rejected by local policy: 192.0.2.1 is listed in relays.example.org", Blocklist, ""},
	{"listed beside local policy", "550 Rejected for policy reasons: listed in relays.example.org", Blocklist, ""},
	{"listed beside relay", "550 Relaying denied: 192.0.2.1 listed in relays.example.org", Blocklist, ""},
	{"listed beside relay", "554 Your host 192.0.2.1 is an open proxy (listed in proxies.example.net)", Blocklist, ""},
	{"listed beside relay", "550 Rejected: 192.0.2.1 is an open relay according to relays.example.org", Blocklist, ""},
	// an open relay or proxy said of our address, no list named
	{"open relay", "550 This address is vulnerable to open-relay attacks", Blocklist, ""},
	{"open relay", "550 This host is vulnerable to open-relay/open-proxy attacks", Blocklist, ""},
	{"open relay", "550 5.7.1 Your IP 192.0.2.1 is vulnerable to open relay attacks", Blocklist, ""},
	{"open relay", "554 Your IP is vulnerable to open proxy abuse", Blocklist, ""},
	{"open relay", "550 Your server is an open relay", Blocklist, ""},
	{"open relay", "554 192.0.2.1 is an open proxy", Blocklist, ""},
	{"open relay", "550 No mail accepted from an open relay (192.0.2.1)", Blocklist, ""},
	{"open relay", "554 Mail from open relays not accepted", Blocklist, ""},
	{"open relay", "550 Your host appears to be an open relay", Blocklist, ""},
	{"open relay", "550 5.7.1 Rejected: your mail server is an open proxy", Blocklist, ""},
	{"open relay", "550 rejected: open proxy", Blocklist, ""},
	// ... and the look-alikes: relaying refused for the recipient, a
	// server that says it is no open relay, access denied for
	// authentication, listed in an address book or a white list
	{"relay look-alike", "554 5.7.1 <bob@example.org>: Relay access denied", Policy, ""},
	{"relay look-alike", "550 We do not relay for example.org", Policy, ""},
	{"relay look-alike", "550 5.7.1 Relaying denied for <bob@example.org>", Policy, ""},
	{"relay look-alike", "550 5.7.1 Unable to relay for bob@example.org", Policy, ""},
	{"relay look-alike", "554 5.7.1 Relaying denied: this server is not an open relay", Policy, ""},
	{"relay look-alike", "550 This server is not an open relay", Other, ""},
	{"relay look-alike", "550 We are not vulnerable to open relay attacks: relaying denied for bob@example.org", Policy, ""},
	{"relay look-alike", "550 Relay access denied", Policy, ""},
	{"relay look-alike", "550 we are not an open relay", Other, ""},
	{"relay look-alike", "554 open relay test: relaying denied", Policy, ""},
	{"relay look-alike", "550 Open relay test of recipient server failed", Other, ""},
	{"relay look-alike", "550 This server performs an open relay test on connect", Other, ""},
	{"relay look-alike", "550 5.7.1 Our server is not an open relay; relaying denied", Policy, ""},
	{"access look-alike", "550 Access denied: authentication required", Other, ""},
	{"access look-alike", "535 5.7.8 Access denied: invalid credentials", Other, ""},
	{"access look-alike", "550 Access denied: recipient is not listed in the address book", Other, ""},
	{"access look-alike", "550 Access denied: 192.0.2.1 is not listed in our whitelist", Other, ""},
	{"access look-alike", "550 Access denied: 192.0.2.1 not listed in whitelist.example.org", Other, ""},
	{"access look-alike", "550 Access denied: sender is listed in the address book of the recipient", Other, ""},
	{"access look-alike", "550 Sender bob@example.com is listed in the recipient's address book as blocked", Other, ""},
	{"access look-alike", "550 Access denied: recipient bob@example.org listed in example.org's address book", Other, ""},
	{"access look-alike", "550 Access denied: recipient %s is not listed in %s", Other, ""},
	{"access look-alike", "550 Access denied to %s: authentication required", Other, ""},
	{"access look-alike", "550 Recipient %s rejected: listed in %s address book", Other, ""},
}

// TestOpenRelayFamilies: every row gets the category its kind has.
func TestOpenRelayFamilies(t *testing.T) { checkFamilies(t, openRelayFamilies) }

// TestListedBesideVeto: a refusal that names the zone our address is
// listed in names that list, however the local policy is worded around
// it.
func TestListedBesideVeto(t *testing.T) {
	checkNamedList(t, []namedListRow{
		{"550 Access denied to 192.0.2.1 (listed in relays.example.org)", "relays.example.org"},
		{"550 Access denied to 192.0.2.1: This address is vulnerable to open-relay/open-proxy attacks (listed in relays.example.org)", "relays.example.org"},
		{"554 Your host 192.0.2.1 is an open proxy (listed in proxies.example.net)", "proxies.example.net"},
		{"550 Access denied to sender address bob@example.com (domain is listed by rhsbl.example.net)", "rhsbl.example.net"},
	})
}

// namedListRow: a block-list refusal of provider unknown and the list it
// names ("" for none).
type namedListRow struct{ text, list string }

// checkNamedList reports the rows that are not a block-list refusal of
// provider unknown naming their list (found named), or naming none.
func checkNamedList(t *testing.T, rows []namedListRow) {
	t.Helper()
	c := Default()
	for _, tc := range rows {
		v := c.Classify(InputFromText(tc.text, ""))
		ok := v.Category == Blocklist && v.Provider == Unknown && v.List == tc.list
		if tc.list != "" && v.Found != FoundNamed {
			ok = false
		}
		if !ok {
			t.Errorf("%q: %s/%q found %q list %q (rule %s), want blocklist/unknown list %q", tc.text, v.Category, v.Provider, v.Found, v.List, v.Rule, tc.list)
		}
	}
}
