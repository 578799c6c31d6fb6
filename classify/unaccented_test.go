package classify

import "testing"

// Issue 14, twenty-second round: a receiver's refusal in its own
// language, written without its accents. Mail servers write their replies
// in ASCII more often than not ("Adres IP … znajduje sie na czarnej
// liscie", "Vase IP adresa byla zablokovana", "Votre IP est listee"), and
// the generic layer knew the words only with their diacritics: the
// accented cue now also finds its plain-ASCII twin (unaccented). The rows
// are the ASCII spellings of the session's family rows in Latin scripts
// with diacritics whose verdict the accents decided (both sides: blocks,
// and other failures a veto in accents keeps out), and hand-written
// receivers' refusals and look-alikes, each verdict written before the
// classifier ran.
var unaccentedFamilies = []familyRow{
	{"look-alike", "550 Message refuse en raison de sa reputation", Other, ""},
	{"look-alike", "554 Rejete : reputation du message insuffisante", Other, ""},
	{"look-alike", "550 Rechazado por la reputacion del mensaje", Other, ""},
	{"look-alike", "550 Rejeitado pela reputacao da mensagem", Other, ""},
	{"look-alike", "host mx.example.com[192.0.2.9] refused to talk to me: 550 Ihre IP-Adresse 203.0.113.7 kann nicht aufgelost werden", Other, ""},
	{"look-alike", "550 Empfanger steht auf der Blacklist", Other, ""},
	{"look-alike", "550 5.7.1 Der Empfanger ist auf der schwarzen Liste", Other, ""},
	{"block", "550 Votre serveur a envoye du spam", Blocklist, ""},
	{"block", "550 Gesperrt wegen Worterbuchangriff", Blocklist, ""},
	{"look-alike", "550 Voce esta na lista negra", Other, ""},
	{"look-alike", "421 Cok fazla baglantı nedeniyle IP adresiniz gecici olarak engellendi", Other, ""},
	{"look-alike", "550 Absender steht auf der personlichen Sperrliste des Empfangers", Other, ""},
	{"look-alike", "550 L'adresse de l'expediteur est sur liste noire", Other, ""},
	{"look-alike", "530 Verschlusselung erforderlich, Verbindung von Ihrer IP abgelehnt", Other, ""},
	{"look-alike", "535 Kimlik dogrulama basarısız, IP adresiniz engellendi", Other, ""},
	{"look-alike", "552 Mesaj cok buyuk, IP adresiniz reddedildi", Other, ""},
	{"look-alike", "535 Sikertelen hitelesites, az On IP-cime le van tiltva", Other, ""},
	{"look-alike", "530 Verschlusselung erforderlich; ausserdem steht Ihre IP-Adresse auf einer Blacklist", Other, ""},
	{"block", "550 Il tuo server non e il benvenuto", Blocklist, ""},
	{"block", "550 Vase IP adresa byla zakazana", Blocklist, ""},
	{"block", "550 Pristup odepren pro vasi IP adresu", Blocklist, ""},
	{"block", "550 Ihre IP-Adresse ist in bl.example.org aufgefuhrt", Blocklist, ""},
	{"block", "550 Votre IP 192.0.2.1 est liste sur bl.example.org", Blocklist, ""},
	{"block", "550 Votre adresse IP est repertoriee dans bl.example.org", Blocklist, ""},
	{"block", "550 Twoj adres IP jest na liscie bl.example.org", Blocklist, ""},
	{"look-alike", "550 Su IP no esta en la lista de servidores autorizados", Other, ""},
	{"look-alike", "550 Votre IP n'est pas listee dans nos serveurs autorises", Other, ""},
	{"look-alike", "550 Vase IP adresa neni na seznamu povolenych", Other, ""},
	{"look-alike", "421 IP adresiniz cok fazla baglantı nedeniyle yasaklandı", Other, ""},
	{"look-alike", "550 IP adresinize erisim reddedildi: kimlik dogrulama gerekli", Other, ""},
	{"look-alike", "550 IP adresiniz hatalı giris denemeleri nedeniyle yasaklandı", Other, ""},
	{"block", "550 Reseau bloque pour spam", Blocklist, ""},
	{"block", "550 IP-talan thin er a svortum lista", Blocklist, ""},
	{"block", "550 Đia chi IP cua ban da bi chan", Blocklist, ""},
	{"block", "550 May chu cua ban nam trong danh sach den", Blocklist, ""},
	{"block", "550 Đia chi IP cua ban co danh tieng xau", Blocklist, ""},
	{"block", "550 Adresa dumneavoastra IP este blocata", Blocklist, ""},
	{"block", "550 Sunucunuz engellenmistir", Blocklist, ""},
	{"block", "550 Twoj adres IP jest na czarnej liscie", Blocklist, ""},
	{"block", "550 Chung toi khong nhan thu tu may chu cua ban", Blocklist, ""},
	{"block", "550 Đia chi IP cua ban nam trong danh sach chan", Blocklist, ""},
	{"block", "550 Nem fogadunk leveleket az On szervererol", Blocklist, ""},
	{"block", "550 Az IP-cimenek rossz a hirneve", Blocklist, ""},
	{"block", "550 Adresa IP a fost blocata", Blocklist, ""},
	{"block", "550 Neprijimame postu z vaseho serveru", Blocklist, ""},
	{"block", "550 Vasa IP adresa je na ciernej listine", Blocklist, ""},
	{"block", "550 Vas IP naslov je na crnem seznamu", Blocklist, ""},
	{"block", "550 Jusu IP adresas yra uzblokuotas", Blocklist, ""},
	{"block", "550 Jusu IP adrese ir bloketa", Blocklist, ""},
	{"block", "554 5.7.1 Adres IP 192.0.2.1 znajduje sie na czarnej liscie", Blocklist, ""},
	{"block", "550 Twoj serwer zostal zablokowany za wysylanie spamu", Blocklist, ""},
	{"block", "550 Adresse IP bloquee pour cause de spam", Blocklist, ""},
	{"block", "550 Votre adresse IP a ete bloquee", Blocklist, ""},
	{"block", "550 Su direccion IP esta bloqueada por envio de spam", Blocklist, ""},
	{"block", "550 Seu endereco IP foi bloqueado por envio de spam", Blocklist, ""},
	{"block", "550 Vase IP adresa je na cerne listine", Blocklist, ""},
	{"block", "550 Vase IP adresa byla zablokovana", Blocklist, ""},
	{"block", "550 Il vostro indirizzo IP e stato bloccato", Blocklist, ""},
	{"block", "550 Ihre IP-Adresse ist auf unserer Sperrliste aufgefuhrt", Blocklist, ""},
	{"block", "550 Adresa IP a serverului dumneavoastra este pe lista neagra", Blocklist, ""},
	{"look-alike", "550 Destinataire inconnu, adresse refusee", Other, ""},
	{"look-alike", "552 Boite aux lettres pleine", Other, ""},
	{"look-alike", "550 Buzon lleno", Other, ""},
	{"look-alike", "550 Usuario desconocido", Other, ""},
	{"look-alike", "550 Message refuse: contenu indesirable", Other, ""},
	{"look-alike", "554 Mensagem rejeitada: conteudo suspeito", Other, ""},
	{"look-alike", "550 Odbiorca nieznany", Other, ""},
	{"look-alike", "550 Skrzynka odbiorcy jest pelna", Other, ""},
	{"look-alike", "550 Prijemce neexistuje", Other, ""},
	{"look-alike", "535 Chybne overeni, pristup odepren", Other, ""},
	{"look-alike", "550 Adresat nie istnieje w bazie", Other, ""},
	{"look-alike", "554 Zu viele Verbindungen von Ihrer IP, bitte spater erneut versuchen", Other, ""},
	{"look-alike", "421 Limite de connexions depasse pour votre IP", Other, ""},
	{"look-alike", "550 Uwierzytelnienie wymagane, haslo niepoprawne", Other, ""},
	{"look-alike", "550 Domena nadawcy nie istnieje", Other, ""},
	{"look-alike", "550 Le domaine de l'expediteur n'existe pas", Other, ""},
	{"look-alike", "550 Expediteur refuse: SPF echoue", Other, ""},
	{"look-alike", "550 Votre message a ete refuse car il contient un virus", Other, ""},
	{"look-alike", "550 Il destinatario non esiste", Other, ""},
	{"look-alike", "552 Messaggio troppo grande", Other, ""},
	// "listé" without its accent is the French and German noun "liste":
	// a mailing list that refuses our address is no listing of it.
	{"look-alike", "550 Ihre IP-Adresse darf nicht an die Mailing-Liste senden", Other, ""},
	{"look-alike", "550 Absender nicht auf der Liste der Mitglieder, IP 192.0.2.1", Other, ""},
	{"look-alike", "550 Votre IP n'est pas autorisée à écrire à cette liste de diffusion", Other, ""},
	{"look-alike", "550 Votre IP n'est pas autorisee a ecrire a cette liste de diffusion", Other, ""},
	{"look-alike", "550 Empfaenger nicht in der Liste, Ihre IP 192.0.2.1", Other, ""},
	{"look-alike", "550 Ihre IP-Adresse ist nicht in der Liste der erlaubten Absender", Other, ""},
	{"look-alike", "550 Liste de diffusion fermee: votre adresse IP n'est pas membre", Other, ""},
	{"look-alike", "550 5.7.1 Votre IP n'est pas listee dans les serveurs SPF du domaine", Other, ""},
	{"look-alike", "550 Seu IP nao esta autorizado a enviar para esta lista de discussao", Other, ""},
	{"look-alike", "550 Su IP no esta autorizada para enviar a esta lista de correo", Other, ""},
	{"block", "550 Votre IP est listee sur bl.example.org", Blocklist, ""},
}

func TestUnaccentedFamilies(t *testing.T) { checkFamilies(t, unaccentedFamilies) }

// TestUnaccented pins the twins a cue gets.
func TestUnaccented(t *testing.T) {
	for _, tc := range []struct {
		cue  string
		want []string
	}{
		{"czarnej liście", []string{"czarnej liscie"}},
		{"černé listině", []string{"cerne listine"}},
		{"bloquée", []string{"bloquee"}},
		{"aufgeführt", []string{"aufgefuhrt", "aufgefuehrt"}},
		{"straße", []string{"strasse"}},
		{"spärrad", []string{"sparrad", "spaerrad"}},
		{"má", nil},            // too short: Czech "bad" would be "ma"
		{"listé", nil},         // "liste" is the French and German noun
		{"blacklist", nil},     // ASCII already
		{"черном списке", nil}, // not Latin
		{"黑名单", nil},
	} {
		got := unaccented(tc.cue)
		if len(got) != len(tc.want) {
			t.Errorf("unaccented(%q) = %q, want %q", tc.cue, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("unaccented(%q) = %q, want %q", tc.cue, got, tc.want)
			}
		}
	}
}
