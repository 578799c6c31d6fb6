package incident

import (
	"container/heap"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/net/publicsuffix"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/internal/fresh"
	"github.com/rblwatch/rblwatch/internal/htable"
	"github.com/rblwatch/rblwatch/internal/swar"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// Config tunes the lifecycle. The zero value suits a replay: no aggregation,
// no digests, no quiet-period clearing, clearing at the first delivery.
type Config struct {
	// Aggregate is how long an incident collects evidence before the first
	// notice, so that a burst becomes one email. 0 announces at once.
	Aggregate time.Duration
	// Renotify is the least time between two notices of one incident; a
	// digest goes out when rejections continued since the last notice.
	// 0 disables digests.
	Renotify time.Duration
	// Quiet clears an incident when no rejection was seen for this long.
	// 0 disables quiet clearing (replay: an incident is ongoing at the end
	// of the log unless mail was delivered).
	Quiet time.Duration
	// Settle is how long a delivery to an affected receiver must stand,
	// with no new rejection, before the incident counts as cleared; it
	// keeps a receiver that accepts some mail and refuses other mail from
	// flapping between cleared and re-opened. 0 clears at the delivery.
	Settle time.Duration
	// CountsOnly keeps no lists of recipients and only the first
	// CountsOnlyMessages affected messages (a replay reports their counts,
	// fates and submitters, at any length of log in bounded memory); the
	// counts stay exact. Events then carry the incident without lists too.
	CountsOnly bool
	// NoEvents keeps the lifecycle (notices are counted, incidents open,
	// are announced and clear as they would) but returns no events:
	// Observe, Tick and CatchUp return nil. A replay reads only the
	// incidents at the end, and each event's copy of its incident cost
	// more than the rest of that incident's lines (a dense log: 1,500
	// incidents, two copies each). Nor does it keep what Changes reports
	// (it must not be asked): a cleared incident's per-message states
	// then go with their messages' removal from the queue, instead of
	// staying in memory, for the collector to mark, to the end.
	NoEvents bool
}

// DefaultConfig is the daemon's lifecycle.
var DefaultConfig = Config{
	Aggregate: 30 * time.Second,
	Renotify:  24 * time.Hour,
	Quiet:     6 * time.Hour,
	Settle:    10 * time.Minute,
}

// Tracker runs incidents. It is not safe for concurrent use.
//
// Every operation costs O(log n) in the number of open incidents: the next
// deadline of each incident (end of the aggregation window, digest, quiet
// period, settled delivery) sits in a heap, and time advancing pops only
// what is due. A cleared incident keeps its summary (the Incident), not the
// maps that counted its recipients and messages; the per-message state of
// affected messages lives until Postfix removes them from the queue.
type Tracker struct {
	cfg Config

	active   map[Key]*state        // open and ongoing incidents
	byDomain htable.Table[domain]  // recipient domain → active incidents that refused it
	hot      []hotState            // by state.slot: what a delivery asks of each active incident
	free     []int32               // slots in hot of cleared incidents, for reuse
	byQueue  htable.Table[msgRef]  // queue id → affected messages (across incidents), until removed
	meta     htable.Table[msgMeta] // queue id → sender and Message-ID of live messages
	hseed    maphash.Seed          // the tables' hash (Tracker.hash)
	hkey     uint64
	freeMeta []*msgMeta        // of removed messages nothing else holds, for reuse
	names    map[string]string // interned senders, logins, clients and recipient domains (name)
	nobody   *submitter        // who sent a message the log named no one of: the root of the interned submitters
	subs     int               // submitters made from nobody on (at most maxInterned)
	regOf    RegisteredNames   // relay host → registered domain
	gone     []goneMeta        // the last maxGone messages removed, oldest first (a ring)
	goneNext int               // where the next one goes in gone once it is full
	done     []*state          // cleared incidents, oldest first (until Forget)
	dirty    []*state          // changed since the last Changes call
	timers   timerHeap         // active incidents with a pending deadline
	now      time.Time         // the latest time advanced to
	// settled: no deadline in timers is due at now (advance ran them all,
	// and schedule has not changed timers since). Most lines carry the
	// time of the line before them, and advance then has nothing to do.
	settled bool
	seed    maphash.Seed

	// Queue ids whose removal the log never tells (queuebound.go).
	nowSec    int64           // now in Unix seconds: the queue ids' last-seen stamp
	nextSweep int64           // when (log time, Unix seconds) the next lifetime sweep is due
	tombs     map[uint64]tomb // (queue id, incident) → what an evicted entry counted
	tombRing  []uint64        // tombs' keys, oldest first once full (a ring)
	tombNext  int             // where the next key goes in tombRing once it is full
	scratch   []int64         // last-seen stamps, for finding the oldest
	queueDrop Bounds          // what was forgotten so far (Bounds)
	// maxQueueIDs is MaxQueueIDs (a test's tracker holds fewer).
	maxQueueIDs int
	distinct    int // hashes in the active incidents' rcpts and doms (MaxDistinct)

	// msgArrays: the arrays an incident's Messages outgrew, by capacity
	// (msgArrayCaps), for the next list to grow to that capacity
	// (Tracker.roomForMessage).
	msgArrays [len(msgArrayCaps)][][]Message

	// resumed: the incidents Restore made, by id, for Resume.
	resumed map[string]*state

	// Catching up with a backlog (CatchUp): notices are held back.
	holding bool
	parked  []*state // incidents whose notice was held back
	backlog []*state // cleared while catching up, never announced
}

// msgMeta is what the log told about a message before it was refused.
// A message queued again (a content filter that re-injects it, postsuper
// -r) keeps its first queue id's submitter: earlier holds its former queue
// ids, oldest first, and linked says that login and client came from there
// (the re-injecting filter's own client= line does not replace them).
//
// A long log holds MaxQueueIDs of them: 80 bytes each, the submitter
// interned (Tracker.submitter) where its three strings took 48.
type msgMeta struct {
	qid       string     // the key of Tracker.meta: the tracker's copy
	sub       *submitter // never nil (Tracker.nobody before the log names anyone)
	messageID string
	earlier   []string
	linked    bool
	deferred  bool  // a delivery was deferred: postsuper -r may requeue it
	last      int64 // last seen, log time in Unix seconds (queuebound.go)
}

// goneMeta is a message Postfix removed lately, kept for a while in case
// the log then names its next queue id (postsuper -r logs the removal
// first).
type goneMeta struct {
	qid     string
	meta    *msgMeta
	entries []*msgState
}

// maxGone bounds Tracker.gone: the next queue id of a message is logged
// within seconds of the removal of its former one.
const maxGone = 4096

// msgRef links a queue id to its entries in the incidents it affects.
type msgRef struct {
	qid     string // the key of Tracker.byQueue: the tracker's copy
	entries []*msgState
	one     [1]*msgState // entries' first array: most queue ids are in one incident
	last    int64        // last seen, log time in Unix seconds (queuebound.go)
}

// entryOf returns the entry of active incident st among the queue id's
// entries (ref may be nil), nil when st has none: the first, where a link
// gave the queue id two (the one st had under it before the link).
func (ref *msgRef) entryOf(st *state) *msgState {
	if ref == nil {
		return nil
	}
	for _, ms := range ref.entries {
		if ms.st == st {
			return ms
		}
	}
	return nil
}

// msgPair is a message's first entry and its queue id's reference, in one
// allocation (affect).
type msgPair struct {
	ms  msgState
	ref msgRef
}

type state struct {
	inc  Incident
	slot int32 // in Tracker.hot while active
	// unsorted: inc.Domains got domains out of order since domains
	// last sorted it.
	unsorted bool
	// An affected message's entry is found through its queue id's
	// reference (Tracker.byQueue, msgRef.entryOf), not a map of the
	// incident's own: most queue ids are in one incident, and a map per
	// incident took 100 bytes or so a message in the queue.
	rcpts    hashSet   // hashes of the distinct recipients (empty once cleared)
	doms     hashSet   // hashes of the distinct recipient domains (empty once cleared)
	clearAt  time.Time // delivery seen after the last rejection: cleared at clearAt+Settle
	lastNote time.Time // LastSeen at the last notice (digest only when newer)

	// due is st's key in Tracker.timers (Unix nanoseconds, nanos): at or
	// before its next deadline (schedule leaves a deadline that moved
	// later where it was, and advance looks again when it comes).
	due    int64
	hidx   int  // index in Tracker.timers; -1 when not there
	parked bool // a notice is held back (catching up)
	dirty  bool // in Tracker.dirty

	// What Changes has not reported yet: the entries of inc.Messages that
	// are new or changed, the recipients from savedRcpts on, the samples
	// from savedSamples on and the domains in newDomains (savedDomains
	// reported before them).
	msgs         []*msgState // parallel to inc.Messages
	changedMsgs  []int
	savedRcpts   int
	savedSamples int
	savedDomains int
	newDomains   []string
	// What it counted beyond its lists since Changes last reported it
	// (carry.go): the hashes of recipients and domains, and the messages.
	carryRcpts, carryDoms []uint64
	carryOps              []carryOp
	carrying              bool      // keeps them (not in a tracker without events)
	savedClearAt          time.Time // clearAt as the last Changes reported it

	// subs count the submitters of every affected message (Senders)
	// while there are few (maxSubs): a message's submitter is found by
	// its pointer (Tracker.submitter), where who compared three names
	// and grew three lists, and most incidents' mail comes from a few.
	// Past maxSubs who counts them (spilled), and subs is nil.
	subs    []subCount
	sub0    [2]subCount // subs' first array
	who     WhoCounter
	spilled bool
	// seen is, once spilled, where the names of the submitters counted
	// last are in who, by the submitter (a table indexed by its pointer's
	// hash, an entry a slot): counting a message by its submitter's names
	// hashed and compared three strings in three maps and lowered the
	// sender (750 instructions a message on the dense log), and most of an
	// incident's messages come from a submitter it counted before (128
	// slots: 81 % of them found on that log, 55 % with 32). Let go when
	// the incident clears.
	seen *[seenSlots]seenSub
	// salt tells this incident's tombs from others' (queuebound.go).
	salt uint64
	// regs are the registered domains of inc.Remotes, as far as computed
	// (reachedBy): a delivery line asks for them, and computing them each
	// time cost more than the rest of the line.
	regs []string
}

// msgState is an affected message's entry in an incident. A long dense
// log keeps MaxQueueIDs of them (with their references, msgPair): 72
// bytes, where a submitter of three strings, a string Fate and an int
// index made 152.
type msgState struct {
	st    *state
	sub   *submitter // who sent it, as counted in st.who (Tracker.submitter)
	rcpts []rcptFate // affected recipients and their outcome (few per message)
	rcpt0 [1]rcptFate
	idx   int32    // index in st.inc.Messages, -1 when beyond MaxMessages
	fate  fateCode // what became of it so far (counted in st.inc.Fates)
	// changed: in st.changedMsgs
	changed bool
	// carried: in st.carryOps (carry.go)
	carried bool
	// restored: made again for a queue id evicted past MaxQueueIDs
	// (queuebound.go); its first submitter was counted by the entry
	// evicted, and is not known any more.
	restored bool
}

// submitter is who sent a message: what WhoCounter counts. The tracker
// keeps one copy of each (most messages are sent by a few), shared by the
// metadata and entries of every message it sent, and reaches it from the
// one before it by the field a log line names (withFrom, withClient): a
// map keyed by the whole submitter cost the ordinary line 25 instructions
// more (hashing and comparing three strings where a queued line's sender
// is one).
type submitter struct {
	login, from, client string
	fromKnown           bool // from was logged ("" is then the null sender)

	byFrom   map[string]*submitter            // this one with the sender named
	byClient map[string]*submitter            // with the client named, no login
	byLogin  map[string]map[string]*submitter // with the login and the client named
}

// same reports whether s and o name the same submitter.
func (s *submitter) same(o *submitter) bool {
	return s.login == o.login && s.from == o.from && s.client == o.client && s.fromKnown == o.fromKnown
}

// withFrom returns s with the sender from (a view of a log line).
func (t *Tracker) withFrom(s *submitter, from string) *submitter {
	if n := s.byFrom[from]; n != nil {
		return n
	}
	n := t.newSubmitter(submitter{login: s.login, client: s.client, from: t.name(from), fromKnown: true})
	if s.byFrom == nil {
		s.byFrom = map[string]*submitter{}
	}
	s.byFrom[n.from] = n
	return n
}

// withClient returns s with the login and the client (views of a log line).
func (t *Tracker) withClient(s *submitter, login, client string) *submitter {
	m := s.byClient
	if login != "" {
		m = s.byLogin[login]
	}
	if n := m[client]; n != nil {
		return n
	}
	n := t.newSubmitter(submitter{login: t.name(login), client: t.name(client), from: s.from, fromKnown: s.fromKnown})
	switch {
	case login == "" && s.byClient == nil:
		s.byClient = map[string]*submitter{}
		m = s.byClient
	case login != "" && m == nil:
		if s.byLogin == nil {
			s.byLogin = map[string]map[string]*submitter{}
		}
		m = map[string]*submitter{}
		s.byLogin[n.login] = m
	}
	m[n.client] = n
	return n
}

// newSubmitter returns a copy of s, made from nobody on; past maxInterned
// of them, nobody starts over (those held stay as they are).
func (t *Tracker) newSubmitter(s submitter) *submitter {
	if t.subs++; t.subs > maxInterned {
		t.nobody, t.subs = &submitter{}, 0
	}
	return &s
}

// submitter returns the tracker's copy of s (its strings the tracker's
// own or views of a log line), reached from nobody.
func (t *Tracker) submitter(s submitter) *submitter {
	p := t.nobody
	if s.login != "" || s.client != "" {
		p = t.withClient(p, s.login, s.client)
	}
	if s.fromKnown {
		p = t.withFrom(p, s.from)
	}
	return p
}

// subCount is a submitter and how many of an incident's messages it
// sent (state.subs).
type subCount struct {
	sub *submitter
	n   int
}

// maxSubs is the most submitters state.subs holds.
const maxSubs = 8

// countSub counts n (1 or -1) messages of submitter s. Counted as names
// (WhoCounter) in the order the submitters came, the counts are those
// counting each message's names as it came would give: a name counts
// where it was first seen, and the few names of maxSubs submitters stay
// far below what a WhoCounter tells apart (maxNames).
func (st *state) countSub(s *submitter, n int) {
	if !st.spilled {
		for i := range st.subs {
			if st.subs[i].sub == s {
				st.subs[i].n += n
				return
			}
		}
		if n < 0 {
			return // never counted: nothing to take back
		}
		if len(st.subs) < maxSubs {
			if st.subs == nil {
				st.subs = st.sub0[:0]
			}
			st.subs = append(st.subs, subCount{s, n})
			return
		}
		for _, c := range st.subs {
			st.who.count(c.sub.login, c.sub.from, c.sub.fromKnown, c.sub.client, c.n, true)
		}
		st.subs, st.spilled = nil, true
	}
	if st.seen == nil {
		st.seen = (*[seenSlots]seenSub)(fresh.Slice[seenSub](seenSlots))
	}
	e := &st.seen[uint64(uintptr(unsafe.Pointer(s)))*0x9e3779b97f4a7c15>>(64-seenBits)]
	if e.sub == s {
		st.who.again(e.at, n)
		return
	}
	// The submitter's names are the tracker's copies (Tracker.name).
	if at, ok := st.who.count(s.login, s.from, s.fromKnown, s.client, n, true); ok {
		*e = seenSub{s, at}
	}
}

// seenSub is a submitter and where its names are in an incident's
// WhoCounter (state.seen).
type seenSub struct {
	sub *submitter
	at  whoAt
}

const (
	seenBits  = 7
	seenSlots = 1 << seenBits // 3 KiB an active incident of more than maxSubs submitters
)

// senders says who sent the incident's messages (Incident.Senders).
func (st *state) senders() Who {
	if st.spilled {
		return st.who.Who(MaxSenders)
	}
	// What a WhoCounter counting them would tell (countSub), in one
	// array: a counter's three lists and their tops were six
	// allocations an incident.
	k := len(st.subs)
	buf := make([]Count, 3*k)
	lists := [3][]Count{buf[:0:k], buf[k : k : 2*k], buf[2*k : 2*k : 3*k]}
	w := Who{}
	for _, x := range st.subs {
		w.Messages += x.n
		if x.sub.login != "" {
			lists[0] = addCount(lists[0], x.sub.login, x.n)
		}
		if x.sub.fromKnown {
			lists[1] = addCount(lists[1], lowerSender(x.sub.from), x.n)
		}
		if x.sub.client != "" {
			lists[2] = addCount(lists[2], x.sub.client, x.n)
		}
	}
	w.Logins, w.MoreLogins = topOf(lists[0], MaxSenders)
	w.Senders, w.MoreSenders = topOf(lists[1], MaxSenders)
	w.Clients, w.MoreClients = topOf(lists[2], MaxSenders)
	return w
}

// addCount adds n messages of name to list, at the end if it is new.
func addCount(list []Count, name string, n int) []Count {
	for i := range list {
		if list[i].Name == name {
			list[i].Messages += n
			return list
		}
	}
	return append(list, Count{Name: name, Messages: n})
}

// rcptFate is an affected recipient of a message and its outcome. The
// recipient is its hash (rcptHash): a delivery or bounce line is matched
// to it, and only a listed message (Incident.Messages) keeps the address
// itself — a copy of each refused recipient took 48 bytes or so a message
// in the queue.
type rcptFate struct {
	h    uint64
	fate fateCode
}

// rcptHash returns the hash rcptFate keeps of a recipient (0: none named,
// which stands for them all): stableHash, as the incident's set of
// distinct recipients takes it.
func (t *Tracker) rcptHash(rcpt string) uint64 {
	if rcpt == "" {
		return 0
	}
	return stableHash(rcpt)
}

// Maps keyed by strings from the log are written only when the key is new,
// and with a copied key: assigning to an existing string key makes the map
// keep the new key, which would pin the whole log chunk it points into.

// New returns a tracker.
func New(cfg Config) *Tracker {
	hseed := maphash.MakeSeed()
	return &Tracker{
		cfg:      cfg,
		active:   make(map[Key]*state),
		byDomain: htable.New(func(d *domain) string { return d.name }),
		byQueue:  htable.New(func(r *msgRef) string { return r.qid }),
		meta:     htable.New(func(m *msgMeta) string { return m.qid }),
		hseed:    hseed,
		hkey:     maphash.Comparable(hseed, 0),
		names:    make(map[string]string),
		seed:     maphash.MakeSeed(),
		nobody:   &submitter{},

		maxQueueIDs: MaxQueueIDs,
	}
}

// hash returns the hash of a queue id or a recipient domain that the
// tracker's tables (htable.Table) take: a line's queue id is hashed once for
// all of them.
func (t *Tracker) hash(s string) uint32 { return uint32(strHash(t.hseed, t.hkey, s)) }

// metaOf returns the metadata of the live message qid, nil if none.
func (t *Tracker) metaOf(qid string) *msgMeta { return t.meta.Get(t.hash(qid), qid) }

// ref returns the affected queue id qid's reference, nil if none.
func (t *Tracker) ref(qid string) *msgRef { return t.byQueue.Get(t.hash(qid), qid) }

// SetConfig changes the lifecycle (on a configuration reload); pending
// deadlines are recomputed.
func (t *Tracker) SetConfig(cfg Config) {
	t.cfg = cfg
	for _, st := range t.active {
		t.schedule(st)
	}
}

// Observe feeds one observation. Only blocklist verdicts open incidents;
// deliveries clear them; queue events update the fate of affected messages.
// Time first advances to the observation's time, so the deadlines that
// passed before it (a quiet period that ended, a delivery that stood long
// enough) take effect before it does, however seldom Tick is called. The
// events due are returned.
func (t *Tracker) Observe(o *Observation) []Event {
	evs := t.advance(o.At, nil)
	qh := uint32(0) // the queue id's hash, for every table asked
	if o.QueueID != "" {
		qh = t.hash(o.QueueID)
	}
	switch o.Kind {
	case postfixlog.KindQueued, postfixlog.KindPickup:
		if m := t.metaFor(o.QueueID, qh); m != nil && !m.sub.fromKnown {
			m.sub = t.withFrom(m.sub, o.From)
		}
	case postfixlog.KindMessageID:
		if m := t.metaFor(o.QueueID, qh); m != nil {
			m.messageID = strings.Clone(o.MessageID)
		}
	case postfixlog.KindClient:
		if m := t.metaFor(o.QueueID, qh); m != nil && !m.linked {
			m.sub = t.withClient(m.sub, o.Login, o.Client)
		}
	case postfixlog.KindRemoved:
		t.removed(o.QueueID, qh)
	case postfixlog.KindExpired:
		t.setFate(o.QueueID, qh, "", fateExpired)
	case postfixlog.KindDelivery:
		evs = t.observeDelivery(o, qh, evs)
	}
	if o.Next != "" {
		t.link(o.Prev, o.Next)
	}
	if len(evs) > 1 {
		sortEvents(evs)
	}
	return evs
}

// link records that the message under queue id next continues the one
// under prev: it keeps prev's submitter and former queue ids, and its
// entries in incidents follow it, so that a message refused before and
// after a requeue is one affected message, and one refused after a
// content filter names who submitted it before the filter.
func (t *Tracker) link(prev, next string) {
	pm := t.metaOf(prev)
	var entries []*msgState
	if ref := t.ref(prev); ref != nil {
		entries = ref.entries
	}
	if pm == nil {
		for i := range t.gone {
			if g := &t.gone[i]; g.qid == prev {
				pm, entries = g.meta, g.entries
			}
		}
	}
	if pm == nil {
		return // the log began after prev's lines
	}
	nm := t.metaFor(next, t.hash(next))
	if nm == nil || nm == pm || nm.linked && slices.Contains(nm.earlier, prev) {
		// Known already: the track header names only the first queue
		// id of a message whose hops the log tied one by one.
		return
	}
	nm.earlier = append(slices.Clip(pm.earlier), strings.Clone(prev))
	nm.sub, nm.linked = t.withClient(nm.sub, pm.sub.login, pm.sub.client), true
	if pm.sub.fromKnown {
		nm.sub = t.withFrom(nm.sub, pm.sub.from)
	}
	if nm.messageID == "" {
		nm.messageID = pm.messageID
	}
	qids := append(slices.Clip(nm.earlier), strings.Clone(next))
	ref := t.ref(next)
	for _, ms := range entries {
		if ref == nil {
			ref = t.newRef(qids[len(qids)-1])
		}
		ref.last = t.nowSec
		if !slices.Contains(ref.entries, ms) {
			ref.entries = append(ref.entries, ms)
			t.carryAlias(ms.st, qids[len(qids)-1], qids[len(qids)-2])
		}
	}
	// The message's entries, made under prev or already under next (a
	// refusal logged before the link), name every queue id and the first
	// submitter.
	if ref != nil {
		for _, ms := range ref.entries {
			if !ms.restored && !nm.sub.same(ms.sub) {
				ms.st.countSub(ms.sub, -1)
				ms.st.countSub(nm.sub, 1)
				ms.sub = nm.sub
			}
			if ms.idx >= 0 {
				m := &ms.st.inc.Messages[ms.idx]
				m.QueueIDs, m.Login, m.Client = qids, nm.sub.login, nm.sub.client
				if !m.FromKnown {
					m.From, m.FromKnown = nm.sub.from, nm.sub.fromKnown
				}
				if !ms.changed {
					ms.changed = true
					ms.st.changedMsgs = append(ms.st.changedMsgs, int(ms.idx))
				}
			}
			t.touch(ms.st)
		}
	}
}

func (t *Tracker) observeDelivery(r *Observation, qh uint32, evs []Event) []Event {
	at, v := r.At, r.Verdict
	switch r.Status {
	case "sent":
		t.setFate(r.QueueID, qh, r.To, fateDelivered)
		if t.byDomain.Len() == 0 {
			return evs
		}
		relay := "" // Registered(r.RelayHost), once needed
		d := domainOf(r.To)
		for _, i := range t.byDomain.Get(t.hash(d), d).slots() {
			h := &t.hot[i]
			if h.pending || at.Before(h.lastSeen) {
				continue // a clear pending already, or a rejection after the delivery
			}
			if st := h.st; st.reachedBy(r, &relay, t.regOf.Of) {
				st.clearAt = at
				h.pending = true
				t.schedule(st)
				t.touch(st)
			}
		}
		return t.advance(at, evs) // a settle time of 0 clears at the delivery
	case "bounced":
		t.setFate(r.QueueID, qh, r.To, fateBounced)
	case "deferred":
		// The fate of an already affected recipient stays deferred.
		if m := t.meta.Get(qh, r.QueueID); m != nil {
			m.deferred = true
			m.last = t.nowSec
		}
	default:
		return evs
	}
	if v == nil || v.Category != classify.Blocklist || v.Provider == "" {
		return evs
	}
	st := t.active[Key{Provider: v.Provider, Listed: v.Listed}]
	if st == nil {
		st = t.open(*v, at)
	}
	st.clearAt = time.Time{} // a new rejection cancels a pending clear
	if at.After(st.inc.LastSeen) {
		st.inc.LastSeen = at
	}
	t.hot[st.slot].set(st)
	if at.Before(st.inc.FirstSeen) && (t.cfg.Quiet <= 0 || !at.Before(st.inc.FirstSeen.Add(-t.cfg.Quiet))) {
		// Read late: another file of log.paths (ingest.Clock takes an
		// earlier time as it is). The ID stays the one it opened with.
		// Not from further back than the quiet period: read in time
		// order, such a refusal would not have been this incident's (a
		// year-less stamp dated a year back by a clock days ahead).
		st.inc.FirstSeen = at
	}
	if r.Status == "bounced" {
		st.inc.Bounced++
	} else {
		st.inc.Deferred++
	}
	t.affect(st, r, qh)
	if len(st.inc.Samples) < MaxSamples {
		st.inc.Samples = append(firstRoom(st.inc.Samples, MaxSamples), strings.Clone(r.Raw))
	}
	if h := r.RemoteHost; h != "" && len(st.inc.Remotes) < MaxRemotes && !slices.Contains(st.inc.Remotes, h) {
		st.inc.Remotes = append(firstRoom(st.inc.Remotes, firstRemotes), strings.Clone(h))
	}
	// A host runs one Postfix instance or a few, each named by every
	// incident: one copy of each name is shared (name). (Not the remote
	// hosts: a dense log's 2,500 grew the names' map by more than their
	// copies take.)
	if in := r.Instance; in != "" && len(st.inc.Instances) < MaxInstances && !slices.Contains(st.inc.Instances, in) {
		st.inc.Instances = append(firstRoom(st.inc.Instances, firstInstances), t.name(in))
	}
	if l := v.List; l != "" && v.Provider == classify.Unknown && len(st.inc.Lists) < MaxLists && !slices.Contains(st.inc.Lists, l) {
		st.inc.Lists = append(st.inc.Lists, strings.Clone(l))
	}
	t.touch(st)
	t.schedule(st)
	return t.advance(at, evs) // an aggregation window of 0 announces at once
}

// open starts an incident for v's key at time at. It copies the verdict's
// strings: they may point into a log line that must not stay in memory.
func (t *Tracker) open(v classify.Verdict, at time.Time) *state {
	v = v.Clone()
	key := Key{Provider: v.Provider, Listed: v.Listed}
	st := &state{
		inc: Incident{
			ID:        incidentID(key, at),
			Key:       key,
			Status:    Open,
			FirstSeen: at,
			LastSeen:  at,
			Verdict:   v,
		},
		hidx:     -1,
		carrying: !t.cfg.NoEvents,
	}
	st.salt = maphash.String(t.seed, st.inc.ID)
	t.active[key] = st
	t.activate(st)
	return st
}

// domain is a recipient domain that active incidents refused
// (Tracker.byDomain): its name, the tracker's copy, and their slots in
// Tracker.hot, in the order they refused it. Found once, it gives both:
// the name an incident lists and the incidents a delivery asks about,
// without writing the index again (which hashed the domain once more to
// look for it, and again to store it). A delivery to a refused domain
// compared the index's key (the name's copy, allocated alone), read the
// entry, then its slots' array elsewhere: three cache misses one after the
// other. Now the entry is one 128-byte allocation whose first cache line
// holds the name the table compares (when it fits) and the slots of
// its first incidents (a domain is refused by one or two incidents, and its
// name is short): the key's compare reads the line the delivery reads next.
type domain struct {
	buf  [domainName]byte   // the name, when it fits
	act  [domainSlots]int32 // the slots while n ≤ domainSlots
	n    int32              // incidents that refused it
	_    int32
	name string  // in buf when it fits
	more []int32 // the slots once n > domainSlots
	_    [24]byte
}

const (
	domainSlots = 4  // slots a domain entry holds in its first line
	domainName  = 40 // longest name it holds there: 128 bytes in all
)

// newDomain returns a new entry for recipient domain d (a view of a log
// line) with the tracker's copy of its name (name): in the entry when it
// fits.
func (t *Tracker) newDomain(d string) *domain {
	e := &domain{}
	if len(d) == 0 || len(d) > len(e.buf) {
		e.name = t.name(d)
		return e
	}
	e.name = unsafe.String(&e.buf[0], copy(e.buf[:], d))
	if len(t.names) >= maxInterned {
		clear(t.names)
	}
	t.names[e.name] = e.name // shared with the senders and clients of that name
	return e
}

// slots returns the slots of the incidents that refused d (d may be nil).
func (d *domain) slots() []int32 {
	if d == nil {
		return nil
	}
	if d.n <= domainSlots {
		return d.act[:d.n]
	}
	return d.more
}

// add appends slot to d's slots.
func (d *domain) add(slot int32) {
	switch {
	case d.n < domainSlots:
		d.act[d.n] = slot
	case d.n == domainSlots:
		d.more = append(append(make([]int32, 0, 2*domainSlots), d.act[:]...), slot)
	default:
		d.more = append(d.more, slot)
	}
	d.n++
}

// remove takes slot out of d's slots, keeping their order, and reports
// whether none is left.
func (d *domain) remove(slot int32) bool {
	s := d.slots()
	if i := slices.Index(s, slot); i >= 0 {
		s = slices.Delete(s, i, i+1)
		d.n--
		switch {
		case d.n == domainSlots:
			copy(d.act[:], s)
			d.more = nil
		case d.n > domainSlots:
			d.more = s
		}
	}
	return d.n == 0
}

// refused records that active incident st refused recipient domain d (a
// view of a log line), and returns its entry.
func (t *Tracker) refused(d string, st *state) *domain {
	h := t.hash(d)
	e := t.byDomain.Get(h, d)
	if e == nil {
		// One copy of a domain for every incident that lists it (and
		// the senders' and clients' names interned with it).
		e = t.newDomain(d)
		t.byDomain.Put(h, e)
	}
	e.add(st.slot)
	return e
}

// domains returns st.inc.Domains, sorted.
func (st *state) domains() []string {
	if st.unsorted {
		slices.Sort(st.inc.Domains)
		st.unsorted = false
	}
	return st.inc.Domains
}

// hotState is what a delivery asks of an active incident that refused
// its recipient's domain: whether a clear is pending (its clearAt is set)
// and its LastSeen. A dense log's deliveries to such a domain looked at
// two incidents each, most with a clear pending already: their states
// (1,200 bytes each) were cache misses where these stay cached.
type hotState struct {
	st       *state
	lastSeen time.Time
	pending  bool
}

// set copies what st's record holds from st.
func (h *hotState) set(st *state) {
	h.st, h.lastSeen, h.pending = st, st.inc.LastSeen, !st.clearAt.IsZero()
}

// activate gives st, now active, a slot in hot.
func (t *Tracker) activate(st *state) {
	if n := len(t.free); n > 0 {
		st.slot, t.free = t.free[n-1], t.free[:n-1]
	} else {
		st.slot = int32(len(t.hot))
		t.hot = append(t.hot, hotState{})
	}
	t.hot[st.slot].set(st)
}

// affect records the refused recipient and its message (qh: the hash of
// its queue id).
func (t *Tracker) affect(st *state, r *Observation, qh uint32) {
	rcpt := r.To
	owned := ""   // rcpt copied once, for every list that keeps it
	var rh uint64 // rcptHash(rcpt)
	if rcpt != "" {
		h := stableHash(rcpt)
		rh = h
		isNew, kept := t.learn(&st.rcpts, h)
		if isNew && !kept && slices.Contains(st.inc.Recipients, rcpt) {
			isNew = false // listed: not new, only not remembered
		}
		if isNew {
			if !kept {
				t.queueDrop.Untold++
			}
			if len(st.inc.Recipients) < MaxRecipients && !t.cfg.CountsOnly {
				owned = strings.Clone(rcpt)
				st.inc.Recipients = append(st.inc.Recipients, owned)
			} else {
				st.inc.MoreRecipients++
				if kept && st.carrying {
					st.carryRcpts = append(st.carryRcpts, h)
				}
			}
		}
		if d := domainOf(rcpt); d != "" {
			h := stableHash(d)
			isNew, kept := t.learn(&st.doms, h)
			if isNew && !kept && sortedHas(st.domains(), d) {
				isNew = false
			}
			if isNew {
				if !kept {
					t.queueDrop.Untold++
				}
				if n := len(st.inc.Domains); n < MaxDomains {
					// One copy of a domain for every incident that
					// lists it: a long dense log's incidents listed
					// 54,000 domains, 2,500 of them distinct, and each
					// kept as the end of a recipient's copy held the
					// whole address after its message left the queue.
					e := t.refused(d, st)
					d = e.name
					// Sorted when read (domains): inserting
					// each in place moved half of a long list.
					st.unsorted = st.unsorted || n > 0 && d < st.inc.Domains[n-1]
					st.inc.Domains = append(firstRoom(st.inc.Domains, firstDomains), d)
					if !t.cfg.NoEvents { // a tracker without events (replay) is never asked for Changes
						st.newDomains = append(st.newDomains, d)
					}
				} else {
					st.inc.MoreDomains++
					if kept && st.carrying {
						st.carryDoms = append(st.carryDoms, h)
					}
				}
			}
		}
	}
	if r.QueueID == "" || r.QueueID == "NOQUEUE" {
		return
	}
	ref := t.byQueue.Get(qh, r.QueueID)
	ms := ref.entryOf(st)
	if ms == nil && len(t.tombs) > 0 {
		ms = t.restore(st, r.QueueID, ref)
	}
	if ms == nil {
		meta := t.meta.Get(qh, r.QueueID)
		// The queue id as the tracker keeps it: the live message's copy
		// (metaFor), else a new one.
		var qid string
		if meta != nil {
			qid = meta.qid
		} else {
			qid = strings.Clone(r.QueueID)
		}
		// Most affected messages are in one incident: their entry and
		// their queue id's reference to it are allocated together.
		if ref == nil {
			pair := &msgPair{}
			ms, ref = &pair.ms, &pair.ref
			t.addRef(qid, qh, ref)
		} else {
			ms = &msgState{}
		}
		ref.last = t.nowSec
		*ms = msgState{st: st, idx: -1}
		// A tracker without events is never asked for Changes: its
		// entries count as reported already, and are never listed as
		// changed.
		ms.changed = t.cfg.NoEvents
		ms.sub = t.nobody
		if meta != nil {
			ms.sub = meta.sub
		}
		st.countSub(ms.sub, 1)
		if len(st.inc.Messages) < MaxMessages && (!t.cfg.CountsOnly || len(st.inc.Messages) < CountsOnlyMessages) {
			m := Message{QueueID: qid, FirstSeen: r.At}
			if meta != nil {
				m.From, m.FromKnown, m.MessageID, m.Login, m.Client = meta.sub.from, meta.sub.fromKnown, meta.messageID, meta.sub.login, meta.sub.client
				if len(meta.earlier) > 0 {
					m.QueueIDs = append(slices.Clip(meta.earlier), qid)
				}
			}
			ms.idx = int32(len(st.inc.Messages))
			limit := MaxMessages
			if t.cfg.CountsOnly {
				limit = CountsOnlyMessages
			}
			st.inc.Messages = append(t.roomForMessage(st.inc.Messages, limit), m)
			if !t.cfg.NoEvents { // for Changes only
				st.msgs = append(st.msgs, ms)
			}
		} else {
			st.inc.MoreMessages++
			ms.carry(qid)
		}
		ref.entries = append(ref.entries, ms)
	} else if ref != nil { // (restore set a new one's)
		ref.last = t.nowSec // refused again: still in the queue
	}
	fate := fateDeferred
	if r.Status == "bounced" {
		fate = fateBounced
	}
	if rcpt != "" {
		if i := ms.find(rh); i >= 0 {
			if ms.rcpts[i].fate != fate {
				ms.rcpts[i].fate = fate
				ms.carry(r.QueueID)
			}
		} else {
			if ms.rcpts == nil {
				ms.rcpts = ms.rcpt0[:0]
			}
			ms.rcpts = append(ms.rcpts, rcptFate{rh, fate})
			ms.carry(r.QueueID)
			if ms.idx >= 0 {
				if owned == "" {
					owned = strings.Clone(rcpt)
				}
				m := &st.inc.Messages[ms.idx]
				m.Recipients = append(m.Recipients, owned)
			}
		}
	}
	ms.update(r.At)
}

// firstRoom returns list, made with room for n when it is nil. An
// incident's short lists grew one by one (1, 2, 4, 8: three or four arrays
// for the one kept): in a dense replay their growth was 12,000 of the
// 100,000 allocations it made more than the generator's log. An incident
// lists up to MaxSamples samples (most of a dense log's have 1 to 5),
// and its first arrays of remotes, instances and domains hold what most
// incidents list (first…).
func firstRoom[T any](list []T, n int) []T {
	if list == nil {
		return make([]T, 0, n)
	}
	return list
}

// The room firstRoom makes for an incident's remote hosts and its
// recipient domains (a dense log's incidents: 73 % list at most four of
// each) and its Postfix instances (a host runs one to a few).
const (
	firstRemotes   = 4
	firstDomains   = 4
	firstInstances = 2
)

// msgArrayCaps are the capacities of the Messages arrays roomFor makes
// (4, then doubled, a Message being 200 bytes: 896, 1,792 and 3,456-byte
// size classes) that the tracker keeps once outgrown: a replay's listed
// messages are 20 at most, and the arrays grown past were garbage that no
// collection reclaimed before the replay's end (a dense 1 M-line log:
// 2.2 MB of arrays for 1.1 MB of messages, each byte fresh memory, a page
// fault every 4 KiB).
var msgArrayCaps = [...]int{4, 8, 16}

// msgArraysKept bounds the outgrown arrays kept of each capacity (the
// daemon's tracker runs for months).
const msgArraysKept = 64

// roomForMessage is roomFor for an incident's Messages, taking the new
// array from the ones the tracker kept when it has one of the capacity
// roomFor would allocate, and keeping the outgrown one. Nothing else
// holds an incident's array: Incidents and Changes copy its messages
// (Finish's incidents share it, and the tracker is not used after).
func (t *Tracker) roomForMessage(s []Message, limit int) []Message {
	if len(s) < cap(s) {
		return s
	}
	want := min(max(2*cap(s), 4), limit)
	var grown []Message
	for i, c := range msgArrayCaps {
		if c == want {
			if k := len(t.msgArrays[i]); k > 0 {
				grown = append(t.msgArrays[i][k-1][:0], s...)
				t.msgArrays[i][k-1] = nil
				t.msgArrays[i] = t.msgArrays[i][:k-1]
			}
			break
		}
	}
	if grown == nil {
		grown = roomFor(s, limit)
	}
	for i, c := range msgArrayCaps {
		if c == cap(s) && len(t.msgArrays[i]) < msgArraysKept {
			clear(s) // its strings are the new array's now, or garbage
			t.msgArrays[i] = append(t.msgArrays[i], s[:0])
			break
		}
	}
	return grown
}

// roomFor returns s with room for one more element, growing it to at most
// limit elements: the list stops there, where append's doubling would
// allocate past it (an incident's messages: 20 in a replay, 32 allocated,
// and each Message is 200 bytes; a dense log opens 1,500 incidents).
func roomFor[T any](s []T, limit int) []T {
	if len(s) < cap(s) {
		return s
	}
	n := min(max(2*cap(s), 4), limit) - len(s)
	return slices.Grow(s, max(n, 1))
}

// find returns the index of rcpt among the message's recipients, or -1.
func (ms *msgState) find(h uint64) int {
	for i := range ms.rcpts {
		if ms.rcpts[i].h == h {
			return i
		}
	}
	return -1
}

// metaFor returns the metadata of the live message qid (hash h), creating
// it.
func (t *Tracker) metaFor(qid string, h uint32) *msgMeta {
	if qid == "" || qid == "NOQUEUE" {
		return nil
	}
	m := t.meta.Get(h, qid)
	if m == nil {
		if t.meta.Len() >= t.maxQueueIDs {
			t.evictMeta() // before the new one goes in: never it
		}
		if n := len(t.freeMeta); n > 0 {
			m = t.freeMeta[n-1]
			t.freeMeta = t.freeMeta[:n-1]
		} else {
			m = &msgMeta{}
		}
		m.qid, m.sub = strings.Clone(qid), t.nobody
		t.meta.Put(h, m)
		t.held()
	}
	m.last = t.nowSec
	return m
}

// maxInterned bounds Tracker.names; it is emptied when full.
const maxInterned = 1 << 16

// name returns a copy of s that the tracker may keep: senders, logins and
// clients recur from message to message (every message of a log names
// them, and most are sent by a few), so one copy of each is shared instead
// of three new strings a message; so do the recipient domains incidents
// list (a receiver's domain is refused under many listings).
func (t *Tracker) name(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := t.names[s]; ok {
		return v
	}
	if len(t.names) >= maxInterned {
		clear(t.names)
	}
	v := strings.Clone(s)
	t.names[v] = v
	return v
}

// removed forgets a message Postfix removed from its queue: its fate is
// final, and a later message with the same queue id (Postfix reuses them)
// is another message.
func (t *Tracker) removed(qid string, h uint32) {
	// Kept for a later link: a message postsuper -r requeued (it had a
	// deferral) or one an incident lists. Others were delivered or
	// bounced, and a filter's link comes before the removal.
	m := t.meta.Get(h, qid)
	ref := t.byQueue.Get(h, qid)
	if m != nil && (m.deferred || ref != nil) {
		g := goneMeta{qid: m.qid, meta: m} // the tracker's copy, kept with m
		if ref != nil {
			g.entries = ref.entries
		}
		if len(t.gone) < maxGone {
			t.gone = append(t.gone, g)
		} else {
			// The oldest leaves the ring, and nothing else holds its
			// metadata (t.meta let go of it at its removal): reuse it.
			if old := t.gone[t.goneNext].meta; old != nil {
				*old = msgMeta{}
				t.freeMeta = append(t.freeMeta, old)
			}
			t.gone[t.goneNext] = g
			t.goneNext = (t.goneNext + 1) % maxGone
		}
	}
	if m != nil {
		t.meta.DelVal(h, m)
	}
	if len(t.tombs) > 0 {
		delete(t.tombs, maphash.String(t.seed, qid)) // a later message under qid is another
	}
	if ref == nil {
		if m != nil && !m.deferred {
			// Nothing holds it any more (the ring keeps only deferred
			// messages and those an incident lists): reuse it.
			*m = msgMeta{}
			t.freeMeta = append(t.freeMeta, m)
		}
		return
	}
	for _, ms := range ref.entries {
		t.carryGone(ms.st, qid)
	}
	t.byQueue.DelVal(h, ref)
}

// setFate records the outcome of recipient rcpt ("" = every recipient) of the
// affected message qid (hash qh).
func (t *Tracker) setFate(qid string, qh uint32, rcpt string, f fateCode) {
	ref := t.byQueue.Get(qh, qid)
	if ref == nil {
		return
	}
	ref.last = t.nowSec
	h := t.rcptHash(rcpt)
	for _, ms := range ref.entries {
		changed := false
		for i := range ms.rcpts {
			if rf := &ms.rcpts[i]; (h == 0 || rf.h == h) && rf.fate != f {
				rf.fate = f
				changed = true
			}
		}
		if changed {
			ms.update(time.Time{})
			ms.carry(qid)
			t.touch(ms.st)
		}
	}
}

// update recomputes the message's fate from its recipients: expired or
// bounced if any recipient was, deferred while any is pending, delivered when
// all were.
func (ms *msgState) update(at time.Time) {
	fate := fateOf(ms.rcpts)
	if fate != ms.fate {
		ms.st.inc.Fates.add(ms.fate, -1)
		ms.st.inc.Fates.add(fate, 1)
		ms.fate = fate
	}
	if ms.idx < 0 {
		return
	}
	m := &ms.st.inc.Messages[ms.idx]
	m.Fate = fate.name()
	if !at.IsZero() && at.After(m.LastSeen) {
		m.LastSeen = at
	}
	if !ms.changed {
		ms.changed = true
		ms.st.changedMsgs = append(ms.st.changedMsgs, int(ms.idx))
	}
}

// fateOf is the fate of a message whose recipients met rcpts.
func fateOf(rcpts []rcptFate) fateCode {
	fate := fateDelivered
	for _, rf := range rcpts {
		switch f := rf.fate; {
		case f == fateExpired:
			fate = fateExpired
		case f == fateBounced && fate != fateExpired:
			fate = fateBounced
		case f == fateDeferred && fate == fateDelivered:
			fate = fateDeferred
		}
	}
	return fate
}

// Tick advances time to now and returns the events that became due: opened
// after the aggregation window, digests, and clearings.
func (t *Tracker) Tick(now time.Time) []Event {
	evs := t.advance(now, nil)
	if len(evs) > 1 {
		sortEvents(evs)
	}
	return evs
}

// advance runs the deadlines due at now, appending their events to evs.
func (t *Tracker) advance(now time.Time, evs []Event) []Event {
	if t.settled && now == t.now {
		// The same value as the last time (== tells identical values
		// apart only; the same instant written otherwise takes the
		// long way), with no deadline scheduled since.
		return evs
	}
	if now.After(t.now) {
		t.now = now
		t.resumed = nil // (Resume comes before)
		if t.nowSec = now.Unix(); t.nowSec >= t.nextSweep {
			t.sweepQueue()
		}
	}
	n := nanos(now)
	for len(t.timers) > 0 && t.timers[0].due <= n {
		st := t.timers[0]
		if d := t.deadline(st); d != st.due {
			// Its deadline moved later since it was put in (schedule
			// left it): in its place now, and the next one looked at.
			// What fires is always the earliest deadline: every
			// other key is at or before its own deadline, and not
			// before this one.
			t.reschedule(st, d)
			continue
		}
		evs = t.fire(st, now, evs)
	}
	t.settled = now == t.now
	return evs
}

// fire runs st's deadline, due at now, and schedules its next one.
func (t *Tracker) fire(st *state, now time.Time, evs []Event) []Event {
	inc := &st.inc
	switch {
	case !st.clearAt.IsZero() && !now.Before(st.clearAt.Add(t.cfg.Settle)):
		return t.clear(st, st.clearAt, "delivered", evs)
	case t.cfg.Quiet > 0 && !now.Before(inc.LastSeen.Add(t.cfg.Quiet)):
		return t.clear(st, inc.LastSeen.Add(t.cfg.Quiet), "quiet", evs)
	case t.holding:
		// A notice is due, and held back until the backlog is read.
		st.parked = true
		t.parked = append(t.parked, st)
	case inc.Status == Open:
		inc.Status = Ongoing
		evs = t.notice(st, EventOpened, now, evs)
	default:
		evs = t.notice(st, EventDigest, now, evs)
	}
	t.schedule(st)
	return evs
}

// never is the deadline of an incident with nothing pending (deadline).
const never = math.MaxInt64

// deadline is the earliest time, in Unix nanoseconds (nanos), at which st
// has something to do (never: nothing pending, or nothing before the year
// 2262).
func (t *Tracker) deadline(st *state) int64 {
	d := int64(never)
	inc := &st.inc
	if !st.clearAt.IsZero() {
		d = min(d, nanosAfter(st.clearAt, t.cfg.Settle))
	}
	if t.cfg.Quiet > 0 {
		d = min(d, nanosAfter(inc.LastSeen, t.cfg.Quiet))
	}
	switch {
	case st.parked:
		// The notice waits for the end of the catch-up.
	case inc.Status == Open:
		d = min(d, nanosAfter(inc.FirstSeen, t.cfg.Aggregate))
	case inc.Status == Ongoing && t.cfg.Renotify > 0 && inc.LastSeen.After(st.lastNote):
		d = min(d, nanosAfter(inc.Notified, t.cfg.Renotify))
	}
	return d
}

// schedule puts st's next deadline in the heap (or takes it out). A
// deadline that moved later stays at its former place: every refusal
// moves its incident's quiet period on, and a delivery that sets a clear
// pending brings the deadline forward again, so the heap was sifted at
// almost every failure line; advance puts such an incident in its place
// when its former deadline comes (at most once a settle time or quiet
// period, not once a line). The key is then at or before the deadline,
// never after, so nothing is due later than it was.
func (t *Tracker) schedule(st *state) {
	d := int64(never)
	if st.inc.Status != Cleared {
		d = t.deadline(st)
	}
	if st.hidx < 0 || d < st.due || d == never {
		t.reschedule(st, d)
	}
}

// reschedule puts st in the heap with key d (or takes it out: never).
func (t *Tracker) reschedule(st *state, d int64) {
	t.settled = false
	switch {
	case d == never:
		if st.hidx >= 0 {
			heap.Remove(&t.timers, st.hidx)
		}
	case st.hidx >= 0:
		st.due = d
		heap.Fix(&t.timers, st.hidx)
	default:
		st.due = d
		heap.Push(&t.timers, st)
	}
}

// nanos returns t in Unix nanoseconds, the timers' keys (one word to
// compare, where time.Time's Before and Add weigh monotonic readings and
// two words), saturated outside what an int64 holds (the years 1678 to
// 2262): a zero time comes before any deadline.
func nanos(t time.Time) int64 {
	const lim = math.MaxInt64 / 1_000_000_000
	switch s := t.Unix(); {
	case s < -lim:
		return math.MinInt64
	case s >= lim:
		return math.MaxInt64
	default:
		return s*1e9 + int64(t.Nanosecond())
	}
}

// nanosAfter returns nanos(t.Add(d)), saturated as nanos is.
func nanosAfter(t time.Time, d time.Duration) int64 {
	n := nanos(t)
	switch s := n + int64(d); {
	case d > 0 && s < n:
		return math.MaxInt64
	case d < 0 && s > n:
		return math.MinInt64
	default:
		return s
	}
}

// clear ends an incident; a Cleared event is returned only when the
// postmaster was told about it in the first place. An incident that was held
// back while catching up goes to the backlog instead.
func (t *Tracker) clear(st *state, at time.Time, by string, evs []Event) []Event {
	st.inc.Status = Cleared
	st.inc.ClearedAt = at
	st.inc.ClearedBy = by
	delete(t.active, st.inc.Key)
	for _, d := range st.inc.Domains {
		h := t.hash(d)
		e := t.byDomain.Get(h, d)
		if e == nil {
			continue
		}
		if e.remove(st.slot) {
			t.byDomain.DelVal(h, e)
		}
	}
	t.hot[st.slot] = hotState{}
	t.free = append(t.free, st.slot)
	t.schedule(st)
	// Only the summary stays: the counts are final.
	t.distinct -= st.rcpts.len() + st.doms.len()
	st.rcpts, st.doms, st.seen = hashSet{}, hashSet{}, nil
	t.done = append(t.done, st)
	t.touch(st)
	switch {
	case st.inc.Notices > 0:
		evs = t.notice(st, EventCleared, at, evs)
	case st.parked || t.holding:
		// Never announced, and over while a backlog is read (or by the
		// time its catch-up ended): for the backlog summary. An incident
		// restored unannounced (its notice was held back when the daemon
		// stopped) is not parked yet when it clears.
		t.backlog = append(t.backlog, st)
	}
	return evs
}

// notice records a notice of st at time at and appends its event to evs
// (unless Config.NoEvents).
func (t *Tracker) notice(st *state, kind EventKind, at time.Time, evs []Event) []Event {
	st.inc.Notified = at
	st.inc.Notices++
	st.lastNote = st.inc.LastSeen
	t.touch(st)
	if t.cfg.NoEvents {
		return evs
	}
	return append(evs, Event{Kind: kind, At: at, Incident: st.snapshot()})
}

func (t *Tracker) touch(st *state) {
	if !st.dirty {
		st.dirty = true
		t.dirty = append(t.dirty, st)
	}
}

// CatchUp tells the tracker whether it is reading a backlog (on) or has
// reached the live end of the log (off, at now by the wall clock). While it
// catches up, incidents open, grow and clear as the log's own times say,
// but no opened or digest event is returned: those notices would be stale.
// A cleared event is still returned for an incident the postmaster was told
// about before. When the catch-up ends, the incidents still open are
// announced (opened, or a digest of what the backlog added) as of now, and
// those that began and ended inside the backlog wait in Backlog. A log
// whose times run ahead of now (clock skew) is announced at its own time.
func (t *Tracker) CatchUp(on bool, now time.Time) []Event {
	if on == t.holding {
		return nil
	}
	now = maxTime(now, t.now)
	t.holding = on
	if on {
		return nil
	}
	// What is over by now ended before anyone was told: it is cleared
	// while notices are still held back, so that it goes to the backlog
	// (an incident whose quiet period ran out between the last line read
	// and now) rather than unsaid.
	t.holding = true
	evs := t.advance(now, nil)
	t.holding = false
	for _, st := range t.parked {
		st.parked = false
		if st.inc.Status != Cleared {
			t.schedule(st)
		}
	}
	t.parked = t.parked[:0]
	evs = t.advance(now, evs)
	if len(evs) > 1 {
		sortEvents(evs)
	}
	return evs
}

// EndWindows ends, at now, the aggregation window of every incident still
// in it: the log source ended (standard input at its end), so no more
// rejections can join the burst, and an opened notice due after the
// daemon stops would never be sent. It returns their opened events; none
// while catching up (CatchUp announces those).
func (t *Tracker) EndWindows(now time.Time) []Event {
	if t.holding {
		return nil
	}
	now = maxTime(now, t.now)
	var evs []Event
	for _, st := range t.active {
		if st.inc.Status != Open || st.parked {
			continue
		}
		st.inc.Status = Ongoing
		evs = t.notice(st, EventOpened, now, evs)
		t.schedule(st)
	}
	if len(evs) > 1 {
		sortEvents(evs)
	}
	return evs
}

// CatchingUp reports whether the tracker is reading a backlog (CatchUp).
func (t *Tracker) CatchingUp() bool { return t.holding }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Backlog returns the incidents that began and ended while catching up,
// never announced, and forgets them: what a summary can tell the postmaster
// instead of an opened and a cleared notice each.
func (t *Tracker) Backlog() []Incident {
	if len(t.backlog) == 0 {
		return nil
	}
	out := make([]Incident, 0, len(t.backlog))
	for _, st := range t.backlog {
		out = append(out, st.snapshot())
	}
	t.backlog = nil
	return out
}

// Finish ends a replay whose log ends at end (when it was last written;
// now for standard input): what the daemon, reading the same lines, clears
// by then is cleared — an incident with a delivery after its last
// rejection that stood for the settle time, or one without a rejection
// for the quiet period (the daemon's catch-up clears it when it reaches
// the live end, now) —; the others stay ongoing: a delivery moments
// before the end of the log may still be followed by a rejection.
// It returns every incident, as Incidents does but without copying their
// lists: the tracker must not be used after.
func (t *Tracker) Finish(end time.Time) []Incident {
	t.advance(end, nil)
	for _, st := range t.active {
		if st.inc.Status == Open {
			st.inc.Status = Ongoing
		}
	}
	sts := t.byFirstSeen()
	out := make([]Incident, 0, len(sts))
	for _, st := range sts {
		st.domains()
		out = append(out, st.inc) // one copy of the large Incident, not two
		out[len(out)-1].Senders = st.senders()
	}
	return out
}

// Incidents returns a snapshot of every incident, cleared ones included,
// ordered by first sighting.
func (t *Tracker) Incidents() []Incident {
	sts := t.byFirstSeen()
	out := make([]Incident, 0, len(sts))
	for _, st := range sts {
		out = append(out, st.snapshot())
	}
	return out
}

// byFirstSeen returns every incident's state, cleared ones included,
// ordered by first sighting. (The states are sorted, not copies of their
// incidents: an Incident is large, and sorting copies moved each whole at
// every swap.)
func (t *Tracker) byFirstSeen() []*state {
	sts := make([]*state, 0, len(t.done)+len(t.active))
	sts = append(sts, t.done...)
	for _, st := range t.active {
		sts = append(sts, st)
	}
	slices.SortFunc(sts, func(a, b *state) int {
		if c := a.inc.FirstSeen.Compare(b.inc.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.inc.ID, b.inc.ID)
	})
	return sts
}

// Ref names an incident without copying it.
type Ref struct {
	ID string
	Key
}

// ActiveRefs names the open and ongoing incidents, by ID: cheap where
// Active copies every incident whole.
func (t *Tracker) ActiveRefs() []Ref {
	out := make([]Ref, 0, len(t.active))
	for k, st := range t.active {
		out = append(out, Ref{ID: st.inc.ID, Key: k})
	}
	slices.SortFunc(out, func(a, b Ref) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// ActiveID returns the ID of the open or ongoing incident of key k.
func (t *Tracker) ActiveID(k Key) (string, bool) {
	if st := t.active[k]; st != nil {
		return st.inc.ID, true
	}
	return "", false
}

// ActiveCount is the number of open and ongoing incidents.
func (t *Tracker) ActiveCount() int { return len(t.active) }

// Active returns a snapshot of the open and ongoing incidents.
func (t *Tracker) Active() []Incident {
	out := make([]Incident, 0, len(t.active))
	for _, st := range t.active {
		st.domains()
		out = append(out, st.inc.clone())
	}
	slices.SortFunc(out, func(a, b Incident) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Change is what changed in an incident since Changes last reported it:
// the incident without its lists of messages, recipients, domains and
// samples, and the entries of those lists that are new or changed — what
// the store writes, so that saving a large incident costs what changed,
// not its size.
type Change struct {
	// Incident has nil Messages, Recipients, Domains and Samples.
	Incident Incident
	// Messages are the new or changed entries of Incident.Messages.
	Messages []IndexedMessage
	// Recipients are Incident.Recipients from RecipientsFrom on (new).
	Recipients     []string
	RecipientsFrom int
	// Domains are the entries of Incident.Domains that are new, in the
	// order they came (the list itself is sorted), and DomainsFrom how
	// many came before them.
	Domains     []string
	DomainsFrom int
	// Samples are Incident.Samples from SamplesFrom on (new).
	Samples     []string
	SamplesFrom int
	// MessageCount and RecipientCount are the totals (the lists' lengths
	// and the counts beyond them).
	MessageCount, RecipientCount int
	// Carried is what an active incident counted beyond its lists since
	// the last change (carry.go), for a restart (Resume); nil when
	// nothing, and for a cleared incident.
	Carried []byte
}

// IndexedMessage is an entry of Incident.Messages and its index (seq).
type IndexedMessage struct {
	Seq int
	Message
}

// ChangeOf returns all of inc as a Change (every message and recipient).
func ChangeOf(inc Incident) Change {
	c := Change{Incident: inc, Recipients: slices.Clone(inc.Recipients), Domains: slices.Clone(inc.Domains), Samples: slices.Clone(inc.Samples),
		MessageCount: len(inc.Messages) + inc.MoreMessages, RecipientCount: len(inc.Recipients) + inc.MoreRecipients}
	c.Incident.Messages, c.Incident.Recipients, c.Incident.Domains, c.Incident.Samples = nil, nil, nil, nil
	c.Incident.Remotes = slices.Clone(inc.Remotes)
	for i, m := range inc.Messages {
		m.Recipients = slices.Clone(m.Recipients)
		c.Messages = append(c.Messages, IndexedMessage{Seq: i, Message: m})
	}
	return c
}

// Changes returns what changed in each incident since the last call (for
// the store), ordered by incident ID.
func (t *Tracker) Changes() []Change {
	out := make([]Change, 0, len(t.dirty))
	for _, st := range t.dirty {
		st.dirty = false
		inc := &st.inc
		c := Change{
			Incident:       *inc,
			RecipientsFrom: st.savedRcpts,
			Recipients:     slices.Clone(inc.Recipients[st.savedRcpts:]),
			Domains:        st.newDomains,
			DomainsFrom:    st.savedDomains,
			SamplesFrom:    st.savedSamples,
			Samples:        inc.Samples[st.savedSamples:len(inc.Samples):len(inc.Samples)], // entries are only appended
			MessageCount:   len(inc.Messages) + inc.MoreMessages,
			RecipientCount: len(inc.Recipients) + inc.MoreRecipients,
			Carried:        t.takeCarried(st),
		}
		c.Incident.Messages, c.Incident.Recipients, c.Incident.Domains, c.Incident.Samples = nil, nil, nil, nil
		c.Incident.Remotes = slices.Clone(inc.Remotes)
		st.savedRcpts, st.savedSamples = len(inc.Recipients), len(inc.Samples)
		st.savedDomains, st.newDomains = st.savedDomains+len(st.newDomains), nil
		slices.Sort(st.changedMsgs)
		for _, i := range st.changedMsgs {
			m := inc.Messages[i]
			m.Recipients = slices.Clone(m.Recipients)
			c.Messages = append(c.Messages, IndexedMessage{Seq: i, Message: m})
		}
		for _, i := range st.changedMsgs {
			st.msgs[i].changed = false
		}
		st.changedMsgs = st.changedMsgs[:0]
		out = append(out, c)
	}
	clear(t.dirty)
	t.dirty = t.dirty[:0]
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Incident.ID, b.Incident.ID) })
	return out
}

// Forget drops cleared incidents from memory (the daemon keeps them in its
// store; a replay keeps them for the report).
func (t *Tracker) Forget() { t.done = nil }

// Restore loads open and ongoing incidents saved by an earlier run.
func (t *Tracker) Restore(incs []Incident) {
	for _, inc := range incs {
		if inc.Status == Cleared {
			t.restoreCleared(inc)
			continue
		}
		st := &state{
			inc:      inc.clone(),
			lastNote: inc.LastSeen,
			hidx:     -1,
			carrying: !t.cfg.NoEvents,
		}
		st.salt = maphash.String(t.seed, st.inc.ID)
		// LastSeen at the last notice is not stored; a rejection after
		// that notice (LastSeen later than Notified) still owes a digest.
		if inc.Status == Ongoing && inc.Notified.Before(inc.LastSeen) {
			st.lastNote = inc.Notified
		}
		st.savedRcpts, st.savedSamples, st.savedDomains = len(st.inc.Recipients), len(st.inc.Samples), len(st.inc.Domains)
		if st.inc.Fates == (FateCounts{}) {
			// Saved before fates were counted: count the listed ones.
			for _, m := range st.inc.Messages {
				st.inc.Fates.add(codeOf(m.Fate), 1)
			}
		}
		for _, r := range st.inc.Recipients {
			t.remember(&st.rcpts, stableHash(r))
		}
		slices.Sort(st.inc.Domains)
		st.inc.Domains = slices.Compact(st.inc.Domains)
		t.activate(st)
		for _, d := range st.inc.Domains {
			t.remember(&st.doms, stableHash(d))
			t.refused(d, st)
		}
		for i, m := range st.inc.Messages {
			ms := &msgState{st: st, idx: int32(i), fate: codeOf(m.Fate), sub: t.submitter(submitter{login: m.Login, from: m.From, client: m.Client, fromKnown: m.FromKnown})}
			st.countSub(ms.sub, 1)
			for _, r := range m.Recipients {
				ms.rcpts = append(ms.rcpts, rcptFate{t.rcptHash(r), codeOf(m.Fate)})
			}
			st.msgs = append(st.msgs, ms)
			ref := t.ref(m.QueueID)
			if ref == nil {
				ref = t.newRef(m.QueueID)
			}
			ref.last = max(ref.last, maxTime(m.FirstSeen, m.LastSeen).Unix())
			ref.entries = append(ref.entries, ms)
		}
		t.active[inc.Key] = st
		t.keepForResume(st)
		t.schedule(st)
	}
}

// keepForResume keeps st for Resume, until time first advances.
func (t *Tracker) keepForResume(st *state) {
	if t.resumed == nil {
		t.resumed = map[string]*state{}
	}
	t.resumed[st.inc.ID] = st
}

// restoreCleared restores what of a cleared incident can still change:
// the fates of its messages still deferred (a later delivery, bounce or
// expiry counts in it as in one run), listed, or beyond the list (Resume).
// It is not active: no refusal joins it.
func (t *Tracker) restoreCleared(inc Incident) {
	st := &state{inc: inc.clone(), hidx: -1, carrying: !t.cfg.NoEvents}
	st.salt = maphash.String(t.seed, st.inc.ID)
	st.savedRcpts, st.savedSamples, st.savedDomains = len(st.inc.Recipients), len(st.inc.Samples), len(st.inc.Domains)
	for i, m := range st.inc.Messages {
		ms := &msgState{st: st, idx: int32(i), fate: codeOf(m.Fate), sub: t.nobody, restored: true}
		st.msgs = append(st.msgs, ms)
		if ms.fate != fateDeferred {
			continue // final
		}
		for _, r := range m.Recipients {
			ms.rcpts = append(ms.rcpts, rcptFate{t.rcptHash(r), ms.fate})
		}
		t.index(st, m.QueueID, ms, maxTime(m.FirstSeen, m.LastSeen).Unix())
	}
	t.keepForResume(st)
}

// clone deep-copies the slices so a snapshot does not change under its reader.
// snapshot is a copy of the incident with who sent its messages.
func (st *state) snapshot() Incident {
	st.domains()
	inc := st.inc.clone()
	inc.Senders = st.senders()
	return inc
}

func (inc Incident) clone() Incident {
	c := inc
	c.Messages = slices.Clone(inc.Messages)
	for i := range c.Messages {
		c.Messages[i].Recipients = slices.Clone(c.Messages[i].Recipients)
	}
	c.Recipients = slices.Clone(inc.Recipients)
	c.Domains = slices.Clone(inc.Domains)
	c.Remotes = slices.Clone(inc.Remotes)
	c.Instances = slices.Clone(inc.Instances)
	c.Lists = slices.Clone(inc.Lists)
	c.Samples = slices.Clone(inc.Samples)
	return c
}

func sortEvents(evs []Event) {
	slices.SortFunc(evs, func(a, b Event) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.Incident.ID, b.Incident.ID)
	})
}

// incidentID is stable for a key and first-seen time, and safe in URLs,
// file names and Message-IDs.
func incidentID(k Key, first time.Time) string {
	listed := k.Listed
	if listed == "" {
		listed = "unknown"
	}
	// One allocation (not fmt's five): a dense log opens thousands of
	// incidents.
	var b strings.Builder
	b.Grow(len(k.Provider) + 1 + len(listed) + 1 + len(idTime))
	b.WriteString(k.Provider)
	b.WriteByte('-')
	for _, r := range listed {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			b.WriteByte(byte(r))
		default:
			b.WriteByte('_')
		}
	}
	b.WriteByte('-')
	var t [len(idTime)]byte
	b.Write(appendIDTime(t[:0], first.UTC()))
	return b.String()
}

// idTime is the layout of an incident ID's first-seen time.
const idTime = "20060102T150405Z"

// appendIDTime appends t as idTime has it, the digits written here for
// the years 0 to 9999: AppendFormat parsed the layout each time, 2,200
// instructions, a sixth of what the dense log's 1,279 incidents cost to
// open.
func appendIDTime(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, idTime)
	}
	h, mi, s := t.Clock()
	two := func(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }
	b = two(two(b, y/100), y%100)
	b = two(two(b, int(mo)), d)
	b = append(b, 'T')
	b = two(two(two(b, h), mi), s)
	return append(b, 'Z')
}

// domainOf returns the lower-cased domain of an address, "" if none.
// It reads the address once, from its end, eight bytes at a time: the
// last '@' and whether an upper-case letter follows it (a delivery line
// asks for its recipient's domain when any incident is open).
func domainOf(addr string) string {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
		low7 = 0x7f7f7f7f7f7f7f7f
	)
	upper := uint64(0)
	i := len(addr)
	for ; i >= 8; i -= 8 {
		t := addr[i-8 : i]
		w := swar.Word(t)
		x := w ^ '@'*ones
		at := ^((x&low7 + low7) | x | low7) // 0x80 in each byte that is '@'
		// 0x80 in each byte from 'A' to 'Z' (w's ASCII bytes only).
		w7 := w & low7
		up := (w7 + (0x80-'A')*ones) &^ (w7 + (0x7f-'Z')*ones) &^ w & high
		if at != 0 {
			k := (63 - bits.LeadingZeros64(at)) >> 3 // the last '@'
			return lowerIf(addr[i-8+k+1:], upper|up>>(8*k)>>8 != 0)
		}
		upper |= up
	}
	for i--; i >= 0; i-- {
		switch c := addr[i]; {
		case c == '@':
			return lowerIf(addr[i+1:], upper != 0)
		case c >= 'A' && c <= 'Z':
			upper = 1
		}
	}
	return ""
}

// lowerIf returns d lower-cased when upper is set, d otherwise.
func lowerIf(d string, upper bool) string {
	if upper {
		return strings.ToLower(d)
	}
	return d
}

// reachedBy reports whether a delivery reached one of the receivers that
// refused: it went over the network (not to a local agent, nor to a content
// filter on this host) to a host of the same registered domain as a host
// that refused ("mx2.example.net" after "mx1.example.net"). Only such a
// delivery says that the receiver accepts our mail again. When the
// refusals named no host, any delivery over the network counts.
//
// relay holds Registered(d.RelayHost) once computed ("" before): the
// caller asks each incident of the recipient's domain in turn; reg
// computes it, and the registered domains of the incident's remote hosts
// (the same receivers refuse for many incidents of a dense log).
func (st *state) reachedBy(d *Observation, relay *string, reg func(string) string) bool {
	if d.RelayIP == "" || d.RelayHost == "" {
		return false
	}
	if len(st.inc.Remotes) == 0 {
		return true
	}
	if *relay == "" {
		*relay = reg(d.RelayHost)
	}
	for i, h := range st.inc.Remotes {
		if i == len(st.regs) {
			st.regs = append(st.regs, reg(h))
		}
		if st.regs[i] == *relay {
			return true
		}
	}
	return false
}

// RegisteredNames is Registered remembered per host name, for the callers
// that ask it per log line: the tracker (a delivery to a domain with an
// incident asks for its relay's; ingest's address bound keeps each
// refusing host's receiver with the receiver's addresses, and asks
// Registered once per host). The public suffix look-up cost more than the
// rest of such a line (a dense log: 1,500 incidents, their domains
// delivered to all the time). The names it keeps are copies: the host is
// a view of a log line, whose buffer is read into again. It holds at most
// Max names (default 65,536) and starts over when full. The zero value is
// ready to use; it is not safe for concurrent use.
type RegisteredNames struct {
	Max int
	m   map[string]string
}

// Of returns Registered(host).
func (n *RegisteredNames) Of(host string) string {
	if r, ok := n.m[host]; ok {
		return r
	}
	limit := n.Max
	if limit <= 0 {
		limit = maxInterned
	}
	if n.m == nil || len(n.m) >= limit {
		n.m = map[string]string{}
	}
	r := strings.Clone(Registered(host))
	n.m[strings.Clone(host)] = r
	return r
}

// Registered returns the registered domain of a host name
// ("mx1.example.co.jp" → "example.co.jp"), lower-cased, or the name itself
// when it has none (an IP address, a single label): the receiver a relay
// host stands for, here and in ingest's address bound.
func Registered(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
