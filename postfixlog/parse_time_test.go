package postfixlog

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// stampLine puts a timestamp in front of a fixed Postfix line.
func stampLine(stamp string) string {
	return stamp + " mx postfix/qmgr[1]: DE9A6986268: removed"
}

func TestYearInference(t *testing.T) {
	tests := []struct {
		name  string
		ref   string
		stamp string
		want  string
	}{
		{"same day", "2026-11-23T16:00:00Z", "Nov 23 15:33:46", "2026-11-23T15:33:46Z"},
		{"year boundary: last second of the old year", "2027-01-01T00:05:00Z", "Dec 31 23:59:59", "2026-12-31T23:59:59Z"},
		{"year boundary: first minutes of the new year", "2027-01-01T00:05:00Z", "Jan  1 00:04:00", "2027-01-01T00:04:00Z"},
		{"reader's clock behind the log at new year", "2026-12-31T23:59:00Z", "Jan  1 00:00:30", "2027-01-01T00:00:30Z"},
		{"two days after ref is still ref's year", "2026-11-23T10:00:00Z", "Nov 25 10:00:00", "2026-11-25T10:00:00Z"},
		{"four days after ref is last year", "2026-11-23T10:00:00Z", "Nov 27 10:00:00", "2025-11-27T10:00:00Z"},
		{"month after ref is last year", "2026-03-10T00:00:00Z", "Dec 24 18:00:00", "2025-12-24T18:00:00Z"},
		{"Feb 29 in a leap year", "2028-03-01T12:00:00Z", "Feb 29 10:00:00", "2028-02-29T10:00:00Z"},
		{"Feb 29 read in a common year is the last leap year", "2027-03-01T12:00:00Z", "Feb 29 10:00:00", "2024-02-29T10:00:00Z"},
		{"Feb 29 shortly before it happens", "2028-02-27T12:00:00Z", "Feb 29 10:00:00", "2028-02-29T10:00:00Z"},
		{"Feb 29 long before it happens", "2028-02-20T12:00:00Z", "Feb 29 10:00:00", "2024-02-29T10:00:00Z"},
		{"Feb 29 across a non-leap century", "2101-03-01T00:00:00Z", "Feb 29 10:00:00", "2096-02-29T10:00:00Z"},
		{"Feb 28 in a common year", "2027-03-01T12:00:00Z", "Feb 28 10:00:00", "2027-02-28T10:00:00Z"},
		{"single-digit day without padding", "2026-03-10T00:00:00Z", "Mar 7 02:09:33", "2026-03-07T02:09:33Z"},
		{"short-precise fraction", "2026-11-24T00:00:00Z", "Nov 23 15:33:46.000123", "2026-11-23T15:33:46.000123Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ref := mustTime(t, tt.ref)
			p := NewParser(ref, time.UTC)
			var r Record
			if err := p.Parse(stampLine(tt.stamp), &r); err != nil {
				t.Fatal(err)
			}
			if want := mustTime(t, tt.want); !r.Time.Equal(want) {
				t.Errorf("%q with ref %s: got %v, want %v", tt.stamp, tt.ref, r.Time, want)
			}
		})
	}
}

// TestYearInferenceCache parses a sequence through one parser (so the hour
// cache is used) and checks each result against a fresh parser's.
func TestYearInferenceCache(t *testing.T) {
	ref := mustTime(t, "2026-11-23T10:30:00Z") // limit: Nov 26 10:30:00
	seq := []struct{ stamp, want string }{
		{"Nov 26 10:29:59", "2026-11-26T10:29:59Z"},
		{"Nov 26 10:30:00", "2026-11-26T10:30:00Z"},
		{"Nov 26 10:30:01", "2025-11-26T10:30:01Z"},
		{"Nov 26 10:00:00", "2026-11-26T10:00:00Z"},
		{"Nov 26 10:59:59", "2025-11-26T10:59:59Z"},
		{"Nov 26 09:59:59", "2026-11-26T09:59:59Z"},
		{"Nov 26 11:00:00", "2025-11-26T11:00:00Z"},
		{"Nov 26 11:00:01", "2025-11-26T11:00:01Z"},
		{"Nov 23 10:00:00", "2026-11-23T10:00:00Z"},
		{"Nov 23 10:00:01", "2026-11-23T10:00:01Z"},
		{"Nov 22 10:00:01", "2026-11-22T10:00:01Z"},
	}
	p := NewParser(ref, time.UTC)
	var r Record
	for _, s := range seq {
		if err := p.Parse(stampLine(s.stamp), &r); err != nil {
			t.Fatal(err)
		}
		want := mustTime(t, s.want)
		if !r.Time.Equal(want) {
			t.Errorf("%s (cached parser): got %v, want %v", s.stamp, r.Time, want)
		}
		var fresh Record
		if err := NewParser(ref, time.UTC).Parse(stampLine(s.stamp), &fresh); err != nil {
			t.Fatal(err)
		}
		if !fresh.Time.Equal(want) {
			t.Errorf("%s (fresh parser): got %v, want %v", s.stamp, fresh.Time, want)
		}
	}
}

// TestParserReset: a parser Reset to another reference time and zone
// reads as a new one made for them would, whatever it read before (its
// caches of the last stamp, hour and zone are of the old reference: the
// same stamp read again would be dated in the old year).
func TestParserReset(t *testing.T) {
	tokyo := time.FixedZone("JST", 9*3600)
	steps := []struct {
		ref   string
		loc   *time.Location
		stamp string
	}{
		{"2026-11-23T16:00:00Z", time.UTC, "Nov 23 15:33:46"},
		{"2027-11-23T16:00:00Z", time.UTC, "Nov 23 15:33:46"},
		{"2027-11-23T16:00:00Z", tokyo, "Nov 23 15:33:46"},
		{"2025-01-02T00:00:00Z", nil, "Dec 31 23:59:59"},
		{"2025-01-02T00:00:00Z", tokyo, "2026-11-23T14:56:04.5+09:00"},
	}
	p := NewParser(mustTime(t, "2020-06-01T00:00:00Z"), time.UTC)
	var r Record
	if err := p.Parse(stampLine("Nov 23 15:33:46"), &r); err != nil {
		t.Fatal(err)
	}
	for _, s := range steps {
		ref := mustTime(t, s.ref)
		p.Reset(ref, s.loc)
		var got, want Record
		gotErr := p.Parse(stampLine(s.stamp), &got)
		wantErr := NewParser(ref, s.loc).Parse(stampLine(s.stamp), &want)
		if gotErr != wantErr || !got.Time.Equal(want.Time) || got.Time.Location().String() != want.Time.Location().String() {
			t.Errorf("%q after Reset(%s, %v): %v (%v), a new parser: %v (%v)", s.stamp, s.ref, s.loc, got.Time, gotErr, want.Time, wantErr)
		}
	}
}

func TestTimeZones(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		testenv.Missing(t, "no zoneinfo (apt-get install tzdata): %v", err)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	ref := mustTime(t, "2026-12-01T00:00:00Z")
	tests := []struct {
		name    string
		loc     *time.Location
		stamp   string
		want    string
		wantOff int // offset of the returned time's zone, seconds east of UTC
	}{
		{"traditional in a fixed zone", tokyo, "Nov 23 14:56:04", "2026-11-23T05:56:04Z", 9 * 3600},
		{"traditional in summer time", berlin, "Jul  1 12:00:00", "2026-07-01T10:00:00Z", 2 * 3600},
		{"traditional in winter time", berlin, "Jan  1 12:00:00", "2026-01-01T11:00:00Z", 3600},
		{"RFC 3339 with colon offset", berlin, "2026-11-23T14:56:04.5+09:00", "2026-11-23T05:56:04.5Z", 9 * 3600},
		{"RFC 3339 without colon (short-iso)", berlin, "2026-11-23T14:56:04+0900", "2026-11-23T05:56:04Z", 9 * 3600},
		{"RFC 3339 negative half-hour offset", berlin, "2026-11-23T14:56:04-03:30", "2026-11-23T18:26:04Z", -(3*3600 + 1800)},
		{"RFC 3339 Z", tokyo, "2026-11-23T14:56:04Z", "2026-11-23T14:56:04Z", 0},
		{"RFC 3339 lower-case z", tokyo, "2026-11-23T14:56:04.000000001z", "2026-11-23T14:56:04.000000001Z", 0},
		{"RFC 3339 hour-only offset", tokyo, "2026-11-23T14:56:04+05", "2026-11-23T09:56:04Z", 5 * 3600},
		{"RFC 3339 without zone is read in loc", tokyo, "2026-11-23T14:56:04", "2026-11-23T05:56:04Z", 9 * 3600},
		{"space instead of T", tokyo, "2026-11-23 14:56:04", "2026-11-23T05:56:04Z", 9 * 3600},
		{"fraction beyond nanoseconds", tokyo, "2026-11-23T14:56:04.1234567891234Z", "2026-11-23T14:56:04.123456789Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewParser(ref, tt.loc)
			var r Record
			if err := p.Parse(stampLine(tt.stamp), &r); err != nil {
				t.Fatal(err)
			}
			if want := mustTime(t, tt.want); !r.Time.Equal(want) {
				t.Errorf("got %v, want %v", r.Time, want)
			}
			if _, off := r.Time.Zone(); off != tt.wantOff {
				t.Errorf("zone offset %d, want %d", off, tt.wantOff)
			}
		})
	}
}

// TestDSTCache parses across a daylight-saving change with one parser: the
// hour cache must not carry an offset over the change.
func TestDSTCache(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		testenv.Missing(t, "no zoneinfo (apt-get install tzdata): %v", err)
	}
	p := NewParser(mustTime(t, "2026-12-01T00:00:00Z"), berlin)
	var r Record
	var got []time.Time
	for _, s := range []string{"Mar 29 01:59:58", "Mar 29 01:59:59", "Mar 29 03:00:00", "Oct 25 01:59:59", "Oct 25 03:00:00"} {
		if err := p.Parse(stampLine(s), &r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r.Time)
	}
	want := []string{"2026-03-29T00:59:58Z", "2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z", "2026-10-24T23:59:59Z", "2026-10-25T02:00:00Z"}
	for i, w := range want {
		if !got[i].Equal(mustTime(t, w)) {
			t.Errorf("stamp %d: got %v, want %s", i, got[i].UTC(), w)
		}
	}
}

func TestRejectedStamps(t *testing.T) {
	p := NewParser(mustTime(t, "2026-12-01T00:00:00Z"), time.UTC)
	for _, s := range []string{
		"Nov 23 24:00:00", "Nov 23 12:60:00", "Nov 32 12:00:00", "Nov 00 12:00:00", "Nov 23 1:00:00",
		"2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-23T14:56:04+25:00", "2026-11-23T14:56:04+09:7",
		"2026-11-23T14:56:04Q", "2026-11-23X14:56:04Z", "Nov 23 15:33:46.", // a dot with no digits is accepted below
	} {
		var r Record
		err := p.Parse(stampLine(s), &r)
		if s == "Nov 23 15:33:46." {
			if err != nil {
				t.Errorf("%q: %v (an empty fraction reads as zero)", s, err)
			}
			continue
		}
		if err != ErrMalformed {
			t.Errorf("%q: error %v, want ErrMalformed", s, err)
		}
	}
}

// TestUntrustedStampsKeepTheLine: a stamp whose time no one logged (Go's
// zero time from a log shipper, year 0000, RFC 5424's "-") leaves the
// record without a time (or with the year-1 time, which is zero) and the
// rest of the line parsed: the ingest clock dates such records
// (ingest.Clock). A zone-less year 0000 was taken for a stamp without a
// year and dated in the reference's year.
func TestUntrustedStampsKeepTheLine(t *testing.T) {
	p := NewParser(mustTime(t, "2026-12-01T00:00:00Z"), time.UTC)
	for _, line := range []string{
		stampLine("0001-01-01T00:00:00Z"),
		stampLine("0001-01-01T00:00:00.000000+00:00"),
		stampLine("0000-11-23T13:59:00"),
		stampLine("0000-11-23T13:59:00.123456"),
		"<22>1 - mx postfix/qmgr 1 - - DE9A6986268: removed",
		"<22>1 0001-01-01T00:00:00Z mx postfix/qmgr 1 - - DE9A6986268: removed",
	} {
		var r Record
		if err := p.Parse(line, &r); err != nil {
			t.Errorf("%q: %v", line, err)
			continue
		}
		if !r.Time.IsZero() || r.Kind != KindRemoved || r.QueueID != "DE9A6986268" {
			t.Errorf("%q: time %v, kind %v, queue id %q; want no time, a removed line of DE9A6986268", line, r.Time, r.Kind, r.QueueID)
		}
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestRepeatedHour: in a zone whose clocks go back (America/New_York, the
// first Sunday of November: 01:00–01:59 twice, EDT then EST), a stamp
// without zone in that hour is dated at the occurrence nearest the line
// before: a log going forward through the first 01:xx into the second gets
// both right, a line a little out of order in the first stays in the first.
// (Before, every 01:xx was read as EDT: the second hour's lines went an hour
// back.) The spring's missing hour changes nothing around it.
func TestRepeatedHour(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		ref   string
		lines []string // stamps
		want  []string // UTC
	}{
		{"through the repeated hour", "2026-11-02T00:00:00Z",
			[]string{"Nov  1 00:59:00", "Nov  1 01:40:00", "Nov  1 01:55:00", "Nov  1 01:05:00", "Nov  1 01:30:00", "Nov  1 01:30:00", "Nov  1 02:10:00"},
			[]string{"2026-11-01T04:59:00Z", "2026-11-01T05:40:00Z", "2026-11-01T05:55:00Z", "2026-11-01T06:05:00Z", "2026-11-01T06:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01T07:10:00Z"}},
		{"out of order in the first", "2026-11-02T00:00:00Z",
			[]string{"Nov  1 00:50:00", "Nov  1 01:40:00", "Nov  1 01:20:00", "Nov  1 01:45:00"},
			[]string{"2026-11-01T04:50:00Z", "2026-11-01T05:40:00Z", "2026-11-01T05:20:00Z", "2026-11-01T05:45:00Z"}},
		{"zone-less RFC 3339", "2026-11-02T00:00:00Z",
			[]string{"2026-11-01T01:55:00", "2026-11-01T01:05:00"},
			[]string{"2026-11-01T05:55:00Z", "2026-11-01T06:05:00Z"}},
		{"spring forward", "2026-03-09T00:00:00Z",
			[]string{"Mar  8 01:59:00", "Mar  8 03:01:00"},
			[]string{"2026-03-08T06:59:00Z", "2026-03-08T07:01:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewParser(mustTime(t, tc.ref), ny)
			for i, s := range tc.lines {
				var r Record
				if err := p.Parse(stampLine(s), &r); err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				if want := mustTime(t, tc.want[i]); !r.Time.Equal(want) {
					t.Errorf("line %d %q: %v, want %v", i, s, r.Time.UTC(), want)
				}
			}
		})
	}
}

// TestSameHour holds the parser, which reads a new second of the hour it
// has cached from that hour's start (sameHour), equal to the whole reading
// of the stamp (traditional and zoneless) by a parser in the same state:
// record, error and the parser's state after the line, for stamps of every
// minute and second of an hour, a few out of range, with a fraction, in the
// two 15-byte layouts and the 14-byte one, over hour, day and year-inference
// changes and a daylight-saving change, in three zones.
func TestSameHour(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		testenv.Missing(t, "no zoneinfo (apt-get install tzdata): %v", err)
	}
	var stamps []string
	for _, hour := range []string{"Nov 23 14:", "Nov  3 14:", "Nov 26 10:", "Oct 25 02:", "Mar 29 02:"} {
		for m := 0; m < 62; m += 3 {
			for s := 0; s < 63; s += 7 {
				stamps = append(stamps, fmt.Sprintf("%s%02d:%02d", hour, m, s))
			}
		}
		stamps = append(stamps, hour+"59:60", hour+"59:61", hour+"60:00", hour+"5x:00", hour+"00:0x", hour+":0:00",
			hour+"00:00.5", hour+"00:01.25", hour+"00:02", hour+"00:02:", hour+"00:03")
	}
	stamps = append(stamps, "Nov 3 14:00:00", "Nov 3 14:00:01", "Nov 23 14:00:02", "Nov 23 15:00:00", "Nov 23 15:00:01", "Nov 24 15:00:02",
		// A stamp too long to be remembered moves the cached hour.
		"Nov 23 14:00:00", "2026-11-23T16:00:00."+strings.Repeat("1", 30), "Nov 23 14:00:01")
	zones := []*time.Location{time.UTC, time.FixedZone("JST", 9*3600), berlin}
	for _, loc := range zones {
		p := NewParser(mustTime(t, "2026-11-23T10:30:00Z"), loc) // limit Nov 26 10:30: the hour is not cached
		for _, s := range stamps {
			line := stampLine(s)
			before := *p
			q := before
			q.lastKey = 0 // the whole reading
			var got, want Record
			gotErr, wantErr := p.Parse(line, &got), q.Parse(line, &want)
			if gotErr != wantErr || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, %q: error %v, want %v:\n%s", loc, line, gotErr, wantErr, diffRecords(got, want))
			}
			if q.last == before.last && q.lastLen == before.lastLen && q.lastTime == before.lastTime {
				q.lastKey = before.lastKey // no stamp remembered: the key left as it was
			}
			if !reflect.DeepEqual(*p, q) {
				t.Fatalf("%s, %q: the parser's state differs from the whole reading's", loc, line)
			}
		}
	}
}
