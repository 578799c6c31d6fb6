package postfixlog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/reply"
)

// tableRef is the reference time of the table cases: the log ends the day
// after the captured lines.
var tableRef = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// truncatedLine is a status line as Postfix 3.7 logged an over-long reply
// (captured by the harness): the message part is cut at 2000 characters, in
// the middle of the reply, so "(in reply to RCPT TO command))" is lost.
var truncatedLine = func() string {
	msg := "2A593986283: to=<long@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 "
	var b strings.Builder
	b.WriteString(msg)
	for i := 0; b.Len() < 2000; i++ {
		fmt.Fprintf(&b, "long%04d-", i)
	}
	return "Nov 23 15:33:50 mx postfix/smtp[12059]: " + b.String()[:2000]
}()

type parseCase struct {
	name string
	line string
	err  error
	at   string // expected Time (RFC 3339 with nanoseconds); "" for none
	want Record // expected record; Raw and Time are filled in by the test
}

// parseCases has one case per line form the parser recognises. Each case
// states the whole expected Record, so every extracted field is checked.
var parseCases = []parseCase{
	{
		name: "smtp sent",
		line: "Nov 23 15:33:46 mx postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)",
		at:   "2026-11-23T15:33:46Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "DE9A6986268", Kind: KindDelivery, To: "ok@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delay: 0.02, Delays: "0.01/0.01/0/0",
			DSN: "2.0.0", Status: "sent", Detail: "250 2.0.0 OK: queued",
			Reply: reply.Reply{Code: 250, Enhanced: "2.0.0", Text: "250 2.0.0 OK: queued"}},
	},
	{
		name: "bounced, 554 without enhanced code (Barracuda)",
		line: "Nov 23 15:33:47 mx postfix/smtp[12059]: 90DB998626D: to=<barracuda@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0.01, dsn=5.0.0, status=bounced (host 127.0.0.1[127.0.0.1] said: 554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1 (in reply to RCPT TO command))",
		at:   "2026-11-23T15:33:47Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "90DB998626D", Kind: KindDelivery, To: "barracuda@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delay: 0.01, Delays: "0/0/0/0.01",
			DSN: "5.0.0", Status: "bounced",
			Detail: "host 127.0.0.1[127.0.0.1] said: 554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1 (in reply to RCPT TO command)",
			Stage:  StageSaid, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1", Command: "RCPT TO",
			Reply: reply.Reply{Code: 554, Text: "554 Service unavailable; Client host [127.0.0.1] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=127.0.0.1"}},
	},
	{
		name: "bounced, parentheses inside the reply (Spamhaus)",
		line: "Nov 23 15:33:48 mx postfix/smtp[12059]: 43C4B986274: to=<spamhaus@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1 (AS16012611) (in reply to RCPT TO command))",
		at:   "2026-11-23T15:33:48Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "43C4B986274", Kind: KindDelivery, To: "spamhaus@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delays: "0/0/0/0", DSN: "5.7.1", Status: "bounced",
			Detail: "host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1 (AS16012611) (in reply to RCPT TO command)",
			Stage:  StageSaid, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1", Command: "RCPT TO",
			Reply: reply.Reply{Code: 550, Enhanced: "5.7.1", Text: "550 5.7.1 Service unavailable, Client host [127.0.0.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/127.0.0.1 (AS16012611)"}},
	},
	{
		name: "multi-line reply joined by Postfix (Gmail), end of DATA",
		line: "Nov 23 15:33:48 mx postfix/smtp[12059]: E67C9986278: to=<multiline@remote.test>, relay=gmail-smtp-in.l.google.com[142.250.1.26]:25, delay=0.01, delays=0/0/0/0, dsn=5.7.1, status=bounced (host gmail-smtp-in.l.google.com[142.250.1.26] said: 554-5.7.1 [192.0.2.1] Our system has detected that this message is 554-5.7.1 likely unsolicited mail. 554 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError a1-20020a17090 - gsmtp (in reply to end of DATA command))",
		at:   "2026-11-23T15:33:48Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "E67C9986278", Kind: KindDelivery, To: "multiline@remote.test",
			Relay: "gmail-smtp-in.l.google.com[142.250.1.26]:25", RelayHost: "gmail-smtp-in.l.google.com", RelayIP: "142.250.1.26",
			RelayPort: 25, Delay: 0.01, Delays: "0/0/0/0", DSN: "5.7.1", Status: "bounced",
			Detail: "host gmail-smtp-in.l.google.com[142.250.1.26] said: 554-5.7.1 [192.0.2.1] Our system has detected that this message is 554-5.7.1 likely unsolicited mail. 554 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError a1-20020a17090 - gsmtp (in reply to end of DATA command)",
			Stage:  StageSaid, RemoteHost: "gmail-smtp-in.l.google.com", RemoteIP: "142.250.1.26", Command: "end of DATA",
			Reply: reply.Reply{Code: 554, Enhanced: "5.7.1", Text: "554-5.7.1 [192.0.2.1] Our system has detected that this message is 554-5.7.1 likely unsolicited mail. 554 5.7.1  https://support.google.com/mail/?p=UnsolicitedMessageError a1-20020a17090 - gsmtp"}},
	},
	{
		name: "reply to MAIL FROM (Yahoo TSS04), Postfix 2-digit pid and day padding",
		line: "Apr  1 08:45:19 mail postfix/smtp[1278]: 390A6AA0071: to=<x@yahoo.com>, relay=mta6.am0.yahoodns.net[67.195.228.110]:25, delay=46540, delays=46537/0.06/3/0, dsn=4.7.0, status=deferred (host mta6.am0.yahoodns.net[67.195.228.110] said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html (in reply to MAIL FROM command))",
		at:   "2026-04-01T08:45:19Z",
		want: Record{Host: "mail", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 1278,
			QueueID: "390A6AA0071", Kind: KindDelivery, To: "x@yahoo.com", Relay: "mta6.am0.yahoodns.net[67.195.228.110]:25",
			RelayHost: "mta6.am0.yahoodns.net", RelayIP: "67.195.228.110", RelayPort: 25, Delay: 46540, Delays: "46537/0.06/3/0",
			DSN: "4.7.0", Status: "deferred",
			Detail: "host mta6.am0.yahoodns.net[67.195.228.110] said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html (in reply to MAIL FROM command)",
			Stage:  StageSaid, RemoteHost: "mta6.am0.yahoodns.net", RemoteIP: "67.195.228.110", Command: "MAIL FROM",
			Reply: reply.Reply{Code: 421, Enhanced: "4.7.0", Text: "421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html"}},
	},
	{
		name: "host without name, reply with status= and parentheses inside (Microsoft)",
		line: "Nov 23 10:00:56 node postfix/smtp[12357]: 375593D395: to=<r@example.com>, relay=relay.example.com[203.0.113.90]:25, delay=0.86, delays=0.1/0/0.71/0.05, dsn=5.7.606, status=bounced (host [203.0.113.90] said: 550 5.7.606 Access denied, banned sending IP [192.0.2.50] (status=banned), status=sent (see https://sender.office.com/) (in reply to RCPT TO command))",
		at:   "2026-11-23T10:00:56Z",
		want: Record{Host: "node", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12357,
			QueueID: "375593D395", Kind: KindDelivery, To: "r@example.com", Relay: "relay.example.com[203.0.113.90]:25",
			RelayHost: "relay.example.com", RelayIP: "203.0.113.90", RelayPort: 25, Delay: 0.86, Delays: "0.1/0/0.71/0.05",
			DSN: "5.7.606", Status: "bounced",
			Detail: "host [203.0.113.90] said: 550 5.7.606 Access denied, banned sending IP [192.0.2.50] (status=banned), status=sent (see https://sender.office.com/) (in reply to RCPT TO command)",
			Stage:  StageSaid, RemoteIP: "203.0.113.90", Command: "RCPT TO",
			Reply: reply.Reply{Code: 550, Enhanced: "5.7.606", Text: "550 5.7.606 Access denied, banned sending IP [192.0.2.50] (status=banned), status=sent (see https://sender.office.com/)"}},
	},
	{
		name: "greeting rejection deferred (refused to talk to me)",
		line: "Nov 23 15:33:56 mx postfix/smtp[12302]: F2F599862BF: to=<greet@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=4.7.1, status=deferred (host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1)",
		at:   "2026-11-23T15:33:56Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12302,
			QueueID: "F2F599862BF", Kind: KindDelivery, To: "greet@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delays: "0/0/0/0", DSN: "4.7.1", Status: "deferred",
			Detail: "host 127.0.0.1[127.0.0.1] refused to talk to me: 554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1",
			Stage:  StageGreeting, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1",
			Reply: reply.Reply{Code: 554, Enhanced: "5.7.1", Text: "554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/127.0.0.1"}},
	},
	{
		name: "connection refused, relay=none",
		line: "Nov 23 15:34:03 mx postfix/smtp[12302]: 11E4E9862CB: to=<down1@remote.test>, relay=none, delay=0, delays=0/0/0/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:2526: Connection refused)",
		at:   "2026-11-23T15:34:03Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12302,
			QueueID: "11E4E9862CB", Kind: KindDelivery, To: "down1@remote.test", Relay: "none", RelayHost: "none",
			Delays: "0/0/0/0", DSN: "4.4.1", Status: "deferred",
			Detail: "connect to 127.0.0.1[127.0.0.1]:2526: Connection refused",
			Stage:  StageConnect, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1",
			Reply: reply.Reply{Text: "connect to 127.0.0.1[127.0.0.1]:2526: Connection refused"}},
	},
	{
		name: "lost connection while sending RCPT TO",
		line: "Nov 23 15:33:51 mx postfix/smtp[12059]: 6808998628D: to=<drop-rcpt@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0, delays=0/0/0/0, dsn=4.4.2, status=deferred (lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO)",
		at:   "2026-11-23T15:33:51Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "6808998628D", Kind: KindDelivery, To: "drop-rcpt@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delays: "0/0/0/0", DSN: "4.4.2", Status: "deferred",
			Detail: "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO",
			Stage:  StageLost, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1", Command: "RCPT TO",
			Reply: reply.Reply{Text: "lost connection with 127.0.0.1[127.0.0.1] while sending RCPT TO"}},
	},
	{
		name: "lost connection while sending end of data",
		line: "Nov 23 15:40:01 mx postfix/smtp[12059]: 6808998628E: to=<a@example.net>, relay=mx1.example.net[198.51.100.7]:25, delay=301, delays=0.1/0/0.5/300, dsn=4.4.2, status=deferred (lost connection with mx1.example.net[198.51.100.7] while sending end of data -- message may be sent more than once)",
		at:   "2026-11-23T15:40:01Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "6808998628E", Kind: KindDelivery, To: "a@example.net", Relay: "mx1.example.net[198.51.100.7]:25",
			RelayHost: "mx1.example.net", RelayIP: "198.51.100.7", RelayPort: 25, Delay: 301, Delays: "0.1/0/0.5/300",
			DSN: "4.4.2", Status: "deferred",
			Detail: "lost connection with mx1.example.net[198.51.100.7] while sending end of data -- message may be sent more than once",
			Stage:  StageLost, RemoteHost: "mx1.example.net", RemoteIP: "198.51.100.7", Command: "end of DATA",
			Reply: reply.Reply{Text: "lost connection with mx1.example.net[198.51.100.7] while sending end of data -- message may be sent more than once"}},
	},
	{
		name: "conversation timed out at the greeting",
		line: "Nov 23 15:41:00 mx postfix/smtp[12060]: 7A1B2C3D4E: to=<b@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=300, delays=0/0/0/300, dsn=4.4.2, status=deferred (conversation with mx.example.org[198.51.100.25] timed out while receiving the initial server greeting)",
		at:   "2026-11-23T15:41:00Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12060,
			QueueID: "7A1B2C3D4E", Kind: KindDelivery, To: "b@example.org", Relay: "mx.example.org[198.51.100.25]:25",
			RelayHost: "mx.example.org", RelayIP: "198.51.100.25", RelayPort: 25, Delay: 300, Delays: "0/0/0/300",
			DSN: "4.4.2", Status: "deferred",
			Detail: "conversation with mx.example.org[198.51.100.25] timed out while receiving the initial server greeting",
			Stage:  StageLost, RemoteHost: "mx.example.org", RemoteIP: "198.51.100.25", Command: "CONNECT",
			Reply: reply.Reply{Text: "conversation with mx.example.org[198.51.100.25] timed out while receiving the initial server greeting"}},
	},
	{
		name: "conversation timed out while sending message body",
		line: "Nov 23 15:41:01 mx postfix/smtp[12060]: 7A1B2C3D4F: to=<c@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=600, delays=0/0/0/600, dsn=4.4.2, status=deferred (conversation with mx.example.org[198.51.100.25] timed out while sending message body)",
		at:   "2026-11-23T15:41:01Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12060,
			QueueID: "7A1B2C3D4F", Kind: KindDelivery, To: "c@example.org", Relay: "mx.example.org[198.51.100.25]:25",
			RelayHost: "mx.example.org", RelayIP: "198.51.100.25", RelayPort: 25, Delay: 600, Delays: "0/0/0/600",
			DSN: "4.4.2", Status: "deferred",
			Detail: "conversation with mx.example.org[198.51.100.25] timed out while sending message body",
			Stage:  StageLost, RemoteHost: "mx.example.org", RemoteIP: "198.51.100.25", Command: "DATA",
			Reply: reply.Reply{Text: "conversation with mx.example.org[198.51.100.25] timed out while sending message body"}},
	},
	{
		name: "retry service: delivery temporarily suspended, inner greeting rejection",
		line: "Nov 23 16:00:00 mx postfix/retry[2001]: A1B2C3D4E5: to=<u@outlook.com>, relay=none, delay=3600, delays=3600/0.01/0/0, dsn=4.7.0, status=deferred (delivery temporarily suspended: host outlook-com.olc.protection.outlook.com[52.101.1.2] refused to talk to me: 421 4.7.0 [S3150] Temporarily rejected. Reverse DNS for this IP failed.)",
		at:   "2026-11-23T16:00:00Z",
		want: Record{Host: "mx", Program: "postfix/retry", Instance: "postfix", Service: "retry", PID: 2001,
			QueueID: "A1B2C3D4E5", Kind: KindDelivery, To: "u@outlook.com", Relay: "none", RelayHost: "none",
			Delay: 3600, Delays: "3600/0.01/0/0", DSN: "4.7.0", Status: "deferred",
			Detail: "delivery temporarily suspended: host outlook-com.olc.protection.outlook.com[52.101.1.2] refused to talk to me: 421 4.7.0 [S3150] Temporarily rejected. Reverse DNS for this IP failed.",
			Stage:  StageGreeting, RemoteHost: "outlook-com.olc.protection.outlook.com", RemoteIP: "52.101.1.2",
			Reply: reply.Reply{Code: 421, Enhanced: "4.7.0", Text: "421 4.7.0 [S3150] Temporarily rejected. Reverse DNS for this IP failed."}},
	},
	{
		name: "error service: delivery temporarily suspended, inner connect timeout",
		line: "Nov 23 16:00:01 mx postfix/error[2002]: A1B2C3D4E6: to=<v@example.net>, relay=none, delay=1.2, delays=1.2/0/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to mx1.example.net[198.51.100.7]:25: Connection timed out)",
		at:   "2026-11-23T16:00:01Z",
		want: Record{Host: "mx", Program: "postfix/error", Instance: "postfix", Service: "error", PID: 2002,
			QueueID: "A1B2C3D4E6", Kind: KindDelivery, To: "v@example.net", Relay: "none", RelayHost: "none",
			Delay: 1.2, Delays: "1.2/0/0/0", DSN: "4.4.1", Status: "deferred",
			Detail: "delivery temporarily suspended: connect to mx1.example.net[198.51.100.7]:25: Connection timed out",
			Stage:  StageConnect, RemoteHost: "mx1.example.net", RemoteIP: "198.51.100.7",
			Reply: reply.Reply{Text: "connect to mx1.example.net[198.51.100.7]:25: Connection timed out"}},
	},
	{
		name: "smtp: delivery temporarily suspended, inner reply with command",
		line: "Nov 23 16:00:02 mx postfix/smtp[2003]: A1B2C3D4E7: to=<w@yahoo.com>, relay=none, delay=5, delays=5/0/0/0, dsn=4.7.0, status=deferred (delivery temporarily suspended: host mta5.am0.yahoodns.net[67.195.204.7] said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred (in reply to MAIL FROM command))",
		at:   "2026-11-23T16:00:02Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 2003,
			QueueID: "A1B2C3D4E7", Kind: KindDelivery, To: "w@yahoo.com", Relay: "none", RelayHost: "none",
			Delay: 5, Delays: "5/0/0/0", DSN: "4.7.0", Status: "deferred",
			Detail: "delivery temporarily suspended: host mta5.am0.yahoodns.net[67.195.204.7] said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred (in reply to MAIL FROM command)",
			Stage:  StageSaid, RemoteHost: "mta5.am0.yahoodns.net", RemoteIP: "67.195.204.7", Command: "MAIL FROM",
			Reply: reply.Reply{Code: 421, Enhanced: "4.7.0", Text: "421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred"}},
	},
	{
		name: "orig_to, long queue id, quoted local part",
		line: "Aug 27 15:04:19 mail postfix/smtp[1612]: 4JfcC62DS0z1c1C: to=<\"user 1234, with space>\"@gmail.com>, orig_to=<boj@lug.example.edu>, relay=alt1.gmail-smtp-in.l.google.com[173.194.72.26]:25, delay=180970, delays=180958/0.03/11/0.69, dsn=4.7.0, status=deferred (host alt1.gmail-smtp-in.l.google.com[173.194.72.26] said: 421-4.7.0 [192.0.2.148      15] Our system has detected that this message is 421-4.7.0 suspicious. 421 4.7.0 gsmtp (in reply to end of DATA command))",
		at:   "2026-08-27T15:04:19Z",
		want: Record{Host: "mail", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 1612,
			QueueID: "4JfcC62DS0z1c1C", Kind: KindDelivery, To: "\"user 1234, with space>\"@gmail.com", OrigTo: "boj@lug.example.edu",
			Relay: "alt1.gmail-smtp-in.l.google.com[173.194.72.26]:25", RelayHost: "alt1.gmail-smtp-in.l.google.com",
			RelayIP: "173.194.72.26", RelayPort: 25, Delay: 180970, Delays: "180958/0.03/11/0.69", DSN: "4.7.0", Status: "deferred",
			Detail: "host alt1.gmail-smtp-in.l.google.com[173.194.72.26] said: 421-4.7.0 [192.0.2.148      15] Our system has detected that this message is 421-4.7.0 suspicious. 421 4.7.0 gsmtp (in reply to end of DATA command)",
			Stage:  StageSaid, RemoteHost: "alt1.gmail-smtp-in.l.google.com", RemoteIP: "173.194.72.26", Command: "end of DATA",
			Reply: reply.Reply{Code: 421, Enhanced: "4.7.0", Text: "421-4.7.0 [192.0.2.148      15] Our system has detected that this message is 421-4.7.0 suspicious. 421 4.7.0 gsmtp"}},
	},
	{
		name: "long queue id as in the issue text, conn_use and IPv6 relay",
		line: "Nov 23 12:00:00 mx postfix/smtp[501]: 4YbV8m6TxzzBr9L: to=<x@example.com>, relay=mx.example.com[2001:db8::25]:25, conn_use=3, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4YcD1q2Wxyz)",
		at:   "2026-11-23T12:00:00Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 501,
			QueueID: "4YbV8m6TxzzBr9L", Kind: KindDelivery, To: "x@example.com", Relay: "mx.example.com[2001:db8::25]:25",
			RelayHost: "mx.example.com", RelayIP: "2001:db8::25", RelayPort: 25, Delay: 0.4, Delays: "0.1/0/0.1/0.2",
			DSN: "2.0.0", Status: "sent", Detail: "250 2.0.0 Ok: queued as 4YcD1q2Wxyz",
			Reply: reply.Reply{Code: 250, Enhanced: "2.0.0", Text: "250 2.0.0 Ok: queued as 4YcD1q2Wxyz"}},
	},
	{
		name: "local delivery with orig_to",
		line: "Nov 23 15:00:00 mx postfix/local[3001]: B1C2D3E4F5: to=<root@mx.example.com>, orig_to=<root>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=2.0.0, status=sent (delivered to mailbox)",
		at:   "2026-11-23T15:00:00Z",
		want: Record{Host: "mx", Program: "postfix/local", Instance: "postfix", Service: "local", PID: 3001,
			QueueID: "B1C2D3E4F5", Kind: KindDelivery, To: "root@mx.example.com", OrigTo: "root", Relay: "local", RelayHost: "local",
			Delay: 0.02, Delays: "0.01/0/0/0.01", DSN: "2.0.0", Status: "sent", Detail: "delivered to mailbox",
			Reply: reply.Reply{Text: "delivered to mailbox"}},
	},
	{
		name: "virtual bounce: local text",
		line: "Nov 23 15:00:01 mx postfix/virtual[3002]: B1C2D3E4F6: to=<nobody@example.com>, relay=virtual, delay=0.08, delays=0.06/0/0/0.02, dsn=5.2.0, status=bounced (maildir delivery failed: create maildir file /var/mail/x: Disk quota exceeded)",
		at:   "2026-11-23T15:00:01Z",
		want: Record{Host: "mx", Program: "postfix/virtual", Instance: "postfix", Service: "virtual", PID: 3002,
			QueueID: "B1C2D3E4F6", Kind: KindDelivery, To: "nobody@example.com", Relay: "virtual", RelayHost: "virtual",
			Delay: 0.08, Delays: "0.06/0/0/0.02", DSN: "5.2.0", Status: "bounced",
			Detail: "maildir delivery failed: create maildir file /var/mail/x: Disk quota exceeded",
			Stage:  StageLocal, Reply: reply.Reply{Text: "maildir delivery failed: create maildir file /var/mail/x: Disk quota exceeded"}},
	},
	{
		name: "pipe delivery",
		line: "Jan 25 19:25:19 mx postfix/pipe[6221]: 03EAC2E0EDD: to=<h-7abde52c2@example.com>, relay=dovecot, delay=5.5, delays=5.3/0.01/0/0.16, dsn=2.0.0, status=sent (delivered via dovecot service)",
		at:   "2026-01-25T19:25:19Z",
		want: Record{Host: "mx", Program: "postfix/pipe", Instance: "postfix", Service: "pipe", PID: 6221,
			QueueID: "03EAC2E0EDD", Kind: KindDelivery, To: "h-7abde52c2@example.com", Relay: "dovecot", RelayHost: "dovecot",
			Delay: 5.5, Delays: "5.3/0.01/0/0.16", DSN: "2.0.0", Status: "sent", Detail: "delivered via dovecot service",
			Reply: reply.Reply{Text: "delivered via dovecot service"}},
	},
	{
		name: "lmtp over a unix socket",
		line: "Jan 10 16:15:30 mail postfix/lmtp[11996]: 400643011B47: to=<recipient@example.com>, relay=relay.example.com[/var/run/dovecot/lmtp], delay=0.06, delays=0.02/0.02/0.01/0.01, dsn=2.0.0, status=sent (250 2.0.0 <recipient@example.com> hz3kESIo+1/dLgAAWP5Hkg Saved)",
		at:   "2026-01-10T16:15:30Z",
		want: Record{Host: "mail", Program: "postfix/lmtp", Instance: "postfix", Service: "lmtp", PID: 11996,
			QueueID: "400643011B47", Kind: KindDelivery, To: "recipient@example.com", Relay: "relay.example.com[/var/run/dovecot/lmtp]",
			RelayHost: "relay.example.com", Delay: 0.06, Delays: "0.02/0.02/0.01/0.01", DSN: "2.0.0", Status: "sent",
			Detail: "250 2.0.0 <recipient@example.com> hz3kESIo+1/dLgAAWP5Hkg Saved",
			Reply:  reply.Reply{Code: 250, Enhanced: "2.0.0", Text: "250 2.0.0 <recipient@example.com> hz3kESIo+1/dLgAAWP5Hkg Saved"}},
	},
	{
		name: "discard",
		line: "Nov 23 15:00:02 mx postfix/discard[3003]: B1C2D3E4F7: to=<devnull@example.com>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=2.0.0, status=sent (discarded)",
		at:   "2026-11-23T15:00:02Z",
		want: Record{Host: "mx", Program: "postfix/discard", Instance: "postfix", Service: "discard", PID: 3003,
			QueueID: "B1C2D3E4F7", Kind: KindDelivery, To: "devnull@example.com", Relay: "none", RelayHost: "none",
			Delay: 0.01, Delays: "0.01/0/0/0", DSN: "2.0.0", Status: "sent", Detail: "discarded", Reply: reply.Reply{Text: "discarded"}},
	},
	{
		name: "error service bounce",
		line: "Nov 23 15:00:03 mx postfix/error[3004]: B1C2D3E4F8: to=<gone@example.com>, relay=none, delay=0.3, delays=0.3/0/0/0, dsn=5.0.0, status=bounced (User unknown in virtual alias table)",
		at:   "2026-11-23T15:00:03Z",
		want: Record{Host: "mx", Program: "postfix/error", Instance: "postfix", Service: "error", PID: 3004,
			QueueID: "B1C2D3E4F8", Kind: KindDelivery, To: "gone@example.com", Relay: "none", RelayHost: "none",
			Delay: 0.3, Delays: "0.3/0/0/0", DSN: "5.0.0", Status: "bounced", Detail: "User unknown in virtual alias table",
			Stage: StageLocal, Reply: reply.Reply{Text: "User unknown in virtual alias table"}},
	},
	{
		name: "DNS failure, relay=none",
		line: "Aug  3 04:41:17 mail postfix/smtp[10603]: AE8E32C60819: to=<mail@e.mail.com>, relay=none, delay=0.02, delays=0.01/0/0.01/0, dsn=5.4.4, status=bounced (Host or domain name not found. Name service error for name=e.mail.com type=AAAA: Host not found)",
		at:   "2026-08-03T04:41:17Z",
		want: Record{Host: "mail", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 10603,
			QueueID: "AE8E32C60819", Kind: KindDelivery, To: "mail@e.mail.com", Relay: "none", RelayHost: "none",
			Delay: 0.02, Delays: "0.01/0/0.01/0", DSN: "5.4.4", Status: "bounced",
			Detail: "Host or domain name not found. Name service error for name=e.mail.com type=AAAA: Host not found",
			Stage:  StageLocal, Reply: reply.Reply{Text: "Host or domain name not found. Name service error for name=e.mail.com type=AAAA: Host not found"}},
	},
	{
		name: "cleanup bounce after milter reject (sendmail path)",
		line: "Nov 23 15:37:55 mx postfix/cleanup[15192]: 58040986178: to=<ok@remote.test>, relay=none, delay=0.01, delays=0.01/0/0/0, dsn=5.7.1, status=bounced (Rejected by trackmilter)",
		at:   "2026-11-23T15:37:55Z",
		want: Record{Host: "mx", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 15192,
			QueueID: "58040986178", Kind: KindDelivery, To: "ok@remote.test", Relay: "none", RelayHost: "none",
			Delay: 0.01, Delays: "0.01/0/0/0", DSN: "5.7.1", Status: "bounced", Detail: "Rejected by trackmilter",
			Stage: StageLocal, Reply: reply.Reply{Text: "Rejected by trackmilter"}},
	},
	{
		name: "invalid UTF-8, NUL and CR inside the reply",
		line: "Nov 23 15:33:52 mx postfix/smtp[12059]: 16487986291: to=<utf8@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.01, delays=0/0/0/0, dsn=5.7.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Rejected: \xff\xfe\x00 \r\nBcc: evil@x <b>ümlaut</b> (in reply to RCPT TO command))",
		at:   "2026-11-23T15:33:52Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "16487986291", Kind: KindDelivery, To: "utf8@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delay: 0.01, Delays: "0/0/0/0", DSN: "5.7.1", Status: "bounced",
			Detail: "host 127.0.0.1[127.0.0.1] said: 550 5.7.1 Rejected: \xff\xfe\x00 \r\nBcc: evil@x <b>ümlaut</b> (in reply to RCPT TO command)",
			Stage:  StageSaid, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1", Command: "RCPT TO",
			Reply: reply.Reply{Code: 550, Enhanced: "5.7.1", Text: "550 5.7.1 Rejected: \xff\xfe\x00 \r\nBcc: evil@x <b>ümlaut</b>"}},
	},
	{
		name: "status line cut at Postfix's 2000-character record limit",
		line: truncatedLine,
		at:   "2026-11-23T15:33:50Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "2A593986283", Kind: KindDelivery, To: "long@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delay: 0.01, Delays: "0/0/0/0", DSN: "5.7.1", Status: "bounced",
			Detail: truncatedLine[strings.Index(truncatedLine, "(host ")+1:],
			Stage:  StageSaid, RemoteHost: "127.0.0.1", RemoteIP: "127.0.0.1",
			Reply: reply.Reply{Code: 550, Enhanced: "5.7.1", Text: truncatedLine[strings.Index(truncatedLine, "550 5.7.1"):]}},
	},
	{
		name: "multi-instance postfix-out, RFC 3339 high precision",
		line: "2026-11-23T14:56:04.123456+09:00 relay1 postfix-out/smtp[4242]: C0FFEE12345: to=<a@example.net>, relay=mx1.example.net[198.51.100.7]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)",
		at:   "2026-11-23T14:56:04.123456+09:00",
		want: Record{Host: "relay1", Program: "postfix-out/smtp", Instance: "postfix-out", Service: "smtp", PID: 4242,
			QueueID: "C0FFEE12345", Kind: KindDelivery, To: "a@example.net", Relay: "mx1.example.net[198.51.100.7]:25",
			RelayHost: "mx1.example.net", RelayIP: "198.51.100.7", RelayPort: 25, Delay: 1.1, Delays: "0.1/0/0.5/0.5",
			DSN: "2.0.0", Status: "sent", Detail: "250 ok", Reply: reply.Reply{Code: 250, Text: "250 ok"}},
	},
	{
		name: "smtpd client with SASL, submission instance, journalctl -o short-iso",
		line: "2026-11-23T14:56:04+0900 mx postfix/submission/smtpd[777]: 4D5E6F7A8B: client=laptop.example.com[192.0.2.44], sasl_method=PLAIN, sasl_username=alice@example.com",
		at:   "2026-11-23T05:56:04Z",
		want: Record{Host: "mx", Program: "postfix/submission/smtpd", Instance: "postfix/submission", Service: "smtpd", PID: 777,
			QueueID: "4D5E6F7A8B", Kind: KindClient, Client: "laptop.example.com[192.0.2.44]", ClientHost: "laptop.example.com",
			ClientIP: "192.0.2.44", SASLUser: "alice@example.com"},
	},
	{
		name: "smtpd client after a content filter (orig_queue_id), Z zone",
		line: "2026-10-13T16:40:42Z ucs postfix/smtpd[18581]: ED01244770: client=localhost[127.0.0.1], orig_queue_id=4F5C64474F, orig_client=unknown[192.0.2.112]",
		at:   "2026-10-13T16:40:42Z",
		want: Record{Host: "ucs", Program: "postfix/smtpd", Instance: "postfix", Service: "smtpd", PID: 18581,
			QueueID: "ED01244770", Kind: KindClient, Client: "localhost[127.0.0.1]", ClientHost: "localhost", ClientIP: "127.0.0.1"},
	},
	{
		name: "cleanup message-id, journalctl -o short-precise",
		line: "Nov 23 15:33:46.654321 mx postfix/cleanup[12057]: DE9A6986268: message-id=<20261123153346.012054@vm>",
		at:   "2026-11-23T15:33:46.654321Z",
		want: Record{Host: "mx", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 12057,
			QueueID: "DE9A6986268", Kind: KindMessageID, MessageID: "20261123153346.012054@vm"},
	},
	{
		name: "cleanup empty message-id",
		line: "Oct 13 16:40:40 ucs postfix/cleanup[18571]: 4F5C64474F: message-id=<>",
		at:   "2026-10-13T16:40:40Z",
		want: Record{Host: "ucs", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 18571,
			QueueID: "4F5C64474F", Kind: KindMessageID},
	},
	{
		name: "cleanup corrupted message-id kept as logged",
		line: "Jan 26 04:27:34 mx postfix/cleanup[1525]: 59DC92E2BB8: message-id=<h-22b35ef986ae@h-70550910e99892.com>+29A6080B6290BF43",
		at:   "2026-01-26T04:27:34Z",
		want: Record{Host: "mx", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 1525,
			QueueID: "59DC92E2BB8", Kind: KindMessageID, MessageID: "<h-22b35ef986ae@h-70550910e99892.com>+29A6080B6290BF43"},
	},
	{
		name: "qmgr queued, RFC 5424",
		line: "<22>1 2026-11-23T15:33:46.000001Z mx postfix/qmgr 12047 - - DE9A6986268: from=<sender@origin.test>, size=384, nrcpt=1 (queue active)",
		at:   "2026-11-23T15:33:46.000001Z",
		want: Record{Host: "mx", Program: "postfix/qmgr", Instance: "postfix", Service: "qmgr", PID: 12047,
			QueueID: "DE9A6986268", Kind: KindQueued, From: "sender@origin.test", Size: 384, Nrcpt: 1},
	},
	{
		name: "qmgr queued null sender, RFC 5424 with structured data",
		line: "<22>1 2026-11-23T15:33:47Z mx postfix/qmgr 12047 - [meta sequenceId=\"1\" x=\"a]\\\"b\"] 93C26986015: from=<>, size=2619, nrcpt=1 (queue active)",
		at:   "2026-11-23T15:33:47Z",
		want: Record{Host: "mx", Program: "postfix/qmgr", Instance: "postfix", Service: "qmgr", PID: 12047,
			QueueID: "93C26986015", Kind: KindQueued, Size: 2619, Nrcpt: 1},
	},
	{
		name: "qmgr removed",
		line: "Nov 23 15:33:46 mx postfix/qmgr[12047]: DE9A6986268: removed",
		at:   "2026-11-23T15:33:46Z",
		want: Record{Host: "mx", Program: "postfix/qmgr", Instance: "postfix", Service: "qmgr", PID: 12047,
			QueueID: "DE9A6986268", Kind: KindRemoved},
	},
	{
		name: "qmgr expired",
		line: "Nov 23 15:15:23 mx postfix/qmgr[25738]: 657FD986039: from=<sender@origin.test>, status=expired, returned to sender",
		at:   "2026-11-23T15:15:23Z",
		want: Record{Host: "mx", Program: "postfix/qmgr", Instance: "postfix", Service: "qmgr", PID: 25738,
			QueueID: "657FD986039", Kind: KindExpired, From: "sender@origin.test", Status: "expired"},
	},
	{
		name: "qmgr force-expired, instance with address",
		line: "Sep  3 12:39:14 mailhost postfix-192.0.2.78/qmgr[24086]: B54DA300087: from=<redacted@company.com>, status=force-expired, returned to sender",
		at:   "2026-09-03T12:39:14Z",
		want: Record{Host: "mailhost", Program: "postfix-192.0.2.78/qmgr", Instance: "postfix-192.0.2.78", Service: "qmgr", PID: 24086,
			QueueID: "B54DA300087", Kind: KindExpired, From: "redacted@company.com", Status: "force-expired"},
	},
	{
		name: "pickup",
		line: "Nov 23 15:34:05 mx postfix/pickup[12046]: 0898E9862D3: uid=0 from=<sender@origin.test>",
		at:   "2026-11-23T15:34:05Z",
		want: Record{Host: "mx", Program: "postfix/pickup", Instance: "postfix", Service: "pickup", PID: 12046,
			QueueID: "0898E9862D3", Kind: KindPickup, From: "sender@origin.test"},
	},
	{
		name: "bounce: sender non-delivery notification",
		line: "Nov 23 15:33:47 mx postfix/bounce[12075]: 90DB998626D: sender non-delivery notification: 93C26986015",
		at:   "2026-11-23T15:33:47Z",
		want: Record{Host: "mx", Program: "postfix/bounce", Instance: "postfix", Service: "bounce", PID: 12075,
			QueueID: "90DB998626D", Kind: KindNotification, NotifyKind: "sender non-delivery notification", NotifyQueueID: "93C26986015"},
	},
	{
		name: "bounce: sender delay notification",
		line: "Nov 23 18:00:00 mx postfix/bounce[12076]: 264FE1A18: sender delay notification: 0A87A1A08",
		at:   "2026-11-23T18:00:00Z",
		want: Record{Host: "mx", Program: "postfix/bounce", Instance: "postfix", Service: "bounce", PID: 12076,
			QueueID: "264FE1A18", Kind: KindNotification, NotifyKind: "sender delay notification", NotifyQueueID: "0A87A1A08"},
	},
	{
		name: "bounce: delivery status and postmaster notifications",
		line: "Nov 23 18:00:01 mx postfix/bounce[12076]: 482E4404AC8: postmaster non-delivery notification: 47335405A44",
		at:   "2026-11-23T18:00:01Z",
		want: Record{Host: "mx", Program: "postfix/bounce", Instance: "postfix", Service: "bounce", PID: 12076,
			QueueID: "482E4404AC8", Kind: KindNotification, NotifyKind: "postmaster non-delivery notification", NotifyQueueID: "47335405A44"},
	},
	{
		name: "smtpd NOQUEUE reject (DNSBL)",
		line: "Nov 23 15:34:54 mx postfix/smtpd[13577]: NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using zen.test; Listed in zen.test (SBL-style) see https://zen.test/query/ip/127.0.0.2; from=<a@origin.test> to=<ok@remote.test> proto=ESMTP helo=<vm>",
		at:   "2026-11-23T15:34:54Z",
		want: Record{Host: "mx", Program: "postfix/smtpd", Instance: "postfix", Service: "smtpd", PID: 13577,
			QueueID: "NOQUEUE", Kind: KindReject, Command: "RCPT", Client: "unknown[127.0.0.2]", ClientHost: "unknown", ClientIP: "127.0.0.2",
			Reply: reply.Reply{Code: 554, Enhanced: "5.7.1", Text: "554 5.7.1 Service unavailable; Client host [127.0.0.2] blocked using zen.test; Listed in zen.test (SBL-style) see https://zen.test/query/ip/127.0.0.2"},
			From:  "a@origin.test", To: "ok@remote.test"},
	},
	{
		name: "postscreen NOQUEUE reject, fields separated by commas",
		line: "Mar  2 19:25:35 mail postfix/postscreen[3222]: NOQUEUE: reject: RCPT from [192.0.2.9]:17308: 550 5.7.1 Service unavailable; client [192.0.2.9] blocked using zen.spamhaus.org; from=<my@address.example>, to=<you@address.example>, proto=ESMTP, helo=<[SNIP]>",
		at:   "2026-03-02T19:25:35Z",
		want: Record{Host: "mail", Program: "postfix/postscreen", Instance: "postfix", Service: "postscreen", PID: 3222,
			QueueID: "NOQUEUE", Kind: KindReject, Command: "RCPT", Client: "[192.0.2.9]:17308", ClientIP: "192.0.2.9",
			Reply: reply.Reply{Code: 550, Enhanced: "5.7.1", Text: "550 5.7.1 Service unavailable; client [192.0.2.9] blocked using zen.spamhaus.org"},
			From:  "my@address.example", To: "you@address.example"},
	},
	{
		name: "cleanup milter-reject with only an enhanced code",
		line: "Nov 23 15:37:55 mx postfix/cleanup[15192]: 5379E986177: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 Rejected by trackmilter; from=<sender@origin.test> to=<ok@remote.test> proto=ESMTP helo=<vm>",
		at:   "2026-11-23T15:37:55Z",
		want: Record{Host: "mx", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 15192,
			QueueID: "5379E986177", Kind: KindReject, Command: "END-OF-MESSAGE", Client: "localhost[127.0.0.1]", ClientHost: "localhost",
			ClientIP: "127.0.0.1", Reply: reply.Reply{Enhanced: "5.7.1", Text: "5.7.1 Rejected by trackmilter"},
			From: "sender@origin.test", To: "ok@remote.test"},
	},
	{
		name: "smtpd milter-reject at CONNECT, no sender",
		line: "Nov 23 15:37:47 mx postfix/smtpd[15013]: NOQUEUE: milter-reject: CONNECT from localhost[127.0.0.1]: 451 4.7.1 Service unavailable - try again later; proto=SMTP",
		at:   "2026-11-23T15:37:47Z",
		want: Record{Host: "mx", Program: "postfix/smtpd", Instance: "postfix", Service: "smtpd", PID: 15013,
			QueueID: "NOQUEUE", Kind: KindReject, Command: "CONNECT", Client: "localhost[127.0.0.1]", ClientHost: "localhost",
			ClientIP: "127.0.0.1", Reply: reply.Reply{Code: 451, Enhanced: "4.7.1", Text: "451 4.7.1 Service unavailable - try again later"}},
	},
	{
		name: "cleanup header check reject",
		line: "Nov 23 15:38:00 mx postfix/cleanup[15192]: 4104E3D1A2: reject: header Subject: win money from bad.example[192.0.2.66]; from=<x@bad.example> to=<y@example.com> proto=ESMTP helo=<bad.example>: 5.7.1 message content rejected",
		at:   "2026-11-23T15:38:00Z",
		want: Record{Host: "mx", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 15192,
			QueueID: "4104E3D1A2", Kind: KindReject, Command: "header", Client: "bad.example[192.0.2.66]", ClientHost: "bad.example",
			ClientIP: "192.0.2.66", Reply: reply.Reply{Enhanced: "5.7.1", Text: "5.7.1 message content rejected"},
			From: "x@bad.example", To: "y@example.com"},
	},
	{
		name: "smtp session reply without recipient (another MX host)",
		line: "Apr 21 08:45:18 mail postfix/smtp[1309]: 57FBFAA0512: host mxb-001f1301.gslb.pphosted.com[148.163.157.204] refused to talk to me: 554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.108",
		at:   "2026-04-21T08:45:18Z",
		want: Record{Host: "mail", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 1309,
			QueueID: "57FBFAA0512", Kind: KindWarning, Stage: StageGreeting, RemoteHost: "mxb-001f1301.gslb.pphosted.com",
			RemoteIP: "148.163.157.204", Reply: reply.Reply{Code: 554, Text: "554 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.108"}},
	},
	{
		name: "smtp connect failure for one MX host",
		line: "Nov 23 15:00:04 mx postfix/smtp[3005]: connect to mx2.example.net[198.51.100.8]:25: Connection timed out",
		at:   "2026-11-23T15:00:04Z",
		want: Record{Host: "mx", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 3005,
			Kind: KindOther, Stage: StageConnect, RemoteHost: "mx2.example.net", RemoteIP: "198.51.100.8",
			Reply: reply.Reply{Text: "connect to mx2.example.net[198.51.100.8]:25: Connection timed out"}},
	},
	{
		name: "warning",
		line: "Nov 23 15:37:43 mx postfix/smtpd[14840]: warning: connect to Milter service inet:127.0.0.1:8891: Connection refused",
		at:   "2026-11-23T15:37:43Z",
		want: Record{Host: "mx", Program: "postfix/smtpd", Instance: "postfix", Service: "smtpd", PID: 14840, Kind: KindWarning},
	},
	{
		name: "cleanup header warning with queue id",
		line: "Nov 23 15:37:44 mx postfix/cleanup[14842]: D8B07E3DB6: warning: header Subject: hello from client.example[192.0.2.3]; from=<a@b.example> to=<c@d.example> proto=ESMTP helo=<client.example>",
		at:   "2026-11-23T15:37:44Z",
		want: Record{Host: "mx", Program: "postfix/cleanup", Instance: "postfix", Service: "cleanup", PID: 14842,
			QueueID: "D8B07E3DB6", Kind: KindWarning},
	},
	{
		name: "smtpd connect is other",
		line: "Nov 23 15:34:54 mx postfix/smtpd[13577]: connect from unknown[127.0.0.2]",
		at:   "2026-11-23T15:34:54Z",
		want: Record{Host: "mx", Program: "postfix/smtpd", Instance: "postfix", Service: "smtpd", PID: 13577, Kind: KindOther},
	},
	{
		name: "anvil statistics is other",
		line: "Jan 23 00:54:23 Pixel-games postfix/anvil[14670]: statistics: max cache size 1 at Jan 23 00:51:03",
		at:   "2026-01-23T00:54:23Z",
		want: Record{Host: "Pixel-games", Program: "postfix/anvil", Instance: "postfix", Service: "anvil", PID: 14670, Kind: KindOther},
	},
	{
		name: "postfix-script without instance",
		line: "Dec 17 06:25:48 sm02 /postfix-script[112854]: the Postfix mail system is running: PID: 95072",
		at:   "2025-12-17T06:25:48Z",
		want: Record{Host: "sm02", Program: "/postfix-script", Service: "postfix-script", PID: 112854, Kind: KindOther},
	},
	{
		name: "multi-instance syslog_name not starting with postfix, RFC 3339 zone",
		line: "2021-04-21T17:16:28+02:00 server1 server1-1/smtp[17514]: EEC614DD82BD4: to=<email@example.com>, relay=smtppromx.orange.fr[192.0.2.77]:25, delay=3875, delays=3869/3.3/3.1/0, dsn=4.0.0, status=deferred (host smtppromx.orange.fr[192.0.2.77] refused to talk to me: 550 mwinf5c14 ME Adresse IP source bloquee pour incident de spam. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip=192.0.2.1 [",
		at:   "2021-04-21T17:16:28+02:00",
		want: Record{Host: "server1", Program: "server1-1/smtp", Instance: "server1-1", Service: "smtp", PID: 17514,
			QueueID: "EEC614DD82BD4", Kind: KindDelivery, To: "email@example.com", Relay: "smtppromx.orange.fr[192.0.2.77]:25",
			RelayHost: "smtppromx.orange.fr", RelayIP: "192.0.2.77", RelayPort: 25, Delay: 3875, Delays: "3869/3.3/3.1/0",
			DSN: "4.0.0", Status: "deferred",
			Detail: "host smtppromx.orange.fr[192.0.2.77] refused to talk to me: 550 mwinf5c14 ME Adresse IP source bloquee pour incident de spam. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip=192.0.2.1 [",
			Stage:  StageGreeting, RemoteHost: "smtppromx.orange.fr", RemoteIP: "192.0.2.77",
			Reply: reply.Reply{Code: 550, Text: "550 mwinf5c14 ME Adresse IP source bloquee pour incident de spam. OFR006_102 Ref http://csi.cloudmark.com/reset-request/?ip=192.0.2.1 ["}},
	},
	{
		name: "docker compose prefix, host-less nanosecond stamp",
		line: "smtp_1       | 2018-08-22T07:30:18.130405545Z postfix/smtp[137]: 73EBC8B09: to=<a@yahoo.com.tw>, relay=mx-tw.mail.gm0.yahoodns.net[180.222.103.9]:25, delay=29, delays=17/0.03/12/0.24, dsn=4.7.0, status=deferred (host mx-tw.mail.gm0.yahoodns.net[180.222.103.9] said: 421 4.7.0 [TSS04] Messages from 192.0.2.35 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html (in reply to MAIL FROM command))",
		at:   "2018-08-22T07:30:18.130405545Z",
		want: Record{Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 137,
			QueueID: "73EBC8B09", Kind: KindDelivery, To: "a@yahoo.com.tw", Relay: "mx-tw.mail.gm0.yahoodns.net[180.222.103.9]:25",
			RelayHost: "mx-tw.mail.gm0.yahoodns.net", RelayIP: "180.222.103.9", RelayPort: 25, Delay: 29, Delays: "17/0.03/12/0.24",
			DSN: "4.7.0", Status: "deferred",
			Detail: "host mx-tw.mail.gm0.yahoodns.net[180.222.103.9] said: 421 4.7.0 [TSS04] Messages from 192.0.2.35 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html (in reply to MAIL FROM command)",
			Stage:  StageSaid, RemoteHost: "mx-tw.mail.gm0.yahoodns.net", RemoteIP: "180.222.103.9", Command: "MAIL FROM",
			Reply: reply.Reply{Code: 421, Enhanced: "4.7.0", Text: "421 4.7.0 [TSS04] Messages from 192.0.2.35 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster/SLN3434.html"}},
	},
	{
		name: "docker logs -t: RFC 3339 stamp before the container's syslog line, CRLF",
		line: "2026-11-23T15:33:46.123456789Z Nov 23 15:33:46 mail postfix/smtp[12059]: DE9A6986268: to=<ok@remote.test>, relay=127.0.0.1[127.0.0.1]:2526, delay=0.02, delays=0.01/0.01/0/0, dsn=2.0.0, status=sent (250 2.0.0 OK: queued)\r",
		at:   "2026-11-23T15:33:46.123456789Z",
		want: Record{Host: "mail", Program: "postfix/smtp", Instance: "postfix", Service: "smtp", PID: 12059,
			QueueID: "DE9A6986268", Kind: KindDelivery, To: "ok@remote.test", Relay: "127.0.0.1[127.0.0.1]:2526",
			RelayHost: "127.0.0.1", RelayIP: "127.0.0.1", RelayPort: 2526, Delay: 0.02, Delays: "0.01/0.01/0/0",
			DSN: "2.0.0", Status: "sent", Detail: "250 2.0.0 OK: queued",
			Reply: reply.Reply{Code: 250, Enhanced: "2.0.0", Text: "250 2.0.0 OK: queued"}},
	},
	{
		name: "busybox syslogd facility.level field",
		line: "Nov 23 15:33:46 mailhost mail.info postfix/qmgr[99]: DE9A6986268: removed",
		at:   "2026-11-23T15:33:46Z",
		want: Record{Host: "mailhost", Program: "postfix/qmgr", Instance: "postfix", Service: "qmgr", PID: 99,
			QueueID: "DE9A6986268", Kind: KindRemoved},
	},
	{
		name: "Postfix line whose message is not understood",
		line: "Feb 16 00:07:34 smtpnode07 postfix-10.20.30.40/something[2342]: unsupported message",
		at:   "2026-02-16T00:07:34Z",
		want: Record{Host: "smtpnode07", Program: "postfix-10.20.30.40/something", Instance: "postfix-10.20.30.40",
			Service: "something", PID: 2342, Kind: KindUnknown},
	},
	{
		name: "smtpd message not understood keeps its queue id",
		line: "Nov 23 15:34:54 mx postfix/smtpd[13577]: 4104E3D1A3: frobnicated the widget",
		at:   "2026-11-23T15:34:54Z",
		want: Record{Host: "mx", Program: "postfix/smtpd", Instance: "postfix", Service: "smtpd", PID: 13577,
			QueueID: "4104E3D1A3", Kind: KindUnknown},
	},
	{name: "dovecot", line: "Nov 23 15:34:54 mx dovecot: imap-login: Login: user=<a>", err: ErrNotPostfix},
	{name: "amavis", line: "Oct 13 16:40:42 ucs amavis[10410]: (10410-08) Passed SPAM {RelayedTaggedInbound}", err: ErrNotPostfix},
	{name: "rsyslog repeat", line: "Nov 23 15:34:54 mx message repeated 2 times: [ x ]", err: ErrNotPostfix},
	{name: "empty", line: "", err: ErrMalformed},
	{name: "no prefix (message part only)", line: "NOQUEUE: milter-reject: RCPT from a[192.0.2.1]: 451 4.7.1 Greylisting; from=<a@b> to=<c@d> proto=ESMTP helo=<a>", err: ErrMalformed},
	{name: "bad month", line: "Foo 23 15:34:54 mx postfix/smtpd[1]: connect from x[192.0.2.1]", err: ErrMalformed},
	{name: "Feb 30", line: "Feb 30 15:34:54 mx postfix/smtpd[1]: connect from x[192.0.2.1]", err: ErrMalformed},
	{name: "Postfix tag cut short", line: "Nov 23 15:34:54 mx postfix/smtpd[13", err: ErrMalformed},
	{name: "stamp only", line: "Nov 23 15:34:54", err: ErrMalformed},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			p := NewParser(tableRef, time.UTC)
			var r Record
			err := p.Parse(c.line, &r)
			if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			checkInvariants(t, c.line, &r)
			if c.err != nil {
				return
			}
			if c.at == "" {
				if !r.Time.IsZero() {
					t.Errorf("Time = %v, want zero", r.Time)
				}
			} else {
				want, err := time.Parse(time.RFC3339Nano, c.at)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Time.Equal(want) {
					t.Errorf("Time = %v, want %v", r.Time, want)
				}
			}
			got := r
			got.Time = time.Time{}
			want := c.want
			want.Raw = c.line
			if !reflect.DeepEqual(got, want) {
				t.Errorf("record differs:\n%s", diffRecords(got, want))
			}
		})
	}
}

// diffRecords lists the fields of two records that differ.
func diffRecords(got, want Record) string {
	var b strings.Builder
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			b.WriteString("  " + g.Type().Field(i).Name + ": got ")
			b.WriteString(strings.ReplaceAll(fmtValue(g.Field(i).Interface()), "\n", "\\n"))
			b.WriteString(", want ")
			b.WriteString(fmtValue(w.Field(i).Interface()))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func fmtValue(v any) string { return fmt.Sprintf("%#v", v) }

type hugeLine struct{ name, line string }

// hugeLines builds lines of about size bytes that stress every scan of the
// parser: long replies, many fields, many separators, unterminated brackets.
func hugeLines(size int) []hugeLine {
	pad := func(prefix, unit, suffix string) string {
		n := (size - len(prefix) - len(suffix)) / len(unit)
		return prefix + strings.Repeat(unit, max(n, 1)) + suffix
	}
	const pre = "Nov 23 15:33:50 mx postfix/smtp[12059]: 2A593986283: "
	return []hugeLine{
		{"reply", pad(pre+"to=<a@b>, relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (host x[192.0.2.1] said: 550 5.7.1 ", "(in reply to x ", "(in reply to RCPT TO command))")},
		{"fields", pad(pre+"to=<a@b>", ", x=y", ", status=sent (ok)")},
		{"commas", pad(pre+"to=<a@b>", ", ,", "")},
		{"angle", pad(pre+"to=<\"", "\\\"<", "")},
		{"reject", pad("Nov 23 15:33:50 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 x", "; from=< ", "; from=<a> to=<b> proto=ESMTP helo=<h>")},
		{"trailer", pad("Nov 23 15:33:50 mx postfix/postscreen[1]: NOQUEUE: reject: RCPT from [192.0.2.1]:1: 550 x; ", "  ,", "")},
		{"suspended", pad(pre+"to=<a@b>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (", "delivery temporarily suspended: ", "connect to x[192.0.2.1]:25: Connection timed out)")},
		{"lost", pad(pre+"to=<a@b>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.2, status=deferred (lost connection with x[192.0.2.1]", " after", ")")},
		{"host", pad("Nov 23 15:33:50 ", "h", " postfix/smtp[1]: x")},
		{"tag", pad("Nov 23 15:33:50 mx postfix/", "smtp/", "[1]: x")},
		{"pid", pad("Nov 23 15:33:50 mx postfix/smtp[", "1", "]: x")},
		{"compose", pad("smtp_1", " ", "| 2026-11-23T14:56:04Z postfix/smtp[1]: x")},
		{"sd", pad("<22>1 2026-11-23T15:33:47Z mx postfix/qmgr 1 - [a x=\"", "\\\"]", "\"] DE9A6986268: removed")},
		{"header", pad("Nov 23 15:38:00 mx postfix/cleanup[1]: 4104E3D1A2: reject: header Subject: ", " from x; from=<", ">: 5.7.1 x")},
		{"binary", pad(pre+"to=<a@b>, relay=none, delay=1, delays=0/0/0/1, dsn=5.7.1, status=bounced (", "\x00\xff\r\n", ")")},
	}
}

// TestHugeLines parses pathological lines of 1 MiB: no panic, the
// invariants hold. (BenchmarkParseHuge shows the time is linear.)
func TestHugeLines(t *testing.T) {
	p := NewParser(tableRef, time.UTC)
	for _, c := range hugeLines(1 << 20) {
		var r Record
		_ = p.Parse(c.line, &r)
		checkInvariants(t, c.line, &r)
	}
	// The huge reply still yields its fields.
	var r Record
	line := hugeLines(1 << 20)[0].line
	if err := p.Parse(line, &r); err != nil || r.Kind != KindDelivery || r.Command != "RCPT TO" || r.Reply.Code != 550 {
		t.Errorf("huge reply: err %v, kind %v, command %q, code %d", err, r.Kind, r.Command, r.Reply.Code)
	}
}

func TestServiceLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"smtp", "smtp"},
		{"smtpd", "smtpd"},
		{"qmgr", "qmgr"},
		{"relay", "relay"},
		{"postscreen", "postscreen"},
		{"", "-"},
		{"x1", "other"},
		{"smtp2", "other"},
		{"SMTP", "other"},
		{"\xff\xfe", "other"},
		{"smtp\x1b[31m", "other"},
		{strings.Repeat("a", 5000), "other"},
	}
	for _, tt := range tests {
		if got := ServiceLabel(tt.in); got != tt.want {
			t.Errorf("ServiceLabel(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestScanProgram: scanProgram finds what a byte-at-a-time scan finds —
// the first '[', ':' or ' ' and the last '/' before it — for every byte
// value at every place of texts of up to 24 bytes, and for random texts of
// the bytes that matter.
func TestScanProgram(t *testing.T) {
	naive := func(s string) (int, int) {
		slash := -1
		i := 0
		for ; i < len(s) && s[i] != '[' && s[i] != ':' && s[i] != ' '; i++ {
			if s[i] == '/' {
				slash = i
			}
		}
		return i, slash
	}
	check := func(s string) {
		t.Helper()
		end, slash := scanProgram(s)
		if wEnd, wSlash := naive(s); end != wEnd || slash != wSlash {
			t.Fatalf("scanProgram(%q) = %d, %d; want %d, %d", s, end, slash, wEnd, wSlash)
		}
	}
	for n := 0; n <= 24; n++ {
		for at := 0; at < n; at++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a/b", 9)[:n])
				b[at] = byte(c)
				check(string(b))
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab/[: \x00\x01\x7f\x80\xff.0"
	for range 100000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		check(string(b))
	}
}

// TestTagCache parses lines one after another with one parser, as a
// source does, and holds each record and error equal to what a new parser
// makes of the line alone: a host and program the parser remembers from
// an earlier line (afterStamp) must read as the scans read them. Each
// row's lines start with the same host and program, or nearly.
func TestTagCache(t *testing.T) {
	const st = "Nov 23 15:34:54 "
	many := func() []string { // more programs than the parser remembers, twice over
		var lines []string
		for round := 0; round < 2; round++ {
			for i := range numTags + 5 {
				lines = append(lines, fmt.Sprintf("%smx postfix-%d/smtp[%d]: 4104E3D1A%d: removed", st, i, 100+round, i%10))
			}
		}
		return lines
	}
	oneByteOff := func() []string { // a key of n bytes, then the same but for one byte, for every n and byte
		var lines []string
		for n := 3; n <= maxTagKey+2; n++ {
			key := []byte("relay1 postfix/" + strings.Repeat("s", 64))[:n]
			if n < 8 {
				key = []byte("a " + strings.Repeat("s", 64))[:n]
			}
			lines = append(lines, st+string(key)+"[1]: x")
			for i := range key {
				if key[i] == ' ' {
					continue
				}
				other := slices.Clone(key)
				other[i] ^= 1
				lines = append(lines, st+string(other)+"[1]: x", st+string(key)+"[2]: y")
			}
		}
		return lines
	}
	stampOff := func() []string { // the stamp remembered (stamp) is compared as the tag is
		var lines []string
		stamps := []string{"Nov 23 14:56:04", "Nov  3 14:56:04", "Nov 3 14:56:04", "2026-11-23T14:56:04Z", "2026-11-23T14:56:04+09:00"}
		for k := 1; k <= 9; k++ {
			stamps = append(stamps, "Nov 23 14:56:04."+strings.Repeat("1", k), "2026-11-23T14:56:04."+strings.Repeat("1", k)+"Z")
		}
		for _, stamp := range stamps {
			for i := range stamp {
				other := []byte(stamp)
				other[i] = "1234567890"[(strings.IndexByte("0123456789", other[i])+2)%10]
				lines = append(lines, stamp+" mx postfix/qmgr[1]: 4104E3D1A2: removed", string(other)+" mx postfix/qmgr[1]: 4104E3D1A2: removed")
			}
		}
		return lines
	}
	tests := []struct {
		name  string
		lines []string
	}{
		{"same program, other pids", []string{
			st + "relay1 postfix/ip1/smtp[2744]: D24A298621E: removed",
			st + "relay1 postfix/ip1/smtp[1]: D24A298621E: to=<a@b.example>, relay=none, delay=1, delays=0/0/0/1, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.1]:25: Connection refused)",
			st + "relay1 postfix/ip1/smtp[]: D24A298621E: removed",
			st + "relay1 postfix/ip1/smtp[12x]: D24A298621E: removed",
			st + "relay1 postfix/ip1/smtp[12]",
			st + "relay1 postfix/ip1/smtp[12]x D24A298621E: removed",
		}},
		{"no pid", []string{st + "relay1 postfix/smtp[1]: x", st + "relay1 postfix/smtp: x", st + "relay1 postfix/smtp:", st + "relay1 postfix/smtp:x y"}},
		{"a longer program", []string{st + "relay1 postfix/smtp[1]: x", st + "relay1 postfix/smtpd[1]: connect from a[192.0.2.1]", st + "relay1 postfix/smtp/x[1]: x", st + "relay1 postfix/smtp x[1]: x"}},
		{"another host", []string{st + "relay1 postfix/smtp[1]: x", st + "relay2 postfix/smtp[1]: x", st + "relay postfix/smtp[1]: x", st + "xrelay1 postfix/smtp[1]: x", st + "relay1: postfix/smtp[1]: x"}},
		{"no host", []string{st + "postfix/smtp[1]: x", st + "postfix/smtp[2]: x", st + "postfix/smtp: x", st + "postfix/smtp:x y", st + "postfix/smtp x[1]: y"}},
		{"host named like a month", []string{st + "Nov postfix/smtp[1]: x", st + "Nov postfix/smtp[1]: x", st + "Nov 23 15:34:55 postfix/smtp[1]: x", st + "Nov 1[1]: x", st + "Nov 1[1]: x", st + "Nov 12:x", st + "Nov 12:x"}},
		{"other programs", []string{st + "mx opendkim[1618]: x", st + "mx opendkim[1618]: x", st + "mx opendkim[x]: x", st + "mx opendkim: x", st + "mx opendkim x"}},
		{"broken Postfix tags", []string{st + "mx postfix/smtp[1]: x", st + "mx postfix/smtp[x]: y", st + "mx postfix/smtp[1] y", st + "mx postfix/smtp[", st + "mx postfix/smtp:"}},
		{"services and instances", []string{st + "mx server1-1/smtp[1]: x", st + "mx server1-1/smtp[1]: x", st + "mx server1-1/smtpx[1]: x", st + "mx postfix-script[1]: x", st + "mx postfix-script[1]: x", st + "mx postfix[1]: x", st + "mx postfix[1]: x"}},
		{"busybox facility", []string{st + "mx mail.info postfix/smtp[1]: x", st + "mx mail.info postfix/smtp[1]: x", st + "mx mail.info: x", st + "mx mail.info: x"}},
		{"short and long keys", []string{st + "a smtp[1]: x", st + "a smtp[1]: x", st + "ab smtpd[1]: x", st + "ab smtpd[1]: x", st + "ab smtpd: x",
			st + strings.Repeat("h", 30) + " postfix/" + strings.Repeat("s", 21) + "/smtp[1]: x", st + strings.Repeat("h", 30) + " postfix/" + strings.Repeat("s", 21) + "/smtp[1]: x",
			st + strings.Repeat("h", 30) + " postfix/" + strings.Repeat("s", 22) + "/smtp[1]: x", st + strings.Repeat("h", 30) + " postfix/" + strings.Repeat("s", 22) + "/smtp[1]: x"}},
		{"more programs than remembered", many()},
		{"keys of every length, one byte changed", oneByteOff()},
		{"stamps of every length, one byte changed", stampOff()},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			warm := NewParser(tableRef, time.UTC)
			for _, line := range c.lines {
				var got, want Record
				gotErr := warm.Parse(line, &got)
				wantErr := NewParser(tableRef, time.UTC).Parse(line, &want)
				if gotErr != wantErr || !reflect.DeepEqual(got, want) {
					t.Errorf("%q after the lines before: error %v, want %v; record differs:\n%s", line, gotErr, wantErr, diffRecords(got, want))
				}
			}
		})
	}
}

// TestKeyEnd holds keyEnd, which looks for a delivery field's '=' eight
// bytes at a time, equal to a search a byte at a time in the first 12
// bytes, for every place of the '=' (and of a second one) in texts of up
// to 20 bytes.
func TestKeyEnd(t *testing.T) {
	byByte := func(s string) int {
		for i := 0; i < len(s) && i < 12; i++ {
			if s[i] == '=' {
				return i
			}
		}
		return -1
	}
	for n := 0; n <= 20; n++ {
		for i := -1; i < n; i++ {
			for j := -1; j < n; j++ {
				b := []byte(strings.Repeat("relay_orig=x", 2)[:n])
				for k := range b {
					if b[k] == '=' {
						b[k] = 'e'
					}
				}
				if i >= 0 {
					b[i] = '='
				}
				if j >= 0 {
					b[j] = '='
				}
				s := string(b)
				if got, want := keyEnd(s), byByte(s); got != want {
					t.Errorf("keyEnd(%q) = %d, want %d", s, got, want)
				}
			}
		}
	}
}

// TestCutQueueID holds cutQueueID, whose run of queue id bytes ends at a
// vowel, equal to the earlier cut that ran over every letter and digit:
// ids of every length up to 40 with a byte of every class (hex, letter,
// vowel, none) at every place, followed by ": " or not, NOQUEUE and its
// near misses, and random texts.
func TestCutQueueID(t *testing.T) {
	byLetters := func(s string) (string, string, bool) {
		i, all := 0, true
		for n := min(len(s), 33); i < n; i++ {
			c := s[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
				break
			}
			all = all && (c <= '9' || c <= 'F')
		}
		if i < 6 || i+1 >= len(s) || s[i] != ':' || s[i+1] != ' ' {
			return "", s, false
		}
		if qid := s[:i]; (all && i <= 24) || qid == "NOQUEUE" || ValidQueueID(qid) {
			return qid, s[i+2:], true
		}
		return "", s, false
	}
	var texts []string
	for _, id := range []string{strings.Repeat("4104E3D1A2", 4), strings.Repeat("3Fz9Lb8Ckq", 4), "NOQUEUE", "NOQUEUEX"} {
		for n := 0; n <= len(id); n++ {
			for _, end := range []string{": removed", ":", ": ", " removed", ""} {
				texts = append(texts, id[:n]+end)
				for i := 0; i < n; i++ {
					for _, c := range []byte{'G', 'g', 'z', 'A', 'E', 'I', 'O', 'U', 'a', 'e', 'o', '-', ' ', ':', 0, 0xff} {
						b := []byte(id[:n] + end)
						b[i] = c
						texts = append(texts, string(b))
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		b := make([]byte, rng.IntN(30))
		for i := range b {
			b[i] = "0123456789ABCDEFGHJKLMNOPQUaeiouz: x"[rng.IntN(36)]
		}
		texts = append(texts, string(b))
	}
	for _, s := range texts {
		q, rest, ok := cutQueueID(s)
		wq, wrest, wok := byLetters(s)
		if q != wq || rest != wrest || ok != wok {
			t.Fatalf("cutQueueID(%q) = %q, %q, %v; want %q, %q, %v", s, q, rest, ok, wq, wrest, wok)
		}
	}
}

// TestPID holds the pid read from a tag, its first nine digits read
// without a test of the value, equal to a loop that stops adding digits
// once the pid reaches 1e9, for pids of every length up to 24 digits,
// all nines or random, and a tag that ends within the digits.
func TestPID(t *testing.T) {
	want := func(digits string) int {
		pid := 0
		for i := 0; i < len(digits); i++ {
			if pid < 1e9 {
				pid = pid*10 + int(digits[i]-'0')
			}
		}
		return pid
	}
	rng := rand.New(rand.NewPCG(3, 4))
	p := NewParser(tableRef, time.UTC)
	for n := 1; n <= 24; n++ {
		random := make([]byte, n)
		for i := range random {
			random[i] = byte('0' + rng.IntN(10))
		}
		for _, digits := range []string{strings.Repeat("9", n), strings.Repeat("1", n), string(random)} {
			var r Record
			if err := p.Parse("Nov 23 15:34:54 mx postfix/smtp["+digits+"]: x", &r); err != nil || r.PID != want(digits) {
				t.Errorf("pid %s: %d, %v; want %d", digits, r.PID, err, want(digits))
			}
			if err := p.Parse("Nov 23 15:34:54 mx postfix/smtp["+digits, &r); err != ErrMalformed {
				t.Errorf("tag cut in pid %s: %v, want ErrMalformed", digits, err)
			}
		}
	}
}

// TestLastIndexNearEnd: lastIndexNearEnd finds what strings.LastIndex
// finds, wherever the separator is (or is not), on texts built from its
// pieces and random bytes of the same few kinds, of any length and
// alignment (its scan reads eight bytes a word, the latest match in a
// word first, then the bytes before the first word byte by byte).
func TestLastIndexNearEnd(t *testing.T) {
	const sep = " (in reply to "
	for _, s := range []string{"", " ", " (", sep[:len(sep)-1], sep, "x" + sep, sep + "x", sep + sep, " (in reply to  (in reply to RCPT TO command)",
		"550 5.7.1 refused (in reply to RCPT TO command)", "550 refused (see (in reply to) below) (in reply to end of DATA command)"} {
		if got, want := lastIndexNearEnd(s, sep), strings.LastIndex(s, sep); got != want {
			t.Errorf("lastIndexNearEnd(%q) = %d, want %d", s, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{sep, " (", "(", " ", "in reply to", "x", "RCPT TO command)"}
	for range 40000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			b.WriteString(strings.Repeat("x", rng.IntN(3)*rng.IntN(9)))
		}
		for _, sep := range []string{sep, " (", "))"} {
			if got, want := lastIndexNearEnd(b.String(), sep), strings.LastIndex(b.String(), sep); got != want {
				t.Fatalf("lastIndexNearEnd(%q, %q) = %d, want %d", b.String(), sep, got, want)
			}
		}
	}
}
