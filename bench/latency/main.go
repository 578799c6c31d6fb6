// Command latency measures how long rblwatch run takes from a Postfix log
// line being written to the notice about it being accepted over SMTP.
//
//	go run ./bench/latency -rblwatch PATH [-n 200] [-interval 50ms] [-goal 1s]
//
// It starts the real rblwatch binary (built by bench/latency.sh) following
// a log file in a temporary directory, with notify.aggregate 0s, its SMTP
// relay a go-smtp capture server on loopback, and its DNS resolver a
// loopback server that answers at once (as a local caching resolver does).
// It then appends n rejection lines, one every interval, each naming a
// different listed IP (198.18.0.0/15, the benchmarking range) with one of
// several providers' real reply texts, so that every line opens a new
// incident. The capture server notes when each notice's DATA ends and finds
// its line by the IP in the Subject. It prints p50, p99 and max latency and
// exits 1 when p99 is above the goal, a notice is missing or one came twice.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

type options struct {
	bin      string
	n        int
	interval time.Duration
	goal     time.Duration
	dir      string
	timeout  time.Duration
}

func run(args []string, out io.Writer) error {
	var o options
	fs := flag.NewFlagSet("latency", flag.ContinueOnError)
	fs.StringVar(&o.bin, "rblwatch", "", "the rblwatch binary to run (required)")
	fs.IntVar(&o.n, "n", 200, "incidents (rejection lines), at least 100 for a meaningful p99")
	fs.DurationVar(&o.interval, "interval", 50*time.Millisecond, "time between two lines (0: all at once, a burst)")
	fs.DurationVar(&o.goal, "goal", time.Second, "the p99 latency not to exceed")
	fs.StringVar(&o.dir, "dir", "", "work directory (default: a new temporary one, removed after)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long to wait for the last notices after the last line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.bin == "" || o.n < 1 || o.n > maxIncidents {
		return fmt.Errorf("need -rblwatch and 1 <= -n <= %d", maxIncidents)
	}
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "rblwatch-latency-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dir = dir
	}
	res, err := measure(o)
	if err != nil {
		return err
	}
	fmt.Fprint(out, res.report(o.goal))
	if !res.ok(o.goal) {
		return errors.New("goal missed (see above)")
	}
	return nil
}

// measure runs one benchmark.
func measure(o options) (*result, error) {
	capture, err := listenCapture()
	if err != nil {
		return nil, err
	}
	defer capture.close()
	resolver, err := listenDNS()
	if err != nil {
		return nil, err
	}
	defer resolver.Shutdown()

	logPath := filepath.Join(o.dir, "mail.log")
	if err := os.WriteFile(logPath, nil, 0o644); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(o.dir, "rblwatch.yaml")
	// The listed IPs are ours: a receiver that names more than ten
	// addresses that are not has the rest folded into one incident
	// (ingest.AddressBound), and seven receivers name them all here.
	ours := make([]string, o.n)
	for i := range ours {
		ours[i] = incidentIP(i)
	}
	cfg := fmt.Sprintf(`log:
  path: %s
state:
  path: %s
notify:
  to: postmaster@bench.test
  from: rblwatch@mail.bench.test
  smtp: %s
  starttls: never
  aggregate: 0s
dnsbl:
  resolver: %s
  interval: 0s
sending_ips: [%s]
`, logPath, filepath.Join(o.dir, "state.db"), capture.addr(), resolver.PacketConn.LocalAddr(), strings.Join(ours, ", "))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	d, err := startDaemon(o.bin, cfgPath, filepath.Join(o.dir, "rblwatch.log"))
	if err != nil {
		return nil, err
	}
	defer d.stop()

	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	written := make(map[string]time.Time, o.n)
	var tick <-chan time.Time // nil: a burst, every line at once
	if o.interval > 0 {
		t := time.NewTicker(o.interval)
		defer t.Stop()
		tick = t.C
	}
	for i := range o.n {
		ip := incidentIP(i)
		now := time.Now()
		if _, err := f.WriteString(rejectionLine(i, ip, now)); err != nil {
			return nil, err
		}
		written[ip] = now
		if tick != nil {
			<-tick
		}
	}
	arrived, dups, err := capture.wait(o.n, o.timeout)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	r := &result{n: o.n, dups: dups}
	for ip, at := range arrived {
		w, ok := written[ip]
		if !ok {
			r.strays++
			continue
		}
		r.lat = append(r.lat, at.Sub(w))
	}
	slices.Sort(r.lat)
	return r, nil
}

// result is what one run measured.
type result struct {
	n      int
	lat    []time.Duration // per notice received, sorted
	dups   int             // notices received more than once
	strays int             // notices for no line of ours
}

// quantile returns the q-quantile (nearest rank) of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(q*float64(len(sorted)) + 0.999999999)
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func (r *result) ok(goal time.Duration) bool {
	return len(r.lat) == r.n && r.dups == 0 && r.strays == 0 && quantile(r.lat, 0.99) <= goal
}

func (r *result) report(goal time.Duration) string {
	verdict := "ok"
	if !r.ok(goal) {
		verdict = "FAIL"
	}
	return fmt.Sprintf("incidents %d, notices %d (duplicates %d, strays %d)\n"+
		"latency line written -> notice accepted: p50 %v  p99 %v  max %v  (goal p99 <= %v)\n%s\n",
		r.n, len(r.lat), r.dups, r.strays,
		quantile(r.lat, 0.5).Round(10*time.Microsecond), quantile(r.lat, 0.99).Round(10*time.Microsecond),
		quantile(r.lat, 1).Round(10*time.Microsecond), goal, verdict)
}

// ---------------------------------------------------------------- the log

// maxIncidents is the number of distinct IPs incidentIP hands out.
const maxIncidents = 1<<17 - 2

// incidentIP is the listed IP of incident i (from 0): 198.18.0.1 and up,
// in 198.18.0.0/15, the benchmarking range (RFC 2544).
func incidentIP(i int) string {
	i++
	return fmt.Sprintf("198.%d.%d.%d", 18+i>>16, i>>8&0xff, i&0xff)
}

// replies are real reply texts (shared/corpus) naming the listed IP.
var replies = []struct{ dsn, status, text string }{
	{"5.7.1", "bounced", "554 5.7.1 Service unavailable; Client host [%s] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=%[1]s"},
	{"5.7.1", "bounced", "554 5.7.1 Service unavailable; Client host [%s] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/%[1]s"},
	{"4.7.1", "deferred", "450 4.7.1 Service temporarily unavailable; Client host [%s] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=%[1]s"},
	{"5.7.1", "bounced", "550 5.7.1 Unfortunately, messages from [%s] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors."},
	{"5.0.0", "bounced", "554 Blocked - see https://ipcheck.proofpoint.com/?ip=%s"},
	{"5.0.0", "bounced", `550 "JunkMail rejected - mail.bench.test [%s]:24706 is in an RBL: Blocked - see https://www.spamcop.net/bl.shtml?%[1]s"`},
}

// rejectionLine is the line Postfix's smtp client logs for a refused
// recipient of message i, in the maillog_file format.
func rejectionLine(i int, ip string, now time.Time) string {
	r := replies[i%len(replies)]
	qid := fmt.Sprintf("%X", 0x4C1B2A3F91+int64(i)) // int64: the constant overflows a 32-bit int
	return fmt.Sprintf("%s mail postfix/smtp[%d]: %s: to=<user%d@rcpt%d.example>, relay=mx.rcpt%d.example[203.0.113.7]:25, delay=0.4, delays=0.01/0.01/0.2/0.18, dsn=%s, status=%s (host mx.rcpt%d.example[203.0.113.7] said: %s (in reply to RCPT TO command))\n",
		now.Format(time.StampMicro), 20000+i%1000, qid, i, i%7, i%7, r.dsn, r.status, i%7, fmt.Sprintf(r.text, ip))
}

// ---------------------------------------------------------------- the daemon

type daemon struct {
	cmd  *exec.Cmd
	done chan error
}

// startDaemon runs rblwatch run with its log (JSON) in logPath and returns
// once it follows the log file.
func startDaemon(bin, cfg, logPath string) (*daemon, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "run", "--config", cfg)
	cmd.Env = append(os.Environ(), "RBLWATCH_LOG=json")
	cmd.SysProcAttr = dieWithParent()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	d := &daemon{cmd: cmd, done: make(chan error, 1)}
	following := make(chan struct{})
	go func() {
		defer logFile.Close()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			logFile.Write(append(sc.Bytes(), '\n'))
			var e struct{ Msg string }
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Msg == "following from the end" {
				once.Do(func() { close(following) })
			}
		}
		d.done <- cmd.Wait()
	}()
	select {
	case <-following:
		return d, nil
	case err := <-d.done:
		return nil, fmt.Errorf("rblwatch run exited before following the log (%v); see %s", err, logPath)
	case <-time.After(30 * time.Second):
		d.stop()
		return nil, fmt.Errorf("rblwatch run does not follow the log; see %s", logPath)
	}
}

func (d *daemon) stop() {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// ---------------------------------------------------------------- SMTP capture

// capture is a go-smtp server that notes when each notice arrived, by the
// IP in its Subject.
type capture struct {
	srv *smtp.Server
	ln  net.Listener

	mu      sync.Mutex
	arrived map[string]time.Time
	dups    int
	changed chan struct{}
}

var subjectIP = regexp.MustCompile(`198\.1[89]\.\d+\.\d+`)

func listenCapture() (*capture, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &capture{ln: ln, arrived: map[string]time.Time{}, changed: make(chan struct{})}
	c.srv = smtp.NewServer(c)
	c.srv.Domain = "capture.bench.test"
	c.srv.AllowInsecureAuth = true
	c.srv.ReadTimeout, c.srv.WriteTimeout = time.Minute, time.Minute
	go c.srv.Serve(ln)
	return c, nil
}

func (c *capture) addr() string { return c.ln.Addr().String() }
func (c *capture) close()       { c.srv.Close() }

func (c *capture) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{c: c}, nil }

type session struct{ c *capture }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *session) Reset()                               {}
func (s *session) Logout() error                        { return nil }

// Data reads the notice; its arrival is the end of DATA, just before the
// 250 reply that makes the daemon mark it sent.
func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	at := time.Now()
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "not a mail message"}
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		subject = m.Header.Get("Subject")
	}
	ip := subjectIP.FindString(subject)
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if _, seen := s.c.arrived[ip]; seen {
		s.c.dups++
	} else {
		s.c.arrived[ip] = at
	}
	close(s.c.changed)
	s.c.changed = make(chan struct{})
	return nil
}

// wait waits for n notices or the timeout; it returns what arrived.
func (c *capture) wait(n int, timeout time.Duration) (map[string]time.Time, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		c.mu.Lock()
		got, changed := len(c.arrived), c.changed
		if got >= n {
			out := maps.Clone(c.arrived)
			dups := c.dups
			c.mu.Unlock()
			return out, dups, nil
		}
		c.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			c.mu.Lock()
			defer c.mu.Unlock()
			return maps.Clone(c.arrived), c.dups, ctx.Err()
		}
	}
}

// ---------------------------------------------------------------- DNS

// listenDNS serves every A query with 127.0.0.2 and every TXT query with a
// short text, at once: a local caching resolver that knows the answers.
func listenDNS() (*dns.Server, error) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			hdr := dns.RR_Header{Name: question.Name, Class: dns.ClassINET, Ttl: 60, Rrtype: question.Qtype}
			switch question.Qtype {
			case dns.TypeA:
				m.Answer = append(m.Answer, &dns.A{Hdr: hdr, A: net.IPv4(127, 0, 0, 2)})
			case dns.TypeTXT:
				m.Answer = append(m.Answer, &dns.TXT{Hdr: hdr, Txt: []string{"listed by the benchmark"}})
			}
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	return srv, nil
}
