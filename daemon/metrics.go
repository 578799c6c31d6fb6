package daemon

import (
	"context"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Metrics are the daemon's Prometheus metrics (namespace rblwatch, one
// subsystem per package, bounded labels). docs/metrics.md lists them; a
// fleet's alerts (prometheus/rules.yml) are written against those names.
//
// Counters are incremented where things happen. What is a state — open
// incidents, listings, the last read of the log, the outbox backlog — is a
// snapshot the main loop replaces (or, for the outbox, a store query) and a
// collector exports at scrape time, so no series outlives its state.
type Metrics struct {
	lines        prometheus.Counter
	skippedLines prometheus.Counter
	unparsed     *prometheus.CounterVec // service (bounded: postfixlog.ServiceLabel)
	deliveries   *prometheus.CounterVec // status
	failures     *prometheus.CounterVec // category
	rejections   *prometheus.CounterVec // provider (catalog ids: bounded)
	events       *prometheus.CounterVec // kind
	notices      *prometheus.CounterVec // sink, result
	dnsChecks    *prometheus.CounterVec // status: every DNSBL lookup, incidents' and self-check's
	selfFailed   prometheus.Counter     // self-checks without a single DNS answer
	folded       prometheus.Counter     // refusals whose listed address was folded (ingest.AddressBound)
	redated      *prometheus.CounterVec // reason (ingest.RedatedNames): lines dated otherwise than they say
	forgotten    *prometheus.CounterVec // reason (expired, evicted): queue ids the tracker forgot (incident.Bounds)
	untold       prometheus.Counter     // recipients counted as new past incident.MaxDistinct
	storeEvicted prometheus.Counter     // live messages the store closed past its cap (track.Store.Evicted)

	state *stateCollector
}

// NewMetrics makes the metrics and registers them with reg (nil: none).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	counter := func(sub, name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: sub, Name: name, Help: help})
	}
	counterVec := func(sub, name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "rblwatch", Subsystem: sub, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		lines:        counter("logwatch", "lines_total", "Log lines read."),
		skippedLines: counter("logwatch", "overlong_lines_total", "Lines longer than the limit, skipped."),
		unparsed: counterVec("logwatch", "unparsed_lines_total",
			"Postfix lines not understood, by service (a Postfix service name, \"other\", or \"-\": no readable prefix).", "service"),
		deliveries: counterVec("logwatch", "deliveries_total", "Delivery lines by status (sent, deferred, bounced, expired, other).", "status"),
		failures:   counterVec("classify", "failures_total", "Deferred and bounced delivery lines by category.", "category"),
		rejections: counterVec("classify", "blocklist_rejections_total", "Rejections blamed on a reputation or block list, by provider (catalog id).", "provider"),
		events:     counterVec("incident", "events_total", "Incident and self-check events by kind.", "kind"),
		notices:    counterVec("notify", "attempts_total", "Notice delivery attempts by channel (email, webhook, alertmanager) and result (sent, retry, failed).", "channel", "result"),
		dnsChecks: counterVec("dnsbl", "lookups_total",
			"DNSBL lookups, of incidents' listings and of the self-check, by result (listed, clean, error).", "status"),
		selfFailed: counter("selfcheck", "failed_total",
			"Self-checks in which no DNSBL lookup got a definite answer (every one timed out, failed or was refused): the resolver is down or refused."),
		folded: counter("incident", "folded_rejections_total",
			"Refusals counted under their provider's incident with no listed address, because their receiver had named too many addresses that are not ours (a broken or hostile receiver)."),
		redated: counterVec("logwatch", "redated_lines_total",
			"Log lines dated otherwise than their stamp says, by reason: untimed (no time, or one before 2000: dated at the line before), ahead (more than 5 minutes past the clock: dated at the clock at the live end, at the line before in a backlog).", "reason"),
		forgotten: counterVec("incident", "forgotten_queue_ids_total",
			"Queue ids the incident tracker forgot before the log told their removal, by reason: expired (not seen for 5 days, Postfix's queue lifetime), evicted (the least recently seen, past the 16,384 held at once: their messages' later fates are not counted).", "reason"),
		untold: counter("incident", "untold_recipients_total",
			"Recipients and recipient domains counted as new to their incident past the 524,288 the tracker tells apart: incidents' recipient counts are then upper bounds."),
		storeEvicted: counter("track", "evicted_messages_total",
			"Messages the store closed at their last-seen time, their removal never logged, past the 16,384 live messages it holds in memory (the least recently seen first): a later line of the queue id starts another message."),
		state: newStateCollector(),
	}
	for _, s := range []string{"listed", "clean", "error"} {
		m.dnsChecks.WithLabelValues(s) // a rate over a series that exists from the start
	}
	for _, r := range ingest.RedatedNames {
		m.redated.WithLabelValues(r)
	}
	for _, r := range []string{"expired", "evicted"} {
		m.forgotten.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.lines, m.skippedLines, m.unparsed, m.deliveries, m.failures, m.rejections, m.events, m.notices, m.dnsChecks, m.selfFailed, m.folded, m.redated, m.forgotten, m.untold, m.storeEvicted, m.state)
	}
	return m
}

// Labels of the state metrics that name something outside rblwatch are
// bounded: a provider is a catalog id, a listed address is one of ours
// (sending_ips, sending_domains); anything else is counted under
// LabelOther.
const LabelOther = "other"

// Backlog returns the outbox's pending items per channel (sink), for the
// backlog gauges; Build sets it to the store's.
type Backlog func(ctx context.Context) ([]track.Backlog, error)

// SetBacklog makes the outbox gauges read the backlog at scrape time, with
// a series for each of channels even when it has nothing pending.
func (m *Metrics) SetBacklog(f Backlog, channels []string) {
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	m.state.backlog, m.state.channels = f, slices.Clone(channels)
}

// setOpenIncidents replaces the open-incident counts. own says whether a
// listed address is one of ours; cat names the known providers.
func (m *Metrics) setOpenIncidents(refs []incident.Ref, own func(string) bool, cat *classify.Catalog) {
	counts := map[openKey]int{}
	for _, r := range refs {
		k := openKey{provider: LabelOther, listed: LabelOther}
		if r.Key.Provider != "" && cat != nil && cat.Provider(r.Key.Provider) != nil {
			k.provider = r.Key.Provider
		}
		if r.Key.Listed != "" && own(r.Key.Listed) {
			k.listed = r.Key.Listed
		}
		counts[k]++
	}
	m.state.mu.Lock()
	m.state.open = counts
	m.state.mu.Unlock()
}

// noteRead records that the log was read up to pos (a batch was
// processed), now by the wall clock: the metric is compared with
// Prometheus's time(). Each file keeps its own position (log.paths).
func (m *Metrics) noteRead(pos postfixlog.Position) {
	m.state.mu.Lock()
	m.state.readAt = m.state.clock()
	m.state.readPos[pos.Path] = pos
	m.state.mu.Unlock()
}

// selfCheck counts a self-check's lookups and records, per target and zone,
// whether the zone lists the target. A lookup that failed leaves the
// target's gauge for that zone as it was (an error never changes a
// verdict); a zone no longer checked for a target loses its series. The
// check succeeded when some lookup got a definite answer.
func (m *Metrics) selfCheck(at time.Time, results map[string][]dnsbl.Result, providerOf func(zone string) string) {
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	seen := map[listingKey]bool{}
	definite := false
	for target, rs := range results {
		for _, r := range rs {
			k := listingKey{target: target, zone: r.Zone}
			seen[k] = true
			if r.NoIPv6 { // an ipv4_only zone, not asked: not listed, no lookup
				m.state.listed[k] = listing{provider: providerOf(r.Zone)}
				continue
			}
			m.dnsChecks.WithLabelValues(string(r.Status)).Inc()
			switch r.Status {
			case dnsbl.StatusListed:
				definite = true
				m.state.listed[k] = listing{provider: providerOf(r.Zone), listed: true, code: strings.Join(r.Codes, ","), meaning: r.Meaning}
			case dnsbl.StatusClean:
				definite = true
				m.state.listed[k] = listing{provider: providerOf(r.Zone)}
			}
		}
	}
	for k := range m.state.listed {
		if !seen[k] {
			delete(m.state.listed, k)
		}
	}
	if definite {
		m.state.selfCheckAt = at
	}
}

type openKey struct{ provider, listed string }

type listingKey struct{ target, zone string }

type listing struct {
	provider string
	listed   bool
	code     string // the A answers when listed ("127.0.0.2")
	meaning  string // their meaning in the catalog
}

// stateCollector exports the state snapshots.
type stateCollector struct {
	mu          sync.Mutex
	open        map[openKey]int
	listed      map[listingKey]listing
	readAt      time.Time
	readPos     map[string]postfixlog.Position // by path ("" for journald, stdin)
	selfCheckAt time.Time
	backlog     Backlog
	channels    []string
	now         func() time.Time                         // nil: time.Now
	stat        func(string) (logwatch.FileState, error) // nil: logwatch.Stat
}

func newStateCollector() *stateCollector {
	return &stateCollector{open: map[openKey]int{}, listed: map[listingKey]listing{}, readPos: map[string]postfixlog.Position{}}
}

var (
	descOpen = prometheus.NewDesc("rblwatch_incidents_open",
		"Incidents open or ongoing now, by provider (catalog id or \"other\") and listed address (one of our sending IPs or domains, or \"other\").",
		[]string{"provider", "listed"}, nil)
	descListed = prometheus.NewDesc("rblwatch_dnsbl_listed",
		"Whether a DNSBL zone lists one of our own sending IPs or domains (1) or not (0), as the last definite self-check answer said; code and meaning are the zone's return codes and their meaning when listed.",
		[]string{"target", "zone", "provider", "code", "meaning"}, nil)
	descRead = prometheus.NewDesc("rblwatch_log_last_read_timestamp_seconds",
		"When rblwatch last read the log successfully (Unix time): the last batch of lines read, or any later moment at which the log file held nothing unread or rblwatch waited on the journald or stdin stream with nothing of it unread.",
		nil, nil)
	descSelf = prometheus.NewDesc("rblwatch_selfcheck_last_success_timestamp_seconds",
		"When the last self-check that got a definite DNS answer completed (Unix time); 0 before the first.",
		nil, nil)
	descPending = prometheus.NewDesc("rblwatch_outbox_pending_items",
		"Outbox items neither sent nor given up, by channel.", []string{"channel"}, nil)
	descOldest = prometheus.NewDesc("rblwatch_outbox_oldest_pending_age_seconds",
		"Age of the oldest outbox item neither sent nor given up, by channel; 0 when none is pending.", []string{"channel"}, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOpen, descListed, descRead, descSelf, descPending, descOldest} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	now := c.clock()
	for k, n := range c.open {
		ch <- prometheus.MustNewConstMetric(descOpen, prometheus.GaugeValue, float64(n), k.provider, k.listed)
	}
	for k, l := range c.listed {
		v := 0.0
		if l.listed {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descListed, prometheus.GaugeValue, v, k.target, k.zone, l.provider, l.code, l.meaning)
	}
	readAt := c.readAt
	if !readAt.IsZero() && c.caughtUp() {
		readAt = now
	}
	ch <- prometheus.MustNewConstMetric(descRead, prometheus.GaugeValue, unix(readAt))
	ch <- prometheus.MustNewConstMetric(descSelf, prometheus.GaugeValue, unix(c.selfCheckAt))
	backlog, channels := c.backlog, c.channels
	c.mu.Unlock()

	if backlog == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bl, err := backlog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descPending, err)
		return
	}
	seen := map[string]bool{}
	for _, b := range bl {
		seen[b.Sink] = true
		age := 0.0
		if !b.Oldest.IsZero() && now.After(b.Oldest) {
			age = now.Sub(b.Oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(b.Pending), b.Sink)
		ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age, b.Sink)
	}
	for _, name := range channels {
		if !seen[name] {
			ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, 0, name)
			ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, 0, name)
		}
	}
}

// caughtUp says whether every log file read holds nothing past its last
// read position: the same file (device and inode) and no byte past the
// position, and rblwatch may open it (a file it cannot read is not read,
// however quiet). Journald and stdin positions are never caught up here:
// their time is the last batch's.
func (c *stateCollector) caughtUp() bool {
	if len(c.readPos) == 0 {
		return false
	}
	stat := c.stat
	if stat == nil {
		stat = readableStat
	}
	for _, p := range c.readPos {
		if p.Path == "" || p.Cursor != "" || p.Inode == 0 {
			return false
		}
		fs, err := stat(p.Path)
		if err != nil || fs.Dev != p.Dev || fs.Inode != p.Inode || fs.Size != p.Offset {
			return false
		}
	}
	return true
}

// readableStat is logwatch.Stat of a file that can be opened for reading:
// the start of a new install takes the log's end by its size, which needs
// no right to read it.
func readableStat(path string) (logwatch.FileState, error) {
	f, err := os.Open(path)
	if err != nil {
		return logwatch.FileState{}, err
	}
	f.Close()
	return logwatch.Stat(path)
}

// clock is the wall clock (c.now in tests).
func (c *stateCollector) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

func unix(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// countOpen refreshes the open-incident gauges from the tracker (main loop
// only).
func (s *service) countOpen() {
	s.d.Metrics.setOpenIncidents(s.tracker.ActiveRefs(), s.isOwn, s.cat)
}

// isOwn says whether a listed IP or domain is one of our sending IPs or
// domains.
func (s *service) isOwn(listed string) bool {
	if ip, err := netip.ParseAddr(listed); err == nil {
		return slices.Contains(s.cfg.SendingIPs, ip.Unmap())
	}
	return slices.ContainsFunc(s.cfg.SendingDomains, func(d string) bool { return strings.EqualFold(d, listed) })
}

// noteStart records where an input starts reading as its first read: the
// stored position, or, for a log file followed from its end (a new
// install), the file's end now. So an idle log does not look unread after a
// start.
func (s *service) noteStart(input string, start *postfixlog.Position) {
	if start != nil {
		s.d.Metrics.noteRead(*start)
		return
	}
	path, ok := cutFile(input)
	if !ok {
		s.d.Metrics.noteRead(postfixlog.Position{})
		return
	}
	pos := postfixlog.Position{Path: path}
	if fs, err := logwatch.Stat(path); err == nil {
		pos.Dev, pos.Inode, pos.Offset = fs.Dev, fs.Inode, fs.Size
	}
	s.d.Metrics.noteRead(pos)
}

// noteWaiting records, for journald and stdin, that the daemon waits for
// the source with nothing of it unread (called on the tick when no line is
// queued): a stream delivers lines as they are logged, so a quiet mail host
// has its log read now, not ten minutes ago (RblwatchLogNotRead fired on
// every quiet hour). A stream cannot be asked what it holds, as a file can
// (caughtUp): a journalctl that stops passing on lines while the journal
// grows is not seen here. Log files keep their own rule: a follower that is
// stuck leaves bytes in the file, and caughtUp sees them.
func (s *service) noteWaiting() {
	if s.streamed {
		s.d.Metrics.noteRead(postfixlog.Position{})
	}
}

// noteBatch records the read positions a batch reached: the last line's
// of each file (log.paths), or the last line's.
func (s *service) noteBatch(batch []postfixlog.Line) {
	if len(batch) == 0 {
		return
	}
	if len(s.inputs()) == 1 {
		s.d.Metrics.noteRead(batch[len(batch)-1].Pos)
		return
	}
	seen := map[string]bool{}
	for i := len(batch) - 1; i >= 0; i-- {
		if p := batch[i].Pos; !seen[p.Path] {
			seen[p.Path] = true
			s.d.Metrics.noteRead(p)
		}
	}
}
