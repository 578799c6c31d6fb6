package milter

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.Date(2026, 11, 23, 15, 37, 39, 0, time.UTC)

// fixedID is a track id maker for the pure tests.
func fixedID(qid string) string { return "T(" + qid + ")" }

// ev is one callback with the macros Postfix sends before it.
type ev struct {
	kind   string // connect, helo, mail, rcpt, header, eoh, eom, abort
	a, b   string
	macros map[string]string
}

// run feeds events to a collector and returns the messages ended by eom.
func run(evs ...ev) []Message {
	var c collector
	var out []Message
	for _, e := range evs {
		switch e.kind {
		case "connect":
			c.connect(e.a, "tcp4", 4567, ipString(e.b), mac(e.macros))
		case "helo":
			c.helo(e.a, mac(e.macros))
		case "mail":
			c.mail(e.a, mac(e.macros))
		case "rcpt":
			c.rcpt([]byte(e.a), mac(e.macros))
		case "header":
			c.header([]byte(e.a), []byte(e.b), mac(e.macros))
		case "eoh":
			c.latch(mac(e.macros))
		case "eom":
			out = append(out, c.end(t0, fixedID, mac(e.macros)))
		case "abort":
			c.abort()
		default:
			panic(e.kind)
		}
	}
	return out
}

// mac encodes macros as a macro packet carries them and returns what the
// protocol core reads of it for the collector; nil for nil.
func mac(kv map[string]string) *macros {
	if kv == nil {
		return nil
	}
	var b []byte
	for k, v := range kv {
		b = append(append(append(append(b, k...), 0), v...), 0)
	}
	var m macros
	m.parse(b)
	return &m
}

// Macros as Postfix 3.7 sent them on the bench (shared harness NOTES §5).
var (
	connMacros = map[string]string{"_": "client.example.test [192.0.2.7]", "j": "mx.bench.test", "v": "Postfix 3.7.11",
		"{daemon_addr}": "127.0.0.1", "{daemon_name}": "mx.bench.test"}
	authMail = map[string]string{"{auth_authen}": "alice@bench.test", "{auth_type}": "PLAIN", "{mail_addr}": "alice@bench.test",
		"{mail_host}": "[127.0.0.1]:2526", "{mail_mailer}": "smtp"}
	qidA = map[string]string{"i": "A06969862E3"}
	qidB = map[string]string{"i": "B5D419862E7"}
)

func TestCollectorMacroTiming(t *testing.T) {
	base := Message{Time: t0, Sender: "alice@bench.test", Recipients: []string{"ok@remote.test"}, Nrcpt: 1,
		Client:    Client{Name: "client.example.test", Addr: "192.0.2.7", Port: 4567, Family: "tcp4", Helo: "vm"},
		MessageID: "20261123153739.014839@vm"}
	with := func(f func(*Message)) Message { m := base; f(&m); return m }
	pickupMail := map[string]string{"i": "B5D419862E7", "{mail_addr}": "alice@bench.test"}
	tests := []struct {
		name string
		evs  []ev
		want Message
	}{
		{"smtpd: queue id from the end of the headers", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7", macros: connMacros},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test", macros: map[string]string{"{mail_addr}": "alice@bench.test"}},
			{kind: "rcpt", a: "ok@remote.test", macros: map[string]string{"{rcpt_addr}": "ok@remote.test"}},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>"},
			{kind: "eoh", macros: qidA},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) { m.QueueID, m.TrackID = "A06969862E3", "T(A06969862E3)" })},
		{"smtpd with SASL: auth macros at MAIL", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7", macros: connMacros},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test", macros: authMail},
			{kind: "rcpt", a: "ok@remote.test"},
			{kind: "header", a: "message-id", b: " <20261123153739.014839@vm>"},
			{kind: "eoh", macros: qidA},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) {
			m.QueueID, m.TrackID, m.AuthUser, m.AuthType = "A06969862E3", "T(A06969862E3)", "alice@bench.test", "PLAIN"
		})},
		{"pickup: queue id at MAIL, none later", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7"},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test", macros: pickupMail},
			{kind: "rcpt", a: "ok@remote.test"},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>"},
			{kind: "eom"},
		}, with(func(m *Message) { m.QueueID, m.TrackID = "B5D419862E7", "T(B5D419862E7)" })},
		{"queue id only at the end of the message", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7"},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test"},
			{kind: "rcpt", a: "ok@remote.test"},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>"},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) { m.QueueID, m.TrackID = "A06969862E3", "T(A06969862E3)" })},
		{"no queue id at all", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7"},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test"},
			{kind: "rcpt", a: "ok@remote.test"},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>"},
			{kind: "eom"},
		}, with(func(m *Message) { m.TrackID = "T()" })},
		{"the first queue id stays", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7"},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test", macros: pickupMail},
			{kind: "rcpt", a: "ok@remote.test", macros: qidA},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>"},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) { m.QueueID, m.TrackID = "B5D419862E7", "T(B5D419862E7)" })},
		{"what is not a queue id is ignored", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7"},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test", macros: map[string]string{"i": "NOQUEUE"}},
			{kind: "rcpt", a: "ok@remote.test", macros: map[string]string{"i": "A0696986\r\nX-Evil: 1"}},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>", macros: map[string]string{"i": "../../etc"}},
			{kind: "eoh", macros: map[string]string{"i": ""}},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) { m.QueueID, m.TrackID = "A06969862E3", "T(A06969862E3)" })},
		{"client from macros when the connect names none", []ev{
			{kind: "connect", a: "", b: "", macros: map[string]string{"{client_addr}": "2001:db8::7", "{client_name}": "v6.example.test", "{client_port}": "4567"}},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test"},
			{kind: "rcpt", a: "ok@remote.test"},
			{kind: "header", a: "Message-ID", b: "<20261123153739.014839@vm>"},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) {
			m.QueueID, m.TrackID = "A06969862E3", "T(A06969862E3)"
			m.Client.Name, m.Client.Addr = "v6.example.test", "2001:db8::7"
		})},
		{"only the first Message-ID", []ev{
			{kind: "connect", a: "client.example.test", b: "192.0.2.7"},
			{kind: "helo", a: "vm"},
			{kind: "mail", a: "alice@bench.test"},
			{kind: "rcpt", a: "ok@remote.test"},
			{kind: "header", a: "Subject", b: "<not@this>"},
			{kind: "header", a: "Message-Id", b: "\r\n\t<20261123153739.014839@vm>  (comment)"},
			{kind: "header", a: "Message-ID", b: "<second@vm>"},
			{kind: "eom", macros: qidA},
		}, with(func(m *Message) { m.QueueID, m.TrackID = "A06969862E3", "T(A06969862E3)" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(tt.evs...)
			if len(got) != 1 {
				t.Fatalf("%d messages, want 1", len(got))
			}
			if !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("got  %+v\nwant %+v", got[0], tt.want)
			}
		})
	}
}

// TestCollectorSeveralMessages: a connection carries several messages;
// each has its own facts, the connection's stay, and an aborted one leaves
// nothing behind.
func TestCollectorSeveralMessages(t *testing.T) {
	got := run(
		ev{kind: "connect", a: "client.example.test", b: "192.0.2.7", macros: connMacros},
		ev{kind: "helo", a: "vm"},
		// 1: SASL, delivered.
		ev{kind: "mail", a: "alice@bench.test", macros: authMail},
		ev{kind: "rcpt", a: "a@remote.test"},
		ev{kind: "header", a: "Message-ID", b: "<one@vm>"},
		ev{kind: "eom", macros: qidA},
		// 2: aborted after its headers (RSET, or a reject after DATA).
		ev{kind: "mail", a: "mallory@bench.test", macros: map[string]string{"{auth_authen}": "mallory", "{auth_type}": "LOGIN"}},
		ev{kind: "rcpt", a: "m@remote.test"},
		ev{kind: "header", a: "Message-ID", b: "<aborted@vm>"},
		ev{kind: "eoh", macros: map[string]string{"i": "C0C0C0C0C0"}},
		ev{kind: "abort"},
		// 3: no SASL this time, no Message-ID.
		ev{kind: "mail", a: "", macros: nil},
		ev{kind: "rcpt", a: "b@remote.test"},
		ev{kind: "rcpt", a: "c@remote.test"},
		ev{kind: "eom", macros: qidB},
	)
	client := Client{Name: "client.example.test", Addr: "192.0.2.7", Port: 4567, Family: "tcp4", Helo: "vm"}
	want := []Message{
		{QueueID: "A06969862E3", TrackID: "T(A06969862E3)", Time: t0, Sender: "alice@bench.test", Recipients: []string{"a@remote.test"}, Nrcpt: 1,
			AuthUser: "alice@bench.test", AuthType: "PLAIN", Client: client, MessageID: "one@vm"},
		{QueueID: "B5D419862E7", TrackID: "T(B5D419862E7)", Time: t0, Sender: "", Recipients: []string{"b@remote.test", "c@remote.test"}, Nrcpt: 2,
			Client: client},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestCollectorAbortReportsMessageUnderWay(t *testing.T) {
	var c collector
	c.connect("h", "tcp4", 1, "192.0.2.1", nil)
	if c.abort() {
		t.Error("abort with no message under way reported one")
	}
	c.mail("a@b", nil)
	if !c.abort() {
		t.Error("abort after MAIL reported no message")
	}
	c.mail("a@b", nil)
	c.end(t0, fixedID, nil)
	if c.abort() {
		t.Error("abort after the end of the message reported one (Postfix may send one after every message)")
	}
}

// TestCollectorHostileInput: thousands of recipients, huge values, control
// characters and invalid UTF-8 are bounded and cleaned.
func TestCollectorHostileInput(t *testing.T) {
	evs := []ev{
		{kind: "connect", a: "evil\r\nX-Injected: 1\x1b[31m", b: "192.0.2.66", macros: connMacros},
		{kind: "helo", a: strings.Repeat("h", 100000)},
		{kind: "mail", a: strings.Repeat("s", 1<<20) + "@x", macros: map[string]string{
			"{auth_authen}": "bob\r\n\xff\xfe" + strings.Repeat("u", 5000), "{auth_type}": "PLAIN\n"}},
	}
	for i := range 5000 {
		evs = append(evs, ev{kind: "rcpt", a: fmt.Sprintf("r%d@remote.test", i)})
	}
	evs = append(evs,
		ev{kind: "header", a: "Message-ID", b: "<" + strings.Repeat("m", 900*1024) + "@vm>"},
		ev{kind: "eom", macros: qidA})
	got := run(evs...)[0]
	if got.Nrcpt != 5000 || len(got.Recipients) != MaxRecipients || got.Recipients[MaxRecipients-1] != fmt.Sprintf("r%d@remote.test", MaxRecipients-1) {
		t.Errorf("recipients: nrcpt %d, kept %d, want 5000 and the first %d", got.Nrcpt, len(got.Recipients), MaxRecipients)
	}
	for name, v := range map[string]struct {
		s   string
		max int
	}{
		"client name": {got.Client.Name, maxValue}, "helo": {got.Client.Helo, maxValue}, "sender": {got.Sender, maxAddress},
		"auth user": {got.AuthUser, maxValue}, "auth type": {got.AuthType, maxValue}, "message id": {got.MessageID, maxMessageID},
	} {
		if len(v.s) > v.max || !utf8.ValidString(v.s) || strings.ContainsFunc(v.s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Errorf("%s not bounded or not clean: %d bytes %q…", name, len(v.s), v.s[:min(len(v.s), 40)])
		}
	}
	if got.Client.Name != "evil  X-Injected: 1 [31m" {
		t.Errorf("client name %q", got.Client.Name)
	}
	if !strings.HasPrefix(got.AuthUser, "bob  \uFFFDuuu") || got.AuthType != "PLAIN" {
		t.Errorf("auth %q %q", got.AuthUser[:min(len(got.AuthUser), 12)], got.AuthType)
	}
}

func TestMessageID(t *testing.T) {
	for in, want := range map[string]string{
		"<a@b>":                 "a@b",
		"  <a@b>  ":             "a@b",
		"\r\n <a@b> (comment)":  "a@b",
		"a@b":                   "a@b",
		"<a@b":                  "a@b",
		"":                      "",
		"<>":                    "",
		"<a\r\nX-Evil: 1@b>":    "a  X-Evil: 1@b",
		"<caf\xe9@b>":           "caf\uFFFD@b",
		"<\x1b]0;title\x07@b>":  " ]0;title @b"[1:],
		"<\u0085\u009b31m@b>":   "31m@b",
		"<a@b>\x00<c@d>":        "a@b",
		"\t<spaced@example>\t ": "spaced@example",
	} {
		if got := messageID(in); got != want {
			t.Errorf("messageID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckHeaderName(t *testing.T) {
	for _, ok := range []string{"X-Rblwatch-Track", "X-Track-ID", "x", strings.Repeat("a", 64)} {
		if err := CheckHeaderName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "X Track", "X-Track:", "X-Track\r\nBcc: a@b", "X-Träck", strings.Repeat("a", 65), "\x00"} {
		if err := CheckHeaderName(bad); !errors.Is(err, ErrHeaderName) {
			t.Errorf("%q: %v, want ErrHeaderName", bad, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestTrackID(t *testing.T) {
	rnd := strings.NewReader("\x84\x05\x15\x2c\xa9\x9f\xcf\x7b")
	if got := TrackID("A06969862E3", t0, rnd); got != "A06969862E3-8405152c" {
		t.Errorf("first: %q", got)
	}
	if got := TrackID("", t0, rnd); got != "noqueue-a99fcf7b" {
		t.Errorf("no queue id: %q", got)
	}
	// A failing source: derived from the queue id and the time, so still
	// different for another use of the queue id.
	a := TrackID("A06969862E3", t0, failingReader{})
	b := TrackID("A06969862E3", t0.Add(time.Microsecond), failingReader{})
	if a == b || !strings.HasPrefix(a, "A06969862E3-") || len(a) != len("A06969862E3-")+8 {
		t.Errorf("fallback ids %q %q", a, b)
	}
	if a != TrackID("A06969862E3", t0, failingReader{}) {
		t.Error("fallback not deterministic")
	}
}
