package incident

import (
	"cmp"
	"slices"
)

// Who says who submitted a set of messages: the SASL logins, the envelope
// senders and the submitting clients, each with the number of messages,
// most first (ties in the order first seen). A hosting company's first
// question when its address is listed is which account sent the mail.
// Messages without a login or a known client count in Messages only.
type Who struct {
	Messages int     `json:"messages"`
	Logins   []Count `json:"logins"`
	Senders  []Count `json:"senders"` // Name "" is the null sender <>
	Clients  []Count `json:"clients"`
	// MoreLogins, MoreSenders and MoreClients count the names left out.
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

type counter struct {
	index map[string]int
	list  []Count
}

func (c *counter) add(name string) {
	if c.index == nil {
		c.index = map[string]int{}
	}
	i, ok := c.index[name]
	if !ok {
		i = len(c.list)
		c.index[name] = i
		c.list = append(c.list, Count{Name: name})
	}
	c.list[i].Messages++
}

// top returns the limit largest counts and how many were left out.
func (c *counter) top(limit int) ([]Count, int) {
	out := slices.Clone(c.list)
	slices.SortStableFunc(out, func(a, b Count) int { return cmp.Compare(b.Messages, a.Messages) })
	if out == nil {
		out = []Count{}
	}
	if limit > 0 && len(out) > limit {
		return out[:limit], len(out) - limit
	}
	return out, 0
}

// Add counts one message: its SASL login ("" when it did not
// authenticate), its envelope sender ("" for <>; senderKnown false when
// the log did not name it) and its client ("" when not known).
func (c *WhoCounter) Add(login, sender string, senderKnown bool, client string) {
	c.n++
	if login != "" {
		c.logins.add(login)
	}
	if senderKnown {
		c.senders.add(sender)
	}
	if client != "" {
		c.clients.add(client)
	}
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
