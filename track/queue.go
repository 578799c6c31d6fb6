package track

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// queue is the store's picture of Postfix's queue, in memory: the messages
// still in it (live) and those removed lately, with their recipients, as
// the messages table holds them. ApplyRecord changes the picture, and the
// transaction writes each message it changed once, when it commits (flush):
// a message's life of six or seven log lines costs one row written, its
// recipients in it, not a read and a write per line. The picture is loaded
// from the tables by the first transaction that needs it and dropped when a
// transaction fails (and by Prune), to be loaded again.
//
// Everything it keeps is copied out of the log lines (strings.Clone), so
// that it pins no read buffer.
type queue struct {
	nextMsg int64 // the id the next new row gets

	live   map[string]*qmsg // queue id → the message in the queue under it
	recent map[string]*qmsg // queue id → the last message removed under it, for recentWindow
	gone   []*qmsg          // removed messages in order of removal (recent's expiry)
	dirty  []*qmsg          // changed since the last flush
	links  []link           // links between queue ids read since the last flush (trail.go)
	latest time.Time        // the latest time read in the log
	swept  time.Time        // when stale live messages were last looked for (log time)
	// evicted counts the live messages closed past incident.MaxQueueIDs
	// (evict); stamps is its scratch.
	evicted int64
	stamps  []int64
}

// recentWindow is how long (log time) a removed message stays in memory:
// lines that follow a removal (a notification logged late, the bounce of a
// message cleanup rejected) still find it. Older ones are looked up in the
// table.
const recentWindow = time.Hour

// staleAfter is how long (log time) a message may go unseen and still be in
// the queue: Postfix logs every queued message at least every few hours
// (maximal_backoff_time, 4000 s by default), so one not seen for two days
// left the queue unlogged (a lost line) and is closed at its last-seen
// time, as when a new message takes its queue id.
const staleAfter = 48 * time.Hour

// qmsg is one messages row and its recipients.
type qmsg struct {
	id          int64 // 0 until the row is written
	queueID     string
	sender      string
	senderKnown bool // sender NULL until a line names it
	messageID   string
	origin      string
	client      string
	clientIP    string
	saslUser    string
	size        int64
	nrcpt       int
	state       MessageState
	firstSeen   time.Time
	lastSeen    time.Time
	expiredAt   time.Time
	rejectedAt  time.Time
	removedAt   time.Time
	removed     bool // removed_at is set (possibly the zero time: zeroTime)
	noticeQID   string
	notice      string
	rcpts       []*qrcpt
	dirty       bool
	link        bool // just started: link waiting milter facts to it when written
}

// qrcpt is one recipient of a message (an element of its rcpts column:
// rcptjson.go).
type qrcpt struct {
	address   string
	origTo    string
	domain    string
	status    string
	dsn       string
	relay     string
	reply     string
	attempts  int
	firstSeen time.Time
	updatedAt time.Time
}

func newQueue() *queue {
	return &queue{live: map[string]*qmsg{}, recent: map[string]*qmsg{}}
}

// touch marks m to be written.
func (q *queue) touch(m *qmsg) {
	if !m.dirty {
		m.dirty = true
		q.dirty = append(q.dirty, m)
	}
}

// see moves the log's latest time forward.
func (q *queue) see(t time.Time) {
	if t.After(q.latest) {
		q.latest = t
	}
}

// latestMsg returns the live message with queue id qid, else the one
// removed last, if it is still in memory.
func (q *queue) latestMsg(qid string) *qmsg {
	if m := q.live[qid]; m != nil {
		return m
	}
	return q.recent[qid]
}

// start begins a new live message for r.
func (q *queue) start(r *postfixlog.Record) *qmsg {
	if len(q.live) >= incident.MaxQueueIDs {
		q.evict() // before the new one goes in: never it
	}
	m := &qmsg{queueID: strings.Clone(clip(r.QueueID, maxText)), state: StateQueued, firstSeen: r.Time, lastSeen: r.Time, link: true}
	q.live[m.queueID] = m
	q.touch(m)
	return m
}

// liveOrNew returns the live message with r's queue id, creating it. A
// message cleanup rejected is no longer live, but the lines that follow
// the rejection (the bounce of a rejected local submission) are its own.
func (q *queue) liveOrNew(r *postfixlog.Record) *qmsg {
	if m := q.latestMsg(r.QueueID); m != nil && (!m.removed || !m.rejectedAt.IsZero()) {
		return m
	}
	return q.start(r)
}

// remove takes m out of the queue at time at (the zero time: unknown).
func (q *queue) remove(m *qmsg, at time.Time) {
	m.removed = true
	m.removedAt = at
	if q.live[m.queueID] == m {
		delete(q.live, m.queueID)
	}
	q.recent[m.queueID] = m
	q.gone = append(q.gone, m)
}

// apply is ApplyRecord on the picture.
func (q *queue) apply(r *postfixlog.Record) {
	q.see(r.Time)
	q.link(r)
	switch r.Kind {
	case postfixlog.KindClient, postfixlog.KindPickup:
		if old := q.live[r.QueueID]; old != nil {
			// Its removal was never seen (a lost line): close it.
			q.remove(old, firstNonZero(old.lastSeen, old.firstSeen, r.Time))
			old.updateState()
			q.touch(old)
		}
		m := q.start(r)
		m.origin = strings.Clone(clip(r.Program, maxText))
		if r.Kind == postfixlog.KindPickup {
			m.sender, m.senderKnown, m.client = strings.Clone(clip(r.From, maxText)), true, "local"
		} else {
			m.client = strings.Clone(clip(r.Client, maxText))
			m.clientIP = strings.Clone(clip(r.ClientIP, maxText))
			m.saslUser = strings.Clone(clip(r.SASLUser, maxText))
		}
	case postfixlog.KindMessageID:
		m := q.liveOrNew(r)
		setString(&m.messageID, clip(r.MessageID, maxText))
		m.seen(r.Time)
		q.touch(m)
	case postfixlog.KindQueued:
		m := q.liveOrNew(r)
		m.setSender(r.From)
		m.size = r.Size
		// nrcpt keeps the largest count seen: later queue passes may
		// count only the recipients still to do.
		m.nrcpt = max(m.nrcpt, r.Nrcpt)
		m.seen(r.Time)
		m.updateState()
		q.touch(m)
	case postfixlog.KindDelivery:
		if r.To == "" {
			return
		}
		m := q.liveOrNew(r)
		m.deliver(r)
		m.seen(r.Time)
		m.updateState()
		q.touch(m)
	case postfixlog.KindExpired:
		m := q.liveOrNew(r)
		m.expiredAt = firstNonZero(r.Time, m.lastSeen, m.firstSeen)
		if !m.senderKnown {
			m.setSender(r.From)
		}
		m.seen(r.Time)
		// The recipients still waiting are returned to the sender now.
		for _, rc := range m.rcpts {
			if rc.status == "deferred" || rc.status == "softbounce" {
				rc.status = "expired"
				if !r.Time.IsZero() {
					rc.updatedAt = r.Time
				}
			}
		}
		m.updateState()
		q.touch(m)
	case postfixlog.KindRemoved:
		m := q.live[r.QueueID]
		if m == nil {
			return // a removal of a message we never saw tells nothing
		}
		q.remove(m, firstNonZero(r.Time, m.lastSeen, m.firstSeen))
		m.seen(r.Time)
		m.updateState()
		q.touch(m)
	case postfixlog.KindReject:
		m := q.live[r.QueueID]
		if r.Service != "cleanup" || m == nil {
			return
		}
		at := firstNonZero(r.Time, m.lastSeen, m.firstSeen)
		m.rejectedAt = at
		if m.rejectedAt.IsZero() {
			m.rejectedAt = zeroAt
		}
		q.remove(m, at)
		if !m.senderKnown {
			m.setSender(r.From)
		}
		m.seen(r.Time)
		m.updateState()
		q.touch(m)
	case postfixlog.KindNotification:
		if r.NotifyQueueID == "" {
			return
		}
		m := q.latestMsg(r.QueueID)
		if m == nil {
			return
		}
		setString(&m.noticeQID, clip(r.NotifyQueueID, maxText))
		setString(&m.notice, clip(r.NotifyKind, maxText))
		m.seen(r.Time)
		q.touch(m)
	}
}

// zeroAt stands for a rejection time that is not known at all (the row
// holds zeroTime): rejected_at must not stay NULL.
var zeroAt = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)

// deliver records a delivery attempt of r.To.
func (m *qmsg) deliver(r *postfixlog.Record) {
	addr, origTo := clip(r.To, maxText), clip(r.OrigTo, maxText)
	var rc *qrcpt
	for _, c := range m.rcpts {
		if c.address == addr && c.origTo == origTo {
			rc = c
			break
		}
	}
	if rc == nil {
		rc = &qrcpt{address: strings.Clone(addr), origTo: strings.Clone(origTo), firstSeen: r.Time}
		rc.domain = domainOf(rc.address)
		m.rcpts = append(m.rcpts, rc)
	}
	text := r.Detail
	if text == "" {
		text = r.Reply.Text
	}
	setString(&rc.status, clip(strings.ToLower(r.Status), 64))
	setString(&rc.dsn, clip(r.DSN, 64))
	setString(&rc.relay, clip(r.Relay, maxText))
	setString(&rc.reply, clip(text, maxReplyText))
	rc.attempts++
	if !r.Time.IsZero() {
		rc.updatedAt = r.Time
	}
}

// setString sets *dst to a copy of s, unless it holds s already.
func setString(dst *string, s string) {
	if *dst != s {
		*dst = strings.Clone(s)
	}
}

func (m *qmsg) setSender(s string) {
	m.senderKnown = true
	setString(&m.sender, clip(s, maxText))
}

// seen moves last_seen forward to t (never back; the zero time keeps it).
func (m *qmsg) seen(t time.Time) {
	if !t.IsZero() && t.After(m.lastSeen) {
		m.lastSeen = t
	}
}

// updateState recomputes the message's state from its recipients.
func (m *qmsg) updateState() {
	var c rcptCounts
	for _, rc := range m.rcpts {
		c.add(rc.status, 1)
	}
	m.state = messageState(c, m.nrcpt, !m.expiredAt.IsZero(), m.removed, !m.rejectedAt.IsZero())
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// evict closes the least recently seen eighth of the live messages
// (incident.EvictOldest), as a stale one is closed: a log whose removals never
// come (qmgr's lines filtered out) would keep every message it names in
// memory. Their rows end at their last-seen time; a later line of the
// same queue id starts another message.
func (q *queue) evict() {
	q.stamps = incident.EvictOldest(q.live, func(m *qmsg) int64 { return m.lastSeen.Unix() }, q.stamps,
		func(_ string, m *qmsg) {
			q.remove(m, m.lastSeen)
			m.updateState()
			q.touch(m)
			q.evicted++
		})
}

// expire forgets removed messages older than recentWindow, or past the
// incident.MaxQueueIDs removed last, and closes live ones not seen for
// staleAfter (once an hour of log time).
func (q *queue) expire() {
	cut := q.latest.Add(-recentWindow)
	i := 0
	for ; i < len(q.gone); i++ {
		m := q.gone[i]
		if m.dirty || !m.removedAt.Before(cut) && len(q.gone)-i <= incident.MaxQueueIDs {
			break
		}
		if q.recent[m.queueID] == m {
			delete(q.recent, m.queueID)
		}
	}
	if i > 0 {
		q.gone = slices.Delete(q.gone, 0, i)
	}
	if q.latest.Sub(q.swept) < time.Hour {
		return
	}
	q.swept = q.latest
	stale := q.latest.Add(-staleAfter)
	for _, m := range q.live {
		if m.lastSeen.Before(stale) && !m.lastSeen.IsZero() {
			q.remove(m, m.lastSeen)
			m.updateState()
			q.touch(m)
		}
	}
}

// The columns of the messages table, in the order flush writes them; the
// recipients are the last (rcptjson.go).
const messageColumns = `id, queue_id, sender, message_id, origin, client, client_ip, sasl_user, size, nrcpt, state, first_seen, last_seen, expired_at, rejected_at, removed_at, notice_queue_id, notice, rcpts`

// flushChunks are the numbers of rows one statement writes: a batch's rows
// go in statements of 32, then 8, then 1 rows (prepared once: hotQueries).
var flushChunks = []int{32, 8, 1}

// sqlTexts are the texts of the statements of 1 to flushChunks[0] rows
// by table (upsertTexts, replaceTexts), built once: upsert and writeRows
// run one per chunk of rows, and building a text (some kilobytes) each
// time cost more than looking it up. They are built on first use: at
// the package's init they were a fifth of the instructions every command
// ran before main (`rblwatch version`: 1.7 M of 8.6 M), and replay,
// explain and check never open a store.
var sqlTexts = sync.OnceValue(func() map[string]map[int]string {
	return map[string]map[int]string{
		"messages":            upsertTexts("messages", messageColumns, messageCols, 1),
		"incidents":           upsertTexts("incidents", incidentColumns, incidentCols, 1),
		"incident_messages":   upsertTexts("incident_messages", incidentMessageColumns, incidentMessageCols, 2),
		"incident_recipients": replaceTexts("incident_recipients", incidentRecipientColumns, incidentRecipientCols),
		"incident_lists":      replaceTexts("incident_lists", incidentListColumns, incidentListCols),
	}
})

// upsertTexts are the texts of upsertSQL for 1 to flushChunks[0] rows.
func upsertTexts(table, columns string, cols, keys int) map[int]string {
	m := map[int]string{}
	for n := 1; n <= flushChunks[0]; n++ {
		m[n] = upsertSQL(table, columns, cols, keys, n)
	}
	return m
}

// replaceTexts are the texts of INSERT OR REPLACE statements of 1 to
// flushChunks[0] rows of cols columns into table.
func replaceTexts(table, columns string, cols int) map[int]string {
	m := map[int]string{}
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	for n := 1; n <= flushChunks[0]; n++ {
		m[n] = "INSERT OR REPLACE INTO " + table + " (" + columns + ") VALUES " + row + strings.Repeat(", "+row, n-1)
	}
	return m
}

// hotQueries are the statements every batch runs.
func hotQueries() []string {
	var out []string
	texts := sqlTexts()
	for _, n := range flushChunks {
		out = append(out, texts["messages"][n], texts["incident_messages"][n], texts["incident_recipients"][n], texts["incident_lists"][n], texts["incidents"][n])
	}
	return append(out, savePositionSQL, milterWaitingSQL, activeMutesSQL, saveUnannouncedSQL, saveLinkSQL,
		evidenceSQL, evidenceMessagesSQL, evidenceRecipientsSQL, evidenceListsSQL, packSQL,
		deleteIncidentMessagesSQL, deleteIncidentRecipientsSQL, deleteIncidentListsSQL, saveCountedSQL,
		saveForeignSQL, deleteForeignSQL)
}

// chunk returns how many of n rows the next statement writes.
func chunk(n int) int {
	for _, c := range flushChunks {
		if n >= c {
			return c
		}
	}
	return n
}

// Writes are the rows that the records applied since the last take
// changed, ready to be written (Store.Writes, Tx.Write): their values are
// copied, so the records applied after the take do not change them.
type Writes struct {
	msgs    []any // the values of the rows, messageCols per row
	started []startedMsg
	links   []link // message_links rows (trail.go)
}

const messageCols = 19

// startedMsg is a message row written for the first time: milter facts
// waiting for its queue id are linked to it.
type startedMsg struct {
	id      int64
	queueID string
	first   time.Time
}

// Empty reports whether there is nothing to write.
func (w *Writes) Empty() bool { return w == nil || len(w.msgs) == 0 && len(w.links) == 0 }

// take assigns ids to new rows and copies the values of the changed ones
// into Writes.
func (q *queue) take(spare []any) *Writes {
	w := &Writes{links: q.links}
	q.links = nil
	if len(q.dirty) == 0 {
		q.expire()
		return w
	}
	for _, m := range q.dirty {
		if m.id == 0 {
			m.id = q.nextMsg
			q.nextMsg++
		}
	}
	// By id: a message closed in this batch goes before a new one that
	// takes its queue id (unique among live rows).
	slices.SortFunc(q.dirty, func(a, b *qmsg) int { return cmpInt(a.id, b.id) })
	w.msgs = slices.Grow(spare[:0], len(q.dirty)*messageCols)
	var buf []byte
	for _, m := range q.dirty {
		w.msgs, buf = m.appendArgs(w.msgs, buf)
		if m.link {
			w.started = append(w.started, startedMsg{m.id, m.queueID, m.firstSeen})
		}
		m.dirty, m.link = false, false
	}
	clear(q.dirty)
	q.dirty = q.dirty[:0]
	q.expire()
	return w
}

// Write writes the rows of w (Store.Writes): new rows and changed rows
// alike, each a whole row (an upsert by id), several rows a statement.
// Waiting milter facts are linked to the messages w starts.
func (t *Tx) Write(w *Writes) error {
	if w.Empty() {
		return nil
	}
	if err := t.upsert("messages", messageCols, w.msgs); err != nil {
		return fmt.Errorf("track: writing messages: %w", err)
	}
	t.s.recycle(w)
	if err := t.writeLinks(w.links); err != nil {
		return fmt.Errorf("track: writing links: %w", err)
	}
	if len(w.started) > 0 {
		var waiting bool
		if err := t.queryRow(milterWaitingSQL).Scan(&waiting); err != nil {
			return fmt.Errorf("track: linking milter facts: %w", err)
		}
		for _, m := range w.started {
			if !waiting {
				break
			}
			r := postfixlog.Record{QueueID: m.queueID, Time: m.first}
			if err := t.linkMilter(m.id, &r); err != nil {
				return fmt.Errorf("track: linking milter facts of %s: %w", m.queueID, err)
			}
		}
	}
	return nil
}

const milterWaitingSQL = `SELECT EXISTS (SELECT 1 FROM milter_messages WHERE message IS NULL)`

// upsert writes rows of cols values each into table, in statements of
// flushChunks rows.
func (t *Tx) upsert(table string, cols int, vals []any) error {
	return t.writeRows(sqlTexts()[table], cols, vals)
}

// writeRows runs the statements of texts (one for each number of rows) on
// rows of cols values each, in statements of flushChunks rows, in order.
func (t *Tx) writeRows(texts map[int]string, cols int, vals []any) error {
	for i := 0; i < len(vals); {
		n := chunk((len(vals) - i) / cols)
		if _, err := t.exec(texts[n], vals[i:i+n*cols]...); err != nil {
			return err
		}
		i += n * cols
	}
	return nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// upsertSQL is an INSERT of n rows of cols columns into table that
// rewrites the row with the same key, its first keys columns, in place.
// Unlike INSERT OR REPLACE it does not delete the row and insert it again
// (with the entries of every index).
func upsertSQL(table, columns string, cols, keys, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(columns)
	b.WriteString(") VALUES ")
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	names := strings.Split(columns, ", ")
	b.WriteString(" ON CONFLICT (")
	b.WriteString(strings.Join(names[:keys], ", "))
	b.WriteString(") DO UPDATE SET ")
	for i, c := range names[keys:] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = excluded." + c)
	}
	return b.String()
}

// appendArgs appends the values of m's row to args; the JSON of its
// recipients is built in buf, which it returns for the next row.
func (m *qmsg) appendArgs(args []any, buf []byte) ([]any, []byte) {
	var sender any
	if m.senderKnown {
		sender = m.sender
	}
	// A message's times are mostly one (a delivery within the second it
	// came): equal times share one string.
	first := dbTime(m.firstSeen)
	last := sameTime(m.lastSeen, m.firstSeen, first)
	removed := sameTime(m.removedAt, m.lastSeen, last)
	rejected := sameTime(m.rejectedAt, m.removedAt, removed)
	expired := sameTime(m.expiredAt, m.lastSeen, last)
	if m.removed && m.removedAt.IsZero() {
		removed = zeroTime
	}
	if m.rejectedAt.Equal(zeroAt) {
		rejected = zeroTime
	}
	buf = appendRecipients(buf[:0], m.rcpts)
	return append(args, m.id, m.queueID, sender, m.messageID, m.origin, m.client, m.clientIP, m.saslUser, m.size, m.nrcpt,
		string(m.state), first, last, expired, rejected, removed, m.noticeQID, m.notice, string(buf)), buf
}

// sameTime is dbTime(t), the value stored for prev already when t is prev.
func sameTime(t, prev time.Time, stored any) any {
	if t.Equal(prev) {
		return stored
	}
	return dbTime(t)
}

// loadQueue reads the picture from the tables (through the readers, which
// see what was committed): the live messages and those removed within
// recentWindow of the latest time seen, with their recipients, and the
// next id.
func loadQueue(ctx context.Context, db *sql.DB) (*queue, error) {
	q := newQueue()
	var latest sql.NullString
	err := db.QueryRowContext(ctx, `SELECT max(last_seen), coalesce((SELECT max(id) FROM messages), 0) + 1 FROM messages`).
		Scan(&latest, &q.nextMsg)
	if err != nil {
		return nil, fmt.Errorf("track: loading the queue: %w", err)
	}
	lt, err := parseTime(latest)
	if err != nil {
		return nil, err
	}
	q.latest, q.swept = lt, lt
	rows, err := db.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE removed_at IS NULL OR removed_at >= ? ORDER BY id`,
		dbTime(lt.Add(-recentWindow)))
	if err != nil {
		return nil, fmt.Errorf("track: loading the queue: %w", err)
	}
	for rows.Next() {
		m := &qmsg{}
		var sender sql.NullString
		var state, removed, rejected sql.NullString
		var rcpts string
		err := rows.Scan(&m.id, &m.queueID, &sender, &m.messageID, &m.origin, &m.client, &m.clientIP, &m.saslUser, &m.size, &m.nrcpt,
			&state, scanTime(&m.firstSeen), scanTime(&m.lastSeen), scanTime(&m.expiredAt), &rejected, &removed, &m.noticeQID, &m.notice, &rcpts)
		if err == nil {
			m.rcpts, err = parseRecipients(rcpts)
		}
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("track: loading the queue: %w", err)
		}
		m.sender, m.senderKnown, m.state = sender.String, sender.Valid, MessageState(state.String)
		if m.removed = removed.Valid; m.removed {
			if m.removedAt, err = parseTime(removed); err != nil {
				rows.Close()
				return nil, err
			}
		}
		if rejected.Valid {
			if m.rejectedAt, err = parseTime(rejected); err != nil {
				rows.Close()
				return nil, err
			}
			if m.rejectedAt.IsZero() {
				m.rejectedAt = zeroAt
			}
		}
		if m.removed {
			q.recent[m.queueID] = m // ids ascend: the last removal wins
			q.gone = append(q.gone, m)
		} else {
			q.live[m.queueID] = m
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("track: loading the queue: %w", err)
	}
	slices.SortStableFunc(q.gone, func(a, b *qmsg) int { return a.removedAt.Compare(b.removedAt) })
	return q, nil
}

// Apply changes the store's picture of Postfix's queue as the parsed record
// r tells (see Tx.ApplyRecord), in memory; the next transaction that writes
// its Writes makes it so in the tables. The daemon applies a batch's records
// as it reads them and commits them with the batch's position.
func (s *Store) Apply(ctx context.Context, r *postfixlog.Record) error {
	if r == nil || r.QueueID == "" || r.QueueID == "NOQUEUE" {
		return nil
	}
	s.qmu.Lock()
	defer s.qmu.Unlock()
	q, err := s.queueLocked(ctx)
	if err != nil {
		return fmt.Errorf("track: applying %s line of %s: %w", r.Kind, clip(r.QueueID, 64), err)
	}
	q.apply(r)
	return nil
}

// Evicted returns the number of live messages the store closed, the least
// recently seen first, past the incident.MaxQueueIDs it holds in memory
// (their removal never logged).
func (s *Store) Evicted() int64 {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.queue == nil {
		return s.evicted
	}
	return s.evicted + s.queue.evicted
}

// Writes takes the rows that the records applied since the last call
// changed, for Tx.Write. Rows taken and not written (a failed transaction)
// are lost from memory: call Reload.
func (s *Store) Writes() *Writes {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	if s.queue == nil {
		return &Writes{}
	}
	var spare []any
	if n := len(s.spare); n > 0 {
		spare, s.spare = s.spare[n-1], s.spare[:n-1]
	}
	return s.queue.take(spare)
}

// maxSpare is how many written Writes' value lists the store keeps for
// the next takes: the batches committing and waiting (the daemon's
// commitDepth) and the one being read.
const maxSpare = 3

// recycle keeps the list of values of w, written, for a later take, and
// empties w (a Writes is written once): a catch-up's batches allocated
// some 45 MB of these lists (1 M dense lines), a twentieth of all it
// allocated, for the collector to clear again (bench/README.md,
// catchup12).
func (s *Store) recycle(w *Writes) {
	vals := w.msgs
	w.msgs = nil
	clear(vals) // keeps no row's strings alive
	s.qmu.Lock()
	if len(s.spare) < maxSpare {
		s.spare = append(s.spare, vals[:0])
	}
	s.qmu.Unlock()
}

// Reload drops the picture of the queue, to be read again from the tables
// (after a failed transaction, or rows deleted by Prune).
func (s *Store) Reload() {
	s.qmu.Lock()
	if s.queue != nil {
		s.evicted += s.queue.evicted
	}
	s.queue = nil
	s.qmu.Unlock()
}

// newestMessage returns the id of the newest message with queue id qid
// in the picture of the queue (live, or removed lately), 0 when there is
// none or its row has no id yet.
func (s *Store) newestMessage(ctx context.Context, qid string) (int64, error) {
	s.qmu.Lock()
	defer s.qmu.Unlock()
	q, err := s.queueLocked(ctx)
	if err != nil {
		return 0, err
	}
	if m := q.latestMsg(qid); m != nil {
		return m.id, nil
	}
	return 0, nil
}

func (s *Store) queueLocked(ctx context.Context) (*queue, error) {
	if s.w == nil {
		return nil, ErrReadOnly
	}
	if s.queue == nil {
		q, err := loadQueue(ctx, s.r)
		if err != nil {
			return nil, err
		}
		s.queue = q
	}
	return s.queue, nil
}
