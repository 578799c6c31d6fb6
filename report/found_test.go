package report

import (
	"bytes"
	"encoding/json"
	stdhtml "html"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/classify"
)

// TestFoundSaid (issue 14.4): every form of the report says how each
// incident's provider was found, in the report's language, as explain
// says it — named in the reply, inferred from the receiver's mail host,
// or generic wording with the receiver as via.
func TestFoundSaid(t *testing.T) {
	cat := classify.Default()
	for _, tc := range []struct {
		text, remote, found string
	}{
		{"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "mx.example.net", classify.FoundNamed},
		{"550 5.7.1 Your IP address 192.0.2.1 is temporarily blocked", "mx1.mail.ru", classify.FoundRelay},
		{"550 5.7.1 Your IP address 192.0.2.1 is temporarily blocked", "mx.example-isp.net", classify.FoundGeneric},
	} {
		inc := incidentOf(cat, tc.text, tc.remote)
		if v := inc.Verdict; v.Found != tc.found {
			t.Fatalf("%s from %s: found %q, want %q", tc.text, tc.remote, v.Found, tc.found)
		}
		for _, lang := range []string{"en", "ja"} {
			note := cat.FoundNote(tc.found, lang)
			if note == "" {
				t.Fatalf("no note for %q in %s", tc.found, lang)
			}
			rep := buildOne(cat, inc, lang)
			var text, html, js bytes.Buffer
			if err := WriteText(&text, rep, lang); err != nil {
				t.Fatal(err)
			}
			if err := WriteHTML(&html, rep, lang); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			label := words[lang].Found
			if !strings.Contains(text.String(), label) || !strings.Contains(text.String(), note) {
				t.Errorf("%s %s: the text report does not say %q: %q", tc.found, lang, label+" "+note, text.String())
			}
			if !strings.Contains(html.String(), "<th>"+label+"</th><td>"+stdhtml.EscapeString(note)+"</td>") {
				t.Errorf("%s %s: the HTML report does not say %q", tc.found, lang, note)
			}
			var got struct {
				Incidents []struct {
					Found     string `json:"found"`
					FoundNote string `json:"found_note"`
					Via       string `json:"via"`
				} `json:"incidents"`
			}
			if err := json.Unmarshal(js.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if len(got.Incidents) != 1 || got.Incidents[0].Found != tc.found || got.Incidents[0].FoundNote != note {
				t.Errorf("%s %s: JSON incidents %+v, want found %q, found_note %q", tc.found, lang, got.Incidents, tc.found, note)
			}
			if tc.found == classify.FoundGeneric && got.Incidents[0].Via != "example-isp.net" {
				t.Errorf("generic from an unknown receiver: via %q, want example-isp.net", got.Incidents[0].Via)
			}
		}
	}
}
