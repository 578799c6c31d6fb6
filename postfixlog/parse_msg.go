package postfixlog

import (
	"strings"

	"github.com/rblwatch/rblwatch/reply"
)

// message parses the text after "tag[pid]: ".
func (p *Parser) message(msg string, r *Record) {
	body := msg
	if qid, rest, ok := cutQueueID(msg); ok {
		r.QueueID, body = qid, rest
	}
	if strings.HasPrefix(body, "to=<") {
		parseDelivery(body, r)
		return
	}
	if isWarning(body) {
		r.Kind = KindWarning
		return
	}
	switch r.Service {
	case "smtpd":
		parseSmtpd(body, r)
	case "qmgr", "nqmgr", "oqmgr":
		parseQmgr(body, r)
	case "cleanup":
		parseCleanup(body, r)
	case "smtp", "lmtp":
		parseSMTP(body, r)
	case "bounce", "defer", "trace":
		parseBounce(body, r)
	case "pickup":
		if strings.HasPrefix(body, "uid=") {
			r.Kind = KindPickup
			if i := strings.Index(body, " from=<"); i >= 0 {
				var rest string
				r.From, rest, _ = cutAngle(body[i+6:])
				if q, ok := strings.CutPrefix(rest, " orig_id="); ok && ValidQueueID(q) {
					r.OrigQueueID = q
				}
			}
		}
	case "postscreen":
		r.Kind = KindOther // connection noise: CONNECT, PASS, DNSBL rank, PREGREET, HANGUP…
		if act, rest, ok := cutAction(body); ok && act == "reject" && r.QueueID != "" {
			r.Kind = KindReject
			parseSmtpdReject(rest, r)
		}
	case "postsuper":
		r.Kind = KindOther
		// "requeued" (postsuper -r): the queue file is gone; pickup
		// logs the message's new queue id with orig_id=.
		if (body == "removed" || body == "requeued") && r.QueueID != "" {
			r.Kind = KindRemoved
		}
	case "anvil", "scache", "master", "postfix-script", "postfix", "tlsmgr", "tlsproxy", "dnsblog", "verify",
		"flush", "proxymap", "showq", "postlogd", "postlog", "postdrop", "postqueue", "postmap", "postalias",
		"postconf", "sendmail", "trivial-rewrite", "spawn", "postmulti", "postkick", "qmqpd":
		// Services whose lines are all of no interest to rblwatch.
		r.Kind = KindOther
	}
}

// isWarning reports whether a message is a Postfix "warning:", "error:",
// "fatal:" or "panic:" report.
func isWarning(s string) bool {
	if len(s) == 0 || (s[0] != 'w' && s[0] != 'e' && s[0] != 'f' && s[0] != 'p') {
		return false
	}
	switch {
	case strings.HasPrefix(s, "warning: "), strings.HasPrefix(s, "error: "),
		strings.HasPrefix(s, "fatal: "), strings.HasPrefix(s, "panic: "):
		return true
	}
	return false
}

// cutQueueID splits "QID: rest" when QID is a valid queue id or NOQUEUE.
func cutQueueID(s string) (qid, rest string, ok bool) {
	if len(s) >= 9 && s[0] == 'N' && s[:9] == "NOQUEUE: " { // NOQUEUE has vowels
		return s[:7], s[9:], true
	}
	i, all := 0, byte(qidHex)
	for n := min(len(s), 33); i < n; i++ {
		c := qidByte[s[i]]
		if c == 0 {
			break
		}
		all &= c // stays qidHex while every byte is one
	}
	hex := all == qidHex
	if i < 6 || i+1 >= len(s) || s[i] != ':' || s[i+1] != ' ' {
		return "", s, false
	}
	qid = s[:i]
	if !(hex && i <= 24) && !ValidQueueID(qid) {
		return "", s, false
	}
	return qid, s[i+2:], true
}

// qidByte classes the bytes of a queue id: qidHex (digits, upper-case
// A-F), qidLetter (the other letters of the long form's vowel-free
// alphabet), 0 (none: a vowel but hex's A and E ends the run too, as a
// queue id has none; "connect from", "Trusted TLS" and "disconnect" stop
// at their first vowel, not at the space after the word). qidHex has
// qidLetter's bit and one more, so the AND of a run's classes is qidHex
// when all are.
var qidByte = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9' || c >= 'A' && c <= 'F':
			t[c] = qidHex
		case strings.IndexByte("IOUaeiou", byte(c)) >= 0:
		case c >= 'G' && c <= 'Z' || c >= 'a' && c <= 'z':
			t[c] = qidLetter
		}
	}
	return t
}()

const (
	qidLetter = 1
	qidHex    = 3
)

// ValidQueueID reports whether s is a Postfix queue id: the short form
// (upper-case hex, 6 to 24 characters) or the long form of
// enable_long_queue_ids (12 to 32 characters of Postfix's vowel-free
// alphanumeric alphabet, with the 'z' separator after the time part).
// "NOQUEUE" is not a queue id.
func ValidQueueID(s string) bool {
	if len(s) < 6 || len(s) > 32 {
		return false
	}
	hex := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			hex = false
			break
		}
	}
	if hex {
		return len(s) <= 24
	}
	if len(s) < 12 {
		return false
	}
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			switch c {
			case 'A', 'E', 'I', 'O', 'U', 'a', 'e', 'i', 'o', 'u':
				return false
			case 'z':
				if i >= 6 && i <= len(s)-2 {
					sep = true
				}
			}
		default:
			return false
		}
	}
	return sep
}

// cutAction splits "action: rest" for the short lower-case action words
// Postfix uses (reject, milter-reject, reject_warning, hold, discard, …).
func cutAction(s string) (act, rest string, ok bool) {
	i := 0
	for i < len(s) && i < 24 && (s[i] >= 'a' && s[i] <= 'z' || s[i] == '-' || s[i] == '_') {
		i++
	}
	if i == 0 || i+1 >= len(s) || s[i] != ':' || s[i+1] != ' ' {
		return "", s, false
	}
	return s[:i], s[i+2:], true
}

// parseSmtpd handles smtpd lines other than warnings.
func parseSmtpd(body string, r *Record) {
	if strings.HasPrefix(body, "client=") {
		parseClient(body[7:], r)
		return
	}
	if act, rest, ok := cutAction(body); ok {
		switch act {
		case "reject", "milter-reject", "proxy-reject":
			r.Kind = KindReject
			parseSmtpdReject(rest, r)
			return
		case "reject_warning", "warn":
			r.Kind = KindWarning
			parseSmtpdReject(rest, r)
			return
		case "hold", "discard", "filter", "redirect", "milter-hold", "milter-discard", "milter-redirect",
			"proxy-accept", "bcc", "prepend", "replace", "info":
			r.Kind = KindOther
			parseSmtpdReject(rest, r)
			return
		}
	}
	if isSmtpdNoise(body) {
		r.Kind = KindOther
	}
}

// isSmtpdNoise reports smtpd messages about connections, of no interest to
// rblwatch: those that begin as one of nineteen texts (TestNoise lists
// them). The first byte picks the few it can be: every smtpd line that is
// not a client= line or an action asks, and trying the nineteen in turn
// compared two to seven of them a line (runtime.memequal, past 16 bytes).
func isSmtpdNoise(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case 'c':
		return strings.HasPrefix(s, "connect from ")
	case 'd':
		return strings.HasPrefix(s, "disconnect from ") || strings.HasPrefix(s, "discarding EHLO keywords")
	case 'l':
		return strings.HasPrefix(s, "lost connection") // "lost connection after " too
	case 't':
		return strings.HasPrefix(s, "timeout after ") || strings.HasPrefix(s, "too many errors after ") || strings.HasPrefix(s, "table ")
	case 'i':
		return strings.HasPrefix(s, "improper command pipelining after ")
	case 'A':
		return strings.HasPrefix(s, "Anonymous TLS connection established")
	case 'T':
		return strings.HasPrefix(s, "Trusted TLS connection established") || strings.HasPrefix(s, "TLS connection established from ")
	case 'U':
		return strings.HasPrefix(s, "Untrusted TLS connection established")
	case 'V':
		return strings.HasPrefix(s, "Verified TLS connection established")
	case 'S':
		return strings.HasPrefix(s, "SSL_accept error from ") || strings.HasPrefix(s, "STARTTLS")
	case 's':
		return strings.HasPrefix(s, "setting up TLS connection from ")
	case 'n':
		return strings.HasPrefix(s, "non-SMTP command from ")
	case 'a':
		return strings.HasPrefix(s, "abort")
	}
	return false
}

// parseClient reads "host[ip], sasl_method=PLAIN, sasl_username=u, …".
func parseClient(s string, r *Record) {
	r.Kind = KindClient
	end := indexCommaSpace(s)
	if end < 0 {
		end = len(s)
	}
	r.setClient(s[:end])
	rest := s[end:]
	i := -1
	// Postfix writes sasl_method first: sasl_username follows its value,
	// which holds no comma. (The first ", sasl_username=" all the same.)
	if strings.HasPrefix(rest, ", sasl_method=") {
		if j := strings.IndexByte(rest[14:], ','); j >= 0 && strings.HasPrefix(rest[14+j:], ", sasl_username=") {
			i = 14 + j
		}
	}
	if i < 0 {
		i = strings.Index(rest, ", sasl_username=")
	}
	if i >= 0 {
		v := rest[i+16:]
		if j := indexCommaSpace(v); j >= 0 {
			v = v[:j]
		}
		r.SASLUser = v
	}
}

// indexCommaSpace is strings.Index(s, ", "), by a search for the comma:
// on a client line's few dozen bytes strings.Index's set-up cost more
// than the search.
func indexCommaSpace(s string) int {
	for off := 0; ; off++ {
		k := strings.IndexByte(s[off:], ',')
		if k < 0 {
			return -1
		}
		if off += k; off+1 < len(s) && s[off+1] == ' ' {
			return off
		}
	}
}

// setClient fills Client, ClientHost and ClientIP from "host[ip]" or
// "[ip]:port" (postscreen).
func (r *Record) setClient(c string) {
	r.Client = c
	host, ip, _, ok := splitHostIP(c)
	r.ClientHost = host
	if ok {
		r.ClientIP = ip
	}
}

// parseSmtpdReject reads what follows "reject: " in smtpd, postscreen and
// cleanup lines: "VERB from CLIENT: REPLY; from=<a> to=<b> proto=P helo=<h>"
// (postscreen separates the trailing fields with ", "), or a header/body
// check "header NAME: VALUE from CLIENT; from=<a> to=<b> proto=P helo=<h>: REPLY".
func parseSmtpdReject(s string, r *Record) {
	if strings.HasPrefix(s, "header ") || strings.HasPrefix(s, "body ") {
		parseCheckReject(s, r)
		return
	}
	sp := strings.IndexByte(s, ' ')
	if sp <= 0 || !strings.HasPrefix(s[sp:], " from ") {
		return
	}
	r.Command = s[:sp]
	s = s[sp+6:]
	// The client ends at ": " ("host[ip]: " or "[ip]:port: ").
	ce := strings.Index(s, ": ")
	if ce < 0 {
		r.setClient(s)
		return
	}
	r.setClient(s[:ce])
	s = s[ce+2:]
	text, trailer := cutTrailer(s)
	r.Reply = reply.Parse(text)
	parseTrailer(trailer, r)
}

// cutTrailer splits "REPLY; from=<…> to=<…> proto=… helo=<…>" at the first
// "; " that starts the trailing fields.
func cutTrailer(s string) (text, trailer string) {
	off := 0
	for {
		i := strings.Index(s[off:], "; ")
		if i < 0 {
			return s, ""
		}
		i += off
		t := s[i+2:]
		if strings.HasPrefix(t, "from=<") || strings.HasPrefix(t, "to=<") || strings.HasPrefix(t, "proto=") ||
			strings.HasPrefix(t, "helo=<") {
			return s[:i], t
		}
		off = i + 2
	}
}

// parseTrailer reads "from=<a> to=<b> proto=P helo=<h>" (fields separated
// by " " or ", ").
func parseTrailer(s string, r *Record) {
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "from=<"):
			a, rest, ok := cutAngle(s[5:])
			if !ok {
				return
			}
			r.From, s = a, rest
		case strings.HasPrefix(s, "to=<"):
			a, rest, ok := cutAngle(s[3:])
			if !ok {
				return
			}
			r.To, s = a, rest
		default:
			sp := strings.IndexByte(s, ' ')
			if sp < 0 {
				return
			}
			s = s[sp:]
		}
		s = strings.TrimPrefix(s, ",")
		s = strings.TrimPrefix(s, " ")
	}
}

// parseCheckReject reads a header/body check rejection:
// "header Subject: x from host[ip]; from=<a> to=<b> proto=ESMTP helo=<h>: 5.7.1 text".
func parseCheckReject(s string, r *Record) {
	r.Command = s[:strings.IndexByte(s, ' ')]
	i := strings.LastIndex(s, "; from=<")
	if i < 0 {
		return
	}
	if f := strings.LastIndex(s[:i], " from "); f >= 0 {
		r.setClient(s[f+6 : i])
	}
	t := s[i+2:]
	// The reply follows the trailer, after ": " behind helo=<…> (or proto=…).
	if h := strings.LastIndex(t, ">: "); h >= 0 {
		r.Reply = reply.Parse(t[h+3:])
		t = t[:h+1]
	} else if h := strings.LastIndex(t, ": "); h >= 0 {
		r.Reply = reply.Parse(t[h+2:])
		t = t[:h]
	}
	parseTrailer(t, r)
}

// parseQmgr handles qmgr lines other than deliveries and warnings.
func parseQmgr(body string, r *Record) {
	switch {
	case body == "removed":
		r.Kind = KindRemoved
	case strings.HasPrefix(body, "from=<"):
		a, rest, ok := cutAngle(body[5:])
		if !ok {
			return
		}
		r.From = a
		switch {
		case strings.HasPrefix(rest, ", size="):
			rest = rest[7:]
			n, k := leadingUint(rest)
			r.Size = int64(n)
			rest = rest[k:]
			if strings.HasPrefix(rest, ", nrcpt=") {
				n, _ := leadingUint(rest[8:])
				r.Nrcpt = int(min(n, 1<<31-1))
			}
			r.Kind = KindQueued
		case strings.HasPrefix(rest, ", status="):
			rest = rest[9:]
			st := rest
			if i := strings.IndexByte(rest, ','); i >= 0 {
				st = rest[:i]
			}
			if strings.HasSuffix(st, "expired") {
				r.Status = st
				r.Kind = KindExpired
			}
		}
	case strings.HasPrefix(body, "skipped, still being delivered"):
		r.Kind = KindOther
	}
}

// parseCleanup handles cleanup lines other than deliveries and warnings.
func parseCleanup(body string, r *Record) {
	if strings.HasPrefix(body, "message-id=") {
		r.Kind = KindMessageID
		v := body[11:]
		if len(v) >= 2 && v[0] == '<' && v[len(v)-1] == '>' {
			v = v[1 : len(v)-1]
		}
		r.MessageID = v
		return
	}
	if strings.HasPrefix(body, "resent-message-id=") {
		r.Kind = KindOther
		return
	}
	act, rest, ok := cutAction(body)
	if !ok {
		return
	}
	switch act {
	case "reject", "milter-reject":
		r.Kind = KindReject
		parseSmtpdReject(rest, r)
	case "info":
		r.Kind = KindOther
		parseHeaderInfo(rest, r)
	case "hold", "discard", "filter", "redirect", "milter-hold", "milter-discard", "milter-redirect",
		"milter-header-redirect", "prepend", "replace", "bcc", "strip", "ignore":
		r.Kind = KindOther
	}
}

// parseHeaderInfo reads what a header_checks INFO rule logs: "header NAME:
// VALUE from CLIENT; from=<…> to=<…> proto=… helo=<…>". The value ends at
// the last " from " before the "; from=<" of the trailer.
func parseHeaderInfo(s string, r *Record) {
	h, ok := strings.CutPrefix(s, "header ")
	if !ok {
		return
	}
	colon := strings.IndexByte(h, ':')
	if colon <= 0 || colon > 128 || strings.ContainsAny(h[:colon], " \t") {
		return
	}
	name, v := h[:colon], strings.TrimPrefix(h[colon+1:], " ")
	if i := strings.LastIndex(v, "; from=<"); i >= 0 {
		v = v[:i]
	}
	if i := strings.LastIndex(v, " from "); i >= 0 {
		v = v[:i]
	}
	r.Kind, r.HeaderName, r.HeaderValue = KindHeader, name, v
}

// parseBounce reads "sender non-delivery notification: NEWQID" and the
// other notification lines of bounce/defer/trace.
func parseBounce(body string, r *Record) {
	i := strings.Index(body, " notification: ")
	if i < 0 {
		return
	}
	kind := body[:i+13]
	if !strings.HasPrefix(kind, "sender ") && !strings.HasPrefix(kind, "postmaster ") {
		return
	}
	r.Kind = KindNotification
	r.NotifyKind = kind
	if q := body[i+15:]; ValidQueueID(q) {
		r.NotifyQueueID = q
	}
}

// parseSMTP handles smtp/lmtp lines other than deliveries and warnings:
// replies and connection failures logged for one MX host of several
// ("QID: host X said: …", "connect to X: Connection timed out"), and TLS
// chatter.
func parseSMTP(body string, r *Record) {
	if parseRemote(body, r) {
		r.Kind = KindOther
		if r.Stage == StageSaid || r.Stage == StageGreeting {
			r.Kind = KindWarning
		}
		return
	}
	if isSMTPNoise(body) {
		r.Kind = KindOther
	}
}

// isSMTPNoise reports smtp/lmtp messages of no interest to rblwatch (TLS
// chatter, DNS and network notes that a delivery line repeats): those that
// begin as one of nineteen texts (TestNoise lists them), the first byte
// picking the few it can be (as isSmtpdNoise).
func isSMTPNoise(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case 'T':
		return strings.HasPrefix(s, "Trusted TLS connection established") || strings.HasPrefix(s, "TLS is required")
	case 'U':
		return strings.HasPrefix(s, "Untrusted TLS connection established")
	case 'V':
		return strings.HasPrefix(s, "Verified TLS connection established")
	case 'A':
		return strings.HasPrefix(s, "Anonymous TLS connection established")
	case 'e':
		return strings.HasPrefix(s, "enabling PIX workarounds")
	case 'b':
		return strings.HasPrefix(s, "breaking line > ")
	case 'S':
		return strings.HasPrefix(s, "SSL_connect error")
	case 'c':
		return strings.HasPrefix(s, "certificate verification failed") || strings.HasPrefix(s, "connect to ")
	case 's':
		return strings.HasPrefix(s, "server certificate verification failed")
	case 'C':
		return strings.HasPrefix(s, "Cannot start TLS")
	case 'h':
		return strings.HasPrefix(s, "host ")
	case 'H':
		return strings.HasPrefix(s, "Host ")
	case 'N':
		return strings.HasPrefix(s, "Name service error")
	case 'n':
		return strings.HasPrefix(s, "network address conversion failed")
	case 'd':
		return strings.HasPrefix(s, "discarding EHLO keywords")
	case 't':
		return strings.HasPrefix(s, "table ")
	case 'm':
		return strings.HasPrefix(s, "mail for ")
	}
	return false
}
