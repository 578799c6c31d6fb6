package classify

import (
	"strings"

	"github.com/rblwatch/rblwatch/postfixlog"
	"github.com/rblwatch/rblwatch/reply"
)

// InputFromRecord turns a parsed delivery or reject record into the input
// of Classify. sendingIP is our outbound address when known ("" if not).
//
// For a delivery, the remote is the host that answered; greeting
// rejections set Greeting; connection failures, lost connections and
// Postfix's own texts (no reply code) set NoReply. For a reject record (our
// smtpd refusing a client), the listed address defaults to the client's.
func InputFromRecord(r *postfixlog.Record, sendingIP string) Input {
	in := Input{
		Reply:      r.Reply,
		RemoteHost: r.RemoteHost,
		RemoteIP:   r.RemoteIP,
		Command:    r.Command,
		SendingIP:  sendingIP,
	}
	if in.Reply.Text == "" && r.Detail != "" {
		in.Reply = reply.Parse(r.Detail)
	}
	switch r.Kind {
	case postfixlog.KindReject:
		in.RemoteHost, in.RemoteIP = "", ""
		if in.SendingIP == "" {
			in.SendingIP = r.ClientIP
		}
		return in
	case postfixlog.KindDelivery:
		if in.RemoteHost == "" && in.RemoteIP == "" {
			in.RemoteHost, in.RemoteIP = r.RelayHost, r.RelayIP
		}
		in.Deferred = r.Status == "deferred"
	}
	switch r.Stage {
	case postfixlog.StageGreeting:
		in.Greeting = true
	case postfixlog.StageConnect, postfixlog.StageLost:
		in.NoReply = true
	case postfixlog.StageLocal, postfixlog.StageNone:
		in.NoReply = in.Reply.Code == 0
	}
	return in
}

// InputFromText turns a reply as people paste it into the input of
// Classify: a bare reply ("550 5.7.1 …"), a "Diagnostic-Code: smtp; …"
// line, a Postfix delivery text ("host mx.example.com[192.0.2.1] said:
// … (in reply to RCPT TO command)", "… refused to talk to me: …", "connect
// to mx.example.com[192.0.2.1]:25: Connection timed out"), or an
// Exim one ("host mx.example.com [192.0.2.1] SMTP error from remote mail
// server after RCPT TO:<a@example.com>: 550 …").
func InputFromText(s, sendingIP string) Input {
	in := Input{SendingIP: sendingIP}
	s = strings.TrimSpace(s)
	if len(s) >= 16 && strings.EqualFold(s[:16], "diagnostic-code:") {
		s = strings.TrimSpace(s[16:])
	}
	if len(s) >= 5 && strings.EqualFold(s[:5], "smtp;") {
		s = strings.TrimSpace(s[5:])
	}
	if k := strings.Index(s, eximMarker); k >= 0 {
		return eximInput(in, s, k)
	}
	for _, m := range gmailMarkers {
		if k := strings.Index(s, m); k >= 0 {
			// Gmail's bounce: "… rejected by the server for the recipient
			// domain example.org by mx.example.org. [192.0.2.1]. The
			// error that the other server returned was: 550 …"
			if h := strings.LastIndex(s[:k], " by "); h >= 0 {
				f := s[h+4 : k]
				if e := strings.IndexByte(f, ']'); e >= 0 {
					f = f[:e+1]
				}
				host, ip := splitHostIP(f)
				if host = strings.TrimSuffix(host, "."); validName(host) {
					in.RemoteHost, in.RemoteIP = host, ip
				}
			}
			in.Reply = reply.Parse(strings.TrimSpace(s[k+len(m):]))
			return in
		}
	}
	if rest, client, ok := smtpdReject(s); ok {
		// Our smtpd refusing a client, as InputFromRecord takes a reject
		// record: the client's address is the one listed.
		if in.SendingIP == "" {
			in.SendingIP = client
		}
		in.Reply = reply.Parse(trimUnbalanced(rest))
		return in
	}
	if t, ok := strings.CutPrefix(s, "connect to "); ok {
		// Postfix's own text for a connection that failed ("connect to
		// mx.example.com[192.0.2.1]:25: Connection timed out"): no reply,
		// as InputFromRecord takes such a record; the host is known.
		if end := strings.Index(t, ": "); end >= 0 {
			hp := t[:end]
			if i := strings.LastIndexByte(hp, ']'); i >= 0 {
				hp = hp[:i+1] // without the port
			}
			in.RemoteHost, in.RemoteIP = splitHostIP(hp)
		}
		in.NoReply = true
		in.Reply = reply.Parse(s)
		return in
	}
	marker := ""
	k := strings.Index(s, " refused to talk to me: ")
	if k >= 0 {
		marker = " refused to talk to me: "
		in.Greeting = true
	} else if k = strings.Index(s, " said: "); k >= 0 {
		marker = " said: "
	}
	if marker != "" {
		before := s[:k]
		if h := strings.LastIndex(before, "host "); h >= 0 {
			in.RemoteHost, in.RemoteIP = splitHostIP(before[h+5:])
		}
		s = s[k+len(marker):]
		s = trimUnbalanced(s)
		if j := strings.LastIndex(s, " (in reply to "); j >= 0 {
			if c, ok := strings.CutSuffix(s[j+14:], " command)"); ok {
				in.Command = c
				s = s[:j]
			}
		}
	}
	in.Reply = reply.Parse(s)
	return in
}

// smtpdReject cuts the Postfix smtpd prefix of a reject ("NOQUEUE: reject:
// RCPT from mail.example.org[192.0.2.1]: 554 5.7.1 …"), returning the reply,
// the client's address, and whether there was such a prefix.
func smtpdReject(s string) (rest, client string, ok bool) {
	k := strings.Index(s, "reject: ")
	if k < 0 {
		return "", "", false
	}
	after := s[k+len("reject: "):]
	f := strings.Index(after, " from ")
	if f < 0 || f > len("END-OF-MESSAGE") || strings.ContainsAny(after[:f], " :") {
		return "", "", false
	}
	after = after[f+len(" from "):]
	c := strings.Index(after, ": ")
	if c < 0 || strings.IndexByte(after[:c], ' ') >= 0 {
		return "", "", false
	}
	_, client = splitHostIP(after[:c])
	if i := strings.LastIndex(client, ":"); i > 0 && !strings.Contains(client[:i], ":") {
		client = client[:i] // "[192.0.2.1]:1337" of postscreen
	}
	rest = after[c+2:]
	if e := strings.Index(rest, "; from=<"); e >= 0 {
		rest = rest[:e] // the envelope Postfix adds, not the reply
	}
	return rest, client, true
}

// gmailMarkers introduce the remote reply in Gmail's bounces.
var gmailMarkers = []string{"The error that the other server returned was: ", "The response from the remote server was: "}

// eximMarker introduces the reply in Exim's bounces and logs: "host
// mx.example.com [192.0.2.1] SMTP error from remote mail server after RCPT
// TO:<a@example.com>: 550 5.7.1 …".
const eximMarker = "SMTP error from remote mail server after "

// eximInput reads the remote host, the command and the reply of an Exim
// text whose marker is at s[k:].
func eximInput(in Input, s string, k int) Input {
	if h := strings.LastIndex(s[:k], "host "); h >= 0 {
		in.RemoteHost, in.RemoteIP = splitHostIP(strings.TrimRight(strings.TrimSpace(s[h+5:k]), ":"))
	} else if h := strings.LastIndex(s[:k], " H="); h >= 0 {
		// Exim's main log: "… T=remote_smtp H=mx.example.com [192.0.2.1]
		// X=TLS1.2…: SMTP error from remote mail server after …"
		f := s[h+3 : k]
		if e := strings.IndexByte(f, ']'); e >= 0 {
			f = f[:e+1]
		} else if e := strings.IndexAny(f, " :"); e >= 0 {
			f = f[:e]
		}
		in.RemoteHost, in.RemoteIP = splitHostIP(f)
	}
	rest := s[k+len(eximMarker):]
	// The command ("RCPT TO:<a@example.com>") ends at the first ':' that a
	// space or line break follows.
	j := -1
	for i := 0; i+1 < len(rest); i++ {
		if c := rest[i+1]; rest[i] == ':' && (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			j = i
			break
		}
	}
	if j < 0 {
		in.Reply = reply.Parse(rest)
		return in
	}
	switch cmd := strings.ToUpper(rest[:j]); {
	case strings.HasPrefix(cmd, "RCPT TO"):
		in.Command = "RCPT TO"
	case strings.HasPrefix(cmd, "MAIL FROM"):
		in.Command = "MAIL FROM"
	case strings.HasSuffix(cmd, "END OF DATA"):
		in.Command = "end of DATA"
	case cmd == "DATA":
		in.Command = "DATA"
	case cmd == "INITIAL CONNECTION", strings.HasPrefix(cmd, "HELO"), strings.HasPrefix(cmd, "EHLO"):
		in.Greeting = true
	}
	in.Reply = reply.Parse(rest[j+1:])
	return in
}

// splitHostIP splits "mx.example.com[192.0.2.1]" or "mx.example.com
// [192.0.2.1]" (a port after ':' is ignored).
func splitHostIP(s string) (host, ip string) {
	s = strings.TrimSpace(s)
	if k := strings.IndexByte(s, '['); k >= 0 {
		host = strings.TrimSpace(s[:k])
		if e := strings.IndexByte(s[k:], ']'); e > 0 {
			ip = s[k+1 : k+e]
		}
		return host, ip
	}
	return s, ""
}

// trimUnbalanced removes closing parentheses at the end that have no
// opening one in s (the "status=deferred (host … said: …)" wrapper).
func trimUnbalanced(s string) string {
	extra := strings.Count(s, ")") - strings.Count(s, "(")
	for ; extra > 0 && strings.HasSuffix(s, ")"); extra-- {
		s = s[:len(s)-1]
	}
	return strings.TrimSpace(s)
}

// InputFromLine turns one line a person pastes into an Input: a Postfix log
// line with a delivery or reject (parsed with p), else a reply text as
// InputFromText takes it.
func InputFromLine(p *postfixlog.Parser, line, sendingIP string) Input {
	if p != nil {
		var r postfixlog.Record
		if err := p.Parse(line, &r); err == nil {
			switch {
			case r.Kind == postfixlog.KindDelivery && r.Stage != postfixlog.StageNone,
				r.Kind == postfixlog.KindReject && r.Reply.Text != "":
				return InputFromRecord(&r, sendingIP)
			}
		}
	}
	return InputFromText(line, sendingIP)
}
