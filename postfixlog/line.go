package postfixlog

// Position is a place in the log just after a line: what the daemon stores,
// in the same transaction as the line's effects, and hands back to Follow
// on restart.
//
// Within a generation of a followed file, Offset counts bytes of the
// (decompressed) content. Dev and Inode name the file; Fingerprint (hex
// SHA-256 of its first min(1 KiB, Offset) bytes) names its content, which
// survives a rename, a copy and compression, where the inode does not.
type Position struct {
	Path        string // the followed path (not the rotated file's name)
	Dev, Inode  uint64
	Offset      int64
	Fingerprint string
	Cursor      string // journald: the entry's __CURSOR; the other fields are then zero
}

// Line is one line of the log, without its line ending.
type Line struct {
	Text string
	// Pos is the position just after the line: store it once the line is
	// processed. Lines from stdin carry a zero Position.
	Pos Position
	// Skipped counts the over-long lines (over the source's maximum line length)
	// that were dropped just before this one.
	Skipped int
	// AtEnd marks the live end of the log: the source has read everything
	// there was. Such a Line carries no text; sources send it only when
	// asked to (logwatch.FollowOptions.EndMarks), once after each stretch
	// of lines and once at a start with nothing to read. Its Pos, when set,
	// is where the source stands (after the last line it read or skipped):
	// a start with nothing to read keeps it, so that a restart before the
	// first line resumes there.
	AtEnd bool
	// Trailing marks the last Line of a stream (standard input) that ended
	// with over-long lines and no line after them: it carries no text,
	// only their count in Skipped, and is no line of the log.
	Trailing bool
}
