package daemon

import (
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// TestNamedListNotice (issue 12.6): the notice of a list the reply names
// that the catalog does not know ("blocked using dnsrbl.swinog.ch", relayed
// by outlook.com) says what explain says — the list the reply names, to be
// looked up on its own site — not the unnamed list's "the reply does not
// say which list", nor that the list has no public zone and a portal.
func TestNamedListNotice(t *testing.T) {
	h := newHarness(t)
	fake := dnsbltest.StartFake(t)
	h.resolver = &dnsbl.Resolver{Server: fake.Addr, Timeout: 500 * time.Millisecond, Attempts: 1}
	h.start(h.config())
	appendLines(t, h.log, stamp(t0)+" mx postfix/smtp[100]: 4C1B2A3F91: to=<a@contoso.com>, relay=contoso-com.mail.protection.outlook.com[52.101.1.1]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host contoso-com.mail.protection.outlook.com[52.101.1.1] said: 550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using dnsrbl.swinog.ch (in reply to RCPT TO command))")
	opened := h.mail.wait(t, "opened")
	h.stop()
	body := textBody(t, opened)
	for _, want := range []string{"dnsrbl.swinog.ch is the block list the reply names", "Look our address up on the web site of dnsrbl.swinog.ch"} {
		if !strings.Contains(body, want) {
			t.Errorf("notice lacks %q:\n%s", want, body)
		}
	}
	for _, bad := range []string{"does not say which", "no public list that", "portal"} {
		if strings.Contains(body, bad) {
			t.Errorf("notice says %q:\n%s", bad, body)
		}
	}
}

// TestNamedListsOfOneAddress (issue 12.6): two lists the catalog does not
// know refuse mail from one address in the aggregation window — a zone
// quoted by outlook.com and a link — and the one notice names both, with
// a step for each.
func TestNamedListsOfOneAddress(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	h.start(cfg)
	line := func(sec int, qid, rcpt, reply string) string {
		return stamp(t0.Add(time.Duration(sec)*time.Second)) + " mx postfix/smtp[100]: " + qid + ": to=<" + rcpt + ">, relay=contoso-com.mail.protection.outlook.com[52.101.1.1]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host contoso-com.mail.protection.outlook.com[52.101.1.1] said: " + reply + " (in reply to RCPT TO command))"
	}
	appendLines(t, h.log,
		line(0, "4C1B2A3F91", "a@contoso.com", "550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using dnsrbl.swinog.ch"),
		line(5, "4C1B2A3F92", "b@contoso.com", "550 5.7.1 Mail from 192.0.2.1 refused, see http://www.korea.services.net/"))
	h.read(2)
	h.tickAt(t0.Add(30 * time.Second))
	opened := h.mail.wait(t, "opened")
	h.stop()
	if s := subject(t, opened); !strings.Contains(s, "dnsrbl.swinog.ch, korea.services.net") {
		t.Errorf("subject %q does not name both lists", s)
	}
	body := textBody(t, opened)
	for _, want := range []string{"Look our address up on the web site of dnsrbl.swinog.ch", "Look our address up on the web site of korea.services.net"} {
		if !strings.Contains(body, want) {
			t.Errorf("notice lacks %q:\n%s", want, body)
		}
	}
}
