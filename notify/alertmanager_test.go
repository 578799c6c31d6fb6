package notify

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/amtest"
	"github.com/rblwatch/rblwatch/internal/testenv"
)

// barracudaRelated is another provider listing the same address, announced
// in the same notice.
func barracudaRelated() Related {
	inc := spamhausIncident()
	inc.ID, inc.Provider, inc.Verdict.Provider = "barracuda-192.0.2.1-20260314T092610Z", "barracuda", "barracuda"
	inc.Verdict.Temporary, inc.Bounced = true, 0 // deferred only: a warning
	return Related{Incident: inc, Provider: classify.Default().Provider("barracuda"), Reply: "450 4.7.1 blocked using b.barracudacentral.org"}
}

func TestAlerts(t *testing.T) {
	cat := classify.Default()
	opened := openedNotice()
	opened.Provider = cat.Provider("spamhaus")
	opened.Related = []Related{barracudaRelated()}
	cleared := openedNotice()
	cleared.Kind = KindCleared
	cleared.Incident.Status, cleared.Incident.ClearedAt, cleared.Incident.ClearedBy = incident.Cleared, t0.Add(3*time.Hour), "delivered"
	ja := openedNotice()
	ja.Lang = "ja"
	self := Notice{Kind: KindListed, Lang: "en", Host: "mail.example.net", Provider: cat.Provider("spamcop"),
		Incident: incident.Incident{ID: "selfcheck-spamcop", Key: incident.Key{Provider: "spamcop", Listed: "192.0.2.1"}, Status: incident.Ongoing, FirstSeen: t0},
		Checks:   []Check{{Zone: "bl.spamcop.net", Status: CheckListed}},
		Related: []Related{{Incident: incident.Incident{Key: incident.Key{Provider: "barracuda", Listed: "192.0.2.1"}, Status: incident.Cleared, FirstSeen: t0.Add(-time.Hour), ClearedAt: t0},
			Provider: cat.Provider("barracuda"), Checks: []Check{{Zone: "b.barracudacentral.org", Status: CheckClean}}}},
	}
	hostile := hostileNotice("en")

	tests := []struct {
		name   string
		n      Notice
		labels []map[string]string
		ends   []time.Time // zero: firing
		ann    map[string]string
	}{
		{"opened with a related provider", opened, []map[string]string{
			{"alertname": AlertName, "provider": "spamhaus", "listed": "192.0.2.1", "host": "mail.example.net", "severity": "critical", "source": "log"},
			{"alertname": AlertName, "provider": "barracuda", "listed": "192.0.2.1", "host": "mail.example.net", "severity": "warning", "source": "log"},
		}, []time.Time{{}, {}}, map[string]string{
			"summary":     "192.0.2.1 is listed by Spamhaus: mail from mail.example.net refused",
			"reply":       spamhausReply,
			"checks":      "zen.spamhaus.org: listed",
			"lookup_url":  "https://check.spamhaus.org/results/?query=192.0.2.1",
			"incident_id": "spamhaus-192.0.2.1-20260314T092603Z",
		}},
		{"cleared", cleared, []map[string]string{
			{"alertname": AlertName, "provider": "spamhaus", "listed": "192.0.2.1", "host": "mail.example.net", "severity": "critical", "source": "log"},
		}, []time.Time{t0.Add(3 * time.Hour)}, nil},
		{"japanese", ja, []map[string]string{
			{"alertname": AlertName, "provider": "spamhaus", "listed": "192.0.2.1", "host": "mail.example.net", "severity": "critical", "source": "log"},
		}, []time.Time{{}}, nil},
		{"self-check round", self, []map[string]string{
			{"alertname": AlertName, "provider": "spamcop", "listed": "192.0.2.1", "host": "mail.example.net", "severity": "warning", "source": "selfcheck"},
			{"alertname": AlertName, "provider": "barracuda", "listed": "192.0.2.1", "host": "mail.example.net", "severity": "warning", "source": "selfcheck"},
		}, []time.Time{{}, t0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			alerts, err := Alerts(tc.n, testConfig(), t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if len(alerts) != len(tc.labels) {
				t.Fatalf("%d alerts, want %d: %+v", len(alerts), len(tc.labels), alerts)
			}
			for i, a := range alerts {
				if !maps.Equal(a.Labels, tc.labels[i]) {
					t.Errorf("alert %d labels %v, want %v", i, a.Labels, tc.labels[i])
				}
				if !a.EndsAt.Equal(tc.ends[i]) {
					t.Errorf("alert %d endsAt %v, want %v", i, a.EndsAt, tc.ends[i])
				}
				if a.StartsAt.IsZero() || a.Annotations["summary"] == "" {
					t.Errorf("alert %d without start or summary: %+v", i, a)
				}
			}
			for k, v := range tc.ann {
				if got := alerts[0].Annotations[k]; got != v {
					t.Errorf("annotation %s = %q, want %q", k, got, v)
				}
			}
		})
	}
	// In Japanese the summary is the Japanese subject.
	jaAlerts, _ := Alerts(ja, testConfig(), t0)
	if s := jaAlerts[0].Annotations["summary"]; !strings.Contains(s, "192.0.2.1") || isASCIIOnly(s) {
		t.Errorf("Japanese summary %q", s)
	}
	// Remote text is sanitised; labels hold only validated values.
	ha, err := Alerts(hostile, testConfig(), t0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ha)
	for _, bad := range []string{`\r`, `\n`, `\u0000`, "\u202e"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("hostile alert contains %q: %s", bad, b)
		}
	}
	for k, v := range ha[0].Labels {
		if strings.ContainsAny(v, " <>\"'\r\n") {
			t.Errorf("label %s = %q", k, v)
		}
	}
}

func isASCIIOnly(s string) bool {
	for _, r := range s {
		if r > 127 {
			return false
		}
	}
	return true
}

// TestAlertmanagerPost: a firing alert gets endsAt = now + validity at
// every post; one accepting Alertmanager is enough; with none, the error
// says whether to retry.
func TestAlertmanagerPost(t *testing.T) {
	var got [][]Alert
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/alerts" || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var a []Alert
		if err := json.NewDecoder(r.Body).Decode(&a); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, a)
	}))
	defer ok.Close()
	var fails atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fails.Add(1)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	payload, err := AlertmanagerPayload(openedNotice(), testConfig(), t0)
	if err != nil {
		t.Fatal(err)
	}
	am := &Alertmanager{URLs: []string{down.URL, ok.URL + "/"}, Now: func() time.Time { return t0 }}
	if err := am.Deliver(context.Background(), Item{Payload: payload}); err != nil {
		t.Fatalf("one of two up: %v", err)
	}
	if len(got) != 1 || fails.Load() != 1 {
		t.Fatalf("posts: %d accepted, %d refused; want one each", len(got), fails.Load())
	}
	if a := got[0][0]; !a.EndsAt.Equal(t0.Add(DefaultAlertValidity)) || !a.StartsAt.Equal(t0) {
		t.Errorf("posted alert starts %v ends %v", a.StartsAt, a.EndsAt)
	}
	err = (&Alertmanager{URLs: []string{down.URL}}).Deliver(context.Background(), Item{Payload: payload})
	if err == nil || !Temporary(err) {
		t.Errorf("only a 503: err %v, want temporary", err)
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "bad alert", http.StatusBadRequest)
	}))
	defer bad.Close()
	err = (&Alertmanager{URLs: []string{bad.URL}}).Deliver(context.Background(), Item{Payload: payload})
	if err == nil || Temporary(err) {
		t.Errorf("only a 400: err %v, want permanent", err)
	}
}

// TestAlertmanagerReal: against a real Alertmanager, two mail hosts whose
// rejections name the same listed address give one alert group of two
// alerts; posting again keeps them firing; the resolved post of one host
// ends its alert only, and Alertmanager notifies it as resolved.
func TestAlertmanagerReal(t *testing.T) {
	am := amtest.Start(t, amtest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	now := time.Now().UTC().Truncate(time.Second)
	n1, n2 := openedNotice(), openedNotice()
	n1.Incident.FirstSeen, n2.Incident.FirstSeen = now.Add(-time.Minute), now.Add(-time.Minute)
	n1.Host, n2.Host = "mx1.example.net", "mx2.example.net"
	sender := &Alertmanager{URLs: []string{am.URL}}
	for _, n := range []Notice{n1, n2} {
		p, err := AlertmanagerPayload(n, testConfig(), now)
		if err != nil {
			t.Fatal(err)
		}
		if err := sender.Deliver(ctx, Item{Payload: p}); err != nil {
			t.Fatalf("posting to a real Alertmanager: %v", err)
		}
	}
	// Both alerts arrive in one group (and stay so: never two groups).
	// Until the dispatcher has grouped them there is no group at all.
	groups, err := am.WaitGroups(ctx, func(g []amtest.Group) bool { return len(g) > 1 || len(g) == 1 && len(g[0].Alerts) == 2 })
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 1 || len(groups[0].Alerts) != 2 {
		t.Fatalf("%d groups (%+v), want one group of two alerts", len(groups), groups)
	}
	if g := groups[0].Labels; g["provider"] != "spamhaus" || g["listed"] != "192.0.2.1" {
		t.Errorf("group labels %v", g)
	}
	hosts := map[string]bool{}
	for _, a := range groups[0].Alerts {
		hosts[a.Labels["host"]] = true
		if a.Status.State != "active" || a.Annotations["summary"] == "" {
			t.Errorf("alert %+v", a)
		}
	}
	if !hosts["mx1.example.net"] || !hosts["mx2.example.net"] {
		t.Errorf("alert hosts %v", hosts)
	}
	firing, err := am.WaitNotification(ctx, func(n Notification) bool { return n.Status == "firing" && len(n.Alerts) == 2 })
	if err != nil {
		t.Fatal(err)
	}
	if firing.GroupLabels["listed"] != "192.0.2.1" {
		t.Errorf("firing notification group %v", firing.GroupLabels)
	}

	// A refresh moves endsAt on.
	before, _ := am.Alerts(ctx)
	sender.Firing = func(context.Context) ([]Alert, error) { return Alerts(n1, testConfig(), now) }
	sender.Now = func() time.Time { return time.Now().Add(time.Minute) }
	sender.Refresh(ctx, time.Now())
	after, _ := am.Alerts(ctx)
	if endsOf(after, "mx1.example.net").Compare(endsOf(before, "mx1.example.net")) <= 0 {
		t.Errorf("refresh did not move endsAt: %v then %v", endsOf(before, "mx1.example.net"), endsOf(after, "mx1.example.net"))
	}

	// mx1's incident clears.
	c := n1
	c.Kind = KindCleared
	c.Incident.Status, c.Incident.ClearedAt = incident.Cleared, time.Now().UTC()
	p, _ := AlertmanagerPayload(c, testConfig(), time.Now())
	if err := sender.Deliver(ctx, Item{Payload: p}); err != nil {
		t.Fatal(err)
	}
	left, err := am.WaitAlerts(ctx, func(a []amtest.Alert) bool { return len(a) == 1 })
	if err != nil {
		t.Fatal(err)
	}
	if left[0].Labels["host"] != "mx2.example.net" {
		t.Errorf("left firing: %+v", left)
	}
	resolved, err := am.WaitNotification(ctx, func(n Notification) bool {
		for _, a := range n.Alerts {
			if a.Status == "resolved" {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range resolved.Alerts {
		if a.Status == "resolved" && a.Labels["host"] != "mx1.example.net" {
			t.Errorf("resolved %v", a.Labels)
		}
	}
}

type Notification = amtest.Notification

func endsOf(alerts []amtest.Alert, host string) time.Time {
	for _, a := range alerts {
		if a.Labels["host"] == host {
			return a.EndsAt
		}
	}
	return time.Time{}
}

// TestAlertSeverityEscalates: an incident that began with a deferral is a
// warning while the receivers only defer, and critical once mail bounced —
// a digest's alert says so, not the first reply's severity.
func TestAlertSeverityEscalates(t *testing.T) {
	n := openedNotice()
	n.Provider = classify.Default().Provider("spamhaus")
	n.Incident.Verdict.Temporary = true
	n.Incident.Bounced = 0
	for _, c := range []struct {
		kind    Kind
		bounced int
		want    string
	}{{KindOpened, 0, "warning"}, {KindDigest, 0, "warning"}, {KindDigest, 2, "critical"}} {
		m := n
		m.Kind, m.Incident.Bounced = c.kind, c.bounced
		alerts, err := Alerts(m, testConfig(), t0)
		if err != nil {
			t.Fatal(err)
		}
		if got := alerts[0].Labels["severity"]; got != c.want {
			t.Errorf("%s with %d bounced: severity %q, want %q", c.kind, c.bounced, got, c.want)
		}
	}
}

// TestAlertmanagerErrorNamesTheMember: when no member accepts the alerts,
// the error (logged, and kept in the outbox) says which member answered
// what, once each — it said "notify: alertmanager post: notify:
// alertmanager post: 404: … (permanent) (permanent)" and named no URL, so
// with several members nobody could tell which one was wrong.
func TestAlertmanagerErrorNamesTheMember(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer down.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	payload, err := AlertmanagerPayload(openedNotice(), testConfig(), t0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		urls []string
		want string
		temp bool
	}{
		{"one member", []string{missing.URL}, "notify: alertmanager post: " + missing.URL + "/api/v2/alerts: 404: 404 page not found (permanent)", false},
		{"two members", []string{down.URL, missing.URL},
			"notify: alertmanager post (no member accepted): " + down.URL + "/api/v2/alerts: 503: unavailable (temporary); " + missing.URL + "/api/v2/alerts: 404: 404 page not found (permanent) (temporary)", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (&Alertmanager{URLs: tc.urls}).Deliver(context.Background(), Item{Payload: payload})
			if err == nil || Temporary(err) != tc.temp {
				t.Fatalf("err %v, want temporary %v", err, tc.temp)
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n %s\nwant\n %s", got, tc.want)
			}
		})
	}
}

// TestDocumentedSlackTemplateEscapes: annotations are plain text, and
// Alertmanager's Slack receiver does not escape them; docs/config.md gives
// a template that does. Rendered by the real amtool over the annotations
// of a notice whose reply holds <!channel>, it shows no mention, no link
// and no raw "&" (each one would be read as markup by Slack).
func TestDocumentedSlackTemplateEscapes(t *testing.T) {
	amtool := testenv.LookPath(t, "amtool", "prometheus-alertmanager")
	doc, err := os.ReadFile("../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	tmpl := regexp.MustCompile("`(\\{\\{ \\.CommonAnnotations\\.reply [^`]*\\}\\})`").FindSubmatch(doc)
	if tmpl == nil {
		t.Fatal("docs/config.md gives no template for the reply annotation")
	}
	n := openedNotice()
	n.Reply = "554 5.7.1 <!channel> <@U1> <https://evil.example|click> & Client host [192.0.2.1] blocked using zen.spamhaus.org"
	alerts, err := Alerts(n, testConfig(), t0)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(map[string]any{"receiver": "slack", "status": "firing", "alerts": []any{},
		"groupLabels": map[string]string{}, "commonLabels": map[string]string{}, "commonAnnotations": alerts[0].Annotations, "externalURL": "http://127.0.0.1:9093"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, body := range map[string][]byte{"data.json": data, "empty.tmpl": []byte(`{{ define "empty" }}{{ end }}`)} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(amtool, "template", "render", "--template.glob="+filepath.Join(dir, "empty.tmpl"),
		"--template.data="+filepath.Join(dir, "data.json"), "--template.text="+string(tmpl[1])).CombinedOutput()
	if err != nil {
		t.Fatalf("amtool: %v\n%s", err, out)
	}
	text := string(out)
	if !strings.Contains(text, "&lt;!channel&gt;") || strings.ContainsAny(strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(text, "&amp;", ""), "&lt;", ""), "&gt;", ""), "<>&") {
		t.Errorf("the documented template renders %q: markup left", text)
	}
}
