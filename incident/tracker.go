package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
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
}

// DefaultConfig is the daemon's lifecycle.
var DefaultConfig = Config{
	Aggregate: 30 * time.Second,
	Renotify:  24 * time.Hour,
	Quiet:     6 * time.Hour,
	Settle:    10 * time.Minute,
}

// Tracker runs incidents. It is not safe for concurrent use.
type Tracker struct {
	cfg Config

	active   map[Key]*state      // open and ongoing incidents
	byDomain map[string][]*state // recipient domain → active incidents that refused it
	byQueue  map[string]*msgRef  // queue id → affected messages (across incidents)
	meta     map[string]*msgMeta // queue id → sender and Message-ID of live messages
	done     []*state            // cleared incidents, oldest first
	dirty    map[*state]struct{} // changed since the last Dirty call
	next     time.Time           // earliest pending deadline; zero: none
}

// msgMeta is what the log told about a message before it was refused.
type msgMeta struct{ from, messageID, login, client string }

// msgRef links a queue id to its entries in the incidents it affects.
type msgRef struct {
	entries []*msgState
}

type state struct {
	inc      Incident
	msgs     []*msgState          // parallel to inc.Messages (the first MaxMessages)
	msgIndex map[string]*msgState // queue id → state
	rcpts    map[string]struct{}  // distinct recipients
	domains  map[string]struct{}  // distinct domains
	remotes  map[string]struct{}  // distinct remotes
	clearAt  time.Time            // delivery seen after the last rejection: cleared at clearAt+Settle
	lastNote time.Time            // LastSeen at the last notice (digest only when newer)
	byDomain map[string]struct{}  // domains registered in Tracker.byDomain
}

type msgState struct {
	st    *state
	idx   int        // index in st.inc.Messages, -1 when beyond MaxMessages
	rcpts []rcptFate // affected recipients and their outcome (few per message)
}

type rcptFate struct {
	addr string
	fate Fate
}

// Maps keyed by strings from the log are written only when the key is new,
// and with a copied key: assigning to an existing string key makes the map
// keep the new key, which would pin the whole log chunk it points into.

// New returns a tracker.
func New(cfg Config) *Tracker {
	return &Tracker{
		cfg:      cfg,
		active:   make(map[Key]*state),
		byDomain: make(map[string][]*state),
		byQueue:  make(map[string]*msgRef),
		meta:     make(map[string]*msgMeta),
		dirty:    make(map[*state]struct{}),
	}
}

// SetConfig changes the lifecycle (on a configuration reload); pending
// deadlines are recomputed.
func (t *Tracker) SetConfig(cfg Config) {
	t.cfg = cfg
	t.next = time.Time{}
	for _, st := range t.active {
		t.wake(t.deadline(st))
	}
}

// Observation is what the tracker reads of one log record: a delivery
// (with the verdict of a failure), an expiry or removal, or what the log
// tells of a message before it is refused (sender, Message-ID, submitting
// client). Its strings may point into a log line: whatever the tracker
// keeps, it copies. ObservationOf makes one from a parsed record.
type Observation struct {
	Kind    postfixlog.Kind
	At      time.Time
	QueueID string

	// Deliveries (KindDelivery).
	Status     string // sent, deferred, bounced, …
	To         string
	RemoteHost string
	Raw        string // the log line, kept as evidence
	// Verdict is the verdict of a failed delivery, nil otherwise. The
	// tracker never changes it, so verdicts may be shared.
	Verdict *classify.Verdict

	// Message facts: From (KindQueued, KindPickup), MessageID
	// (KindMessageID), Login and Client (KindClient).
	From, MessageID, Login, Client string
}

// ObservationOf returns what the tracker reads of r, with v the verdict of a
// failed delivery (nil otherwise), and false when the tracker has no use
// for the record.
func ObservationOf(r *postfixlog.Record, v *classify.Verdict) (Observation, bool) {
	o := Observation{Kind: r.Kind, At: r.Time, QueueID: r.QueueID}
	switch r.Kind {
	case postfixlog.KindDelivery:
		o.Status, o.To, o.RemoteHost, o.Raw, o.Verdict = r.Status, r.To, r.RemoteHost, r.Raw, v
	case postfixlog.KindQueued, postfixlog.KindPickup:
		o.From = r.From
	case postfixlog.KindMessageID:
		o.MessageID = r.MessageID
	case postfixlog.KindClient:
		o.Login, o.Client = r.SASLUser, r.Client
	case postfixlog.KindRemoved, postfixlog.KindExpired:
	default:
		return Observation{}, false
	}
	return o, true
}

// IsMessageFact reports whether o only tells who sent a message (sender,
// Message-ID, client): facts notices name, which a replay can do without.
func (o *Observation) IsMessageFact() bool {
	switch o.Kind {
	case postfixlog.KindQueued, postfixlog.KindPickup, postfixlog.KindMessageID, postfixlog.KindClient:
		return true
	}
	return false
}

// Observe feeds one observation. Only blocklist verdicts open incidents;
// deliveries clear them; queue events update the fate of affected messages.
// Events due at the observation's time are returned.
func (t *Tracker) Observe(o *Observation) []Event {
	switch o.Kind {
	case postfixlog.KindQueued, postfixlog.KindPickup:
		if m := t.metaFor(o.QueueID); m != nil && m.from == "" {
			m.from = strings.Clone(o.From)
		}
	case postfixlog.KindMessageID:
		if m := t.metaFor(o.QueueID); m != nil {
			m.messageID = strings.Clone(o.MessageID)
		}
	case postfixlog.KindClient:
		if m := t.metaFor(o.QueueID); m != nil {
			m.login, m.client = strings.Clone(o.Login), strings.Clone(o.Client)
		}
	case postfixlog.KindRemoved:
		delete(t.meta, o.QueueID)
		delete(t.byQueue, o.QueueID)
	case postfixlog.KindExpired:
		t.setFate(o.QueueID, "", FateExpired)
	case postfixlog.KindDelivery:
		return t.observeDelivery(o)
	}
	return nil
}

func (t *Tracker) observeDelivery(r *Observation) []Event {
	at, v := r.At, r.Verdict
	switch r.Status {
	case "sent":
		t.setFate(r.QueueID, r.To, FateDelivered)
		if len(t.byDomain) == 0 {
			return t.Tick(at)
		}
		for _, st := range t.byDomain[domainOf(r.To)] {
			if !at.Before(st.inc.LastSeen) && st.clearAt.IsZero() {
				st.clearAt = at
				t.wake(at.Add(t.cfg.Settle))
				t.touch(st)
			}
		}
		return t.Tick(at)
	case "bounced":
		t.setFate(r.QueueID, r.To, FateBounced)
	case "deferred":
		// The fate of an already affected recipient stays deferred.
	default:
		return t.Tick(at)
	}
	if v == nil || v.Category != classify.Blocklist || v.Provider == "" {
		return t.Tick(at)
	}
	st := t.active[Key{Provider: v.Provider, Listed: v.Listed}]
	if st == nil {
		st = t.open(*v, at)
	}
	st.clearAt = time.Time{} // a new rejection cancels a pending clear
	if at.After(st.inc.LastSeen) {
		st.inc.LastSeen = at
	}
	if st.inc.Status == Ongoing && t.cfg.Renotify > 0 {
		t.wake(st.inc.Notified.Add(t.cfg.Renotify))
	}
	if r.Status == "bounced" {
		st.inc.Bounced++
	} else {
		st.inc.Deferred++
	}
	t.affect(st, r)
	if len(st.inc.Samples) < MaxSamples {
		st.inc.Samples = append(st.inc.Samples, strings.Clone(r.Raw))
	}
	if r.RemoteHost != "" {
		if _, ok := st.remotes[r.RemoteHost]; !ok && len(st.inc.Remotes) < MaxRemotes {
			h := strings.Clone(r.RemoteHost)
			st.remotes[h] = struct{}{}
			st.inc.Remotes = append(st.inc.Remotes, h)
		}
	}
	t.touch(st)
	return t.Tick(at)
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
		msgIndex: make(map[string]*msgState),
		rcpts:    make(map[string]struct{}),
		domains:  make(map[string]struct{}),
		remotes:  make(map[string]struct{}),
		byDomain: make(map[string]struct{}),
	}
	t.active[key] = st
	t.wake(at.Add(t.cfg.Aggregate))
	return st
}

// affect records the refused recipient and its message.
func (t *Tracker) affect(st *state, r *Observation) {
	rcpt := r.To
	if rcpt != "" {
		if _, ok := st.rcpts[rcpt]; !ok {
			rcpt = strings.Clone(rcpt)
			st.rcpts[rcpt] = struct{}{}
			if len(st.inc.Recipients) < MaxRecipients {
				st.inc.Recipients = append(st.inc.Recipients, rcpt)
			} else {
				st.inc.MoreRecipients++
			}
		}
		if d := domainOf(rcpt); d != "" {
			if _, ok := st.domains[d]; !ok {
				d = strings.Clone(d)
				st.domains[d] = struct{}{}
				i, _ := slices.BinarySearch(st.inc.Domains, d)
				st.inc.Domains = slices.Insert(st.inc.Domains, i, d)
				st.byDomain[d] = struct{}{}
				t.byDomain[d] = append(t.byDomain[d], st)
			}
		}
	}
	if r.QueueID == "" || r.QueueID == "NOQUEUE" {
		return
	}
	ms := st.msgIndex[r.QueueID]
	if ms == nil {
		qid := strings.Clone(r.QueueID)
		ms = &msgState{st: st, idx: -1}
		st.msgIndex[qid] = ms
		if len(st.inc.Messages) < MaxMessages {
			m := Message{QueueID: qid, FirstSeen: r.At}
			if meta := t.meta[qid]; meta != nil {
				m.From, m.MessageID, m.Login, m.Client = meta.from, meta.messageID, meta.login, meta.client
			}
			ms.idx = len(st.inc.Messages)
			st.inc.Messages = append(st.inc.Messages, m)
		} else {
			st.inc.MoreMessages++
		}
		ref := t.byQueue[qid]
		if ref == nil {
			ref = &msgRef{}
			t.byQueue[qid] = ref
		}
		ref.entries = append(ref.entries, ms)
	}
	fate := FateDeferred
	if r.Status == "bounced" {
		fate = FateBounced
	}
	if rcpt != "" {
		if i := ms.find(rcpt); i >= 0 {
			ms.rcpts[i].fate = fate
		} else {
			rcpt = strings.Clone(rcpt)
			ms.rcpts = append(ms.rcpts, rcptFate{rcpt, fate})
			if ms.idx >= 0 {
				m := &st.inc.Messages[ms.idx]
				m.Recipients = append(m.Recipients, rcpt)
			}
		}
	}
	ms.update(r.At)
}

// find returns the index of rcpt among the message's recipients, or -1.
func (ms *msgState) find(rcpt string) int {
	for i := range ms.rcpts {
		if ms.rcpts[i].addr == rcpt {
			return i
		}
	}
	return -1
}

// metaFor returns the metadata of the live message qid, creating it.
func (t *Tracker) metaFor(qid string) *msgMeta {
	if qid == "" || qid == "NOQUEUE" {
		return nil
	}
	m := t.meta[qid]
	if m == nil {
		m = &msgMeta{}
		t.meta[strings.Clone(qid)] = m
	}
	return m
}

// setFate records the outcome of recipient rcpt ("" = every recipient) of the
// affected message qid.
func (t *Tracker) setFate(qid, rcpt string, f Fate) {
	ref := t.byQueue[qid]
	if ref == nil {
		return
	}
	for _, ms := range ref.entries {
		changed := false
		for i := range ms.rcpts {
			if rf := &ms.rcpts[i]; (rcpt == "" || rf.addr == rcpt) && rf.fate != f {
				rf.fate = f
				changed = true
			}
		}
		if changed {
			ms.update(time.Time{})
			t.touch(ms.st)
		}
	}
}

// update recomputes the message's fate from its recipients: expired or
// bounced if any recipient was, deferred while any is pending, delivered when
// all were.
func (ms *msgState) update(at time.Time) {
	if ms.idx < 0 {
		return
	}
	fate := FateDelivered
	for _, rf := range ms.rcpts {
		switch f := rf.fate; {
		case f == FateExpired:
			fate = FateExpired
		case f == FateBounced && fate != FateExpired:
			fate = FateBounced
		case f == FateDeferred && fate == FateDelivered:
			fate = FateDeferred
		}
	}
	m := &ms.st.inc.Messages[ms.idx]
	m.Fate = fate
	if !at.IsZero() && at.After(m.LastSeen) {
		m.LastSeen = at
	}
}

// Tick advances time to now and returns the events that became due: opened
// after the aggregation window, digests, and clearings.
func (t *Tracker) Tick(now time.Time) []Event {
	if t.next.IsZero() || now.Before(t.next) {
		return nil
	}
	var evs []Event
	for key, st := range t.active {
		inc := &st.inc
		switch {
		case !st.clearAt.IsZero() && !now.Before(st.clearAt.Add(t.cfg.Settle)):
			evs = t.clear(key, st, st.clearAt, "delivered", evs)
		case t.cfg.Quiet > 0 && !now.Before(inc.LastSeen.Add(t.cfg.Quiet)):
			evs = t.clear(key, st, inc.LastSeen.Add(t.cfg.Quiet), "quiet", evs)
		case inc.Status == Open && !now.Before(inc.FirstSeen.Add(t.cfg.Aggregate)):
			inc.Status = Ongoing
			evs = append(evs, t.notice(st, EventOpened, now))
		case inc.Status == Ongoing && t.cfg.Renotify > 0 && inc.LastSeen.After(st.lastNote) &&
			!now.Before(inc.Notified.Add(t.cfg.Renotify)):
			evs = append(evs, t.notice(st, EventDigest, now))
		}
	}
	t.next = time.Time{}
	for _, st := range t.active {
		t.wake(t.deadline(st))
	}
	sortEvents(evs)
	return evs
}

// deadline is the earliest time at which Tick has something to do for st
// (zero: nothing pending).
func (t *Tracker) deadline(st *state) time.Time {
	var d time.Time
	min := func(x time.Time) {
		if d.IsZero() || x.Before(d) {
			d = x
		}
	}
	inc := &st.inc
	if !st.clearAt.IsZero() {
		min(st.clearAt.Add(t.cfg.Settle))
	}
	if t.cfg.Quiet > 0 {
		min(inc.LastSeen.Add(t.cfg.Quiet))
	}
	switch {
	case inc.Status == Open:
		min(inc.FirstSeen.Add(t.cfg.Aggregate))
	case inc.Status == Ongoing && t.cfg.Renotify > 0 && inc.LastSeen.After(st.lastNote):
		min(inc.Notified.Add(t.cfg.Renotify))
	}
	return d
}

// wake makes Tick look at the incidents again at time at.
func (t *Tracker) wake(at time.Time) {
	if !at.IsZero() && (t.next.IsZero() || at.Before(t.next)) {
		t.next = at
	}
}

// clear ends an incident; a Cleared event is returned only when the
// postmaster was told about it in the first place.
func (t *Tracker) clear(key Key, st *state, at time.Time, by string, evs []Event) []Event {
	notified := st.inc.Status == Ongoing
	st.inc.Status = Cleared
	st.inc.ClearedAt = at
	st.inc.ClearedBy = by
	delete(t.active, key)
	for d := range st.byDomain {
		list := t.byDomain[d]
		list = slices.DeleteFunc(list, func(s *state) bool { return s == st })
		if len(list) == 0 {
			delete(t.byDomain, d)
		} else {
			t.byDomain[d] = list
		}
	}
	t.done = append(t.done, st)
	t.touch(st)
	if notified {
		evs = append(evs, t.notice(st, EventCleared, at))
	}
	return evs
}

func (t *Tracker) notice(st *state, kind EventKind, at time.Time) Event {
	st.inc.Notified = at
	st.inc.Notices++
	st.lastNote = st.inc.LastSeen
	t.touch(st)
	return Event{Kind: kind, At: at, Incident: st.inc.clone()}
}

func (t *Tracker) touch(st *state) { t.dirty[st] = struct{}{} }

// Finish ends a replay: incidents with a delivery after their last rejection
// are cleared (as if the settle time had passed); the others stay ongoing.
func (t *Tracker) Finish() {
	for key, st := range t.active {
		if !st.clearAt.IsZero() {
			t.clear(key, st, st.clearAt, "delivered", nil)
		} else if st.inc.Status == Open {
			st.inc.Status = Ongoing
		}
	}
}

// Incidents returns a snapshot of every incident, cleared ones included,
// ordered by first sighting.
func (t *Tracker) Incidents() []Incident {
	out := make([]Incident, 0, len(t.done)+len(t.active))
	for _, st := range t.done {
		out = append(out, st.inc.clone())
	}
	for _, st := range t.active {
		out = append(out, st.inc.clone())
	}
	slices.SortFunc(out, func(a, b Incident) int {
		if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
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

// ActiveCount is the number of open and ongoing incidents.
func (t *Tracker) ActiveCount() int { return len(t.active) }

// Active returns a snapshot of the open and ongoing incidents.
func (t *Tracker) Active() []Incident {
	out := make([]Incident, 0, len(t.active))
	for _, st := range t.active {
		out = append(out, st.inc.clone())
	}
	slices.SortFunc(out, func(a, b Incident) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Dirty returns the incidents changed since the last call (for the store) and
// forgets cleared ones that were already reported.
func (t *Tracker) Dirty() []Incident {
	out := make([]Incident, 0, len(t.dirty))
	for st := range t.dirty {
		out = append(out, st.inc.clone())
	}
	clear(t.dirty)
	slices.SortFunc(out, func(a, b Incident) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Forget drops cleared incidents from memory (the daemon keeps them in its
// store; a replay keeps them for the report).
func (t *Tracker) Forget() { t.done = nil }

// Restore loads open and ongoing incidents saved by an earlier run.
func (t *Tracker) Restore(incs []Incident) {
	for _, inc := range incs {
		if inc.Status == Cleared {
			continue
		}
		st := &state{
			inc:      inc.clone(),
			msgIndex: make(map[string]*msgState),
			rcpts:    make(map[string]struct{}),
			domains:  make(map[string]struct{}),
			remotes:  make(map[string]struct{}),
			byDomain: make(map[string]struct{}),
			lastNote: inc.LastSeen,
		}
		for _, r := range st.inc.Recipients {
			st.rcpts[r] = struct{}{}
		}
		for _, d := range st.inc.Domains {
			st.domains[d] = struct{}{}
			st.byDomain[d] = struct{}{}
			t.byDomain[d] = append(t.byDomain[d], st)
		}
		for _, h := range st.inc.Remotes {
			st.remotes[h] = struct{}{}
		}
		for i, m := range st.inc.Messages {
			ms := &msgState{st: st, idx: i}
			for _, r := range m.Recipients {
				ms.rcpts = append(ms.rcpts, rcptFate{r, m.Fate})
			}
			st.msgIndex[m.QueueID] = ms
			ref := t.byQueue[m.QueueID]
			if ref == nil {
				ref = &msgRef{}
				t.byQueue[m.QueueID] = ref
			}
			ref.entries = append(ref.entries, ms)
		}
		t.active[inc.Key] = st
		t.wake(t.deadline(st))
	}
}

// clone deep-copies the slices so a snapshot does not change under its reader.
func (inc Incident) clone() Incident {
	c := inc
	c.Messages = slices.Clone(inc.Messages)
	for i := range c.Messages {
		c.Messages[i].Recipients = slices.Clone(c.Messages[i].Recipients)
	}
	c.Recipients = slices.Clone(inc.Recipients)
	c.Domains = slices.Clone(inc.Domains)
	c.Remotes = slices.Clone(inc.Remotes)
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
	listed = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, listed)
	return fmt.Sprintf("%s-%s-%s", k.Provider, listed, first.UTC().Format("20060102T150405Z"))
}

// domainOf returns the lower-cased domain of an address, "" if none.
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 || i == len(addr)-1 {
		return ""
	}
	d := addr[i+1:]
	for j := 0; j < len(d); j++ {
		if c := d[j]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(d)
		}
	}
	return d
}
