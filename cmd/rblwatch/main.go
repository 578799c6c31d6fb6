// Command rblwatch watches the Postfix log for rejections caused by reputation
// and block lists, explains them, and tells the postmaster.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/rblwatch/rblwatch/config"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// version and commit are set at build time (packaging/build-deb):
//
//	-ldflags "-X main.version=0.1.0 -X main.commit=<git revision>"
//
// Without them, the module's version and the VCS revision Go stamped into
// the binary are used when there are any.
var (
	version = "dev"
	commit  = ""
)

// env is what a subcommand may touch: its streams, a logger, the
// environment. Tests build one with buffers.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *zap.Logger
	getenv func(string) string
	// logging rebuilds log from flags, environment and configuration; nil
	// in tests (log stays as given).
	logging *logging
}

// command is one entry of the subcommand table.
type command struct {
	name    string
	args    string // synopsis of the arguments, for usage
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands is the subcommand table; it is filled in init because the
// subcommands' usage refers back to it.
var commands []command

func init() {
	commands = []command{
		{"explain", "[--json] [--lang en|ja] [--role dedicated|operator|customer] [--shared] [--sending-ip IP] [--config FILE] [--catalog FILE] [TEXT…]", "explain a rejection text or log line (stdin: one per line)", runExplain},
		{"replay", "[--format text|json|html] [--since T] [--until T] [--lang en|ja] [--sending-ip IP] [--settle D] [--quiet D] [--tz ZONE] [--role dedicated|operator|customer] [--shared] [--config FILE] [--catalog FILE] FILE…", "audit past logs (plain or .gz; - for stdin)", runReplay},
		{"check", "[--json] [--resolver HOST:PORT] [--timeout D] [--zone NAME]… [--config FILE] IP|DOMAIN…", "check IPs or domains against the DNS lists", runCheck},
		{"run", "[--config FILE]", "the daemon: follow the log, verify, notify", runDaemon},
		{"messages", "[--deferred] [--queue-id ID] [--incident ID] [--sender A] [--sasl LOGIN] [--domain D] [--state S] [--since T] [--until T] [--limit N] [--json] [--config FILE]", "tracked messages and their fate", runMessages},
		{"incidents", "[--config FILE] [--since D] [--json] | ack ID | mute PROVIDER|IP|DOMAIN [for DURATION] | unmute PROVIDER|IP|DOMAIN", "open and recent incidents; acknowledge one (no more digests) or mute a provider or address", runIncidents},
		{"config", "check|example [--config FILE]", "validate a configuration file, or print an example", runConfig},
		{"version", "", "print the version, the commit and the Go version", runVersion},
		{"completion", "bash|zsh", "print a shell completion script", runCompletion},
		{"man", "", "print the manual page (roff, for man(1))", runMan},
	}
}

// usageError is returned for bad invocations; main exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries a specific exit status without a message of its own
// (rblwatch check exits 1 when a target is listed).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal asks the work to stop; the next ends the process,
	// so that a command stuck where its work cannot be cancelled (an open
	// that waits, as replay's of a named pipe) ends at the second Ctrl-C.
	// It is caught, not left to its default effect: stop gives a signal
	// back to how the process began with it, and a background job of a
	// shell script begins with SIGINT ignored.
	context.AfterFunc(ctx, func() {
		second := make(chan os.Signal, 1)
		signal.Notify(second, os.Interrupt, syscall.SIGTERM)
		stop()
		go func() {
			s := <-second
			os.Exit(128 + int(s.(syscall.Signal)))
		}()
	})
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	e.logging = &logging{w: os.Stderr, level: zap.NewAtomicLevel()}
	code := mainCode(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// mainCode runs a command line and returns its exit status: the log is
// set up from the environment first (a bad RBLWATCH_LOG_LEVEL is a usage
// error, and leaves no log to flush).
func mainCode(ctx context.Context, e *env, args []string) int {
	err := e.configureLog(nil)
	if err == nil {
		err = dispatch(ctx, e, args)
	}
	if e.log != nil {
		_ = e.log.Sync()
	}
	return exitCode(e.stderr, err)
}

// exitCode maps an error to the process exit status, printing it.
func exitCode(stderr io.Writer, err error) int {
	var ue usageError
	var ee exitError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "rblwatch: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "rblwatch: %v\n", err)
		return 1
	}
}

func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) >= 2 && args[0] == "help" {
		// "rblwatch help replay" is "rblwatch replay --help", as git and
		// go take it; "help incidents ack" is incidents' usage, which
		// covers ack.
		args = []string{args[1], "--help"}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout)
		if len(args) == 0 {
			return usageError{"no subcommand"}
		}
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(e.stderr)
	return usageError{fmt.Sprintf("unknown subcommand %q", args[0])}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: rblwatch SUBCOMMAND [FLAGS] [ARGS]\n\nSubcommands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'rblwatch SUBCOMMAND --help' for its flags.\n")
}

// newFlags returns a FlagSet for a subcommand that prints its usage on -h and
// reports errors instead of exiting.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	logFlags(e, fs)
	for _, c := range commands {
		if c.name == name {
			fs.Usage = func() {
				fmt.Fprintf(fs.Output(), "usage: rblwatch %s %s\n\n%s.\n\nFlags:\n", c.name, c.args, c.summary)
				fs.PrintDefaults()
			}
		}
	}
	return fs
}

// parseFlags parses args, mapping flag errors to usage errors: one line,
// naming the subcommand (the flag package would print the error and the
// whole flag list before it); --help prints the flag list.
func parseFlags(fs *flag.FlagSet, args []string) error {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.SetOutput(out)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
		return err
	}
	return usageError{fmt.Sprintf("%s: %v (rblwatch %[1]s --help lists the flags)", fs.Name(), err)}
}

// parseInterleaved parses the flags of fs wherever they stand among args
// and returns the other arguments in order: a postmaster types flags after
// the operands too ("incidents ack ID --config F", "explain TEXT --json",
// "replay mail.log --format json"). After the first operand an argument is
// a flag only when it names one of fs's ("for -1h" stays a bad duration, not
// an unknown flag) or asks for help (-h, --help: the usage, exit 0); "--"
// ends the flags, wherever it stands.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	var rest []string
	if n := len(args) - fs.NArg(); n > 0 && args[n-1] == "--" {
		return fs.Args(), nil // "--" before the first operand
	}
	args = fs.Args()
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			return append(rest, args[1:]...), nil
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if (a == "-h" || a == "--h" || a == "-help" || a == "--help") && f == nil {
			// Help, wherever it is asked for (the flag package's own
			// -h and -help).
			return nil, parseFlags(fs, []string{a})
		}
		if !strings.HasPrefix(a, "-") || f == nil {
			rest, args = append(rest, a), args[1:]
			continue
		}
		// One flag at a time, with its value, so that a "--" after it
		// still ends the flags here.
		n := 2
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); hasValue || ok && b.IsBoolFlag() || len(args) == 1 {
			n = 1
		}
		if err := parseFlags(fs, args[:n]); err != nil {
			return nil, err
		}
		args = args[n:]
	}
	return rest, nil
}

// noArgs refuses arguments to a subcommand that takes none.
func noArgs(fs *flag.FlagSet) error {
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// loadConfig loads the configuration a subcommand's --config names; one
// that cannot be loaded (missing, unreadable, with errors) is a usage error
// naming the subcommand.
func loadConfig(cmd, path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{cmd + ": " + err.Error()}
	}
	return cfg, nil
}

// logging is where rblwatch's own log goes and how it looks: each setting
// from the command line (--log-level, --log-format), else the environment
// (RBLWATCH_LOG_LEVEL, RBLWATCH_LOG_FORMAT, or the older RBLWATCH_LOG=json),
// else the configuration (run), else info and text (docs/config.md).
type logging struct {
	w                     io.Writer
	level                 zap.AtomicLevel
	flagLevel, flagFormat string // set by the flags
	format                config.LogFormat
}

// configureLog (re)builds e.log from the flags, the environment and c (nil:
// no configuration).
func (e *env) configureLog(c *config.Logging) error {
	l := e.logging
	if l == nil {
		return nil
	}
	level, format, err := e.logSettings(c)
	if err != nil {
		return err
	}
	var zl zapcore.Level
	if err := zl.Set(string(level)); err != nil {
		return usageError{err.Error()}
	}
	l.level.SetLevel(zl)
	if e.log == nil || format != l.format {
		l.format = format
		e.log = newLogger(l.w, l.level, format)
	}
	return nil
}

// logSettings resolves the level and format.
func (e *env) logSettings(c *config.Logging) (config.LogLevel, config.LogFormat, error) {
	l := e.logging
	level, format := config.LogInfo, config.LogText
	if c != nil {
		level, format = c.Level, c.Format
	}
	if s := cmp.Or(l.flagLevel, e.getenv("RBLWATCH_LOG_LEVEL")); s != "" {
		v, err := config.ParseLogLevel(s)
		if err != nil && l.flagLevel == "" {
			return "", "", usageError{"RBLWATCH_LOG_LEVEL: " + err.Error()}
		} else if err != nil {
			return "", "", usageError{err.Error()}
		}
		level = v
	}
	legacy := ""
	if e.getenv("RBLWATCH_LOG") == "json" {
		legacy = "json"
	}
	if s := cmp.Or(l.flagFormat, e.getenv("RBLWATCH_LOG_FORMAT"), legacy); s != "" {
		v, err := config.ParseLogFormat(s)
		if err != nil && l.flagFormat == "" {
			return "", "", usageError{"RBLWATCH_LOG_FORMAT: " + err.Error()}
		} else if err != nil {
			return "", "", usageError{err.Error()}
		}
		format = v
	}
	return level, format, nil
}

// newLogger writes logs at level to w, as text or JSON lines.
func newLogger(w io.Writer, level zap.AtomicLevel, format config.LogFormat) *zap.Logger {
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if format == config.LogJSON {
		enc = zapcore.NewJSONEncoder(encCfg)
	} else {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), level))
}

// logFlags adds --log-level and --log-format to a subcommand's flags.
func logFlags(e *env, fs *flag.FlagSet) {
	fs.Func("log-level", "`level` of rblwatch's own log: debug, info, warn or error (default: logging.level, else info)", func(s string) error {
		if _, err := config.ParseLogLevel(s); err != nil {
			return err
		}
		if e.logging != nil {
			e.logging.flagLevel = s
		}
		return e.configureLog(nil)
	})
	fs.Func("log-format", "`format` of rblwatch's own log: text or json (default: logging.format, else text)", func(s string) error {
		if _, err := config.ParseLogFormat(s); err != nil {
			return err
		}
		if e.logging != nil {
			e.logging.flagFormat = s
		}
		return e.configureLog(nil)
	})
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	v, c, g := versionInfo()
	fmt.Fprintf(e.stdout, "rblwatch %s\ncommit %s\n%s %s/%s\n", v, c, g, runtime.GOOS, runtime.GOARCH)
	return nil
}

// versionInfo returns the version, the commit and the Go version the binary
// was built with.
func versionInfo() (v, c, goVersion string) {
	v, c, goVersion = version, commit, runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	return v, cmp.Or(c, "unknown"), goVersion
}

// reloadLogLevel applies a reloaded configuration's level (the format needs
// a restart); the command line and the environment still win.
func (e *env) reloadLogLevel(c *config.Logging) {
	if e.logging == nil {
		return
	}
	level, _, err := e.logSettings(c)
	var zl zapcore.Level
	if err == nil && zl.Set(string(level)) == nil {
		e.logging.level.SetLevel(zl)
	}
}
