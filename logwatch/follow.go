package logwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
)

// DefaultCheckInterval is how often Follow looks at the followed path for
// rotation and truncation when nothing wakes it earlier.
const DefaultCheckInterval = 250 * time.Millisecond

// FollowOptions configures Follow.
type FollowOptions struct {
	Path string      // the log file, e.g. /var/log/mail.log
	Log  *zap.Logger // nil: no logging

	// OneShot reads from the start position (or the file's start) to the
	// end of the file and stops, instead of following. Without a start
	// position, a gzip file is read decompressed.
	OneShot bool
	// FromStart starts a file followed without a position at its first
	// byte; by default a new install starts at the end of the file's last
	// complete line, as tail -f does.
	FromStart bool
	// Since, with TimeOf, makes a start without a position read back the
	// log from Since on (a bounded window, so that what was logged just
	// before the start is not missed) instead of starting at the end: from
	// the first line of the current file whose time is at or after Since,
	// or, when the current file begins inside the window, from the first
	// such line of the newest rotated generation. Older generations are
	// not read. It is logged ("reading back the log"); with no line in the
	// window, the start is at the end as without it.
	Since  time.Time
	TimeOf TimeOf

	// CheckInterval is how often to look for rotation, truncation and new
	// data when no inotify event came (default DefaultCheckInterval).
	CheckInterval time.Duration
	// NoInotify leaves out nxadm/tail's inotify watcher: the follower then
	// polls every CheckInterval (network file systems).
	NoInotify bool

	MaxLineLen int // default DefaultMaxLineLen
	// watch starts the inotify watcher (tests); nil: nxadm/tail's.
	watch  watchFunc
	Buffer int // capacity of the postfixlog.Line channel (default 256)

	// EndMarks asks for a postfixlog.Line with AtEnd set (and nothing
	// else) whenever the follower has read everything the file holds: once
	// at a start with nothing to read, then once after each stretch of
	// lines. The daemon reads a backlog on the log's own time until then.
	EndMarks bool

	// Gather is how long the follower, woken by a write to the file, waits
	// before it reads: Postfix writes its log a line at a time, and a read
	// per write woke the follower and its reader for every line (0: read at
	// once). Only inotify's wake-ups wait; a poll finds what it finds.
	Gather time.Duration
}

// Follow reads the log file opts.Path and sends its lines, each with the
// Position just after it, until ctx is done (or, with OneShot, the end of
// the file). The error channel yields at most one error, then both channels
// are closed; cancelling ctx is not an error.
//
// start is the Position of the last line processed before. Without one (a
// new install), Follow starts at the end of the file's last complete line,
// placed before Follow returns: every line appended after that is read. (If
// the file does not exist yet, it is read from its start once it does.)
// With one, Follow resumes just after it: in the same file if it is still
// there, else in the rotated file that holds it, found among the siblings
// (maillog.1, maillog-20261123, maillog.20261123-101500, with or without
// .gz) by inode and content; it reads the rest of that file, then every
// newer rotated file, then the current one from its start. The rotated
// files are opened when listed and read through those handles, so the log
// rotating again meanwhile (renaming them, compressing them) changes
// nothing of what is read; a file rotated out between the listing and the
// first read of the current file is read before it.
//
// While following, it notices a rotation when the path names a new file
// (os.SameFile), reads the old file (still open) to its end, and switches
// when the new file has data (or a rotated file newer than the old one has:
// the log rotated twice before the new file's first line): a writer that
// still logs to the renamed file until it reopens (syslog daemons before
// their SIGHUP, Postfix's postlogd before its reload) loses nothing. It
// notices a truncation when the file is shorter than the offset or its
// first bytes changed; it then reads the rest of the copy (copytruncate) if
// one of the siblings starts like the old content, and the file from its
// start. A line is sent only once its newline is written, except the last
// line of a rotated file or of a one-shot read.
//
// What no follower can do, and this one does not promise:
//   - copytruncate: lines written between the copy and the truncation are
//     in no file; they are lost.
//   - a rotated file that is deleted (or rotated out of the directory, or
//     renamed to a name that is not a rotation suffix) before it was read,
//     while rblwatch was down or had fallen more than one rotation behind,
//     is lost, and logged as such.
//   - a writer that keeps writing to the old file after it wrote to the new
//     one (two writers): those late lines are lost.
//   - a truncation that is followed, before the next look, by rewriting the
//     same first bytes is not noticed (log lines start with timestamps, so
//     this does not happen with real logs).
//
// Why nxadm/tail (v1.4.11) does not read the lines itself — from its
// source, tail.go and watch/:
//   - Lines carry an offset (SeekInfo) but not the file it belongs to; after
//     a ReOpen the offset silently refers to another file, so a stored
//     position could not be trusted.
//   - On a rename, waitForChanges selects at random between the Modified
//     and Deleted notifications and reopens at once: lines still in, or
//     still being written to, the renamed file are never read.
//   - Truncation is noticed only when a write event finds the file smaller
//     than before; if the file grew back past the old size first
//     (copytruncate on a busy log), reading goes on at the old offset in the
//     new content: lines lost and a partial line sent. It reopens by name,
//     possibly another file.
//   - MaxLineSize splits long lines into several; without it a line's
//     memory is unbounded.
//   - Without CompleteLines it sends partial lines; its polling interval is
//     a package variable; it logs through the standard log package.
//
// So the follower reads with its own file handle (pread at a known offset,
// checking the file's size and first bytes around every read) and uses
// nxadm/tail's inotify watcher only to wake up early; see wakeup.
func Follow(ctx context.Context, start *postfixlog.Position, opts FollowOptions) (<-chan postfixlog.Line, <-chan error) {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = DefaultCheckInterval
	}
	if opts.MaxLineLen <= 0 {
		opts.MaxLineLen = DefaultMaxLineLen
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	out := make(chan postfixlog.Line, opts.Buffer)
	errc := make(chan error, 1)
	f := &follower{
		opts: opts,
		log:  opts.Log.With(zap.String("path", opts.Path)),
		out:  out,
		buf:  make([]byte, opts.MaxLineLen+1),
		lr:   NewLineReader(nil, opts.MaxLineLen),
	}
	fresh := f.freshStart(start)
	if f.backfillFrom != nil {
		start, fresh = f.backfillFrom, false
	}
	go func() {
		err := f.run(ctx, start, fresh)
		f.closeCur()
		if err != nil && ctx.Err() == nil {
			errc <- err
		}
		close(errc)
		close(out)
	}()
	return out, errc
}

type follower struct {
	opts FollowOptions
	log  *zap.Logger
	out  chan<- postfixlog.Line

	buf []byte // maxLen+1: a whole line with its newline fits
	// backfillFrom is where a fresh start reads back from when that is in
	// a rotated generation (see FollowOptions.Since).
	backfillFrom *postfixlog.Position
	scratch      [headLen]byte
	lr           *LineReader // for rotated files

	cur      *liveGen     // the file being read; nil while the path is missing
	pending  *relistState // for the next file opened from its start after catching up
	wake     *wakeup      // nil when polling
	wakeID   [2]uint64    // device and inode of the file wake watches
	lastErr  string       // the last error logged, to log each only once in a row
	lastLook string       // what rotatedPast last saw of the rotated files
	marked   bool         // an end mark went out after the last line (EndMarks)
	// skipped counts the over-long lines dropped since the last line or
	// end mark sent, counted when found (a last line with no newline is
	// counted before it ends, one a rotation ends too), of any generation.
	skipped int
}

// liveGen is a plain file read with pread at a known offset: the current
// file, or the previous one until the writer has moved on.
type liveGen struct {
	f        *os.File
	fi       os.FileInfo
	dev, ino uint64
	off      int64  // bytes consumed: the end of the last line sent or skipped
	head     []byte // the file's first min(headLen, off) bytes
	fp       string // fingerprint(head)
	skipping bool   // inside an over-long line (counted in follower.skipped)
	relist   *relistState
}

// relistState is what a file opened from its start after catching up must
// check before its first line is sent: that no rotation happened between
// the listing of the siblings and the read, which would put lines that
// belong before this file's into a sibling not read yet.
type relistState struct {
	known []knownGen // the generations listed, and those read
}

// knownGen is a generation as listed or read: its identity, when it has
// one, and its first bytes.
type knownGen struct {
	dev, ino uint64 // ino 0: known by content only
	head     []byte
}

// know adds the generation s; its head is read now, through the file
// opened when it was listed, whatever its name is by now.
func (rs *relistState) know(s *sibling) {
	h, _ := s.readHead()
	rs.known = append(rs.known, knownGen{dev: s.dev, ino: s.ino, head: h})
}

// isKnown reports whether s is a generation known already: by inode, or
// by content (a file compressed since, which has a new inode).
func (rs *relistState) isKnown(s *sibling) bool {
	for _, k := range rs.known {
		if k.ino != 0 && k.dev == s.dev && k.ino == s.ino {
			return true
		}
	}
	h, err := s.readHead()
	if err != nil || len(h) == 0 {
		return true // unreadable or empty: nothing to read in it anyway
	}
	for _, k := range rs.known {
		if sameStart(k.head, h) {
			return true
		}
	}
	return false
}

func (f *follower) run(ctx context.Context, start *postfixlog.Position, fresh bool) error {
	ticker := time.NewTicker(f.opts.CheckInterval)
	defer ticker.Stop()
	defer func() { f.wake.stop() }()

	if !fresh {
		if f.opts.OneShot && f.usable(start) == nil {
			if done, err := f.oneShotCompressed(ctx); done || err != nil {
				return err
			}
		}
		if err := f.begin(ctx, start); err != nil {
			return err
		}
	}
	for {
		if f.cur == nil {
			ok, err := f.openCurrent(0)
			if err != nil && f.opts.OneShot {
				return err
			}
			if !ok {
				if err := f.wait(ctx, ticker); err != nil {
					return err
				}
				continue
			}
		}
		g := f.cur
		if g.relist != nil && g.off == 0 {
			if err := f.relistEmpty(ctx, g); err != nil {
				return err
			}
			if f.cur != g {
				continue
			}
		}
		progress, truncated, err := f.readAvailable(ctx, g, false)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if f.opts.OneShot {
				return err
			}
			f.logError("reading the log", err)
			if err := f.wait(ctx, ticker); err != nil {
				return err
			}
			continue
		}
		if truncated && !f.opts.OneShot {
			f.log.Info("log truncated", zap.Int64("offset", g.off))
			from := g.ref(false)
			f.closeCur()
			if err := f.catchUp(ctx, from); err != nil {
				return err
			}
			continue
		}
		if f.opts.OneShot {
			return f.drain(ctx, g)
		}
		if f.rotated(g) {
			// The writer has moved to the new file: read what is left of
			// the old one, its last unterminated line included.
			if err := f.drain(ctx, g); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				f.logError("reading the rotated log", err)
			}
			f.log.Info("log rotated", zap.Int64("offset", g.off))
			from := g.ref(true)
			f.closeCur()
			if err := f.catchUp(ctx, from); err != nil {
				return err
			}
			continue
		}
		if progress {
			continue
		}
		if err := f.wait(ctx, ticker); err != nil {
			return err
		}
	}
}

// usable returns start if it is a position in the followed file.
func (f *follower) usable(start *postfixlog.Position) *postfixlog.Position {
	if start == nil || (start.Inode == 0 && start.Fingerprint == "" && start.Offset == 0) {
		return nil // none, or a journald cursor
	}
	if start.Path != "" && start.Path != f.opts.Path {
		f.log.Warn("ignoring a stored position of another file", zap.String("stored", start.Path))
		return nil
	}
	return start
}

// freshStart places a follower without a position at the end of the
// current file, before Follow returns, so that every line appended after
// Follow returned is read. It reports whether it did.
func (f *follower) freshStart(start *postfixlog.Position) bool {
	if f.usable(start) != nil || f.opts.OneShot || f.opts.FromStart {
		return false
	}
	// From the end of the last complete line, so that a line being
	// written now is read whole.
	if ok, _ := f.openCurrent(0); !ok {
		return true // the file will be new when it comes: read it from its start
	}
	g := f.cur
	end, inLong, err := lastLineEnd(g.f, f.buf)
	if err != nil {
		f.logError("finding the end of the log", err)
	}
	if err := f.seek(g, end); err != nil {
		f.logError("finding the end of the log", err)
		f.closeCur()
		return true
	}
	// No newline within MaxLineLen of the end: the line being written is
	// over-long already (counted now; unless reading back from before it).
	g.skipping = inLong
	if f.opts.TimeOf != nil && !f.opts.Since.IsZero() {
		if f.backfillFrom = f.backfill(g, end); f.backfillFrom != nil {
			f.closeCur()
			return false
		}
		if g.off < end {
			g.skipping = false
			return true // reading back from g.off
		}
	}
	if inLong {
		f.skippedLong(g)
	}
	f.log.Info("following from the end", zap.Int64("offset", g.off))
	// The first end mark, with that place, is in the channel when Follow
	// returns: a consumer that keeps it (the daemon, on a new state) has
	// it even when it is stopped at once. Sent from the goroutine, after
	// its first read, it raced the stop, which could end the follower
	// before it went: no place was kept, and the next start began at the
	// end again, past what was logged in between.
	if f.opts.EndMarks {
		f.out <- f.endMark() // the channel is new and has room (Buffer ≥ 1)
		f.marked, f.skipped = true, 0
	}
	return true
}

// begin places the follower at the stored position, or at the start of the
// current file (FromStart, OneShot).
func (f *follower) begin(ctx context.Context, start *postfixlog.Position) error {
	if start = f.usable(start); start != nil {
		return f.catchUp(ctx, &genRef{dev: start.Dev, ino: start.Inode, off: start.Offset, fp: start.Fingerprint})
	}
	_, err := f.openCurrent(0)
	if err != nil && f.opts.OneShot {
		return err
	}
	return nil
}

// oneShotCompressed reads the whole file if it is gzip (a .gz given to a
// one-shot follower), with positions counting decompressed bytes. It
// reports done when it did.
func (f *follower) oneShotCompressed(ctx context.Context) (bool, error) {
	s, err := openSibling(f.opts.Path)
	if err != nil {
		return false, err
	}
	defer s.close()
	r, plain, _, err := s.content(false)
	if err != nil {
		return false, err
	}
	if plain {
		return false, nil
	}
	head, err := s.readHead()
	if err != nil {
		return true, err
	}
	f.lr.Reset(r)
	fpLen, fp := -1, ""
	var skipped int64
	for {
		line, err := f.lr.Next()
		// Over-long lines dropped since the last line, the file's last
		// line included (it has no line after it to carry it).
		f.skipped += int(f.lr.Skipped() - skipped)
		skipped = f.lr.Skipped()
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return true, err
		}
		end := f.lr.Offset()
		if n := int(min(int64(len(head)), end)); n != fpLen {
			fpLen, fp = n, fingerprint(head[:n])
		}
		if err := f.send(ctx, line, postfixlog.Position{Path: f.opts.Path, Dev: s.dev, Inode: s.ino, Offset: end, Fingerprint: fp}, &f.skipped); err != nil {
			return true, err
		}
	}
}

// lastLineEnd returns the offset just after the last newline in the last
// len(buf) bytes of f. When there is none in a file longer than that, it
// returns the size and inLong.
func lastLineEnd(f *os.File, buf []byte) (end int64, inLong bool, err error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, false, err
	}
	size := fi.Size()
	from := max(0, size-int64(len(buf)))
	n, err := f.ReadAt(buf[:size-from], from)
	if err != nil && err != io.EOF {
		return 0, false, err
	}
	if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
		return from + int64(i) + 1, false, nil
	}
	if from == 0 {
		return 0, false, nil
	}
	return size, true, nil
}

// seek sets the offset of a freshly opened file, loading its head.
func (f *follower) seek(g *liveGen, off int64) error {
	n := min(int64(headLen), off)
	g.head = g.head[:0]
	if n > 0 {
		m, err := g.f.ReadAt(f.scratch[:n], 0)
		if err != nil && err != io.EOF {
			return fmt.Errorf("reading %s: %w", f.opts.Path, err)
		}
		g.head = append(g.head, f.scratch[:m]...)
	}
	g.fp = fingerprint(g.head)
	g.off = off
	return nil
}

// openCurrent opens the followed path; ok is false when it does not exist
// (or cannot be opened, which is logged).
func (f *follower) openCurrent(off int64) (ok bool, err error) {
	file, err := os.Open(f.opts.Path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			f.logError("opening the log", err)
		}
		return false, fmt.Errorf("opening %s: %w", f.opts.Path, err)
	}
	fi, err := file.Stat()
	if err != nil {
		file.Close()
		f.logError("opening the log", err)
		return false, fmt.Errorf("opening %s: %w", f.opts.Path, err)
	}
	g := &liveGen{f: file, fi: fi, head: make([]byte, 0, headLen), relist: f.pending}
	g.dev, g.ino = fileID(fi)
	f.pending = nil
	if err := f.seek(g, off); err != nil {
		file.Close()
		return false, err
	}
	f.cur = g
	f.lastErr = ""
	if !f.opts.NoInotify && !f.opts.OneShot && (f.wake == nil || f.wakeID != [2]uint64{g.dev, g.ino}) {
		// Only for a new file: a watcher restarted on the same path can
		// lose its events to the old one's teardown in nxadm/tail's shared
		// inotify tracker (keyed by path).
		f.wake.stop()
		f.wake = newWakeup(f.opts.Path, g.off, f.opts.watch, func(msg string) { f.log.Warn(msg) })
		f.wakeID = [2]uint64{g.dev, g.ino}
	}
	return true, nil
}

func (f *follower) closeCur() {
	if f.cur != nil {
		f.cur.f.Close()
		f.cur = nil
	}
}

// endMark is the end mark the follower would send now: where it stands,
// when it has a place, and the over-long lines skipped since the last
// line (the last line of the log may be one).
func (f *follower) endMark() postfixlog.Line {
	mark := postfixlog.Line{AtEnd: true, Skipped: f.skipped}
	if g := f.cur; g != nil && !g.skipping && g.relist == nil {
		mark.Pos = g.pos(f.opts.Path)
	}
	return mark
}

// wait blocks until the next tick, an inotify event or the end of ctx. It
// is called when everything there is was read: it first sends an end mark
// (EndMarks) if lines went out since the last one, with the position the
// follower stands at when it has one (see postfixlog.Line.AtEnd).
func (f *follower) wait(ctx context.Context, ticker *time.Ticker) error {
	if f.opts.EndMarks && (!f.marked || f.skipped > 0) {
		select {
		case f.out <- f.endMark():
			f.marked, f.skipped = true, 0
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	modified, truncated, deleted := f.wake.channels()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-ticker.C:
	case <-modified:
		if f.opts.Gather > 0 {
			t := time.NewTimer(f.opts.Gather)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-t.C:
			}
		}
	case <-truncated:
	case <-deleted:
		// The watcher has ended (renamed or removed file); a new one
		// starts with the next file.
		f.wake.stop()
		f.wake = nil
	}
	return nil
}

// rotated reports whether the writer has moved on from g, which is then
// complete: the path now names another file that has data, or another
// (empty) file while a rotated generation newer than g has data (the log
// rotated twice before the new file's first line).
func (f *follower) rotated(g *liveGen) bool {
	fi, err := os.Stat(f.opts.Path)
	if err != nil {
		return false // gone: keep reading the old file until a new one comes
	}
	if os.SameFile(fi, g.fi) {
		return false
	}
	return fi.Size() > 0 || f.rotatedPast(g)
}

// rotatedPast reports whether a rotated generation newer than g has data.
// A quick look at the names comes first, and again only when the directory
// changed; the careful listing confirms (a quick look amid a rotation can
// see files in the wrong order, and switching from g too early would lose
// the lines a writer that has not reopened yet still appends to it).
func (f *follower) rotatedPast(g *liveGen) bool {
	look, err := listSiblingsOnce(f.opts.Path, lookSibling)
	if err != nil {
		return false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d:%d", g.dev, g.ino)
	for _, s := range look {
		fmt.Fprintf(&b, " %s:%d:%d:%d", s.path, s.dev, s.ino, s.size)
	}
	if b.String() == f.lastLook {
		return false
	}
	f.lastLook = b.String()
	if i := slices.IndexFunc(look, func(s *sibling) bool { return s.ino != 0 && s.dev == g.dev && s.ino == g.ino }); i >= 0 && !hasData(look[i+1:]) {
		return false
	}
	// A newer generation has data, or g is no longer among the names
	// (compressed since): look carefully.
	sibs, err := listSiblings(f.opts.Path)
	if err != nil {
		return false
	}
	defer closeSiblings(sibs)
	i := locate(g.ref(false), sibs)
	return i >= 0 && hasData(sibs[i+1:])
}

func hasData(sibs []*sibling) bool {
	return slices.ContainsFunc(sibs, func(s *sibling) bool { return s.size > 0 })
}

// ref describes where the follower stands in g.
func (g *liveGen) ref(done bool) *genRef {
	return &genRef{dev: g.dev, ino: g.ino, off: g.off, head: bytes.Clone(g.head), fp: g.fp, done: done}
}

func (g *liveGen) pos(path string) postfixlog.Position {
	return postfixlog.Position{Path: path, Dev: g.dev, Inode: g.ino, Offset: g.off, Fingerprint: g.fp}
}

// advance consumes raw, the bytes at g.off.
func (g *liveGen) advance(raw []byte) {
	if len(g.head) < headLen {
		g.head = append(g.head, raw[:min(headLen-len(g.head), len(raw))]...)
		g.fp = fingerprint(g.head)
	}
	g.off += int64(len(raw))
}

// readAvailable sends the complete lines between g.off and the end of the
// file. It reports whether it consumed anything, and whether the file was
// truncated (then nothing read since the truncation was sent).
func (f *follower) readAvailable(ctx context.Context, g *liveGen, final bool) (progress, truncated bool, err error) {
	for {
		fi, err := g.f.Stat()
		if err != nil {
			return progress, false, fmt.Errorf("reading %s: %w", f.opts.Path, err)
		}
		size := fi.Size()
		if size < g.off {
			return progress, true, nil
		}
		if size == g.off {
			if !progress && len(g.head) > 0 && !final && !f.headIntact(g) {
				// Truncated and rewritten up to the same size.
				return false, true, nil
			}
			return progress, false, nil
		}
		n, err := g.f.ReadAt(f.buf[:min(int64(len(f.buf)), size-g.off)], g.off)
		if err != nil && err != io.EOF {
			return progress, false, fmt.Errorf("reading %s: %w", f.opts.Path, err)
		}
		if n == 0 {
			continue // shrank meanwhile: the next Stat tells
		}
		// A truncation before the read would have handed us the middle of
		// the new content: the first bytes tell.
		if len(g.head) > 0 && !final && !f.headIntact(g) {
			return progress, true, nil
		}
		data := f.buf[:n]
		if g.relist != nil {
			if missed := f.missed(g, data); len(missed) > 0 {
				if err := f.readMissed(ctx, g, missed); err != nil {
					return progress, false, err
				}
				continue // and read this file again
			}
			g.relist = nil
		}
		consumed, err := f.sendLines(ctx, g, data, n == len(f.buf))
		if err != nil {
			return progress, false, err
		}
		if consumed == 0 {
			return progress, false, nil // part of a line: wait for its end
		}
		progress = true
	}
}

// headIntact reports whether the file still starts with g.head.
func (f *follower) headIntact(g *liveGen) bool {
	n, err := g.f.ReadAt(f.scratch[:len(g.head)], 0)
	if err != nil && err != io.EOF {
		return true // an I/O error is reported by the next read
	}
	return n == len(g.head) && bytes.Equal(f.scratch[:n], g.head)
}

// sendLines sends the complete lines of data, the bytes at g.off, and
// returns how many bytes it consumed. full says data filled the buffer: if
// it holds no newline, the line is longer than MaxLineLen and is skipped.
func (f *follower) sendLines(ctx context.Context, g *liveGen, data []byte, full bool) (int, error) {
	pos := 0
	if g.skipping {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			g.advance(data)
			return len(data), nil
		}
		g.advance(data[:i+1])
		pos = i + 1
		g.skipping = false
	}
	for {
		// The NUL bytes a line starts with are no part of it (the line
		// rule): a crash's run of them longer than MaxLineLen does not
		// make the line after it over-long.
		if k := nulPrefix(data[pos:]); k > 0 {
			g.advance(data[pos : pos+k])
			pos += k
		}
		i := bytes.IndexByte(data[pos:], '\n')
		if i < 0 {
			break
		}
		raw := data[pos : pos+i+1]
		g.advance(raw)
		pos += i + 1
		line, _ := CutLine(raw)
		if err := f.send(ctx, line, g.pos(f.opts.Path), &f.skipped); err != nil {
			return pos, err
		}
	}
	if pos == 0 && full {
		// Counted now, not at its newline: a last line that never gets
		// one (the end of the log, a rotation) counts too.
		g.skipping = true
		f.skippedLong(g)
		g.advance(data)
		return len(data), nil
	}
	return pos, nil
}

// drain reads a file that will not grow any more (rotated away, or read
// once) to its end, its last unterminated line included.
func (f *follower) drain(ctx context.Context, g *liveGen) error {
	for {
		if _, _, err := f.readAvailable(ctx, g, true); err != nil {
			return err
		}
		more, err := f.flush(ctx, g)
		if err != nil || !more {
			return err
		}
	}
}

// flush sends the last line of a file that will not grow any more (rotated
// away, or read once), if it has no newline. It reports more when whole
// lines came meanwhile, to be read first.
func (f *follower) flush(ctx context.Context, g *liveGen) (more bool, err error) {
	fi, err := g.f.Stat()
	if err != nil || fi.Size() <= g.off {
		return false, nil
	}
	n, err := g.f.ReadAt(f.buf[:min(int64(len(f.buf)), fi.Size()-g.off)], g.off)
	if n == 0 {
		if err != nil && err != io.EOF {
			f.logError("reading the end of the log", err)
		}
		return false, nil
	}
	data := f.buf[:n]
	if bytes.IndexByte(data, '\n') >= 0 {
		return true, nil
	}
	if !g.skipping && n == len(f.buf) {
		f.skippedLong(g)
	}
	g.advance(data)
	if g.skipping || n == len(f.buf) {
		g.skipping = false
		return false, nil
	}
	line, _ := CutLine(data)
	return false, f.send(ctx, line, g.pos(f.opts.Path), &f.skipped)
}

// skippedLong counts an over-long line found at g's offset (its start
// read, its end not yet): it is dropped whether or not its newline comes.
func (f *follower) skippedLong(g *liveGen) {
	f.skipped++
	f.log.Warn("skipped an over-long line", zap.Int("max", f.opts.MaxLineLen), zap.Int64("offset", g.off))
}

// send hands a line to the consumer.
func (f *follower) send(ctx context.Context, text []byte, pos postfixlog.Position, skipped *int) error {
	l := postfixlog.Line{Text: string(text), Pos: pos, Skipped: *skipped}
	select {
	case f.out <- l:
		*skipped = 0
		f.marked = false
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *follower) logError(what string, err error) {
	if msg := what + ": " + err.Error(); msg != f.lastErr {
		f.lastErr = msg
		f.log.Warn(what, zap.Error(err))
	}
}
