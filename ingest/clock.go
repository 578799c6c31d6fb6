package ingest

import (
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// The times a Clock does not take as a record says them.
const (
	// MaxAhead is how far past the wall clock a record's time may lie:
	// the skew between the clocks of the host that logged and the host
	// that reads, or a log read a moment after it was written. A later
	// time (a host whose clock is wrong, a shipper's bug: 2027 in a log of
	// this week) is no time the log can have been written at. The daemon's
	// wall clock is the clock; a replay's is the newest of its files'
	// modification times (standard input: the time of the replay), which
	// no line of a file can be later than.
	MaxAhead = 5 * time.Minute
)

// minTrusted is the earliest time a record is believed: before it, the
// stamp is a clock that was never set (1970), a shipper's zero time
// (0001-01-01T00:00:00Z), a year 0000.
var minTrusted = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Reasons a Clock dated a record otherwise than its stamp says, the
// indexes of Redated.
const (
	RedatedUntimed = iota // no time, or one before 2000: given the latest time read (or the wall clock at the live end)
	RedatedAhead          // more than MaxAhead past the wall clock: given the wall clock at the live end, the latest time read in a backlog
	numRedated
)

// RedatedNames name the reasons, for metric labels and messages.
var RedatedNames = [numRedated]string{"untimed", "ahead"}

// Clock dates records for the incident tracker and the store: the one rule,
// in `rblwatch run` and `rblwatch replay` alike, for times a record's stamp
// cannot be taken at. The tracker's clock follows the records (incidents
// open, go quiet and clear on the log's time), so one record dated a year
// ahead would end every incident on the spot and leave those that follow
// unannounced; one dated in year 1 would open an incident that never ends.
//
//   - A record with no time, or one before 2000, is dated at the latest time
//     read; at the live end of the log (the daemon), at the wall clock if
//     that is later. Before any time was read it gets none (Date's false):
//     the tracker does not see it.
//   - A record more than MaxAhead past the wall clock is dated at the wall
//     clock at the live end of the log; in a backlog or a replay, at the
//     latest time read (dated "now", it would move the tracker's clock past
//     the rest of the backlog and end its incidents there), or at the wall
//     clock if it is the first.
//
// Any other time is taken as it is, however far from the records around it:
// a quiet host logs a refusal a week after the one before, and a log
// filtered with grep keeps only such lines. (An earlier rule took a record
// more than a day past the one before for an outlier, and dated a quiet
// log's refusals days early.) A record dated earlier than the latest time
// read is taken as it is too: the lines of several files (log.paths)
// interleave, and the tracker runs each record's deadlines on its own time.
//
// A Clock is not safe for concurrent use. Its zero value is ready; without
// a wall clock (SetWall) it takes every time from 2000 on.
type Clock struct {
	latest time.Time // the latest time given out
	taken  time.Time // the latest stamp taken as it is
	wall   time.Time // the wall clock; zero: none
	ahead  time.Time // wall + MaxAhead: a record after it is ahead (one comparison; Sub cost 130 instructions a record)
	live   bool      // at the live end of the log
	// last is the latest time taken as stamped by Date since SetWall:
	// the same time again (most records share their second with the one
	// before) is taken without the four comparisons (80 instructions).
	last time.Time
	// Redated counts the records dated otherwise than their stamp says,
	// by reason (Redated…).
	Redated [numRedated]int64
}

// SetWall gives the clock the wall clock (the daemon, for each batch; a
// replay, its files' newest modification time) and says whether the live
// end of the log was reached.
func (c *Clock) SetWall(now time.Time, live bool) {
	c.wall, c.ahead, c.live = now, now.Add(MaxAhead), live
	c.last = time.Time{} // taken under the old wall clock
}

// Latest returns the latest time given out.
func (c *Clock) Latest() time.Time { return c.latest }

// Taken returns the latest time a record was dated at as stamped: where
// the log read ends, whatever the clock gave the records it redated.
func (c *Clock) Taken() time.Time { return c.taken }

// Date returns the time of a record stamped t (zero: none could be read)
// that the tracker reads, and false when it has none to give. Such records
// must be dated in log order: the latest time moves on with those given
// out. Replay dates the records the tracker reads and no other, so the
// daemon dates the others with DateAside.
func (c *Clock) Date(t time.Time) (time.Time, bool) { return c.date(t, true) }

// DateAside dates a record the tracker does not read (an inbound refusal, a
// Message-ID: what the store alone keeps) by the same rules, without moving
// the clock: the tracker then sees the times a replay of the same lines
// sees.
func (c *Clock) DateAside(t time.Time) (time.Time, bool) { return c.date(t, false) }

func (c *Clock) date(t time.Time, move bool) (time.Time, bool) {
	if t == c.last && !t.IsZero() {
		// Taken as stamped under this wall clock, and latest and taken
		// are at least t already.
		return t, true
	}
	stamped := false
	switch {
	case t.Before(minTrusted):
		c.Redated[RedatedUntimed]++
		t = c.latest
		if c.live && c.wall.After(t) {
			t = c.wall
		}
		if t.IsZero() {
			return time.Time{}, false
		}
	case !c.wall.IsZero() && t.After(c.ahead): // t.Sub(c.wall) > MaxAhead
		c.Redated[RedatedAhead]++
		if c.live || c.latest.IsZero() {
			t = maxTime(c.wall, c.latest)
		} else {
			t = c.latest
		}
	default:
		stamped = true
	}
	if move && t.After(c.latest) {
		c.latest = t
	}
	if move && stamped && t.After(c.taken) {
		c.taken = t
	}
	if move && stamped {
		c.last = t
	}
	return t, true
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Clocked reports whether the observation o moves the Clock (Date rather
// than DateAside): every observation replay feeds the tracker, which is
// every one but a Message-ID (only notices name it; the daemon's tracker
// reads it too, dated aside).
func Clocked(o *incident.Observation) bool { return ClockedKind(o.Kind) }

// ClockedKind is Clocked of an observation of kind k.
func ClockedKind(k postfixlog.Kind) bool { return k != postfixlog.KindMessageID }
