package classify

import "testing"

// ownAccountLanguageFamilies (issue 14, twenty-second round): the service we
// submit through refusing our own account for the spam it sent, in the
// languages such services answer in, in the reply's body, at the
// greeting (Postfix's "refused to talk to me:") and after AUTH — NOTES.md's
// none:disabled_account, no listing of our address (the nineteenth
// round's own-account-restricted took the English). Our IP or host
// refused in the same languages stays a block. Rows written by hand, each
// verdict before the classifier ran.
var ownAccountLanguageFamilies = []familyRow{}

func init() {
	texts := []string{
		"550 5.7.1 Your account is blocked for sending spam",
		"554 5.1.8 Email Outgoing Blocked.",
		"550 5.7.1 Ihr Konto wurde wegen Spamversand gesperrt",
		"550 5.7.1 Ihr Account wurde wegen Spam-Versand gesperrt",
		"535 5.7.0 Votre compte est bloqué pour envoi de spam",
		"554 5.7.1 Su cuenta ha sido bloqueada por enviar spam",
		"550 5.7.1 Sua conta foi bloqueada por envio de spam",
		"550 5.7.1 Il tuo account è stato bloccato per invio di spam",
		"550 5.7.1 Ваш аккаунт заблокирован за рассылку спама",
		"550 5.7.1 Ваша учетная запись заблокирована за рассылку спама",
		"550 5.7.1 Twoje konto zostało zablokowane za wysyłanie spamu",
		"550 5.7.1 Váš účet byl zablokován kvůli rozesílání spamu",
		"550 5.7.1 Uw account is geblokkeerd wegens het verzenden van spam",
		"550 5.7.1 Hesabınız spam gönderdiği için engellendi",
		"550 5.7.1 您的帐号因发送垃圾邮件已被封禁",
		"550 5.7.1 您的账户因发送垃圾邮件被冻结",
		"550 5.7.1 お客様のアカウントは迷惑メール送信のため停止されています",
		"550 5.7.1 귀하의 계정은 스팸 발송으로 차단되었습니다",
	}
	for _, s := range texts {
		ownAccountLanguageFamilies = append(ownAccountLanguageFamilies,
			familyRow{"body", s, Other, ""},
			familyRow{"greeting", "host smtp.example.net[192.0.2.9] refused to talk to me: " + s, Other, ""},
			familyRow{"after AUTH", "host smtp.example.net[192.0.2.9] said: " + s + " (in reply to AUTH command)", Other, ""})
	}
	for _, s := range []string{
		"554 Ihre IP-Adresse 192.0.2.1 ist wegen Spamversand gesperrt",
		"554 Votre adresse IP est bloquée pour envoi de spam",
		"554 Ваш IP адрес заблокирован за рассылку спама",
		"554 您的IP因发送垃圾邮件已被封禁",
		"554 Your IP 192.0.2.1 is blocked for sending spam",
	} {
		ownAccountLanguageFamilies = append(ownAccountLanguageFamilies,
			familyRow{"look-alike", s, Blocklist, ""},
			familyRow{"look-alike", "host mx.example.net[192.0.2.9] refused to talk to me: " + s, Blocklist, ""})
	}
}

func TestOwnAccountLanguageFamilies(t *testing.T) { checkFamilies(t, ownAccountLanguageFamilies) }
