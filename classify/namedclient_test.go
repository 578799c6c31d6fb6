package classify

import "testing"

// namedClientFamilies (issue 14, twenty-second round): a refusal of
// another kind that names our address as the client — a relay network
// it is not in, an IP version required, failed logins, an SMTP
// smuggling attempt — says nothing of a listing, though "IP 192.0.2.1"
// and a refusal word stand side by side. Our address listed, blocked for
// spam, or on a zone beside the same words stays a block. Rows written
// by hand, each verdict before the classifier ran.
var namedClientFamilies = []familyRow{
	{"relay networks", "554 5.7.1 Denied: 192.0.2.1 not in mynetworks", Other, ""},
	{"relay networks", "554 5.7.1 Relay denied: client 192.0.2.1 is not in my networks", Other, ""},
	{"relay networks", "550 5.7.1 Rejected: 192.0.2.1 is outside the allowed networks", Other, ""},
	{"relay networks", "550 5.7.1 Client host 192.0.2.1 is not in the trusted networks", Other, ""},
	{"ip version", "550 5.7.1 Connection from 192.0.2.1 refused: IPv6 required", Other, ""},
	{"ip version", "550 5.7.1 Your IP 192.0.2.1 is refused: this server only accepts mail over IPv6", Other, ""},
	{"ip version", "550 5.7.1 Mail via IPv4 is not accepted from 192.0.2.1", Other, ""},
	{"ip version", "550 5.7.510 Access denied, example.com does not accept email over IPv4", Other, ""},
	{"failed logins", "421 4.7.0 Ihre IP wurde wegen fehlgeschlagener Anmeldungen gesperrt", Other, ""},
	{"failed logins", "421 4.7.0 Ihre IP-Adresse 192.0.2.1 ist nach zu vielen Anmeldeversuchen gesperrt", Other, ""},
	{"failed logins", "421 4.7.0 Twoje IP zostało zablokowane po nieudanych logowaniach", Other, ""},
	{"failed logins", "421 4.7.0 Uw IP is geblokkeerd na mislukte inlogpogingen", Other, ""},
	{"failed logins", "421 4.7.0 Ваш IP заблокирован после неудачных попыток входа", Other, ""},
	{"failed logins", "421 4.7.0 IP adresiniz başarısız giriş denemeleri nedeniyle engellendi", Other, ""},
	{"failed logins", "421 4.7.0 Il tuo IP è stato bloccato per troppi tentativi di accesso", Other, ""},
	{"smuggling", "554 5.7.1 SMTP smuggling attempt from 192.0.2.1 blocked", Other, ""},
	{"smuggling", "554 5.5.0 Blocked: SMTP smuggling detected from 192.0.2.1", Other, ""},
	// look-alikes: our address listed or blocked for spam beside the same words
	{"look-alike", "550 5.7.1 Your IP 192.0.2.1 is blacklisted; only mynetworks may relay", Blocklist, ""},
	{"look-alike", "550 5.7.1 IPv6 address 2001:db8::1 is listed in bl.example.org", Blocklist, ""},
	{"look-alike", "421 4.7.0 Ihre IP ist wegen Spam gesperrt", Blocklist, ""},
	{"look-alike", "554 Ihre IP 192.0.2.1 steht auf der Blacklist", Blocklist, ""},
	{"look-alike", "554 5.7.1 Your IP 192.0.2.1 is blocked for sending spam", Blocklist, ""},
	{"look-alike", "554 5.7.1 Client host [192.0.2.1] blocked using bl.example.org; not in mynetworks", Blocklist, ""},
}

func TestNamedClientFamilies(t *testing.T) { checkFamilies(t, namedClientFamilies) }
