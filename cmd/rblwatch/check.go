package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/daemon"
	"github.com/rblwatch/rblwatch/dnsbl"
)

// runCheck looks IPs and domains up in the catalog's DNS lists (or in the
// zones named with --zone) and prints the status per zone. It exits 1 when
// a target is listed somewhere.
func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check")
	asJSON := fs.Bool("json", false, "print one JSON object per target")
	server := fs.String("resolver", "", "DNS resolver as IP or IP:PORT (default: the first nameserver of /etc/resolv.conf)")
	var zoneNames checkZoneNames
	fs.Var(&zoneNames, "zone", "check only this zone (repeatable); zones unknown to the catalog are checked with default meanings")
	timeout := fs.Duration("timeout", dnsbl.DefaultTimeout, "time to wait for each DNS answer")
	cfgPath := fs.String("config", config.DefaultPath, "configuration file: its dnsbl resolver, keys and zone choices apply (absent at the default path: none)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usageError{"check: " + err.Error()}
	}
	if *server == "" {
		*server = cfg.DNSBL.Resolver
	}
	if fs.NArg() == 0 {
		return usageError{"check: no IP address or domain given"}
	}
	var targets []dnsbl.Target
	for _, a := range fs.Args() {
		t, err := dnsbl.ParseTarget(a)
		if err != nil {
			return usageError{"check: " + err.Error()}
		}
		targets = append(targets, t)
	}
	if *timeout <= 0 {
		return usageError{"check: --timeout must be positive"}
	}
	addr, err := checkResolver(*server)
	if err != nil {
		return usageError{"check: " + err.Error()}
	}
	if op, public := dnsbl.PublicResolver(addr); public {
		fmt.Fprintf(e.stderr, "rblwatch: warning: resolver %s is %s, a public resolver: Spamhaus and other lists refuse such queries or answer them with an error code; use a resolver of your own (e.g. a local unbound) for DNSBL lookups\n", addr, op)
	}
	r := &dnsbl.Resolver{Server: addr, Timeout: *timeout}
	anyListed := false
	providers := daemon.ConfiguredProviders(classify.Default(), cfg.DNSBL)
	for i, rows := range checkTargets(ctx, e, r, providers, zoneNames, targets) {
		for _, row := range rows {
			anyListed = anyListed || row.Status == dnsbl.StatusListed
		}
		if *asJSON {
			err = checkWriteJSON(e.stdout, targets[i].String(), rows)
		} else {
			err = checkWriteText(e.stdout, targets[i].String(), rows)
		}
		if err != nil {
			return err
		}
	}
	if anyListed {
		return exitError{1}
	}
	return nil
}

// checkTargets checks a few targets at a time (each against all its zones
// at once) and returns their rows in the order of targets.
func checkTargets(ctx context.Context, e *env, r *dnsbl.Resolver, providers []*classify.Provider, names []string, targets []dnsbl.Target) [][]checkRow {
	out := make([][]checkRow, len(targets))
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, t := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			zones := checkSelectZones(providers, names, t)
			list := make([]dnsbl.Zone, len(zones))
			for j, z := range zones {
				list[j] = z.zone
			}
			out[i] = checkRows(t, zones, dnsbl.Check(ctx, e.log, r, list, t.String(), time.Now()))
		})
	}
	wg.Wait()
	return out
}

// checkResolver returns the --resolver address, or the first name server
// of /etc/resolv.conf.
func checkResolver(flagValue string) (string, error) {
	if flagValue != "" {
		return dnsbl.ServerAddr(flagValue)
	}
	data, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return "", fmt.Errorf("no --resolver and %w", err)
	}
	servers, err := dnsbl.ParseResolvConf(data)
	if err != nil {
		return "", fmt.Errorf("/etc/resolv.conf: %w", err)
	}
	return servers[0], nil
}

// checkZoneNames collects repeated --zone flags.
type checkZoneNames []string

func (z *checkZoneNames) String() string { return strings.Join(*z, ",") }
func (z *checkZoneNames) Set(s string) error {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if s == "" {
		return fmt.Errorf("empty zone name")
	}
	*z = append(*z, s)
	return nil
}

// checkZone is a zone with the catalog provider it belongs to (nil for a
// zone unknown to the catalog).
type checkZone struct {
	zone     dnsbl.Zone
	provider *classify.Provider
}

// checkSelectZones returns the catalog zones to check t against, or the
// named ones (see dnsbl.Select), with their providers.
func checkSelectZones(providers []*classify.Provider, names []string, t dnsbl.Target) []checkZone {
	var all []dnsbl.Zone
	var owner []*classify.Provider
	for _, p := range providers {
		for _, z := range p.Zones {
			all, owner = append(all, z), append(owner, p)
		}
	}
	picked, index := dnsbl.Select(all, names, t)
	out := make([]checkZone, len(picked))
	for i, z := range picked {
		out[i].zone = z
		if index[i] >= 0 {
			out[i].provider = owner[index[i]]
		}
	}
	return out
}

// checkRow is one line of output: a result with its provider's links.
type checkRow struct {
	dnsbl.Result
	Provider     string
	ProviderName string
	LookupURL    string
	RemovalURL   string
	Note         string // the zone's note from the catalog ("historical: …")
}

func checkRows(t dnsbl.Target, zones []checkZone, results []dnsbl.Result) []checkRow {
	rows := make([]checkRow, len(results))
	for i, res := range results {
		rows[i].Result = res
		rows[i].Note = zones[i].zone.Note
		if p := zones[i].provider; p != nil {
			rows[i].Provider, rows[i].ProviderName = p.ID, p.Name
			rows[i].LookupURL = p.LookupLink(t.String())
			if res.Status == dnsbl.StatusListed {
				rows[i].RemovalURL = p.RemovalLink(t.String())
			}
		}
	}
	return rows
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
}

func checkWriteJSON(w io.Writer, target string, rows []checkRow) error {
	out := struct {
		Target  string            `json:"target"`
		Listed  bool              `json:"listed"`
		Results []checkJSONResult `json:"results"`
	}{Target: target, Results: []checkJSONResult{}}
	for _, r := range rows {
		out.Listed = out.Listed || r.Status == dnsbl.StatusListed
		codes := r.Codes
		if codes == nil {
			codes = []string{}
		}
		out.Results = append(out.Results, checkJSONResult{
			Zone: r.Zone, Provider: r.Provider, Status: string(r.Status), Codes: codes, Meaning: r.Meaning,
			TXT: r.TXT, Error: r.Reason, LookupURL: r.LookupURL, RemovalURL: r.RemovalURL, Note: r.Note,
		})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// checkWriteText prints a compact table per target: zone, provider,
// status, then the codes with their meaning and the list's reason, or the
// error; links go on a line of their own below a listing.
func checkWriteText(w io.Writer, target string, rows []checkRow) error {
	listed := 0
	for _, r := range rows {
		if r.Status == dnsbl.StatusListed {
			listed++
		}
	}
	fmt.Fprintf(w, "%s: listed in %d of %d zones\n", target, listed, len(rows))
	if len(rows) == 0 {
		fmt.Fprintf(w, "  (no zone fits this target)\n\n")
		return nil
	}
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for _, r := range rows {
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

func checkDetail(r checkRow) string {
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
