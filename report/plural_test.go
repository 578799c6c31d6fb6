package report

import (
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/classify"
)

// TestCountsInWords: the English report says "1 deferral", "1 incident",
// "1 message" — it said "1 deferrals", "1 incidents", "1 message(s)" — and
// the plural for other counts; the Japanese one keeps its counters after
// the number (遅延 1 回).
func TestCountsInWords(t *testing.T) {
	res := sampleResult()
	res.Totals.Deferred = 1
	res.Incidents = res.Incidents[1:] // Barracuda alone: 1 message, 1 recipient
	res.Incidents[0].Deferred = 1
	res.TooLong, res.Folded = 1, 1
	res.Bounds.Evicted, res.Bounds.Untold = 1, 2
	res.Redated = [2]int64{1, 2} // untimed, ahead (ingest.RedatedNames)
	rep := Build(res, Options{Catalog: classify.Default(), Lang: "en"})
	checkTextAndHTML(t, rep, map[string][]string{
		"en": {"31 delivered, 1 deferral, 13 bounced", "1 incident (0 ongoing, 1 cleared)", "1 message, 1 recipient (0 bounced, 1 deferral)",
			"1 overlong line (over", "1 refusal counted", "1 line with no time, or one before 2000, and 2 lines dated",
			"1 queue id forgotten, the least recently seen first, past the 16384 held at once", "2 recipients and domains counted as new past the 524288 told apart"},
		"ja": {"遅延 1 回", "障害 1 件（継続中 0 件、解消済み 1 件）", "メール 1 通、宛先 1 件（返送 0 件、遅延 1 回）", "長すぎる行 1 行",
			"キュー ID 1 件を、同時に保持する 16384 件を超えたため", "宛先・宛先ドメイン 2 件を、区別できる 524288 件を超えたため"},
	})
	// The HTML summary, in English only there.
	var html strings.Builder
	if err := WriteHTML(&html, rep, "en"); err != nil {
		t.Fatal(err)
	}
	if w := "1 blocklist incident, 0 still ongoing at the end of the log; 1 message affected."; !strings.Contains(html.String(), w) {
		t.Errorf("HTML lacks %q", w)
	}
	for _, bad := range []string{"1 deferrals", "1 incidents", "(s)", "1 messages", "1 lines", "1 refusals", "1 queue ids"} {
		for _, lang := range []string{"en"} {
			var text strings.Builder
			if err := WriteText(&text, rep, lang); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text.String(), bad) || strings.Contains(html.String(), bad) {
				t.Errorf("%s report says %q", lang, bad)
			}
		}
	}
}
