package classify

import "testing"

// Issue 14, twenty-second round (receivers in their own words): a
// receiver's own system that refuses us says whose it is — "Email from
// 192.0.2.1 is currently blocked by Verizon Online's anti-spam system",
// "cox blocked" (Cox's AUP table) — and a receiver the catalog holds is
// that refusal's provider. Six catalog receivers had no name a reply
// calls them by (Cox, Sina, KPN; Charter and Spectrum only as "charter
// communications" and "spectrum.net"; AT&T's BellSouth and SBCGlobal;
// Italiaonline's Libero and Virgilio), so their own blocks were the
// generic layer's "unknown". Rows written by hand, in the receivers'
// languages, each verdict before the classifier ran; look-alikes are the
// same names beside other failures, which a name does not make blocks.
var receiverNameFamilies = []familyRow{
	{"named", "554 192.0.2.1 is currently blocked by Cox's anti-spam system", Blocklist, "cox"},
	{"named", "421 Your IP 192.0.2.1 has been blocked by Cox for spam-like behaviour", Blocklist, "cox"},
	{"named", "554 Cox Communications: connection from 192.0.2.1 refused, IP blacklisted", Blocklist, "cox"},
	{"named", "554 5.7.1 Your IP 192.0.2.1 is blocked by Sina's anti-spam system", Blocklist, "sina"},
	{"named", "550 Sina mail: sending IP in blacklist", Blocklist, "sina"},
	{"named", "550 您的IP已被新浪邮箱拒绝", Blocklist, "sina"},
	{"named", "554 发信IP被新浪列入黑名单", Blocklist, "sina"},
	{"named", "550 5.7.1 Your IP 192.0.2.1 is blocked by KPN's spam filter", Blocklist, "kpn"},
	{"named", "550 Uw IP-adres is geblokkeerd door KPN", Blocklist, "kpn"},
	{"named", "554 XS4ALL: your IP address is on our blacklist", Blocklist, "kpn"},
	{"named", "554 5.7.1 Your IP has been blocked by Charter's anti-spam system", Blocklist, "spectrum"},
	{"named", "554 Mail from 192.0.2.1 refused: IP blacklisted by Spectrum", Blocklist, "spectrum"},
	{"named", "550 5.7.1 Your IP address is blocked by Road Runner", Blocklist, "spectrum"},
	{"named", "554 Time Warner Cable: IP address 192.0.2.1 blocked for spam", Blocklist, "spectrum"},
	{"named", "550 192.0.2.1 blocked by BellSouth anti-spam", Blocklist, "att"},
	{"named", "553 Your IP has been blacklisted by SBCGlobal", Blocklist, "att"},
	{"named", "550 5.7.1 Il tuo IP e stato bloccato da Libero", Blocklist, "italiaonline"},
	{"named", "550 Indirizzo IP 192.0.2.1 in blacklist di Libero Mail", Blocklist, "italiaonline"},
	{"named", "554 Virgilio: IP bloccato per invio di spam", Blocklist, "italiaonline"},
	{"look-alike", "550 Cox: user unknown", Other, ""},
	{"look-alike", "552 Cox mailbox full", Other, ""},
	{"look-alike", "554 Message rejected by Sina: content looks like spam", Other, ""},
	{"look-alike", "550 新浪邮箱: 用户不存在", Other, ""},
	{"look-alike", "550 KPN: recipient address rejected", Other, ""},
	{"look-alike", "550 5.1.1 User unknown at Charter", Other, ""},
	{"look-alike", "550 Spectrum: mailbox unavailable", Other, ""},
	{"look-alike", "550 BellSouth: no such user", Other, ""},
	{"look-alike", "552 Libero: casella piena", Other, ""},
	{"look-alike", "550 Virgilio: utente inesistente", Other, ""},
	{"look-alike", "554 Your message was rejected by Libero's spam filter", Other, ""},
	{"look-alike", "421 Too many connections from your IP to Cox, try again later", Other, ""},
	// The names a reply calls other catalog receivers by: Deutsche
	// Telekom's mail as "Telekom", Alibaba's as "Alibaba" or "AliMail",
	// Tencent's Exmail and Foxmail, Economia's freemail by its domains,
	// Wirtualna Polska's by wp.pl and o2.pl, Apple's and Microsoft's by
	// the company, Zix (AppRiver), GoDaddy's Secureserver. A name that is
	// only a label of another's host ("mail.apple.example.org") names no
	// one, as it already did not for a catalog rule (inForeignHosts).
	{"named", "554 Your IP 192.0.2.1 is blocked by Telekom's anti-spam system", Blocklist, "tonline"},
	{"named", "554 Ihre IP-Adresse wurde von der Telekom gesperrt", Blocklist, "tonline"},
	{"named", "554 Your IP has been blocked by Alibaba Mail anti-spam", Blocklist, "aliyun"},
	{"named", "554 IP 192.0.2.1 blocked by Alibaba anti-spam system", Blocklist, "aliyun"},
	{"named", "550 Your IP is blocked by Tencent Exmail", Blocklist, "tencent"},
	{"named", "550 IP 192.0.2.1 blacklisted by Foxmail server", Blocklist, "tencent"},
	{"named", "554 Your IP address is blocked by Centrum.cz", Blocklist, "centrum"},
	{"named", "554 Vase IP adresa byla zablokovana serverem Atlas.cz", Blocklist, "centrum"},
	{"named", "554 5.7.1 Twoj adres IP zostal zablokowany przez WP.pl", Blocklist, "wp"},
	{"named", "554 5.7.1 IP 192.0.2.1 jest na czarnej liscie o2.pl", Blocklist, "wp"},
	{"named", "554 Your IP 192.0.2.1 has been blocked by Apple", Blocklist, "apple"},
	{"named", "550 5.7.1 Messages from 192.0.2.1 are blocked by Apple's mail servers", Blocklist, "apple"},
	{"named", "550 5.7.1 Your IP 192.0.2.1 has been blocked by Microsoft", Blocklist, "microsoft"},
	{"named", "550 Your IP is blocked by Zix", Blocklist, "appriver"},
	{"named", "554 Your IP 192.0.2.1 is blocked by Secureserver", Blocklist, "godaddy"},
	{"host label", "550 Rejected by mail.microsoft.example.org: your IP is blocked", Blocklist, ""},
	{"host label", "550 Rejected by mail.apple.example.org: your IP is blocked", Blocklist, ""},
	{"host label", "550 5.7.1 telekom.example.org: your IP 192.0.2.1 is blacklisted", Blocklist, ""},
	{"look-alike", "550 Apple: user unknown", Other, ""},
	{"look-alike", "552 Microsoft: mailbox full", Other, ""},
	{"look-alike", "554 Message rejected by Microsoft's content filter as spam", Other, ""},
	{"look-alike", "550 Telekom: recipient address rejected", Other, ""},
	{"look-alike", "550 Alibaba: user not found", Other, ""},
	{"look-alike", "550 Exmail: mailbox unavailable", Other, ""},
	{"look-alike", "554 Your message was blocked by Apple's spam filter", Other, ""},
	{"look-alike", "421 Too many connections from your IP to Microsoft, try later", Other, ""},
	// Receivers called in their own script: Tencent (腾讯, 騰訊), Alibaba's
	// mail (阿里邮箱, 阿里巴巴), Yandex and Rambler in the Russian cases a
	// sentence puts them in (Яндекс, Яндекса, Яндексом …), Naver (네이버),
	// Daum/Kakao (다음메일, 한메일, 카카오; not 다음 alone, "the following"),
	// @nifty (ニフティ), BIGLOBE (ビッグローブ), So-net (ソネット).
	{"named", "550 您的IP已被腾讯邮箱拒绝", Blocklist, "tencent"},
	{"named", "550 发信IP被腾讯企业邮箱列入黑名单", Blocklist, "tencent"},
	{"named", "550 您的IP已被騰訊郵箱封鎖", Blocklist, "tencent"},
	{"named", "554 您的IP已被阿里邮箱拒收", Blocklist, "aliyun"},
	{"named", "554 发信IP在阿里巴巴邮箱的黑名单中", Blocklist, "aliyun"},
	{"named", "550 Ваш IP-адрес заблокирован Яндексом", Blocklist, "yandex"},
	{"named", "550 IP-адрес находится в черном списке Яндекса", Blocklist, "yandex"},
	{"named", "421 Яндекс: ваш IP временно заблокирован за рассылку спама", Blocklist, "yandex"},
	{"named", "550 Ваш IP-адрес заблокирован Рамблером", Blocklist, "rambler"},
	{"named", "550 IP-адрес в черном списке Рамблера", Blocklist, "rambler"},
	{"named", "550 귀하의 IP가 네이버 메일에서 차단되었습니다", Blocklist, "naver"},
	{"named", "550 귀하의 IP가 다음메일에서 차단되었습니다", Blocklist, "daum"},
	{"named", "550 귀하의 IP가 카카오 메일에서 차단되었습니다", Blocklist, "daum"},
	{"named", "550 한메일: 발송 IP가 차단되었습니다", Blocklist, "daum"},
	{"named", "550 送信元IPアドレスはニフティにより拒否されました", Blocklist, "nifty"},
	{"named", "550 送信元IPアドレスはビッグローブにより拒否されました", Blocklist, "biglobe"},
	{"named", "550 送信元IPアドレスはソネットにより拒否されました", Blocklist, "sonet"},
	{"not a name", "550 귀하의 IP가 차단되었습니다. 다음 주소를 참조하십시오: https://postmaster.example.kr/", Blocklist, ""},
	{"look-alike", "550 다음 수신자가 존재하지 않습니다", Other, ""},
	{"look-alike", "550 腾讯邮箱: 收件人不存在", Other, ""},
	{"look-alike", "552 阿里邮箱: 邮箱已满", Other, ""},
	{"look-alike", "550 Яндекс: пользователь не найден", Other, ""},
	{"look-alike", "552 Рамблер: почтовый ящик переполнен", Other, ""},
	{"look-alike", "550 네이버: 수신자가 존재하지 않습니다", Other, ""},
	{"look-alike", "550 카카오 메일: 받는 사람의 메일함이 가득 찼습니다", Other, ""},
	{"look-alike", "550 ニフティ: 宛先のメールアドレスは存在しません", Other, ""},
	{"look-alike", "554 ビッグローブ: 迷惑メールと判定されたため受信できません", Other, ""},
}

func TestReceiverNameFamilies(t *testing.T) { checkFamilies(t, receiverNameFamilies) }

// Issue 14, twenty-second round: a sending IP "hung up" (挂起) is
// NetEase's word for its block (HL:IHU: "发信IP因发送垃圾邮件或存在异常的连接
// 行为，被暂时挂起") and Coremail's ("IP is Hangup", in its support index
// of bounce texts beside "IP is rejected"); a user or mailbox hung up is
// the recipient suspended, and a connection that hung up a network
// failure. Rows written by hand, each verdict before the classifier ran.
var hangupFamilies = []familyRow{
	{"hung up", "554 IP is Hangup", Blocklist, ""},
	{"hung up", "451 IP is Hangup", Blocklist, ""},
	{"hung up", "554 IP 192.0.2.1 已被暂时挂起", Blocklist, ""},
	{"hung up", "421 发信IP被暂时挂起，请稍后再试", Blocklist, ""},
	{"hung up", "554 該IP已被暫時掛起", Blocklist, ""},
	{"hung up", "550 Your IP is hangup", Blocklist, ""},
	{"hung up", "554 HL:IHU 发信IP因发送垃圾邮件或存在异常的连接行为，被暂时挂起", Blocklist, "netease"},
	{"look-alike", "550 User hangup", Other, ""},
	{"look-alike", "554 User is hangup", Other, ""},
	{"look-alike", "421 Connection hangup, try again later", Other, ""},
	{"look-alike", "451 Lost connection: remote host hung up", Other, ""},
	{"look-alike", "421 The server hung up the connection", Other, ""},
	{"look-alike", "550 用户已被挂起", Other, ""},
	{"look-alike", "550 收件人帐户被挂起", Other, ""},
	{"look-alike", "550 邮箱已挂起", Other, ""},
	{"hung up", "421 Your IP is hangup due to abnormal sending", Blocklist, ""},
	{"hung up", "554 Host 192.0.2.1 is hangup for spam", Blocklist, ""},
	{"look-alike", "421 Remote host hangup", Other, ""},
	{"look-alike", "451 4.4.2 Connection hangup during data transfer", Other, ""},
	{"look-alike", "421 Server hangup, try again later", Other, ""},
	// (a message, an account, a user, a mailbox, a server or a queue
	// 挂起 is no address of ours hung up)
	{"look-alike", "550 您的邮件已被挂起等待审核", Other, ""},
	{"look-alike", "554 发件人账号被挂起", Other, ""},
	{"look-alike", "550 该用户已被挂起", Other, ""},
	{"look-alike", "421 服务器挂起，请稍后重试", Other, ""},
	{"look-alike", "451 队列挂起，请稍后再试", Other, ""},
	{"look-alike", "550 邮箱账户已挂起，请联系管理员", Other, ""},
	{"hung up", "554 发信服务器IP被挂起", Blocklist, ""},
}

func TestHangupFamilies(t *testing.T) { checkFamilies(t, hangupFamilies) }

// Issue 14, twenty-second round: receivers' refusal words in the Nordic
// languages (Danish spærret, afvist, blokkeret; Norwegian avvist, sperret;
// Swedish avvisad), Albanian (bllokuar) and Chinese 被阻止, with our
// address near; the same words of a message, a recipient, a login or
// relaying stay other. Rows written by hand, each verdict before the
// classifier ran.
var nordicRefusalFamilies = []familyRow{
	{"refused", "550 Din IP-adresse er blokeret", Blocklist, ""},
	{"refused", "550 Din IP-adresse er spærret", Blocklist, ""},
	{"refused", "550 Forbindelse fra din IP-adresse afvist", Blocklist, ""},
	{"refused", "550 Din server er på en sortliste", Blocklist, ""},
	{"refused", "550 Din IP-adresse er blokeret på grund af spam", Blocklist, ""},
	{"refused", "550 您的IP已被阻止", Blocklist, ""},
	{"refused", "550 发信IP已被阻止", Blocklist, ""},
	{"refused", "550 Adresa juaj IP është e bllokuar", Blocklist, ""},
	{"look-alike", "550 Modtageren findes ikke", Other, ""},
	{"look-alike", "552 Postkassen er fuld", Other, ""},
	{"look-alike", "550 您的邮件已被阻止，因为它包含垃圾内容", Other, ""},
	{"look-alike", "550 邮件内容被阻止", Other, ""},
	{"refused", "550 Din IP-adresse er blokkeret", Blocklist, ""},
	{"refused", "550 Din IP-adresse er sperret", Blocklist, ""},
	{"refused", "550 Tilkobling fra din IP-adresse avvist", Blocklist, ""},
	{"refused", "550 Anslutning från din IP-adress avvisad", Blocklist, ""},
	{"look-alike", "550 Mottakeren finnes ikke", Other, ""},
	{"look-alike", "550 Mottagaren finns inte", Other, ""},
	{"look-alike", "552 Postkassen er full", Other, ""},
	{"look-alike", "550 Meldingen ble avvist fordi den inneholder spam", Other, ""},
	{"look-alike", "550 Meddelandet avvisades: innehållet ser ut som spam", Other, ""},
	{"look-alike", "550 Beskeden blev afvist på grund af indhold", Other, ""},
	{"look-alike", "550 Modtageren er spærret", Other, ""},
	{"look-alike", "550 Mottakerens konto er sperret", Other, ""},
	{"look-alike", "535 Godkendelse afvist", Other, ""},
	{"look-alike", "550 Relæ afvist", Other, ""},
	{"look-alike", "550 您的邮件因包含病毒已被阻止", Other, ""},
	{"look-alike", "550 收件人已被阻止", Other, ""},
	// (and their other failures that name our address: too many
	// connections, a failed login, forwarding, SPF, a grey list — the
	// vetoes in those languages; 7b210fb made six of them block-list)
	{"look-alike", "421 For mange forbindelser fra din IP-adresse, forbindelse afvist", Other, ""},
	{"look-alike", "421 For mange tilkoblinger fra din IP-adresse, avvist", Other, ""},
	{"look-alike", "421 För många anslutningar från din IP-adress, avvisad", Other, ""},
	{"look-alike", "535 Godkendelse mislykkedes, din IP-adresse er spærret i 10 minutter", Other, ""},
	{"look-alike", "550 Videresending afvist for din IP-adresse", Other, ""},
	{"look-alike", "550 SPF-kontrol mislykkedes: din IP-adresse er ikke tilladt for domænet, afvist", Other, ""},
	{"look-alike", "451 Gråliste: prøv igen senere, din IP-adresse er midlertidigt afvist", Other, ""},
	{"look-alike", "550 Meddelelsen er for stor, afvist", Other, ""},
	{"look-alike", "550 Modtagerens postkasse er spærret", Other, ""},
	{"look-alike", "550 Mottagarens brevlåda är spärrad", Other, ""},
	{"look-alike", "554 Brukerkontoen er sperret", Other, ""},
	{"refused", "550 Din IP-adresse er spærret på grund af for mange spam-klager", Blocklist, ""},
	{"refused", "550 Din IP-adresse er blokeret: for mange klager over spam", Blocklist, ""},
	{"look-alike", "552 Meddelelsen er for stor", Other, ""},
	{"look-alike", "550 Virus fundet, beskeden afvist", Other, ""},
	{"look-alike", "535 Forkert adgangskode, forbindelse afvist", Other, ""},
	{"look-alike", "550 Lösenord krävs, anslutning avvisad", Other, ""},
	{"look-alike", "451 Grålistet, prøv igen om 5 minutter", Other, ""},
}

func TestNordicRefusalFamilies(t *testing.T) { checkFamilies(t, nordicRefusalFamilies) }

// Issue 14 item 2, twenty-second round: a refusal of ours that links to a
// catalog receiver's own support or postmaster page is that receiver's
// (found: url), for every receiver of the catalog with a page its replies
// or help centre use; AT&T's att.com, Yahoo! JAPAN's yahoo-net.jp and
// GoDaddy's godaddy.com were missing. A page linked beside another failure
// makes no block. Rows written by hand, each verdict before the
// classifier ran.
var receiverURLFamilies = []familyRow{
	{"support page", "554 5.7.1 Your IP is blocked. See https://help.naver.com/alias/mail/mail_14.naver", Blocklist, "naver"},
	{"support page", "554 5.7.1 Your IP is blocked. See https://cs.daum.net/faq/266.html", Blocklist, "daum"},
	{"support page", "550 Your IP is blocked. See https://service.mail.qq.com/detail/122/66", Blocklist, "tencent"},
	{"support page", "554 Your IP is blocked. http://help.163.com/special/007525FT/spam.html", Blocklist, "netease"},
	{"support page", "554 Your IP is blocked. http://help.sina.com.cn/", Blocklist, "sina"},
	{"support page", "553 Your IP is blocked. http://mail.sohu.com/info/policy", Blocklist, "sohu"},
	{"support page", "550 Your IP is blocked. https://help.mail.ru/mail/spam/blocked", Blocklist, "mailru"},
	{"support page", "554 Your IP is blocked. https://yandex.ru/support/mail/web/spam/honest-mailers.html", Blocklist, "yandex"},
	{"support page", "550 Your IP is blocked. https://help.rambler.ru/mail/mail-pochtovye-klienty/1277/", Blocklist, "rambler"},
	{"support page", "554 Your IP is blocked. https://napoveda.seznam.cz/cz/email/", Blocklist, "seznam"},
	{"support page", "554 Your IP is blocked. https://pomoc.poczta.interia.pl/", Blocklist, "interia"},
	{"support page", "554 Your IP is blocked. https://pomoc.wp.pl/", Blocklist, "wp"},
	{"support page", "554 Your IP is blocked. https://pomoc.poczta.onet.pl/", Blocklist, "onet"},
	{"support page", "550 Your IP is blocked. https://postmaster.orange.fr/", Blocklist, "orange"},
	{"support page", "550 Your IP is blocked. http://postmaster.free.fr/", Blocklist, "free"},
	{"support page", "550 Your IP is blocked. https://assistance.sfr.fr/", Blocklist, "sfr"},
	{"support page", "554 Your IP is blocked. https://postmaster.gmx.net/en/case?c=r0201", Blocklist, "gmx"},
	{"support page", "554 Your IP is blocked. https://postmaster.t-online.de/", Blocklist, "tonline"},
	{"support page", "550 Your IP is blocked. https://aiuto.libero.it/", Blocklist, "italiaonline"},
	{"support page", "550 Your IP is blocked. https://www.kpn.com/service/email", Blocklist, "kpn"},
	{"support page", "550 Your IP is blocked. https://email.uol.com.br/", Blocklist, "uol"},
	{"support page", "554 Your IP is blocked. https://www.zoho.com/mail/help/", Blocklist, "zoho"},
	{"support page", "554 Your IP is blocked. https://postmaster.comcast.net/", Blocklist, "comcast"},
	{"support page", "554 Your IP is blocked. https://www.cox.com/residential/support/email-error-codes.html", Blocklist, "cox"},
	{"support page", "554 Your IP is blocked. https://www.spectrum.net/support/internet/understanding-email-error-codes", Blocklist, "spectrum"},
	{"support page", "553 Your IP is blocked. https://www.att.com/support/article/email-support/", Blocklist, "att"},
	{"support page", "550 Your IP is blocked. http://www.verizon.net/whitelist", Blocklist, "verizon"},
	{"support page", "550 Your IP is blocked. https://www.earthlink.net/block", Blocklist, "earthlink"},
	{"support page", "554 Your IP is blocked. https://www.centurylink.com/home/help/internet/email.html", Blocklist, "centurylink"},
	{"support page", "554 Your IP is blocked. https://www.telstra.com.au/support/email", Blocklist, "telstra"},
	{"support page", "554 Your IP is blocked. https://support.apple.com/en-us/102322", Blocklist, "apple"},
	{"support page", "550 Your IP is blocked. https://sendersupport.olc.protection.outlook.com/pm/", Blocklist, "microsoft"},
	{"support page", "550 Your IP is blocked. https://support.google.com/mail/answer/188131", Blocklist, "gmail"},
	{"support page", "554 Your IP is blocked. https://senders.yahooinc.com/smtp-error-codes", Blocklist, "yahoo"},
	{"support page", "550 Your IP is blocked. https://www.docomo.ne.jp/service/mail/", Blocklist, "docomo"},
	{"support page", "550 Your IP is blocked. https://www.au.com/support/service/mobile/trouble/mail/", Blocklist, "kddi"},
	{"support page", "550 Your IP is blocked. https://www.softbank.jp/mobile/support/mail/", Blocklist, "softbank"},
	{"support page", "550 Your IP is blocked. https://support.ocn.ne.jp/", Blocklist, "ocn"},
	{"support page", "550 Your IP is blocked. https://support.biglobe.ne.jp/", Blocklist, "biglobe"},
	{"support page", "550 Your IP is blocked. https://support.nifty.com/", Blocklist, "nifty"},
	{"support page", "550 Your IP is blocked. https://support.yahoo-net.jp/", Blocklist, "yahoojp"},
	{"support page", "554 Your IP is blocked. https://www.godaddy.com/help/", Blocklist, "godaddy"},
	{"support page", "550 Your IP is blocked. https://www.rackspace.com/", Blocklist, "rackspace"},
	{"support page", "554 Your IP is blocked. https://www.proximus.be/support/", Blocklist, "proximus"},
	{"support page", "554 Your IP is blocked. https://www.swisscom.ch/", Blocklist, "bluewin"},
	{"look-alike", "550 5.1.1 User unknown. See https://www.att.com/support/article/email-support/", Other, ""},
	{"look-alike", "552 Mailbox full. https://www.godaddy.com/help/", Other, ""},
	{"look-alike", "550 No such user. https://support.yahoo-net.jp/", Other, ""},
	{"look-alike", "550 5.1.1 The email account that you tried to reach does not exist. https://support.google.com/mail/answer/6596", Other, ""},
	{"look-alike", "554 Message rejected as spam. See https://help.mail.ru/mail/spam", Other, ""},
	{"look-alike", "550 Relay not permitted. https://postmaster.orange.fr/", Other, ""},
	{"look-alike", "552 Message too large. https://www.zoho.com/mail/help/", Other, ""},
	{"look-alike", "535 Authentication failed. https://support.apple.com/en-us/102322", Other, ""},
}

func TestReceiverURLFamilies(t *testing.T) { checkFamilies(t, receiverURLFamilies) }
