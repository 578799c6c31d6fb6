package daemon

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// verifyWait bounds how long composing the first notice waits for the DNS
// verification started when the incident opened (with the default 30 s
// aggregation window it is long done).
const verifyWait = 3 * time.Second

// notices composes the outbox items for one incident event.
func (s *service) notices(ctx context.Context, ev incident.Event, now time.Time) ([]track.OutboxItem, error) {
	kind, err := notify.KindOf(ev.Kind)
	if err != nil {
		return nil, err
	}
	inc := ev.Incident
	n := notify.Notice{
		Kind:     kind,
		Incident: inc,
		Provider: s.cat.Provider(inc.Provider),
		Via:      s.cat.Provider(inc.Verdict.Via),
		Reply:    firstReply(inc),
		Lang:     s.cfg.Notify.Language,
		Role:     s.cfg.Role,
		Host:     s.d.Host,
	}
	if prev, ok := s.previous[inc.ID]; ok && kind == notify.KindDigest {
		n.Previous = &prev
	}
	switch kind {
	case notify.KindOpened:
		n.Checks = s.awaitVerification(ctx, inc)
	case notify.KindCleared:
		// Say whether the list still names us: a quiet period is not a
		// delisting.
		n.Checks = s.verifyNow(ctx, inc)
	}
	return s.items(n, now), nil
}

// items composes a notice for every configured channel, each under its
// notify.DedupKey. A channel whose notice cannot be composed gets an item
// given up from the start (so the store shows what was lost, and why);
// the other channels' items are not affected.
func (s *service) items(n notify.Notice, now time.Time) []track.OutboxItem {
	cfg := notify.Config{
		From:     s.cfg.Notify.Sender(s.d.Host),
		To:       s.cfg.Notify.To,
		HTML:     s.cfg.Notify.HTML,
		Renotify: s.cfg.Notify.Renotify,
		Location: s.loc,
	}
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
			return notify.Compose(n, cfg, now, notify.MessageID(n, now, s.d.Host))
		})
	}
	if w := s.cfg.Notify.Webhook; w.URL != "" && s.hasSink(SinkWebhook) {
		add(SinkWebhook, nil, func() ([]byte, error) { return notify.WebhookPayload(n, cfg, now, w.Format) })
	}
	if len(items) == 0 {
		s.log.Warn("nobody to tell: set notify.to, notify.webhook.url or notify.alertmanager.urls", zap.String("notice", notify.NoticeKey(n)))
	}
	return items
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

// startVerifications starts a DNS check for each incident that has none:
// the listed IP or domain at the provider's own zones.
func (s *service) startVerifications(ctx context.Context) {
	if s.d.Resolver == nil {
		return
	}
	for _, ref := range s.tracker.ActiveRefs() {
		s.checksMu.Lock()
		_, ok := s.checks[ref.ID]
		if !ok {
			v := &verification{done: make(chan struct{})}
			s.checks[ref.ID] = v
			check := s.verifier(ref.Key)
			go func() {
				defer close(v.done)
				v.result = check(context.WithoutCancel(ctx))
			}()
		}
		s.checksMu.Unlock()
	}
}

// awaitVerification returns the DNS check started when the incident opened,
// waiting for it a little, or runs one now.
func (s *service) awaitVerification(ctx context.Context, inc incident.Incident) []notify.Check {
	s.checksMu.Lock()
	v := s.checks[inc.ID]
	s.checksMu.Unlock()
	if v == nil {
		return s.verifyNow(ctx, inc)
	}
	timer := time.NewTimer(verifyWait)
	defer timer.Stop()
	select {
	case <-v.done:
		return v.result
	case <-timer.C:
		return []notify.Check{{Status: notify.CheckError, Error: "the DNS check did not finish in time"}}
	case <-ctx.Done():
		return nil
	}
}

func (s *service) forgetVerification(id string) {
	s.checksMu.Lock()
	delete(s.checks, id)
	s.checksMu.Unlock()
}

// verifyNow checks the incident's listing now.
func (s *service) verifyNow(ctx context.Context, inc incident.Incident) []notify.Check {
	if s.d.Resolver == nil {
		return nil
	}
	return s.verifier(inc.Key)(ctx)
}

// verifier returns a function that looks the listed target up at the
// provider's zones. It captures everything it needs, so it may run in
// another goroutine while the main loop reloads the configuration. A
// provider without a public list gets a "nolist" check, so the notice can
// say to use its portal.
func (s *service) verifier(k incident.Key) func(context.Context) []notify.Check {
	p := s.cat.Provider(k.Provider)
	switch {
	case p == nil || k.Listed == "":
		return func(context.Context) []notify.Check { return nil }
	case len(p.Zones) == 0:
		return func(context.Context) []notify.Check { return []notify.Check{{Status: notify.CheckNoList}} }
	}
	zones := s.zonesOf(k.Provider, k.Listed)
	res, log, now, timeout, m := s.d.Resolver, s.log, s.d.Now, s.timeout(), s.d.Metrics
	target := k.Listed
	return func(ctx context.Context) []notify.Check {
		if len(zones) == 0 {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, 2*timeout)
		defer cancel()
		results := dnsbl.Check(ctx, log, res, zones, target, now())
		checks := make([]notify.Check, 0, len(results))
		for _, r := range results {
			c := notify.Check{Zone: r.Zone, Meaning: r.Meaning, TXT: r.TXT, Status: notify.CheckStatus(r.Status)}
			if r.Status == dnsbl.StatusError {
				c.Error = r.Reason
				if c.Error == "" && r.Err != nil {
					c.Error = r.Err.Error()
				}
			}
			m.dnsChecks.WithLabelValues(string(r.Status)).Inc()
			checks = append(checks, c)
		}
		return checks
	}
}

func (s *service) timeout() time.Duration {
	if s.cfg.DNSBL.Timeout > 0 {
		return s.cfg.DNSBL.Timeout
	}
	return dnsbl.DefaultTimeout
}
