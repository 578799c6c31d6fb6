package postfixlog

import (
	"math/bits"
	"strings"

	"github.com/rblwatch/rblwatch/reply"
)

// parseDelivery reads a delivery status line:
//
//	to=<a>, [orig_to=<b>, ]relay=R, [conn_use=N, ]delay=D, delays=a/b/c/d, dsn=X.Y.Z, status=S (DETAIL)
//
// The fields are scanned in order up to status=, so parentheses or
// "status=" inside the detail cannot confuse them; the detail is the rest of
// the line, without the closing parenthesis (a line cut at Postfix's
// 2000-character record limit has none).
func parseDelivery(body string, r *Record) {
	r.Kind = KindDelivery
	to, s, ok := cutAngle(body[3:])
	if !ok {
		return
	}
	r.To = to
	s, done := deliveryInOrder(s, r)
	if !done {
		deliveryFields(s, r)
	}
}

// deliveryFields reads the delivery fields ", key=value" at the start of s
// in any order, up to and with status=: deliveryInOrder's way on.
func deliveryFields(s string, r *Record) {
	for len(s) > 2 && s[0] == ',' && s[1] == ' ' {
		s = s[2:]
		eq := keyEnd(s)
		if eq <= 0 {
			return
		}
		key, v := s[:eq], s[eq+1:]
		switch key {
		case "orig_to":
			a, rest, ok := cutAngle(v)
			if !ok {
				return
			}
			r.OrigTo, s = a, rest
			continue
		case "status":
			setStatus(v, r)
			return
		}
		end := indexComma(v)
		val := v[:end]
		s = v[end:]
		switch key {
		case "relay":
			setRelay(val, r)
		case "delay":
			r.Delay = parseDecimal(val)
		case "delays":
			r.Delays = val
		case "dsn":
			r.DSN = val
		}
	}
}

// The keys of the fields Postfix writes after to=<…> (and orig_to=<…>),
// in the order it writes them, with the ", " before each, as
// little-endian words: ", relay=", ", delay=" and ", dsn=" (masked to its
// six bytes) whole, ", delays" and ", status" followed by '='.
const (
	keyRelay  = 0x3d79616c6572202c // ", relay="
	keyDelay  = 0x3d79616c6564202c // ", delay="
	keyDelays = 0x7379616c6564202c // ", delays"
	keyDSN    = 0x00003d6e7364202c // ", dsn=" (and two bytes more)
	keyStatus = 0x737574617473202c // ", status"
)

// deliveryInOrder reads the fields Postfix writes after to=<…> in the order
// it writes them (relay, conn_use when a cached connection is used, delay,
// delays, dsn, status), each key compared as one word, and reports whether it read them all (status= included). It
// stops at the first field that is not the next one (an orig_to=, a
// conn_use=, a reordered or broken line) and returns the rest for
// deliveryFields, which reads each field as this does. Reading the keys
// one by one (keyEnd, then a switch on the key) and each value's end with
// strings.IndexByte was a delivery line's largest cost.
func deliveryInOrder(s string, r *Record) (string, bool) {
	if len(s) < 9 || word(s, 0) != keyRelay {
		return s, false
	}
	v := s[8:]
	end := indexComma(v)
	setRelay(v[:end], r)
	s = v[end:]
	if len(s) >= 12 && s[:11] == ", conn_use=" {
		// Read and dropped (a cached connection's count) as
		// deliveryFields drops it.
		v = s[11:]
		s = v[indexComma(v):]
	}
	if len(s) < 9 || word(s, 0) != keyDelay {
		return s, false
	}
	v = s[8:]
	end = indexComma(v)
	r.Delay = parseDecimal(v[:end])
	s = v[end:]
	if len(s) < 10 || word(s, 0) != keyDelays || s[8] != '=' {
		return s, false
	}
	v = s[9:]
	end = indexComma(v)
	r.Delays = v[:end]
	s = v[end:]
	if len(s) < 9 || word(s, 0)&(1<<48-1) != keyDSN {
		return s, false
	}
	v = s[6:]
	end = indexComma(v)
	r.DSN = v[:end]
	s = v[end:]
	if len(s) < 10 || word(s, 0) != keyStatus || s[8] != '=' {
		return s, false
	}
	setStatus(s[9:], r)
	return "", true
}

// indexComma returns the index of the first ',' in v, or len(v): a
// delivery field's value is short (delay=, dsn=) or a few words long, and
// the first words are looked at before strings.IndexByte is called.
func indexComma(v string) int {
	const commas = ',' * 0x0101010101010101
	i := 0
	for ; i+8 <= len(v) && i < 24; i += 8 {
		if m := eqBytes(word(v, i), commas); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if k := strings.IndexByte(v[i:], ','); k >= 0 {
		return i + k
	}
	return len(v)
}

// setRelay fills Relay, RelayHost, RelayIP and RelayPort from a relay=
// field's value.
func setRelay(val string, r *Record) {
	r.Relay = val
	host, ip, rest, ok := splitHostIP(val)
	r.RelayHost = host
	if ok {
		if isIP(ip) {
			r.RelayIP = ip
		}
		if strings.HasPrefix(rest, ":") {
			n, k := leadingUint(rest[1:])
			if k > 0 && k == len(rest)-1 && n <= 65535 {
				r.RelayPort = int(n)
			}
		}
	}
}

// setStatus reads a status= field's value, the last field: the status, then
// the detail in parentheses to the end of the line.
func setStatus(v string, r *Record) {
	end := strings.IndexByte(v, ' ')
	if end < 0 {
		r.Status = v
		return
	}
	r.Status = v[:end]
	d := v[end:]
	if !strings.HasPrefix(d, " (") {
		return
	}
	d = d[2:]
	if strings.HasSuffix(d, ")") {
		d = d[:len(d)-1]
	}
	r.Detail = d
	if r.Status == "sent" {
		r.Reply = reply.Parse(d)
	} else {
		parseDetail(d, r)
	}
}

// keyEnd returns the index of the '=' after a delivery field's key, the
// first in the first 12 bytes of s, or -1. The keys Postfix writes (relay,
// delay, delays, dsn, status, orig_to, conn_use) are shorter than eight
// bytes but one: looking for the '=' in one word, not byte by byte, took
// a tenth off a delivery line's parsing.
func keyEnd(s string) int {
	i := 0
	if len(s) >= 8 {
		if m := eqBytes(word(s, 0), '='*0x0101010101010101); m != 0 {
			return bits.TrailingZeros64(m) >> 3
		}
		i = 8
	}
	for ; i < len(s) && i < 12; i++ {
		if s[i] == '=' {
			return i
		}
	}
	return -1
}

// parseDetail reads the text of a delivery that did not succeed (or the
// inner reason of "delivery temporarily suspended: …"). Texts that name no
// remote stage get StageLocal with Reply.Text holding the text.
func parseDetail(d string, r *Record) {
	if !parseRemote(d, r) {
		r.Stage = StageLocal
		r.Reply = reply.Parse(d)
	}
}

const suspended = "delivery temporarily suspended: "

// parseRemote reads the remote-stage texts Postfix's SMTP client writes and
// reports whether d was one:
//
//	host H[IP] said: REPLY (in reply to CMD command)
//	host H[IP] refused to talk to me: REPLY
//	connect to H[IP]:PORT: Connection refused
//	lost connection with H[IP] while sending CMD
//	conversation with H[IP] timed out while sending CMD
//	delivery temporarily suspended: (any of these)
//
// The first byte rules out most texts (smtp's TLS chatter asks too) before
// any of the four is compared.
func parseRemote(d string, r *Record) bool {
	for d != "" && d[0] == 'd' && strings.HasPrefix(d, suspended) {
		d = d[len(suspended):]
	}
	if d == "" || d[0] != 'h' && d[0] != 'c' && d[0] != 'l' {
		return false
	}
	switch {
	case strings.HasPrefix(d, "host "):
		t := d[5:]
		sp := strings.IndexByte(t, ' ')
		if sp < 0 {
			return false
		}
		after := t[sp:]
		var text string
		switch {
		case strings.HasPrefix(after, " said: "):
			r.Stage = StageSaid
			text = after[7:]
		case strings.HasPrefix(after, " refused to talk to me: "):
			r.Stage = StageGreeting
			text = after[24:]
		default:
			return false
		}
		r.setRemote(t[:sp])
		// "(in reply to RCPT TO command)" closes a reply to a command.
		if k := lastIndexNearEnd(text, " (in reply to "); k >= 0 {
			if c, ok := strings.CutSuffix(text[k+14:], " command)"); ok {
				r.Command = c
				text = text[:k]
			}
		}
		r.Reply = reply.Parse(text)
		return true
	case strings.HasPrefix(d, "connect to "):
		t := d[11:]
		end := strings.Index(t, ": ")
		if end < 0 {
			end = len(t)
		}
		r.Stage = StageConnect
		r.setRemote(t[:end])
		r.Reply = reply.Parse(d)
		return true
	case strings.HasPrefix(d, "lost connection with "), strings.HasPrefix(d, "conversation with "):
		t := strings.TrimPrefix(d, "lost connection with ")
		t = strings.TrimPrefix(t, "conversation with ")
		sp := strings.IndexByte(t, ' ')
		if sp < 0 {
			sp = len(t)
		}
		r.Stage = StageLost
		r.setRemote(t[:sp])
		r.Command = lostCommand(t[sp:])
		r.Reply = reply.Parse(d)
		return true
	}
	return false
}

// setRemote fills RemoteHost and RemoteIP from "host[ip]" or "host[ip]:port".
func (r *Record) setRemote(s string) {
	host, ip, _, ok := splitHostIP(s)
	r.RemoteHost = host
	if ok {
		r.RemoteIP = ip
	}
}

// lostCommand names the command from what follows the host in "lost
// connection with X while sending RCPT TO" and "conversation with X timed
// out while receiving the initial server greeting".
func lostCommand(s string) string {
	var w string
	if i := strings.Index(s, " while "); i >= 0 {
		w = s[i+7:]
	} else if i := strings.Index(s, " after "); i >= 0 {
		w = s[i+7:]
		if j := strings.Index(w, " from "); j >= 0 {
			w = w[:j]
		}
		return w
	} else {
		return ""
	}
	switch {
	case strings.HasPrefix(w, "receiving the initial server greeting"):
		return "CONNECT"
	case strings.HasPrefix(w, "sending message body"):
		return "DATA"
	case strings.HasPrefix(w, "sending end of data"):
		return "end of DATA"
	case strings.HasPrefix(w, "sending "):
		w = w[8:]
	case strings.HasPrefix(w, "performing the "):
		w = w[15:]
		if i := strings.Index(w, " handshake"); i >= 0 {
			w = w[:i]
		}
	case strings.HasPrefix(w, "receiving "):
		w = w[10:]
	}
	if i := strings.Index(w, " -- "); i >= 0 {
		w = w[:i]
	}
	w = strings.TrimSuffix(w, " command")
	return w
}

// cutAngle reads "<addr>" at the start of s and returns addr and what
// follows the '>'. A quoted local part ("<\"a>b\"@x>") may contain '>'.
func cutAngle(s string) (addr, rest string, ok bool) {
	if len(s) == 0 || s[0] != '<' {
		return "", s, false
	}
	i := 1
	if i < len(s) && s[i] == '"' {
		for i++; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
			}
		}
	}
	if i >= len(s) {
		i = 1 // unterminated quote: fall back to the first '>'
	}
	k := strings.IndexByte(s[i:], '>')
	if k < 0 {
		return "", s, false
	}
	return s[1 : i+k], s[i+k+1:], true
}

// splitHostIP splits "host[ip]rest" (host may be empty). ok is false when
// there are no brackets; host is then all of s.
func splitHostIP(s string) (host, ip, rest string, ok bool) {
	i := strings.IndexByte(s, '[')
	if i < 0 {
		return s, "", "", false
	}
	j := strings.IndexByte(s[i+1:], ']')
	if j < 0 {
		return s[:i], "", "", false
	}
	return s[:i], s[i+1 : i+1+j], s[i+2+j:], true
}

// isIP reports whether s looks like an IPv4 or IPv6 address (not a socket
// path such as "private/dovecot-lmtp").
func isIP(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// leadingUint reads decimal digits at the start of s (saturating) and
// returns the value and how many bytes it read.
func leadingUint(s string) (uint64, int) {
	var n uint64
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < 1<<59 {
			n = n*10 + uint64(s[i]-'0')
		}
	}
	return n, i
}

// atoi reads a whole decimal number, 0 when s is not one.
func atoi(s string) int {
	n, k := leadingUint(s)
	if k != len(s) || n > 1<<31-1 {
		return 0
	}
	return int(n)
}

// parseDecimal reads "12", "0.5", "46540" (Postfix delays); 0 when s is not
// a decimal number.
func parseDecimal(s string) float64 {
	var mant uint64
	scale, frac, nd := 1.0, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if nd < 18 {
				mant = mant*10 + uint64(c-'0')
				nd++
				if frac {
					scale *= 10
				}
			} else if !frac {
				scale /= 10 // too many integer digits: keep the magnitude
			}
		case c == '.' && !frac:
			frac = true
		default:
			return 0
		}
	}
	return float64(mant) / scale
}

// lastIndexNearEnd is strings.LastIndex(s, sep) for a sep of two bytes or
// more, found by a backward scan for its second byte: where the match is a
// few dozen bytes from the end (" (in reply to RCPT TO command)" closing
// a reply), the scan costs a quarter of LastIndex's rolling hash, which
// hashes sep and the end of s first. The scan looks at eight places a
// word (eqBytes), the latest first: byte by byte, the thirty bytes of
// "(in reply to RCPT TO command)" cost a refused delivery ~130
// instructions, a word at a time ~40.
func lastIndexNearEnd(s, sep string) int {
	c0, c1 := sep[0], sep[1]
	i := len(s) - len(sep) + 1 // the last place sep[1] may be
	for ; i >= 8; i -= 8 {
		// The word s[i-7 : i+1]: its byte j is s[i-7+j].
		m := eqBytes(word(s, i-7), uint64(c1)*0x0101010101010101)
		for m != 0 {
			top := 63 - bits.LeadingZeros64(m)
			k := i - 7 + top>>3 // i-7 ≥ 1: s[k-1] is in s
			if s[k-1] == c0 && s[k-1:k-1+len(sep)] == sep {
				return k - 1
			}
			m &^= 1 << top
		}
	}
	for ; i >= 1; i-- {
		if s[i] == c1 && s[i-1] == c0 && s[i-1:i-1+len(sep)] == sep {
			return i - 1
		}
	}
	return -1
}
