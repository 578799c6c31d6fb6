package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/notify"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/track"
)

func spamhausBounce(at time.Time, qid, rcpt string) string {
	return stamp(at) + " mx postfix/smtp[101]: " + qid + ": to=<" + rcpt + ">, relay=mail.example.org[203.0.113.9]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=5.7.1, status=bounced (host mail.example.org[203.0.113.9] said: 554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.1 (in reply to RCPT TO command))"
}

// dayOldLog writes a day of log that ends ten minutes before the test's
// clock (t0): ordinary traffic throughout, and these incidents —
//   - Spamhaus for an hour from t0-23h: over (quiet) long before the end;
//   - Barracuda at t0-20h, cleared by a delivery to the same receiver;
//   - Spamhaus again from t0-10h for an hour: a new incident, also over;
//   - Trend Micro deferrals from t0-2h to the end: still current.
//
// It returns the file's contents.
func dayOldLog() string {
	var b strings.Builder
	seq := 0
	line := func(s string) { b.WriteString(s + "\n") }
	qid := func() string { seq++; return fmt.Sprintf("%X", 0x20000000+seq) }
	ordinary := func(at time.Time) {
		q := qid()
		line(stamp(at) + " mx postfix/qmgr[99]: " + q + ": from=<app@ours.example>, size=1200, nrcpt=1 (queue active)")
		line(sent(at.Add(time.Second), q, fmt.Sprintf("u%d@other%d.example", seq, seq%40)))
		line(stamp(at.Add(2*time.Second)) + " mx postfix/qmgr[99]: " + q + ": removed")
	}
	start, end := t0.Add(-24*time.Hour), t0.Add(-10*time.Minute)
	for at := start; at.Before(end); at = at.Add(time.Minute) {
		ordinary(at)
		switch off := t0.Sub(at); {
		case off <= 23*time.Hour && off > 22*time.Hour && at.Minute()%5 == 0:
			line(spamhausBounce(at.Add(10*time.Second), qid(), fmt.Sprintf("a%d@example.org", seq)))
		case off == 20*time.Hour:
			line(rejection(at.Add(10*time.Second), qid(), "b1@example.net"))
			line(rejection(at.Add(20*time.Second), qid(), "b2@example.net"))
		case off == 20*time.Hour-5*time.Minute:
			line(sent(at.Add(10*time.Second), qid(), "b3@example.net"))
		case off <= 10*time.Hour && off > 9*time.Hour && at.Minute()%10 == 0:
			line(spamhausBounce(at.Add(10*time.Second), qid(), fmt.Sprintf("c%d@example.org", seq)))
		case off <= 2*time.Hour && at.Minute()%3 == 0:
			line(deferral(at.Add(10*time.Second), qid(), fmt.Sprintf("d%d@example.com", seq)))
		}
	}
	return b.String()
}

// TestCatchUpDayOldLog is issue 10's acceptance test: the daemon started on
// a day-old log (timestamps in the past, relative to the test's clock) finds
// the incidents a replay of the same lines finds, and announces only the one
// still current: no opened+cleared pair for an incident that began and
// ended inside the backlog. Those are summed up instead, in exactly one
// backlog notice on every channel that takes it (email, webhook; none for
// Alertmanager), listing the incidents replay shows as ended.
func TestCatchUpDayOldLog(t *testing.T) {
	h := newHarness(t)
	log := dayOldLog()
	appendLines(t, h.log, strings.TrimSuffix(log, "\n"))
	cfg := catchUpConfig(h)
	hook, am := newRecorder(), newRecorder()
	cfg.Notify.Webhook.URL = "http://127.0.0.1/unused" // the recorders below stand in for the peers
	cfg.Notify.Alertmanager.URLs = []string{"http://127.0.0.1/unused"}
	h.extra = map[string]notify.Transport{SinkWebhook: hook, SinkAlertmanager: am}
	st := h.catchUp(cfg)
	emails := []notify.Item{h.mail.wait(t, "opened or backlog"), h.mail.wait(t, "opened or backlog")}
	hooks := []notify.Item{hook.wait(t, "webhook"), hook.wait(t, "webhook")}
	alerts := am.wait(t, "alertmanager")
	h.stop()

	// The incidents: those of a replay of the same lines, with the same
	// lifecycle.
	ended := sameAsReplay(t, st, log, cfg, dayOld)

	// The notices: the current incident's opened, and one backlog summary
	// naming exactly the incidents replay shows as ended.
	checkCatchUpNotices(t, st, emails, ended, "Trend Micro")
	var kinds []string
	for _, it := range hooks {
		kinds = append(kinds, it.Kind)
		if it.Kind != "backlog" {
			continue
		}
		var body struct {
			Kind    string `json:"kind"`
			Backlog struct {
				Incidents []struct {
					ID        string `json:"incident_id"`
					ClearedBy string `json:"cleared_by"`
				} `json:"incidents"`
				Total int `json:"total"`
			} `json:"backlog"`
		}
		if err := json.Unmarshal(it.Payload, &body); err != nil {
			t.Fatalf("webhook body: %v", err)
		}
		var got []string
		for _, x := range body.Backlog.Incidents {
			got = append(got, x.ID)
			if x.ClearedBy == "" {
				t.Errorf("webhook: incident %s without how it ended", x.ID)
			}
		}
		if !slices.Equal(got, ended) || body.Backlog.Total != 3 {
			t.Errorf("webhook backlog lists %v (total %d), want %v", got, body.Backlog.Total, ended)
		}
	}
	if slices.Sort(kinds); !slices.Equal(kinds, []string{"backlog", "opened"}) {
		t.Errorf("webhook notices %v, want one opened and one backlog", kinds)
	}
	if alerts.Kind != "opened" || am.count() != 1 {
		t.Errorf("Alertmanager got %d items (first %s), want only the opened incident's alert", am.count(), alerts.Kind)
	}
}

// catchUpConfig is the lifecycle of the catch-up tests.
func catchUpConfig(h *harness) *config.Config {
	cfg := h.config()
	cfg.Notify.Aggregate = 30 * time.Second
	cfg.Notify.Quiet = 6 * time.Hour
	cfg.Notify.Settle = 10 * time.Minute
	cfg.Notify.Renotify = 24 * time.Hour
	return cfg
}

// catchUp starts the daemon with cfg on the log written so far, waits until
// the whole log is committed, then ticks the clock through the 40 s after
// t0. It returns the store, open read-only until the test ends.
func (h *harness) catchUp(cfg *config.Config) *track.Store {
	h.t.Helper()
	h.start(cfg)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(h.t))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	waitRead(h.t, st, h.log)
	for s := 1; s <= 40; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	return st
}

// replayAt is replay of log, a file last written at t0, with cfg's settle
// and quiet.
func replayAt(t *testing.T, log string, cfg *config.Config) *pipeline.Result {
	t.Helper()
	res, err := pipeline.Replay(context.Background(), []pipeline.Input{{Name: "mail.log", R: strings.NewReader(log), Ref: t0}},
		pipeline.Options{Catalog: classify.Default(), Location: time.UTC, Settle: cfg.Notify.Settle, Quiet: cfg.Notify.Quiet})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// waitRead waits until the whole log is committed.
func waitRead(t *testing.T, st *track.Store, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		pos, ok, err := st.LoadPosition(context.Background(), "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		if ok && pos.Offset == fi.Size() {
			return
		}
		if i > 4000 {
			t.Fatalf("the daemon never read the whole log (at %d of %d bytes)", pos.Offset, fi.Size())
		}
		time.Sleep(5 * time.Millisecond) // polling another goroutine's store
	}
}

// checkCatchUpNotices checks the emails of a catch-up: the opened notice of
// the incident still current (its subject names current), and one backlog
// summary whose list is exactly ended; no notice names an ended incident
// on its own, and the store has the same two.
func checkCatchUpNotices(t *testing.T, st *track.Store, emails []notify.Item, ended []string, current string) {
	t.Helper()
	var kinds []string
	for _, it := range emails {
		kinds = append(kinds, it.Kind)
		switch it.Kind {
		case "opened":
			if !strings.Contains(subject(t, it), current) {
				t.Errorf("opened notice %q, want %s's", subject(t, it), current)
			}
		case "backlog":
			text := strings.ReplaceAll(textOf(t, it.Payload), "\r\n", "\n")
			listed := regexp.MustCompile(`(?m)^\d+\. .*\(incident ([^)]+)\)$`).FindAllStringSubmatch(text, -1)
			var got []string
			for _, m := range listed {
				got = append(got, m[1])
			}
			if !slices.Equal(got, ended) {
				t.Errorf("the backlog summary lists %v, want %v:\n%s", got, ended, text)
			}
			if want := fmt.Sprintf("%d incidents, over before rblwatch read the log", len(ended)); !strings.Contains(subject(t, it), want) {
				t.Errorf("backlog subject %q lacks %q", subject(t, it), want)
			}
		}
	}
	if slices.Sort(kinds); !slices.Equal(kinds, []string{"backlog", "opened"}) {
		t.Errorf("emails %v, want one opened and one backlog", kinds)
	}
	queued, err := st.OutboxItems(context.Background(), SinkEmail)
	if err != nil {
		t.Fatal(err)
	}
	if len(queued) != 2 {
		t.Errorf("%d email items in the outbox, want 2", len(queued))
	}
	for _, id := range ended {
		if ns, err := st.Notices(context.Background(), id); err != nil || len(ns) != 0 {
			t.Errorf("incident %s, over inside the backlog, has notices of its own: %+v (%v)", id, ns, err)
		}
	}
}

// TestCatchUpRestartSummaryOnce: a restart during a catch-up loses none of
// what the backlog held, and a restart after it sends nothing twice. The
// daemon reads the first part of a day-old log and stops before the live
// end (its source gives no end mark, and no tick comes), while an incident
// is open and unannounced; started again on the whole log, it sends one
// summary of the three incidents that began and ended in the backlog (two
// ended before the restart, one after) and the opened notice of the
// current one; started a third time, nothing more.
func TestCatchUpRestartSummaryOnce(t *testing.T) {
	h := newHarness(t)
	log := dayOldLog()
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	// The cut falls inside the second Spamhaus incident: it opened in the
	// first half (its notice held back) and ends in the second.
	mid := stamp(t0.Add(-9*time.Hour - 30*time.Minute)) // stamps are fixed width: text order is time order
	half := slices.IndexFunc(lines, func(l string) bool { return l[:len(mid)] >= mid })
	if half <= 0 {
		t.Fatal("no line at t0-9h30m")
	}
	cfg := catchUpConfig(h)
	st := h.readAndStop(cfg, lines[:half])
	if n := h.mail.count(); n != 0 {
		t.Fatalf("%d notices before the live end", n)
	}
	if ok, err := st.HasUnannounced(context.Background()); err != nil || !ok {
		t.Fatalf("the first half's ended incidents are not kept for the summary (%v)", err)
	}

	appendLines(t, h.log, lines[half:]...)
	h.noEndMarks = false
	h.start(cfg)
	waitRead(t, st, h.log)
	for s := 1; s <= 10; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	emails := []notify.Item{h.mail.wait(t, "opened or backlog"), h.mail.wait(t, "opened or backlog")}
	h.stop()
	incs, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ended []string
	for _, inc := range incs {
		if inc.Status == incident.Cleared {
			ended = append(ended, inc.ID)
		}
	}
	if len(ended) != 3 {
		t.Fatalf("ended incidents %v, want 3", ended)
	}
	checkCatchUpNotices(t, st, emails, ended, "Trend Micro")

	h.start(cfg)
	for s := 11; s <= 20; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	h.stop()
	if n := h.mail.count(); n != 2 {
		t.Errorf("%d notices after a third start, want the same 2", n)
	}
	all, err := st.Notices(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("%d notices recorded, want 2: %+v", len(all), all)
	}
}

// readAndStop appends lines to the log, starts the daemon with cfg,
// waits until it committed them all while still catching up (its source
// gives no end mark), and stops it. It returns the store, open read-only
// until the test ends.
func (h *harness) readAndStop(cfg *config.Config, lines []string) *track.Store {
	t := h.t
	t.Helper()
	appendLines(t, h.log, lines...)
	h.noEndMarks = true
	h.start(cfg)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	waitRead(t, st, h.log)
	h.stop()
	return st
}

func ids(incs []incident.Incident) []string {
	var out []string
	for _, inc := range incs {
		out = append(out, inc.ID)
	}
	return out
}

func summary(inc incident.Incident) string {
	return fmt.Sprintf("first %v last %v bounced %d deferred %d messages %d recipients %d fates %+v domains %v",
		inc.FirstSeen, inc.LastSeen, inc.Bounced, inc.Deferred, len(inc.Messages)+inc.MoreMessages, len(inc.Recipients)+inc.MoreRecipients,
		inc.Fates, inc.Domains)
}

// TestDaemonPrunes: the daemon applies the retention settings: a message
// delivered at the first attempt three days ago goes (delivered_retention
// 2d), a bounced one of the same age stays (message_retention 30d).
func TestDaemonPrunes(t *testing.T) {
	h := newHarness(t)
	cfg := h.config()
	h.start(cfg)
	old := t0.Add(-72 * time.Hour)
	appendLines(t, h.log,
		sent(old, "0A0000000001", "a@example.net"),
		stamp(old)+" mx postfix/qmgr[99]: 0A0000000001: removed",
		stamp(old)+" mx postfix/smtp[100]: 0B0000000001: to=<b@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.1.1, status=bounced (host mx.example.net[198.51.100.7] said: 550 5.1.1 user unknown (in reply to RCPT TO command))",
		stamp(old)+" mx postfix/qmgr[99]: 0B0000000001: removed",
		sent(t0, "0C0000000001", "c@example.net"),
	)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	queueIDs := func() []string {
		msgs, err := st.Messages(context.Background(), track.MessageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, m.QueueID)
		}
		return out
	}
	for i := 0; len(queueIDs()) < 3; i++ {
		if i > 2000 {
			t.Fatalf("the lines never reached the store: %v", queueIDs())
		}
		time.Sleep(5 * time.Millisecond) // polling another goroutine's store
	}
	h.tickAt(t0.Add(time.Second))
	h.tickAt(t0.Add(2 * time.Second)) // the loop took the first tick: the prune is done
	h.stop()
	if got, want := queueIDs(), []string{"0B0000000001", "0C0000000001"}; !slices.Equal(got, want) {
		t.Errorf("messages after the prune %v, want %v", got, want)
	}
}

// TestCatchUpRestartAtTheEnd: the daemon stopped during a catch-up, with
// one incident open and not announced yet, starts again on a log with
// nothing new: that incident is over by now (its quiet period ran out while
// the daemon was down), so it joins the summary with the two that ended
// before the stop; nothing else is sent.
func TestCatchUpRestartAtTheEnd(t *testing.T) {
	h := newHarness(t)
	lines := strings.Split(strings.TrimSuffix(dayOldLog(), "\n"), "\n")
	mid := stamp(t0.Add(-9*time.Hour - 30*time.Minute))
	half := slices.IndexFunc(lines, func(l string) bool { return l[:len(mid)] >= mid })
	appendLines(t, h.log, lines[:half]...)
	cfg := catchUpConfig(h)
	h.noEndMarks = true
	h.start(cfg)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitRead(t, st, h.log)
	h.stop()
	open, err := st.OpenIncidents(context.Background())
	if err != nil || len(open) != 1 || open[0].Notices != 0 {
		t.Fatalf("open incidents at the stop: %+v (%v), want one unannounced", open, err)
	}

	h.noEndMarks = false
	h.start(cfg)
	for s := 1; s <= 5; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	it := h.mail.wait(t, "backlog")
	h.stop()
	if h.mail.count() != 1 || it.Kind != "backlog" {
		t.Fatalf("%d notices, the first %s %q; want one backlog summary", h.mail.count(), it.Kind, subject(t, it))
	}
	incs, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ended []string
	for _, inc := range incs {
		if inc.Status != incident.Cleared || inc.Notices != 0 {
			t.Errorf("incident %s: %s with %d notices, want cleared unannounced", inc.ID, inc.Status, inc.Notices)
		}
		ended = append(ended, inc.ID)
	}
	if len(ended) != 3 || ended[2] != open[0].ID {
		t.Fatalf("incidents %v, want three ending with %s", ended, open[0].ID)
	}
	text := strings.ReplaceAll(textOf(t, it.Payload), "\r\n", "\n")
	for _, id := range ended {
		if !strings.Contains(text, "(incident "+id+")") {
			t.Errorf("the summary does not list %s:\n%s", id, text)
		}
	}
}

// TestPruneWaitsForCatchUp: a prune due while a backlog is read waits for
// the live end, so that reading and committing do not stop for it — but
// no longer than pruneHold. The message delivered three days ago
// (delivered_retention 2d) stays while the daemon catches up, and goes
// once it has caught up for pruneHold without reaching the end.
func TestPruneWaitsForCatchUp(t *testing.T) {
	h := newHarness(t)
	h.noEndMarks = true // catching up until an idle tick
	h.start(h.config())
	old := t0.Add(-72 * time.Hour)
	appendLines(t, h.log,
		sent(old, "0A0000000001", "a@example.net"),
		stamp(old)+" mx postfix/qmgr[99]: 0A0000000001: removed",
	)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	waitRead(t, st, h.log)
	stored := func() bool {
		msgs, err := st.Messages(context.Background(), track.MessageFilter{QueueID: "0A0000000001"})
		if err != nil {
			t.Fatal(err)
		}
		return len(msgs) == 1
	}
	// Within idleLive of the last line: still catching up.
	h.tickAt(t0.Add(time.Second))
	h.tickAt(t0.Add(1500 * time.Millisecond)) // the loop took the first tick: any prune is done
	if !stored() {
		t.Fatal("the message was pruned while the backlog was read")
	}
	// Still catching up pruneHold later (a line came just before): the
	// prune waits no longer.
	h.clock.set(t0.Add(pruneHold + time.Second))
	appendLines(t, h.log, sent(old.Add(time.Second), "0B0000000001", "b@example.net"))
	waitRead(t, st, h.log)
	h.tickAt(t0.Add(pruneHold + 2*time.Second))
	h.tickAt(t0.Add(pruneHold + 2500*time.Millisecond))
	if stored() {
		t.Error("the message was still there pruneHold into the catch-up")
	}
	h.stop()
}

// TestCatchUpSettleAgreesWithReplay: a log that ends a minute after a
// delivery to the receiver that refused (settle 10 minutes). The daemon,
// reading it to its end, keeps the incident ongoing (the delivery has not
// stood yet); replay of the same lines said it cleared — its end cleared
// every incident with a later delivery, whatever --settle. Both say
// ongoing now.
func TestCatchUpSettleAgreesWithReplay(t *testing.T) {
	h := newHarness(t)
	lines := rejection(t0.Add(-5*time.Minute), "4C1B2A3F91", "alice@example.net") + "\n" +
		sent(t0.Add(-time.Minute), "4C1B2A3F93", "carol@example.net") + "\n"
	appendLines(t, h.log, strings.TrimSuffix(lines, "\n"))
	cfg := catchUpConfig(h)
	st := h.catchUp(cfg)
	h.stop()
	stored, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	res := replayAt(t, lines, cfg)
	if len(stored) != 1 || len(res.Incidents) != 1 {
		t.Fatalf("daemon found %v, replay %v: want one incident each", ids(stored), ids(res.Incidents))
	}
	if got, want := stored[0], res.Incidents[0]; got.Status != incident.Ongoing || want.Status != got.Status || !want.ClearedAt.Equal(got.ClearedAt) {
		t.Errorf("daemon: %s (cleared at %v), replay: %s (cleared at %v); want both ongoing", got.Status, got.ClearedAt, want.Status, want.ClearedAt)
	}
}

// TestStdinOldLogAgreesWithReplay: an old log fed on standard input (its
// last refusal two days before the clock, or an hour) gives the daemon the
// incidents replay of the same lines gives, status and all: the end of
// the input is the end of the log, now by the clock for both, and an
// incident whose quiet period ran out by then is cleared by it in both —
// in the daemon's backlog summary, not as an opened notice of a two-day-old
// listing. Before, replay left it ongoing (only a delivery was counted to
// the end of the log) while the daemon cleared it.
func TestStdinOldLogAgreesWithReplay(t *testing.T) {
	for _, tc := range []struct {
		ago  time.Duration // the last refusal, before the clock
		want incident.Status
	}{
		{48 * time.Hour, incident.Cleared},
		{time.Hour, incident.Ongoing},
	} {
		t.Run(tc.ago.String(), func(t *testing.T) {
			h := newHarness(t)
			r, w := io.Pipe()
			h.stream = r
			cfg := catchUpConfig(h)
			h.start(cfg)
			at := t0.Add(-tc.ago)
			log := rejection(at.Add(-time.Hour), "4C1B2A3F91", "alice@example.net") + "\n" +
				sent(at.Add(-30*time.Minute), "4C1B2A3F92", "bob@other.example") + "\n" +
				rejection(at, "4C1B2A3F93", "carol@example.net") + "\n"
			io.WriteString(w, log)
			w.Close()
			h.waitEnd()
			st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			stored, err := st.Incidents(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			res := replayAt(t, log, cfg) // standard input ends now
			if len(stored) != 1 || len(res.Incidents) != 1 {
				t.Fatalf("daemon found %v, replay %v: want one incident each", ids(stored), ids(res.Incidents))
			}
			got, want := stored[0], res.Incidents[0]
			if got.Status != tc.want || want.Status != tc.want || !got.ClearedAt.Equal(want.ClearedAt) || got.ClearedBy != want.ClearedBy {
				t.Errorf("daemon: %s at %v by %q; replay: %s at %v by %q; want both %s", got.Status, got.ClearedAt, got.ClearedBy,
					want.Status, want.ClearedAt, want.ClearedBy, tc.want)
			}
			_, recs := noticeRecords(t, h.store)
			for _, rec := range recs {
				if rec.Kind == "opened" && tc.want == incident.Cleared {
					t.Errorf("an opened notice for an incident over two days ago: %+v", rec)
				}
			}
		})
	}
}

// TestCatchUpJumpToNow: a backlog whose lines are far in the past and then
// jump to now (a host that logged nothing for hours, a log whose old part
// was kept) is caught up with on the log's time up to the jump. In a log
// file the file's end is the live end; in a stream (journald, standard
// input), which has none, the lines stamped within a minute of the clock
// are, without a tick. The incidents are a replay's of the same lines,
// those that ended before the jump are summed up in one backlog notice,
// and only the one the new lines open is announced.
func TestCatchUpJumpToNow(t *testing.T) {
	jump := stamp(t0.Add(-9 * time.Hour)) // stamps are fixed width: text order is time order
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(dayOldLog(), "\n"), "\n") {
		if l[:len(jump)] < jump {
			lines = append(lines, l)
		}
	}
	// Nothing for nine hours, then the mail of the last minute: ordinary
	// deliveries and Trend Micro deferrals, more lines than one batch.
	for i := range batchMax + 100 {
		at := t0.Add(-50*time.Second + time.Duration(i)*time.Millisecond)
		if i%500 == 0 {
			lines = append(lines, deferral(at, fmt.Sprintf("5A%07X", i), fmt.Sprintf("j%d@example.com", i)))
		} else {
			lines = append(lines, sent(at, fmt.Sprintf("5A%07X", i), fmt.Sprintf("j%d@other%d.example", i, i%40)))
		}
	}
	log := strings.Join(lines, "\n") + "\n"
	for _, stream := range []bool{false, true} {
		t.Run(map[bool]string{false: "file", true: "stream"}[stream], func(t *testing.T) {
			h := newHarness(t)
			cfg := catchUpConfig(h)
			if stream {
				r, w := io.Pipe()
				h.stream = r
				go io.WriteString(w, log) // and stays open: no end of input
				t.Cleanup(func() { w.Close() })
			} else {
				appendLines(t, h.log, lines...)
			}
			h.start(cfg)
			h.read(len(lines))
			for i := 0; h.logs.FilterMessage("caught up with the log").Len() == 0; i++ {
				if i > 2000 {
					t.Fatal("the catch-up did not end")
				}
				time.Sleep(5 * time.Millisecond) // the daemon logs it after the commit
			}
			// The aggregation window of the current incident, on the wall clock.
			for s := 1; s <= 40; s++ {
				h.tickAt(t0.Add(time.Duration(s) * time.Second))
			}
			h.endsAsReplay(log, cfg, dayOld)
		})
	}
}

// TestCatchUpSeveralFiles: with log.paths, the live end is where every
// file was read to its end. Started again after a day away, the daemon
// reads one file's day of backlog while the other (a quiet instance's) had
// only lines of the last minute: those do not end the catch-up of the
// first. The incidents are a replay's of the day, with one backlog summary
// and the current incident's opened notice. (Before, a line within a
// minute of the clock from any file ended the catch-up: every later batch
// of the day-old file was handed to the wall clock, which ended its
// incidents at once — a summary a batch, and incidents replay does not
// find.)
func TestCatchUpSeveralFiles(t *testing.T) {
	h := newHarness(t)
	quiet := filepath.Join(h.dir, "postfix-in.log")
	appendLines(t, quiet)
	h.paths = []string{h.log, quiet}
	cfg := catchUpConfig(h)
	h.start(cfg)
	h.waitLogs("following from the end", 2)
	// The follower logs that before its first end mark reaches the loop,
	// which stores the place (keepStart): stopped in between, the restart
	// found no position for a file and followed it from the end, and the
	// day written while it was away went unread (once at load 10). Wait
	// until both places are kept.
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	waitRead(t, st, h.log)
	waitRead(t, st, quiet)
	st.Close()
	h.stop()

	// While the daemon was away: a day on one instance, a minute of
	// inbound refusals on the other (lines the tracker does not read: the
	// files are not merged by time, see docs/config.md's log.paths).
	var recent []string
	for i := range 20 {
		recent = append(recent, stamp(t0.Add(-30*time.Second+time.Duration(i)*time.Second))+
			" mx postfix-in/smtpd[98]: NOQUEUE: reject: RCPT from unknown[198.51.100.20]: 554 5.7.1 Service unavailable; Client host [198.51.100.20] blocked using zen.spamhaus.org; from=<a@spam.example> to=<u@ours.example> proto=ESMTP helo=<x>")
	}
	appendLines(t, quiet, recent...)
	log := dayOldLog()
	appendLines(t, h.log, strings.Split(strings.TrimSuffix(log, "\n"), "\n")...)
	h.catchUp(cfg)
	h.endsAsReplay(log, cfg, dayOld)
}

// TestCatchUpStateDeleted: the state file deleted while the daemon catches
// up with a backlog stops it (ErrStateLost), with what it had read saved
// and put back; the restart resumes there, and the catch-up ends as one
// without the loss: the incidents a replay of the whole log finds, one
// backlog summary of those that ended inside it (two before the loss, one
// after), the current incident's opened notice, and nothing else.
func TestCatchUpStateDeleted(t *testing.T) {
	h := newHarness(t)
	h.watch = true
	log := dayOldLog()
	lines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	mid := stamp(t0.Add(-9*time.Hour - 30*time.Minute)) // inside the second Spamhaus incident
	half := slices.IndexFunc(lines, func(l string) bool { return l[:len(mid)] >= mid })
	if half <= 0 {
		t.Fatal("no line at t0-9h30m")
	}
	appendLines(t, h.log, lines[:half]...)
	cfg := catchUpConfig(h)
	h.noEndMarks = true // still catching up when the state goes
	h.start(cfg)
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	waitRead(t, st, h.log)
	st.Close()
	if err := os.Remove(h.store); err != nil {
		t.Fatal(err)
	}
	h.tickAt(t0) // the deletion is noticed at the tick (the clock stands still: no idle live end)
	select {
	case err := <-h.done:
		if !errors.Is(err, ErrStateLost) {
			t.Fatalf("Run = %v, want ErrStateLost", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the daemon did not stop when its state was deleted")
	}
	if n := h.mail.count(); n != 0 {
		t.Fatalf("%d notices before the live end", n)
	}
	st, err = track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("the saved state was not put back: %v", err)
	}
	defer st.Close()
	if ok, err := st.HasUnannounced(context.Background()); err != nil || !ok {
		t.Fatalf("the incidents that ended before the loss are not kept for the summary (%v)", err)
	}

	appendLines(t, h.log, lines[half:]...)
	h.noEndMarks = false
	h.start(cfg)
	waitRead(t, st, h.log)
	for s := 1; s <= 40; s++ {
		h.tickAt(t0.Add(time.Duration(s) * time.Second))
	}
	h.endsAsReplay(log, cfg, dayOld)
}

// replayWant is how many incidents replay finds in a catch-up test's log
// and how many of them it shows ended (a check of the test's log).
type replayWant struct{ incidents, ended int }

// dayOld is replayWant of dayOldLog, cut or not.
var dayOld = replayWant{incidents: 4, ended: 3}

// endsAsReplay ends a catch-up of the day-old log (or of its cut, or of a
// log with more, want): it waits for the two emails it sends — the
// current incident's opened notice and one backlog summary —, stops the
// daemon, and checks the stored incidents against a replay of log
// (sameAsReplay), the notices (checkCatchUpNotices), and that no other
// email was sent.
func (h *harness) endsAsReplay(log string, cfg *config.Config, want replayWant) {
	t := h.t
	t.Helper()
	emails := []notify.Item{h.mail.wait(t, "opened or backlog"), h.mail.wait(t, "opened or backlog")}
	h.stop()
	st, err := track.OpenReadOnly(h.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ended := sameAsReplay(t, st, log, cfg, want)
	checkCatchUpNotices(t, st, emails, ended, "Trend Micro")
	if n := h.mail.count(); n != 2 {
		t.Errorf("%d emails, want the opened notice and the backlog summary", n)
	}
}

// sameAsReplay checks that the stored incidents are those of a replay of
// log (the day-old log's four, cut or not: want), with the same counts and
// lifecycle, and that those replay shows as ended were never announced on
// their own; it returns them (three in the day-old log).
func sameAsReplay(t *testing.T, st *track.Store, log string, cfg *config.Config, want replayWant) []string {
	t.Helper()
	res := replayAt(t, log, cfg)
	stored, err := st.Incidents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Incidents) != want.incidents {
		t.Fatalf("replay found %d incidents, want %d (the test's log is wrong): %v", len(res.Incidents), want.incidents, ids(res.Incidents))
	}
	if !slices.Equal(ids(stored), ids(res.Incidents)) {
		t.Fatalf("daemon found %v, replay %v", ids(stored), ids(res.Incidents))
	}
	var ended []string
	for i, want := range res.Incidents {
		got := stored[i]
		if !got.FirstSeen.Equal(want.FirstSeen) || !got.LastSeen.Equal(want.LastSeen) || got.Bounced != want.Bounced ||
			got.Deferred != want.Deferred || len(got.Messages)+got.MoreMessages != len(want.Messages)+want.MoreMessages ||
			len(got.Recipients)+got.MoreRecipients != len(want.Recipients)+want.MoreRecipients || got.Fates != want.Fates ||
			!slices.Equal(got.Domains, want.Domains) {
			t.Errorf("incident %s: daemon %+v\nreplay %+v", want.ID, summary(got), summary(want))
		}
		if got.Status != want.Status || !got.ClearedAt.Equal(want.ClearedAt) || got.ClearedBy != want.ClearedBy {
			t.Errorf("incident %s: daemon %s at %v by %q, replay %s at %v by %q", want.ID, got.Status, got.ClearedAt, got.ClearedBy,
				want.Status, want.ClearedAt, want.ClearedBy)
		}
		if want.Status == incident.Cleared {
			ended = append(ended, want.ID)
			if got.Notices != 0 {
				t.Errorf("incident %s began and ended in the backlog but was announced (%d notices)", want.ID, got.Notices)
			}
		}
	}
	if len(ended) != want.ended {
		t.Fatalf("replay shows %v ended, want %d (the test's log is wrong)", ended, want.ended)
	}
	return ended
}
