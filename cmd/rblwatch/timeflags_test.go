package main

import (
	"strings"
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

// TestReplayDurationsTakeDays: replay's --settle and --quiet take days as
// notify.settle and notify.quiet do ("--quiet 1d" was "parse error").
func TestReplayDurationsTakeDays(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--quiet", "1d", "--settle", "90m"}, 0, ""},
		{[]string{"--quiet", "1d12h"}, 0, ""},
		{[]string{"--quiet", "1y"}, 2, "not a duration (90s, 6h, 7d, 1d12h)"},
		{[]string{"--settle", "-5m"}, 2, "--settle must not be negative"},
		{[]string{"--quiet", "-1d"}, 2, "--quiet must not be negative"},
	} {
		_, stderr, code := runCLI(t, append(append([]string{"replay"}, tt.args...), "../../testdata/postfix/sample.log")...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("replay %q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
