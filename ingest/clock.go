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
	// time (a host whose clock is wrong, a shipper's bug) is dated at the
	// wall clock instead.
	MaxAhead = 5 * time.Minute
	// MaxJump is how far past the log around it one record's time may lie
	// while a backlog is read (and always in a replay, which has no wall
	// clock): a record more than a day ahead of the latest time read is
	// taken as an outlier and dated at that time, unless the next record
	// that is as far ahead lies within a day of it (the log did jump: a
	// host that was down, a silent day).
	MaxJump = 24 * time.Hour
)

// minTrusted is the earliest time a record is believed: before it, the
// stamp is a clock that was never set (1970), a shipper's zero time
// (0001-01-01T00:00:00Z), a year 0000.
var minTrusted = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Reasons a Clock dated a record otherwise than its stamp says, the
// indexes of ClockCounts.
const (
	RedatedUntimed = iota // no time, or one before 2000: given the latest time read (or the wall clock at the live end)
	RedatedAhead          // more than MaxAhead past the wall clock: given the wall clock
	RedatedJump           // more than MaxJump past the log around it: given the latest time read
	numRedated
)

// RedatedNames name the reasons, for metric labels and messages.
var RedatedNames = [numRedated]string{"untimed", "ahead", "jump"}

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
//   - Away from the live end (a backlog, a replay), a record more than
//     MaxJump past the latest time read is dated at that time, unless an
//     earlier such record lay within MaxJump of it: two make a jump of the
//     log, not an outlier (a time past the wall clock is never one).
//   - With a wall clock (the daemon), a record more than MaxAhead past it is
//     dated at the wall clock (or at the latest time read, if later) — in a
//     backlog, at the latest time read, as the rule above says, when that
//     lies more than MaxJump before it.
//
// A record dated earlier than the latest time read is taken as it is: the
// lines of several files (log.paths) interleave, and the tracker runs each
// record's deadlines on its own time.
//
// A Clock is not safe for concurrent use. Its zero value is ready.
type Clock struct {
	latest time.Time // the latest time given out
	wall   time.Time // the wall clock; zero: none (replay)
	live   bool      // at the live end of the log
	// jumped is the time of the last record taken as an outlier (a jump
	// that a record after it may confirm); zero: none pending.
	jumped time.Time
	// Redated counts the records dated otherwise than their stamp says,
	// by reason (Redated…).
	Redated [numRedated]int64
}

// SetWall gives the clock the wall clock (the daemon, for each batch) and
// says whether the live end of the log was reached.
func (c *Clock) SetWall(now time.Time, live bool) { c.wall, c.live = now, live }

// Latest returns the latest time given out.
func (c *Clock) Latest() time.Time { return c.latest }

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
	if t.Before(minTrusted) {
		c.Redated[RedatedUntimed]++
		at := c.latest
		if c.live && c.wall.After(at) {
			at = c.wall
		}
		if at.IsZero() {
			return time.Time{}, false
		}
		if move {
			c.latest = at
		}
		return at, true
	}
	ahead := !c.wall.IsZero() && t.Sub(c.wall) > MaxAhead
	if !c.live && !c.latest.IsZero() && t.Sub(c.latest) > MaxJump {
		// Away from the live end: an outlier, unless it confirms the
		// one before (never a time past the wall clock).
		if ahead || c.jumped.IsZero() || t.Sub(c.jumped).Abs() > MaxJump {
			if move {
				c.jumped = t
			}
			if ahead {
				c.Redated[RedatedAhead]++
			} else {
				c.Redated[RedatedJump]++
			}
			return c.latest, true
		}
		if move {
			c.jumped = time.Time{} // confirmed: the log jumped
		}
	} else if ahead {
		c.Redated[RedatedAhead]++
		t = c.wall
		if c.latest.After(t) {
			t = c.latest
		}
	}
	if move && t.After(c.latest) {
		c.latest = t
	}
	return t, true
}

// Clocked reports whether the observation o moves the Clock (Date rather
// than DateAside): every observation replay feeds the tracker, which is
// every one but a Message-ID (only notices name it; the daemon's tracker
// reads it too, dated aside).
func Clocked(o *incident.Observation) bool { return o.Kind != postfixlog.KindMessageID }
