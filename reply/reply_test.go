package reply

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in        string
		code      int
		enhanced  string
		message   string
		temporary bool
	}{
		{"550 5.7.1 Service unavailable", 550, "5.7.1", "Service unavailable", false},
		{"554 Service unavailable; Client host [1.2.3.4] blocked", 554, "", "Service unavailable; Client host [1.2.3.4] blocked", false},
		{"450 4.7.1 Client host rejected", 450, "4.7.1", "Client host rejected", true},
		{"421-4.7.0 [1.2.3.4 15] Our system has detected 421-4.7.0 unsolicited mail. 421 4.7.0 Senders Guidelines. x - gsmtp",
			421, "4.7.0", "[1.2.3.4 15] Our system has detected unsolicited mail. Senders Guidelines. x - gsmtp", true},
		{"554-gmx.net Nemesis ESMTP 554-No SMTP service 554 For explanation visit https://x", 554, "",
			"gmx.net Nemesis ESMTP No SMTP service For explanation visit https://x", false},
		{"5.7.606 Access denied, banned sending IP", 0, "5.7.606", "5.7.606 Access denied, banned sending IP", false},
		{"BL000000 Email from your mail server", 0, "", "BL000000 Email from your mail server", false},
		{"  550  ", 550, "", "", false},
		{"550", 550, "", "", false},
		{"", 0, "", "", false},
		{"4.7.1", 0, "4.7.1", "4.7.1", true},
		{"123 not a reply", 0, "", "123 not a reply", false},
		{"550-5.7.1 a 550 5.7.1 b 550 5.7.1 c", 550, "5.7.1", "a b c", false},
		// A number inside the text that is not the reply's code stays.
		{"550 5.7.1 see 554 rules", 550, "5.7.1", "see 554 rules", false},
		{"550:5.7.1 Blocked by policy", 550, "5.7.1", "Blocked by policy", false},
		{"421: Too many connections", 421, "", "Too many connections", true},
		{"550:no-code-separator", 550, "", "no-code-separator", false},
		// A page's table that glues the code to the text.
		{"421HL:REP too many unknown recipients", 421, "", "HL:REP too many unknown recipients", true},
		{"4501 not a code", 0, "", "4501 not a code", false},
	}
	for _, tc := range tests {
		r := Parse(tc.in)
		if r.Code != tc.code || r.Enhanced != tc.enhanced {
			t.Errorf("Parse(%q) = code %d enhanced %q, want %d %q", tc.in, r.Code, r.Enhanced, tc.code, tc.enhanced)
		}
		if got := r.Message(); got != tc.message {
			t.Errorf("Parse(%q).Message() = %q, want %q", tc.in, got, tc.message)
		}
		if r.Temporary() != tc.temporary {
			t.Errorf("Parse(%q).Temporary() = %v, want %v", tc.in, r.Temporary(), tc.temporary)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("550-5.7.1 a 550 5.7.1 b")
	f.Add("421 4.7.0 [TSS04] Messages from 1.2.3.4 temporarily deferred")
	f.Fuzz(func(t *testing.T, s string) {
		r := Parse(s)
		_ = r.Message()
		if r.Temporary() && r.Permanent() {
			t.Fatalf("both temporary and permanent: %q", s)
		}
	})
}

// TestParseCommonForm holds Parse, which reads "NNN C.S.D text" at once,
// equal to the reading of every form (parseTrimmed) on texts built of a
// code, a separator, an enhanced code of parts of zero to four digits and
// a text, with each byte of the first twelve replaced by a digit, a
// letter, a dot, a space, a dash or a colon, and each cut short.
func TestParseCommonForm(t *testing.T) {
	var texts []string
	for _, code := range []string{"250", "550", "421", "199", "650", "25", "2x0"} {
		for _, sep := range []string{" ", "-", ":", "", "  "} {
			for _, enh := range []string{"2.0.0", "5.7.1", "4.7.26", "5.71.1", "3.1.1", "5..1", "5.7.", ".7.1", "5.7.1234", "5x7.1"} {
				for _, text := range []string{" Ok: queued as 4104E3D1A2", "", " ", "-x", "x"} {
					texts = append(texts, code+sep+enh+text)
				}
			}
		}
	}
	n := len(texts)
	for _, s := range texts[:n] {
		for i := 0; i < len(s) && i < 12; i++ {
			for _, c := range []byte("09aA. -:") {
				b := []byte(s)
				b[i] = c
				texts = append(texts, string(b))
			}
		}
		for k := range len(s) {
			texts = append(texts, s[:k])
		}
	}
	for _, s := range texts {
		if got, want := Parse(s), parseTrimmed(strings.TrimSpace(s)); got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", s, got, want)
		}
	}
}
