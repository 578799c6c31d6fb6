package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestIndentJSONAsEncoding checks that indentJSON writes what
// json.Indent writes, for what json.Marshal makes of the golden reports
// and of random nested values (empty objects and arrays, strings with
// quotes, backslashes, brackets and commas, numbers, null).
func TestIndentJSONAsEncoding(t *testing.T) {
	var docs [][]byte
	goldens, _ := filepath.Glob("../testdata/report/*.json")
	if len(goldens) == 0 {
		t.Fatal("no golden JSON report")
	}
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, mustMarshal(t, v))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		docs = append(docs, mustMarshal(t, randomValue(r, 0)))
	}
	for _, d := range docs {
		var want bytes.Buffer
		if err := json.Indent(&want, d, "", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indentJSON(nil, d); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("indentJSON(%s)\n= %s\nwant %s", d, got, want.Bytes())
		}
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randomValue(r *rand.Rand, depth int) any {
	n := r.IntN(7)
	if depth > 4 {
		n = r.IntN(4)
	}
	switch n {
	case 0:
		return nil
	case 1:
		return r.Float64() * 1e6
	case 2:
		return r.IntN(2) == 0
	case 3:
		pieces := []string{"", "a", `"`, `\`, "{", "}", "[", "]", ",", ":", " ", "\n", "<&>", "é", "\u2028", "\x01"}
		s := ""
		for range r.IntN(6) {
			s += pieces[r.IntN(len(pieces))]
		}
		return s
	case 4, 5:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	default:
		m := map[string]any{}
		for i := range r.IntN(4) {
			m[string(rune('a'+i))+"\"{,"] = randomValue(r, depth+1)
		}
		return m
	}
}

// TestWriteJSONAsEncoder checks that WriteJSON writes what json.Encoder
// with SetIndent("", "  ") writes, for reports with no, one and several
// incidents (texts with quotes, backslashes and markup) — many too, which
// it encodes a window at a time, side by side: they stay in order.
func TestWriteJSONAsEncoder(t *testing.T) {
	inc := Incident{ID: "spamhaus-192.0.2.1-20261123T150000Z", Provider: "spamhaus", Reply: `550 "quoted" \ <b>&`, Samples: []string{"a\\\"b", "[{,:}]"},
		Domains: []string{}, Fates: map[string]int{"bounced": 2, "delivered": 1}}
	for _, n := range []int{0, 1, 3, 40, encodeWindow + 1, 3*encodeWindow + 7} {
		rep := &Report{Files: []string{"mail.log"}, Failures: map[string]int64{"blocklist": 3}, Incidents: []Incident{}}
		for i := range n {
			inc := inc
			inc.ID += fmt.Sprint("-", i)
			inc.Messages = i
			rep.Incidents = append(rep.Incidents, inc)
		}
		got, want, gotErr, wantErr := bothJSON(rep)
		if gotErr != nil || wantErr != nil {
			t.Fatal(gotErr, wantErr)
		}
		if got != want {
			t.Errorf("%d incidents: WriteJSON\n%s\nwant\n%s", n, got, want)
		}
	}
}

// TestWriteJSONLargeWindows: a window whose first share holds more than
// flushAt of text is written in pieces, as a whole would be, on one CPU
// (one share) and on several; and on one CPU that share's buffer stays
// about flushAt long instead of growing to hold the window: a dense log's
// report grew it to a few hundred kilobytes by doubling, at the end of a
// replay whose heap is near its limit.
func TestWriteJSONLargeWindows(t *testing.T) {
	big := strings.Repeat("Nov 23 15:00:00 mx postfix/smtp[1]: a long <line> & ", 150) // 7.8 kB
	rep := &Report{Files: []string{"mail.log"}, Failures: map[string]int64{}, Incidents: []Incident{}}
	for i := range 3*encodeWindow + 5 {
		rep.Incidents = append(rep.Incidents, Incident{ID: fmt.Sprint("spamhaus-192.0.2.1-", i), Provider: "spamhaus",
			Domains: []string{}, Samples: []string{big[:len(big)-i]}, Fates: map[string]int{"bounced": i}})
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		got, want, gotErr, wantErr := bothJSON(rep)
		if gotErr != nil || wantErr != nil {
			t.Fatal(gotErr, wantErr)
		}
		if got != want {
			t.Errorf("GOMAXPROCS %d: WriteJSON differs from json.Encoder's (%d and %d bytes)", procs, len(got), len(want))
		}
	}
	runtime.GOMAXPROCS(1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := WriteJSON(io.Discard, rep); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	// A window's text is 260 kB here: held whole, its buffer grown by
	// doubling, writing the report allocated 1.6 MB.
	if n := after.TotalAlloc - before.TotalAlloc; n > 12*flushAt {
		t.Errorf("writing %d incidents of 8 kB on one CPU allocated %d bytes; want at most %d", len(rep.Incidents), n, 12*flushAt)
	}
}

// TestWriteJSONAllocations: the incidents' text is written from a buffer
// per share of a window, reused from window to window, so writing a
// report allocates about as often for 1,000 incidents as for 100 (a
// buffer per incident, grown from nothing, allocated a dozen times each).
func TestWriteJSONAllocations(t *testing.T) {
	inc := Incident{ID: "spamhaus-192.0.2.1-20261123T150000Z", Provider: "spamhaus", Reply: "550 5.7.1 refused", Domains: []string{"example.net"},
		Samples: []string{strings.Repeat("Nov 23 15:00:00 mx postfix/smtp[1]: the line ", 20)}, Fates: map[string]int{"bounced": 2}}
	allocs := func(n int) float64 {
		rep := &Report{Files: []string{"mail.log"}, Failures: map[string]int64{}, Incidents: slices.Repeat([]Incident{inc}, n)}
		return testing.AllocsPerRun(5, func() {
			if err := WriteJSON(io.Discard, rep); err != nil {
				t.Fatal(err)
			}
		})
	}
	few, many := allocs(100), allocs(1000)
	if many > few+50 {
		t.Errorf("writing 1,000 incidents allocates %.0f times, 100 incidents %.0f times", many, few)
	}
}
