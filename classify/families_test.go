package classify

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The families below are synthetic: variants, written by kind, of how a
// receiver refuses our sending address for its reputation or a listing,
// and of the refusals that look like one but are not (issue 14, the
// generic layer). They are unit tests of the generic layer — each row's
// label is what a postmaster would say, written before the classifier was
// run on it — never an accuracy figure: only real replies measure that
// (testdata/README.md).

// blocklistFamilies: refusals of our address, host, network or domain for
// its standing, naming no list and no receiver: each must be a blocklist
// verdict of provider "unknown".
var blocklistFamilies = []struct{ kind, text string }{
	// the address blocked, listed, banned, denied
	{"ip blocked", "550 5.7.1 Your IP address 203.0.113.7 has been blocked"},
	{"ip blocked", "421 4.7.1 Your IP is temporarily blocked, try again later"},
	{"ip blocked", "554 5.7.1 Service unavailable; client host [203.0.113.7] blocked"},
	{"ip blocked", "550 Access from IP address 203.0.113.7 blocked"},
	{"ip blocked", "550 5.7.1 IP 203.0.113.7 is blocked on this server"},
	{"ip blocked", "554 Your mail server is banned from this system"},
	{"ip blocked", "550 This IP has been banned for sending spam"},
	{"ip blocked", "550 5.7.1 The sending IP 203.0.113.7 has been blacklisted"},
	{"ip blocked", "550 IP 203.0.113.7 blacklisted, contact postmaster"},
	{"ip blocked", "550 5.7.1 Connection refused: blacklisted sender IP"},
	{"ip blocked", "550 5.7.1 Your IP has been temporarily blocked due to suspicious activity"},
	{"ip blocked", "554 5.7.1 Your IP range has been blocked because of abuse"},
	{"ip blocked", "421 4.7.0 Connections from 203.0.113.7 are temporarily refused"},
	{"ip blocked", "550 5.7.1 Mail from your ISP is currently blocked"},
	{"ip blocked", "554 5.7.1 Your network has been blocked by our mail system"},
	{"ip blocked", "550 5.7.1 Sending host 203.0.113.7 denied"},
	{"ip blocked", "550 Mail from your network is not welcome here"},
	{"ip blocked", "421 Temporarily refusing mail from 203.0.113.7 due to reputation"},
	{"ip blocked", "550 We are not currently accepting mail from your IP address"},
	{"ip blocked", "554 No SMTP service here for your IP"},
	// on our list, a spam list, a DNSBL
	{"on a list", "421 4.7.0 Temporarily rejected: the sending IP is on our block list"},
	{"on a list", "550 Denied due to spam list"},
	{"on a list", "421 4.7.1 203.0.113.7 deferred: sender on DNSBL"},
	{"on a list", "550 Rejected: the connecting IP is listed on an RBL"},
	{"on a list", "554 Refused. Your IP address is listed in our spam database"},
	{"on a list", "421 Service not available: your IP address is on a denylist"},
	{"on a list", "554 Your IP is in our blocklist"},
	{"on a list", "550 5.7.1 Email rejected: sender IP on internal blacklist"},
	{"on a list", "550 SMTP connection refused: IP on DNS blocklist"},
	{"on a list", "550 Your mail server is on a spam blacklist"},
	{"on a list", "554 5.7.1 rejected because your IP is in a blacklist"},
	{"on a list", "550 5.7.1 Refused due to local policy. IP 203.0.113.7 is on our block list"},
	{"on a list", "550 Your server is listed on a blocklist, see http://blocklist.example.net/lookup"},
	{"on a list", "550 5.7.1 Your email provider's IP is on our block list"},
	// reputation
	{"reputation", "550 5.7.1 Your IP address 203.0.113.7 has been blocked due to poor reputation"},
	{"reputation", "550 5.7.1 Message rejected because the sending server has a bad reputation"},
	{"reputation", "451 4.7.1 Temporarily deferred due to low IP reputation"},
	{"reputation", "550 Sending host denied: reputation too low"},
	{"reputation", "550 5.7.1 Sender IP reputation is poor; message rejected"},
	{"reputation", "550 5.7.1 Poor IP reputation (203.0.113.7)"},
	{"reputation", "550 5.7.1 Sender rejected: IP has poor reputation score"},
	{"reputation", "450 4.7.1 Client host rejected: temporarily blocked due to reputation"},
	{"reputation", "550 5.7.1 Your domain has a poor sending reputation"},
	{"reputation", "550 Rejected: your hosting provider's network has a bad reputation"},
	{"reputation", "550 5.7.1 Message rejected due to low reputation of the sending IP"},
	// spam source, known spammer, complaints, abuse
	{"spam source", "550 Mail from 203.0.113.7 refused: your IP is listed as a known spam source"},
	{"spam source", "550 5.7.0 Your ISP's network is listed as a source of spam"},
	{"spam source", "554 5.7.1 Blocked - the sending IP has been reported for abuse"},
	{"spam source", "550 5.7.1 Connection from 203.0.113.7 refused due to spam reports"},
	{"spam source", "554 5.7.1 The sending host is known to send spam"},
	{"spam source", "550 Host 203.0.113.7 is a known spammer"},
	{"spam source", "550 Too many complaints from your IP; mail not accepted"},
	{"spam source", "550 Your IP address has been flagged as a source of spam"},
	{"spam source", "554 5.7.1 Your mail server has been identified as a spam source"},
	{"spam source", "421 4.7.0 Too much spam from your IP, try later"},
	{"spam source", "550 Message rejected: the connecting IP has a history of spam"},
	// end-user address space
	{"dynamic", "550 5.7.1 Mail refused - 203.0.113.7 is a dynamic IP; please use your ISP's relay"},
	{"dynamic", "550 We do not accept mail from dynamic IP addresses"},
	{"dynamic", "550 5.7.1 Client host 203.0.113.7 rejected: residential IP space"},
	{"dynamic", "550 5.7.1 Your IP is not authorized to send mail directly to our servers; please use the relay of your service provider"},
	{"dynamic", "554 Direct mail from dial-up or DSL addresses is not accepted; use your provider's smarthost"},
	// more ways of saying it
	{"more", "550 5.7.1 Mail from this source is rejected due to abuse"},
	{"more", "550 Sorry, your site is blocked"},
	{"more", "550 Sender IP blocked by anti-abuse system"},
	{"more", "554 Transaction failed: the sender's IP has been blocked"},
	{"more", "550 Your server has been blocked for sending bulk mail"},
	{"more", "550 Your mail server is sending spam, contact abuse@example.org"},
	{"more", "421 Too many spam messages from your server. Try again later."},
	{"more", "550 5.7.1 Client host rejected: Your IP is in a list of known spammers"},
	{"more", "550 We have received complaints about mail from your server"},
	{"more", "554 5.7.1 The IP address you are sending from is on a list of addresses that send unsolicited mail"},
	{"more", "550 Your IP is listed as an open proxy"},
	{"more", "550 5.7.1 Rejected - your IP was seen sending to spam traps"},
	{"more", "550 5.7.1 Sorry, we do not accept mail from your hosting provider"},
	{"more", "550 Your IP subnet has been blocked"},
	{"more", "550 AS64500 is blocked here"},
	{"more", "550 Blocked: IP address has been used for spam"},
	{"more", "550 5.7.1 Message rejected: sending server is blacklisted by our provider"},
	{"more", "550 Your message could not be delivered because your IP is on our blacklist"},
	{"more", "421 4.7.1 Deferred: IP reputation check failed"},
	{"more", "550 5.7.1 IP address failed reputation check"},
	{"more", "421 Your connection has been throttled due to poor reputation"},
	{"more", "550 Email from your IP is rejected due to too many spam complaints"},
	{"more", "550 Our spam filter has blocked your IP"},
	{"more", "554 Connection rejected: IP address identified by antispam service"},
	{"more", "550 5.7.1 Your IP address was blocked by our firewall"},
	{"more", "550 5.7.1 Rejected by anti-spam filter: IP in blacklist"},
	{"more", "550 Rejected: your IP address is associated with spam"},
	{"more", "550 5.7.1 Mail from IP 203.0.113.7 is not accepted due to spam"},
	{"more", "550 Spam is not welcome here, your IP is blocked"},
	{"more", "421 mx.example.org Service not available - your IP has a poor reputation, closing transmission channel"},
	{"more", "450 4.7.1 Client host rejected: IP address on temporary block list"},
	{"more", "550 5.7.1 Sending domain example.com has a poor reputation"},
	{"more", "550 5.7.1 Your domain is blacklisted"},
	{"more", "550 The sending domain is listed on a domain blocklist"},
	{"more", "550 5.7.1 Mail from 203.0.113.7 rejected due to user complaints"},
	{"more", "421 4.7.0 Your server is temporarily blocked because of complaints from users"},
	{"more", "550 The sending IP address 203.0.113.7 is listed on our blocklist (found in envelope/header From)"},
	{"more", "550 5.7.1 Rejected for policy reasons: we do not accept mail from dynamic IP's"},
	// the same template with other verbs and shapes
	{"verbs", "550 5.7.1 Service unavailable; client [203.0.113.7] denied using bl.example.net"},
	{"verbs", "554 5.7.1 Service unavailable; Sender address [a@example.org] rejected using dbl.example.net"},
	{"verbs", "521 <203.0.113.7> is denied"},
	{"verbs", "550 Error. Denied for abuse"},
	{"verbs", "550 Sorry, no access for this host"},
	{"verbs", "550 suspected spam host"},
	{"verbs", "421 4.7.0 Too much unsolicited mail from your mail server"},
	{"verbs", "421 Your IP address has a very low standing"},
	{"verbs", "550 5.7.1 host address blacklisted by recipient"},
	// the recipient's system, not a user, blocked our address (issue 14,
	// tenth round: beside the user's own block in otherFamilies)
	{"verbs", "550 5.7.1 Your IP 203.0.113.7 has been blocked by the recipient's mail server"},
	{"verbs", "554 IP address 203.0.113.7 blacklisted by the recipient's firewall"},
	// a terse reply that says only what a list called us (tenth round)
	{"terse", "554 Open relay"},
	{"terse", "550 5.7.1 Open proxy listed"},
	// a refusal based on the relay that connected (tenth round: dev8.tsv
	// row 11's kind)
	{"relay's address", "550 Mail denied, based on relay 203.0.113.7"},
	{"relay's address", "553 Message refused based on the sending relay [203.0.113.7]"},
	// a receiver's words that are anyone's English, without its template's
	// stem (tenth round)
	{"anyone's words", "550 5.7.1 Sorry, traffic not accepted from this IP 203.0.113.7"},
	{"verbs", "554 5.7.1 Service unavailable; client [203.0.113.7] blocked"},
	{"verbs", "550 tutanota is temporarily blocked"},
	{"verbs", "553 5.7.1 Client host rejected: Relaying denied - your IP identified as spam source"},
	{"listed", "550 Your IP 203.0.113.7 appears on a public blocklist"},
	{"listed", "550 The sending IP (203.0.113.7) was found on https://lists.example.net/"},
	{"listed", "554 Your sender's IP address was found at dnsbl.example.net"},
	{"listed", "550 The IP address of the sender was found in a DNS denylist and was refused"},
	{"dynamic", "554 Dialup host not allowed, use your provider's mail server"},
	// a wrapper before the reason is no recipient refusal
	{"wrapper", "550 Mailbox unavailable. The server response was: 554 5.7.1 Mail from 203.0.113.7 refused, too much spam from your network"},
	{"wrapper", "550 Requested action not taken: mailbox unavailable. Connection from 203.0.113.7 refused: known spam source"},
	{"more", "550 5.7.1 IP 203.0.113.7 is on the banlist"},
	{"more", "550 5.7.1 Your IP is in my badips list"},
	{"more", "550 DUL listed"},
	{"more", "554 5.7.1 Sending IP is in a dialup range"},
	{"more", "550 Sender IP is blacklisted"},
	{"more", "550 5.7.1 Sender 203.0.113.7 is blacklisted"},
	{"more", "554 Your IP 203.0.113.7 is blocked for this recipient's domain: listed in our RBL"},
	{"more", "550 action=reject reason=rbl ip=203.0.113.7"},
	{"more", "421 4.7.0 Connection from 203.0.113.7 rate limited due to low reputation"},
	{"more", "550 5.7.1 Sender reputation threshold not met"},
	{"more", "550 Your mail server 203.0.113.7 is a known source of junk mail"},
	{"more", "550 5.7.1 IP 203.0.113.7 is on the junk mail list"},
	{"de", "550 Server des Absenders wegen Spam gesperrt"},
	// German
	{"de", "550 Ihr Server ist als Spamversender bekannt"},
	{"de", "554 Zugriff verweigert: IP-Adresse gesperrt"},
	{"de", "550 Ihre IP-Adresse 203.0.113.7 steht auf einer Blacklist"},
	{"de", "554 Ihr Mailserver wurde wegen Spam gesperrt"},
	{"de", "421 Ihre IP ist vorübergehend gesperrt"},
	{"de", "550 Verbindung abgelehnt: IP-Adresse ist als Spamquelle bekannt"},
	{"de", "550 Die IP-Adresse des sendenden Servers hat eine schlechte Reputation"},
	// French
	{"fr", "550 Votre adresse IP est sur liste noire"},
	{"fr", "554 Votre serveur a été bloqué pour envoi de spam"},
	{"fr", "550 Adresse IP refusée : mauvaise réputation"},
	{"fr", "421 Votre IP est temporairement bloquée"},
	{"fr", "550 Votre serveur est connu pour envoyer du spam"},
	{"fr", "554 Connexion refusée : votre IP figure sur une liste de blocage"},
	// Spanish
	{"es", "550 Su IP ha sido reportada como fuente de spam"},
	{"es", "554 Conexión rechazada: IP en lista de bloqueo"},
	{"es", "550 Su dirección IP está en una lista negra"},
	{"es", "554 Su servidor ha sido bloqueado por envío de spam"},
	{"es", "550 IP rechazada por mala reputación"},
	// Italian
	{"it", "550 Il tuo indirizzo IP è in una lista nera"},
	{"it", "554 Indirizzo IP bloccato per invio di spam"},
	{"it", "550 Il server mittente ha una cattiva reputazione"},
	{"it", "550 Il tuo server è in blacklist"},
	{"it", "421 IP temporaneamente bloccato"},
	// Portuguese
	{"pt", "550 Conexão recusada: IP listado em lista de bloqueio"},
	{"pt", "550 Seu endereço IP está na lista negra"},
	{"pt", "554 Seu servidor foi bloqueado por envio de spam"},
	{"pt", "550 IP bloqueado por má reputação"},
	// Russian
	{"ru", "550 Ваш IP-адрес находится в черном списке"},
	{"ru", "554 Ваш сервер заблокирован за рассылку спама"},
	{"ru", "550 IP-адрес отправителя имеет плохую репутацию"},
	{"ru", "421 Ваш IP временно заблокирован"},
	{"ru", "550 Ваш IP-адрес внесен в стоп-лист"},
	{"ru", "554 Отказано: IP-адрес замечен в рассылке спама"},
	// Chinese
	{"zh", "554 您的IP因发送垃圾邮件被拒绝"},
	{"zh", "421 IP被临时封禁，请稍后再试"},
	{"zh", "550 发信IP信誉差"},
	{"zh", "550 您的IP已被列入黑名单"},
	{"zh", "554 发件IP被封禁"},
	{"zh", "550 该IP信誉度低，拒绝接收"},
	// Japanese
	{"ja", "550 送信元IPアドレスはブラックリストに登録されています"},
	{"ja", "554 お使いのIPアドレスからのメールは拒否されています"},
	{"ja", "550 送信元IPアドレスの評価が低いため受信を拒否しました"},
	{"ja", "421 このIPアドレスからの接続は一時的にブロックされています"},
	// Polish
	{"pl", "550 Twój adres IP jest na czarnej liście"},
	{"pl", "554 Adres IP zablokowany za wysyłanie spamu"},
	{"pl", "550 Serwer nadawcy ma złą reputację"},
	// Dutch
	{"nl", "550 Uw IP-adres staat op een zwarte lijst"},
	{"nl", "554 Uw server is geblokkeerd wegens spam"},
	{"nl", "550 IP-adres geweigerd vanwege slechte reputatie"},
	// Czech
	{"cs", "550 Vaše IP adresa je na černé listině"},
	{"cs", "554 IP adresa odesílatele je blokována kvůli spamu"},
	// Korean
	{"ko", "550 귀하의 IP는 차단되었습니다"},
	{"ko", "554 발송 IP가 블랙리스트에 등록되어 있습니다"},
	{"ko", "550 스팸 발송으로 인해 IP가 차단되었습니다"},
	{"ko", "554 귀하의 메일 서버는 블랙리스트에 등록되어 있습니다"},
	{"ru", "550 Письма с вашего IP не принимаются"},
	{"ro", "550 Adresa IP a serverului dvs. este pe lista neagră"},
	// Hebrew, Arabic, Thai
	{"he", "550 כתובת ה-IP שלך חסומה"},
	{"ar", "550 عنوان IP الخاص بك محظور"},
	{"ar", "554 عنوان IP الخاص بخادمك مدرج في القائمة السوداء"},
	{"th", "550 ที่อยู่ IP ของคุณถูกบล็อก"},
	{"th", "554 IP ของเซิร์ฟเวอร์ผู้ส่งอยู่ในบัญชีดำ"},
	// Turkish, Swedish
	{"tr", "550 IP adresiniz kara listede"},
	{"sv", "550 Din IP-adress är svartlistad"},
	// issue 14, thirteenth round: a list's kind said alone, and the
	// languages of receivers the catalog had few words of
	{"list kind alone", "550 5.7.1 RBL"},
	{"list kind alone", "554 DNSBL"},
	{"list kind alone", "550 RBL Restriction"},
	{"list kind alone", "554 5.7.1 RBL hit"},
	{"list kind alone", "421 4.7.1 DNSBLs"},
	{"list kind alone", "553: RBL"},
	{"fa", "554 آی‌پی سرور شما مسدود شده است"},
	{"fa", "550 ارسال از این آی پی به دلیل هرزنامه مسدود شده است"},
	{"fa", "550 آدرس آی پی شما در لیست سیاه قرار دارد"},
	{"hi", "550 आपका आईपी पता ब्लॉक कर दिया गया है"},
	{"hi", "550 सर्वर आईपी काली सूची में है"},
	{"hi", "550 आपका आईपी ब्लैकलिस्ट में है"},
	{"hu", "550 A küldő IP-címe tiltólistán szerepel"},
	{"hu", "554 Az Ön IP címe le van tiltva"},
	{"lv", "550 Jūsu servera IP adrese ir bloķēta"},
	{"lv", "550 Jūsu IP adrese ir melnajā sarakstā"},
	{"lt", "550 Jūsų serverio IP adresas užblokuotas"},
	{"lt", "550 Jūsų IP adresas yra juodajame sąraše"},
	{"ms", "550 Alamat IP pelayan anda telah disekat"},
	{"ms", "550 Alamat IP anda dalam senarai hitam"},
	{"sw", "550 IP ya seva yako imezuiliwa kwa sababu ya barua taka"},
	{"sw", "550 IP ya server yako imeorodheshwa kwenye orodha nyeusi"},
	{"sr", "550 Ваша ИП адреса је на црној листи"},
	// a list called by its name or domain, OpenBSD spamd's way, with its
	// placeholder for the address (%A) or the address itself
	{"named list", "450 Your address %A is in the examplebl list."},
	{"named list", "450 Your address 203.0.113.7 is in the examplebl list"},
	{"named list", "451 Your IP 203.0.113.7 is in the bl.example.net list"},
	{"named list", "550 203.0.113.7 is in the traps list, see http://example.net/"},
	{"named list", "450 Your address %A has sent mail to a spamtrap within the last 24 hours"},
	{"named list", "450 Your address %A is on the example.org list. Please stop sending us spam."},
	{"named list", "550 5.7.1 Your IP 203.0.113.7 is in the Example Threats list"},
	{"named list", "450 Your address %A is on the example.net traplist"},
	{"named list", "550 Your server 203.0.113.7 is on our trap list"},
}

// otherFamilies: refusals that share words with the ones above but are
// about something else; none may be a blocklist verdict.
var otherFamilies = []struct{ kind, text string }{
	// the content
	{"content", "550 5.7.1 Message rejected as spam by content filter"},
	{"content", "554 5.7.1 Your message looks like spam and was rejected"},
	{"content", "550 Message blocked: spam score too high (8.5)"},
	{"content", "554 Message refused: suspected spam content"},
	{"content", "550 5.7.1 This message was classified as SPAM and rejected"},
	{"content", "552 5.7.0 Message blocked because it contains a virus"},
	{"content", "554 5.7.1 Rejected: the message contains a URL our filter blocks"},
	{"content", "550 Message rejected due to suspicious links"},
	{"content", "554 5.6.0 Message rejected: attachment type not allowed"},
	{"content", "550 5.7.1 Message from 203.0.113.7 rejected: spam detected in content"},
	{"content", "550 Ihre Nachricht wurde als Spam abgelehnt"},
	{"content", "554 Votre message a été rejeté car il ressemble à du spam"},
	{"content", "550 Su mensaje fue rechazado por contenido sospechoso"},
	{"content", "550 Письмо отклонено: подозрение на спам"},
	{"content", "550 邮件内容被判定为垃圾邮件，拒绝接收"},
	{"content", "550 このメールは迷惑メールと判定されたため拒否されました"},
	// the recipient
	{"recipient", "550 5.1.1 <someone@example.org>: User unknown"},
	{"recipient", "552 5.2.2 Mailbox full"},
	{"recipient", "550 5.2.1 The account you tried to reach is disabled"},
	{"recipient", "550 5.1.1 The email account that you tried to reach does not exist"},
	{"recipient", "452 4.2.2 Over quota, try again later"},
	{"recipient", "550 5.7.1 Recipient not authorized to receive mail from external senders"},
	{"recipient", "550 Empfänger unbekannt"},
	{"recipient", "550 Адресат не найден"},
	// authentication
	{"auth", "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy"},
	{"auth", "550 5.7.1 SPF check failed: 203.0.113.7 is not allowed to send for example.com"},
	{"auth", "550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification"},
	{"auth", "554 5.7.5 DKIM signature verification failed"},
	{"auth", "535 5.7.8 Authentication credentials invalid"},
	{"auth", "550 5.7.1 Sender 203.0.113.7 rejected: SPF hard fail"},
	// rates and connections
	{"rate", "421 4.7.0 Too many connections from your IP, try again later"},
	{"rate", "450 4.7.1 Rate limit exceeded for 203.0.113.7, try again later"},
	{"rate", "421 Too many messages from your IP in a short period, slow down"},
	{"rate", "451 4.7.1 Your IP has exceeded the sending limit for this hour"},
	{"rate", "421 4.7.0 Connection limit reached for your network"},
	{"rate", "421 4.7.0 Your IP is temporarily deferred: too many concurrent connections"},
	// relaying
	{"relay", "554 5.7.1 Relay access denied"},
	{"relay", "550 5.7.1 Unable to relay for user@example.org"},
	{"relay", "550 relaying denied for 203.0.113.7"},
	{"relay", "554 5.7.1 Relaying not permitted from your IP"},
	{"relay", "554 Relay denied, based on relay rules for a@example.org"},
	// greylisting
	{"greylist", "450 4.2.0 Greylisted, please try again later"},
	{"greylist", "451 4.7.1 Please try again later (greylisting)"},
	{"greylist", "450 4.7.1 <a@example.org>: Recipient address rejected: Greylisted for 5 minutes"},
	// a person at the receiving end blocked us by their own choice, even
	// when the reply names our address (issue 14, tenth round:
	// holdout8.tsv row 12's kind)
	{"user's block", "550 Your IP or e-mail address has been blocked by the Acme user"},
	{"user's block", "550 5.7.1 Your IP address was blocked by the recipient"},
	{"user's block", "554 Sorry, the user has blocked you"},
	{"user's block", "550 Delivery from 203.0.113.7 refused: the recipient has blocked your address"},
	{"sender", "550 5.1.1 <a@example.org> sender is listed"},
	// a client that retries too fast or after errors, blocked for a while
	// (policyd-weight's retry penalty and its like; tenth round:
	// holdout8.tsv row 6's kind)
	{"rate", "450 4.7.1 Client host rejected: blocked for 120 seconds because of previous errors, retrying too fast"},
	{"rate", "421 4.7.0 Your IP 203.0.113.7 is temporarily blocked: too many errors, you are retrying too quickly"},
	{"rate", "451 Client host [203.0.113.7] temporarily blocked: reconnecting too fast"},
	{"rate", "421 Too many connections from your IP, blocked for 10 minutes"},
	// the sender address blocked by the recipient
	{"sender", "550 5.7.1 Sender address a@example.org is blocked by the recipient"},
	{"sender", "554 5.7.1 <a@example.org>: Sender address rejected: Access denied"},
	{"sender", "550 Your address has been blocked by the recipient"},
	{"sender", "550 5.7.1 The sender is on the recipient's blocked senders list"},
	{"sender", "553 5.7.1 <a@example.org>: Sender address rejected: not owned by user"},
	{"sender", "550 5.1.8 Sender address rejected: Domain not found"},
	// size, TLS, reverse DNS, protocol
	{"size", "552 5.3.4 Message size exceeds fixed limit"},
	{"size", "552 Message too large"},
	{"tls", "530 5.7.0 Must issue a STARTTLS command first"},
	{"tls", "421 4.7.0 TLS required for this domain"},
	{"rdns", "550 5.7.1 Client host rejected: cannot find your hostname, [203.0.113.7]"},
	{"rdns", "550 Reverse DNS lookup failed for 203.0.113.7"},
	{"rdns", "554 5.7.1 Your IP 203.0.113.7 has no PTR record"},
	{"protocol", "554 5.5.1 Error: no valid recipients"},
	{"protocol", "503 5.5.1 Bad sequence of commands"},
	// policy without a word about our address's standing
	{"policy", "550 5.7.1 Message rejected due to local policy"},
	{"wrapper", "550 Mailbox unavailable. The server response was: 550 5.1.1 User unknown"},
	{"found", "550 5.7.1 Your IP address was not found in our allow list"},
	{"found", "550 5.7.1 Sender IP 203.0.113.7 not found in the SPF record of example.com"},
	{"found", "550 5.7.1 No PTR record found for your IP 203.0.113.7"},
	{"found", "554 5.7.1 Your IP appears in the Received header of a message carrying a virus"},
	{"list word", "554 5.7.1 The recipient does not want your mail. We may feed it to a spam block list."},
	{"list word", "550 User in black list"},
	{"terse", "550 Message is rejected"},
	{"terse", "550 Access is denied"},
	{"terse", "550 Command is rejected"},
	{"terse", "554 Transaction is rejected"},
	{"terse", "550 Permission is denied"},
	{"terse", "550 Login is denied"},
	{"terse", "550 Mailbox is blocked"},
	{"terse", "550 This file is blocked"},
	{"terse", "550 Link is blocked"},
	{"terse", "550 Port is blocked"},
	{"terse", "550 Subject is banned"},
	{"terse", "550 Charset is banned"},
	{"terse", "550 Forwarding is blocked"},
	{"terse", "550 Recipient is blocked"},
	{"ipv6", "550 Connection refused: IPv6 not supported"},
	{"ipv6", "554 5.7.1 Mail via IPv6 is refused, use IPv4"},
	{"auth", "535 Your IP has been blocked for 1 hour due to too many failed authentication attempts"},
	{"sender", "550 5.7.1 Sender blocklisted"},
	{"recipient", "550 User in blocklist"},
	{"access", "554 <unknown[203.0.113.7]>: Client host rejected: Access refused"},
	{"content", "554 5.7.1 blocked as Spam see: http://example.org/help/spam.html"},
	{"wrapper", "550 Requested action not taken: mailbox unavailable"},
	{"wrapper", "550 Requested action not taken: mailbox unavailable (IP 203.0.113.7, user unknown)"},
	{"policy", "554 5.7.1 Delivery not authorized, message refused"},
	{"policy", "550 5.7.1 Mail from this country is not accepted"},
	{"policy", "554 5.7.1 Blocked: the message was sent from a blocked country"},
	{"policy", "550 5.7.1 Your email was blocked by the recipient's organization policy"},
	{"policy", "553 5.7.1 Sender address blocked by administrator"},
	{"policy", "554 5.7.1 Helo name example blocked"},
	{"policy", "550 5.7.1 IP not in whitelist"},
	{"policy", "550 5.7.1 Client IP address not authorized to use this SMTP server"},
	{"policy", "550 5.7.1 Your account has been blocked for sending spam"},
	// more hard look-alikes
	{"content", "550 5.7.1 Message rejected: spam filter triggered"},
	{"content", "554 5.7.1 Your message was blocked by our spam filter"},
	{"content", "550 Our system has detected that this message is likely unsolicited mail"},
	{"content", "554 5.7.1 Spam message rejected; if this is not spam contact abuse@example.org"},
	{"content", "550 High spam score; message from 203.0.113.7 rejected"},
	{"content", "550 5.7.1 Blocked by SpamAssassin"},
	{"content", "550 Junk mail rejected"},
	{"content", "550 5.7.1 Message looks like junk mail"},
	{"sender", "550 Sender a@example.org is on the blacklist of the recipient"},
	{"sender", "550 5.1.1 <a@example.org> sender is blacklisted from 203.0.113.7"},
	{"recipient", "550 sorry, no access for this user from 203.0.113.7"},
	{"relay", "550 5.7.1 Your IP is not allowed to relay"},
	{"rate", "421 4.7.0 Your IP has sent too many messages, try later"},
	{"sender", "550 Sender domain has no MX record"},
	{"de", "550 Nachricht wegen Spamverdacht abgelehnt"},
	{"de", "550 Zu viele Verbindungen von Ihrer IP"},
	{"de", "554 Relaying verweigert"},
	{"de", "550 Absenderadresse abgelehnt"},
	{"fr", "550 Trop de connexions depuis votre adresse IP"},
	{"fr", "554 Relais refusé"},
	{"fr", "550 Message refusé : contenu considéré comme spam"},
	{"fr", "550 Adresse de l'expéditeur refusée"},
	{"es", "421 Demasiadas conexiones desde su IP"},
	{"es", "550 Mensaje rechazado por ser considerado spam"},
	{"ru", "421 Слишком много соединений с вашего IP"},
	{"ru", "550 Отправитель отклонен: домен не существует"},
	{"zh", "421 连接过多，请稍后再试"},
	{"zh", "550 发件人地址被收件人拒收"},
	{"ja", "421 接続数が多すぎます"},
	{"ja", "550 宛先のメールアドレスは存在しません"},
	{"pl", "421 Zbyt wiele połączeń z Twojego adresu IP"},
	{"he", "550 הנמען אינו קיים"},
	{"he", "550 ההודעה נחסמה כספאם"},
	{"ar", "550 المستلم غير موجود"},
	{"ar", "550 تم رفض الرسالة لأنها بريد مزعج"},
	{"th", "550 ไม่พบผู้รับ"},
	{"th", "550 ข้อความถูกปฏิเสธเนื่องจากเป็นสแปม"},
	{"ko", "550 수신 서버에 문제가 있어 메일이 거부되었습니다"},
	// issue 14, thirteenth round: the receiver's own query of a list
	// failed; a block by geography; the recipient's own list said after
	// it; other failures in the new languages
	{"list lookup failure", "451 4.7.1 RBL lookup timeout"},
	{"list lookup failure", "451 DNSBL temporary failure"},
	{"list lookup failure", "451 4.3.0 DNSBL error"},
	{"list lookup failure", "450 RBL server unreachable"},
	{"list lookup failure", "451 4.4.3 RBL check temporarily unavailable"},
	{"list lookup failure", "451 4.7.1 DNSBL query timed out for 203.0.113.7, try again later"},
	{"geography", "550 5.7.1 Connection from your ISP is not allowed (geo-blocking)"},
	{"geography", "554 Your IP is blocked by our GeoIP filter"},
	{"recipient's list", "550 5.7.1 a@example.org is in the blacklist of the recipient"},
	{"fa", "550 کاربر وجود ندارد"},
	{"fa", "550 پیام به عنوان هرزنامه مسدود شد"},
	{"hi", "550 प्राप्तकर्ता मौजूद नहीं है"},
	{"hi", "550 संदेश स्पैम के रूप में अवरुद्ध"},
	{"hu", "550 A címzett nem létezik"},
	{"hu", "550 A feladó le van tiltva a címzett által"},
	{"hu", "550 Az üzenet tiltva: spam tartalom"},
	{"lv", "550 Adresāts neeksistē"},
	{"lt", "550 Gavėjas neegzistuoja"},
	{"ms", "550 Mesej disekat sebagai spam"},
	{"ms", "421 Terlalu banyak sambungan dari alamat IP anda"},
	{"sw", "550 Ujumbe umezuiliwa kama barua taka"},
	// "the … list" of people or a private one
	{"list of people", "550 Your address is not in the members list"},
	{"list of people", "550 5.7.1 Your IP 203.0.113.7 is not in the allowed list"},
	{"list of people", "550 Your address %A is not in the example list"},
	{"list of people", "550 5.7.1 Posting from 203.0.113.7 refused: you are not in the subscriber list"},
	{"list of people", "550 Sender a@example.org is not in the contact list of the recipient"},
	{"list of people", "550 5.7.1 Message from 203.0.113.7 to the distribution list refused: moderation required"},
	{"list of people", "554 5.7.1 Your address %A is in the trusted list; message rejected for size"},
	{"list of people", "550 Your address a@example.org is not in the allowed senders list"},
	{"list of people", "550 5.7.1 203.0.113.7 is not in the trusted relay list"},
	{"list of people", "550 Your IP 203.0.113.7 is not on the company mailing list"},
	{"list of people", "550 5.7.1 Client host [203.0.113.7] is in the safe senders list but the mailbox is full"},
	{"list of people", "550 Your address a@example.org is in my block list"},
	{"list lookup failure", "451 4.3.0 Client host rejected: reverse host name lookup failed"},
	{"recipient's list", "550 5.7.1 El remitente está en la lista negra del destinatario"},
	{"recipient's list", "550 5.7.1 O remetente está na lista negra do destinatário"},
	{"recipient's list", "550 5.7.1 Der Absender steht auf der Sperrliste des Empfängers"},
	{"recipient's list", "550 5.7.1 L'expéditeur est sur la liste noire du destinataire"},
	{"greylisting", "451 4.7.1 Greylisting (lista cinza) em ação. Retorne daqui a 00:02:00"},
}

func TestBlocklistFamilies(t *testing.T) {
	c := Default()
	for _, tc := range blocklistFamilies {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != Blocklist || v.Provider != Unknown {
			t.Errorf("%s: %q: %s/%q (rule %s), want an unknown list", tc.kind, tc.text, v.Category, v.Provider, v.Rule)
		}
	}
}

func TestOtherFamilies(t *testing.T) {
	c := Default()
	for _, tc := range otherFamilies {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category == Blocklist {
			t.Errorf("%s: %q: blocklist %q (rule %s), want another category", tc.kind, tc.text, v.Provider, v.Rule)
		}
	}
}

// TestInferenceFamilies: in log context, who refused us. A receiver's own
// mail host that refuses our address in its own words is that receiver
// (found relay); an unknown receiver's refusal naming no one is an
// unknown list with the receiver as via; a DNS list the reply names is
// that list, whoever relayed it; a receiver's support link names it.
func TestInferenceFamilies(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text                 string
		provider, found, via string
	}{
		{"host mx.mail.example-isp.net[198.51.100.1] said: 554 5.7.1 Your IP 203.0.113.7 is blocked (in reply to MAIL FROM command)", Unknown, FoundGeneric, "example-isp.net"},
		{"host mx2.example.co.uk[198.51.100.1] said: 421 4.7.0 Temporarily rejected: poor reputation of the sending IP (in reply to end of DATA command)", Unknown, FoundGeneric, "example.co.uk"},
		{"host mx.example.com.br[198.51.100.1] refused to talk to me: 554 Seu IP está na lista negra", Unknown, FoundGeneric, "example.com.br"},
		{"host mx1.comcast.net[198.51.100.1] said: 554 5.7.1 Your IP 203.0.113.7 is blocked (in reply to MAIL FROM command)", "comcast", FoundRelay, ""},
		{"Google tried to deliver your message, but it was rejected by the server for the recipient domain example.net by mx.example-isp.net. [198.51.100.1]. The error that the other server returned was: 550 5.7.1 Your IP has a poor reputation", Unknown, FoundGeneric, "example-isp.net"},
		{"2024-01-01 10:00:00 1abc-0001 ** a@example.net R=dnslookup T=remote_smtp H=mx1.comcast.net [198.51.100.1] X=TLS1.2: SMTP error from remote mail server after pipelined MAIL FROM:<x@example.org>: 554 5.7.1 Your IP is blocked", "comcast", FoundRelay, ""},
		{"2024-01-01 10:00:00 1abc-0001 == a@example-isp.net R=dnslookup T=remote_smtp defer (-44) H=mx.example-isp.net [198.51.100.1]: SMTP error from remote mail server after RCPT TO:<a@example-isp.net>: 451 Your IP is temporarily blocked", Unknown, FoundGeneric, "example-isp.net"},
		{"host mta7.am0.yahoodns.net[198.51.100.1] said: 421 4.7.0 Your IP address has a poor reputation, try again later (in reply to MAIL FROM command)", "yahoo", FoundRelay, ""},
		{"host mx.naver.com[198.51.100.1] said: 554 5.7.1 귀하의 IP는 차단되었습니다 (in reply to MAIL FROM command)", "naver", FoundRelay, ""},
		{"host mx.example-isp.net[198.51.100.1] said: 554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org (in reply to RCPT TO command)", "spamhaus", FoundNamed, "example-isp.net"},
		{"host mx1.comcast.net[198.51.100.1] said: 554 5.7.1 Client host [203.0.113.7] blocked using zen.spamhaus.org (in reply to RCPT TO command)", "spamhaus", FoundNamed, "comcast"},
		// a receiver or list called by its name in a generic refusal
		{"550 Your IP has been blocked by Yahoo", "yahoo", FoundNamed, ""},
		{"554 Your IP is blocked by AOL", "yahoo", FoundNamed, ""},
		{"550 Your server is blocked by Orange for spam", "orange", FoundNamed, ""},
		{"550 Your IP is blocked by Barracuda", "barracuda", FoundNamed, ""},
		// a catalog list named alone in a terse reply (issue 14, tenth
		// round: holdout8.tsv row 10's kind)
		{"550 5.7.1 DSBL listed", "dsbl", FoundNamed, ""},
		{"553 DSBL", "dsbl", FoundNamed, ""},
		{"550 Distributed Sender Blackhole List listed", "dsbl", FoundNamed, ""},
		{"550 ORBS listed", "orbs", FoundNamed, ""},
		{"host mx.example-isp.net[198.51.100.1] said: 553 DSBL open relay (in reply to RCPT TO command)", "dsbl", FoundNamed, "example-isp.net"},
		// FrontBridge, bought by Microsoft: its own list's zone and its
		// mail hosts (tenth round: holdout8.tsv row 19's kind)
		{"550 Service unavailable; Client host [203.0.113.7] blocked using ip.blacklist.zap; Mail From IP Banned", "microsoft", FoundWording, ""},
		{"host mail.global.frontbridge.com[198.51.100.1] said: 550 Service unavailable; Client host [203.0.113.7] blocked using 88.blacklist.zap (in reply to RCPT TO command)", "microsoft", FoundWording, ""},
		{"host mail71-va3.bigfish.com[198.51.100.1] said: 554 5.7.1 Your IP 203.0.113.7 is blocked (in reply to MAIL FROM command)", "microsoft", FoundRelay, ""},
		{"550 Gmail has blocked your IP for spam", "gmail", FoundNamed, ""},
		// a receiver's template said without its fixed words is still its
		// own by its link or its mail host
		{"550 5.7.1 Our system has detected that this message is suspicious due to the low reputation of the sending domain. https://support.google.com/mail/answer/188131", "gmail", FoundURL, ""},
		{"host gmail-smtp-in.l.google.com[198.51.100.1] said: 550 5.7.1 Message rejected due to low reputation of the sending IP (in reply to end of DATA command)", "gmail", FoundRelay, ""},
		// a link or an address on a receiver's own mail domain
		{"550 Your IP is blocked, see https://www.t-online.de/spam-info", "tonline", FoundURL, ""},
		{"550 Your IP has been blocked, write to abuse@secureserver.net", "godaddy", FoundURL, ""},
		// a list called by its sub-lists' short names
		{"550 5.7.1 Your IP is listed in SBL", "spamhaus", FoundNamed, ""},
		{"550 Your IP is on the PBL, please use your ISP's mail server", "spamhaus", FoundNamed, ""},
		{"554 5.7.1 Your IP is blocked, see https://www.xfinity.com/support/articles/email-blocked", "comcast", FoundURL, ""},
		{"host mx.example-isp.net[198.51.100.1] said: 550 Your IP is on our block list, see https://help.example-isp.net/blocked (in reply to MAIL FROM command)", Unknown, FoundGeneric, "example-isp.net"},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != Blocklist || v.Provider != tc.provider || v.Found != tc.found || v.Via != tc.via {
			t.Errorf("%q:\n got %s/%q found %q via %q (rule %s)\nwant %q found %q via %q", tc.text, v.Category, v.Provider, v.Found, v.Via, v.Rule, tc.provider, tc.found, tc.via)
		}
	}
}

// TestFoundFamilies: how sure a receiver's own verdict is. A receiver's
// rule that names no "found" is named only when the reply calls the
// receiver by a name of its; a link of its makes it url; its template's
// words alone, wording; a code family's rule says code.
func TestFoundFamilies(t *testing.T) {
	c := Default()
	for _, tc := range []struct{ text, provider, found string }{
		{"550 5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).", "microsoft", FoundWording},
		{"550 5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", "microsoft", FoundURL},
		{"550 SC-001 Mail rejected by Windows Live Hotmail for policy reasons. We generally do not accept email from dynamic IP's", "microsoft", FoundNamed},
		{"550 5.7.606 Access denied, banned sending IP [203.0.113.7]", "microsoft", FoundWording},
		{"421-4.7.0 This message is suspicious due to the very low reputation of the sending IP address", "gmail", FoundWording},
		{"421-4.7.0 This message is suspicious due to the very low reputation of the sending IP address. https://support.google.com/mail/answer/188131", "gmail", FoundURL},
		{"550 IP address is block listed", "gmx", FoundWording},
		{"421 4.7.0 [TS01] Messages from 203.0.113.7 temporarily deferred due to user complaints", "yahoo", FoundCode},
		{"554 Your access to this mail system has been rejected due to the sending MTA's poor reputation (SenderBase)", "cisco", FoundNamed},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Provider != tc.provider || v.Found != tc.found {
			t.Errorf("%q: %s found %q (rule %s), want %s found %q", tc.text, v.Provider, v.Found, v.Rule, tc.provider, tc.found)
		}
	}
}

// TestGenericParaphrases: the generic layer holds an idea, not a phrase.
// Every seen real reply it recognises (the dev and held-out files but
// holdout8.tsv, extra.tsv, the shared corpus) must stay recognised with a
// refusal verb, a list word, the address's name or "spam" said another
// way, and every other reply it does not call a block-list refusal must
// stay so under the same swaps. The ceilings are the misses left when the
// ninth round wrote this (of 3568 paraphrases; the rules at the round's
// start lost 199 and gained 16): mostly Chinese text around an English
// word, provider templates whose own rules read them, and "unsolicited
// mail" inside Gmail's rate-limit text, which the seen files label a rate
// limit, and a terse "tutanota is rejected": "is rejected", "is denied"
// and "is refused" alone are no terse cues, since "Access is denied" and
// "Command is rejected" say nothing of our address; the tenth round lost
// one fewer: 68; the eleventh round, 66). Lower them, never raise them
// for a paraphrase the layer read before. (The twenty-second round's
// "hung up" (挂起) made the layer read one more seen reply, NetEase's
// HL:IHU text, whose "IP"-to-"host" paraphrase it cannot read — "该host":
// "host" alone is no subject — so the set of paraphrases grew by one miss
// while no earlier one was lost: 67.)
func TestGenericParaphrases(t *testing.T) {
	const maxLost, maxGained = 67, 1
	c := Default()
	var gen *cueSet
	for _, r := range c.rules {
		if r.cues != nil {
			gen = r.cues
		}
	}
	var rows []corpusRow
	for _, f := range []string{"dev.tsv", "dev4.tsv", "dev5b.tsv", "dev5.tsv", "dev6.tsv", "dev7.tsv", "extra.tsv", "holdout.tsv", "holdout2.tsv", "holdout3.tsv", "holdout4.tsv", "holdout5.tsv", "holdout6.tsv", "holdout7.tsv"} {
		rows = append(rows, readRows(t, filepath.Join("testdata", f))...)
	}
	rows = append(rows, readCorpus(t)...)
	swaps := []struct {
		re *regexp.Regexp
		to string
	}{}
	for _, s := range [][2]string{
		{`blocked`, "banned"}, {`blocked`, "denied"}, {`blocked`, "refused"}, {`blocked`, "rejected"},
		{`blacklisted`, "blocklisted"}, {`blacklisted`, "listed"}, {`blacklist`, "blocklist"}, {`blacklist`, "denylist"}, {`blacklist`, "block list"},
		{`IP address`, "server"}, {`IP`, "host"}, {`IP`, "IP address"},
		{`rejected`, "refused"}, {`rejected`, "blocked"}, {`refused`, "rejected"}, {`denied`, "refused"},
		{`listed`, "blacklisted"}, {`spam`, "unsolicited mail"}, {`reputation`, "standing"},
		{`your IP`, "your server"}, {`your IP`, "your mail server"}, {`your IP`, "the sending IP"}, {`your IP`, "your network"},
		{`is listed`, "appears"}, {`is listed`, "was found"}, {`is listed`, "has been listed"},
		{`blacklist`, "RBL"}, {`blacklist`, "DNSBL"}, {`blacklist`, "spam list"}, {`blacklist`, "black list"},
		{`poor`, "bad"}, {`poor`, "low"}, {`low`, "negative"}, {`bad`, "poor"},
		{`blocked`, "temporarily blocked"},
		{`spammer`, "spam source"}, {`spam source`, "spammer"},
		{`client`, "sender"}, {`client host`, "sending host"}, {`client host`, "client"},
	} {
		swaps = append(swaps, struct {
			re *regexp.Regexp
			to string
		}{regexp.MustCompile(`(?i)\b` + s[0] + `\b`), s[1]})
	}
	sc := &scratch{}
	match := func(text, code string) bool {
		in := extraInput(corpusRow{text: text, code: code})
		return gen.match(normalize(nil, in.Reply.Text, in.Reply.Code), sc)
	}
	seen := map[string]bool{}
	var lost, gained, n int
	for _, r := range rows {
		blocklist := !strings.HasPrefix(r.label, "none:")
		if match(r.text, r.code) != blocklist {
			continue
		}
		for _, s := range swaps {
			if !s.re.MatchString(r.text) {
				continue
			}
			m := s.re.ReplaceAllString(r.text, s.to)
			if seen[m] {
				continue
			}
			seen[m] = true
			n++
			if got := match(m, r.code); got != blocklist {
				if blocklist {
					lost++
				} else {
					gained++
				}
				t.Logf("%s -> %s: blocklist %v: %s", s.re, s.to, got, m)
			}
		}
	}
	t.Logf("%d paraphrases: %d block-list replies lost, %d other replies called block-list", n, lost, gained)
	if lost > maxLost || gained > maxGained {
		t.Errorf("%d paraphrases: %d block-list replies lost (at most %d), %d other replies called block-list (at most %d)", n, lost, maxLost, gained, maxGained)
	}
}
