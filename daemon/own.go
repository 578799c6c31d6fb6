package daemon

import (
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// Our own notices in the log. A start without a stored position (a new
// install, a state file lost while rblwatch was stopped) reads back
// log.backfill of the log, and with no record of what was sent it would
// announce again what its notices had announced before. When those
// notices went through the local Postfix (notify.smtp to it, or
// notify.sendmail), cleanup logged their Message-IDs, which name the
// provider and listed address, the kind and the time (notify.MessageID).
// The read-back remembers the last one of each provider and address
// (noteOwn); at its end (goLive, readBackRead):
//   - an incident still current whose last notice announced it (opened,
//     digest) gets no opened notice again (announcedBefore);
//   - one over inside the backlog whose cleared notice went out is left out
//     of the backlog summary (endAnnounced);
//   - a listing the self-check had announced (listed) is not announced
//     again by the first self-check (selfAnnounced); the self-check waits
//     for the end of the read-back.
//
// Only Message-IDs made for this host's name count.

// maxOwn bounds the providers and addresses remembered: a log with more
// (crafted) Message-IDs of ours keeps the first ones.
const maxOwn = 4096

// startReadBack starts remembering our notices: a start without a stored
// position reads back the log.
func (s *service) startReadBack() {
	if s.own == nil {
		s.own, s.ownSelf = map[string]notify.OwnMessageID{}, map[string]notify.OwnMessageID{}
	}
}

// noteOwn remembers a Message-ID of the log read back if it is one of our
// notices.
func (s *service) noteOwn(messageID string) {
	own, ok := notify.ParseMessageID(messageID, s.d.Host)
	if !ok {
		return
	}
	m := s.own
	if own.Kind == notify.KindListed || own.Kind == notify.KindDelisted {
		m = s.ownSelf
	}
	prev, seen := m[own.Tag]
	switch {
	case !seen && len(m) >= maxOwn:
		return
	case seen && prev.At.After(own.At):
		return
	}
	m[own.Tag] = own
}

// readBackRead ends the read-back at the live end of the log: what our
// notices say of the incidents of events (those still current) and of the
// backlog is kept for the commit that records them; nothing more is
// remembered.
func (s *service) readBackRead(events []incident.Event) {
	if s.own == nil {
		return
	}
	s.announced, s.ownCleared = map[string]notify.OwnMessageID{}, map[string]notify.OwnMessageID{}
	for _, ev := range events {
		if ev.Kind != incident.EventOpened {
			continue
		}
		own, ok := s.own[notify.NoticeTag(ev.Incident.Provider, ev.Incident.Listed)]
		if ok && (own.Kind == notify.KindOpened || own.Kind == notify.KindDigest) {
			s.announced[ev.Incident.ID] = own
		}
	}
	for tag, own := range s.own {
		if own.Kind == notify.KindCleared {
			s.ownCleared[tag] = own
		}
	}
	s.own = nil
}

// announcedBefore reports the notice of ours in the log read back that
// announced inc, still current at its end, last (opened, digest).
func (s *service) announcedBefore(inc incident.Incident) (notify.OwnMessageID, bool) {
	own, ok := s.announced[inc.ID]
	return own, ok
}

// endAnnounced reports whether inc, over inside the backlog, had its
// cleared notice sent: our last notice of its provider and address in the
// log read back is a cleared one made after it began.
func (s *service) endAnnounced(inc incident.Incident) bool {
	own, ok := s.ownCleared[notify.NoticeTag(inc.Provider, inc.Listed)]
	if !ok || own.At.Before(inc.FirstSeen) {
		return false
	}
	s.log.Info("incident over inside the backlog, its cleared notice is in the log: not in the summary",
		zap.String("incident", inc.ID), zap.Time("composed", own.At))
	return true
}

// readBackDone forgets what the read-back found once the commit at its
// end recorded the notices.
func (s *service) readBackDone() { s.announced, s.ownCleared = nil, nil }

// readingBack says whether a fresh start still reads back the log: the
// self-check waits for its end, so that our listed notices in it are known.
func (s *service) readingBack() bool { return s.own != nil }

// selfAnnounced reports whether the log read back shows that the listing
// of target by provider, unknown to the state, was announced (our last
// self-check notice of them is a listed one), and if so records the state
// as listed since then. It is asked until the first self-check after the
// read-back is applied.
func (s *service) selfAnnounced(tx *track.Tx, provider, target string) (bool, error) {
	own, ok := s.ownSelf[notify.NoticeTag(provider, target)]
	if !ok || own.Kind != notify.KindListed {
		return false, nil
	}
	base := provider + "/" + target
	for k, v := range map[string]string{
		"selfcheck/state/" + base: "listed",
		"selfcheck/seq/" + base:   "1",
		"selfcheck/since/" + base: own.At.UTC().Format(time.RFC3339Nano),
	} {
		if err := tx.SetMeta(k, v); err != nil {
			return false, err
		}
	}
	s.log.Info("self-check: listing announced before the state was lost (our notice is in the log): not announced again",
		zap.String("provider", provider), zap.String("target", target), zap.Time("composed", own.At))
	return true, nil
}
