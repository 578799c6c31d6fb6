package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Where events become notices. The main loop only records: each incident
// event becomes a row of the notices table, in the transaction of the batch
// that caused it, under its notify.NoticeKey (so a batch read twice records
// it once), with what only the loop knows — the incident snapshots, which
// incidents go together in one notice, the thread, the counts at the
// previous notice. Beside the loop, the composer looks the listings up over
// DNS (bounded, side by side, joined on shutdown), composes every channel's
// item from one notice (so email, webhook and Alertmanager agree on the
// DNS state), and enqueues them with the notice marked composed, in one
// transaction. A resolver that hangs therefore delays notices, never the
// log.

// composeBatch is how many notices the composer takes at once; their DNS
// checks run side by side.
const composeBatch = 8

// noticeRecord is what the loop records of a notice (the notices table's
// record column).
type noticeRecord struct {
	Kind     notify.Kind       `json:"kind"`
	Incident incident.Incident `json:"incident"`
	// Related are the other incidents of the same notice: providers that
	// named the same address within the aggregation window, or the other
	// findings of a self-check round.
	Related []relatedRecord `json:"related,omitempty"`
	// Previous are the incident's counts at its previous notice (digest).
	Previous *notify.Counts `json:"previous,omitempty"`
	// Thread are the Message-IDs of the notices this one follows, root
	// first.
	Thread []string `json:"thread,omitempty"`
	// Checks are the DNS answers when they are known already (a
	// self-check); Verify asks the composer to look the listings up.
	Checks []notify.Check `json:"checks,omitempty"`
	Verify bool           `json:"verify,omitempty"`
	// Quiet is the quiet period that closed the incident (cleared by
	// "quiet").
	Quiet time.Duration `json:"quiet,omitempty"`
	// Resolver is what a resolver notice tells.
	Resolver *notify.ResolverState `json:"resolver,omitempty"`
	// Backlog is what a backlog summary tells (backlog.go).
	Backlog *backlogRecord `json:"backlog,omitempty"`
}

type relatedRecord struct {
	Incident incident.Incident `json:"incident"`
	Checks   []notify.Check    `json:"checks,omitempty"`
	// Previous are its counts at its previous notice (a digest).
	Previous *notify.Counts `json:"previous,omitempty"`
}

// noteCounts are an incident's counts at its last notice, as its note
// keeps them; With names the incident whose digest carried it (the next
// digest due of its own, within the aggregation window, is not sent).
type noteCounts struct {
	notify.Counts
	With string `json:"with,omitempty"`
}

// noticeEnv is what composing needs of the configuration: the main loop
// publishes a new one at every (re)configuration, and the composer reads a
// consistent snapshot beside it.
type noticeEnv struct {
	cfg   *config.Config
	cat   *classify.Catalog
	loc   *time.Location
	zones []dnsbl.Zone // enabled catalog zones, keys applied
	// resolver verifies listings; nil: no DNS checks.
	resolver *dnsbl.Resolver
}

// publishEnv makes the current configuration the composer's.
func (s *service) publishEnv() {
	s.env.Store(&noticeEnv{cfg: s.cfg, cat: s.cat, loc: s.loc, zones: s.zones, resolver: s.resolver})
}

// recordEvents records the notices of a batch's incident events in its
// transaction and returns how many it added. An opened incident takes the
// other incidents of its listed address first seen within its aggregation
// window into its notice (Related): they are announced there, and their own
// opened event records nothing. Follow-ups (digest, cleared) join the
// thread of the notice that announced their incident, and so does a
// listing again (a new incident of a provider and address that had one).
//
// The postmaster's word (rblwatch incidents) is read from the store here,
// so it counts at once: a muted provider or address gets no opened notice
// and no digest (an incident announced before the mute still gets its
// cleared notice; one never announced gets none), and an acknowledged
// incident no digest.
func (s *service) recordEvents(tx *track.Tx, events []incident.Event, now time.Time) (int, error) {
	added := 0
	if len(events) == 0 {
		return 0, nil
	}
	mutes, err := tx.ActiveMutes(now)
	if err != nil {
		return 0, err
	}
	muted := func(inc incident.Incident) bool {
		for _, m := range mutes {
			if m.Matches(inc.Provider, inc.Listed, now) {
				return true
			}
		}
		return false
	}
	var active []incident.Incident // snapshot of the tracker, taken when needed
	// Incidents whose digest or cleared notice went out in another's of
	// this batch (the same address, the same thread).
	carried := map[string]bool{}
	for i, ev := range events {
		if carried[ev.Incident.ID] && (ev.Kind == incident.EventDigest || ev.Kind == incident.EventCleared) {
			continue
		}
		kind, err := notify.KindOf(ev.Kind)
		if err != nil {
			return added, err
		}
		inc := ev.Incident
		note, known, err := tx.IncidentNote(inc.ID)
		if err != nil {
			return added, err
		}
		if !known && kind != notify.KindOpened {
			// Announced by a release before notes were kept (an upgrade
			// with the incident open): its follow-ups are owed as to any
			// announced incident, in a thread of their own (the old
			// notice's Message-ID was not stored).
			legacy, err := tx.AnnouncedBeforeNotes(inc.ID)
			if err != nil {
				return added, err
			}
			if legacy {
				note, known = track.IncidentNote{IncidentID: inc.ID, Thread: inc.ID}, true
			}
		}
		rec := noticeRecord{Kind: kind, Incident: inc}
		thread := inc.ID
		switch kind {
		case notify.KindOpened:
			if known && note.Thread != inc.ID {
				// Its counts stay those of that notice.
				s.log.Info("incident announced with another", zap.String("incident", inc.ID), zap.String("with", note.Thread))
				continue
			}
			if muted(inc) {
				s.log.Info("incident muted: no notice", zap.String("incident", inc.ID), zap.String("provider", inc.Provider), zap.String("listed", inc.Listed))
				continue
			}
			if own, ok := s.announcedBefore(inc); !known && ok {
				// A state lost: our notice in the log read back says so.
				s.log.Info("incident announced before the state was lost (our notice is in the log): not announced again",
					zap.String("incident", inc.ID), zap.String("notice", string(own.Kind)), zap.Time("composed", own.At))
				if err := tx.SaveIncidentNote(track.IncidentNote{IncidentID: inc.ID, Thread: inc.ID, Counts: countsJSON(inc, now)}); err != nil {
					return added, err
				}
				continue
			}
			rec.Verify = true
			// Listed again after an earlier incident of the same provider
			// and address: the same thread.
			if prev, ok, err := tx.PreviousThread(inc.Provider, inc.Listed, inc.ID); err != nil {
				return added, err
			} else if ok {
				thread = prev
			}
			if active == nil {
				active = s.tracker.Active()
			}
			for _, o := range s.companions(inc, active) {
				_, ok, err := tx.IncidentNote(o.ID)
				if err != nil {
					return added, err
				}
				if ok || muted(o) {
					continue // announced already, or muted
				}
				rec.Related = append(rec.Related, relatedRecord{Incident: o})
				if err := tx.SaveIncidentNote(track.IncidentNote{IncidentID: o.ID, Thread: thread, Counts: countsJSON(o, now)}); err != nil {
					return added, err
				}
			}
		case notify.KindDigest:
			switch {
			case known && !note.AckedAt.IsZero():
				s.log.Info("incident acknowledged: no digest", zap.String("incident", inc.ID), zap.String("by", note.AckedBy))
				continue
			case muted(inc):
				s.log.Info("incident muted: no digest", zap.String("incident", inc.ID))
				continue
			case !known:
				s.log.Info("incident never announced (muted when it opened): no digest", zap.String("incident", inc.ID))
				continue
			case digestedWith(note, now, s.cfg.Notify.Aggregate):
				s.log.Info("incident's digest went out with another's", zap.String("incident", inc.ID))
				continue
			}
			if known {
				thread = note.Thread
				var prev notify.Counts
				if json.Unmarshal(note.Counts, &prev) == nil && !prev.At.IsZero() {
					rec.Previous = &prev
				}
			}
			// The other providers of the address announced with it give
			// their digests in this one (issue 12.3: one email per listed
			// address within the aggregation window).
			if active == nil {
				active = s.tracker.Active()
			}
			due := map[string]bool{}
			for _, e := range events[i+1:] {
				if e.Kind == incident.EventDigest {
					due[e.Incident.ID] = true
				}
			}
			peers, err := s.digestPeers(tx, inc, thread, active, due, muted, now)
			if err != nil {
				return added, err
			}
			for _, p := range peers {
				rec.Related = append(rec.Related, p)
				carried[p.Incident.ID] = true
				if err := tx.SaveIncidentNote(track.IncidentNote{IncidentID: p.Incident.ID, Thread: thread, Counts: countsWithJSON(p.Incident, now, inc.ID)}); err != nil {
					return added, err
				}
			}
		case notify.KindCleared:
			if !known {
				s.log.Info("incident cleared; it was never announced (muted): no notice", zap.String("incident", inc.ID))
				continue
			}
			thread = note.Thread
			// Say whether the list still names us: a quiet period is not
			// a delisting.
			rec.Verify = true
			if inc.ClearedBy == "quiet" {
				rec.Quiet = s.cfg.Notify.Quiet
			}
			// The other providers of the address announced with it that
			// clear in this batch are told in this notice.
			for _, e := range events[i+1:] {
				o := e.Incident
				if e.Kind != incident.EventCleared || carried[o.ID] || o.ID == inc.ID || o.Listed == "" || o.Listed != inc.Listed {
					continue
				}
				on, ok, err := tx.IncidentNote(o.ID)
				if err != nil {
					return added, err
				}
				if !ok || on.Thread != thread {
					continue
				}
				rec.Related = append(rec.Related, relatedRecord{Incident: o})
				carried[o.ID] = true
				if err := tx.SaveIncidentNote(track.IncidentNote{IncidentID: o.ID, Thread: thread, Counts: countsWithJSON(o, now, inc.ID)}); err != nil {
					return added, err
				}
			}
		}
		ok, err := s.recordNotice(tx, rec, thread, now)
		if err != nil {
			return added, err
		}
		if ok {
			added++
		}
		if err := tx.SaveIncidentNote(track.IncidentNote{IncidentID: inc.ID, Thread: thread, Counts: countsJSON(inc, now)}); err != nil {
			return added, err
		}
	}
	return added, nil
}

// companions are the incidents to announce with inc: the same listed
// address, another provider, first seen within inc's aggregation window.
func (s *service) companions(inc incident.Incident, active []incident.Incident) []incident.Incident {
	agg := s.cfg.Notify.Aggregate
	if agg <= 0 || inc.Listed == "" {
		return nil
	}
	var out []incident.Incident
	for _, o := range active {
		if o.ID == inc.ID || o.Listed != inc.Listed || o.FirstSeen.Before(inc.FirstSeen) || o.FirstSeen.After(inc.FirstSeen.Add(agg)) {
			continue
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b incident.Incident) int { return a.FirstSeen.Compare(b.FirstSeen) })
	return out
}

// countsJSON is an incident's counts at a notice made at now.
func countsJSON(inc incident.Incident, now time.Time) []byte {
	return countsWithJSON(inc, now, "")
}

// countsWithJSON is countsJSON of an incident announced in the notice of
// another (with).
func countsWithJSON(inc incident.Incident, now time.Time, with string) []byte {
	c := noteCounts{Counts: notify.CountsOf(inc), With: with}
	c.At = now
	b, _ := json.Marshal(c)
	return b
}

// digestPeers are the incidents whose digests go out in inc's digest
// (thread): the same listed address, announced in the same thread, not
// acknowledged or muted, refused since their previous notice, and due for
// a digest of their own within the aggregation window (their windows ended
// a few seconds after inc's) or in this batch (due, among events[i+1:]).
// Each comes with its counts at its previous notice.
func (s *service) digestPeers(tx *track.Tx, inc incident.Incident, thread string, active []incident.Incident, due map[string]bool,
	muted func(incident.Incident) bool, now time.Time) ([]relatedRecord, error) {
	agg, renotify := s.cfg.Notify.Aggregate, s.cfg.Notify.Renotify
	if inc.Listed == "" || renotify <= 0 {
		return nil, nil
	}
	var out []relatedRecord
	for _, o := range active {
		if o.ID == inc.ID || o.Listed != inc.Listed || o.Status == incident.Cleared || muted(o) {
			continue
		}
		if !due[o.ID] && o.Notified.Add(renotify).After(now.Add(agg)) {
			continue
		}
		note, ok, err := tx.IncidentNote(o.ID)
		if err != nil {
			return nil, err
		}
		if !ok || note.Thread != thread || !note.AckedAt.IsZero() {
			continue
		}
		var prev notify.Counts
		if json.Unmarshal(note.Counts, &prev) != nil || prev.At.IsZero() || !o.LastSeen.After(prev.At) {
			continue // nothing new since its last notice: it owes no digest
		}
		out = append(out, relatedRecord{Incident: o, Previous: &prev})
	}
	slices.SortFunc(out, func(a, b relatedRecord) int { return a.Incident.FirstSeen.Compare(b.Incident.FirstSeen) })
	return out, nil
}

// digestedWith reports whether an incident's note says its digest went out
// in another incident's digest within the aggregation window before now.
func digestedWith(note track.IncidentNote, now time.Time, agg time.Duration) bool {
	var c noteCounts
	if json.Unmarshal(note.Counts, &c) != nil || c.With == "" || c.At.IsZero() {
		return false
	}
	return !now.Before(c.At) && now.Sub(c.At) <= agg
}

// recordNotice stores one notice of thread (an incident ID; "" for none)
// with its Message-ID and the thread so far.
func (s *service) recordNotice(tx *track.Tx, rec noticeRecord, thread string, now time.Time) (bool, error) {
	n := notify.Notice{Kind: rec.Kind, Incident: rec.Incident, Resolver: rec.Resolver, Backlog: rec.Backlog.notice(nil, "")}
	mid := notify.MessageID(n, now, s.d.Host)
	if thread != "" {
		ids, err := tx.ThreadMessageIDs(thread)
		if err != nil {
			return false, err
		}
		rec.Thread = ids
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("daemon: recording a notice: %w", err)
	}
	incID := ""
	switch rec.Kind {
	case notify.KindOpened, notify.KindDigest, notify.KindCleared:
		incID = rec.Incident.ID // self-check findings and resolver states are no stored incidents
	}
	return tx.RecordNotice(track.Notice{
		Key: notify.NoticeKey(n), Kind: string(rec.Kind), IncidentID: incID, Thread: thread,
		MessageID: mid, CreatedAt: now, Record: data,
	})
}

// recordRound records the findings of one self-check round as one notice:
// the first finding is the notice's, the others are its Related (a
// listing's Incident is ongoing, a delisting's cleared). The notice is a
// "listed" one when any finding is a listing.
func (s *service) recordRound(tx *track.Tx, findings []noticeRecord, at time.Time) (bool, error) {
	mutes, err := tx.ActiveMutes(at)
	if err != nil {
		return false, err
	}
	findings = slices.DeleteFunc(findings, func(f noticeRecord) bool {
		return slices.ContainsFunc(mutes, func(m track.Mute) bool { return m.Matches(f.Incident.Provider, f.Incident.Listed, at) })
	})
	if len(findings) == 0 {
		return false, nil
	}
	slices.SortStableFunc(findings, func(a, b noticeRecord) int {
		// Listings first: the notice leads with what needs doing.
		return boolRank(a.Kind != notify.KindListed) - boolRank(b.Kind != notify.KindListed)
	})
	rec := findings[0]
	for _, f := range findings[1:] {
		rec.Related = append(rec.Related, relatedRecord{Incident: f.Incident, Checks: f.Checks})
	}
	// One thread per provider and address: listed, delisted, listed again.
	return s.recordNotice(tx, rec, "self/"+rec.Incident.Provider+"/"+rec.Incident.Listed, at)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// timeout is the DNS timeout of one query.
func (s *service) timeout() time.Duration {
	if s.cfg.DNSBL.Timeout > 0 {
		return s.cfg.DNSBL.Timeout
	}
	return dnsbl.DefaultTimeout
}

// kickComposer wakes the composer.
func (s *service) kickComposer() {
	select {
	case s.composeKick <- struct{}{}:
	default:
	}
}

// runComposer composes recorded notices until ctx is done.
func (s *service) runComposer(ctx context.Context) {
	for {
		if err := s.composePending(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("composing notices", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.composeKick:
		}
	}
}

// composePending composes every pending notice, a few at a time: their DNS
// checks run side by side, and each is committed (its items enqueued, the
// notice marked composed) in order. It stops, leaving the rest pending,
// when ctx is done.
func (s *service) composePending(ctx context.Context) error {
	for {
		pending, err := s.d.Store.PendingNotices(ctx, composeBatch)
		if err != nil || len(pending) == 0 {
			return err
		}
		env := s.env.Load()
		notices := make([]*notify.Notice, len(pending))
		var wg sync.WaitGroup
		for i, p := range pending {
			var rec noticeRecord
			if err := json.Unmarshal(p.Record, &rec); err != nil {
				s.log.Error("NOTICE LOST: its record is unreadable", zap.String("notice", p.Key), zap.Error(err))
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := s.noticeOf(ctx, env, rec)
				notices[i] = &n
			}()
		}
		wg.Wait()
		if ended(ctx) {
			// The checks were cut short (a stop): compose these later,
			// with checks that had their time.
			if err := context.Cause(ctx); err != nil {
				return err
			}
			return context.DeadlineExceeded
		}
		kicked := false
		for i, p := range pending {
			var items []track.OutboxItem
			var alerts []notify.Alert
			if n := notices[i]; n != nil {
				items, alerts = s.items(env, *n, p)
			}
			err := s.d.Store.Tx(ctx, func(tx *track.Tx) error {
				for _, it := range items {
					if _, err := tx.Enqueue(it); err != nil {
						return err
					}
				}
				for _, a := range alerts {
					if a.Firing() {
						b, _ := json.Marshal(a)
						if err := tx.SetAlert(a.Key(), b, p.CreatedAt); err != nil {
							return err
						}
					} else if err := tx.DeleteAlert(a.Key()); err != nil {
						return err
					}
				}
				return tx.MarkComposed(p.ID, s.d.Now())
			})
			if err != nil {
				return fmt.Errorf("daemon: enqueueing notice %s: %w", p.Key, err)
			}
			kicked = kicked || len(items) > 0
		}
		if kicked {
			select {
			case s.kick <- struct{}{}:
			default:
			}
		}
	}
}

// ended reports whether ctx is done or its deadline has passed: a DNS
// read that timed out at the deadline may return before the context
// says so.
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// noticeOf makes the notice of a record: catalog entries, the first
// replies, the configured language and role, and the DNS checks the record
// asks for (side by side, bounded by the resolver's timeout).
func (s *service) noticeOf(ctx context.Context, env *noticeEnv, rec noticeRecord) notify.Notice {
	n := notify.Notice{
		Kind:     rec.Kind,
		Incident: rec.Incident,
		Provider: providerOf(env.cat, rec.Incident),
		Via:      env.cat.Provider(rec.Incident.Verdict.Via),
		Reply:    firstReply(rec.Incident),
		Checks:   rec.Checks,
		Previous: rec.Previous,
		Lang:     env.cfg.Notify.Language,
		// (how the provider was found, as explain and replay say it)
		FoundNote: env.cat.FoundNote(rec.Incident.Verdict.Found, env.cfg.Notify.Language),
		Role:      env.cfg.Role,
		Host:      s.d.Host,
		Thread:    rec.Thread,
		Resolver:  rec.Resolver,
		Quiet:     rec.Quiet,
		Backlog:   rec.Backlog.notice(env.cat, env.cfg.Notify.Language),
	}
	for _, r := range rec.Related {
		n.Related = append(n.Related, notify.Related{
			Incident:  r.Incident,
			Provider:  providerOf(env.cat, r.Incident),
			Via:       env.cat.Provider(r.Incident.Verdict.Via),
			Reply:     firstReply(r.Incident),
			FoundNote: env.cat.FoundNote(r.Incident.Verdict.Found, env.cfg.Notify.Language),
			Checks:    r.Checks,
			Previous:  r.Previous,
		})
	}
	if !rec.Verify {
		return n
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); n.Checks = s.verify(ctx, env, rec.Incident.Key) }()
	for i := range n.Related {
		wg.Add(1)
		go func() { defer wg.Done(); n.Related[i].Checks = s.verify(ctx, env, n.Related[i].Incident.Key) }()
	}
	wg.Wait()
	return n
}

// items composes a notice for every configured channel, each under its
// notify.DedupKey, and returns the Alertmanager alerts it fires or
// resolves. A channel whose notice cannot be composed gets an item given up
// from the start (so the store shows what was lost, and why); the other
// channels' items are not affected.
func (s *service) items(env *noticeEnv, n notify.Notice, p track.Notice) ([]track.OutboxItem, []notify.Alert) {
	nc := env.cfg.Notify
	cfg := notify.Config{
		From:       nc.Sender(s.d.Host),
		To:         nc.To,
		HTML:       nc.HTML,
		Renotify:   nc.Renotify,
		Location:   env.loc,
		ConfigPath: env.cfg.File,
	}
	now := p.CreatedAt
	var items []track.OutboxItem
	add := func(sink string, rcpts []string, compose func() ([]byte, error)) {
		it := track.OutboxItem{DedupKey: notify.DedupKey(n, sink), Kind: string(n.Kind), IncidentID: n.Incident.ID,
			Sink: sink, Recipients: rcpts, CreatedAt: now}
		payload, err := compose()
		if err != nil {
			s.log.Error("NOTICE LOST: composing it failed on one channel; the others still get it",
				zap.String("sink", sink), zap.String("notice", it.DedupKey), zap.Error(err))
			s.d.Metrics.notices.WithLabelValues(sink, string(notify.ResultFailed)).Inc()
			it.FailedAt, it.LastError = now, "composing: "+err.Error()
		}
		it.Payload = payload
		items = append(items, it)
	}
	if len(cfg.To) > 0 && s.hasSink(SinkEmail) {
		add(SinkEmail, config.Envelope(cfg.To), func() ([]byte, error) {
			return notify.Compose(n, cfg, now, p.MessageID)
		})
	}
	if w := nc.Webhook; w.URL != "" && s.hasSink(SinkWebhook) {
		add(SinkWebhook, nil, func() ([]byte, error) { return notify.WebhookPayload(n, cfg, now, w.Format) })
	}
	var alerts []notify.Alert
	// Alertmanager hears of listings; a failing resolver is for the
	// Prometheus rules on rblwatch's metrics (prometheus/rules.yml), and
	// a backlog summary's incidents were over before anyone could be told
	// (nothing fires; notify.Alerts).
	if len(nc.Alertmanager.URLs) > 0 && s.hasSink(SinkAlertmanager) && n.Kind != notify.KindResolver && n.Kind != notify.KindBacklog {
		var err error
		alerts, err = notify.Alerts(n, cfg, now)
		// A digest only refreshes the firing alerts' annotations: the
		// alert itself was posted with the opened notice, and the lane
		// posts it again every minute.
		if n.Kind != notify.KindDigest || err != nil {
			add(SinkAlertmanager, nil, func() ([]byte, error) {
				if err != nil {
					return nil, err
				}
				return json.Marshal(alerts)
			})
		}
	}
	switch {
	case len(items) > 0:
	case n.Kind == notify.KindBacklog && len(nc.Alertmanager.URLs) > 0:
		s.log.Info("a backlog summary goes by email and webhook only, neither is set: the incidents it names are in rblwatch incidents",
			zap.String("notice", notify.NoticeKey(n)))
	default:
		s.log.Warn("nobody to tell: set notify.to, notify.webhook.url or notify.alertmanager.urls", zap.String("notice", notify.NoticeKey(n)))
	}
	return items, alerts
}

// firingAlerts returns the alerts that fire now, for the Alertmanager
// lane's refresh.
func (s *service) firingAlerts(ctx context.Context) ([]notify.Alert, error) {
	rows, err := s.d.Store.Alerts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Alert, 0, len(rows))
	for _, r := range rows {
		var a notify.Alert
		if err := json.Unmarshal(r, &a); err != nil {
			s.log.Warn("an unreadable stored alert", zap.Error(err))
			continue
		}
		if up, ok := s.escalated(ctx, a); ok {
			// Severity is a label, so the critical alert is another
			// alert to Alertmanager: resolve the warning one now rather
			// than leave it firing until its endsAt.
			old := a
			old.EndsAt = s.d.Now().UTC()
			if !old.StartsAt.IsZero() && !old.EndsAt.After(old.StartsAt) {
				old.EndsAt = old.StartsAt.Add(time.Second)
			}
			out = append(out, old)
			a = up
		}
		out = append(out, a)
	}
	return out, nil
}

// escalated returns the stored warning alert of an incident seen in the
// log as critical when the incident has bounced mail since (the first
// reply was a deferral), and stores it so; ok is false otherwise.
func (s *service) escalated(ctx context.Context, a notify.Alert) (notify.Alert, bool) {
	id := a.Annotations["incident_id"]
	if a.Labels["source"] != notify.AlertSourceLog || a.Labels["severity"] != "warning" || id == "" {
		return a, false
	}
	inc, ok, err := s.d.Store.Incident(ctx, id)
	if err != nil || !ok || inc.Status == incident.Cleared || notify.AlertSeverity(inc) != "critical" {
		return a, false
	}
	up := a
	up.Labels = maps.Clone(a.Labels)
	up.Labels["severity"] = "critical"
	b, _ := json.Marshal(up)
	if err := s.d.Store.Tx(ctx, func(tx *track.Tx) error { return tx.SetAlert(up.Key(), b, s.d.Now()) }); err != nil {
		s.log.Warn("storing an escalated alert", zap.Error(err))
		return a, false
	}
	return up, true
}

// firstReply is the remote's reply in the incident's first log line.
func firstReply(inc incident.Incident) string {
	if len(inc.Samples) == 0 {
		return ""
	}
	var r postfixlog.Record
	if postfixlog.NewParser(inc.FirstSeen, time.UTC).Parse(inc.Samples[0], &r) != nil {
		return ""
	}
	return r.Reply.Text
}

// providerOf is the catalog entry a notice shows for an incident: its
// provider's, or for lists the replies name that the catalog does not
// know, those lists under their names, as explain shows one (issue 12.6).
func providerOf(cat *classify.Catalog, inc incident.Incident) *classify.Provider {
	if inc.Provider == classify.Unknown {
		names := inc.Lists
		if len(names) == 0 {
			names = []string{inc.Verdict.List}
		}
		if p := cat.NamedLists(names); p != nil {
			return p
		}
	}
	return cat.Provider(inc.Provider)
}

// verify looks the listed target of an incident up at its provider's zones,
// within twice the resolver's timeout. A provider without a public list
// gets a "nolist" check, so the notice can say to use its portal.
func (s *service) verify(ctx context.Context, env *noticeEnv, k incident.Key) []notify.Check {
	if env.resolver == nil {
		return nil
	}
	p := env.cat.Provider(k.Provider)
	switch {
	case p == nil || k.Listed == "" || p.ID == classify.Unknown:
		// (an unnamed list, or one the catalog does not know: no zone
		// to ask, and no portal either)
		return nil
	case len(p.Zones) == 0:
		return []notify.Check{{Status: notify.CheckNoList}}
	}
	zones := env.zonesOf(k.Provider, k.Listed)
	if len(zones) == 0 {
		return nil
	}
	timeout := env.cfg.DNSBL.Timeout
	if timeout <= 0 {
		timeout = dnsbl.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	// With the zones' RFC 5782 test points: a dead or mistyped zone could
	// not check, rather than "not listed".
	results := dnsbl.CheckRound(ctx, s.log, env.resolver, dnsbl.NewHealth(), zones, k.Listed, s.d.Now())
	checks := make([]notify.Check, 0, len(results))
	for _, r := range results {
		if !r.NoIPv6 { // an ipv4_only zone is not asked about an IPv6 address
			s.d.Metrics.dnsChecks.WithLabelValues(string(r.Status)).Inc()
		}
		checks = append(checks, notify.CheckOf(r))
	}
	return checks
}

// zonesOf returns the enabled zones of provider id that fit the target.
func (e *noticeEnv) zonesOf(id, target string) []dnsbl.Zone {
	p := e.cat.Provider(id)
	t, err := dnsbl.ParseTarget(target)
	if p == nil || err != nil {
		return nil
	}
	var out []dnsbl.Zone
	for _, z := range e.zones {
		if z.Domain == t.IsDomain() && slices.ContainsFunc(p.Zones, func(pz dnsbl.Zone) bool { return pz.Name == z.Name }) {
			out = append(out, z)
		}
	}
	return out
}
