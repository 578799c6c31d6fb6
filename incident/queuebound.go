package incident

import (
	"cmp"
	"hash/maphash"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// What the tracker keeps per queue id — who submitted the message (its
// metadata) and its entries in the incidents it affects — ends when
// Postfix logs the message's removal ("removed"). A log without those
// lines (status=bounced lines grepped out of a month of logs, a host whose
// qmgr lines were filtered out, messages that never finish) would keep it
// for ever: 500 bytes or so a queue id, half a gigabyte per million
// refused messages. So a queue id also ends:
//
//   - QueueLifetime after it was last seen, in log time: Postfix returns
//     or drops a message once it has been queued for maximal_queue_lifetime
//     (bounce_queue_lifetime for a bounce), 5 days by default, and retries
//     a deferred one at least every maximal_backoff_time (4000 s), so a
//     queue id silent that long names no message still in the queue; one
//     seen again after it is another message (Postfix reuses queue ids).
//     The lifetime sweep runs every QueueLifetime/10 of log time, so a
//     queue id goes between 5 and 5.5 days after it was last seen.
//   - past MaxQueueIDs queue ids with metadata, or MaxQueueIDs affected by
//     incidents, the least recently seen eighth of them goes (EvictOldest;
//     evicted, counted in Bounds). An evicted message's later fate (delivered,
//     bounced, expired) no longer changes its incident's counts, and its
//     submitter is forgotten: refused later, it counts as a message of an
//     unknown submitter. A message refused again by an incident it was
//     evicted from is not counted twice: its tomb (the incident, the fate
//     it counted, its place in the incident's list) stays until
//     MaxQueueIDs later evictions, the queue id's removal, or the end of
//     the process (tombs are not stored).
//
// No configuration key sets these: none of rblwatch's is Postfix's queue
// lifetime, and a host that raised maximal_queue_lifetime still retries
// every queued message within maximal_backoff_time.
//
// Both hold for the daemon and replay alike: the tracker is theirs (one
// ingest path).
const (
	QueueLifetime = 5 * 24 * time.Hour
	MaxQueueIDs   = 1 << 14
)

// Bounds counts what the tracker forgot or stopped telling apart to keep
// its memory bounded whatever the log.
type Bounds struct {
	// Expired counts the queue ids forgotten QueueLifetime after they were
	// last seen, their removal never logged; Evicted those forgotten past
	// MaxQueueIDs, the least recently seen first (their messages' later
	// fates not counted, their submitters lost).
	Expired, Evicted int64
	// Untold counts the recipients and recipient domains counted as new
	// to their incident without knowing whether it had them already:
	// past MaxDistinct held, an incident's counts of distinct recipients
	// and domains are upper bounds.
	Untold int64
	// Tracked is the number of queue ids held now: those with metadata
	// plus those affected by incidents (a queue id may be both), at most
	// 2×MaxQueueIDs; Peak the most held at once. Distinct is the
	// recipients and domains told apart now.
	Tracked, Peak, Distinct int
}

// Bounds returns what was forgotten so far and what is held now.
func (t *Tracker) Bounds() Bounds {
	s := t.queueDrop
	s.Tracked = t.meta.Len() + t.byQueue.Len()
	s.Distinct = t.distinct
	return s
}

// MaxDistinct bounds the distinct recipients and recipient domains the
// active incidents tell apart, all together (a hash of each, 16 bytes or
// so): an incident counts each distinct recipient and domain once, which
// takes remembering them while it lasts, and a spam run to a million
// addresses must not take a million entries. Past it, a recipient or
// domain not remembered is counted as new (unless the incident lists it),
// and counted in Bounds.Untold. A cleared incident's entries are let go.
// The incidents of the 10 M-line dense log of bench/replay.sh, refusing
// for the day it spans, hold some 310,000 at once, those of the 20 M-line
// one 500,000: 6.4 MiB as hashSets (9–18 bytes each; MaxDistinct at most
// 9 MiB), 14.5 MiB as the maps they were.
const MaxDistinct = 1 << 19

// remember adds h to an incident's set of distinct recipients or domains,
// while fewer than MaxDistinct are held, and reports whether it did.
func (t *Tracker) remember(set *hashSet, h uint64) bool {
	if t.distinct >= MaxDistinct {
		t.queueDrop.Untold++
		return false
	}
	if set.add(h) {
		t.distinct++
		return true
	}
	return false
}

// learn adds h to an incident's set of distinct recipients or domains, as
// remember does, and reports whether the set did not hold it (isNew) and
// whether it holds it now (kept: fewer than MaxDistinct were held). It
// asks the set once, where affect asked has and then remember, whose add
// asked has again: two probes of the table, and two binary searches of a
// spilled set, for each new recipient and domain. Past MaxDistinct the
// caller counts a new one in Bounds.Untold (unless the incident lists it).
func (t *Tracker) learn(set *hashSet, h uint64) (isNew, kept bool) {
	if t.distinct >= MaxDistinct {
		return !set.has(h), false
	}
	if set.add(h) {
		t.distinct++
		return true, true
	}
	return false, false
}

// sortedHas reports whether the sorted list holds s.
func sortedHas(list []string, s string) bool {
	_, ok := slices.BinarySearch(list, s)
	return ok
}

// tomb is what an entry evicted from an active incident counted: the fate
// counted in the incident's Fates and its index in the incident's
// Messages (-1: beyond the list).
type tomb struct {
	salt uint64 // the incident's (state.salt)
	last int64  // when the queue id was last seen before its eviction
	idx  int32
	slot int32 // where its key is in Tracker.tombRing
	fate fateCode
	next *tomb // the same queue id's entry in another incident
}

// newRef adds an affected queue id (a copy the caller owns), evicting the
// least recently seen first when MaxQueueIDs are held.
func (t *Tracker) newRef(qid string) *msgRef {
	ref := &msgRef{}
	t.addRef(qid, t.hash(qid), ref)
	return ref
}

// addRef is newRef with the reference allocated by the caller (affect's
// msgPair) and the queue id's hash (Tracker.hash).
func (t *Tracker) addRef(qid string, h uint32, ref *msgRef) {
	if t.byQueue.Len() >= t.maxQueueIDs {
		t.evictRefs() // before the new one goes in: never it
	}
	ref.qid, ref.entries, ref.last = qid, ref.one[:0], t.nowSec
	t.byQueue.Put(h, ref)
	t.held()
}

// held notes the number of queue ids held, after one was added.
func (t *Tracker) held() {
	t.queueDrop.Peak = max(t.queueDrop.Peak, t.meta.Len()+t.byQueue.Len())
}

// sweepQueue forgets the queue ids not seen for QueueLifetime.
func (t *Tracker) sweepQueue() {
	t.nextSweep = t.nowSec + int64(QueueLifetime/time.Second)/10
	cut := t.nowSec - int64(QueueLifetime/time.Second)
	var expired []string // (forget changes the table)
	for qid, m := range t.meta.All() {
		if ref := t.ref(qid); m.last < cut && (ref == nil || ref.last < cut) {
			expired = append(expired, qid)
		}
	}
	for _, qid := range expired {
		t.forget(qid, false)
	}
	expired = expired[:0]
	for qid, ref := range t.byQueue.All() {
		if m := t.metaOf(qid); ref.last < cut && m == nil {
			expired = append(expired, qid)
		}
	}
	for _, qid := range expired {
		t.forget(qid, false)
	}
}

// evictMeta forgets the least recently seen eighth of the queue ids with
// metadata.
func (t *Tracker) evictMeta() {
	t.scratch = evictOldest(t.meta.All(), func(m *msgMeta) int64 { return m.last }, t.scratch,
		func(qid string, _ *msgMeta) { t.forget(qid, true) })
}

// evictRefs forgets the least recently seen eighth of the queue ids
// affected by incidents.
func (t *Tracker) evictRefs() {
	t.scratch = evictOldest(t.byQueue.All(), func(ref *msgRef) int64 { return ref.last }, t.scratch,
		func(qid string, _ *msgRef) { t.forget(qid, true) })
}

// EvictOldest calls drop for the least recently seen eighth of m's
// entries by their last-seen stamps (last; m not empty), and for those
// seen in the same second as the eighth's last too, in the order of
// their stamps and then their keys, so that neither which go nor the
// order they go in depends on the order of a map — the tracker's queue
// ids and the store's live messages alike. (The order matters: an
// evicted queue id's tombs fill a ring whose oldest slots are overwritten
// first, so a map's order made a long replay's report differ from run to
// run.) drop may delete its entry from m. stamps is scratch space,
// returned for the next call.
func EvictOldest[K cmp.Ordered, V any](m map[K]V, last func(V) int64, stamps []int64, drop func(K, V)) []int64 {
	return evictOldest(maps.All(m), last, stamps, drop)
}

// evictOldest is EvictOldest of the entries seq yields (twice: drop is
// called after).
func evictOldest[K cmp.Ordered, V any](seq iter.Seq2[K, V], last func(V) int64, stamps []int64, drop func(K, V)) []int64 {
	stamps = stamps[:0]
	for _, v := range seq {
		stamps = append(stamps, last(v))
	}
	slices.Sort(stamps)
	cut := stamps[max(len(stamps)/8, 1)-1]
	type entry struct {
		k    K
		v    V
		last int64
	}
	var old []entry
	for k, v := range seq {
		if l := last(v); l <= cut {
			old = append(old, entry{k, v, l})
		}
	}
	slices.SortFunc(old, func(a, b entry) int {
		if c := cmp.Compare(a.last, b.last); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	for _, e := range old {
		drop(e.k, e.v)
	}
	return stamps
}

// forget drops what the tracker holds of queue id qid, counted as expired
// or evicted; an evicted one leaves a tomb in each active incident it
// affects. Its metadata is not reused (freeMeta): a caller may hold it
// (link).
func (t *Tracker) forget(qid string, evicted bool) {
	if evicted {
		t.queueDrop.Evicted++
	} else {
		t.queueDrop.Expired++
	}
	t.meta.Del(t.hash(qid), qid)
	if ref := t.ref(qid); ref != nil {
		t.dropRef(qid, ref, evicted)
	}
}

// dropRef forgets the affected queue id qid; evicted leaves a tomb in each
// active incident it affects.
func (t *Tracker) dropRef(qid string, ref *msgRef, evicted bool) {
	var h uint64
	if evicted {
		h = maphash.String(t.seed, qid)
	}
	for _, ms := range ref.entries {
		if ms.st.inc.Status == Cleared {
			continue // its counts are final
		}
		if evicted {
			t.bury(h, tomb{salt: ms.st.salt, last: ref.last, idx: ms.idx, fate: ms.fate})
		} else {
			// Past its lifetime: a restart forgets it too (an evicted
			// one stays in what the store carries, as its tomb stays
			// here).
			t.carryGone(ms.st, qid)
		}
	}
	t.byQueue.Del(t.hash(qid), qid)
}

// bury keeps tb under the queue id hash h, forgetting the oldest tomb once
// MaxQueueIDs are kept.
func (t *Tracker) bury(h uint64, tb tomb) {
	if t.tombs == nil {
		t.tombs = make(map[uint64]tomb)
	}
	slot := t.tombNext
	if len(t.tombRing) < t.maxQueueIDs {
		slot = len(t.tombRing)
		t.tombRing = append(t.tombRing, h)
	} else {
		if old, ok := t.tombs[t.tombRing[slot]]; ok && int(old.slot) == slot {
			delete(t.tombs, t.tombRing[slot])
		}
		t.tombRing[slot] = h
		t.tombNext = (slot + 1) % t.maxQueueIDs
	}
	tb.slot = int32(slot)
	if prev, ok := t.tombs[h]; ok {
		tb.next = &prev
	}
	t.tombs[h] = tb
}

// restore makes st's entry of qid again from its tomb, if it has one: the
// message is counted already, with the fate in the tomb. It returns nil
// when st has no tomb of qid. ref is qid's reference (nil: none).
func (t *Tracker) restore(st *state, qid string, ref *msgRef) *msgState {
	h := maphash.String(t.seed, qid)
	head, ok := t.tombs[h]
	if !ok {
		return nil
	}
	var found *tomb
	var rest []tomb
	for tb := &head; tb != nil; tb = tb.next {
		if tb.salt == st.salt && found == nil {
			found = tb
		} else {
			rest = append(rest, *tb)
		}
	}
	if found == nil || found.last < t.nowSec-int64(QueueLifetime/time.Second) {
		return nil // none, or of a message that left the queue long ago
	}
	delete(t.tombs, h)
	for i := len(rest) - 1; i >= 0; i-- {
		tb := rest[i]
		tb.next = nil
		t.bury(h, tb)
	}
	ms := &msgState{st: st, sub: t.nobody, idx: found.idx, fate: found.fate, restored: true, changed: t.cfg.NoEvents}
	// The recipients it had are forgotten but for the list's (a listed
	// message): they stand at the fate counted.
	if ms.idx >= 0 {
		for _, r := range st.inc.Messages[ms.idx].Recipients {
			ms.rcpts = append(ms.rcpts, rcptFate{t.rcptHash(r), found.fate})
		}
		if !t.cfg.NoEvents && int(ms.idx) < len(st.msgs) {
			st.msgs[ms.idx] = ms
		}
	}
	if len(ms.rcpts) == 0 {
		ms.rcpts = append(ms.rcpt0[:0], rcptFate{0, found.fate})
	}
	if ref == nil {
		ref = t.newRef(strings.Clone(qid))
	}
	ref.last = t.nowSec
	ref.entries = append(ref.entries, ms)
	ms.carry(qid)
	return ms
}
