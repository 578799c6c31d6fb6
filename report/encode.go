package report

import (
	"slices"
	"strconv"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/jsonstr"
)

// The report's incidents written as JSON by hand, already indented: a
// dense log's report has thousands of them, and encoding/json (reflection,
// then escaping byte by byte, then the indenter over the whole text) was
// the largest part of what such a replay costs beyond an ordinary one.
// The bytes are exactly encoding/json's — json.Encoder with SetIndent("",
// "  "), HTML escaping included (TestEncodeIncidentAsEncoding compares the
// two on random incidents that fill every field by reflection, so a field
// added to Incident and not here fails it; internal/jsonstr's FuzzAppend
// compares the strings). What this encoder cannot write as encoding/json would (a time
// outside RFC 3339's years, which encoding/json refuses) it leaves to
// encoding/json.

// encoder appends indented JSON to b.
type encoder struct {
	b     []byte
	depth int
	// first: nothing is written yet in the object or array just opened.
	first bool
	// bad: a value encoding/json would refuse or write otherwise; the
	// caller encodes the incident with encoding/json instead.
	bad bool
	// raw: the incident's lists of log texts are as the tracker holds them
	// (rawTexts): each item is written as cleanList would keep it
	// (sanitize.Line, an empty one left out), in one pass (lines).
	raw bool
}

// indents is a line break and the indents of the deepest level written.
const indents = "\n                                        "

// newline appends to b a line break and the indent of e.depth. Up to
// depth 7 (a replay's incident reaches 6) it copies 16 bytes and cuts the
// slice back: a copy of a constant length compiles to two moves, where
// one of n bytes called memmove, a call for each member written.
func (e *encoder) newline(b []byte) []byte {
	if n := 1 + 2*e.depth; n <= 16 {
		l := len(b)
		return append(b, indents[:16]...)[:l+n]
	} else if n <= len(indents) {
		return append(b, indents[:n]...)
	}
	b = append(b, '\n')
	for range e.depth {
		b = append(b, ' ', ' ')
	}
	return b
}

func (e *encoder) open(c byte) {
	e.b = append(e.b, c)
	e.depth++
	e.first = true
}

func (e *encoder) close(c byte) {
	e.depth--
	b := e.b
	if !e.first {
		b = e.newline(b)
	}
	e.first = false
	e.b = append(b, c)
}

// next appends to b what comes before an element or member: a comma
// after one before it, a line break and the indent.
func (e *encoder) next(b []byte) []byte {
	if !e.first {
		b = append(b, ',')
	}
	e.first = false
	return e.newline(b)
}

// elem starts an array element.
func (e *encoder) elem() { e.b = e.next(e.b) }

// key starts an object member; k needs no escaping (a field name). It
// appends to a local slice and stores e.b once (each append to e.b
// stored its three words back, the pointer with a write barrier's test).
func (e *encoder) key(k string) {
	b := append(e.next(e.b), '"')
	b = append(b, k...)
	e.b = append(b, '"', ':', ' ')
}

func (e *encoder) str(k, s string) {
	e.key(k)
	e.b = jsonstr.Append(e.b, s)
}

// strOmit writes a member tagged omitempty.
func (e *encoder) strOmit(k, s string) {
	if s != "" {
		e.str(k, s)
	}
}

func (e *encoder) int(k string, n int64) {
	e.key(k)
	e.b = strconv.AppendInt(e.b, n, 10)
}

func (e *encoder) bool(k string, v bool) {
	e.key(k)
	e.b = strconv.AppendBool(e.b, v)
}

func (e *encoder) time(k string, t time.Time) {
	e.key(k)
	n := len(e.b)
	e.b = append(e.b, '"')
	e.b = appendTime(e.b, t)
	// time.Time.MarshalJSON refuses a year not of four digits and a zone
	// of 24 hours or more (see its appendStrictRFC3339).
	if len(e.b) < n+6 || e.b[n+5] != '-' {
		e.bad = true
	} else if z := e.b[len(e.b)-6:]; e.b[len(e.b)-1] != 'Z' && (z[0] >= '0' && z[0] <= '9' || 10*(z[1]-'0')+z[2]-'0' >= 24) {
		e.bad = true
	}
	e.b = append(e.b, '"')
}

// appendTime appends t as t.AppendFormat(b, time.RFC3339Nano) does. A
// whole second at offset 0 in the years 0–9999 (each time of a replay of
// a log read in UTC) is written from its date and clock: AppendFormat
// took ~500 instructions for one (the layout's dispatch, the location
// looked up for the date and again for the clock), three an incident.
func appendTime(b []byte, t time.Time) []byte {
	if _, off := t.Zone(); off != 0 || t.Nanosecond() != 0 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	u := t.UTC()
	y, mo, d := u.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	h, mi, s := u.Clock()
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10), 'Z')
}

func (e *encoder) strings(k string, list []string) {
	e.key(k)
	if list == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for _, s := range list {
		e.elem()
		e.b = jsonstr.Append(e.b, s)
	}
	e.close(']')
}

// text writes a member whose value is a text of the log (appendText).
func (e *encoder) text(k, s string, max int) {
	e.key(k)
	e.appendText(s, max)
}

// textOmit writes a text member tagged omitempty: left out when it is
// empty, or sanitizes to nothing.
func (e *encoder) textOmit(k, s string, max int) {
	if s == "" {
		return
	}
	mark, first := len(e.b), e.first
	e.key(k)
	n := len(e.b)
	if e.appendText(s, max); len(e.b) == n+2 { // ""
		e.b, e.first = e.b[:mark], first
	}
}

// appendText appends a text of the log: sanitized as it is written
// (jsonstr.AppendLine) when the incident's texts are raw, else as it is.
func (e *encoder) appendText(s string, max int) {
	if e.raw {
		e.b = jsonstr.AppendLine(e.b, s, max)
	} else {
		e.b = jsonstr.Append(e.b, s)
	}
}

// texts writes a list of log texts: sanitized as it is written (lines)
// when they are raw, else as it is (strings).
func (e *encoder) texts(k string, list []string, max int) {
	if e.raw {
		e.lines(k, list, max)
	} else {
		e.strings(k, list)
	}
}

// lines writes list as strings writes cleanList(list, max): each item
// sanitized and quoted in one pass (jsonstr.AppendLine), an item that
// sanitizes to nothing left out, [] for none.
func (e *encoder) lines(k string, list []string, max int) {
	e.key(k)
	e.open('[')
	for _, s := range list {
		mark, first := len(e.b), e.first
		e.elem()
		n := len(e.b)
		if e.b = jsonstr.AppendLine(e.b, s, max); len(e.b) == n+2 { // ""
			e.b, e.first = e.b[:mark], first
		}
	}
	e.close(']')
}

// counts writes a list of names and their messages, each an object of
// the same two members written at once (a dense log's report has 11,350:
// through elem, open, text, int and close each was seven calls).
func (e *encoder) counts(k string, list []incident.Count) {
	e.key(k)
	if list == nil {
		e.b = append(e.b, "null"...)
		return
	}
	e.open('[')
	for _, c := range list {
		b := append(e.next(e.b), '{')
		e.depth++
		e.b = append(e.newline(b), `"name": `...)
		e.appendText(c.Name, maxField)
		b = append(e.newline(append(e.b, ',')), `"messages": `...)
		b = strconv.AppendInt(b, int64(c.Messages), 10)
		e.depth--
		e.b = append(e.newline(b), '}')
	}
	e.close(']')
}

// incident appends inc as json.Encoder with SetIndent("", "  ") writes it
// at depth levels of indent (without the line break it ends with).
func (e *encoder) incident(inc *Incident) {
	e.open('{')
	e.str("id", inc.ID)
	e.str("provider", inc.Provider)
	e.str("provider_name", inc.ProviderName)
	e.strOmit("kind", inc.Kind)
	e.str("listed", inc.Listed)
	e.str("status", inc.Status)
	e.time("first_seen", inc.FirstSeen)
	e.time("last_seen", inc.LastSeen)
	if inc.ClearedAt != nil {
		e.time("cleared_at", *inc.ClearedAt)
	}
	e.int("messages", int64(inc.Messages))
	e.int("recipients", int64(inc.Recipients))
	e.int("bounced", int64(inc.Bounced))
	e.int("deferred", int64(inc.Deferred))
	e.texts("domains", inc.Domains, maxField)
	if inc.MoreDomains != 0 {
		e.int("more_domains", int64(inc.MoreDomains))
	}
	e.texts("remotes", inc.Remotes, maxField)
	e.key("fates")
	if inc.Fates == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.open('{')
		var room [8]string // the fates: four words
		for _, f := range sortedKeys(room[:0], inc.Fates) {
			e.elem()
			e.b = jsonstr.Append(e.b, f)
			e.b = append(e.b, ':', ' ')
			e.b = strconv.AppendInt(e.b, int64(inc.Fates[f]), 10)
		}
		e.close('}')
	}
	e.str("category", inc.Category)
	e.int("code", int64(inc.Code))
	e.str("enhanced", inc.Enhanced)
	e.bool("temporary", inc.Temporary)
	if inc.ReceiverFault {
		e.bool("receiver_fault", true)
	}
	e.strOmit("via", inc.Via)
	e.strOmit("via_name", inc.ViaName)
	e.strOmit("found", inc.Found)
	e.strOmit("found_note", inc.FoundNote)
	e.strOmit("list", inc.List)
	e.str("reply", inc.Reply)
	e.strOmit("meaning", inc.Meaning)
	e.strOmit("historical", inc.Historical)
	if len(inc.Steps) > 0 {
		e.strings("steps", inc.Steps)
	}
	e.strOmit("removal_time", inc.RemovalTime)
	e.strOmit("role_note", inc.RoleNote)
	e.strOmit("lookup_url", inc.LookupURL)
	e.strOmit("removal_url", inc.RemovalURL)
	e.texts("samples", inc.Samples, maxSample)

	w := &inc.Senders
	e.key("senders")
	e.open('{')
	e.int("messages", int64(w.Messages))
	if w.Window != 0 {
		e.int("window", int64(w.Window))
	}
	e.counts("logins", w.Logins)
	e.counts("senders", w.Senders)
	e.counts("clients", w.Clients)
	for _, m := range []struct {
		k string
		n int
	}{{"more_logins", w.MoreLogins}, {"more_senders", w.MoreSenders}, {"more_clients", w.MoreClients}} {
		if m.n != 0 {
			e.int(m.k, int64(m.n))
		}
	}
	e.close('}')

	e.key("affected_messages")
	if inc.AffectedMessages == nil {
		e.b = append(e.b, "null"...)
	} else {
		e.open('[')
		for i := range inc.AffectedMessages {
			m := &inc.AffectedMessages[i]
			e.elem()
			e.open('{')
			e.texts("queue_ids", m.QueueIDs, maxField)
			if m.From == nil {
				e.key("from")
				e.b = append(e.b, "null"...)
			} else {
				e.text("from", *m.From, maxField)
			}
			e.textOmit("login", m.Login, maxField)
			e.textOmit("client", m.Client, maxField)
			e.texts("recipients", m.Recipients, maxField)
			e.str("fate", m.Fate)
			e.close('}')
		}
		e.close(']')
	}
	e.close('}')
}

// sortedKeys appends the keys of m to keys, sorted.
func sortedKeys(keys []string, m map[string]int) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
