package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// Channels: the outbox lanes. Every notice gets one outbox item per
// configured channel, composed, retried and delivered on its own.
const (
	SinkEmail        = "email"        // SMTP or sendmail
	SinkWebhook      = "webhook"      // notify.webhook.url
	SinkAlertmanager = "alertmanager" // notify.alertmanager.urls
)

// Sinks lists the channels in a stable order.
var Sinks = []string{SinkEmail, SinkWebhook, SinkAlertmanager}

// queue adapts the store's outbox to notify.Queue.
type queue struct{ s *track.Store }

func (q queue) Claim(ctx context.Context, sink string, now time.Time, owner string, lease time.Duration) (notify.Item, bool, error) {
	it, ok, err := q.s.Claim(ctx, sink, now, owner, lease)
	if err != nil || !ok {
		return notify.Item{}, false, err
	}
	return notify.Item{
		ID: it.ID, Kind: it.Kind, IncidentID: it.IncidentID, Sink: it.Sink,
		Recipients: it.Recipients, Payload: it.Payload, CreatedAt: it.CreatedAt, Attempts: it.Attempts,
	}, true, nil
}

func (q queue) MarkSent(ctx context.Context, id int64, now time.Time) error {
	return q.s.MarkSent(ctx, id, now)
}

func (q queue) MarkFailed(ctx context.Context, id int64, now time.Time, errText string) error {
	return q.s.MarkFailed(ctx, id, now, errText)
}

func (q queue) MarkRetry(ctx context.Context, id int64, attempts int, next time.Time, errText string) error {
	return q.s.MarkRetry(ctx, id, attempts, next, errText)
}

func (q queue) MarkPartial(ctx context.Context, id int64, attempts int, next time.Time, rcpts []string, errText string) error {
	return q.s.MarkPartial(ctx, id, attempts, next, rcpts, errText)
}

// newWorker returns the outbox worker over the store: one lane per
// channel. Claims left by an earlier run of this host that ended are
// released first, so its notices go out at once.
func (s *service) newWorker(ctx context.Context) *notify.Worker {
	m := s.d.Metrics
	owner := claimOwner(s.d.Host)
	if n, err := s.d.Store.ReleaseClaims(ctx, func(o string) bool { return claimHeld(o, owner) }); err != nil {
		s.log.Warn("releasing the outbox claims of an earlier run", zap.Error(err))
	} else if n > 0 {
		s.log.Info("released the outbox claims of an earlier run", zap.Int("items", n))
	}
	return &notify.Worker{
		Queue: queue{s.d.Store},
		Sinks: s.switches(),
		Log:   s.log.Named("outbox"),
		Owner: owner,
		Now:   s.d.Now,
		OnResult: func(sink string, r notify.Result) {
			m.notices.WithLabelValues(sink, string(r)).Inc()
		},
	}
}

// claimOwner names this process in outbox claims: "host/pid/nonce".
func claimOwner(host string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", strings.ReplaceAll(host, "/", "_"), os.Getpid(), hex.EncodeToString(b[:]))
}

// claimHeld reports whether the sender that made claims as owner may still
// hold them, seen from the process that is me: a process of another host,
// or a live process of this host, may; an earlier process of this host
// that has ended does not. A reused process id errs on the safe side (the
// claim then lasts until its lease runs out).
func claimHeld(owner, me string) bool {
	if owner == me {
		return true
	}
	host, rest, ok := strings.Cut(owner, "/")
	myHost, myRest, _ := strings.Cut(me, "/")
	if !ok || host != myHost {
		return true
	}
	pidText, _, _ := strings.Cut(rest, "/")
	myPID, _, _ := strings.Cut(myRest, "/")
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 {
		return true
	}
	if pidText == myPID {
		return false // this process id is mine, with another nonce: an earlier process
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// sinkSwitch delivers through the transport configured now: the worker holds
// the switch, a configuration reload changes what is behind it.
type sinkSwitch struct {
	name string
	cur  atomic.Pointer[transportBox]
}

type transportBox struct{ t notify.Transport }

func (w *sinkSwitch) Deliver(ctx context.Context, it notify.Item) error {
	b := w.cur.Load()
	if b == nil || b.t == nil {
		return &notify.SendError{Sink: w.name, Temp: true, Err: fmt.Errorf("daemon: no %s sink is configured", w.name)}
	}
	return b.t.Deliver(ctx, it)
}

// Refresh lets the transport behind the switch repeat what it must (the
// Alertmanager's firing alerts); a switch to anything else has nothing to
// repeat.
func (w *sinkSwitch) Refresh(ctx context.Context, now time.Time) time.Time {
	if b := w.cur.Load(); b != nil {
		if r, ok := b.t.(notify.Refresher); ok {
			return r.Refresh(ctx, now)
		}
	}
	return now.Add(notify.DefaultAlertRepeat)
}

// switches returns the worker's lanes: one switch per channel, set to the
// transports of Deps.Sinks.
func (s *service) switches() map[string]notify.Transport {
	s.sinkSwitches = map[string]*sinkSwitch{}
	out := map[string]notify.Transport{}
	for _, name := range Sinks {
		w := &sinkSwitch{name: name}
		s.sinkSwitches[name] = w
		out[name] = w
	}
	s.setSinks(s.d.Sinks)
	return out
}

// setSinks puts new transports behind the switches. An Alertmanager
// transport gets the store's firing alerts to post again, and the daemon's
// clock.
func (s *service) setSinks(sinks map[string]notify.Transport) {
	for name, w := range s.sinkSwitches {
		t := sinks[name]
		if am, ok := t.(*notify.Alertmanager); ok {
			if am.Firing == nil {
				am.Firing = s.firingAlerts
			}
			if am.Now == nil {
				am.Now = s.d.Now
			}
			if am.OnRefresh == nil {
				log := s.log.Named("alertmanager")
				am.OnRefresh = func(alerts int, err error) {
					if err != nil {
						log.Warn("posting the firing alerts again failed; the next try is in a minute", zap.Int("alerts", alerts), zap.Error(err))
					}
				}
			}
		}
		w.cur.Store(&transportBox{t})
	}
}

// hasSink reports whether a transport is configured for the channel.
func (s *service) hasSink(name string) bool {
	if w := s.sinkSwitches[name]; w != nil {
		b := w.cur.Load()
		return b != nil && b.t != nil
	}
	return s.d.Sinks[name] != nil
}
