// Package report renders what rblwatch found for a person or a script: the
// audit of a replay as text, JSON or a single self-contained HTML page
// (Build turns a replay result into a Report; the writers render it), the
// DNSBL status of `rblwatch check`, and the tracked messages of `rblwatch
// messages`. Everything that comes from the log is remote-
// controlled text: the text writer strips control characters, the HTML
// writer escapes through html/template, JSON escapes by construction.
package report

import (
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/internal/sanitize"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// Report is the audit of a replay. Its JSON form is a stable contract
// (DESIGN.md, CLI): scripts and tests depend on the field names.
type Report struct {
	Files    []string   `json:"files"`
	Since    *time.Time `json:"since,omitempty"`
	Until    *time.Time `json:"until,omitempty"`
	First    *time.Time `json:"first_line,omitempty"`
	Last     *time.Time `json:"last_line,omitempty"`
	Lines    int64      `json:"lines"`
	Unparsed int64      `json:"unparsed"`
	Foreign  int64      `json:"foreign"`
	Skipped  int64      `json:"skipped,omitempty"`
	TooLong  int64      `json:"too_long,omitempty"`
	// Folded counts the refusals counted with no listed address because
	// their receiver named too many addresses that are not ours
	// (ingest.AddressBound).
	Folded int64 `json:"folded_rejections,omitempty"`
	// FoldedBy names the caps the refusals were folded by, which the text
	// and HTML reports say too; only with Folded (a cap of 0 is a cap).
	FoldedBy *FoldCaps `json:"folded_by,omitempty"`
	// EvictedQueueIDs counts the queue ids forgotten past
	// incident.MaxQueueIDs held at once, their removal never logged (the
	// later fates of their messages are not counted); UntoldRecipients
	// the recipients and domains counted as new past
	// incident.MaxDistinct told apart (incident.Bounds).
	EvictedQueueIDs  int64 `json:"evicted_queue_ids,omitempty"`
	UntoldRecipients int64 `json:"untold_recipients,omitempty"`
	// Redated counts, by reason ("untimed", "ahead"), the lines read at
	// another time than their stamp says (ingest.Clock): no time, or one
	// before 2000, dated at the line before; more than a day after the
	// lines around them, dated at the line before.
	Redated map[string]int64 `json:"redated_lines,omitempty"`
	// UnparsedByService counts unparsed lines per Postfix service ("-" for
	// lines without a readable syslog prefix).
	UnparsedByService map[string]int64 `json:"unparsed_by_service,omitempty"`
	Totals            pipeline.Totals  `json:"totals"`
	// Failures counts deferral and bounce lines by category.
	Failures  map[string]int64 `json:"failures"`
	Incidents []Incident       `json:"incidents"`
}

// Incident is one (provider, listed) episode as the report shows it.
type Incident struct {
	ID           string     `json:"id"`
	Provider     string     `json:"provider"`
	ProviderName string     `json:"provider_name"`
	Kind         string     `json:"kind,omitempty"` // dnsbl or proprietary
	Listed       string     `json:"listed"`
	Status       string     `json:"status"` // "ongoing" or "cleared"
	FirstSeen    time.Time  `json:"first_seen"`
	LastSeen     time.Time  `json:"last_seen"`
	ClearedAt    *time.Time `json:"cleared_at,omitempty"`
	Messages     int        `json:"messages"`
	Recipients   int        `json:"recipients"`
	Bounced      int        `json:"bounced"`
	Deferred     int        `json:"deferred"`
	Domains      []string   `json:"domains"`
	// MoreDomains counts the distinct recipient domains beyond Domains,
	// which holds the first incident.MaxDomains.
	MoreDomains int      `json:"more_domains,omitempty"`
	Remotes     []string `json:"remotes"`
	// Fates counts the affected messages by what became of them:
	// delivered (later), bounced, expired, deferred (still queued).
	Fates         map[string]int `json:"fates"`
	Category      string         `json:"category"`
	Code          int            `json:"code"`
	Enhanced      string         `json:"enhanced"`
	Temporary     bool           `json:"temporary"`
	ReceiverFault bool           `json:"receiver_fault,omitempty"`
	Via           string         `json:"via,omitempty"`
	ViaName       string         `json:"via_name,omitempty"`
	// Found says how the provider was found (classify.Verdict.Found):
	// named, code, url, relay or generic.
	Found string `json:"found,omitempty"`
	// FoundNote says Found in words, in the report's language, as explain
	// says it ("named in the reply", "inferred from the receiver's mail
	// host: its own system refused us").
	FoundNote string `json:"found_note,omitempty"`
	// List is a DNS list the reply names that the catalog does not know
	// (provider "unknown"); ProviderName shows it.
	List        string   `json:"list,omitempty"`
	Reply       string   `json:"reply"` // the first reply, sanitised and length-limited
	Meaning     string   `json:"meaning,omitempty"`
	Historical  string   `json:"historical,omitempty"`
	Steps       []string `json:"steps,omitempty"` // what to do, from the catalog
	RemovalTime string   `json:"removal_time,omitempty"`
	RoleNote    string   `json:"role_note,omitempty"` // who files the removal, for Options.Role
	LookupURL   string   `json:"lookup_url,omitempty"`
	RemovalURL  string   `json:"removal_url,omitempty"`
	Samples     []string `json:"samples"`
	// Senders says who sent the refused mail: the SASL logins, envelope
	// senders and clients of the affected messages, with counts
	// (incident.Incident.Senders; texts sanitised).
	Senders incident.Who `json:"senders"`
	// AffectedMessages are the first refused messages (those the incident
	// kept: a replay keeps a few), each with every queue id it had (a
	// content filter or postsuper -r queued it again), who sent it and
	// what became of it.
	AffectedMessages []Message `json:"affected_messages"`
	// Rejections count the rejections over time, for the HTML timeline.
	Rejections *pipeline.Histogram `json:"-"`
}

// Message is one refused message of an incident.
type Message struct {
	QueueIDs   []string `json:"queue_ids"`
	From       *string  `json:"from"` // "" for the null sender, null when the log did not name it
	Login      string   `json:"login,omitempty"`
	Client     string   `json:"client,omitempty"`
	Recipients []string `json:"recipients"`
	Fate       string   `json:"fate"`
}

// Bounds on the lists of who sent an incident's mail.
const (
	maxListed  = incident.CountsOnlyMessages // affected messages listed per incident (JSON; the text and HTML show fewer)
	maxShown   = 10                          // of those, in the text and HTML reports
	maxSenders = incident.MaxSenders         // names per list of Senders
)

// Options for Build.
type Options struct {
	Catalog *classify.Catalog
	Lang    string // "en" or "ja"
	Files   []string
	Since   time.Time
	Until   time.Time
	// Role is who we are for the listed addresses (classify.Role): the
	// steps follow it (a customer asks the hosting company rather than
	// filing removals; an operator finds the customer behind a listing).
	Role classify.Role
}

// Bounds, in runes, on the remote texts the report quotes: a reply
// (Postfix itself keeps at most ~2000), a log line, a name.
const (
	maxReply  = 600
	maxSample = 1000
	maxField  = 254
)

// Build turns a replay result into a report.
// FoldCaps are the bounds on the addresses that are not ours a replay
// counted refusals by (ingest.AddressBound): at most PerReceiver for one
// receiver, ForeignAddresses for all together, within a day.
type FoldCaps struct {
	PerReceiver      int `json:"per_receiver"`
	ForeignAddresses int `json:"foreign_addresses"`
}

func Build(res *pipeline.Result, opts Options) *Report {
	rep := head(res, opts)
	// Each incident on its own, side by side: a dense log's report has
	// thousands, and nothing else runs once the log is read.
	rep.Incidents = make([]Incident, len(res.Incidents))
	parallelShares(len(res.Incidents), func(_, from, to int) error {
		b := builder{opts: opts}
		for i := from; i < to; i++ {
			b.incident(&rep.Incidents[i], &res.Incidents[i], res.Rejections)
		}
		return nil
	})
	return rep
}

// Write writes the report of a replay in format (text, json or html), as
// Build then WriteText, WriteJSON or WriteHTML (opts.Lang) write it, byte
// for byte. The text and JSON writers build each incident as they write
// it, in room the next one reuses: a dense log's report has thousands of
// incidents, and built all at once beside the replay's own they were
// megabytes of garbage at the end of a replay whose heap is near its
// limit, often enough for one more collection.
func Write(w io.Writer, res *pipeline.Result, opts Options, format string) error {
	list := incidentList{res: res, opts: opts}
	switch format {
	case "json":
		list.texts = rawTexts
		return writeJSON(w, head(res, opts), list)
	case "text":
		list.texts = noSamples
		return writeText(w, head(res, opts), opts.Lang, list)
	case "html":
		return WriteHTML(w, Build(res, opts), opts.Lang)
	}
	return fmt.Errorf("report: unknown format %q", format)
}

// incidentList is what the writers read a report's incidents from: a
// built report's (Report.Incidents), or a replay's (res), each built as it
// is written, by a builder into a slot it reuses (see builder.reuse).
type incidentList struct {
	built []Incident
	res   *pipeline.Result
	opts  Options
	// texts: what the incidents built from res hold of the texts of
	// the log.
	texts logTexts
}

// logTexts is what a builder makes of the lists of an incident that hold
// texts of the log (remote-controlled): its domains, remotes and samples
// (its log lines: 1.7 MB of a dense log's 6.9 MB of JSON), its messages'
// queue ids and recipients.
type logTexts uint8

const (
	// cleanTexts: each item sanitized (cleanList), as Build makes them.
	cleanTexts logTexts = iota
	// rawTexts: the lists as the tracker holds them; the JSON writer
	// sanitizes each item as it quotes it (encoder.raw,
	// jsonstr.AppendLine), reading it once, not twice.
	rawTexts
	// noSamples: sanitized, and no samples: the text report shows none.
	noSamples
)

// builtList is rep's incidents.
func builtList(rep *Report) incidentList { return incidentList{built: rep.Incidents} }

func (l *incidentList) len() int {
	if l.res != nil {
		return len(l.res.Incidents)
	}
	return len(l.built)
}

// at returns the ith incident: a built one, or the replay's built by b in
// slot (its last incident reused).
func (l *incidentList) at(i int, b *builder, slot *Incident) *Incident {
	if l.res == nil {
		return &l.built[i]
	}
	if i+1 < len(l.res.Incidents) {
		b.sink ^= readAhead(&l.res.Incidents[i+1])
	}
	b.incident(slot, &l.res.Incidents[i], l.res.Rejections)
	return slot
}

// newBuilder returns a builder for at, one for each goroutine.
func (l *incidentList) newBuilder() *builder {
	return &builder{opts: l.opts, reuse: true, texts: l.texts}
}

// raw reports whether the incidents at returns hold their lists of log
// texts as the tracker does (rawTexts).
func (l *incidentList) raw() bool { return l.res != nil && l.texts == rawTexts }

// counts returns how many incidents are ongoing and cleared, and their
// messages, as Report.counts counts the built ones.
func (l *incidentList) counts() (ongoing, cleared, messages int) {
	if l.res == nil {
		return (&Report{Incidents: l.built}).counts()
	}
	for i := range l.res.Incidents {
		inc := &l.res.Incidents[i]
		if inc.Status == incident.Cleared {
			cleared++
		} else {
			ongoing++
		}
		messages += len(inc.Messages) + inc.MoreMessages
	}
	return
}

// head is the report of res without its incidents (Build).
func head(res *pipeline.Result, opts Options) *Report {
	rep := &Report{
		Files:             opts.Files,
		Since:             timePtr(opts.Since),
		Until:             timePtr(opts.Until),
		First:             timePtr(res.First),
		Last:              timePtr(res.Last),
		Lines:             res.Lines,
		Unparsed:          res.Unparsed,
		Foreign:           res.Foreign,
		Skipped:           res.Skipped,
		TooLong:           res.TooLong,
		Folded:            res.Folded,
		EvictedQueueIDs:   res.Bounds.Evicted,
		UntoldRecipients:  res.Bounds.Untold,
		Totals:            res.Totals,
		Failures:          map[string]int64{},
		Incidents:         []Incident{},
		UnparsedByService: map[string]int64{},
	}
	if res.Folded > 0 {
		rep.FoldedBy = &FoldCaps{PerReceiver: ingest.MaxAddressesPerReceiver, ForeignAddresses: res.ForeignAddresses}
	}
	if rep.Files == nil {
		rep.Files = []string{}
	}
	for i, n := range res.Redated {
		if n > 0 {
			if rep.Redated == nil {
				rep.Redated = map[string]int64{}
			}
			rep.Redated[ingest.RedatedNames[i]] = n
		}
	}
	for s, n := range res.UnparsedByService {
		if s == "" {
			s = "-"
		}
		rep.UnparsedByService[s] = n
	}
	for c, n := range res.Failures {
		rep.Failures[string(c)] = n
	}
	return rep
}

// parallelShares cuts 0 … n-1 into contiguous shares, in order, one for
// each of up to GOMAXPROCS goroutines, and runs fn(k, from, to) for share
// k = 0, 1, … on its own goroutine (on the caller's when there is one). It
// returns the number of shares and the error of the first share that
// failed.
func parallelShares(n int, fn func(k, from, to int) error) (int, error) {
	w := min(runtime.GOMAXPROCS(0), n/minShare)
	if w <= 1 {
		if n == 0 {
			return 0, nil
		}
		return 1, fn(0, 0, n)
	}
	errs := make([]error, w)
	var wg sync.WaitGroup
	for k := range w {
		wg.Go(func() { errs[k] = fn(k, k*n/w, (k+1)*n/w) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return w, err
		}
	}
	return w, nil
}

// minShare is the fewest items a goroutine of parallelShares is given: below
// that, starting it costs more than it saves.
const minShare = 16

// builder builds incidents of a report (Build, one per share of them):
// what incidents have in common is worked out once. The incidents it
// builds share their read-only parts with the result they come from, and
// with each other.
type builder struct {
	opts Options
	// reuse: each incident is built in the slot of the one before, which
	// the caller is done with; its fates' map, messages and their
	// senders' room are reused.
	reuse bool
	// texts: what the incidents hold of the log's texts (cleanTexts in a
	// Report).
	texts logTexts
	froms []string // the messages' senders' room (reuse)
	ids   []string // the messages' queue ids' room (reuse)
	// advice holds what Catalog.Explain says of a verdict that the
	// report shows, by the verdict's fields it depends on (explainKey):
	// a dense log's incidents are of a few hundred kinds.
	advice map[classify.Verdict]classify.Explanation
	// parser reads each incident's first sample for its reply (Reset to
	// the incident's first time).
	parser postfixlog.Parser
	// sink keeps what readAhead read.
	sink byte
}

// explainKey is the part of v that decides what a report shows of its
// explanation (ProviderName, Meaning, Steps, RemovalTime, RoleNote): the
// listed address, remote host, command, codes, how it was found and who
// relayed it change only what the report does not show (its status,
// links, notes).
func explainKey(v *classify.Verdict) classify.Verdict {
	return classify.Verdict{Provider: v.Provider, Category: v.Category, Rule: v.Rule, List: v.List, ReceiverFault: v.ReceiverFault}
}

// explain returns Explain's explanation of v as far as the report shows
// it (explainKey).
func (b *builder) explain(c *classify.Catalog, v *classify.Verdict, opts Options) classify.Explanation {
	k := explainKey(v)
	if e, ok := b.advice[k]; ok {
		return e
	}
	e := c.Explain(k, opts.Lang, opts.Role)
	if b.advice == nil {
		b.advice = map[classify.Verdict]classify.Explanation{}
	}
	b.advice[k] = e
	return e
}

// incident builds in out inc as the report shows it (Build), the
// incident's histogram taken from rejections. Without reuse, out is
// zero.
func (b *builder) incident(out *Incident, inc *incident.Incident, rejections map[string]*pipeline.Histogram) {
	opts := b.opts
	v := &inc.Verdict
	fates, affected := out.Fates, out.AffectedMessages[:0]
	texts, line := cleanList, sanitize.Line
	if b.texts == rawTexts {
		texts, line = rawList, rawLine
	}
	if fates == nil {
		fates = map[string]int{}
	} else {
		clear(fates)
	}
	*out = Incident{
		ID:            inc.ID,
		Provider:      inc.Provider,
		ProviderName:  inc.Provider,
		Listed:        inc.Listed,
		Status:        string(inc.Status),
		FirstSeen:     inc.FirstSeen,
		LastSeen:      inc.LastSeen,
		Messages:      len(inc.Messages) + inc.MoreMessages,
		Recipients:    len(inc.Recipients) + inc.MoreRecipients,
		Bounced:       inc.Bounced,
		Deferred:      inc.Deferred,
		Domains:       texts(inc.Domains, maxField),
		MoreDomains:   inc.MoreDomains,
		Remotes:       texts(inc.Remotes, maxField),
		Fates:         fates,
		Category:      string(v.Category),
		Code:          v.Code,
		Enhanced:      v.Enhanced,
		Temporary:     v.Temporary,
		ReceiverFault: v.ReceiverFault,
		Via:           v.Via,
		Found:         v.Found,
		List:          v.List,
		Rejections:    rejections[inc.ID],
	}
	if b.texts != noSamples {
		out.Samples = texts(inc.Samples, maxSample)
	}
	if !inc.ClearedAt.IsZero() {
		out.ClearedAt = &inc.ClearedAt
	}
	if out.Status == string(incident.Open) {
		out.Status = string(incident.Ongoing)
	}
	for _, f := range [...]struct {
		fate incident.Fate
		n    int
	}{{incident.FateDeferred, inc.Fates.Deferred}, {incident.FateDelivered, inc.Fates.Delivered},
		{incident.FateBounced, inc.Fates.Bounced}, {incident.FateExpired, inc.Fates.Expired}} {
		if f.n > 0 {
			out.Fates[string(f.fate)] = f.n
		}
	}
	out.Senders = incidentSenders(inc, b.texts == rawTexts)
	// The messages' lists and senders in one allocation each, not one
	// per message.
	msgs := inc.Messages[:min(len(inc.Messages), maxListed)]
	if affected == nil || cap(affected) < len(msgs) {
		affected = make([]Message, 0, len(msgs))
	}
	out.AffectedMessages = affected
	var froms, ids []string
	if b.reuse {
		froms, ids = b.froms[:0], b.ids[:0]
	}
	froms = append(froms, make([]string, len(msgs))...)
	for i := range msgs {
		m := &msgs[i]
		qids := m.QueueIDs
		if len(qids) == 0 {
			if ids == nil {
				ids = make([]string, len(msgs))
			} else if len(ids) < len(msgs) {
				ids = append(ids[:0], make([]string, len(msgs))...)
			}
			ids[i] = m.QueueID
			qids = ids[i : i+1 : i+1]
		}
		var from *string
		if m.FromKnown {
			froms[i] = line(m.From, maxField)
			from = &froms[i]
		}
		out.AffectedMessages = append(out.AffectedMessages, Message{QueueIDs: texts(qids, maxField),
			From: from, Login: line(m.Login, maxField), Client: line(m.Client, maxField),
			Recipients: texts(m.Recipients, maxField), Fate: string(m.Fate)})
	}
	if len(inc.Samples) > 0 {
		var r postfixlog.Record
		b.parser.Reset(inc.FirstSeen, time.UTC)
		if b.parser.Parse(inc.Samples[0], &r) == nil {
			out.Reply = sanitize.Line(r.Reply.Text, maxReply)
		}
	}
	if opts.Catalog != nil {
		if p := opts.Catalog.Provider(inc.Provider); p != nil {
			out.ProviderName = p.Name
			if v.List != "" && inc.Provider == classify.Unknown {
				out.ProviderName = v.List
			}
			out.Kind = string(p.Kind)
			out.Meaning = p.Meaning.Get(opts.Lang)
			out.Historical = p.Historical
			target := inc.Listed
			out.LookupURL = p.LookupLink(target)
			// The rule that matched may have its own removal page, as
			// explain and the notices say (Outlook.com's blocks: the
			// consumer sender support form).
			rp := *p
			if r := p.RuleOf(v.Rule); r != nil && r.RemovalURL != "" {
				rp.RemovalURL = r.RemovalURL
			}
			out.RemovalURL = rp.RemovalLink(target)
		}
		if p := opts.Catalog.Provider(v.Via); p != nil {
			out.ViaName = p.Name
		}
		out.FoundNote = opts.Catalog.FoundNote(v.Found, opts.Lang)
		e := b.explain(opts.Catalog, v, opts)
		if inc.Provider == classify.Unknown {
			out.ProviderName = e.ProviderName // the list the reply names, or "unnamed" in opts.Lang
			if len(inc.Lists) > 1 {
				if p := opts.Catalog.NamedLists(inc.Lists); p != nil {
					// Several lists the replies named: each by its name
					// and with its step, as the notice gives them.
					out.ProviderName, e.Meaning = p.Name, p.Meaning.Get(opts.Lang)
					e.Steps = classify.RoleSteps(opts.Role, opts.Lang, classify.Steps(p.Advice.Get(opts.Lang)))
				}
			}
		}
		if out.Status != string(incident.Cleared) { // what to do matters while it lasts
			out.Steps, out.RemovalTime, out.RoleNote = e.Steps, e.RemovalTime, e.RoleNote
		}
		if e.Meaning != "" {
			out.Meaning = e.Meaning
		}
	}
	if b.reuse {
		b.froms, b.ids = froms, ids
	}
}

// incidentSenders is who sent an incident's messages, every one as the
// tracker counted them (else those it listed), with sanitised names
// (cleanCounts) unless raw (rawTexts: the JSON writer sanitizes each as
// it writes it).
func incidentSenders(inc *incident.Incident, raw bool) incident.Who {
	w := inc.Senders
	if w.Messages == 0 {
		w = incident.WhoSent(inc.Messages, maxSenders)
	}
	for _, l := range whoLists(&w) {
		if !raw {
			cleanCounts(l)
		}
		if *l == nil {
			*l = []incident.Count{}
		}
	}
	return w
}

// whoLists is w's lists of names.
func whoLists(w *incident.Who) [3]*[]incident.Count {
	return [...]*[]incident.Count{&w.Logins, &w.Senders, &w.Clients}
}

// cleanCounts sanitises the names of *l, as a copy of it when that
// changes a name (the list as it is when it changes none).
func cleanCounts(l *[]incident.Count) {
	for i, x := range *l {
		if name := sanitize.Line(x.Name, maxField); name != x.Name {
			c := make([]incident.Count, len(*l))
			copy(c, *l)
			for j := i; j < len(c); j++ {
				c[j].Name = sanitize.Line(c[j].Name, maxField)
			}
			*l = c
			return
		}
	}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// clean shows a text through the one sanitizer (internal/sanitize), with
// no length limit: every text of the report that comes from the log, a
// remote server or a file name passes through it before it is printed.
func clean(s string) string { return sanitize.Line(s, 0) }

// cleanList sanitises each item (at most max runes), dropping empty ones;
// it returns items itself when that changes none (the report only reads
// it), and a list, empty or not, for nil.
func cleanList(items []string, max int) []string {
	for i, s := range items {
		if c := sanitize.Line(s, max); c != s || c == "" {
			out := make([]string, i, len(items))
			copy(out, items[:i])
			for _, s := range items[i:] {
				if c := sanitize.Line(s, max); c != "" {
					out = append(out, c)
				}
			}
			return out
		}
	}
	if items == nil {
		return []string{}
	}
	return items
}

// rawList is items as they are, for the JSON writer to sanitize as it
// writes them (rawTexts).
func rawList(items []string, _ int) []string { return items }

// rawLine is s as it is, for the JSON writer to sanitize as it writes it
// (rawTexts), where sanitize.Line makes it a text of a built report.
func rawLine(s string, _ int) string { return s }

// cleanRaw sanitizes in place the lists of log texts of an incident built
// with rawTexts, as cleanTexts builds them.
func cleanRaw(inc *Incident) {
	inc.Domains, inc.Remotes = cleanList(inc.Domains, maxField), cleanList(inc.Remotes, maxField)
	inc.Samples = cleanList(inc.Samples, maxSample)
	for i := range inc.AffectedMessages {
		m := &inc.AffectedMessages[i]
		m.QueueIDs, m.Recipients = cleanList(m.QueueIDs, maxField), cleanList(m.Recipients, maxField)
		if m.From != nil {
			from := sanitize.Line(*m.From, maxField)
			m.From = &from
		}
		m.Login, m.Client = sanitize.Line(m.Login, maxField), sanitize.Line(m.Client, maxField)
	}
	for _, l := range whoLists(&inc.Senders) {
		cleanCounts(l)
	}
}

// readAhead reads the first byte of each cache line of the texts of inc
// that the report shows (samples, domains, remotes, who sent it, its
// messages' addresses and queue ids), before it is built and written.
// They were copied from the log, one allocation each, long before: each
// was a cache miss when the sanitizer came to it, and those misses were
// most of the report's cost (a dense log's report: 1,279 incidents and
// their 1.7 MB of samples, ~50,000 texts). At the next incident's turn,
// while this one is built and written, these independent loads are
// outstanding side by side, not one after the other. It changes nothing
// but what is in the caches; what it returns only keeps the loads from
// being left out (builder.sink).
func readAhead(inc *incident.Incident) byte {
	x := readList(inc.Samples) ^ readList(inc.Domains) ^ readList(inc.Remotes)
	for _, l := range [...][]incident.Count{inc.Senders.Logins, inc.Senders.Senders, inc.Senders.Clients} {
		for _, c := range l {
			x ^= first(c.Name)
		}
	}
	msgs := inc.Messages[:min(len(inc.Messages), maxListed)]
	for i := range msgs {
		m := &msgs[i]
		x ^= readList(m.Recipients) ^ readList(m.QueueIDs) ^ first(m.QueueID) ^ first(m.From) ^ first(m.Login) ^ first(m.Client)
	}
	return x
}

func readList(l []string) (x byte) {
	for _, s := range l {
		for j := 0; j < len(s); j += 64 {
			x ^= s[j]
		}
	}
	return x
}

func first(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}
