package milter

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultHeader is the name of the header the milter adds to every message.
const DefaultHeader = "X-Rblwatch-Track"

// Bounds on what the milter keeps of a message: the MTA, or whoever talks
// to the socket, decides what it sends, so nothing it sends may grow
// memory without limit.
const (
	// MaxRecipients is the most recipient addresses kept per message;
	// Message.Nrcpt still counts them all.
	MaxRecipients = 1000
	maxAddress    = 512 // an SMTP path is at most 256 octets (RFC 5321)
	maxMessageID  = 998 // a header line's limit (RFC 5322)
	maxValue      = 256 // macro values (SASL user, method), client name, HELO
	maxHeaderName = 64  // of the configured header
)

// ErrHeaderName: the configured header name is not a valid field name.
var ErrHeaderName = errors.New("milter: invalid header name")

// Message is what the milter learned about one message the MTA accepted
// from a client: who sent it, to whom, and the track id it added as a
// header. Texts are valid UTF-8 without control characters, and cut to the
// bounds above.
type Message struct {
	// QueueID is the MTA's queue id (the {i} macro), "" when the MTA sent
	// none or sent something that is not a Postfix queue id.
	QueueID string
	// TrackID is the value of the header added to the message:
	// "QUEUEID-xxxxxxxx" ("noqueue-xxxxxxxx" without a queue id).
	TrackID string
	// Time is when the end of the message was seen.
	Time time.Time
	// Sender is the envelope sender without angle brackets; "" is the
	// null sender <>.
	Sender string
	// Recipients are the envelope recipients in order, at most
	// MaxRecipients of them; Nrcpt counts every one seen.
	Recipients []string
	Nrcpt      int
	// AuthUser and AuthType are the SASL login ({auth_authen}) and
	// mechanism ({auth_type}) when the client authenticated.
	AuthUser string
	AuthType string
	// Client is the SMTP client as the MTA described it to the milter.
	Client Client
	// MessageID is the first Message-ID header, without angle brackets.
	MessageID string
}

// Client is the connection a message came in on. For mail submitted
// locally (Postfix's sendmail and pickup), Postfix names a client of its
// own: "localhost", 127.0.0.1, port 0.
type Client struct {
	Name   string // host name the MTA gives ("unknown" when it has none)
	Addr   string // IP address, "" when not known (unix sockets)
	Port   int
	Family string // "tcp4", "tcp6", "unix" or "unknown"
	Helo   string // the HELO/EHLO name
}

// Sink receives every message the milter saw to its end. Message is called
// from the connection's goroutine while the MTA waits for the milter's
// answer, so it must return quickly and never block (hand the message to a
// buffered queue; drop and count when it is full). It may be called from
// many goroutines at once.
type Sink interface {
	Message(Message)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Message)

// Message calls f(m).
func (f SinkFunc) Message(m Message) { f(m) }

// CheckHeaderName reports whether name can be the added header's name: 1 to
// 64 printable ASCII characters without a colon (RFC 5322 field name).
func CheckHeaderName(name string) error {
	if name == "" || len(name) > maxHeaderName {
		return fmt.Errorf("%w: %q: want 1 to %d characters", ErrHeaderName, name, maxHeaderName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return fmt.Errorf("%w: %q: only printable ASCII without ':' or spaces", ErrHeaderName, name)
		}
	}
	return nil
}

// TrackID returns the header value for a message with queue id qid:
// "QID-" and 8 hex digits read from rnd. When rnd fails, the suffix is
// derived from qid and now instead, which is still unique enough to tell
// two uses of a queue id apart.
func TrackID(qid string, now time.Time, rnd io.Reader) string {
	if qid == "" {
		qid = "noqueue"
	}
	var b [4]byte
	if rnd == nil || func() error { _, err := io.ReadFull(rnd, b[:]); return err }() != nil {
		h := sha256.New()
		h.Write([]byte(qid))
		var ts [8]byte
		binary.BigEndian.PutUint64(ts[:], uint64(now.UnixNano()))
		h.Write(ts[:])
		copy(b[:], h.Sum(nil))
	}
	return qid + "-" + hex.EncodeToString(b[:])
}

// clean makes s valid UTF-8, turns control characters (CR, LF, NUL, ESC,
// …) into spaces, trims spaces and cuts it to max bytes on a character
// boundary.
func clean(s string, max int) string {
	if len(s) > 4*max {
		s = s[:4*max] // no point looking at more
	}
	if strings.ContainsFunc(s, isControl) || !utf8.ValidString(s) {
		s = strings.Map(func(r rune) rune {
			if isControl(r) {
				return ' '
			}
			return r
		}, strings.ToValidUTF8(s, "\uFFFD"))
	}
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.TrimSpace(s[:i])
}

// isControl reports C0 and C1 control characters and DEL.
func isControl(r rune) bool { return r < 0x20 || r >= 0x7f && r < 0xa0 }

// messageID extracts a Message-ID header's value: unfolded, trimmed,
// without angle brackets.
func messageID(v string) string {
	v = clean(v, maxMessageID+2)
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "<") {
		if i := strings.IndexByte(v, '>'); i > 0 {
			v = v[1:i]
		} else {
			v = v[1:]
		}
	}
	return clean(v, maxMessageID)
}
