// Package pipeline ties the pure parts together: log lines are parsed
// (logwatch), failures classified (classify) and fed to the incident tracker
// (incident). Replay runs it over whole files with parsing spread across
// cores; the daemon runs the same steps one line at a time.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
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
	// Settle is how long a delivery to an affected receiver must stand,
	// with no new rejection, to clear an incident (incident.Config.Settle).
	// A delivery after the last rejection of the log clears it anyway.
	Settle  time.Duration
	Workers int // parsing goroutines; 0: GOMAXPROCS
	// MaxLine is the longest line read (0: MaxLine). It also sets the
	// size of the chunks handed to the workers.
	MaxLine int
	// Progress, when set, is called from time to time with the number of
	// input bytes consumed so far.
	Progress func(bytes int64)
}

// Totals count delivery lines as pflogsumm does.
type Totals struct {
	Delivered int64 `json:"delivered"` // status=sent, not "forwarded as"
	Deferred  int64 `json:"deferred"`  // status=deferred lines (every retry counts)
	Bounced   int64 `json:"bounced"`   // status=bounced lines
	Expired   int64 `json:"expired"`   // messages returned after maximal_queue_lifetime
}

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
	// Rejections holds, per incident ID, the time of every rejection that
	// fed it (for timelines).
	Rejections map[string][]time.Time
}

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

// bufPool recycles chunk buffers: a replay then allocates a few of them
// instead of one per mebibyte read, and the garbage collector, which a
// large allocation rate keeps busy, hardly runs.
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// parsed is what a worker made of a chunk: the events the tracker needs,
// and the counters.
type parsed struct {
	seq    int
	events []event
	c      counters
	buf    *[]byte // the chunk's buffer, recycled after the merge
}

// event is what the merger feeds the tracker for one record: a delivery
// (with the verdict of a failure, shared with the worker's cache) or an
// expiry. Whole Records are large; copying them between goroutines cost
// more than parsing.
type event struct {
	kind    postfixlog.Kind
	d       incident.Delivery
	verdict *classify.Verdict
}

// eventPool recycles the event slices of processed chunks.
var eventPool = sync.Pool{New: func() any { return new([]event) }}

type counters struct {
	lines, unparsed, foreign, skipped int64
	unparsedBy                        map[string]int64
	totals                            Totals
	failures                          map[classify.Category]int64
	first, last                       time.Time
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	chunks := make(chan chunk, workers)
	results := make(chan parsed, workers)
	// tokens bounds the chunks in flight (read, parsed, or waiting for an
	// earlier one to be merged): the reader takes one per chunk, the merger
	// gives it back. Without it a descheduled worker lets the others run
	// ahead and the reorder buffer grows without limit.
	tokens := make(chan struct{}, workers+2)
	res := &Result{UnparsedByService: map[string]int64{}, Failures: map[classify.Category]int64{}, Rejections: map[string][]time.Time{}}

	// Reader: cut the inputs into chunks of whole lines.
	var readErr error
	go func() {
		defer close(chunks)
		readErr = readChunks(ctx, inputs, opts.MaxLine, tokens, chunks, &res.TooLong, opts.Progress)
	}()

	// Workers: parse and classify.
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(opts, inputs)
			for c := range chunks {
				select {
				case results <- w.do(c):
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Merger: feed the tracker in input order.
	tr := incident.New(incident.Config{Settle: opts.Settle})
	keyTimes := map[incident.Key][]time.Time{}
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
			res.add(&q.c)
			for i := range q.events {
				e := &q.events[i]
				if e.kind == postfixlog.KindExpired {
					tr.Observe(&postfixlog.Record{Kind: e.kind, Time: e.d.At, QueueID: e.d.QueueID}, classify.Verdict{})
					continue
				}
				tr.ObserveDelivery(&e.d, e.verdict)
				if v := e.verdict; v != nil && v.Category == classify.Blocklist && v.Provider != "" {
					k := incident.Key{Provider: v.Provider, Listed: v.Listed}
					keyTimes[k] = append(keyTimes[k], e.d.At)
				}
			}
			clear(q.events)
			evs := q.events[:0]
			eventPool.Put(&evs)
			bufPool.Put(q.buf)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if readErr != nil {
		return nil, readErr
	}
	tr.Finish()
	res.Incidents = tr.Incidents()
	for _, inc := range res.Incidents {
		for _, at := range keyTimes[inc.Key] {
			if !at.Before(inc.FirstSeen) && !at.After(inc.LastSeen) {
				res.Rejections[inc.ID] = append(res.Rejections[inc.ID], at)
			}
		}
	}
	return res, nil
}

func (res *Result) add(c *counters) {
	res.Lines += c.lines
	res.Unparsed += c.unparsed
	res.Foreign += c.foreign
	res.Skipped += c.skipped
	for s, n := range c.unparsedBy {
		res.UnparsedByService[s] += n
	}
	res.Totals.Delivered += c.totals.Delivered
	res.Totals.Deferred += c.totals.Deferred
	res.Totals.Bounced += c.totals.Bounced
	res.Totals.Expired += c.totals.Expired
	for cat, n := range c.failures {
		res.Failures[cat] += n
	}
	if !c.first.IsZero() && (res.First.IsZero() || c.first.Before(res.First)) {
		res.First = c.first
	}
	if c.last.After(res.Last) {
		res.Last = c.last
	}
}

// readChunks reads every input and sends chunks of whole lines, each copied
// into a pooled buffer that the merger recycles (see chunk).
func readChunks(ctx context.Context, inputs []Input, maxLine int, tokens chan<- struct{}, out chan<- chunk, tooLong *int64, progress func(int64)) error {
	seq := 0
	var done int64
	for i, in := range inputs {
		lr := logwatch.NewLineReader(in.R, cmp.Or(maxLine, MaxLine))
		for {
			data, err := lr.NextChunk()
			if len(data) > 0 {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return ctx.Err()
				}
				buf := bufPool.Get().(*[]byte)
				*buf = append((*buf)[:0], data...)
				select {
				case out <- chunk{seq: seq, input: i, data: unsafe.String(unsafe.SliceData(*buf), len(*buf)), buf: buf}:
					seq++
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if progress != nil {
				progress(done + lr.Offset())
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return fmt.Errorf("reading %s: %w", in.Name, err)
			}
		}
		done += lr.Offset()
		*tooLong += lr.Skipped()
	}
	return nil
}

// worker parses chunks. Each has its own parsers (they cache timestamps) and
// a verdict cache: the same reply text from the same host recurs a lot.
type worker struct {
	opts    Options
	parsers []*postfixlog.Parser
	cache   map[cacheKey]*classify.Verdict
	rec     postfixlog.Record
}

type cacheKey struct{ detail, host string }

const maxCache = 4096

func newWorker(opts Options, inputs []Input) *worker {
	w := &worker{opts: opts, cache: make(map[cacheKey]*classify.Verdict)}
	for _, in := range inputs {
		ref := in.Ref
		if ref.IsZero() {
			ref = time.Now()
		}
		w.parsers = append(w.parsers, postfixlog.NewParser(ref, opts.Location))
	}
	return w
}

func (w *worker) do(c chunk) parsed {
	p := parsed{seq: c.seq, events: *eventPool.Get().(*[]event), buf: c.buf}
	ps := w.parsers[c.input]
	data := c.data
	for len(data) > 0 {
		line := data
		if i := strings.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = ""
		}
		line = strings.TrimSuffix(line, "\r")
		r := &w.rec
		err := ps.Parse(line, r)
		// Lines of other programs carry a time too: the window applies.
		if (err == nil || errors.Is(err, postfixlog.ErrNotPostfix)) && !r.Time.IsZero() && !w.inWindow(r.Time) {
			p.c.skipped++
			continue
		}
		p.c.lines++
		switch {
		case errors.Is(err, postfixlog.ErrNotPostfix):
			p.c.foreign++
			continue
		case err != nil:
			p.c.unparsed++
			p.c.countUnparsed("")
			continue
		case r.Kind == postfixlog.KindUnknown:
			p.c.unparsed++
			p.c.countUnparsed(postfixlog.ServiceLabel(r.Service))
			continue
		}
		if !r.Time.IsZero() {
			if p.c.first.IsZero() {
				p.c.first = r.Time
			}
			p.c.last = r.Time
		}
		e := event{kind: r.Kind, d: incident.Delivery{At: r.Time, QueueID: r.QueueID}}
		switch r.Kind {
		case postfixlog.KindDelivery:
			e.d.Status, e.d.To = r.Status, r.To
			switch r.Status {
			case "sent":
				if !strings.HasPrefix(r.Detail, "forwarded as ") {
					p.c.totals.Delivered++
				}
			case "deferred", "bounced":
				if r.Status == "deferred" {
					p.c.totals.Deferred++
				} else {
					p.c.totals.Bounced++
				}
				e.verdict = w.classify(r)
				e.d.RemoteHost, e.d.Raw = r.RemoteHost, r.Raw
				if p.c.failures == nil {
					p.c.failures = map[classify.Category]int64{}
				}
				p.c.failures[e.verdict.Category]++
			}
		case postfixlog.KindExpired:
			p.c.totals.Expired++
		default:
			// Senders and Message-IDs only matter to notices; a replay
			// reports counts, so the tracker is spared the bookkeeping
			// of every message's life.
			continue
		}
		p.events = append(p.events, e)
	}
	return p
}

func (c *counters) countUnparsed(service string) {
	if c.unparsedBy == nil {
		c.unparsedBy = map[string]int64{}
	}
	if _, ok := c.unparsedBy[service]; !ok {
		service = strings.Clone(service) // the key outlives the chunk
	}
	c.unparsedBy[service]++
}

func (w *worker) inWindow(t time.Time) bool {
	return (w.opts.Since.IsZero() || !t.Before(w.opts.Since)) && (w.opts.Until.IsZero() || t.Before(w.opts.Until))
}

// classify returns the verdict for a failed delivery, from the cache when the
// same text came from the same host before. Cached verdicts hold no
// substrings of the chunk, so the cache does not keep chunks alive; they are
// never changed once made, so events may share them.
func (w *worker) classify(r *postfixlog.Record) *classify.Verdict {
	k := cacheKey{r.Detail, r.RemoteHost}
	if v, ok := w.cache[k]; ok {
		return v
	}
	v := w.opts.Catalog.Classify(classify.InputFromRecord(r, w.opts.SendingIP)).Clone()
	if len(w.cache) >= maxCache {
		clear(w.cache)
	}
	w.cache[cacheKey{strings.Clone(k.detail), strings.Clone(k.host)}] = &v
	return &v
}
