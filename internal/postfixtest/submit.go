package postfixtest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/emersion/go-smtp"
)

var queuedAsRE = regexp.MustCompile(`queued as ([0-9A-Za-z]+)`)

// NewMessage returns a small message with a unique Message-ID, CRLF line
// ends, ready for Submit or Sendmail.
func NewMessage(from string, to []string, subject, body string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: <%s>\r\n", from)
	fmt.Fprintf(&b, "To: <%s>\r\n", strings.Join(to, ">, <"))
	fmt.Fprintf(&b, "Subject: %s\r\n", subject)
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", newMessageID(from))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		b.WriteString(line + "\r\n")
	}
	return b.Bytes()
}

// newMessageID is "postfixtest.HEX@domain-of-from".
func newMessageID(from string) string {
	var r [8]byte
	_, _ = rand.Read(r[:])
	domain := "postfixtest.test"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	return "postfixtest." + hex.EncodeToString(r[:]) + "@" + domain
}

// Submit sends a message through the instance's smtpd, as a mail client
// on loopback would, and returns the queue id from "250 2.0.0 Ok: queued as
// QID". A nil msg sends NewMessage(from, to, "test", "test"). A rejected
// recipient fails the whole submission with the *smtp.SMTPError.
func (in *Instance) Submit(from string, to []string, msg []byte) (string, error) {
	if msg == nil {
		msg = NewMessage(from, to, "test", "test")
	}
	c, err := smtp.Dial(in.SMTPAddr())
	if err != nil {
		return "", fmt.Errorf("postfixtest: submit: %w", err)
	}
	defer c.Close()
	c.CommandTimeout = in.timeout
	c.SubmissionTimeout = in.timeout
	if err := c.Hello("client.example.test"); err != nil {
		return "", fmt.Errorf("postfixtest: submit: EHLO: %w", err)
	}
	if err := c.Mail(from, nil); err != nil {
		return "", fmt.Errorf("postfixtest: submit: MAIL FROM:<%s>: %w", from, err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt, nil); err != nil {
			return "", fmt.Errorf("postfixtest: submit: RCPT TO:<%s>: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return "", fmt.Errorf("postfixtest: submit: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return "", fmt.Errorf("postfixtest: submit: writing the message: %w", err)
	}
	resp, err := w.CloseWithResponse()
	if err != nil {
		return "", fmt.Errorf("postfixtest: submit: end of DATA: %w", err)
	}
	_ = c.Quit()
	m := queuedAsRE.FindStringSubmatch(resp.StatusText)
	if m == nil {
		return "", fmt.Errorf("postfixtest: submit: no queue id in %q", resp.StatusText)
	}
	return m[1], nil
}

// Sendmail submits a message with Postfix's sendmail(1) ("sendmail -C DIR
// -f FROM -- TO…"), as a local program would, and returns its queue id,
// found in the log by the message's Message-ID. A message without a
// Message-ID gets a unique one; a nil msg sends NewMessage(from, to,
// "test", "test").
func (in *Instance) Sendmail(from string, to []string, msg []byte) (string, error) {
	if msg == nil {
		msg = NewMessage(from, to, "test", "test")
	}
	id := ""
	if m, err := mail.ReadMessage(bytes.NewReader(msg)); err == nil {
		id = strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")
	}
	if id == "" {
		id = newMessageID(from)
		msg = append([]byte("Message-ID: <"+id+">\r\n"), msg...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), in.timeout)
	defer cancel()
	args := append([]string{"-C", in.cfg.Conf, "-f", from, "--"}, to...)
	if out, err := in.runStdin(ctx, msg, "sendmail", args...); err != nil {
		return "", fmt.Errorf("postfixtest: sendmail: %w: %s", err, out)
	}
	line, err := in.WaitLog(`postfix[^/ ]*/cleanup\[\d+\]: [0-9A-Za-z]+: message-id=<` + regexp.QuoteMeta(id) + `>`)
	if err != nil {
		return "", fmt.Errorf("postfixtest: sendmail: %w", err)
	}
	_, rest, _ := strings.Cut(line, "]: ")
	qid, _, _ := strings.Cut(rest, ":")
	return qid, nil
}

// Flush asks Postfix to retry all deferred mail now ("postqueue -f"); it
// also lifts the suspension of destinations that failed. It first waits
// until the active queue is empty: the delivery agent logs a deferral
// ("status=deferred", what a test waits for) before the queue manager
// moves the message to the deferred queue, and a flush in between misses
// it — the message then waits for its backoff, an hour here.
func (in *Instance) Flush() error {
	active := filepath.Join(in.cfg.Queue, "active")
	var readErr error
	if err := in.waitFor("the active queue to empty before a flush", func() bool {
		empty, err := queueEmpty(active)
		readErr = err
		return empty
	}); err != nil {
		if readErr != nil {
			return fmt.Errorf("postfixtest: flush: %w (the last read of %s: %v)", err, active, readErr)
		}
		return fmt.Errorf("postfixtest: flush: %w", err)
	}
	if out, err := in.run("postqueue", "-c", in.cfg.Conf, "-f"); err != nil {
		return fmt.Errorf("postfixtest: postqueue -f: %w: %s", err, out)
	}
	return nil
}

// queueEmpty reports whether the queue directory dir (and its hashed
// subdirectories) holds no queue file, and the error that kept it from
// reading the directory (then it is not known to be empty).
func queueEmpty(dir string) (bool, error) {
	empty := true
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			empty = false
			return fs.SkipAll
		}
		return nil
	})
	return err == nil && empty, err
}

// Log returns what Postfix has logged so far.
func (in *Instance) Log() ([]byte, error) { return os.ReadFile(in.cfg.Log) }

// WaitLog waits until a log line matches the regular expression pattern and
// returns the first such line (without its newline).
func (in *Instance) WaitLog(pattern string) (string, error) {
	lines, err := in.WaitLogN(pattern, 1)
	if err != nil {
		return "", err
	}
	return lines[0], nil
}

// WaitLogN waits until at least n log lines match pattern and returns all
// the matching lines so far. It polls the file: Postfix is another process.
func (in *Instance) WaitLogN(pattern string, n int) ([]string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("postfixtest: WaitLog: %w", err)
	}
	var found []string
	err = pollUntil(in.timeout, fmt.Sprintf("%d log line(s) matching %q in %s", n, pattern, in.cfg.Log), func() bool {
		found = matchLines(in.cfg.Log, re)
		return len(found) >= n
	})
	if err != nil {
		return found, err
	}
	return found, nil
}

// matchLines returns the complete lines of the file that match re.
func matchLines(path string, re *regexp.Regexp) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1] // ignore a line still being written
	} else {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if re.Match(sc.Bytes()) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// WaitDelivery waits until the log holds n delivery lines ("QID: to=<RCPT>,
// … status=STATUS (…") for one recipient of a message, and returns the n-th.
// Status is "sent", "deferred" or "bounced"; every retry writes a new line.
func (in *Instance) WaitDelivery(qid, rcpt, status string, n int) (string, error) {
	lines, err := in.WaitLogN(regexp.QuoteMeta(qid)+`: to=<`+regexp.QuoteMeta(rcpt)+`>,.* status=`+regexp.QuoteMeta(status)+` \(`, n)
	if err != nil {
		return "", err
	}
	return lines[n-1], nil
}

// WaitNotice waits for the n-th non-delivery notification Postfix made for
// message qid ("QID: sender non-delivery notification: NEWQID"), then for
// its delivery to sender and its removal; it returns NEWQID.
func (in *Instance) WaitNotice(qid, sender string, n int) (string, error) {
	lines, err := in.WaitLogN(regexp.QuoteMeta(qid)+`: sender non-delivery notification: [0-9A-Za-z]+$`, n)
	if err != nil {
		return "", err
	}
	ndr := lines[n-1][strings.LastIndexByte(lines[n-1], ' ')+1:]
	if _, err := in.WaitDelivery(ndr, sender, "sent", 1); err != nil {
		return ndr, err
	}
	return ndr, in.WaitRemoved(ndr)
}

// WaitRemoved waits until Postfix removed message qid from the queue (every
// recipient delivered or bounced).
func (in *Instance) WaitRemoved(qid string) error {
	_, err := in.WaitLog(regexp.QuoteMeta(qid) + `: removed$`)
	return err
}
