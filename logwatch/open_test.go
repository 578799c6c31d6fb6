package logwatch

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func gzipBytes(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	if _, err := z.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenFile(t *testing.T) {
	text := "Nov 23 15:33:46 mx postfix/smtp[1]: a\r\nNov 23 15:33:47 mx postfix/smtp[1]: b\n\xff\x00 c"
	wantLines := []string{"Nov 23 15:33:46 mx postfix/smtp[1]: a", "Nov 23 15:33:47 mx postfix/smtp[1]: b", "\xff\x00 c"}
	gz := gzipBytes(t, text)
	half := len(text) / 2
	multi := append(gzipBytes(t, text[:half]), gzipBytes(t, text[half:])...)
	tests := []struct {
		name string
		data []byte
	}{
		{"maillog", []byte(text)},
		{"maillog.1.gz", gz},                  // the usual
		{"maillog.1", gz},                     // gzip without the suffix: the magic decides
		{"plain.gz", []byte(text)},            // a .gz name with plain content
		{"maillog.20261123-101500.gz", multi}, // concatenated members
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, dir, tt.name, tt.data)
			f, err := OpenFile(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := readAll(t, NewLineReader(f, 0))
			if err != io.EOF {
				t.Fatalf("err = %v", err)
			}
			if !equalLines(got, wantLines) {
				t.Errorf("lines = %q, want %q", got, wantLines)
			}
		})
	}
}

func TestOpenFileSmall(t *testing.T) {
	dir := t.TempDir()
	for _, data := range []string{"", "x", "\x1f"} {
		p := writeFile(t, dir, "small", []byte(data))
		f, err := OpenFile(p)
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		b, err := io.ReadAll(f)
		f.Close()
		if err != nil || string(b) != data {
			t.Errorf("%q: read %q, %v", data, b, err)
		}
	}
}

func TestOpenFileMissing(t *testing.T) {
	_, err := OpenFile(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("err = %v, want a not-exist error naming the file", err)
	}
}

func TestOpenFileTruncatedGzip(t *testing.T) {
	var text strings.Builder
	for i := range 5000 {
		text.WriteString("Nov 23 15:33:46 mx postfix/smtp[1]: line ")
		text.WriteString(strings.Repeat("y", i%50))
		text.WriteString("\n")
	}
	gz := gzipBytes(t, text.String())
	dir := t.TempDir()
	for _, cut := range []int{len(gz) - 4, len(gz) / 2, 12} {
		p := writeFile(t, dir, "maillog.gz", gz[:cut])
		f, err := OpenFile(p)
		if err != nil {
			// Cut inside the header: the error comes at once.
			if cut >= 12 && !errors.Is(err, ErrTruncatedGzip) {
				t.Fatalf("cut %d: open err = %v", cut, err)
			}
			continue
		}
		lr := NewLineReader(f, 0)
		got, err := readAll(t, lr)
		f.Close()
		if !errors.Is(err, ErrTruncatedGzip) || !strings.Contains(err.Error(), p) {
			t.Errorf("cut %d: err = %v, want ErrTruncatedGzip naming the file", cut, err)
		}
		// What was read is a prefix of the text, whole lines except perhaps the last.
		joined := strings.Join(got, "\n")
		if !strings.HasPrefix(text.String(), joined) {
			t.Errorf("cut %d: the data read is not a prefix of the original", cut)
		}
		if cut == len(gz)-4 && len(got) < 4990 {
			// Only the trailer is missing: nearly all lines are readable.
			t.Errorf("cut %d: only %d lines readable", cut, len(got))
		}
	}
}

func TestDecompress(t *testing.T) {
	text := "a\nb\n"
	for name, in := range map[string][]byte{"plain": []byte(text), "gzip": gzipBytes(t, text), "empty": nil} {
		r, err := Decompress(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(r)
		want := text
		if in == nil {
			want = ""
		}
		if err != nil || string(b) != want {
			t.Errorf("%s: %q, %v", name, b, err)
		}
	}
	// A gzip stream cut short.
	gz := gzipBytes(t, strings.Repeat("line\n", 10000))
	r, err := Decompress(bytes.NewReader(gz[:len(gz)/2]))
	if err == nil {
		_, err = io.ReadAll(r)
	}
	if !errors.Is(err, ErrTruncatedGzip) {
		t.Errorf("truncated: err = %v", err)
	}
}
