// Package ingest is rblwatch's one path from a Postfix log line to the
// incident tracker: parse (postfixlog), classify a failed delivery
// (classify), observe (incident). The daemon (`rblwatch run`) and `rblwatch
// replay` both read lines through a Reader and feed what it makes of them to
// an incident.Tracker with Feed; replay runs several Readers on chunks of
// the log in parallel and feeds the tracker in log order, the daemon runs
// one Reader and also hands each record to the store.
//
// A Reader counts what it reads (Counts) for replay's totals and the
// daemon's metrics, and classifies through a classify.Memo: replies of one
// shape recur a lot, and classifying each again would cost more than
// parsing the line.
package ingest

import (
	"errors"
	"iter"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// Options configure a Reader.
type Options struct {
	Catalog   *classify.Catalog
	Location  *time.Location // zone of timestamps without one; nil: UTC
	SendingIP string         // our outbound IP, the listed IP when a reply names none
	// Since and Until bound the time of the lines read (zero: no bound):
	// lines outside are counted in Counts.Skipped and otherwise ignored.
	Since, Until time.Time
	// Learnt, when set (made by Catalog.NewLearnt), is shared by the
	// Readers that read one log in parallel: a reply's shape one of them
	// classified, the others read from memory (classify.Learnt). nil: the
	// Reader learns alone.
	Learnt *classify.Learnt
	// ByProvider counts the blocklist refusals per provider
	// (Counts.Rejections: the daemon's metrics). Replay's report shows
	// none, and counting them in a map cost a refusal 160 instructions.
	ByProvider bool
}

// Totals count delivery lines as pflogsumm does.
type Totals struct {
	Delivered int64 `json:"delivered"` // status=sent, not "forwarded as"
	Deferred  int64 `json:"deferred"`  // status=deferred lines (every retry counts)
	Bounced   int64 `json:"bounced"`   // status=bounced lines
	Expired   int64 `json:"expired"`   // messages returned after maximal_queue_lifetime
}

// Status classes of delivery lines, for Counts.Deliveries.
const (
	StatusSent     = iota // status=sent, "forwarded as" included
	StatusDeferred        // status=deferred
	StatusBounced         // status=bounced
	StatusExpired         // status=expired on a delivery line
	StatusOther           // deliverable, undeliverable, softbounce, …
	numStatus
)

// StatusNames names the status classes, for metric labels.
var StatusNames = [numStatus]string{"sent", "deferred", "bounced", "expired", "other"}

// Counts is what a Reader read. Maps are nil until they count something.
type Counts struct {
	Lines    int64 // lines read within the time window
	Unparsed int64 // Postfix lines not understood, and lines with no readable prefix
	Foreign  int64 // lines of other programs (dovecot, opendkim, …)
	Skipped  int64 // lines outside Options.Since/Until
	// UnparsedBy counts unparsed lines per Postfix service, named by
	// postfixlog.ServiceLabel ("" for lines without a readable prefix).
	UnparsedBy map[string]int64
	Totals     Totals
	// Deliveries counts delivery lines by status class (Status…).
	Deliveries [numStatus]int64
	// Failures counts deferred and bounced delivery lines per category.
	Failures CategoryCounts
	// Rejections counts blocklist verdicts per provider ("" unnamed),
	// when Options.ByProvider is set.
	Rejections map[string]int64
	// First and Last are the earliest and the latest time of the lines
	// read in the window.
	First, Last time.Time
}

// Add adds c2 to c.
func (c *Counts) Add(c2 *Counts) {
	c.Lines += c2.Lines
	c.Unparsed += c2.Unparsed
	c.Foreign += c2.Foreign
	c.Skipped += c2.Skipped
	for s, n := range c2.UnparsedBy {
		if c.UnparsedBy == nil {
			c.UnparsedBy = map[string]int64{}
		}
		c.UnparsedBy[s] += n
	}
	c.Totals.Delivered += c2.Totals.Delivered
	c.Totals.Deferred += c2.Totals.Deferred
	c.Totals.Bounced += c2.Totals.Bounced
	c.Totals.Expired += c2.Totals.Expired
	for i, n := range c2.Deliveries {
		c.Deliveries[i] += n
	}
	for i, n := range c2.Failures {
		c.Failures[i] += n
	}
	for p, n := range c2.Rejections {
		if c.Rejections == nil {
			c.Rejections = map[string]int64{}
		}
		c.Rejections[p] += n
	}
	if !c2.First.IsZero() && (c.First.IsZero() || c2.First.Before(c.First)) {
		c.First = c2.First
	}
	if c2.Last.After(c.Last) {
		c.Last = c2.Last
	}
}

// Reset zeroes c, keeping its maps for reuse.
func (c *Counts) Reset() {
	clear(c.UnparsedBy)
	clear(c.Rejections)
	*c = Counts{UnparsedBy: c.UnparsedBy, Rejections: c.Rejections}
}

// Reader parses lines and classifies failed deliveries. It is not safe for
// concurrent use: give each goroutine its own.
type Reader struct {
	opts   Options
	parser *postfixlog.Parser
	rec    postfixlog.Record // reused: Read's result
	memo   *classify.Memo
	v      classify.Verdict // reused: Read's verdict
	// windowed: Options.Since or Until is set (most reads have no window:
	// testing the time against two zero bounds cost 30 instructions a line).
	windowed bool
	// Counts is what was read so far.
	Counts Counts
}

// NewReader returns a Reader. ref is when the log is known to end (now for
// a live log, the file's mtime for a replay): it dates syslog timestamps,
// which carry no year (see postfixlog.NewParser).
func NewReader(opts Options, ref time.Time) *Reader {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	memo := opts.Catalog.NewMemo()
	if opts.Learnt != nil {
		memo = opts.Learnt.NewMemo()
	}
	return &Reader{opts: opts, parser: postfixlog.NewParser(ref, opts.Location), memo: memo,
		windowed: !opts.Since.IsZero() || !opts.Until.IsZero()}
}

// SetReference moves the time that dates syslog timestamps (a long-running
// daemon's clock moves on).
func (r *Reader) SetReference(ref time.Time) {
	r.parser = postfixlog.NewParser(ref, r.opts.Location)
}

// Read parses line (without its newline) and classifies it when it is a
// failed delivery. It returns the record, valid until the next Read (its
// strings are substrings of line), and the verdict of a failed delivery
// (nil otherwise), also valid until the next Read (its strings may be
// views of the line too: copy what is kept). The record is nil
// for a line that tells nothing to the tracker or the store: a line of
// another program, an unparsed line, a line Postfix writes that rblwatch
// has no use for, a line outside the time window. Every line is counted.
func (r *Reader) Read(line string) (*postfixlog.Record, *classify.Verdict) {
	ok, v := r.ReadTo(&r.rec, line)
	if !ok {
		return nil, nil
	}
	return &r.rec, v
}

// ReadTo is Read with the record in *rec, and false where Read returns a
// nil record. A replay's workers keep rec on their stacks: parsing resets
// every field of the record at each line, and a record in the heap took
// the collector's write barrier for each of its forty strings whenever a
// collection was marking.
func (r *Reader) ReadTo(rec *postfixlog.Record, line string) (bool, *classify.Verdict) {
	c := &r.Counts
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	err := r.parser.Parse(line, rec)
	// Lines of other programs carry a time too: the window applies.
	if r.windowed && (err == nil || err == postfixlog.ErrNotPostfix) && !rec.Time.IsZero() && !r.inWindow(rec.Time) {
		c.Skipped++
		return false, nil
	}
	c.Lines++
	switch {
	case err != nil && errors.Is(err, postfixlog.ErrNotPostfix): // errors.Is is a call, even for nil
		c.Foreign++
		return false, nil
	case err != nil:
		c.countUnparsed("")
		return false, nil
	case rec.Kind == postfixlog.KindUnknown:
		// A bounded set of names: a crafted line can name any service.
		c.countUnparsed(postfixlog.ServiceLabel(rec.Service))
		return false, nil
	}
	// Most lines share their second with the line before, whose time the
	// parser hands out again: such a time is within [First, Last] already
	// (three comparisons of times cost 60 instructions a line).
	if rec.Time != c.Last && !rec.Time.Before(minTrusted) { // what Clock would not take says nothing of the span read
		// The earliest and the latest: files given out of order (mail.log
		// before mail.log.1) or a log with lines out of order still span
		// from the one to the other.
		if c.First.IsZero() || rec.Time.Before(c.First) {
			c.First = rec.Time
		}
		if rec.Time.After(c.Last) {
			c.Last = rec.Time
		}
	}
	var v *classify.Verdict
	switch rec.Kind {
	case postfixlog.KindOther:
		return false, nil
	case postfixlog.KindExpired:
		c.Totals.Expired++
	case postfixlog.KindDelivery:
		switch rec.Status {
		case "sent":
			c.Deliveries[StatusSent]++
			if !strings.HasPrefix(rec.Detail, "forwarded as ") {
				c.Totals.Delivered++
			}
		case "deferred", "bounced":
			if rec.Status == "deferred" {
				c.Deliveries[StatusDeferred]++
				c.Totals.Deferred++
			} else {
				c.Deliveries[StatusBounced]++
				c.Totals.Bounced++
			}
			v = r.classify(rec)
			c.Failures[categoryIndex(v.Category)]++
			if v.Category == classify.Blocklist && r.opts.ByProvider {
				if c.Rejections == nil {
					c.Rejections = map[string]int64{}
				}
				c.Rejections[v.Provider]++
			}
		case "expired":
			c.Deliveries[StatusExpired]++
		default:
			c.Deliveries[StatusOther]++
		}
	}
	return true, v
}

// CategoryCounts counts lines per category: [i] those of
// classify.Categories[i]. An array, not a map: a refusal counted in a map
// cost 160 instructions (the category's name hashed, then compared), as
// much as parsing its delivery fields.
type CategoryCounts [numCategories]int64

// numCategories is len(classify.Categories) (TestCategoryIndex).
const numCategories = 10

// categoryIndex returns c's index in classify.Categories. The catalog
// takes no other category (its loader rejects one), and the classifier
// makes none: one it did not list is counted as classify.Other.
func categoryIndex(c classify.Category) int {
	switch c {
	case classify.Blocklist:
		return 0
	case classify.RateLimit:
		return 1
	case classify.Content:
		return 2
	case classify.Auth:
		return 3
	case classify.Recipient:
		return 4
	case classify.Policy:
		return 5
	case classify.Greylist:
		return 6
	case classify.TLS:
		return 7
	case classify.Network:
		return 8
	}
	return 9 // classify.Other
}

// Of returns the count of category c.
func (n *CategoryCounts) Of(c classify.Category) int64 { return n[categoryIndex(c)] }

// All yields the categories counted (not zero) and their counts, in the
// order of classify.Categories.
func (n *CategoryCounts) All() iter.Seq2[classify.Category, int64] {
	return func(yield func(classify.Category, int64) bool) {
		for i, k := range n {
			if k != 0 && !yield(classify.Categories[i], k) {
				return
			}
		}
	}
}

func (r *Reader) inWindow(t time.Time) bool {
	return (r.opts.Since.IsZero() || !t.Before(r.opts.Since)) && (r.opts.Until.IsZero() || t.Before(r.opts.Until))
}

func (c *Counts) countUnparsed(service string) {
	c.Unparsed++
	if c.UnparsedBy == nil {
		c.UnparsedBy = map[string]int64{}
	}
	if _, ok := c.UnparsedBy[service]; !ok {
		service = strings.Clone(service) // the key outlives the line
	}
	c.UnparsedBy[service]++
}

// classify returns the verdict for a failed delivery, in r.v.
func (r *Reader) classify(rec *postfixlog.Record) *classify.Verdict {
	r.v = r.memo.Classify(classify.InputFromRecord(rec, r.opts.SendingIP))
	return &r.v
}

// Observation sets *o to what the tracker reads of a record Read returned,
// and returns false when it reads nothing of it (o is then zero). The
// daemon fills one observation a line in place: returned, the fifteen
// strings were copied twice a line (bench/README.md, catchup12).
func Observation(o *incident.Observation, rec *postfixlog.Record, v *classify.Verdict) bool {
	return o.Set(rec, v)
}

// Feed hands one observation to the tracker and returns the events due.
func Feed(tr *incident.Tracker, o *incident.Observation) []incident.Event {
	return tr.Observe(o)
}
