package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// TestSampleLogAnyYear: the README's first command replays
// testdata/postfix/sample.log, whose stamps have no year, as checked out:
// the file's modification time is when it was checked out, in any year.
// Whatever that year, the report is the one the README promises — three
// incidents, Microsoft and Spamhaus cleared by the 6-hour quiet period
// after their last refusal, Trend Micro cleared by the later delivery at
// 16:20:29 (--quiet 0s: the first two ongoing) — dated in the latest year
// the lines can have been written in by that time: the checkout's year
// once 23 November is past, the year before until then. Each checkout time
// is a fixed one, so the test does not move with the calendar; together
// they are the years of the README's readers (the New Year, a leap day,
// the anniversary, 2040). The README's exception is checked too: a
// checkout from 20 November 16:20 to 23 November 22:20 shows the two
// ongoing, and before the 23rd Trend Micro too.
func TestSampleLogAnyYear(t *testing.T) {
	data, err := os.ReadFile("../../testdata/postfix/sample.log")
	if err != nil {
		t.Fatal(err)
	}
	// checkout is a copy of the log as checked out at RFC 3339 time when.
	checkout := func(t *testing.T, when string) string {
		at, err := time.Parse(time.RFC3339, when)
		if err != nil {
			t.Fatal(err)
		}
		log := filepath.Join(t.TempDir(), "sample.log")
		testenv.WriteLog(t, log, data, at)
		return log
	}
	type inc struct {
		Provider  string `json:"provider"`
		Status    string `json:"status"`
		FirstSeen string `json:"first_seen"`
		LastSeen  string `json:"last_seen"`
		ClearedAt string `json:"cleared_at"`
	}
	for _, tc := range []struct {
		checkout string
		year     string // of the lines
	}{
		{"2026-12-01T09:00:00Z", "2026"}, // a week after they were written
		{"2027-01-01T00:30:00Z", "2026"}, // the New Year
		{"2027-11-19T12:00:00Z", "2026"}, // a year later, before the anniversary
		{"2027-11-24T06:00:00Z", "2027"}, // the anniversary's next morning
		{"2028-03-01T00:00:00Z", "2027"}, // after a leap day
		{"2040-12-31T23:59:59Z", "2040"},
	} {
		t.Run(tc.checkout, func(t *testing.T) {
			log := checkout(t, tc.checkout)
			y := tc.year + "-11-23T16:20:"
			for _, run := range []struct {
				flags []string
				want  []inc
			}{
				{nil, []inc{
					{"microsoft", "cleared", y + "21Z", y + "30Z", tc.year + "-11-23T22:20:30Z"},
					{"trendmicro", "cleared", y + "22Z", y + "26Z", y + "29Z"},
					{"spamhaus", "cleared", y + "24Z", y + "24Z", tc.year + "-11-23T22:20:24Z"},
				}},
				{[]string{"--quiet", "0s"}, []inc{
					{"microsoft", "ongoing", y + "21Z", y + "30Z", ""},
					{"trendmicro", "cleared", y + "22Z", y + "26Z", y + "29Z"},
					{"spamhaus", "ongoing", y + "24Z", y + "24Z", ""},
				}},
			} {
				args := append(append([]string{"replay", "--format", "json", "--tz", "UTC"}, run.flags...), log)
				out, errOut, code := runCLI(t, args...)
				var rep struct {
					FirstLine string `json:"first_line"`
					LastLine  string `json:"last_line"`
					Incidents []inc
				}
				if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
					t.Fatalf("%v: exit %d (%v), stderr %q", args, code, err, errOut)
				}
				if rep.FirstLine != y+"20Z" || rep.LastLine != y+"31Z" || !slices.Equal(rep.Incidents, run.want) {
					t.Errorf("%v: lines %s to %s, incidents\n%+v\nwant %s20Z to %s31Z and\n%+v", run.flags, rep.FirstLine, rep.LastLine, rep.Incidents, y, y, run.want)
				}
			}
		})
	}
	for _, tc := range []struct {
		checkout string
		status   map[string]string
	}{
		{"2027-11-21T12:00:00Z", map[string]string{"microsoft": "ongoing", "trendmicro": "ongoing", "spamhaus": "ongoing"}},
		{"2027-11-23T20:00:00Z", map[string]string{"microsoft": "ongoing", "trendmicro": "cleared", "spamhaus": "ongoing"}},
	} {
		t.Run(tc.checkout, func(t *testing.T) {
			log := checkout(t, tc.checkout)
			out, errOut, code := runCLI(t, "replay", "--format", "json", "--tz", "UTC", log)
			var rep struct{ Incidents []inc }
			if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
				t.Fatalf("exit %d (%v), stderr %q", code, err, errOut)
			}
			got := map[string]string{}
			for _, i := range rep.Incidents {
				got[i.Provider] = i.Status
			}
			if !maps.Equal(got, tc.status) {
				t.Errorf("incidents %v, want %v", got, tc.status)
			}
		})
	}
}
