package classify

import "testing"

// clientEchoFamilies (issue 14, twenty-second round): a receiver that
// names the client in a closing parenthesis after another reason — "550
// Spam Rejected (client 192.0.2.1)", "(host 192.0.2.1)", "(IP:
// 192.0.2.1)" — echoes the address as it does in brackets (the
// twenty-first round's "[192.0.2.1]" and closing "from 192.0.2.1"): the
// reason decides, the address is no cue. A terse refusal of the address
// itself ("550 Blocked (client 192.0.2.1)", as "550 Blocked
// [192.0.2.1]") and our address refused or listed before the echo stay
// blocks. Also a filter's score of the message ("message scored 8.5")
// is the content's. Rows written by hand, each verdict before the
// classifier ran.
var clientEchoFamilies = []familyRow{
	{"echo", "550 Spam Rejected (client 192.0.2.1)", Other, ""},
	{"echo", "550 Message rejected (client 192.0.2.1)", Other, ""},
	{"echo", "550 5.7.1 Message refused as spam (host 192.0.2.1)", Other, ""},
	{"echo", "554 5.7.1 Rejected: SPAM (IP: 192.0.2.1)", Other, ""},
	{"echo", "550 5.1.1 User unknown (client 192.0.2.1)", Other, ""},
	{"echo", "552 5.2.2 Mailbox full (client 192.0.2.1)", Other, ""},
	{"echo", "421 4.7.0 Too many connections (client 192.0.2.1)", Other, ""},
	{"echo", "450 4.7.1 Greylisted, please try again later (client 192.0.2.1)", Other, ""},
	{"echo", "554 5.7.1 Relay access denied (client 192.0.2.1)", Other, ""},
	{"echo", "535 5.7.8 Authentication credentials invalid (host 192.0.2.1)", Other, ""},
	{"echo", "550 5.7.1 SPF check failed (IP: 192.0.2.1)", Other, ""},
	{"echo", "550 5.7.1 Message content rejected (sender 192.0.2.1)", Other, ""},
	{"echo", "550 5.7.1 Virus found in message (source 192.0.2.1)", Other, ""},
	{"echo", "550 5.7.1 Rejected (IP: 192.0.2.1)", Other, ""},
	{"echo", "host mx.example.org[192.0.2.9] said: 550 Spam Rejected (client 192.0.2.1) (in reply to end of DATA command)", Other, ""},
	{"score", "554 5.7.1 Blocked SPAM from 192.0.2.1: message scored 8.5", Other, ""},
	{"score", "550 This message scored 15.2 spam points", Other, ""},
	// look-alikes: the address refused or listed, tersely or before the echo
	{"look-alike", "550 Blocked (client 192.0.2.1)", Blocklist, ""},
	{"look-alike", "550 Blocked (host 192.0.2.1)", Blocklist, ""},
	{"look-alike", "550 Banned (IP 192.0.2.1)", Blocklist, ""},
	{"look-alike", "550 Blocked [192.0.2.1]", Blocklist, ""},
	{"look-alike", "550 Your IP is blacklisted (client 192.0.2.1)", Blocklist, ""},
	{"look-alike", "554 Client host rejected: listed in bl.example.org (client 192.0.2.1)", Blocklist, ""},
	{"look-alike", "550 5.7.1 Your IP 192.0.2.1 is blacklisted; message scored 8.5", Blocklist, ""},
	{"look-alike", "554 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org (client 192.0.2.1)", Blocklist, "spamhaus"},
}

func TestClientEchoFamilies(t *testing.T) { checkFamilies(t, clientEchoFamilies) }

// spamFromFamilies: spam detected, or spam from an address refused, in
// the languages the block cues read ("Spam erkannt (IP 192.0.2.1)",
// "Spam von 192.0.2.1 abgelehnt", "Спам от 192.0.2.1 отклонен") is the
// message's content, as "Rejected: SPAM from 192.0.2.1" is in English;
// too much spam from our address, or our address on a black list said
// beside it in the same language, stays a block.
var spamFromFamilies = []familyRow{
	{"spam detected", "550 5.7.1 Spam erkannt (IP 192.0.2.1, Score 12.3)", Other, ""},
	{"spam detected", "550 5.7.1 Spam détecté - IP 192.0.2.1", Other, ""},
	{"spam detected", "550 5.7.1 Spam detectado - IP 192.0.2.1", Other, ""},
	{"spam detected", "550 5.7.1 Spam rilevato (IP 192.0.2.1)", Other, ""},
	{"spam detected", "550 5.7.1 Спам обнаружен, IP 192.0.2.1", Other, ""},
	{"spam detected", "550 5.7.1 Wykryto spam (IP 192.0.2.1)", Other, ""},
	{"spam from", "550 Spam from 192.0.2.1 rejected", Other, ""},
	{"spam from", "550 5.7.1 Spam von 192.0.2.1 abgelehnt", Other, ""},
	{"spam from", "550 5.7.1 Spam de 192.0.2.1 rejeté", Other, ""},
	{"spam from", "550 5.7.1 Spam desde 192.0.2.1 rechazado", Other, ""},
	{"spam from", "550 5.7.1 Спам от 192.0.2.1 отклонен", Other, ""},
	{"look-alike", "550 Too much spam from 192.0.2.1", Blocklist, ""},
	{"look-alike", "550 Spam from your IP rejected", Blocklist, ""},
	{"look-alike", "550 Spam from 192.0.2.1 blocked: 192.0.2.1 is listed in bl.example.org", Blocklist, ""},
	{"look-alike", "554 Spam von 192.0.2.1 abgelehnt: IP steht auf der Blacklist", Blocklist, ""},
	{"look-alike", "554 Spam erkannt: Ihre IP steht auf der Blacklist", Blocklist, ""},
	{"look-alike", "554 Spam détecté : votre IP est sur liste noire", Blocklist, ""},
}

func TestSpamFromFamilies(t *testing.T) { checkFamilies(t, spamFromFamilies) }
