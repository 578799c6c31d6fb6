package postfixlog

import (
	"time"
)

// stamp reads the timestamp at the start of s into r.Time and returns what
// follows it. The stamp must end at a space or at the end of s.
//
// The last stamp read is remembered: a log has a few lines a second, and
// reading the same stamp again (its year inferred, its zone applied) cost
// a fifth of parsing a line.
func (p *Parser) stamp(s string, r *Record) (string, bool) {
	if n := p.lastLen; n > 0 && len(s) >= n && (len(s) == n || s[n] == ' ') && p.lastIs(s, n) {
		r.Time = p.lastTime
		return s[n:], true
	}
	if len(s) == 0 {
		return s, false
	}
	if p.sameHour(s, r) {
		return s[15:], true
	}
	rest, ok := s, false
	key := uint64(0)
	if c := s[0]; c >= 'A' && c <= 'Z' {
		rest, ok, key = p.traditional(s, r)
	} else if c >= '0' && c <= '9' {
		rest, ok = p.rfc3339(s, r)
	}
	if n := len(s) - len(rest); ok && n <= len(p.last) {
		copy(p.last[:], s[:n])
		p.lastLen, p.lastTime = n, r.Time
		if n >= 8 {
			p.lastHead, p.lastTail = word(s, 0), word(s, n-8)
		}
		p.lastKey = 0
		if n == 15 {
			p.lastKey = key
		}
	}
	return rest, ok
}

// sameHour reads a traditional stamp of 15 bytes ("Nov 22 14:56:05") whose
// first ten bytes, month, day and hour, are the last stamp's, when that
// one was of 15 bytes too and its hour is the one zoneless has cached: its
// time is then that hour's start and the stamp's minutes and seconds, as
// traditional would find. A log has a few lines a second, and a new
// second's stamp read whole (month, day, clock, the cached hour) cost
// about 600 instructions.
func (p *Parser) sameHour(s string, r *Record) bool {
	if p.lastKey == 0 || p.lastKey != p.hourKey || len(s) < 15 || len(s) > 15 && s[15] != ' ' ||
		word(s, 0) != p.lastHead || s[8] != p.last[8] || s[9] != ':' || s[12] != ':' {
		return false
	}
	m1, m2, s1, s2 := s[10]-'0', s[11]-'0', s[13]-'0', s[14]-'0'
	if m1 > 5 || m2 > 9 || s1 > 6 || s2 > 9 || s1 == 6 && s2 != 0 {
		return false // not a clock's minute and second (60 is a leap second)
	}
	sec := int64(m1)*600 + int64(m2)*60 + int64(s1)*10 + int64(s2)
	r.Time = time.Unix(p.hourBase+sec, 0).In(p.loc)
	copy(p.last[10:15], s[10:15])
	p.lastTime, p.lastTail = r.Time, word(s, 7)
	return true
}

// lastIs reports whether s[:n] is the last stamp read (n = p.lastLen <=
// len(s)). A traditional stamp ("Nov 23 14:56:04") is two words: compared
// as such, not by runtime.memequal, it cost a line 20 instructions less.
func (p *Parser) lastIs(s string, n int) bool {
	if n >= 8 && n <= 16 {
		return word(s, 0) == p.lastHead && word(s, n-8) == p.lastTail
	}
	return s[:n] == string(p.last[:n])
}

// traditional reads "Nov 23 14:56:04", "Nov  3 14:56:04", "Nov 3 14:56:04",
// optionally followed by a fraction ("14:56:04.123456"). key is the hour's
// key in zoneless when it is the one cached there, 0 otherwise.
func (p *Parser) traditional(s string, r *Record) (rest string, ok bool, key uint64) {
	if len(s) < 14 || s[3] != ' ' {
		return s, false, 0
	}
	mon := month(s[:3])
	if mon == 0 {
		return s, false, 0
	}
	i := 4
	if s[i] == ' ' {
		i++
	}
	day := 0
	for n := 0; n < 2 && i < len(s) && s[i] >= '0' && s[i] <= '9'; n++ {
		day = day*10 + int(s[i]-'0')
		i++
	}
	if day == 0 || day > 31 || i >= len(s) || s[i] != ' ' {
		return s, false, 0
	}
	i++
	h, m, sec, ok := clock(s, i)
	if !ok {
		return s, false, 0
	}
	i += 8
	ns, i := fraction(s, i)
	if i < len(s) && s[i] != ' ' {
		return s, false, 0
	}
	t, ok := p.zoneless(0, mon, day, h, m, sec, ns)
	if !ok {
		return s, false, 0
	}
	r.Time = t
	if key = hourKey(0, mon, day, h); key != p.hourKey {
		key = 0
	}
	return s[i:], true, key
}

// rfc3339 reads "2026-11-23T14:56:04[.frac][Z|±hh:mm|±hhmm|±hh]"; a space
// may stand for the T, and a stamp without zone is read in the parser's
// location.
func (p *Parser) rfc3339(s string, r *Record) (string, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') {
		return s, false
	}
	y, ok1 := digits(s, 0, 4)
	mon, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	if !ok1 || !ok2 || !ok3 || mon < 1 || mon > 12 || day < 1 || day > daysIn(mon, y) {
		return s, false
	}
	h, m, sec, ok := clock(s, 11)
	if !ok {
		return s, false
	}
	ns, i := fraction(s, 19)
	if i == len(s) || s[i] == ' ' {
		if y == 0 {
			// Year 0000 is no year anyone logged in (zoneless would
			// take it for a stamp without one and date it this
			// year): the record has no time.
			return s[i:], true
		}
		t, ok := p.zoneless(y, mon, day, h, m, sec, ns)
		if !ok {
			return s, false
		}
		r.Time = t
		return s[i:], true
	}
	off, utc := 0, false
	switch s[i] {
	case 'Z', 'z':
		utc = true
		i++
	case '+', '-':
		sign := 1
		if s[i] == '-' {
			sign = -1
		}
		oh, ok := digits(s, i+1, 2)
		if !ok || oh > 23 {
			return s, false
		}
		i += 3
		om := 0
		if i < len(s) && s[i] == ':' {
			if om, ok = digits(s, i+1, 2); !ok {
				return s, false
			}
			i += 3
		} else if i+1 < len(s) && s[i] >= '0' && s[i] <= '9' {
			if om, ok = digits(s, i, 2); !ok {
				return s, false
			}
			i += 2
		}
		if om > 59 {
			return s, false
		}
		off = sign * (oh*3600 + om*60)
	default:
		return s, false
	}
	if i < len(s) && s[i] != ' ' {
		return s, false
	}
	u := daysFromCivil(y, mon, day)*86400 + int64(h*3600+m*60+sec) - int64(off)
	loc := time.UTC
	if !utc {
		loc = p.fixedZone(off)
	}
	r.Time = time.Unix(u, int64(ns)).In(loc)
	return s[i:], true
}

// hourKey is zoneless's key of an hour (never 0).
func hourKey(y, mon, day, h int) uint64 {
	return uint64(1)<<63 | uint64(y)<<24 | uint64(mon)<<16 | uint64(day)<<8 | uint64(h)
}

// fixedZone returns a location for a numeric offset, reusing the last one.
func (p *Parser) fixedZone(off int) *time.Location {
	if p.zone == nil || p.zoneOff != off {
		p.zone, p.zoneOff = time.FixedZone("", off), off
	}
	return p.zone
}

// zoneless returns the time of a stamp without zone, read in p.loc; year 0
// means the stamp had no year and it is inferred from the reference time.
// The start of the last hour resolved is cached.
func (p *Parser) zoneless(y, mon, day, h, m, sec, ns int) (time.Time, bool) {
	key := hourKey(y, mon, day, h)
	if key == p.hourKey {
		return time.Unix(p.hourBase+int64(m*60+sec), int64(ns)).In(p.loc), true
	}
	var base int64
	cacheable := true
	if y != 0 {
		base = time.Date(y, time.Month(mon), day, h, 0, 0, 0, p.loc).Unix()
	} else {
		var ok bool
		if base, cacheable, ok = p.inferYear(mon, day, h, m*60+sec); !ok {
			return time.Time{}, false
		}
	}
	if alt, ok := p.repeatedHour(base); ok {
		// The hour a daylight-saving change repeats (01:00–01:59 twice
		// in America/New_York in November): a stamp without zone is
		// either; take the one nearest the line before, since a log goes
		// forward (the second 01:05 follows 01:55 of the first, an hour
		// before it in a reading that took the first). Never cached.
		at := base + int64(m*60+sec)
		if last := p.lastTime.Unix(); !p.lastTime.IsZero() && abs(last-(alt+int64(m*60+sec))) < abs(last-at) {
			base = alt
		}
		cacheable = false
	}
	if cacheable {
		p.hourKey, p.hourBase = key, base
	}
	return time.Unix(base+int64(m*60+sec), int64(ns)).In(p.loc), true
}

// repeatedHour returns the other start of the local hour starting at Unix
// second base, when the zone's clocks went back over it (the hour is lived
// twice, at two offsets).
func (p *Parser) repeatedHour(base int64) (int64, bool) {
	if p.loc == time.UTC {
		return 0, false
	}
	t := time.Unix(base, 0).In(p.loc)
	_, off := t.Zone()
	for _, probe := range [2]int64{base - 3*3600, base + 3*3600} {
		_, o := time.Unix(probe, 0).In(p.loc).Zone()
		if o == off {
			continue
		}
		// The same wall clock at offset o.
		alt := base + int64(off-o)
		at := time.Unix(alt, 0).In(p.loc)
		if _, ao := at.Zone(); ao == o && at.Hour() == t.Hour() && at.Day() == t.Day() && at.Minute() == t.Minute() {
			return alt, true
		}
	}
	return 0, false
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// inferYear dates a year-less stamp: the latest year, from the reference's
// next year down, in which the date exists and which does not put the stamp
// after p.limit. It returns the Unix second of the start of the stamp's
// hour, and whether every second of that hour would have been dated alike
// (so the result may be cached for the hour).
func (p *Parser) inferYear(mon, day, h, secInHour int) (base int64, cacheable, ok bool) {
	cacheable = true
	for y := p.refYear + 1; y >= p.refYear-8; y-- {
		if day > daysIn(mon, y) {
			continue
		}
		hs := time.Date(y, time.Month(mon), day, h, 0, 0, 0, p.loc).Unix()
		if hs+int64(secInHour) > p.limit {
			if hs <= p.limit {
				cacheable = false // an earlier second of this hour would fit this year
			}
			continue
		}
		if hs+3600 > p.limit {
			cacheable = false // a later second of this hour would not
		}
		return hs, cacheable, true
	}
	return 0, false, false
}

// month maps "Jan"…"Dec" to 1…12, anything else to 0.
func month(s string) int {
	switch s {
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// clock reads "hh:mm:ss" at s[i:].
func clock(s string, i int) (h, m, sec int, ok bool) {
	if i+8 > len(s) || s[i+2] != ':' || s[i+5] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := digits(s, i, 2)
	m, ok2 := digits(s, i+3, 2)
	sec, ok3 := digits(s, i+6, 2)
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 60 {
		return 0, 0, 0, false
	}
	return h, m, sec, true
}

// fraction reads an optional ".ddd…" at s[i:] and returns nanoseconds
// (digits past the ninth are skipped) and the index after it.
func fraction(s string, i int) (int, int) {
	if i >= len(s) || s[i] != '.' {
		return 0, i
	}
	i++
	ns, n := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < 9 {
			ns = ns*10 + int(s[i]-'0')
			n++
		}
	}
	for ; n < 9; n++ {
		ns *= 10
	}
	return ns, i
}

// digits reads exactly n decimal digits at s[i:].
func digits(s string, i, n int) (int, bool) {
	if i < 0 || i+n > len(s) {
		return 0, false
	}
	v := 0
	for k := i; k < i+n; k++ {
		c := s[k]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days of month mon (1…12) in year y.
func daysIn(mon, y int) int {
	switch mon {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
