package logwatch

import (
	"os"
	"path/filepath"
	"testing"
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
	if end := fl.next(); !end.AtEnd || end.Text != "" || end.Pos.Offset != 0 {
		t.Fatalf("after the backlog: %+v, want an end mark", end)
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

	// A start at the end of the file: a mark at once.
	fl2 := follow(t, nil, FollowOptions{Path: path, EndMarks: true})
	if end := fl2.next(); !end.AtEnd {
		t.Fatalf("a start with nothing to read: %+v, want an end mark", end)
	}
	appendFile(t, path, "seven\n")
	fl2.expect("seven")

	// Without EndMarks: lines only.
	fl3 := follow(t, nil, FollowOptions{Path: path, FromStart: true})
	fl3.expect("one", "two", "three", "four", "five", "six", "seven")
	appendFile(t, path, "eight\n")
	fl3.expect("eight")
}
