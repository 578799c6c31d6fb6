package report

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/pipeline"
)

// variedResult is sampleResult with n incidents of varied shapes after one
// another: many messages and none, queue ids listed and not, senders known
// and not, fates and statuses of every kind, hostile text (in the samples
// and the logins too, a client that sanitizes to nothing, and none) — what one
// incident built in the slot of the one before must not keep of it. With
// lists, an incident of an unknown provider names two lists; who sent the
// messages is counted, as a replay counts it.
func variedResult(n int, lists bool) *pipeline.Result {
	res := sampleResult()
	spam, barr := res.Incidents[0], res.Incidents[1]
	many := spam
	many.Messages = nil
	for i := range 25 {
		many.Messages = append(many.Messages, incident.Message{QueueID: fmt.Sprintf("7%010X", i), From: fmt.Sprint("u", i, "@ours.example"), FromKnown: i%3 != 0,
			Login: []string{"", "bob", "eve\x1b[2J"}[i%3], Client: []string{"c.ours.example[192.0.2.9]", "", "  "}[i%3],
			Recipients: append(slices.Repeat([]string{"x@example.net"}, 1+i%5), map[int][]string{3: {"y@\x1b]0;t\x07.example"}, 4: {" "}}[i]...), Fate: []incident.Fate{incident.FateBounced, incident.FateDeferred, incident.FateDelivered}[i%3]})
	}
	many.MoreMessages = 7
	many.Domains = append(slices.Clip(many.Domains), "\u202eevil.example", "\r\n", " spaced.example ")
	many.Remotes = append(slices.Clip(many.Remotes), "", "mx<1>&.example")
	// Samples to sanitize as they are written: escapes, spaces to trim,
	// one that is nothing once sanitized, markup to quote (a sample to
	// cut is internal/jsonstr's TestAppendLine's: its sanitized copy, 1 kB,
	// would count against TestWriteBytes).
	many.Samples = []string{spam.Samples[0], " \r\n ", "  " + spam.Samples[0] + "\x1b[2J\xff", strings.Repeat(`<a&b> "q" \ `, 78)}
	many.Fates = incident.FateCounts{Deferred: 9, Delivered: 8, Bounced: 8, Expired: 2}
	unknown := barr
	unknown.Provider, unknown.Verdict.Provider, unknown.Verdict.List = classify.Unknown, classify.Unknown, "bl.example.org"
	if lists {
		unknown.Lists = []string{"bl.example.org", "dnsbl.example.com"}
	}
	unknown.Status = incident.Open
	unknown.Samples = nil
	kinds := []incident.Incident{spam, barr, many, unknown}
	for i := range kinds {
		kinds[i].Senders = incident.WhoSent(kinds[i].Messages, incident.MaxSenders)
	}
	res.Incidents = nil
	for i := range n {
		inc := kinds[i*7%len(kinds)]
		inc.ID = fmt.Sprint(inc.ID, "-", i)
		res.Incidents = append(res.Incidents, inc)
	}
	return res
}

// TestWriteAsBuild: Write, which builds each incident as it writes it in
// the room of the one before, writes what Build then the format's writer
// write, in every format and language, for reports of a few incidents and
// of more than a window of them built side by side.
func TestWriteAsBuild(t *testing.T) {
	for _, n := range []int{0, 3, 3*encodeWindow + minShare + 5} {
		res := variedResult(n, true)
		// A sender to sanitize too (not variedResult's: what sanitizing
		// it allocates would count against TestWriteBytes).
		for _, inc := range res.Incidents {
			for i := range inc.Messages {
				if m := &inc.Messages[i]; i == 4 {
					m.From = "u4@ours.example\u202e\r\n"
				}
			}
		}
		for _, lang := range []string{"en", "ja"} {
			opts := Options{Catalog: classify.Default(), Lang: lang, Files: []string{"mail.log"}}
			for _, format := range []string{"json", "text", "html"} {
				var want, got bytes.Buffer
				rep := Build(res, opts)
				var err error
				switch format {
				case "json":
					err = WriteJSON(&want, rep)
				case "text":
					err = WriteText(&want, rep, lang)
				case "html":
					err = WriteHTML(&want, rep, lang)
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := Write(&got, res, opts, format); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%d incidents, %s %s: Write wrote %d bytes differing from Build's %d:\n%s", n, lang, format, got.Len(), want.Len(), got.String())
				}
			}
		}
	}
	if err := Write(io.Discard, variedResult(1, false), Options{}, "yaml"); err == nil {
		t.Error("Write of format yaml: no error")
	}
}

// TestWriteBytes: the text and JSON reports of a replay are written with
// each incident built in the room of the one before, not all of them
// built first: a dense log's report has 1,279 incidents, and built whole
// (a 700-byte Incident each, their fates' maps, their messages) they were
// 3.5 MB allocated at the end of a replay whose heap is near its limit,
// often enough for one more collection.
func TestWriteBytes(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are not meaningful under -cover or -race")
	}
	opts := Options{Catalog: classify.Default(), Lang: "en"}
	for _, format := range []string{"json", "text"} {
		// What a report of n incidents allocates: the difference of two
		// sizes leaves what one of any size allocates (its buffers).
		bytesOf := func(n int) uint64 {
			res := variedResult(n, false)
			var before, after runtime.MemStats
			for range 2 { // the first: what the catalog's look-ups keep
				runtime.ReadMemStats(&before)
				if err := Write(io.Discard, res, opts, format); err != nil {
					t.Fatal(err)
				}
				runtime.ReadMemStats(&after)
			}
			return after.TotalAlloc - before.TotalAlloc
		}
		few, many := bytesOf(400), bytesOf(1200)
		if perIncident := float64(many-few) / 800; perIncident > 800 {
			t.Errorf("Write %s allocates %.0f bytes an incident (%d for 400 incidents, %d for 1,200); want at most 800", format, perIncident, few, many)
		}
	}
}
