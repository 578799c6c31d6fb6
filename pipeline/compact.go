package pipeline

import (
	"slices"
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// obsBatch holds a chunk's observations for the merger, compactly: each
// is a few 32-bit words in enc (see addRecord) whose strings are spans of
// the chunk's text and whose time and verdict are indexes into small
// tables. enc holds no pointer: the garbage collector never scans it, and
// filling it costs no write barrier. (A slice of incident.Observation,
// fifteen strings each, was most of the heap the collector marked while a
// replay ran, and filling it most of the workers' write barriers.)
type obsBatch struct {
	data     string // the chunk's text: what spans point into
	base     uintptr
	enc      []uint32           // the observations, one after another
	n        int                // how many
	times    []time.Time        // distinct times, in order (a chunk spans minutes)
	verdicts []classify.Verdict // copies: a Reader's verdict is valid until its next Read
	// keys[i] is the key verdicts[i]'s refusal is folded by
	// (ingest.AddressBound.KeyOf), for a blocklist refusal naming an
	// address (zero for others): the worker hashes its strings while the
	// line is in its cache; the merger prefetches the hosts' entries with
	// them.
	keys  []ingest.FoldKey
	keyOf func(remote, relay, listed string) ingest.FoldKey // nil: keys are zero
	// vi is the index in verdicts of the observation get read last (-1:
	// none).
	vi    int32
	extra []string  // strings that are not in data (none from the parser)
	wide  []wideObs // the observations enc cannot hold as words
	// counts are the chunk's line counts; their maps are kept from chunk
	// to chunk (a chunk's counts of failures and rejections by provider
	// were two new maps each, 600 kB of a dense log's replay).
	counts ingest.Counts
}

// An observation in obsBatch.enc is a head word (its kind, flags and its
// line's length), its line's offset in data, the index of its time, the
// index of its verdict (a failed delivery's only), then its strings, one
// word each (its offset in the line, its length): the queue id, the link's
// two queue ids (when linked), and the strings its kind carries
// (incident.ObservationOf sets no others) — a delivery's Status, To,
// RemoteHost, RelayHost, RelayIP, Instance (its Raw is the line); a
// sender; a Message-ID; a login and client. The parser's strings are all
// within the line (Record.Raw). A line longer than 64 KiB, or a string
// outside its line, makes the observation wide: two words, the head and
// its index in wide, where it is a wideObs. The handoff wrote 96 bytes for
// every record, 24 on average now: the worker writes and the merger
// reads lines of memory the other core had.
const (
	wWide    = 1 << 8 // in wide
	wLinked  = 1 << 9 // Prev and Next follow the queue id
	wVerdict = 1 << 10
	wLenAt   = 16 // the line's length
)

// wideObs is an observation whose strings are spans of data or extra:
// Only the strings its kind carries are kept, in f: a delivery's at
// f[fStatus…], a sender, a Message-ID or a login and client at f[0] and
// f[1].
type wideObs struct {
	at              uint32 // index in times
	verdict         int32  // index in verdicts; -1: none
	qid, prev, next span
	f               [numDeliveryFields]span
}

// The strings of a delivery, in wideObs.f: the most any kind has.
const (
	fStatus = iota
	fTo
	fRemoteHost
	fRelayHost
	fRelayIP
	fRaw
	fInstance
	numDeliveryFields
)

// span is a string of a wideObs: off and n in its batch's data, or, when
// off has extraBit set, its index in extra.
type span struct{ off, n uint32 }

const extraBit = 1 << 31

func (b *obsBatch) reset(data string) {
	clear(b.times)
	clear(b.verdicts)
	clear(b.extra)
	b.counts.Reset()
	*b = obsBatch{data: data, base: uintptr(unsafe.Pointer(unsafe.StringData(data))), enc: b.enc[:0], times: b.times[:0],
		verdicts: b.verdicts[:0], keys: b.keys[:0], keyOf: b.keyOf, extra: b.extra[:0], wide: b.wide[:0], counts: b.counts}
}

func (b *obsBatch) span(s string) span {
	if len(s) == 0 {
		return span{}
	}
	// One unsigned comparison: a string before data wraps around.
	if off := uintptr(unsafe.Pointer(unsafe.StringData(s))) - b.base; off+uintptr(len(s)) <= uintptr(len(b.data)) {
		return span{uint32(off), uint32(len(s))}
	}
	b.extra = append(b.extra, s)
	return span{extraBit | uint32(len(b.extra)-1), 0}
}

func (b *obsBatch) str(s span) string {
	if s.off&extraBit != 0 {
		return b.extra[s.off&^extraBit]
	}
	if s.n == 0 {
		return "" // not a view of the chunk: nothing keeps it by an empty string
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(b.data)), s.off)), s.n)
}

// narrow is s as a word of an observation whose line is line (its offset
// in the line, its length), and whether it is within the line.
func narrow(line, s string) (uint32, bool) {
	if len(s) == 0 {
		return 0, true
	}
	off := uintptr(unsafe.Pointer(unsafe.StringData(s))) - uintptr(unsafe.Pointer(unsafe.StringData(line)))
	return uint32(off) | uint32(len(s))<<16, off+uintptr(len(s)) <= uintptr(len(line))
}

// str16 is the string of word w of an observation whose line starts at
// line.
func str16(line unsafe.Pointer, w uint32) string {
	if w>>16 == 0 {
		return "" // not a view of the chunk: nothing keeps it by an empty string
	}
	return unsafe.String((*byte)(unsafe.Add(line, w&0xffff)), w>>16)
}

// maxWords is the most words an observation takes: a delivery's head,
// line, time, verdict, queue id, link and six strings.
const maxWords = 13

// addRecord appends what incident.ObservationOf(rec, v) returns, taken
// from the record itself, and reports whether there was one: filling an
// observation first and copying it here cost 80 instructions a line.
// TestObsBatchKeepsObservationOf holds the two equal for records of
// every kind.
func (b *obsBatch) addRecord(rec *postfixlog.Record, v *classify.Verdict) bool {
	switch rec.Kind {
	case postfixlog.KindDelivery, postfixlog.KindQueued, postfixlog.KindPickup, postfixlog.KindMessageID,
		postfixlog.KindClient, postfixlog.KindRemoved, postfixlog.KindExpired, postfixlog.KindHeader:
	default:
		return false
	}
	prev, next, _, linked := rec.Link()
	if !linked && rec.Kind == postfixlog.KindHeader {
		return false
	}
	if n := len(b.times); n == 0 || b.times[n-1] != rec.Time {
		b.times = append(b.times, rec.Time)
	}
	at := uint32(len(b.times) - 1)
	verdict := int32(-1)
	if v != nil && rec.Kind == postfixlog.KindDelivery {
		b.verdicts = append(b.verdicts, *v)
		verdict = int32(len(b.verdicts) - 1)
		var k ingest.FoldKey
		if b.keyOf != nil && v.Category == classify.Blocklist && v.Listed != "" {
			k = b.keyOf(rec.RemoteHost, rec.RelayHost, v.Listed)
		}
		b.keys = append(b.keys, k)
	}
	b.n++

	line := rec.Raw
	off := uintptr(unsafe.Pointer(unsafe.StringData(line))) - b.base
	if len(line) <= 0xffff && off+uintptr(len(line)) <= uintptr(len(b.data)) {
		n := len(b.enc)
		b.enc = slices.Grow(b.enc, maxWords)
		e := b.enc[n : n+maxWords]
		e[0], e[1], e[2] = uint32(rec.Kind)|uint32(len(line))<<wLenAt, uint32(off), at
		j := 3
		if verdict >= 0 {
			e[0] |= wVerdict
			e[3] = uint32(verdict)
			j = 4
		}
		var ok, in bool
		e[j], ok = narrow(line, rec.QueueID)
		j++
		if linked {
			e[0] |= wLinked
			var in2 bool
			e[j], in = narrow(line, prev)
			e[j+1], in2 = narrow(line, next)
			ok, j = ok && in && in2, j+2
		}
		switch rec.Kind {
		case postfixlog.KindDelivery:
			f := e[j : j+6]
			var ok1, ok2, ok3, ok4, ok5, ok6 bool
			f[0], ok1 = narrow(line, rec.Status)
			f[1], ok2 = narrow(line, rec.To)
			f[2], ok3 = narrow(line, rec.RemoteHost)
			f[3], ok4 = narrow(line, rec.RelayHost)
			f[4], ok5 = narrow(line, rec.RelayIP)
			f[5], ok6 = narrow(line, rec.Instance)
			ok, j = ok && ok1 && ok2 && ok3 && ok4 && ok5 && ok6, j+6
		case postfixlog.KindQueued, postfixlog.KindPickup:
			e[j], in = narrow(line, rec.From)
			ok, j = ok && in, j+1
		case postfixlog.KindMessageID:
			e[j], in = narrow(line, rec.MessageID)
			ok, j = ok && in, j+1
		case postfixlog.KindClient:
			var in2 bool
			e[j], in = narrow(line, rec.SASLUser)
			e[j+1], in2 = narrow(line, rec.Client)
			ok, j = ok && in && in2, j+2
		}
		if ok {
			b.enc = b.enc[:n+j]
			return true
		}
	}
	b.enc = append(b.enc, uint32(rec.Kind)|wWide, uint32(len(b.wide)))
	b.wide = append(b.wide, wideObs{at: at, verdict: verdict})
	c := &b.wide[len(b.wide)-1]
	c.qid = b.span(rec.QueueID)
	if linked {
		c.prev, c.next = b.span(prev), b.span(next)
	}
	switch rec.Kind {
	case postfixlog.KindDelivery:
		c.f = [numDeliveryFields]span{fStatus: b.span(rec.Status), fTo: b.span(rec.To), fRemoteHost: b.span(rec.RemoteHost),
			fRelayHost: b.span(rec.RelayHost), fRelayIP: b.span(rec.RelayIP), fRaw: b.span(rec.Raw), fInstance: b.span(rec.Instance)}
	case postfixlog.KindQueued, postfixlog.KindPickup:
		c.f[0] = b.span(rec.From)
	case postfixlog.KindMessageID:
		c.f[0] = b.span(rec.MessageID)
	case postfixlog.KindClient:
		c.f[0], c.f[1] = b.span(rec.SASLUser), b.span(rec.Client)
	}
	return true
}

// get sets *o to the observation at enc[i] and returns where the next
// one starts. *o is zero or what get set it to before (its callers change
// only its time and verdict): only the strings that one's kind carries are
// cleared, not all fifteen — zeroing the whole observation cost 110
// instructions a line.
func (b *obsBatch) get(i int, o *incident.Observation) int {
	switch o.Kind {
	case postfixlog.KindDelivery:
		o.Status, o.To, o.RemoteHost, o.RelayHost, o.RelayIP, o.Raw, o.Instance = "", "", "", "", "", "", ""
	case postfixlog.KindQueued, postfixlog.KindPickup:
		o.From = ""
	case postfixlog.KindMessageID:
		o.MessageID = ""
	case postfixlog.KindClient:
		o.Login, o.Client = "", ""
	}
	e := b.enc[i:]
	head := e[0]
	o.Kind = postfixlog.Kind(head)
	if head&wWide != 0 {
		b.getWide(&b.wide[e[1]], o)
		return i + 2
	}
	line := unsafe.Add(unsafe.Pointer(unsafe.StringData(b.data)), e[1])
	o.At, o.Verdict, b.vi = b.times[e[2]], nil, -1
	j := 3
	if head&wVerdict != 0 {
		b.vi = int32(e[3])
		o.Verdict = &b.verdicts[b.vi]
		j = 4
	}
	o.QueueID = str16(line, e[j])
	j++
	if head&wLinked != 0 {
		o.Prev, o.Next = str16(line, e[j]), str16(line, e[j+1])
		j += 2
	} else if o.Prev != "" || o.Next != "" {
		o.Prev, o.Next = "", ""
	}
	switch o.Kind {
	case postfixlog.KindDelivery:
		f := e[j : j+6]
		o.Status, o.To, o.RemoteHost = str16(line, f[0]), str16(line, f[1]), str16(line, f[2])
		o.RelayHost, o.RelayIP, o.Instance = str16(line, f[3]), str16(line, f[4]), str16(line, f[5])
		o.Raw = unsafe.String((*byte)(line), head>>wLenAt)
		j += 6
	case postfixlog.KindQueued, postfixlog.KindPickup:
		o.From = str16(line, e[j])
		j++
	case postfixlog.KindMessageID:
		o.MessageID = str16(line, e[j])
		j++
	case postfixlog.KindClient:
		o.Login, o.Client = str16(line, e[j]), str16(line, e[j+1])
		j += 2
	}
	return i + j
}

// getWide sets *o, of c's kind already, to c.
func (b *obsBatch) getWide(c *wideObs, o *incident.Observation) {
	o.At, o.QueueID, o.Verdict, b.vi = b.times[c.at], b.str(c.qid), nil, c.verdict
	if c.next != (span{}) || c.prev != (span{}) {
		o.Prev, o.Next = b.str(c.prev), b.str(c.next)
	} else if o.Prev != "" || o.Next != "" {
		o.Prev, o.Next = "", ""
	}
	switch o.Kind {
	case postfixlog.KindDelivery:
		o.Status, o.To, o.RemoteHost = b.str(c.f[fStatus]), b.str(c.f[fTo]), b.str(c.f[fRemoteHost])
		o.RelayHost, o.RelayIP, o.Raw, o.Instance = b.str(c.f[fRelayHost]), b.str(c.f[fRelayIP]), b.str(c.f[fRaw]), b.str(c.f[fInstance])
	case postfixlog.KindQueued, postfixlog.KindPickup:
		o.From = b.str(c.f[0])
	case postfixlog.KindMessageID:
		o.MessageID = b.str(c.f[0])
	case postfixlog.KindClient:
		o.Login, o.Client = b.str(c.f[0]), b.str(c.f[1])
	}
	if c.verdict >= 0 {
		o.Verdict = &b.verdicts[c.verdict]
	}
}

// key returns the key of the observation get read last (see keys).
func (b *obsBatch) key() ingest.FoldKey {
	if b.vi < 0 {
		return ingest.FoldKey{}
	}
	return b.keys[b.vi]
}
