package logwatch

import (
	"bytes"
	"errors"
	"io"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TimeOf returns the time a log line carries; ok is false for a line
// without a readable one.
type TimeOf func(line []byte) (t time.Time, ok bool)

// A backfill is what a start without a position reads back instead of
// starting at the end: the lines from FollowOptions.Since on. The log is in
// time order, so the first such line is found by bisection over the file's
// bytes, reading a few lines at each probe; a gzipped generation is read
// through.

// linearTail is how close the bisection gets before reading line by line.
const linearTail = 4096

// backfillOffset returns the offset of the first line in the first size
// bytes of r (whole lines) whose time is at or after since: size when every
// timed line is older (or none has a time). inside reports that the first
// timed line is in the window already, so the window may begin in an older
// generation of the log.
func backfillOffset(r io.ReaderAt, size int64, since time.Time, timeOf TimeOf, lr *LineReader) (off int64, inside bool, err error) {
	first, _, ok, err := firstTimed(r, 0, size, timeOf, lr)
	if err != nil || !ok {
		return size, false, err
	}
	if !first.Before(since) {
		return 0, true, nil
	}
	lo, hi := int64(0), size
	for hi-lo > linearTail {
		mid := lo + (hi-lo)/2
		t, at, ok, err := firstTimed(r, mid, hi, timeOf, lr)
		switch {
		case err != nil:
			return size, false, err
		case !ok || !t.Before(since):
			hi = mid
		default:
			lo = at + 1 // that line is older: the answer is past it
		}
	}
	for from := lo; from < size; {
		t, at, ok, err := firstTimed(r, from, size, timeOf, lr)
		if err != nil || !ok {
			return size, false, err
		}
		if !t.Before(since) {
			return at, false, nil
		}
		from = at + 1
	}
	return size, false, nil
}

// firstTimed returns the time and start of the first line with a time that
// starts at or after from (a line start at from itself only when from is 0
// or follows a newline) and before end.
func firstTimed(r io.ReaderAt, from, end int64, timeOf TimeOf, lr *LineReader) (t time.Time, at int64, ok bool, err error) {
	start, err := nextLineStart(r, from, end)
	if err != nil || start >= end {
		return time.Time{}, 0, false, err
	}
	lr.Reset(io.NewSectionReader(r, start, end-start))
	for {
		at, line, err := nextAt(start, lr)
		if errors.Is(err, io.EOF) {
			return time.Time{}, 0, false, nil
		}
		if err != nil {
			return time.Time{}, 0, false, err
		}
		if t, ok := timeOf(line); ok {
			return t, at, true, nil
		}
	}
}

// nextAt reads the next line of lr, which reads r from base on, and returns
// where the line starts in r.
func nextAt(base int64, lr *LineReader) (int64, []byte, error) {
	line, err := lr.Next()
	if err != nil {
		return 0, nil, err
	}
	return base + lr.LineStart(), line, nil
}

// nextLineStart returns from when it starts a line (it is 0 or follows a
// newline), else the offset after the next newline; end when there is none
// before end.
func nextLineStart(r io.ReaderAt, from, end int64) (int64, error) {
	if from <= 0 {
		return 0, nil
	}
	var buf [4096]byte
	for at := from - 1; at < end; {
		n, err := r.ReadAt(buf[:min(int64(len(buf)), end-at)], at)
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return at + int64(i) + 1, nil
		}
		at += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return end, nil
			}
			return 0, err
		}
	}
	return end, nil
}

// scanOffset is backfillOffset for a stream read once (a gzipped
// generation): the offset in the content of the first line at or after
// since; found is false when there is none.
func scanOffset(r io.Reader, since time.Time, timeOf TimeOf, lr *LineReader) (off int64, found bool, err error) {
	lr.Reset(r)
	for {
		line, err := lr.Next()
		if errors.Is(err, io.EOF) {
			return 0, false, nil
		}
		if err != nil {
			return 0, false, err
		}
		if t, ok := timeOf(line); ok && !t.Before(since) {
			return lr.LineStart(), true, nil
		}
	}
}

// backfill places a fresh start (g at the end of the last complete line,
// end) at the first line from Since on: in the current file, or, when the
// current file begins inside the window, in the newest rotated generation,
// returned as the position to resume from (nil: g is placed). It says in
// the log what it did.
func (f *follower) backfill(g *liveGen, end int64) *postfixlog.Position {
	since, timeOf := f.opts.Since, f.opts.TimeOf
	off, inside, err := backfillOffset(g.f, end, since, timeOf, f.lr)
	if err != nil {
		f.logError("reading back the log", err)
		return nil
	}
	if !inside {
		if off < end {
			if err := f.seek(g, off); err != nil {
				f.logError("reading back the log", err)
				return nil
			}
			f.log.Info("reading back the log", zap.Time("since", since), zap.Int64("offset", off), zap.Int64("bytes", end-off))
		}
		return nil
	}
	// The current file starts in the window: the window may begin in the
	// newest rotated generation.
	sibs, err := listSiblings(f.opts.Path)
	defer closeSiblings(sibs)
	if err != nil || len(sibs) == 0 {
		if err != nil {
			f.logError("listing the rotated logs", err)
		}
		return f.backfillCurrent(g, since)
	}
	s := sibs[len(sibs)-1]
	r, plain, size, err := s.content(false)
	found := false
	if err == nil {
		if plain {
			off, _, err = backfillOffset(s.f, size, since, timeOf, f.lr)
			found = off < size
		} else {
			off, found, err = scanOffset(r, since, timeOf, f.lr)
		}
	}
	if err != nil {
		f.logError("reading back the rotated log", err)
		return f.backfillCurrent(g, since)
	}
	if !found {
		return f.backfillCurrent(g, since)
	}
	head, err := s.readHead()
	if err != nil {
		f.logError("reading back the rotated log", err)
		return f.backfillCurrent(g, since)
	}
	f.log.Info("reading back the log from a rotated file", zap.Time("since", since), zap.String("file", s.path), zap.Int64("offset", off))
	return &postfixlog.Position{Path: f.opts.Path, Dev: s.dev, Inode: s.ino, Offset: off, Fingerprint: fingerprint(head[:min(int64(len(head)), off, headLen)])}
}

// backfillCurrent reads the current file from its start: all of it is in
// the window.
func (f *follower) backfillCurrent(g *liveGen, since time.Time) *postfixlog.Position {
	if err := f.seek(g, 0); err != nil {
		f.logError("reading back the log", err)
		return nil
	}
	f.log.Info("reading back the log", zap.Time("since", since), zap.Int64("offset", 0))
	return nil
}
