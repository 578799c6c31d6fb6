package pipeline

import (
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// TestObsBatch: observations come back from a batch as they went in,
// strings of the chunk's text or not, with their times and verdicts.
func TestObsBatch(t *testing.T) {
	data := "Nov 23 15:33:47 mx postfix/smtp[1]: 90DB998626D: to=<a@remote.test>, status=bounced"
	at := time.Date(2026, 11, 23, 15, 33, 47, 0, time.UTC)
	v := classify.Verdict{Provider: "spamhaus", Listed: "192.0.2.1"}
	in := []incident.Observation{
		{Kind: postfixlog.KindDelivery, At: at, QueueID: data[36:47], Status: data[len(data)-7:], To: data[53:65], Raw: data,
			RemoteHost: "not.in.the.chunk", Verdict: &v},
		{Kind: postfixlog.KindRemoved, At: at, QueueID: data[36:47]},
		{Kind: postfixlog.KindQueued, At: at.Add(time.Second), QueueID: "static", From: ""},
	}
	var b obsBatch
	b.reset(data)
	for i := range in {
		b.add(&in[i])
	}
	v.Provider = "changed" // the batch keeps a copy
	for i := range in {
		var o incident.Observation
		b.get(i, &o)
		want := in[i]
		if want.Verdict != nil {
			if o.Verdict == nil || o.Verdict.Provider != "spamhaus" || o.Verdict.Listed != "192.0.2.1" {
				t.Errorf("%d: verdict %+v", i, o.Verdict)
			}
			o.Verdict, want.Verdict = nil, nil
		}
		if o != want {
			t.Errorf("%d: got %+v\nwant %+v", i, o, want)
		}
	}
}
