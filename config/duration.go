package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// Day is the unit "d" accepted in durations.
const Day = 24 * time.Hour

var errDuration = errors.New("config: invalid duration")

// ParseDuration parses a Go duration ("90s", "1h30m") that may start with a
// number of days ("2d", "1d12h", "1.5d"). A bare "0" is zero; other bare
// numbers are rejected because their unit would be a guess. Negative
// durations are rejected.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errDuration
	}
	if s[0] == '-' || s[0] == '+' {
		return 0, errDuration
	}
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil || math.IsNaN(n) || n < 0 || math.IsInf(n, 0) || n > float64(math.MaxInt64/int64(Day)) {
			return 0, errDuration
		}
		days = time.Duration(n * float64(Day))
		s = s[i+1:]
		if s == "" {
			return days, nil
		}
		if s[0] == '-' || s[0] == '+' {
			return 0, errDuration
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errDuration
	}
	if d > math.MaxInt64-days {
		return 0, errDuration
	}
	return days + d, nil
}

// FormatDuration is the inverse of ParseDuration, writing whole days as "d"
// and dropping zero units: 90d, 1d12h, 6h, 30s, 0s.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		return d.String()
	}
	var b strings.Builder
	if days := d / Day; days > 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10))
		b.WriteByte('d')
		d -= days * Day
		if d == 0 {
			return b.String()
		}
	}
	s := d.String()
	// time.Duration.String writes "1h0m0s"; drop the zero units.
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	b.WriteString(s)
	return b.String()
}
