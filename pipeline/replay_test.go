package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
)

// Genuine lines written by Postfix 3.7 on the test bench (harness NOTES.md),
// with the remote's texts as real providers send them.
const sampleLog = `Nov 23 15:33:46 mx postfix/smtpd[12055]: DE9A6986268: client=localhost[127.0.0.1]
Nov 23 15:33:46 mx postfix/cleanup[12057]: DE9A6986268: message-id=<20261123153346.012054@vm>
Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: from=<sender@origin.test>, size=384, nrcpt=1 (queue active)
Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)
Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: removed
Nov 23 15:33:47 mx postfix/qmgr[12047]: 90DB998626D: from=<sender@origin.test>, size=412, nrcpt=1 (queue active)
Nov 23 15:33:47 mx postfix/smtp[12059]: 90DB998626D: to=<barracuda@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1 (in reply to RCPT TO command))
Nov 23 15:33:47 mx postfix/bounce[12075]: 90DB998626D: sender non-delivery notification: 93C26986015
Nov 23 15:33:47 mx postfix/qmgr[12047]: 90DB998626D: removed
Nov 23 15:33:48 mx postfix/smtp[12059]: 43C4B986274: to=<spamhaus@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1 (AS16012611) (in reply to RCPT TO command))
Nov 23 15:33:52 mx postfix/smtp[12059]: BDDD1986295: to=<unknown-user@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 <unknown-user@remote.test>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))
Nov 23 15:33:55 mx postfix/qmgr[12047]: D1A149862BA: from=<sender@origin.test>, size=416, nrcpt=1 (queue active)
Nov 23 15:33:55 mx postfix/smtp[12059]: D1A149862BA: to=<tm-then-ok@remote2.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] said: 450 4.7.1 Service temporarily unavailable; Client host [127.0.0.1] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=127.0.0.1; Mail from 127.0.0.1 deferred using Trend Micro Email Reputation database. (in reply to RCPT TO command))
Nov 23 15:33:56 mx postfix/qmgr[12047]: D1A149862BA: from=<sender@origin.test>, size=416, nrcpt=1 (queue active)
Nov 23 15:33:56 mx postfix/smtp[12300]: D1A149862BA: to=<tm-then-ok@remote2.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.33, delays=0.32/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)
Nov 23 15:33:56 mx postfix/qmgr[12047]: D1A149862BA: removed
Nov 23 15:33:56 mx postfix/smtp[12302]: F2F599862BF: to=<greet@remote3.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1)
Nov 23 15:34:03 mx postfix/smtp[12302]: 11E4E9862CB: to=<down1@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2526: Connection refused)
Nov 23 15:34:05 mx dovecot: imap-login: Login: user=<alice>
Nov 23 15:34:06 mx postfix/smtpd[12055]: this is not a line postfix writes
garbage without a prefix
`

var ref = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

func replay(t *testing.T, log string, opts Options) *Result {
	t.Helper()
	if opts.Catalog == nil {
		opts.Catalog = classify.Default()
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	res, err := Replay(context.Background(), []Input{{Name: "test", R: strings.NewReader(log), Ref: ref}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestReplaySample(t *testing.T) {
	res := replay(t, sampleLog, Options{})
	if res.Lines != 21 || res.Foreign != 1 || res.Unparsed != 2 {
		t.Errorf("lines/foreign/unparsed = %d/%d/%d, want 21/1/2", res.Lines, res.Foreign, res.Unparsed)
	}
	if want := (Totals{Delivered: 2, Deferred: 3, Bounced: 3}); res.Totals != want {
		t.Errorf("totals = %+v, want %+v", res.Totals, want)
	}
	if res.Failures[classify.Blocklist] != 4 || res.Failures[classify.Recipient] != 1 || res.Failures[classify.Network] != 1 {
		t.Errorf("failures = %v", res.Failures)
	}
	type want struct {
		status            incident.Status
		bounced, deferred int
		domains           string
	}
	wants := map[incident.Key]want{
		{Provider: "barracuda", Listed: "127.0.0.1"}:  {incident.Ongoing, 1, 0, "remote.test"},
		{Provider: "spamhaus", Listed: "127.0.0.1"}:   {incident.Ongoing, 1, 1, "remote.test remote3.test"},
		{Provider: "trendmicro", Listed: "127.0.0.1"}: {incident.Cleared, 0, 1, "remote2.test"},
	}
	if len(res.Incidents) != len(wants) {
		t.Fatalf("incidents = %+v", res.Incidents)
	}
	for _, inc := range res.Incidents {
		w, ok := wants[inc.Key]
		if !ok {
			t.Errorf("unexpected incident %v", inc.Key)
			continue
		}
		if inc.Status != w.status || inc.Bounced != w.bounced || inc.Deferred != w.deferred || strings.Join(inc.Domains, " ") != w.domains {
			t.Errorf("%v: status %s bounced %d deferred %d domains %v; want %+v", inc.Key, inc.Status, inc.Bounced, inc.Deferred, inc.Domains, w)
		}
		if res.Rejections[inc.ID].Total() != w.bounced+w.deferred {
			t.Errorf("%v: %d rejection times", inc.Key, res.Rejections[inc.ID].Total())
		}
	}
}

// TestNoTimelines: without timelines a replay counts no rejection times
// and finds the same incidents.
func TestNoTimelines(t *testing.T) {
	big := strings.Repeat(sampleLog, 20)
	with, without := replay(t, big, Options{}), replay(t, big, Options{NoTimelines: true})
	if len(with.Rejections) == 0 || len(without.Rejections) != 0 {
		t.Errorf("timelines of %d incidents with, %d without; want some, none", len(with.Rejections), len(without.Rejections))
	}
	with.Rejections, without.Rejections = nil, nil
	if !reflect.DeepEqual(with, without) {
		t.Errorf("a replay without timelines differs:\n%+v\nwith them:\n%+v", without, with)
	}
}

// TestChunkingDoesNotMatter: many tiny chunks spread over workers give the
// same result as one chunk on one worker: order is kept.
func TestChunkingDoesNotMatter(t *testing.T) {
	big := strings.Repeat(sampleLog, 50)
	one := replay(t, big, Options{Workers: 1})
	many := replay(t, big, Options{Workers: 4, MaxLine: 600})
	if one.Lines != many.Lines || one.Totals != many.Totals || len(one.Incidents) != len(many.Incidents) {
		t.Fatalf("one chunk: %d lines %+v %d incidents; many: %d lines %+v %d incidents",
			one.Lines, one.Totals, len(one.Incidents), many.Lines, many.Totals, len(many.Incidents))
	}
	for i := range one.Incidents {
		a, b := one.Incidents[i], many.Incidents[i]
		if a.ID != b.ID || a.Status != b.Status || a.Bounced != b.Bounced || a.Deferred != b.Deferred {
			t.Errorf("incident %d differs: %+v vs %+v", i, a, b)
		}
	}
	if many.TooLong != 0 {
		t.Errorf("too long: %d", many.TooLong)
	}
}

func TestSinceUntil(t *testing.T) {
	since := time.Date(2026, 11, 23, 15, 33, 50, 0, time.UTC)
	until := time.Date(2026, 11, 23, 15, 34, 0, 0, time.UTC)
	res := replay(t, sampleLog, Options{Since: since, Until: until})
	// 15:33:52 … 15:33:56: the unknown user, the Trend Micro deferral and
	// its delivery, and the greeting rejection.
	if res.Totals != (Totals{Delivered: 1, Deferred: 2, Bounced: 1}) {
		t.Errorf("totals = %+v", res.Totals)
	}
	if res.Foreign != 0 {
		t.Errorf("a dovecot line outside the window counted: foreign = %d", res.Foreign)
	}
	if res.Skipped == 0 || res.First.Before(since) || !res.Last.Before(until) {
		t.Errorf("skipped %d, first %v, last %v", res.Skipped, res.First, res.Last)
	}
}

func TestHugeAndBrokenLines(t *testing.T) {
	huge := "Nov 23 15:33:58 mx postfix/smtp[1]: " + strings.Repeat("x", 3<<20)
	log := sampleLog + huge + "\n" + "\xff\xfe\x00 not utf8\r\n" + sampleLog
	res := replay(t, log, Options{})
	if res.TooLong != 1 {
		t.Errorf("too long = %d, want 1", res.TooLong)
	}
	if res.Totals.Delivered != 4 {
		t.Errorf("lines after the huge one were lost: %+v", res.Totals)
	}
}

// TestUnparsedByServiceBounded: a log naming a new service on every line
// counts them under "other", not one entry (and one report row) each.
func TestUnparsedByServiceBounded(t *testing.T) {
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "Nov 23 15:33:%02d mx postfix/evil%d[1]: something odd\n", i%60, i)
	}
	b.WriteString("Nov 23 15:33:59 mx postfix/smtp[1]: something odd\n")
	res := replay(t, b.String(), Options{})
	want := map[string]int64{"other": 5000, "smtp": 1}
	if !maps.Equal(res.UnparsedByService, want) {
		t.Errorf("unparsed by service %v, want %v", res.UnparsedByService, want)
	}
}

// TestReplayQuiet: with the daemon's quiet period, two bursts of the same
// listing eleven hours apart are two incidents, the first cleared by the
// quiet period; without one, a single incident lasting to the end. The
// quiet period runs to the end of the log (when it was last written, 16:00
// here), as the daemon's runs to now: with 3h the second burst (12:00) is
// over by 15:00 too. (Before, only a delivery was counted to the end, and
// the second stayed ongoing.)
func TestReplayQuiet(t *testing.T) {
	burst := `Nov 23 01:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@remote.test>, relay=mx.remote.test[192.0.2.7]:25, delay=0, delays=0/0/0/0, dsn=5.7.1, status=bounced (host mx.remote.test[192.0.2.7] said: 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))
`
	log := burst + strings.NewReplacer("01:00:00", "12:00:00", "1A2B3C4D5E:", "2B3C4D5E6F:").Replace(burst)
	for _, tc := range []struct {
		quiet time.Duration
		want  []incident.Status
	}{
		{6 * time.Hour, []incident.Status{incident.Cleared, incident.Ongoing}},
		{3 * time.Hour, []incident.Status{incident.Cleared, incident.Cleared}},
		{0, []incident.Status{incident.Ongoing}},
	} {
		res := replay(t, log, Options{Quiet: tc.quiet})
		var got []incident.Status
		for _, inc := range res.Incidents {
			got = append(got, inc.Status)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("quiet %v: incidents %v, want %v", tc.quiet, got, tc.want)
		}
		for i, inc := range res.Incidents {
			if inc.Status == incident.Cleared && (inc.ClearedBy != "quiet" || !inc.ClearedAt.Equal(inc.LastSeen.Add(tc.quiet))) {
				t.Errorf("quiet %v: incident %d cleared %v by %q", tc.quiet, i, inc.ClearedAt, inc.ClearedBy)
			}
		}
	}
}

// TestReplaySpanLeavesOutliers: a line dated a year ahead of the file it is
// in (ingest.Clock redates it: ahead) does not stretch
// the span the report shows: it ends where the plain log ends. (Before,
// the span ended in 2027 and the HTML timelines shrank to nothing.)
func TestReplaySpanLeavesOutliers(t *testing.T) {
	plain := replay(t, sampleLog, Options{})
	lines := strings.SplitAfter(sampleLog, "\n")
	outlier := "2027-06-01T12:00:00.000000+00:00 mx postfix/qmgr[12047]: DE9A6986268: removed\n"
	// In the middle, and last (a chunk's last time counts for the span).
	for _, at := range []int{5, len(lines) - 3} {
		res := replay(t, strings.Join(slices.Insert(slices.Clone(lines), at, outlier), ""), Options{})
		if res.Redated[ingest.RedatedAhead] != 1 {
			t.Fatalf("redated %v, want the outlier as ahead of the file", res.Redated)
		}
		if !res.First.Equal(plain.First) || !res.Last.Equal(plain.Last) || plain.Last.IsZero() {
			t.Errorf("outlier at line %d: span %v – %v, want the plain log's %v – %v", at+1, res.First, res.Last, plain.First, plain.Last)
		}
	}
}

// TestReplayQuietLog: refusals days apart (a quiet host, or a log filtered
// with grep) are read at their own times: four incidents, nothing redated.
// (Before, each was taken for an outlier more than a day past the one
// before and dated at the first: one incident, its span one day.)
func TestReplayQuietLog(t *testing.T) {
	line := `%s mx postfix/smtp[1]: %s: to=<a@remote.test>, relay=mx.remote.test[192.0.2.7]:25, delay=0, delays=0/0/0/0, dsn=5.7.1, status=bounced (host mx.remote.test[192.0.2.7] said: 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))` + "\n"
	var log strings.Builder
	days := []int{1, 5, 10, 20}
	for i, d := range days {
		fmt.Fprintf(&log, line, time.Date(2026, 11, d, 1, 0, 0, 0, time.UTC).Format("2006-01-02T15:04:05.000000-07:00"), fmt.Sprintf("1A2B3C4D%02X", i))
	}
	res := replay(t, log.String(), Options{Quiet: 6 * time.Hour})
	if res.Redated != [len(ingest.RedatedNames)]int64{} {
		t.Errorf("redated %v, want none", res.Redated)
	}
	if len(res.Incidents) != len(days) {
		t.Fatalf("%d incidents, want %d", len(res.Incidents), len(days))
	}
	for i, inc := range res.Incidents {
		if want := time.Date(2026, 11, days[i], 1, 0, 0, 0, time.UTC); !inc.FirstSeen.Equal(want) {
			t.Errorf("incident %d first seen %v, want %v", i, inc.FirstSeen, want)
		}
	}
}

// TestReplayWithoutRemovals: a log without Postfix's "removed" lines (the
// status=bounced lines grepped out of a month of logs, a host whose qmgr
// lines were filtered out) keeps at most incident.MaxQueueIDs queue ids of
// each kind in the tracker, the least recently seen evicted and counted,
// and every refused message is counted once; with the removals nothing is
// evicted.
func TestReplayWithoutRemovals(t *testing.T) {
	n := 3 * incident.MaxQueueIDs
	gen := func(from, removed bool) string {
		var b strings.Builder
		for i := range n {
			at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format(time.Stamp)
			qid := fmt.Sprintf("%011X", 0x1000000+i)
			if from {
				fmt.Fprintf(&b, "%s mx postfix/qmgr[90]: %s: from=<u%d@ours.example>, size=400, nrcpt=1 (queue active)\n", at, qid, i%7)
			}
			fmt.Fprintf(&b, "%s mx postfix/smtp[91]: %s: to=<r%d@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.25] said: 550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))\n", at, qid, i)
			if removed {
				fmt.Fprintf(&b, "%s mx postfix/qmgr[90]: %s: removed\n", at, qid)
			}
		}
		return b.String()
	}
	for _, tc := range []struct {
		name          string
		from, removed bool
		evicted       bool
		peak          int // at most
	}{
		{"qmgr and delivery lines, no removals", true, false, true, 2 * incident.MaxQueueIDs},
		{"status= lines alone", false, false, true, incident.MaxQueueIDs},
		{"with removals", true, true, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := replay(t, gen(tc.from, tc.removed), Options{})
			b := res.Bounds
			if b.Peak > tc.peak || b.Tracked > tc.peak || (b.Evicted > 0) != tc.evicted || b.Expired != 0 {
				t.Errorf("queue ids held %d at most, %d at the end, %d evicted, %d expired; want at most %d held, evicted: %v", b.Peak, b.Tracked, b.Evicted, b.Expired, tc.peak, tc.evicted)
			}
			msgs := 0
			for _, inc := range res.Incidents {
				msgs += len(inc.Messages) + inc.MoreMessages
			}
			if msgs != n || res.Totals.Bounced != int64(n) {
				t.Errorf("%d messages in incidents, %d bounced; want %d", msgs, res.Totals.Bounced, n)
			}
		})
	}
}

// TestReplayUntilEndsTheLog: with --until the log ends there — the lines
// after it are not read — so the quiet period and the settle time run to
// it, not to when the file was last written: a refusal an hour before
// --until stays ongoing (6h quiet), and nothing is cleared at a time past
// it. (Before, both ran to the file's end, and every incident of a window
// of an old log was cleared after the window.)
func TestReplayUntilEndsTheLog(t *testing.T) {
	burst := `Nov 23 01:00:00 mx postfix/smtp[1]: 1A2B3C4D5E: to=<a@remote.test>, relay=mx.remote.test[192.0.2.7]:25, delay=0, delays=0/0/0/0, dsn=5.7.1, status=bounced (host mx.remote.test[192.0.2.7] said: 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))
Nov 23 01:00:10 mx postfix/smtp[1]: 2A2B3C4D5E: to=<b@remote.test>, relay=mx.remote.test[192.0.2.7]:25, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK)
Nov 23 14:00:00 mx postfix/qmgr[2]: 3A2B3C4D5E: removed
`
	until := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	res := replay(t, burst, Options{Quiet: 6 * time.Hour, Settle: 2 * time.Hour, Until: until})
	if len(res.Incidents) != 1 {
		t.Fatalf("%d incidents, want 1", len(res.Incidents))
	}
	if inc := res.Incidents[0]; inc.Status != incident.Ongoing || inc.ClearedAt.After(until) {
		t.Errorf("with --until %v: %s, cleared %v by %q; want ongoing at the end of the window", until, inc.Status, inc.ClearedAt, inc.ClearedBy)
	}
}

// failingReader reads r, then fails with err instead of io.EOF.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		err = f.err
	}
	return n, err
}

// TestInputsReadInTurn: the workers read the inputs' chunks themselves, in
// turn; many small chunks of three inputs, the second cut short by a read
// error, give what one worker gives for the lines read (the cut input's
// lines before the error), the error noted once, each input's lines dated
// by its own reference time and the progress counting every byte read.
func TestInputsReadInTurn(t *testing.T) {
	big := strings.Repeat(sampleLog, 20)
	cutAt := strings.LastIndex(big[:len(big)/2], "\n") + 1
	broken := errors.New("disk on fire")
	inputs := func() []Input {
		return []Input{
			{Name: "a", R: strings.NewReader(big), Ref: ref},
			{Name: "b", R: &failingReader{strings.NewReader(big[:cutAt]), broken}, Ref: ref.AddDate(0, -1, 0)},
			{Name: "c", R: strings.NewReader(big), Ref: ref},
		}
	}
	var progress int64
	run := func(opts Options) *Result {
		opts.Catalog, opts.Location = classify.Default(), time.UTC
		res, err := Replay(context.Background(), inputs(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one := run(Options{Workers: 1})
	many := run(Options{Workers: 4, MaxLine: 600, Progress: func(n int64) { progress = max(progress, n) }})
	lines := func(s string) int64 { return int64(strings.Count(s, "\n")) }
	if want := 2*lines(big) + lines(big[:cutAt]); many.Lines+many.Skipped != want || one.Lines != many.Lines {
		t.Errorf("lines: %d read by many workers, %d by one, want %d", many.Lines+many.Skipped, one.Lines, want)
	}
	if len(many.Cut) != 1 || !errors.Is(many.Cut[0], broken) || !strings.Contains(many.Cut[0].Error(), "reading b") {
		t.Errorf("cut: %v, want the one error reading b", many.Cut)
	}
	if want := int64(2*len(big) + cutAt); progress != want {
		t.Errorf("progress ended at %d bytes, want %d", progress, want)
	}
	// b's lines, a month after their file was last written (23 Oct
	// 2026), are of 23 Nov 2025.
	if y := many.First.Year(); y != 2025 {
		t.Errorf("the first line is of %d: the cut input's lines were not dated by its reference time", y)
	}
	one.Cut, many.Cut = nil, nil
	if !reflect.DeepEqual(one, many) {
		t.Errorf("many workers and small chunks:\n%+v\none worker:\n%+v", many, one)
	}
}
