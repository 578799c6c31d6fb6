package report

import (
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
)

// maxWriter records the largest write.
type maxWriter struct{ max, total int }

func (w *maxWriter) Write(p []byte) (int, error) {
	w.max = max(w.max, len(p))
	w.total += len(p)
	return len(p), nil
}

// TestWriteTextBytes: the text report is written as it is made, a few
// tens of kilobytes at a time, and its lines are appended to one buffer,
// not formatted into strings of their own first: a dense log's report is
// megabytes (2.7 MB for 1,279 incidents), and made whole it allocated
// 22 MB at the end of a replay whose heap is near its limit.
func TestWriteTextBytes(t *testing.T) {
	res := sampleResult()
	first := res.Incidents[0]
	first.Messages = slices.Repeat([]incident.Message{{QueueID: "63C4B986276", QueueIDs: []string{"53C4B986275", "63C4B986276"},
		From: "alice@ours.example", FromKnown: true, Login: "alice", Client: "pc.ours.example[192.0.2.55]",
		Recipients: []string{"d@example.net", "e@example.net", "f@example.org", "g@example.org"}, Fate: incident.FateBounced}}, 20)
	res.Incidents = slices.Repeat([]incident.Incident{first, res.Incidents[1]}, 200)
	rep := Build(res, Options{Catalog: classify.Default(), Lang: "en"})
	for _, lang := range []string{"en", "ja"} {
		var w maxWriter
		if err := WriteText(&w, rep, lang); err != nil {
			t.Fatal(err)
		}
		if w.total < 4*flushText {
			t.Fatalf("%s: the report is %d bytes, too short to tell", lang, w.total)
		}
		if w.max > flushText+8<<10 {
			t.Errorf("%s: a write of %d bytes of %d; want the text written as it is made, at most %d at a time", lang, w.max, w.total, flushText+8<<10)
		}
		if testing.CoverMode() != "" || raceEnabled {
			continue // allocation counts are not meaningful under -cover or -race
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := WriteText(io.Discard, rep, lang); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if perIncident := float64(after.TotalAlloc-before.TotalAlloc-(flushText+flushText/4)) / float64(len(rep.Incidents)); perIncident > 512 {
			t.Errorf("%s: writing the text allocates %.0f bytes an incident (%d bytes of text each); want at most 512", lang, perIncident, w.total/len(rep.Incidents))
		}
	}
}

// TestAppendJoinClean: the items of a list are written as they are when
// the list joined would show as it is, and the joined list cleaned when
// not.
func TestAppendJoinClean(t *testing.T) {
	for _, list := range [][]string{
		nil, {}, {""}, {"a"}, {" a "}, {"a", "b"}, {"", "a"}, {"a", ""}, {"a", "", "b"}, {"", ""},
		{" a", "b"}, {"a", "b "}, {"a\tb", "c"}, {"a\x1b[31m", "b"}, {"\xff", "b"}, {"日本", "語"},
		{"\u3000a", "b"}, {"a", "b\u3000"}, {"e" + strings.Repeat("\u0301", 8), strings.Repeat("\u0301", 8) + "e"},
		{"e" + strings.Repeat("\u0301", 9), "f"}, {"a\u202eb", "c"}, {"\ufffd", "b"},
	} {
		for _, sep := range []string{", ", " > "} {
			if got, want := string(appendJoinClean([]byte("x"), list, sep)), "x"+clean(strings.Join(list, sep)); got != want {
				t.Errorf("appendJoinClean(%q, %q) = %q, want %q", list, sep, got, want)
			}
		}
	}
}
