package classify

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The crossing (issue 14, eleventh round): a refusal's parts — who is
// refused, how, where or why, and the frame an MTA puts around it — crossed
// systematically, labelled by construction, to find the generic layer's
// holes by kind rather than by phrase. Like families_test.go, these are
// unit tests of the generic layer, never an accuracy figure.

// crossFrames: how a reply reaches us. %s is the refusal sentence.
var crossFrames = []struct{ kind, f string }{
	{"550 5.7.1", "550 5.7.1 %s"},
	{"554 bare", "554 %s"},
	{"421 4.7.1", "421 4.7.1 %s, try again later"},
	{"450 4.7.1", "450 4.7.1 %s"},
	{"451 bare", "451 %s"},
	{"553 5.7.0", "553 5.7.0 %s"},
	{"550 5.7.606", "550 5.7.606 %s"},
	{"url", "554 5.7.1 %s. See https://help.example.org/mail/errors"},
	{"contact", "550 %s. Please contact postmaster@example.org"},
	{"quoted", `550 "%s"`},
	{"postfix", "host mx.example.org[198.51.100.1] said: 550 5.7.1 %s (in reply to MAIL FROM command)"},
	{"exim", "SMTP error from remote mail server after RCPT TO:<a@example.org>: 550 %s"},
	{"exchange", "Remote Server returned '550 5.7.1 %s'"},
}

// crossSubjects: our address, host, network or domain; each with the
// verb's auxiliary it takes.
var crossSubjects = []string{
	"your IP",
	"IP address 192.0.2.1",
	"[192.0.2.1]",
	"the sending host",
	"the connecting host",
	"the client host",
	"your server",
	"your network",
	"your netblock",
	"your IP range",
	"the host mx.example.net",
	"your domain example.com",
}

// crossVerbs: the refusal or the listing; list says the verb is itself a
// listing (so a list place follows it directly), weak that it says
// nothing of why alone (so a domain refused with it and nothing more is
// not labelled).
var crossVerbs = []struct {
	v          string
	list, weak bool
}{
	{"is blocked", false, false},
	{"has been blocked", false, false},
	{"was blocked", false, false},
	{"is blacklisted", true, false},
	{"is block-listed", true, false},
	{"is blocklisted", true, false},
	{"is listed", true, false},
	{"is denied", false, true},
	{"is banned", false, false},
	{"is refused", false, true},
	{"has been rejected", false, true},
	{"is not allowed", false, true},
	{"is not permitted", false, true},
	{"is prohibited", false, true},
	{"is forbidden", false, true},
	{"is barred", false, false},
	{"has been suspended", false, true},
	{"is throttled for reputation", false, false},
}

// crossTails: where or why. list: a list place, said after a listing verb
// as is, after a refusal verb as "- listed <place>".
var crossTails = []struct {
	kind, t string
	list    bool
}{
	{"none", "", false},
	{"block list", "on our block list", true},
	{"blacklist", "in our blacklist", true},
	{"rbl", "on our RBL", true},
	{"dnsbl", "in a DNSBL", true},
	{"deny list", "on our deny list", true},
	{"spam list", "on a spam list", true},
	{"reputation list", "on our reputation list", true},
	{"by zone", "by bl.example.org", true},
	{"at zone", "at bl.example.org", true},
	{"spam filter", "by our spam filter", false},
	{"anti-spam", "by our anti-spam system", false},
	{"reputation system", "by our reputation system", false},
	{"security policy", "by our security policy", false},
	{"poor reputation", "due to poor reputation", false},
	{"bad reputation", "because of its bad reputation", false},
	{"low reputation", "for low reputation", false},
	{"spam source", "as a spam source", false},
	{"complaints", "due to spam complaints", false},
	{"dnsbl reason", "because it is listed on a DNSBL", false},
	{"abuse", "due to previous abuse", false},
	{"compromised", "as a compromised host", false},
}

type crossCase struct {
	text                       string
	subject, verb, tail, frame string
}

// crossBlocklist builds every block-list refusal of the crossing. Frames
// rotate over the sentences (a fixed order, no randomness) so every frame
// meets every subject, verb and tail without the full product.
func crossBlocklist() []crossCase {
	var out []crossCase
	i := 0
	for _, s := range crossSubjects {
		for _, v := range crossVerbs {
			for _, tl := range crossTails {
				if tl.t == "" && v.weak && (strings.HasPrefix(s, "your domain") || v.v == "has been suspended") {
					continue // says nothing of why: "Sending IP temporarily suspended" is a rate limit in dev.tsv
				}
				if v.v == "is throttled for reputation" && tl.t != "" {
					continue
				}
				sent := s + " " + v.v
				switch {
				case tl.t == "":
				case tl.list && !v.list:
					sent += " - listed " + tl.t
				case !tl.list && v.list && strings.HasPrefix(tl.t, "by our"):
					sent += " - blocked " + tl.t
				default:
					sent += " " + tl.t
				}
				sent = strings.ToUpper(sent[:1]) + sent[1:]
				fr := crossFrames[i%len(crossFrames)]
				i++
				out = append(out, crossCase{fmt.Sprintf(fr.f, sent), s, v.v, tl.kind, fr.kind})
			}
		}
	}
	return out
}

// crossOtherSubjects: look-alikes, the same verbs and places said of
// something that is not our address's standing.
var crossOtherSubjects = []struct{ kind, s string }{
	{"sender address", "the sender address a@example.com"},
	{"sender address", "sender <a@example.com>"},
	{"user", "user b@example.org"},
	{"user", "the recipient"},
	{"mailbox", "this mailbox"},
	{"attachment", "the attachment"},
	{"message", "your message"},
	{"account", "your account"},
	{"link", "a link in the message"},
}

var crossOtherTails = []struct{ kind, t string }{
	{"none", ""},
	{"by the recipient", "by the recipient"},
	{"content filter", "by our content filter"},
	{"as spam", "as spam"},
	{"virus", "because it contains a virus"},
	{"policy", "by policy"},
}

// crossOtherFixed: other failures that speak of our address or a list
// word but refuse for another reason.
var crossOtherFixed = []struct{ kind, s string }{
	{"rate", "too many connections from your IP"},
	{"rate", "your IP has exceeded the connection rate limit"},
	{"rate", "too many messages from 192.0.2.1 in the last hour"},
	{"auth", "authentication failed for your IP"},
	{"auth", "your IP is blocked after too many failed login attempts"},
	{"spf", "SPF check failed: 192.0.2.1 is not allowed to send mail for example.com"},
	{"spf", "your IP is not permitted by the SPF record of example.com"},
	{"dmarc", "message rejected due to DMARC policy of example.com"},
	{"relay", "relaying denied for 192.0.2.1"},
	{"relay", "your IP is not allowed to relay through this server"},
	{"greylist", "greylisted, please try again later"},
	{"greylist", "your IP is greylisted, try again in 5 minutes"},
	{"size", "message size exceeds the limit"},
	{"tls", "TLS is required for mail from your IP"},
	{"content", "your message was rejected as spam"},
	{"content", "the message from 192.0.2.1 was blocked by our spam filter"},
	{"rdns", "your IP has no reverse DNS"},
}

func crossOther() []crossCase {
	var out []crossCase
	i := 0
	add := func(sent, subject, verb, tail string) {
		sent = strings.ToUpper(sent[:1]) + sent[1:]
		fr := crossFrames[i%len(crossFrames)]
		i++
		out = append(out, crossCase{fmt.Sprintf(fr.f, sent), subject, verb, tail, fr.kind})
	}
	for _, s := range crossOtherSubjects {
		for _, v := range crossVerbs {
			if v.v == "is throttled for reputation" {
				continue
			}
			for _, tl := range crossOtherTails {
				if s.kind == "link" && v.list && v.v != "is listed" && tl.t == "" {
					continue // a link blacklisted, no more said: a URI list's refusal (domain_test.go; issue 14, sixteenth round)
				}
				sent := s.s + " " + v.v
				if tl.t != "" {
					sent += " " + tl.t
				}
				add(sent, s.kind, v.v, tl.kind)
			}
		}
	}
	for _, f := range crossOtherFixed {
		for range 3 {
			add(f.s, f.kind, "", "")
		}
	}
	return out
}

// TestCrossing: the holes of the crossing, counted by kind. The ceilings
// are what the eleventh round left; lower them, never raise them.
func TestCrossing(t *testing.T) {
	const maxMissed, maxFalse = 0, 0
	c := Default()
	missed := map[string]int{}
	var nm, nf int
	bl := crossBlocklist()
	for _, tc := range bl {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category == Blocklist && v.Provider == Unknown {
			continue
		}
		nm++
		missed["subject "+tc.subject]++
		missed["verb "+tc.verb]++
		missed["tail "+tc.tail]++
		missed["frame "+tc.frame]++
		t.Logf("missed: %q: %s/%q (rule %s)", tc.text, v.Category, v.Provider, v.Rule)
	}
	other := crossOther()
	falses := map[string]int{}
	for _, tc := range other {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != Blocklist {
			continue
		}
		nf++
		falses["subject "+tc.subject]++
		falses["verb "+tc.verb]++
		falses["tail "+tc.tail]++
		t.Logf("false alarm: %q: %q (rule %s)", tc.text, v.Provider, v.Rule)
	}
	logKinds(t, "missed", missed)
	logKinds(t, "false", falses)
	t.Logf("crossing: %d of %d block-list refusals missed, %d of %d others called block-list", nm, len(bl), nf, len(other))
	if nm > maxMissed || nf > maxFalse {
		t.Errorf("crossing: %d missed (at most %d), %d false alarms (at most %d)", nm, maxMissed, nf, maxFalse)
	}
}

func logKinds(t *testing.T, what string, m map[string]int) {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return m[ks[i]] > m[ks[j]] || m[ks[i]] == m[ks[j]] && ks[i] < ks[j] })
	for _, k := range ks {
		t.Logf("%s by %s: %d", what, k, m[k])
	}
}

// crossLanguages: the same refusal of our address in the languages the
// catalog's generic layer covers, each sentence written whole (so its
// grammar agrees) and crossed with every frame.
var crossLanguages = []struct{ lang, s string }{
	{"de", "Ihre IP-Adresse ist gesperrt"},
	{"de", "Ihr Server wurde blockiert"},
	{"de", "Die IP 192.0.2.1 steht auf unserer Sperrliste"},
	{"de", "Ihre IP-Adresse steht auf einer schwarzen Liste"},
	{"de", "Ihr Mailserver wurde wegen schlechter Reputation abgelehnt"},
	{"fr", "Votre adresse IP est bloquée"},
	{"fr", "Votre serveur a été bloqué"},
	{"fr", "L'adresse IP 192.0.2.1 est sur liste noire"},
	{"fr", "Votre adresse IP est listée dans une RBL"},
	{"fr", "Votre serveur est refusé en raison d'une mauvaise réputation"},
	{"es", "Su dirección IP está bloqueada"},
	{"es", "Su servidor ha sido bloqueado"},
	{"es", "La IP 192.0.2.1 está en una lista negra"},
	{"es", "Su dirección IP ha sido rechazada por mala reputación"},
	{"it", "Il tuo indirizzo IP è bloccato"},
	{"it", "L'IP 192.0.2.1 è in una lista nera"},
	{"it", "Il tuo server è stato bloccato per cattiva reputazione"},
	{"pt", "Seu endereço IP está bloqueado"},
	{"pt", "O IP 192.0.2.1 está na lista negra"},
	{"pt", "Seu servidor foi bloqueado por má reputação"},
	{"nl", "Uw IP-adres is geblokkeerd"},
	{"nl", "Het IP-adres 192.0.2.1 staat op een zwarte lijst"},
	{"pl", "Twój adres IP jest zablokowany"},
	{"pl", "Adres IP 192.0.2.1 znajduje się na czarnej liście"},
	{"ru", "Ваш IP-адрес заблокирован"},
	{"ru", "IP-адрес 192.0.2.1 находится в черном списке"},
	{"ru", "Ваш сервер заблокирован из-за плохой репутации"},
	{"ja", "お使いのIPアドレスはブロックされています"},
	{"ja", "IPアドレス 192.0.2.1 はブラックリストに登録されています"},
	{"zh", "您的IP地址已被封禁"},
	{"zh", "IP 192.0.2.1 在黑名单中"},
	{"ko", "귀하의 IP는 차단되었습니다"},
	{"ko", "IP 192.0.2.1 은(는) 블랙리스트에 등록되어 있습니다"},
}

// crossLanguagesOther: look-alikes in those languages (content, rate,
// recipient, sender address), which must not be block-list.
var crossLanguagesOther = []struct{ lang, s string }{
	{"de", "Ihre Nachricht wurde als Spam blockiert"},
	{"de", "Zu viele Verbindungen von Ihrer IP-Adresse"},
	{"de", "Der Empfänger ist gesperrt"},
	{"de", "Die Absenderadresse ist gesperrt"},
	{"fr", "Votre message a été bloqué comme spam"},
	{"fr", "Trop de connexions depuis votre adresse IP"},
	{"fr", "Le destinataire est bloqué"},
	{"es", "Su mensaje fue rechazado por ser spam"},
	{"es", "Demasiadas conexiones desde su dirección IP"},
	{"it", "Il messaggio è stato bloccato come spam"},
	{"pt", "Sua mensagem foi bloqueada como spam"},
	{"ru", "Ваше сообщение отклонено как спам"},
	{"ru", "Слишком много соединений с вашего IP-адреса"},
	{"ja", "メッセージはスパムとして拒否されました"},
	{"zh", "邮件内容被判定为垃圾邮件"},
}

// TestCrossingLanguages: the holes of the crossing in other languages,
// by language. The ceilings are what the eleventh round left.
func TestCrossingLanguages(t *testing.T) {
	const maxMissed, maxFalse = 0, 0
	c := Default()
	missed := map[string]int{}
	n, nm := 0, 0
	for _, l := range crossLanguages {
		for _, fr := range crossFrames {
			n++
			text := fmt.Sprintf(fr.f, l.s)
			v := c.Classify(InputFromText(text, ""))
			if v.Category == Blocklist && v.Provider == Unknown {
				continue
			}
			nm++
			missed["lang "+l.lang]++
			t.Logf("missed: %q: %s/%q (rule %s)", text, v.Category, v.Provider, v.Rule)
		}
	}
	falses := map[string]int{}
	no, nf := 0, 0
	for _, l := range crossLanguagesOther {
		for _, fr := range crossFrames {
			no++
			text := fmt.Sprintf(fr.f, l.s)
			v := c.Classify(InputFromText(text, ""))
			if v.Category != Blocklist {
				continue
			}
			nf++
			falses["lang "+l.lang]++
			t.Logf("false alarm: %q: %q (rule %s)", text, v.Provider, v.Rule)
		}
	}
	logKinds(t, "missed", missed)
	logKinds(t, "false", falses)
	t.Logf("crossing in other languages: %d of %d missed, %d of %d others called block-list", nm, n, nf, no)
	if nm > maxMissed || nf > maxFalse {
		t.Errorf("crossing in other languages: %d of %d missed (at most %d), %d of %d false alarms (at most %d)", nm, n, maxMissed, nf, no, maxFalse)
	}
}
