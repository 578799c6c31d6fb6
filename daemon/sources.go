package daemon

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/track"
)

// Input is one log source and the name its position is stored under. A
// daemon follows several when Postfix instances log to files of their own
// (log.paths: postmulti's postfix-out and postfix-in); the lines of all of
// them go through the one ingest loop, and each keeps its own position.
type Input struct {
	Name   string // "file:/var/log/postfix-out.log"
	Source Source
}

// inputs returns what the daemon reads: Deps.Inputs, else the one Source.
func (s *service) inputs() []Input {
	if len(s.d.Inputs) > 0 {
		return s.d.Inputs
	}
	return []Input{{Name: s.d.SourceName, Source: s.d.Source}}
}

// openInputs starts every input at its stored position and returns their
// lines as one stream (see fanIn). It records which stored name each file's
// lines save their position under.
func (s *service) openInputs(ctx, srcCtx context.Context) (<-chan postfixlog.Line, <-chan error, error) {
	ins := s.inputs()
	s.inputByPath = map[string]string{}
	s.files = 0
	for _, in := range ins {
		if _, file := cutFile(in.Name); !file {
			s.streamed = true
		} else {
			s.files++
		}
	}
	// One source failing stops them all: the daemon then ends with its
	// error (and systemd restarts it).
	srcCtx, cancel := context.WithCancel(srcCtx)
	lines := make([]<-chan postfixlog.Line, len(ins))
	errs := make([]<-chan error, len(ins))
	unkept := make([]string, len(ins)) // the inputs whose start keepStart stores
	for i, in := range ins {
		// Not cut short by a stop: an input already started keeps its
		// place (keepStart) only if the start goes on to the loop, which
		// drains it.
		start, ok, err := s.d.Store.LoadPosition(context.WithoutCancel(ctx), in.Name)
		if err != nil {
			cancel()
			return nil, nil, fmt.Errorf("daemon: loading the position of %s: %w", in.Name, err)
		}
		var startp *postfixlog.Position
		if ok {
			startp = &start
			s.log.Info("resuming", zap.String("source", in.Name), zap.String("path", start.Path), zap.Int64("offset", start.Offset))
			s.inputByPath[start.Path] = in.Name
		} else if s.cfg.Log.Source() != config.SourceStdin {
			s.log.Info("no stored position (a new state): reading back the log", zap.String("source", in.Name),
				zap.Duration("backfill", s.cfg.Log.Backfill))
			if s.cfg.Log.Backfill > 0 {
				s.startReadBack()
			}
		}
		s.noteStart(in.Name, startp)
		lines[i], errs[i] = in.Source(srcCtx, startp)
		if _, file := cutFile(in.Name); file && !ok {
			unkept[i] = in.Name
		}
	}
	if len(ins) == 1 {
		// The loop reads the source's own channel and keeps its start
		// (run: s.unkept).
		s.unkept = unkept[0]
		go func() { <-srcCtx.Done(); cancel() }()
		return lines[0], errs[0], nil
	}
	for _, in := range ins {
		if path, ok := cutFile(in.Name); ok {
			s.inputByPath[path] = in.Name
		}
	}
	keep := context.WithoutCancel(srcCtx)
	out, errc := fanIn(lines, errs, cancel, func(i int, l postfixlog.Line) {
		if unkept[i] != "" {
			s.keepStart(keep, unkept[i], l)
		}
	})
	return out, errc, nil
}

// keepStart stores the position of an input that had none (a new state)
// when the first thing it says, l, is that it stands at the end of the log,
// with its place (postfixlog.Line.AtEnd): a fresh start on a quiet log.
// Positions are otherwise stored only with the lines processed, and a
// restart before the first line — a stop, a crash, a state on a full disk
// that fails its first commit — found none again and began at the end of
// the log (or log.backfill before it): what was logged while rblwatch was
// down went unread. It is called before l goes on, so before any later line
// of the input is processed: by the loop for a single input (run), by fanIn
// for several.
//
// It was a goroutine between the source and the loop that passed on every
// line for the daemon's life after it looked at the first: a second channel
// hop a line, about 0.1 s of CPU a 1 M-line catch-up on a new state
// (bench/README.md, catchup13).
func (s *service) keepStart(ctx context.Context, name string, l postfixlog.Line) {
	if !l.AtEnd || l.Pos == (postfixlog.Position{}) {
		return
	}
	err := s.d.Store.Tx(ctx, func(tx *track.Tx) error {
		return tx.SavePosition(name, l.Pos, s.d.Now())
	})
	if err != nil {
		s.log.Warn("cannot keep the place the log is read from", zap.String("source", name), zap.Error(err))
	}
}

// cutFile returns the path of a file input's name.
func cutFile(name string) (string, bool) {
	const prefix = "file:"
	if len(name) > len(prefix) && name[:len(prefix)] == prefix {
		return name[len(prefix):], true
	}
	return "", false
}

// savePositions stores, with a batch, the position after the last line of
// each input in it.
func (s *service) savePositions(tx *track.Tx, batch []postfixlog.Line, now time.Time) error {
	if len(s.inputs()) == 1 {
		for i := len(batch) - 1; i >= 0; i-- {
			if batch[i].Pos != (postfixlog.Position{}) {
				return tx.SavePosition(s.inputs()[0].Name, batch[i].Pos, now)
			}
		}
		return nil
	}
	last := map[string]postfixlog.Position{}
	var order []string
	for _, l := range batch {
		if l.Pos == (postfixlog.Position{}) {
			continue
		}
		if _, ok := last[l.Pos.Path]; !ok {
			order = append(order, l.Pos.Path)
		}
		last[l.Pos.Path] = l.Pos
	}
	for _, path := range order {
		name, ok := s.inputByPath[path]
		if !ok {
			return fmt.Errorf("daemon: a line from %s, which no input follows", path)
		}
		if err := tx.SavePosition(name, last[path], now); err != nil {
			return err
		}
	}
	return nil
}

// fanIn merges the lines of several sources into one stream, each source's
// lines in their order. The end mark (Line.AtEnd: the live end of the log)
// is passed on when every source has reached its end since it last sent a
// line; the over-long lines a mark held back counts go with the next line
// or mark passed on. The first error of any source is passed on and stops the others
// (stop cancels them); the stream closes when every source has closed.
// first (if not nil) is called with the first thing each source i sends,
// before it is passed on (keepStart).
func fanIn(lines []<-chan postfixlog.Line, errs []<-chan error, stop func(), first func(i int, l postfixlog.Line)) (<-chan postfixlog.Line, <-chan error) {
	out := make(chan postfixlog.Line, 256)
	errc := make(chan error, 1)
	var mu sync.Mutex
	atEnd := make([]bool, len(lines))
	// skipped: the over-long lines the end marks held back said their
	// sources skipped; the next line or mark passed on carries them.
	skipped := 0
	var wg sync.WaitGroup
	for i := range lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			firstOne := first != nil
			for l := range lines[i] {
				if firstOne {
					first(i, l)
					firstOne = false
				}
				if l.AtEnd {
					mu.Lock()
					atEnd[i] = true
					all := true
					for _, e := range atEnd {
						all = all && e
					}
					// Sent under the lock: an end mark never overtakes a
					// line another source sent after it decided.
					if all {
						l.Skipped, skipped = l.Skipped+skipped, 0
						out <- l
					} else {
						skipped += l.Skipped
					}
					mu.Unlock()
					continue
				}
				mu.Lock()
				atEnd[i] = false
				l.Skipped, skipped = l.Skipped+skipped, 0
				out <- l
				mu.Unlock()
			}
			if errs[i] != nil {
				if err, ok := <-errs[i]; ok && err != nil {
					select {
					case errc <- err:
					default:
					}
					stop()
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		stop()
		close(errc)
		close(out)
	}()
	return out, errc
}

// fileInputs follows several log files (log.paths), each an input named
// after its path, as source follows log.path.
func fileInputs(c config.Log, paths []string, log *zap.Logger) ([]Input, error) {
	var out []Input
	for _, path := range paths {
		one := c
		one.Path, one.Paths = path, nil
		src, name, err := source(one, log.With(zap.String("path", path)), nil)
		if err != nil {
			return nil, err
		}
		out = append(out, Input{Name: name, Source: src})
	}
	return out, nil
}
