// Package incident groups blocklist verdicts into incidents keyed by
// (provider, listed IP or domain) and runs their lifecycle: open, notify after
// a short aggregation window, digest while ongoing, clear when mail flows
// again. It is pure: time comes from the records and from Tick's argument.
package incident

import (
	"time"

	"github.com/rblwatch/rblwatch/classify"
)

// Key identifies an incident.
type Key struct {
	Provider string `json:"provider"` // catalog id, or "unknown"
	Listed   string `json:"listed"`   // listed IP or domain; "" when not known
}

// Status of an incident.
type Status string

const (
	Open    Status = "open"    // seen, still inside the aggregation window: nobody told yet
	Ongoing Status = "ongoing" // notified, rejections may still come
	Cleared Status = "cleared" // mail flows again, or nothing for a quiet period
)

// Fate of an affected message, as far as the log tells.
type Fate string

const (
	FateDeferred  Fate = "deferred"  // still in the queue, will be retried
	FateDelivered Fate = "delivered" // delivered later, to every affected recipient
	FateBounced   Fate = "bounced"   // returned to the sender
	FateExpired   Fate = "expired"   // gave up after maximal_queue_lifetime
)

// Message is one message affected by an incident.
type Message struct {
	QueueID string `json:"queue_id"`
	From    string `json:"from,omitempty"`
	// FromKnown says that the log named the sender (From "" is then the
	// null sender, <>).
	FromKnown bool   `json:"from_known,omitempty"`
	MessageID string `json:"message_id,omitempty"`
	// Login is the SASL user that submitted it and Client the submitting
	// host ("host[ip]"), from the smtpd client= line: who to ask about it.
	Login  string `json:"login,omitempty"`
	Client string `json:"client,omitempty"`
	// QueueIDs are every queue id of the message, first to last, when it
	// had more than one: a content filter queued it again, or postsuper
	// -r requeued it (the log links them: postfixlog.Record.Link). Login
	// and Client are then those of the first.
	QueueIDs   []string  `json:"queue_ids,omitempty"`
	Recipients []string  `json:"recipients"`
	Fate       Fate      `json:"fate"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
}

// Incident is one (provider, listed) episode. Every field is a plain value so
// that an Incident can be copied into events, stored and rendered.
type Incident struct {
	ID string `json:"id"` // stable: derived from the key and the first-seen time
	Key
	Status    Status    `json:"status"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`           // last rejection
	ClearedAt time.Time `json:"cleared_at,omitzero"` // when it was cleared
	// ClearedBy says why: "delivered" (mail to an affected receiver went
	// through) or "quiet" (no rejection for the quiet period).
	ClearedBy string `json:"cleared_by,omitempty"`

	// Verdict is the first verdict, which names the provider, category,
	// code, remote host and rule.
	Verdict classify.Verdict `json:"verdict"`

	Bounced  int `json:"bounced"`  // bounced delivery lines (one per recipient)
	Deferred int `json:"deferred"` // deferral lines (every retry counts)

	Messages     []Message `json:"messages"`                // affected messages, in order of first rejection (bounded, see MaxMessages)
	MoreMessages int       `json:"more_messages,omitempty"` // messages beyond MaxMessages, counted only
	// Fates counts every affected message (those beyond the list too) by
	// what became of it so far.
	Fates FateCounts `json:"fates,omitzero"`
	// Senders says who sent every affected message (those beyond the list
	// too): SASL logins, envelope senders and clients, the MaxSenders
	// most frequent of each. Set in the tracker's events, Incidents and
	// Backlog (not stored: the store has the messages).
	Senders        Who      `json:"senders,omitzero"`
	Recipients     []string `json:"recipients"` // distinct affected recipients, in order of first rejection (bounded)
	MoreRecipients int      `json:"more_recipients,omitempty"`
	Domains        []string `json:"domains"`                // distinct recipient domains, sorted (the first MaxDomains)
	MoreDomains    int      `json:"more_domains,omitempty"` // distinct recipient domains beyond MaxDomains, counted only
	Remotes        []string `json:"remotes"`                // distinct remote hosts that refused, in order seen
	// Instances are the Postfix instances whose refusals the incident
	// holds (syslog_name: "postfix", or postmulti's "postfix-out"), in
	// order seen.
	Instances []string `json:"instances,omitempty"`
	// Lists are the block lists the catalog does not know that the
	// refusals of an incident of provider "unknown" named (Verdict.List),
	// in order seen, once each (bounded, see MaxLists): one address
	// refused citing two such lists is one incident showing both.
	Lists   []string `json:"lists,omitempty"`
	Samples []string `json:"samples"` // the first raw log lines of evidence (bounded, see MaxSamples)

	// Notified is when the last notice went out (zero: none yet), and
	// Notices how many went out; the daemon sets them.
	Notified time.Time `json:"notified,omitzero"`
	Notices  int       `json:"notices,omitempty"`
}

// FateCounts counts messages by Fate.
type FateCounts struct {
	Deferred  int `json:"deferred"`
	Delivered int `json:"delivered"`
	Bounced   int `json:"bounced"`
	Expired   int `json:"expired"`
}

// add counts n (1 or -1) messages of fate f.
func (c *FateCounts) add(f fateCode, n int) {
	switch f {
	case fateDeferred:
		c.Deferred += n
	case fateDelivered:
		c.Delivered += n
	case fateBounced:
		c.Bounced += n
	case fateExpired:
		c.Expired += n
	}
}

// fateCode is a Fate in one byte, as the tracker keeps it for every
// affected message in the queue, each of its recipients and each tomb
// (a Fate is a string header, 16 bytes); fateNone is none yet, or a Fate
// the tracker does not know (one read from a store).
type fateCode uint8

const (
	fateNone fateCode = iota
	fateDeferred
	fateDelivered
	fateBounced
	fateExpired
)

var fateNames = [...]Fate{fateNone: "", fateDeferred: FateDeferred, fateDelivered: FateDelivered, fateBounced: FateBounced, fateExpired: FateExpired}

// name returns the Fate f stands for ("" for fateNone).
func (f fateCode) name() Fate { return fateNames[f] }

// codeOf returns f's code.
func codeOf(f Fate) fateCode {
	switch f {
	case FateDeferred:
		return fateDeferred
	case FateDelivered:
		return fateDelivered
	case FateBounced:
		return fateBounced
	case FateExpired:
		return fateExpired
	}
	return fateNone
}

// Bounds on what an incident keeps; counts beyond them stay exact.
const (
	// CountsOnlyMessages is how many affected messages a counts-only
	// tracker (replay) lists.
	CountsOnlyMessages = 20
	// MaxSenders is how many names of each kind Senders shows.
	MaxSenders    = 10
	MaxMessages   = 1000
	MaxRecipients = 1000
	// MaxDomains is how many recipient domains an incident keeps: the
	// first ones refused. A delivery to one of them clears the incident.
	MaxDomains   = 1000
	MaxSamples   = 5
	MaxRemotes   = 20
	MaxInstances = 20
	MaxLists     = 10
)

// EventKind says what changed.
type EventKind string

const (
	EventOpened  EventKind = "opened"  // the aggregation window ended: tell the postmaster
	EventDigest  EventKind = "digest"  // still ongoing after the renotify interval
	EventCleared EventKind = "cleared" // mail flows again
)

// Event is a notice-worthy change, with a snapshot of the incident.
type Event struct {
	Kind     EventKind `json:"kind"`
	At       time.Time `json:"at"`
	Incident Incident  `json:"incident"`
}
