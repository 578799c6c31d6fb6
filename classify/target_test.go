package classify

import (
	"testing"

	"github.com/rblwatch/rblwatch/reply"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		code int
		in   string
		want string
	}{
		{550, "550 5.7.1 Hello  World", "hello world"},
		{550, "550-5.7.1 [1.2.3.4      1] Our system has detected an unusual rate of 550-5.7.1 unsolicited mail 550 5.7.1 end", "[1.2.3.4 1] our system has detected an unusual rate of unsolicited mail end"},
		{421, "421-4.7.28 [x 4] a 421-x.x.xx users b 421 x.x.xx review", "[x 4] a users b review"},
		{550, "550 550 rejected because", "rejected because"},
		{550, "550 11.22.33.44 blacklisted", "11.22.33.44 blacklisted"},
		{450, "450DT:RBL listed", "dt:rbl listed"},
		{450, "see 450DT:RBL", "see 450dt:rbl"},
		{0, "5.7.1 Mail from IP", "5.7.1 mail from ip"},
		{554, "a\tb\r\nc\x00d", "a b c d"},
		{553, "[550]", "[550]"},
		// A leading code ending in a colon (thirteenth round); only there.
		{553, "553: DSBL Open Relay", "dsbl open relay"},
		{553, "553:  DSBL Open Relay", "dsbl open relay"},
		{550, "550:5.7.1 Blocked", "blocked"},
		{550, "550: 5.7.1 Blocked", "blocked"},
		{550, "see 550: blocked", "see 550: blocked"},
		// Transport artefacts of pasted replies.
		{550, "550 5.7.1 messages from [1.2.3.4] weren&#39;t sent", "messages from [1.2.3.4] weren't sent"},
		{553, "553 5.7.1 [BL21] because the ip is in Spamhaus’s list", "[bl21] because the ip is in spamhaus's list"},
		{554, "554 see https://x/?a=1&amp;ip=3D192.0.2.1 &lt;ok&gt; &quot;q&quot; &apos;a&apos;", "see https://x/?a=1&ip=192.0.2.1 <ok> \"q\" 'a'"},
		{554, "554 Service unavailable; Client host [192.0.2.1] block=\r\ned using zen.spam=\nhaus.org", "service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org"},
		{550, "550 a=b &nbsp; & 3=3Dx =", "a=b & 3=x ="},
		{550, "550 a=b &nbsp;&amp; &zwnj; =", "a=b & &zwnj; ="},
		// Spaces and invisible characters of web pages.
		{554, "554 Client host\u00a0[192.0.2.1] blocked\u202fusing zen.spam\u00adhaus.org", "client host [192.0.2.1] blocked using zen.spamhaus.org"},
		{550, "550 black\u200blisted\u3000ip \ufeffx\u2060y", "blacklisted ip xy"},
	} {
		if got := string(normalize(nil, tc.in, tc.code)); got != tc.want {
			t.Errorf("normalize(%d, %q) = %q, want %q", tc.code, tc.in, got, tc.want)
		}
	}
}

func TestFindIP(t *testing.T) {
	for _, tc := range []struct {
		text   string
		ip     string
		masked bool
	}{
		{"550 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org", "192.0.2.7", false},
		{"554 Blocked - see https://ipcheck.proofpoint.com/?ip=198.51.100.9", "198.51.100.9", false},
		{"550 opmta1mti07aub smtp.orange.fr IP blocked by Abusix, OFR006_100 please visit https://lookup.abusix.com/search?q=121.127.44.66 [100]", "121.127.44.66", false},
		{"421-4.7.0 [128.199.95.148      15] Our system has detected", "128.199.95.148", false},
		{"550 Mail from 192.0.2.1 rejected", "192.0.2.1", false},
		// A local client (a Postfix relaying on the same host, the test bench)
		// is named; a quoted DNSBL answer code is not.
		{"554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation", "127.0.0.1", false},
		{"450 4.7.1 see http://www.mail-abuse.com/cgi-bin/lookup?ip_address=127.0.0.1;", "127.0.0.1", false},
		{"554 rejected: listed in zen.spamhaus.org (127.0.0.2), client [198.51.100.4]", "198.51.100.4", false},
		{"550 listed at 127.0.0.1 (query refused)", "", false},
		{"554 IP=203.0.113.5 - A problem occurred.", "203.0.113.5", false},
		{"554 IP:203.0.113.5 - A problem occurred.", "203.0.113.5", false},
		{"553 5.3.0 flph825 DNSBL:ATTRBL 521< 198.51.100.4 >_is_blocked", "198.51.100.4", false},
		{"550 5.7.1 :127.0.0.4:Client host 11.22.33.44 blocked using 87.blocklist.zap", "11.22.33.44", false},
		{"554 blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/46.38.225.230/", "", false},
		{"blocked using multi.uribl.com; 127.0.0.1 -> Query Refused. See http://uribl.com/refused.shtml [Your DNS IP: 1.2.3.4]", "", false},
		{"421 4.7.1 [TS03] All messages from x.x.x.x permanently deferred - 4.16.55.1; see", "", true},
		{"Messages from 192.0.2.192 temporarily deferred due to user complaints - 4.16.55.1;", "192.0.2.192", false},
		{"421 4.7.0 [TSS04] Messages from 287.190.241.178 temporarily deferred", "", true},
		{"Unfortunately, messages from [IP.IP.IP.IP] weren't sent", "", true},
		{"Service unavailable, Client host [140.227.⋆⋆⋆.⋆] blocked using Spamhaus", "", true},
		{"client [**.**.**.**] blocked", "", true},
		{"550-5.7.1 [2607:4100:3:25:100::2      12] Our system", "2607:4100:3:25:100::2", false},
		{"Access denied, a message sent over IPv6 [2A01:111:F200:2004::240] must pass", "2a01:111:f200:2004::240", false},
		// sendmail writes a client's IPv6 address as an address literal.
		{"550 5.7.1 Rejected: IPv6:2001:db8:1::25 listed at zen.spamhaus.org", "2001:db8:1::25", false},
		{"554 Client host [IPv6:2001:DB8:1::25] blocked using b.barracudacentral.org", "2001:db8:1::25", false},
		{"550 rejected: xipv6:2001:db8:1::25 is no tag", "", false},
		{"550 Rejected due to DNSBL server response (dnsbl.cobion.com - 1.2.3.4)", "1.2.3.4", false},
		{"Mon, 27 Mar 2017 14:52:05 +0200 no address here", "", false},
		{"version 1.2.3.4.5 is not an address", "", false},
		// A private address beside a public one is a HELO literal or an
		// internal hop; alone, it is all the reply names.
		{`"JunkMail rejected - host86-169-86-150.range86-169.btcentralplus.com ([192.168.1.150]) [86.169.86.150]:41784 is in an RBL`, "86.169.86.150", false},
		{"554 Service unavailable; Client host [server1.mail.com] blocked using Barracuda Reputation; http://bbl.barracudacentral.com/q.cgi?ip=192.168.1.1", "192.168.1.1", false},
		{"554 rejected [10.0.0.5] via [fe80::1], client x.x.x.x", "", true},
		{"554 rejected [fd00::5] for 2001:db8::25", "2001:db8::25", false},
		// A dual-stack receiver names an IPv4 client in its IPv4-mapped
		// form: the address is the IPv4 one (a mapped loopback is a DNSBL
		// code, as 127.0.0.2 is; a mapped private one yields to a public).
		{"554 5.7.1 Service unavailable; Client host [::ffff:203.0.113.9] blocked using zen.spamhaus.org", "203.0.113.9", false},
		{"554 Client host [::FFFF:CB00:7109] blocked using b.barracudacentral.org", "203.0.113.9", false},
		{"554 rejected: listed (::ffff:127.0.0.2), client [::ffff:198.51.100.4]", "198.51.100.4", false},
		{"554 rejected [::ffff:10.0.0.5] for 198.51.100.4", "198.51.100.4", false},
	} {
		b := normalize(nil, tc.text, reply.Parse(tc.text).Code)
		ip, masked := findIP(b)
		if ip != tc.ip || masked != tc.masked {
			t.Errorf("findIP(%q) = %q, %v; want %q, %v", tc.text, ip, masked, tc.ip, tc.masked)
		}
	}
}

func TestFindDomain(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"554 5.7.1 Service unavailable; Sender address [user@example.com] blocked using dbl.spamhaus.org; https://www.spamhaus.org/query/domain/example.com", "example.com"},
		{"554-5.7.1 Service unavailable; Sender address [b_x@addy.to] blocked using multi.surbl.org; Blocked, addy.to on lists [dm]", "addy.to"},
		{"see https://www.spamhaus.org/query/domain/spammer.example", "spammer.example"},
		{"Domain spammer.example listed in dbl.test", "spammer.example"},
		{"550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL", ""},
		{"client host [192.0.2.1] blocked", ""},
	} {
		if got := findDomain(normalize(nil, tc.text, reply.Parse(tc.text).Code)); got != tc.want {
			t.Errorf("findDomain(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// TestListed checks the listed target a verdict carries: from the text,
// else the sending IP; domains for domain lists; none for receiver faults.
func TestListed(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		text, sending, want string
	}{
		{"550 5.7.606 Access denied, banned sending IP [198.51.100.23]. To request removal from this list please visit https://sender.office.com/", "192.0.2.1", "198.51.100.23"},
		{"421 4.7.1 [TS03] All messages from x.x.x.x permanently deferred", "192.0.2.1", "192.0.2.1"},
		{"554 Service unavailable; Client host [mta.example.com] blocked by zen.spamhaus.org; 11.22.33.44", "192.0.2.1", "11.22.33.44"},
		{"554 5.7.1 Service unavailable; Sender address [user@example.com] blocked using dbl.spamhaus.org; https://www.spamhaus.org/query/domain/example.com", "192.0.2.1", "example.com"},
		{"554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org; Error: open resolver; https://check.spamhaus.org/returnc/pub/46.38.225.230/", "192.0.2.1", ""},
		{"550 Email blocked by SPAMHAUS", "", ""},
		// A raw bounce pasted as it was encoded.
		{"554 Blocked - see https://ipcheck.proofpoint.com/?ip=3D198.51.100.23", "192.0.2.1", "198.51.100.23"},
		{"554 Service unavailable; Client host [server1.example.com] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?pr=1&amp;ip=198.51.100.23", "192.0.2.1", "198.51.100.23"},
	} {
		v := c.Classify(Input{Reply: reply.Parse(tc.text), SendingIP: tc.sending})
		if v.Listed != tc.want {
			t.Errorf("Listed = %q, want %q: %s", v.Listed, tc.want, tc.text)
		}
	}
}

// TestMappedIPv4ThroughMemo: a reply naming our IPv4 address in its
// IPv4-mapped form lists the IPv4 address, through the memo as through
// Classify, so that it and the plain form make one incident.
func TestMappedIPv4ThroughMemo(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	for _, ip := range []string{"203.0.113.9", "198.51.100.77", "203.0.113.10"} {
		for _, text := range []string{
			"554 5.7.1 Service unavailable; Client host [" + ip + "] blocked using zen.spamhaus.org",
			"554 5.7.1 Service unavailable; Client host [::ffff:" + ip + "] blocked using zen.spamhaus.org",
		} {
			in := InputFromText(text, "")
			want := c.Classify(in)
			if want.Listed != ip {
				t.Errorf("Classify(%q).Listed = %q, want %s", text, want.Listed, ip)
			}
			if got := m.Classify(in).Clone(); got != want {
				t.Errorf("Memo.Classify(%q) = %+v\nwant %+v", text, got, want)
			}
		}
	}
}

// TestIPv6LiteralThroughMemo: a reply naming our IPv6 address as sendmail
// does ("IPv6:2001:db8::25") lists that address, through the memo as
// through Classify, for each address of the same shape.
func TestIPv6LiteralThroughMemo(t *testing.T) {
	c := Default()
	m := c.NewMemo()
	for _, ip := range []string{"2001:db8:1::25", "2001:db8:77::1", "2001:db8:1::26"} {
		for _, text := range []string{
			"550 5.7.1 Rejected: IPv6:" + ip + " listed at zen.spamhaus.org",
			"554 Service unavailable; Client host [IPv6:" + ip + "] blocked using b.barracudacentral.org",
		} {
			in := InputFromText(text, "")
			in.SendingIP = "192.0.2.10"
			want := c.Classify(in)
			if want.Listed != ip {
				t.Errorf("Classify(%q).Listed = %q, want %s", text, want.Listed, ip)
			}
			if got := m.Classify(in).Clone(); got != want {
				t.Errorf("Memo.Classify(%q) = %+v\nwant %+v", text, got, want)
			}
		}
	}
}
