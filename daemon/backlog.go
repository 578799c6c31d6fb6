package daemon

import (
	"encoding/json"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/track"
)

// The backlog summary. While the daemon catches up with a backlog of the
// log (after a restart or a long stop, or a fresh start's log.backfill
// read-back), incidents follow the log's time and no notice goes out
// (incident.Tracker.CatchUp). One that began and ended inside the backlog
// was over before anyone could be told: it gets no opened and cleared
// notices, but a line in one summary per catch-up, a notice of kind
// "backlog" recorded when the live end of the log is reached.
//
// Exactly once, across restarts: each such incident is saved to the
// store's unannounced table in the transaction of the batch in which it
// ended (saveUnannounced, from commit and commitBeside), and the summary
// takes them all, in the transaction that records it under its
// notify.NoticeKey (recordBacklog, from commit). A restart during a
// catch-up keeps what the first part of it found; a restart after the
// summary was recorded finds nothing left to sum up; composing and sending
// the notice then goes as for any other (one outbox item per channel under
// notify.DedupKey).

// backlogRecord is what a backlog notice's record holds (noticeRecord).
type backlogRecord struct {
	From  time.Time `json:"from"`
	Until time.Time `json:"until"`
	// Incidents are the incidents listed, as backlogSnapshot keeps them.
	Incidents  []incident.Incident `json:"incidents"`
	More       int                 `json:"more,omitempty"`
	MoreCounts notify.Counts       `json:"more_counts,omitzero"`
	// Ended: the stretch ends where the input did (standard input), and
	// rblwatch stops there.
	Ended bool `json:"ended,omitempty"`
}

// notice returns the notify side of the record, with each incident's
// catalog entries (nil cat: none, for the notice's key).
func (b *backlogRecord) notice(cat *classify.Catalog, lang string) *notify.Backlog {
	if b == nil {
		return nil
	}
	nb := &notify.Backlog{From: b.From, Until: b.Until, More: b.More, MoreCounts: b.MoreCounts, Ended: b.Ended}
	for _, inc := range b.Incidents {
		r := notify.Related{Incident: inc}
		if cat != nil {
			r.Provider, r.Via = providerOf(cat, inc), cat.Provider(inc.Verdict.Via)
			r.FoundNote = cat.FoundNote(inc.Verdict.Found, lang)
		}
		nb.Incidents = append(nb.Incidents, r)
	}
	return nb
}

// backlogSnapshot is what the summary keeps of an incident: everything but
// its lists of messages, recipients, samples and senders, whose totals
// stay (MoreMessages, MoreRecipients, Fates), and at most a few domains and
// remote hosts.
func backlogSnapshot(inc incident.Incident) incident.Incident {
	c := notify.CountsOf(inc)
	inc.Messages, inc.Recipients, inc.Samples, inc.Senders = nil, nil, nil, incident.Who{}
	inc.MoreMessages, inc.MoreRecipients = c.Messages, c.Recipients
	inc.Domains = inc.Domains[:min(len(inc.Domains), 10)]
	inc.Remotes = inc.Remotes[:min(len(inc.Remotes), 5)]
	return inc
}

// unannounced is an incident over inside the backlog, as the summary
// keeps it (its row of the unannounced table), with its key for the
// mutes.
type unannounced struct {
	provider, listed string
	row              track.Unannounced
}

// takeBacklog returns the incidents the tracker found over inside the
// backlog since the last call, with the log times of this catch-up, as
// saveUnannounced saves them in the transaction that saves their last
// change. Their JSON is made here, in the loop, not by the store's writer
// (bench/README.md, catchup12).
func (s *service) takeBacklog() ([]unannounced, error) {
	incs := append(s.backlog, s.tracker.Backlog()...)
	s.backlog = nil
	if len(incs) == 0 {
		return nil, nil
	}
	s.unannounced = true
	out := make([]unannounced, 0, len(incs))
	for _, inc := range incs {
		snap := backlogSnapshot(inc)
		rec, err := json.Marshal(snap)
		if err != nil {
			return nil, fmt.Errorf("daemon: saving an unannounced incident: %w", err)
		}
		c := notify.CountsOf(snap)
		out = append(out, unannounced{inc.Provider, inc.Listed, track.Unannounced{IncidentID: inc.ID, FirstSeen: inc.FirstSeen,
			Since: s.spanFrom, Until: s.logTime, Messages: c.Messages, Recipients: c.Recipients, Bounced: c.Bounced,
			Deferred: c.Deferred, Record: rec}})
	}
	return out, nil
}

// saveUnannounced saves incidents for the backlog summary. Those of a
// provider or address muted now are left out, as their opened notice would
// have been.
func saveUnannounced(tx *track.Tx, log *zap.Logger, incs []unannounced, now time.Time) error {
	if len(incs) == 0 {
		return nil
	}
	mutes, err := tx.ActiveMutes(now)
	if err != nil {
		return err
	}
	for _, u := range incs {
		muted := false
		for _, m := range mutes {
			muted = muted || m.Matches(u.provider, u.listed, now)
		}
		if muted {
			log.Info("incident over inside the backlog, muted: not in the summary", zap.String("incident", u.row.IncidentID))
			continue
		}
		if err := tx.SaveUnannounced(u.row); err != nil {
			return err
		}
	}
	return nil
}

// recordBacklog records the backlog summary of the incidents waiting in
// the store, and reports how many it sums up (0: none waited, nothing is
// recorded).
func (s *service) recordBacklog(tx *track.Tx, now time.Time) (int, error) {
	rows, tot, err := tx.TakeUnannounced(notify.BacklogListed)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	b := &backlogRecord{From: tot.Since, Until: maxTime(tot.Until, s.logTime), Ended: s.inputEnded}
	listed := notify.Counts{}
	for _, r := range rows {
		var inc incident.Incident
		if err := json.Unmarshal(r.Record, &inc); err != nil {
			return 0, fmt.Errorf("daemon: reading an unannounced incident %s: %w", r.IncidentID, err)
		}
		c := notify.CountsOf(inc)
		if s.endAnnounced(inc) {
			// Announced, and its end too, before the state was lost.
			tot.Incidents, tot.Messages, tot.Recipients, tot.Bounced, tot.Deferred = tot.Incidents-1,
				tot.Messages-c.Messages, tot.Recipients-c.Recipients, tot.Bounced-c.Bounced, tot.Deferred-c.Deferred
			continue
		}
		b.Incidents = append(b.Incidents, inc)
		listed.Messages, listed.Recipients, listed.Bounced, listed.Deferred = listed.Messages+c.Messages,
			listed.Recipients+c.Recipients, listed.Bounced+c.Bounced, listed.Deferred+c.Deferred
		// A catch-up that read no line before its incidents ended (a
		// restart at the end of the log) names no start: the first
		// incident's is the earliest known.
		if b.From.IsZero() || inc.FirstSeen.Before(b.From) {
			b.From = inc.FirstSeen
		}
		b.Until = maxTime(b.Until, inc.LastSeen)
	}
	if tot.Incidents == 0 {
		return 0, nil // every one was announced
	}
	b.More = tot.Incidents - len(b.Incidents)
	b.MoreCounts = notify.Counts{Messages: tot.Messages - listed.Messages, Recipients: tot.Recipients - listed.Recipients,
		Bounced: tot.Bounced - listed.Bounced, Deferred: tot.Deferred - listed.Deferred}
	rec := noticeRecord{
		Kind:     notify.KindBacklog,
		Incident: incident.Incident{ID: "backlog-" + b.Until.UTC().Format("20060102T150405Z")},
		Backlog:  b,
	}
	if _, err := s.recordNotice(tx, rec, "", now); err != nil {
		return 0, err
	}
	ids := make([]string, 0, len(b.Incidents))
	for _, inc := range b.Incidents {
		ids = append(ids, inc.ID)
	}
	s.log.Info("backlog summed up: incidents that began and ended in the log read late, in one notice",
		zap.Int("incidents", tot.Incidents), zap.Time("from", b.From), zap.Time("until", b.Until), zap.Strings("listed", ids))
	return tot.Incidents, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
