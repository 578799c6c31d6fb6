package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/ingest"
	"github.com/rblwatch/rblwatch/pipeline"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/report")

var (
	zone = time.FixedZone("JST", 9*3600)
	t0   = time.Date(2026, 11, 23, 14, 56, 4, 0, zone)
)

const spamhausLine = "Nov 23 14:56:04 mx postfix/smtp[12059]: 43C4B986274: to=<a@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=5.7.1, status=bounced (host mx.example.net[198.51.100.7] said: 550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS16012611) (in reply to RCPT TO command))"

// sampleResult is a replay result as the pipeline makes it: one ongoing
// Spamhaus incident and one Barracuda incident cleared by a later delivery.
func sampleResult() *pipeline.Result {
	cleared := t0.Add(40 * time.Minute)
	return &pipeline.Result{
		Lines: 528, Unparsed: 2, Foreign: 10,
		UnparsedByService: map[string]int64{"smtpd": 2},
		Totals:            pipeline.Totals{Delivered: 31, Deferred: 26, Bounced: 13, Expired: 1},
		Failures:          map[classify.Category]int64{classify.Blocklist: 30, classify.Recipient: 6, classify.Greylist: 3},
		First:             t0.Add(-time.Hour),
		Last:              t0.Add(time.Hour),
		Incidents: []incident.Incident{
			{
				ID: "spamhaus-192.0.2.1-20261123T055604Z", Key: incident.Key{Provider: "spamhaus", Listed: "192.0.2.1"},
				Status: incident.Ongoing, FirstSeen: t0, LastSeen: t0.Add(30 * time.Minute),
				Verdict: classify.Verdict{Provider: "spamhaus", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 550, Enhanced: "5.7.1", Via: "microsoft"},
				Bounced: 3, Deferred: 0,
				// As a replay holds them: counts, who sent them, the first
				// messages.
				Messages: []incident.Message{
					{QueueID: "43C4B986274", QueueIDs: []string{"33B4A986270", "43C4B986274"}, From: "alice@ours.example", FromKnown: true,
						Login: "alice", Client: "pc.ours.example[192.0.2.55]", Recipients: []string{"a@example.net"}, Fate: incident.FateBounced},
					{QueueID: "53C4B986275", From: "news@ours.example", FromKnown: true, Login: "web\x1b[31m", Client: "web.ours.example[192.0.2.80]",
						Recipients: []string{"b@example.net", "c@example.org"}, Fate: incident.FateBounced},
				},
				Fates: incident.FateCounts{Bounced: 2}, MoreRecipients: 3,
				Domains: []string{"example.net", "example.org"},
				Remotes: []string{"mx.example.net"},
				Samples: []string{spamhausLine},
			},
			{
				ID: "barracuda-192.0.2.1-20261123T060604Z", Key: incident.Key{Provider: "barracuda", Listed: "192.0.2.1"},
				Status: incident.Cleared, FirstSeen: t0.Add(10 * time.Minute), LastSeen: t0.Add(20 * time.Minute),
				ClearedAt: cleared, ClearedBy: "delivered",
				Verdict:      classify.Verdict{Provider: "barracuda", Category: classify.Blocklist, Listed: "192.0.2.1", Code: 554, Temporary: true},
				Deferred:     4,
				MoreMessages: 1, Fates: incident.FateCounts{Delivered: 1}, MoreRecipients: 1,
				Domains: []string{"corp.example"},
				Remotes: []string{"mx.corp.example"},
			},
		},
		Rejections: map[string]*pipeline.Histogram{
			"spamhaus-192.0.2.1-20261123T055604Z":  histogram(t0, t0.Add(time.Minute), t0.Add(30*time.Minute)),
			"barracuda-192.0.2.1-20261123T060604Z": histogram(t0.Add(10*time.Minute), t0.Add(20*time.Minute)),
		},
	}
}

func histogram(ts ...time.Time) *pipeline.Histogram {
	h := &pipeline.Histogram{}
	for _, t := range ts {
		h.Add(t)
	}
	return h
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "report", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./report -update and review the diff)\n--- got ---\n%s", name, got)
	}
}

func build(lang string) *Report {
	return Build(sampleResult(), Options{Catalog: classify.Default(), Lang: lang, Files: []string{"/var/log/mail.log"}})
}

func TestGoldens(t *testing.T) {
	for _, lang := range []string{"en", "ja"} {
		var text, html bytes.Buffer
		if err := WriteText(&text, build(lang), lang); err != nil {
			t.Fatal(err)
		}
		golden(t, "sample."+lang+".txt", text.Bytes())
		if err := WriteHTML(&html, build(lang), lang); err != nil {
			t.Fatal(err)
		}
		golden(t, "sample."+lang+".html", html.Bytes())
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, build("en")); err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.json", js.Bytes())
}

// TestJSONContract checks the fields DESIGN.md promises to scripts.
func TestJSONContract(t *testing.T) {
	var js bytes.Buffer
	if err := WriteJSON(&js, build("en")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Lines    *int64 `json:"lines"`
		Unparsed *int64 `json:"unparsed"`
		Totals   *struct {
			Delivered, Deferred, Bounced *int64
		} `json:"totals"`
		Incidents []map[string]any `json:"incidents"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Lines == nil || *doc.Lines != 528 || doc.Unparsed == nil || *doc.Unparsed != 2 {
		t.Errorf("lines/unparsed missing or wrong: %s", js.String()[:200])
	}
	if doc.Totals == nil || *doc.Totals.Delivered != 31 || *doc.Totals.Deferred != 26 || *doc.Totals.Bounced != 13 {
		t.Errorf("totals wrong")
	}
	if len(doc.Incidents) != 2 {
		t.Fatalf("incidents: %d", len(doc.Incidents))
	}
	for _, k := range []string{"provider", "listed", "first_seen", "last_seen", "status", "messages", "recipients", "bounced", "deferred", "domains"} {
		if _, ok := doc.Incidents[0][k]; !ok {
			t.Errorf("incident field %q missing", k)
		}
	}
	inc := doc.Incidents[0]
	if inc["provider"] != "spamhaus" || inc["listed"] != "192.0.2.1" || inc["status"] != "ongoing" ||
		inc["messages"] != 2.0 || inc["recipients"] != 3.0 || inc["bounced"] != 3.0 || inc["first_seen"] != "2026-11-23T14:56:04+09:00" {
		t.Errorf("incident 0 = %v", inc)
	}
	if doc.Incidents[1]["status"] != "cleared" {
		t.Errorf("incident 1 status = %v", doc.Incidents[1]["status"])
	}
}

// TestHostileText: log-derived strings cannot inject HTML or terminal escapes.
func TestHostileText(t *testing.T) {
	res := sampleResult()
	evil := "<script>alert(1)</script>\x1b[2J\r\nBcc: x@example.com\xff"
	inc := &res.Incidents[0]
	inc.Samples = []string{strings.Replace(spamhausLine, "Service unavailable", evil, 1)}
	inc.Remotes = []string{"<img src=x onerror=alert(1)>"}
	inc.Domains = []string{"\x1b]0;pwned\x07example.net"}
	rep := Build(res, Options{Catalog: classify.Default(), Lang: "en"})

	var html, text bytes.Buffer
	if err := WriteHTML(&html, rep, "en"); err != nil {
		t.Fatal(err)
	}
	if s := html.String(); strings.Contains(s, "<script>") || strings.Contains(s, "<img") || strings.Contains(s, "\x1b") {
		t.Errorf("HTML carries remote markup or escapes")
	}
	if !strings.Contains(html.String(), "&lt;script&gt;") {
		t.Errorf("HTML lost the (escaped) reply text")
	}
	if err := WriteText(&text, rep, "en"); err != nil {
		t.Fatal(err)
	}
	if s := text.String(); strings.ContainsAny(s, "\x1b\x07\r") || !strings.Contains(s, "<script>") {
		t.Errorf("text output not cleaned: %q", s)
	}
	for _, l := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(l, "Bcc:") {
			t.Errorf("a remote CRLF started a new line: %q", l)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\r\nb\tc", "a  b c"},
		{"\x1b[31mred", "\uFFFD[31mred"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"日本語", "日本語"},
		{"rtl\u202eevil", "rtl\uFFFDevil"},
	}
	for _, tc := range tests {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDurations(t *testing.T) {
	tests := []struct {
		d      time.Duration
		en, ja string
	}{
		{30 * time.Minute, "30m", "30分"},
		{45 * time.Second, "45s", "45秒"},
		{2*time.Hour + 5*time.Minute + 7*time.Second, "2h 5m", "2時間5分"},
		{3*24*time.Hour + 4*time.Hour + time.Minute, "3d 4h", "3日4時間"},
		{2 * time.Hour, "2h", "2時間"},
		{0, "0s", "0秒"},
	}
	for _, tc := range tests {
		if got := durationEn(tc.d); got != tc.en {
			t.Errorf("durationEn(%v) = %q, want %q", tc.d, got, tc.en)
		}
		if got := durationJa(tc.d); got != tc.ja {
			t.Errorf("durationJa(%v) = %q, want %q", tc.d, got, tc.ja)
		}
	}
	if got := pad("解消", 6) + "|"; got != "解消  |" {
		t.Errorf("pad = %q", got)
	}
}

// TestSkippedLinesShown: the text and HTML reports say how many overlong
// lines were skipped (and how many lines fell outside --since/--until), as
// the JSON does; with none, they say nothing.
func TestSkippedLinesShown(t *testing.T) {
	res := sampleResult()
	res.TooLong, res.Skipped = 2, 7
	rep := Build(res, Options{Catalog: classify.Default(), Lang: "en"})
	want := map[string][]string{
		"en": {"Skipped:", "2 overlong lines (over 1 MiB)", "7 outside --since/--until"},
		"ja": {"スキップ:", "長すぎる行 2 行（1 MiB 超）", "期間外 7 行"},
	}
	checkTextAndHTML(t, rep, want)
	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"too_long": 2`) || !strings.Contains(js.String(), `"skipped": 7`) {
		t.Errorf("JSON lacks too_long or skipped: %s", js.String())
	}

	// One kind only: the other is not counted as "0 overlong lines".
	for lang, want := range map[string]string{"en": "Skipped:   45 outside --since/--until\n", "ja": "スキップ:  期間外 45 行\n"} {
		res := sampleResult()
		res.Skipped = 45
		var text bytes.Buffer
		if err := WriteText(&text, Build(res, Options{Catalog: classify.Default(), Lang: lang}), lang); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), want) {
			t.Errorf("%s: lacks %q:\n%s", lang, want, text.String())
		}
	}
	res = sampleResult()
	res.TooLong = 1
	var one bytes.Buffer
	if err := WriteText(&one, Build(res, Options{Catalog: classify.Default(), Lang: "en"}), "en"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(one.String(), "Skipped:   1 overlong line (over 1 MiB)\n") {
		t.Errorf("lacks the overlong line alone:\n%s", one.String())
	}

	// Nothing skipped: no line about it.
	var text bytes.Buffer
	if err := WriteText(&text, build("en"), "en"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "Skipped") || strings.Contains(text.String(), "overlong") {
		t.Errorf("a report with nothing skipped speaks of it:\n%s", text.String())
	}
}

// TestRedatedLinesShown: the reports say how many lines the replay read at
// another time than their stamp said (ingest.Clock), in every format; with
// none, they say nothing.
func TestRedatedLinesShown(t *testing.T) {
	res := sampleResult()
	res.Redated[ingest.RedatedUntimed], res.Redated[ingest.RedatedAhead] = 3, 1
	rep := Build(res, Options{Catalog: classify.Default(), Lang: "en"})
	want := map[string][]string{
		"en": {"Redated:", "3 lines with no time, or one before 2000, and 1 line dated after the log file was last written"},
		"ja": {"時刻の補正:", "2000年より前の時刻の行 3 行と、ログファイルの最終更新より後の時刻の行 1 行"},
	}
	checkTextAndHTML(t, rep, want)
	// One kind only: the other is not counted as "0 lines …" (the corpus
	// replay read "0 lines with no time, or one before 2000, and 125 lines
	// dated after …").
	for _, tc := range []struct {
		untimed, ahead int64
		want           map[string][]string
	}{
		{0, 125, map[string][]string{"en": {"Redated:   125 lines dated after the log file was last written, read at the time of the line before"}, "ja": {"時刻の補正: ログファイルの最終更新より後の時刻の行 125 行を"}}},
		{2, 0, map[string][]string{"en": {"Redated:   2 lines with no time, or one before 2000, read at the time of the line before"}, "ja": {"時刻の補正: 時刻のない行・2000年より前の時刻の行 2 行を"}}},
	} {
		res := sampleResult()
		res.Redated[ingest.RedatedUntimed], res.Redated[ingest.RedatedAhead] = tc.untimed, tc.ahead
		one := Build(res, Options{Catalog: classify.Default(), Lang: "en"})
		for lang, words := range tc.want {
			var text bytes.Buffer
			if err := WriteText(&text, one, lang); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text.String(), words[0]) {
				t.Errorf("%s: %d untimed, %d ahead: lacks %q:\n%s", lang, tc.untimed, tc.ahead, words[0], text.String())
			}
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, rep); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Redated map[string]int64 `json:"redated_lines"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil || len(got.Redated) != 2 || got.Redated["untimed"] != 3 || got.Redated["ahead"] != 1 {
		t.Errorf("JSON redated_lines %v (%v), want untimed 3, ahead 1", got.Redated, err)
	}
	var text, plainJS bytes.Buffer
	if err := WriteText(&text, build("en"), "en"); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&plainJS, build("en")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "Redated") || strings.Contains(plainJS.String(), "redated_lines") {
		t.Errorf("a report with nothing redated speaks of it:\n%s", text.String())
	}
}

// checkTextAndHTML checks that the text report in each language of want
// holds its words, and the HTML report too (a label without its colon).
func checkTextAndHTML(t *testing.T, rep *Report, want map[string][]string) {
	t.Helper()
	for lang, words := range want {
		var text, html bytes.Buffer
		if err := WriteText(&text, rep, lang); err != nil {
			t.Fatal(err)
		}
		if err := WriteHTML(&html, rep, lang); err != nil {
			t.Fatal(err)
		}
		for _, w := range words {
			if !strings.Contains(text.String(), w) {
				t.Errorf("%s text report lacks %q:\n%s", lang, w, text.String())
			}
			if w = strings.TrimSuffix(w, ":"); !strings.Contains(html.String(), w) {
				t.Errorf("%s HTML report lacks %q", lang, w)
			}
		}
	}
}

// TestBuildManyIncidents checks that Build, which builds the incidents of
// a large report side by side, keeps them in the result's order and builds
// each as it builds it alone.
func TestBuildManyIncidents(t *testing.T) {
	res := sampleResult()
	var incs []incident.Incident
	for i := range 5*minShare + 3 {
		inc := res.Incidents[i%len(res.Incidents)]
		inc.ID = fmt.Sprint(inc.ID, "-", i)
		inc.Bounced = i
		incs = append(incs, inc)
	}
	res.Incidents = incs
	opts := Options{Catalog: classify.Default(), Lang: "ja"}
	rep := Build(res, opts)
	if len(rep.Incidents) != len(incs) {
		t.Fatalf("%d incidents, want %d", len(rep.Incidents), len(incs))
	}
	for i, inc := range incs {
		fresh := builder{opts: opts}
		var want Incident
		if fresh.incident(&want, &inc, res.Rejections); !reflect.DeepEqual(rep.Incidents[i], want) {
			t.Errorf("incident %d = %+v, want %+v", i, rep.Incidents[i], want)
		}
	}
}

// TestUnshownAddressAndStdin: an incident whose replies show no address,
// and a log read from stdin ("-"), are said in words. The reports read
// "[2] Cloudmark Sender Intelligence (CSI) — ? — cleared" and "Files: -".
func TestUnshownAddressAndStdin(t *testing.T) {
	res := sampleResult()
	res.Incidents = res.Incidents[:1]
	res.Incidents[0].Listed = ""
	rep := Build(res, Options{Catalog: classify.Default(), Lang: "en", Files: []string{"-", "mail.log.1"}})
	checkTextAndHTML(t, rep, map[string][]string{
		"en": {"— address not shown", "standard input, mail.log.1"},
		"ja": {"— アドレスの記載なし", "標準入力, mail.log.1"},
	})
}

// TestBuildSampleBytes: the reply an incident shows is read from its
// first sample by one parser per share of a report, not by a new one
// (1.7 kB) for each incident: a dense log's report reads 1,279 samples
// at the end of a replay whose heap is near its limit, where 2 MB more
// was often enough for one more collection.
func TestBuildSampleBytes(t *testing.T) {
	res := sampleResult()
	with := res.Incidents[0]
	if len(with.Samples) == 0 {
		t.Fatal("the sample incident has no sample")
	}
	without := with
	without.Samples = nil
	opts := Options{Catalog: classify.Default(), Lang: "en"}
	bytesOf := func(inc incident.Incident) float64 {
		r := *res
		r.Incidents = slices.Repeat([]incident.Incident{inc}, 200)
		Build(&r, opts)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		Build(&r, opts)
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / float64(len(r.Incidents))
	}
	if extra := bytesOf(with) - bytesOf(without); extra > 512 {
		t.Errorf("an incident with a sample allocates %.0f bytes more than one without; want at most 512 (its sample's list and reply)", extra)
	}
}

// TestBuildAllocations: what incidents of one kind have in common (what
// the catalog says of their verdict) is worked out once per share of a
// report, and an incident's clean lists and its messages' senders and
// queue ids are not copied one by one: a dense log's report has
// thousands of incidents.
func TestBuildAllocations(t *testing.T) {
	res := sampleResult()
	first := res.Incidents[0]
	first.Messages = slices.Repeat([]incident.Message{{QueueID: "63C4B986276", From: "alice@ours.example", FromKnown: true,
		Login: "alice", Client: "pc.ours.example[192.0.2.55]", Recipients: []string{"d@example.net"}, Fate: incident.FateBounced}}, 20)
	res.Incidents = slices.Repeat([]incident.Incident{first, res.Incidents[1]}, 200)
	opts := Options{Catalog: classify.Default(), Lang: "en"}
	perIncident := testing.AllocsPerRun(3, func() { Build(res, opts) }) / float64(len(res.Incidents))
	if perIncident > 20 {
		t.Errorf("Build allocates %.1f times an incident; want at most 20", perIncident)
	}
}
