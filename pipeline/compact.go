package pipeline

import (
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// obsBatch holds a chunk's observations for the merger, compactly: each
// is a compactObs whose strings are spans of the chunk's text and whose
// time and verdict are indexes into small tables. A slice of them holds no
// pointer: the garbage collector never scans it, and filling it costs no
// write barrier. (A slice of incident.Observation, fifteen strings each,
// was most of the heap the collector marked while a replay ran, and
// filling it most of the workers' write barriers.)
type obsBatch struct {
	data     string // the chunk's text: what spans point into
	base     uintptr
	obs      []compactObs
	times    []time.Time        // distinct times, in order (a chunk spans minutes)
	verdicts []classify.Verdict // copies: a Reader's verdict is valid until its next Read
	extra    []string           // strings that are not in data (none from the parser)
	// counts are the chunk's line counts; their maps are kept from chunk
	// to chunk (a chunk's counts of failures and rejections by provider
	// were two new maps each, 600 kB of a dense log's replay).
	counts ingest.Counts
}

// compactObs is an incident.Observation of an obsBatch. Only the strings
// its kind carries are kept (incident.ObservationOf sets no others), in f:
// a delivery's at f[fStatus…], a sender, a Message-ID or a login and
// client at f[0] and f[1]. Writing and reading a few spans instead of
// fourteen halved the cost of the handoff.
type compactObs struct {
	kind    postfixlog.Kind
	at      uint32 // index in times
	verdict int32  // index in verdicts; -1: none

	qid, prev, next span
	f               [numDeliveryFields]span
}

// The strings of a delivery, in f: the most any kind has.
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

// span is a string of an obsBatch: off and n in its data, or, when off
// has extraBit set, its index in extra.
type span struct{ off, n uint32 }

const extraBit = 1 << 31

func (b *obsBatch) reset(data string) {
	clear(b.times)
	clear(b.verdicts)
	clear(b.extra)
	b.counts.Reset()
	*b = obsBatch{data: data, base: uintptr(unsafe.Pointer(unsafe.StringData(data))), obs: b.obs[:0], times: b.times[:0],
		verdicts: b.verdicts[:0], extra: b.extra[:0], counts: b.counts}
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
	b.obs = append(b.obs, compactObs{})
	c := &b.obs[len(b.obs)-1]
	c.kind, c.verdict = rec.Kind, -1
	c.qid = b.span(rec.QueueID)
	if linked {
		c.prev, c.next = b.span(prev), b.span(next)
	}
	switch rec.Kind {
	case postfixlog.KindDelivery:
		c.f = [numDeliveryFields]span{fStatus: b.span(rec.Status), fTo: b.span(rec.To), fRemoteHost: b.span(rec.RemoteHost),
			fRelayHost: b.span(rec.RelayHost), fRelayIP: b.span(rec.RelayIP), fRaw: b.span(rec.Raw), fInstance: b.span(rec.Instance)}
		if v != nil {
			b.verdicts = append(b.verdicts, *v)
			c.verdict = int32(len(b.verdicts) - 1)
		}
	case postfixlog.KindQueued, postfixlog.KindPickup:
		c.f[0] = b.span(rec.From)
	case postfixlog.KindMessageID:
		c.f[0] = b.span(rec.MessageID)
	case postfixlog.KindClient:
		c.f[0], c.f[1] = b.span(rec.SASLUser), b.span(rec.Client)
	}
	if n := len(b.times); n == 0 || b.times[n-1] != rec.Time {
		b.times = append(b.times, rec.Time)
	}
	c.at = uint32(len(b.times) - 1)
	return true
}

// get sets *o to the i-th observation. *o is zero or what get set it to
// before (its callers change only its time and verdict): only the strings
// that one's kind carries are cleared, not all fifteen — zeroing the whole
// observation cost 110 instructions a line.
func (b *obsBatch) get(i int, o *incident.Observation) {
	c := &b.obs[i]
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
	o.Kind, o.At, o.QueueID, o.Verdict = c.kind, b.times[c.at], b.str(c.qid), nil
	if c.next != (span{}) || c.prev != (span{}) {
		o.Prev, o.Next = b.str(c.prev), b.str(c.next)
	} else if o.Prev != "" || o.Next != "" {
		o.Prev, o.Next = "", ""
	}
	switch c.kind {
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
