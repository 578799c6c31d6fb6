package postfixlog

import (
	"testing"
	"time"
)

// TestLink: the lines that tie two queue ids of one message together,
// as Postfix 3.7 logs them (a content filter's reply, a header_checks INFO
// rule logging the track header, postsuper -r), and look-alikes that must
// not.
func TestLink(t *testing.T) {
	for _, tc := range []struct {
		name, line    string
		kind          Kind
		prev, next    string
		via           LinkVia
		header, value string
		origQID       string
	}{
		{name: "content filter on loopback (amavis quotes the re-injection's reply)",
			line: "Dec  6 09:27:35 mail postfix/smtp[32232]: 1AFA39CA54E: to=<b@partner.test>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 28A879CA567)",
			kind: KindDelivery, prev: "1AFA39CA54E", next: "28A879CA567", via: ViaFilter},
		{name: "content filter named localhost, long queue ids",
			line: "Dec  6 09:27:35 mail postfix/smtp[32232]: 4dQ3Lw1Y1kz9sWR: to=<b@partner.test>, relay=localhost[::1]:10024, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4dQ3Lw1Z5Nz9sWS)",
			kind: KindDelivery, prev: "4dQ3Lw1Y1kz9sWR", next: "4dQ3Lw1Z5Nz9sWS", via: ViaFilter},
		{name: "a remote's queue id is not ours",
			line: "Dec  6 09:27:35 mail postfix/smtp[32232]: 1AFA39CA54E: to=<b@partner.test>, relay=mx.partner.test[192.0.2.25]:25, delay=0.2, delays=0.1/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4F3AB1C2D)",
			kind: KindDelivery},
		{name: "a deferral by the filter links nothing",
			line: "Dec  6 09:27:35 mail postfix/smtp[32232]: 1AFA39CA54E: to=<b@partner.test>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.2, delays=0.1/0/0/0.1, dsn=4.3.0, status=deferred (host 127.0.0.1[127.0.0.1] said: 451 4.3.0 queued as 28A879CA567 failed (in reply to end of DATA command))",
			kind: KindDelivery},
		{name: "track header logged by header_checks INFO",
			line: "Dec  6 09:27:35 mail postfix/cleanup[32231]: 28A879CA567: info: header X-Rblwatch-Track: 1AFA39CA54E-01020304 from localhost[127.0.0.1]; from=<a@bench.test> to=<b@partner.test> proto=ESMTP helo=<client.example.test>",
			kind: KindHeader, prev: "1AFA39CA54E", next: "28A879CA567", via: ViaHeader, header: "X-Rblwatch-Track", value: "1AFA39CA54E-01020304"},
		{name: "the same header in the message that carries it first",
			line: "Dec  6 09:27:35 mail postfix/cleanup[32231]: 1AFA39CA54E: info: header X-Rblwatch-Track: 1AFA39CA54E-01020304 from localhost[127.0.0.1]; from=<a@bench.test> to=<b@partner.test> proto=ESMTP helo=<x>",
			kind: KindHeader, header: "X-Rblwatch-Track", value: "1AFA39CA54E-01020304"},
		{name: "another header an INFO rule logs",
			line: "Dec  6 09:27:35 mail postfix/cleanup[32231]: 28A879CA567: info: header Subject: offer from the shop from localhost[127.0.0.1]; from=<a@bench.test> to=<b@partner.test> proto=ESMTP helo=<x>",
			kind: KindHeader, header: "Subject", value: "offer from the shop"},
		{name: "a value that only looks like a track id",
			line: "Dec  6 09:27:35 mail postfix/cleanup[32231]: 28A879CA567: info: header X-Rblwatch-Track: noqueue-01020304 from local; from=<a@bench.test> to=<b@partner.test>",
			kind: KindHeader, header: "X-Rblwatch-Track", value: "noqueue-01020304"},
		{name: "postsuper -r: pickup names the old queue id",
			line: "Dec  6 09:27:35 mail postfix/pickup[32219]: 28A879CA567: uid=103 from=<a@bench.test> orig_id=1AFA39CA54E",
			kind: KindPickup, prev: "1AFA39CA54E", next: "28A879CA567", via: ViaRequeue, origQID: "1AFA39CA54E"},
		{name: "pickup of a new submission",
			line: "Dec  6 09:27:35 mail postfix/pickup[32219]: 28A879CA567: uid=0 from=<root@bench.test>",
			kind: KindPickup},
		{name: "postsuper -r removes the old queue file",
			line: "Dec  6 09:27:35 mail postfix/postsuper[32234]: 1AFA39CA54E: requeued",
			kind: KindRemoved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Record
			if err := NewParser(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.UTC).Parse(tc.line, &r); err != nil {
				t.Fatal(err)
			}
			if r.Kind != tc.kind || r.HeaderName != tc.header || r.HeaderValue != tc.value || r.OrigQueueID != tc.origQID {
				t.Errorf("kind %v header %q %q orig_id %q; want %v %q %q %q", r.Kind, r.HeaderName, r.HeaderValue, r.OrigQueueID, tc.kind, tc.header, tc.value, tc.origQID)
			}
			prev, next, via, ok := r.Link()
			if ok != (tc.next != "") || prev != tc.prev || next != tc.next || via != tc.via {
				t.Errorf("Link() = %q %q %q %v, want %q %q %q", prev, next, via, ok, tc.prev, tc.next, tc.via)
			}
		})
	}
}

func TestQueuedAs(t *testing.T) {
	for detail, want := range map[string]string{
		"250 2.0.0 Ok: queued as 28A879CA567":                                                 "28A879CA567",
		"250 2.0.0 from MTA(smtp:[127.0.0.1]:10025): 250 2.0.0 Ok: queued as 28A879CA567":     "28A879CA567",
		"250 2.0.0 Ok: queued as 28A879CA567.":                                                "28A879CA567",
		"250 2.0.0 Ok: id=12345-01, queued_as 4F3A":                                           "",
		"250 2.0.0 Ok: queued as <1234@x>":                                                    "",
		"250 OK queued as 1":                                                                  "",
		"250 2.0.0 Ok: queued as 4dQ3Lw1Z5Nz9sWS":                                             "4dQ3Lw1Z5Nz9sWS",
		"250 2.0.0 Ok: queued as 28A879CA567 (queued as ABCDEF0123 earlier) queued as 99AB12": "99AB12",
	} {
		if got := QueuedAs(detail); got != want {
			t.Errorf("QueuedAs(%q) = %q, want %q", detail, got, want)
		}
	}
}

// TestLocalRelay: a delivery to this host is one to localhost or to a
// loopback address, in any of its spellings; others are not.
func TestLocalRelay(t *testing.T) {
	for ip, want := range map[string]bool{
		"127.0.0.1": true, "127.3.4.5": true, "::1": true, "0:0:0:0:0:0:0:1": true, "0000:0000:0000:0000:0000:0000:0000:0001": true,
		"::ffff:127.0.0.1": true, "::1%lo": true,
		"": false, "192.0.2.1": false, "10.0.0.1": false, "2001:db8::1": false, "::": false, "0.0.0.0": false, "::ffff:192.0.2.1": false,
	} {
		r := Record{RelayIP: ip}
		if got := r.localRelay(); got != want {
			t.Errorf("localRelay(%q) = %v, want %v", ip, got, want)
		}
	}
	if r := (Record{RelayHost: "localhost"}); !r.localRelay() {
		t.Error("localhost is not local")
	}
}
