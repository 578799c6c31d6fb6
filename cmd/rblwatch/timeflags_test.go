package main

import (
	"testing"
	"time"
)

// TestParseWhen: --since/--until of replay and messages take what
// incidents --since and the configuration take — days included ("7d"
// was "cannot read time") — besides dates and RFC 3339.
func TestParseWhen(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	tokyo := time.FixedZone("JST", 9*3600)
	for _, tt := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{"", time.Time{}, false},
		{"24h", now.Add(-24 * time.Hour), false},
		{"-24h", now.Add(-24 * time.Hour), false},
		{"7d", now.Add(-7 * 24 * time.Hour), false},
		{"1d12h", now.Add(-36 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"0", now, false},
		{"2026-11-23", time.Date(2026, 11, 23, 0, 0, 0, 0, tokyo), false},
		{"2026-11-23T14:00", time.Date(2026, 11, 23, 14, 0, 0, 0, tokyo), false},
		{"2026-11-23T14:00:00Z", time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC), false},
		{"yesterday", time.Time{}, true},
		{"7", time.Time{}, true},
		{"1y", time.Time{}, true},
	} {
		got, err := parseWhen(tt.in, now, tokyo)
		if (err != nil) != tt.bad || !got.Equal(tt.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
