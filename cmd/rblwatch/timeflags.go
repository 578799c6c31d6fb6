package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/rblwatch/rblwatch/config"
)

// envLang picks the output language from the environment: Japanese when
// LC_ALL, LC_MESSAGES or LANG starts with "ja", else English.
func envLang(e *env) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := e.getenv(k); v != "" {
			if strings.HasPrefix(v, "ja") {
				return "ja"
			}
			return "en"
		}
	}
	return "en"
}

// loadLocation returns the named zone, or the local one for "".
func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		return time.Local, nil
	}
	return time.LoadLocation(name)
}

// parseWhen reads a --since/--until value: RFC 3339, a date, a date and time
// (in loc), or a duration meaning that long before now, in days too as the
// configuration and incidents --since write them ("7d", "1d12h", "24h"; a
// leading "-" changes nothing). "" is the zero time.
func parseWhen(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := config.ParseDuration(strings.TrimPrefix(s, "-")); err == nil {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot read time %q (use 2026-11-23, 2026-11-23T14:00, RFC 3339 or a duration like 24h or 7d)", s)
}

// dayDuration is a duration flag that takes days too, as the
// configuration writes them ("7d", "1d12h", "90m"); a leading "-" makes it
// negative, for the caller to refuse with its own words.
type dayDuration struct{ d *time.Duration }

func (f dayDuration) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f dayDuration) Set(s string) error {
	d, err := config.ParseDuration(strings.TrimPrefix(s, "-"))
	if err != nil {
		return errors.New("not a duration (90s, 6h, 7d, 1d12h)")
	}
	if strings.HasPrefix(s, "-") {
		d = -d
	}
	*f.d = d
	return nil
}

// dayDurationFlag defines a dayDuration flag.
func dayDurationFlag(fs *flag.FlagSet, name string, value time.Duration, usage string) *time.Duration {
	d := value
	fs.Var(dayDuration{&d}, name, usage)
	return &d
}

// terminalHint tells, on stderr, that stdin is read from the terminal and
// how to end it, when it is a terminal: else the command waits in silence,
// as if hung.
func (e *env) terminalHint(what string) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(e.stderr, "rblwatch %s; end with Ctrl-D\n", what)
	}
}

// progress prints how far a long replay has got, on a terminal only.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int64
	start time.Time
	last  time.Time
	shown bool
}

// newProgress returns nil unless w is a terminal.
func newProgress(w io.Writer, total int64) *progress {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	now := time.Now()
	return &progress{w: w, total: total, start: now, last: now}
}

func (p *progress) update(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(n) / now.Sub(p.start).Seconds() / 1e6
	if p.total > 0 && n <= p.total {
		fmt.Fprintf(p.w, "\rreplay: %3.0f%%  %6.1f MB  %6.1f MB/s ", 100*float64(n)/float64(p.total), float64(n)/1e6, rate)
	} else {
		fmt.Fprintf(p.w, "\rreplay: %6.1f MB  %6.1f MB/s ", float64(n)/1e6, rate)
	}
	p.shown = true
}

func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// checkWindow refuses a --since/--until pair that holds no time (until not
// after since: the flags swapped), which would otherwise read everything
// and show nothing, as an empty log does.
func checkWindow(cmd, sinceFlag, untilFlag string, since, until time.Time) error {
	if !since.IsZero() && !until.IsZero() && !until.After(since) {
		return usageError{fmt.Sprintf("%s: --until %s is not after --since %s", cmd, untilFlag, sinceFlag)}
	}
	return nil
}
