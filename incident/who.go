package incident

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/swar"
)

// Who says who submitted a set of messages: the SASL logins, the envelope
// senders and the submitting clients, each with the number of messages,
// most first (ties in the order first seen). A hosting company's first
// question when its address is listed is which account sent the mail.
// Messages without a login or a known client count in Messages only.
type Who struct {
	Messages int `json:"messages"`
	// Window, when set, says the counts are of all the mail first seen in
	// that long before (a self-check listing: who sent most mail from the
	// listed address), not of an incident's refused messages.
	Window  time.Duration `json:"window,omitempty"`
	Logins  []Count       `json:"logins"`
	Senders []Count       `json:"senders"` // Name "" is the null sender <>
	Clients []Count       `json:"clients"`
	// MoreLogins, MoreSenders and MoreClients count the messages of the
	// names left out (beyond the limit, or beyond what is told apart).
	MoreLogins  int `json:"more_logins,omitempty"`
	MoreSenders int `json:"more_senders,omitempty"`
	MoreClients int `json:"more_clients,omitempty"`
}

// Count is a name and its number of messages.
type Count struct {
	Name     string `json:"name"`
	Messages int    `json:"messages"`
}

// WhoCounter counts submitters; its zero value is ready.
type WhoCounter struct {
	n                        int
	logins, senders, clients counter
}

// maxNames bounds the names a counter tells apart: a spam run with a new
// sender per message must not grow memory without limit. Names beyond it
// count as others.
const maxNames = 1000

type counter struct {
	index  map[string]int // of list, once it holds more than smallList names
	list   []Count
	others int // messages of names beyond maxNames
}

// smallList is how many names a counter finds by looking through its list:
// most incidents' mail comes from a few submitters, and a replay keeps a
// counter of each kind for each of thousands of incidents — maps for them
// were most of its heap.
const smallList = 8

// add counts n messages of name; a new name is copied unless kept says
// the caller's string is already one nothing overwrites (the tracker's
// interned names). It returns the name's index in list (where it stays),
// -1 when it counted in others.
func (c *counter) add(name string, n int, kept bool) int {
	i := -1
	if c.index != nil {
		if k, ok := c.index[name]; ok {
			i = k
		}
	} else {
		for k := range c.list {
			if c.list[k].Name == name {
				i = k
				break
			}
		}
	}
	if i < 0 {
		if len(c.list) >= maxNames || n < 0 {
			c.others = max(0, c.others+n)
			return -1
		}
		i = len(c.list)
		if !kept {
			name = strings.Clone(name)
		}
		c.list = append(c.list, Count{Name: name})
		if c.index != nil {
			c.index[name] = i
		} else if len(c.list) > smallList {
			c.index = make(map[string]int, 2*len(c.list))
			for k, x := range c.list {
				c.index[x.Name] = k
			}
		}
	}
	c.list[i].Messages += n
	return i
}

// top returns the limit largest counts and the messages of the names left
// out.
func (c *counter) top(limit int) ([]Count, int) {
	out, more := topOf(append(make([]Count, 0, len(c.list)), c.list...), limit)
	return out, more + c.others
}

// topOf returns, of list (which it reorders), the limit largest counts
// above 0, most first (ties in list's order), and the messages of those
// left out.
func topOf(list []Count, limit int) ([]Count, int) {
	out := list[:0]
	for _, x := range list {
		if x.Messages > 0 {
			out = append(out, x)
		}
	}
	slices.SortStableFunc(out, func(a, b Count) int { return cmp.Compare(b.Messages, a.Messages) })
	more := 0
	if limit > 0 && len(out) > limit {
		for _, x := range out[limit:] {
			more += x.Messages
		}
		out = out[:limit]
	}
	return out, more
}

// Add counts one message: its SASL login ("" when it did not
// authenticate), its envelope sender ("" for <>; senderKnown false when
// the log did not name it) and its client ("" when not known).
func (c *WhoCounter) Add(login, sender string, senderKnown bool, client string) {
	c.count(login, sender, senderKnown, client, 1, false)
}

// Remove takes back a message Add counted (its submitter turned out to be
// another: a content filter's re-injection was linked to the first
// submission).
func (c *WhoCounter) Remove(login, sender string, senderKnown bool, client string) {
	c.count(login, sender, senderKnown, client, -1, false)
}

// count counts n messages of a submitter, and returns where its names are
// in the lists (whoAt), ok when each of them is in its list (none counted
// in others).
func (c *WhoCounter) count(login, sender string, senderKnown bool, client string, n int, kept bool) (at whoAt, ok bool) {
	c.n += n
	at = whoAt{-1, -1, -1}
	if login != "" {
		at[0] = int32(c.logins.add(login, n, kept))
	}
	if senderKnown {
		// One mailbox, however its letters are cased (Postfix finds
		// Alice@Example.COM where alice@example.com is): a sender that
		// varies them is counted once, in lower case.
		if low := lowerSender(sender); low != sender {
			sender, kept = low, true // a string of its own
		}
		at[1] = int32(c.senders.add(sender, n, kept))
	}
	if client != "" {
		at[2] = int32(c.clients.add(client, n, kept))
	}
	return at, (login == "" || at[0] >= 0) && (!senderKnown || at[1] >= 0) && (client == "" || at[2] >= 0)
}

// whoAt is where a submitter's login, sender and client are in a
// WhoCounter's lists (-1: it has none of that kind). A name's index in its
// list never changes (names are only appended).
type whoAt [3]int32

// again counts n more messages of the submitter whose names count found
// at at (ok): what count would do, without looking the names up.
func (c *WhoCounter) again(at whoAt, n int) {
	c.n += n
	for k, l := range [...]*counter{&c.logins, &c.senders, &c.clients} {
		if at[k] >= 0 {
			l.list[at[k]].Messages += n
		}
	}
}

// lowerSender is strings.ToLower(s), which looks at s a byte at a time
// to find that most senders have no capital: this looks eight bytes at a
// time, and leaves the rest to ToLower.
func lowerSender(s string) string {
	const ones = 0x0101010101010101
	t := s
	for len(t) >= 8 {
		w := swar.Word(t)
		// Bytes below 0x80 (else ToLower): adding 0x80-'A' sets a byte's
		// high bit when it is 'A' or above, adding 0x80-'Z'-1 when above
		// 'Z'; no sum carries into the next byte.
		if w&(0x80*ones) != 0 || (w+(0x80-'A')*ones)&^(w+(0x80-'Z'-1)*ones)&(0x80*ones) != 0 {
			return strings.ToLower(s)
		}
		t = t[8:]
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}

// Who returns the counts, at most limit names per list (0: all).
func (c *WhoCounter) Who(limit int) Who {
	w := Who{Messages: c.n}
	w.Logins, w.MoreLogins = c.logins.top(limit)
	w.Senders, w.MoreSenders = c.senders.top(limit)
	w.Clients, w.MoreClients = c.clients.top(limit)
	return w
}

// WhoSent counts the submitters of an incident's messages (those it kept,
// MaxMessages at most).
func WhoSent(msgs []Message, limit int) Who {
	var c WhoCounter
	for _, m := range msgs {
		c.Add(m.Login, m.From, m.FromKnown, m.Client)
	}
	return c.Who(limit)
}

// Submission is what the log told of who submitted a message: its first
// queue id (before a content filter or postsuper -r queued it again), its
// envelope sender (FromKnown false: not logged yet), SASL login,
// client and Message-ID.
type Submission struct {
	QueueID   string
	From      string
	FromKnown bool
	Login     string
	Client    string
	MessageID string
}

// Submitted returns who submitted the message in the queue under qid, as
// far as the tracker knows (false: nothing).
func (t *Tracker) Submitted(qid string) (Submission, bool) {
	m := t.metaOf(qid)
	if m == nil {
		return Submission{}, false
	}
	s := Submission{QueueID: qid, From: m.sub.from, FromKnown: m.sub.fromKnown, Login: m.sub.login, Client: m.sub.client, MessageID: m.messageID}
	if len(m.earlier) > 0 {
		s.QueueID = m.earlier[0]
	}
	return s, true
}

// Follows reports whether the message under qid was queued again from the
// one under earlier (a content filter, postsuper -r), as far as the
// tracker knows.
func (t *Tracker) Follows(qid, earlier string) bool {
	m := t.metaOf(qid)
	return m != nil && slices.Contains(m.earlier, earlier)
}
