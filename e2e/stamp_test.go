package e2e

import (
	"testing"
	"time"
)

// TestSameStamp: a reported time matches the syslog stamp of its line on
// every day of the month, whichever padding the logger used (issue 9.11:
// the comparison by formatted string failed on days 1 to 9).
func TestSameStamp(t *testing.T) {
	at := func(mon time.Month, day, h, m, s int) time.Time {
		return time.Date(2026, mon, day, h, m, s, 0, time.Local)
	}
	tests := []struct {
		got   time.Time
		stamp string
		same  bool
	}{
		{at(12, 6, 8, 3, 31), "Dec 06 08:03:31", true},
		{at(12, 6, 8, 3, 31), "Dec  6 08:03:31", true},
		{at(1, 1, 0, 0, 0), "Jan 01 00:00:00", true},
		{at(1, 1, 0, 0, 0), "Jan  1 00:00:00", true},
		{at(11, 23, 16, 16, 34), "Nov 23 16:16:34", true},
		{at(2, 9, 23, 59, 59), "Feb  9 23:59:59", true},
		{at(12, 6, 8, 3, 31), "Dec 06 08:03:32", false},
		{at(12, 6, 8, 3, 31), "Dec 16 08:03:31", false},
		{at(12, 6, 8, 3, 31), "Nov  6 08:03:31", false},
		{at(12, 6, 8, 3, 31), "Dec  6 09:03:31", false},
	}
	for _, tt := range tests {
		err := sameStamp(tt.got, tt.stamp)
		if (err == nil) != tt.same {
			t.Errorf("sameStamp(%s, %q) = %v, want same=%v", tt.got.Format(time.RFC3339), tt.stamp, err, tt.same)
		}
	}
	for _, line := range []string{
		"Dec  6 08:03:31 mail postfix/smtp[1]: x",
		"Dec 06 08:03:31 mail postfix/smtp[1]: x",
		"Nov 23 16:16:34 mail postfix/smtp[1]: x",
	} {
		if syslogStamp.FindString(line) != line[:15] {
			t.Errorf("syslogStamp in %q = %q, want %q", line, syslogStamp.FindString(line), line[:15])
		}
	}
}
