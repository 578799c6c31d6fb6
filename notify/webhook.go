package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// WebhookFormat is the shape of a webhook's JSON body. The configuration
// (notify.webhook.format) takes exactly these values: config checks them
// against WebhookFormats, so a value config accepts is one this package
// renders.
type WebhookFormat string

const (
	// WebhookGeneric posts the notice as a JSON object (see
	// WebhookPayload); the default.
	WebhookGeneric WebhookFormat = "generic"
	// WebhookSlack posts {"text": "…"}, which Slack, Mattermost, Rocket.Chat
	// and others accept as an incoming webhook.
	WebhookSlack WebhookFormat = "slack"
)

// WebhookFormats lists every format, the default first.
var WebhookFormats = []WebhookFormat{WebhookGeneric, WebhookSlack}

// Valid reports whether f is one of WebhookFormats.
func (f WebhookFormat) Valid() bool { return slices.Contains(WebhookFormats, f) }

// DefaultWebhookTimeout bounds one POST.
const DefaultWebhookTimeout = 30 * time.Second

// webhookNotice is the generic JSON body. Every text is sanitised; times
// are RFC 3339 in UTC. The main incident's fields are at the top level; a
// notice about several incidents lists the others under "related", each
// with the same fields.
type webhookNotice struct {
	Version int    `json:"version"` // 1
	Kind    Kind   `json:"kind"`
	Summary string `json:"summary"` // the email's subject, without "[rblwatch] "
	Host    string `json:"host,omitempty"`
	webhookIncident
	Role    string            `json:"role"` // dedicated, operator or customer
	Related []webhookIncident `json:"related,omitempty"`
	// Backlog is a backlog summary's (kind "backlog"); the top level's
	// counts are then the totals of all its incidents.
	Backlog *webhookBacklog `json:"backlog,omitempty"`
}

// webhookBacklog is what a backlog summary tells: the stretch of log read
// late, the incidents listed (each cleared), and how many more.
type webhookBacklog struct {
	From      *time.Time        `json:"from,omitempty"`
	Until     *time.Time        `json:"until,omitempty"`
	Incidents []webhookIncident `json:"incidents"`
	More      int               `json:"more"`
	Total     int               `json:"total"`
	// Ended: the stretch ends where standard input did; rblwatch stopped.
	Ended bool `json:"ended,omitempty"`
}

// webhookIncident is one incident of a webhook notice.
type webhookIncident struct {
	IncidentID   string         `json:"incident_id,omitempty"`
	Provider     string         `json:"provider,omitempty"` // catalog id
	ProviderName string         `json:"provider_name,omitempty"`
	Listed       string         `json:"listed,omitempty"` // validated IP or domain
	Status       string         `json:"status,omitempty"`
	FirstSeen    *time.Time     `json:"first_seen,omitempty"`
	LastSeen     *time.Time     `json:"last_seen,omitempty"`
	ClearedAt    *time.Time     `json:"cleared_at,omitempty"`
	ClearedBy    string         `json:"cleared_by,omitempty"`
	Code         string         `json:"code,omitempty"`
	Reply        string         `json:"reply,omitempty"`
	Messages     int            `json:"messages"`
	Recipients   int            `json:"recipients"`
	Bounced      int            `json:"bounced"`
	Deferred     int            `json:"deferred"`
	Domains      []string       `json:"domains,omitempty"`
	Remotes      []string       `json:"remotes,omitempty"`
	Instances    []string       `json:"instances,omitempty"` // Postfix instances (postmulti), unless just "postfix"
	Fates        map[string]int `json:"fates,omitempty"`
	Checks       []Check        `json:"checks,omitempty"`
	LookupURL    string         `json:"lookup_url,omitempty"`
	RemovalURL   string         `json:"removal_url,omitempty"`
	// Via is the receiver that quoted the provider's verdict (a catalog
	// id, or an unknown receiver's domain); Found how the provider was
	// found (named, code, wording, url, relay, generic) and FoundNote
	// that in words, in the notice's language, as explain says them.
	Via       string `json:"via,omitempty"`
	Found     string `json:"found,omitempty"`
	FoundNote string `json:"found_note,omitempty"`
	// Senders says who sent the refused mail (a self-check listing: the
	// mail of the window before), as the email does, in the shape of the
	// replay report's JSON.
	Senders *webhookWho `json:"senders,omitempty"`
}

// webhookWho is who sent the refused mail, in the shape of the replay
// report's senders, with what the email says when the counts cover fewer
// messages than the incident has: Of (the incident's messages), Kept (how
// many the store keeps of each) and Note (the email's sentence).
type webhookWho struct {
	incident.Who
	Of   int    `json:"of,omitempty"`
	Kept int    `json:"kept,omitempty"`
	Note string `json:"note,omitempty"`
}

// whoOfView renders the view's who sent it for the webhook (nil: nobody
// known): the names the email shows, sanitised, with the messages of the
// others.
func whoOfView(w *whoView, inc incident.Incident) *webhookWho {
	if w == nil {
		return nil
	}
	counts := func(cs []countView) []incident.Count {
		out := make([]incident.Count, 0, len(cs))
		for _, c := range cs {
			out = append(out, incident.Count{Name: c.Name, Messages: c.Count})
		}
		return out
	}
	return &webhookWho{Who: incident.Who{Messages: w.Messages, Window: inc.Senders.Window,
		Logins: counts(w.Logins), Senders: counts(w.Senders), Clients: counts(w.Clients),
		MoreLogins: w.MoreLogins, MoreSenders: w.MoreSenders, MoreClients: w.MoreClients},
		Of: w.Of, Kept: w.Kept, Note: w.Partial}
}

// utc is t in UTC for JSON; nil for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// incidentOf renders one incident and its view for the webhook.
func incidentOf(inc incident.Incident, v *view) webhookIncident {
	w := webhookIncident{
		IncidentID:   sanitize.Line(inc.ID, maxField),
		ProviderName: v.Provider,
		Listed:       v.Target,
		Status:       string(inc.Status),
		ClearedBy:    v.ClearedBy,
		Code:         v.Code,
		Reply:        v.Reply,
		Messages:     v.Messages,
		Recipients:   v.Recipients,
		Bounced:      v.Bounced,
		Deferred:     v.Deferred,
		Domains:      v.Domains,
		Remotes:      v.Remotes,
		Instances:    v.Instances,
		LookupURL:    v.Lookup,
		RemovalURL:   v.Removal,
		Found:        v.Found,
		FoundNote:    v.FoundNote,
		Senders:      whoOfView(v.Who, inc),
	}
	if validID(inc.Verdict.Via) || validHostname(inc.Verdict.Via) {
		w.Via = inc.Verdict.Via
	}
	if validID(inc.Provider) {
		w.Provider = inc.Provider
	}
	if !validID(w.Status) {
		w.Status = ""
	}
	w.FirstSeen, w.LastSeen, w.ClearedAt = utc(inc.FirstSeen), utc(inc.LastSeen), utc(inc.ClearedAt)
	for _, m := range inc.Messages {
		if w.Fates == nil {
			w.Fates = map[string]int{}
		}
		if validID(string(m.Fate)) {
			w.Fates[string(m.Fate)]++
		}
	}
	for _, c := range v.Checks {
		w.Checks = append(w.Checks, Check{Zone: c.Zone, Status: CheckStatus(c.Status), Meaning: c.Meaning, TXT: c.TXT, Error: c.Error, NoIPv6: c.NoIPv6})
	}
	return w
}

// fateCounts are an incident's fate counts as the webhook gives them.
func fateCounts(c incident.FateCounts) map[string]int {
	out := map[string]int{}
	for f, n := range map[incident.Fate]int{incident.FateDelivered: c.Delivered, incident.FateBounced: c.Bounced,
		incident.FateExpired: c.Expired, incident.FateDeferred: c.Deferred} {
		if n > 0 {
			out[string(f)] = n
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// WebhookPayload renders the JSON body of a webhook notice. It is pure: like
// Compose it sanitises every remote text, and it renders the summary in
// n.Lang.
func WebhookPayload(n Notice, cfg Config, now time.Time, format WebhookFormat) ([]byte, error) {
	v, err := newView(n, cfg, now)
	if err != nil {
		return nil, err
	}
	subject, err := renderSubject(v)
	if err != nil {
		return nil, err
	}
	summary := strings.TrimSpace(strings.TrimPrefix(subject, "[rblwatch]"))
	switch format {
	case WebhookSlack:
		return json.Marshal(struct {
			Text string `json:"text"`
		}{slackText(n, v, summary)})
	case WebhookGeneric:
	default:
		return nil, fmt.Errorf("%w: unknown webhook format %q", ErrConfig, format)
	}
	w := webhookNotice{
		Version:         1,
		Kind:            n.Kind,
		Summary:         summary,
		Host:            v.Host,
		webhookIncident: incidentOf(n.Incident, v),
		Role:            v.Role,
	}
	for _, r := range v.Related {
		w.Related = append(w.Related, incidentOf(r.inc, r))
	}
	if b := n.Backlog; b != nil && n.Kind == KindBacklog {
		w.webhookIncident = webhookIncident{Messages: v.Messages, Recipients: v.Recipients, Bounced: v.Bounced, Deferred: v.Deferred}
		wb := &webhookBacklog{From: utc(b.From), Until: utc(b.Until), Incidents: []webhookIncident{}, More: v.BacklogMore.Incidents, Total: v.BacklogTotal, Ended: b.Ended}
		for _, x := range v.Backlog {
			wi := incidentOf(x.inc, x)
			// The fates of every affected message (the notice carries
			// counts, not the messages).
			wi.Fates = fateCounts(x.inc.Fates)
			wb.Incidents = append(wb.Incidents, wi)
		}
		w.Backlog = wb
	}
	if r := n.Resolver; r != nil && n.Kind == KindResolver {
		w.Status = "recovered"
		if r.Failing {
			w.Status = "failing"
		}
	}
	return json.Marshal(w)
}

// slackText is a short message in Slack's mrkdwn, in which "<", ">" and "&"
// must be escaped (else a text could mention @channel or forge a link).
func slackText(n Notice, v *view, summary string) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	w := slackWords[v.Lang]
	var b strings.Builder
	b.WriteString("*rblwatch*: " + esc(summary))
	if n.Kind == KindBacklog {
		// One line per incident listed: who, when, how much, how it ended.
		for _, x := range v.Backlog {
			who := x.Label
			if t := x.target(); t != "" {
				who += " (" + t + ")"
			}
			b.WriteString("\n" + esc(who) + w.colon + esc(x.FirstSeen+" – "+x.LastSeen) + w.sep + esc(w.counts(x)) + w.sep + esc(w.ended[x.ClearedBy]))
		}
		if m := v.BacklogMore; m.Incidents > 0 {
			b.WriteString("\n" + esc(w.more(m)))
		}
		return b.String()
	}
	for _, x := range v.All {
		label := ""
		if x.Multi {
			label = esc(x.Label) + w.colon
		}
		switch n.Kind {
		case KindOpened, KindDigest, KindCleared:
			b.WriteString("\n" + label + esc(w.counts(x)))
			if len(x.Instances) > 0 {
				b.WriteString("\n" + label + w.instance + w.colon + esc(strings.Join(x.Instances, ", ")))
			}
		}
		if x.Who != nil {
			b.WriteString("\n" + label + esc(w.who(x.Who)))
			if x.Who.Partial != "" {
				b.WriteString("\n" + label + esc(x.Who.Partial))
			}
		}
		for _, c := range x.Checks {
			if c.Zone != "" {
				b.WriteString("\n" + label + esc(c.Zone) + w.colon + esc(checkWord(v.Lang, c)))
			}
		}
		if x.FoundNote != "" {
			b.WriteString("\n" + label + w.found + w.colon + esc(x.FoundNote))
		}
		if x.Lookup != "" {
			b.WriteString("\n" + label + w.lookup + w.colon + esc(x.Lookup))
		}
		if x.Removal != "" {
			b.WriteString("\n" + label + w.removal + w.colon + esc(x.Removal))
		}
	}
	return b.String()
}

// checkWord says a DNS check's state in a few words, for Slack and the
// Alertmanager checks annotation: a zone that lists no IPv6 addresses was
// not asked about an IPv6 one, which its "clean" must not hide (the text
// notice says so in a sentence).
func checkWord(lang string, c checkView) string {
	if c.NoIPv6 {
		return slackWords[lang].status["noipv6"]
	}
	return slackWords[lang].status[c.Status]
}

// slackWords are the words of a Slack text, per language (the terms are
// the emails' and the report's).
var slackWords = map[string]struct {
	colon, lookup, removal, sep string
	instance                    string // the email's "Postfix instance" line
	found                       string // the email's "How found" line
	status                      map[string]string
	counts                      func(*view) string
	// who says who sent the refused mail (a self-check listing: the mail
	// of the window before) on one line.
	who func(*whoView) string
	// ended says how an incident of a backlog summary ended (by
	// ClearedBy), and more how many more it held.
	ended map[string]string
	more  func(backlogMore) string
}{
	"en": {
		colon: ": ", lookup: "lookup", removal: "removal", sep: "; ", instance: "Postfix instance", found: "How found",
		status: map[string]string{"listed": "listed", "clean": "not listed", "error": "could not be checked", "nolist": "no public list",
			"noipv6": "not asked (the list has no IPv6 addresses)"},
		ended: map[string]string{"delivered": "over: mail delivered again", "quiet": "closed: no rejection for the quiet period", "other": "closed"},
		more: func(m backlogMore) string {
			return fmt.Sprintf("… and %s: %s refused, %s, %s", plural(m.Incidents, "more incident", "more incidents"),
				plural(m.Messages, "message", "messages"), plural(m.Bounced, "bounce", "bounces"), plural(m.Deferred, "deferral", "deferrals"))
		},
		counts: func(v *view) string {
			return fmt.Sprintf("%s to %s refused: %s, %s", plural(v.Messages, "message", "messages"), plural(v.Recipients, "recipient", "recipients"),
				plural(v.Bounced, "bounce", "bounces"), plural(v.Deferred, "deferral", "deferrals"))
		},
		who: func(w *whoView) string {
			head := "sent by: "
			if w.Window != "" {
				head = "mail from this host in the last " + w.Window + ": "
			}
			return head + whoGroups(w, "SASL logins ", "senders ", "clients ", "<> (bounces)", ", ", "; ", ", others (%d)")
		},
	},
	"ja": {
		colon: ": ", lookup: "登録状況の確認", removal: "解除申請", sep: "、", instance: "Postfix インスタンス", found: "判定の根拠",
		status: map[string]string{"listed": "登録あり", "clean": "登録なし", "error": "確認できず", "nolist": "公開リストなし",
			"noipv6": "問い合わせず（IPv6アドレスを掲載しないリスト）"},
		ended: map[string]string{"delivered": "終了（配送を確認）", "quiet": "終了（一定時間拒否なし）", "other": "終了"},
		more: func(m backlogMore) string {
			return fmt.Sprintf("ほか%d件: 拒否されたメール %d通、返送 %d件、遅延 %d回", m.Incidents, m.Messages, m.Bounced, m.Deferred)
		},
		counts: func(v *view) string {
			return fmt.Sprintf("拒否されたメール %d通（宛先%d件）、返送 %d件、遅延 %d回", v.Messages, v.Recipients, v.Bounced, v.Deferred)
		},
		who: func(w *whoView) string {
			head := "送信者: "
			if w.Window != "" {
				head = "直近" + w.Window + "にこのホストから送信したメール: "
			}
			return head + whoGroups(w, "認証ユーザー ", "差出人 ", "送信元ホスト ", "<>（エラー通知）", "、", " ／ ", "、その他 (%d)")
		},
	},
}

// whoGroups writes the logins, senders and clients of w, each group
// after its label (the null sender as null), names joined by sep, groups
// by groupSep, and the messages of the names left out by more.
func whoGroups(w *whoView, logins, senders, clients, null, sep, groupSep, more string) string {
	var groups []string
	for _, g := range []struct {
		label  string
		cs     []countView
		others int
		angle  bool
	}{{logins, w.Logins, w.MoreLogins, false}, {senders, w.Senders, w.MoreSenders, true}, {clients, w.Clients, w.MoreClients, false}} {
		if len(g.cs) == 0 {
			continue
		}
		var names []string
		for _, c := range g.cs {
			name := c.Name
			if g.angle && c.Null {
				name = null
			} else if g.angle {
				name = "<" + name + ">"
			}
			names = append(names, fmt.Sprintf("%s (%d)", name, c.Count))
		}
		s := g.label + strings.Join(names, sep)
		if g.others > 0 {
			s += fmt.Sprintf(more, g.others)
		}
		groups = append(groups, s)
	}
	return strings.Join(groups, groupSep)
}

// Webhook posts outbox items (JSON bodies made by WebhookPayload) to a URL.
type Webhook struct {
	URL string
	// Header is added to every request (an Authorization token, …).
	Header http.Header
	// Client makes the requests; nil uses a client with Timeout.
	Client *http.Client
	// Timeout bounds one POST; DefaultWebhookTimeout when zero.
	Timeout time.Duration
}

// Deliver posts the item's payload. A 2xx status is success; 408, 429, 5xx
// and network errors are temporary; any other status is permanent.
func (w *Webhook) Deliver(ctx context.Context, it Item) error {
	return w.Post(ctx, it.Payload)
}

// Post sends body as application/json.
func (w *Webhook) Post(ctx context.Context, body []byte) error {
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = DefaultWebhookTimeout
	}
	p := jsonPost{sink: "webhook", urlName: "webhook URL", client: w.Client, timeout: timeout, header: w.Header, hideURL: true}
	return p.post(ctx, w.URL, body)
}

// jsonPost is one POST of a JSON body to an HTTP receiver, as the webhook
// and Alertmanager sinks make it.
type jsonPost struct {
	sink    string       // the SendError's Sink
	urlName string       // what a bad URL is called in errors ("webhook URL")
	client  *http.Client // nil: a client with timeout
	timeout time.Duration
	header  http.Header // added to the request
	hideURL bool        // the URL is a secret: errors leave it out (withoutURL)
}

// post sends body to u. A 2xx status is success; 408, 429, 5xx and network
// errors are temporary; any other status is permanent, its message the
// start of the answer, sanitised (a redirect that would turn the POST into
// a GET is such a status: see keepPost).
func (p jsonPost) post(ctx context.Context, u string, body []byte) error {
	hide := func(err error) error {
		if p.hideURL {
			return withoutURL(err)
		}
		return err
	}
	peer := u // named in errors unless it is a secret
	if p.hideURL {
		peer = ""
	}
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return &SendError{Sink: p.sink, Op: "request", Err: fmt.Errorf("%w: %s: %w", ErrConfig, p.urlName, hide(err))}
	}
	for k, vs := range p.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "rblwatch")
	client := &http.Client{Timeout: p.timeout}
	if p.client != nil {
		c := *p.client
		client = &c
	}
	client.CheckRedirect = keepPost
	resp, err := client.Do(req)
	if err != nil {
		return &SendError{Sink: p.sink, Op: "post", Temp: true, Err: withoutURL(err), Peer: peer}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	code := resp.StatusCode
	temp := code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout
	msg := sanitize.Line(string(snippet), 200)
	if code >= 300 && code < 400 {
		// Its Location is left out: it may hold a token too.
		msg = "the " + p.urlName + " redirects elsewhere, and a redirected POST would lose its body: configure the address it redirects to"
	}
	return &SendError{Sink: p.sink, Op: "post", Code: code, Message: msg, Temp: temp, Peer: peer}
}

// keepPost follows a redirect only when the request stays a POST with its
// body (307, 308). On a 301, 302 or 303 Go's client would go on with a GET
// without the body, which the new address may answer 200: the notice would
// count as delivered and be lost. The redirect's own answer is returned
// instead, a permanent error.
func keepPost(req *http.Request, via []*http.Request) error {
	if req.Method != http.MethodPost {
		return http.ErrUseLastResponse
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// withoutURL drops the URL from net/http's and net/url's errors
// ("Post \"https://hooks.slack.com/services/T/B/TOKEN\": dial tcp …"): the
// webhook URL is a secret (chat services put the token in it), and the
// error goes to the log and the store's outbox.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
