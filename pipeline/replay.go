// Package pipeline is `rblwatch replay`: it reads whole logs through the
// ingest path (parse, classify, track; the daemon runs the same steps one
// batch of lines at a time), with parsing spread across cores and the
// tracker fed in log order.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// Input is one log to replay.
type Input struct {
	Name string    // for messages
	R    io.Reader // the log, already decompressed
	Ref  time.Time // when the log is known to end (file mtime; now for stdin): infers syslog years
}

// Options for Replay.
type Options struct {
	Catalog   *classify.Catalog
	Location  *time.Location // zone of timestamps without one; nil: time.Local
	Since     time.Time      // zero: from the start
	Until     time.Time      // zero: to the end
	SendingIP string         // our outbound IP, the listed IP when a reply names none
	// Ours are our addresses (sending IPs and domains): a receiver's
	// refusals naming them are never folded (ingest.AddressBound).
	Ours []string
	// ForeignAddresses is how many addresses that are not ours all
	// receivers together may name in a day before further ones are folded
	// (the configuration's foreign_addresses; 0: none); nil:
	// ingest.DefaultForeignAddresses.
	ForeignAddresses *int
	// Settle is how long a delivery to an affected receiver must stand,
	// with no new rejection, to clear an incident (incident.Config.Settle).
	// A delivery after the last rejection of the log clears it anyway.
	Settle time.Duration
	// Quiet clears an incident when no rejection was seen for this long
	// (incident.Config.Quiet, the daemon's notify.quiet); 0: never, an
	// incident then lasts to the end of the log unless mail was delivered.
	// With the daemon's settle and quiet, a replay yields the incidents
	// the daemon finds in the same lines.
	Quiet   time.Duration
	Workers int // parsing goroutines; 0: GOMAXPROCS
	// NoTimelines leaves Result.Rejections empty: only the HTML report
	// draws the timelines, and counting them cost a look-up of the
	// incident and its histogram at every refusal.
	NoTimelines bool
	// MaxLine is the longest line read (0: MaxLine).
	MaxLine int
	// Progress, when set, is called from time to time with the number of
	// input bytes consumed so far.
	Progress func(bytes int64)
}

// Totals count delivery lines as pflogsumm does.
type Totals = ingest.Totals

// Result of a replay.
type Result struct {
	Lines    int64 // lines read within the time window
	Unparsed int64 // Postfix lines not understood, and lines with no readable prefix
	Foreign  int64 // lines of other programs (dovecot, opendkim, …)
	Skipped  int64 // lines outside --since/--until
	TooLong  int64 // lines longer than MaxLine, skipped
	// UnparsedByService counts unparsed lines per Postfix service ("" for
	// lines without a readable prefix).
	UnparsedByService map[string]int64
	Totals            Totals
	// Failures counts deferred and bounced delivery lines per category.
	Failures map[classify.Category]int64
	// First and Last are the times of the first and last line in the window.
	First, Last time.Time
	Incidents   []incident.Incident
	// Rejections counts, per incident ID, the rejections that fed it over
	// time (for timelines; none with Options.NoTimelines).
	Rejections map[string]*Histogram
	// Folded counts the refusals whose listed address was folded: their
	// receiver had named too many addresses that are not ours
	// (ingest.AddressBound), as the daemon folds them.
	Folded int64
	// ForeignAddresses is the cap the replay folded by
	// (Options.ForeignAddresses), for the report to name.
	ForeignAddresses int
	// Bounds tells what the tracker forgot or stopped telling apart to
	// keep its memory bounded (incident.Bounds): queue ids whose removal
	// the log never told, recipients past those it tells apart.
	Bounds incident.Bounds
	// Redated counts the records the tracker read at another time than
	// their stamp says, by reason (ingest.Clock, ingest.RedatedNames).
	Redated [len(ingest.RedatedNames)]int64
	// Cut lists the inputs a read error cut short (a truncated .gz, an
	// I/O error): the lines before it are in the result, and the replay
	// went on with the next input, as zcat does.
	Cut []error
}

// chunkSize is about how much of the log a chunk holds: enough lines that
// handing a chunk to a worker and back costs little beside parsing it,
// few enough bytes that the chunks in flight (their text and
// observations) keep the heap small — the collector then runs seldom.
// The read buffers and batches a replay keeps for them are about eight
// chunks' worth, 2.5 MB at 320 kB, of a heap that a dense log holds near
// its limit (cmd/rblwatch's replayMemoryLimit) at the end: a 1 M-line
// dense log still collects once. At two CPUs each hand-over may park a
// worker or the merger and wake it again (a futex call, a spinning
// thread): at 160 kB (1,100 chunks a 1 M-line log) the generator's
// replay switched context ~500 times, at 320 kB ~275, and took 8–12 ms
// less wall time (of ~120); at one CPU the size makes no difference.
const chunkSize = 320 << 10

// MaxLine is the longest line replay reads; longer lines are counted in
// Result.TooLong and skipped. Postfix itself caps records at 2000 characters,
// so only foreign or corrupt input comes near it.
const MaxLine = logwatch.DefaultMaxLineLen

// chunk is a run of whole lines, numbered in input order. data is a view
// of buf, a buffer recycled once the merger has fed the chunk's events to
// the tracker: nothing may keep a substring of data beyond that point (the
// tracker and the verdict cache copy what they keep; see
// incident.TestTrackerDoesNotPinLines and classify.Verdict.Clone).
type chunk struct {
	seq   int
	input int
	data  string
	buf   *[]byte
}

// freeList recycles what a chunk needs (its read buffer, its slice of
// observations) within one replay: a replay then allocates a few of each
// instead of one per mebibyte read, and the garbage collector, which a
// large allocation rate keeps busy, hardly runs. (A sync.Pool would not
// do: it empties at every collection, and then each chunk allocates
// again — more garbage, more collections.) The tokens bound the chunks in
// flight, so the list never holds more than that many.
type freeList[T any] chan *T

func (f freeList[T]) get() *T {
	select {
	case x := <-f:
		return x
	default:
		return new(T)
	}
}

func (f freeList[T]) put(x *T) {
	select {
	case f <- x:
	default:
	}
}

// parsed is what a worker made of a chunk: the observations for the
// tracker, and the counts.
type parsed struct {
	seq int
	obs *obsBatch // with the chunk's counts
	buf *[]byte   // the chunk's buffer, recycled after the merge
}

// Replay reads the inputs in order and returns what happened in them.
func Replay(ctx context.Context, inputs []Input, opts Options) (*Result, error) {
	if opts.Catalog == nil {
		return nil, errors.New("pipeline: no catalog")
	}
	if opts.Location == nil {
		opts.Location = time.Local
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// An input without a reference time (standard input) ends now.
	inputs = slices.Clone(inputs)
	now := time.Now()
	for i := range inputs {
		if inputs[i].Ref.IsZero() {
			inputs[i].Ref = now
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	results := make(chan parsed, workers)
	// tokens bounds the chunks in flight (read, parsed, or waiting for an
	// earlier one to be merged): a worker takes one before it reads a
	// chunk, the merger gives it back. Without it a descheduled worker lets
	// the others run ahead and the reorder buffer grows without limit.
	tokens := make(chan struct{}, workers+2)
	bufs := make(freeList[[]byte], workers+3)
	obsFree := make(freeList[obsBatch], workers+3)
	res := &Result{UnparsedByService: map[string]int64{}, Failures: map[classify.Category]int64{}, Rejections: map[string]*Histogram{}}
	src := &source{inputs: inputs, maxLine: cmp.Or(opts.MaxLine, MaxLine), bufs: bufs, res: res, progress: opts.Progress}

	// The merger's bound on the addresses a receiver names; the workers
	// hash the refusals' hosts and addresses for it (AddressBound.KeyOf).
	foreign := ingest.DefaultForeignAddresses
	if opts.ForeignAddresses != nil {
		foreign = *opts.ForeignAddresses
	}
	bound := ingest.NewAddressBound(append(slices.Clone(opts.Ours), opts.SendingIP), foreign)
	res.ForeignAddresses = foreign

	// Workers: each reads the next chunk of the log (in turn, under the
	// source's lock), then parses and classifies it, sharing the reply
	// shapes they learn. No goroutine reads for them: a reader's hand-over
	// to the workers cost a wake-up a chunk at two CPUs, and the chunk,
	// copied from the page cache by the worker that parses it, is in that
	// core's cache when it does.
	var learnt *classify.Learnt
	if workers > 1 {
		learnt = opts.Catalog.NewLearnt()
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(opts, inputs, learnt)
			for {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return
				}
				c, ok := src.next()
				if !ok {
					return
				}
				obs := obsFree.get()
				obs.keyOf = bound.KeyOf
				select {
				case results <- w.do(c, obs):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Merger: feed the tracker in input order.
	// Counts only: the report shows how many messages and recipients,
	// and their fates, not lists of them (bounded memory). No events:
	// the report reads the incidents at the end.
	tr := incident.New(incident.Config{Settle: opts.Settle, Quiet: opts.Quiet, CountsOnly: true, NoEvents: true})
	// The observations' times as the daemon's clock takes them: a line
	// dated past every input's modification time (the time the replay
	// reads standard input at) was not written then, and does not move
	// the tracker's clock.
	var clock ingest.Clock
	wall := wallOf(inputs)
	clock.SetWall(wall, false)
	pending := map[int]parsed{}
	next := 0
	for p := range results {
		pending[p.seq] = p
		for {
			q, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-tokens
			res.add(&q.obs.counts)
			var o incident.Observation
			bound.Prefetch(q.obs.keys)
			for i := 0; i < len(q.obs.enc); {
				i = q.obs.get(i, &o)
				at, ok := clock.Date(o.At)
				if !ok {
					continue // no time, and none before it
				}
				o.At = at
				if o.Verdict != nil && bound.FoldKeyed(&o, q.obs.key()) {
					res.Folded++
				}
				ingest.Feed(tr, &o)
				if v := o.Verdict; v != nil && v.Category == classify.Blocklist && v.Provider != "" && !opts.NoTimelines {
					if id, ok := tr.ActiveID(incident.Key{Provider: v.Provider, Listed: v.Listed}); ok {
						h := res.Rejections[id]
						if h == nil {
							h = &Histogram{}
							res.Rejections[id] = h
						}
						h.Add(o.At)
					}
				}
			}
			q.obs.reset("")
			obsFree.put(q.obs)
			bufs.put(q.buf)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The log ends when it was last written (now, for standard input), or
	// at --until: a delivery clears an incident only when it stood for the
	// settle time by then, and the quiet period runs to it, as the daemon,
	// reading the same lines, sees it.
	end := wall
	if end.IsZero() {
		end = res.Last
	}
	if !opts.Until.IsZero() && opts.Until.Before(end) {
		// The lines after --until are not read: the log ends there.
		end = opts.Until
	}
	res.Bounds = tr.Bounds()
	res.Incidents = tr.Finish(end)
	res.Redated = clock.Redated
	if l := clock.Taken(); !l.IsZero() && res.Last.Sub(wall) > ingest.MaxAhead {
		// The span ends where the log's believable times do: a line the
		// clock redated (a year ahead of the files it is in) does not
		// stretch the report's span and timelines.
		res.Last = l
	}
	return res, nil
}

func (res *Result) add(c *ingest.Counts) {
	res.Lines += c.Lines
	res.Unparsed += c.Unparsed
	res.Foreign += c.Foreign
	res.Skipped += c.Skipped
	for s, n := range c.UnparsedBy {
		res.UnparsedByService[s] += n
	}
	res.Totals.Delivered += c.Totals.Delivered
	res.Totals.Deferred += c.Totals.Deferred
	res.Totals.Bounced += c.Totals.Bounced
	res.Totals.Expired += c.Totals.Expired
	for cat, n := range c.Failures.All() {
		res.Failures[cat] += n
	}
	if !c.First.IsZero() && (res.First.IsZero() || c.First.Before(res.First)) {
		res.First = c.First
	}
	if c.Last.After(res.Last) {
		res.Last = c.Last
	}
}

// source cuts the inputs into chunks of whole lines, in order, for the
// workers: each chunk in the pooled buffer it was read into
// (LineReader.NextChunkSwap), which the merger recycles (see chunk): no
// byte is copied. An input a read error cuts short is noted in the
// result's Cut after the lines read before the error, and the next input
// is read.
type source struct {
	mu       sync.Mutex
	inputs   []Input
	maxLine  int
	bufs     freeList[[]byte]
	res      *Result // TooLong and Cut, written under mu
	progress func(int64)

	i    int                  // the input read
	lr   *logwatch.LineReader // its reader; nil: not opened yet
	seq  int                  // the next chunk's number
	done int64                // bytes of the inputs before i
}

// next returns the next chunk, or false at the end of the last input.
func (s *source) next() (chunk, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.i < len(s.inputs) {
		input, in := s.i, s.inputs[s.i]
		if s.lr == nil {
			s.lr = logwatch.NewChunkReader(in.R, s.maxLine, chunkSize)
		}
		// The chunk is handed over in the buffer it was read into; the
		// reader goes on in a recycled one.
		fresh := s.bufs.get()
		data, old, err := s.lr.NextChunkSwap(*fresh)
		if old == nil {
			s.bufs.put(fresh)
		}
		if s.progress != nil {
			s.progress(s.done + s.lr.Offset())
		}
		if err != nil {
			if err != io.EOF {
				if errors.Is(err, logwatch.ErrTruncatedGzip) {
					// The gzip reader names its file already.
					s.res.Cut = append(s.res.Cut, err)
				} else {
					s.res.Cut = append(s.res.Cut, fmt.Errorf("reading %s: %w", in.Name, err))
				}
			}
			s.done += s.lr.Offset()
			s.res.TooLong += s.lr.Skipped()
			s.i, s.lr = s.i+1, nil
		}
		if len(data) > 0 {
			*fresh = old
			c := chunk{seq: s.seq, input: input, data: unsafe.String(unsafe.SliceData(data), len(data)), buf: fresh}
			s.seq++
			return c, true
		}
	}
	return chunk{}, false
}

// wallOf is a replay's wall clock (ingest.Clock): the newest of the
// inputs' reference times, their files' modification times (standard
// input: now), past which no line of them was written.
func wallOf(inputs []Input) time.Time {
	var wall time.Time
	for _, in := range inputs {
		if in.Ref.After(wall) {
			wall = in.Ref
		}
	}
	return wall
}

// worker parses chunks, with a Reader per input (each dates its lines from
// its own file's time).
type worker struct {
	readers []*ingest.Reader
}

func newWorker(opts Options, inputs []Input, learnt *classify.Learnt) *worker {
	w := &worker{}
	for _, in := range inputs {
		w.readers = append(w.readers, ingest.NewReader(ingest.Options{
			Catalog: opts.Catalog, Location: opts.Location, SendingIP: opts.SendingIP, Since: opts.Since, Until: opts.Until,
			Learnt: learnt,
		}, in.Ref))
	}
	return w
}

func (w *worker) do(c chunk, obs *obsBatch) parsed {
	obs.reset(c.data)
	p := parsed{seq: c.seq, obs: obs, buf: c.buf}
	rd := w.readers[c.input]
	rd.Counts.Reset()
	data := c.data
	var rec postfixlog.Record // on the stack: see ingest.Reader.ReadTo
	for len(data) > 0 {
		var line string
		line, data = logwatch.CutLineString(data) // the sources' line rule
		ok, v := rd.ReadTo(&rec, line)
		// Message-IDs only matter to notices; the report names who
		// sent the refused mail (sender, SASL login, client, every
		// queue id), so the other facts reach the tracker.
		if !ok || !ingest.ClockedKind(rec.Kind) {
			continue
		}
		p.obs.addRecord(&rec, v) // incident.ObservationOf, compacted
	}
	p.obs.counts.Add(&rd.Counts)
	return p
}
