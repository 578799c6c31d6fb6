package daemon

import (
	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
)

// Our own notices in the log. A start without a stored position (a new
// install, a state file lost while rblwatch was stopped) reads back
// log.backfill of the log, and with no record of what was sent it would
// announce again an incident its notices had announced before. When those
// notices went through the local Postfix (notify.smtp to it, or
// notify.sendmail), cleanup logged their Message-IDs, which say the
// provider and listed address, the kind and the time (notify.MessageID):
// the read-back remembers the last one of each provider and address
// (noteOwn), an incident still current at the end of the read-back whose
// last notice announced it (opened, digest) gets no opened notice again,
// and one over inside the backlog whose cleared notice went out is left
// out of the backlog summary. Only Message-IDs made for this host's name
// count.

// maxOwn bounds the providers and addresses remembered: a log with more
// (crafted) Message-IDs of ours keeps the first ones.
const maxOwn = 4096

// noteOwn remembers a Message-ID of the log read back if it is one of our
// notices.
func (s *service) noteOwn(messageID string) {
	own, ok := notify.ParseMessageID(messageID, s.d.Host)
	if !ok {
		return
	}
	prev, seen := s.own[own.Tag]
	switch {
	case !seen && len(s.own) >= maxOwn:
		return
	case seen && prev.At.After(own.At):
		return
	}
	s.own[own.Tag] = own
}

// announcedBefore reports the notice of ours in the log read back that
// announced inc's provider and address last, if that notice says it is
// ongoing (opened, digest).
func (s *service) announcedBefore(inc incident.Incident) (notify.OwnMessageID, bool) {
	own, ok := s.own[notify.NoticeTag(inc.Provider, inc.Listed)]
	return own, ok && (own.Kind == notify.KindOpened || own.Kind == notify.KindDigest)
}

// dropAnnounced leaves out of incs, incidents over inside the backlog, those
// whose cleared notice the log read back shows: they were announced, and
// their end too, before the state was lost.
func (s *service) dropAnnounced(incs []incident.Incident) []incident.Incident {
	if len(s.own) == 0 {
		return incs
	}
	out := incs[:0]
	for _, inc := range incs {
		own, ok := s.own[notify.NoticeTag(inc.Provider, inc.Listed)]
		if ok && own.Kind == notify.KindCleared && !own.At.Before(inc.FirstSeen) {
			s.log.Info("incident over inside the backlog, its cleared notice is in the log: not in the summary",
				zap.String("incident", inc.ID), zap.Time("composed", own.At))
			continue
		}
		out = append(out, inc)
	}
	return out
}
