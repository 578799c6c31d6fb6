package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/internal/sanitize"
	"github.com/rblwatch/rblwatch/track"
)

// runIncidents lists open and recent incidents, or acknowledges one, or
// mutes (unmutes) a provider or a listed address. The daemon reads
// acknowledgements and mutes from the store when it records a notice: they
// count at once, with no restart.
//
//	rblwatch incidents [--since D] [--json]
//	rblwatch incidents ack ID
//	rblwatch incidents mute PROVIDER|IP|DOMAIN [for DURATION]
//	rblwatch incidents unmute PROVIDER|IP|DOMAIN
func runIncidents(ctx context.Context, e *env, args []string) error {
	flags := newFlags(e, "incidents")
	cfgPath := flags.String("config", config.DefaultPath, "configuration file: its state.path is used (absent at the default path: the default state)")
	since := flags.String("since", "7d", "list: cleared incidents too, when they cleared within this long (a duration: 7d, 24h; 0 for none)")
	asJSON := flags.Bool("json", false, "list: one JSON object per incident")
	// Flags may follow the operation and its arguments too: incidents ack
	// --config F ID, incidents ack ID --config F.
	rest, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	cfg, err := loadConfig("incidents", *cfgPath)
	if err != nil {
		return err
	}
	now := time.Now()
	if len(rest) == 0 {
		window, err := config.ParseDuration(*since)
		if err != nil {
			return usageError{fmt.Sprintf("incidents: --since: %q is not a duration (7d, 24h, 1d12h; 0 for none)", *since)}
		}
		return listIncidents(ctx, e, cfg, *cfgPath, now, window, *asJSON)
	}
	switch op := rest[0]; op {
	case "ack":
		if len(rest) != 2 {
			return usageError{"incidents ack: want one incident ID (see rblwatch incidents)"}
		}
		return withStore(cfg, *cfgPath, func(st *track.Store) error {
			err := st.AckIncident(ctx, rest[1], whoami(), now)
			switch {
			case errors.Is(err, track.ErrNotFound):
				return usageError{fmt.Sprintf("incidents ack: no incident %q (see rblwatch incidents)", rest[1])}
			case errors.Is(err, track.ErrNotAnnounced):
				inc, ok, _ := st.Incident(ctx, rest[1])
				if ok && inc.Status == incident.Cleared {
					// Over before anyone was told (a backlog summary
					// named it): no notice will ever come.
					return fmt.Errorf("incidents ack: %s is over (cleared %s) and was never announced on its own: there is nothing to acknowledge", rest[1], inc.ClearedAt.In(time.Local).Format("2006-01-02 15:04 MST"))
				}
				// Muted, it will get no notice to acknowledge after.
				if ok {
					mutes, _ := st.Mutes(ctx, now)
					for _, m := range mutes {
						if m.Matches(inc.Provider, inc.Listed, now) {
							return fmt.Errorf("incidents ack: %s is muted (%s): it gets no opened notice or digest while the mute lasts, so there is nothing to acknowledge", rest[1], m.Provider+m.Listed)
						}
					}
				}
				return fmt.Errorf("incidents ack: %s has not been announced yet: acknowledge it after its first notice", rest[1])
			case err != nil:
				return err
			}
			fmt.Fprintf(e.stdout, "acknowledged %s: no more digests about it (a new incident still alerts)\n", rest[1])
			return nil
		})
	case "mute", "unmute":
		m, err := muteArgs(op, rest[1:], now)
		if err != nil {
			return err
		}
		if op == "mute" && (m.Provider != "" || net.ParseIP(m.Listed) == nil) {
			// A mistyped provider ("spamhous") would mute nothing, silently;
			// so would a list's zone taken for a listed domain
			// ("zen.spamhaus.org" for spamhaus). (Unmute takes any: a
			// provider a catalog no longer has.)
			cat, err := classify.LoadFile(cfg.Catalog.File, config.MaxCatalogSize)
			if err != nil {
				return usageError{"incidents: " + err.Error()}
			}
			if m.Provider != "" && cat.Provider(m.Provider) == nil {
				return usageError{fmt.Sprintf("incidents mute: %q is no provider of the catalog (the PROVIDER column of rblwatch incidents)", rest[1])}
			}
			if p := zoneProvider(cat, m.Listed); p != "" {
				return usageError{fmt.Sprintf("incidents mute: %q is a zone of the catalog's provider %s, not an address it lists, and would mute no incident: write rblwatch incidents mute %s", rest[1], p, p)}
			}
		}
		what := m.Provider + m.Listed // as the store keeps it: "example.com" for "EXAMPLE.COM."
		return withStore(cfg, *cfgPath, func(st *track.Store) error {
			if op == "unmute" {
				n, err := st.LiftMutes(ctx, m.Provider, m.Listed, now)
				if err != nil {
					return err
				}
				if n == 0 {
					return fmt.Errorf("incidents unmute: %s is not muted", what)
				}
				fmt.Fprintf(e.stdout, "unmuted %s\n", what)
				return nil
			}
			m.CreatedAt, m.CreatedBy = now, whoami()
			if _, err := st.AddMute(ctx, m); err != nil {
				return err
			}
			until := "until unmuted"
			if !m.Until.IsZero() {
				until = "until " + m.Until.In(time.Local).Format("2006-01-02 15:04 MST")
			}
			fmt.Fprintf(e.stdout, "muted %s %s: no opened notice or digest (an incident announced already still gets its cleared notice)\n", what, until)
			return nil
		})
	}
	return usageError{fmt.Sprintf("incidents: unknown operation %q (want ack, mute or unmute)", rest[0])}
}

// zoneProvider returns the id of the provider one of whose zones is name
// (a keyed zone by what follows its key), or "".
func zoneProvider(cat *classify.Catalog, name string) string {
	if name == "" {
		return ""
	}
	for _, p := range cat.Providers() {
		for _, z := range p.Zones {
			zone := strings.ToLower(strings.TrimSuffix(z.Name, "."))
			if _, after, keyed := strings.Cut(zone, "{key}."); keyed {
				zone = after
			}
			if zone == name {
				return p.ID
			}
		}
	}
	return ""
}

// muteArgs reads "TARGET [for DURATION]": a catalog provider id, or an IP
// address or domain name as incidents list it.
func muteArgs(op string, args []string, now time.Time) (track.Mute, error) {
	var m track.Mute
	switch {
	case len(args) == 1:
	case len(args) == 3 && args[1] == "for" && op == "mute":
		d, err := config.ParseDuration(args[2])
		switch {
		case err != nil:
			return m, usageError{fmt.Sprintf("incidents mute: %q is not a duration (7d, 12h, 1d12h)", args[2])}
		case d <= 0:
			return m, usageError{fmt.Sprintf("incidents mute: for %s would end at once: give a longer time (7d, 12h, 1d12h), or no \"for\" to mute until unmuted", args[2])}
		}
		m.Until = now.Add(d)
	default:
		if op == "mute" {
			return m, usageError{"incidents mute: want PROVIDER|IP|DOMAIN [for DURATION]"}
		}
		return m, usageError{"incidents unmute: want PROVIDER|IP|DOMAIN"}
	}
	target := strings.ToLower(strings.TrimSuffix(args[0], "."))
	if a, err := netip.ParseAddr(target); err == nil {
		m.Listed = a.Unmap().String()
	} else if strings.Contains(target, ".") {
		// (unmute takes any such target: one an older release stored.)
		if msg := config.DomainProblem(target); msg != "" && op == "mute" {
			return m, usageError{fmt.Sprintf("incidents %s: %q is neither a provider id nor an IP address or domain (as a domain, it %s)", op, args[0], msg)}
		}
		m.Listed = target
	} else if target != "" && strings.Trim(target, "abcdefghijklmnopqrstuvwxyz0123456789-_") == "" {
		m.Provider = target
	} else {
		return m, usageError{fmt.Sprintf("incidents %s: %q is neither a provider id nor an IP address or domain", op, args[0])}
	}
	return m, nil
}

// withStore opens the daemon's state for writing (it may be running: the
// store serialises writers) and runs fn.
func withStore(cfg *config.Config, cfgPath string, fn func(*track.Store) error) error {
	if _, err := os.Stat(cfg.State.Path); err != nil {
		return fmt.Errorf("incidents: %w (has the daemon run? state.path in %s says where it keeps its state)", err, cfgPath)
	}
	st, err := track.Open(cfg.State.Path, nil)
	if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	defer st.Close()
	return fn(st)
}

// whoami names who acknowledged or muted, for the store.
func whoami() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}

// incidentRow is one incident as the list shows it.
type incidentRow struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	Provider   string    `json:"provider"`
	Listed     string    `json:"listed"`
	FirstSeen  time.Time `json:"first_seen"`
	LastSeen   time.Time `json:"last_seen"`
	ClearedAt  time.Time `json:"cleared_at,omitzero"`
	Messages   int       `json:"messages"`
	Bounced    int       `json:"bounced"`
	Deferred   int       `json:"deferred"`
	AckedAt    time.Time `json:"acked_at,omitzero"`
	AckedBy    string    `json:"acked_by,omitempty"`
	Muted      bool      `json:"muted,omitempty"`
	MutedUntil time.Time `json:"muted_until,omitzero"` // zero: until unmuted
}

// listIncidents prints the open incidents and those cleared within window,
// newest first, then the mutes in force.
func listIncidents(ctx context.Context, e *env, cfg *config.Config, cfgPath string, now time.Time, window time.Duration, asJSON bool) error {
	st, err := track.OpenReadOnly(cfg.State.Path, e.log)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("incidents: %w (has the daemon run? state.path in %s says where it keeps its state)", err, cfgPath)
	} else if err != nil {
		return fmt.Errorf("incidents: %w", err)
	}
	defer st.Close()
	all, err := st.Incidents(ctx)
	if err != nil {
		return err
	}
	mutes, err := st.Mutes(ctx, now)
	if err != nil {
		return err
	}
	var rows []incidentRow
	for _, inc := range all {
		if inc.Status == incident.Cleared && (window <= 0 || inc.ClearedAt.Before(now.Add(-window))) {
			continue
		}
		r := incidentRow{ID: inc.ID, Status: string(inc.Status), Provider: inc.Provider, Listed: inc.Listed,
			FirstSeen: inc.FirstSeen, LastSeen: inc.LastSeen, ClearedAt: inc.ClearedAt,
			Messages: len(inc.Messages) + inc.MoreMessages, Bounced: inc.Bounced, Deferred: inc.Deferred}
		if n, ok, err := st.IncidentNote(ctx, inc.ID); err != nil {
			return err
		} else if ok {
			r.AckedAt, r.AckedBy = n.AckedAt, n.AckedBy
		}
		for _, m := range mutes {
			// The mute that lasts longest (a provider's and an address's).
			if m.Matches(inc.Provider, inc.Listed, now) && (!r.Muted || !r.MutedUntil.IsZero() && (m.Until.IsZero() || m.Until.After(r.MutedUntil))) {
				r.Muted, r.MutedUntil = true, m.Until
			}
		}
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b incidentRow) int { return b.FirstSeen.Compare(a.FirstSeen) })
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, r := range rows {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return nil
	}
	return writeIncidents(e.stdout, rows, mutes)
}

func writeIncidents(w io.Writer, rows []incidentRow, mutes []track.Mute) error {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(time.Local).Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rows) > 0 {
		fmt.Fprintln(tw, "ID\tSTATUS\tPROVIDER\tLISTED\tFIRST SEEN\tLAST SEEN\tMESSAGES\tBOUNCED\tDEFERRED\tNOTE")
	}
	for _, r := range rows {
		var note []string
		if !r.ClearedAt.IsZero() {
			note = append(note, "cleared "+ts(r.ClearedAt))
		}
		if !r.AckedAt.IsZero() {
			note = append(note, "acked "+ts(r.AckedAt))
		}
		switch {
		case r.Muted && r.MutedUntil.IsZero():
			note = append(note, "muted")
		case r.Muted:
			note = append(note, "muted until "+ts(r.MutedUntil))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", clean(r.ID), r.Status, clean(r.Provider), clean(r.Listed),
			ts(r.FirstSeen), ts(r.LastSeen), r.Messages, r.Bounced, r.Deferred, strings.TrimSpace(strings.Join(note, ", ")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "no open or recent incident")
	}
	for _, m := range mutes {
		what := m.Provider
		if m.Listed != "" {
			what = strings.TrimPrefix(what+" "+m.Listed, " ")
		}
		until := "until unmuted"
		if !m.Until.IsZero() {
			until = "until " + ts(m.Until)
		}
		fmt.Fprintf(w, "muted: %s %s (by %s, %s)\n", clean(what), until, clean(m.CreatedBy), ts(m.CreatedAt))
	}
	return nil
}

// clean makes text from the log safe for the terminal (the one sanitizer).
func clean(s string) string { return sanitize.Line(s, 200) }
