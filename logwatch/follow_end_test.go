package logwatch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestEndMarks: with EndMarks, the follower says when it has read
// everything: at a start with nothing to read, after the backlog, and after
// each stretch of new lines, never inside one; without it, no mark.
func TestEndMarks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(path, []byte("one\ntwo\nthree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true, EndMarks: true})
	got := fl.expect("one", "two", "three")
	if end := fl.next(); !end.AtEnd || end.Text != "" || end.Pos.Offset != int64(len("one\ntwo\nthree\n")) || end.Pos.Path != path {
		t.Fatalf("after the backlog: %+v, want an end mark at the end of three", end)
	}
	for _, l := range got {
		if l.AtEnd {
			t.Errorf("a line with text is marked as the end: %+v", l)
		}
	}
	appendFile(t, path, "four\nfive\n")
	fl.expect("four", "five")
	if end := fl.next(); !end.AtEnd {
		t.Fatalf("after new lines: %+v, want an end mark", end)
	}
	// Nothing new: no further mark until a line comes.
	appendFile(t, path, "six\n")
	fl.expect("six")
	if end := fl.next(); !end.AtEnd {
		t.Fatalf("after six: %+v", end)
	}

	// A start at the end of the file: a mark at once, where the follower
	// stands (the daemon keeps it: a restart before the first line
	// resumes there).
	fl2 := follow(t, nil, FollowOptions{Path: path, EndMarks: true})
	if end := fl2.next(); !end.AtEnd || end.Pos.Offset != int64(len("one\ntwo\nthree\nfour\nfive\nsix\n")) || end.Pos.Inode == 0 || end.Pos.Fingerprint == "" {
		t.Fatalf("a start with nothing to read: %+v, want an end mark at the end of six", end)
	}
	appendFile(t, path, "seven\n")
	fl2.expect("seven")

	// Without EndMarks: lines only.
	fl3 := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	fl3.expect("one", "two", "three", "four", "five", "six", "seven")
	appendFile(t, path, "eight\n")
	fl3.expect("eight")
}

// TestFollowGathersWrites: with Gather, the writes that come while the
// follower waits after an inotify wake-up are read together (one stretch,
// one end mark), not one read a line; without it, a read each.
func TestFollowGathersWrites(t *testing.T) {
	if !inotifyUsable() || inotifyStuck.Load() {
		t.Skip("no usable inotify here")
	}
	for _, tt := range []struct {
		gather   time.Duration
		maxMarks int
		minMarks int
	}{
		{gather: 200 * time.Millisecond, maxMarks: 3},
		{gather: 0, minMarks: 4},
	} {
		t.Run(fmt.Sprint(tt.gather), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "maillog")
			appendFile(t, path, "")
			// The ticker never fires: only inotify wakes the follower.
			fl := follow(t, nil, FollowOptions{Path: path, CheckInterval: time.Hour, EndMarks: true, Gather: tt.gather})
			if l := fl.next(); !l.AtEnd {
				t.Fatalf("at the start: %+v, want an end mark", l)
			}
			const n = 10
			for i := range n {
				appendFile(t, path, fmt.Sprintf("%d\n", i))
				time.Sleep(5 * time.Millisecond)
			}
			marks := 0
			for got := 0; got < n; {
				if l := fl.next(); l.AtEnd {
					marks++
				} else {
					got++
				}
			}
			if tt.maxMarks > 0 && marks > tt.maxMarks || marks < tt.minMarks {
				t.Errorf("%d writes 5 ms apart, gather %v: read in %d stretches, want %d to %d", n, tt.gather, marks+1, tt.minMarks, tt.maxMarks)
			}
		})
	}
}

// TestEndMarkCountsLastLongLine: an over-long line with no newline at the
// end of the log (being written, or the last one a crash left) is counted
// by the end mark that follows it, and a second one after a mark by the
// next mark; one a rotation cut is counted once too. Before, an over-long line was counted only by the line after its
// newline: the log's last one never.
func TestEndMarkCountsLastLongLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mail.log")
	long := strings.Repeat("L", 300)
	if err := os.WriteFile(path, []byte("one\n"+long), 0o644); err != nil {
		t.Fatal(err)
	}
	fl := follow(t, nil, FollowOptions{Path: path, FromStart: true, EndMarks: true, MaxLineLen: 100})
	fl.expect("one")
	if end := fl.next(); !end.AtEnd || end.Skipped != 1 {
		t.Fatalf("after an over-long last line: %+v, want an end mark counting it", end)
	}
	appendFile(t, path, "tail\n"+long) // its end, then another without newline
	if end := fl.next(); !end.AtEnd || end.Skipped != 1 {
		t.Fatalf("after the second over-long last line: %+v, want an end mark counting it alone", end)
	}
	// Ended, then a third one rotated away unfinished: counted once,
	// by a mark or by the new file's first line, whichever comes first.
	appendFile(t, path, "\n"+long)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path, "two\n")
	var skipped int
	for {
		l := fl.next()
		skipped += l.Skipped
		if l.Text == "two" {
			break
		}
	}
	if skipped != 1 {
		t.Errorf("%d over-long lines counted up to the new file's first line, want 1", skipped)
	}
}

// TestEndMarkAtStartOutlivesStop: a start at the end of the file has its
// first end mark, with the place, in the channel when Follow returns, so a
// consumer stopped at once (ctx ended before it read anything) still
// finds it before the channel closes: the daemon keeps that place for a
// new state. Sent after the goroutine's first read, the mark raced the
// stop and was lost about one time in two.
func TestEndMarkAtStartOutlivesStop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mail.log")
	appendFile(t, path, "one\ntwo\n")
	for round := range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		lines, _ := Follow(ctx, nil, FollowOptions{Path: path, EndMarks: true, CheckInterval: testInterval})
		cancel()
		var got []postfixlog.Line
		for l := range lines {
			got = append(got, l)
		}
		if len(got) != 1 || !got[0].AtEnd || got[0].Pos.Path != path || got[0].Pos.Offset != int64(len("one\ntwo\n")) || got[0].Pos.Inode == 0 {
			t.Fatalf("round %d: a start at the end stopped at once sent %+v, want one end mark at the end of two", round, got)
		}
	}
}
