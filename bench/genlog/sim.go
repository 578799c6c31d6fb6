package main

import (
	"bufio"
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

const (
	second = int64(1_000_000) // the simulation counts microseconds
	minute = 60 * second
	hour   = 60 * minute

	minimalBackoff = 300 * second // Postfix defaults
	maximalBackoff = 4000 * second
	lifetime       = 12 * hour // maximal_queue_lifetime of this relay
	delayWarning   = 4 * hour  // delay_warning_time of this relay
	throttleTime   = 300 * second

	linesPerArrival = 9.9 // measured average, used to spread -n lines over a day
)

type config struct {
	lines   int
	seed    uint64
	ips     int
	host    string
	start   time.Time
	longIDs bool
	replies []realReply // -replies
	fail    float64     // -fail
}

// Line kinds counted for -stats.
const (
	stNone byte = iota
	stSent
	stDeferred
	stBounced
	stExpired
	stReject
)

type event struct {
	at  int64
	seq uint64
	tag string // "postfix/smtp"; the pid is chosen when the event is made
	pid int
	msg string
	st  byte
	fn  func() // when set, an action to run at the event's time instead of a line
}

type eventHeap []*event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

type sender struct {
	from   string
	sasl   string
	client string // "app3.example.com[198.18.0.13]"
	ip     int    // sending IP (transport) index
	bulk   bool
	dkim   bool
	dom    *domain
}

type message struct {
	qid      string
	from     string
	s        *sender
	ip       int
	size     int
	msgid    string
	arrival  int64
	rcpts    []*rcpt
	attempts int
	warned   bool
	notice   bool // a notification (bounce, delay warning): no further notifications
}

type rcpt struct {
	addr   string
	dom    *domain
	done   bool
	greyOK bool
}

type deadDest struct {
	until  int64
	dsn    string
	reason string
}

type counts struct{ sent, deferred, bounced, expired, rejects int }

// pool is a set of processes of one daemon; each serves a number of
// requests and is then replaced by a new process with a new pid.
type pool struct {
	pids []int
	uses []int
	max  int
}

type gen struct {
	cfg     config
	w       *bufio.Writer
	r       *rand.Rand
	events  eventHeap
	seq     uint64
	now     int64
	written int
	lastAt  int64
	span    int64
	meanGap float64
	count   counts

	myhostname  string
	sendIPs     []string
	rcptDomains []*domain
	typoDomains []*domain
	senders     []*sender
	incidents   []incident
	pools       map[string]*pool
	nextPID     int
	dead        map[deadKey]deadDest
	live        map[string]bool
	inode       uint64

	stampSec int64
	stampStr string
}

type deadKey struct {
	ip  int
	dom *domain
}

func newGen(cfg config, w *bufio.Writer) *gen {
	g := &gen{
		cfg:        cfg,
		w:          w,
		r:          rand.New(rand.NewPCG(cfg.seed, 0x9e3779b97f4a7c15)),
		span:       24 * hour,
		myhostname: cfg.host + ".example.com",
		pools:      map[string]*pool{},
		nextPID:    1200,
		dead:       map[deadKey]deadDest{},
		live:       map[string]bool{},
		inode:      0x986000 + uint64(cfg.seed%4096)*16,
		stampSec:   -1,
	}
	arrivals := float64(max(cfg.lines, 1)) / linesPerArrival
	g.meanGap = float64(g.span) / arrivals
	all := []string{"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"}
	g.sendIPs = all[:cfg.ips]
	g.buildDomains(2500)
	for _, t := range []string{"gmial.com", "hotmial.com", "yaho.com", "outlok.com"} {
		g.typoDomains = append(g.typoDomains, &domain{name: t, prov: pSelf})
	}
	g.buildSenders()
	g.buildIncidents()
	return g
}

// buildSenders makes the relay's customers: applications and users that
// submit over SASL, each bound to one sending IP (one transport per IP).
func (g *gen) buildSenders() {
	brands := []string{"shop", "news", "billing", "alerts", "crm", "portal", "events", "support", "hr", "forum"}
	for i := 0; i < 60; i++ {
		brand := brands[i%len(brands)]
		dname := fmt.Sprintf("%s-%s.example", words[g.r.IntN(len(words))], brand)
		local := []string{"noreply", "newsletter", "info", "notifications", "alice", "bob", "invoices"}[g.r.IntN(7)]
		d := &domain{name: dname, prov: pSelf}
		d.mx = []string{fmt.Sprintf("mail.%s[198.18.1.%d]", dname, 1+g.r.IntN(250))}
		s := &sender{
			from:   local + "@" + dname,
			sasl:   fmt.Sprintf("%s%d", brand, i),
			client: fmt.Sprintf("app%d.%s[198.18.0.%d]", 1+i%9, "example.com", 10+i%200),
			ip:     i % len(g.sendIPs),
			bulk:   local == "newsletter" || local == "notifications",
			dkim:   g.r.IntN(5) < 2,
			dom:    d,
		}
		if g.r.IntN(2) == 0 {
			s.sasl = "" // submits from mynetworks
		}
		g.senders = append(g.senders, s)
	}
}

// buildIncidents lists the day's listings: every kind once on a random
// sending IP, some a second time.
func (g *gen) buildIncidents() {
	rates := [numIncidents]float64{
		incSpamhaus: 1, incMicrosoftBlock: 0.9, incMicrosoftRate: 0.15, incYahoo: 0.8, incGmailRate: 0.6,
		incGmailBlock: 0.06, incBarracuda: 1, incProofpoint: 1, incTrend: 1, incCloudmark: 1, incMimecast: 1,
	}
	for k := incidentKind(0); k < numIncidents; k++ {
		n := 1
		if g.r.IntN(3) == 0 {
			n = 2
		}
		for i := 0; i < n; i++ {
			from := g.r.Int64N(g.span * 3 / 4)
			dur := hour + g.r.Int64N(3*hour)
			g.incidents = append(g.incidents, incident{kind: k, ip: g.r.IntN(len(g.sendIPs)), from: from, to: from + dur, rate: rates[k]})
		}
	}
}

// run writes cfg.lines lines.
func (g *gen) run() {
	next := int64(0)
	g.every(10*minute+g.r.Int64N(minute), g.anvilStats)
	g.every(10*minute+g.r.Int64N(minute), g.scacheStats)
	g.at(0, "postfix/postfix-script", "starting the Postfix mail system")
	g.at(1000, "postfix/master", "daemon started -- version 3.7.11, configuration /etc/postfix")
	for g.written < g.cfg.lines {
		if len(g.events) > 0 && g.events[0].at <= next {
			e := heap.Pop(&g.events).(*event)
			g.now = e.at
			if e.fn != nil {
				e.fn()
			} else {
				g.write(e)
			}
			continue
		}
		g.now = next
		g.arrive()
		next += g.gap()
	}
}

// gap draws the time to the next arrival: a Poisson process whose rate
// follows the working day (busiest in the afternoon).
func (g *gen) gap() int64 {
	dayPos := float64(g.now%(24*hour)) / float64(24*hour)
	rate := 1 + 0.6*math.Sin(2*math.Pi*(dayPos-0.33))
	return int64(g.r.ExpFloat64()*g.meanGap/rate) + 1
}

func (g *gen) arrive() {
	switch x := g.r.IntN(100); {
	case x < 83:
		g.submit(false)
	case x < 89:
		g.submit(true)
	case x < 97:
		g.inbound()
	default:
		g.bruteForce()
	}
}

// write prints one line.
func (g *gen) write(e *event) {
	g.lastAt = e.at
	g.w.WriteString(g.stampAt(e.at))
	g.w.WriteByte(' ')
	g.w.WriteString(g.cfg.host)
	g.w.WriteByte(' ')
	g.w.WriteString(e.tag)
	fmt.Fprintf(g.w, "[%d]: ", e.pid)
	g.w.WriteString(e.msg)
	g.w.WriteByte('\n')
	g.written++
	switch e.st {
	case stSent:
		g.count.sent++
	case stDeferred:
		g.count.deferred++
	case stBounced:
		g.count.bounced++
	case stExpired:
		g.count.expired++
	case stReject:
		g.count.rejects++
	}
}

func (g *gen) stampAt(at int64) string {
	s := at / second
	if s != g.stampSec {
		g.stampSec = s
		g.stampStr = g.cfg.start.Add(time.Duration(s) * time.Second).Format(time.Stamp)
	}
	return g.stampStr
}

func (g *gen) unix() int64 { return g.cfg.start.Unix() + g.now/second }

// at schedules a line from any process of the daemon behind tag.
func (g *gen) at(t int64, tag, format string, a ...any) *event {
	return g.atPID(t, tag, g.pid(tag), format, a...)
}

// atPID schedules a line from process pid (one session's lines share it).
func (g *gen) atPID(t int64, tag string, pid int, format string, a ...any) *event {
	msg := format
	if len(a) > 0 {
		msg = fmt.Sprintf(format, a...)
	}
	e := &event{at: t, seq: g.seq, tag: tag, pid: pid, msg: msg}
	g.seq++
	heap.Push(&g.events, e)
	return e
}

// do schedules an action.
func (g *gen) do(t int64, fn func()) {
	heap.Push(&g.events, &event{at: t, seq: g.seq, fn: fn})
	g.seq++
}

// every runs fn now and then, about every d.
func (g *gen) every(d int64, fn func()) {
	var tick func()
	tick = func() {
		fn()
		g.do(g.now+d+g.r.Int64N(d/5), tick)
	}
	g.do(g.now+d, tick)
}

// pid returns the pid of a process of the daemon behind tag.
func (g *gen) pid(tag string) int {
	p := g.pools[tag]
	if p == nil {
		n, max := 4, 100
		switch {
		case strings.HasSuffix(tag, "/smtp"):
			n = 24
		case strings.HasSuffix(tag, "smtpd"):
			n = 10
		case strings.HasSuffix(tag, "qmgr"), strings.HasSuffix(tag, "master"), strings.HasSuffix(tag, "anvil"),
			strings.HasSuffix(tag, "scache"), strings.HasSuffix(tag, "postscreen"), strings.HasSuffix(tag, "pickup"),
			strings.HasPrefix(tag, "opendkim"):
			n, max = 1, math.MaxInt // never recycled (1<<62 overflowed a 32-bit int)
		}
		p = &pool{pids: make([]int, n), uses: make([]int, n), max: max}
		for i := range p.pids {
			p.pids[i] = g.newPID()
		}
		g.pools[tag] = p
	}
	i := g.r.IntN(len(p.pids))
	p.uses[i]++
	if p.uses[i] > p.max {
		p.pids[i], p.uses[i] = g.newPID(), 1
	}
	return p.pids[i]
}

func (g *gen) newPID() int {
	g.nextPID += 1 + g.r.IntN(40)
	if g.nextPID > 4194000 {
		g.nextPID = 1200
	}
	return g.nextPID
}

// newQID returns a queue id not in use, made as Postfix makes it: the
// microseconds of the time and the queue file's inode number.
func (g *gen) newQID(t int64) string {
	for {
		g.inode += 1 + uint64(g.r.IntN(9))
		if g.inode > 0xFFFFFF {
			g.inode = 0x80000
		}
		var q string
		if g.cfg.longIDs {
			sec := uint64(g.cfg.start.Unix() + t/second)
			q = base51(sec, 6) + base51(uint64(t%second), 4) + "z" + base51(g.inode, 0)
		} else {
			q = fmt.Sprintf("%05X%X", t%second, g.inode)
		}
		if !g.live[q] {
			g.live[q] = true
			return q
		}
	}
}

const alphabet51 = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy"

// base51 encodes v in Postfix's long queue id alphabet, left-padded to
// width digits.
func base51(v uint64, width int) string {
	var b [16]byte
	i := len(b)
	for v > 0 || i == len(b) {
		i--
		b[i] = alphabet51[v%51]
		v /= 51
	}
	for len(b)-i < width {
		i--
		b[i] = '0'
	}
	return string(b[i:])
}

func (g *gen) ms(lo, hi int) int64 { return int64(lo+g.r.IntN(hi-lo+1)) * 1000 }

func (g *gen) smtpTag(ip int) string {
	if len(g.sendIPs) == 1 {
		return "postfix/smtp"
	}
	return fmt.Sprintf("postfix/ip%d/smtp", ip+1)
}

// pickRcpt draws a recipient.
func (g *gen) pickRcpt() *rcpt {
	d := g.rcptDomains[g.r.IntN(len(g.rcptDomains))]
	if g.r.IntN(1500) == 0 {
		d = g.typoDomains[g.r.IntN(len(g.typoDomains))]
	}
	first := []string{"john", "mary", "k.tanaka", "li.wei", "m.mueller", "sophie", "ahmed", "olga", "j.smith", "info", "sales", "contact"}
	local := fmt.Sprintf("%s%d", first[g.r.IntN(len(first))], g.r.IntN(5000))
	return &rcpt{addr: local + "@" + d.name, dom: d}
}

// submit is a message submitted by an application (SASL on the submission
// port, or sendmail(1) through pickup when local is true).
func (g *gen) submit(local bool) {
	s := g.senders[g.r.IntN(len(g.senders))]
	t := g.now
	m := &message{from: s.from, s: s, ip: s.ip, size: 900 + int(g.r.ExpFloat64()*25000), arrival: t}
	n := 1
	switch x := g.r.IntN(100); {
	case x < 18 || s.bulk && x < 35:
		n = 2 + g.r.IntN(2)
	case x < 24 || s.bulk && x < 45:
		n = 4 + g.r.IntN(7)
	}
	for i := 0; i < n; i++ {
		m.rcpts = append(m.rcpts, g.pickRcpt())
	}
	switch g.r.IntN(3) {
	case 0:
		m.msgid = fmt.Sprintf("%s.%d@%s", g.tokenLower(16), g.unix(), s.dom.name)
	case 1:
		m.msgid = fmt.Sprintf("%s-%s-%s@%s", g.tokenLower(8), g.tokenLower(4), g.tokenLower(12), s.dom.name)
	default:
		m.msgid = fmt.Sprintf("%s.%s@app%d.example.com", time.Unix(g.unix(), 0).UTC().Format("20060102150405"), g.tokenLower(6), 1+g.r.IntN(9))
	}
	switch {
	case local:
		t += g.ms(1, 60)
		m.qid = g.newQID(t)
		m.from = "www-data@" + g.myhostname
		g.at(t, "postfix/pickup", "%s: uid=33 from=<%s>", m.qid, m.from)
	case s.sasl == "":
		// An application server in mynetworks, port 25, no TLS, no SASL.
		tag := "postfix/smtpd"
		pid := g.pid(tag)
		g.atPID(t, tag, pid, "connect from %s", s.client)
		t += g.ms(5, 120)
		m.qid = g.newQID(t)
		g.atPID(t, tag, pid, "%s: client=%s", m.qid, s.client)
		g.atPID(t+g.ms(40, 300), tag, pid, "disconnect from %s ehlo=1 mail=1 rcpt=%d data=1 quit=1 commands=%d", s.client, n, 4+n)
	default:
		tag := "postfix/submission/smtpd"
		pid := g.pid(tag)
		g.atPID(t, tag, pid, "connect from %s", s.client)
		t += g.ms(5, 40)
		g.atPID(t, tag, pid, "Anonymous TLS connection established from %s: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256", s.client)
		t += g.ms(20, 300)
		m.qid = g.newQID(t)
		g.atPID(t, tag, pid, "%s: client=%s, sasl_method=PLAIN, sasl_username=%s", m.qid, s.client, s.sasl)
		g.atPID(t+g.ms(60, 400), tag, pid, "disconnect from %s ehlo=2 starttls=1 auth=1 mail=1 rcpt=%d data=1 quit=1 commands=%d", s.client, n, 7+n)
	}
	t += g.ms(2, 30)
	g.at(t, "postfix/cleanup", "%s: message-id=<%s>", m.qid, m.msgid)
	if s.dkim {
		t += g.ms(1, 20)
		g.at(t, "opendkim", "%s: DKIM-Signature field added (s=mail, d=%s)", m.qid, s.dom.name)
	}
	t += g.ms(1, 30)
	g.at(t, "postfix/qmgr", "%s: from=<%s>, size=%d, nrcpt=%d (queue active)", m.qid, m.from, m.size, len(m.rcpts))
	g.do(t+g.ms(5, 80), func() { g.attempt(m) })
}

// attempt tries to deliver every pending recipient of m now.
func (g *gen) attempt(m *message) {
	t := g.now
	m.attempts++
	if m.attempts > 1 {
		nr := 0
		for _, rc := range m.rcpts {
			if !rc.done {
				nr++
			}
		}
		g.at(t, "postfix/qmgr", "%s: from=<%s>, size=%d, nrcpt=%d (queue active)", m.qid, m.from, m.size, nr)
	}
	var bounced int
	deferred := false
	for _, rc := range m.rcpts {
		if rc.done {
			continue
		}
		t += g.ms(1, 40)
		var st byte
		t, st = g.deliver(m, rc, t)
		switch st {
		case stSent:
			rc.done = true
		case stBounced:
			rc.done = true
			bounced++
		default:
			deferred = true
		}
	}
	age := t - m.arrival
	expired := deferred && age > lifetime
	if expired {
		t += g.ms(0, 5)
		e := g.at(t, "postfix/qmgr", "%s: from=<%s>, status=expired, returned to sender", m.qid, m.from)
		e.st = stExpired
		deferred = false
	}
	if (bounced > 0 || expired) && !m.notice {
		t = g.notify(m, t, "sender non-delivery notification")
	}
	if deferred {
		if !m.warned && !m.notice && age > delayWarning {
			m.warned = true
			t = g.notify(m, t, "sender delay notification")
		}
		g.do(t+g.backoff(m.attempts), func() { g.attempt(m) })
		return
	}
	g.at(t+g.ms(0, 3), "postfix/qmgr", "%s: removed", m.qid)
	delete(g.live, m.qid)
}

// backoff is the time to the next attempt after n failed ones.
func (g *gen) backoff(n int) int64 {
	d := minimalBackoff << min(n-1, 5)
	if d > maximalBackoff {
		d = maximalBackoff
	}
	return d + g.r.Int64N(minimalBackoff/2)
}

// notify writes the bounce daemon's line and the flow of the notification
// message it creates, which goes back to the sender.
func (g *gen) notify(m *message, t int64, kind string) int64 {
	t += g.ms(2, 40)
	nq := g.newQID(t)
	g.at(t, "postfix/cleanup", "%s: message-id=<%s.%s@%s>", nq, time.Unix(g.cfg.start.Unix()+t/second, 0).UTC().Format("20060102150405"), nq, g.myhostname)
	t += g.ms(1, 10)
	g.at(t, "postfix/bounce", "%s: %s: %s", m.qid, kind, nq)
	t += g.ms(1, 10)
	n := &message{qid: nq, s: m.s, ip: m.ip, size: 2400 + g.r.IntN(3000) + min(m.size, 30000), arrival: t, notice: true,
		rcpts: []*rcpt{{addr: m.from, dom: m.s.dom}}}
	if strings.HasSuffix(m.from, "@"+g.myhostname) {
		n.rcpts[0].dom = m.s.dom // local submitter: mail for www-data is forwarded to the application's domain
		n.rcpts[0].addr = "webmaster@" + m.s.dom.name
	}
	g.at(t, "postfix/qmgr", "%s: from=<>, size=%d, nrcpt=1 (queue active)", nq, n.size)
	g.do(t+g.ms(5, 60), func() { g.attempt(n) })
	return t
}

// deliver makes one delivery attempt for rc and writes its lines; it
// returns the time after them and the status.
func (g *gen) deliver(m *message, rc *rcpt, t int64) (int64, byte) {
	d := rc.dom
	key := deadKey{m.ip, d}
	a := float64(t-m.arrival) / float64(second)
	if dd, ok := g.dead[key]; ok && t < dd.until {
		// A throttled destination: qmgr hands the recipient to the retry
		// service without trying.
		b := float64(g.r.IntN(20)) / 1000
		e := g.at(t, "postfix/retry", "%s: to=<%s>, relay=none, delay=%s, delays=%s/%s/0/0, dsn=%s, status=deferred (delivery temporarily suspended: %s)",
			m.qid, rc.addr, fmtDelay(a+b), fmtDelay(a), fmtDelay(b), dd.dsn, dd.reason)
		e.st = stDeferred
		return t, stDeferred
	}
	tag := g.smtpTag(m.ip)
	pid := g.pid(tag)
	o := g.outcome(m, rc, t, pid)
	if o.suspend {
		g.dead[key] = deadDest{until: t + throttleTime, dsn: o.dsn, reason: o.detail}
	}
	b := float64(g.r.IntN(30)) / 1000
	var c, dd float64
	connUse := ""
	if o.relay != "none" {
		if o.conn {
			c = 0.05 + g.r.Float64()*0.8
			host := o.relay[:strings.LastIndexByte(o.relay, ':')]
			if o.noTLS {
				// no TLS line: the session ended at the greeting
			} else if d.prov == pSelf && g.r.IntN(3) == 0 {
				g.atPID(t+int64(c*float64(second)*0.8), tag, pid, "Untrusted TLS connection established to %s:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)", host)
			} else {
				g.atPID(t+int64(c*float64(second)*0.8), tag, pid, "Trusted TLS connection established to %s:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256", host)
			}
		} else {
			connUse = fmt.Sprintf("conn_use=%d, ", 2+g.r.IntN(8))
		}
		dd = 0.02 + g.r.Float64()*0.3
		if strings.Contains(o.detail, " timed out while ") {
			dd = 300 + g.r.Float64()*5 // smtp_data_xfer_timeout
		}
		if o.status == stSentStr {
			dd += float64(m.size) / 400000 * (0.5 + g.r.Float64())
		}
	} else {
		c = 0.01 + g.r.Float64()*0.05
		if strings.HasPrefix(o.detail, "connect to") {
			c = 30 + g.r.Float64()*2 // smtp_connect_timeout
		}
	}
	total := a + b + c + dd
	t += int64((b + c + dd) * float64(second))
	e := g.atPID(t, tag, pid, "%s: to=<%s>, relay=%s, %sdelay=%s, delays=%s/%s/%s/%s, dsn=%s, status=%s (%s)",
		m.qid, rc.addr, o.relay, connUse, fmtDelay(total), fmtDelay(a), fmtDelay(b), fmtDelay(c), fmtDelay(dd), o.dsn, o.status, o.detail)
	switch o.status {
	case stSentStr:
		e.st = stSent
	case "deferred":
		e.st = stDeferred
	default:
		e.st = stBounced
	}
	return t, e.st
}

const stSentStr = "sent"

// outcome decides what the receiving side answers.
func (g *gen) outcome(m *message, rc *rcpt, t int64, pid int) outcome {
	d := rc.dom
	ip := g.sendIPs[m.ip]
	if len(d.mx) == 0 { // a domain that does not exist
		return outcome{status: "bounced", dsn: "5.4.4", relay: "none",
			detail: fmt.Sprintf("Host or domain name not found. Name service error for name=%s type=A: Host not found", d.name)}
	}
	mx := d.mx[g.r.IntN(len(d.mx))]
	relay := mx + ":25"
	said := func(status, dsn, text, cmd string) outcome {
		return outcome{status: status, dsn: dsn, relay: relay, conn: true,
			detail:  fmt.Sprintf("host %s said: %s (in reply to %s command)", mx, g.fill(text, ip, rc.addr, d.name), cmd),
			suspend: cmd == "MAIL FROM"}
	}
	greeting := func(dsn, text string) outcome {
		last := d.mx[len(d.mx)-1]
		if len(d.mx) > 1 {
			// Postfix tries the next MX host and logs the first one's answer.
			g.atPID(t+g.ms(100, 400), g.smtpTag(m.ip), pid, "%s: host %s refused to talk to me: %s", m.qid, d.mx[0], g.fill(text, ip, rc.addr, d.name))
		}
		return outcome{status: "deferred", dsn: dsn, relay: last + ":25", conn: true, noTLS: true, suspend: true,
			detail: fmt.Sprintf("host %s refused to talk to me: %s", last, g.fill(text, ip, rc.addr, d.name))}
	}
	if len(g.cfg.replies) > 0 && !m.notice && g.r.Float64() < g.cfg.fail {
		rr := g.cfg.replies[g.r.IntN(len(g.cfg.replies))]
		status, dsn := "deferred", "4.7.1"
		if rr.permanent {
			status, dsn = "bounced", "5.7.1"
		}
		if rr.enhanced != "" {
			dsn = rr.enhanced
		}
		return outcome{status: status, dsn: dsn, relay: relay, conn: true,
			detail: fmt.Sprintf("host %s said: %s (in reply to RCPT TO command)", mx, rr.text)}
	}
	if d.down[1] > 0 && t >= d.down[0] && t < d.down[1] {
		return outcome{status: "deferred", dsn: "4.4.1", relay: "none", suspend: true,
			detail: fmt.Sprintf("connect to %s:25: Connection timed out", mx)}
	}
	for _, in := range g.incidents {
		if in.ip != m.ip || t < in.from || t >= in.to || g.r.Float64() >= in.rate {
			continue
		}
		switch {
		case in.kind == incSpamhaus && d.prov == pSelf && d.zen:
			if d.atRCPT {
				return said("bounced", "5.7.1", txtSpamhaus, "RCPT TO")
			}
			return greeting("4.7.1", txtSpamhaus)
		case in.kind == incMicrosoftBlock && d.prov == pOutlook:
			return said("bounced", "5.7.1", txtS3150, "RCPT TO")
		case in.kind == incMicrosoftBlock && d.prov == pM365:
			return said("bounced", "5.7.606", txt5_7_606, "RCPT TO")
		case in.kind == incMicrosoftRate && (d.prov == pOutlook || d.prov == pM365):
			return said("deferred", "4.7.650", txtS3113, "RCPT TO")
		case in.kind == incYahoo && d.prov == pYahoo:
			return said("deferred", "4.7.0", txtYahoo, "MAIL FROM")
		case in.kind == incGmailRate && d.prov == pGmail:
			return said("deferred", "4.7.0", txtGmailRate, "end of DATA")
		case in.kind == incGmailBlock && d.prov == pGmail:
			return said("bounced", "5.7.1", txtGmailBlock, "end of DATA")
		case in.kind == incBarracuda && d.prov == pBarracuda:
			return said("bounced", "5.0.0", txtBarracuda, "RCPT TO")
		case in.kind == incProofpoint && d.prov == pProofpoint:
			return greeting("4.0.0", txtProofpoint)
		case in.kind == incTrend && d.prov == pTrend:
			return said("deferred", "4.7.1", txtTrend, "RCPT TO")
		case in.kind == incCloudmark && d.prov == pOrange:
			return greeting("4.0.0", txtOrange)
		case in.kind == incCloudmark && d.prov == pComcast:
			return greeting("4.0.0", txtComcast)
		case in.kind == incMimecast && d.prov == pMimecast:
			return said("bounced", "5.0.0", txtMimecast, "RCPT TO")
		}
	}
	if d.prov == pSelf && d.grey && !d.greyOK[m.ip] && !m.notice {
		// postgrey lets the relay through once it retried, and keeps
		// it on its automatic allow list.
		if !rc.greyOK {
			rc.greyOK = true
			return said("deferred", "4.2.0", txtGreylist, "RCPT TO")
		}
		d.greyOK[m.ip] = true
	}
	if m.notice {
		return outcome{status: stSentStr, dsn: "2.0.0", relay: relay, conn: g.r.IntN(2) == 0, detail: g.okText(d.prov, m)}
	}
	switch x := g.r.Float64(); {
	case x < 0.011:
		switch d.prov {
		case pGmail:
			return said("bounced", "5.1.1", txtUnknownGmail, "RCPT TO")
		case pOutlook, pM365:
			return said("bounced", "5.5.0", txtUnknownMS, "RCPT TO")
		case pYahoo:
			return said("bounced", "5.0.0", txtUnknownYahoo, "RCPT TO")
		case pSelf:
			return said("bounced", "5.1.1", txtUnknownSelf, "RCPT TO")
		}
		return said("bounced", "5.1.1", txtUnknownOther, "RCPT TO")
	case x < 0.0125:
		if d.prov == pGmail {
			return said("deferred", "4.2.2", txtFullGmail, "RCPT TO")
		}
		return said("bounced", "5.2.2", txtFullSelf, "RCPT TO")
	case x < 0.0132:
		return outcome{status: "deferred", dsn: "4.4.2", relay: relay, conn: true,
			detail: fmt.Sprintf("lost connection with %s while sending end of data -- message may be sent more than once", mx)}
	case x < 0.0137:
		return outcome{status: "deferred", dsn: "4.4.2", relay: relay, conn: true,
			detail: fmt.Sprintf("conversation with %s timed out while sending message body", mx)}
	case x < 0.0140 && d.prov == pSelf:
		return outcome{status: "deferred", dsn: "4.4.3", relay: "none",
			detail: fmt.Sprintf("Host or domain name not found. Name service error for name=%s type=MX: Host not found, try again", d.name)}
	}
	reuse := d.prov == pGmail || d.prov == pOutlook || d.prov == pYahoo
	return outcome{status: stSentStr, dsn: okDSN(d.prov), relay: relay, conn: !reuse || g.r.IntN(2) == 0, detail: g.okText(d.prov, m)}
}

func okDSN(p provider) string {
	if p == pOutlook || p == pM365 {
		return "2.6.0"
	}
	return "2.0.0"
}

// inbound is a connection to port 25 from the Internet: postscreen,
// DNSBL lookups, and smtpd rejecting relay attempts or listed clients.
func (g *gen) inbound() {
	t := g.now
	ip := fmt.Sprintf("%s.%d", []string{"198.51.100", "203.0.113", "198.18.200", "198.19.7"}[g.r.IntN(4)], 1+g.r.IntN(254))
	port := 20000 + g.r.IntN(45000)
	ep := fmt.Sprintf("[%s]:%d", ip, port)
	ps := "postfix/postscreen"
	g.at(t, ps, "CONNECT from %s to [%s]:25", ep, g.sendIPs[0])
	switch x := g.r.IntN(100); {
	case x < 25:
		rank := 2 + g.r.IntN(6)
		g.at(t+g.ms(20, 200), "postfix/dnsblog", "addr %s listed by domain zen.spamhaus.org as 127.0.0.%d", ip, []int{2, 3, 4, 4, 10, 11}[g.r.IntN(6)])
		if g.r.IntN(2) == 0 {
			g.at(t+g.ms(20, 200), "postfix/dnsblog", "addr %s listed by domain b.barracudacentral.org as 127.0.0.2", ip)
		}
		t += g.ms(6000, 6100)
		g.at(t, ps, "DNSBL rank %d for %s", rank, ep)
		if g.r.IntN(2) == 0 {
			t += g.ms(300, 2000)
			e := g.at(t, ps, "NOQUEUE: reject: RCPT from %s: %s; from=<%s>, to=<%s>, proto=ESMTP, helo=<%s>",
				ep, g.fill(strings.ReplaceAll(txtPostscreenZen, "{client}", ip), "", "", ""), g.spamAddr(), g.pickRcpt().addr, g.spamHelo())
			e.st = stReject
		}
		g.at(t+g.ms(100, 900), ps, "DISCONNECT %s", ep)
	case x < 40:
		g.at(t+g.ms(50, 300), ps, "PREGREET %d after 0.%02d from %s: EHLO %s\\r\\n", 11+g.r.IntN(20), g.r.IntN(99), ep, g.spamHelo())
		g.at(t+g.ms(400, 3000), ps, "DISCONNECT %s", ep)
	case x < 50:
		g.at(t+g.ms(100, 6000), ps, "HANGUP after %s from %s in tests before SMTP handshake", fmtDelay(0.1+g.r.Float64()*5), ep)
		g.at(t+g.ms(6000, 6100), ps, "DISCONNECT %s", ep)
	default:
		pass := "PASS OLD"
		if g.r.IntN(3) == 0 {
			pass = "PASS NEW"
		}
		t += g.ms(10, 100)
		g.at(t, ps, "%s %s", pass, ep)
		name := "unknown"
		spid := g.pid("postfix/smtpd")
		if g.r.IntN(3) == 0 {
			name = fmt.Sprintf("host-%s.example.net", strings.ReplaceAll(ip, ".", "-"))
			if g.r.IntN(4) == 0 {
				g.atPID(t+g.ms(1, 20), "postfix/smtpd", spid, "warning: hostname %s does not resolve to address %s", name, ip)
			}
		}
		client := fmt.Sprintf("%s[%s]", name, ip)
		t += g.ms(2, 30)
		g.atPID(t, "postfix/smtpd", spid, "connect from %s", client)
		t += g.ms(100, 900)
		switch y := g.r.IntN(100); {
		case y < 55:
			victim := fmt.Sprintf("%s%d@%s", []string{"victim", "user", "admin"}[g.r.IntN(3)], g.r.IntN(99), []string{"gmail.com", "yahoo.com", "example.org"}[g.r.IntN(3)])
			e := g.atPID(t, "postfix/smtpd", spid, "NOQUEUE: reject: RCPT from %s: %s; from=<%s> to=<%s> proto=ESMTP helo=<%s>",
				client, strings.ReplaceAll(txtRelayDenied, "{rcpt}", victim), g.spamAddr(), victim, g.spamHelo())
			e.st = stReject
			g.atPID(t+g.ms(50, 400), "postfix/smtpd", spid, "disconnect from %s ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5", client)
		case y < 80:
			e := g.atPID(t, "postfix/smtpd", spid, "NOQUEUE: reject: RCPT from %s: %s; from=<%s> to=<postmaster@%s> proto=ESMTP helo=<%s>",
				client, strings.ReplaceAll(txtNoqueueZen, "{client}", ip), g.spamAddr(), g.myhostname, g.spamHelo())
			e.st = stReject
			g.atPID(t+g.ms(50, 400), "postfix/smtpd", spid, "disconnect from %s ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4", client)
		case y < 92:
			g.atPID(t, "postfix/smtpd", spid, "lost connection after EHLO from %s", client)
			g.atPID(t+g.ms(0, 5), "postfix/smtpd", spid, "disconnect from %s ehlo=1 commands=1", client)
		default:
			g.atPID(t, "postfix/smtpd", spid, "warning: TLS library problem: error:0A000126:SSL routines::unexpected eof while reading:../ssl/record/rec_layer_s3.c:317:")
			g.atPID(t+g.ms(0, 5), "postfix/smtpd", spid, "lost connection after STARTTLS from %s", client)
			g.atPID(t+g.ms(0, 5), "postfix/smtpd", spid, "disconnect from %s ehlo=1 starttls=0/1 commands=1/2", client)
		}
	}
}

// bruteForce is a password-guessing session on the submission port.
func (g *gen) bruteForce() {
	t := g.now
	ip := fmt.Sprintf("%s.%d", []string{"198.51.100", "203.0.113"}[g.r.IntN(2)], 1+g.r.IntN(254))
	client := fmt.Sprintf("unknown[%s]", ip)
	tag := "postfix/submission/smtpd"
	pid := g.pid(tag)
	g.atPID(t, tag, pid, "connect from %s", client)
	t += g.ms(300, 2500)
	g.atPID(t, tag, pid, "warning: %s: SASL LOGIN authentication failed: %s", client, txtAuthFail)
	t += g.ms(1, 200)
	g.atPID(t, tag, pid, "lost connection after AUTH from %s", client)
	g.atPID(t+g.ms(0, 3), tag, pid, "disconnect from %s ehlo=1 auth=0/1 commands=1/2", client)
}

func (g *gen) spamAddr() string {
	return fmt.Sprintf("%s%d@%s", []string{"promo", "info", "admin", "news"}[g.r.IntN(4)], g.r.IntN(999),
		[]string{"bulk-offers.example", "cheap-deals.test", "mailer.example.net"}[g.r.IntN(3)])
}

func (g *gen) spamHelo() string {
	return []string{"User", "ylmf-pc", "WIN-6A0KEE6QVP5", "[127.0.0.1]", "localhost", "mail.example.com"}[g.r.IntN(6)]
}

func (g *gen) anvilStats() {
	at := time.Unix(g.unix(), 0).UTC().Add(-time.Duration(g.r.IntN(500)) * time.Second).Format(time.Stamp)
	s := g.senders[g.r.IntN(len(g.senders))]
	cip := s.client[strings.IndexByte(s.client, '[')+1 : len(s.client)-1]
	t := g.now
	g.at(t, "postfix/anvil", "statistics: max connection rate %d/60s for (submission:%s) at %s", 2+g.r.IntN(30), cip, at)
	g.at(t, "postfix/anvil", "statistics: max connection count %d for (submission:%s) at %s", 1+g.r.IntN(6), cip, at)
	g.at(t, "postfix/anvil", "statistics: max cache size %d at %s", 3+g.r.IntN(40), at)
}

func (g *gen) scacheStats() {
	t := g.now
	start := time.Unix(g.unix(), 0).UTC().Add(-10 * time.Minute).Format(time.Stamp)
	hits, miss := g.r.IntN(400), 1+g.r.IntN(120)
	g.at(t, "postfix/scache", "statistics: start interval %s", start)
	g.at(t, "postfix/scache", "statistics: domain lookup hits=%d miss=%d success=%d%%", hits, miss, 100*hits/(hits+miss))
	g.at(t, "postfix/scache", "statistics: address lookup hits=%d miss=%d success=%d%%", hits/10, miss, 100*(hits/10)/(hits/10+miss))
	g.at(t, "postfix/scache", "statistics: max simultaneous domains=%d addresses=%d connection=%d", 1+g.r.IntN(12), 1+g.r.IntN(20), 1+g.r.IntN(25))
}
