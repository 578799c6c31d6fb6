package logwatch

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrTruncatedGzip is returned, after all the data that could be
// decompressed, when a gzip stream ends in the middle of a member (a file
// still being compressed, or cut short by a full disk).
var ErrTruncatedGzip = errors.New("logwatch: truncated gzip data")

// gzipMagic starts every gzip member (RFC 1952).
const gzipMagic = "\x1f\x8b"

// ErrOtherCompression is returned for a log compressed in a format
// rblwatch does not read (logrotate's compresscmd set to xz, zstd or
// bzip2): read as text it would be all unparsed lines, and a report that
// found nothing.
var ErrOtherCompression = errors.New("logwatch: compressed in a format rblwatch does not read")

// otherCompression names the compression format that head (a file's first
// bytes) starts with, and the command that decompresses it to stdout; ""
// for none of those rblwatch refuses. No log line starts like these.
func otherCompression(head []byte) (format, cmd string) {
	h := string(head)
	switch {
	case strings.HasPrefix(h, "\xfd7zXZ\x00"):
		return "xz", "xz -dc"
	case strings.HasPrefix(h, "\x28\xb5\x2f\xfd"):
		return "zstd", "zstd -dc"
	case len(h) >= 10 && h[:3] == "BZh" && h[3] >= '1' && h[3] <= '9' && (h[4:10] == "1AY&SY" || h[4:10] == "\x17rE8P\x90"):
		return "bzip2", "bzip2 -dc"
	}
	return "", ""
}

// otherCompressionError is the error for such a file (name "" for stdin).
func otherCompressionError(name, format, cmd string) error {
	if name == "" {
		return fmt.Errorf("reading the input: %w: compressed with %s (decompress it first: %s | rblwatch replay -)", ErrOtherCompression, format, cmd)
	}
	return fmt.Errorf("reading %s: %w: compressed with %s (decompress it first: %s %s | rblwatch replay -)", name, ErrOtherCompression, format, cmd, name)
}

// OpenFile opens a log for reading once: plain text, or gzip whatever the
// name says (the first two bytes decide); xz, zstd and bzip2 are refused
// (ErrOtherCompression). Concatenated gzip members are read
// as one stream, as gzip -d does. A truncated .gz yields its readable data,
// then an error wrapping ErrTruncatedGzip.
func OpenFile(path string) (io.ReadCloser, error) {
	r, _, err := openContent(path)
	return r, err
}

// openContent is OpenFile that also returns the file's FileInfo (from the
// open file, so that it describes what is read).
func openContent(path string) (io.ReadCloser, os.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("opening %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("opening %s: %w", path, err)
	}
	var magic [10]byte
	n, err := f.ReadAt(magic[:], 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if format, cmd := otherCompression(magic[:n]); format != "" {
		f.Close()
		return nil, nil, otherCompressionError(path, format, cmd)
	}
	if !strings.HasPrefix(string(magic[:n]), gzipMagic) {
		// Plain: hand out the file itself, so that big reads go straight
		// to the kernel without another buffer in between.
		return f, fi, nil
	}
	z, err := newGzipReader(path, f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return z, fi, nil
}

// Decompress returns r itself, or a decompressing reader when r starts with
// the gzip magic bytes. For pipes (replay -): nothing is consumed from r
// beyond what the returned reader hands out.
func Decompress(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, err := br.Peek(10)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if format, cmd := otherCompression(magic); format != "" {
		return nil, otherCompressionError("", format, cmd)
	}
	if !strings.HasPrefix(string(magic), gzipMagic) {
		return br, nil
	}
	return newGzipReader("input", br)
}

// gzipReader decompresses a (multi-member) gzip stream and says which file
// was truncated.
type gzipReader struct {
	name string
	z    *gzip.Reader
	c    io.Closer // the underlying file, if any
}

func newGzipReader(name string, r io.Reader) (*gzipReader, error) {
	c, _ := r.(io.Closer)
	if _, ok := r.(io.ByteReader); !ok {
		// gzip would wrap it in a small bufio.Reader; a big one reads
		// the compressed file in fewer system calls.
		r = bufio.NewReaderSize(r, 1<<18)
	}
	z, err := gzip.NewReader(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = ErrTruncatedGzip
		}
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return &gzipReader{name: name, z: z, c: c}, nil
}

func (g *gzipReader) Read(p []byte) (int, error) {
	n, err := g.z.Read(p)
	if err == nil || err == io.EOF {
		return n, err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return n, fmt.Errorf("reading %s: %w", g.name, ErrTruncatedGzip)
	}
	return n, fmt.Errorf("reading %s: %w", g.name, err)
}

func (g *gzipReader) Close() error {
	err := g.z.Close()
	if g.c != nil {
		if cerr := g.c.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
