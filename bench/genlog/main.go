// Command genlog writes a deterministic, realistic Postfix 3.7 log of a busy
// outbound relay, for benchmarks and end-to-end tests of rblwatch replay.
//
//	go run ./bench/genlog -n 1000000 -seed 1 -o FILE
//
// The same flags always give the same bytes. The log covers about a day of
// traffic (the arrival rate is scaled to -n): submissions over
// postfix/submission/smtpd (SASL) and pickup, cleanup, qmgr, smtp deliveries
// from 1-4 sending IPs (one transport per IP, syslog_name postfix/ipN), mostly
// status=sent, with deferrals and bounces that follow provider incidents
// (Spamhaus, Microsoft, Gmail, Yahoo, Barracuda, Proofpoint, Trend Micro,
// Cloudmark, Mimecast listings of one sending IP during a time window) and a
// baseline of user-unknown, mailbox-full, greylisting, time-out and
// lost-connection failures. Deferred mail is retried with Postfix's backoff
// and usually delivered later; throttled destinations produce
// "delivery temporarily suspended" lines from the retry service; bounces,
// delay warnings and expiries produce their own notification messages.
// Inbound noise on port 25 (postscreen, dnsblog, NOQUEUE rejects), SASL
// brute force, warnings, TLS, anvil/scache statistics and opendkim lines
// complete the mix.
//
// The line formats are those Postfix 3.7 writes with maillog_file
// (see shared/harness/NOTES.md). Every delivery line has the form pflogsumm
// counts: there are no "forwarded as" lines and no tags outside
// postfix/…, so pflogsumm's delivered/deferred/bounced counts equal the
// numbers of status=sent/deferred/bounced lines.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "genlog:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("genlog", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 1000000, "number of lines to write")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("o", "", "output file (default standard output)")
	ips := fs.Int("ips", 2, "number of sending IPs (1-4)")
	host := fs.String("host", "relay1", "syslog host name (first label of myhostname)")
	start := fs.String("start", "2026-11-22T00:00:00Z", "time of the first line (RFC 3339)")
	longIDs := fs.Bool("long-queue-ids", false, "write enable_long_queue_ids queue ids")
	stats := fs.Bool("stats", false, "print line counts to standard error")
	replies := fs.String("replies", "", "a file of real replies (rejections.tsv: provider<TAB>code<TAB>text<TAB>source): with -fail, failures drawn from it")
	fail := fs.Float64("fail", 0, "with -replies: the share of delivery attempts refused with one of its replies (0.13 gives about 4 % failure lines)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *n < 0 || *ips < 1 || *ips > 4 {
		return fmt.Errorf("-n must be >= 0 and -ips between 1 and 4")
	}
	if *fail < 0 || *fail > 1 || (*fail > 0) != (*replies != "") {
		return fmt.Errorf("-fail (between 0 and 1) and -replies go together")
	}
	var corpus []realReply
	if *replies != "" {
		var err error
		if corpus, err = readReplies(*replies); err != nil {
			return err
		}
	}
	t0, err := time.Parse(time.RFC3339, *start)
	if err != nil {
		return fmt.Errorf("-start: %w", err)
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	g := newGen(config{lines: *n, seed: *seed, ips: *ips, host: *host, start: t0.UTC(), longIDs: *longIDs, replies: corpus, fail: *fail}, bw)
	g.run()
	if err := bw.Flush(); err != nil {
		return err
	}
	if *stats {
		fmt.Fprintf(stderr, "lines %d  sent %d  deferred %d  bounced %d  expired %d  noqueue-reject %d  last %s\n",
			g.written, g.count.sent, g.count.deferred, g.count.bounced, g.count.expired, g.count.rejects,
			g.stampAt(g.lastAt))
	}
	return nil
}
