package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/incident"
	"github.com/rblwatch/rblwatch/logwatch"
	"github.com/rblwatch/rblwatch/pipeline"
	"github.com/rblwatch/rblwatch/report"
)

// replayMemoryLimit is the Go heap size beyond which a replay collects
// garbage more eagerly (runtime/debug.SetMemoryLimit; it is not a cap).
// replayGCPercent lets the heap grow to five times what is live before a
// collection (GOGC=400) while it is below that: a replay of a short log
// then collects a few times rather than a dozen, and a long one is held
// by the limit. At 400 the built-in catalog's load (about 15 MB
// allocated, 6 MB kept) fits before the first collection (the runtime's
// 4 MB minimum heap times GOGC/100: 16 MB); at 300 (12 MB) it took two.
const (
	replayMemoryLimit = 40 << 20
	replayGCPercent   = 400
)

func runReplay(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "replay")
	format := fs.String("format", "text", "output format: text, json or html")
	lang := fs.String("lang", envLang(e), "language of text and html output, en or ja; the default follows $LC_ALL, $LC_MESSAGES or $LANG")
	since := fs.String("since", "", "ignore lines before this time (2026-11-23, 2026-11-23T14:00, RFC 3339, or a duration such as 24h or 7d before now)")
	until := fs.String("until", "", "ignore lines from this time on (same forms as --since)")
	sendingIP := fs.String("sending-ip", "", "our outbound IP: the listed IP when a reply names none (default: the configuration's sending IP when it has one)")
	roles := roleFlag(fs)
	tz := fs.String("tz", "", "time zone of syslog timestamps without one (default: the configuration's log.timezone, local)")
	settle := dayDurationFlag(fs, "settle", incident.DefaultConfig.Settle, "an incident is cleared when a delivery to an affected receiver stands this long (a `duration`: 10m, 1h, 1d) with no new rejection (default: the configuration's notify.settle)")
	quiet := dayDurationFlag(fs, "quiet", incident.DefaultConfig.Quiet, "an incident is cleared after this long (a `duration`: 6h, 7d) without a rejection (default: the configuration's notify.quiet); 0s: never")
	loadCatalog := catalogFlags(fs, "replay")
	// Flags may follow the files too: replay mail.log --format json.
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	cfg, err := configDefaults(fs, "replay", func(c *config.Config) map[string]string {
		return map[string]string{"settle": c.Notify.Settle.String(), "quiet": c.Notify.Quiet.String(), "tz": c.Log.Timezone, "sending-ip": sendingIPOf(c)}
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError{"replay: no log file given (use - for stdin)"}
	}
	if err := checkLang("replay", *lang); err != nil {
		return err
	}
	if err := checkSettle("replay", *settle); err != nil {
		return err
	}
	ip, err := checkSendingIP("replay", *sendingIP)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" && *format != "html" {
		return usageError{fmt.Sprintf("replay: unknown format %q (want text, json or html)", *format)}
	}
	loc, err := loadLocation(*tz)
	if err != nil {
		return usageError{"replay: " + err.Error()}
	}
	// A replay holds the catalog, a few read buffers and the incidents; a
	// soft limit keeps the garbage of a long log from growing the heap to
	// twice that. Set before the catalog loads: its garbage counts too.
	debug.SetMemoryLimit(replayMemoryLimit)
	if e.getenv("GOGC") == "" {
		debug.SetGCPercent(replayGCPercent)
	}
	cat, err := loadCatalog()
	if err != nil {
		return err
	}
	role, err := roles.resolve(fs, "replay")
	if err != nil {
		return err
	}
	now := time.Now()
	if *quiet < 0 {
		return usageError{fmt.Sprintf("replay: --quiet must not be negative (%v); 0s never clears an incident for quiet", *quiet)}
	}
	opts := pipeline.Options{Catalog: cat, Location: loc, SendingIP: ip, Settle: *settle, Quiet: *quiet, Ours: cfg.SendingDomains,
		ForeignAddresses: &cfg.ForeignAddresses, NoTimelines: *format != "html"}
	for _, a := range cfg.SendingIPs {
		opts.Ours = append(opts.Ours, a.String())
	}
	if opts.Since, err = parseWhen(*since, now, loc); err != nil {
		return usageError{"replay: --since: " + err.Error()}
	}
	if opts.Until, err = parseWhen(*until, now, loc); err != nil {
		return usageError{"replay: --until: " + err.Error()}
	}
	if err := checkWindow("replay", *since, *until, opts.Since, opts.Until); err != nil {
		return err
	}
	inputs, size, closeAll, err := openInputs(e, files, now)
	defer closeAll()
	if err != nil {
		return err
	}
	if p := newProgress(e.stderr, size); p != nil {
		opts.Progress = p.update
		defer p.done()
	}
	res, err := pipeline.Replay(ctx, inputs, opts)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	err = report.Write(e.stdout, res, report.Options{Catalog: opts.Catalog, Lang: *lang, Files: files, Since: opts.Since, Until: opts.Until, Role: role}, *format)
	if err != nil || len(res.Cut) == 0 {
		return err
	}
	// A cut input (a .gz still being written, a full disk) still gets its
	// report, of the lines before the cut; the exit status says it is not
	// the whole log, as zcat's does.
	cut := make([]error, len(res.Cut))
	for i, c := range res.Cut {
		cut[i] = fmt.Errorf("replay: %w (the report covers the lines before it)", c)
	}
	return errors.Join(cut...)
}

// openInputs opens every named log ("-" is stdin), plain or gzipped. Their
// modification times anchor the year of syslog timestamps.
func openInputs(e *env, names []string, now time.Time) ([]pipeline.Input, int64, func(), error) {
	var inputs []pipeline.Input
	var closers []io.Closer
	var size int64
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	var seen []os.FileInfo
	var seenNames []string
	stdin := false
	for _, name := range names {
		if name == "-" {
			if stdin {
				return nil, 0, closeAll, usageError{"replay: - (stdin) given twice: its lines would count twice"}
			}
			stdin = true
			e.terminalHint("replay: reading log lines from the terminal")
			r, err := logwatch.Decompress(e.stdin)
			if err != nil {
				return nil, 0, closeAll, fmt.Errorf("replay: stdin: %w", err)
			}
			inputs = append(inputs, pipeline.Input{Name: "stdin", R: r, Ref: now})
			continue
		}
		st, err := os.Stat(name)
		if err != nil {
			return nil, 0, closeAll, fmt.Errorf("replay: %w", err)
		}
		if st.IsDir() {
			return nil, 0, closeAll, usageError{fmt.Sprintf("replay: %s is a directory: give the log files in it (%s)", name, filepath.Join(name, "mail.log*"))}
		}
		for i, prev := range seen {
			if os.SameFile(prev, st) {
				return nil, 0, closeAll, usageError{fmt.Sprintf("replay: %s given twice (as %s before): its lines would count twice", name, seenNames[i])}
			}
		}
		seen, seenNames = append(seen, st), append(seenNames, name)
		f, err := logwatch.OpenFile(name)
		if err != nil {
			return nil, 0, closeAll, fmt.Errorf("replay: %w", err)
		}
		closers = append(closers, f)
		size += st.Size()
		inputs = append(inputs, pipeline.Input{Name: name, R: f, Ref: st.ModTime()})
	}
	return inputs, size, closeAll, nil
}
