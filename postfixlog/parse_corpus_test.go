package postfixlog

import (
	"bufio"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

var dumpUnknown = flag.Bool("dump-unknown", false, "TestParseCorpus: log every line left KindUnknown")

// corpusFiles lists the real log excerpts shared with the project: the
// labelled corpus and the lines captured from a real Postfix 3.7, in
// shared/ beside the repository (see testenv).
func corpusFiles(t testing.TB) []string {
	return append(testenv.Shared(t, "corpus/logs/*"), testenv.Shared(t, "harness/captured/*.log")...)
}

// TestParseCorpus parses every real log line available and checks that no
// Postfix delivery status line is left unknown and that every record keeps
// the parser's invariants. It prints what it could not understand, per
// service.
func TestParseCorpus(t *testing.T) {
	files := corpusFiles(t)
	p := NewParser(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.UTC)
	var r Record
	var lines, malformed, notPostfix, statusLines int
	unknown := map[string]int{}
	kinds := map[Kind]int{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			lines++
			err := p.Parse(line, &r)
			checkInvariants(t, line, &r)
			switch {
			case errors.Is(err, ErrMalformed):
				malformed++
				continue
			case errors.Is(err, ErrNotPostfix):
				notPostfix++
				continue
			case err != nil:
				t.Fatalf("%s: unexpected error %v", filepath.Base(f), err)
			}
			kinds[r.Kind]++
			if r.Kind == KindUnknown {
				unknown[r.Service]++
				if *dumpUnknown {
					t.Logf("unknown %s: %s", filepath.Base(f), line)
				}
			}
			if strings.Contains(line, ", status=") && strings.Contains(line, "to=<") {
				statusLines++
				if r.Kind != KindDelivery || r.Status == "" || r.To == "" || r.Relay == "" {
					t.Errorf("%s: status line not parsed as a delivery (kind %v, status %q, to %q, relay %q):\n%s",
						filepath.Base(f), r.Kind, r.Status, r.To, r.Relay, line)
				}
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		fh.Close()
	}
	t.Logf("%d files, %d lines: %d malformed, %d not Postfix, %d delivery status lines", len(files), lines, malformed, notPostfix, statusLines)
	var ks []string
	for k, n := range kinds {
		ks = append(ks, k.String()+"="+itoa(n))
	}
	sort.Strings(ks)
	t.Logf("kinds: %s", strings.Join(ks, " "))
	var us []string
	for s, n := range unknown {
		us = append(us, s+"="+itoa(n))
	}
	sort.Strings(us)
	t.Logf("unknown per service: %s", strings.Join(us, " "))
	if statusLines == 0 {
		t.Error("no delivery status line found in the corpus")
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
