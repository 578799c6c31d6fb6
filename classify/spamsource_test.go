package classify

import "testing"

// Issue 14, sixteenth round, third kind: a host refused for what it has
// sent, in the site's own words, naming no list — and, on the other side
// of the line, a message judged spam. The line: a block-list refusal
// says it of our side (the IP, host, server, network, domain, site or
// "you", or the access or connection it makes) and of a habit or a past
// ("has sent", "sends", "a known source", "spam-only", "a history of
// spam", "no spammers here"); a content refusal says it of this message
// (the message, email or content "looks like", "is", "was detected or
// classified as" spam, a spam score, a filter's verdict). A sender
// address refused as a spammer's (sendmail's "<addr>... We don't accept
// mail from spammers") is the sender address's. Rows written by hand, in
// several languages, each verdict before the classifier ran.
var spamSourceFamilies = []familyRow{
	{"host", "550 We do not accept mail from your IP address, which has sent or tried to send spam", Blocklist, ""},
	{"host", "550 Your server is a known spam source", Blocklist, ""},
	{"host", "554 Your host has sent spam to us before", Blocklist, ""},
	{"host", "550 We don't like spam here", Blocklist, ""},
	{"host", "550 We don't like spammers here", Blocklist, ""},
	{"host", "550 No spammers", Blocklist, ""},
	{"host", "550 No spammers allowed", Blocklist, ""},
	{"host", "550 Access denied. Spam.", Blocklist, ""},
	{"host", "550 Access denied - spam", Blocklist, ""},
	{"host", "550 Access denied (spam)", Blocklist, ""},
	{"host", "550 Connection denied: spam", Blocklist, ""},
	{"host", "554 Hosts on our list of spam-only senders are refused", Blocklist, ""},
	{"host", "550 Your domain only sends spam", Blocklist, ""},
	{"host", "550 This domain sends nothing but spam", Blocklist, ""},
	{"host", "550 This IP has been sending spam", Blocklist, ""},
	{"host", "550 Your mail server has been identified as a spam source", Blocklist, ""},
	{"host", "554 Connection refused: spam source", Blocklist, ""},
	{"host", "550 Mail from spam-sending hosts is not accepted", Blocklist, ""},
	{"host", "550 Your IP is a source of spam", Blocklist, ""},
	{"host", "550 5.7.1 Your network has a history of sending spam", Blocklist, ""},
	{"host", "550 Your IP has a history of spam", Blocklist, ""},
	{"host", "550 We have received spam from your server", Blocklist, ""},
	{"host", "550 We have received spam from this address before", Blocklist, ""},
	{"host", "550 Sender host known for spamming", Blocklist, ""},
	{"host", "550 We do not accept mail from hosts that send spam", Blocklist, ""},
	{"host", "550 We do not accept mail from servers that have sent spam", Blocklist, ""},
	{"host", "550 We block hosts that send us spam", Blocklist, ""},
	{"host", "550 This IP sent us spam", Blocklist, ""},
	{"host", "550 Your IP address sends too much spam", Blocklist, ""},
	{"host", "550 Too much spam from your network", Blocklist, ""},
	{"host", "550 You are a spammer", Blocklist, ""},
	{"host", "550 You have sent spam to our users; go away", Blocklist, ""},
	{"host", "550 Access denied: this host sends spam", Blocklist, ""},
	{"host", "550 Refused. Your site sends spam", Blocklist, ""},
	{"host", "550 Your site has sent us spam", Blocklist, ""},
	{"host", "550 Your host is a spam-only host", Blocklist, ""},
	{"host", "550 Known spam host", Blocklist, ""},
	{"host", "550 Known spammer", Blocklist, ""},
	{"host", "550 Known spam sender", Blocklist, ""},
	{"host", "550 Spam-only sender refused", Blocklist, ""},
	{"host", "550 Ihr Server ist als Spamquelle bekannt", Blocklist, ""},
	{"host", "550 Ihr Server hat Spam versendet", Blocklist, ""},
	{"host", "550 Votre serveur est une source de spam connue", Blocklist, ""},
	{"host", "550 Votre serveur a envoyé du spam", Blocklist, ""},
	{"host", "550 Su servidor es una fuente conocida de spam", Blocklist, ""},
	{"host", "550 Su servidor ha enviado spam", Blocklist, ""},
	{"host", "550 Il tuo server è una fonte di spam nota", Blocklist, ""},
	{"host", "550 Seu servidor é uma fonte conhecida de spam", Blocklist, ""},
	{"host", "550 Ваш сервер рассылает спам", Blocklist, ""},

	// The message judged spam; a spammer's sender address; the
	// recipient's own wish.
	{"message", "550 5.7.1 Message looks like spam", Other, ""},
	{"message", "550 Spam score 12.3 > 5.0", Other, ""},
	{"message", "554 5.7.1 Message rejected as spam", Other, ""},
	{"message", "550 Rejected as spam", Other, ""},
	{"message", "550 Content rejected", Other, ""},
	{"message", "550 5.7.1 Your message was rejected as spam by the content filter", Other, ""},
	{"message", "550 This message has been classified as spam", Other, ""},
	{"message", "554 Rejected: message contains spam-like content", Other, ""},
	{"message", "550 High probability of spam", Other, ""},
	{"message", "550 Spam detected", Other, ""},
	{"message", "550 Message rejected: spam (score 9.1)", Other, ""},
	{"message", "550 SPAM: message refused", Other, ""},
	{"message", "550 Mail appears to be unsolicited", Other, ""},
	{"message", "550 The email you sent was detected as spam", Other, ""},
	{"message", "550 Your email looks like spam", Other, ""},
	{"message", "550 This mail has been identified as spam", Other, ""},
	{"message", "550 Rejected: spam content", Other, ""},
	{"message", "554 Refused: the message you sent is spam", Other, ""},
	{"message", "550 Access denied: message is spam", Other, ""},
	{"message", "550 Your message seems to be spam", Other, ""},
	{"message", "550 This message is known spam", Other, ""},
	{"message", "550 Your message was rejected: it was sent to a spam trap address", Other, ""},
	{"message", "550 This message has been sent as spam before", Other, ""},
	{"message", "550 Message refused: spam", Other, ""},
	{"message", "550 Message looks like it was sent by a spammer", Other, ""},
	{"message", "550 Spam not accepted: message blocked by content filter", Other, ""},
	{"message", "550 Your message contains spam keywords", Other, ""},
	{"message", "550 Ihre Nachricht wurde als Spam erkannt", Other, ""},
	{"message", "550 Votre message a été identifié comme spam", Other, ""},
	{"message", "550 Su mensaje fue rechazado como spam", Other, ""},
	{"message", "550 Ваше сообщение похоже на спам", Other, ""},
	{"sender", "550 <spammer@example.org>... We don't accept mail from spammers", Other, ""},
	{"sender", "550 Sender address rejected: spam sender", Other, ""},
	{"recipient", "550 5.7.1 Recipient does not want spam", Other, ""},
	{"recipient", "550 Spam is not welcome in this mailbox", Other, ""},
}

// TestSpamSourceFamilies: see checkFamilies.
func TestSpamSourceFamilies(t *testing.T) { checkFamilies(t, spamSourceFamilies) }
