package logwatch

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

var bfNow = time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

// bfLine is a log line stamped d before bfNow.
func bfLine(d time.Duration, text string) string {
	return bfNow.Add(-d).Format(time.RFC3339) + " mx postfix/smtp[1]: " + text
}

// bfTime reads the RFC 3339 stamp in front of a test line.
func bfTime(line []byte) (time.Time, bool) {
	stamp, _, _ := bytes.Cut(line, []byte(" "))
	t, err := time.Parse(time.RFC3339, string(stamp))
	return t, err == nil
}

// TestBackfillOffset: the bisection finds the first line of the window
// whatever the file's size, with lines without a time and over-long lines
// around, and agrees with a line-by-line reading.
func TestBackfillOffset(t *testing.T) {
	since := bfNow.Add(-time.Hour)
	for _, n := range []int{0, 1, 2, 3, 10, 100, 1000, 20000} {
		for _, cut := range []int{0, 1, n / 3, n / 2, n - 1, n} {
			if cut < 0 || cut > n {
				continue
			}
			var b strings.Builder
			want := int64(-1)
			for i := range n {
				// Lines before cut are older than the window.
				d := time.Hour + time.Duration(n-i)*time.Second
				if i >= cut {
					d = time.Hour - time.Duration(i-cut+1)*time.Millisecond
				}
				if i%7 == 3 {
					b.WriteString("no time here\n")
				}
				if i%97 == 5 {
					b.WriteString(strings.Repeat("x", 200) + "\n") // over the reader's limit below
				}
				if i == cut {
					want = int64(b.Len())
				}
				fmt.Fprintf(&b, "%s\r\n", bfLine(d, fmt.Sprintf("line %d", i)))
			}
			data := b.String()
			if want < 0 {
				want = int64(len(data))
			}
			lr := NewLineReader(nil, 128)
			got, inside, err := backfillOffset(strings.NewReader(data), int64(len(data)), since, bfTime, lr)
			if err != nil {
				t.Fatal(err)
			}
			wantInside := cut == 0 && n > 0
			if wantInside {
				want = 0
			}
			if got != want || inside != wantInside {
				t.Errorf("%d lines, window from line %d: offset %d (inside %v), want %d (inside %v)", n, cut, got, inside, want, wantInside)
			}
			gotScan, found, err := scanOffset(strings.NewReader(data), since, bfTime, NewLineReader(nil, 128))
			if err != nil || found != (cut < n) || (found && gotScan != want) {
				t.Errorf("%d lines, window from line %d: scan %d %v %v, want %d", n, cut, gotScan, found, err, want)
			}
		}
	}
}

// TestFollowBackfill: a start without a position reads back the lines of
// the last hour — from the current file, or from the newest rotated one
// (plain or gzipped) when the current file begins inside the hour — and
// then follows the file; with nothing in the hour it starts at the end.
func TestFollowBackfill(t *testing.T) {
	since := bfNow.Add(-time.Hour)
	old := []string{bfLine(3*time.Hour, "a"), bfLine(2*time.Hour, "b"), bfLine(61*time.Minute, "c")}
	recent := []string{bfLine(59*time.Minute, "d"), "no time", bfLine(10*time.Minute, "e"), bfLine(0, "f")}
	tests := []struct {
		name     string
		rotated  []string // maillog.1
		gzip     bool
		current  []string
		want     []string
		wantFrom string
	}{
		{"window inside the current file", nil, false, append(old, recent...), recent, "reading back the log"},
		{"nothing in the window", nil, false, old, nil, "following from the end"},
		{"everything in the window, no rotated file", nil, false, recent, recent, "reading back the log"},
		{"window begins in the rotated file", append(old, recent[:2]...), false, recent[2:], recent, "reading back the log from a rotated file"},
		{"window begins in the gzipped rotated file", append(old, recent[:2]...), true, recent[2:], recent, "reading back the log from a rotated file"},
		{"rotated file all old", old, false, recent, recent, "reading back the log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "maillog")
			if tt.rotated != nil {
				rot := path + ".1"
				appendFile(t, rot, strings.Join(tt.rotated, "\n")+"\n")
				if tt.gzip {
					gzipFile(t, rot, rot+".gz")
				}
			}
			appendFile(t, path, strings.Join(tt.current, "\n")+"\n")
			logs := &logRecorder{}
			fl := follow(t, nil, FollowOptions{Path: path, Since: since, TimeOf: bfTime, Log: logs.logger()})
			fl.expect(tt.want...)
			appendFile(t, path, "later\n")
			fl.expect("later")
			if !logs.has(tt.wantFrom) {
				t.Errorf("the follower did not log %q: %q", tt.wantFrom, logs.messages())
			}
		})
	}
}

// logRecorder keeps what a follower logs.
type logRecorder struct{ logs *observer.ObservedLogs }

func (r *logRecorder) logger() *zap.Logger {
	core, logs := observer.New(zap.InfoLevel)
	r.logs = logs
	return zap.New(core)
}

func (r *logRecorder) has(msg string) bool { return r.logs.FilterMessage(msg).Len() > 0 }

func (r *logRecorder) messages() []string {
	var out []string
	for _, e := range r.logs.All() {
		out = append(out, e.Message)
	}
	return out
}
