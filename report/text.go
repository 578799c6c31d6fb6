package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/bounded"
	"github.com/rblwatch/rblwatch/pipeline"
	"golang.org/x/text/width"
)

// WriteJSON writes the report as one indented JSON document.
func WriteJSON(w io.Writer, rep *Report) error { return writeJSON(w, rep) }

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
	if verb == 'd' {
		fmt.Fprint(f, c.n)
		return
	}
	fmt.Fprintf(f, "%d %s", c.n, plural(int(min(c.n, 2)), c.one, c.many))
}

// affectedText is an incident's counts in words (AffectedFmt).
func affectedText(inc Incident, l labels) string {
	return fmt.Sprintf(l.AffectedFmt, counted{int64(inc.Messages), "message", "messages"}, counted{int64(inc.Recipients), "recipient", "recipients"},
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

// WriteText writes the report for a terminal or an email.
func WriteText(w io.Writer, rep *Report, lang string) error {
	l := wordsFor(lang)
	var b strings.Builder
	line := func(label, format string, a ...any) {
		fmt.Fprintf(&b, "%s %s\n", pad(label+":", 10), fmt.Sprintf(format, a...))
	}
	b.WriteString(l.Title + "\n\n")
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
	ongoing, cleared, _ := rep.counts()
	b.WriteString("\n")
	if len(rep.Incidents) == 0 {
		b.WriteString(l.NoIncidents + "\n")
	} else {
		fmt.Fprintf(&b, l.IncidentsFmt+"\n", counted{int64(len(rep.Incidents)), "incident", "incidents"}, ongoing, cleared)
	}
	for i, inc := range rep.Incidents {
		writeIncident(&b, i+1, inc, l)
	}
	_, err := io.WriteString(w, b.String())
	return err
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

func writeIncident(b *strings.Builder, n int, inc Incident, l labels) {
	status := l.Ongoing
	if inc.Status == "cleared" {
		status = l.Cleared
	}
	listed := inc.Listed
	if listed == "" {
		listed = l.NotShown
	}
	fmt.Fprintf(b, "\n[%d] %s — %s — %s\n", n, clean(inc.ProviderName), clean(listed), status)
	field := func(label, format string, a ...any) {
		fmt.Fprintf(b, "    %s %s\n", pad(label, 14), fmt.Sprintf(format, a...))
	}
	field(l.FirstSeen, "%s", inc.FirstSeen.Format(timeLayout))
	field(l.LastSeen, "%s", inc.LastSeen.Format(timeLayout))
	if inc.ClearedAt != nil {
		field(l.ClearedAt, "%s", inc.ClearedAt.Format(timeLayout))
		field(l.Duration, "%s", l.duration(inc.ClearedAt.Sub(inc.FirstSeen)))
	}
	field(l.Affected, "%s", affectedText(inc, l))
	if len(inc.Fates) > 0 {
		field(l.Fates, "%s", fateList(inc.Fates, l))
	}
	for i, w := range whoLines(inc.Senders, l) {
		label := ""
		if i == 0 {
			label = l.WhoSent
		}
		field(label, "%s", w)
	}
	for i, m := range inc.AffectedMessages[:min(len(inc.AffectedMessages), maxShown)] {
		label := ""
		if i == 0 {
			label = l.MessagesList
		}
		field(label, "%s", messageLine(m, l))
	}
	if n := inc.Messages - min(len(inc.AffectedMessages), maxShown); n > 0 && len(inc.AffectedMessages) > 0 {
		field("", l.MoreFmt, n)
	}
	if len(inc.Domains) > 0 {
		field(l.Domains, "%s", clean(strings.Join(inc.Domains, ", ")))
		if inc.MoreDomains > 0 {
			field("", l.MoreFmt, inc.MoreDomains)
		}
	}
	if len(inc.Remotes) > 0 {
		field(l.Remotes, "%s", clean(strings.Join(inc.Remotes, ", ")))
	}
	if inc.Via != "" {
		field(l.Via, "%s", clean(cmp.Or(inc.ViaName, inc.Via)))
	}
	if inc.FoundNote != "" {
		field(l.Found, "%s", clean(inc.FoundNote))
	}
	if inc.Reply != "" {
		field(l.Reply, "%s", clean(inc.Reply))
	}
	if inc.ReceiverFault {
		field("", "%s", l.ReceiverFault)
	}
	if inc.Historical != "" {
		field(l.Historical, "%s", clean(inc.Historical))
	}
	if inc.Meaning != "" {
		field(l.Meaning, "%s", clean(inc.Meaning))
	}
	if inc.LookupURL != "" {
		field(l.Lookup, "%s", clean(inc.LookupURL))
	}
	if inc.RemovalURL != "" {
		field(l.Removal, "%s", clean(inc.RemovalURL))
	}
	if inc.RemovalTime != "" {
		field(l.RemovalTime, "%s", clean(inc.RemovalTime))
	}
	if inc.RoleNote != "" {
		field("", "%s", clean(inc.RoleNote))
	}
	for i, step := range inc.Steps {
		label := ""
		if i == 0 {
			label = l.Steps
		}
		field(label, "%d. %s", i+1, clean(step))
	}
}

// whoLines says who sent an incident's mail: a line each for the SASL
// logins, the envelope senders and the clients, with counts.
func whoLines(w incident.Who, l labels) []string {
	var out []string
	list := func(name string, cs []incident.Count, more int, show func(string) string) {
		if len(cs) == 0 {
			return
		}
		parts := make([]string, 0, len(cs)+1)
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%s (%d)", show(c.Name), c.Messages))
		}
		if more > 0 {
			parts = append(parts, fmt.Sprintf(l.OthersFmt, more))
		}
		out = append(out, name+": "+strings.Join(parts, l.Sep))
	}
	list(l.Logins, w.Logins, w.MoreLogins, clean)
	list(l.Senders, w.Senders, w.MoreSenders, func(s string) string { return "<" + clean(s) + ">" })
	list(l.Clients, w.Clients, w.MoreClients, clean)
	return out
}

// messageLine shows one refused message: its queue ids, sender, SASL
// login and client, recipients and fate.
func messageLine(m Message, l labels) string {
	s := clean(strings.Join(m.QueueIDs, " > "))
	if m.From != nil {
		s += " <" + clean(*m.From) + ">"
	}
	var who []string
	if m.Login != "" {
		who = append(who, clean(m.Login))
	}
	if m.Client != "" {
		who = append(who, clean(m.Client))
	}
	if len(who) > 0 {
		s += " (" + strings.Join(who, ", ") + ")"
	}
	rcpts := m.Recipients
	more := ""
	if len(rcpts) > 3 {
		more = ", " + fmt.Sprintf(l.MoreFmt, len(rcpts)-3)
		rcpts = rcpts[:3]
	}
	return s + " → " + clean(strings.Join(rcpts, ", ")) + more + ": " + cmp.Or(l.Fate[m.Fate], clean(m.Fate))
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

func fateList(m map[string]int, l labels) string {
	var parts []string
	for _, f := range fateOrder {
		if n := m[f]; n > 0 {
			parts = append(parts, fmt.Sprintf(l.FateFmt, n, l.Fate[f]))
		}
	}
	return strings.Join(parts, l.Sep)
}

// pad pads s with spaces to n terminal columns, counting East Asian wide
// characters as two.
func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
	}
	if w >= n {
		return s
	}
	return s + strings.Repeat(" ", n-w)
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
