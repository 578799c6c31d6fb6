package classify

import (
	"strings"
	"testing"
)

// TestRegionalReceiversByRelay (issue 14.2, 14.3): a refusal that names no
// one, from the real mail host of a large receiver of Asia or Eastern
// Europe as a Postfix log line shows it, is that receiver's own system —
// kind proprietary, found relay, no via — and its explanation shows the
// receiver's own pages, each one the receiver's refusals or senders'
// guides name (see the catalog's comments); the same words from an
// unknown receiver stay unknown, with that receiver as via and no page.
func TestRegionalReceiversByRelay(t *testing.T) {
	c := Default()
	const line = "Dec  6 10:00:01 out postfix/smtp[1001]: 1A2B3C4D01: to=<u@%s>, relay=%s[192.0.2.9]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.7.1, status=bounced (host %s[192.0.2.9] said: 550 5.7.1 Your IP address 203.0.113.5 is temporarily blocked (in reply to MAIL FROM command))"
	for _, tc := range []struct {
		domain, host, provider, via string
		pages                       []string // the lookup and removal pages shown, in order
	}{
		{"mail.ru", "mx1.mail.ru", "mailru", "", []string{"https://postmaster.mail.ru/"}},
		{"qq.com", "mxbiz1.qq.com", "tencent", "", []string{"https://service.mail.qq.com/detail/122/66"}},
		{"yandex.ru", "mx.yandex.ru", "yandex", "", []string{"https://postoffice.yandex.ru/", "https://yandex.com/support/mail/bounces/yandex/message-rejected-under-suspicion-of-spam.html"}},
		{"163.com", "163mx01.mxmail.netease.com", "netease", "", []string{"http://mail.163.com/help/help_spam_16.htm"}},
		{"seznam.cz", "mx1.seznam.cz", "seznam", "", []string{"https://postmaster.seznam.cz/"}},
		{"naver.com", "mail.naver.com", "naver", "", []string{"http://realip.naver.com/"}},
		{"example-isp.net", "mx.example-isp.net", Unknown, "example-isp.net", nil},
	} {
		text := strings.Replace(line, "%s", tc.domain, 1)
		text = strings.Replace(text, "%s", tc.host, 1)
		text = strings.Replace(text, "%s", tc.host, 1)
		v := c.Classify(InputFromText(text, ""))
		wantFound := FoundRelay
		if tc.provider == Unknown {
			wantFound = FoundGeneric
		}
		if v.Provider != tc.provider || v.Found != wantFound || v.Via != tc.via || v.Category != Blocklist {
			t.Errorf("%s: provider %q found %q via %q (%s), want %q %q %q", tc.host, v.Provider, v.Found, v.Via, v.Category, tc.provider, wantFound, tc.via)
			continue
		}
		if p := c.Provider(v.Provider); tc.provider != Unknown && p.Kind != KindProprietary {
			t.Errorf("%s: kind %s, want proprietary", tc.host, p.Kind)
		}
		for _, lang := range []string{"en", "ja"} {
			e := c.Explain(v, lang, RoleDedicated)
			var pages []string
			for _, u := range []string{e.LookupURL, e.RemovalURL} {
				if u != "" {
					pages = append(pages, u)
				}
			}
			if strings.Join(pages, " ") != strings.Join(tc.pages, " ") {
				t.Errorf("%s %s: pages %q, want %q", tc.host, lang, pages, tc.pages)
			}
			if e.FoundNote != c.FoundNote(wantFound, lang) || e.FoundNote == "" {
				t.Errorf("%s %s: found note %q", tc.host, lang, e.FoundNote)
			}
		}
	}
}

// TestHistoricalServiceStatus (issue 14.3): a receiver's own system or a
// filtering service that no longer runs (Postini, Verizon Online, Paran)
// is not a list a receiver's configuration still names: its refusal is an
// old one, and what to do today is where its mail went (Postini's to
// Google, Verizon's to AOL, Paran's to Daum), not "ask the receiver to
// remove the list from its configuration" — which stays what a DNS list
// that no longer runs (SORBS) is told.
func TestHistoricalServiceStatus(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text, provider string
		want, not      map[string]string
		step           string // a word of the steps (en)
	}{
		{"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked - psmtp", "postini",
			map[string]string{"en": "old log", "ja": "古いログ"}, map[string]string{"en": "configuration", "ja": "設定"}, "Google Workspace"},
		{"571 Email from 192.0.2.1 is currently blocked by Verizon Online's anti-spam system", "verizon",
			map[string]string{"en": "old log", "ja": "古いログ"}, map[string]string{"en": "configuration", "ja": "設定"}, "AOL"},
		{"550-'Transaction failed. (SPAM_SUSPECT:IP_CONTROL) (http://cleanip.paran.com)'", "paran",
			map[string]string{"en": "old log", "ja": "古いログ"}, map[string]string{"en": "configuration", "ja": "設定"}, "Daum"},
		{"554 5.7.1 SORBS DNSBL Entry - see <http://www.us.sorbs.net/lookup.shtml?192.0.2.1>", "sorbs",
			map[string]string{"en": "configuration", "ja": "設定"}, map[string]string{"en": "old log", "ja": "古いログ"}, "dnsbl.sorbs.net"},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Provider != tc.provider {
			t.Errorf("%q: provider %q, want %q", tc.text, v.Provider, tc.provider)
			continue
		}
		for _, lang := range []string{"en", "ja"} {
			e := c.Explain(v, lang, RoleDedicated)
			if !strings.Contains(e.Status, tc.want[lang]) || strings.Contains(e.Status, tc.not[lang]) {
				t.Errorf("%s %s: status %q, want %q and not %q", tc.provider, lang, e.Status, tc.want[lang], tc.not[lang])
			}
			if lang == "en" && !strings.Contains(strings.Join(e.Steps, " "), tc.step) {
				t.Errorf("%s: steps %q do not say %q", tc.provider, e.Steps, tc.step)
			}
		}
	}
}
