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

// compactObs is an incident.Observation of an obsBatch.
type compactObs struct {
	kind    postfixlog.Kind
	at      uint32 // index in times
	verdict int32  // index in verdicts; -1: none

	qid, status, to, remoteHost, relayHost, relayIP, raw, instance span
	from, messageID, login, client, prev, next                     span
}

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
		return ""
	}
	return unsafe.String((*byte)(unsafe.Add(unsafe.Pointer(unsafe.StringData(b.data)), s.off)), s.n)
}

// add appends o.
func (b *obsBatch) add(o *incident.Observation) {
	c := compactObs{kind: o.Kind, verdict: -1,
		qid: b.span(o.QueueID), status: b.span(o.Status), to: b.span(o.To), remoteHost: b.span(o.RemoteHost),
		relayHost: b.span(o.RelayHost), relayIP: b.span(o.RelayIP), raw: b.span(o.Raw), instance: b.span(o.Instance),
		from: b.span(o.From), messageID: b.span(o.MessageID), login: b.span(o.Login), client: b.span(o.Client),
		prev: b.span(o.Prev), next: b.span(o.Next)}
	if n := len(b.times); n == 0 || b.times[n-1] != o.At {
		b.times = append(b.times, o.At)
	}
	c.at = uint32(len(b.times) - 1)
	if o.Verdict != nil {
		b.verdicts = append(b.verdicts, *o.Verdict)
		c.verdict = int32(len(b.verdicts) - 1)
	}
	b.obs = append(b.obs, c)
}

// get sets *o to the i-th observation.
func (b *obsBatch) get(i int, o *incident.Observation) {
	c := &b.obs[i]
	*o = incident.Observation{Kind: c.kind, At: b.times[c.at],
		QueueID: b.str(c.qid), Status: b.str(c.status), To: b.str(c.to), RemoteHost: b.str(c.remoteHost),
		RelayHost: b.str(c.relayHost), RelayIP: b.str(c.relayIP), Raw: b.str(c.raw), Instance: b.str(c.instance),
		From: b.str(c.from), MessageID: b.str(c.messageID), Login: b.str(c.login), Client: b.str(c.client),
		Prev: b.str(c.prev), Next: b.str(c.next)}
	if c.verdict >= 0 {
		o.Verdict = &b.verdicts[c.verdict]
	}
}
