package pipeline

import (
	"time"
	"unsafe"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
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
	*b = obsBatch{data: data, base: uintptr(unsafe.Pointer(unsafe.StringData(data))), obs: b.obs[:0], times: b.times[:0],
		verdicts: b.verdicts[:0], extra: b.extra[:0]}
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

// add appends o.
func (b *obsBatch) add(o *incident.Observation) {
	b.obs = append(b.obs, compactObs{})
	c := &b.obs[len(b.obs)-1]
	c.kind, c.verdict = o.Kind, -1
	c.qid = b.span(o.QueueID)
	if o.Next != "" || o.Prev != "" {
		c.prev, c.next = b.span(o.Prev), b.span(o.Next)
	}
	// The strings of o's kind (TestObsBatchKeepsObservationOf: the
	// only ones incident.ObservationOf sets).
	switch o.Kind {
	case postfixlog.KindDelivery:
		c.f = [numDeliveryFields]span{fStatus: b.span(o.Status), fTo: b.span(o.To), fRemoteHost: b.span(o.RemoteHost),
			fRelayHost: b.span(o.RelayHost), fRelayIP: b.span(o.RelayIP), fRaw: b.span(o.Raw), fInstance: b.span(o.Instance)}
	case postfixlog.KindQueued, postfixlog.KindPickup:
		c.f[0] = b.span(o.From)
	case postfixlog.KindMessageID:
		c.f[0] = b.span(o.MessageID)
	case postfixlog.KindClient:
		c.f[0], c.f[1] = b.span(o.Login), b.span(o.Client)
	}
	if n := len(b.times); n == 0 || b.times[n-1] != o.At {
		b.times = append(b.times, o.At)
	}
	c.at = uint32(len(b.times) - 1)
	if o.Verdict != nil {
		b.verdicts = append(b.verdicts, *o.Verdict)
		c.verdict = int32(len(b.verdicts) - 1)
	}
}

// get sets *o to the i-th observation.
func (b *obsBatch) get(i int, o *incident.Observation) {
	c := &b.obs[i]
	*o = incident.Observation{Kind: c.kind, At: b.times[c.at], QueueID: b.str(c.qid)}
	if c.next != (span{}) || c.prev != (span{}) {
		o.Prev, o.Next = b.str(c.prev), b.str(c.next)
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
