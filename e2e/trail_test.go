package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/contentfilter"
	pt "github.com/rblwatch/rblwatch/internal/postfixtest"
	"github.com/rblwatch/rblwatch/milter"
)

// trendMicro is a blocklist deferral as Trend Micro words it.
var trendMicro = []string{"450 4.7.1 Service temporarily unavailable; Client host [{ip}] blocked using Trend Micro Network Anti-Spam Service. Please see http://www.mail-abuse.com/cgi-bin/lookup?ip_address={ip}"}

// trailRow is the part of "rblwatch messages --json" this test reads.
type trailRow struct {
	QueueID    string   `json:"queue_id"`
	QueueIDs   []string `json:"queue_ids"`
	State      string   `json:"state"`
	SASLUser   string   `json:"sasl_user"`
	Client     string   `json:"client"`
	Recipients []struct {
		Address  string `json:"address"`
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
	} `json:"recipients"`
}

// TestTrailThroughContentFilter (issue 11.1): a real Postfix with an
// amavis-style after-queue content filter (internal/contentfilter: SMTP on
// loopback, re-injection into a second smtpd with no_milters), the milter
// and the header_checks INFO line docs/milter.md gives. A message submitted
// with SASL goes through the filter, is deferred by a blocklist, requeued
// with postsuper -r (through the filter again) and delivered; a second
// goes through a filter that does not name the new queue id (only the track
// header ties it) and stays deferred. "rblwatch messages" shows each once
// with every queue id, the SASL login and the final fate; messages
// --incident names who sent the refused mail; and replay of the recorded
// log, which knows nothing of the milter, finds the same.
func TestTrailThroughContentFilter(t *testing.T) {
	remote := pt.NewRemote(t, "127.0.0.24:0", "mx.partner.test")
	if err := remote.SetRules(pt.Rule{Stage: pt.StageRcpt, Match: `^blocked1@`, Times: 1, Reply: trendMicro},
		pt.Rule{Stage: pt.StageRcpt, Match: `^blocked2@`, Reply: trendMicro}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	checks := filepath.Join(dir, "rblwatch_header_checks")
	if err := os.WriteFile(checks, []byte("/^X-Rblwatch-Track:/ INFO\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	saslDir := milterSASL(t)
	if saslDir == "" {
		t.Skip("no Cyrus SASL (saslpasswd2)")
	}
	var (
		filter *contentfilter.Filter
		pf     *pt.Instance
		cfg    string
		d      *milterDaemon
	)
	onFreePorts(t, 2, func(ports []string) error {
		listen := "inet:127.0.0.1:" + ports[0]
		reinject := "127.0.0.1:" + ports[1]
		var err error
		filter, err = contentfilter.Start("127.0.0.1:0", reinject)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { filter.Close() })
		opts := pt.Options{
			// One route per host name: two would give it two addresses, and
			// Postfix would try the second after a refusal by the first.
			Routes: []pt.Route{{Domain: "partner.test", Host: remote.Domain(), Addr: remote.Addr()}},
			Milter: milter.PostfixMilter(listen),
			Main: map[string]string{
				"content_filter": "smtp-amavis:[127.0.0.1]:" + filter.Addr()[strings.LastIndexByte(filter.Addr(), ':')+1:],
				"header_checks":  "regexp:" + checks,
			},
			// amavisd-new's smtp-amavis transport, and the re-injection smtpd
			// as docs/milter.md gives it: no content filter, no milters,
			// header checks kept.
			Services: "smtp-amavis unix - - n - 2 smtp\n" +
				"  -o smtp_data_done_timeout=1200\n" +
				"  -o smtp_send_xforward_command=yes\n" +
				"  -o disable_dns_lookups=yes\n" +
				"  -o max_use=20\n" +
				reinject + " inet n - n - - smtpd\n" +
				"  -o content_filter=\n" +
				"  -o receive_override_options=no_unknown_recipient_checks,no_milters\n" +
				"  -o smtpd_relay_restrictions=permit_mynetworks,reject\n" +
				"  -o mynetworks=127.0.0.0/8\n",
		}
		if pf, err = startWithSASL(t, opts, saslDir); err != nil {
			return err
		}
		cfg = milterConfig(t, t.TempDir(), pf.LogPath(), listen, false)
		d, err = startMilterOn(t, pf, cfg)
		return err
	})
	d.waitFor("caught up with the log")

	// Message 1: through the filter, deferred, requeued, delivered.
	// Submitted from 127.0.0.55: the filter re-injects from 127.0.0.1.
	first := milterSubmitAuthFrom(t, pf, "127.0.0.55", "alice@bench.test", "secret", "blocked1@partner.test")[0]
	deferred, err := pf.WaitLog(`: to=<blocked1@partner\.test>, relay=mx\.partner\.test.* status=deferred`)
	if err != nil {
		log, _ := pf.Log()
		t.Fatalf("%v\n%s", err, log)
	}
	filtered := queueIDOf(deferred)
	if filtered == first {
		t.Fatalf("the message was not queued again by the filter: %s", deferred)
	}
	if out, err := exec.Command("postsuper", "-c", pf.ConfigDir(), "-r", filtered).CombinedOutput(); err != nil {
		t.Fatalf("postsuper -r: %v: %s", err, out)
	}
	if err := exec.Command("postkick", "-c", pf.ConfigDir(), "public", "pickup", "W").Run(); err != nil {
		t.Fatal(err)
	}
	sent, err := pf.WaitLog(`: to=<blocked1@partner\.test>, relay=mx\.partner\.test.* status=sent`)
	if err != nil {
		t.Fatal(err)
	}
	final := queueIDOf(sent)

	// Message 2: the filter does not name the new queue id; it stays
	// deferred.
	filter.SetQuiet(true)
	second := milterSubmitAuthFrom(t, pf, "127.0.0.55", "alice@bench.test", "secret", "blocked2@partner.test")[0]
	deferred2, err := pf.WaitLog(`: to=<blocked2@partner\.test>, relay=mx\.partner\.test.* status=deferred`)
	if err != nil {
		t.Fatal(err)
	}
	filtered2 := queueIDOf(deferred2)

	// The daemon's store: each message once, with every queue id.
	one := func(qid string, wantState string) trailRow {
		t.Helper()
		var rows []trailRow
		d.waitUntil(func() bool {
			rows = trailRows(t, milterCLI(t, "messages", "--config", cfg, "--json", "--queue-id", qid))
			return len(rows) == 1 && rows[0].State == wantState && len(rows[0].QueueIDs) > 1 && rows[0].SASLUser != ""
		}, func() string { return fmt.Sprintf("messages --queue-id %s: %+v", qid, rows) })
		return rows[0]
	}
	r1 := one(filtered, "delivered")
	if len(r1.QueueIDs) < 3 || r1.QueueIDs[0] != first || !slices.Contains(r1.QueueIDs, filtered) || r1.QueueIDs[len(r1.QueueIDs)-1] != final ||
		r1.SASLUser != "alice@bench.test" || len(r1.Recipients) != 1 || r1.Recipients[0].Status != "sent" || r1.Recipients[0].Attempts < 2 {
		t.Errorf("message 1 (%s > %s > … > %s): %+v", first, filtered, final, r1)
	}
	r2 := one(filtered2, "deferred")
	if !slices.Equal(r2.QueueIDs, []string{second, filtered2}) || r2.SASLUser != "alice@bench.test" || !strings.Contains(r2.Client, "[127.0.0.55]") {
		t.Errorf("message 2 (%s > %s, tied by the track header only): %+v", second, filtered2, r2)
	}
	all := trailRows(t, milterCLI(t, "messages", "--config", cfg, "--json"))
	for _, q := range []string{first, filtered, final, second, filtered2} {
		n := 0
		for _, r := range all {
			if slices.Contains(append(r.QueueIDs, r.QueueID), q) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("queue id %s is in %d messages of rblwatch messages, want 1", q, n)
		}
	}
	if rows := trailRows(t, milterCLI(t, "messages", "--config", cfg, "--json", "--sasl", "alice@bench.test", "--domain", "partner.test")); len(rows) != 2 {
		t.Errorf("--sasl alice@bench.test --domain partner.test: %d messages, want 2", len(rows))
	}
	if rows := trailRows(t, milterCLI(t, "messages", "--config", cfg, "--json", "--deferred")); len(rows) != 1 || rows[0].QueueID != second {
		t.Errorf("--deferred: %+v, want only %s", rows, second)
	}
	if text := milterCLI(t, "messages", "--config", cfg, "--queue-id", final); !strings.Contains(text, "queue ids "+first+" > "+filtered) ||
		!regexp.MustCompile(`to <blocked1@partner\.test> sent 2\.0\.0 at \S+ \S+, \d+ attempts since`).MatchString(text) {
		t.Errorf("rblwatch messages --queue-id %s:\n%s", final, text)
	}

	// Replay of the recorded log finds the same messages, without the
	// milter (the header_checks line and Postfix's own lines suffice).
	rep := replayJSON(t, pf.LogPath())
	if len(rep.Incidents) != 1 {
		t.Fatalf("replay: %d incidents", len(rep.Incidents))
	}
	inc := rep.Incidents[0]
	var msgs []string
	for _, m := range inc.AffectedMessages {
		msgs = append(msgs, strings.Join(m.QueueIDs, ">")+" "+m.Login+" "+m.Fate)
	}
	if want := []string{strings.Join(r1.QueueIDs, ">") + " alice@bench.test delivered", strings.Join(r2.QueueIDs, ">") + " alice@bench.test deferred"}; !slices.Equal(msgs, want) {
		t.Errorf("replay's affected messages %q, want %q", msgs, want)
	}
	if len(inc.Senders.Logins) != 1 || inc.Senders.Logins[0].Name != "alice@bench.test" || inc.Senders.Logins[0].Messages != 2 {
		t.Errorf("replay's senders %+v", inc.Senders)
	}
	// messages --incident names who sent the incident's mail.
	text := milterCLI(t, "messages", "--config", cfg, "--incident", inc.ID)
	if !strings.Contains(text, "SASL logins: alice@bench.test (2)") || !strings.Contains(text, "[127.0.0.55] (2)") || !strings.Contains(text, "queue ids "+first) || !strings.Contains(text, "queue ids "+second) {
		t.Errorf("rblwatch messages --incident %s:\n%s", inc.ID, text)
	}
	t.Logf("rblwatch messages --incident %s:\n%s", inc.ID, text)
	// A mistyped id is an error, not "no message was refused".
	bad := exec.Command(rblwatchBin, "messages", "--config", cfg, "--incident", inc.ID+"x")
	if out, err := bad.CombinedOutput(); bad.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "no incident") {
		t.Errorf("rblwatch messages --incident %sx: %v\n%s", inc.ID, err, out)
	}
	if filter.Passed() < 3 {
		t.Errorf("the filter passed %d messages", filter.Passed())
	}
	if trouble := milterTrouble(t, pf); len(trouble) > 0 {
		t.Errorf("Postfix logged milter trouble:\n%s", strings.Join(trouble, "\n"))
	}
	d.stop()
}

// queueIDOf returns the queue id of a Postfix log line.
func queueIDOf(line string) string {
	_, rest, _ := strings.Cut(line, "]: ")
	q, _, _ := strings.Cut(rest, ":")
	return q
}

func trailRows(t *testing.T, out string) []trailRow {
	t.Helper()
	var rows []trailRow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r trailRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		rows = append(rows, r)
	}
	return rows
}

// trailReport is the part of replay's JSON report this test reads.
type trailReport struct {
	Incidents []struct {
		ID      string `json:"id"`
		Senders struct {
			Logins []struct {
				Name     string `json:"name"`
				Messages int    `json:"messages"`
			} `json:"logins"`
		} `json:"senders"`
		AffectedMessages []struct {
			QueueIDs []string `json:"queue_ids"`
			Login    string   `json:"login"`
			Fate     string   `json:"fate"`
		} `json:"affected_messages"`
	} `json:"incidents"`
}

func replayJSON(t *testing.T, log string) trailReport {
	t.Helper()
	var rep trailReport
	if err := json.Unmarshal([]byte(milterCLI(t, "replay", "--format", "json", log)), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}
