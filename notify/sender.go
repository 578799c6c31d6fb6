package notify

import (
	"bytes"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"text/template"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// KindSender is the kind of a SenderNotice's outbox item.
const KindSender Kind = "sender"

// senderTemplates word the early notice to a sender; parsed once, when
// first used.
var senderTemplates = sync.OnceValue(func() map[string]*template.Template {
	return map[string]*template.Template{
		"en": template.Must(template.New("sender_en.txt").ParseFS(templateFS, "templates/sender_en.txt")),
		"ja": template.Must(template.New("sender_ja.txt").ParseFS(templateFS, "templates/sender_ja.txt")),
	}
})

// SenderNotice is the early word to a local sender whose message a
// blocklist deferred or bounced (issue 11.3): to the person who sent it, in
// plain words, within minutes, rather than Postfix's delay warning hours
// later. Whether a sender may be told (our domains only, never <>, once
// per message, a rate limit) is the daemon's to decide.
type SenderNotice struct {
	Sender    string // the envelope sender: who is told
	Recipient string // the refused recipient
	// Others are the message's other recipients refused in the same
	// reading of the log (named up to maxSenderRecipients in all).
	Others    []string
	QueueID   string // the message's first queue id: what the postmaster looks up
	MessageID string
	Sent      time.Time // when the message was submitted (zero: not known)
	At        time.Time // the refusal
	// Bounced: returned to the sender; else deferred (Postfix keeps
	// trying until Sent plus Lifetime, maximal_queue_lifetime).
	Bounced  bool
	Lifetime time.Duration
	// Provider is the list named by the refusal (nil: an unnamed one).
	Provider *classify.Provider
	// Reply is the receiver's reply: remote text, shown sanitised.
	Reply string
	// PostmasterTold: the postmaster gets the incident's notices.
	PostmasterTold bool
	Lang           string
	Host           string // our mail host's name
}

// senderView is what the sender templates see: validated, sanitised,
// formatted.
type senderView struct {
	Recipient, QueueID, MessageID, Provider, Reply, Host string
	// Recipients names every refused recipient in a phrase ("<a>, <b>
	// and <c>"); OthersCount is how many besides Recipient.
	Recipients                string
	OthersCount               int
	Sent, At, Until, Lifetime string
	Bounced, PostmasterTold   bool
}

// maxSenderReply bounds the quoted reply.
const maxSenderReply = 400

// maxSenderRecipients bounds the refused recipients a sender notice names;
// the others are counted.
const maxSenderRecipients = 10

// recipientPhrase names the refused recipients, sanitised, in lang: "<a>,
// <b> and <c>", "<a>, … and 3 more"; "<a>、<b>、<c>", "<a>、…ほか3件".
func recipientPhrase(first string, others []string, lang string) string {
	all := []string{first}
	for _, o := range others {
		if len(all) == maxSenderRecipients {
			break
		}
		all = append(all, o)
	}
	more := 1 + len(others) - len(all)
	for i, r := range all {
		all[i] = "<" + sanitize.Line(r, maxField) + ">"
	}
	if lang == "ja" {
		p := strings.Join(all, "、")
		if more > 0 {
			p += fmt.Sprintf("ほか%d件", more)
		}
		return p
	}
	if more > 0 {
		return strings.Join(all, ", ") + fmt.Sprintf(" and %d more", more)
	}
	if len(all) == 1 {
		return all[0]
	}
	return strings.Join(all[:len(all)-1], ", ") + " and " + all[len(all)-1]
}

// ComposeSender renders the RFC 5322 message of a sender notice: From
// cfg.From, To the sender, a plain-text body in n.Lang (en or ja), and
// Auto-Submitted: auto-generated, so that vacation responders keep quiet.
// Like Compose, everything that varies is an argument: equal inputs give
// byte-identical output.
func ComposeSender(n SenderNotice, cfg Config, now time.Time, messageID string) ([]byte, error) {
	mid, err := normalizeMessageID(messageID)
	if err != nil {
		return nil, err
	}
	if err := CheckMailbox(cfg.From); err != nil {
		return nil, fmt.Errorf("%w: from %q: %w", ErrConfig, cfg.From.Address, err)
	}
	to := mail.Address{Address: n.Sender}
	if err := CheckMailbox(to); err != nil {
		return nil, fmt.Errorf("notify: sender notice to %q: %w", n.Sender, err)
	}
	lang := n.Lang
	if _, ok := senderTemplates()[lang]; !ok {
		lang = "en"
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	v := senderView{Recipient: sanitize.Line(n.Recipient, maxField), QueueID: sanitize.Line(n.QueueID, 32),
		MessageID: sanitize.Line(n.MessageID, maxField), Reply: sanitize.Line(n.Reply, maxSenderReply),
		Host: sanitize.Line(n.Host, maxField), Bounced: n.Bounced, PostmasterTold: n.PostmasterTold,
		Sent: formatTime(n.Sent, loc, lang), At: formatTime(n.At, loc, lang)}
	if v.Host == "" {
		v.Host = "localhost"
	}
	v.Recipients, v.OthersCount = recipientPhrase(n.Recipient, n.Others, lang), len(n.Others)
	if n.Provider != nil {
		v.Provider = sanitize.Line(n.Provider.Name, maxField)
	}
	if !n.Bounced && n.Lifetime > 0 && !n.Sent.IsZero() {
		v.Until, v.Lifetime = formatTime(n.Sent.Add(n.Lifetime), loc, lang), formatDuration(n.Lifetime, lang)
	}
	t := senderTemplates()[lang]
	var subject, body bytes.Buffer
	if err := t.ExecuteTemplate(&subject, "subject", v); err != nil {
		return nil, fmt.Errorf("notify: rendering a sender notice: %w", err)
	}
	if err := t.ExecuteTemplate(&body, "body", v); err != nil {
		return nil, fmt.Errorf("notify: rendering a sender notice: %w", err)
	}
	text := tidyText(body.String())

	fields := []func(h *gomail.Header){
		func(h *gomail.Header) { h.SetAddressList("From", []*mail.Address{&cfg.From}) },
		func(h *gomail.Header) { h.SetAddressList("To", []*mail.Address{&to}) },
		func(h *gomail.Header) { h.SetSubject(strings.TrimSpace(subject.String())) },
		func(h *gomail.Header) { h.SetDate(now.In(loc)) },
		func(h *gomail.Header) { h.SetMessageID(strip(mid)) },
		func(h *gomail.Header) { h.Set("Auto-Submitted", "auto-generated") },
		func(h *gomail.Header) { h.Set("X-Auto-Response-Suppress", "All") },
		func(h *gomail.Header) { h.Set("X-Rblwatch-Kind", string(KindSender)) },
		func(h *gomail.Header) { h.Set("Content-Language", lang) },
		func(h *gomail.Header) { h.Set("MIME-Version", "1.0") },
		func(h *gomail.Header) { setTextPart(&h.Header, "text/plain", text) },
	}
	var h gomail.Header
	for i := len(fields) - 1; i >= 0; i-- {
		fields[i](&h)
	}
	var m bytes.Buffer
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
