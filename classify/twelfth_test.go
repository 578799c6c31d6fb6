package classify

import "testing"

// Issue 14, twelfth round: generalizations by idea of what the eleventh
// round left (see testdata/README.md). Unit tests, never an accuracy figure.

// TestSuspendedWithReason: our address "suspended" is a block when the
// reply says a reason of standing, and says nothing alone ("Sending IP
// temporarily suspended" is a rate limit in dev.tsv).
func TestSuspendedWithReason(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want Category // Other: anything but a block list
	}{
		{"550 Your IP has been suspended due to abuse complaints", Blocklist},
		{"554 5.7.1 Your IP has been suspended due to spam complaints", Blocklist},
		{"421 4.7.1 The sending host 192.0.2.1 was suspended for abuse, try again later", Blocklist},
		{"550 Your server is suspended because of its poor reputation", Blocklist},
		{"550 Your network has been suspended as a compromised host", Blocklist},
		{"554 IP 192.0.2.1 suspended: listed on our RBL", Blocklist},
		{"550 Your IP has been suspended by our anti-spam system", Blocklist},
		{"451 4.3.0 [internal] Sending IP temporarily suspended", Other},
		{"451 Sending IP temporarily suspended", Other},
		{"550 User suspended", Other},
		{"550 Your account has been suspended", Other},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if tc.want == Blocklist && (v.Category != Blocklist || v.Provider != Unknown) {
			t.Errorf("%q: %s/%q (rule %s), want blocklist/unknown", tc.text, v.Category, v.Provider, v.Rule)
		}
		if tc.want != Blocklist && v.Category == Blocklist {
			t.Errorf("%q: blocklist (rule %s), want no block-list verdict", tc.text, v.Rule)
		}
	}
}
