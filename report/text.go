package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/bounded"
	"github.com/rblwatch/rblwatch/pipeline"
	"golang.org/x/text/width"
)

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, rep *Report) error { return writeJSON(w, rep, builtList(rep)) }

// labels holds the words of the text and HTML reports in one language.
type labels struct {
	Title, Files, Period, Lines, Delivery, Failures, NoIncidents, Incidents string
	FirstSeen, LastSeen, ClearedAt, Duration, Affected, Domains, Remotes    string
	Reply, Meaning, Lookup, Removal, Status, Fates, Evidence, Timeline      string
	Ongoing, Cleared, ReceiverFault, Via, Historical, Summary               string
	// Found: how the provider was found (Incident.FoundNote).
	Found                       string
	Steps, RemovalTime, Skipped string
	// NotShown stands for the listed address when no reply showed one;
	// Stdin for the file "-".
	NotShown, Stdin string
	// WhoSent and Logins, Senders, Clients name who sent the refused
	// mail; MessagesList the refused messages; MoreFmt (count) the rest.
	WhoSent, Logins, Senders, Clients, MessagesList, MoreFmt, OthersFmt string
	// Sep separates the items of a list of words (failure categories,
	// fates): ", " in English, "、" in Japanese.
	Sep string
	// Folded and FoldedFmt (refusals, the caps) tell what was folded
	// (Report.Folded).
	Folded, FoldedFmt string
	// Bounded, BoundedQueueFmt (queue ids, the cap) and BoundedDistinctFmt
	// (recipients, the cap) tell what the tracker forgot or did not tell
	// apart (Report.EvictedQueueIDs, Report.UntoldRecipients).
	Bounded, BoundedQueueFmt, BoundedDistinctFmt string
	// Redated and RedatedFmt (lines without a trustworthy time, lines a
	// day ahead of the log around them) tell what the clock dated
	// otherwise (Report.Redated).
	Redated, RedatedFmt string
	// RedatedUntimedFmt and RedatedAheadFmt say one kind when the other
	// counts none.
	RedatedUntimedFmt, RedatedAheadFmt string
	// SkippedTooLongFmt (overlong lines, the limit) and SkippedOutsideFmt
	// (lines outside the window) say what was skipped, joined by Sep.
	SkippedTooLongFmt, SkippedOutsideFmt string

	// Formats: LinesFmt (read, unparsed, foreign), DeliveryFmt (delivered,
	// deferrals, bounced, expired), AffectedFmt (messages, recipients,
	// bounced, deferrals), IncidentsFmt (all, ongoing, cleared), SummaryFmt
	// (incidents, ongoing, messages), FateFmt (count, fate word).
	LinesFmt, DeliveryFmt, AffectedFmt, IncidentsFmt, SummaryFmt, FateFmt string

	Fate     map[string]string // fate word per incident.Fate
	Category map[string]string // category name per classify.Category; absent: the id
	duration func(time.Duration) string
}

var words = map[string]labels{
	"en": {
		NotShown: "address not shown", Stdin: "standard input",
		Title: "rblwatch replay", Files: "Files", Period: "Period", Lines: "Lines", Delivery: "Delivery",
		Failures: "Failures", NoIncidents: "No blocklist incidents: no reply in these logs blames a reputation or block list.",
		Incidents: "Incidents", FirstSeen: "First seen", LastSeen: "Last seen", ClearedAt: "Cleared",
		Duration: "Duration", Affected: "Affected", Domains: "Domains", Remotes: "Remote hosts", Reply: "Reply",
		Meaning: "Meaning", Lookup: "Look up", Removal: "Removal", Status: "Status", Fates: "Fate",
		Evidence: "Evidence", Timeline: "Timeline", Ongoing: "ongoing", Cleared: "cleared",
		ReceiverFault: "The receiver is at fault: the list refuses its DNS resolver; we are not listed.",
		Via:           "Reported by", Historical: "No longer operates", Summary: "Summary", Found: "How found",
		WhoSent: "Who sent it", Logins: "SASL logins", Senders: "senders", Clients: "clients",
		MessagesList: "Messages", MoreFmt: "and %d more", OthersFmt: "others (%d)",
		Steps: "What to do", RemovalTime: "Removal time", Skipped: "Skipped", Sep: ", ",
		Folded:             "Folded",
		Bounded:            "Bounded",
		BoundedQueueFmt:    "%v forgotten, the least recently seen first, past the %d held at once: their removal was not logged, and their messages' later fates are not counted",
		BoundedDistinctFmt: "%v counted as new past the %d told apart: recipient and domain counts are upper bounds",
		FoldedFmt:          "%v counted with no listed address: a receiver named more than %d addresses that are not ours, or the receivers together more than %d",
		Redated:            "Redated",
		RedatedFmt:         "%v with no time, or one before 2000, and %v dated after the log file was last written, read at the time of the line before",
		RedatedUntimedFmt:  "%v with no time, or one before 2000, read at the time of the line before",
		RedatedAheadFmt:    "%v dated after the log file was last written, read at the time of the line before",
		LinesFmt:           "%d read, %d unparsed, %d from other programs",
		SkippedTooLongFmt:  "%v (over %s)",
		SkippedOutsideFmt:  "%d outside --since/--until",
		DeliveryFmt:        "%d delivered, %v, %d bounced, %d expired",
		AffectedFmt:        "%v, %v (%d bounced, %v)",
		IncidentsFmt:       "%v (%d ongoing, %d cleared)",
		SummaryFmt:         "%v, %d still ongoing at the end of the log; %v affected.",
		FateFmt:            "%d %s",
		Fate:               map[string]string{"delivered": "delivered later", "bounced": "bounced", "expired": "expired", "deferred": "still queued"},
		duration:           durationEn,
	},
	"ja": {
		NotShown: "アドレスの記載なし", Stdin: "標準入力",
		Title: "rblwatch 監査レポート", Files: "ファイル", Period: "期間", Lines: "行数", Delivery: "配送",
		Failures: "失敗の内訳", NoIncidents: "ブロックリストによる障害はありません。このログには評価サービスやブロックリストを理由とする拒否はありません。",
		Incidents: "障害", FirstSeen: "最初の検出", LastSeen: "最後の検出", ClearedAt: "解消",
		Duration: "継続時間", Affected: "影響", Domains: "宛先ドメイン", Remotes: "相手サーバー", Reply: "応答",
		Meaning: "意味", Lookup: "登録状況の確認", Removal: "解除申請", Status: "状態", Fates: "メールの行方",
		Evidence: "ログ", Timeline: "経過", Ongoing: "継続中", Cleared: "解消済み",
		ReceiverFault: "受信側の問題です。受信サーバーの DNS リゾルバーがリストに拒否されています。当方は登録されていません。",
		WhoSent:       "送信者", Logins: "認証ユーザー", Senders: "差出人", Clients: "送信元ホスト",
		MessagesList: "メール", MoreFmt: "ほか %d 件", OthersFmt: "その他 (%d)",
		Via: "経由", Historical: "運用終了", Summary: "概要", Found: "判定の根拠",
		Steps: "対処方法", RemovalTime: "解除までの目安", Skipped: "スキップ", Sep: "、",
		Folded:             "集約",
		Bounded:            "上限",
		BoundedQueueFmt:    "キュー ID %[1]d 件を、同時に保持する %[2]d 件を超えたため、最後に見た時刻の古いものから破棄しました（削除がログになく、その後のメールの行方は集計していません）",
		BoundedDistinctFmt: "宛先・宛先ドメイン %[1]d 件を、区別できる %[2]d 件を超えたため新規として数えました（宛先数・ドメイン数は上限値です）",
		FoldedFmt:          "拒否 %[1]d 件を登録アドレスなしとして集計しました（当方以外のアドレスを、1 つの受信側が %[2]d 件を超えて、または受信側全体で %[3]d 件を超えて示したもの）",
		Redated:            "時刻の補正",
		RedatedFmt:         "時刻のない行・2000年より前の時刻の行 %d 行と、ログファイルの最終更新より後の時刻の行 %d 行を、直前の行の時刻として扱いました",
		RedatedUntimedFmt:  "時刻のない行・2000年より前の時刻の行 %d 行を、直前の行の時刻として扱いました",
		RedatedAheadFmt:    "ログファイルの最終更新より後の時刻の行 %d 行を、直前の行の時刻として扱いました",
		LinesFmt:           "%d 行を読み込み（解析不能 %d 行、他のプログラム %d 行）",
		SkippedTooLongFmt:  "長すぎる行 %d 行（%s 超）",
		SkippedOutsideFmt:  "期間外 %d 行",
		DeliveryFmt:        "配送済み %d 件、遅延 %d 回、返送 %d 件、期限切れ %d 件",
		AffectedFmt:        "メール %d 通、宛先 %d 件（返送 %d 件、遅延 %d 回）",
		IncidentsFmt:       "障害 %d 件（継続中 %d 件、解消済み %d 件）",
		SummaryFmt:         "ブロックリストによる障害 %d 件、うちログの最後の時点で継続中 %d 件。影響を受けたメール %d 通。",
		FateFmt:            "%[2]s %[1]d 通",
		Fate:               map[string]string{"delivered": "その後配送済み", "bounced": "返送", "expired": "期限切れで返送", "deferred": "キューで再送待ち"},
		Category:           categoryWords("ja"),
		duration:           durationJa,
	},
}

// counted is a count with its English noun: "%v" writes "1 deferral" or
// "5 deferrals" (the English formats), "%d" the number alone (the Japanese
// ones, whose counters follow the number in the format).
type counted struct {
	n         int64
	one, many string
}

func (c counted) Format(f fmt.State, verb rune) {
	var b [24]byte
	f.Write(strconv.AppendInt(b[:0], c.n, 10))
	if verb != 'd' {
		io.WriteString(f, " ")
		io.WriteString(f, plural(int(min(c.n, 2)), c.one, c.many))
	}
}

// affectedText is an incident's counts in words (AffectedFmt).
func affectedText(inc Incident, l labels) string { return string(appendAffected(nil, &inc, l)) }

// appendAffected appends affectedText.
func appendAffected(b []byte, inc *Incident, l labels) []byte {
	return fmt.Appendf(b, l.AffectedFmt, counted{int64(inc.Messages), "message", "messages"}, counted{int64(inc.Recipients), "recipient", "recipients"},
		inc.Bounced, counted{int64(inc.Deferred), "deferral", "deferrals"})
}

// categoryWords are explain's names of the categories (classify), so that
// the report and explain use the same words.
func categoryWords(lang string) map[string]string {
	out := map[string]string{}
	for c, name := range classify.CategoryNames(lang) {
		out[string(c)] = name
	}
	return out
}

func wordsFor(lang string) labels {
	if l, ok := words[lang]; ok {
		return l
	}
	return words["en"]
}

// counts returns how many incidents are ongoing and cleared, and the affected messages.
func (rep *Report) counts() (ongoing, cleared, messages int) {
	for _, inc := range rep.Incidents {
		if inc.Status == "cleared" {
			cleared++
		} else {
			ongoing++
		}
		messages += inc.Messages
	}
	return
}

// skippedText says what was skipped: overlong lines and lines outside
// --since/--until, each kind only when it counts some; "" when nothing was.
func skippedText(rep *Report, l labels) string {
	var parts []string
	if rep.TooLong > 0 {
		parts = append(parts, fmt.Sprintf(l.SkippedTooLongFmt, counted{rep.TooLong, "overlong line", "overlong lines"}, bounded.Size(pipeline.MaxLine)))
	}
	if rep.Skipped > 0 {
		parts = append(parts, fmt.Sprintf(l.SkippedOutsideFmt, rep.Skipped))
	}
	return strings.Join(parts, l.Sep)
}

const timeLayout = "2006-01-02 15:04:05 -0700"

// boundedText tells what Report.EvictedQueueIDs and
// Report.UntoldRecipients count ("" for nothing).
func boundedText(rep *Report, l labels) string {
	var parts []string
	if rep.EvictedQueueIDs > 0 {
		parts = append(parts, fmt.Sprintf(l.BoundedQueueFmt, counted{rep.EvictedQueueIDs, "queue id", "queue ids"}, incident.MaxQueueIDs))
	}
	if rep.UntoldRecipients > 0 {
		parts = append(parts, fmt.Sprintf(l.BoundedDistinctFmt, counted{rep.UntoldRecipients, "recipient or domain", "recipients and domains"}, incident.MaxDistinct))
	}
	return strings.Join(parts, l.Sep)
}

// redatedText tells what Report.Redated counts ("" for nothing).
func redatedText(rep *Report, l labels) string {
	untimed, ahead := rep.Redated["untimed"], rep.Redated["ahead"]
	if untimed == 0 && ahead == 0 {
		return ""
	}
	switch {
	case ahead == 0:
		return fmt.Sprintf(l.RedatedUntimedFmt, counted{untimed, "line", "lines"})
	case untimed == 0:
		return fmt.Sprintf(l.RedatedAheadFmt, counted{ahead, "line", "lines"})
	}
	return fmt.Sprintf(l.RedatedFmt, counted{untimed, "line", "lines"}, counted{ahead, "line", "lines"})
}

// textOut is a text report being written: its lines are appended to b,
// which is written out whenever it holds flushText bytes. A dense log's
// report is megabytes, and made whole (by a strings.Builder that doubled
// as it grew, each line of it formatted into strings of its own first) it
// was garbage enough to keep the collector running as the replay ended.
type textOut struct {
	w   io.Writer
	b   []byte
	err error // the first write's error; nothing is written after it
}

// flushText is how much of the text textOut holds before writing it.
const flushText = 64 << 10

func (t *textOut) flush() {
	if t.err == nil && len(t.b) > 0 {
		_, t.err = t.w.Write(t.b)
	}
	t.b = t.b[:0]
}

// field starts a line of an incident: its label, padded to a column.
func (t *textOut) field(label string) {
	t.b = append(t.b, "    "...)
	t.b = appendPad(t.b, label, 14)
	t.b = append(t.b, ' ')
}

// fieldText writes a line of an incident: its label and s.
func (t *textOut) fieldText(label, s string) {
	t.field(label)
	t.b = append(t.b, s...)
	t.b = append(t.b, '\n')
}

// fieldTime writes a line of an incident: its label and the time.
func (t *textOut) fieldTime(label string, at time.Time) {
	t.field(label)
	t.b = at.AppendFormat(t.b, timeLayout)
	t.b = append(t.b, '\n')
}

// fieldf writes a line of an incident: its label, then format with a.
func (t *textOut) fieldf(label, format string, a ...any) {
	t.field(label)
	t.b = fmt.Appendf(t.b, format, a...)
	t.b = append(t.b, '\n')
}

// WriteText writes the report for a terminal or an email.
func WriteText(w io.Writer, rep *Report, lang string) error {
	return writeText(w, rep, lang, builtList(rep))
}

// writeText writes rep, its incidents those of list, as WriteText does.
func writeText(w io.Writer, rep *Report, lang string, list incidentList) error {
	l := wordsFor(lang)
	t := &textOut{w: w, b: make([]byte, 0, flushText+flushText/4)}
	line := func(label, format string, a ...any) {
		t.b = appendPad(t.b, label+":", 10)
		t.b = append(t.b, ' ')
		t.b = fmt.Appendf(t.b, format, a...)
		t.b = append(t.b, '\n')
	}
	t.b = append(t.b, l.Title+"\n\n"...)
	if len(rep.Files) > 0 {
		line(l.Files, "%s", clean(strings.Join(fileNames(rep.Files, l), ", ")))
	}
	if rep.First != nil && rep.Last != nil {
		line(l.Period, "%s → %s", rep.First.Format(timeLayout), rep.Last.Format(timeLayout))
	}
	line(l.Lines, l.LinesFmt, rep.Lines, rep.Unparsed, rep.Foreign)
	if s := skippedText(rep, l); s != "" {
		line(l.Skipped, "%s", s)
	}
	line(l.Delivery, l.DeliveryFmt, rep.Totals.Delivered, counted{rep.Totals.Deferred, "deferral", "deferrals"}, rep.Totals.Bounced, rep.Totals.Expired)
	if len(rep.Failures) > 0 {
		line(l.Failures, "%s", failureList(rep.Failures, l))
	}
	if c := rep.FoldedBy; c != nil {
		line(l.Folded, l.FoldedFmt, counted{rep.Folded, "refusal", "refusals"}, c.PerReceiver, c.ForeignAddresses)
	}
	if s := boundedText(rep, l); s != "" {
		line(l.Bounded, "%s", s)
	}
	if s := redatedText(rep, l); s != "" {
		line(l.Redated, "%s", s)
	}
	ongoing, cleared, _ := list.counts()
	n := list.len()
	t.b = append(t.b, '\n')
	if n == 0 {
		t.b = append(t.b, l.NoIncidents+"\n"...)
	} else {
		t.b = fmt.Appendf(t.b, l.IncidentsFmt+"\n", counted{int64(n), "incident", "incidents"}, ongoing, cleared)
	}
	b, slot := list.newBuilder(), new(Incident)
	for i := range n {
		t.incident(i+1, list.at(i, b, slot), l)
		if len(t.b) >= flushText {
			t.flush()
		}
	}
	t.flush()
	return t.err
}

// fileNames names the files read, "-" as standard input.
func fileNames(files []string, l labels) []string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f
		if f == "-" {
			names[i] = l.Stdin
		}
	}
	return names
}

// incident writes inc, the report's nth incident.
func (t *textOut) incident(n int, inc *Incident, l labels) {
	status := l.Ongoing
	if inc.Status == "cleared" {
		status = l.Cleared
	}
	listed := inc.Listed
	if listed == "" {
		listed = l.NotShown
	}
	t.b = append(t.b, "\n["...)
	t.b = strconv.AppendInt(t.b, int64(n), 10)
	t.b = append(t.b, "] "...)
	t.b = append(t.b, clean(inc.ProviderName)...)
	t.b = append(t.b, " — "...)
	t.b = append(t.b, clean(listed)...)
	t.b = append(t.b, " — "...)
	t.b = append(t.b, status...)
	t.b = append(t.b, '\n')
	t.fieldTime(l.FirstSeen, inc.FirstSeen)
	t.fieldTime(l.LastSeen, inc.LastSeen)
	if inc.ClearedAt != nil {
		t.fieldTime(l.ClearedAt, *inc.ClearedAt)
		t.fieldText(l.Duration, l.duration(inc.ClearedAt.Sub(inc.FirstSeen)))
	}
	t.field(l.Affected)
	t.b = append(appendAffected(t.b, inc, l), '\n')
	if len(inc.Fates) > 0 {
		t.field(l.Fates)
		t.b = append(appendFates(t.b, inc.Fates, l), '\n')
	}
	label := l.WhoSent
	for _, who := range whoKinds(&inc.Senders, l) {
		if len(who.counts) > 0 {
			t.field(label)
			t.b = append(who.appendTo(t.b, l), '\n')
			label = ""
		}
	}
	for i := range inc.AffectedMessages[:min(len(inc.AffectedMessages), maxShown)] {
		label := ""
		if i == 0 {
			label = l.MessagesList
		}
		t.field(label)
		t.b = append(appendMessage(t.b, &inc.AffectedMessages[i], l), '\n')
	}
	if n := inc.Messages - min(len(inc.AffectedMessages), maxShown); n > 0 && len(inc.AffectedMessages) > 0 {
		t.fieldf("", l.MoreFmt, n)
	}
	if len(inc.Domains) > 0 {
		t.field(l.Domains)
		t.b = append(appendJoinClean(t.b, inc.Domains, ", "), '\n')
		if inc.MoreDomains > 0 {
			t.fieldf("", l.MoreFmt, inc.MoreDomains)
		}
	}
	if len(inc.Remotes) > 0 {
		t.field(l.Remotes)
		t.b = append(appendJoinClean(t.b, inc.Remotes, ", "), '\n')
	}
	if inc.Via != "" {
		t.fieldText(l.Via, clean(cmp.Or(inc.ViaName, inc.Via)))
	}
	if inc.FoundNote != "" {
		t.fieldText(l.Found, clean(inc.FoundNote))
	}
	if inc.Reply != "" {
		t.fieldText(l.Reply, clean(inc.Reply))
	}
	if inc.ReceiverFault {
		t.fieldText("", l.ReceiverFault)
	}
	if inc.Historical != "" {
		t.fieldText(l.Historical, clean(inc.Historical))
	}
	if inc.Meaning != "" {
		t.fieldText(l.Meaning, clean(inc.Meaning))
	}
	if inc.LookupURL != "" {
		t.fieldText(l.Lookup, clean(inc.LookupURL))
	}
	if inc.RemovalURL != "" {
		t.fieldText(l.Removal, clean(inc.RemovalURL))
	}
	if inc.RemovalTime != "" {
		t.fieldText(l.RemovalTime, clean(inc.RemovalTime))
	}
	if inc.RoleNote != "" {
		t.fieldText("", clean(inc.RoleNote))
	}
	for i, step := range inc.Steps {
		label := ""
		if i == 0 {
			label = l.Steps
		}
		t.field(label)
		t.b = strconv.AppendInt(t.b, int64(i+1), 10)
		t.b = append(t.b, ". "...)
		t.b = append(t.b, clean(step)...)
		t.b = append(t.b, '\n')
	}
}

// whoLines says who sent an incident's mail: a line each for the SASL
// logins, the envelope senders and the clients, with counts.
func whoLines(w incident.Who, l labels) []string {
	var out []string
	for _, who := range whoKinds(&w, l) {
		if len(who.counts) > 0 {
			out = append(out, string(who.appendTo(nil, l)))
		}
	}
	return out
}

// whoKind is one list of who sent an incident's mail (whoLines).
type whoKind struct {
	name   string
	counts []incident.Count
	more   int
	angled bool // names in angle brackets: envelope senders
}

// whoKinds are the lists of w, in the order whoLines shows them.
func whoKinds(w *incident.Who, l labels) [3]whoKind {
	return [3]whoKind{{l.Logins, w.Logins, w.MoreLogins, false}, {l.Senders, w.Senders, w.MoreSenders, true}, {l.Clients, w.Clients, w.MoreClients, false}}
}

// appendTo appends k as its line of whoLines says it.
func (k *whoKind) appendTo(b []byte, l labels) []byte {
	b = append(b, k.name...)
	b = append(b, ": "...)
	for i, c := range k.counts {
		if i > 0 {
			b = append(b, l.Sep...)
		}
		if k.angled {
			b = append(b, '<')
		}
		b = append(b, clean(c.Name)...)
		if k.angled {
			b = append(b, '>')
		}
		b = append(b, " ("...)
		b = strconv.AppendInt(b, int64(c.Messages), 10)
		b = append(b, ')')
	}
	if k.more > 0 {
		b = append(b, l.Sep...)
		b = fmt.Appendf(b, l.OthersFmt, k.more)
	}
	return b
}

// messageLine shows one refused message: its queue ids, sender, SASL
// login and client, recipients and fate.
func messageLine(m Message, l labels) string { return string(appendMessage(nil, &m, l)) }

// appendMessage appends messageLine.
func appendMessage(b []byte, m *Message, l labels) []byte {
	b = appendJoinClean(b, m.QueueIDs, " > ")
	if m.From != nil {
		b = append(b, " <"...)
		b = append(b, clean(*m.From)...)
		b = append(b, '>')
	}
	if m.Login != "" || m.Client != "" {
		b = append(b, " ("...)
		if m.Login != "" {
			b = append(b, clean(m.Login)...)
			if m.Client != "" {
				b = append(b, ", "...)
			}
		}
		if m.Client != "" {
			b = append(b, clean(m.Client)...)
		}
		b = append(b, ')')
	}
	b = append(b, " → "...)
	rcpts := m.Recipients
	b = appendJoinClean(b, rcpts[:min(len(rcpts), 3)], ", ")
	if len(rcpts) > 3 {
		b = append(b, ", "...)
		b = fmt.Appendf(b, l.MoreFmt, len(rcpts)-3)
	}
	b = append(b, ": "...)
	if f, ok := l.Fate[m.Fate]; ok && f != "" {
		return append(b, f...)
	}
	return append(b, clean(m.Fate)...)
}

// appendJoinClean appends clean(strings.Join(list, sep)), without making
// the joined text when each item shows as it is (clean(item) == item) and
// neither end is empty: the joined text then shows as it is too (sep is
// plain text between the items, so each item's runes, marks and the
// spaces around them are its own).
func appendJoinClean(b []byte, list []string, sep string) []byte {
	plain := len(list) <= 1 || list[0] != "" && list[len(list)-1] != ""
	for i := 0; plain && i < len(list); i++ {
		plain = clean(list[i]) == list[i]
	}
	if !plain {
		return append(b, clean(strings.Join(list, sep))...)
	}
	for i, s := range list {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, s...)
	}
	return b
}

// failureList lists the failure counts, largest first.
func failureList(m map[string]int64, l labels) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", cmp.Or(l.Category[k], k), m[k])
	}
	return strings.Join(parts, l.Sep)
}

var fateOrder = []string{"delivered", "deferred", "bounced", "expired"}

func fateList(m map[string]int, l labels) string { return string(appendFates(nil, m, l)) }

// appendFates appends fateList.
func appendFates(b []byte, m map[string]int, l labels) []byte {
	first := true
	for _, f := range fateOrder {
		if n := m[f]; n > 0 {
			if !first {
				b = append(b, l.Sep...)
			}
			first = false
			b = fmt.Appendf(b, l.FateFmt, n, l.Fate[f])
		}
	}
	return b
}

// pad pads s with spaces to n terminal columns, counting East Asian wide
// characters as two.
func pad(s string, n int) string { return string(appendPad(nil, s, n)) }

// appendPad appends s padded as pad pads it.
func appendPad(b []byte, s string, n int) []byte {
	b = append(b, s...)
	for w := columns(s); w < n; w++ {
		b = append(b, ' ')
	}
	return b
}

// columns is how many terminal columns s takes, East Asian wide characters
// two each.
func columns(s string) int {
	w := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			w = 0
			for _, r := range s {
				switch width.LookupRune(r).Kind() {
				case width.EastAsianWide, width.EastAsianFullwidth:
					w += 2
				default:
					w++
				}
			}
			return w
		}
	}
	return len(s)
}

// durationEn writes a duration as "2h 5m", "30m", "45s" or "3d 4h".
func durationEn(d time.Duration) string {
	return humanDuration(d, [4]string{"d", "h", "m", "s"}, " ")
}

// durationJa writes a duration as "2時間5分", "30分", "45秒" or "3日4時間".
func durationJa(d time.Duration) string {
	return humanDuration(d, [4]string{"日", "時間", "分", "秒"}, "")
}

// humanDuration writes d in its largest unit (days, hours, minutes,
// seconds) and the next one when that is not zero: "2h", "2h 5m".
func humanDuration(d time.Duration, units [4]string, sep string) string {
	d = d.Round(time.Second).Abs()
	n := [4]int64{
		int64(d / (24 * time.Hour)),
		int64(d % (24 * time.Hour) / time.Hour),
		int64(d % time.Hour / time.Minute),
		int64(d % time.Minute / time.Second),
	}
	for i := range n {
		if n[i] == 0 {
			continue
		}
		out := fmt.Sprintf("%d%s", n[i], units[i])
		if i < 3 && n[i+1] != 0 {
			out += sep + fmt.Sprintf("%d%s", n[i+1], units[i+1])
		}
		return out
	}
	return "0" + units[3]
}
