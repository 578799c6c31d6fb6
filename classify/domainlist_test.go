package classify

import "testing"

// Issue 14, twenty-second round (rules27): other failures in a block
// list's words, by class. Rows written by hand, each verdict before the
// classifier ran on it; labels by ../shared/corpus/NOTES.md and the
// issue's words ("the sending IP, host or domain refused as blocked,
// listed, blacklisted, denied, low reputation").

// domainListFamilies: a list the recipient domain, an account, a
// mailbox, an organisation, a group or a mailing list keeps of the
// senders it will not take ("551 Sender is on domain's blacklist",
// "Recipient blocklisting in effect") is the recipient's setting on our
// sender address — NOTES.md's recipient-organisation blocks,
// none:recipient_policy — not a listing of our IP. Our address, host or
// server on that list, a list service or a zone beside it, and a bare
// "Blocklisting in effect" (whose list the text does not tell) stay
// block-list refusals.
var domainListFamilies = []familyRow{
	{"domain's list", "551 Sender is on domain's blacklist", Other, ""},
	{"domain's list", "550 Sender is on domain's blacklist", Other, ""},
	{"domain's list", "551 5.7.1 Sender is on domain's blacklist", Other, ""},
	{"domain's list", "550 5.7.1 Sender is on the domain's blacklist", Other, ""},
	{"domain's list", "550 Sender is on the recipient domain's blacklist", Other, ""},
	{"domain's list", "550 Sender on domain's block list", Other, ""},
	{"domain's list", "550 5.7.1 Sender is on this domain's blocklist", Other, ""},
	{"domain's list", "554 5.7.1 Sender is on domain's deny list", Other, ""},
	{"domain's list", "550 5.7.1 <a@example.org>: Sender is on the blacklist of this domain", Other, ""},
	{"domain's list", "550 5.7.1 Your address is on the block list of the domain", Other, ""},
	{"domain's list", "550 Sender is on domain's blacklist [192.0.2.1]", Other, ""},
	{"domain's list", "550 Sender is on domain's blacklist from 192.0.2.1", Other, ""},
	{"domain's list", "host mx.example.org[192.0.2.9] said: 551 Sender is on domain's blacklist (in reply to RCPT TO command)", Other, ""},
	{"recipient blocklisting", "550 5.7.1 Recipient blocklisting in effect", Other, ""},
	{"recipient blocklisting", "550 Recipient blocklisting in effect", Other, ""},
	{"recipient blocklisting", "550 5.7.1 <a@example.org>: Recipient blocklisting in effect", Other, ""},
	{"recipient blocklisting", "550 5.7.1 Recipient blacklisting in effect", Other, ""},
	{"recipient blocklisting", "554 User blacklisting in effect for this sender", Other, ""},
	{"other languages", "550 5.7.1 Absender steht auf der Blacklist der Domain", Other, ""},
	{"other languages", "550 5.7.1 L'expéditeur est sur la liste noire du domaine", Other, ""},
	{"other languages", "550 5.7.1 L'expediteur est sur la liste noire du domaine", Other, ""},
	{"other languages", "550 5.7.1 El remitente está en la lista negra del dominio", Other, ""},
	{"other languages", "550 5.7.1 Il mittente è nella blacklist del dominio", Other, ""},
	{"other languages", "550 5.7.1 O remetente está na lista negra do domínio", Other, ""},
	{"other languages", "550 5.7.1 Отправитель находится в черном списке домена", Other, ""},
	{"other languages", "550 5.7.1 Nadawca znajduje się na czarnej liście domeny", Other, ""},
	{"other languages", "550 5.7.1 Odesílatel je na černé listině domény", Other, ""},
	{"other languages", "550 5.7.1 Afzender staat op de zwarte lijst van het domein", Other, ""},
	{"other languages", "550 5.7.1 发件人在收件域的黑名单中", Other, ""},
	{"other languages", "550 5.7.1 送信者は受信者のブラックリストに登録されています", Other, ""},
	{"account's list", "550 Your address is on the blacklist of this mailbox", Other, ""},
	{"account's list", "550 5.7.1 The sender is on the account's blacklist", Other, ""},
	{"account's list", "550 5.7.1 Rejected: your address is on the block list of this mailbox", Other, ""},
	{"account's list", "550 5.7.1 Sender is on the account blacklist", Other, ""},
	{"account's list", "550 5.7.1 Sender is on the organization's blacklist", Other, ""},
	{"account's list", "550 5.7.1 Sender is on the company's block list", Other, ""},
	{"account's list", "550 5.7.1 Sender is on the admin's blacklist", Other, ""},
	{"account's list", "550 5.7.1 Rejected: sender on the group's blacklist", Other, ""},
	{"account's list", "550 5.7.1 The sender is on the list's ban list", Other, ""},
	{"account's list", "550 5.7.1 Sender is on the deny list of this tenant", Other, ""},
	{"account's list", "550 5.7.1 Absender steht auf der Blacklist dieses Postfachs", Other, ""},
	{"account's list", "550 5.7.1 Absender ist in der Sperrliste des Kontos", Other, ""},
	{"account's list", "550 5.7.1 L'expéditeur est sur la liste noire de cette boîte", Other, ""},
	{"account's list", "550 5.7.1 El remitente está en la lista negra de la cuenta", Other, ""},
	{"account's list", "550 5.7.1 Отправитель в черном списке почтового ящика", Other, ""},
	{"account's list", "550 5.7.1 Отправитель в черном списке пользователя", Other, ""},
	{"account's list", "550 5.7.1 Nadawca jest na czarnej liście użytkownika", Other, ""},
	// look-alikes: our side on that list, a list named, a list no one owns,
	// the receiver's own list (NOTES.md's unknown: "our internal reject
	// list", a local LDAP list)
	{"look-alike", "550 5.7.1 Your IP 192.0.2.1 is on the account's blacklist", Blocklist, ""},
	{"look-alike", "550 5.7.1 Client host [192.0.2.1] is on the organization's block list", Blocklist, ""},
	{"look-alike", "550 5.7.1 Sender is on the server's blacklist", Blocklist, ""},
	{"look-alike", "550 5.7.1 Sender is on our blacklist", Blocklist, ""},
	{"look-alike", "550 5.7.1 Sender is on the local blacklist", Blocklist, ""},
	{"look-alike", "550 Your IP 192.0.2.1 is on the domain's blacklist", Blocklist, ""},
	{"look-alike", "550 5.7.1 Client host [192.0.2.1] is on this domain's block list", Blocklist, ""},
	{"look-alike", "550 5.7.1 Your mail server is on the recipient domain's blacklist", Blocklist, ""},
	{"look-alike", "554 5.7.1 Rejected: your IP is on this domain's blacklist", Blocklist, ""},
	{"look-alike", "550 5.7.1 Sending host 192.0.2.1 is on the domain's deny list", Blocklist, ""},
	{"look-alike", "550 Sender is on domain's blacklist (listed in bl.example.org)", Blocklist, ""},
	{"look-alike", "550 5.7.1 Sender is on domain's blacklist: RBL hit", Blocklist, ""},
	{"look-alike", "550 Blocklisting in effect", Blocklist, ""},
	{"look-alike", "550 5.7.1 Your domain's IP is on a blacklist", Blocklist, ""},
	{"look-alike", "550 5.7.1 Die IP-Adresse steht auf der Blacklist der Domain", Blocklist, ""},
	{"look-alike", "550 5.7.1 Votre adresse IP est sur la liste noire du domaine", Blocklist, ""},
	{"look-alike", "550 5.7.1 Su dirección IP está en la lista negra del dominio", Blocklist, ""},
	{"look-alike", "550 5.7.1 Ваш IP адрес в черном списке домена", Blocklist, ""},
}

func TestDomainListFamilies(t *testing.T) { checkFamilies(t, domainListFamilies) }

// senderAddressListFamilies: a mail address said to be on a list, before
// the verb ("<a@example.org> is on our block list", "a@example.org is
// blacklisted here"), and the envelope's "MAIL FROM blacklisted", are the
// sender address's refusal (the 'blocked sender' veto), not our IP's; a
// host or an address in angle brackets ("<mx.example.net> is blocked",
// "521 <192.0.2.1> is blocked") and a terse "blacklisted (a@example.org)"
// (dev7.tsv) stay blocks.
var senderAddressListFamilies = []familyRow{
	{"address listed", "550 5.7.1 <a@example.org> is on our block list", Other, ""},
	{"address listed", "550 5.7.1 a@example.org is blacklisted here", Other, ""},
	{"address listed", "553 5.7.1 a@example.org is in the blacklist", Other, ""},
	{"address listed", "550 a@example.org has been blocked by the administrator", Other, ""},
	{"address listed", "554 5.7.1 <a@example.org> is on the local sender blacklist", Other, ""},
	{"address listed", "553 5.7.1 MAIL FROM blacklisted", Other, ""},
	{"address listed", "553 MAIL FROM address is blacklisted", Other, ""},
	{"look-alike", "550 5.7.1 <mx.example.net> is blocked", Blocklist, ""},
	{"look-alike", "521 <192.0.2.1> is blocked", Blocklist, "att"},
	{"look-alike", "554 blacklisted (a@example.org)", Blocklist, ""},
	{"look-alike", "550 5.7.1 Mail from 192.0.2.1 blacklisted", Blocklist, ""},
	{"look-alike", "550 <a@example.org> is blacklisted: your IP 192.0.2.1 is listed in bl.example.org", Blocklist, ""},
}

func TestSenderAddressListFamilies(t *testing.T) { checkFamilies(t, senderAddressListFamilies) }
