package daemon

import (
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/notify"
)

// loadDump writes the SQL dump at path (sqlite3's .dump of a state) into a
// new database at db.
func loadDump(t *testing.T, path, db string) {
	t.Helper()
	dump, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(string(dump)); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
}

// TestUpgradeKeepsTheLifecycle: a state written by the release before
// notices were recorded (schema 2, testdata/upgrade/state-v2.sql: two
// incidents opened and announced by that release — Spamhaus for a bounce
// to uni.test, Trend Micro for a deferral to acme.test) is migrated by this
// one, and the incidents go on as if no upgrade had happened: nothing is
// announced again, a delivery to acme.test clears Trend Micro's incident
// with a cleared notice (before the fix it got none: it had no note, so it
// looked muted), and Spamhaus's, rejected again, gets its digest. The old
// notices' Message-IDs were not stored: the follow-ups carry no
// In-Reply-To.
func TestUpgradeKeepsTheLifecycle(t *testing.T) {
	h := newHarness(t)
	loadDump(t, "../testdata/upgrade/state-v2.sql", h.store)
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC) // after the incidents of the dump
	h.clock.set(at)
	cfg := h.config()
	cfg.Notify.Settle = 0
	cfg.Notify.Renotify = time.Hour
	h.start(cfg)
	defer h.stop()

	rejected := stamp(at) + " mx postfix/smtp[100]: 9605C985119: to=<grace@uni.test>, relay=mx.uni.test[127.0.0.15]:25, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host mx.uni.test[127.0.0.15] said: 554 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10 (in reply to RCPT TO command))"
	delivered := stamp(at.Add(time.Second)) + " mx postfix/smtp[100]: A001498511F: to=<dave2@acme.test>, relay=mx.acme.test[198.51.100.13]:25, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)"
	appendLines(t, h.log, rejected, delivered)
	h.read(2)
	h.tickAt(at.Add(time.Minute))
	cleared := h.mail.wait(t, "cleared")
	if cleared.Kind != "cleared" || !strings.Contains(subject(t, cleared), "Trend Micro") {
		t.Fatalf("after the delivery to acme.test: %s %q, want Trend Micro's cleared notice", cleared.Kind, subject(t, cleared))
	}
	h.tickAt(at.Add(2 * time.Hour))
	digest := h.mail.wait(t, "digest")
	if digest.Kind != "digest" || !strings.Contains(subject(t, digest), "Spamhaus") {
		t.Fatalf("after a renotify period with a new rejection: %s %q, want Spamhaus's digest", digest.Kind, subject(t, digest))
	}
	for _, it := range []struct {
		name string
		item notify.Item
	}{{"cleared", cleared}, {"digest", digest}} {
		if header(t, it.item, "In-Reply-To") != "" || header(t, it.item, "References") != "" {
			t.Errorf("the %s notice threads under a Message-ID the old release never stored", it.name)
		}
	}
	h.tickAt(at.Add(3 * time.Hour))
	time.Sleep(100 * time.Millisecond)
	if n := h.mail.count(); n != 2 {
		t.Errorf("%d notices after the upgrade, want 2 (a cleared and a digest; nothing announced again)", n)
	}
}
