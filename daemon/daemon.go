// Package daemon is rblwatch's long-running service: it follows the Postfix
// log, keeps the store (positions, messages, incidents) up to date, turns
// incident events into notices in the outbox, verifies listings over DNS,
// checks our own IPs and domains against the lists, and drains the outbox.
//
// Exactly once: every batch of lines is committed in one store transaction
// together with the position after its last line, the incidents it changed
// and the notices it caused (recorded; composed beside the loop, see
// notices.go). A crash (even kill -9) loses at most an uncommitted batch,
// which is read again after the restart; a notice is recorded under
// notify.NoticeKey and queued once per channel under notify.DedupKey, so
// reading a batch twice never sends a notice twice.
package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/internal/sanitize"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Source starts reading the log just after start (nil: where a new install
// starts). It is logwatch.Follow for a file; the journald and stdin sources
// have the same shape.
type Source func(ctx context.Context, start *postfixlog.Position) (<-chan postfixlog.Line, <-chan error)

// Deps is everything the daemon uses. Run builds no dependency itself.
type Deps struct {
	Config  *config.Config
	Catalog *classify.Catalog
	Store   *track.Store
	Log     *zap.Logger
	// Host is our mail host's name, for notices.
	Host string
	// Source reads the log; SourceName keys its position in the store
	// ("file:/var/log/mail.log", "journald", …).
	Source     Source
	SourceName string
	// Inputs, when set, are several log sources read in place of Source
	// (log.paths), each with its position stored under its Name.
	Inputs []Input
	// Sinks deliver outbox items: "email" (SMTP or sendmail) and, when
	// configured, "webhook".
	Sinks map[string]notify.Transport
	// NewSinks rebuilds the sinks from a reloaded configuration, so that a
	// SIGHUP changing notify.smtp, its credentials or the webhook takes
	// effect; nil keeps Sinks for the daemon's life.
	NewSinks func(*config.Config) map[string]notify.Transport
	// Resolver verifies listings; nil turns DNS checks off.
	Resolver *dnsbl.Resolver
	// NewResolver makes the resolver of a reloaded configuration whose
	// dnsbl.resolver or dnsbl.timeout changed; nil keeps Resolver.
	NewResolver func(config.DNSBL) (*dnsbl.Resolver, error)
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Tick drives the incident timers and the outbox; nil ticks every
	// second.
	Tick <-chan time.Time
	// Reload delivers a new configuration (SIGHUP); nil: none.
	Reload <-chan *config.Config
	// Metrics, when set, receives the counters.
	Metrics *Metrics
	// StateWatch, when set, is looked at every tick: a state file deleted
	// or replaced under the daemon stops it with ErrStateLost.
	StateWatch *StateWatch
	// QueueLifetime is Postfix's maximal_queue_lifetime, which sender
	// notices quote (sender.go); 0: not known.
	QueueLifetime time.Duration
}

// batchMax is the most lines committed in one transaction: while a backlog
// is read, a commit per many thousand lines writes each changed page of the
// store once for many lines. Each commit writes again the pages it shares
// with the one before (the tails of the tables and indexes, the incidents
// that changed): at 4096 lines a 1 M-line catch-up made 187,000 writes
// (pwrite) to the WAL and the file, at 16384 136,000; 65536 made 108,000
// but doubled the daemon's peak RSS. At the live end a batch is whatever
// the log had ready, far fewer lines.
const batchMax = 16384

// liveGather is how long the daemon, at the live end of a stream (journald,
// stdin), and the follower of a log file after a write wakes it, wait for
// more lines after a line came before they pass on what they have. A busy
// mail host writes its log a line at a time, and the file source marked its
// end after each: the daemon committed a store transaction per line, which cost
// more CPU than Postfix spent on the mail (bench/milter.sh with the milter
// off: 1.3 ms a message, 45 context switches). 50 ms is nothing beside the
// time a notice waits anyway (notify.settle, the DNS check), and the lines
// of a busy second share a few transactions.
const liveGather = 50 * time.Millisecond

// Run serves until ctx is done (SIGTERM) or the source ends (stdin); it
// then commits what it read, gives the outbox a last chance and returns.
func Run(ctx context.Context, d Deps) error {
	if d.Config == nil || d.Catalog == nil || d.Store == nil || (d.Source == nil && len(d.Inputs) == 0) {
		return errors.New("daemon: missing dependency")
	}
	if d.Log == nil {
		d.Log = zap.NewNop()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics(nil)
	}
	d.Metrics.SetBacklog(d.Store.OutboxBacklog, slices.Sorted(maps.Keys(d.Sinks)))
	// A channel's series of notices given up exists from the start, so
	// that the first one counts in increase() (RblwatchNoticeLost).
	for name := range d.Sinks {
		d.Metrics.notices.WithLabelValues(name, string(notify.ResultFailed))
	}
	s, err := newService(ctx, d)
	// Deleted or replaced while it loaded (reading a deleted file fails,
	// writing to it is lost): nothing is read yet, it starts again.
	if lost := d.StateWatch.CheckStart(); lost != nil {
		if s != nil {
			s.writer.stop()
		}
		return lost
	}
	if err != nil {
		return err
	}
	err = s.run(ctx)
	if errors.Is(err, ErrStateLost) {
		// Only now: the loop, the composer and the outbox worker have
		// stopped and the last notices are sent (see StateWatch.Save).
		d.StateWatch.Save(context.WithoutCancel(ctx), d.Store)
	}
	return err
}

// service is the daemon's state. Only the main loop touches the tracker and
// the parser; the outbox worker and the DNS goroutines talk to it through
// channels and the store.
type service struct {
	d       Deps
	cfg     *config.Config
	cat     *classify.Catalog
	log     *zap.Logger
	loc     *time.Location
	tracker *incident.Tracker
	// inputByPath names the input a file's lines come from (sources.go).
	inputByPath map[string]string
	// unkept names the one input whose start the loop stores from the
	// first thing it reads (keepStart), until it has read that.
	unkept string
	// streamed says whether the source is a stream (journald, stdin), whose
	// live lines the daemon gathers for liveGather (a log file's follower
	// gathers them itself, FollowOptions.Gather) and which counts as read
	// while it waits with nothing unread (noteWaiting).
	streamed bool
	// files is how many log files the daemon follows (log.paths: more
	// than one).
	files  int
	reader *ingest.Reader // the ingest path's parser and classifier
	// clock dates the records (ingest.Clock): a time it cannot take as
	// the log says is counted, and said once per reason.
	clock  ingest.Clock
	warned [len(ingest.RedatedNames)]bool
	// bounds and storeEvicted are what countBounds counted of the
	// tracker's Bounds and the store's Evicted so far.
	bounds       incident.Bounds
	storeEvicted int64
	// bound folds the addresses a receiver names beyond a cap (a broken
	// or hostile receiver must not open an incident per address).
	bound  *ingest.AddressBound
	writer *committer // commits batches beside the loop
	// markSkipped counts the over-long lines the source's end marks said
	// it skipped (a last line with no newline yet, or one a rotation
	// ended), for the next batch's count: a mark is no line of the batch.
	markSkipped int

	// The clocks: the latest time read in the log, the wall time of the
	// last batch of lines, and whether the live end was reached once.
	logTime  time.Time
	lastLine time.Time
	live     bool
	// The backlog summary (backlog.go): the log time at the start of
	// this catch-up, the incidents found over inside it and not saved
	// yet, whether the store may hold some (unannounced), and whether the
	// live end was reached, so that the next commit records the summary.
	spanFrom    time.Time
	backlog     []incident.Incident
	unannounced bool
	summaryDue  bool
	// inputEnded is set when the source ended (standard input's end):
	// the summary then says that rblwatch stops there.
	inputEnded bool
	// own are our notices the log shows, by notify.NoticeTag, while a
	// start without a stored position reads back the log (nil otherwise),
	// and, once it is read, what they say (own.go): the incidents they
	// announced, the ends they announced, the self-check's listings.
	own        map[string]notify.OwnMessageID
	announced  map[string]notify.OwnMessageID // incident ID → its notice
	ownCleared map[string]notify.OwnMessageID // for the backlog summary
	ownSelf    map[string]notify.OwnMessageID // self-check listed/delisted, until the first self-check
	// selfWaiting: a self-check was due during the read-back; it starts
	// at its end.
	selfWaiting bool
	// pruned is when the store was last pruned (state.*retention);
	// pruneHeld when a prune due was first held back by a catch-up.
	pruned, pruneHeld time.Time
	zones             []dnsbl.Zone // enabled catalog zones, keys applied
	// resolver verifies listings (nil: no DNS checks); a reload may
	// replace it, and the composer reads it from env.
	resolver *dnsbl.Resolver

	// env is the configuration the notice composer reads beside the loop
	// (see notices.go); composeKick wakes the composer after a notice is
	// recorded.
	env         atomic.Pointer[noticeEnv]
	composeKick chan struct{}

	kick chan struct{} // wakes the outbox worker after an enqueue

	// The self-check: when the next is due, whether one runs, and where
	// its results arrive.
	selfDue     time.Time
	selfRunning bool
	// deadZones are the zones the last self-check found failing their
	// RFC 5782 test point, with why: warned of once when they fail, told
	// when they answer again (see zoneHealth).
	deadZones   map[string]string
	selfResults chan selfCheckResult

	// sinkSwitches are what the outbox worker delivers through; a reload
	// changes the transports behind them.
	sinkSwitches map[string]*sinkSwitch

	// senderCands are the batch's refusals whose senders may be told
	// (sender.go).
	senderCands []senderCand
	// limitLogged: when each sender's rate limit was last logged at
	// info level (limitNews; beside the loop).
	limitMu     sync.Mutex
	limitLogged map[string]time.Time
}

func newService(ctx context.Context, d Deps) (*service, error) {
	s := &service{
		d:    d,
		log:  d.Log,
		kick: make(chan struct{}, 1),

		composeKick: make(chan struct{}, 1),

		selfResults: make(chan selfCheckResult),

		resolver: d.Resolver,
	}
	if err := s.configure(d.Config, d.Catalog); err != nil {
		return nil, err
	}
	s.tracker = incident.New(s.lifecycle())
	s.writer = newCommitter(d.Store)
	// The open incidents, and those cleared with messages still
	// deferred; what they counted beyond their lists, and the addresses
	// receivers named: the restart goes on as one run would.
	incs, err := d.Store.Resumable(ctx)
	if err != nil {
		return nil, fmt.Errorf("daemon: loading incidents: %w", err)
	}
	s.tracker.Restore(incs)
	var ids []string
	open := 0
	for _, inc := range incs {
		ids = append(ids, inc.ID)
		if inc.Status != incident.Cleared {
			open++
		}
	}
	if err := d.Store.Counted(ctx, ids, s.tracker.Resume); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	if err := d.Store.ForeignAddresses(ctx, s.bound.Load); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	s.bound.Record(false)
	// A start is a catch-up until the live end of the log is reached:
	// the incidents restored are announced, digested or summed up then,
	// as what the log read meanwhile says (goLive).
	s.tracker.CatchUp(true, time.Time{}) // (a start reads no clock: TestStopDuringCommit)
	s.countOpen()
	// A catch-up the last run did not finish left incidents for the
	// backlog summary.
	if s.unannounced, err = d.Store.HasUnannounced(ctx); err != nil {
		return nil, fmt.Errorf("daemon: %w", err)
	}
	s.log.Info("state loaded", zap.Int("open_incidents", open), zap.String("store", d.Store.Path()))
	return s, nil
}

// configure applies a configuration (at start and on SIGHUP).
func (s *service) configure(cfg *config.Config, cat *classify.Catalog) error {
	loc, err := cfg.Log.Location()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	old := s.cfg
	s.cfg, s.cat, s.loc = cfg, cat, loc
	s.zones = enabledZones(cat, cfg.DNSBL)
	s.publishEnv()
	// A new reader: the sending IP or the time zone may have changed,
	// which its cached verdicts depend on. Its reference time is set for
	// each batch (process).
	s.reader = ingest.NewReader(ingest.Options{Catalog: cat, Location: loc, SendingIP: s.sendingIP(), ByProvider: true}, time.Time{})
	// A new bound only when what it depends on changed: a reload of
	// another key keeps the addresses counted that day, which otherwise
	// every reload let foreign_addresses more name anew.
	if s.bound == nil || old.ForeignAddresses != cfg.ForeignAddresses || !slices.Equal(ours(old), ours(cfg)) {
		s.bound = ingest.NewAddressBound(ours(cfg), cfg.ForeignAddresses)
		if s.tracker != nil { // a reload: the stored addresses go too
			s.bound.Record(true)
		}
	}
	if s.tracker != nil {
		s.tracker.SetConfig(s.lifecycle())
	}
	return nil
}

func (s *service) lifecycle() incident.Config {
	c := incident.DefaultConfig
	c.Aggregate = s.cfg.Notify.Aggregate
	c.Renotify = s.cfg.Notify.Renotify
	c.Quiet = s.cfg.Notify.Quiet
	c.Settle = s.cfg.Notify.Settle
	return c
}

func (s *service) run(ctx context.Context) error {
	// The source outlives ctx a little: the main loop drains what was read
	// and commits before it returns.
	srcCtx, stopSource := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSource()
	lines, srcErrs, err := s.openInputs(ctx, srcCtx)
	if err != nil {
		return err
	}

	// Idle is counted from the start: a tick before the source's first
	// line (journalctl --since starting, a big file opening) is no live
	// end, or a read-back would run on the wall clock.
	s.lastLine = s.d.Now()
	tick := s.d.Tick
	if tick == nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}

	// Background work stops with bg; the worker gets a last Step after the
	// main loop ends.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	worker := s.newWorker(ctx)
	outboxTicks := make(chan time.Time, 1)
	wg.Add(2)
	go func() { defer wg.Done(); worker.Run(bg, outboxTicks) }()
	go func() { defer wg.Done(); s.runComposer(bg) }()
	// stopAt is when the stop (ctx) was seen: StopBound counts from it,
	// not from the end of the drain below (a source slow to end, a slow
	// last commit).
	var stopAt time.Time
	defer func() {
		// The stop takes StopBound at most, every peer hung: a delivery
		// under way gets notify.StopGrace to complete, the last notices
		// are composed and sent in what is left.
		if stopAt.IsZero() {
			stopAt = time.Now()
		}
		stopBy := stopAt.Add(StopBound)
		stopBG()
		wg.Wait()
		// Last chance for notices recorded just before the stop: compose
		// them (DNS checks included) and send.
		composeBy := time.Now().Add(5 * time.Second)
		if composeBy.After(stopBy) {
			composeBy = stopBy
		}
		stepCtx, cancel := context.WithDeadline(context.WithoutCancel(ctx), composeBy)
		defer cancel()
		if err := s.composePending(stepCtx); err != nil {
			s.log.Warn("last notices left to compose at the next start", zap.Error(err))
		}
		stepCtx, cancel2 := context.WithDeadline(context.WithoutCancel(ctx), stopBy)
		defer cancel2()
		if _, err := worker.Step(stepCtx, s.d.Now()); err != nil {
			s.log.Warn("last outbox step", zap.Error(err))
		}
	}()
	// wakeWorker hands the worker the newest time: a pending older tick is
	// replaced, so a busy worker never runs its next step with a stale clock.
	wakeWorker := func(now time.Time) {
		select {
		case <-outboxTicks:
		default:
		}
		select {
		case outboxTicks <- now:
		default:
		}
	}

	// The work of one loop turn is never cut short by the stop: a SIGTERM
	// arriving during a commit would otherwise fail it ("context
	// canceled") and end the daemon with an error. The stop is handled at
	// the top of the loop.
	work := context.WithoutCancel(ctx)
	defer s.writer.stop() // after the last commit (a returned error has its own)
	batch := make([]postfixlog.Line, 0, batchMax)
	for {
		select {
		case <-ctx.Done():
			// The delivery under way gets its grace from now on, while
			// the source ends and what it read is drained.
			stopAt = time.Now()
			stopBG()
			stopSource()
			// Drain what the source already read, then stop.
			batch = batch[:0]
			for l := range lines {
				s.keepFirst(work, l)
				batch = appendLine(batch, l, &s.markSkipped)
				if len(batch) == batchMax {
					if err := s.process(work, batch, false); err != nil {
						return err
					}
					batch = batch[:0]
				}
			}
			if err := s.process(work, batch, false); err != nil {
				return err
			}
			if err := s.writer.wait(); err != nil {
				return err
			}
			s.log.Info("stopped")
			return nil

		case l, ok := <-lines:
			if !ok {
				// The source ended (stdin, or an error below).
				lines = nil
				if err := s.writer.wait(); err != nil {
					return err
				}
				if err := s.drainErr(srcErrs); err != nil {
					return err
				}
				// The end of the input is its live end, as a file's end
				// mark is: what is still current is announced, what
				// ended inside it summed up, and both sent before the
				// daemon returns (the deferred last step).
				s.inputEnded = true
				if err := s.process(work, nil, true); err != nil {
					return err
				}
				if err := s.writer.wait(); err != nil {
					return err
				}
				s.log.Info("log source ended")
				return nil
			}
			s.keepFirst(work, l)
			batch, atEnd := appendLine(batch[:0], l, &s.markSkipped), l.AtEnd
			// Take what else is ready, without waiting, up to the
			// source's end mark.
		more:
			for len(batch) < batchMax && !atEnd {
				select {
				case l, ok := <-lines:
					if !ok {
						break more
					}
					atEnd = l.AtEnd
					batch = appendLine(batch, l, &s.markSkipped)
				default:
					break more
				}
			}
			if s.live && s.streamed && len(batch) > 0 && len(batch) < batchMax {
				batch, atEnd = gather(ctx, lines, batch, atEnd, &s.markSkipped)
			}
			if err := s.process(work, batch, atEnd); err != nil {
				return err
			}
			if s.selfWaiting && !s.readingBack() {
				s.maybeSelfCheck(bg, s.d.Now())
			}
			// The outbox worker is woken by the composer when a notice
			// is ready (kick) and by the tick, not after every batch:
			// while a backlog is read, each wake-up would cost every
			// lane a write transaction.

		case now := <-tick:
			if err := s.d.StateWatch.Check(work, s.d.Store); err != nil {
				return err
			}
			if err := s.tick(work, now, len(lines) == 0); err != nil {
				return err
			}
			if lines != nil && len(lines) == 0 {
				s.noteWaiting()
			}
			if err := s.maybePrune(work, now); err != nil {
				return err
			}
			s.maybeSelfCheck(bg, now)
			s.kickComposer() // notices left by a failed composition
			wakeWorker(now)

		case r := <-s.selfResults:
			if err := s.applySelfCheck(work, r); err != nil {
				return err
			}

		case <-s.kick:
			wakeWorker(s.d.Now())

		case cfg := <-s.d.Reload:
			s.reload(cfg)
		}
	}
}

// keepFirst passes the first thing the one input read sends to keepStart,
// when its start is to be kept.
func (s *service) keepFirst(ctx context.Context, l postfixlog.Line) {
	if s.unkept != "" {
		name := s.unkept
		s.unkept = ""
		s.keepStart(ctx, name, l)
	}
}

// drainErr returns the source's error, if it sent one.
func (s *service) drainErr(errs <-chan error) error {
	if errs == nil {
		return nil
	}
	if err, ok := <-errs; ok && err != nil {
		return fmt.Errorf("daemon: log source: %w", err)
	}
	return nil
}

// reload applies a new configuration; what cannot change while running is
// logged and kept as it was.
func (s *service) reload(cfg *config.Config) {
	if cfg == nil {
		return
	}
	if keys := cfg.RestartNeeded(s.cfg); len(keys) > 0 {
		s.log.Warn("configuration changes that need a restart are not applied", zap.Strings("keys", keys))
	}
	// The catalog file is read again (it may have been edited, or
	// catalog.file changed), and the resolver made again when its
	// address or timeout changed; a catalog with errors refuses the
	// reload, as a configuration with errors does.
	cat := s.cat
	if cfg.Catalog.File != "" || s.cfg.Catalog.File != "" {
		c, err := classify.LoadFile(cfg.Catalog.File, config.MaxCatalogSize)
		if err != nil {
			s.log.Error("reload refused: the catalog has errors", zap.Error(err))
			return
		}
		cat = c
	}
	// What config check and the start refuse of dnsbl.zones (a SIGHUP
	// comes without systemd's config check too).
	for _, p := range ZoneProblems(cat, cfg.DNSBL) {
		if !p.Warning {
			s.log.Error("reload refused: the configuration has errors", zap.String("problem", p.Key+": "+p.Msg))
			return
		}
	}
	res := s.resolver
	if s.d.NewResolver != nil && (cfg.DNSBL.Resolver != s.cfg.DNSBL.Resolver || cfg.DNSBL.Timeout != s.cfg.DNSBL.Timeout) {
		r, err := s.d.NewResolver(cfg.DNSBL)
		if err != nil {
			s.log.Error("reload refused: the resolver", zap.Error(err))
			return
		}
		res = r
	}
	old := s.resolver
	s.resolver = res
	if err := s.configure(cfg, cat); err != nil {
		s.resolver = old
		s.log.Error("reload refused", zap.Error(err))
		return
	}
	if s.d.NewSinks != nil {
		s.setSinks(s.d.NewSinks(cfg))
	}
	s.log.Info("configuration reloaded")
}

// StopBound is the longest a stop takes (SIGTERM to exit), whatever the
// peers do: a delivery under way gets notify.StopGrace to complete, then
// the last notices are composed and sent within what is left; those left
// over wait in the outbox for the next start.
const StopBound = 10 * time.Second

// liveSkew is how close to the wall clock a line's time must be for the
// daemon to count as reading the live end of the log, when the source does
// not say so itself (journald, stdin).
const liveSkew = time.Minute

// idleLive is how long a source may send nothing before the daemon counts
// as having reached the live end (a source without end marks whose lines'
// times are far from the wall clock: a wrong log.timezone).
const idleLive = 2 * time.Second

// process reads a batch of lines through the ingest path (parse, classify,
// track), and commits everything with the position after the last line.
//
// The incidents run on the log's own time while a backlog is read: the
// tracker advances to each record's time, and notices wait (incident
// Tracker.CatchUp). The wall clock takes over at the live end of the log:
// when the source says it has read everything (atEnd: with several log
// files, when every file has), or when the lines read are within liveSkew
// of the wall clock (with several log files, only once all were read to
// their end). A catch-up thus yields the incidents a replay of the same
// lines yields, and notices only for what is still current; what began
// and ended inside the backlog is summed up once (backlogSummary).
func (s *service) process(ctx context.Context, batch []postfixlog.Line, atEnd bool) error {
	now := s.d.Now()
	var events []incident.Event
	if len(batch) > 0 {
		s.lastLine = now
		if !s.tracker.CatchingUp() {
			s.spanFrom = time.Time{} // a catch-up starts
		}
		s.tracker.CatchUp(true, now)
		// The reference time (for the year of syslog timestamps) follows
		// the clock.
		s.reader.SetReference(now)
	}
	s.clock.SetWall(now, s.live)
	skipped, records := s.markSkipped, 0
	s.markSkipped = 0
	var o incident.Observation
	for i := range batch {
		l := &batch[i] // not a copy of each line
		skipped += l.Skipped
		rec, v := s.reader.Read(l.Text)
		if rec == nil {
			continue
		}
		records++
		if s.own != nil && rec.Kind == postfixlog.KindMessageID {
			s.noteOwn(rec.MessageID)
		}
		// The record's time as the clock takes it (ingest.Clock): the
		// store and the tracker never see a time it does not.
		tracked := ingest.Observation(&o, rec, v)
		var timed bool
		if tracked && ingest.Clocked(&o) {
			rec.Time, timed = s.clock.Date(rec.Time)
		} else {
			rec.Time, timed = s.clock.DateAside(rec.Time)
		}
		if rec.Time.After(s.logTime) {
			s.logTime = rec.Time
		}
		if s.spanFrom.IsZero() {
			s.spanFrom = rec.Time
		}
		if tracked && timed {
			o.At = rec.Time
			s.fold(&o)
			events = append(events, ingest.Feed(s.tracker, &o)...)
		}
		s.noteSender(rec, v, now)
		// The store's picture of the queue, in memory until the commit.
		if err := s.d.Store.Apply(ctx, rec); err != nil {
			return fmt.Errorf("daemon: %w", err)
		}
	}
	s.count(skipped)
	s.countRedated()
	s.countBounds()
	// Lines within liveSkew of the clock are the live end too (a stream,
	// journald or standard input, may never say it; a file's batch of new
	// lines may come before its end mark) — but not while several log
	// files are caught up with (log.paths): one file read to its last
	// minute tells nothing of another a day behind, whose lines would all
	// be handed to the wall clock, a batch at a time. Until every file was
	// read to its end once, only the end mark is.
	if atEnd || (s.files < 2 || s.live) && !s.logTime.IsZero() && s.logTime.After(now.Add(-liveSkew)) {
		events = append(events, s.goLive(now)...)
	}
	if atEnd && s.inputEnded {
		// The input's end ends the aggregation windows: the daemon stops
		// now, and an opened notice due later would never go out.
		events = append(events, s.tracker.EndWindows(now)...)
	}
	if len(batch) == 0 && len(events) == 0 && !s.summaryDue && (len(s.senderCands) == 0 || s.tracker.CatchingUp()) {
		return nil
	}
	s.log.Debug("batch", zap.Int("lines", len(batch)), zap.Int("records", records), zap.Int("events", len(events)),
		zap.Bool("catching_up", s.tracker.CatchingUp()))
	s.noteBatch(batch)
	writes := s.d.Store.Writes()
	// The loop reuses the batch: the closure keeps the lines whose
	// positions it stores (the last of each file).
	ends := lastLines(batch)
	// A backlog's refusals wait for its end, where a later delivery of
	// theirs has been read (noteSender).
	var senders []senderCand
	if !s.tracker.CatchingUp() {
		senders = s.takeSenderCands()
	}
	env := s.env.Load()
	named := s.bound.TakeChanges()
	batchWrites := func(tx *track.Tx) error {
		if err := tx.Write(writes); err != nil {
			return err
		}
		if err := tx.SaveForeign(named); err != nil {
			return err
		}
		if err := s.tellSenders(tx, env, senders, now); err != nil {
			return err
		}
		return s.savePositions(tx, ends, now)
	}
	if len(events) == 0 && !s.summaryDue {
		// Nothing for the notices: committed beside the loop, which
		// reads the next batch meanwhile.
		return s.commitBeside(ctx, now, batchWrites)
	}
	return s.commit(ctx, now, events, batchWrites)
}

// appendLine adds l to batch, unless it is an end mark or a stream's
// trailing count, which are no lines: the over-long lines it says the
// source skipped before it are added to *skipped instead.
func appendLine(batch []postfixlog.Line, l postfixlog.Line, skipped *int) []postfixlog.Line {
	if l.AtEnd || l.Trailing {
		*skipped += l.Skipped
		return batch
	}
	return append(batch, l)
}

// gather adds to batch the lines that come within liveGather (up to
// batchMax), and says whether the source's last word was its end mark. The
// end of ctx or of the source ends it early; the main loop sees either next.
func gather(ctx context.Context, lines <-chan postfixlog.Line, batch []postfixlog.Line, atEnd bool, skipped *int) ([]postfixlog.Line, bool) {
	t := time.NewTimer(liveGather)
	defer t.Stop()
	for len(batch) < batchMax {
		select {
		case l, ok := <-lines:
			if !ok {
				return batch, atEnd
			}
			atEnd = l.AtEnd
			batch = appendLine(batch, l, skipped)
		case <-t.C:
			return batch, atEnd
		case <-ctx.Done():
			return batch, atEnd
		}
	}
	return batch, atEnd
}

// lastLines returns the last line with a position of each file in batch,
// in the order the files first appear: what savePositions stores.
func lastLines(batch []postfixlog.Line) []postfixlog.Line {
	var out []postfixlog.Line
	idx := map[string]int{}
	for _, l := range batch {
		if l.Pos == (postfixlog.Position{}) {
			continue
		}
		if i, ok := idx[l.Pos.Path]; ok {
			out[i] = l
			continue
		}
		idx[l.Pos.Path] = len(out)
		out = append(out, l)
	}
	for i := range out {
		out[i].Text = "" // only the position is kept
	}
	return out
}

// commitBeside commits a batch without events beside the loop (see
// committer): the rows its records changed (taken already), the incidents
// it changed and its position.
func (s *service) commitBeside(ctx context.Context, now time.Time, more func(*track.Tx) error) error {
	changes := s.tracker.Changes()
	s.tracker.Forget()
	// The incidents' rows are built here, not by the writer: the writer
	// is the slower stage of a catch-up (bench/README.md, catchup7).
	incs, err := track.PrepareChanges(changes)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	back, err := s.takeBacklog()
	if err != nil {
		return err
	}
	err = s.writer.submit(ctx, func(tx *track.Tx) error {
		if err := more(tx); err != nil {
			return err
		}
		if err := tx.SaveIncidentWrites(incs); err != nil {
			return err
		}
		return saveUnannounced(tx, s.log, back, now)
	})
	if err != nil {
		return err
	}
	if len(changes) > 0 {
		s.countOpen()
	}
	return nil
}

// goLive hands the incidents to the wall clock: the notices held back
// while a backlog was read are due now (those still current), and what
// began and ended inside the backlog is summed up in one notice, recorded
// by the commit that follows (summaryDue; backlog.go).
func (s *service) goLive(now time.Time) []incident.Event {
	var events []incident.Event
	if s.tracker.CatchingUp() {
		events = s.tracker.CatchUp(false, now)
		if !s.live {
			if s.logTime.IsZero() {
				s.log.Info("caught up with the log", zap.String("log_time", "none read yet"))
			} else {
				s.log.Info("caught up with the log", zap.Time("log_time", s.logTime))
			}
		}
	} else {
		events = s.tracker.Tick(now)
	}
	s.live = true
	s.backlog = append(s.backlog, s.tracker.Backlog()...)
	s.summaryDue = s.unannounced || len(s.backlog) > 0
	s.readBackRead(events)
	return events
}

// count adds what the reader counted since the last call to the metrics.
func (s *service) count(skipped int) {
	m, c := s.d.Metrics, &s.reader.Counts
	m.skippedLines.Add(float64(skipped))
	m.lines.Add(float64(c.Lines))
	for svc, n := range c.UnparsedBy {
		if svc == "" {
			svc = metricService("")
		}
		m.unparsed.WithLabelValues(svc).Add(float64(n))
	}
	for i, n := range c.Deliveries {
		if n > 0 {
			m.deliveries.WithLabelValues(ingest.StatusNames[i]).Add(float64(n))
		}
	}
	for cat, n := range c.Failures.All() {
		m.failures.WithLabelValues(string(cat)).Add(float64(n))
	}
	for p, n := range c.Rejections {
		m.rejections.WithLabelValues(p).Add(float64(n))
	}
	c.Reset()
}

// redatedWhy says in the log, once per reason, why lines were dated
// otherwise than they say (ingest.Clock).
var redatedWhy = [len(ingest.RedatedNames)]string{
	ingest.RedatedUntimed: "log lines with no time, or one before 2000 (a clock never set, a shipper's zero time): dated at the line before, or at the clock at the live end; counted in rblwatch_logwatch_redated_lines_total",
	ingest.RedatedAhead:   "log lines dated ahead of the clock by more than 5 minutes (the logging host's clock, or log.timezone, is wrong?): dated at the clock at the live end, at the line before in a backlog; counted in rblwatch_logwatch_redated_lines_total",
}

// countRedated adds the lines the clock dated otherwise than they say to
// the metrics, and warns the first time for each reason.
func (s *service) countRedated() {
	for i, n := range s.clock.Redated {
		if n == 0 {
			continue
		}
		s.d.Metrics.redated.WithLabelValues(ingest.RedatedNames[i]).Add(float64(n))
		if !s.warned[i] {
			s.warned[i] = true
			s.log.Warn(redatedWhy[i], zap.Int64("lines", n), zap.Time("log_time", s.clock.Latest()))
		}
		s.clock.Redated[i] = 0
	}
}

// countBounds counts what the tracker forgot or did not tell apart since
// the last call (incident.Bounds), and says so in the log the first time
// it evicts.
func (s *service) countBounds() {
	b := s.tracker.Bounds()
	last := s.bounds
	s.bounds = b
	if n := b.Expired - last.Expired; n > 0 {
		s.d.Metrics.forgotten.WithLabelValues("expired").Add(float64(n))
	}
	if n := b.Untold - last.Untold; n > 0 {
		s.d.Metrics.untold.Add(float64(n))
	}
	if ev := s.d.Store.Evicted(); ev > s.storeEvicted {
		s.d.Metrics.storeEvicted.Add(float64(ev - s.storeEvicted))
		s.storeEvicted = ev
	}
	if n := b.Evicted - last.Evicted; n > 0 {
		s.d.Metrics.forgotten.WithLabelValues("evicted").Add(float64(n))
		if last.Evicted == 0 {
			s.log.Warn("more queue ids in the log than the tracker holds at once, and their removal not logged: the least recently seen are forgotten, and their messages' later fates not counted in their incidents",
				zap.Int("held", incident.MaxQueueIDs), zap.Time("log_time", s.clock.Latest()))
		}
	}
}

// tick runs the incident timers on the wall clock, once the live end of
// the log was reached. A source that sent nothing for idleLive while
// nothing waits in it counts as being at its end (idle).
func (s *service) tick(ctx context.Context, now time.Time, idle bool) error {
	var events []incident.Event
	switch {
	case !s.tracker.CatchingUp():
		events = s.tracker.Tick(now)
		s.countBounds() // the tick sweeps queue ids past their lifetime
	case idle && now.Sub(s.lastLine) >= idleLive:
		events = s.goLive(now)
	}
	if len(events) == 0 && !s.summaryDue {
		return nil
	}
	return s.commit(ctx, now, events, nil)
}

// commit records the events' notices (composed beside the loop, see
// notices.go) and commits them with the changed incidents and whatever more
// writes.
func (s *service) commit(ctx context.Context, now time.Time, events []incident.Event, more func(*track.Tx) error) error {
	// After the batches committed beside the loop: in order.
	if err := s.writer.wait(); err != nil {
		return err
	}
	recorded, summed := 0, 0
	changes := s.tracker.Changes()
	back, err := s.takeBacklog()
	if err != nil {
		return err
	}
	summary := s.summaryDue
	err = s.d.Store.Tx(ctx, func(tx *track.Tx) error {
		if more != nil {
			if err := more(tx); err != nil {
				return err
			}
		}
		if err := tx.SaveChanges(changes); err != nil {
			return err
		}
		if err := saveUnannounced(tx, s.log, back, now); err != nil {
			return err
		}
		var err error
		if recorded, err = s.recordEvents(tx, events, now); err != nil || !summary {
			return err
		}
		summed, err = s.recordBacklog(tx, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("daemon: committing: %w", err)
	}
	s.readBackDone()
	if summary {
		s.summaryDue, s.unannounced = false, false
		if summed > 0 {
			recorded++
			s.d.Metrics.events.WithLabelValues(string(notify.KindBacklog)).Inc()
		}
	}
	s.tracker.Forget()
	for _, ev := range events {
		s.log.Info("incident "+string(ev.Kind), zap.String("incident", ev.Incident.ID), zap.String("provider", ev.Incident.Provider),
			zap.String("listed", ev.Incident.Listed), zap.Int("bounced", ev.Incident.Bounced), zap.Int("deferred", ev.Incident.Deferred))
		s.d.Metrics.events.WithLabelValues(string(ev.Kind)).Inc()
	}
	if len(changes) > 0 || len(events) > 0 {
		s.countOpen()
	}
	if recorded > 0 {
		s.kickComposer()
	}
	return nil
}

// pruneEvery is how often the store drops what its retention lets go.
const pruneEvery = time.Hour

// pruneHold is how long a prune due may wait for the end of a catch-up.
const pruneHold = 6 * time.Hour

// maybePrune deletes, once every pruneEvery, what the retention settings
// let go: cleared incidents and sent notices after state.retention,
// finished messages that met trouble after state.message_retention, those
// delivered at the first attempt after state.delivered_retention (each 0:
// as long as the one before). A failure is logged and tried again later.
//
// While a backlog is read the prune waits for the live end (up to
// pruneHold): it runs in the loop and on the store's one writer, so
// reading and committing both stopped for it, and with the wall clock's
// cutoff it deleted rows the catch-up had just written from an old log
// (bench/catchup.sh: 22,769 messages, 0.3–0.5 s in the middle of a 2.6 s
// catch-up), which the prune at the live end deletes together with the
// rest in one pass.
func (s *service) maybePrune(ctx context.Context, now time.Time) error {
	if !s.pruned.IsZero() && now.Sub(s.pruned) < pruneEvery {
		return nil
	}
	if s.tracker.CatchingUp() {
		if s.pruneHeld.IsZero() {
			s.pruneHeld = now
		}
		if now.Sub(s.pruneHeld) < pruneHold {
			return nil
		}
	}
	s.pruned, s.pruneHeld = now, time.Time{}
	// The queue in memory is read again after a prune: the batch being
	// committed must be in the tables first.
	if err := s.writer.wait(); err != nil {
		return err
	}
	r := s.cfg.State
	msgs := cmp.Or(r.MessageRetention, r.Retention)
	delivered := cmp.Or(r.DeliveredRetention, msgs)
	if r.Retention > 0 {
		st, err := s.d.Store.Prune(ctx, now, r.Retention)
		if err != nil {
			s.log.Warn("pruning the store", zap.Error(err))
			return nil
		}
		if st != (track.PruneStats{}) {
			s.log.Info("pruned the store", zap.Int64("messages", st.Messages), zap.Int64("incidents", st.Incidents),
				zap.Int64("outbox", st.Outbox), zap.Int64("milter", st.Milter), zap.Int64("mutes", st.Mutes))
		}
	}
	if msgs > 0 || delivered > 0 {
		n, err := s.d.Store.PruneMessages(ctx, now, msgs, delivered)
		if err != nil {
			s.log.Warn("pruning messages", zap.Error(err))
			return nil
		}
		if n > 0 {
			s.log.Info("pruned messages", zap.Int64("messages", n))
		}
	}
	return nil
}

// committer commits batches of lines in a goroutine of its own, one at a
// time and in order, while the loop reads the next batch: the store's
// writing and the parsing run on two cores. A batch handed over carries
// everything it writes, taken from the tracker and the queue when it was
// read (Tracker.Changes, Store.Writes), so the loop may go on changing
// them. A commit that fails stops the daemon (the next submit or wait
// returns its error) and no batch handed over after it is committed: what
// they held is read again from the log after the restart, from the last
// committed position.
type committer struct {
	jobs    chan func(*track.Tx) error
	done    chan error
	pending int   // handed over, result not collected
	err     error // the first failure
}

// commitDepth is how many batches may be handed over and not committed
// yet: one committing and one waiting its turn, so that neither stage
// waits for the other's slow moments (a commit with a checkpoint, a batch
// with many rejections) as long as the two keep pace on the whole.
const commitDepth = 2

func newCommitter(store *track.Store) *committer {
	c := &committer{jobs: make(chan func(*track.Tx) error, commitDepth-1), done: make(chan error, commitDepth)}
	go func() {
		var failed error
		for fn := range c.jobs {
			if failed == nil {
				failed = store.Tx(context.Background(), fn)
			}
			c.done <- failed // a batch after a failed one is not committed
		}
	}()
	return c
}

// submit hands fn over once fewer than commitDepth batches wait for their
// commit.
func (c *committer) submit(ctx context.Context, fn func(*track.Tx) error) error {
	for c.err == nil && c.pending >= commitDepth {
		c.collect()
	}
	if c.err != nil {
		return c.err
	}
	c.jobs <- fn
	c.pending++
	return nil
}

// collect waits for the result of the oldest batch handed over.
func (c *committer) collect() {
	err := <-c.done
	c.pending--
	if err != nil && c.err == nil {
		c.err = fmt.Errorf("daemon: committing: %w", err)
	}
}

// wait returns when no commit is running or waiting, with the first
// failure.
func (c *committer) wait() error {
	for c.pending > 0 {
		c.collect()
	}
	return c.err
}

// stop waits for the last commit and ends the goroutine.
func (c *committer) stop() error {
	err := c.wait()
	close(c.jobs)
	return err
}

// fold applies the caps on the addresses one receiver, and all of them,
// may name (ingest.AddressBound): counted, and said in the log once per
// receiver and once for all.
func (s *service) fold(o *incident.Observation) {
	before, all := len(s.bound.FoldedReceivers), s.bound.FoldedAll
	if !s.bound.Fold(o) {
		return
	}
	s.d.Metrics.folded.Inc()
	if s.bound.FoldedAll && !all {
		s.log.Warn("the receivers together name many addresses that are not ours: further refusals naming others count under their provider with no listed address (set sending_ips and sending_domains if these are ours)",
			zap.String("remote", sanitize.Line(o.RemoteHost, 255)), zap.String("provider", o.Verdict.Provider),
			zap.Int("addresses", s.bound.Foreign()))
	}
	if len(s.bound.FoldedReceivers) > before {
		s.log.Warn("a receiver names many addresses that are not ours: its further refusals count under their provider with no listed address (set sending_ips and sending_domains if these are ours)",
			zap.String("remote", sanitize.Line(o.RemoteHost, 255)), zap.String("provider", o.Verdict.Provider),
			zap.Int("addresses", ingest.MaxAddressesPerReceiver))
	}
}

// ours lists our own addresses, as verdicts write them: the sending IPs
// and domains, never folded.
func ours(cfg *config.Config) []string {
	out := slices.Clone(cfg.SendingDomains)
	for _, ip := range cfg.SendingIPs {
		out = append(out, ip.String())
	}
	return out
}

// sendingIP is the listed IP to assume when a reply names none: our only
// sending IP, if there is exactly one.
func (s *service) sendingIP() string {
	if len(s.cfg.SendingIPs) == 1 {
		return s.cfg.SendingIPs[0].String()
	}
	return ""
}

// enabledZones lists the catalog's zones to query, with DQS and Abusix keys
// applied.
func enabledZones(cat *classify.Catalog, c config.DNSBL) []dnsbl.Zone {
	var out []dnsbl.Zone
	for _, p := range ConfiguredProviders(cat, c) {
		for _, z := range p.Zones {
			if !z.Disabled {
				out = append(out, z)
			}
		}
	}
	return out
}

// ConfiguredProviders returns the catalog's providers with the zone settings
// of the configuration applied: dnsbl.zones.enable and .disable, and the
// Spamhaus DQS and Abusix keys. A zone that needs a key it does not have is
// disabled (it can still be named explicitly, e.g. rblwatch check --zone).
// With its key, a provider is asked through its keyed zones only: they
// answer the same lists through any resolver (KEY.zen.dq.spamhaus.net for
// zen.spamhaus.org), and the public zones, which refuse public resolvers,
// would leave every verdict undecided (a delisting could never be seen) —
// unless dnsbl.zones.enable names them. The catalog itself is not changed.
func ConfiguredProviders(cat *classify.Catalog, c config.DNSBL) []*classify.Provider {
	var out []*classify.Provider
	for _, p := range cat.Providers() {
		cp := *p
		cp.Zones = slices.Clone(p.Zones)
		for i := range cp.Zones {
			z := &cp.Zones[i]
			switch {
			case slices.Contains(c.Zones.Disable, z.Name):
				z.Disabled = true
			case slices.Contains(c.Zones.Enable, z.Name):
				z.Disabled = false
			}
			if z.NeedsKey {
				if z.Key, _ = zoneKey(p.ID, c); z.Key == "" {
					z.Disabled = true
				}
			}
		}
		if slices.ContainsFunc(cp.Zones, func(z dnsbl.Zone) bool { return z.NeedsKey && !z.Disabled }) {
			for i := range cp.Zones {
				if z := &cp.Zones[i]; !z.NeedsKey && !slices.Contains(c.Zones.Enable, z.Name) {
					z.Disabled = true
				}
			}
		}
		out = append(out, &cp)
	}
	return out
}

// zoneKey returns the subscriber key the configuration gives a provider's
// keyed zones, and the setting that gives it.
func zoneKey(provider string, c config.DNSBL) (key, setting string) {
	switch provider {
	case "spamhaus":
		return string(c.DQSKey), "dnsbl.dqs_key"
	case "abusix":
		return string(c.AbusixKey), "dnsbl.abusix_key"
	}
	return "", ""
}

// ZoneProblem is something of dnsbl.zones the catalog cannot do.
type ZoneProblem struct {
	Key, Msg string
	Warning  bool
}

// ZoneProblems says what of dnsbl.zones the catalog (with catalog.file)
// cannot do, as config check reports it and Build refuses it: a zone
// enabled that needs a subscriber key the configuration does not give is an
// error (ConfiguredProviders leaves it off: enabling it did nothing), and
// so is a keyed zone, in use, of a provider no setting gives a key (one of
// catalog.file's: its every lookup failed); a zone enabled or disabled that
// no provider has is a warning (a catalog.file edited, or an upgrade, may
// have dropped it).
func ZoneProblems(cat *classify.Catalog, c config.DNSBL) []ZoneProblem {
	type zone struct {
		provider string
		needsKey bool
	}
	known := map[string]zone{}
	var out []ZoneProblem
	for _, p := range cat.Providers() {
		_, setting := zoneKey(p.ID, c)
		for _, z := range p.Zones {
			keyed := z.NeedsKey || strings.Contains(z.Name, "{key}")
			known[strings.ToLower(z.Name)] = zone{p.ID, keyed}
			if keyed && setting == "" && (!z.Disabled || slices.Contains(c.Zones.Enable, strings.ToLower(z.Name))) {
				// A provider of catalog.file: no setting gives it a key,
				// and every lookup of the zone failed ("no key configured").
				out = append(out, ZoneProblem{Key: "catalog.file", Msg: fmt.Sprintf("the zone %s of %s needs a subscriber key, which rblwatch gives only to Spamhaus's (dnsbl.dqs_key) and Abusix's (dnsbl.abusix_key) zones: it could never be queried; write the key into the zone's name", z.Name, p.ID)})
			}
		}
	}
	for _, l := range []struct {
		key   string
		zones []string
	}{{"dnsbl.zones.enable", c.Zones.Enable}, {"dnsbl.zones.disable", c.Zones.Disable}} {
		for _, name := range l.zones {
			z, ok := known[strings.ToLower(name)]
			switch {
			case !ok:
				out = append(out, ZoneProblem{Key: l.key, Msg: name + " is not a zone of the catalog", Warning: true})
			case z.needsKey && l.key == "dnsbl.zones.enable":
				// (A provider no setting gives a key is catalog.file's problem.)
				if key, setting := zoneKey(z.provider, c); key == "" && setting != "" {
					out = append(out, ZoneProblem{Key: l.key, Msg: fmt.Sprintf("%s needs a subscriber key, and it is not queried without one: set %s (with it, the keyed zones are used without naming them here)", name, setting)})
				}
			}
		}
	}
	return out
}

// metricService bounds the service label: log text names the service, and
// every name would otherwise make a series (and a name that is not UTF-8
// makes client_golang panic). The reader's counts are by label already
// (postfixlog.ServiceLabel), "" for lines with no readable prefix.
func metricService(s string) string { return postfixlog.ServiceLabel(s) }
