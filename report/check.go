package report

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/dnsbl"
)

// CheckZone is a zone to check with the catalog provider it belongs to
// (nil for a zone unknown to the catalog).
type CheckZone struct {
	Zone     dnsbl.Zone
	Provider *classify.Provider
}

// SelectZones returns the enabled zones of providers that fit t, or the
// zones named (see dnsbl.Select: a name unknown to the providers is checked
// with default meanings), each with its provider.
func SelectZones(providers []*classify.Provider, names []string, t dnsbl.Target) []CheckZone {
	var all []dnsbl.Zone
	var owner []*classify.Provider
	for _, p := range providers {
		for _, z := range p.Zones {
			all, owner = append(all, z), append(owner, p)
		}
	}
	picked, index := dnsbl.Select(all, names, t)
	out := make([]CheckZone, len(picked))
	for i, z := range picked {
		out[i].Zone = z
		if index[i] >= 0 {
			out[i].Provider = owner[index[i]]
		}
	}
	return out
}

// CheckRow is one zone's result for a target, with its provider's links.
type CheckRow struct {
	dnsbl.Result
	Provider     string // the provider's id; "" for a zone unknown to the catalog
	ProviderName string
	LookupURL    string
	RemovalURL   string // only when listed
	Note         string // the zone's note from the catalog ("historical: …")
}

// CheckReport is what the lists say about one target (rblwatch check).
type CheckReport struct {
	Target string
	Rows   []CheckRow
}

// Listed says whether some zone lists the target.
func (c *CheckReport) Listed() bool { return c.listed() > 0 }

// Decided says whether some zone gave a definite answer for the target
// (listed, or clean: NXDOMAIN, no record, a whitelist code). Errors —
// timeouts, SERVFAIL, REFUSED, refusal codes such as Spamhaus's
// 127.255.255.x — decide nothing, and neither does the "not listed" of a
// zone that lists no IPv6 address (not asked: a dead resolver gives it
// too) unless every zone is such a one.
func (c *CheckReport) Decided() bool {
	asked := false
	for _, r := range c.Rows {
		if r.NoIPv6 {
			continue
		}
		asked = true
		if r.Status == dnsbl.StatusListed || r.Status == dnsbl.StatusClean {
			return true
		}
	}
	return !asked && len(c.Rows) > 0
}

func (c *CheckReport) listed() int {
	n := 0
	for _, r := range c.Rows {
		if r.Status == dnsbl.StatusListed {
			n++
		}
	}
	return n
}

// NewCheckReport pairs the results of dnsbl.Check with the zones they
// answer (same order) and their providers' links.
func NewCheckReport(t dnsbl.Target, zones []CheckZone, results []dnsbl.Result) CheckReport {
	rows := make([]CheckRow, len(results))
	for i, res := range results {
		rows[i].Result = res
		rows[i].Note = zones[i].Zone.Note
		if p := zones[i].Provider; p != nil {
			rows[i].Provider, rows[i].ProviderName = p.ID, p.Name
			rows[i].LookupURL = p.LookupLink(t.String())
			if res.Status == dnsbl.StatusListed {
				rows[i].RemovalURL = p.RemovalLink(t.String())
			}
		}
	}
	return CheckReport{Target: t.String(), Rows: rows}
}

// checkParallel is how many targets are looked up at once (each in all its
// zones at once).
const checkParallel = 4

// CheckTargets looks each target up through r in the zones SelectZones
// picks for it, a few targets at a time, and returns their reports in the
// order of targets. Each zone's RFC 5782 test point is looked up once for
// the run (per kind of target, see dnsbl.CheckRound): a zone that fails it
// answers "could not tell" (an error row) instead of a false "clean".
func CheckTargets(ctx context.Context, log *zap.Logger, r *dnsbl.Resolver, providers []*classify.Provider, names []string, targets []dnsbl.Target, now time.Time) []CheckReport {
	out := make([]CheckReport, len(targets))
	health := dnsbl.NewHealth()
	sem := make(chan struct{}, checkParallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			zones := SelectZones(providers, names, t)
			list := make([]dnsbl.Zone, len(zones))
			for j, z := range zones {
				list[j] = z.Zone
			}
			out[i] = NewCheckReport(t, zones, dnsbl.CheckRound(ctx, log, r, health, list, t.String(), now))
		})
	}
	wg.Wait()
	return out
}

type checkJSONResult struct {
	Zone       string   `json:"zone"`
	Provider   string   `json:"provider"`
	Status     string   `json:"status"`
	Codes      []string `json:"codes"`
	Meaning    string   `json:"meaning,omitempty"`
	TXT        string   `json:"txt,omitempty"`
	Error      string   `json:"error,omitempty"`
	LookupURL  string   `json:"lookup_url,omitempty"`
	RemovalURL string   `json:"removal_url,omitempty"`
	Note       string   `json:"note,omitempty"`
	NoIPv6     bool     `json:"no_ipv6,omitempty"`
}

// WriteCheckJSON writes c as one line of JSON: target, listed, and a result
// per zone (provider "" for a zone unknown to the catalog, codes [] when
// none). Scripts read these field names: keep them.
func WriteCheckJSON(w io.Writer, c *CheckReport) error {
	out := struct {
		Target  string            `json:"target"`
		Listed  bool              `json:"listed"`
		Results []checkJSONResult `json:"results"`
	}{Target: c.Target, Listed: c.Listed(), Results: []checkJSONResult{}}
	for _, r := range c.Rows {
		codes := r.Codes
		if codes == nil {
			codes = []string{}
		}
		out.Results = append(out.Results, checkJSONResult{
			Zone: r.Zone, Provider: r.Provider, Status: string(r.Status), Codes: codes, Meaning: r.Meaning,
			TXT: r.TXT, Error: r.Reason, LookupURL: r.LookupURL, RemovalURL: r.RemovalURL, Note: r.Note,
			NoIPv6: r.NoIPv6,
		})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// WriteCheckText writes c as a compact table: zone, provider, status, then
// the codes with their meaning and the list's reason, or the error; links
// go on a line of their own below a listing. A blank line ends it.
func WriteCheckText(w io.Writer, c *CheckReport) error {
	unknown := 0
	for _, r := range c.Rows {
		if r.Status == dnsbl.StatusError {
			unknown++
		}
	}
	if unknown > 0 { // else "listed in 0 of 19 zones" reads as clean
		fmt.Fprintf(w, "%s: listed in %d of %d zones, %d could not tell\n", c.Target, c.listed(), len(c.Rows), unknown)
	} else {
		fmt.Fprintf(w, "%s: listed in %d of %d zones\n", c.Target, c.listed(), len(c.Rows))
	}
	if len(c.Rows) == 0 {
		fmt.Fprintf(w, "  (no zone fits this target)\n\n")
		return nil
	}
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, r := range c.Rows {
		name := r.ProviderName
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", r.Zone, name, r.Status, checkDetail(r))
		if r.Status == dnsbl.StatusListed {
			for _, link := range []struct{ label, url string }{{"lookup", r.LookupURL}, {"removal", r.RemovalURL}} {
				if link.url != "" {
					fmt.Fprintf(tw, "  \t\t\t%s: %s\n", link.label, link.url)
				}
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for line := range strings.Lines(buf.String()) {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

func checkDetail(r CheckRow) string {
	var parts []string
	if len(r.Codes) > 0 {
		parts = append(parts, strings.Join(r.Codes, ","))
	}
	if r.Meaning != "" {
		parts = append(parts, "("+r.Meaning+")")
	}
	if r.Allowed {
		parts = append(parts, "whitelisted")
	}
	if r.NoIPv6 {
		parts = append(parts, "(the list has no IPv6 addresses)")
	}
	if r.TXT != "" {
		parts = append(parts, `"`+r.TXT+`"`)
	}
	if r.Reason != "" {
		parts = append(parts, r.Reason)
	}
	if r.Note != "" {
		parts = append(parts, "["+r.Note+"]")
	}
	return strings.Join(parts, " ")
}
