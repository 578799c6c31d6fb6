package classify

import (
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/rblwatch/rblwatch/internal/sanitize"
)

// Explanation is a verdict explained for a person, in one language: what
// the provider is, whether we are listed or the receiver is at fault, the
// lookup and removal pages with the listed address filled in, and what to
// do. It marshals to JSON with the verdict's fields at the top level.
//
// No part of it is copied from the reply text except Listed (a validated
// IP address or domain name) and the remote host and command from the log.
type Explanation struct {
	Verdict
	Lang         string `json:"lang"`
	ProviderName string `json:"provider_name,omitempty"`
	Kind         Kind   `json:"kind,omitempty"`
	ViaName      string `json:"via_name,omitempty"`
	// Status says in one sentence who is at fault: we are listed, the
	// receiver is misconfigured, or an unnamed list refused us. Empty for
	// replies that are not about a list.
	Status string `json:"status,omitempty"`
	// ViaNote says that the receiver only quoted another list.
	ViaNote string `json:"via_note,omitempty"`
	// Retry says whether Postfix retries (4xx) or bounced (5xx).
	Retry       string   `json:"retry,omitempty"`
	Meaning     string   `json:"meaning"`
	Steps       []string `json:"steps,omitempty"`
	LookupURL   string   `json:"lookup_url"`
	RemovalURL  string   `json:"removal_url"`
	RemovalTime string   `json:"removal_time,omitempty"`
	SelfService bool     `json:"self_service"`
	// Removal says how a listing ends: form, contact or none.
	Removal RemovalKind `json:"removal,omitempty"`
	// SelfServiceNote explains a list one does not ask to be removed from,
	// or one whose removal is asked for by contacting the provider.
	SelfServiceNote string `json:"self_service_note,omitempty"`
	// Role is who we are for the listed address (see Role), and RoleNote
	// says who files the removal for that role ("" for a dedicated
	// server); the steps follow the role.
	Role     Role   `json:"role"`
	RoleNote string `json:"role_note,omitempty"`
	// Historical is the provider's note when the list no longer operates
	// ("shut down on 5 June 2024"); Status then says what that means.
	Historical string `json:"historical,omitempty"`
	// FoundNote says in words how the provider was found (Verdict.Found):
	// named in the reply, inferred from a link, a code or the receiver's
	// mail host, or generic wording.
	FoundNote string `json:"found_note,omitempty"`
}

// FoundNote says in lang ("en" or "ja") how a provider was found
// (Verdict.Found: "named in the reply", "inferred from the receiver's mail
// host …"), as explain, the replay report and the notices say it; "" for
// no or an unknown value.
func (c *Catalog) FoundNote(found, lang string) string {
	if found == "" {
		return ""
	}
	t, ok := c.texts["found_"+found]
	if !ok {
		return ""
	}
	return t.Get(lang)
}

// Explain explains a verdict in lang ("en" or "ja"; anything else is
// English) for role (who files removals; "" is RoleDedicated): a customer
// of a hosting company is told to ask it rather than file, an operator of a
// shared address to find the customer behind a listing first.
func (c *Catalog) Explain(v Verdict, lang string, role Role) Explanation {
	if lang != "ja" {
		lang = "en"
	}
	if role == "" {
		role = RoleDedicated
	}
	e := Explanation{Verdict: v, Lang: lang, Role: role}
	// The remote host and command come from the log or a bounce: untrusted
	// text, shown in the text and JSON output alike.
	e.Remote = sanitize.Line(v.Remote, 254)
	e.Command = sanitize.Line(v.Command, 64)
	rule := c.rule(v.Rule)
	cat := c.categories[v.Category]
	p := c.byID[v.Provider]
	text := func(key string) string { return c.texts[key].Get(lang) }

	// Meaning and steps: the rule's, else the provider's, else the
	// category's.
	var meaning, advice Text
	if cat != nil {
		meaning, advice = cat.Meaning, cat.Advice
	}
	if p != nil {
		meaning, advice = p.Meaning, p.Advice
		if np := c.NamedList(v.List); p.ID == Unknown && np != nil {
			// The list the reply names, as the notices say it.
			meaning, advice = np.Meaning, np.Advice
		}
	}
	if rule != nil {
		if rule.Meaning.En != "" {
			meaning = rule.Meaning
		}
		if rule.Advice.En != "" {
			advice = rule.Advice
		}
	}
	e.Meaning = meaning.Get(lang)
	e.Steps = Steps(advice.Get(lang))
	if v.Code != 0 || v.Enhanced != "" {
		if v.Temporary && v.Code >= 500 {
			e.Retry = text("deferred_5xx")
		} else if v.Temporary {
			e.Retry = text("temporary")
		} else {
			e.Retry = text("permanent")
		}
	}
	if p == nil {
		return e
	}

	e.ProviderName = p.Name
	e.Kind = p.Kind
	e.FoundNote = c.FoundNote(v.Found, lang)
	switch {
	case p.ID == Unknown && v.List != "":
		// A list the reply names but the catalog does not know: shown
		// by its name (a validated DNS name), never as "unnamed".
		e.ProviderName = v.List
	case p.ID == Unknown:
		e.ProviderName = text("unnamed_provider") // in lang, as the notices say it
	}
	target := v.Listed
	if target == "" {
		target = text("our_address")
		if langOf(lang) == "ja" {
			// A phrase, not an address: no spaces around it in a
			// Japanese sentence ("判定により当方の送信元アドレスからの").
			text = func(key string) string {
				return strings.NewReplacer(" {target} ", "{target}", " {target}", "{target}", "{target} ", "{target}").Replace(c.texts[key].Get(lang))
			}
		}
	}
	via := c.byID[v.Via]
	if via != nil {
		e.ViaName = via.Name
	} else {
		e.ViaName = v.Via
	}
	fill := func(s string) string {
		return fillPlaceholders(s, "{provider}", p.Name, "{target}", target, "{via}", e.ViaName, "{note}", p.Historical)
	}

	switch {
	case p.Historical != "" && p.Kind == KindProprietary:
		// a receiver's own system or a filter that no longer runs: no
		// receiver's configuration names it (issue 14.3)
		e.Status = fill(text("historical_service"))
	case p.Historical != "":
		e.Status = fill(text("historical"))
	case v.ReceiverFault:
		e.Status = fill(text("receiver_fault"))
	case p.ID == Unknown && v.List != "" && v.Listed == "":
		e.Status = fillPlaceholders(text("listed_no_target"), "{provider}", v.List)
	case p.ID == Unknown && v.List != "":
		e.Status = fillPlaceholders(text("listed"), "{provider}", v.List, "{target}", target)
	case p.ID == Unknown:
		e.Status = fill(text("unknown_list"))
	case p.Kind == KindProprietary && v.Listed != "":
		e.Status = fill(text("reputation"))
	case p.Kind == KindProprietary:
		e.Status = fill(text("reputation_no_target"))
	case v.Listed != "":
		e.Status = fill(text("listed"))
	default:
		e.Status = fill(text("listed_no_target"))
	}
	switch {
	case v.Via == "":
	case p.ID == Unknown && v.List != "":
		e.ViaNote = fillPlaceholders(text("via"), "{provider}", v.List, "{via}", e.ViaName)
	case p.ID == Unknown:
		// A list the reply does not name may be the receiver's own:
		// nothing says it only quoted one (issue 12.6).
	case p.Historical != "":
		// A list that no longer operates takes no removal request: the
		// status says to ask the receiver to drop it (issue 12.7).
	default:
		e.ViaNote = fill(text("via"))
	}
	e.Historical = p.HistoricalNote(lang)
	e.LookupURL = p.LookupLink(v.Listed)
	if v.ReceiverFault || p.Historical != "" {
		return e
	}
	removal := p.RemovalURL
	if rule != nil && rule.RemovalURL != "" {
		removal = rule.RemovalURL
	}
	e.RemovalURL = fillTemplate(removal, v.Listed)
	e.RemovalTime = p.RemovalTime.Get(lang)
	kind := p.HowRemoved()
	e.SelfService = kind == RemovalForm
	e.Removal = kind
	if p.ID == Unknown {
		kind = RemovalForm
	}
	switch kind {
	case RemovalNone:
		e.SelfServiceNote = text("self_service_no")
	case RemovalContact:
		if role != RoleCustomer || v.Category != Blocklist {
			// A customer's note says who contacts the provider (the
			// hosting company): the general line would tell it to.
			e.SelfServiceNote = strings.ReplaceAll(text("removal_contact"), "{provider}", p.Name)
		}
	}
	if v.Category == Blocklist {
		e.RoleNote = role.NoteFor(lang, kind, p.Name)
		e.Steps = RoleSteps(role, lang, e.Steps)
	}
	return e
}

// CategoryNames returns the name of every category in lang ("en" or
// "ja"), as explain shows them; the report and the notices use the same
// words.
func CategoryNames(lang string) map[Category]string {
	return maps.Clone(categoryNames[langOf(lang)])
}

// rule returns the catalog rule with this id, or nil.
func (c *Catalog) rule(id string) *Rule {
	if id == "" {
		return nil
	}
	for _, r := range c.rules {
		if r.r.ID == id {
			return r.r
		}
	}
	return nil
}

var (
	categoryNames = map[string]map[Category]string{
		"en": {Blocklist: "block list", RateLimit: "rate limit", Content: "content", Auth: "sender authentication",
			Recipient: "recipient", Policy: "receiver policy", Greylist: "greylisting", TLS: "TLS", Network: "network", Other: "other"},
		"ja": {Blocklist: "ブロックリスト", RateLimit: "流量制限", Content: "メール内容", Auth: "送信ドメイン認証",
			Recipient: "宛先", Policy: "受信側ポリシー", Greylist: "グレーリスティング", TLS: "TLS", Network: "ネットワーク", Other: "その他"},
	}
	kindNames = map[string]map[Kind]string{
		"en": {KindDNSBL: "block list", KindProprietary: "reputation system"},
		"ja": {KindDNSBL: "ブロックリスト", KindProprietary: "独自のレピュテーション判定"},
	}
	// commandNames says in Japanese the SMTP stages Postfix names in
	// words ("in reply to end of DATA command", the greeting's
	// "CONNECT"); a command proper (RCPT TO, MAIL FROM) is quoted as is.
	commandNames = map[string]map[string]string{
		"ja": {"end of DATA": "DATA 終了時", "CONNECT": "接続時"},
	}
	labels = map[string]map[string]string{
		"en": {"provider": "Provider", "verdict": "Verdict", "listed": "Listed", "via": "Via", "remote": "Remote",
			"meaning": "What it means", "steps": "What to do", "lookup": "Lookup", "removal": "Removal",
			"removal_time": "Removal time", "role": "Who files the removal", "rule": "Rule",
			"temporary": "temporary", "permanent": "permanent", "none": "no block list involved",
			"sep": " (", "open": " (", "close": ")", "comma": ", ",
			"unnamed": "not named (the reply names no list)", "found": "How found",
			"not_in_catalog": "a block list rblwatch does not know"},
		"ja": {"provider": "提供元", "verdict": "判定", "listed": "登録アドレス", "via": "経由", "remote": "受信側サーバー",
			"meaning": "意味", "steps": "対処方法", "lookup": "確認ページ", "removal": "解除申請",
			"removal_time": "解除までの目安", "role": "解除申請について", "rule": "ルール",
			"temporary": "一時的", "permanent": "恒久的", "none": "ブロックリストは関係していません",
			"sep": "（", "open": "（", "close": "）", "comma": "、",
			"unnamed": "不明（拒否メッセージにリスト名の記載なし）", "found": "判定の根拠",
			"not_in_catalog": "rblwatch のカタログにないブロックリスト"},
	}
)

// WriteText writes the explanation for a person, with labels in lang
// ("en" or "ja").
func (e Explanation) WriteText(w io.Writer, lang string) error {
	if lang != "ja" {
		lang = "en"
	}
	l := labels[lang]
	var b strings.Builder
	field := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", label, value)
		}
	}
	if e.Provider == Unknown && e.List != "" {
		field(l["provider"], e.List+l["sep"]+l["not_in_catalog"]+l["close"])
	} else if e.Provider == Unknown {
		field(l["provider"], l["unnamed"])
	} else if e.ProviderName != "" {
		field(l["provider"], e.ProviderName+l["sep"]+kindNames[lang][e.Kind]+l["close"])
	} else {
		field(l["provider"], l["none"])
	}
	verdict := categoryNames[lang][e.Category]
	if e.Code != 0 || e.Enhanced != "" {
		kind := l["permanent"]
		if e.Temporary {
			kind = l["temporary"]
		}
		code := strings.TrimSpace(strings.TrimPrefix(fmt.Sprintf("%d %s", e.Code, e.Enhanced), "0 "))
		verdict = verdict + l["comma"] + kind + l["open"] + code + l["close"]
	}
	field(l["verdict"], verdict)
	field(l["listed"], e.Listed)
	field(l["via"], e.ViaName)
	field(l["found"], e.FoundNote)
	remote := sanitize.Line(e.Remote, 254)
	if remote != "" && e.Command != "" {
		cmd := sanitize.Line(e.Command, 64)
		if s := commandNames[lang][cmd]; s != "" {
			cmd = s
		}
		remote += l["open"] + cmd + l["close"]
	}
	field(l["remote"], remote)
	b.WriteByte('\n')
	for _, s := range []string{e.Status, e.ViaNote, e.Retry} {
		if s != "" {
			b.WriteString(s + "\n")
		}
	}
	if e.Status != "" || e.ViaNote != "" || e.Retry != "" {
		b.WriteByte('\n')
	}
	if e.Meaning != "" {
		fmt.Fprintf(&b, "%s:\n  %s\n\n", l["meaning"], e.Meaning)
	}
	if e.RoleNote != "" {
		fmt.Fprintf(&b, "%s:\n  %s\n\n", l["role"], e.RoleNote)
	}
	if len(e.Steps) > 0 || e.SelfServiceNote != "" {
		fmt.Fprintf(&b, "%s:\n", l["steps"])
		if e.SelfServiceNote != "" {
			fmt.Fprintf(&b, "  %s\n", e.SelfServiceNote)
		}
		for i, s := range e.Steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s)
		}
		b.WriteByte('\n')
	}
	field(l["lookup"], e.LookupURL)
	field(l["removal"], e.RemovalURL)
	field(l["removal_time"], e.RemovalTime)
	field(l["rule"], e.Rule)
	_, err := io.WriteString(w, b.String())
	return err
}

// fillPlaceholders replaces each old of pairs (old, new, …) in s by its
// new, as strings.NewReplacer(pairs...).Replace does for olds that start
// with '{' and none of which is the prefix of another, without building a
// Replacer (which cost more than the rest of Explain; a replay explains
// every incident).
func fillPlaceholders(s string, pairs ...string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 32)
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '{')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		matched := false
		for k := 0; k+1 < len(pairs); k += 2 {
			if strings.HasPrefix(s[i:], pairs[k]) {
				b.WriteString(pairs[k+1])
				i += len(pairs[k])
				matched = true
				break
			}
		}
		if !matched {
			b.WriteByte('{')
			i++
		}
	}
	return b.String()
}
