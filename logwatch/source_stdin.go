package logwatch

import (
	"context"
	"errors"
	"io"

	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
)

// StreamOptions configures Stream.
type StreamOptions struct {
	MaxLineLen int         // default DefaultMaxLineLen
	Log        *zap.Logger // nil: no logging
	Buffer     int         // capacity of the postfixlog.Line channel (default 256)
}

// streamChunk is the most one Read of a Stream's input asks for.
const streamChunk = 64 << 10

// errStopped ends a Stream's line reader when its context ends.
var errStopped = errors.New("logwatch: stream stopped")

// Stream sends the lines of r, a pipe such as standard input, until its end
// (the last line may lack a newline) or the end of ctx. The lines carry no
// Position: a pipe cannot be resumed. The error channel yields at most the
// read error, then both channels are closed; the end of ctx is not an
// error.
//
// When ctx ends, what was already read from r is still sent — every line
// of it, an unfinished last one as it is, as at the end of the input — and
// then both channels close: at most the line buffer (MaxLineLen) and one
// read of 64 KiB, besides the Buffer lines waiting in the channel. The
// caller drains the line channel until it closes (the daemon processes
// those lines before it exits). What r holds but was not read yet (a
// pipe's buffer in the kernel) is not waited for: a Read cannot be
// interrupted, so the goroutine reading r ends when its pending Read
// returns, and whatever that Read returns is dropped.
func Stream(ctx context.Context, r io.Reader, opts StreamOptions) (<-chan postfixlog.Line, <-chan error) {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	out := make(chan postfixlog.Line, opts.Buffer)
	errc := make(chan error, 1)
	// One goroutine reads r into two buffers in turn; the other cuts what
	// it read into lines. Only the reader ever blocks in r.Read, so the
	// cutter can finish what was read when ctx ends.
	chunks := make(chan readChunk, 1)
	free := make(chan []byte, 2)
	free <- make([]byte, streamChunk)
	free <- make([]byte, streamChunk)
	done := make(chan struct{})
	go func() {
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-done:
				return
			}
			n, err := r.Read(buf)
			select {
			case chunks <- readChunk{buf[:n], err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	go func() {
		defer close(out)
		defer close(errc)
		defer close(done)
		lr := NewLineReader(&chunkReader{ctx: ctx, chunks: chunks, free: free}, opts.MaxLineLen)
		var skipped int64
		for {
			text, err := lr.Next()
			if err != nil {
				if s := lr.Skipped(); s != skipped {
					// Over-long lines at the end, with no line after
					// them to carry their count.
					opts.Log.Warn("skipped over-long lines", zap.Int64("count", s-skipped), zap.Int("max", len(lr.buf)-1))
					out <- postfixlog.Line{Trailing: true, Skipped: int(s - skipped)}
				}
				if err != io.EOF && err != errStopped {
					errc <- err
				}
				return
			}
			l := postfixlog.Line{Text: string(text)}
			if s := lr.Skipped(); s != skipped {
				opts.Log.Warn("skipped over-long lines", zap.Int64("count", s-skipped), zap.Int("max", len(lr.buf)-1))
				l.Skipped = int(s - skipped)
				skipped = s
			}
			out <- l
		}
	}()
	return out, errc
}

// readChunk is what one Read of a Stream's input returned.
type readChunk struct {
	data []byte
	err  error
}

// chunkReader hands a LineReader what the reading goroutine read. Once ctx
// has ended it waits for nothing: it hands out what has already been read,
// then errStopped.
type chunkReader struct {
	ctx    context.Context
	chunks <-chan readChunk
	free   chan<- []byte
	cur    readChunk
	buf    []byte // the buffer of cur, given back once cur is used up
	ended  bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur.data) == 0 {
		c.giveBack()
		if err := c.cur.err; err != nil {
			return 0, err
		}
		if c.ended {
			return 0, errStopped
		}
		var ok bool
		select {
		case c.cur, ok = <-c.chunks:
		case <-c.ctx.Done():
			select { // what was read before the end
			case c.cur, ok = <-c.chunks:
			default:
				c.ended = true
				return 0, errStopped
			}
		}
		if !ok {
			return 0, io.EOF
		}
		c.buf = c.cur.data
	}
	n := copy(p, c.cur.data)
	if c.cur.data = c.cur.data[n:]; len(c.cur.data) == 0 {
		c.giveBack() // the reading goroutine may read on at once
	}
	return n, nil
}

// giveBack hands the buffer of the chunk used up back to the reading
// goroutine.
func (c *chunkReader) giveBack() {
	if c.buf != nil {
		c.free <- c.buf[:cap(c.buf)] // room for both buffers: never blocks
		c.buf = nil
	}
}
