package logwatch

import (
	"context"
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

// Stream sends the lines of r, a pipe such as standard input, until its end
// (the last line may lack a newline) or the end of ctx. The lines carry no
// Position: a pipe cannot be resumed. The error channel yields at most the
// read error, then both channels are closed; the end of ctx is not an
// error.
//
// A Read cannot be interrupted: when ctx ends, the channels are closed at
// once, and the goroutine reading r ends when its pending Read returns.
func Stream(ctx context.Context, r io.Reader, opts StreamOptions) (<-chan postfixlog.Line, <-chan error) {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	out := make(chan postfixlog.Line, opts.Buffer)
	errc := make(chan error, 1)
	in := make(chan postfixlog.Line)
	readErr := make(chan error, 1)
	go func() {
		defer close(in)
		lr := NewLineReader(r, opts.MaxLineLen)
		var skipped int64
		for {
			text, err := lr.Next()
			if err != nil {
				if err != io.EOF {
					readErr <- err
				}
				return
			}
			l := postfixlog.Line{Text: string(text)}
			if s := lr.Skipped(); s != skipped {
				opts.Log.Warn("skipped over-long lines", zap.Int64("count", s-skipped), zap.Int("max", len(lr.buf)-1))
				l.Skipped = int(s - skipped)
				skipped = s
			}
			select {
			case in <- l:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		defer close(out)
		defer close(errc)
		for {
			select {
			case l, ok := <-in:
				if !ok {
					select {
					case err := <-readErr:
						errc <- err
					default:
					}
					return
				}
				select {
				case out <- l:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc
}
