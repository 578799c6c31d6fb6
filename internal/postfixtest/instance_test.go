package postfixtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testproc"
)

// TestMain checks that no test left a Postfix process or an instance
// directory behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if err := Leftovers(DirPrefix(os.Getpid())); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// bench starts two fake remotes (gmail.test on 127.0.0.12, and the
// senders' own example.test mail store on 127.0.0.20) and an instance
// routing to them.
func bench(t *testing.T) (*Instance, *FakeRemote, *FakeRemote) {
	t.Helper()
	gmail := NewRemote(t, "127.0.0.12:0", "mx.gmail.test")
	store := NewRemote(t, "127.0.0.20:0", "mailstore.example.test")
	pf := Start(t, Options{Routes: []Route{
		{Domain: "gmail.test", Host: "mx.gmail.test", Addr: gmail.Addr()},
		{Domain: "example.test", Host: "mailstore.example.test", Addr: store.Addr()},
	}})
	return pf, gmail, store
}

func TestSubmitDelivers(t *testing.T) {
	pf, gmail, _ := bench(t)
	msg := NewMessage("alice@example.test", []string{"bob@gmail.test"}, "hello", "hello bob")
	qid, err := pf.Submit("alice@example.test", []string{"bob@gmail.test"}, msg)
	if err != nil {
		t.Fatal(err)
	}
	port := gmail.Addr()[strings.LastIndexByte(gmail.Addr(), ':')+1:]
	line, err := pf.WaitLog(regexp.QuoteMeta(qid) + `: to=<bob@gmail\.test>, relay=mx\.gmail\.test\[127\.0\.0\.12\]:` + port + `, .*status=sent`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("log: %s", line)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msgs, err := gmail.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := msgs[0]
	if got.From != "alice@example.test" || len(got.To) != 1 || got.To[0] != "bob@gmail.test" {
		t.Errorf("envelope = %q → %q", got.From, got.To)
	}
	if !strings.HasPrefix(got.Client, "127.0.0.10:") {
		t.Errorf("remote saw client %s, want the sending IP 127.0.0.10", got.Client)
	}
	if got.Helo != "mail.example.test" {
		t.Errorf("EHLO %q, want mail.example.test", got.Helo)
	}
	if !bytes.Contains(got.Data, []byte("\r\nhello bob\r\n")) || !bytes.Contains(got.Data, []byte("Subject: hello\r\n")) {
		t.Errorf("message body not relayed intact:\n%s", got.Data)
	}
}

func TestDeferThenFlush(t *testing.T) {
	pf, gmail, _ := bench(t)
	err := gmail.SetRules(Rule{Stage: StageRcpt, Match: `^carol@`, Times: 1,
		Reply: []string{"450 4.7.1 <carol@gmail.test>: Recipient address rejected: Greylisted for 5 minutes"}})
	if err != nil {
		t.Fatal(err)
	}
	qid, err := pf.Submit("alice@example.test", []string{"carol@gmail.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := regexp.QuoteMeta(qid)
	if _, err := pf.WaitLog(q + `: to=<carol@gmail\.test>.*dsn=4\.7\.1, status=deferred \(host mx\.gmail\.test\[127\.0\.0\.12\] said: 450 4\.7\.1 <carol@gmail\.test>: Recipient address rejected: Greylisted for 5 minutes \(in reply to RCPT TO command\)\)$`); err != nil {
		t.Fatal(err)
	}
	if err := pf.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitLog(q + `: to=<carol@gmail\.test>.*status=sent`); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitLog(q + `: removed$`); err != nil {
		t.Fatal(err)
	}
	deferrals, _ := pf.WaitLogN(q+`: .*status=deferred`, 1)
	if len(deferrals) != 1 {
		t.Errorf("%d deferral lines, want exactly the one the rule caused: %q", len(deferrals), deferrals)
	}
}

func TestSendmail(t *testing.T) {
	pf, gmail, _ := bench(t)
	qid, err := pf.Sendmail("root@example.test", []string{"ops@gmail.test"}, []byte("Subject: cron\n\nreport\n"))
	if err != nil {
		t.Fatal(err)
	}
	q := regexp.QuoteMeta(qid)
	if _, err := pf.WaitLog(`postfix/pickup\[\d+\]: ` + q + `: uid=0 from=<root@example\.test>`); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitLog(q + `: to=<ops@gmail\.test>.*status=sent`); err != nil {
		t.Fatal(err)
	}
	msgs := gmail.Messages()
	if len(msgs) != 1 || !bytes.Contains(msgs[0].Data, []byte("report")) {
		t.Fatalf("remote got %d messages", len(msgs))
	}
}

func TestGreetingRefusedAndBounce(t *testing.T) {
	pf, gmail, store := bench(t)
	err := gmail.SetRules(
		Rule{Stage: StageConnect, Times: 1, Reply: []string{"554 Blocked - see https://ipcheck.proofpoint.com/?ip={ip}"}},
		Rule{Stage: StageData, Match: `^dave@`, Reply: []string{
			"550-5.7.1 [{ip}       1] Our system has detected an unusual rate of",
			"550 5.7.1 Bulk Email Senders Guidelines. q16si3475662wrs.311 - gsmtp"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	qid, err := pf.Submit("alice@example.test", []string{"dave@gmail.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := regexp.QuoteMeta(qid)
	// A 5xx greeting is deferred (smtp_skip_5xx_greeting).
	if _, err := pf.WaitLog(q + `: to=<dave@gmail\.test>.*status=deferred \(host mx\.gmail\.test\[127\.0\.0\.12\] refused to talk to me: 554 Blocked - see https://ipcheck\.proofpoint\.com/\?ip=127\.0\.0\.10\)$`); err != nil {
		t.Fatal(err)
	}
	if err := pf.Flush(); err != nil {
		t.Fatal(err)
	}
	// Multi-line replies are joined with spaces, each line's prefix kept.
	if _, err := pf.WaitLog(q + `: to=<dave@gmail\.test>.*dsn=5\.7\.1, status=bounced \(host mx\.gmail\.test\[127\.0\.0\.12\] said: 550-5\.7\.1 \[127\.0\.0\.10       1\] Our system has detected an unusual rate of 550 5\.7\.1 Bulk Email Senders Guidelines\. q16si3475662wrs\.311 - gsmtp \(in reply to end of DATA command\)\)$`); err != nil {
		t.Fatal(err)
	}
	// The bounce goes back to the sender's mail store.
	if _, err := pf.WaitNotice(qid, "alice@example.test", 1); err != nil {
		t.Fatal(err)
	}
	if err := pf.WaitRemoved(qid); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ndr, err := store.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ndr[0].From != "" || ndr[0].To[0] != "alice@example.test" || !bytes.Contains(ndr[0].Data, []byte("Undelivered Mail Returned to Sender")) {
		t.Errorf("unexpected bounce %q → %q:\n%s", ndr[0].From, ndr[0].To, ndr[0].Data)
	}
}

// TestPrivateResolver checks that Postfix sees only our resolv.conf and
// hosts, and the machine's own files are untouched.
func TestPrivateResolver(t *testing.T) {
	hostResolv, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	pf, _, _ := bench(t)
	root := fmt.Sprintf("/proc/%d/root/etc/", pf.MasterPID())
	got, err := os.ReadFile(root + "resolv.conf")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != pf.cfg.resolvConf() {
		t.Errorf("postfix sees resolv.conf\n%s\nwant\n%s", got, pf.cfg.resolvConf())
	}
	hosts, err := os.ReadFile(root + "hosts")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hosts), "127.0.0.12 mx.gmail.test\n") {
		t.Errorf("postfix sees hosts\n%s", hosts)
	}
	now, _ := os.ReadFile("/etc/resolv.conf")
	if !bytes.Equal(now, hostResolv) {
		t.Errorf("the machine's /etc/resolv.conf changed")
	}
}

// TestCloseLeavesNothing stops an instance by hand and checks that its
// processes and directory are gone.
func TestCloseLeavesNothing(t *testing.T) {
	pf, _, _ := bench(t)
	if _, err := pf.Submit("alice@example.test", []string{"bob@gmail.test"}, nil); err != nil {
		t.Fatal(err)
	}
	master, dir := pf.MasterPID(), pf.Dir()
	if !alive(master) {
		t.Fatalf("master %d not running", master)
	}
	// The check must see a running instance, or its silence means nothing.
	err := Leftovers(dir)
	if err == nil || !strings.Contains(err.Error(), "(master, MAIL_CONFIG="+pf.ConfigDir()+")") || !strings.Contains(err.Error(), "directory "+dir) {
		t.Fatalf("Leftovers while running = %v, want the master and the directory", err)
	}
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}
	if alive(master) {
		t.Errorf("master %d still alive", master)
	}
	if err := Leftovers(dir); err != nil {
		t.Error(err)
	}
	if err := pf.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestMilterWiring checks that Options.Milter reaches Postfix: with nobody
// listening there and milter_default_action = accept, smtpd and cleanup
// (the sendmail path) warn, and the mail still goes out. The port is held
// (testproc.ClosedAddr), so that no other process listens there meanwhile.
func TestMilterWiring(t *testing.T) {
	addr, _ := testproc.ClosedAddr(t, "127.0.0.1")
	milter := "inet:" + addr
	gmail := NewRemote(t, "127.0.0.12:0", "mx.gmail.test")
	pf := Start(t, Options{Milter: milter, Routes: []Route{{Domain: "gmail.test", Host: "mx.gmail.test", Addr: gmail.Addr()}}})
	qid, err := pf.Submit("alice@example.test", []string{"bob@gmail.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitDelivery(qid, "bob@gmail.test", "sent", 1); err != nil {
		t.Fatal(err)
	}
	warn := `warning: connect to Milter service ` + regexp.QuoteMeta(milter) + `: Connection refused`
	if _, err := pf.WaitLog(`postfix/smtpd\[\d+\]: ` + warn); err != nil {
		t.Fatal(err)
	}
	qid, err = pf.Sendmail("root@example.test", []string{"ops@gmail.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitDelivery(qid, "ops@gmail.test", "sent", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitLog(`postfix/cleanup\[\d+\]: ` + warn); err != nil {
		t.Fatal(err)
	}
}

// TestStartPortTaken: the smtpd port, free when picked, is taken by
// another process before the master binds it (a test running beside this
// one): the instance starts again on another port and its smtpd address
// leads to its own master. Before, the start failed ("postfix start: exit
// status 1", the master's "bind … Address already in use" in the log).
func TestStartPortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	pick := freeSMTPD
	t.Cleanup(func() { freeSMTPD = pick })
	picks := 0
	freeSMTPD = func() (netip.AddrPort, error) {
		picks++
		if picks == 1 {
			return netip.MustParseAddrPort(taken.Addr().String()), nil
		}
		return pick()
	}
	gmail := NewRemote(t, "127.0.0.12:0", "mx.gmail.test")
	pf := Start(t, Options{Routes: []Route{{Domain: "gmail.test", Host: "mx.gmail.test", Addr: gmail.Addr()}}})
	if pf.SMTPAddr() == taken.Addr().String() || picks != 2 {
		t.Fatalf("smtpd on %s after %d picks, want another port than the taken %s after 2", pf.SMTPAddr(), picks, taken.Addr())
	}
	table, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	if inode := testproc.ListenerInode(table, netip.MustParseAddrPort(pf.SMTPAddr())); !testproc.HoldsSocket(pf.MasterPID(), inode) {
		t.Errorf("the listener on %s (inode %q) is not the master's (%d)", pf.SMTPAddr(), inode, pf.MasterPID())
	}
	qid, err := pf.Submit("alice@example.test", []string{"bob@gmail.test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pf.WaitDelivery(qid, "bob@gmail.test", "sent", 1); err != nil {
		t.Fatal(err)
	}
}

// TestTryStartServicePortTaken: a port of Options.Services, which the test
// picked, is taken by another process before the master binds it:
// TryStart says so (ErrPortTaken), for the test to start again on another
// port, and leaves no process behind. Before, the start failed like any
// other (ErrStart alone), and a test could only give up.
func TestTryStartServicePortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	pf, err := TryStart(t, Options{Services: taken.Addr().String() + " inet n - n - - smtpd\n"})
	if !errors.Is(err, ErrPortTaken) || pf != nil {
		t.Fatalf("TryStart with a Services port taken: %v, %v; want ErrPortTaken and no instance", pf, err)
	}
	if !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Errorf("the error does not name the port: %v", err)
	}
}
