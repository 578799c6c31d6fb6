package classify

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// TestGenericLayerKeepsOtherCategories: replies that show our address but
// refuse for another reason (relaying, rates, SPF, content, recipients,
// greylisting, reverse DNS, the recipient's own list, a network failure)
// stay out of the blocklist category, while replies that refuse the
// address itself, in wordings no catalog rule knows, are blocklist ones.
// Break a veto group of the generic layer, or a cue, and a row here fails.
func TestGenericLayerKeepsOtherCategories(t *testing.T) {
	const notBlocklist Category = "(anything but blocklist)"
	c := Default()
	for _, tc := range []struct {
		text string
		want Category
	}{
		{"554 5.7.1 <user@example.org>: Relay access denied for 192.0.2.1", Policy},
		{"550 5.7.1 Unauthorized relay attempt from 192.0.2.1 rejected", Other},
		{"421 4.7.0 Error: too many connections from 192.0.2.1", RateLimit},
		{"421 4.7.0 Error: too many connections from 192.0.2.1, blocked", RateLimit},
		{"451 4.7.1 <smtp.example.jp[192.0.2.3]>: Client host rejected: Please try again slower", Policy},
		{"550 5.7.1 Rejected: 192.0.2.1 is not a permitted sender of example.org (SPF fail)", Auth},
		{"550 5.7.23 192.0.2.1 is not allowed to send mail for example.org per its SPF record", Auth},
		{"554 Connection refused(mx). MAIL FROM [a@example.org] mismatches client IP [192.0.2.1].", notBlocklist},
		{"451 4.7.1 192.0.2.1: Greylisted, please try again in 300 seconds", Greylist},
		{"450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", Policy},
		{"554 5.7.1 Helo command rejected: Host not found (192.0.2.1)", Policy},
		{"550 5.7.1 Client host rejected: Access denied", Policy},
		{"550 5.7.1 [192.0.2.1] This message has been blocked because its content looks like spam", Content},
		// (a URL or domain the message carries on a URI or domain list is
		// a domain list's refusal, as NOTES.md labels them: issue 14,
		// sixteenth round; rounds 7 to 15 had these content)
		{"550 5.7.1 Message from 192.0.2.1 rejected: a URL in it is listed at a URI block list", Blocklist},
		{"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table", Recipient},
		{"550 User in blacklist", Other},
		{"550 You are registered as spammer (by user's reject list)", notBlocklist},
		{"553 5.7.1 <a@example.org>: Sender address rejected: your email address has been blacklisted", Policy},
		{"550 mailbox is blocked", Other},
		{"554 Message content rejected, see http://example.org/help/content.html", Content},
		{"connect to mx.example.org[192.0.2.1]:25: Connection refused", Network},
		{"550 Connections from your country are not allowed", notBlocklist},
		{"550 5.7.1 Your VIP status is blocked pending payment of the invoice", Other},
		// The recipient's own refusal of our mail or our sender, even with
		// our address in the reply, is no reputation verdict.
		{"550 5.7.1 192.0.2.1: your message was refused by the receiver, please reach them another way", Policy},
		{"554 Mail from 192.0.2.1 blocked by user preference", Policy},
		{"553 The user has added your address to their block list", Policy},
		{"550 Denied: you are blacklisted by the recipient", Policy},
		{"553 5.7.1 <a@example.org>: this sender is blacklisted here", Policy},
		{"550 Blacklisted sender <a@example.org>", Policy},
		{"550 Your mail was refused by the recipient's own filter rules", Policy},
		{"451 4.7.1 <relay.example.com[192.0.2.4]>: Client host rejected: banned account", Policy},
		// Other reasons to refuse mail from an address: a forged sender,
		// the SMTP conversation, a private allow list, the headers.
		{"550 5.7.1 Mail from 192.0.2.1 refused: forged sender address", notBlocklist},
		{"550 5.5.1 192.0.2.1 rejected: protocol error after pipelining", notBlocklist},
		{"554 5.7.1 Connection from 192.0.2.1 rejected: this server accepts mail only from its partners", notBlocklist},
		{"550 5.7.1 192.0.2.1 rejected: not on the allowlist", notBlocklist},
		{"550 5.7.1 192.0.2.1 refused: the message lacks a Date header", notBlocklist},
		// The same in other languages: a recipient, a local access rule.
		{"550 Empfänger unbekannt: Nachricht von 192.0.2.1 abgelehnt", notBlocklist},
		{"550 Accès refusé depuis 192.0.2.1", notBlocklist},
		{"550 Получатель 192.0.2.1 не найден, письмо отклонено", notBlocklist},
		// What is refused is in the message (its body, a link in it),
		// not our address: a domain list's refusal when it is on a list
		// (issue 14, sixteenth round), else the content's.
		{"554 Refused: the email contains a domain that is blacklisted", Blocklist},
		{"550 5.7.1 Rejected, a link in your message points to a listed site", Blocklist},
		{"550 5.7.1 [192.0.2.1] rejected: the message seems to be spam", Content},
		{"550 Blocked: your message has triggered our filter (from 192.0.2.1)", notBlocklist},
		// An address the reply only echoes is not what it refuses.
		{"554 Transaction rejected, please retry in a few minutes 192.0.2.1", notBlocklist},
		{"192.0.2.1: 553 the user refused this mail", notBlocklist},
		{"550 5.7.1 [192.0.2.1] Delivery not permitted to this group", notBlocklist},
		{"452 4.3.1 Insufficient system resources 192.0.2.1", notBlocklist},
		{"553 null senders not accepted 192.0.2.1", notBlocklist},
		{"550 <a@example.org>: recipient rejected from 192.0.2.1", notBlocklist},
		// A list word denied, a list of people, an account, a list of URLs.
		{"550 5.1.1 <a@example.org>: address not listed in the directory", notBlocklist},
		{"550 Your address was blacklisted by the list moderator", notBlocklist},
		{"554 Your account was disabled for sending spam", notBlocklist},
		{"550 Recipient is listed on our suppression list after earlier bounces", notBlocklist},
		{"554 5.1.1 Recipient address blacklisted", notBlocklist},
		{"550 5.7.1 Rejected: a domain in the message is listed at a URI list", Blocklist},
		// The same shapes refusing the address itself are blocklist ones.
		{"421 4.7.0 This IP [192.0.2.1] is blocked.", Blocklist},
		{"550 Your IP 192.0.2.1 is a known spam source", Blocklist},
		{"550 bad sender ip address", Blocklist},
		{"554 Please visit http://antispam.example.org/denyip.php?IP=192.0.2.1 (#5.7.1)", Blocklist},
		{"550 Rejected, see antispam.example.net/blocklist/lookup?addr=192.0.2.1", Blocklist},
		{"550 example is blocked", Blocklist},
		{"421 4.3.2 Your IP(192.0.2.1) is filtered and this connection will be closed", Blocklist},
		{"554 Sorry, no access for this ip", Blocklist},
		{"421 Throttled - Too much spam from your mail server", Blocklist},
		{"550 Mail from 192.0.2.1 refused: listed in our local block list", Blocklist},
		{"550 The IP Address of the sender was found in a DNS blacklist database and was therefore refused", Blocklist},
		{"554 a poor email reputation score", Blocklist},
		{"550 5.7.1 Your access to submit messages to this e-mail system has been rejected.", Blocklist},
		{"421 Too many complaints from your IP, please try later", Blocklist},
		{"550 this host is in a black list", Blocklist},
		{"554 5.7.1 Recipient address rejected: client ip blacklisted", Blocklist},
		{"550 发信IP位于黑名单中", Blocklist},
		{"554 送信元IPアドレスはブラックリストに登録されています", Blocklist},
		{"550 Ваш IP адрес находится в черном списке", Blocklist},
		{"550 IP가 차단되었습니다", Blocklist},
		{"554 Votre adresse IP est listée dans une liste noire", Blocklist},
		{"550 Ihre IP-Adresse ist gesperrt", Blocklist},
		// Our address blocked by the recipient is still our address blocked.
		{"550 5.7.1 IP 192.0.2.1 blacklisted by the recipient's mail system", Blocklist},
		{"550 Your server 192.0.2.1 is on the recipient's block list", Blocklist},
		{"550 Sender IP 192.0.2.1 is blacklisted", Blocklist},
		{"554 Client address found in a DUL", Blocklist},
		{"550 5.7.1 192.0.2.1 is blacklisted; ask postmaster@example.org to be whitelisted", Blocklist},
		{"421 Connection from 192.0.2.1 refused: too many protocol errors, listed in our local RBL", Blocklist},
		{"550 5.7.1 Your host was identified as an open relay", Blocklist},
		{"554 5.7.1 Rejected: sending suspended pending a spam abuse review", Blocklist},
		{"550 192.0.2.1 is blocked", Blocklist},
		{"554 Blocked: 192.0.2.1", Blocklist},
		{"550 Mail from 192.0.2.1 rejected", Blocklist},
		{"550 Refused, 192.0.2.1 listed locally", Blocklist},
		{"554 Rejected: mail from 192.0.2.1", Blocklist},
		{"550 5.7.1 Mail from a dynamic IP range is not accepted here; send through your provider's relay", Blocklist},
		{"450 4.7.1 Client host rejected: reverse DNS of your dynamic IP looks generic", notBlocklist},
		{"550 Not delivered: your IP 192.0.2.1 is listed at a DNSBL, not on our allow list", Blocklist},
		{"421 Temporarily blocked due to abuse originating at 192.0.2.1", Blocklist},
		{"550 Votre serveur est bloqué pour spam", Blocklist},
		{"550 Отправка с вашего сервера запрещена", Blocklist},
		{"550 Il tuo server è stato respinto per spam", Blocklist},
		{"550 Empfänger abgelehnt: Ihr Server steht auf der Sperrliste", Blocklist},
		{"550 Connection from 192.0.2.1 denied by the recipient's firewall", Blocklist},
		// Issue 14's seventh round: the same idea in more languages
		// (reputation, a black list, blocked), the address's standing in
		// other words (not trusted, infected, a botnet, a Tor exit, direct
		// delivery from end-user space), and the near misses that must
		// stay out: the message, the sender domain's SPF, a certificate,
		// relaying, an account.
		{"554 Votre adresse IP a une mauvaise réputation", Blocklist},
		{"550 Dirección IP con mala reputación", Blocklist},
		{"550 Il server mittente ha una cattiva reputazione", Blocklist},
		{"550 Отправка отклонена: низкая репутация вашего IP", Blocklist},
		{"550 Vaše IP adresa je na černé listině", Blocklist},
		{"550 Din IP-adress är svartlistad", Blocklist},
		{"550 IP-osoitteenne on estolistalla", Blocklist},
		{"550 IP adresiniz kara listede", Blocklist},
		{"550 Adresa IP este pe lista neagra", Blocklist},
		{"550 A küldő IP címe feketelistán van", Blocklist},
		{"554 发件服务器信誉度过低", Blocklist},
		{"550 Sorry, your IP address is not trusted", Blocklist},
		{"421 4.7.0 IP not in good standing, try again later", Blocklist},
		{"550 Your host appears to be infected; mail refused", Blocklist},
		{"554 Connection from a known botnet node refused", Blocklist},
		{"550 Mail from Tor exit nodes is not accepted", Blocklist},
		{"554 5.7.1 reject: client host bypassing the service provider's mail relay", Blocklist},
		{"550 Your IP was reported for spam", Blocklist},
		{"550 5.7.1 Message rejected: 192.0.2.1 found in our spam database", Blocklist},
		{"554 rbl_code=554 rbl_domain=dnsbl.example.net rbl_txt=listed rbl_class=Client host", Blocklist},
		{"550 Message refusé : réputation du contenu insuffisante, lien dans le message", notBlocklist},
		{"554 5.7.0 The message contains an infected attachment from 192.0.2.1", notBlocklist},
		{"550 Message rejected: infected file detected", notBlocklist},
		{"554 5.7.1 Untrusted certificate presented by your server", notBlocklist},
		{"550 5.7.1 Client host [192.0.2.1] not trusted for relaying", notBlocklist},
		{"550 5.7.1 Relais refusé pour votre adresse IP, authentification requise", notBlocklist},
		{"550 5.7.1 Your account has been compromised and is blocked", notBlocklist},
		{"554 Message rejected: the Tor download link in the body is blocked", notBlocklist},
		{"550 5.7.1 SPF-Prüfung für IP 192.0.2.1 fehlgeschlagen, Reputation der Domain egal", notBlocklist},
		// Terse refusals of a spammer or a blocked host, a list's
		// rejection, too much spam from the sending domain; and the near
		// misses: a URL in the body on a list, a reply that only guesses,
		// a submission server's permission.
		{"550 Go away spammer", Blocklist},
		// a list's verdict quoted as such (dev7.tsv)
		{"550 5.7.1 ZZBL says spammer, ref 20201130-2", Blocklist},
		{"550 5.7.1 Our filter says spam content, ref 20201130-2", Content},
		{"554 No spammers allowed", Blocklist},
		{"550 Access denied to spammers", Blocklist},
		{"554 DNSBL rejection", Blocklist},
		{"421 Service not available - host blocked", Blocklist},
		{"554 Too much spam from your domain", Blocklist},
		{"554 5.7.1 You are not allowed to send mail: your IP is blocked", Blocklist},
		{"550 5.7.1 Your mail was rejected because the body contains a URL listed on a blocklist", Blocklist},
		{"550 The account or domain may not exist, they may be blacklisted, or missing the proper dns entries.", notBlocklist},
		{"550 5.7.1 This IP address is not allowed to send through this account", notBlocklist},
		{"550 Spammer: the recipient mailbox does not exist", notBlocklist},
		// "DNS-BL" as two words; the recipient's own refusal in Japanese,
		// Chinese and Korean stays the recipient's, our address on a list
		// in those languages stays a block-list refusal.
		{"554 5.7.1 Message refused by DNS-BL", Blocklist},
		{"550 5.7.1 Rejected: your IP is listed on a DNS-BL", Blocklist},
		{"550 送信元のメールアドレスは受信者により受信拒否されています", notBlocklist},
		{"550 您的邮件被收件人设置的黑名单拦截", notBlocklist},
		{"550 수신자가 귀하의 메일을 차단했습니다", notBlocklist},
		{"550 5.7.1 送信元IPアドレスがブラックリストに登録されているため、受信を拒否しました", Blocklist},
		{"554 Sorry, your IP has been added to our firewall", Blocklist},
		{"550 Вашему серверу запрещено отправлять почту", Blocklist},
		{"550 该IP因发送垃圾邮件被暂时禁止", Blocklist},
		{"550 貴社のメールサーバーは迷惑メール送信元として登録されています", Blocklist},
		{"550 5.7.1 Message blocked by firewall rule: attachment type not allowed", notBlocklist},
		// An intrusion prevention or detection system that blocked our
		// address is a block of it (issue 14, eighth round); its
		// connection-count and rate limits stay rate limits, an
		// attachment it blocked stays out. A fail2ban jail was one too
		// until the nineteenth round: it jails for errors counted on the
		// connection and lets go after its ban time, a throttle with
		// nothing to delist (precision_test.go).
		{"421 4.7.1 Intrusion prevention active for [192.0.2.1]", Blocklist},
		{"550 Your IP 192.0.2.1 is blocked by the intrusion detection system", Blocklist},
		{"554 Connection blocked by fail2ban", notBlocklist},
		{"421 4.7.1 Intrusion prevention: too many connections from 192.0.2.1", RateLimit},
		{"421 Intrusion prevention: message rate limit exceeded, try later", RateLimit},
		{"550 5.7.1 Intrusion prevention blocked a malicious attachment", notBlocklist},
		{"554 邮件被禁止发送：内容违规", notBlocklist},
		// An account's or a domain's own settings of where it may send
		// from, the recipient organisation's own list: no verdict on the
		// address's standing; a local deny list of addresses is one.
		{"550 5.7.1 Sending from this IP address is not permitted for your account", notBlocklist},
		{"554 5.7.1 Message rejected: the sending IP 192.0.2.1 is not registered for this domain", notBlocklist},
		{"550 5.7.1 IP 192.0.2.1 is not allowed to use this SMTP server", notBlocklist},
		{"553 5.7.1 Sender is on the organization block list", notBlocklist},
		{"550 5.7.1 Access denied: IP address on internal denylist", Blocklist},
		{"550 5.7.1 IP 192.0.2.1 is blacklisted and not allowed to use this server", Blocklist},
		// Reputation in any refusal is the sender's; a URL's, a file's or
		// the message's is the content's.
		{"550 5.7.1 Rejected due to sender reputation", Blocklist},
		{"421 4.7.0 Deferred due to reputation", Blocklist},
		{"451 4.7.1 Reputation temporarily insufficient, please retry", Blocklist},
		{"550 5.7.1 Your sending reputation is poor", Blocklist},
		{"554 5.7.1 Rejected for reputation reasons", Blocklist},
		{"550 Rechazado por reputación", Blocklist},
		{"554 5.7.1 Rejected: URL reputation check failed", notBlocklist},
		{"550 5.7.1 Attachment blocked: file reputation is malicious", notBlocklist},
		{"550 5.7.1 Rejected: the reputation of a link in the message is poor", notBlocklist},
		{"554 Rejected: message reputation is low", notBlocklist},
		// An access denied to our address itself, a block for abuse,
		// dynamically assigned space, a database our address is in, a
		// link to a list's lookup page; a country's block stays policy.
		{"550 Access denied, your sending IP [192.0.2.1] is banned here", Blocklist},
		{"550 Access denied: mail from this IP is not accepted", Blocklist},
		{"554 Blocked for abuse, write to postmaster", Blocklist},
		{"550 Mail from dynamically-assigned addresses is not relayed here", Blocklist},
		{"550 5.7.0 Your server IP address is in our spam database, bye", Blocklist},
		{"550 5.7.1 IP address not in database of authorized relays", notBlocklist},
		{"554 Refused, see http://lists.example.org/query/ip/192.0.2.1", Blocklist},
		{"554 Rejected, see http://lists.example.net/bl.shtml?192.0.2.1", Blocklist},
		{"550 5.7.1 Connection from your IP is not allowed (geo-block: country)", notBlocklist},
		{"550 5.7.1 Access denied: IP 192.0.2.1 is not on the allowed list of this domain", notBlocklist},
		{"550 5.1.1 Recipient not found in the user database", notBlocklist},
		// A rate limit in Chinese or Japanese is a rate limit; spam from
		// the address in the same words is not.
		{"550 该IP短期内发送了大量信件,超过了限制,被临时禁止连接", notBlocklist},
		{"421 发信频率过高，请稍后再试", notBlocklist},
		{"550 该IP短期内发送了大量垃圾邮件,被临时禁止连接", Blocklist},
		{"550 5.7.1 You are banned", Blocklist},
		{"550 5.7.1 <a@example.org>: Sender address rejected: blacklisted IP 192.0.2.1", Blocklist},
		{"550 5.7.1 <a@example.org>: Sender address rejected: Domain not found [192.0.2.1]", notBlocklist},
		// Other reasons said beside our address itself blocked or listed:
		// the address's block wins.
		{"554 5.7.1 Spam message rejected; sender IP is blacklisted", Blocklist},
		{"550 Mailbox unavailable: IP banned", Blocklist},
		{"554 5.5.1 Protocol error; your IP is blocked for an hour", Blocklist},
		{"554 5.7.1 Spam message rejected", notBlocklist},
		// Other failures with our address beside them: a relaying
		// server's expired delivery, a DKIM signature, the message's file
		// type, MIME structure or header fields, the sender not verified.
		{"550 5.4.316 Message expired, connection refused (Socket error code 10061) from 192.0.2.1", notBlocklist},
		{"550 Rejected: signature_incorrect from 192.0.2.1", notBlocklist},
		{"554 5.7.1 Matched map: FORBIDDEN_FILE_EXTENSION from 192.0.2.1", notBlocklist},
		{"552 MIME/REJECT: Invalid structure from 192.0.2.1", notBlocklist},
		{"550 Messages without To: fields are not accepted here from 192.0.2.1", notBlocklist},
		{"550 Verify mailfrom failed, blocked from 192.0.2.1", notBlocklist},
		{"550 5.7.1 Your IP is in a bad neighborhood", Blocklist},
		// A spam source or spammer in other languages; a message called
		// spam in them stays content.
		{"550 Ihr Server ist als Spamquelle bekannt", Blocklist},
		{"550 Ihre IP-Adresse ist gelistet", Blocklist},
		{"550 Ihr Server ist im Verzeichnis nicht gelistet, Zustellung abgelehnt", notBlocklist},
		{"550 Ваш IP находится в списке спамеров", Blocklist},
		{"550 Votre IP est connue pour l'envoi de spam", Blocklist},
		{"550 Il tuo IP è segnalato come fonte di spam", Blocklist},
		{"550 Twój adres IP jest na liście spamerów", Blocklist},
		{"550 Uw IP-adres is bekend als spambron", Blocklist},
		{"550 Ihre Nachricht wurde als Spam eingestuft", notBlocklist},
		{"550 Votre message a été identifié comme spam", notBlocklist},
		{"550 送信元IPアドレスがスパム送信元として登録されています", Blocklist},
		{"550 该IP被识别为垃圾邮件源", Blocklist},
		{"550 このメールはスパムと判定されました", notBlocklist},
		{"550 Message blocked, see http://example.org/policy", notBlocklist},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if tc.want == notBlocklist && v.Category != Blocklist {
			continue
		}
		if v.Category != tc.want {
			t.Errorf("%q: category %s (rule %s), want %s", tc.text, v.Category, v.Rule, tc.want)
		}
	}
}

// TestGenericCuesWholeWords: the generic layer finds its cues as whole
// words only. A subject and a refusal glued inside other words ("qipq
// qblockedq"), or a strong cue glued so, is no refusal — glued by a letter
// or digit of each kind of script the vocabulary is in (ASCII, a digit,
// Latin with a diacritic, Cyrillic, Greek). Cues in Chinese, Japanese and
// Korean are found inside words by design and are skipped.
func TestGenericCuesWholeWords(t *testing.T) {
	c := Default()
	g := c.src.Generic
	if g == nil {
		t.Fatal("the catalog has no generic layer")
	}
	for _, q := range []string{"q", "7", "é", "ж", "ω"} {
		genericCuesGlued(t, c, g, q)
	}
	// Unglued, the same cues do fire.
	if v := c.Classify(InputFromText("550 ip blocked today", "")); v.Rule != GenericRuleID {
		t.Errorf("ip blocked: rule %q, want %q", v.Rule, GenericRuleID)
	}
}

// genericCuesGlued checks the generic layer's cues glued by q.
func genericCuesGlued(t *testing.T, c *Catalog, g *GenericCues, q string) {
	t.Helper()
	glue := func(p string) (string, bool) {
		if wideScript(p) {
			return "", false
		}
		var out []string
		for _, w := range strings.Fields(p) {
			if strings.HasPrefix(w, "{") {
				return "", false
			}
			if s, ok := strings.CutSuffix(w, "*"); ok {
				out = append(out, q+s)
				continue
			}
			out = append(out, q+w+q)
		}
		return strings.Join(out, " "), true
	}
	check := func(text string) {
		t.Helper()
		if v := c.Classify(InputFromText("550 "+text+" today", "")); v.Rule == GenericRuleID {
			t.Errorf("%q: the generic layer fired on words glued inside other words", text)
		}
	}
	for _, s := range g.Subject {
		gs, ok := glue(s)
		if !ok {
			continue
		}
		for _, r := range append(append([]string{}, g.Refusal...), g.List...) {
			if gr, ok := glue(r); ok {
				check(gs + " " + gr)
			}
		}
	}
	for _, s := range g.Strong {
		if gs, ok := glue(s); ok {
			check(gs)
		}
	}
}

// TestTokenize: how the generic layer cuts a reply into words.
func TestTokenize(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // words joined by "|", kinds marked: ip:…, addr:…, link:…; clauses by "/"
	}{
		{"your ip 192.0.2.1 is blocked.", "your|ip|ip:192.0.2.1|is|blocked"},
		{"ip x.x.x.x, 211.xxx.xxx.xxx and 2***.***.***.*** or 1.2.3.*", "ip|ip:x.x.x.x|ip:211.xxx.xxx.xxx|and|ip:2***.***.***.***|or|ip:1.2.3.*"},
		{"5.7.1 is a code, 1.2.3.4.5 is no address", "5.7.1|is|a|code|1.2.3.4.5|is|no|address"},
		{"ip-adresse black-listed; see http://example.org/rbl?ip=1", "ip|adresse|black|listed|/see|link:http://example.org/rbl?ip=1"},
		{"sender <x> rejected, mail a@example.org", "sender|addr:x|rejected|mail|addr:a@example.org"},
		{"521 <192.0.2.1> is blocked", "521|ip:192.0.2.1|is|blocked"},
		{"发信ip位于黑名单。ok", "发信|ip|位于黑名单|/ok"},
		{"送信元ipアドレスはブロック", "送信元|ip|アドレスはブロック"},
		{"ip가 차단되었습니다", "ip|가|차단되었습니다"},
		{"votre adresse ip est listée", "votre|adresse|ip|est|listée"},
		{"Ваш IP заблокирован", "ваш|ip|заблокирован"},
		{"don't spam_suspect:ip_control", "don't|spam|suspect|ip|control"},
		// a link without its scheme is one link word; an address before a
		// mask length is no host
		{"see rbl.example.org/lookup?ip=1.2.3.4 now", "see|link:rbl.example.org/lookup?ip=1.2.3.4|now"},
		{"visit http:// spam.example.net/deny.php?ip=1", "visit|link:http://|link:spam.example.net/deny.php?ip=1"},
		{"net 192.0.2.0/24 and a/b", "net|ip:192.0.2.0|24|and|a|b"},
		// an abbreviation's '.' ends no clause; a sentence's does
		{"adresa ip a serverului dvs. este pe lista neagră. Ok", "adresa|ip|a|serverului|dvs|este|pe|lista|neagră|/ok"},
		{"blocked. see it", "blocked|/see|it"},
		// Thai is written without spaces, as Chinese is
		{"ip ของคุณถูกบล็อก", "ip|ของคุณถูกบล็อก"},
		// a spacing combining mark (Devanagari's vowel signs) belongs to
		// its word (thirteenth round)
		{"आपका आईपी ब्लैकलिस्ट में है", "आपका|आईपी|ब्लैकलिस्ट|में|है"},
		// OpenBSD spamd's placeholder for the client's address
		{"Your address %A is in the x list; 100%a %ab", "your|address|ip:a|is|in|the|x|list|/100|a|ab"},
	} {
		low, toks := tokenize(nil, nil, normalize(nil, tc.text, 0))
		var parts []string
		clause := int32(0)
		for _, tk := range toks {
			w := string(low[tk.s:tk.e])
			switch tk.kind {
			case tokIP:
				w = "ip:" + w
			case tokAddr:
				w = "addr:" + w
			case tokLink:
				w = "link:" + w
			}
			if tk.clause != clause {
				w = "/" + w
				clause = tk.clause
			}
			parts = append(parts, w)
		}
		if got := strings.Join(parts, "|"); got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.text, got, tc.want)
		}
	}
}

// TestGenericOverride: a catalog file can change the generic layer's
// vocabulary, and a cue that is not whole words is an
// error with its line.
func TestGenericOverride(t *testing.T) {
	text := "550 your ip is on the naughty step"
	if v := Default().Classify(InputFromText(text, "")); v.Category == Blocklist {
		t.Fatalf("%q is a blocklist refusal before the override", text)
	}
	var list []string
	for _, l := range Default().src.Generic.List {
		list = append(list, strconv.Quote(l))
	}
	c, err := Load(Default(), []byte("generic:\n  list: ["+strings.Join(list, ", ")+", 'naughty step']\n"), "my.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Classify(InputFromText(text, "")); v.Category != Blocklist || v.Rule != GenericRuleID {
		t.Errorf("%q after the override: %s (rule %s)", text, v.Category, v.Rule)
	}
	_, err = Load(Default(), []byte("# a comment\ngeneric:\n  refusal: ['not-a-word']\n"), "my.yaml")
	var le *LoadError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "my.yaml:2: generic: cue") {
		t.Errorf("bad cue: got %v", err)
	}
	// "{word}" stands for any one plain word, never for an address, and
	// never begins a cue.
	var strong []string
	for _, l := range Default().src.Generic.Strong {
		strong = append(strong, strconv.Quote(l))
	}
	c, err = Load(Default(), []byte("generic:\n  strong: ["+strings.Join(strong, ", ")+", 'shunned by the {word} robot']\n"), "my.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]bool{"550 shunned by the Acme robot": true, "550 shunned by the 192.0.2.1 robot": false, "550 shunned by the robot": false} {
		if v := c.Classify(InputFromText(text, "")); (v.Rule == GenericRuleID) != want {
			t.Errorf("%q with {word}: rule %q, want the generic layer %v", text, v.Rule, want)
		}
	}
	_, err = Load(Default(), []byte("generic:\n  strong: ['{word} robot']\n"), "my.yaml")
	if err == nil || !strings.Contains(err.Error(), "cannot begin with {word}") {
		t.Errorf("a cue beginning with {word}: got %v", err)
	}
}
