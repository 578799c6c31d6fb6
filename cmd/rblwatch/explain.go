package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/postfixlog"
)

// runExplain classifies reply texts or Postfix log lines and explains them:
// the arguments joined as one input, or one input per stdin line, or, when
// stdin is a mail message (a forwarded bounce), each failure it reports.
func runExplain(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "explain")
	asJSON := fs.Bool("json", false, "print one JSON object per input")
	lang := fs.String("lang", envLang(e), "language, en or ja; the default follows $LC_ALL, $LC_MESSAGES or $LANG")
	roles := roleFlag(fs)
	sendingIP := fs.String("sending-ip", "", "our sending IP, for replies that do not name one (default: the configuration's sending IP when it has one)")
	loadCatalog := catalogFlags(fs, "explain")
	// Flags may follow the text too: explain '554 …' --json.
	texts, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if _, err := configDefaults(fs, "explain", func(c *config.Config) map[string]string {
		return map[string]string{"sending-ip": sendingIPOf(c)}
	}); err != nil {
		return err
	}
	if err := checkLang("explain", *lang); err != nil {
		return err
	}
	ip, err := checkSendingIP("explain", *sendingIP)
	if err != nil {
		return err
	}
	*sendingIP = ip
	cat, err := loadCatalog()
	if err != nil {
		return err
	}
	role, err := roles.resolve(fs, "explain")
	if err != nil {
		return err
	}
	parser := postfixlog.NewParser(time.Now(), time.Local)
	n := 0
	// explainInput explains in, read from line ("" for a bounce's report).
	explainInput := func(in classify.Input, line string) error {
		if n++; n > 1 && !*asJSON {
			fmt.Fprintln(e.stdout)
		}
		if why := notRefusal(parser, line, in, *lang); why != "" {
			if *asJSON {
				return json.NewEncoder(e.stdout).Encode(accepted{Code: in.Reply.Code, Enhanced: in.Reply.Enhanced, Lang: *lang, Status: why})
			}
			_, err := fmt.Fprintln(e.stdout, why)
			return err
		}
		ex := cat.Explain(cat.Classify(in), *lang, role)
		if *asJSON {
			return json.NewEncoder(e.stdout).Encode(ex)
		}
		return ex.WriteText(e.stdout, *lang)
	}
	explain := func(line string) error {
		return explainInput(classify.InputFromLine(parser, line, *sendingIP), line)
	}
	if len(texts) == 1 && texts[0] == "-" {
		texts = nil // stdin, as for replay
	}
	if len(texts) > 0 {
		text := strings.TrimSpace(strings.Join(texts, " "))
		if text == "" {
			return usageError{"explain: empty text (give a reply text or a log line, or none to read them from stdin)"}
		}
		return explain(text)
	}
	e.terminalHint("explain: reading reply texts or log lines from the terminal, one a line (or a bounce, whole)")
	first, rest, err := firstLine(e.stdin)
	if err != nil || first == "" {
		return err
	}
	if classify.LooksLikeMessage(first) {
		msg, err := io.ReadAll(io.LimitReader(rest, maxMessage))
		if err != nil {
			return fmt.Errorf("explain: reading stdin: %w", err)
		}
		if ins := classify.InputsFromMessage(first+"\n"+string(msg), *sendingIP); len(ins) > 0 {
			for _, in := range ins {
				if err := explainInput(in, ""); err != nil {
					return err
				}
			}
			return nil
		}
		rest = strings.NewReader(string(msg)) // not a bounce after all: line by line
	}
	var reply replyLines
	each := func(line string) error {
		for _, text := range reply.add(line) {
			if err := explain(text); err != nil {
				return err
			}
		}
		return nil
	}
	if err := each(first); err != nil {
		return err
	}
	if err := eachLine(ctx, rest, each); err != nil {
		return err
	}
	for _, text := range reply.flush(false) {
		if err := explain(text); err != nil {
			return err
		}
	}
	return nil
}

// replyLines joins the lines of a multi-line SMTP reply pasted on stdin
// ("550-5.7.1 …" lines, then "550 5.7.1 …") into one input, as Postfix logs
// it. Lines that end no such reply stay inputs of their own: the first lines
// of several replies ("554-Service unavailable; …" cut there), one a line.
type replyLines struct {
	code    string   // "550" while a reply is open
	pending []string // its lines so far
}

// add takes the next stdin line and returns the inputs it completes: none
// while a reply goes on; the reply, once its last line came; the lines of
// a reply left unfinished, then the line, when the line does not go on
// with it.
func (r *replyLines) add(line string) []string {
	code, sep := "", byte(0)
	if len(line) >= 4 && line[0] >= '2' && line[0] <= '5' && isDigits(line[1:3]) {
		code, sep = line[:3], line[3]
	}
	if sep == '-' && strings.Contains(line[4:], " "+code+" ") {
		sep = 0 // a whole reply on one line, as Postfix logs it: an input of its own
	}
	if r.code != "" && code == r.code && (sep == '-' || sep == ' ') {
		r.pending = append(r.pending, line)
		if sep == ' ' {
			return r.flush(true)
		}
		return nil
	}
	out := r.flush(false)
	if sep == '-' {
		r.code, r.pending = code, []string{line}
		return out
	}
	return append(out, line)
}

// flush ends the open reply: its lines joined when complete, else each on
// its own.
func (r *replyLines) flush(complete bool) []string {
	lines := r.pending
	r.code, r.pending = "", nil
	if complete && len(lines) > 0 {
		return []string{strings.Join(lines, " ")}
	}
	return lines
}

func isDigits(s string) bool {
	return strings.Trim(s, "0123456789") == ""
}

// accepted is explain's JSON for an input that is no refusal.
type accepted struct {
	Refusal  bool   `json:"refusal"`
	Code     int    `json:"code,omitempty"`
	Enhanced string `json:"enhanced,omitempty"`
	Lang     string `json:"lang"`
	Status   string `json:"status"`
}

// notRefusal says, in lang, why line is no refusal: a reply that accepts
// the mail (2xx, 3xx) or a log line of a delivery that went through; ""
// when it may be one.
func notRefusal(p *postfixlog.Parser, line string, in classify.Input, lang string) string {
	ja := lang == "ja"
	if c := in.Reply.Code; c >= 200 && c < 400 && !in.NoReply {
		code := strings.TrimSpace(fmt.Sprintf("%d %s", c, in.Reply.Enhanced))
		if ja {
			return "拒否ではありません（" + code + "）。受信側はメールを受け付けました。説明する内容はありません。"
		}
		return "Not a refusal (" + code + "): the receiver accepted the mail; nothing to explain."
	}
	var r postfixlog.Record
	if line != "" && p.Parse(line, &r) == nil && r.Delivered() {
		if ja {
			return "拒否ではありません（status=sent）。メールは配送されました。説明する内容はありません。"
		}
		return "Not a refusal (status=sent): the mail was delivered; nothing to explain."
	}
	return ""
}

// maxMessage bounds a bounce read from stdin.
const maxMessage = 16 << 20

// maxLine is how much of one stdin line is kept; the rest is dropped.
const maxLine = 64 << 10

// firstLine returns the first non-blank line of r and a reader of what
// follows it.
func firstLine(r io.Reader) (string, io.Reader, error) {
	br := bufio.NewReader(r)
	for {
		line, err := readLine(br)
		if line != "" || err != nil {
			if err == io.EOF {
				err = nil
			}
			return line, br, err
		}
	}
}

// eachLine calls fn for every non-blank line of r (cut at maxLine).
func eachLine(ctx context.Context, r io.Reader, fn func(string) error) error {
	br := bufio.NewReader(r)
	for ctx.Err() == nil {
		line, err := readLine(br)
		if line != "" {
			if err := fn(line); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// readLine reads one line, trimmed and cut at maxLine; at the end of the
// input it returns the last line with io.EOF.
func readLine(br *bufio.Reader) (string, error) {
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if len(line) == 0 {
			// The NUL bytes a line starts with are no part of it (the
			// sources' line rule): not counted in maxLine.
			chunk = bytes.TrimLeft(chunk, "\x00")
		}
		if len(line) < maxLine {
			line = append(line, chunk[:min(len(chunk), maxLine-len(line))]...)
		}
		if err != nil {
			if err != io.EOF {
				err = fmt.Errorf("explain: reading stdin: %w", err)
			}
			return strings.TrimSpace(string(line)), err
		}
		if !isPrefix {
			return strings.TrimSpace(string(line)), nil
		}
	}
}
