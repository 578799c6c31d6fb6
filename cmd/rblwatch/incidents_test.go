package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/track"
)

// incidentsCLI runs "rblwatch incidents args…".
func incidentsCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, log: zap.NewNop(), getenv: func(string) string { return "" }}
	err := dispatch(t.Context(), e, append([]string{"incidents"}, args...))
	code := exitCode(&stderr, err)
	return stdout.String(), stderr.String(), code
}

// incidentsStore makes a state with an announced ongoing incident, one not
// announced yet, one cleared an hour ago and one cleared long ago; it
// returns the configuration naming it.
func incidentsStore(t *testing.T) (cfg, db string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "state.db")
	st, err := track.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Now()
	inc := func(id, provider, listed string, status incident.Status, first time.Time) incident.Incident {
		i := incident.Incident{ID: id, Key: incident.Key{Provider: provider, Listed: listed}, Status: status, FirstSeen: first, LastSeen: first.Add(time.Minute), Bounced: 2, Deferred: 3,
			Messages: []incident.Message{{QueueID: "A1", Recipients: []string{"a@example.net"}}}}
		if status == incident.Cleared {
			i.ClearedAt, i.ClearedBy = first.Add(time.Hour), "delivered"
		}
		return i
	}
	err = st.Tx(context.Background(), func(tx *track.Tx) error {
		for _, i := range []incident.Incident{
			inc("spamhaus-192.0.2.1-a", "spamhaus", "192.0.2.1", incident.Ongoing, now.Add(-3*time.Hour)),
			inc("barracuda-192.0.2.1-b", "barracuda", "192.0.2.1", incident.Open, now.Add(-time.Minute)),
			inc("microsoft-192.0.2.1-c", "microsoft", "192.0.2.1", incident.Cleared, now.Add(-2*time.Hour)),
			inc("spamcop-192.0.2.1-d", "spamcop", "192.0.2.1", incident.Cleared, now.Add(-30*24*time.Hour)),
		} {
			if err := tx.SaveIncident(i); err != nil {
				return err
			}
		}
		return tx.SaveIncidentNote(track.IncidentNote{IncidentID: "spamhaus-192.0.2.1-a", Thread: "spamhaus-192.0.2.1-a"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Mutes that ended: one expired an hour ago, one lifted (not pruned
	// yet: the listings must not show them as in force).
	for _, m := range []track.Mute{
		{Provider: "microsoft", Until: now.Add(-time.Hour), CreatedAt: now.Add(-3 * time.Hour), CreatedBy: "old"},
		{Provider: "spamhaus", CreatedAt: now.Add(-3 * time.Hour), CreatedBy: "old"},
	} {
		if _, err := st.AddMute(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.LiftMutes(context.Background(), "spamhaus", "", now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	cfg = filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("notify: {to: pm@example.com}\nstate:\n  path: "+db+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg, db
}

func TestIncidentsCommand(t *testing.T) {
	cfg, db := incidentsStore(t)
	ids := func(out string) []string {
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var r incidentRow
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			got = append(got, r.ID+" "+r.Status)
		}
		return got
	}
	out, stderr, code := incidentsCLI(t, "--config", cfg, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, `"muted`) {
		t.Errorf("an ended mute is shown as in force:\n%s", out)
	}
	if text, _, _ := incidentsCLI(t, "--config", cfg); strings.Contains(text, "muted") {
		t.Errorf("an ended mute is listed:\n%s", text)
	}
	if got := strings.Join(ids(out), ", "); got != "barracuda-192.0.2.1-b open, microsoft-192.0.2.1-c cleared, spamhaus-192.0.2.1-a ongoing" {
		t.Errorf("open and recent incidents: %s", got)
	}

	// ack: flags after the operation too.
	if out, stderr, code = incidentsCLI(t, "ack", "--config", cfg, "spamhaus-192.0.2.1-a"); code != 0 || !strings.Contains(out, "acknowledged spamhaus-192.0.2.1-a") {
		t.Errorf("ack: exit %d, %q %q", code, out, stderr)
	}
	// ...and after its arguments, as a postmaster adds them to a pasted command.
	if out, stderr, code = incidentsCLI(t, "ack", "spamhaus-192.0.2.1-a", "--config", cfg); code != 0 || !strings.Contains(out, "acknowledged spamhaus-192.0.2.1-a") {
		t.Errorf("ack ID --config: exit %d, %q %q", code, out, stderr)
	}
	if _, stderr, code = incidentsCLI(t, "mute", "barracuda", "for", "-1h", "--config", cfg); code != 2 || !strings.Contains(stderr, `"-1h" is not a duration`) {
		t.Errorf("mute for -1h: exit %d, %q", code, stderr)
	}
	// A zero time is a duration, only too short: it was "not a duration".
	if _, stderr, code = incidentsCLI(t, "mute", "barracuda", "for", "0s", "--config", cfg); code != 2 || !strings.Contains(stderr, "for 0s would end at once") {
		t.Errorf("mute for 0s: exit %d, %q", code, stderr)
	}
	if _, stderr, code = incidentsCLI(t, "--config", cfg, "ack", "nosuch"); code != 2 || !strings.Contains(stderr, `no incident "nosuch"`) {
		t.Errorf("ack of an unknown incident: exit %d, %q", code, stderr)
	}
	if _, stderr, code = incidentsCLI(t, "--config", cfg, "ack", "barracuda-192.0.2.1-b"); code != 1 || !strings.Contains(stderr, "not been announced") {
		t.Errorf("ack of an incident not announced: exit %d, %q", code, stderr)
	}
	// One that is over and was never announced (a backlog summary told of
	// it) will get no notice: it was told to wait for "its first notice".
	if _, stderr, code = incidentsCLI(t, "--config", cfg, "ack", "microsoft-192.0.2.1-c"); code != 1 || !strings.Contains(stderr, "is over") || strings.Contains(stderr, "yet") {
		t.Errorf("ack of a cleared incident never announced: exit %d, %q", code, stderr)
	}
	// mute for a while, and for good; unmute.
	if out, stderr, code = incidentsCLI(t, "--config", cfg, "mute", "barracuda", "for", "7d"); code != 0 || !strings.Contains(out, "muted barracuda until") {
		t.Errorf("mute: exit %d, %q %q", code, out, stderr)
	}
	// Muted, it will get no notice to acknowledge after: it was told to
	// wait for "its first notice".
	if _, stderr, code = incidentsCLI(t, "--config", cfg, "ack", "barracuda-192.0.2.1-b"); code != 1 || !strings.Contains(stderr, "is muted (barracuda)") {
		t.Errorf("ack of a muted incident not announced: exit %d, %q", code, stderr)
	}
	if _, stderr, code = incidentsCLI(t, "--config", cfg, "mute", "spamhous", "for", "7d"); code != 2 || !strings.Contains(stderr, `"spamhous" is no provider`) {
		t.Errorf("mute of a mistyped provider: exit %d, %q", code, stderr)
	}
	// A list's zone is no address it lists: muted as a domain it would
	// mute no incident ("muted zen.spamhaus.org until unmuted"); a keyed
	// zone by what follows its key.
	for _, zone := range []string{"zen.spamhaus.org", "ZEN.Spamhaus.org.", "zen.dq.spamhaus.net"} {
		if _, stderr, code = incidentsCLI(t, "--config", cfg, "mute", zone); code != 2 || !strings.Contains(stderr, "is a zone of the catalog's provider spamhaus") || !strings.Contains(stderr, "rblwatch incidents mute spamhaus") {
			t.Errorf("mute of the zone %s: exit %d, %q", zone, code, stderr)
		}
	}
	if out, _, code = incidentsCLI(t, "--config", cfg, "mute", "unknown", "for", "1h"); code != 0 || !strings.Contains(out, "muted unknown until") {
		t.Errorf("mute unknown: exit %d, %q", code, out)
	}
	if _, _, code = incidentsCLI(t, "--config", cfg, "unmute", "unknown"); code != 0 {
		t.Errorf("unmute unknown: exit %d", code)
	}
	// The confirmation names the target as the list will show it.
	if out, _, code = incidentsCLI(t, "--config", cfg, "mute", "Mail.EXAMPLE.net."); code != 0 || !strings.HasPrefix(out, "muted mail.example.net until unmuted") {
		t.Errorf("mute a domain: exit %d, %q", code, out)
	}
	if out, _, code = incidentsCLI(t, "--config", cfg, "unmute", "MAIL.example.net"); code != 0 || out != "unmuted mail.example.net\n" {
		t.Errorf("unmute a domain: exit %d, %q", code, out)
	}
	if out, _, code = incidentsCLI(t, "--config", cfg, "mute", "192.0.2.77"); code != 0 || !strings.Contains(out, "until unmuted") {
		t.Errorf("mute an IP: exit %d, %q", code, out)
	}
	out, _, _ = incidentsCLI(t, "--config", cfg)
	// A cleared incident says when it cleared, as its JSON does.
	for _, want := range []string{"acked ", "muted until ", "muted: barracuda until ", "muted: 192.0.2.77 until unmuted", "cleared 20"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	// In JSON a mute is a boolean and its end a time in RFC 3339, as the
	// other times: it was the text "until 2026-12-07 00:39", in the local
	// zone with no offset, or "yes".
	out, _, _ = incidentsCLI(t, "--config", cfg, "--json")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if !strings.HasPrefix(r["id"].(string), "barracuda-") {
			continue
		}
		until, err := time.Parse(time.RFC3339Nano, fmt.Sprint(r["muted_until"]))
		if r["muted"] != true || err != nil || until.Before(time.Now().Add(6*24*time.Hour)) {
			t.Errorf("muted %v, muted_until %v (%v); want true and a time 7 days on: %s", r["muted"], r["muted_until"], err, l)
		}
	}
	if _, _, code = incidentsCLI(t, "--config", cfg, "unmute", "barracuda"); code != 0 {
		t.Errorf("unmute: exit %d", code)
	}
	if _, stderr, code = incidentsCLI(t, "--config", cfg, "unmute", "barracuda"); code != 1 || !strings.Contains(stderr, "not muted") {
		t.Errorf("unmute twice: exit %d, %q", code, stderr)
	}

	st, err := track.OpenReadOnly(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, _, _ := st.IncidentNote(context.Background(), "spamhaus-192.0.2.1-a")
	mutes, _ := st.Mutes(context.Background(), time.Now())
	if n.AckedAt.IsZero() || len(mutes) != 1 || mutes[0].Listed != "192.0.2.77" {
		t.Errorf("store: note %+v, mutes %+v", n, mutes)
	}

	// Usage errors: exit 2.
	for _, args := range [][]string{
		{"mute"}, {"mute", "barracuda", "for"}, {"mute", "barracuda", "for", "soon"}, {"mute", "bar racuda"},
		// Neither an address nor a domain, though they have dots: a mute
		// of them would match no incident (a range is not an address).
		{"mute", "10.0.0.0/8"}, {"mute", "192.0.2.1:25"}, {"mute", "example..com"},
		{"unmute", "x", "for", "1d"}, {"ack"}, {"snooze", "x"}, {"--since", "later"},
	} {
		if _, _, code := incidentsCLI(t, append([]string{"--config", cfg}, args...)...); code != 2 {
			t.Errorf("incidents %q: exit %d, want 2", args, code)
		}
	}
	// A bad --since says what it takes, not the configuration parser's
	// "config: invalid duration".
	if _, stderr, code := incidentsCLI(t, "--config", cfg, "--since", "1y"); code != 2 || !strings.Contains(stderr, `--since: "1y" is not a duration (7d, 24h`) {
		t.Errorf("--since 1y: exit %d, stderr %q", code, stderr)
	}
}

// TestWriteIncidentsEmpty: with no incident the table says so, without a
// header over nothing; with one, the header comes first.
func TestWriteIncidentsEmpty(t *testing.T) {
	for _, tt := range []struct {
		name       string
		rows       []incidentRow
		wantHeader bool
		wantNone   bool
	}{
		{"none", nil, false, true},
		{"one", []incidentRow{{ID: "spamhaus-192.0.2.1-a", Status: "open", Provider: "spamhaus", Listed: "192.0.2.1"}}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := writeIncidents(&b, tt.rows, nil); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if got := strings.HasPrefix(out, "ID "); got != tt.wantHeader {
				t.Errorf("header %v, want %v:\n%s", got, tt.wantHeader, out)
			}
			if got := strings.Contains(out, "no open or recent incident"); got != tt.wantNone {
				t.Errorf("'no open or recent incident' %v, want %v:\n%s", got, tt.wantNone, out)
			}
		})
	}
}
