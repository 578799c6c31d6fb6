package logwatch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// shiftRotate rotates path as logrotate's "create" does with numbered
// suffixes: maillog.N (or .N.gz) becomes maillog.N+1, oldest first, the
// current file becomes maillog.1 and a new one holds next. With compress,
// the new maillog.2 is then compressed (delaycompress).
func shiftRotate(t *testing.T, path string, compress bool, next []string) {
	t.Helper()
	for n := 9; n >= 1; n-- {
		for _, ext := range []string{"", ".gz"} {
			from := path + "." + strconv.Itoa(n) + ext
			if _, err := os.Stat(from); err == nil {
				mustRename(t, from, path+"."+strconv.Itoa(n+1)+ext)
			}
		}
	}
	mustRename(t, path, path+".1")
	if compress {
		gzipFile(t, path+".2", path+".2.gz")
	}
	appendFile(t, path, joinLines(next))
}

// TestFollowRotationWhileCatchingUp restarts a follower from a position in
// an older rotated file and rotates the log again while it catches up:
// between its listing of the rotated files and its reading them, or its
// opening the current file, or while it reads a file it found missed. A
// rotated file is a file, not a name: the follower must read each
// generation once, in order, whatever name it has by then, must not take an
// older generation it did not read (it was read before the restart) for
// one it missed, nor read a generation rotated out after the file it opened
// as the current one before that file.
//
// The follower's channel holds one line, so it cannot get more than two
// lines ahead of the test: each rotation lands exactly where the test says.
func TestFollowRotationWhileCatchingUp(t *testing.T) {
	// The generations, oldest first: a (read before the restart), b (the
	// stored position is in it, after line stop), c1, c2 (the current
	// file), then one per rotation.
	const stop, n = 5, 20
	type rotation struct {
		at       int  // how many of the expected lines are received before it
		compress bool // compress the new maillog.2 (delaycompress)
		lines    int  // lines of the new current file
	}
	b, c1, c2 := n-stop, n, n // the expected lines of each
	tests := []struct {
		name      string
		rotations []rotation
		// late: lines the writer appends to maillog.1 once all the others
		// are read: it has not reopened the log yet.
		late int
	}{
		{"while reading the position's file", []rotation{{b - 3, false, n}}, 0},
		{"while reading the position's file, the next one compressed", []rotation{{b - 3, true, n}}, 0},
		{"before opening the current file", []rotation{{b + c1 - 3, false, n}}, 0},
		{"before opening the current file, the last one compressed", []rotation{{b + c1 - 3, true, n}}, 0},
		{"before opening the current file, which stays empty", []rotation{{b + c1 - 3, false, 0}}, 0},
		{"before opening the current file, which stays empty, the writer late", []rotation{{b + c1 - 3, false, 0}}, 5},
		{"before opening the current file, and twice more while reading the file missed", []rotation{
			{b + c1 - 3, false, n}, {b + c1 + c2 - 3, false, n}, {b + c1 + c2 - 3, false, 0}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "maillog")
			gens := [][]string{genLines(0, 0, n, true), genLines(1, 0, n, true), genLines(2, 0, n, true), genLines(3, 0, n, true)}
			appendFile(t, path+".3", joinLines(gens[0]))
			appendFile(t, path+".2", joinLines(gens[1]))
			appendFile(t, path+".1", joinLines(gens[2]))
			appendFile(t, path, joinLines(gens[3]))
			fi, err := os.Stat(path + ".2")
			if err != nil {
				t.Fatal(err)
			}
			dev, ino := fileID(fi)
			off := int64(len(joinLines(gens[1][:stop])))
			start := &postfixlog.Position{Path: path, Dev: dev, Inode: ino, Offset: off, Fingerprint: fingerprint([]byte(joinLines(gens[1]))[:min(off, headLen)])}

			want := append(append(append([]string(nil), gens[1][stop:]...), gens[2]...), gens[3]...)
			for i, r := range tt.rotations {
				gens = append(gens, genLines(4+i, 0, r.lines, true))
				want = append(want, gens[len(gens)-1]...)
			}
			fl := follow(t, start, FollowOptions{Path: path, Buffer: 1})
			got := 0
			for i, r := range tt.rotations {
				fl.expect(want[got:r.at]...)
				got = r.at
				shiftRotate(t, path, r.compress, gens[4+i])
			}
			fl.expect(want[got:]...)
			if tt.late > 0 {
				late := genLines(9, 0, tt.late, false)
				appendFile(t, path+".1", joinLines(late))
				fl.expect(late...)
			}
			// And nothing more: a marker line written now comes next.
			appendFile(t, path, "marker\n")
			fl.expect("marker")
			if _, err := fl.close(); err != nil {
				t.Error(err)
			}
			if open := openFilesUnder(t, dir); len(open) > 0 {
				t.Errorf("files left open after the follower ended: %q", open)
			}
		})
	}
}

// openFilesUnder returns the files under dir that this process holds open
// (Linux: /proc/self/fd); none where that cannot be told.
func openFilesUnder(t *testing.T, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Logf("cannot list open files: %v", err)
		return nil
	}
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			out = append(out, target)
		}
	}
	return out
}

// TestFollowRotatedTwiceBeforeFirstLine rotates the log twice while the
// follower still reads the old file: the generation in between got lines,
// the current file none yet. The writer has moved past the old file, so the
// follower must read the generation in between now, not once the current
// file gets its first line (which may be hours later on a quiet host).
func TestFollowRotatedTwiceBeforeFirstLine(t *testing.T) {
	for _, compress := range []bool{false, true} {
		name := "renamed"
		if compress {
			name = "renamed, the old file compressed"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "maillog")
			g0, g1 := genLines(0, 0, 20, true), genLines(1, 0, 20, true)
			appendFile(t, path, joinLines(g0))
			fl := follow(t, nil, FollowOptions{Path: path, FromStart: true, Buffer: 1})
			// The follower is at most two lines ahead: still in g0.
			fl.expect(g0[:len(g0)-3]...)
			shiftRotate(t, path, false, g1)
			shiftRotate(t, path, compress, nil)
			fl.expect(g0[len(g0)-3:]...)
			fl.expect(g1...)
			appendFile(t, path, "marker\n")
			fl.expect("marker")
			if _, err := fl.close(); err != nil {
				t.Error(err)
			}
			if open := openFilesUnder(t, dir); len(open) > 0 {
				t.Errorf("files left open after the follower ended: %q", open)
			}
		})
	}
}
