package logwatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rblwatch/rblwatch/postfixlog"
	"go.uber.org/zap"
)

// DefaultJournalMatch selects what journald has of the mail log: every
// syslog message of the mail facility (LOG_MAIL = 2), which is what the
// traditional /var/log/mail.log holds.
//
// Why not a unit or identifier match: postfix@-.service (Debian),
// postfix.service (elsewhere) and postfix@postfix-out.service (postmulti
// instances) differ, journalctl -u resolves a glob only against the units
// present when it starts, and a unit match misses the Postfix commands
// run outside the unit (sendmail, postdrop, postqueue, postsuper). An
// identifier match needs one value per program (postfix/smtp,
// postfix/qmgr, ...) and per syslog_name (postfix-out/smtp,
// postfix/submission/smtpd): journalctl matches are exact, with no
// prefixes. Postfix logs with syslog_facility = mail unless told
// otherwise. Lines of other mail programs (dovecot, opendkim) come along,
// as in mail.log, and the parser sets them aside.
const DefaultJournalMatch = "SYSLOG_FACILITY=2"

// journalFields are the fields asked of journalctl (it adds __CURSOR,
// __REALTIME_TIMESTAMP, __MONOTONIC_TIMESTAMP and _BOOT_ID).
const journalFields = "MESSAGE,_HOSTNAME,SYSLOG_IDENTIFIER,SYSLOG_PID,_PID,_COMM"

// maxJournalEntry bounds one JSON entry (Postfix's own lines stop at
// about 2000 bytes; even written as a byte array, that is 8 KiB).
const maxJournalEntry = DefaultMaxLineLen

// JournalOptions configures FollowJournal.
type JournalOptions struct {
	// Journalctl is the journalctl program (default "journalctl", found
	// in PATH).
	Journalctl string
	// Matches are journalctl match arguments: FIELD=VALUE, ORed for one
	// field, ANDed across fields, "+" between groups ORs them. Default:
	// DefaultJournalMatch. Example for one unit only:
	// "_SYSTEMD_UNIT=postfix@-.service".
	Matches []string
	// Directory reads the journal files of a directory (journalctl
	// --directory) instead of the system journal.
	Directory string
	// FromStart: without a cursor, read the whole journal; by default only
	// entries that come after the start, as tail -f does.
	FromStart bool
	// Since: without a cursor, read the entries from Since on (a backfill
	// window, see FollowOptions.Since) rather than only those that come
	// after the start.
	Since time.Time
	// Location is the time zone of the timestamps written (default UTC).
	Location *time.Location
	// MinBackoff and MaxBackoff bound the wait before journalctl is
	// started again after it exited (defaults 1s and 1m; it doubles after
	// each run that brought nothing).
	MinBackoff, MaxBackoff time.Duration
	Log                    *zap.Logger
	Buffer                 int // capacity of the postfixlog.Line channel (default 256)
}

// ErrJournalctl is returned when journalctl cannot be started at all.
var ErrJournalctl = errors.New("logwatch: cannot run journalctl")

// FollowJournal follows the systemd journal through journalctl
// (-f -o json) and sends each entry as a syslog-shaped line the parser
// reads:
//
//	2026-11-23T14:56:04.123456+00:00 mx postfix/smtp[123]: 3F2A41C2E7: to=<…>
//
// with the entry's __REALTIME_TIMESTAMP (microseconds), _HOSTNAME,
// SYSLOG_IDENTIFIER and SYSLOG_PID (else _PID). CR and LF inside a message
// are written #015 and #012, as rsyslog does, so that an entry stays one
// line; other bytes, invalid UTF-8 included, pass untouched. Each Line's
// Position carries only the entry's Cursor.
//
// start is the Position of the last line processed (its Cursor); it
// resumes with --after-cursor. When journalctl exits, it is started again
// after the last cursor, with backoff. If it keeps failing with a stored
// cursor (a journal vacuumed, or from another machine), FollowJournal falls
// back to the cursor's time (--since), which may repeat entries of that
// second. The error channel yields ErrJournalctl when journalctl cannot be
// started; cancelling ctx is not an error.
func FollowJournal(ctx context.Context, start *postfixlog.Position, opts JournalOptions) (<-chan postfixlog.Line, <-chan error) {
	if opts.Journalctl == "" {
		opts.Journalctl = "journalctl"
	}
	if len(opts.Matches) == 0 {
		opts.Matches = []string{DefaultJournalMatch}
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(time.Minute, opts.MinBackoff)
	}
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	out := make(chan postfixlog.Line, opts.Buffer)
	errc := make(chan error, 1)
	j := &journal{opts: opts, log: opts.Log.With(zap.String("source", "journald")), out: out}
	if start != nil {
		j.cursor = start.Cursor
	}
	if j.cursor == "" && !opts.FromStart {
		j.since = time.Now()
		if !opts.Since.IsZero() && opts.Since.Before(j.since) {
			j.since, j.backfill = opts.Since, true
			j.log.Info("reading back the journal", zap.Time("since", opts.Since))
		}
	}
	go func() {
		err := j.run(ctx)
		if err != nil && ctx.Err() == nil {
			errc <- err
		}
		close(errc)
		close(out)
	}()
	return out, errc
}

type journal struct {
	opts   JournalOptions
	log    *zap.Logger
	out    chan<- postfixlog.Line
	cursor string    // of the last entry sent
	since  time.Time // without a cursor: read entries from this time (zero: all)
	first  bool      // the first start without a cursor: --lines=0 rather than --since
	// backfill: the first start without a cursor reads from since too.
	backfill bool
	buf      []byte // for formatting lines
	// skipped counts the over-long entries dropped since the last line
	// sent; the next line carries the count (postfixlog.Line.Skipped), as
	// the file and stdin sources do, so that they are counted, not only
	// logged. It outlives a run of journalctl: an entry dropped just
	// before journalctl exits is counted with the next run's first line.
	skipped int
}

// cursorRetries is how many runs may fail in a row with a cursor before
// the cursor is given up for its time.
const cursorRetries = 3

func (j *journal) run(ctx context.Context) error {
	backoff := j.opts.MinBackoff
	failures := 0
	j.first = true
	for {
		n, err := j.runOnce(ctx)
		j.first = false
		if ctx.Err() != nil {
			return nil
		}
		var execErr *exec.Error
		if errors.As(err, &execErr) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("%w %s: %w", ErrJournalctl, j.opts.Journalctl, err)
		}
		if n > 0 {
			backoff, failures = j.opts.MinBackoff, 0
		} else if j.cursor != "" {
			failures++
		}
		if failures >= cursorRetries {
			t, ok := cursorTime(j.cursor)
			if ok {
				j.log.Error("journalctl keeps failing after the stored cursor: going on from the cursor's time; entries of that second may be repeated",
					zap.String("cursor", j.cursor), zap.Time("since", t))
			} else {
				t = time.Now()
				j.log.Error("journalctl keeps failing after the stored cursor, which has no time: going on from now; entries since the cursor are lost",
					zap.String("cursor", j.cursor))
			}
			j.cursor, j.since, failures = "", t, 0
		}
		j.log.Warn("journalctl exited; starting it again", zap.Error(err), zap.Int("entries", n), zap.Duration("after", backoff))
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		if n == 0 {
			backoff = min(2*backoff, j.opts.MaxBackoff)
		}
	}
}

// args returns journalctl's arguments for the next run.
func (j *journal) args() []string {
	a := []string{"--follow", "--output=json", "--output-fields=" + journalFields, "--all", "--no-pager", "--quiet"}
	if j.opts.Directory != "" {
		a = append(a, "--directory="+j.opts.Directory)
	}
	switch {
	case j.cursor != "":
		a = append(a, "--after-cursor="+j.cursor)
	case j.first && !j.since.IsZero() && !j.backfill:
		a = append(a, "--lines=0") // a new install: from now on
	case !j.since.IsZero():
		// Restarted before any entry came: from the first start on, so
		// that nothing logged while journalctl was down is lost.
		a = append(a, "--since=@"+strconv.FormatInt(j.since.Unix(), 10))
	default:
		a = append(a, "--no-tail")
	}
	return append(a, j.opts.Matches...)
}

// runOnce runs journalctl until it exits or ctx ends, and returns how many
// entries it sent.
func (j *journal) runOnce(ctx context.Context) (int, error) {
	cmd := exec.CommandContext(ctx, j.opts.Journalctl, j.args()...)
	stderr := &tailBuffer{max: 4096}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	n, readErr := j.read(ctx, stdout)
	if readErr != nil {
		// Stop journalctl before waiting for it: it may be blocked
		// writing to the pipe nobody reads any more.
		cmd.Process.Kill()
	}
	err = cmd.Wait()
	if readErr != nil && ctx.Err() == nil {
		err = readErr
	}
	if err == nil {
		err = errors.New("journalctl ended")
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		err = fmt.Errorf("%w: %s", err, msg)
	}
	return n, err
}

// read sends a line per JSON entry of r.
func (j *journal) read(ctx context.Context, r io.Reader) (int, error) {
	lr := NewLineReader(r, maxJournalEntry)
	n := 0
	var skipped int64
	for {
		raw, err := lr.Next()
		if s := lr.Skipped(); s != skipped {
			j.log.Warn("skipped over-long journal entries", zap.Int64("count", s-skipped))
			j.skipped += int(s - skipped)
			skipped = s
		}
		if err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		line, cursor, err := j.format(raw)
		if err != nil {
			j.log.Warn("skipped a journal entry", zap.Error(err), zap.ByteString("entry", raw[:min(len(raw), 200)]))
			if cursor != "" {
				j.cursor = cursor
			}
			continue
		}
		select {
		case j.out <- postfixlog.Line{Text: line, Pos: postfixlog.Position{Cursor: cursor}, Skipped: j.skipped}:
			j.cursor, j.skipped = cursor, 0
			n++
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
}

// journalEntry holds the fields read; each may be a string, an array of
// bytes (non-UTF-8 or binary data), an array of those (a field repeated)
// or null (a field journalctl did not print).
type journalEntry struct {
	Cursor    string          `json:"__CURSOR"`
	Realtime  string          `json:"__REALTIME_TIMESTAMP"`
	Message   json.RawMessage `json:"MESSAGE"`
	Hostname  json.RawMessage `json:"_HOSTNAME"`
	Ident     json.RawMessage `json:"SYSLOG_IDENTIFIER"`
	SyslogPID json.RawMessage `json:"SYSLOG_PID"`
	PID       json.RawMessage `json:"_PID"`
	Comm      json.RawMessage `json:"_COMM"`
}

// format turns one JSON entry into a line. It returns the entry's cursor
// even when the entry cannot be used, so that it is not read again.
func (j *journal) format(raw []byte) (line, cursor string, err error) {
	var e journalEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return "", "", fmt.Errorf("decoding a journal entry: %w", err)
	}
	if e.Cursor == "" {
		return "", "", errors.New("journal entry without __CURSOR")
	}
	us, err := strconv.ParseInt(e.Realtime, 10, 64)
	if err != nil {
		return "", e.Cursor, fmt.Errorf("journal entry with a bad __REALTIME_TIMESTAMP %q", e.Realtime)
	}
	msg, ok := journalValue(e.Message)
	if !ok {
		return "", e.Cursor, errors.New("journal entry without MESSAGE")
	}
	host, ok := journalValue(e.Hostname)
	if !ok || len(host) == 0 {
		host = []byte("localhost")
	}
	ident, ok := journalValue(e.Ident)
	if !ok || len(ident) == 0 {
		if ident, ok = journalValue(e.Comm); !ok || len(ident) == 0 {
			ident = []byte("unknown")
		}
	}
	pid, ok := journalValue(e.SyslogPID)
	if !ok || len(pid) == 0 {
		pid, _ = journalValue(e.PID)
	}

	b := j.buf[:0]
	b = time.UnixMicro(us).In(j.opts.Location).AppendFormat(b, "2006-01-02T15:04:05.000000-07:00")
	b = append(b, ' ')
	b = appendEscaped(b, host, true)
	b = append(b, ' ')
	b = appendEscaped(b, ident, true)
	if len(pid) > 0 {
		b = append(b, '[')
		b = appendEscaped(b, pid, true)
		b = append(b, ']')
	}
	b = append(b, ": "...)
	b = appendEscaped(b, msg, false)
	j.buf = b
	return string(b), e.Cursor, nil
}

// appendEscaped appends s with CR and LF written as rsyslog writes control
// characters (#015, #012); in the prefix fields (token), spaces too (#040),
// so that a hostile host name or identifier cannot shift the fields.
func appendEscaped(b, s []byte, token bool) []byte {
	for _, c := range s {
		switch {
		case c == '\n':
			b = append(b, "#012"...)
		case c == '\r':
			b = append(b, "#015"...)
		case token && c == ' ':
			b = append(b, "#040"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// journalValue decodes a field of journalctl's JSON output.
func journalValue(raw json.RawMessage) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, false
		}
		return []byte(s), true
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil || len(elems) == 0 {
			return nil, false
		}
		if e := bytes.TrimSpace(elems[0]); len(e) > 0 && (e[0] == '"' || e[0] == '[') {
			return journalValue(e) // a repeated field: the first value
		}
		var bs []int
		if json.Unmarshal(raw, &bs) != nil {
			return nil, false
		}
		out := make([]byte, len(bs))
		for i, v := range bs {
			if v < 0 || v > 255 {
				return nil, false
			}
			out[i] = byte(v)
		}
		return out, true
	}
	return nil, false
}

// cursorTime returns the realtime (t=, hexadecimal microseconds) of a
// journal cursor.
func cursorTime(cursor string) (time.Time, bool) {
	for _, kv := range strings.Split(cursor, ";") {
		if v, ok := strings.CutPrefix(kv, "t="); ok {
			us, err := strconv.ParseUint(v, 16, 63)
			if err != nil {
				return time.Time{}, false
			}
			return time.UnixMicro(int64(us)), true
		}
	}
	return time.Time{}, false
}

// tailBuffer keeps the last max bytes written to it (journalctl's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
