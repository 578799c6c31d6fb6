package incident

import (
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/postfixlog"
)

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
	// RelayHost and RelayIP name the next hop of a delivery ("relay=
	// mx.example.com[192.0.2.1]:25"); RelayIP is empty for a local agent.
	RelayHost, RelayIP string
	Raw                string // the log line, kept as evidence
	// Instance is the Postfix instance that logged it (its syslog_name:
	// "postfix", "postfix-out").
	Instance string
	// Verdict is the verdict of a failed delivery, nil otherwise. The
	// tracker never changes it, so verdicts may be shared.
	Verdict *classify.Verdict

	// Message facts: From (KindQueued, KindPickup), MessageID
	// (KindMessageID), Login and Client (KindClient).
	From, MessageID, Login, Client string

	// Next, when set, is the queue id under which the message of Prev
	// continues (postfixlog.Record.Link: a content filter, the track
	// header, postsuper -r).
	Prev, Next string
}

// ObservationOf returns what the tracker reads of r, with v the verdict of a
// failed delivery (nil otherwise), and false when the tracker has no use
// for the record.
func ObservationOf(r *postfixlog.Record, v *classify.Verdict) (Observation, bool) {
	var o Observation
	ok := o.Set(r, v)
	return o, ok
}

// Set sets *o to what ObservationOf returns of r and v, and reports
// whether the tracker reads anything of r (o is zero when not): a replay's
// workers fill one observation per line in place, instead of returning
// and copying its fifteen strings.
func (o *Observation) Set(r *postfixlog.Record, v *classify.Verdict) bool {
	*o = Observation{Kind: r.Kind, At: r.Time, QueueID: r.QueueID}
	switch r.Kind {
	case postfixlog.KindDelivery:
		o.Status, o.To, o.RemoteHost, o.Raw, o.Verdict = r.Status, r.To, r.RemoteHost, r.Raw, v
		o.RelayHost, o.RelayIP, o.Instance = r.RelayHost, r.RelayIP, r.Instance
	case postfixlog.KindQueued, postfixlog.KindPickup:
		o.From = r.From
	case postfixlog.KindMessageID:
		o.MessageID = r.MessageID
	case postfixlog.KindClient:
		o.Login, o.Client = r.SASLUser, r.Client
	case postfixlog.KindRemoved, postfixlog.KindExpired, postfixlog.KindHeader:
	default:
		*o = Observation{}
		return false
	}
	if prev, next, _, ok := r.Link(); ok {
		o.Prev, o.Next = prev, next
	} else if r.Kind == postfixlog.KindHeader {
		*o = Observation{}
		return false
	}
	return true
}

// IsMessageFact reports whether o only tells who sent a message (sender,
// Message-ID, client, its former queue id): facts notices name.
func (o *Observation) IsMessageFact() bool {
	switch o.Kind {
	case postfixlog.KindQueued, postfixlog.KindPickup, postfixlog.KindMessageID, postfixlog.KindClient, postfixlog.KindHeader:
		return true
	}
	return false
}
