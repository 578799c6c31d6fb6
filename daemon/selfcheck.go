package daemon

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// The self-check looks our own sending IPs and domains up in every enabled
// zone every dnsbl.interval, and tells the postmaster when a provider starts
// or stops listing one of them. A state changes only on a definite answer
// (see providerStates): lookup errors keep the stored state. Its state lives
// in the store's meta table:
//
//	selfcheck/last                         time of the last completed check (RFC 3339)
//	selfcheck/state/<provider>/<target>    "listed" or "clean"
//	selfcheck/since/<provider>/<target>    when the listing was first seen
//	selfcheck/seq/<provider>/<target>      transitions so far (part of the findings' ids)
//
// The DNS queries run in a goroutine with inputs captured by the main loop;
// the results come back to the main loop, which alone compares and records
// one notice for the round's findings (composed beside it, see notices.go).

const metaLast = "selfcheck/last"

// selfCheckResult is one completed self-check.
type selfCheckResult struct {
	at      time.Time
	results map[string][]dnsbl.Result // target → results, zone order
}

// maybeSelfCheck starts a self-check when one is due and none is running.
func (s *service) maybeSelfCheck(ctx context.Context, now time.Time) {
	interval := s.cfg.DNSBL.Interval
	if s.resolver == nil || interval <= 0 || s.selfRunning {
		return
	}
	if s.selfWaiting = s.readingBack(); s.selfWaiting {
		return // a fresh start's read-back first: our listed notices in it count
	}
	targets := s.selfTargets()
	if len(targets) == 0 {
		return
	}
	if !s.selfDue.IsZero() && now.Before(s.selfDue) {
		return
	}
	if s.selfDue.IsZero() {
		// First look since the start: continue the stored schedule.
		if v, ok, err := s.d.Store.GetMeta(ctx, metaLast); err == nil && ok {
			if last, err := time.Parse(time.RFC3339Nano, v); err == nil && now.Before(last.Add(interval)) {
				s.selfDue = last.Add(interval)
				return
			}
		}
	}
	s.selfRunning = true
	// The next run is due one interval after this one was due, so a tick
	// that comes a little early does not push it a whole interval later.
	next := s.selfDue.Add(interval)
	if s.selfDue.IsZero() || !next.After(now) {
		next = now.Add(interval)
	}
	s.selfDue = next
	zones, res, log, timeout, clock := s.zones, s.resolver, s.log, s.timeout(), s.d.Now
	go func() {
		out := selfCheckResult{results: map[string][]dnsbl.Result{}}
		// Each zone's RFC 5782 test point is looked up once a round: a
		// zone that fails it (dead, mistyped, a resolver answering
		// NXDOMAIN for everything) gives errors, never "not listed".
		health := dnsbl.NewHealth()
		for _, target := range targets {
			t, err := dnsbl.ParseTarget(target)
			if err != nil {
				continue
			}
			picked, _ := dnsbl.Select(zones, nil, t)
			cctx, cancel := context.WithTimeout(ctx, 3*timeout)
			out.results[target] = dnsbl.CheckRound(cctx, log, res, health, picked, target, clock())
			cancel()
		}
		out.at = clock()
		select {
		case s.selfResults <- out:
		case <-ctx.Done():
		}
	}()
}

// selfTargets lists our sending IPs and domains.
func (s *service) selfTargets() []string {
	var out []string
	for _, ip := range s.cfg.SendingIPs {
		out = append(out, ip.String())
	}
	return append(out, s.cfg.SendingDomains...)
}

// providerState is what the self-check concluded about one provider and
// target.
type providerState struct {
	provider string
	target   string
	listed   bool
	// unsure is set when no zone lists the target and some zone could not
	// tell (timeout, SERVFAIL, REFUSED, a refusal code): the provider's
	// state is unknown and the stored one stands.
	unsure bool
	checks []notify.Check
}

// providerStates folds the results of one target into one state per
// provider: listed when some zone lists it (a definite answer, whatever the
// other zones say), clean when every zone answers clean, and unsure
// otherwise — an error never counts as clean, so a zone that fails beside
// others answering NXDOMAIN cannot make a listing look gone.
func (s *service) providerStates(target string, results []dnsbl.Result) []providerState {
	byProvider := map[string]*providerState{}
	var order []string
	for _, res := range results {
		prov := s.providerOfZone(res.Zone)
		ps := byProvider[prov]
		if ps == nil {
			ps = &providerState{provider: prov, target: target}
			byProvider[prov] = ps
			order = append(order, prov)
		}
		switch res.Status {
		case dnsbl.StatusListed:
			ps.listed = true
		case dnsbl.StatusError:
			ps.unsure = true
		}
		ps.checks = append(ps.checks, notify.CheckOf(res))
	}
	out := make([]providerState, 0, len(order))
	for _, prov := range order {
		ps := byProvider[prov]
		if ps.listed {
			ps.unsure = false
		}
		out = append(out, *ps)
	}
	return out
}

// applySelfCheck compares a completed self-check with the stored state and
// commits the transitions with their notices. A provider the check could
// not decide keeps its stored state.
func (s *service) applySelfCheck(ctx context.Context, r selfCheckResult) error {
	s.selfRunning = false
	s.d.Metrics.selfCheck(r.at, r.results, s.providerOfZone)
	s.zoneHealth(r)
	var states []providerState
	unsure := 0
	for target, results := range r.results {
		for _, ps := range s.providerStates(target, results) {
			if ps.unsure {
				unsure++
				s.log.Debug("self-check: could not tell", zap.String("provider", ps.provider), zap.String("target", ps.target))
				continue
			}
			states = append(states, ps)
		}
	}
	slices.SortFunc(states, func(a, b providerState) int {
		return strings.Compare(a.provider+"/"+a.target, b.provider+"/"+b.target)
	})
	var kicked bool
	err := s.d.Store.Tx(ctx, func(tx *track.Tx) error {
		var findings []noticeRecord
		for _, ps := range states {
			f, err := s.transition(tx, ps, r.at)
			if err != nil {
				return err
			}
			if f != nil {
				findings = append(findings, *f)
			}
		}
		var err error
		if kicked, err = s.recordRound(tx, findings, r.at); err != nil {
			return err
		}
		inserted, err := s.resolverHealth(tx, r)
		if err != nil {
			return err
		}
		kicked = kicked || inserted
		return tx.SetMeta(metaLast, r.at.UTC().Format(time.RFC3339Nano))
	})
	if err != nil {
		return fmt.Errorf("daemon: committing the self-check: %w", err)
	}
	s.ownSelf = nil // the read-back's word on listings is taken
	s.log.Info("self-check done", zap.Int("targets", len(r.results)), zap.Int("providers", len(states)), zap.Int("undecided", unsure))
	if kicked {
		s.kickComposer()
	}
	return nil
}

// zoneHealth warns of the zones that fail their RFC 5782 test point (dead,
// mistyped, a resolver answering NXDOMAIN for everything): their answers
// are errors (counted in rblwatch_dnsbl_lookups_total{status="error"}) and
// keep each provider's last state. Each zone is warned of once when it
// starts failing, and logged when it answers its test point again.
func (s *service) zoneHealth(r selfCheckResult) {
	now := map[string]string{}
	answered := map[string]bool{}
	for _, rs := range r.results {
		for _, res := range rs {
			switch {
			case errors.Is(res.Err, dnsbl.ErrUnhealthy):
				now[res.Zone] = res.Reason
			case res.Status != dnsbl.StatusError && !res.NoIPv6: // an ipv4_only zone not asked says nothing of it
				answered[res.Zone] = true
			}
		}
	}
	for _, zone := range slices.Sorted(maps.Keys(now)) {
		if _, known := s.deadZones[zone]; !known {
			s.log.Warn("self-check: the zone fails its RFC 5782 test point: its answers count as errors, its providers keep their last state",
				zap.String("zone", zone), zap.String("provider", s.providerOfZone(zone)), zap.String("error", now[zone]))
		}
	}
	for zone := range s.deadZones {
		if _, still := now[zone]; !still && answered[zone] {
			s.log.Info("self-check: the zone answers its RFC 5782 test point again", zap.String("zone", zone))
		} else if !still {
			now[zone] = s.deadZones[zone] // not asked, or an error this round: no news
		}
	}
	s.deadZones = now
}

// transition records one provider's state for one target and returns the
// finding to tell when it changed (or when a first check finds a listing).
func (s *service) transition(tx *track.Tx, ps providerState, at time.Time) (*noticeRecord, error) {
	base := ps.provider + "/" + ps.target
	prev, _, err := tx.GetMeta("selfcheck/state/" + base)
	if err != nil {
		return nil, err
	}
	now := "clean"
	if ps.listed {
		now = "listed"
	}
	if prev == "" && now == "listed" && s.ownSelf != nil {
		if known, err := s.selfAnnounced(tx, ps.provider, ps.target); err != nil || known {
			return nil, err
		}
	}
	if prev == now || (prev == "" && now == "clean") {
		if prev == "" {
			return nil, tx.SetMeta("selfcheck/state/"+base, now)
		}
		return nil, nil
	}
	seqText, _, err := tx.GetMeta("selfcheck/seq/" + base)
	if err != nil {
		return nil, err
	}
	seq, _ := strconv.Atoi(seqText)
	seq++
	since := at
	if v, ok, err := tx.GetMeta("selfcheck/since/" + base); err != nil {
		return nil, err
	} else if ok && !ps.listed {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			since = t
		}
	}
	for k, v := range map[string]string{
		"selfcheck/state/" + base: now,
		"selfcheck/seq/" + base:   strconv.Itoa(seq),
		"selfcheck/since/" + base: since.UTC().Format(time.RFC3339Nano),
	} {
		if err := tx.SetMeta(k, v); err != nil {
			return nil, err
		}
	}
	kind := notify.KindListed
	inc := incident.Incident{
		ID:        fmt.Sprintf("selfcheck-%s-%s-%d", ps.provider, ps.target, seq),
		Key:       incident.Key{Provider: ps.provider, Listed: ps.target},
		Status:    incident.Ongoing,
		FirstSeen: since,
		LastSeen:  at,
	}
	if !ps.listed {
		kind = notify.KindDelisted
		inc.Status, inc.ClearedAt, inc.ClearedBy = incident.Cleared, at, "delisted"
	} else if err := s.recentSenders(tx, &inc, ps.target, at); err != nil {
		return nil, err
	}
	s.log.Info("self-check: "+string(kind), zap.String("provider", ps.provider), zap.String("target", ps.target))
	s.d.Metrics.events.WithLabelValues(string(kind)).Inc()
	return &noticeRecord{Kind: kind, Incident: inc, Checks: ps.checks}, nil
}

// whoWindow is how far back a self-check listing looks for who sent the
// mail (issue 11.2): the hours before the listing was found.
const whoWindow = 24 * time.Hour

// recentSenders puts who sent most mail in the whoWindow before at into
// inc.Senders: all the mail that left this host (or is still trying to)
// for a listed address (the log does not say which address a message left
// from), the mail from that domain for a listed domain.
func (s *service) recentSenders(tx *track.Tx, inc *incident.Incident, target string, at time.Time) error {
	domain := ""
	if _, err := netip.ParseAddr(target); err != nil {
		domain = target
	}
	w, err := tx.RecentSenders(at.Add(-whoWindow), at, domain, incident.MaxSenders)
	if err != nil {
		return err
	}
	inc.Senders = w
	return nil
}

// Resolver health, in the meta table:
//
//	resolver/since     the first of the self-checks in a row that got no DNS answer at all (RFC 3339)
//	resolver/rounds    how many such self-checks in a row
//	resolver/notified  "1" once the postmaster was told of this stretch
const (
	metaResolverSince    = "resolver/since"
	metaResolverRounds   = "resolver/rounds"
	metaResolverNotified = "resolver/notified"
)

// failedRound reports whether a self-check asked something and got no
// definite answer at all, and returns an error of it for the log. Zones
// that fail their RFC 5782 test point count as no answer: when every zone
// fails it, the self-check is blind (most often a resolver answering
// NXDOMAIN for everything), and the postmaster must hear of that as of a
// resolver that does not answer; one dead zone beside others that answer
// only gets zoneHealth's warning.
func failedRound(results map[string][]dnsbl.Result) (bool, string) {
	asked, example := false, ""
	for _, rs := range results {
		for _, r := range rs {
			if r.NoIPv6 {
				continue // nothing was asked (an ipv4_only zone)
			}
			asked = true
			if r.Status != dnsbl.StatusError {
				return false, ""
			}
			if example == "" {
				example = r.Reason
			}
		}
	}
	return asked, example
}

// resolverHealth follows the self-checks that get no DNS answer at all: each
// is logged as a warning and counted; after dnsbl.resolver_failures of them
// in a row the postmaster is told, once per stretch, and told again when a
// self-check gets an answer. The stretch is kept in the store, so a restart
// neither forgets nor repeats it. It reports whether it enqueued a notice.
func (s *service) resolverHealth(tx *track.Tx, r selfCheckResult) (bool, error) {
	failed, example := failedRound(r.results)
	get := func(k string) (string, error) { v, _, err := tx.GetMeta(k); return v, err }
	roundsText, err := get(metaResolverRounds)
	if err != nil {
		return false, err
	}
	sinceText, err := get(metaResolverSince)
	if err != nil {
		return false, err
	}
	notified, err := get(metaResolverNotified)
	if err != nil {
		return false, err
	}
	rounds, _ := strconv.Atoi(roundsText)
	since, err := time.Parse(time.RFC3339Nano, sinceText)
	if err != nil {
		since = r.at
	}
	server := ""
	if s.resolver != nil {
		server = s.resolver.Server
	}
	state := notify.ResolverState{Server: server, Since: since, At: r.at, Error: example}

	if !failed {
		if rounds == 0 {
			return false, nil
		}
		s.log.Info("self-check: DNS answers again", zap.String("resolver", server), zap.Int("failed_checks", rounds), zap.Time("since", since))
		for _, k := range []string{metaResolverRounds, metaResolverSince, metaResolverNotified} {
			if err := tx.SetMeta(k, ""); err != nil {
				return false, err
			}
		}
		if notified != "1" {
			return false, nil
		}
		state.Rounds = rounds
		return s.enqueueResolver(tx, state)
	}

	rounds++
	s.d.Metrics.selfFailed.Inc()
	s.log.Warn("self-check: no DNS answer at all", zap.String("resolver", server), zap.Int("failed_checks", rounds),
		zap.Time("since", since), zap.String("error", example))
	if err := tx.SetMeta(metaResolverRounds, strconv.Itoa(rounds)); err != nil {
		return false, err
	}
	if err := tx.SetMeta(metaResolverSince, since.UTC().Format(time.RFC3339Nano)); err != nil {
		return false, err
	}
	limit := s.cfg.DNSBL.ResolverFailures
	if limit <= 0 || rounds < limit || notified == "1" {
		return false, nil
	}
	if err := tx.SetMeta(metaResolverNotified, "1"); err != nil {
		return false, err
	}
	s.log.Error("the DNS resolver answers no block list lookup: telling the postmaster", zap.String("resolver", server), zap.Int("failed_checks", rounds))
	state.Failing, state.Rounds = true, rounds
	return s.enqueueResolver(tx, state)
}

// enqueueResolver records a resolver notice (composed for every channel
// beside the loop, see notices.go).
func (s *service) enqueueResolver(tx *track.Tx, state notify.ResolverState) (bool, error) {
	rec := noticeRecord{
		Kind:     notify.KindResolver,
		Incident: incident.Incident{ID: "resolver-" + state.Since.UTC().Format("20060102T150405Z")},
		Resolver: &state,
	}
	inserted, err := s.recordNotice(tx, rec, "", state.At)
	if err != nil {
		return false, err
	}
	s.d.Metrics.events.WithLabelValues(string(notify.KindResolver)).Inc()
	return inserted, nil
}

// providerOfZone names the catalog provider that owns a zone.
func (s *service) providerOfZone(zone string) string {
	for _, p := range s.cat.Providers() {
		for _, z := range p.Zones {
			if z.Name == zone {
				return p.ID
			}
		}
	}
	return "unknown"
}
