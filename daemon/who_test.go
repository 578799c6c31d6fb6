package daemon

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
	"github.com/rblwatch/rblwatch/incident"
)

// TestSelfCheckListingNamesRecentSenders (issue 11.2): when the self-check
// finds our address listed, the notice says who sent most mail in the hours
// before (SASL logins, senders, clients, from the log), so that the
// postmaster can look at the account that probably caused it.
func TestSelfCheckListingNamesRecentSenders(t *testing.T) {
	h, fake, cfg := selfCheckHarness(t)
	h.start(cfg)
	at := t0.Add(-2 * time.Hour)
	var lines []string
	for i, login := range []string{"mallory", "mallory", "mallory", "alice"} {
		qid := "5A5A5A5A" + string(rune('A'+i))
		lines = append(lines,
			stamp(at)+" mx postfix/smtpd[100]: "+qid+": client=pc.example.net[192.0.2.55], sasl_method=PLAIN, sasl_username="+login,
			stamp(at)+" mx postfix/qmgr[90]: "+qid+": from=<"+login+"@example.net>, size=400, nrcpt=1 (queue active)",
			sent(at, qid, "x@example.org"))
	}
	appendLines(t, h.log, lines...)
	h.read(len(lines))
	fake.Set(uce1, dnsbltest.Listed("127.0.0.2", "listed by the test"))
	h.selfCheckRound(0)
	it := h.mail.wait(t, "listed")
	h.stop()
	_, recs := noticeRecords(t, h.store)
	if len(recs) != 1 {
		t.Fatalf("%d notices", len(recs))
	}
	w := recs[0].Incident.Senders
	if w.Messages != 4 || w.Window != whoWindow || len(w.Logins) != 2 || w.Logins[0] != (incident.Count{Name: "mallory", Messages: 3}) {
		t.Errorf("senders %+v, want 4 messages, mallory first with 3", w)
	}
	text := textOf(t, it.Payload)
	for _, want := range []string{"WHO SENT MAIL FROM THIS HOST (the last 1 day, most first)", "SASL logins: mallory (3), alice (1)",
		"Senders: <mallory@example.net> (3), <alice@example.net> (1)", "Clients: pc.example.net[192.0.2.55] (4)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice lacks %q:\n%s", want, text)
		}
	}
}

// textOf returns the text/plain part of an email.
func textOf(t *testing.T, raw []byte) string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := p.Header.(*mail.InlineHeader); ok {
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
		}
	}
	t.Fatal("no text/plain part")
	return ""
}
