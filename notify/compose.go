package notify

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"
)

//go:embed templates
var templateFS embed.FS

// Langs are the supported languages.
var Langs = []string{"en", "ja"}

// Parsed once; templates are immutable after parsing and safe for concurrent
// use, so this is not mutable package state.
var (
	textTemplates = map[string]*template.Template{
		"en": template.Must(template.New("en.txt").Funcs(textFuncs).ParseFS(templateFS, "templates/en.txt")),
		"ja": template.Must(template.New("ja.txt").Funcs(textFuncs).ParseFS(templateFS, "templates/ja.txt")),
	}
	htmlTemplate = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/body.html"))
)

var textFuncs = template.FuncMap{
	// plural picks the English singular or plural noun: {{plural 3 "message" "messages"}} → "3 messages".
	"join": strings.Join,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %s", n, many)
	},
}

// Compose renders a complete RFC 5322 message for a notice. now is the Date;
// messageID ("<local@domain>", brackets optional) is used as is and also
// seeds the MIME boundary, so equal inputs give byte-identical output. Text
// from remote servers and the log appears only in the body, sanitised.
func Compose(n Notice, cfg Config, now time.Time, messageID string) ([]byte, error) {
	mid, err := normalizeMessageID(messageID)
	if err != nil {
		return nil, err
	}
	from, to, err := headerAddresses(cfg)
	if err != nil {
		return nil, err
	}
	v, err := newView(n, cfg, now)
	if err != nil {
		return nil, err
	}
	subject, err := renderSubject(v)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	if err := textTemplates[v.Lang].ExecuteTemplate(&body, "body", v); err != nil {
		return nil, fmt.Errorf("notify: rendering body: %w", err)
	}
	text := tidyText(body.String())

	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	var m bytes.Buffer
	writeHeader(&m, "From", from)
	writeHeader(&m, "To", to)
	writeHeader(&m, "Subject", encodeWords(subject))
	writeHeader(&m, "Date", now.In(loc).Format(time.RFC1123Z))
	writeHeader(&m, "Message-ID", mid)
	writeHeader(&m, "Auto-Submitted", "auto-generated")
	writeHeader(&m, "X-Auto-Response-Suppress", "All")
	if id := incidentHeader(n.Incident.ID); id != "" {
		writeHeader(&m, "X-Rblwatch-Incident", id)
	}
	writeHeader(&m, "X-Rblwatch-Kind", string(n.Kind))
	writeHeader(&m, "Content-Language", v.Lang)
	writeHeader(&m, "MIME-Version", "1.0")
	if !cfg.HTML {
		writePart(&m, "text/plain", text)
		return m.Bytes(), nil
	}
	html, err := renderHTML(v, subject, text)
	if err != nil {
		return nil, err
	}
	boundary := boundaryOf(mid)
	writeHeader(&m, "Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	m.WriteString("\r\n")
	m.WriteString("--" + boundary + "\r\n")
	writePart(&m, "text/plain", text)
	m.WriteString("--" + boundary + "\r\n")
	writePart(&m, "text/html", html)
	m.WriteString("--" + boundary + "--\r\n")
	return m.Bytes(), nil
}

// renderSubject renders the subject line (not yet encoded).
func renderSubject(v *view) (string, error) {
	var b bytes.Buffer
	if err := textTemplates[v.Lang].ExecuteTemplate(&b, "subject", v); err != nil {
		return "", fmt.Errorf("notify: rendering subject: %w", err)
	}
	return oneLine(b.String()), nil
}

// MessageID returns a Message-ID for a notice that is stable for the same
// incident, kind and time, so that composing a notice twice yields the same
// message and a duplicate can be recognised by the recipient's mail system.
func MessageID(n Notice, now time.Time, host string) string {
	if !validHostname(host) {
		host = "rblwatch.invalid"
	}
	sum := sha256.Sum256([]byte(n.Incident.ID + "\x00" + n.Incident.Provider + "\x00" + n.Incident.Listed))
	return fmt.Sprintf("<rblwatch.%s.%s.%d@%s>", hex.EncodeToString(sum[:8]), n.Kind, now.UnixNano(), strings.ToLower(host))
}

func normalizeMessageID(s string) (string, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	at := strings.IndexByte(id, '@')
	if id == "" || len(id) > 250 || !headerSafe(id) || strings.ContainsAny(id, "<>()[]\\,;:\"") || at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
		return "", fmt.Errorf("%w: %q", ErrMessageID, s)
	}
	return "<" + id + ">", nil
}

// headerAddresses validates cfg.From and cfg.To and formats them for the
// header.
func headerAddresses(cfg Config) (from, to string, err error) {
	f, err := formatAddress(cfg.From)
	if err != nil {
		return "", "", fmt.Errorf("%w: from %q: %w", ErrConfig, cfg.From.Address, err)
	}
	if len(cfg.To) == 0 {
		return "", "", fmt.Errorf("%w: no recipient", ErrConfig)
	}
	var tos []string
	for _, a := range cfg.To {
		t, err := formatAddress(a)
		if err != nil {
			return "", "", fmt.Errorf("%w: to %q: %w", ErrConfig, a.Address, err)
		}
		tos = append(tos, t)
	}
	return f, strings.Join(tos, ", "), nil
}

func formatAddress(a mail.Address) (string, error) {
	if _, err := mail.ParseAddress("<" + a.Address + ">"); err != nil || !headerSafe(a.Address) {
		return "", fmt.Errorf("address %q is not plain ASCII mailbox", a.Address)
	}
	if strings.ContainsFunc(a.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("name of %q has a control character", a.Address)
	}
	switch {
	case a.Name == "":
		return a.Address, nil
	case isASCII(a.Name):
		return a.String(), nil
	default:
		return mime.BEncoding.Encode("UTF-8", a.Name) + " <" + a.Address + ">", nil
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// incidentHeader returns the incident id for the X-Rblwatch-Incident header:
// as is when it is a short printable token, else a digest of it.
func incidentHeader(id string) string {
	if id == "" {
		return ""
	}
	if len(id) <= 200 && headerSafe(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "sha256-" + hex.EncodeToString(sum[:16])
}

// boundaryOf derives the MIME boundary from the Message-ID. "=_" never occurs
// in quoted-printable or base64 output, so the boundary cannot collide with
// a body line.
func boundaryOf(messageID string) string {
	sum := sha256.Sum256([]byte(messageID))
	return "=_rblwatch_" + hex.EncodeToString(sum[:12])
}

// oneLine collapses a rendered subject onto one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// tidyText trims trailing space from each line, collapses runs of blank
// lines that conditional template sections leave behind, and ends the text
// with exactly one newline.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	var out []string
	blank := true // drop leading blank lines
	for _, l := range lines {
		if l != "-- " { // the signature separator keeps its space
			l = strings.TrimRight(l, " \t\r")
		}
		if l == "" {
			if blank {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return strings.Join(out, "\n") + "\n"
}

// encodeWords returns s as is when it is printable ASCII, else as RFC 2047
// B-encoded words of at most 42 bytes of text each, cut at rune boundaries:
// a word is then 68 characters long and "Subject: " plus one word stays
// within 78.
func encodeWords(s string) string {
	if !needsEncoding(s) {
		return s
	}
	const maxChunk = 42
	var words []string
	for s != "" {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > maxChunk {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

func needsEncoding(s string) bool {
	// Text that looks like an encoded word is encoded, so that a reader
	// shows it as written.
	if strings.Contains(s, "=?") {
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return true
		}
	}
	return false
}

// writeHeader writes "Name: value" folded at spaces so that lines stay within
// 78 characters where the value allows it. value never contains CR or LF:
// every caller passes validated or encoded text.
func writeHeader(b *bytes.Buffer, name, value string) {
	const limit = 78
	line := name + ":"
	first := true
	for _, w := range strings.Split(value, " ") {
		if w == "" {
			continue
		}
		if !first && len(line)+1+len(w) > limit {
			b.WriteString(line)
			b.WriteString("\r\n")
			line = ""
		}
		line += " " + w
		first = false
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}

// writePart writes the Content-Type and Content-Transfer-Encoding headers, a
// blank line and the encoded text. Mostly-ASCII text is quoted-printable
// (readable in the raw message); text with much UTF-8 (Japanese) is base64,
// which is a third the size. Either is safe for relays that are not 8-bit
// clean, and keeps every line within 76 characters.
func writePart(b *bytes.Buffer, mediaType, text string) {
	writeHeader(b, "Content-Type", mediaType+"; charset=UTF-8")
	nonASCII := 0
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			nonASCII++
		}
	}
	if nonASCII*3 > len(text) {
		writeHeader(b, "Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		raw := []byte(strings.ReplaceAll(text, "\n", "\r\n"))
		enc := base64.StdEncoding.EncodeToString(raw)
		for len(enc) > 76 {
			b.WriteString(enc[:76])
			b.WriteString("\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc)
		b.WriteString("\r\n")
		return
	}
	writeHeader(b, "Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	w := quotedprintable.NewWriter(b)
	// Writes to a bytes.Buffer cannot fail.
	_, _ = w.Write([]byte(text))
	_ = w.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}

// renderHTML renders the HTML alternative: the plain text, line by line,
// with the catalog's lookup and removal links made clickable. No other URL
// becomes a link, and html/template escapes everything.
func renderHTML(v *view, subject, text string) (string, error) {
	type segment struct {
		Text string
		Link htmltemplate.URL
	}
	type line struct {
		Heading  bool
		Segments []segment
	}
	var links []string
	for _, l := range []string{v.Lookup, v.Removal} {
		if l != "" {
			links = append(links, l)
		}
	}
	var lines []line
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		ln := line{Heading: isHeading(l)}
		rest := l
		for rest != "" {
			at, link := -1, ""
			for _, k := range links {
				if i := strings.Index(rest, k); i >= 0 && (at < 0 || i < at) {
					at, link = i, k
				}
			}
			if at < 0 {
				ln.Segments = append(ln.Segments, segment{Text: rest})
				break
			}
			if at > 0 {
				ln.Segments = append(ln.Segments, segment{Text: rest[:at]})
			}
			// The link is the catalog's, with a validated target filled in
			// and an http(s) scheme checked by safeLink.
			ln.Segments = append(ln.Segments, segment{Text: link, Link: htmltemplate.URL(link)})
			rest = rest[at+len(link):]
		}
		lines = append(lines, ln)
	}
	var b bytes.Buffer
	err := htmlTemplate.Execute(&b, struct {
		Lang, Title string
		Lines       []line
	}{v.Lang, subject, lines})
	if err != nil {
		return "", fmt.Errorf("notify: rendering HTML: %w", err)
	}
	return b.String(), nil
}

// isHeading reports whether a body line is a section heading: "■ …" in
// Japanese, an all-capitals line in English.
func isHeading(l string) bool {
	if strings.HasPrefix(l, "■") {
		return true
	}
	if l == "" || !utf8.ValidString(l) {
		return false
	}
	letters := 0
	for _, r := range l {
		switch {
		case r >= 'a' && r <= 'z':
			return false
		case r >= 'A' && r <= 'Z':
			letters++
		case r == ' ' || r == '?' || r == '\'' || r == '-':
		default:
			return false
		}
	}
	return letters > 2
}
