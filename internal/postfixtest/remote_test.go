package postfixtest

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// dialog is a raw SMTP client: it sends lines and returns the server's
// reply lines exactly as sent, so tests see the bytes Postfix would see.
type dialog struct {
	t  *testing.T
	c  net.Conn
	rd *bufio.Reader
}

func dial(t *testing.T, from, addr string) *dialog {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &dialog{t: t, c: c, rd: bufio.NewReader(c)}
}

// reply reads one reply: lines up to the one with a space after the code.
// At EOF it returns what it read and "EOF" as the last element.
func (d *dialog) reply() []string {
	d.t.Helper()
	var lines []string
	for {
		line, err := d.rd.ReadString('\n')
		if err != nil {
			return append(lines, "EOF")
		}
		if !strings.HasSuffix(line, "\r\n") {
			d.t.Fatalf("reply line without CRLF: %q", line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		lines = append(lines, line)
		if len(line) < 4 || line[3] == ' ' {
			return lines
		}
	}
}

func (d *dialog) send(cmd string) []string {
	d.t.Helper()
	if _, err := d.c.Write([]byte(cmd + "\r\n")); err != nil {
		d.t.Fatal(err)
	}
	return d.reply()
}

func (d *dialog) last(cmd string) string {
	d.t.Helper()
	r := d.send(cmd)
	return r[len(r)-1]
}

func TestRemoteReplies(t *testing.T) {
	gmail421 := []string{
		"421-4.7.0 [{ip}      15] Our system has detected that this message is",
		"421-4.7.0 suspicious due to the very low reputation of the sending IP address.",
		"421 4.7.0  https://support.google.com/mail/answer/188131 for more information. a78si25816854pfj.35 - gsmtp",
	}
	tests := []struct {
		name  string
		rules []Rule
		stage Stage // where the scripted reply is expected
		want  []string
	}{
		{"single line at RCPT", []Rule{{Stage: StageRcpt, Match: `^bob@`, Reply: []string{"550 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org"}}},
			StageRcpt, []string{"550 5.7.1 Service unavailable; Client host [127.0.0.10] blocked using zen.spamhaus.org"}},
		{"multi-line at RCPT", []Rule{{Stage: StageRcpt, Reply: gmail421}},
			StageRcpt, []string{
				"421-4.7.0 [127.0.0.10      15] Our system has detected that this message is",
				"421-4.7.0 suspicious due to the very low reputation of the sending IP address.",
				"421 4.7.0  https://support.google.com/mail/answer/188131 for more information. a78si25816854pfj.35 - gsmtp"}},
		{"no enhanced code at MAIL", []Rule{{Stage: StageMail, Match: `@example\.test$`, Reply: []string{"554 Service unavailable; Client host [{ip}] blocked using Barracuda Reputation"}}},
			StageMail, []string{"554 Service unavailable; Client host [127.0.0.10] blocked using Barracuda Reputation"}},
		{"at EHLO", []Rule{{Stage: StageHelo, Reply: []string{"550 5.7.1 Client host rejected: cannot find your hostname, [{ip}]"}}},
			StageHelo, []string{"550 5.7.1 Client host rejected: cannot find your hostname, [127.0.0.10]"}},
		{"at end of DATA", []Rule{{Stage: StageData, Match: `^bob@`, Reply: []string{"550-5.7.1 first", "550 5.7.1 second"}}},
			StageData, []string{"550-5.7.1 first", "550 5.7.1 second"}},
		{"at the greeting", []Rule{{Stage: StageConnect, Match: `^127\.0\.0\.10$`, Reply: []string{"554 Blocked - see https://ipcheck.proofpoint.com/?ip={ip}"}}},
			StageConnect, []string{"554 Blocked - see https://ipcheck.proofpoint.com/?ip=127.0.0.10"}},
		{"no match accepts", []Rule{{Stage: StageRcpt, Match: `^nobody@`, Reply: []string{"550 5.1.1 no"}}},
			"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewRemote(t, "127.0.0.11:0", "mx.outlook.test")
			if err := f.SetRules(tt.rules...); err != nil {
				t.Fatal(err)
			}
			d := dial(t, "127.0.0.10", f.Addr())
			got := map[Stage][]string{}
			got[StageConnect] = d.reply()
			if tt.stage != StageConnect {
				got[StageHelo] = d.send("EHLO mail.example.test")
				got[StageMail] = d.send("MAIL FROM:<alice@example.test>")
				got[StageRcpt] = d.send("RCPT TO:<bob@gmail.test>")
				if d.last("DATA")[:3] == "354" {
					got[StageData] = d.send("Subject: x\r\n\r\nbody\r\n.")
				}
			}
			// Every stage before the scripted one succeeds; what follows a
			// refusal does not matter.
			for _, st := range []Stage{StageConnect, StageHelo, StageMail, StageRcpt, StageData} {
				if st == tt.stage {
					if strings.Join(got[st], "\n") != strings.Join(tt.want, "\n") {
						t.Errorf("%s reply:\n got %q\nwant %q", st, got[st], tt.want)
					}
					break
				}
				if r := got[st]; len(r) == 0 || (r[len(r)-1][0] != '2' && r[len(r)-1][0] != '3') {
					t.Errorf("%s reply %q, want success", st, r)
				}
			}
			if tt.stage == StageConnect {
				if r := d.send("EHLO mail.example.test"); r[0][:3] != "503" {
					t.Errorf("EHLO after a refused greeting: %q, want 503", r)
				}
				if r := d.send("QUIT"); r[0][:3] != "221" {
					t.Errorf("QUIT after a refused greeting: %q, want 221", r)
				}
			}
		})
	}
}

// TestRemoteTimes checks that a rule with Times applies to its first N
// matches and then falls through to the next rule, then to acceptance.
func TestRemoteTimes(t *testing.T) {
	f := NewRemote(t, "127.0.0.11:0", "mx.acme.test")
	err := f.SetRules(
		Rule{Stage: StageRcpt, Match: `^dave@`, Times: 2, Reply: []string{"450 4.7.1 first"}},
		Rule{Stage: StageRcpt, Match: `^dave@`, Times: 1, Reply: []string{"451 4.3.0 second"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	d := dial(t, "127.0.0.10", f.Addr())
	d.reply()
	d.send("EHLO mail.example.test")
	d.send("MAIL FROM:<a@example.test>")
	var got []string
	for range 4 {
		got = append(got, d.last("RCPT TO:<dave@acme.test>")[:3])
	}
	if want := "450 450 451 250"; strings.Join(got, " ") != want {
		t.Errorf("replies %s, want %s", strings.Join(got, " "), want)
	}
	// Other recipients never matched, so never counted.
	if r := d.last("RCPT TO:<erin@acme.test>"); r[:3] != "250" {
		t.Errorf("erin: %q", r)
	}
}

// TestRemoteRuntimeRules changes the rules while a session is open.
func TestRemoteRuntimeRules(t *testing.T) {
	f := NewRemote(t, "127.0.0.11:0", "mx.acme.test")
	if err := f.SetRules(Rule{Stage: StageRcpt, Reply: []string{"450 4.7.1 not now"}}); err != nil {
		t.Fatal(err)
	}
	d := dial(t, "127.0.0.10", f.Addr())
	d.reply()
	d.send("EHLO mail.example.test")
	d.send("MAIL FROM:<a@example.test>")
	if r := d.last("RCPT TO:<x@acme.test>"); r[:3] != "450" {
		t.Fatalf("before: %q", r)
	}
	if err := f.SetRules(); err != nil {
		t.Fatal(err)
	}
	if r := d.last("RCPT TO:<x@acme.test>"); r[:3] != "250" {
		t.Errorf("after clearing the rules: %q", r)
	}
	if err := f.AddRules(Rule{Stage: StageRcpt, Match: "^y@", Reply: []string{"550 5.1.1 unknown"}}); err != nil {
		t.Fatal(err)
	}
	if r := d.last("RCPT TO:<y@acme.test>"); r != "550 5.1.1 unknown" {
		t.Errorf("after AddRules: %q", r)
	}
}

func TestRemoteDrop(t *testing.T) {
	f := NewRemote(t, "127.0.0.11:0", "mx.acme.test")
	if err := f.SetRules(Rule{Stage: StageRcpt, Drop: true}); err != nil {
		t.Fatal(err)
	}
	d := dial(t, "127.0.0.10", f.Addr())
	d.reply()
	d.send("EHLO mail.example.test")
	d.send("MAIL FROM:<a@example.test>")
	if r := d.send("RCPT TO:<x@acme.test>"); len(r) != 1 || r[0] != "EOF" {
		t.Errorf("after a drop rule the connection should close without a reply, got %q", r)
	}
}

// TestRemoteRecords checks the captured envelope and bytes, and that
// WaitMessages wakes up when a message arrives.
func TestRemoteRecords(t *testing.T) {
	f := NewRemote(t, "127.0.0.20:0", "mailstore.example.test")
	if err := f.SetRules(Rule{Stage: StageRcpt, Match: `^bad@`, Reply: []string{"550 5.1.1 no such user"}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan []Message)
	go func() {
		msgs, err := f.WaitMessages(ctx, 1)
		if err != nil {
			t.Error(err)
		}
		done <- msgs
	}()
	d := dial(t, "127.0.0.10", f.Addr())
	d.reply()
	d.send("EHLO mail.example.test")
	d.send("MAIL FROM:<>")
	d.send("RCPT TO:<alice@example.test>")
	d.send("RCPT TO:<bad@example.test>")
	d.send("RCPT TO:<bob@example.test>")
	d.send("DATA")
	body := "Subject: bounce\r\n\r\n..dot-stuffed\r\nline\r\n"
	if r := d.send(body + "."); r[0][:3] != "250" {
		t.Fatalf("end of DATA: %q", r)
	}
	msgs := <-done
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "" || strings.Join(m.To, ",") != "alice@example.test,bob@example.test" || m.Helo != "mail.example.test" || !strings.HasPrefix(m.Client, "127.0.0.10:") {
		t.Errorf("envelope %+v", m)
	}
	if want := "Subject: bounce\r\n\r\n.dot-stuffed\r\nline\r\n"; string(m.Data) != want {
		t.Errorf("data %q, want %q", m.Data, want)
	}
}

func TestBadRules(t *testing.T) {
	bad := []Rule{
		{Stage: "quit", Reply: []string{"550 no"}},
		{Stage: StageRcpt, Match: "(", Reply: []string{"550 no"}},
		{Stage: StageRcpt},
		{Stage: StageRcpt, Reply: []string{"250 ok"}},
		{Stage: StageRcpt, Reply: []string{"55"}},
		{Stage: StageRcpt, Reply: []string{"550-5.7.1 a", "451 4.7.1 b"}},
		{Stage: StageRcpt, Reply: []string{"550 5.7.1 a", "550 5.7.1 b"}},
		{Stage: StageRcpt, Reply: []string{"550-5.7.1 last line with a dash"}},
		{Stage: StageRcpt, Reply: []string{"550 5.7.1 a\r\n250 injected"}},
	}
	f := NewRemote(t, "127.0.0.11:0", "mx.acme.test")
	for _, r := range bad {
		if err := f.SetRules(r); !errors.Is(err, ErrBadRule) {
			t.Errorf("SetRules(%+v) = %v, want ErrBadRule", r, err)
		}
	}
	if _, err := ListenRemote("192.0.2.1:25", "x.test"); !errors.Is(err, ErrBadOptions) {
		t.Errorf("non-loopback address: %v", err)
	}
}

// TestRemotePublicIP checks that {ip} names the public address when one is
// set (our host behind NAT), at the greeting and later.
func TestRemotePublicIP(t *testing.T) {
	f := NewRemote(t, "127.0.0.11:0", "mx.outlook.test")
	if err := f.SetPublicIP("192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	err := f.SetRules(
		Rule{Stage: StageConnect, Match: `^127\.0\.0\.10$`, Times: 1, Reply: []string{"554 Blocked - see https://ipcheck.proofpoint.com/?ip={ip}"}},
		Rule{Stage: StageRcpt, Reply: []string{"550 5.7.1 Unfortunately, messages from [{ip}] weren't sent."}},
	)
	if err != nil {
		t.Fatal(err)
	}
	d := dial(t, "127.0.0.10", f.Addr())
	if r := d.reply(); r[0] != "554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.10" {
		t.Errorf("greeting %q", r)
	}
	d = dial(t, "127.0.0.10", f.Addr())
	d.reply()
	d.send("EHLO mail.example.test")
	d.send("MAIL FROM:<a@example.test>")
	if r := d.last("RCPT TO:<carol@outlook.test>"); r != "550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent." {
		t.Errorf("RCPT %q", r)
	}
	if err := f.SetPublicIP("not an ip"); !errors.Is(err, ErrBadOptions) {
		t.Errorf("SetPublicIP(bad) = %v", err)
	}
}
