package logwatch

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// readAll collects every line with Next, copying them.
func readAll(t *testing.T, lr *LineReader) ([]string, error) {
	t.Helper()
	var out []string
	for {
		line, err := lr.Next()
		if err != nil {
			return out, err
		}
		out = append(out, string(line))
	}
}

// readAllChunks collects every line with NextChunk and CutLine.
func readAllChunks(t *testing.T, lr *LineReader) ([]string, error) {
	t.Helper()
	var out []string
	for {
		chunk, err := lr.NextChunk()
		if err != nil {
			return out, err
		}
		if len(chunk) == 0 {
			t.Fatal("NextChunk returned an empty chunk")
		}
		for len(chunk) > 0 {
			var line []byte
			line, chunk = CutLine(chunk)
			out = append(out, string(line))
		}
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 100)
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		skipped int64
	}{
		{"empty", "", 0, nil, 0},
		{"one line", "a\n", 0, []string{"a"}, 0},
		{"no final newline", "a\nb", 0, []string{"a", "b"}, 0},
		{"crlf", "a\r\nb\r\nc", 0, []string{"a", "b", "c"}, 0},
		{"crlf without final newline", "a\r\nb\r", 0, []string{"a", "b"}, 0},
		{"lone cr kept inside a line", "a\rb\n", 0, []string{"a\rb"}, 0},
		{"empty lines", "\n\n\r\nx\n", 0, []string{"", "", "", "x"}, 0},
		{"invalid utf-8 and nul untouched", "\xff\xfe\x00abc\x00\n\xc3\x28\n", 0, []string{"\xff\xfe\x00abc\x00", "\xc3\x28"}, 0},
		{"line of exactly max", long + "\nb\n", 100, []string{long, "b"}, 0},
		{"line over max skipped", "a\n" + long + "y\nb\n", 100, []string{"a", "b"}, 1},
		{"two long lines in a row", long + "1\n" + long + "2\nc\n", 100, []string{"c"}, 2},
		{"long line at the end without newline", "a\n" + long + long, 100, []string{"a"}, 1},
		{"long line several buffers long", "a\n" + strings.Repeat(long, 7) + "\nb", 100, []string{"a", "b"}, 1},
		{"long crlf line counts its cr", "a\n" + long + "\r\nb\n", 100, []string{"a", "b"}, 1},
	}
	readers := map[string]func(string) io.Reader{
		"whole":   func(s string) io.Reader { return strings.NewReader(s) },
		"onebyte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"half":    func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
		"dataerr": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for rname, mk := range readers {
			t.Run(tt.name+"/"+rname, func(t *testing.T) {
				lr := NewLineReader(mk(tt.in), tt.max)
				got, err := readAll(t, lr)
				if err != io.EOF {
					t.Fatalf("Next: err = %v, want io.EOF", err)
				}
				if !equalLines(got, tt.want) {
					t.Errorf("Next lines = %q, want %q", got, tt.want)
				}
				if lr.Skipped() != tt.skipped {
					t.Errorf("Skipped = %d, want %d", lr.Skipped(), tt.skipped)
				}
				if lr.Offset() != int64(len(tt.in)) {
					t.Errorf("Offset = %d, want %d", lr.Offset(), len(tt.in))
				}

				// NextChunk, also of a chunk reader whose buffer starts
				// smaller than the lines and grows up to the limit.
				for _, size := range []int{0, 1, 7, 64} {
					lr = NewLineReader(mk(tt.in), tt.max)
					if size > 0 {
						lr = NewChunkReader(mk(tt.in), tt.max, size)
					}
					got, err = readAllChunks(t, lr)
					if err != io.EOF {
						t.Fatalf("NextChunk (size %d): err = %v, want io.EOF", size, err)
					}
					if !equalLines(got, tt.want) {
						t.Errorf("NextChunk (size %d) lines = %q, want %q", size, got, tt.want)
					}
					if lr.Skipped() != tt.skipped {
						t.Errorf("chunks (size %d): Skipped = %d, want %d", size, lr.Skipped(), tt.skipped)
					}
					if lr.Offset() != int64(len(tt.in)) {
						t.Errorf("chunks (size %d): Offset = %d, want %d", size, lr.Offset(), len(tt.in))
					}
				}
			})
		}
	}
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLineReaderMebibyteLine(t *testing.T) {
	mib := bytes.Repeat([]byte{'m'}, DefaultMaxLineLen)
	var in bytes.Buffer
	in.WriteString("first\n")
	in.Write(mib)
	in.WriteString("\n")
	in.Write(mib)
	in.WriteString("+\nlast\n") // one byte over the limit
	lr := NewLineReader(&in, 0)
	got, err := readAll(t, lr)
	if err != io.EOF {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != "first" || got[1] != string(mib) || got[2] != "last" {
		t.Errorf("got %d lines (lengths %v), want first, 1 MiB line, last", len(got), lineLens(got))
	}
	if lr.Skipped() != 1 {
		t.Errorf("Skipped = %d, want 1", lr.Skipped())
	}
}

func lineLens(lines []string) []int {
	var n []int
	for _, l := range lines {
		n = append(n, len(l))
	}
	return n
}

// errAfter returns its data, then err.
type errAfter struct {
	r   io.Reader
	err error
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

func TestLineReaderErrorAfterData(t *testing.T) {
	boom := errors.New("boom")
	lr := NewLineReader(&errAfter{strings.NewReader("a\nb\npartial"), boom}, 0)
	got, err := readAll(t, lr)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if want := []string{"a", "b", "partial"}; !equalLines(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
	// The error stays.
	if _, err := lr.Next(); !errors.Is(err, boom) {
		t.Errorf("second err = %v, want boom", err)
	}
}

// stuck never returns data.
type stuck struct{}

func (stuck) Read([]byte) (int, error) { return 0, nil }

func TestLineReaderNoProgress(t *testing.T) {
	lr := NewLineReader(stuck{}, 0)
	if _, err := lr.Next(); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("err = %v, want io.ErrNoProgress", err)
	}
}

func TestLineReaderReset(t *testing.T) {
	lr := NewLineReader(strings.NewReader("a\nb\n"), 10)
	if _, err := readAll(t, lr); err != io.EOF {
		t.Fatal(err)
	}
	lr.Reset(strings.NewReader("c\n" + strings.Repeat("z", 20) + "\n"))
	got, err := readAll(t, lr)
	if err != io.EOF || !equalLines(got, []string{"c"}) || lr.Skipped() != 1 || lr.Offset() != 23 {
		t.Errorf("after Reset: %q %v skipped=%d offset=%d", got, err, lr.Skipped(), lr.Offset())
	}
}

func TestCutLine(t *testing.T) {
	tests := []struct{ in, line, rest string }{
		{"", "", ""},
		{"a", "a", ""},
		{"a\n", "a", ""},
		{"a\r\nb\n", "a", "b\n"},
		{"\r\n", "", ""},
		{"a\rb", "a\rb", ""},
	}
	for _, tt := range tests {
		line, rest := CutLine([]byte(tt.in))
		if string(line) != tt.line || string(rest) != tt.rest {
			t.Errorf("CutLine(%q) = %q, %q; want %q, %q", tt.in, line, rest, tt.line, tt.rest)
		}
	}
}

func TestLineReaderNoAllocs(t *testing.T) {
	data := strings.Repeat("Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, status=sent\n", 1000)
	r := strings.NewReader(data)
	lr := NewLineReader(r, 4096)
	allocs := testing.AllocsPerRun(10, func() {
		r.Reset(data)
		lr.Reset(r)
		for {
			if _, err := lr.Next(); err != nil {
				break
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per pass over 1000 lines, want 0", allocs)
	}
}

// lineRuleInputs are inputs with carriage returns wherever they can be.
var lineRuleInputs = []string{
	"a\rb\nc\r\n",
	"\r\n\r\r\n\r",
	"x\r\ry\r\r\nz",
	"no newline\r",
	"\rlead\n\n\n",
	"mid\rdle\rof\rline\n\x00\xff\r\n",
	// The NUL bytes a crash leaves where a log's last blocks were never
	// written, the next line appended after them.
	"before\n\x00\x00\x00\x00after the crash\nmid\x00dle\n\x00\n",
	// More of them than the longest line (64 here; a crash leaves
	// megabytes where the limit is a mebibyte): they are no part of the
	// line after them, which is read, not skipped as over-long.
	"before\n" + strings.Repeat("\x00", 200) + "after the crash\n" + strings.Repeat("\x00", 300) + "\n" + strings.Repeat("\x00", 70) + "x\nlast\n",
}

// TestLineRuleAlike: every way the daemon and replay cut lines — the
// reader's Next, NextChunk with CutLine, replay's CutLineString, the
// follower reading a file at its start and while it grows — cuts the same
// bytes into the same lines, a bare CR never cuts, and the NUL bytes a
// line starts with are dropped.
func TestLineRuleAlike(t *testing.T) {
	for _, in := range lineRuleInputs {
		// The reference: split at "\n" only, drop one "\r" before it
		// and the NUL bytes it starts with.
		var want []string
		for i, l := range strings.Split(in, "\n") {
			if i == strings.Count(in, "\n") && l == "" {
				break // after the last newline: no line
			}
			want = append(want, strings.TrimLeft(strings.TrimSuffix(l, "\r"), "\x00"))
		}

		next, _ := readAll(t, NewLineReader(strings.NewReader(in), 64))
		chunks, _ := readAllChunks(t, NewLineReader(iotest.OneByteReader(strings.NewReader(in)), 64))
		var str []string
		for rest := in; len(rest) > 0; {
			var line string
			line, rest = CutLineString(rest)
			str = append(str, line)
		}
		for name, got := range map[string][]string{"Next": next, "NextChunk+CutLine": chunks, "CutLineString": str,
			"Follow (one-shot)": followLines(t, in, true), "Follow (growing file)": followLines(t, in, false)} {
			if !equalLines(got, want) {
				t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
			}
		}
	}
}

// followLines writes in to a file and returns the lines Follow reads: at
// once and to the end (oneShot), or byte by byte as the file grows, the
// last line only when it has its newline.
func followLines(t *testing.T, in string, oneShot bool) []string {
	t.Helper()
	path := t.TempDir() + "/mail.log"
	if oneShot {
		if err := os.WriteFile(path, []byte(in), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	lines, errs := Follow(ctx, nil, FollowOptions{Path: path, OneShot: oneShot, FromStart: true, CheckInterval: time.Millisecond, MaxLineLen: 64})
	var out []string
	if oneShot {
		for l := range lines {
			out = append(out, l.Text)
		}
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		return out
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := range len(in) {
		if _, err := f.WriteString(in[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	// A growing file's unterminated last line is not a line yet.
	n := strings.Count(in, "\n")
	for len(out) < n {
		select {
		case l := <-lines:
			out = append(out, l.Text)
		case err := <-errs:
			t.Fatalf("follow: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatalf("follow read %q of %q", out, in)
		}
	}
	if last := in[strings.LastIndexByte(in, '\n')+1:]; last != "" {
		out = append(out, strings.TrimSuffix(last, "\r")) // stands in for the line once completed
	}
	return out
}

// TestNextChunkSwap: chunks handed over in their buffers hold whole lines,
// all of them, in order, and stay intact while the reader goes on in the
// fresh buffers it is given.
func TestNextChunkSwap(t *testing.T) {
	var want strings.Builder
	for i := range 5000 {
		want.WriteString("line " + strconv.Itoa(i) + " " + strings.Repeat("x", i%97) + "\n")
	}
	want.WriteString("last line without a newline")
	for _, size := range []int{0, 64, 333} {
		t.Run(strconv.Itoa(size), func(t *testing.T) { testNextChunkSwap(t, want.String(), size) })
	}
}

// testNextChunkSwap reads want with NextChunkSwap from a line reader
// (size 0) or a chunk reader of that size, given fresh buffers of that
// size, and checks what it hands over.
func testNextChunkSwap(t *testing.T, want string, size int) {
	lr := NewLineReader(strings.NewReader(want), 1000)
	if size > 0 {
		lr = NewChunkReader(strings.NewReader(want), 1000, size)
	}
	var kept [][]byte
	for {
		chunk, old, err := lr.NextChunkSwap(make([]byte, max(size, 1001*(1-min(size, 1)))))
		if len(chunk) > 0 {
			if old == nil || len(chunk) > len(old) {
				t.Fatalf("chunk of %d bytes handed over in a buffer of %d", len(chunk), len(old))
			}
			if size > 0 && len(old) > max(size, 128) {
				t.Fatalf("a buffer of %d bytes, reading %d at a time lines under 128 bytes", len(old), size)
			}
			if i := bytes.IndexByte(chunk, '\n'); i < 0 && string(chunk) != "last line without a newline" {
				t.Fatalf("a chunk without a whole line: %q", chunk)
			}
			kept = append(kept, chunk)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := string(bytes.Join(kept, nil)); got != want {
		t.Errorf("the chunks, kept to the end, differ from the input (%d vs %d bytes)", len(got), len(want))
	}
	if size > 0 && len(kept) < len(want)/max(size, 128) {
		t.Errorf("%d chunks of a %d-byte input read %d bytes at a time (lines < 128 bytes): chunks too big", len(kept), len(want), size)
	}
}
