package incident

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// What a restart needs to go on counting an active incident as one run
// would: the store keeps its lists (the first MaxMessages messages,
// MaxRecipients recipients, MaxDomains domains), and the tracker also
// tells apart what it counted beyond them — the distinct recipients and
// domains (hashes) and the messages still in the queue (their queue id
// and recipients' fates) — and the fate of each recipient of a listed
// message of several (the list keeps one fate a message). Change.Carried
// holds what a save adds to that, a blob the store appends to the
// incident's rows (O(change)); Resume reads the rows back after Restore.
// Without them a message beyond the list refused again after a restart
// was counted again, and a recipient or domain beyond it too.
//
// Not carried: who submitted the messages beyond the list (Senders counts
// the listed ones after a restart), what the log told of messages before
// they were refused (sender, links: a message requeued across a restart
// counts as a new one), and the tombs of queue ids evicted past
// MaxQueueIDs (queuebound.go).
//
// A blob is version 1: a byte 1; the recipients' hashes (a uvarint count,
// then 8 bytes each, little-endian); the domains' alike; then records to
// its end, each a kind byte and the queue id (a uvarint length, then the
// bytes):
//   - carryPut: the message under the queue id (beyond the list, or a
//     listed one of several recipients) as it is now: when it was last
//     seen (a uvarint, Unix seconds), its recipients (a uvarint count,
//     then each one's hash, 8 bytes, and its fate, a byte);
//   - carryAlias: the queue id is another of the message under the queue
//     id that follows (the log linked them), then when it was last seen;
//   - carryGone: the queue id left the incident's count: Postfix removed
//     the message, or the tracker forgot it past QueueLifetime (an
//     evicted one stays, as its tomb does in the tracker);
//   - carrySettle (no queue id: an empty one): the delivery that clears
//     the incident once it stood for Config.Settle, as it changed: its
//     time (a uvarint, Unix nanoseconds plus one; 0: none pending, a
//     rejection came after it).
const (
	carryVersion = 1

	carryPut    = 1
	carryAlias  = 2
	carryGone   = 3
	carrySettle = 4
)

// stableHash is the hash of the recipients and domains an incident tells
// apart: the same in every process, so that a restart reads back the
// hashes a save wrote.
func stableHash(s string) uint64 { return xxhash.Sum64String(s) }

// carryOp is a record of what an incident counted beyond its lists,
// waiting for Changes: ms (put) or of (alias) or neither (gone), under
// queue id qid (the tracker's copy).
type carryOp struct {
	qid string
	ms  *msgState
	of  string
}

// carry notes that ms, in an active incident, changed under queue id qid
// (a view of a log line, copied if kept): a message beyond its list, or
// a listed one of several recipients (the list keeps one fate a message,
// not each recipient's).
func (ms *msgState) carry(qid string) {
	st := ms.st
	if ms.carried || !st.carrying || ms.idx >= 0 && len(ms.rcpts) < 2 {
		return
	}
	ms.carried = true
	st.carryOps = append(st.carryOps, carryOp{qid: strings.Clone(qid), ms: ms})
}

// carryGone notes that queue id qid left st's count (a copy is kept: qid
// may be a view of a log line). A cleared incident is not saved again for
// it: the record goes with its next save, if a later fate changes it.
func (t *Tracker) carryGone(st *state, qid string) {
	if !st.carrying {
		return
	}
	st.carryOps = append(st.carryOps, carryOp{qid: strings.Clone(qid)})
	if st.inc.Status != Cleared {
		t.touch(st)
	}
}

// carryAlias notes that st's entry under queue id of is under qid too
// (the tracker's copies).
func (t *Tracker) carryAlias(st *state, qid, of string) {
	if !st.carrying {
		return
	}
	st.carryOps = append(st.carryOps, carryOp{qid: qid, of: of})
}

// takeCarried returns what st counted beyond its lists since the last
// call (nil: nothing), and starts again. A cleared incident's counts of
// distinct recipients and domains are final, and its delivery to settle
// moot: what it carries is its messages still in the queue, whose later
// fates it counts.
func (t *Tracker) takeCarried(st *state) []byte {
	cleared := st.inc.Status == Cleared
	if cleared {
		st.carryRcpts, st.carryDoms = st.carryRcpts[:0], st.carryDoms[:0]
	}
	settle := !st.clearAt.Equal(st.savedClearAt) && st.carrying && !cleared
	if len(st.carryRcpts) == 0 && len(st.carryDoms) == 0 && len(st.carryOps) == 0 && !settle {
		return nil
	}
	defer func() {
		st.carryRcpts, st.carryDoms = st.carryRcpts[:0], st.carryDoms[:0]
		clear(st.carryOps)
		st.carryOps = st.carryOps[:0]
	}()
	b := []byte{carryVersion}
	for _, hs := range [][]uint64{st.carryRcpts, st.carryDoms} {
		b = binary.AppendUvarint(b, uint64(len(hs)))
		for _, h := range hs {
			b = binary.LittleEndian.AppendUint64(b, h)
		}
	}
	str := func(b []byte, s string) []byte { return append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	for _, op := range st.carryOps {
		switch {
		case op.ms != nil:
			op.ms.carried = false
			b = str(append(b, carryPut), op.qid)
			b = binary.AppendUvarint(b, uint64(max(t.lastOf(op.qid), 0)))
			b = binary.AppendUvarint(b, uint64(len(op.ms.rcpts)))
			for _, r := range op.ms.rcpts {
				b = append(binary.LittleEndian.AppendUint64(b, r.h), byte(r.fate))
			}
		case op.of != "":
			b = str(str(append(b, carryAlias), op.qid), op.of)
			b = binary.AppendUvarint(b, uint64(max(t.lastOf(op.qid), 0)))
		default:
			b = str(append(b, carryGone), op.qid)
		}
	}
	if settle {
		st.savedClearAt = st.clearAt
		at := uint64(0)
		if !st.clearAt.IsZero() {
			at = uint64(st.clearAt.UnixNano()) + 1
		}
		b = binary.AppendUvarint(str(append(b, carrySettle), ""), at)
	}
	return b
}

// lastOf is when queue id qid was last seen (Unix seconds of log time).
func (t *Tracker) lastOf(qid string) int64 {
	if ref := t.ref(qid); ref != nil {
		return ref.last
	}
	return t.nowSec
}

// ErrCarried says that a blob of Change.Carried cannot be read.
var ErrCarried = errors.New("incident: unreadable record of what an incident counted")

// Resume reads back what the active incident id counted beyond its lists
// (every Change.Carried saved, in order), after Restore. The blobs of an
// incident not active are ignored.
func (t *Tracker) Resume(id string, blobs [][]byte) error {
	st := t.resumed[id]
	if st == nil {
		return nil
	}
	// Every entry by queue id, also those gone since: a message requeued
	// by postsuper -r left under its old queue id before the log linked
	// the new one to it.
	known := map[string]*msgState{}
	for _, data := range blobs {
		if err := t.resume(st, known, data); err != nil {
			return fmt.Errorf("%w: incident %s", err, id)
		}
	}
	return nil
}

func (t *Tracker) resume(st *state, known map[string]*msgState, data []byte) error {
	r := carryReader{b: data}
	if v := r.byte(); v != carryVersion {
		return fmt.Errorf("%w: version %d", ErrCarried, v)
	}
	cleared := st.inc.Status == Cleared
	for _, set := range []*hashSet{&st.rcpts, &st.doms} {
		for n := r.uvarint(); n > 0 && r.err == nil; n-- {
			if h := r.uint64(); !cleared { // a cleared incident's counts are final
				t.remember(set, h)
			}
		}
	}
	for r.err == nil && len(r.b) > 0 {
		kind, qid := r.byte(), r.string()
		switch kind {
		case carryPut:
			last := int64(r.uvarint())
			n := r.uvarint()
			if n > uint64(len(r.b))/9 {
				return ErrCarried
			}
			ref := t.ref(qid)
			ms := ref.entryOf(st)
			if ms == nil {
				ms = &msgState{st: st, sub: t.nobody, idx: -1, restored: true}
				t.index(st, qid, ms, last)
			} else {
				ref.last = max(ref.last, last)
			}
			known[qid] = ms
			ms.rcpts = ms.rcpts[:0]
			for range n {
				h := r.uint64()
				f := fateCode(r.byte())
				if f > fateExpired {
					return ErrCarried
				}
				ms.rcpts = append(ms.rcpts, rcptFate{h, f})
			}
			// A listed message's fate is in the list already, and
			// every entry's in the incident's fates.
			ms.fate = fateOf(ms.rcpts)
		case carryAlias:
			of, last := r.string(), int64(r.uvarint())
			ms := known[of]
			if ms == nil {
				ms = t.ref(of).entryOf(st)
			}
			if ms != nil && t.ref(qid).entryOf(st) == nil {
				t.index(st, qid, ms, last)
				known[qid] = ms
			}
		case carryGone:
			t.unindex(st, qid)
		case carrySettle:
			at := r.uvarint()
			if cleared {
				break
			}
			st.clearAt = time.Time{}
			if at > 0 {
				st.clearAt = time.Unix(0, int64(at-1)).UTC()
			}
			st.savedClearAt = st.clearAt
			t.hot[st.slot].set(st)
			t.schedule(st)
		default:
			return ErrCarried
		}
	}
	return r.err
}

// index adds ms to the entries of queue id qid.
func (t *Tracker) index(st *state, qid string, ms *msgState, last int64) {
	ref := t.ref(qid)
	if ref == nil {
		ref = t.newRef(qid)
	}
	ref.last = max(ref.last, last)
	ref.entries = append(ref.entries, ms)
}

// unindex drops st's entry from queue id qid's.
func (t *Tracker) unindex(st *state, qid string) {
	ref := t.ref(qid)
	if ms := ref.entryOf(st); ms != nil {
		ref.entries = slices.DeleteFunc(ref.entries, func(e *msgState) bool { return e == ms })
		if len(ref.entries) == 0 {
			t.byQueue.Del(t.hash(qid), qid)
		}
	}
}

// carryReader reads a blob; err is set at the first thing it cannot read.
type carryReader struct {
	b   []byte
	err error
}

func (r *carryReader) byte() byte {
	if len(r.b) == 0 {
		r.err = ErrCarried
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *carryReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = ErrCarried
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *carryReader) uint64() uint64 {
	if len(r.b) < 8 {
		r.err = ErrCarried
		r.b = nil
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *carryReader) string() string {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.err = ErrCarried
		r.b = nil
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
