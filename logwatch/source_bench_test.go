package logwatch

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// benchLog writes a realistic Postfix log of about size bytes into dir and
// returns its path and line count. It uses bench/genlog when the repository
// has it, else a small generator of typical lines.
func benchLog(b *testing.B, dir string, size int64, gz bool) (string, int) {
	b.Helper()
	plain := filepath.Join(dir, "maillog")
	if _, err := os.Stat("../bench/genlog"); err == nil {
		lines := int(size / 200)
		cmd := exec.Command("go", "run", "./bench/genlog", "-n", fmt.Sprint(lines), "-seed", "1", "-o", plain)
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Logf("bench/genlog failed, using the built-in generator: %v\n%s", err, out)
		}
	}
	if _, err := os.Stat(plain); err != nil {
		writeSyntheticLog(b, plain, size)
	}
	n := countLines(b, plain)
	if !gz {
		return plain, n
	}
	out := plain + ".gz"
	in, err := os.Open(plain)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	f, err := os.Create(out)
	if err != nil {
		b.Fatal(err)
	}
	z := gzip.NewWriter(f)
	if _, err := io.Copy(z, in); err != nil {
		b.Fatal(err)
	}
	if err := z.Close(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return out, n
}

func writeSyntheticLog(b *testing.B, path string, size int64) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	for i := 0; written < size; i++ {
		qid := fmt.Sprintf("%X", 0x4B2C1D00000+i*7919)
		var n int
		switch i % 6 {
		case 0:
			n, _ = fmt.Fprintf(w, "Nov 23 15:%02d:%02d mx postfix/smtpd[%d]: %s: client=client%d.example.net[192.0.2.%d]\n", i/60%60, i%60, 1000+i%977, qid, i%500, i%250)
		case 1:
			n, _ = fmt.Fprintf(w, "Nov 23 15:%02d:%02d mx postfix/cleanup[%d]: %s: message-id=<%d.%d@origin.example>\n", i/60%60, i%60, 2000+i%331, qid, i, i*31)
		case 2:
			n, _ = fmt.Fprintf(w, "Nov 23 15:%02d:%02d mx postfix/qmgr[1201]: %s: from=<sender%d@origin.example>, size=%d, nrcpt=1 (queue active)\n", i/60%60, i%60, qid, i%90, 1000+i%70000)
		case 3:
			n, _ = fmt.Fprintf(w, "Nov 23 15:%02d:%02d mx postfix/smtp[%d]: %s: to=<user%d@remote.example>, relay=mx%d.remote.example[198.51.100.%d]:25, delay=0.4, delays=0.01/0/0.2/0.19, dsn=2.0.0, status=sent (250 2.0.0 OK queued as %d)\n", i/60%60, i%60, 3000+i%613, qid, i%800, i%3, i%250, i)
		case 4:
			n, _ = fmt.Fprintf(w, "Nov 23 15:%02d:%02d mx postfix/smtp[%d]: %s: to=<user%d@blocked.example>, relay=mx.blocked.example[203.0.113.%d]:25, delay=1.2, delays=0.01/0/0.6/0.6, dsn=5.7.1, status=bounced (host mx.blocked.example[203.0.113.%d] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))\n", i/60%60, i%60, 3000+i%613, qid, i%800, i%250, i%250)
		default:
			n, _ = fmt.Fprintf(w, "Nov 23 15:%02d:%02d mx postfix/qmgr[1201]: %s: removed\n", i/60%60, i%60, qid)
		}
		written += int64(n)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func countLines(b *testing.B, path string) int {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	lr := NewLineReader(f, 0)
	n := 0
	for {
		if _, err := lr.Next(); err != nil {
			break
		}
		n++
	}
	return n
}

func reportLines(b *testing.B, lines int) {
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(lines), "ns/line")
}

// BenchmarkLineReader reads a 128 MiB log (page cache warm) with Next.
func BenchmarkLineReader(b *testing.B) {
	path, lines := benchLog(b, b.TempDir(), 128<<20, false)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	lr := NewLineReader(nil, 0)
	b.ResetTimer()
	for b.Loop() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		lr.Reset(f)
		n := 0
		for {
			if _, err := lr.Next(); err != nil {
				break
			}
			n++
		}
		f.Close()
		if n != lines {
			b.Fatalf("read %d lines, want %d", n, lines)
		}
	}
	reportLines(b, lines)
}

// BenchmarkLineReaderChunks reads the same log in chunks of whole lines and
// cuts them, as a parallel replay's reader and workers do together.
func BenchmarkLineReaderChunks(b *testing.B) {
	path, lines := benchLog(b, b.TempDir(), 128<<20, false)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	lr := NewLineReader(nil, 0)
	b.ResetTimer()
	for b.Loop() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		lr.Reset(f)
		n := 0
		for {
			chunk, err := lr.NextChunk()
			if err != nil {
				break
			}
			for len(chunk) > 0 {
				_, chunk = CutLine(chunk)
				n++
			}
		}
		f.Close()
		if n != lines {
			b.Fatalf("read %d lines, want %d", n, lines)
		}
	}
	reportLines(b, lines)
}

// BenchmarkLineReaderGzip reads a gzipped 32 MiB log: the decompression
// (compress/gzip) dominates.
func BenchmarkLineReaderGzip(b *testing.B) {
	path, lines := benchLog(b, b.TempDir(), 32<<20, true)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	lr := NewLineReader(nil, 0)
	b.ResetTimer()
	for b.Loop() {
		f, err := OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		lr.Reset(f)
		n := 0
		for {
			if _, err := lr.Next(); err != nil {
				break
			}
			n++
		}
		f.Close()
		if n != lines {
			b.Fatalf("read %d lines, want %d", n, lines)
		}
	}
	reportLines(b, lines)
}
