package track

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// linkWindow bounds how far apart in time a link's line and the first
// line of the message it names may be: a content filter queues the message
// again within seconds, postsuper -r is followed by pickup at once. Queue
// ids are reused only after a message left the queue, rarely within days.
const linkWindow = time.Hour

// link notes the link a log line makes between two queue ids of one
// message (postfixlog.Record.Link), if any, for the next flush.
func (q *queue) link(r *postfixlog.Record) {
	if prev, next, via, ok := r.Link(); ok {
		q.links = append(q.links, link{prev: strings.Clone(prev), next: strings.Clone(next), via: via, at: r.Time})
	}
}

// saveLinkSQL writes a message_links row (prepared once: hotQueries).
const saveLinkSQL = `INSERT INTO message_links (prev, next, via, seen_at) VALUES (?, ?, ?, ?)`

// writeLinks writes message_links rows.
func (t *Tx) writeLinks(links []link) error {
	for _, l := range links {
		_, err := t.exec(saveLinkSQL,
			clip(l.prev, 64), clip(l.next, 64), string(l.via), dbTime(l.at))
		if err != nil {
			return err
		}
	}
	return nil
}

// Trail is one message as it went through this host: the messages rows of
// every queue id it had, first to last. A message has several when a
// content filter queued it again or postsuper -r requeued it; most have
// one.
type Trail struct {
	Hops []Hop
}

// Hop is the message under one of its queue ids.
type Hop struct {
	MessageRow
	// Via says how the log tied it to the hop before: "" for the first,
	// else filter, header or requeue (postfixlog.LinkVia).
	Via postfixlog.LinkVia
}

// First is the first hop: who submitted the message.
func (tr *Trail) First() *MessageRow { return &tr.Hops[0].MessageRow }

// Last is the last hop: where the message is now.
func (tr *Trail) Last() *MessageRow { return &tr.Hops[len(tr.Hops)-1].MessageRow }

// QueueIDs are the message's queue ids, first to last.
func (tr *Trail) QueueIDs() []string {
	q := make([]string, len(tr.Hops))
	for i := range tr.Hops {
		q[i] = tr.Hops[i].QueueID
	}
	return q
}

// State is the state of the message under its last queue id.
func (tr *Trail) State() MessageState { return tr.Last().State }

// FirstSeen and LastSeen span the whole trail.
func (tr *Trail) FirstSeen() time.Time { return tr.First().FirstSeen }

func (tr *Trail) LastSeen() time.Time {
	var last time.Time
	for i := range tr.Hops {
		if t := tr.Hops[i].LastSeen; t.After(last) {
			last = t
		}
	}
	return last
}

// Sender is the envelope sender, from the first hop that knows it (the
// log, else the milter); known is false when none does.
func (tr *Trail) Sender() (sender string, known bool) {
	for i := range tr.Hops {
		if h := &tr.Hops[i]; h.FromKnown {
			return h.From, true
		}
	}
	if f := tr.First().Milter; f != nil {
		return f.Sender, true
	}
	return "", false
}

// Login is the SASL login the first hop was submitted with, from the log
// or else the milter.
func (tr *Trail) Login() string {
	m := tr.First()
	if m.SASLUser != "" {
		return m.SASLUser
	}
	if m.Milter != nil {
		return m.Milter.AuthUser
	}
	return ""
}

// Client is the client that submitted the first hop, "host[ip]" (or
// "local" for sendmail), from the log or else the milter.
func (tr *Trail) Client() string {
	m := tr.First()
	if m.Client != "" {
		return m.Client
	}
	if f := m.Milter; f != nil && (f.ClientName != "" || f.ClientAddr != "") {
		return f.ClientName + "[" + f.ClientAddr + "]"
	}
	return ""
}

// Recipients are the message's recipients with their final fate: for each
// address, the last hop that tried it, with the delivery attempts of every
// hop added up (and the first attempt's time). A hand-over to a content
// filter that queued the message again is a hop, not a fate, and is left
// out.
func (tr *Trail) Recipients() []RecipientRow {
	var out []RecipientRow
	index := map[string]int{}
	for i := range tr.Hops {
		h := &tr.Hops[i]
		for _, r := range h.Recipients {
			if i+1 < len(tr.Hops) && handedOver(r, tr.Hops[i+1].QueueID) {
				continue
			}
			k := r.Address + "\x00" + r.OrigTo
			j, ok := index[k]
			if !ok {
				index[k] = len(out)
				out = append(out, r)
				continue
			}
			prev := out[j]
			r.Attempts += prev.Attempts
			if !prev.FirstSeen.IsZero() && (r.FirstSeen.IsZero() || prev.FirstSeen.Before(r.FirstSeen)) {
				r.FirstSeen = prev.FirstSeen
			}
			out[j] = r
		}
	}
	return out
}

// handedOver reports whether r is the delivery of a message to a content
// filter that queued it again under next.
func handedOver(r RecipientRow, next string) bool {
	return r.Status == "sent" && postfixlog.QueuedAs(r.Reply) == next
}

// TrailFilter selects trails for Trails. Every condition must hold.
type TrailFilter struct {
	// State keeps the trails whose last hop is in that state; Deferred,
	// those still in the queue with a deferred recipient.
	State    MessageState
	Deferred bool
	// QueueID keeps the trails with that queue id in any hop.
	QueueID string
	// Since and Until keep the trails seen (last seen) at or after Since
	// and first seen before Until (zero: no bound).
	Since, Until time.Time
	// Sender keeps the trails with that envelope sender, Login those
	// submitted with that SASL login (both case-insensitive).
	Sender, Login string
	// NullSender keeps the trails from the null sender <>; Sender then
	// does not apply.
	NullSender bool
	// Domain keeps the trails with a recipient in that domain
	// (case-insensitive).
	Domain string
	// Incident keeps the trails of the messages an incident lists.
	Incident string
	// Limit keeps the most recent trails (0: all).
	Limit int
}

// maxLinkDepth bounds how many hops a trail may have.
const maxLinkDepth = 16

// Trails returns the messages f selects, each with every queue id it had,
// oldest first.
func (s *Store) Trails(ctx context.Context, f TrailFilter) ([]Trail, error) {
	// A row of the trail meets each condition that the trail as a whole
	// must meet (the last hop its state, the first its sender and login,
	// …): select the rows, complete their trails, then check the trails.
	mf := MessageFilter{State: f.State, Deferred: f.Deferred, QueueID: f.QueueID, Since: f.Since, Until: f.Until,
		Sender: f.Sender, NullSender: f.NullSender, Login: f.Login, Domain: f.Domain, Incident: f.Incident, Limit: f.Limit}
	rows, err := s.Messages(ctx, mf)
	if err != nil {
		return nil, err
	}
	trails, err := s.linkRows(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := trails[:0]
	for _, tr := range trails {
		if f.keeps(&tr) {
			out = append(out, tr)
		}
	}
	return out, nil
}

// keeps checks the conditions that hold for a trail as a whole.
func (f *TrailFilter) keeps(tr *Trail) bool {
	last := tr.Last()
	switch {
	case f.State != "" && tr.State() != f.State,
		f.Deferred && (tr.State() != StateDeferred || !last.RemovedAt.IsZero()),
		!f.Since.IsZero() && tr.LastSeen().Before(f.Since),
		!f.Until.IsZero() && !tr.FirstSeen().Before(f.Until):
		return false
	}
	if f.NullSender {
		if s, ok := tr.Sender(); !ok || s != "" {
			return false
		}
	} else if f.Sender != "" {
		if s, ok := tr.Sender(); !ok || !strings.EqualFold(s, f.Sender) {
			return false
		}
	}
	if f.Login != "" && !strings.EqualFold(tr.Login(), f.Login) {
		return false
	}
	if f.QueueID != "" && !slices.Contains(tr.QueueIDs(), f.QueueID) {
		return false
	}
	if f.Domain != "" && !slices.ContainsFunc(tr.Recipients(), func(r RecipientRow) bool { return strings.EqualFold(r.Domain, f.Domain) }) {
		return false
	}
	return true
}

// link is one message_links row.
type link struct {
	prev, next string
	via        postfixlog.LinkVia
	at         time.Time
}

// linkRows groups rows into trails: it follows the links of their queue
// ids both ways, loads the rows of the queue ids they name, and returns the
// trails, oldest first.
func (s *Store) linkRows(ctx context.Context, rows []MessageRow) ([]Trail, error) {
	var links []link
	seen := map[link]bool{}
	visited := map[string]bool{}
	var todo []string
	for i := range rows {
		if q := rows[i].QueueID; !visited[q] {
			visited[q] = true
			todo = append(todo, q)
		}
	}
	named := map[string]bool{}
	for depth := 0; len(todo) > 0 && depth < maxLinkDepth; depth++ {
		found, err := s.linksOf(ctx, todo)
		if err != nil {
			return nil, err
		}
		todo = todo[:0]
		for _, l := range found {
			if seen[l] {
				continue
			}
			seen[l] = true
			links = append(links, l)
			for _, q := range []string{l.prev, l.next} {
				named[q] = true
				if !visited[q] {
					visited[q] = true
					todo = append(todo, q)
				}
			}
		}
	}
	// Every row of a queue id a link names: the link's time picks the
	// right one among the uses of a queue id.
	if len(named) > 0 {
		qids := make([]string, 0, len(named))
		for q := range named {
			qids = append(qids, q)
		}
		slices.Sort(qids)
		more, err := s.Messages(ctx, MessageFilter{QueueIDs: qids})
		if err != nil {
			return nil, err
		}
		have := map[int64]bool{}
		for i := range rows {
			have[rows[i].ID] = true
		}
		for _, m := range more {
			if !have[m.ID] {
				rows = append(rows, m)
			}
		}
	}
	byQID := map[string][]int{} // queue id → indexes in rows
	for i := range rows {
		byQID[rows[i].QueueID] = append(byQID[rows[i].QueueID], i)
	}

	// Union the rows each link joins.
	parent := make([]int, len(rows))
	via := make([]postfixlog.LinkVia, len(rows))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, l := range links {
		p := pick(rows, byQID[l.prev], l.at, true)
		n := pick(rows, byQID[l.next], l.at, false)
		if p < 0 || n < 0 || p == n {
			continue
		}
		if viaRank(l.via) > viaRank(via[n]) {
			via[n] = l.via
		}
		if a, b := find(p), find(n); a != b {
			parent[b] = a
		}
	}
	groups := map[int][]int{}
	for i := range rows {
		r := find(i)
		groups[r] = append(groups[r], i)
	}
	trails := make([]Trail, 0, len(groups))
	for _, g := range groups {
		slices.SortFunc(g, func(a, b int) int {
			return cmp.Or(rows[a].FirstSeen.Compare(rows[b].FirstSeen), cmp.Compare(rows[a].ID, rows[b].ID))
		})
		tr := Trail{Hops: make([]Hop, len(g))}
		for k, i := range g {
			tr.Hops[k] = Hop{MessageRow: rows[i]}
			if k > 0 {
				tr.Hops[k].Via = via[i]
			}
		}
		trails = append(trails, tr)
	}
	slices.SortFunc(trails, func(a, b Trail) int {
		return cmp.Or(a.FirstSeen().Compare(b.FirstSeen()), cmp.Compare(a.First().ID, b.First().ID))
	})
	return trails, nil
}

// viaRank orders the ways a hop is linked by what they say: the track
// header only names the first queue id, a filter's reply or pickup's
// orig_id names the hop before.
func viaRank(v postfixlog.LinkVia) int {
	switch v {
	case postfixlog.ViaRequeue, postfixlog.ViaFilter:
		return 2
	case postfixlog.ViaHeader:
		return 1
	}
	return 0
}

// pick returns the row among idx a link logged at time at names: for prev,
// a message in the queue then (first seen before it, not removed long
// before it); for next, the one first seen nearest to it, within
// linkWindow. -1: none.
func pick(rows []MessageRow, idx []int, at time.Time, prev bool) int {
	best := -1
	var bestD time.Duration
	for _, i := range idx {
		m := &rows[i]
		if at.IsZero() || m.FirstSeen.IsZero() {
			if best < 0 {
				best = i
			}
			continue
		}
		d := at.Sub(m.FirstSeen)
		if prev {
			if d < -linkWindow || !m.RemovedAt.IsZero() && m.RemovedAt.Before(at.Add(-linkWindow)) {
				continue
			}
		} else if d < -linkWindow || d > linkWindow {
			continue
		}
		d = max(d, -d)
		if best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// linksOf returns the links that name any of qids.
func (s *Store) linksOf(ctx context.Context, qids []string) ([]link, error) {
	var out []link
	const chunk = 400
	for start := 0; start < len(qids); start += chunk {
		part := qids[start:min(start+chunk, len(qids))]
		args := make([]any, 0, 2*len(part))
		for _, q := range part {
			args = append(args, q)
		}
		args = append(args, args...)
		in := `(?` + strings.Repeat(`, ?`, len(part)-1) + `)`
		rows, err := s.r.QueryContext(ctx, `SELECT prev, next, via, seen_at FROM message_links WHERE prev IN `+in+` OR next IN `+in, args...)
		if err != nil {
			return nil, fmt.Errorf("track: reading links: %w", err)
		}
		for rows.Next() {
			var l link
			var via string
			if err := rows.Scan(&l.prev, &l.next, &via, scanTime(&l.at)); err != nil {
				rows.Close()
				return nil, fmt.Errorf("track: reading links: %w", err)
			}
			l.via = postfixlog.LinkVia(via)
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("track: reading links: %w", err)
		}
	}
	return out, nil
}
