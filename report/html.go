package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"
)

//go:embed report.html.tmpl
var htmlSource string

// htmlTemplate is the HTML report's template, parsed on first use: at the
// package's init it was a sixth of the instructions every command ran
// before main (1.4 M of `rblwatch version`'s 8.6 M), and only --format html
// uses it.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"time":   func(t time.Time) string { return t.Format(timeLayout) },
		"dur":    func(a, b time.Time) string { return "" }, // set per language by WriteHTML
		"clean":  clean,
		"join":   func(s []string) string { return clean(strings.Join(s, ", ")) },
		"printf": fmt.Sprintf,
	}).Parse(htmlSource))
})

// timeline is the geometry of one incident's inline SVG chart.
type timeline struct {
	Width, Height float64
	Band          struct{ X, W float64 } // first rejection to last rejection (or clearing)
	Bars          []bar
	Start, End    string // axis labels
	Max           int    // rejections in the busiest bucket
}

type bar struct {
	X, Y, W, H float64
	N          int
	From       string
}

const (
	chartW  = 720.0
	chartH  = 60.0
	buckets = 72
)

// chart lays out the rejections of inc over the period [start, end].
func chart(inc Incident, start, end time.Time) timeline {
	tl := timeline{Width: chartW, Height: chartH}
	last := inc.LastSeen
	if inc.ClearedAt != nil {
		last = *inc.ClearedAt
	}
	if start.IsZero() || inc.FirstSeen.Before(start) {
		start = inc.FirstSeen
	}
	if end.Before(last) {
		end = last
	}
	span := end.Sub(start)
	if span <= 0 {
		span = time.Minute
		start = start.Add(-span / 2)
		end = start.Add(span)
	}
	x := func(t time.Time) float64 { return chartW * float64(t.Sub(start)) / float64(span) }
	tl.Band.X = x(inc.FirstSeen)
	tl.Band.W = max(x(last)-tl.Band.X, 2)
	tl.Start, tl.End = start.Format(timeLayout), end.Format(timeLayout)

	counts := make([]int, buckets)
	inc.Rejections.Each(func(t time.Time, n int) {
		i := int(float64(buckets) * float64(t.Sub(start)) / float64(span))
		counts[min(max(i, 0), buckets-1)] += n
	})
	for _, n := range counts {
		tl.Max = max(tl.Max, n)
	}
	w := chartW / buckets
	for i, n := range counts {
		if n == 0 {
			continue
		}
		h := (chartH - 4) * float64(n) / float64(tl.Max)
		from := start.Add(time.Duration(float64(span) * float64(i) / buckets))
		tl.Bars = append(tl.Bars, bar{X: float64(i) * w, Y: chartH - h, W: w - 1, H: h, N: n, From: from.Format(timeLayout)})
	}
	return tl
}

// WriteHTML writes the report as a single self-contained page (no scripts,
// no external resources). Every log-derived string goes through html/template
// escaping.
func WriteHTML(w io.Writer, rep *Report, lang string) error {
	l := wordsFor(lang)
	if _, ok := words[lang]; !ok {
		lang = "en"
	}
	type incView struct {
		Incident
		N           int
		Chart       timeline
		FateText    string
		WhoText     []string // who sent the refused mail (whoLines)
		MessageText []string // the first refused messages (messageLine), then how many more
		Affected    string   // the counts in words (affectedText)
	}
	var start, end time.Time
	if rep.First != nil {
		start = *rep.First
	}
	if rep.Last != nil {
		end = *rep.Last
	}
	views := make([]incView, len(rep.Incidents))
	for i, inc := range rep.Incidents {
		views[i] = incView{Incident: inc, N: i + 1, Chart: chart(inc, start, end), FateText: fateList(inc.Fates, l), Affected: affectedText(inc, l), WhoText: whoLines(inc.Senders, l)}
		for _, m := range inc.AffectedMessages[:min(len(inc.AffectedMessages), maxShown)] {
			views[i].MessageText = append(views[i].MessageText, messageLine(m, l))
		}
		if n := inc.Messages - len(views[i].MessageText); n > 0 && len(views[i].MessageText) > 0 {
			views[i].MessageText = append(views[i].MessageText, fmt.Sprintf(l.MoreFmt, n))
		}
	}
	ongoing, cleared, messages := rep.counts()
	data := struct {
		Lang      string
		L         labels
		R         *Report
		Incidents []incView
		Summary   string
		Counts    string
		Lines     string
		Skipped   string
		Delivery  string
		Failures  string
		Folded    string
		Bounded   string
		Redated   string
		Files     []string
	}{
		Lang:      lang,
		L:         l,
		R:         rep,
		Incidents: views,
		Summary:   fmt.Sprintf(l.SummaryFmt, counted{int64(len(rep.Incidents)), "blocklist incident", "blocklist incidents"}, ongoing, counted{int64(messages), "message", "messages"}),
		Counts:    fmt.Sprintf(l.IncidentsFmt, counted{int64(len(rep.Incidents)), "incident", "incidents"}, ongoing, cleared),
		Lines:     fmt.Sprintf(l.LinesFmt, rep.Lines, rep.Unparsed, rep.Foreign),
		Skipped:   skippedText(rep, l),
		Delivery:  fmt.Sprintf(l.DeliveryFmt, rep.Totals.Delivered, counted{rep.Totals.Deferred, "deferral", "deferrals"}, rep.Totals.Bounced, rep.Totals.Expired),
		Failures:  failureList(rep.Failures, l),
		Redated:   redatedText(rep, l),
		Bounded:   boundedText(rep, l),
		Files:     fileNames(rep.Files, l),
	}
	if c := rep.FoldedBy; c != nil {
		data.Folded = fmt.Sprintf(l.FoldedFmt, counted{rep.Folded, "refusal", "refusals"}, c.PerReceiver, c.ForeignAddresses)
	}
	tmpl, err := htmlTemplate().Clone()
	if err != nil {
		return err
	}
	tmpl.Funcs(template.FuncMap{"dur": func(a, b time.Time) string { return l.duration(b.Sub(a)) }})
	return tmpl.Execute(w, data)
}
