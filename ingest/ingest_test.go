package ingest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

var ref = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// Lines as Postfix 3.7 writes them (testdata/postfix/sample.log).
const (
	sent      = `Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)`
	forwarded = `Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (forwarded as 1234ABC)`
	barracuda = `Nov 23 15:33:47 mx postfix/smtp[12059]: 90DB998626D: to=<barracuda@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1 (in reply to RCPT TO command))`
	unknown   = `Nov 23 15:33:52 mx postfix/smtp[12059]: BDDD1986295: to=<unknown-user@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <unknown-user@remote.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))`
	deferred  = `Nov 23 15:33:55 mx postfix/smtp[12059]: D1A149862BA: to=<tm-then-ok@remote2.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Service temporarily unavailable; Client host [127.0.0.1] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=127.0.0.1; Mail from 127.0.0.1 deferred using Trend Micro Email Reputation database. (in reply to RCPT TO command))`
	queued    = `Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: from=<sender@origin.test>, size=384, nrcpt=1 (queue active)`
	expired   = `Nov 23 15:40:00 mx postfix/qmgr[12047]: DE9A6986268: from=<sender@origin.test>, status=expired, returned to sender`
	connect   = `Nov 23 15:33:46 mx postfix/smtpd[12055]: connect from localhost[127.0.0.1]`
	foreign   = `Nov 23 15:34:05 mx dovecot: imap-login: Login: user=<alice>`
	strange   = `Nov 23 15:34:06 mx postfix/smtpd[12055]: this is not a line postfix writes`
	garbage   = `garbage without a prefix`
)

func newReader(opts Options) *Reader {
	if opts.Catalog == nil {
		opts.Catalog = classify.Default()
	}
	return NewReader(opts, ref)
}

// TestCategoryIndex: CategoryCounts has a place for every category, each
// its own, in the order of classify.Categories (a category added there
// and not here fails), and All yields the categories counted in that
// order.
func TestCategoryIndex(t *testing.T) {
	if len(classify.Categories) != numCategories {
		t.Fatalf("%d categories, CategoryCounts holds %d", len(classify.Categories), numCategories)
	}
	var n CategoryCounts
	for i, c := range classify.Categories {
		if got := categoryIndex(c); got != i {
			t.Errorf("categoryIndex(%q) = %d, want %d", c, got, i)
		}
		n[i] = int64(i + 1)
	}
	var got []classify.Category
	for c, k := range n.All() {
		if k != n.Of(c) {
			t.Errorf("All: %q %d, Of %d", c, k, n.Of(c))
		}
		got = append(got, c)
	}
	if !slices.Equal(got, classify.Categories) {
		t.Errorf("All yields %v, want %v", got, classify.Categories)
	}
	n = CategoryCounts{}
	n[categoryIndex(classify.Auth)] = 2
	for c, k := range n.All() {
		if c != classify.Auth || k != 2 {
			t.Errorf("All yields %q %d; want auth 2 only", c, k)
		}
	}
}

func TestRead(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		record   bool   // a record comes back
		provider string // the verdict's provider; "-" for no verdict
		category classify.Category
	}{
		{"sent", sent, true, "-", ""},
		{"blocklist bounce", barracuda, true, "barracuda", classify.Blocklist},
		{"blocklist deferral", deferred, true, "trendmicro", classify.Blocklist},
		{"unknown user", unknown, true, "", classify.Recipient},
		{"queued", queued, true, "-", ""},
		{"expired", expired, true, "-", ""},
		{"connect: nothing to track or store", connect, false, "-", ""},
		{"other program", foreign, false, "-", ""},
		{"unparsed", strange, false, "-", ""},
		{"no prefix", garbage, false, "-", ""},
		{"CRLF", sent + "\r", true, "-", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReader(Options{Location: time.UTC})
			rec, v := r.Read(tc.line)
			if (rec != nil) != tc.record {
				t.Fatalf("record = %+v, want one: %v", rec, tc.record)
			}
			if tc.provider == "-" {
				if v != nil {
					t.Errorf("verdict %+v for a line that is no failure", v)
				}
				return
			}
			if v == nil || v.Provider != tc.provider || v.Category != tc.category {
				t.Errorf("verdict = %+v, want %s/%s", v, tc.provider, tc.category)
			}
			if rec != nil && strings.HasSuffix(rec.Raw, "\r") {
				t.Errorf("Raw keeps the CR: %q", rec.Raw)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	r := newReader(Options{Location: time.UTC, ByProvider: true})
	for _, l := range []string{sent, forwarded, barracuda, barracuda, unknown, deferred, queued, expired, connect, foreign, strange, garbage} {
		r.Read(l)
	}
	c := r.Counts
	if c.Lines != 12 || c.Foreign != 1 || c.Unparsed != 2 || c.UnparsedBy["smtpd"] != 1 || c.UnparsedBy[""] != 1 {
		t.Errorf("lines/foreign/unparsed = %d/%d/%d %v", c.Lines, c.Foreign, c.Unparsed, c.UnparsedBy)
	}
	if want := (Totals{Delivered: 1, Deferred: 1, Bounced: 3, Expired: 1}); c.Totals != want {
		t.Errorf("totals %+v, want %+v", c.Totals, want)
	}
	if c.Deliveries[StatusSent] != 2 || c.Deliveries[StatusBounced] != 3 || c.Deliveries[StatusDeferred] != 1 {
		t.Errorf("deliveries by status %v", c.Deliveries)
	}
	if c.Failures.Of(classify.Blocklist) != 3 || c.Failures.Of(classify.Recipient) != 1 || c.Rejections["barracuda"] != 2 || c.Rejections["trendmicro"] != 1 {
		t.Errorf("failures %v, rejections %v", c.Failures, c.Rejections)
	}
	// First and Last: the earliest and the latest time of the lines
	// understood, whatever their order.
	if !c.First.Equal(time.Date(2026, 11, 23, 15, 33, 46, 0, time.UTC)) || !c.Last.Equal(time.Date(2026, 11, 23, 15, 40, 0, 0, time.UTC)) {
		t.Errorf("first %v last %v", c.First, c.Last)
	}

	var sum Counts
	sum.Add(&c)
	sum.Add(&c)
	if sum.Lines != 24 || sum.Rejections["barracuda"] != 4 || sum.UnparsedBy["smtpd"] != 2 || sum.Totals.Bounced != 6 || !sum.First.Equal(c.First) {
		t.Errorf("sum of two = %+v", sum)
	}
	// Without ByProvider (replay), the same lines and no count by
	// provider.
	r2 := newReader(Options{Location: time.UTC})
	for _, l := range []string{sent, forwarded, barracuda, barracuda, unknown, deferred, queued, expired, connect, foreign, strange, garbage} {
		r2.Read(l)
	}
	if r2.Counts.Rejections != nil || r2.Counts.Failures != c.Failures {
		t.Errorf("without ByProvider: failures %v, rejections %v; want %v, none", r2.Counts.Failures, r2.Counts.Rejections, c.Failures)
	}
	r.Counts.Reset()
	if r.Counts.Lines != 0 || r.Counts.Failures != (CategoryCounts{}) || len(r.Counts.UnparsedBy) != 0 || !r.Counts.Last.IsZero() {
		t.Errorf("after Reset: %+v", r.Counts)
	}
}

func TestWindow(t *testing.T) {
	r := newReader(Options{Location: time.UTC, Since: time.Date(2026, 11, 23, 15, 33, 47, 0, time.UTC), Until: time.Date(2026, 11, 23, 15, 34, 0, 0, time.UTC)})
	for _, l := range []string{sent, barracuda, deferred, foreign, garbage} {
		r.Read(l)
	}
	// sent is before Since, foreign after Until; garbage has no time.
	if r.Counts.Skipped != 2 || r.Counts.Lines != 3 {
		t.Errorf("skipped %d, lines %d; want 2, 3", r.Counts.Skipped, r.Counts.Lines)
	}
}

// TestVerdictMemo: replies of one shape are classified once, from
// whichever host; the verdict of each is its own (its remote host, listed
// address) and valid until the next Read.
func TestVerdictMemo(t *testing.T) {
	r := newReader(Options{Location: time.UTC})
	_, v := r.Read(barracuda)
	if v == nil || v.Provider != "barracuda" || v.Remote != "127.0.0.1" || v.Listed != "127.0.0.1" {
		t.Fatalf("verdict %+v", v)
	}
	other := strings.ReplaceAll(strings.ReplaceAll(barracuda, "127.0.0.1", "192.0.2.77"), "host 192.0.2.77[192.0.2.77] said", "host mx.other.test[192.0.2.9] said")
	_, v = r.Read(other)
	if v.Provider != "barracuda" || v.Remote != "mx.other.test" || v.Listed != "192.0.2.77" {
		t.Errorf("another host's reply of the same shape: %+v", v)
	}
	if r.memo.Misses != 1 || r.memo.Hits != 1 {
		t.Errorf("%d replies classified, %d from memory; want 1, 1", r.memo.Misses, r.memo.Hits)
	}
}

// TestObservationFeed: what the tracker gets through the ingest path opens
// and clears incidents as the records say.
func TestObservationFeed(t *testing.T) {
	r := newReader(Options{Location: time.UTC})
	tr := incident.New(incident.Config{})
	var events []incident.Event
	for _, l := range []string{queued, deferred, strings.NewReplacer("ok@remote.test", "tm-then-ok@remote2.test", "15:33:46", "15:33:56").Replace(sent)} {
		rec, v := r.Read(l)
		var o incident.Observation
		if !Observation(&o, rec, v) {
			t.Fatalf("no observation of %q", l)
		}
		events = append(events, Feed(tr, &o)...)
	}
	if len(events) != 2 || events[0].Kind != incident.EventOpened || events[1].Kind != incident.EventCleared || events[0].Incident.Provider != "trendmicro" {
		t.Errorf("events %+v", events)
	}
	if rec, _ := r.Read(connect); rec != nil {
		t.Errorf("a connect line gave a record")
	}
	var rec postfixlog.Record
	rec.Kind = postfixlog.KindOther
	o := incident.Observation{QueueID: "left from the line before"}
	if Observation(&o, &rec, nil) || o != (incident.Observation{}) {
		t.Errorf("an observation of a line the tracker has no use for: %+v", o)
	}
}
