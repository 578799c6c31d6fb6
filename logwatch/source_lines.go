package logwatch

import (
	"bytes"
	"io"
	"strings"
)

// DefaultMaxLineLen is the longest line the sources hand out, without its
// line ending. Postfix cuts its own records at 2000 characters
// (line_length_limit) plus the syslog prefix; anything near a mebibyte is
// not a Postfix line.
const DefaultMaxLineLen = 1 << 20

// LineReader cuts a stream into lines with one big buffer and no allocation
// per line: Next returns a slice of that buffer, valid until the next call.
// It reads "\n" and "\r\n" endings (the line rule, see CutLine), returns a
// last line that has no newline,
// and skips (and counts) lines longer than the limit instead of splitting or
// merging them. Bytes are passed through untouched: invalid UTF-8 and NUL
// bytes stay as they are.
//
// For parallel parsing, NextChunk hands out runs of whole lines instead, to
// be split with CutLine. Do not mix Next and NextChunk on one reader.
type LineReader struct {
	r      io.Reader
	buf    []byte // up to max bytes: a line that fits, with its "\n", is never too long
	max    int    // maxLen+1
	size   int    // the size a buffer starts at (NewChunkReader); max for NewLineReader
	start  int    // first unconsumed byte
	end    int    // end of the data read
	off    int64  // stream offset of buf[start]
	lineAt int64  // stream offset where the line Next returned last starts
	skip   bool   // inside an over-long line: drop bytes up to the next "\n"
	err    error  // sticky read error (io.EOF included), reported once the buffer is drained
	tooLng int64
}

// NewLineReader returns a reader of lines of at most maxLen bytes (without
// the line ending); maxLen <= 0 means DefaultMaxLineLen. The buffer is
// maxLen+1 bytes, so the default also makes every read a mebibyte.
func NewLineReader(r io.Reader, maxLen int) *LineReader {
	if maxLen <= 0 {
		maxLen = DefaultMaxLineLen
	}
	return &LineReader{r: r, buf: make([]byte, maxLen+1), max: maxLen + 1, size: maxLen + 1}
}

// NewChunkReader returns a reader for NextChunk and NextChunkSwap whose
// buffer holds size bytes and grows, only while a line does not fit, up to
// one of maxLen bytes (maxLen <= 0: DefaultMaxLineLen): its chunks are
// about size bytes, however long the lines it must accept.
func NewChunkReader(r io.Reader, maxLen, size int) *LineReader {
	if maxLen <= 0 {
		maxLen = DefaultMaxLineLen
	}
	size = min(max(size, 1), maxLen+1)
	return &LineReader{r: r, buf: make([]byte, size), max: maxLen + 1, size: size}
}

// Reset makes the reader read r from the start, keeping its buffer.
func (lr *LineReader) Reset(r io.Reader) {
	*lr = LineReader{r: r, buf: lr.buf, max: lr.max, size: lr.size}
}

// Next returns the next line without its "\n" or "\r\n". At the end of the
// stream it returns io.EOF; after a read error it first returns every line
// read before the error (the unterminated rest as a last line), then the
// error.
func (lr *LineReader) Next() ([]byte, error) {
	for {
		if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			line, _ := CutLine(lr.buf[lr.start : lr.start+i+1])
			lr.lineAt = lr.off
			lr.start += i + 1
			lr.off += int64(i + 1)
			return line, nil
		}
		if lr.err != nil {
			if lr.start < lr.end {
				// The last line, without a newline (or cut by the error).
				line, _ := CutLine(lr.buf[lr.start:lr.end])
				lr.lineAt = lr.off
				lr.off += int64(lr.end - lr.start)
				lr.start = lr.end
				return line, nil
			}
			return nil, lr.err
		}
		lr.fill()
	}
}

// NextChunk returns the next run of whole lines, each ending with "\n"
// except perhaps the stream's last one. The slice is the reader's buffer:
// copy it (or finish with it) before the next call. Errors are as for Next.
func (lr *LineReader) NextChunk() ([]byte, error) {
	for {
		if i := bytes.LastIndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
			chunk := lr.buf[lr.start : lr.start+i+1]
			lr.start += i + 1
			lr.off += int64(i + 1)
			return chunk, nil
		}
		if lr.err != nil {
			if lr.start < lr.end {
				chunk := lr.buf[lr.start:lr.end]
				lr.off += int64(lr.end - lr.start)
				lr.start = lr.end
				return chunk, nil
			}
			return nil, lr.err
		}
		lr.fill()
	}
}

// NextChunkSwap is NextChunk without copying the chunk: the chunk stays in
// the buffer the reader read it into, which it hands over (old), and the
// reader goes on in fresh, a buffer that the caller gives it (the
// unconsumed rest, a partial line, moves there; a buffer too small for the
// reader's size is replaced by a new one). The caller may keep chunk until
// it gives old back as a fresh buffer.
func (lr *LineReader) NextChunkSwap(fresh []byte) (chunk, old []byte, err error) {
	chunk, err = lr.NextChunk()
	if len(chunk) == 0 {
		return chunk, nil, err
	}
	if need := max(lr.size, lr.end-lr.start+1); len(fresh) < need {
		fresh = make([]byte, need)
	}
	old = lr.buf
	lr.end = copy(fresh, lr.buf[lr.start:lr.end])
	lr.start = 0
	lr.buf = fresh
	return chunk, old, err
}

// fill reads once into the buffer after moving the unconsumed part (an
// incomplete line) to its front. A full buffer without a newline holds a
// line longer than the limit: it is dropped up to its newline and counted.
func (lr *LineReader) fill() {
	if lr.start > 0 {
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	if lr.end == len(lr.buf) && len(lr.buf) < lr.max {
		// A line longer than the buffer, within the limit: grow.
		b := make([]byte, min(2*len(lr.buf), lr.max))
		copy(b, lr.buf[:lr.end])
		lr.buf = b
	}
	if lr.end == len(lr.buf) {
		lr.tooLng++
		lr.skip = true
		lr.off += int64(lr.end)
		lr.end = 0
	}
	n, err := lr.r.Read(lr.buf[lr.end:])
	for empty := 0; n == 0 && err == nil; empty++ {
		if empty == 100 {
			err = io.ErrNoProgress
			break
		}
		n, err = lr.r.Read(lr.buf[lr.end:])
	}
	if n < 0 || n > len(lr.buf)-lr.end {
		n, err = 0, io.ErrShortBuffer // a broken Reader; never index out of range
	}
	if lr.skip && n > 0 {
		i := bytes.IndexByte(lr.buf[lr.end:lr.end+n], '\n')
		if i < 0 {
			lr.off += int64(n)
			n = 0
		} else {
			lr.off += int64(i + 1)
			lr.skip = false
			lr.end = copy(lr.buf, lr.buf[lr.end+i+1:lr.end+n])
			n = 0
		}
	}
	lr.end += n
	// The buffer starts a line: the NUL bytes it starts with are no part
	// of it (the line rule). Dropped here, a crash's run of them longer
	// than the limit does not make the line after it over-long.
	if k := nulPrefix(lr.buf[:lr.end]); k > 0 {
		lr.end = copy(lr.buf, lr.buf[k:lr.end])
		lr.off += int64(k)
	}
	if err != nil {
		lr.err = err
		if lr.skip {
			// The stream ended inside an over-long line: it is gone.
			lr.skip = false
		}
	}
}

// nulPrefix returns how many NUL bytes b starts with.
func nulPrefix(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return len(b)
}

// LineStart returns the stream offset where the line Next returned last
// starts (over-long lines skipped before it are behind it).
func (lr *LineReader) LineStart() int64 { return lr.lineAt }

// Skipped returns how many over-long lines were dropped so far.
func (lr *LineReader) Skipped() int64 { return lr.tooLng }

// Offset returns the number of stream bytes consumed: the end of the last
// line or chunk returned, over-long lines skipped included.
func (lr *LineReader) Offset() int64 { return lr.off }

// The line rule, the one every source of the daemon and replay's chunks
// follow: a line ends at "\n"; a "\r" just before the "\n" (or at the very
// end of the stream) belongs to the line ending (CRLF logs); every other
// "\r" is part of the line's text — a bare CR inside a line never splits it,
// since a remote's reply quoted in a Postfix line may hold one. The NUL
// bytes a line starts with are dropped: a crash leaves them where the
// log's last blocks were allocated but never written, and syslog appends
// the next line right after them (its time would not parse, and the first
// refusal after the reboot would go unread).

// CutLine cuts the first line off a chunk (see the line rule): line is
// without its "\n" or "\r\n", rest is what follows. A chunk's last line may
// have no newline.
func CutLine(chunk []byte) (line, rest []byte) {
	if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
		return trimLine(chunk[:i]), chunk[i+1:]
	}
	return trimLine(chunk), nil
}

// CutLineString is CutLine for text held as a string (replay's chunks, a
// call a line). It calls strings.IndexByte itself: given it as a function
// value, a generic cutLine called it indirectly, through a wrapper.
func CutLineString(chunk string) (line, rest string) {
	if i := strings.IndexByte(chunk, '\n'); i >= 0 {
		return trimLine(chunk[:i]), chunk[i+1:]
	}
	return trimLine(chunk), ""
}

// trimLine drops a line's "\r" before its "\n" (or the stream's end) and
// the NUL bytes it starts with (the line rule).
func trimLine[T string | []byte](line T) T {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	for len(line) > 0 && line[0] == 0 {
		line = line[1:]
	}
	return line
}
