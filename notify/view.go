package notify

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// How much of an incident the body lists; counts stay exact.
const (
	showMessages   = 10
	showRecipients = 10
	showDomains    = 10
	showRemotes    = 5
	showPerMessage = 3 // recipients shown per message
	showSenders    = 5
)

// genericSteps are the steps for a list that is not in the catalog.
var genericSteps = map[string][]string{
	"en": {
		"Make sure nothing on the server sends spam: look at the queue (mailq), the authenticated senders and any web forms or scripts that send mail.",
		"Find the list (ask the receiver's postmaster if the reply does not name it), look the address up there, fix what it names, then request removal.",
		"Postfix retries deferred mail by itself; bounced mail must be sent again by its sender.",
	},
	"ja": {
		"サーバーから迷惑メールが送信されていないか確認してください。キュー（mailq）、SMTP 認証で送信しているアカウント、メールを送信する Web フォームやスクリプトを調べます。",
		"どのリストかを確認し（拒否メッセージに記載がなければ受信側の管理者に問い合わせます）、そのリストでアドレスを検索して、示された原因を解消してから解除を申請してください。",
		"配送が遅延しているメールは Postfix が自動的に再送します。返送されたメールは、送信者に再送してもらう必要があります。",
	},
}

// whoOf says who sent the refused mail: the tracker's counts of every
// affected message (Incident.Senders), else those of the messages the
// incident lists; for a self-check listing, the mail of the hours before.
// Names are sanitised; nil when nobody is known.
func whoOf(inc incident.Incident, limit int, lang string) *whoView {
	w := inc.Senders
	if w.Messages == 0 {
		w = incident.WhoSent(inc.Messages, limit)
	}
	if w.Messages == 0 || len(w.Logins)+len(w.Senders)+len(w.Clients) == 0 {
		return nil
	}
	list := func(cs []incident.Count) []countView {
		cs = cs[:min(len(cs), limit)]
		out := make([]countView, len(cs))
		for i, c := range cs {
			out[i] = countView{Name: sanitize.Line(c.Name, maxField), Count: c.Messages, Null: c.Name == ""}
		}
		return out
	}
	v := &whoView{Messages: w.Messages, Logins: list(w.Logins), Senders: list(w.Senders), Clients: list(w.Clients),
		MoreLogins: w.MoreLogins, MoreSenders: w.MoreSenders, MoreClients: w.MoreClients}
	if total := len(inc.Messages) + inc.MoreMessages; w.Window == 0 && w.Messages < total {
		// Counted over fewer messages than the incident has: a restart
		// counts again from the messages the store keeps.
		v.Of, v.Kept = total, incident.MaxMessages
		v.Partial = fmt.Sprintf(partialWords[lang], v.Messages, v.Of, v.Kept)
	}
	for _, x := range []struct {
		all  []incident.Count
		more *int
	}{{w.Logins, &v.MoreLogins}, {w.Senders, &v.MoreSenders}, {w.Clients, &v.MoreClients}} {
		for _, c := range x.all[min(len(x.all), limit):] {
			*x.more += c.Messages
		}
	}
	if w.Window > 0 {
		v.Window = formatDuration(w.Window, lang)
	}
	return v
}

// partialWords say, per language, over how many of an incident's
// messages its senders are counted (whoView.Partial): the counted, the
// incident's messages, the messages the store keeps of each. Every
// channel (the email, the Slack line, the webhook's senders) says it in
// these words.
var partialWords = map[string]string{
	"en": "Counted over %d of the %d refused messages: rblwatch restarted meanwhile, and keeps who sent only the first %d of an incident.",
	"ja": "拒否された %[2]d 通のうち %[1]d 通についての集計です（途中で rblwatch が再起動しており、インシデントごとに最初の %[3]d 通分の送信者しか保存していません）。",
}

// view is what the templates see: every string is already validated,
// sanitised or formatted for the language, so the templates only arrange.
type view struct {
	Kind string
	Lang string
	ID   string
	Host string // our host name; "" when unknown or not a host name
	// ProviderID is the provider's catalog id and CommandID the incident's
	// id, for the commands a notice suggests (rblwatch incidents ack ID,
	// mute PROVIDER); each is "" unless it is safe to paste into a shell.
	ProviderID string
	CommandID  string
	// ConfigFlag follows every rblwatch command the notice prints:
	// " --config PATH" when the daemon runs with another configuration
	// than the default (Config.ConfigPath), quoted for the shell.
	ConfigFlag string

	// Related are the views of the other incidents the notice announces
	// (Notice.Related), each with Multi and Label set; Multi is set on the
	// main view too when there are any. Label names a provider in a
	// notice about several ("Barracuda", "SpamCop (203.0.113.7)");
	// AllProviders names them all ("Spamhaus, Barracuda and SpamCop").
	Related        []*view
	All            []*view // the main view, then Related
	SameTarget     bool    // every incident names the same IP or domain
	Multi          bool
	Label          string
	AllProviders   string
	AnyProprietary bool

	// The listed IP or domain: Target is set only when it is a valid IP or
	// host name; TargetRaw shows an invalid one, sanitised, in the body.
	Target     string
	TargetIsIP bool
	TargetRaw  string

	Provider      string // display name; "" for an unnamed list
	ProviderKnown bool   // in the catalog
	Proprietary   bool   // no public list
	Historical    string
	Meaning       string
	RemovalTime   string
	SelfService   bool
	// removal is how the listing ends (the catalog's removal key).
	removal classify.RemovalKind
	// Role is who we are for the listed address ("dedicated", "operator",
	// "customer"); RoleNote says who files the removal (none for a
	// dedicated server), and Steps are the steps to take, for that role,
	// numbered in the text as explain numbers them.
	Role     string
	RoleNote string
	Steps    []string
	// RoleSteps are the role's own steps in a notice about several
	// incidents: shown once, before each provider's Steps (which then
	// leave them out).
	RoleSteps     []string
	baseSteps     []string // the provider's steps, before the role's
	inc           incident.Incident
	Lookup        string
	Removal       string
	Via           string
	ReceiverFault bool
	// Found is how the provider was found (classify.Verdict.Found: named,
	// code, wording, url, relay, generic) and FoundNote says it in words
	// (Notice.FoundNote).
	Found     string
	FoundNote string

	Code    string // "554 5.7.1"
	Reply   string
	Remotes []string
	// Instances name the Postfix instances that logged the refusals, when
	// they are not just the default "postfix" (postmulti: postfix-out).
	Instances []string
	More      moreCounts
	Samples   []string
	// Who says who sent the refused mail (SASL logins, senders, clients,
	// with counts), or for a self-check listing who sent most mail in the
	// hours before: the first question when an address is listed (a
	// stolen password, a hacked form). nil when not known.
	Who *whoView

	FirstSeen string
	LastSeen  string
	ClearedAt string
	Notified  string
	Duration  string
	ClearedBy string
	Renotify  string
	// Quiet is the quiet period that clears an incident ("6 hours"); Since
	// is when the previous notice went out (a digest counts from there).
	Quiet string
	Since string

	Messages   int
	Recipients int
	Bounced    int
	Deferred   int
	Domains    []string
	RcptList   []string
	MsgList    []messageView
	Fates      []fateView
	Untracked  int // messages counted but not kept, fate unknown
	Returned   int // messages bounced or expired
	Queued     int // messages still deferred
	New        newCounts
	Checks     []checkView
	Listed     bool // some check says listed
	Clean      bool // every check that answered says clean
	NoIPv6Only bool // no check answered: every clean one is a zone that lists no IPv6 addresses (not asked)
	CheckError bool // some check failed
	// WhoEach shows who sent the refused mail per provider (a notice of
	// several incidents, some other than the main one with senders).
	WhoEach bool
	// ListedProviders names, in a cleared notice of several incidents, the
	// providers whose lists still name the address ("" otherwise).
	ListedProviders string
	Queried         bool // some check queried a zone (not CheckNoList)

	// A resolver notice (Kind "resolver"): failing or answering again,
	// the server, the failed self-checks in a row, since when, until when
	// (At) and the last error.
	ResolverFailing bool
	ResolverServer  string
	ResolverHost    string // of ResolverServer, for dig: "127.0.0.1"
	ResolverPort    string // "53"
	ResolverRounds  int
	ResolverSince   string
	ResolverAt      string
	ResolverError   string

	// A backlog notice (Kind "backlog"): the stretch of the log read late
	// (from, until, how long), the incidents listed (each the view of a
	// cleared incident, with its Label), those left out (BacklogMore) and
	// how many in all. Messages, Recipients, Bounced and Deferred are then
	// the totals of every incident, listed or not.
	BacklogFrom  string
	BacklogUntil string
	BacklogSpan  string
	Backlog      []*view
	BacklogMore  backlogMore
	BacklogTotal int
	BacklogEnded bool // the input ended there: rblwatch stops
	// BacklogTargets are the distinct validated addresses of the incidents
	// listed (at most showRemotes), for "rblwatch check".
	BacklogTargets []string
}

// backlogMore are the incidents a backlog notice leaves out, counted.
type backlogMore struct {
	Incidents, Messages, Bounced, Deferred int
}

// moreCounts are the items left out of each list.
type moreCounts struct {
	Remotes, Domains, Recipients, Messages int
}

type messageView struct {
	QueueID string
	From    string
	// FromKnown says the log named the sender: From "" is then the null
	// sender (a bounce), else the sender is unknown (its queue line was
	// not read: before the log read back, or a line Postfix never wrote).
	FromKnown bool
	Login     string // SASL user that submitted it, if known
	Client    string // submitting client, if known
	To        string // up to showPerMessage recipients, comma-separated
	MoreTo    int
	Fate      string
}

type whoView struct {
	Window   string // "24 hours" for a self-check listing, "" for an incident
	Messages int
	// Of is the incident's number of messages when the counts cover
	// fewer (Messages); Kept is how many the store keeps of each.
	Of, Kept                             int
	Partial                              string // partialWords' sentence when Of is set
	Logins, Senders, Clients             []countView
	MoreLogins, MoreSenders, MoreClients int // messages of the names left out
}

type countView struct {
	Name  string
	Count int  // messages
	Null  bool // the null sender <>
}

type fateView struct {
	Fate  string
	Count int
}

type newCounts struct {
	Messages int
	Bounced  int
	Deferred int
	Exact    bool // Bounced and Deferred are known (the previous counts were given)
}

type checkView struct {
	Zone    string
	Status  string
	Meaning string // in the notice's language when the catalog has it
	TXT     string
	Error   string
	Failure string // why a check failed (Failure), for the words of the language
	NoIPv6  bool   // a clean check of a zone that lists no IPv6 addresses (not asked)
}

func newView(n Notice, cfg Config, now time.Time) (*view, error) {
	lang := n.Lang
	if lang == "" {
		lang = "en"
	}
	if _, ok := textTemplates()[lang]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrLang, n.Lang)
	}
	switch n.Kind {
	case KindOpened, KindDigest, KindCleared, KindListed, KindDelisted:
	case KindResolver:
		if n.Resolver == nil {
			return nil, fmt.Errorf("%w: a resolver notice without its state", ErrKind)
		}
	case KindBacklog:
		if n.Backlog == nil || n.Backlog.Total() == 0 {
			return nil, fmt.Errorf("%w: a backlog notice without incidents", ErrKind)
		}
	default:
		return nil, fmt.Errorf("%w: %q", ErrKind, n.Kind)
	}
	role := n.Role
	if role == "" {
		role = classify.RoleDedicated
	}
	if _, err := classify.ParseRole(string(role)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	flag, pasteable := configFlag(cfg.ConfigPath)
	if n.Kind == KindBacklog {
		v := backlogView(n, cfg, now, lang, role)
		v.ConfigFlag = flag
		return v, nil
	}
	v := incidentView(n, cfg, now, lang, role)
	seen := map[string]bool{n.Incident.ID: true}
	for _, r := range n.Related {
		if seen[r.Incident.ID] && r.Incident.ID != "" {
			continue
		}
		seen[r.Incident.ID] = true
		rn := Notice{Kind: n.Kind, Incident: r.Incident, Provider: r.Provider, Via: r.Via, Reply: r.Reply, FoundNote: r.FoundNote, Checks: r.Checks, Lang: n.Lang, Role: role, Host: n.Host,
			Previous: r.Previous, Quiet: n.Quiet}
		v.Related = append(v.Related, incidentView(rn, cfg, now, lang, role))
	}
	all := append([]*view{v}, v.Related...)
	var names []string
	for _, x := range all {
		x.ConfigFlag = flag
		if !pasteable {
			// A command that would act on the default state is worse
			// than none.
			x.CommandID, x.ProviderID = "", ""
		}
		x.Multi = len(all) > 1
		x.Label = x.Provider
		if x.Label == "" {
			x.Label = unnamedList[lang]
		}
		if x != v && x.target() != v.target() && x.target() != "" {
			if lang == "ja" {
				x.Label += "（" + x.target() + "）"
			} else {
				x.Label += " (" + x.target() + ")"
			}
		}
		names = append(names, x.Label)
		v.AnyProprietary = v.AnyProprietary || x.Proprietary
	}
	v.AllProviders = joinNames(names, lang)
	v.All = all
	if len(all) > 1 && n.Kind == KindCleared {
		mergeCleared(v, lang)
	}
	if len(all) > 1 && (n.Kind == KindOpened || n.Kind == KindDigest) {
		// Who sent each provider's refused mail: the incidents' messages
		// differ (and may overlap), so each has its own counts.
		for _, x := range v.Related {
			v.WhoEach = v.WhoEach || x.Who != nil
		}
	}
	if len(all) > 1 && role != classify.RoleDedicated {
		// The role's steps once, then each provider's own: a customer has
		// none of its own to take (the hosting company does).
		v.RoleSteps = classify.RoleSteps(role, lang, nil)
		for _, x := range all {
			if x.ReceiverFault || x.Historical != "" {
				continue
			}
			x.Steps = nil
			if role == classify.RoleOperator {
				x.Steps = x.baseSteps
			}
		}
	}
	v.SameTarget = true
	for _, x := range v.Related {
		if x.target() != v.target() {
			v.SameTarget = false
		}
	}
	return v, nil
}

// backlogView renders a backlog notice: each incident listed as a cleared
// one, labelled with its provider and listed address, and the totals.
func backlogView(n Notice, cfg Config, now time.Time, lang string, role classify.Role) *view {
	b := n.Backlog
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	// No ID: the footer names incidents, and this notice is about several
	// (each listed with its own).
	v := &view{Kind: string(n.Kind), Lang: lang, Role: string(role)}
	if validHostname(n.Host) || validLabel(n.Host) {
		v.Host = strings.ToLower(strings.TrimSuffix(n.Host, "."))
	}
	v.BacklogFrom, v.BacklogUntil = formatTime(b.From, loc, lang), formatTime(b.Until, loc, lang)
	v.BacklogEnded = b.Ended
	if !b.From.IsZero() && b.Until.After(b.From) {
		v.BacklogSpan = formatDuration(b.Until.Sub(b.From), lang)
	}
	for _, r := range b.Incidents[:min(len(b.Incidents), BacklogListed)] {
		rn := Notice{Kind: KindCleared, Incident: r.Incident, Provider: r.Provider, Via: r.Via, Reply: r.Reply, FoundNote: r.FoundNote, Lang: n.Lang, Role: role, Host: n.Host}
		x := incidentView(rn, cfg, now, lang, role)
		x.Label = x.Provider
		if x.Label == "" {
			x.Label = unnamedList[lang]
		}
		inc := r.Incident
		if inc.ClearedBy == "quiet" && inc.ClearedAt.After(inc.LastSeen) {
			x.Quiet = formatDuration(inc.ClearedAt.Sub(inc.LastSeen), lang)
		}
		// The fates of every affected message, not only of those listed
		// (a backlog notice carries the counts, not the messages).
		x.Fates = nil
		for _, f := range []struct {
			fate incident.Fate
			n    int
		}{{incident.FateDelivered, inc.Fates.Delivered}, {incident.FateBounced, inc.Fates.Bounced},
			{incident.FateExpired, inc.Fates.Expired}, {incident.FateDeferred, inc.Fates.Deferred}} {
			if f.n > 0 {
				x.Fates = append(x.Fates, fateView{fateName(lang, f.fate), f.n})
			}
		}
		v.Backlog = append(v.Backlog, x)
		if x.Target != "" && !slices.Contains(v.BacklogTargets, x.Target) && len(v.BacklogTargets) < showRemotes {
			v.BacklogTargets = append(v.BacklogTargets, x.Target)
		}
		v.Messages += x.Messages
		v.Recipients += x.Recipients
		v.Bounced += x.Bounced
		v.Deferred += x.Deferred
	}
	more := b.MoreCounts
	for _, r := range b.Incidents[len(v.Backlog):] { // beyond BacklogListed: counted
		c := CountsOf(r.Incident)
		more.Messages, more.Recipients, more.Bounced, more.Deferred = more.Messages+c.Messages, more.Recipients+c.Recipients,
			more.Bounced+c.Bounced, more.Deferred+c.Deferred
	}
	v.BacklogMore = backlogMore{Incidents: b.Total() - len(v.Backlog), Messages: more.Messages, Bounced: more.Bounced, Deferred: more.Deferred}
	v.Messages += more.Messages
	v.Recipients += more.Recipients
	v.Bounced += more.Bounced
	v.Deferred += more.Deferred
	v.BacklogTotal = b.Total()
	v.All = []*view{v}
	return v
}

// unnamedList names a list the receiver did not name, in a list of names.
var unnamedList = map[string]string{"en": "an unnamed list", "ja": "名称不明のリスト"}

// target is the listed IP or domain as shown.
func (v *view) target() string {
	if v.Target != "" {
		return v.Target
	}
	return v.TargetRaw
}

// joinNames joins names as a sentence does: "A, B and C", "A、B、C".
func joinNames(names []string, lang string) string {
	if lang == "ja" {
		return strings.Join(names, "、")
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// incidentView renders one incident of a notice for the templates.
func incidentView(n Notice, cfg Config, now time.Time, lang string, role classify.Role) *view {
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	inc := n.Incident
	v := &view{
		Kind:          string(n.Kind),
		Lang:          lang,
		ID:            sanitize.Line(inc.ID, maxField),
		Role:          string(role),
		inc:           inc,
		ReceiverFault: inc.Verdict.ReceiverFault,
		Bounced:       inc.Bounced,
		Deferred:      inc.Deferred,
		Untracked:     inc.MoreMessages,
		Reply:         sanitize.Line(n.Reply, maxReply),
	}
	if validID(inc.Provider) && inc.Provider != "unknown" {
		v.ProviderID = inc.Provider
	}
	if shellWord(inc.ID) {
		v.CommandID = inc.ID
	}
	if validHostname(n.Host) || validLabel(n.Host) {
		// A single label (Debian's default host name) is shown as it is:
		// it is the name the postmaster knows.
		v.Host = strings.ToLower(strings.TrimSuffix(n.Host, "."))
	}
	if t, isIP, ok := validTarget(inc.Listed); ok {
		v.Target, v.TargetIsIP = t, isIP
	} else if inc.Listed != "" {
		v.TargetRaw = sanitize.Line(inc.Listed, 100)
	}

	v.addChecks(n.Checks)
	var listed []string
	for _, c := range n.Checks {
		if c.Status == CheckListed {
			listed = append(listed, c.Lists...)
		}
	}

	var advice string
	if p := n.Provider; p != nil {
		v.ProviderKnown = true
		v.Provider = sanitize.Line(p.Name, 64)
		v.Proprietary = p.Kind == classify.KindProprietary
		v.Historical = sanitize.Line(p.HistoricalNote(lang), maxReply)
		meaning, adv := p.Meaning, p.Advice
		removal := p.RemovalURL
		// The rule that matched may say more precisely what the reply
		// means and what to do, as in explain.
		if r := p.RuleOf(inc.Verdict.Rule); r != nil {
			if r.Meaning.En != "" {
				meaning = r.Meaning
			}
			if r.Advice.En != "" {
				adv = r.Advice
			}
			if r.RemovalURL != "" {
				removal = r.RemovalURL
			}
		}
		// A DNS answer that names the provider's sub-lists narrows the
		// advice to them (Spamhaus: SBL, CSS, XBL, PBL, DROP or DBL rather
		// than every branch).
		if a, ok := p.AdviceFor(listed); ok && !inc.Verdict.ReceiverFault {
			adv = a
		}
		v.Meaning = strings.TrimSpace(meaning.Get(lang))
		advice = adv.Get(lang)
		v.RemovalTime = sanitize.Line(p.RemovalTime.Get(lang), 200)
		v.SelfService = p.HowRemoved() == classify.RemovalForm
		v.removal = p.HowRemoved()
		rp := *p
		rp.RemovalURL = removal
		v.Lookup, v.Removal = providerLinks(&rp, v.Target)
	}
	v.Steps = classify.Steps(advice)
	if len(v.Steps) == 0 {
		v.Steps = genericSteps[lang]
	}
	v.baseSteps = v.Steps
	if !v.ReceiverFault && v.Historical == "" {
		kind := classify.RemovalForm
		if v.ProviderKnown && n.Provider.ID != classify.Unknown {
			kind = v.removal
		}
		v.RoleNote = role.NoteFor(lang, kind, v.Provider)
		v.Steps = classify.RoleSteps(role, lang, v.Steps)
	}
	if inc.Provider == classify.Unknown && inc.Verdict.List == "" && len(inc.Lists) == 0 {
		// No list named: the templates' own words, in the notice's
		// language ("a blocklist the receiver did not name"), not the
		// catalog entry's English name ("Unnamed block list" in a
		// Japanese notice).
		v.Provider = ""
	}
	if v.Provider == "" && inc.Provider != "" && inc.Provider != "unknown" && validID(inc.Provider) {
		v.Provider = inc.Provider
	}
	if l := inc.Verdict.List; (v.Provider == "" || inc.Provider == "unknown" && len(inc.Lists) == 0) && (validHostname(l) || validLabel(l)) {
		// A list the reply names that the catalog does not know is shown
		// by its (validated) name; several (inc.Lists) by the names the
		// daemon's provider entry gives them (classify.NamedLists).
		v.Provider = strings.ToLower(inc.Verdict.List)
	}
	if n.Via != nil {
		v.Via = sanitize.Line(n.Via.Name, 64)
	} else if validID(inc.Verdict.Via) {
		v.Via = inc.Verdict.Via
	}
	if validID(inc.Verdict.Found) {
		v.Found = inc.Verdict.Found
	}
	v.FoundNote = sanitize.Line(n.FoundNote, 200)
	if c := inc.Verdict.Code; c != 0 {
		v.Code = fmt.Sprint(c)
		if e := inc.Verdict.Enhanced; validEnhanced(e) {
			v.Code += " " + e
		}
	}

	remotes := inc.Remotes
	if len(remotes) == 0 && inc.Verdict.Remote != "" {
		remotes = []string{inc.Verdict.Remote}
	}
	v.Remotes, v.More.Remotes = cleanList(remotes, showRemotes, maxField)
	if ins := inc.Instances; len(ins) > 1 || len(ins) == 1 && ins[0] != "postfix" {
		v.Instances, _ = cleanList(ins, incident.MaxInstances, maxField)
	}
	v.Domains, v.More.Domains = cleanList(inc.Domains, showDomains, maxField)
	v.More.Domains += inc.MoreDomains
	v.RcptList, v.More.Recipients = cleanList(inc.Recipients, showRecipients, maxField)
	v.More.Recipients += inc.MoreRecipients
	for _, s := range inc.Samples {
		if len(v.Samples) == incident.MaxSamples {
			break
		}
		v.Samples = append(v.Samples, sanitize.Line(s, maxSample))
	}

	v.Who = whoOf(inc, showSenders, lang)

	counts := CountsOf(inc)
	v.Messages, v.Recipients = counts.Messages, counts.Recipients
	fateCount := map[incident.Fate]int{}
	for i, m := range inc.Messages {
		fateCount[m.Fate]++
		if i >= showMessages {
			continue
		}
		to, more := cleanList(m.Recipients, showPerMessage, maxField)
		v.MsgList = append(v.MsgList, messageView{
			QueueID:   sanitize.Line(m.QueueID, 32),
			From:      sanitize.Line(m.From, maxField),
			FromKnown: m.FromKnown,
			Login:     sanitize.Line(m.Login, maxField),
			Client:    sanitize.Line(m.Client, maxField),
			To:        strings.Join(to, ", "),
			MoreTo:    more,
			Fate:      fateName(lang, m.Fate),
		})
	}
	v.More.Messages = max(0, len(inc.Messages)-showMessages) + inc.MoreMessages
	v.Returned = fateCount[incident.FateBounced] + fateCount[incident.FateExpired]
	v.Queued = fateCount[incident.FateDeferred]
	for _, f := range []incident.Fate{incident.FateDelivered, incident.FateBounced, incident.FateExpired, incident.FateDeferred} {
		if c := fateCount[f]; c > 0 {
			v.Fates = append(v.Fates, fateView{fateName(lang, f), c})
		}
	}

	ts := func(t time.Time) string { return formatTime(t, loc, lang) }
	v.FirstSeen, v.LastSeen, v.ClearedAt, v.Notified = ts(inc.FirstSeen), ts(inc.LastSeen), ts(inc.ClearedAt), ts(inc.Notified)
	switch n.Kind {
	case KindDigest, KindListed:
		if !inc.FirstSeen.IsZero() && now.After(inc.FirstSeen) {
			v.Duration = formatDuration(now.Sub(inc.FirstSeen), lang)
		}
	case KindCleared, KindDelisted:
		end := inc.ClearedAt
		if end.IsZero() {
			end = now
		}
		if !inc.FirstSeen.IsZero() && end.After(inc.FirstSeen) {
			v.Duration = formatDuration(end.Sub(inc.FirstSeen), lang)
		}
		if v.ClearedAt == "" {
			v.ClearedAt = ts(now)
		}
	}
	switch inc.ClearedBy {
	case "", "delivered", "quiet":
		v.ClearedBy = inc.ClearedBy
	default:
		v.ClearedBy = "other"
	}
	if cfg.Renotify > 0 {
		v.Renotify = formatDuration(cfg.Renotify, lang)
	}
	if n.Quiet > 0 {
		v.Quiet = formatDuration(n.Quiet, lang)
	}
	v.Since = v.Notified
	if p := n.Previous; p != nil && !p.At.IsZero() {
		// The time of the previous notice as the daemon stored it (a
		// restart keeps it).
		v.Since = ts(p.At)
	}
	if r := n.Resolver; r != nil {
		v.ResolverFailing, v.ResolverRounds = r.Failing, r.Rounds
		v.ResolverServer = sanitize.Line(r.Server, maxField)
		if host, port, err := net.SplitHostPort(r.Server); err == nil && net.ParseIP(host) != nil && validPort(port) {
			v.ResolverHost, v.ResolverPort = host, port
		}
		v.ResolverSince, v.ResolverAt = ts(r.Since), ts(r.At)
		v.ResolverError = sanitize.Line(r.Error, maxReply)
		if !r.Since.IsZero() && r.At.After(r.Since) {
			v.Duration = formatDuration(r.At.Sub(r.Since), lang)
		}
	}

	if n.Kind == KindDigest {
		if p := n.Previous; p != nil {
			v.New = newCounts{
				Messages: max(0, counts.Messages-p.Messages),
				Bounced:  max(0, counts.Bounced-p.Bounced),
				Deferred: max(0, counts.Deferred-p.Deferred),
				Exact:    true,
			}
		} else {
			for _, m := range inc.Messages {
				if m.FirstSeen.After(inc.Notified) {
					v.New.Messages++
				}
			}
		}
	}

	return v
}

// mergeCleared makes the main view of a cleared notice that closes several
// incidents of one address speak for all of them: what became of every
// one's messages, and the listing state of every one's list (still listed
// when any list names the address, not listed when none does).
func mergeCleared(v *view, lang string) {
	// The main incident's own part of each section (its checks, "the list
	// still names …") keeps its own state: a copy speaks for it.
	own := *v
	v.All[0] = &own
	count := map[string]int{}
	for _, x := range v.All {
		for _, f := range x.Fates {
			count[f.Fate] += f.Count
		}
	}
	v.Fates = nil
	for _, f := range []incident.Fate{incident.FateDelivered, incident.FateBounced, incident.FateExpired, incident.FateDeferred} {
		if c := count[fateName(lang, f)]; c > 0 {
			v.Fates = append(v.Fates, fateView{fateName(lang, f), c})
		}
	}
	var names []string // the providers whose lists still name the address
	for _, x := range v.All {
		if x.Listed {
			names = append(names, x.Label)
		}
	}
	clean := true
	for _, x := range v.Related {
		if x.ClearedBy != v.ClearedBy {
			// Ended in different ways (a delivery, the quiet period): the
			// notice as a whole claims neither, each part says its own.
			v.ClearedBy = "other"
		}
		v.Returned += x.Returned
		v.Queued += x.Queued
		v.Untracked += x.Untracked
		v.Listed = v.Listed || x.Listed
		v.CheckError = v.CheckError || x.CheckError
		clean = clean && x.Clean
	}
	v.Clean = v.Clean && clean && !v.Listed
	if v.Listed {
		v.ListedProviders = joinNames(names, lang) // "still listed by" them only
	}
}

// addChecks adds the DNS checks, in the notice's language, and what they
// say together.
func (v *view) addChecks(checks []Check) {
	answered, clean, noV6 := 0, 0, 0
	for _, c := range checks {
		meaning := c.Meaning
		if v.Lang == "ja" && c.MeaningJa != "" {
			meaning = c.MeaningJa
		}
		cv := checkView{
			Zone:    sanitize.Line(c.Zone, maxField),
			Status:  string(c.Status),
			Meaning: sanitize.Line(meaning, 200),
			TXT:     sanitize.Line(c.TXT, maxReply),
			Error:   sanitize.Line(c.Error, maxReply),
			Failure: string(c.Failure),
			NoIPv6:  c.NoIPv6 && c.Status == CheckClean,
		}
		switch c.Status {
		case CheckListed:
			v.Listed = true
			answered++
		case CheckClean:
			// A zone that lists no IPv6 addresses was not asked about an
			// IPv6 one: its "not listed" is no answer (as check's
			// report.CheckReport.Decided), and must not make the notice
			// say the address is not listed now.
			if cv.NoIPv6 {
				noV6++
				break
			}
			answered++
			clean++
		case CheckError:
			v.CheckError = true
		case CheckNoList:
		default:
			cv.Status = string(CheckError)
			v.CheckError = true
		}
		switch c.Failure {
		case FailureRefused, FailureDNS, FailureBadAnswer, FailureNoKey, FailureTimeout, FailureDeadZone:
		default:
			cv.Failure = string(FailureOther)
		}
		if cv.Status != string(CheckNoList) {
			v.Queried = true
		}
		v.Checks = append(v.Checks, cv)
	}
	v.Clean = answered > 0 && clean == answered
	v.NoIPv6Only = answered == 0 && noV6 > 0 && !v.Listed && !v.CheckError
}

// validPort accepts a port number, 1 to 65535.
func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n > 0 && n < 65536 && strconv.Itoa(n) == s
}

// validEnhanced accepts an RFC 3463 enhanced status code ("5.7.1").
func validEnhanced(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// validID accepts a catalog id: lower-case letters, digits, '-', '_', '.'.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// configFlag is what follows a command a notice prints so that it acts on
// the configuration at path ("" for the default): " --config PATH", the
// path in single quotes unless every character is one a shell takes as it
// is. ok is false for a path that cannot be shown on one line as it is.
func configFlag(path string) (flag string, ok bool) {
	switch {
	case path == "":
		return "", true
	case !utf8.ValidString(path) || sanitize.Line(path, 0) != path:
		return "", false
	case strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+,:@%") == "" && path[0] != '-':
		return " --config " + path, true
	}
	// In single quotes a POSIX shell takes every character as it is but
	// the quote itself, which closes, escapes and reopens: 'it'\''s'.
	return " --config '" + strings.ReplaceAll(path, "'", `'\''`) + "'", true
}

// shellWord accepts an incident id that can be pasted into a shell as it
// is: letters, digits, ".", "-", "_".
func shellWord(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// cleanList sanitises up to limit non-empty items and says how many were
// left out.
func cleanList(items []string, limit, maxLen int) ([]string, int) {
	var out []string
	more := 0
	for _, s := range items {
		if len(out) == limit {
			more++
			continue
		}
		if c := sanitize.Line(s, maxLen); c != "" {
			out = append(out, c)
		}
	}
	return out, more
}

// providerLinks returns the catalog's lookup and removal links with the
// validated target filled in. A link that needs the target is left out when
// there is no valid one, and so is anything but an http or https URL.
func providerLinks(p *classify.Provider, target string) (lookup, removal string) {
	link := func(tmpl string, fill func(string) string) string {
		if tmpl == "" || (target == "" && (strings.Contains(tmpl, "{ip}") || strings.Contains(tmpl, "{domain}"))) {
			return ""
		}
		return safeLink(fill(target))
	}
	return link(p.LookupURL, p.LookupLink), link(p.RemovalURL, p.RemovalLink)
}

// safeLink returns s when it is an absolute http(s) URL without spaces or
// control characters, else "".
func safeLink(s string) string {
	if !headerSafe(s) || len(s) > 500 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}

var fateNames = map[string]map[incident.Fate]string{
	"en": {
		incident.FateDelivered: "delivered later",
		incident.FateBounced:   "bounced to the sender",
		incident.FateExpired:   "expired in the queue and returned",
		incident.FateDeferred:  "still in the queue, being retried",
	},
	"ja": {
		incident.FateDelivered: "その後配送済み",
		incident.FateBounced:   "送信者に返送",
		incident.FateExpired:   "キューの保持期限切れで返送",
		incident.FateDeferred:  "キューで再送待ち",
	},
}

func fateName(lang string, f incident.Fate) string {
	if s, ok := fateNames[lang][f]; ok {
		return s
	}
	if lang == "ja" {
		return "不明"
	}
	return "unknown"
}

// formatTime renders a time for the body: "2026-03-14 09:26 UTC" in English,
// "2026/03/14 09:26 (JST)" in Japanese; "" for the zero time.
func formatTime(t time.Time, loc *time.Location, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	if lang == "ja" {
		return t.Format("2006/01/02 15:04 (MST)")
	}
	return t.Format("2006-01-02 15:04 MST")
}

// formatDuration renders a duration to the minute: "1 day 3 hours 5
// minutes", "1日3時間5分".
func formatDuration(d time.Duration, lang string) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		if lang == "ja" {
			return "1分未満"
		}
		return "less than a minute"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	if lang == "ja" {
		var b strings.Builder
		if days > 0 {
			fmt.Fprintf(&b, "%d日", days)
		}
		if hours > 0 {
			fmt.Fprintf(&b, "%d時間", hours)
		}
		if mins > 0 {
			fmt.Fprintf(&b, "%d分", mins)
		}
		return b.String()
	}
	var parts []string
	unit := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, "1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, many))
		}
	}
	unit(days, "day", "days")
	unit(hours, "hour", "hours")
	unit(mins, "minute", "minutes")
	return strings.Join(parts, " ")
}
