package logwatch

import (
	"context"
	"io"

	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
)

// catchUp continues after from, a place in a generation that is no longer
// (or may no longer be) the current file: a stored position at start, the
// old file after a rotation, the old content after a truncation. It reads
// the rest of that generation where it is now, then every newer rotated
// file, and opens the current file from its start.
func (f *follower) catchUp(ctx context.Context, from *genRef) error {
	if !from.done {
		// A restart where the current file is still the one from points
		// into (the usual case): resume in it.
		if ok, err := f.resumeCurrent(from); err != nil || ok {
			return err
		}
	}
	sibs, err := listSiblings(f.opts.Path)
	if err != nil {
		f.logError("listing the rotated logs", err)
	}
	defer closeSiblings(sibs)
	rs := &relistState{}
	if from.head != nil {
		rs.known = append(rs.known, knownGen{head: from.head})
	}
	idx := locate(from, sibs)
	switch {
	case idx >= 0:
		f.log.Info("reading rotated logs", zap.String("from", sibs[idx].path), zap.Int64("offset", from.off), zap.Int("files", len(sibs)-idx))
	case !from.done:
		f.log.Warn("the file of the stored position is gone: the lines after it in that file and in any file rotated out since are lost; reading the current file from its start",
			zap.Uint64("inode", from.ino), zap.Int64("offset", from.off))
	default:
		// The old file was read to its end but is not among the siblings
		// (deleted or renamed out of sight already): no way to tell which
		// siblings are newer than it, so assume none is.
		f.log.Info("rotated log not found among the siblings", zap.Uint64("inode", from.ino))
	}
	for i := max(idx, 0); idx >= 0 && i < len(sibs); i++ {
		off := int64(0)
		if i == idx {
			if from.done {
				continue // read to its end already
			}
			off = from.off
		}
		if err := f.readSibling(ctx, sibs[i], off); err != nil {
			return err
		}
	}
	for _, s := range sibs {
		rs.know(s)
	}
	f.pending = rs
	_, _ = f.openCurrent(0) // when missing, run opens it once it exists
	return nil
}

// resumeCurrent opens the current file at from if it is from's generation:
// it starts with the same bytes (or, when from says nothing of its content,
// has the same inode) and is not shorter than from.off.
func (f *follower) resumeCurrent(from *genRef) (bool, error) {
	if ok, _ := f.openCurrent(from.off); !ok {
		return false, nil
	}
	g := f.cur
	fi, err := g.f.Stat()
	same := err == nil && fi.Size() >= from.off && from.matchesHead(g.head)
	if from.off == 0 || (from.head == nil && from.fp == "") {
		same = same && from.ino != 0 && g.dev == from.dev && g.ino == from.ino
	}
	if !same {
		f.closeCur()
		return false, nil
	}
	f.log.Info("resuming", zap.Int64("offset", g.off))
	return true, nil
}

// missed returns the rotated files that appeared since g.relist's listing
// and come before g (data, its first bytes, may be empty): generations
// rotated out between the listing and the first read of g, whose lines come
// before g's. Not missed: the generations known, g itself (renamed since)
// or a copy of g (copytruncate under way), and any generation after g
// (rotated out after g was, which the rotation that follows reads). They
// are open: readMissed closes them.
func (f *follower) missed(g *liveGen, data []byte) []*sibling {
	sibs, err := listSiblings(f.opts.Path)
	if err != nil {
		f.logError("listing the rotated logs", err)
		return nil
	}
	var out []*sibling
	for i, s := range sibs {
		if s.ino != 0 && s.dev == g.dev && s.ino == g.ino {
			closeSiblings(sibs[i:])
			break // g, renamed: the ones after it are newer
		}
		if g.relist.isKnown(s) {
			s.close()
			continue
		}
		if h, _ := s.readHead(); sameStart(h, data) {
			closeSiblings(sibs[i:])
			break // g compressed, or copied
		}
		out = append(out, s)
	}
	return out
}

// relistEmpty checks g.relist while g, the current file opened after
// catching up, is still empty: the generations rotated out since the
// listing are read now, not once g's first line comes (on a quiet host,
// maybe hours later). The writer may still append to the newest of them,
// as it has not written to g yet: it becomes the file followed, until g has
// data, as after a rotation.
func (f *follower) relistEmpty(ctx context.Context, g *liveGen) error {
	if fi, err := g.f.Stat(); err != nil || fi.Size() > 0 {
		return nil // readAvailable checks, with g's first bytes
	}
	missed := f.missed(g, nil)
	if len(missed) == 0 {
		g.relist = nil
		return nil
	}
	last := missed[len(missed)-1]
	if plain, err := last.plain(); err != nil || !plain || f.opts.OneShot {
		// Complete (compressed, or a one-shot read), or unreadable
		// (readSibling logs it); g.relist is checked again next time.
		return f.readMissed(ctx, g, missed)
	}
	if len(missed) > 1 {
		// Complete: the writer has written to a newer one.
		if err := f.readMissed(ctx, g, missed[:len(missed)-1]); err != nil {
			last.close()
			return err
		}
	}
	fi, err := last.f.Stat()
	if err != nil {
		return f.readMissed(ctx, g, missed[len(missed)-1:])
	}
	f.log.Info("the log rotated again while catching up: following the rotated log until the current one has data", zap.String("file", last.path))
	live := &liveGen{f: last.f, fi: fi, dev: last.dev, ino: last.ino, head: make([]byte, 0, headLen)}
	last.f = nil // live's now
	if err := f.seek(live, 0); err != nil {
		live.f.Close()
		return err
	}
	f.closeCur()
	f.cur = live
	return nil
}

// readMissed reads the generations missed, rotated out while catching up,
// and closes them.
func (f *follower) readMissed(ctx context.Context, g *liveGen, missed []*sibling) error {
	defer closeSiblings(missed)
	f.log.Info("the log rotated again while catching up", zap.Int("files", len(missed)))
	for _, s := range missed {
		if err := f.readSibling(ctx, s, 0); err != nil {
			return err
		}
		g.relist.know(s)
	}
	return nil
}

// readSibling sends the lines of a rotated file (plain or gzip) from off
// (bytes of its content) to its end, its last unterminated line included.
// It returns only ctx's error: a file that cannot be read is logged.
func (f *follower) readSibling(ctx context.Context, s *sibling, off int64) error {
	head, err := s.readHead()
	if err != nil {
		f.log.Warn("cannot read a rotated log: its lines are lost", zap.String("file", s.path), zap.Error(err))
		return nil
	}
	r, plain, size, err := s.content(false)
	if err != nil {
		f.log.Warn("cannot read a rotated log: its lines are lost", zap.String("file", s.path), zap.Error(err))
		return nil
	}
	if off > 0 {
		var skipped int64
		if plain {
			if size >= off {
				skipped, _ = r.(io.Seeker).Seek(off, io.SeekStart)
			}
		} else {
			skipped, _ = io.CopyN(io.Discard, r, off)
		}
		if skipped != off {
			f.log.Warn("a rotated log is shorter than the stored position: nothing more read from it", zap.String("file", s.path), zap.Int64("offset", off))
			return nil
		}
	}
	f.lr.Reset(r)
	var fpLen = -1
	var fp string
	var skippedBefore int64
	for {
		line, err := f.lr.Next()
		// Over-long lines dropped since the last line, the file's last
		// line included (no line after it carries it: the next file's
		// first line, or the end mark, does).
		f.skipped += int(f.lr.Skipped() - skippedBefore)
		skippedBefore = f.lr.Skipped()
		if err != nil {
			if err != io.EOF {
				f.log.Warn("reading a rotated log failed: the rest of it is lost", zap.String("file", s.path),
					zap.Int64("offset", off+f.lr.Offset()), zap.Error(err))
			}
			return nil
		}
		end := off + f.lr.Offset()
		if n := int(min(int64(len(head)), end)); n != fpLen {
			fpLen, fp = n, fingerprint(head[:n])
		}
		if err := f.send(ctx, line, postfixlog.Position{Path: f.opts.Path, Dev: s.dev, Inode: s.ino, Offset: end, Fingerprint: fp}, &f.skipped); err != nil {
			return err
		}
	}
}
