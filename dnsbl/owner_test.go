package dnsbl

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/dnsbl/dnsbltest"
)

// TestAnswerOwnerChecked: A and TXT records count only when they are about
// the name asked (directly or through a CNAME chain from it); an answer
// about other names only — a broken or hostile resolver stuffing it — is
// an error, never a listing nor a "clean"; so is a flood of answers.
func TestAnswerOwnerChecked(t *testing.T) {
	fake := dnsbltest.StartFake(t)
	r := &Resolver{Server: fake.Addr, Timeout: time.Second, Attempts: 1}
	zone := Zone{Name: "owner.test"}
	tests := []struct {
		name string
		mode dnsbltest.Mode
		want Status
		txt  string
	}{
		{"the name asked", dnsbltest.Listed("127.0.0.2", "reason"), StatusListed, "reason"},
		// Records about something else: not "no record" either, so an
		// error, which decides nothing.
		{"another name", dnsbltest.Mode{A: []string{"127.0.0.2"}, TXT: "forged", Owner: "2.0.0.127.other.test"}, StatusError, ""},
		{"a parent name", dnsbltest.Mode{A: []string{"127.0.0.2"}, TXT: "forged", Owner: "owner.test"}, StatusError, ""},
		{"through a CNAME", dnsbltest.Mode{A: []string{"127.0.0.4"}, TXT: "via alias", CNAME: "listed.elsewhere.test"}, StatusListed, "via alias"},
		{"too many answers", dnsbltest.Mode{A: manyCodes(MaxAnswers + 1), TXT: "flood"}, StatusError, ""},
		{"as many answers as allowed", dnsbltest.Mode{A: manyCodes(MaxAnswers), TXT: "many"}, StatusListed, "many"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.Set("owner.test", tt.mode)
			res := Lookup(context.Background(), nil, r, zone, "192.0.2.1", t0)
			if res.Status != tt.want || res.TXT != tt.txt {
				t.Errorf("status %s, TXT %q (%v); want %s, %q", res.Status, res.TXT, res.Err, tt.want, tt.txt)
			}
		})
	}
}

// manyCodes returns n different answers in 127.0.0.0/8.
func manyCodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("127.0.1.%d", i+1)
	}
	return out
}
