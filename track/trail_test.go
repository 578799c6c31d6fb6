package track

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// trailLog is one message's life as Postfix 3.7 logs it: submitted with
// SASL (1AFA39CA54E), handed to a content filter that queued it again
// (28A879CA567: the filter's reply and the track header name the first
// queue id), refused there by a blocklist, requeued with postsuper -r
// (3B0C12D4E5F) and delivered; beside it an unrelated message, and an old
// message that had queue id 28A879CA567 two days before.
var trailLog = []string{
	"Dec  4 08:00:00 mx postfix/smtpd[99]: 28A879CA567: client=old.example[192.0.2.9]",
	"Dec  4 08:00:01 mx postfix/qmgr[90]: 28A879CA567: from=<old@ours.example>, size=300, nrcpt=1 (queue active)",
	"Dec  4 08:00:02 mx postfix/smtp[98]: 28A879CA567: to=<x@example.org>, relay=mx.example.org[198.51.100.7]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)",
	"Dec  4 08:00:02 mx postfix/qmgr[90]: 28A879CA567: removed",
	"Dec  6 10:00:00 mx postfix/smtpd[100]: 1AFA39CA54E: client=pc.ours.example[192.0.2.55], sasl_method=PLAIN, sasl_username=alice",
	"Dec  6 10:00:00 mx postfix/cleanup[102]: 1AFA39CA54E: message-id=<m1@ours.example>",
	"Dec  6 10:00:00 mx postfix/qmgr[90]: 1AFA39CA54E: from=<alice@ours.example>, size=400, nrcpt=1 (queue active)",
	"Dec  6 10:00:01 mx postfix/smtpd[101]: 28A879CA567: client=localhost[127.0.0.1]",
	"Dec  6 10:00:01 mx postfix/cleanup[102]: 28A879CA567: info: header X-Rblwatch-Track: 1AFA39CA54E-0a0b0c0d from localhost[127.0.0.1]; from=<alice@ours.example> to=<bob@example.net> proto=ESMTP helo=<localhost>",
	"Dec  6 10:00:01 mx postfix/cleanup[102]: 28A879CA567: message-id=<m1@ours.example>",
	"Dec  6 10:00:01 mx postfix/smtp[103]: 1AFA39CA54E: to=<bob@example.net>, relay=127.0.0.1[127.0.0.1]:10024, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 28A879CA567)",
	"Dec  6 10:00:01 mx postfix/qmgr[90]: 1AFA39CA54E: removed",
	"Dec  6 10:00:01 mx postfix/qmgr[90]: 28A879CA567: from=<alice@ours.example>, size=600, nrcpt=1 (queue active)",
	"Dec  6 10:00:02 mx postfix/smtp[104]: 28A879CA567: to=<bob@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=1, delays=0/0/0/1, dsn=4.7.1, status=deferred (host mx.example.net[198.51.100.25] said: 450 4.7.1 blocked using Spamhaus (in reply to RCPT TO command))",
	"Dec  6 10:01:00 mx postfix/smtpd[100]: 4C1D22E3F40: client=other.ours.example[192.0.2.66]",
	"Dec  6 10:01:00 mx postfix/qmgr[90]: 4C1D22E3F40: from=<carol@ours.example>, size=400, nrcpt=1 (queue active)",
	"Dec  6 10:01:01 mx postfix/smtp[103]: 4C1D22E3F40: to=<dan@example.com>, relay=mx.example.com[198.51.100.30]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99FE12AB)",
	"Dec  6 10:01:01 mx postfix/qmgr[90]: 4C1D22E3F40: removed",
	"Dec  6 10:05:00 mx postfix/postsuper[105]: 28A879CA567: requeued",
	"Dec  6 10:05:00 mx postfix/pickup[106]: 3B0C12D4E5F: uid=0 from=<alice@ours.example> orig_id=28A879CA567",
	"Dec  6 10:05:00 mx postfix/cleanup[102]: 3B0C12D4E5F: info: header X-Rblwatch-Track: 1AFA39CA54E-0a0b0c0d from local; from=<alice@ours.example> to=<bob@example.net>",
	"Dec  6 10:05:00 mx postfix/qmgr[90]: 3B0C12D4E5F: from=<alice@ours.example>, size=700, nrcpt=1 (queue active)",
	"Dec  6 10:05:01 mx postfix/smtp[104]: 3B0C12D4E5F: to=<bob@example.net>, relay=mx.example.net[198.51.100.25]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 ok)",
	"Dec  6 10:05:01 mx postfix/qmgr[90]: 3B0C12D4E5F: removed",
}

func applyLines(t *testing.T, s *Store, lines []string) {
	t.Helper()
	p := postfixlog.NewParser(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.UTC)
	mustTx(t, s, func(tx *Tx) error {
		for _, l := range lines {
			var r postfixlog.Record
			if err := p.Parse(l, &r); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			if err := tx.ApplyRecord(&r); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestTrails(t *testing.T) {
	s := openTest(t)
	applyLines(t, s, trailLog)
	ctx := context.Background()
	trails, err := s.Trails(ctx, TrailFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tr := range trails {
		got = append(got, strings.Join(tr.QueueIDs(), ">"))
	}
	if want := []string{"28A879CA567", "1AFA39CA54E>28A879CA567>3B0C12D4E5F", "4C1D22E3F40"}; !slices.Equal(got, want) {
		t.Fatalf("trails %q, want %q", got, want)
	}
	tr := trails[1]
	if tr.Hops[1].Via != postfixlog.ViaFilter || tr.Hops[2].Via != postfixlog.ViaRequeue {
		t.Errorf("vias %q %q", tr.Hops[1].Via, tr.Hops[2].Via)
	}
	if sender, _ := tr.Sender(); sender != "alice@ours.example" || tr.Login() != "alice" || tr.Client() != "pc.ours.example[192.0.2.55]" {
		t.Errorf("submitter %q %q %q", sender, tr.Login(), tr.Client())
	}
	rc := tr.Recipients()
	if len(rc) != 1 || rc[0].Address != "bob@example.net" || rc[0].Status != "sent" || rc[0].Attempts != 2 ||
		!rc[0].FirstSeen.Equal(time.Date(2026, 12, 6, 10, 0, 2, 0, time.UTC)) || !rc[0].UpdatedAt.Equal(time.Date(2026, 12, 6, 10, 5, 1, 0, time.UTC)) {
		t.Errorf("final recipients %+v: want bob sent at 10:05:01 after 2 attempts since 10:00:02, not the hand-over to the filter", rc)
	}
	if tr.State() != StateDelivered {
		t.Errorf("state %s", tr.State())
	}

	for _, tc := range []struct {
		name string
		f    TrailFilter
		want []string
	}{
		{"any queue id", TrailFilter{QueueID: "28A879CA567"}, []string{"28A879CA567", "1AFA39CA54E"}},
		{"sender", TrailFilter{Sender: "ALICE@ours.example"}, []string{"1AFA39CA54E"}},
		{"login", TrailFilter{Login: "alice"}, []string{"1AFA39CA54E"}},
		{"recipient domain", TrailFilter{Domain: "example.net"}, []string{"1AFA39CA54E"}},
		{"state of the last hop", TrailFilter{State: StateDelivered}, []string{"28A879CA567", "1AFA39CA54E", "4C1D22E3F40"}},
		{"since", TrailFilter{Since: time.Date(2026, 12, 6, 10, 3, 0, 0, time.UTC)}, []string{"1AFA39CA54E"}},
		{"until", TrailFilter{Until: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}, []string{"28A879CA567"}},
		{"no such login", TrailFilter{Login: "mallory"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			trails, err := s.Trails(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tr := range trails {
				got = append(got, tr.First().QueueID)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("first queue ids %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRecentSenders: who sent the mail of a window, each message once
// (the filter's re-injection and the requeued copy are not counted again).
func TestRecentSenders(t *testing.T) {
	s := openTest(t)
	applyLines(t, s, trailLog)
	since, until := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		domain string
		want   incident.Who
	}{
		{"", incident.Who{Messages: 2, Window: 24 * time.Hour, Logins: []incident.Count{{Name: "alice", Messages: 1}},
			Senders: []incident.Count{{Name: "alice@ours.example", Messages: 1}, {Name: "carol@ours.example", Messages: 1}},
			Clients: []incident.Count{{Name: "pc.ours.example[192.0.2.55]", Messages: 1}, {Name: "other.ours.example[192.0.2.66]", Messages: 1}}}},
		{"ours.example", incident.Who{Messages: 2, Window: 24 * time.Hour, Logins: []incident.Count{{Name: "alice", Messages: 1}},
			Senders: []incident.Count{{Name: "alice@ours.example", Messages: 1}, {Name: "carol@ours.example", Messages: 1}},
			Clients: []incident.Count{{Name: "pc.ours.example[192.0.2.55]", Messages: 1}, {Name: "other.ours.example[192.0.2.66]", Messages: 1}}}},
		{"example.org", incident.Who{Window: 24 * time.Hour, Logins: []incident.Count{}, Senders: []incident.Count{}, Clients: []incident.Count{}}},
	} {
		var got incident.Who
		mustTx(t, s, func(tx *Tx) error {
			var err error
			got, err = tx.RecentSenders(since, until, tc.domain, 10)
			return err
		})
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("domain %q:\n got %+v\nwant %+v", tc.domain, got, tc.want)
		}
	}
}

// TestRecentSendersLeavesOutMailDeliveredHere: the mail of a self-check
// listing's window that never left this host — delivered to a mailbox
// here (local, virtual, a pipe, LMTP on a unix socket) — is not counted:
// on a host that is also an MX the senders of incoming mail (newsletters,
// outside correspondents) topped "who sent mail from this host". A message
// of which one recipient was handed on over TCP or is still queued
// counts.
func TestRecentSendersLeavesOutMailDeliveredHere(t *testing.T) {
	s := openTest(t)
	in := func(qid, from string, rcpts ...string) []string {
		l := []string{"Dec  6 11:00:00 mx postfix/smtpd[300]: " + qid + ": client=mail.news.example[203.0.113.5]",
			"Dec  6 11:00:00 mx postfix/qmgr[90]: " + qid + ": from=<" + from + ">, size=900, nrcpt=1 (queue active)"}
		for _, r := range rcpts {
			l = append(l, "Dec  6 11:00:01 mx postfix/"+r+", delay=0.1, delays=0/0/0/0.1")
		}
		return l
	}
	lines := slices.Clone(trailLog)
	lines = append(lines, in("5D5D5D5D5D", "news@news.example", "local[200]: 5D5D5D5D5D: to=<u@ours.example>, relay=local, dsn=2.0.0, status=sent (delivered to mailbox)")...)
	lines = append(lines, in("6E6E6E6E6E", "news@news.example", "lmtp[201]: 6E6E6E6E6E: to=<v@ours.example>, relay=mx.ours.example[private/dovecot-lmtp], dsn=2.0.0, status=sent (250 2.0.0 <v@ours.example> Saved)")...)
	lines = append(lines, in("7F7F7F7F7F", "news@news.example", "virtual[202]: 7F7F7F7F7F: to=<w@ours.example>, relay=virtual, dsn=2.0.0, status=sent (delivered to maildir)",
		"pipe[203]: 7F7F7F7F7F: to=<x@ours.example>, relay=dovecot, dsn=2.0.0, status=sent (delivered via dovecot service)")...)
	lines = append(lines, in("8A8A8A8A8A", "friend@else.example", "local[200]: 8A8A8A8A8A: to=<u@ours.example>, relay=local, dsn=2.0.0, status=sent (delivered to mailbox)",
		"smtp[204]: 8A8A8A8A8A: to=<u@example.com>, relay=mx.example.com[198.51.100.30]:25, dsn=4.7.1, status=deferred (host mx.example.com[198.51.100.30] said: 450 4.7.1 blocked using Spamhaus (in reply to RCPT TO command))")...)
	applyLines(t, s, lines)
	var got incident.Who
	mustTx(t, s, func(tx *Tx) error {
		var err error
		got, err = tx.RecentSenders(time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), "", 10)
		return err
	})
	want := []incident.Count{{Name: "alice@ours.example", Messages: 1}, {Name: "carol@ours.example", Messages: 1}, {Name: "friend@else.example", Messages: 1}}
	if got.Messages != 3 || !slices.Equal(got.Senders, want) {
		t.Errorf("%d messages, senders %+v; want 3, %+v", got.Messages, got.Senders, want)
	}
}
