// Command record regenerates the sample logs in testdata/postfix: for each
// scenario it starts a real Postfix (internal/postfixtest) with fake remote
// servers that answer with providers' real reply texts, submits mail over
// SMTP and with sendmail(1), retries deferred mail with "postqueue -f", stops
// Postfix and copies the log it wrote, unchanged, to testdata/postfix/NAME.log.
//
// Run it as root from the repository root:
//
//	go run ./internal/postfixtest/cmd/record            # every scenario
//	go run ./internal/postfixtest/cmd/record -only sample
//
// Each step waits for the log lines it expects (and fails when Postfix
// logs something else), so a recorded file always tells the story written
// down in testdata/postfix/README.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/rblwatch/rblwatch/internal/postfixtest"
)

func main() {
	out := flag.String("out", "testdata/postfix", "directory for the recorded logs")
	only := flag.String("only", "", "record only this scenario")
	port := flag.Int("port", 25, "port of the fake remotes (each on its own loopback address)")
	dir := flag.String("dir", "/tmp/rblwatch-record", "instance directory (appears in the log's \"daemon started\" line)")
	flag.Parse()
	if err := run(*out, *only, *port, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

func run(out, only string, port int, dir string) error {
	if err := postfixtest.Available(); err != nil {
		return err
	}
	done := 0
	for _, sc := range scenarios {
		if only != "" && sc.name != only {
			continue
		}
		if err := record(sc, out, port, dir); err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		done++
	}
	if done == 0 {
		return fmt.Errorf("no scenario named %q", only)
	}
	return nil
}

// remote is a fake remote server of a scenario: the recipient domain it
// serves, its host name and loopback address, and its script.
type remote struct {
	domain, host, ip string
	rules            []postfixtest.Rule
	down             bool // nobody listens: "Connection refused"
}

type scenario struct {
	name    string
	remotes []remote
	steps   func(b *bench) error
}

// record runs one scenario and writes its log.
func record(sc scenario, out string, port int, dir string) (err error) {
	var routes []postfixtest.Route
	var remotes []*postfixtest.FakeRemote
	defer func() {
		for _, r := range remotes {
			err = errors.Join(err, r.Close())
		}
	}()
	for _, rm := range sc.remotes {
		addr := fmt.Sprintf("%s:%d", rm.ip, port)
		routes = append(routes, postfixtest.Route{Domain: rm.domain, Host: rm.host, Addr: addr})
		if rm.down {
			continue
		}
		r, err := postfixtest.ListenRemote(addr, rm.host)
		if err != nil {
			return err
		}
		remotes = append(remotes, r)
		if err := r.SetRules(rm.rules...); err != nil {
			return err
		}
		if err := r.SetPublicIP(publicIP); err != nil {
			return err
		}
	}
	pf, err := postfixtest.New(postfixtest.Options{Routes: routes, Dir: dir, Timeout: 60 * time.Second})
	if pf != nil {
		defer func() { err = errors.Join(err, pf.Close()) }()
	}
	if err != nil {
		return err
	}
	fmt.Printf("%s: postfix %s, log %s\n", sc.name, pf.Version(), pf.LogPath())
	b := &bench{pf: pf, seen: map[string]int{}, ndrs: map[string]int{}, from: map[string]string{}, open: map[string]map[string]bool{}}
	if err := sc.steps(b); err != nil {
		return err
	}
	if err := pf.Stop(); err != nil {
		return err
	}
	log, err := pf.Log()
	if err != nil {
		return err
	}
	name := filepath.Join(out, sc.name+".log")
	if err := os.WriteFile(name, log, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: wrote %s (%d bytes)\n", sc.name, name, len(log))
	return nil
}

// rcpt is a recipient and the status its next delivery line must show.
type rcpt struct{ addr, status string }

func sent(a string) rcpt     { return rcpt{a, "sent"} }
func deferred(a string) rcpt { return rcpt{a, "deferred"} }
func bounced(a string) rcpt  { return rcpt{a, "bounced"} }

// bench drives one instance and waits for every outcome it expects.
type bench struct {
	pf     *postfixtest.Instance
	seen   map[string]int             // "qid rcpt status" → delivery lines awaited so far
	ndrs   map[string]int             // qid → bounce notifications awaited so far
	from   map[string]string          // qid → sender
	open   map[string]map[string]bool // qid → recipients not yet final
	smtpds int                        // SMTP submissions (one "disconnect from" line each)
}

// smtp submits a message over SMTP and waits for each recipient's outcome.
func (b *bench) smtp(from, subject string, rcpts ...rcpt) (string, error) {
	qid, err := b.pf.Submit(from, addrs(rcpts), postfixtest.NewMessage(from, addrs(rcpts), subject, subject+"\n"))
	if err != nil {
		return "", err
	}
	b.smtpds++
	if _, err := b.pf.WaitLogN(`postfix/smtpd\[\d+\]: disconnect from localhost\[127\.0\.0\.1\]`, b.smtpds); err != nil {
		return "", err
	}
	return qid, b.await(qid, from, rcpts)
}

// sendmail submits a message with sendmail(1) and waits for the outcomes.
func (b *bench) sendmail(from, subject string, rcpts ...rcpt) (string, error) {
	qid, err := b.pf.Sendmail(from, addrs(rcpts), postfixtest.NewMessage(from, addrs(rcpts), subject, subject+"\n"))
	if err != nil {
		return "", err
	}
	return qid, b.await(qid, from, rcpts)
}

// flush retries the deferred mail and waits for the given outcomes.
func (b *bench) flush(expect map[string][]rcpt) error {
	if err := b.pf.Flush(); err != nil {
		return err
	}
	for qid, rcpts := range expect {
		if err := b.await(qid, b.from[qid], rcpts); err != nil {
			return err
		}
	}
	return nil
}

// await waits for one delivery round of a message: a delivery line with
// the expected status for each recipient; if any bounced, the bounce to the
// sender and its delivery; if none is left deferred, the message's removal.
func (b *bench) await(qid, from string, rcpts []rcpt) error {
	b.from[qid] = from
	if b.open[qid] == nil {
		b.open[qid] = map[string]bool{}
	}
	bounce := false
	for _, r := range rcpts {
		key := qid + " " + r.addr + " " + r.status
		b.seen[key]++
		if _, err := b.pf.WaitDelivery(qid, r.addr, r.status, b.seen[key]); err != nil {
			return err
		}
		b.open[qid][r.addr] = r.status == "deferred"
		bounce = bounce || r.status == "bounced"
	}
	if bounce {
		b.ndrs[qid]++
		if _, err := b.pf.WaitNotice(qid, from, b.ndrs[qid]); err != nil {
			return err
		}
	}
	for _, isDeferred := range b.open[qid] {
		if isDeferred {
			return nil
		}
	}
	return b.pf.WaitRemoved(qid)
}

func addrs(rs []rcpt) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.addr
	}
	return out
}

// pause lets the clock move between the steps of a story, so that its
// timeline reads naturally (it changes no outcome).
func pause() { time.Sleep(time.Second) }
