package postfixlog

import (
	"errors"
	"math/bits"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/internal/swar"
)

// Sentinel errors of Parse. They are returned as they are (never wrapped), so
// a parse that fails allocates nothing either.
var (
	// ErrMalformed: the line has no readable syslog/journal prefix
	// (timestamp, host, program tag), or it is a broken Postfix line.
	ErrMalformed = errors.New("postfixlog: malformed log line")
	// ErrNotPostfix: a well-formed line from another program (dovecot,
	// opendkim, amavis, the kernel…). Callers do not count it as unparsed.
	ErrNotPostfix = errors.New("postfixlog: not a Postfix line")
)

// yearSlack is how far after the reference time a traditional (year-less)
// timestamp may lie and still be dated in the reference's year: it absorbs
// clock skew and time-zone confusion between the log and the reader.
const yearSlack = 3 * 24 * 3600

// Parser parses Postfix log lines into Records. It infers the year of
// traditional syslog timestamps from a reference time and caches the last
// hour it resolved, so consecutive lines cost no time-zone arithmetic. A
// Parser is not safe for concurrent use; it is cheap to create.
type Parser struct {
	loc     *time.Location
	refYear int
	limit   int64 // latest plausible Unix second of a year-less stamp: ref + yearSlack

	// The last zone-less hour resolved: packed (year or 0, month, day,
	// hour) → Unix second of the hour's start. hourKey 0 is empty.
	hourKey  uint64
	hourBase int64

	// The last fixed zone built for a numeric offset.
	zoneOff int
	zone    *time.Location

	// The last stamp read (stamp): its text and time.
	last     [40]byte
	lastLen  int
	lastTime time.Time
	// The first and the last eight bytes of last, when it has eight.
	lastHead, lastTail uint64
	// The hour key (zoneless) of the last stamp when it was a traditional
	// one of 15 bytes ("Nov 22 14:56:04"), 0 otherwise: see sameHour.
	lastKey uint64

	// The host and program tags read before (afterStamp): what the scans
	// of a line's host and tag found for them. They are tried in the order
	// of tagOrder, the most used first; tagTail and tagLen are the last
	// eight bytes and the length of each one's key, for a test of one
	// comparison.
	tags     [numTags]tagEntry
	ntags    int
	tagOrder [numTags]uint8
	tagTail  [numTags]uint64
	tagLen   [numTags]uint8
	tagHits  [numTags]uint32
}

// numTags is how many host and program tags the parser remembers: a
// Postfix host logs under a dozen programs (smtpd, cleanup, qmgr, smtp,
// a submission smtpd, postscreen, bounce, …), a few of them on most lines.
const numTags = 16

// tagEntry is what afterStamp and tag found in a line's "host program"
// (key): a line whose text after its stamp starts with the key followed
// by '[' or ':' has that host and program, and the scans would find the
// same again.
type tagEntry struct {
	host    uint8 // len(host)
	slash   int8  // the index of the program's last '/', -1 for none
	postfix bool  // isPostfixProgram of the program
	key     [maxTagKey]byte
	// The key's first eight bytes and the eight before its last eight,
	// for keyOf.
	head, mid uint64
}

// keyOf reports whether s starts with the entry's key, of n bytes, whose
// last eight bytes the caller found there already. Up to 24 bytes, the
// key is compared as words, not by runtime.memequal.
func (e *tagEntry) keyOf(s string, n int) bool {
	switch {
	case n <= 16:
		return word(s, 0) == e.head
	case n <= 24:
		return word(s, 0) == e.head && word(s, n-16) == e.mid
	}
	return s[:n-minTagKey] == string(e.key[:n-minTagKey])
}

// maxTagKey is the longest key remembered, minTagKey the shortest.
const (
	maxTagKey = 60
	minTagKey = 8
)

// NewParser returns a parser that infers the year of traditional syslog
// timestamps from ref (the time the log is known to end, e.g. now for a live
// log or the file's mtime for a replay), interpreting zone-less timestamps in
// loc (UTC when nil). A year-less line is dated in the latest year that
// does not put it more than three days after ref: ref's year as a rule, the
// year before for a line that would otherwise lie in ref's future (Dec 31
// read on Jan 1), the year after for the first minutes of a new year read
// by a clock that is still in the old one, and for Feb 29 the latest leap
// year. Not safe for concurrent use; cheap to create.
func NewParser(ref time.Time, loc *time.Location) *Parser {
	p := new(Parser)
	p.Reset(ref, loc)
	return p
}

// Reset makes p what NewParser(ref, loc) returns, forgetting what it read
// before, without allocating: a caller that parses single lines of
// different references (a report's first sample of each incident) keeps
// one Parser instead of 2 kB of garbage a line.
func (p *Parser) Reset(ref time.Time, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	*p = Parser{loc: loc, refYear: ref.In(loc).Year(), limit: ref.Unix() + yearSlack}
}

// Parse parses one line (without its newline) into *r, resetting r first.
// r.Raw = line always. It returns ErrMalformed when the line has no readable
// syslog/journal prefix and ErrNotPostfix when it is a well-formed line from
// another program. A Postfix line whose message is not understood gets
// r.Kind == KindUnknown and a nil error. Every string field of r is a
// substring of line (nothing is copied), except that Command may hold one of
// the static names "CONNECT", "DATA" and "end of DATA" for "while receiving
// the initial server greeting", "while sending message body" and "while
// sending end of data".
//
// Accepted prefixes: traditional syslog ("Nov 23 14:56:04 host tag[pid]: "),
// also with fractional seconds (journalctl -o short-precise), RFC 3339
// timestamps with fraction and zone (rsyslog high precision, journalctl -o
// short-iso), RFC 5424 ("<22>1 2026-… host postfix/smtp 1234 - - msg"), a
// "<PRI>" in front of any of them, a busybox "mail.info" field after the
// host, no host at all (Postfix logging to a container's stdout, read with
// "docker logs -t"), an RFC 3339 stamp in front of a traditional one
// ("docker logs -t" of a container running a syslog daemon; the RFC 3339
// time is used), a docker compose "name | " prefix, and a trailing CR.
// Lines without any of these prefixes (message parts pasted alone, grok
// test data) are ErrMalformed.
func (p *Parser) Parse(line string, r *Record) error {
	*r = Record{Raw: line}
	s := line
	if n := len(s); n > 0 && s[n-1] == '\r' {
		s = s[:n-1] // a CRLF log: fields and Detail stop before the CR
	}
	if len(s) > 0 && s[0] == '<' {
		var rfc5424 bool
		s, rfc5424 = cutPriority(s)
		if rfc5424 {
			return p.parse5424(s, r)
		}
	}
	var rest string
	ok := true
	if n := p.lastLen; n >= 8 && n <= 16 && len(s) > n && s[n] == ' ' && word(s, 0) == p.lastHead && word(s, n-8) == p.lastTail {
		// The last stamp again (stamp's first test, without its calls).
		r.Time, rest = p.lastTime, s[n:]
	} else {
		rest, ok = p.stamp(s, r)
	}
	if !ok {
		// docker compose: "smtp_1   | 2018-08-22T07:30:18.130405545Z postfix/smtp[137]: …"
		s2, ok2 := cutComposePrefix(s)
		if !ok2 {
			return ErrMalformed
		}
		if rest, ok = p.stamp(s2, r); !ok {
			return ErrMalformed
		}
	}
	return p.afterStamp(rest, r)
}

// afterStamp reads "host tag[pid]: message" (the host may be missing).
func (p *Parser) afterStamp(s string, r *Record) error {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	// A host and program read before: no scan of them. Most lines come
	// from a few programs of one host, and the scans of the host and tag,
	// with the test of the program's name, were a quarter of parsing a
	// line (callgrind, the generator's log).
	for k := range p.ntags {
		n := int(p.tagLen[k])
		if n >= len(s) || word(s, n-minTagKey) != p.tagTail[k] || s[n] != '[' && s[n] != ':' {
			continue
		}
		x := p.tagOrder[k]
		e := &p.tags[x]
		if !e.keyOf(s, n) {
			continue
		}
		if p.tagHits[k]++; k > 0 && p.tagHits[k] > p.tagHits[k-1] {
			p.swapTags(k)
		}
		h := int(e.host)
		r.Host = s[:h]
		return p.tagRest(s[h+1:], n-h-1, int(e.slash), e.postfix, r)
	}
	// Hand-written scans: the tokens are short, shorter than what makes
	// strings.IndexByte pay off.
	i, bracket := 0, false
	for i < len(s) && s[i] != ' ' {
		if s[i] == '[' {
			bracket = true
		}
		i++
	}
	if i == 0 || i == len(s) {
		return ErrMalformed
	}
	if s[i-1] != ':' && !bracket {
		if i == 3 && month(s[:3]) != 0 {
			// "docker logs -t": the container's own syslog stamp
			// follows the (more precise) RFC 3339 one.
			if rest, ok := skipTraditional(s); ok {
				return p.afterStamp(rest, r)
			}
		}
		r.Host = s[:i]
		// A host named like a month is remembered too: skipTraditional
		// fails on every line that starts with the host and program.
		return p.tagNew(s, i, r)
	} // else: no host, the first token already is the tag
	return p.tag(s, r, true)
}

// tagNew is tag after a host of h bytes at the start of s, and remembers
// the host and program when the tag is "program[" or "program:".
func (p *Parser) tagNew(s string, h int, r *Record) error {
	t := s[h+1:]
	i, slash := scanProgram(t)
	n := h + 1 + i
	if i == 0 || i == len(t) || t[i] == ' ' || n > maxTagKey || n < minTagKey {
		return p.tag(t, r, true)
	}
	postfix := isPostfixProgram(t[:i], slash)
	// A new key takes a free place, or the least used one's (the last).
	k := p.ntags
	if k == numTags {
		k--
	} else {
		p.tagOrder[k] = uint8(k)
		p.ntags++
	}
	e := &p.tags[p.tagOrder[k]]
	e.host, e.slash, e.postfix = uint8(h), int8(slash), postfix
	copy(e.key[:], s[:n])
	e.head = word(s, 0)
	if n >= 16 {
		e.mid = word(s, n-16)
	}
	p.tagLen[k], p.tagTail[k], p.tagHits[k] = uint8(n), word(s, n-minTagKey), 0
	return p.tagRest(t, i, slash, postfix, r)
}

// swapTags moves the key tried k-th before the one tried before it. A
// count that has grown large halves them all, so that a program that
// ceased to log gives its place up in time.
func (p *Parser) swapTags(k int) {
	j := k - 1
	p.tagOrder[j], p.tagOrder[k] = p.tagOrder[k], p.tagOrder[j]
	p.tagTail[j], p.tagTail[k] = p.tagTail[k], p.tagTail[j]
	p.tagLen[j], p.tagLen[k] = p.tagLen[k], p.tagLen[j]
	p.tagHits[j], p.tagHits[k] = p.tagHits[k], p.tagHits[j]
	if p.tagHits[j] >= 1<<30 {
		for i := range p.tagHits {
			p.tagHits[i] >>= 1
		}
	}
}

// word returns the eight bytes of s from i on, little-endian.
func word(s string, i int) uint64 {
	t := s[i : i+8]
	return swar.Word(t)
}

// tag reads "program[pid]: message" or "program: message" and dispatches
// on the program. A busybox "mail.info" field in front of the tag is
// skipped when facility is true.
func (p *Parser) tag(s string, r *Record, facility bool) error {
	i, slash := scanProgram(s)
	if i == 0 || i == len(s) {
		return notPostfixOr(s, ErrMalformed)
	}
	prog := s[:i]
	if s[i] == ' ' && facility && isFacilityLevel(prog) {
		return p.tag(s[i+1:], r, false) // busybox syslogd: "host mail.info postfix/smtp[1]: "
	}
	return p.tagRest(s, i, slash, isPostfixProgram(prog, slash), r)
}

// tagRest reads the rest of a tag whose program is s[:i], with its last
// '/' at slash (-1 for none), and the message after it; postfix is
// whether the program is Postfix's (setProgramAt).
func (p *Parser) tagRest(s string, i, slash int, postfix bool, r *Record) error {
	prog := s[:i]
	if s[i] == '[' {
		j := i + 1
		pid := 0
		// Nine digits need no test of the value (a Linux pid has seven
		// at most; the test cost a digit two instructions).
		for end := min(len(s), j+9); j < end; j++ {
			d := s[j] - '0'
			if d > 9 {
				break
			}
			pid = pid*10 + int(d)
		}
		for ; j < len(s); j++ {
			d := s[j] - '0'
			if d > 9 {
				break
			}
			if pid < 1e9 {
				pid = pid*10 + int(d)
			}
		}
		if j == i+1 || j >= len(s) || s[j] != ']' {
			return notPostfixOr(prog, ErrMalformed)
		}
		r.PID = pid
		i = j + 1
	}
	if i >= len(s) || s[i] != ':' {
		return notPostfixOr(prog, ErrMalformed)
	}
	i++
	if i < len(s) && s[i] == ' ' {
		i++
	}
	if !postfix {
		return ErrNotPostfix
	}
	r.Program, r.Service = prog, prog
	if slash >= 0 {
		r.Instance, r.Service = prog[:slash], prog[slash+1:]
	}
	p.message(s[i:], r)
	return nil
}

// tagEnd marks the bytes that end a program name in a tag.
var tagEnd = [256]bool{'[': true, ':': true, ' ': true}

// scanProgram returns the length of the program name at the start of s
// (up to the first '[', ':' or ' ', or all of s) and the index of its last
// '/' (-1 for none), reading eight bytes at a time. Every line has one: a
// byte at a time, and a second scan for the '/' (setProgram), took about
// 80 instructions a line more (callgrind, the generator's log).
func scanProgram(s string) (end, slash int) {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	slash = -1
	i := 0
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		w := swar.Word(t)
		// The lowest byte this finds is the first stop: the test may
		// also flag a byte after a real match (a borrow), never before.
		a, b, c := w^'['*ones, w^':'*ones, w^' '*ones
		stop := ((a-ones)&^a | (b-ones)&^b | (c-ones)&^c) & high
		sl := eqBytes(w, '/'*ones) // exact: the last one found counts
		if stop != 0 {
			n := bits.TrailingZeros64(stop) >> 3
			if sl &= 1<<(n*8) - 1; sl != 0 {
				slash = i + (63-bits.LeadingZeros64(sl))>>3
			}
			return i + n, slash
		}
		if sl != 0 {
			slash = i + (63-bits.LeadingZeros64(sl))>>3
		}
	}
	for ; i < len(s) && !tagEnd[s[i]]; i++ {
		if s[i] == '/' {
			slash = i
		}
	}
	return i, slash
}

// eqBytes returns 0x80 in each byte of w equal to the byte of c (c holds
// it in every byte), 0 in the others: exact for every byte.
func eqBytes(w, c uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := w ^ c
	return ^((x&low7 + low7) | x | low7)
}

// skipTraditional skips a "Nov 23 14:56:04[.frac]" stamp without reading
// its time.
func skipTraditional(s string) (string, bool) {
	i := 4
	if i < len(s) && s[i] == ' ' {
		i++
	}
	for n := 0; n < 2 && i < len(s) && s[i] >= '0' && s[i] <= '9'; n++ {
		i++
	}
	if i >= len(s) || s[i] != ' ' {
		return s, false
	}
	if _, _, _, ok := clock(s, i+1); !ok {
		return s, false
	}
	_, i = fraction(s, i+9)
	if i >= len(s) || s[i] != ' ' {
		return s, false
	}
	return s[i:], true
}

// notPostfixOr returns ErrMalformed for a broken line that claims to be from
// Postfix and ErrNotPostfix for anything else after a readable timestamp.
func notPostfixOr(s string, err error) error {
	if strings.HasPrefix(s, "postfix") {
		return err
	}
	return ErrNotPostfix
}

// setProgram fills Program, Instance and Service and reports whether the
// tag is a Postfix one: "postfix…/service" (postfix/smtp, postfix-out/smtp,
// postfix/submission/smtpd, postfix-192.0.2.1/smtp), any "instance/service"
// whose service is a Postfix daemon (a multi-instance syslog_name such as
// "server1-1/smtp"), or the bare tags "postfix" and "postfix-script".
func (r *Record) setProgram(prog string) bool {
	return r.setProgramAt(prog, strings.LastIndexByte(prog, '/'))
}

// setProgramAt is setProgram with k the index of the last '/' in prog
// (-1 for none).
func (r *Record) setProgramAt(prog string, k int) bool {
	if !isPostfixProgram(prog, k) {
		return false
	}
	r.Program, r.Service = prog, prog
	if k >= 0 {
		r.Instance, r.Service = prog[:k], prog[k+1:]
	}
	return true
}

// isPostfixProgram is setProgramAt's test of a tag's program.
func isPostfixProgram(prog string, k int) bool {
	if k < 0 {
		return prog == "postfix" || prog == "postfix-script"
	}
	return strings.HasPrefix(prog, "postfix") || knownService(prog[k+1:])
}

// knownService reports whether name is a Postfix daemon or command name.
func knownService(name string) bool {
	switch name {
	case "smtp", "lmtp", "smtpd", "qmgr", "nqmgr", "oqmgr", "cleanup", "pickup", "bounce", "defer", "trace",
		"error", "retry", "local", "virtual", "pipe", "discard", "anvil", "scache", "postscreen", "dnsblog",
		"tlsproxy", "tlsmgr", "verify", "flush", "proxymap", "showq", "master", "postfix-script", "postlogd",
		"postlog", "postdrop", "postqueue", "postsuper", "postmap", "postalias", "postconf", "sendmail",
		"trivial-rewrite", "spawn", "qmqpd", "postmulti", "postkick", "postcat", "postfix":
		return true
	}
	return false
}

// ServiceLabel names a service where the set of names must stay small (a
// metric label, a report's count by service): the service itself when it is
// one of Postfix's daemons or commands, or "relay" (the default master.cf's
// second smtp transport, logged under its own name); "-" for none; "other"
// for anything else, since a crafted log line can name any service it likes.
func ServiceLabel(service string) string {
	switch {
	case service == "":
		return "-"
	case service == "relay" || knownService(service):
		return service
	}
	return "other"
}

// isFacilityLevel reports whether tok reads like busybox's "mail.info".
func isFacilityLevel(tok string) bool {
	dot := strings.IndexByte(tok, '.')
	if dot <= 0 || dot == len(tok)-1 || len(tok) > 16 {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || i == dot) {
			return false
		}
	}
	return true
}

// cutPriority removes a leading "<N>" and reports whether an RFC 5424
// version ("1 ") follows.
func cutPriority(s string) (string, bool) {
	i := 1
	for i < len(s) && i < 5 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 1 || i >= len(s) || s[i] != '>' {
		return s, false
	}
	s = s[i+1:]
	if len(s) >= 2 && s[0] == '1' && s[1] == ' ' {
		return s[2:], true
	}
	return s, false
}

// parse5424 reads "TIMESTAMP HOST APP-NAME PROCID MSGID SD MSG" (RFC 5424,
// after "<PRI>1 ").
func (p *Parser) parse5424(s string, r *Record) error {
	var tok [5]string // timestamp, host, app-name, procid, msgid
	for k := range tok {
		sp := strings.IndexByte(s, ' ')
		if sp <= 0 {
			return ErrMalformed
		}
		tok[k], s = s[:sp], s[sp+1:]
	}
	if tok[0] != "-" {
		if rest, ok := p.stamp(tok[0], r); !ok || rest != "" {
			r.Time = time.Time{}
			return ErrMalformed
		}
	}
	if tok[1] != "-" {
		r.Host = tok[1]
	}
	if pid := tok[3]; pid != "-" {
		r.PID = atoi(pid)
	}
	// Structured data: "-" or one or more "[id k="v" …]" elements.
	switch {
	case s == "-":
		s = ""
	case strings.HasPrefix(s, "- "):
		s = s[2:]
	case strings.HasPrefix(s, "["):
		var ok bool
		if s, ok = skipSD(s); !ok {
			return ErrMalformed
		}
	default:
		return ErrMalformed
	}
	s = strings.TrimPrefix(s, "\xef\xbb\xbf")
	if !r.setProgram(tok[2]) {
		return ErrNotPostfix
	}
	p.message(s, r)
	return nil
}

// skipSD returns what follows RFC 5424 structured data ("[id k=\"v\"]…")
// at the start of s, and false when the data is not closed.
func skipSD(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] == '[' {
		inQuote := false
		for i++; i < len(s); i++ {
			c := s[i]
			if inQuote && c == '\\' {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			} else if c == ']' && !inQuote {
				break
			}
		}
		if i >= len(s) {
			return "", false
		}
		i++ // past ']'
	}
	if i < len(s) {
		if s[i] != ' ' {
			return "", false
		}
		i++
	}
	return s[i:], true
}

// cutComposePrefix removes a docker compose "service_1   | " prefix.
func cutComposePrefix(s string) (string, bool) {
	i := 0
	for i < len(s) && i < 64 {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			break
		}
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ' ' {
		return s, false
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i+1 >= len(s) || s[i] != '|' || s[i+1] != ' ' {
		return s, false
	}
	return s[i+2:], true
}
