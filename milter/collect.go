package milter

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// collector gathers the facts of one milter connection and of the message
// being received on it. It is the pure core of a connection: the protocol
// core (conn) hands it each event with the macros the MTA sent for it (the
// macro packet just before the event; nil when there was none).
//
// The MTA sends each macro only at some stages, so every value is latched
// here when it first appears. Postfix sends the queue id ({i}) from MAIL on for mail
// submitted locally (pickup), but only from the end of the headers on for
// mail received by smtpd: its queue file is created after the first
// accepted RCPT.
type collector struct {
	client Client  // the connection: survives from message to message
	msg    Message // the message being received
	inMsg  bool    // MAIL seen (or some message fact), EOM or abort not yet
}

// connect records the connection: the client's host name, its family
// ("tcp4", "tcp6", "unix", "unknown"), port and IP address ("" when it has
// none).
func (c *collector) connect(host, family string, port int, addr string, m *macros) {
	c.client = Client{Name: clean(host, maxValue), Family: family, Port: port, Addr: addr}
	c.latch(m)
}

func (c *collector) helo(name string, m *macros) {
	c.client.Helo = clean(name, maxValue)
	c.latch(m)
}

// mail starts a message: whatever a previous one left (no EOM, no abort)
// is dropped.
func (c *collector) mail(from string, m *macros) {
	c.msg = Message{Sender: clean(from, maxAddress)}
	c.inMsg = true
	c.latch(m)
}

// rcpt adds a recipient (the address without angle brackets, as the
// packet has it: only the first MaxRecipients become strings).
func (c *collector) rcpt(to []byte, m *macros) {
	c.inMsg = true
	c.msg.Nrcpt++
	if len(c.msg.Recipients) < MaxRecipients {
		c.msg.Recipients = append(c.msg.Recipients, clean(string(to), maxAddress))
	}
	c.latch(m)
}

// header reads one header: of them all, only the first Message-ID is kept
// (and becomes a string).
func (c *collector) header(name, value []byte, m *macros) {
	c.inMsg = true
	if c.msg.MessageID == "" && len(name) == len("Message-ID") && strings.EqualFold(string(name), "Message-ID") {
		c.msg.MessageID = messageID(string(value))
	}
	c.latch(m)
}

// latch keeps the macro values the message and connection need, the first
// time they appear.
func (c *collector) latch(m *macros) {
	if m == nil {
		return
	}
	if q := m.queueID; c.msg.QueueID == "" && postfixlog.ValidQueueID(q) {
		c.msg.QueueID = q
		c.inMsg = true
	}
	if v := m.authAuthen; c.msg.AuthUser == "" && v != "" {
		c.msg.AuthUser = clean(v, maxValue)
	}
	if v := m.authType; c.msg.AuthType == "" && v != "" {
		c.msg.AuthType = clean(v, maxValue)
	}
	// The connect event names the client; these macros, when a
	// configuration sends them, fill what it left out.
	if v := m.clientAddr; c.client.Addr == "" && v != "" {
		c.client.Addr = ipString(v)
	}
	if v := m.clientName; c.client.Name == "" && v != "" {
		c.client.Name = clean(v, maxValue)
	}
	if v := m.clientPort; c.client.Port == 0 && v != "" {
		if p, err := strconv.Atoi(v); err == nil && p > 0 && p < 65536 {
			c.client.Port = p
		}
	}
}

// ipString returns s as an IP address in its usual form ("" when it is
// none): an IPv4-mapped IPv6 address is written as IPv4.
func ipString(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return ""
	}
	return a.Unmap().WithZone("").String()
}

// end finishes the message at its end (EOM): it returns its facts, with
// the track id trackID makes of the queue id, and forgets the message,
// keeping the connection.
func (c *collector) end(now time.Time, trackID func(qid string) string, m *macros) Message {
	c.latch(m)
	msg := c.msg
	msg.Time = now
	msg.Client = c.client
	msg.TrackID = trackID(msg.QueueID)
	c.msg, c.inMsg = Message{}, false
	return msg
}

// abort forgets the message (RSET, a rejected or dropped transaction); the
// connection stays. It reports whether a message was under way.
func (c *collector) abort() bool {
	was := c.inMsg
	c.msg, c.inMsg = Message{}, false
	return was
}
