package milter

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// collector gathers the facts of one milter connection and of the message
// being received on it. It is the pure core of a session: the go-milter
// callbacks hand it what they get, with the macros of the moment.
//
// The MTA sends each macro only at some stages, and go-milter replaces its
// macro map at every macro packet, so every value is latched here when it
// first appears. Postfix sends the queue id ({i}) from MAIL on for mail
// submitted locally (pickup), but only from the end of the headers on for
// mail received by smtpd: its queue file is created after the first
// accepted RCPT.
type collector struct {
	client Client  // the connection: survives from message to message
	msg    Message // the message being received
	inMsg  bool    // MAIL seen (or some message fact), EOM or abort not yet
}

// connect records the connection.
func (c *collector) connect(host, family string, port uint16, addr net.IP, macros map[string]string) {
	c.client = Client{Name: clean(host, maxValue), Family: family, Port: int(port)}
	if addr != nil {
		c.client.Addr = addr.String()
	}
	c.latch(macros)
}

func (c *collector) helo(name string, macros map[string]string) {
	c.client.Helo = clean(name, maxValue)
	c.latch(macros)
}

// mail starts a message: whatever a previous one left (no EOM, no abort)
// is dropped.
func (c *collector) mail(from string, macros map[string]string) {
	c.msg = Message{Sender: clean(from, maxAddress)}
	c.inMsg = true
	c.latch(macros)
}

func (c *collector) rcpt(to string, macros map[string]string) {
	c.inMsg = true
	c.msg.Nrcpt++
	if len(c.msg.Recipients) < MaxRecipients {
		c.msg.Recipients = append(c.msg.Recipients, clean(to, maxAddress))
	}
	c.latch(macros)
}

func (c *collector) header(name, value string, macros map[string]string) {
	c.inMsg = true
	if c.msg.MessageID == "" && strings.EqualFold(name, "Message-ID") {
		c.msg.MessageID = messageID(value)
	}
	c.latch(macros)
}

// latch keeps the macro values the message and connection need, the first
// time they appear.
func (c *collector) latch(macros map[string]string) {
	if len(macros) == 0 {
		return
	}
	if q := macros["i"]; c.msg.QueueID == "" && postfixlog.ValidQueueID(q) {
		c.msg.QueueID = q
		c.inMsg = true
	}
	if v := macros["{auth_authen}"]; c.msg.AuthUser == "" && v != "" {
		c.msg.AuthUser = clean(v, maxValue)
	}
	if v := macros["{auth_type}"]; c.msg.AuthType == "" && v != "" {
		c.msg.AuthType = clean(v, maxValue)
	}
	// The connect callback names the client; these macros, when a
	// configuration sends them, fill what it left out.
	if v := macros["{client_addr}"]; c.client.Addr == "" && net.ParseIP(v) != nil {
		c.client.Addr = net.ParseIP(v).String()
	}
	if v := macros["{client_name}"]; c.client.Name == "" && v != "" {
		c.client.Name = clean(v, maxValue)
	}
	if v := macros["{client_port}"]; c.client.Port == 0 && v != "" {
		if p, err := strconv.Atoi(v); err == nil && p > 0 && p < 65536 {
			c.client.Port = p
		}
	}
}

// end finishes the message at its end (EOM): it returns its facts, with
// the track id trackID makes of the queue id, and forgets the message,
// keeping the connection.
func (c *collector) end(now time.Time, trackID func(qid string) string, macros map[string]string) Message {
	c.latch(macros)
	m := c.msg
	m.Time = now
	m.Client = c.client
	m.TrackID = trackID(m.QueueID)
	c.msg, c.inMsg = Message{}, false
	return m
}

// abort forgets the message (RSET, a rejected or dropped transaction); the
// connection stays. It reports whether a message was under way.
func (c *collector) abort() bool {
	was := c.inMsg
	c.msg, c.inMsg = Message{}, false
	return was
}
