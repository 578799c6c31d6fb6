package report

import (
	"testing"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/reply"
)

// TestRemovalOfTheRule: the report's removal link is the one explain and
// the notices give — the matched rule's when it has its own (Outlook.com's
// S3150 block: the consumer sender support form, not the Microsoft 365
// delisting portal of the provider), else the provider's. Before, replay
// always gave the provider's.
func TestRemovalOfTheRule(t *testing.T) {
	cat := classify.Default()
	for _, text := range []string{
		"550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
		"554 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10",
	} {
		inc := incidentOf(cat, text, "")
		v := inc.Verdict
		rep := buildOne(cat, inc, "en")
		want := cat.Explain(v, "en", classify.RoleDedicated).RemovalURL
		if want == "" {
			t.Fatalf("%s: explain gives no removal link", v.Provider)
		}
		if got := rep.Incidents[0].RemovalURL; got != want {
			t.Errorf("%s (rule %s): removal %q, want explain's %q", v.Provider, v.Rule, got, want)
		}
	}
}

// incidentOf is an ongoing incident at t0 of the refusal text from the
// receiver remote, as cat classifies it.
func incidentOf(cat *classify.Catalog, text, remote string) incident.Incident {
	v := cat.Classify(classify.Input{Reply: reply.Parse(text), RemoteHost: remote})
	return incident.Incident{ID: "x", Key: incident.Key{Provider: v.Provider, Listed: v.Listed}, Status: incident.Ongoing,
		FirstSeen: t0, LastSeen: t0, Verdict: v}
}

// buildOne is the report of inc alone, in lang.
func buildOne(cat *classify.Catalog, inc incident.Incident, lang string) *Report {
	return Build(&pipeline.Result{Incidents: []incident.Incident{inc}}, Options{Catalog: cat, Lang: lang})
}
