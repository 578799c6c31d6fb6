package postfixlog

import (
	"bufio"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// FuzzParse checks the parser's invariants on any input: no panic, Raw is
// the input, QueueID is a valid queue id, "NOQUEUE" or empty, and every
// string field is a substring of Raw (no copies). It is seeded with the
// table cases and with real lines from the shared corpus when present; the
// committed corpus lives in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.line)
	}
	for _, file := range corpusFiles(f) {
		fh, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		n := 0
		for sc.Scan() && n < 40 {
			if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
				f.Add(line)
				n++
			}
		}
		fh.Close()
	}
	refs := []time.Time{
		time.Date(2027, 1, 1, 0, 5, 0, 0, time.UTC),
		time.Date(2028, 3, 1, 12, 0, 0, 0, time.UTC),
	}
	tokyo := time.FixedZone("JST", 9*3600)
	f.Fuzz(func(t *testing.T, line string) {
		for i, ref := range refs {
			loc := time.UTC
			if i == 1 {
				loc = tokyo
			}
			p := NewParser(ref, loc)
			var r Record
			_ = p.Parse(line, &r)
			checkInvariants(t, line, &r)
			// A second parse of the same line through the warm caches
			// (the stamp, the host and program) gives the same record,
			// and so does the line cut after any byte of its tag.
			var r2 Record
			_ = p.Parse(line, &r2)
			if !reflect.DeepEqual(r, r2) {
				t.Fatalf("second parse differs:\n%s", diffRecords(r2, r))
			}
			for n := min(len(line), 64); n > 0; n-- {
				var warm, cold Record
				errWarm := p.Parse(line[:n], &warm)
				errCold := NewParser(ref, loc).Parse(line[:n], &cold)
				if errWarm != errCold || !reflect.DeepEqual(warm, cold) {
					t.Fatalf("%q after %q: error %v, want %v:\n%s", line[:n], line, errWarm, errCold, diffRecords(warm, cold))
				}
			}
		}
	})
}

// checkInvariants fails t when r breaks one of the parser's promises about
// line.
func checkInvariants(t testing.TB, line string, r *Record) {
	t.Helper()
	if r.Raw != line || unsafe.StringData(r.Raw) != unsafe.StringData(line) {
		t.Fatalf("Raw is not the input line")
	}
	if q := r.QueueID; q != "" && q != "NOQUEUE" && !ValidQueueID(q) {
		t.Fatalf("invalid QueueID %q in %q", q, line)
	}
	if r.NotifyQueueID != "" && !ValidQueueID(r.NotifyQueueID) {
		t.Fatalf("invalid NotifyQueueID %q in %q", r.NotifyQueueID, line)
	}
	fields := []struct {
		name, v string
	}{
		{"Host", r.Host}, {"Program", r.Program}, {"Instance", r.Instance}, {"Service", r.Service},
		{"QueueID", r.QueueID}, {"To", r.To}, {"OrigTo", r.OrigTo}, {"Relay", r.Relay},
		{"RelayHost", r.RelayHost}, {"RelayIP", r.RelayIP}, {"Delays", r.Delays}, {"DSN", r.DSN},
		{"Status", r.Status}, {"Detail", r.Detail}, {"RemoteHost", r.RemoteHost}, {"RemoteIP", r.RemoteIP},
		{"Reply.Text", r.Reply.Text}, {"Reply.Enhanced", r.Reply.Enhanced}, {"Command", r.Command},
		{"From", r.From}, {"MessageID", r.MessageID}, {"Client", r.Client}, {"ClientHost", r.ClientHost},
		{"ClientIP", r.ClientIP}, {"SASLUser", r.SASLUser}, {"NotifyQueueID", r.NotifyQueueID},
		{"NotifyKind", r.NotifyKind},
	}
	for _, f := range fields {
		if f.name == "Command" && isNormalizedCommand(f.v) {
			continue // static names Parse uses for "while sending message body" and the like
		}
		if !within(f.v, line) {
			t.Fatalf("%s %q is not a substring of the line %q", f.name, f.v, line)
		}
	}
	if r.RelayPort < 0 || r.RelayPort > 65535 || r.PID < 0 || r.Size < 0 || r.Nrcpt < 0 || r.Delay < 0 {
		t.Fatalf("negative or out-of-range number in %+v", r)
	}
}

func isNormalizedCommand(s string) bool {
	return s == "CONNECT" || s == "DATA" || s == "end of DATA"
}

// within reports whether s is empty or lies inside the memory of line.
func within(s, line string) bool {
	if s == "" {
		return true
	}
	if line == "" {
		return false
	}
	b := uintptr(unsafe.Pointer(unsafe.StringData(line)))
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p >= b && p+uintptr(len(s)) <= b+uintptr(len(line))
}
