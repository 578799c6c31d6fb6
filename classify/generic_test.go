package classify

import "testing"

// TestGenericLayerKeepsOtherCategories: replies that show our address but
// refuse for another reason (relaying, rates, SPF, content, recipients,
// greylisting, reverse DNS) stay out of the blocklist category, while the
// same address with a refusing predicate and no other cue is a blocklist
// verdict. Break a generic rule's "not" list or its priority and a row here
// fails.
func TestGenericLayerKeepsOtherCategories(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text string
		want Category
	}{
		{"554 5.7.1 <user@example.org>: Relay access denied for 192.0.2.1", Policy},
		{"421 4.7.0 Error: too many connections from 192.0.2.1", RateLimit},
		{"550 5.7.1 Rejected: 192.0.2.1 is not a permitted sender of example.org (SPF fail)", Auth},
		{"550 5.7.23 192.0.2.1 is not allowed to send mail for example.org per its SPF record", Auth},
		{"451 4.7.1 192.0.2.1: Greylisted, please try again in 300 seconds", Greylist},
		{"450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", Policy},
		{"550 5.7.1 [192.0.2.1] This message has been blocked because its content looks like spam", Content},
		{"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table", Recipient},
		{"550 mailbox is blocked", Other},
		{"554 Message content rejected, see http://example.org/help/content.html", Content},
		// The same shapes refusing the address itself are blocklist ones.
		{"421 4.7.0 This IP [192.0.2.1] is blocked.", Blocklist},
		{"550 Your IP 192.0.2.1 is a known spam source", Blocklist},
		{"550 bad sender ip address", Blocklist},
		{"554 Please visit http://antispam.example.org/denyip.php?IP=192.0.2.1 (#5.7.1)", Blocklist},
		{"550 example is blocked", Blocklist},
	} {
		v := c.Classify(InputFromText(tc.text, ""))
		if v.Category != tc.want {
			t.Errorf("%q: category %s (rule %s), want %s", tc.text, v.Category, v.Rule, tc.want)
		}
	}
}
