package notify

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"io"
	"mime"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

//go:embed templates
var templateFS embed.FS

// Langs are the supported languages.
var Langs = []string{"en", "ja"}

// Parsed once, when first used (every command's start paid for them, and
// only those that send notices use them); templates are immutable after
// parsing and safe for concurrent use, so this is not mutable package
// state.
var (
	textTemplates = sync.OnceValue(func() map[string]*template.Template {
		return map[string]*template.Template{
			"en": template.Must(template.New("en.txt").Funcs(textFuncs).ParseFS(templateFS, "templates/en.txt")),
			"ja": template.Must(template.New("ja.txt").Funcs(textFuncs).ParseFS(templateFS, "templates/ja.txt")),
		}
	})
	htmlTemplate = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/body.html"))
	})
)

var textFuncs = template.FuncMap{
	// plural picks the English singular or plural noun: {{plural 3 "message" "messages"}} → "3 messages".
	"join": strings.Join,
	// inc numbers steps from 1: {{inc $i}}.
	"inc":    func(i int) int { return i + 1 },
	"plural": plural,
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Compose renders a complete RFC 5322 message for a notice. now is the Date;
// messageID ("<local@domain>", brackets optional) is used as is and also
// seeds the MIME boundary, so equal inputs give byte-identical output. A
// notice that follows others (n.Thread) carries In-Reply-To and References,
// so that mail clients thread them. Text from remote servers and the log
// appears only in the body, sanitised.
//
// The message is built with github.com/emersion/go-message: it encodes the
// header (RFC 2047 names and subject), folds it, and encodes the parts.
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
	if err := textTemplates()[v.Lang].ExecuteTemplate(&body, "body", v); err != nil {
		return nil, fmt.Errorf("notify: rendering body: %w", err)
	}
	text := tidyText(japaneseFills(body.String()))
	var html string
	if cfg.HTML {
		if html, err = renderHTML(v, subject, text); err != nil {
			return nil, err
		}
	}

	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	refs := references(n.Thread, mid)
	// go-message's header puts each new field on top: the fields are
	// listed in the order they are written and added in reverse.
	fields := []func(h *gomail.Header){
		func(h *gomail.Header) { h.SetAddressList("From", []*mail.Address{from}) },
		func(h *gomail.Header) { h.SetAddressList("To", to) },
		func(h *gomail.Header) { h.Set("Subject", encodeSubject(subject)) },
		func(h *gomail.Header) { h.SetDate(now.In(loc)) },
		func(h *gomail.Header) { h.SetMessageID(strip(mid)) },
	}
	if len(refs) > 0 {
		fields = append(fields,
			func(h *gomail.Header) { h.SetMsgIDList("In-Reply-To", refs[len(refs)-1:]) },
			func(h *gomail.Header) { h.SetMsgIDList("References", refs) })
	}
	fields = append(fields,
		func(h *gomail.Header) { h.Set("Auto-Submitted", "auto-generated") },
		func(h *gomail.Header) { h.Set("X-Auto-Response-Suppress", "All") })
	if id := incidentHeader(n.Incident.ID); id != "" {
		fields = append(fields, func(h *gomail.Header) { h.Set("X-Rblwatch-Incident", id) })
	}
	fields = append(fields,
		func(h *gomail.Header) { h.Set("X-Rblwatch-Kind", string(n.Kind)) },
		func(h *gomail.Header) { h.Set("Content-Language", v.Lang) },
		func(h *gomail.Header) { h.Set("MIME-Version", "1.0") })
	if cfg.HTML {
		boundary := boundaryOf(mid)
		fields = append(fields, func(h *gomail.Header) {
			h.SetContentType("multipart/alternative", map[string]string{"boundary": boundary})
		})
	} else {
		fields = append(fields, func(h *gomail.Header) { setTextPart(&h.Header, "text/plain", text) })
	}
	var h gomail.Header
	for i := len(fields) - 1; i >= 0; i-- {
		fields[i](&h)
	}

	var m bytes.Buffer
	if !cfg.HTML {
		w, err := gomail.CreateSingleInlineWriter(&m, h)
		if err != nil {
			return nil, fmt.Errorf("notify: writing message: %w", err)
		}
		if err := writeText(w, text); err != nil {
			return nil, err
		}
		endLine(&m)
		return m.Bytes(), nil
	}
	// mail.CreateInlineWriter would pick a random boundary; go-message's
	// core writer takes the one in Content-Type, derived from the
	// Message-ID, so that the golden files stay byte-stable.
	mw, err := message.CreateWriter(&m, h.Header)
	if err != nil {
		return nil, fmt.Errorf("notify: writing message: %w", err)
	}
	for _, part := range []struct{ mediaType, text string }{{"text/plain", text}, {"text/html", html}} {
		var ph message.Header
		setTextPart(&ph, part.mediaType, part.text)
		pw, err := mw.CreatePart(ph)
		if err != nil {
			return nil, fmt.Errorf("notify: writing message: %w", err)
		}
		if err := writeText(pw, part.text); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("notify: writing message: %w", err)
	}
	return m.Bytes(), nil
}

// encodeSubject encodes a subject for the header as go-message's SetSubject
// does (RFC 2047 Q words, each at most 75 characters), but leaves the
// leading "[rblwatch]" tag as it is: go-message folds only at spaces, and
// a 75-character word right after "Subject: " would overrun the line, while
// after the tag it can start a continuation line of its own.
func encodeSubject(s string) string {
	tag, rest, ok := strings.Cut(s, " ")
	if !ok || !isPrintableASCII(tag) {
		return mime.QEncoding.Encode("utf-8", s)
	}
	return tag + " " + mime.QEncoding.Encode("utf-8", rest)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e || s[i] == '=' && i+1 < len(s) && s[i+1] == '?' {
			return false
		}
	}
	return true
}

// setTextPart sets the Content-Type and Content-Transfer-Encoding of a text
// part. Mostly-ASCII text is quoted-printable (readable in the raw
// message); text with much UTF-8 (Japanese) is base64, a third the size.
// Either is safe for relays that are not 8-bit clean and keeps every line
// within 76 characters.
func setTextPart(h *message.Header, mediaType, text string) {
	nonASCII := 0
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			nonASCII++
		}
	}
	cte := "quoted-printable"
	if nonASCII*3 > len(text) {
		cte = "base64"
	}
	// Set puts a field on top: Content-Transfer-Encoding goes below.
	h.Set("Content-Transfer-Encoding", cte)
	h.SetContentType(mediaType, map[string]string{"charset": "UTF-8"})
}

// writeText writes text (LF line ends) with CRLF line ends to a go-message
// part writer, which encodes it, and closes the writer.
func writeText(w io.WriteCloser, text string) error {
	if _, err := io.WriteString(w, strings.ReplaceAll(text, "\n", "\r\n")); err != nil {
		return fmt.Errorf("notify: writing message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: writing message: %w", err)
	}
	return nil
}

// endLine ends the message with CRLF (base64 leaves its last line open).
func endLine(b *bytes.Buffer) {
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
}

// maxReferences bounds the References field of a long thread: its root and
// the latest notices (RFC 5322 §3.6.4 allows leaving out the middle).
const maxReferences = 10

// references returns the message identifiers (without brackets) of the
// notices this one follows, root first: invalid ones, and this notice's own,
// are left out.
func references(thread []string, self string) []string {
	var ids []string
	for _, t := range thread {
		id, err := normalizeMessageID(t)
		if err != nil || id == self || slices.Contains(ids, strip(id)) {
			continue
		}
		ids = append(ids, strip(id))
	}
	if len(ids) > maxReferences {
		ids = append(ids[:1], ids[len(ids)-maxReferences+1:]...)
	}
	return ids
}

// strip takes the angle brackets off a normalised Message-ID.
func strip(id string) string { return id[1 : len(id)-1] }

// renderSubject renders the subject line (not yet encoded).
func renderSubject(v *view) (string, error) {
	var b bytes.Buffer
	if err := textTemplates()[v.Lang].ExecuteTemplate(&b, "subject", v); err != nil {
		return "", fmt.Errorf("notify: rendering subject: %w", err)
	}
	s := oneLine(japaneseFills(b.String()))
	if v.Lang == "ja" {
		s = japaneseSpacing(s)
	}
	return s, nil
}

// japaneseSpacing drops the spaces of a Japanese subject that lie between
// two Japanese words or beside a full-width bracket or comma, keeping those
// between Latin and Japanese ("mail.example.net からの", "DNS の"). The
// template writes a space on both sides of what it fills in, which is right
// for a host, an address or a list's Latin name but not for the Japanese
// words standing in for a missing one ("当方のサーバー からの", "送信元アドレス
// が") nor beside a name followed by its address in brackets
// ("Spamhaus（example.net） に"); deciding it once here keeps the template
// readable. Only the subject: a body quotes remote text, which stays as
// received.
func japaneseSpacing(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	r := []rune(s)
	out := r[:0]
	for i, c := range r {
		if c == ' ' && i > 0 && i+1 < len(r) {
			before, after := r[i-1], r[i+1]
			if widePunct(before) || widePunct(after) || japaneseRune(before) && japaneseRune(after) {
				continue
			}
		}
		out = append(out, c)
	}
	return string(out)
}

// fill marks, in the Japanese templates, both ends of the Japanese words
// that stand in for a missing name ("このサーバー", "送信元アドレス",
// "名称不明のブロックリスト" …): U+2060, the word joiner, which the sanitizer
// removes from every remote text, so that only the templates write it.
const fill = '\u2060'

// japaneseFills drops the marks (fill) and the spaces beside them that lie
// between Japanese on both sides: the templates write a space on both sides
// of what they fill in, right for a host, an address or a list's Latin name
// ("mail.example.net から") but not for the Japanese words standing in for
// one ("このサーバー から"). Unlike japaneseSpacing, which tidies a whole
// subject, it touches only the spaces beside those words: a body quotes
// remote text, which stays as received.
func japaneseFills(s string) string {
	if !strings.ContainsRune(s, fill) {
		return s
	}
	var r []rune
	for _, c := range s {
		if c == fill && len(r) > 0 && r[len(r)-1] == fill {
			continue // a fill inside a fill: one mark
		}
		r = append(r, c)
	}
	drop := make([]bool, len(r))
	for i, c := range r {
		if c != fill {
			continue
		}
		if i >= 2 && i+1 < len(r) && r[i-1] == ' ' && japaneseRune(r[i-2]) && japaneseRune(r[i+1]) {
			drop[i-1] = true
		}
		if i >= 1 && i+2 < len(r) && r[i+1] == ' ' && japaneseRune(r[i-1]) && japaneseRune(r[i+2]) {
			drop[i+1] = true
		}
	}
	out := r[:0]
	for i, c := range r {
		if c != fill && !drop[i] {
			out = append(out, c)
		}
	}
	return string(out)
}

// widePunct reports whether r is Japanese (CJK or full-width) punctuation:
// "、", "。", "（", "）", "【", "：" and the like.
func widePunct(r rune) bool {
	return r >= 0x3000 && r <= 0x303f || r >= 0xff01 && r <= 0xff0f || r >= 0xff1a && r <= 0xff20 ||
		r >= 0xff3b && r <= 0xff40 || r >= 0xff5b && r <= 0xff65
}

// japaneseRune reports whether r is written in Japanese: kanji, kana, the
// long vowel mark, Japanese punctuation.
func japaneseRune(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) || r == 'ー' || widePunct(r)
}

// MessageID returns a Message-ID for a notice that is stable for the same
// provider and listed address, kind and time, so that composing a notice
// twice yields the same message and a duplicate can be recognised by the
// recipient's mail system: <rblwatch.TAG.KIND.NANOS@HOST>, TAG the
// NoticeTag of the notice's provider and listed address. The daemon reads
// it back from the Postfix log its notices pass through (ParseMessageID):
// after a state lost while it was stopped, what they announced is not
// announced again.
func MessageID(n Notice, now time.Time, host string) string {
	return fmt.Sprintf("<rblwatch.%s.%s.%d@%s>", NoticeTag(n.Incident.Provider, n.Incident.Listed), n.Kind, now.UnixNano(), messageIDHost(host))
}

// NoticeTag is the part of a notice's Message-ID that names its provider
// and listed address: 16 hex digits of their SHA-256.
func NoticeTag(provider, listed string) string {
	sum := sha256.Sum256([]byte(provider + "\x00" + listed))
	return hex.EncodeToString(sum[:8])
}

func messageIDHost(host string) string {
	if !validHostname(host) {
		return "rblwatch.invalid"
	}
	return strings.ToLower(host)
}

// OwnMessageID is what a Message-ID made by MessageID says.
type OwnMessageID struct {
	Tag  string // NoticeTag of the provider and listed address
	Kind Kind
	At   time.Time // when the notice was composed
}

// ParseMessageID reads a Message-ID (angle brackets optional) that
// MessageID made for host; ok is false for any other.
func ParseMessageID(id, host string) (own OwnMessageID, ok bool) {
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	local, domain, found := strings.Cut(id, "@")
	if !found || !strings.EqualFold(domain, messageIDHost(host)) {
		return OwnMessageID{}, false
	}
	parts := strings.Split(local, ".")
	if len(parts) != 4 || parts[0] != "rblwatch" || len(parts[1]) != 16 {
		return OwnMessageID{}, false
	}
	if _, err := hex.DecodeString(parts[1]); err != nil {
		return OwnMessageID{}, false
	}
	nanos, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil || nanos <= 0 {
		return OwnMessageID{}, false
	}
	switch k := Kind(parts[2]); k {
	case KindOpened, KindDigest, KindCleared, KindListed, KindDelisted, KindResolver, KindBacklog:
		return OwnMessageID{Tag: parts[1], Kind: k, At: time.Unix(0, nanos).UTC()}, true
	}
	return OwnMessageID{}, false
}

func normalizeMessageID(s string) (string, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	at := strings.IndexByte(id, '@')
	if id == "" || len(id) > 250 || !headerSafe(id) || strings.ContainsAny(id, "<>()[]\\,;:\"") || at <= 0 || at == len(id)-1 || strings.Count(id, "@") != 1 {
		return "", fmt.Errorf("%w: %q", ErrMessageID, s)
	}
	return "<" + id + ">", nil
}

// headerAddresses validates cfg.From and cfg.To for the header: the
// addresses must be plain ASCII mailboxes; the names may be any text without
// control characters (go-message encodes them per RFC 2047).
func headerAddresses(cfg Config) (from *mail.Address, to []*mail.Address, err error) {
	if err := CheckMailbox(cfg.From); err != nil {
		return nil, nil, fmt.Errorf("%w: from %q: %w", ErrConfig, cfg.From.Address, err)
	}
	if len(cfg.To) == 0 {
		return nil, nil, fmt.Errorf("%w: no recipient", ErrConfig)
	}
	for _, a := range cfg.To {
		if err := CheckMailbox(a); err != nil {
			return nil, nil, fmt.Errorf("%w: to %q: %w", ErrConfig, a.Address, err)
		}
		to = append(to, &mail.Address{Name: a.Name, Address: a.Address})
	}
	return &mail.Address{Name: cfg.From.Name, Address: cfg.From.Address}, to, nil
}

// CheckMailbox is the one rule for a mailbox of a header (notify.to,
// notify.from; config check applies it too): a plain ASCII address, and a
// name without what sanitize.Unsafe takes out of a text — control
// characters, bidirectional overrides, invisible characters — which the
// header's RFC 2047 words would carry to the reader's screen. A name given
// in RFC 2047 words is checked as it decodes.
func CheckMailbox(a mail.Address) error {
	if _, err := mail.ParseAddress("<" + a.Address + ">"); err != nil || !headerSafe(a.Address) {
		return fmt.Errorf("address %q is not a plain ASCII mailbox", a.Address)
	}
	if i := strings.IndexFunc(a.Name, sanitize.Unsafe); i >= 0 {
		r, _ := utf8.DecodeRuneInString(a.Name[i:])
		return fmt.Errorf("has a name with a control or invisible character (%q): a mail header cannot show it", string(r))
	}
	return nil
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
	err := htmlTemplate().Execute(&b, struct {
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
