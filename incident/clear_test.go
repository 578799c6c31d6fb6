package incident

import (
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestClearedOnlyByTheReceiver (issue 8.5): an incident clears on a
// delivery that reached one of the receivers that refused — a host of the
// same registered domain as a refusing one, over the network. A handover to
// a content filter or a local agent, or a delivery through another
// provider's host for the same recipient domain, says nothing about the
// receiver.
func TestClearedOnlyByTheReceiver(t *testing.T) {
	sentVia := func(sec int, qid, to, relayHost, relayIP string) *postfixlog.Record {
		r := delivery(sec, qid, to, "sent")
		r.RelayHost, r.RelayIP = relayHost, relayIP
		return r
	}
	cfg := Config{Settle: time.Minute}
	tests := []struct {
		name    string
		refused string // the refusing remote host
		sent    *postfixlog.Record
		cleared bool
	}{
		{"same MX", "mx.example.net", sentVia(10, "A2", "b@example.net", "mx.example.net", "198.51.100.25"), true},
		{"another MX of the receiver", "mx1.example.net", sentVia(10, "A2", "b@example.net", "mx2.example.net", "198.51.100.26"), true},
		{"public suffix kept apart", "mx.shop.co.jp", sentVia(10, "A2", "b@shop.co.jp", "mx.other.co.jp", "198.51.100.27"), false},
		{"content filter on this host", "mx.example.net", sentVia(10, "A2", "b@example.net", "127.0.0.1", "127.0.0.1"), false},
		{"local agent", "mx.example.net", sentVia(10, "A2", "b@example.net", "local", ""), false},
		{"lmtp socket", "mx.example.net", sentVia(10, "A2", "b@example.net", "mail.example.net", ""), false},
		{"a relay of another provider", "mx.example.net", sentVia(10, "A2", "b@example.net", "smtp.relay.example", "203.0.113.9"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := New(cfg)
			rej := delivery(0, "A1", "a@"+domainOf(tc.sent.To), "bounced")
			rej.RemoteHost = tc.refused
			run(tr, []step{{r: rej, v: barracuda}, {r: tc.sent}, {tick: 300}})
			incs := tr.Incidents()
			if len(incs) != 1 {
				t.Fatalf("%d incidents", len(incs))
			}
			if got := incs[0].Status == Cleared; got != tc.cleared {
				t.Errorf("cleared %v (%s by %q), want %v", got, incs[0].Status, incs[0].ClearedBy, tc.cleared)
			}
			if tc.cleared && incs[0].ClearedBy != "delivered" {
				t.Errorf("cleared by %q", incs[0].ClearedBy)
			}
		})
	}
}
