package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/daemon"
	"github.com/rblwatch/rblwatch/dnsbl"
	"github.com/rblwatch/rblwatch/report"
)

// Exit statuses of rblwatch check, as monitoring plugins use them.
const (
	checkListed  = 1 // some zone lists some target
	checkUnknown = 3 // nothing listed, and some target got no definite answer
)

// runCheck looks IPs and domains up in the catalog's DNS lists (or in the
// zones named with --zone) and prints the status per zone. It exits 1 when
// a target is listed somewhere, else 3 when some target got no definite
// answer from any zone (every lookup failed, or its zone failed its RFC
// 5782 test point, looked up once a run: "could not tell"), else 0.
func runCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check")
	asJSON := fs.Bool("json", false, "print one JSON object per target")
	server := fs.String("resolver", "", "DNS resolver as IP or IP:PORT (default: the first nameserver of /etc/resolv.conf)")
	var zones []string
	fs.Func("zone", "check only this zone (repeatable); zones unknown to the catalog are checked with default meanings", func(s string) error {
		if s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")); s == "" {
			return errors.New("empty zone name")
		}
		zones = append(zones, s)
		return nil
	})
	timeout := fs.Duration("timeout", dnsbl.DefaultTimeout, "time to wait for each DNS answer (default: the configuration's dnsbl.timeout)")
	cfgPath := fs.String("config", config.DefaultPath, "configuration file: its catalog.file, dnsbl resolver, timeout, keys and zone choices apply, as in the daemon's self-check (absent at the default path: none)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(fs.Output(), `
Exit status (as monitoring plugins use it):
  0  no zone lists any target
  1  some zone lists some target
  2  usage error
  3  could not tell: nothing is listed, and for some target no zone gave a
     definite answer (every lookup timed out, failed or was refused, or the
     zone failed its RFC 5782 test point: 127.0.0.2 must be listed and
     127.0.0.1 not — a dead or mistyped zone answers NXDOMAIN for both; for
     an IPv6 address ::FFFF:7F00:2, or the IPv4 points when the list lacks
     it, as most do)
`)
	}
	// Flags may follow the targets too ("check 192.0.2.1 --json"), as
	// monitoring plugins' command lines often put them.
	names, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if _, err := configDefaults(fs, "check", func(c *config.Config) map[string]string {
		return map[string]string{"timeout": c.DNSBL.Timeout.String()}
	}); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return usageError{"check: " + err.Error()}
	}
	// The daemon's catalog: the providers of catalog.file have zones too.
	cat, err := classify.LoadFile(cfg.Catalog.File, config.MaxCatalogSize)
	if err != nil {
		return usageError{"check: " + err.Error()}
	}
	if len(zones) == 0 {
		// The configuration's zones are asked: what config check and run
		// refuse of them (a keyed zone without its key), check refuses
		// too, rather than leave that zone out without a word.
		for _, p := range daemon.ZoneProblems(cat, cfg.DNSBL) {
			if !p.Warning {
				return usageError{fmt.Sprintf("check: %s: %s: %s", *cfgPath, p.Key, p.Msg)}
			}
		}
	}
	if *server == "" {
		*server = cfg.DNSBL.Resolver
	}
	if len(names) == 0 {
		return usageError{"check: no IP address or domain given"}
	}
	var targets []dnsbl.Target
	seen := map[dnsbl.Target]bool{} // each once, whatever its form: 192.0.2.1, ::ffff:192.0.2.1
	for _, a := range names {
		t, err := dnsbl.ParseTarget(a)
		if err != nil {
			return usageError{"check: " + err.Error()}
		}
		if seen[t] {
			continue
		}
		seen[t] = true
		targets = append(targets, t)
		if d := t.Domain; d != "" {
			// A domain list lists registered domains: a name sending_domains
			// would refuse (one label, a label with a hyphen at an end) is
			// a typo, whose "clean" would mislead.
			if msg := config.DomainProblem(d); msg != "" {
				return usageError{fmt.Sprintf("check: %q %s", a, msg)}
			}
		}
	}
	if *timeout <= 0 {
		return usageError{"check: --timeout must be positive"}
	}
	if *timeout < config.MinTimeout {
		return usageError{fmt.Sprintf("check: --timeout %s is shorter than %s: no DNS answer comes that fast", *timeout, config.MinTimeout)}
	}
	addr, err := daemon.ResolverAddr(*server)
	if err != nil {
		return usageError{"check: " + err.Error()}
	}
	if op, public := dnsbl.PublicResolver(addr); public {
		fmt.Fprintf(e.stderr, "rblwatch: warning: resolver %s is %s, a public resolver: Spamhaus and other lists refuse such queries or answer them with an error code; use a resolver of your own (e.g. a local unbound) for DNSBL lookups\n", addr, op)
	}
	r := &dnsbl.Resolver{Server: addr, Timeout: *timeout}
	providers := daemon.ConfiguredProviders(cat, cfg.DNSBL)
	write, listed := report.WriteCheckText, false
	if *asJSON {
		write = report.WriteCheckJSON
	}
	var undecided []string
	for _, c := range report.CheckTargets(ctx, e.log, r, providers, zones, targets, time.Now()) {
		listed = listed || c.Listed()
		if !c.Decided() {
			undecided = append(undecided, c.Target)
		}
		if err := write(e.stdout, &c); err != nil {
			return err
		}
	}
	switch {
	case listed:
		return exitError{checkListed}
	case len(undecided) > 0:
		fmt.Fprintf(e.stderr, "rblwatch: check: could not tell: no zone gave a definite answer for %s\n", strings.Join(undecided, ", "))
		return exitError{checkUnknown}
	}
	return nil
}
