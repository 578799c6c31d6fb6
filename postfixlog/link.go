package postfixlog

import (
	"net/netip"
	"strings"
)

// LinkVia says how the log ties two queue ids of one message together.
type LinkVia string

const (
	// ViaFilter: the message was handed to a content filter on this host
	// (amavis, an SMTP proxy), which queued it again: the filter's reply
	// to the delivery names the new queue id ("250 2.0.0 Ok: queued as
	// NEXT", as Postfix's smtpd words it; amavis quotes that reply).
	ViaFilter LinkVia = "filter"
	// ViaHeader: the track header rblwatch's milter added
	// (X-Rblwatch-Track: QUEUEID-xxxxxxxx) is still in the message queued
	// again, and a header_checks INFO rule logged it with the new queue
	// id.
	ViaHeader LinkVia = "header"
	// ViaRequeue: "postsuper -r" requeued the message; pickup logged its
	// new queue id with orig_id=.
	ViaRequeue LinkVia = "requeue"
)

// Link returns the queue ids r ties together: the message under next
// continues the one under prev (both valid queue ids, never equal).
func (r *Record) Link() (prev, next string, via LinkVia, ok bool) {
	switch r.Kind {
	case KindPickup:
		if r.OrigQueueID != "" && r.OrigQueueID != r.QueueID && ValidQueueID(r.QueueID) {
			return r.OrigQueueID, r.QueueID, ViaRequeue, true
		}
	case KindHeader:
		if q, ok := TrackQueueID(r.HeaderValue); ok && q != r.QueueID && ValidQueueID(r.QueueID) {
			return q, r.QueueID, ViaHeader, true
		}
	case KindDelivery:
		if r.Status != "sent" || !r.localRelay() || !ValidQueueID(r.QueueID) {
			return "", "", "", false
		}
		if q := QueuedAs(r.Detail); q != "" && q != r.QueueID {
			return r.QueueID, q, ViaFilter, true
		}
	}
	return "", "", "", false
}

// localRelay reports whether a delivery went to a server on this host:
// content filters listen on loopback (relay=127.0.0.1[127.0.0.1]:10024,
// [::1], localhost). A remote server's "queued as" names its own queue.
func (r *Record) localRelay() bool {
	if r.RelayHost == "localhost" {
		return true
	}
	// A loopback address starts with "127." or, in IPv6 (::1, its long
	// forms, ::ffff:127.0.0.1), with a zero group or "::": others need no
	// parsing (this runs for every delivery line).
	if ip := r.RelayIP; ip == "" || !strings.HasPrefix(ip, "127.") && ip[0] != ':' && ip[0] != '0' {
		return false
	}
	a, err := netip.ParseAddr(r.RelayIP)
	return err == nil && a.Unmap().IsLoopback()
}

// QueuedAs returns the queue id in the last "queued as QID" of a delivery's
// reply, "" when there is none or it is not a Postfix queue id.
func QueuedAs(detail string) string {
	i := strings.LastIndex(detail, "queued as ")
	if i < 0 {
		return ""
	}
	s := detail[i+len("queued as "):]
	n := 0
	for n < len(s) && n < 33 && (s[n] >= '0' && s[n] <= '9' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= 'a' && s[n] <= 'z') {
		n++
	}
	if q := s[:n]; ValidQueueID(q) {
		return q
	}
	return ""
}

// TrackQueueID returns the queue id a track header's value names: rblwatch's
// milter writes "QUEUEID-" and 8 lower-case hex digits (milter.TrackID).
func TrackQueueID(value string) (string, bool) {
	i := strings.LastIndexByte(value, '-')
	if i < 0 || len(value)-i-1 != 8 {
		return "", false
	}
	for _, c := range value[i+1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	if q := value[:i]; ValidQueueID(q) {
		return q, true
	}
	return "", false
}
