package logwatch

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// genLines returns lines from..to-1 of generation gen, padded so that a
// dozen of them pass the 1 KiB fingerprint length when long is set.
func genLines(gen, from, to int, long bool) []string {
	pad := ""
	if long {
		pad = " " + strings.Repeat("p", 90)
	}
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("gen %d line %d%s", gen, i, pad))
	}
	return out
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// gzipFile compresses src into dst and removes src, keeping its
// modification time, as gzip(1) does.
func gzipFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	z := gzip.NewWriter(out)
	if _, err := io.Copy(z, in); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dst, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(src); err != nil {
		t.Fatal(err)
	}
}

// copyTruncate copies src to dst and truncates src, as logrotate's
// copytruncate does (with no writer in between).
func copyTruncate(t testing.TB, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(src, 0); err != nil {
		t.Fatal(err)
	}
}

func mustRename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func mustSymlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestFollowResumeAfterRotation stops a follower after line 3 (or 15) of
// generation 0, changes the files as a rotation would while rblwatch is
// down, restarts it with the stored position and checks that it reads
// exactly the lines after the position, in order.
func TestFollowResumeAfterRotation(t *testing.T) {
	type env struct {
		t    *testing.T
		dir  string
		path string
		long bool
	}
	// write appends lines of gen to the current file and returns them.
	write := func(e env, gen int) []string {
		l := genLines(gen, 0, 20, e.long)
		appendFile(e.t, e.path, joinLines(l))
		return l
	}
	tests := []struct {
		name string
		// rotate changes the files after the follower stopped and
		// returns the lines expected after generation 0's rest.
		rotate func(e env) []string
		// lost: generation 0's rest is not expected (its file is gone).
		lost bool
	}{
		{"no rotation", func(e env) []string {
			return write(e, 3) // the same file goes on
		}, false},
		{"renamed (logrotate create)", func(e env) []string {
			mustRename(e.t, e.path, e.path+".1")
			return write(e, 1)
		}, false},
		{"renamed twice (numbered)", func(e env) []string {
			mustRename(e.t, e.path, e.path+".1")
			a := write(e, 1)
			mustRename(e.t, e.path+".1", e.path+".2")
			mustRename(e.t, e.path, e.path+".1")
			return append(a, write(e, 2)...)
		}, false},
		{"renamed twice, older one compressed (delaycompress)", func(e env) []string {
			mustRename(e.t, e.path, e.path+".1")
			a := write(e, 1)
			gzipFile(e.t, e.path+".1", e.path+".2.gz")
			mustRename(e.t, e.path, e.path+".1")
			return append(a, write(e, 2)...)
		}, false},
		{"dateext", func(e env) []string {
			mustRename(e.t, e.path, e.path+"-20261122")
			a := write(e, 1)
			mustRename(e.t, e.path, e.path+"-20261123")
			return append(a, write(e, 2)...)
		}, false},
		{"postfix logrotate (rename with time suffix, gzip)", func(e env) []string {
			mustRename(e.t, e.path, e.path+".20261123-101500")
			gzipFile(e.t, e.path+".20261123-101500", e.path+".20261123-101500.gz")
			a := write(e, 1)
			mustRename(e.t, e.path, e.path+".20261123-111500")
			gzipFile(e.t, e.path+".20261123-111500", e.path+".20261123-111500.gz")
			return append(a, write(e, 2)...)
		}, false},
		{"postfix logrotate, compression under way", func(e env) []string {
			mustRename(e.t, e.path, e.path+".20261123-101500")
			data, err := os.ReadFile(e.path + ".20261123-101500")
			if err != nil {
				e.t.Fatal(err)
			}
			// The .gz is there (complete or not), the plain file too.
			writeFile(e.t, e.dir, "maillog.20261123-101500.gz", gzipBytes(e.t, string(data))[:20])
			return write(e, 1)
		}, false},
		{"copytruncate", func(e env) []string {
			copyTruncate(e.t, e.path, e.path+".1")
			return write(e, 1)
		}, false},
		{"copytruncate twice, copies compressed", func(e env) []string {
			copyTruncate(e.t, e.path, e.path+"-20261122")
			gzipFile(e.t, e.path+"-20261122", e.path+"-20261122.gz")
			a := write(e, 1)
			copyTruncate(e.t, e.path, e.path+"-20261123")
			gzipFile(e.t, e.path+"-20261123", e.path+"-20261123.gz")
			return append(a, write(e, 2)...)
		}, false},
		{"a symbolic link switched to the day's file, twice", func(e env) []string {
			// The day's files have names of rotated ones: the file the
			// link names is the current one all the same.
			mustRename(e.t, e.path, e.path+"-20261122")
			for _, day := range []string{"20261123", "20261124"} {
				appendFile(e.t, e.path+"-"+day, "")
				mustSymlink(e.t, filepath.Base(e.path)+"-"+day, e.path+".new")
				mustRename(e.t, e.path+".new", e.path)
			}
			return write(e, 1)
		}, false},
		{"rotated file deleted", func(e env) []string {
			mustRename(e.t, e.path, e.path+".1")
			os.Remove(e.path + ".1")
			return write(e, 1)
		}, true},
		{"truncated without a copy", func(e env) []string {
			if err := os.Truncate(e.path, 0); err != nil {
				e.t.Fatal(err)
			}
			return write(e, 1)
		}, true},
	}
	for _, long := range []bool{false, true} {
		for _, tt := range tests {
			name := tt.name
			if long {
				name += "/past 1 KiB"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "maillog")
				e := env{t: t, dir: dir, path: path, long: long}
				// Older generations and unrelated files, never to be read.
				appendFile(t, path+".7.gz.bak", "not a rotation\n")
				appendFile(t, path+".old", "not a rotation\n")
				appendFile(t, filepath.Join(dir, "other.1"), "another log\n")
				gen0 := write(e, 0)
				stop := 3
				if long {
					stop = 15
				}
				fl := follow(t, nil, FollowOptions{Path: path, FromStart: true})
				got := fl.expect(gen0[:stop]...)
				fl.close()
				pos := got[len(got)-1].Pos
				if long && pos.Offset <= headLen {
					t.Fatalf("position %d is not past 1 KiB", pos.Offset)
				}

				want := tt.rotate(e)
				if !tt.lost {
					want = append(append([]string(nil), gen0[stop:]...), want...)
				}
				fl = follow(t, &pos, FollowOptions{Path: path})
				fl.expect(want...)
				// And nothing more: a marker line written now comes next.
				appendFile(t, path, "marker\n")
				fl.expect("marker")
			})
		}
	}
}

// TestFollowResumeInRotatedFile restarts from a position in a rotated file
// (the follower was killed while catching up) that was compressed since.
func TestFollowResumeInRotatedFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "maillog")
	gen0 := genLines(0, 0, 30, true)
	appendFile(t, path, joinLines(gen0))
	mustRename(t, path, path+".1")
	gen1 := genLines(1, 0, 10, true)
	appendFile(t, path, joinLines(gen1))
	// A follower that stopped at line 2 of generation 0 catches up.
	fi, _ := os.Stat(path + ".1")
	dev, ino := fileID(fi)
	off := int64(len(joinLines(gen0[:2])))
	start := &postfixlog.Position{Path: path, Dev: dev, Inode: ino, Offset: off, Fingerprint: fingerprint([]byte(joinLines(gen0))[:off])}
	fl := follow(t, start, FollowOptions{Path: path})
	got := fl.expect(gen0[2:20]...)
	fl.close()
	// It stops in the middle of maillog.1, which is then compressed and
	// rotated once more.
	pos := got[len(got)-1].Pos
	if pos.Inode != ino {
		t.Fatalf("position %+v is not in maillog.1", pos)
	}
	gzipFile(t, path+".1", path+".2.gz")
	mustRename(t, path, path+".1")
	gen2 := genLines(2, 0, 10, true)
	appendFile(t, path, joinLines(gen2))

	fl = follow(t, &pos, FollowOptions{Path: path})
	want := append(append(append([]string(nil), gen0[20:]...), gen1...), gen2...)
	got = fl.expect(want...)
	// A position in the compressed file counts decompressed bytes.
	if l := got[len(gen0[20:])-1]; l.Pos.Offset != int64(len(joinLines(gen0))) {
		t.Errorf("last position in the .gz = %d, want %d", l.Pos.Offset, len(joinLines(gen0)))
	}
}

func TestRotationSuffix(t *testing.T) {
	tests := []struct {
		name, suffix string
		ok           bool
	}{
		{"maillog.1", "1", true},
		{"maillog.12.gz", "12", true},
		{"maillog-20261123", "20261123", true},
		{"maillog-20261123.gz", "20261123", true},
		{"maillog.20261123-101500", "20261123-101500", true},
		{"maillog_2026-11-23", "2026-11-23", true},
		{"maillog", "", false},
		{"maillog.", "", false},
		{"maillog.gz", "", false},
		{"maillog.old", "", false},
		{"maillog.1.bak", "", false},
		{"maillog.1.xz", "", false},
		{"maillogs.1", "", false},
		{"mail.log.1", "", false},
	}
	for _, tt := range tests {
		s, ok := rotationSuffix("maillog", tt.name)
		if s != tt.suffix || ok != tt.ok {
			t.Errorf("rotationSuffix(%q) = %q, %v; want %q, %v", tt.name, s, ok, tt.suffix, tt.ok)
		}
	}
}

func TestListSiblingsOrder(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  []string
	}{
		{"numbered", []string{"maillog.1", "maillog.10.gz", "maillog.2.gz", "maillog.3.gz"}, []string{"maillog.10.gz", "maillog.3.gz", "maillog.2.gz", "maillog.1"}},
		{"dated", []string{"maillog-20261124", "maillog-20261122.gz", "maillog-20261123.gz"}, []string{"maillog-20261122.gz", "maillog-20261123.gz", "maillog-20261124"}},
		{"postfix", []string{"maillog.20261123-101500.gz", "maillog.20261122-235959.gz", "maillog.20261123-101501"}, []string{"maillog.20261122-235959.gz", "maillog.20261123-101500.gz", "maillog.20261123-101501"}},
		{"plain and gz of one generation", []string{"maillog.1", "maillog.1.gz", "maillog.2.gz"}, []string{"maillog.2.gz", "maillog.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tt.files {
				appendFile(t, filepath.Join(dir, f), f+"\n")
			}
			appendFile(t, filepath.Join(dir, "maillog"), "current\n")
			sibs, err := listSiblings(filepath.Join(dir, "maillog"))
			if err != nil {
				t.Fatal(err)
			}
			defer closeSiblings(sibs)
			var got []string
			for _, s := range sibs {
				got = append(got, filepath.Base(s.path))
			}
			if !equalLines(got, tt.want) {
				t.Errorf("order = %q, want %q", got, tt.want)
			}
		})
	}
}
