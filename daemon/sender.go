package daemon

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// The early notice to a sender (issue 11.3, notify.sender_notice): when a
// receiver defers or bounces a local sender's message because of a
// blocklist, that sender hears of it within minutes, in plain words, rather
// than from Postfix's delay warning hours later. The loop notes the
// refusals (noteSender: one map lookup, for blocklist refusals only); the
// batch's transaction decides and enqueues (tellSenders), beside the loop.

// senderMaxAge: a refusal older than this when read (a backlog read at the
// start) is not told to its sender; it would no longer be news.
const senderMaxAge = 30 * time.Minute

// senderCand is a blocklist refusal whose sender may be told.
type senderCand struct {
	sub      incident.Submission
	qid      string // the queue id the refusal was logged under
	to       string
	at       time.Time
	bounced  bool
	provider string
	reply    string
}

// noteSender keeps a blocklist deferral or bounce of a message whose sender
// the log named, for the batch's transaction (see tellSenders), and lets
// go of those whose recipient got the message after all (a delivery later
// in the batch, or in the backlog: process holds the refusals while it
// reads one). Called by process for every record, after the tracker saw
// it; now is the wall clock.
func (s *service) noteSender(rec *postfixlog.Record, v *classify.Verdict, now time.Time) {
	if rec.Kind != postfixlog.KindDelivery || !s.cfg.Notify.SenderNotice.Enabled() {
		return
	}
	if rec.Status == "sent" {
		if len(s.senderCands) > 0 {
			s.dropDelivered(rec)
		}
		return
	}
	if v == nil || v.Category != classify.Blocklist || v.Provider == "" || v.ReceiverFault ||
		rec.Status != "deferred" && rec.Status != "bounced" {
		return
	}
	if s.tracker.CatchingUp() && now.Sub(rec.Time) > senderMaxAge {
		return // too old to be told (senderRefusal): not held while a backlog is read
	}
	sub, ok := s.tracker.Submitted(rec.QueueID)
	if !ok || !sub.FromKnown {
		return
	}
	s.senderCands = append(s.senderCands, senderCand{sub: sub, qid: rec.QueueID, to: rec.To, at: rec.Time,
		bounced: rec.Status == "bounced", provider: v.Provider, reply: rec.Reply.Text})
}

// dropDelivered lets go of the refusals noted for the recipient of the
// delivery rec: under its queue id, or under one it was queued again from
// (postsuper -r). A content filter's hand-over (sent … queued as) is no
// delivery: Postfix may log it after the copy queued again was refused.
func (s *service) dropDelivered(rec *postfixlog.Record) {
	_, _, via, linked := rec.Link()
	handover := linked && via == postfixlog.ViaFilter
	kept := s.senderCands[:0]
	for _, c := range s.senderCands {
		if (c.qid == rec.QueueID || !handover && s.tracker.Follows(rec.QueueID, c.qid)) && strings.EqualFold(c.to, rec.To) {
			s.log.Debug("sender not told", zap.String("queue_id", c.sub.QueueID), zap.String("sender", c.sub.From),
				zap.String("to", c.to), zap.String("reason", "delivered since"))
			continue
		}
		kept = append(kept, c)
	}
	clear(s.senderCands[len(kept):])
	s.senderCands = kept
}

// takeSenderCands returns the refusals noted by noteSender and starts a
// new list.
func (s *service) takeSenderCands() []senderCand {
	c := s.senderCands
	s.senderCands = nil
	return c
}

// senderRefusal says why the sender of c is not told ("": it may be),
// before the rate limit: the anti-backscatter rules of
// notify.sender_notice. login is the message's SASL login (the log's, else
// the milter's); self is notify.from's address.
func senderRefusal(c senderCand, sn config.SenderNotice, login, self string, now time.Time) string {
	from := strings.ToLower(c.sub.From)
	at := strings.LastIndexByte(from, '@')
	switch {
	case !c.sub.FromKnown:
		// Not the null sender: a sender the log read did not name (its
		// queue line came before the log read back, or was not read).
		return "sender not logged"
	case from == "":
		return "null sender"
	case at <= 0 || !containsFold(sn.Domains, from[at+1:]):
		return "sender outside notify.sender_notice.domains"
	case strings.ContainsAny(from[:at], "%!@:\""):
		// Postfix's percent hack and bang paths, a quoted or
		// source-routed address: the notice could leave our domains.
		return "sender address routes elsewhere"
	case from == strings.ToLower(self):
		return "our own notice"
	case sn.AuthenticatedOnly && login == "":
		return "no SASL login"
	case !c.at.IsZero() && now.Sub(c.at) > senderMaxAge:
		return "refusal too old"
	}
	return ""
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// tellSenders enqueues, in the batch's transaction, a notice to the sender
// of each refusal that passes senderRefusal, the dedup key (one per
// message) and the rate limit (notify.sender_notice.per_hour per sender),
// and wakes the outbox worker when it did. It runs beside the loop: it
// reads the configuration from env.
func (s *service) tellSenders(tx *track.Tx, env *noticeEnv, cands []senderCand, now time.Time) error {
	if len(cands) == 0 {
		return nil
	}
	nc := env.cfg.Notify
	sn := nc.SenderNotice
	if !sn.Enabled() || !s.hasSink(SinkEmail) {
		return nil
	}
	self := nc.Sender(s.d.Host)
	// Every recipient of a message refused in this reading of the log is
	// named in its one notice.
	refused := map[string][]string{}
	for _, c := range cands {
		if !containsFold(refused[c.qid], c.to) {
			refused[c.qid] = append(refused[c.qid], c.to)
		}
	}
	kick := false
	for _, c := range cands {
		// The message's first queue id as the store has it: the
		// tracker's links end at a restart (one notice a message).
		firstID, err := tx.FirstQueueID(c.sub.QueueID)
		if err != nil {
			return err
		}
		c.sub.QueueID = firstID
		first, milterLogin, found, err := tx.Submitted(firstID)
		if err != nil {
			return err
		}
		login := c.sub.Login
		if login == "" {
			login = milterLogin
		}
		log := s.log.With(zap.String("queue_id", c.sub.QueueID), zap.String("sender", c.sub.From), zap.String("to", c.to))
		if why := senderRefusal(c, sn, login, self.Address, now); why != "" {
			log.Debug("sender not told", zap.String("reason", why))
			continue
		}
		if !found {
			first = time.Time{}
		}
		var others []string
		for _, r := range refused[c.qid] {
			if !strings.EqualFold(r, c.to) {
				others = append(others, r)
			}
		}
		notice := notify.SenderNotice{
			Sender: c.sub.From, Recipient: c.to, Others: others, QueueID: c.sub.QueueID, MessageID: c.sub.MessageID,
			Sent: first, At: c.at, Bounced: c.bounced, Lifetime: s.d.QueueLifetime,
			Provider: env.cat.Provider(c.provider), Reply: c.reply,
			PostmasterTold: len(nc.To) > 0 || nc.Webhook.URL != "" || len(nc.Alertmanager.URLs) > 0,
			Lang:           nc.Language, Host: s.d.Host,
		}
		key := notify.SenderKey(notice)
		if told, err := tx.HasOutboxItem(key); err != nil {
			return err
		} else if told {
			log.Debug("sender told already") // once per message
			continue
		}
		n, err := tx.SenderNoticesSince(c.sub.From, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		if n >= sn.PerHour {
			// Once an hour per sender at info level: a flood of a
			// thousand messages, each deferred again at every retry,
			// would fill the log.
			lvl := zap.DebugLevel
			if s.limitNews(c.sub.From, now) {
				lvl = zap.InfoLevel
			}
			log.Log(lvl, "sender not told: notify.sender_notice.per_hour reached", zap.Int("per_hour", sn.PerHour))
			continue
		}
		sum := sha256.Sum256([]byte(key))
		mid := "<sender." + hex.EncodeToString(sum[:8]) + "@" + s.d.Host + ">"
		payload, err := notify.ComposeSender(notice, notify.Config{From: self, Location: env.loc}, now, mid)
		if err != nil {
			log.Warn("sender not told: composing the notice failed", zap.Error(err))
			continue
		}
		if _, err := tx.Enqueue(track.OutboxItem{DedupKey: key, Kind: track.KindSenderNotice, Sink: SinkEmail,
			Recipients: []string{c.sub.From}, Payload: payload, CreatedAt: now}); err != nil {
			return err
		}
		log.Info("sender told of the refusal", zap.Bool("bounced", c.bounced), zap.String("provider", c.provider))
		kick = true
	}
	if kick {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// limitNews reports whether the rate limit of the sender addr (in any case
// of letters) was not logged at info level in the hour before now, and
// notes that it is. Senders last logged over an hour ago are forgotten
// when more than maxLimitLogged are held.
func (s *service) limitNews(addr string, now time.Time) bool {
	s.limitMu.Lock()
	defer s.limitMu.Unlock()
	key := strings.ToLower(addr)
	if at, ok := s.limitLogged[key]; ok && now.Sub(at) < time.Hour && !now.Before(at) {
		return false
	}
	if s.limitLogged == nil {
		s.limitLogged = make(map[string]time.Time)
	}
	if len(s.limitLogged) >= maxLimitLogged {
		for k, at := range s.limitLogged {
			if now.Sub(at) >= time.Hour || now.Before(at) {
				delete(s.limitLogged, k)
			}
		}
	}
	if len(s.limitLogged) < maxLimitLogged {
		s.limitLogged[key] = now
	}
	return true
}

// maxLimitLogged bounds the senders limitNews remembers.
const maxLimitLogged = 10000

// QueueLifetime returns Postfix's maximal_queue_lifetime (postconf -h,
// which honours MAIL_CONFIG), how long a deferred message is retried: what
// a sender notice promises. 0 when postconf cannot tell.
func QueueLifetime(ctx context.Context) time.Duration {
	ctx, cancel := context.WithTimeout(ctx, hostLookupTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "postconf", "-h", "maximal_queue_lifetime").Output()
	if err != nil {
		return 0
	}
	d, err := PostfixTime(strings.TrimSpace(string(out)), 'd')
	if err != nil {
		return 0
	}
	return d
}

// PostfixTime parses a Postfix time value: a number with an optional unit
// (s, m, h, d, w), unit when there is none, as postconf(5) says.
func PostfixTime(s string, unit byte) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty time value")
	}
	if c := s[len(s)-1]; c < '0' || c > '9' {
		unit, s = c, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad time value %q", s)
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	u, ok := units[unit]
	if !ok {
		return 0, fmt.Errorf("bad time unit %q", unit)
	}
	return time.Duration(n) * u, nil
}
