package classify

import "testing"

// TestReceiverHosts: a receiver's or hosted filter's own inbound mail host,
// in a Postfix "host … said:" line as the log and a bounce show it, names
// that receiver when the reply names no list (found relay; issue 14.2).
// The host suffixes are the catalog's, from the providers' own pages or
// their customers' MX records; a reply that is not a block stays what it
// is whatever host sent it.
func TestReceiverHosts(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		source, line string
		provider     string // "" for no block-list verdict
		category     Category
		found        string
		via          string // the receiver that relayed another's verdict, when checked
	}{
		{"Forcepoint: custNNNN-1.in.mailcontrol.com", "host cust1234-1.in.mailcontrol.com[192.0.2.9] said: 550 Your IP 192.0.2.1 is blacklisted (in reply to RCPT TO command)", "forcepoint", Blocklist, FoundRelay, ""},
		{"Trend Micro Email Security: *.in.tmes.trendmicro.com", "host example.in.tmes.trendmicro.com[192.0.2.9] said: 550 5.7.1 Your IP is on a blocklist (in reply to RCPT TO command)", "trendmicro", Blocklist, FoundRelay, ""},
		{"Sophos Email: *.prod.hydra.sophos.com", "host mx-01-eu-west-1.prod.hydra.sophos.com[192.0.2.9] said: 554 Your IP address 192.0.2.1 is blacklisted (in reply to RCPT TO command)", "sophos", Blocklist, FoundRelay, ""},
		{"Italiaonline: mx.libero.it", "host smtp-in.libero.it[192.0.2.9] said: 550 Your IP 192.0.2.1 is blocked (in reply to MAIL FROM command)", "italiaonline", Blocklist, FoundRelay, ""},
		{"Zoho Mail: mx.zoho.eu", "host mx.zoho.eu[192.0.2.9] said: 554 5.7.1 IP address blocklisted (in reply to RCPT TO command)", "zoho", Blocklist, FoundRelay, ""},
		{"Alibaba Mail: mxhichina.com, its connection-rate limit", "host mxw.mxhichina.com[192.0.2.9] said: 454 Transient reject by behaviour spam at DATA State (Connection IP address:192.0.2.1) ANTISPAM_BAT[01201311R5167S531,r41g03022]: currently unexpected sending (in reply to DATA command)", "", RateLimit, "", ""},
		{"Economia (centrum.cz) quoting Cisco's domain reputation: Cisco's verdict, Economia the receiver", "host mx1.centrum.cz[192.0.2.9] said: 554 Your access to this mail system has been rejected due to poor reputation of a domain used in message transfer (in reply to MAIL FROM command)", "cisco", Blocklist, FoundWording, "centrum"},
		{"Bluewin (Swisscom): mxbw.bluewin.ch, a poor IP reputation deferral (postmaster.bluewin.ch FAQ)", "host mxbw.bluewin.ch[192.0.2.9] said: 421 4.7.0 Poor IP reputation, try again later (in reply to MAIL FROM command)", "bluewin", Blocklist, FoundRelay, ""},
		{"Barracuda ESS: a blocked recipient is no list", "host d123456a.ess.barracudanetworks.com[192.0.2.9] said: 550 permanent failure for one or more recipients (a@example.org:blocked) (in reply to end of DATA command)", "", Policy, "", ""},
		{"docomo: too many recipients is a rate limit", "host mfsmax.docomo.ne.jp[203.138.181.112] said: 552 Too many recipients (in reply to RCPT TO command)", "", RateLimit, "", ""},
	} {
		t.Run(tc.source, func(t *testing.T) {
			checkReceiver(t, tc.line, c.Classify(InputFromText(tc.line, "")), tc.provider, tc.category, tc.found, tc.via)
		})
	}
}
