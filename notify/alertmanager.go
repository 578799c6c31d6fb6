package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rblwatch/rblwatch/incident"
)

// AlertName is the alertname label of every alert rblwatch sends.
const AlertName = "RblwatchBlocklisted"

// Alert sources (the "source" label): an incident seen in the log (receivers
// refused mail citing the provider) or a finding of the self-check (a DNS
// list names our address). Both may exist at once for one address; the label
// keeps them apart, so the end of one never resolves the other.
const (
	AlertSourceLog       = "log"
	AlertSourceSelfCheck = "selfcheck"
)

// Defaults of the Alertmanager sink.
const (
	// DefaultAlertRepeat is how often firing alerts are posted again while
	// they last: well within Alertmanager's resolve_timeout (5 m by
	// default), like Prometheus's resend delay (1 m).
	DefaultAlertRepeat = time.Minute
	// DefaultAlertValidity is the endsAt given to a firing alert, counted
	// from the post (as Prometheus does: 4 × its resend delay). A daemon
	// that stops posting lets its alerts resolve after this long.
	DefaultAlertValidity = 4 * time.Minute
	// DefaultAlertmanagerTimeout bounds one POST.
	DefaultAlertmanagerTimeout = 10 * time.Second
)

// Alert is one alert of Alertmanager's API v2 (POST /api/v2/alerts takes a
// list of them). EndsAt is zero for a firing alert until it is posted: the
// sender sets it to the time of the post plus the validity.
type Alert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Key identifies the alert across posts (its labels that vary), for the
// daemon's table of firing alerts.
func (a Alert) Key() string {
	l := a.Labels
	return strings.Join([]string{l["source"], l["host"], l["provider"], l["listed"]}, "/")
}

// Firing reports whether the alert is not resolved (no end set yet).
func (a Alert) Firing() bool { return a.EndsAt.IsZero() }

// Alerts returns the alerts of a notice: one per incident it announces (the
// notice's own and each Related one). Labels group a fleet's alerts:
//
//	alertname  RblwatchBlocklisted
//	provider   the catalog id ("spamhaus"; "unknown" when not in the catalog)
//	listed     the listed IP or domain
//	host       our mail host (Notice.Host), so two hosts sharing a listed IP
//	           give two alerts that Alertmanager groups by provider and listed
//	severity   "critical" when the receivers refuse for good (5xx) or
//	           any mail bounced, "warning" while they only defer (4xx) or
//	           for a self-check finding (AlertSeverity). It is a label,
//	           for routing: when an incident escalates, the daemon's
//	           refresh resolves the warning alert and posts the critical one
//	source     "log" or "selfcheck"
//
// Annotations (in n.Lang): summary (the email's subject without
// "[rblwatch] "), reply (the receiver's words, sanitised), found (how the
// provider was found, in words, as the email's "How found"), checks (the DNS
// listing state), lookup_url and removal_url, incident_id, instances (the
// Postfix instances the email names). Opened, digest
// and listed notices give firing alerts; cleared and delisted ones resolved
// alerts (endsAt = the time it cleared); a Related incident that is cleared
// (a self-check round's delisting) gives a resolved alert too. A backlog
// summary gives none: its incidents were over before rblwatch read them, so
// nothing fires, and a resolved alert for one that never fired would only
// add an entry to Alertmanager's API that no receiver is told of.
func Alerts(n Notice, cfg Config, now time.Time) ([]Alert, error) {
	if n.Kind == KindBacklog {
		return nil, nil
	}
	// Each alert speaks of its own incident: the main one without the
	// others the email names beside it.
	one := n
	one.Related = nil
	main, err := alertOf(one, cfg, now)
	if err != nil {
		return nil, err
	}
	out := []Alert{main}
	for _, r := range n.Related {
		rn := n
		rn.Incident, rn.Provider, rn.Via, rn.Reply, rn.Checks, rn.Related = r.Incident, r.Provider, r.Via, r.Reply, r.Checks, nil
		rn.FoundNote = r.FoundNote
		switch {
		case n.Kind == KindListed && r.Incident.Status == incident.Cleared:
			rn.Kind = KindDelisted
		case n.Kind == KindDelisted && r.Incident.Status != incident.Cleared:
			rn.Kind = KindListed
		}
		a, err := alertOf(rn, cfg, now)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// AlertmanagerPayload renders the alerts of a notice as the JSON body of
// POST /api/v2/alerts.
func AlertmanagerPayload(n Notice, cfg Config, now time.Time) ([]byte, error) {
	alerts, err := Alerts(n, cfg, now)
	if err != nil {
		return nil, err
	}
	return json.Marshal(alerts)
}

func alertOf(n Notice, cfg Config, now time.Time) (Alert, error) {
	v, err := newView(n, cfg, now)
	if err != nil {
		return Alert{}, err
	}
	subject, err := renderSubject(v)
	if err != nil {
		return Alert{}, err
	}
	inc := n.Incident
	source, severity := AlertSourceLog, AlertSeverity(inc)
	if n.Kind == KindListed || n.Kind == KindDelisted {
		source, severity = AlertSourceSelfCheck, "warning"
	}
	labels := map[string]string{
		"alertname": AlertName,
		"provider":  "unknown",
		"listed":    cmpOr(v.Target, "unknown"),
		"host":      cmpOr(v.Host, "unknown"),
		"severity":  severity,
		"source":    source,
	}
	if validID(inc.Provider) {
		labels["provider"] = inc.Provider
	}
	ann := map[string]string{
		"summary": strings.TrimSpace(strings.TrimPrefix(subject, "[rblwatch]")),
	}
	set := func(k, v string) {
		if v != "" {
			ann[k] = v
		}
	}
	set("reply", v.Reply)
	set("found", v.FoundNote)
	set("lookup_url", v.Lookup)
	set("removal_url", v.Removal)
	set("incident_id", v.ID)
	set("instances", strings.Join(v.Instances, ", "))
	var checks []string
	for _, c := range v.Checks {
		if c.Zone != "" {
			checks = append(checks, c.Zone+": "+checkWord(v.Lang, c))
		}
	}
	set("checks", strings.Join(checks, ", "))
	a := Alert{Labels: labels, Annotations: ann, StartsAt: inc.FirstSeen.UTC()}
	if n.Kind == KindCleared || n.Kind == KindDelisted {
		end := inc.ClearedAt
		if end.IsZero() {
			end = now
		}
		a.EndsAt = end.UTC()
		if !a.StartsAt.IsZero() && !a.EndsAt.After(a.StartsAt) {
			a.EndsAt = a.StartsAt.Add(time.Second)
		}
	}
	return a, nil
}

// AlertSeverity is the severity of an incident seen in the log: "critical"
// once the receivers refuse for good (a 5xx first reply, or any bounce
// since), "warning" while they only defer. It is the worst seen while the
// incident is open: bounces are counted, never uncounted, so an incident
// that escalated stays critical until it clears.
func AlertSeverity(inc incident.Incident) string {
	if inc.Verdict.Temporary && inc.Bounced == 0 {
		return "warning"
	}
	return "critical"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Alertmanager posts alerts to every Alertmanager of a cluster (API v2,
// POST <url>/api/v2/alerts). Outbox items carry the alerts of one notice
// (AlertmanagerPayload); Firing, when set, gives the alerts that still fire,
// which the Alertmanager lane posts again every Repeat so that they do not
// resolve by themselves.
type Alertmanager struct {
	// URLs are the base URLs of the instances ("http://127.0.0.1:9093"),
	// every member of a cluster: the members share silences and what they
	// notified, not alerts, so each must be told (as Prometheus does).
	URLs []string
	// Client makes the requests; nil uses a client with Timeout.
	Client *http.Client
	// Timeout bounds one POST; DefaultAlertmanagerTimeout when zero.
	Timeout time.Duration
	// Validity is added to the time of a post to make a firing alert's
	// endsAt; DefaultAlertValidity when zero.
	Validity time.Duration
	// Repeat is how often Refresh posts the firing alerts;
	// DefaultAlertRepeat when zero.
	Repeat time.Duration
	// Firing returns the alerts that fire now (nil: Refresh posts nothing).
	Firing func(ctx context.Context) ([]Alert, error)
	// OnRefresh, when set, learns the outcome of each Refresh (for logs
	// and metrics).
	OnRefresh func(alerts int, err error)
	// Now is the clock for endsAt; nil is time.Now.
	Now func() time.Time
}

// Deliver posts an outbox item's alerts. Like Prometheus, it counts the
// delivery done when at least one Alertmanager accepted them (the lane
// re-posts firing alerts every minute to all of them); when none did, the
// error is temporary if any failure was.
func (a *Alertmanager) Deliver(ctx context.Context, it Item) error {
	var alerts []Alert
	if err := json.Unmarshal(it.Payload, &alerts); err != nil {
		return &SendError{Sink: "alertmanager", Op: "payload", Err: err}
	}
	return a.Post(ctx, alerts)
}

// Refresh posts the firing alerts again and returns when to do it next; it
// implements Refresher.
func (a *Alertmanager) Refresh(ctx context.Context, now time.Time) time.Time {
	repeat := a.Repeat
	if repeat <= 0 {
		repeat = DefaultAlertRepeat
	}
	if a.Firing == nil {
		return now.Add(repeat)
	}
	alerts, err := a.Firing(ctx)
	if err == nil && len(alerts) > 0 {
		err = a.Post(ctx, alerts)
	}
	if a.OnRefresh != nil {
		a.OnRefresh(len(alerts), err)
	}
	return now.Add(repeat)
}

// Post sends alerts to every URL at once; a firing alert gets endsAt = now
// + Validity.
func (a *Alertmanager) Post(ctx context.Context, alerts []Alert) error {
	if len(a.URLs) == 0 {
		return &SendError{Sink: "alertmanager", Op: "config", Err: fmt.Errorf("%w: no Alertmanager URL", ErrConfig)}
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	validity := a.Validity
	if validity <= 0 {
		validity = DefaultAlertValidity
	}
	out := make([]Alert, len(alerts))
	for i, al := range alerts {
		if al.Firing() {
			al.EndsAt = now.Add(validity).UTC()
		}
		out[i] = al
	}
	body, err := json.Marshal(out)
	if err != nil {
		return &SendError{Sink: "alertmanager", Op: "payload", Err: err}
	}
	errs := make([]error, len(a.URLs))
	var wg sync.WaitGroup
	for i, u := range a.URLs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = a.post(ctx, u, body) }()
	}
	wg.Wait()
	var details []string
	temp := false
	for _, err := range errs {
		if err == nil {
			return nil // one accepted: the alert is in the cluster
		}
		temp = temp || Temporary(err)
		if se, ok := err.(*SendError); ok {
			details = append(details, se.detail())
		} else {
			details = append(details, err.Error())
		}
	}
	if len(errs) == 1 {
		return errs[0] // it names the member
	}
	return &SendError{Sink: "alertmanager", Op: "post (no member accepted)", Temp: temp,
		Message: strings.Join(details, "; "), Err: errors.Join(errs...)}
}

// post sends one request to one Alertmanager.
func (a *Alertmanager) post(ctx context.Context, base string, body []byte) error {
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = DefaultAlertmanagerTimeout
	}
	u, err := url.JoinPath(base, "api/v2/alerts")
	if err != nil {
		return &SendError{Sink: "alertmanager", Op: "request", Err: fmt.Errorf("%w: Alertmanager URL: %w", ErrConfig, err)}
	}
	p := jsonPost{sink: "alertmanager", urlName: "Alertmanager URL", client: a.Client, timeout: timeout}
	return p.post(ctx, u, body)
}
