package config

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rblwatch/rblwatch/internal/bounded"
)

// Bounds on what a configuration may make rblwatch read, expand or print:
// a hostile or broken file gets a short, clear error, never a read of
// gigabytes or a screen of megabytes.
const (
	// MaxFileSize is the largest configuration file read (1 MiB; a
	// complete one is a few KiB).
	MaxFileSize = 1 << 20
	// MaxCatalogSize is the largest catalog.file read (the built-in
	// catalog is under 200 KiB).
	MaxCatalogSize = 8 << 20
	// maxPasswordSize is the largest notify.password_file read.
	maxPasswordSize = 4 << 10
	// maxAliasValues is how many values YAML aliases may stand for in all.
	maxAliasValues = 10000
	// maxProblems is how many problems are reported; the rest are counted.
	maxProblems = 100
	// maxQuoted is how much of a value a message quotes.
	maxQuoted = 64
	// maxText is how long a text inserted into a message may be.
	maxText = 512
	// MaxForeignAddresses bounds foreign_addresses: the addresses that
	// are not ours the daemon remembers for a day (a few MiB at most).
	MaxForeignAddresses = 100000
	// MinTimeout bounds dnsbl.timeout (and check --timeout) from below: a
	// resolver on the same host answers in about a tenth of it.
	MinTimeout = time.Millisecond
	// MaxResolverFailures bounds dnsbl.resolver_failures.
	MaxResolverFailures = 1000
	// MaxBackfill bounds log.backfill: an older backlog is a replay's job.
	MaxBackfill = 7 * Day
)

// ErrTooLarge is wrapped by the errors of files over their size limit.
var ErrTooLarge = errors.New("config: file too large")

// ReadFile reads the file at path if it holds at most max bytes (see
// bounded.ReadFile); a larger one is an error wrapping ErrTooLarge.
func ReadFile(path string, max int64) ([]byte, error) {
	data, err := bounded.ReadFile(path, max)
	if tl := (*bounded.TooLargeError)(nil); errors.As(err, &tl) {
		return nil, tooLarge(path, max)
	}
	return data, err
}

func tooLarge(path string, max int64) error {
	return fmt.Errorf("%w: %w", ErrTooLarge, &bounded.TooLargeError{Path: path, Max: max})
}

// prefix cuts s to at most n bytes at a character boundary, reporting
// whether it cut.
func prefix(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// quote quotes a value for a message: all of it when short, else its first
// bytes and its length ("AAAA…" (102400 bytes)).
func quote(s string) string {
	p, cut := prefix(s, maxQuoted)
	if !cut {
		return strconv.Quote(s)
	}
	return strconv.Quote(p) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// clipped is a message argument that prints within bounds: %q quotes a
// prefix (see quote), %s and %v cut the text at maxText bytes.
type clipped string

func (c clipped) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		io.WriteString(f, quote(string(c)))
		return
	}
	p, cut := prefix(string(c), maxText)
	io.WriteString(f, p)
	if cut {
		fmt.Fprintf(f, "… (%d bytes)", len(c))
	}
}

// clipArgs bounds the text arguments of a message: whatever a file holds,
// one problem stays a line.
func clipArgs(args []any) []any {
	for i, a := range args {
		if s, ok := a.(string); ok && len(s) > maxQuoted {
			args[i] = clipped(s)
		}
	}
	return args
}
