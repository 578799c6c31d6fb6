package postfixtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Stage is the point of the SMTP dialogue a Rule answers.
type Stage string

const (
	// StageConnect replaces the 220 greeting: the reply is sent as the
	// banner, every later command but QUIT gets 503, QUIT gets 221. Match is
	// tried on the client's IP.
	StageConnect Stage = "connect"
	StageHelo    Stage = "helo" // EHLO/HELO; Match is tried on the name the client gave
	StageMail    Stage = "mail" // MAIL FROM; Match is tried on the sender
	StageRcpt    Stage = "rcpt" // RCPT TO; Match is tried on the recipient
	StageData    Stage = "data" // end of DATA; Match is tried on each accepted recipient
)

// Rule scripts one reply of a fake remote. The first rule of the stage
// whose Match matches wins; no matching rule means the remote accepts.
type Rule struct {
	Stage Stage
	// Match is a regular expression; "" matches everything.
	Match string
	// Times, when positive, limits the rule to its first Times matches;
	// after that it is skipped (so {Times: 1, 450…} is "450 once, then
	// whatever comes next, by default 250").
	Times int
	// Reply holds the raw reply lines, sent verbatim with CRLF: one line
	// ("550 5.7.1 text") or several ("421-4.7.0 first", "421 4.7.0 last").
	// The code must be 4xx or 5xx and the same on every line. "{ip}" is
	// replaced with the client's IP address, as a real remote names the
	// address it sees (see SetPublicIP).
	Reply []string
	// Drop closes the connection (after sending Reply, if any).
	Drop bool
}

// Message is a message a fake remote accepted.
type Message struct {
	Client string   // the client's address, "127.0.0.10:41234"
	Helo   string   // the name in EHLO/HELO
	From   string   // MAIL FROM, without brackets
	To     []string // accepted RCPT TO addresses
	Data   []byte   // the message exactly as received (CRLF line ends)
}

// ErrBadRule is returned for a rule that cannot be sent.
var ErrBadRule = errors.New("postfixtest: bad rule")

// rule is a compiled Rule with its use count.
type rule struct {
	Rule
	re    *regexp.Regexp
	code  int
	texts []string // each line without its "NNN-" / "NNN " prefix
	used  int
}

func compileRule(r Rule) (*rule, error) {
	switch r.Stage {
	case StageConnect, StageHelo, StageMail, StageRcpt, StageData:
	default:
		return nil, fmt.Errorf("%w: unknown stage %q", ErrBadRule, r.Stage)
	}
	re, err := regexp.Compile(r.Match)
	if err != nil {
		return nil, fmt.Errorf("%w: match: %w", ErrBadRule, err)
	}
	if len(r.Reply) == 0 && !r.Drop {
		return nil, fmt.Errorf("%w: %s rule %q has neither a reply nor drop", ErrBadRule, r.Stage, r.Match)
	}
	c := &rule{Rule: r, re: re}
	for i, line := range r.Reply {
		if strings.ContainsAny(line, "\r\n") {
			return nil, fmt.Errorf("%w: reply line %q contains CR or LF: give one line per element", ErrBadRule, line)
		}
		code, err := strconv.Atoi(line[:min(3, len(line))])
		if err != nil || len(line) < 3 || code < 400 || code > 599 {
			return nil, fmt.Errorf("%w: reply line %q: want a 4xx or 5xx code", ErrBadRule, line)
		}
		if i == 0 {
			c.code = code
		} else if code != c.code {
			return nil, fmt.Errorf("%w: reply %q mixes codes", ErrBadRule, r.Reply)
		}
		last := i == len(r.Reply)-1
		if len(line) > 3 && ((!last && line[3] != '-') || (last && line[3] != ' ')) {
			return nil, fmt.Errorf("%w: reply line %q: want %q on every line but the last, %q on the last", ErrBadRule, line, "NNN-", "NNN ")
		}
		if !last && len(line) == 3 {
			return nil, fmt.Errorf("%w: reply line %q: continuation lines need %q", ErrBadRule, line, "NNN-")
		}
		c.texts = append(c.texts, line[min(4, len(line)):])
	}
	return c, nil
}

// FakeRemote is a scriptable SMTP server on a loopback address, standing in
// for a receiving mail server (Gmail, Outlook, …) or a capture server.
type FakeRemote struct {
	srv    *smtp.Server
	ln     net.Listener
	domain string

	mu       sync.Mutex
	rules    []*rule
	publicIP string // what {ip} stands for; "" = the client's address
	msgs     []Message
	changed  chan struct{} // closed and replaced when a message arrives
	raw      map[net.Conn]struct{}

	wg     sync.WaitGroup
	served chan error
}

// ListenRemote starts a fake remote on addr (a loopback "IP:port"; port 0
// picks a free one) greeting as domain ("mx.outlook.test"). With no rules it
// accepts everything. The caller must Close it.
func ListenRemote(addr, domain string) (*FakeRemote, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("%w: fake remote address %q: want a loopback IP:port", ErrBadOptions, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("postfixtest: fake remote: %w", err)
	}
	f := &FakeRemote{
		ln:      ln,
		domain:  domain,
		changed: make(chan struct{}),
		raw:     map[net.Conn]struct{}{},
		served:  make(chan error, 1),
	}
	f.srv = smtp.NewServer(backend{f})
	f.srv.Domain = domain
	f.srv.MaxMessageBytes = 32 << 20
	f.srv.MaxRecipients = 1000
	f.srv.ReadTimeout = time.Minute
	f.srv.WriteTimeout = time.Minute
	f.srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { f.served <- f.srv.Serve(&greetListener{Listener: ln, f: f}) }()
	return f, nil
}

// NewRemote starts a fake remote for a test and closes it in t.Cleanup.
func NewRemote(t testing.TB, addr, domain string) *FakeRemote {
	t.Helper()
	f, err := ListenRemote(addr, domain)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("closing fake remote %s: %v", domain, err)
		}
	})
	return f
}

// Addr is the address the remote listens on, "127.0.0.11:40211".
func (f *FakeRemote) Addr() string { return f.ln.Addr().String() }

// Domain is the name the remote greets with.
func (f *FakeRemote) Domain() string { return f.domain }

// SetRules replaces the rules (and forgets how often the old ones were
// used). Sessions in progress see the new rules from their next command.
func (f *FakeRemote) SetRules(rules ...Rule) error {
	compiled, err := compileRules(rules)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.rules = compiled
	f.mu.Unlock()
	return nil
}

// AddRules appends rules after the current ones.
func (f *FakeRemote) AddRules(rules ...Rule) error {
	compiled, err := compileRules(rules)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.rules = append(f.rules, compiled...)
	f.mu.Unlock()
	return nil
}

func compileRules(rules []Rule) ([]*rule, error) {
	out := make([]*rule, 0, len(rules))
	for _, r := range rules {
		c, err := compileRule(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// SetPublicIP makes "{ip}" in replies stand for ip instead of the address
// the connection comes from, as when our host sends through NAT and a real
// receiver sees (and names) its public address. "" restores the default.
func (f *FakeRemote) SetPublicIP(ip string) error {
	if ip != "" {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("%w: public IP: %w", ErrBadOptions, err)
		}
	}
	f.mu.Lock()
	f.publicIP = ip
	f.mu.Unlock()
	return nil
}

// seenIP is the address {ip} stands for on connection c.
func (f *FakeRemote) seenIP(c net.Conn) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.publicIP != "" {
		return f.publicIP
	}
	return clientIP(c)
}

// Messages returns the messages accepted so far, oldest first.
func (f *FakeRemote) Messages() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.msgs...)
}

// WaitMessages waits until at least n messages were accepted and returns
// them all.
func (f *FakeRemote) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	for {
		f.mu.Lock()
		msgs, changed := append([]Message(nil), f.msgs...), f.changed
		f.mu.Unlock()
		if len(msgs) >= n {
			return msgs, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return msgs, fmt.Errorf("postfixtest: %s got %d of %d messages: %w", f.domain, len(msgs), n, ctx.Err())
		}
	}
}

// Close stops the remote and waits for its connections to end.
func (f *FakeRemote) Close() error {
	err := f.srv.Close()
	// Serve may not have registered the listener with the server yet.
	f.ln.Close()
	f.mu.Lock()
	for c := range f.raw {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	if serr := <-f.served; serr != nil && !errors.Is(serr, smtp.ErrServerClosed) && !errors.Is(serr, net.ErrClosed) {
		return serr
	}
	if errors.Is(err, smtp.ErrServerClosed) {
		return nil
	}
	return err
}

// match finds the rule for stage among the subjects and counts its use.
func (f *FakeRemote) match(stage Stage, subjects ...string) *rule {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.Stage != stage || (r.Times > 0 && r.used >= r.Times) {
			continue
		}
		for _, s := range subjects {
			if r.re.MatchString(s) {
				r.used++
				return r
			}
		}
	}
	return nil
}

func (f *FakeRemote) record(m Message) {
	f.mu.Lock()
	f.msgs = append(f.msgs, m)
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

// lines returns the reply lines with {ip} replaced.
func (r *rule) lines(clientIP string) []string {
	out := make([]string, len(r.texts))
	for i, t := range r.texts {
		out[i] = strings.ReplaceAll(t, "{ip}", clientIP)
	}
	return out
}

// smtpError is the reply as go-smtp sends it: the enhanced code, if any, is
// part of each line's text already, so go-smtp must add none.
func (r *rule) smtpError(clientIP string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: r.code, EnhancedCode: smtp.NoEnhancedCode, Message: strings.Join(r.lines(clientIP), "\n")}
}

func clientIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// greetListener applies connect rules before go-smtp, whose greeting is
// fixed, sees the connection.
type greetListener struct {
	net.Listener
	f *FakeRemote
}

func (l *greetListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		r := l.f.match(StageConnect, clientIP(c))
		if r == nil {
			return c, nil
		}
		l.f.mu.Lock()
		l.f.raw[c] = struct{}{}
		l.f.wg.Add(1)
		l.f.mu.Unlock()
		go l.f.refuse(c, r)
	}
}

// refuse answers a connection with a connect rule's reply instead of the
// banner, then 503 to everything but QUIT.
func (f *FakeRemote) refuse(c net.Conn, r *rule) {
	defer f.wg.Done()
	defer func() {
		c.Close()
		f.mu.Lock()
		delete(f.raw, c)
		f.mu.Unlock()
	}()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	if len(r.texts) > 0 {
		if _, err := io.WriteString(c, strings.Join(prefixed(r.code, r.lines(f.seenIP(c))), "\r\n")+"\r\n"); err != nil {
			return
		}
	}
	if r.Drop {
		return
	}
	rd := bufio.NewReader(c)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		if strings.EqualFold(strings.TrimSpace(line), "QUIT") {
			fmt.Fprintf(c, "221 2.0.0 %s closing connection\r\n", f.domain)
			return
		}
		fmt.Fprintf(c, "503 5.5.1 Bad sequence of commands\r\n")
	}
}

type backend struct{ f *FakeRemote }

// NewSession runs when the client says EHLO or HELO.
func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s := &session{f: b.f, conn: c}
	if err := s.decide(StageHelo, c.Hostname()); err != nil {
		return nil, err
	}
	return s, nil
}

type session struct {
	f     *FakeRemote
	conn  *smtp.Conn
	from  string
	rcpts []string
}

// decide returns the scripted reply for stage, or nil to accept.
func (s *session) decide(stage Stage, subjects ...string) error {
	r := s.f.match(stage, subjects...)
	if r == nil {
		return nil
	}
	ip := s.f.seenIP(s.conn.Conn())
	if r.Drop {
		if len(r.texts) > 0 {
			_, _ = io.WriteString(s.conn.Conn(), strings.Join(prefixed(r.code, r.lines(ip)), "\r\n")+"\r\n")
		}
		s.conn.Conn().Close()
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.NoEnhancedCode, Message: "connection dropped"}
	}
	return r.smtpError(ip)
}

// prefixed puts "NNN-" / "NNN " back in front of reply lines.
func prefixed(code int, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		out[i] = fmt.Sprintf("%d%s%s", code, sep, l)
	}
	return out
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if err := s.decide(StageMail, from); err != nil {
		return err
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := s.decide(StageRcpt, to); err != nil {
		return err
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := s.decide(StageData, s.rcpts...); err != nil {
		return err
	}
	s.f.record(Message{
		Client: s.conn.Conn().RemoteAddr().String(),
		Helo:   s.conn.Hostname(),
		From:   s.from,
		To:     append([]string(nil), s.rcpts...),
		Data:   data,
	})
	return nil
}

func (s *session) Reset()        { s.from, s.rcpts = "", nil }
func (s *session) Logout() error { return nil }
