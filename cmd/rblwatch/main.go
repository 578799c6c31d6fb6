// Command rblwatch watches the Postfix log for rejections caused by reputation
// and block lists, explains them, and tells the postmaster.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is what a subcommand may touch: its streams, a logger, the
// environment. Tests build one with buffers.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *zap.Logger
	getenv func(string) string
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
		{"explain", "[--json] [--lang en|ja] [TEXT…]", "explain a rejection text or log line (stdin: one per line)", runExplain},
		{"replay", "[--format text|json|html] [--since T] [--until T] FILE…", "audit past logs (plain or .gz; - for stdin)", runReplay},
		{"check", "[--json] [--resolver HOST:PORT] [--zone NAME]… IP|DOMAIN…", "check IPs or domains against the DNS lists", runCheck},
		{"run", "[--config FILE]", "the daemon: follow the log, verify, notify", runDaemon},
		{"messages", "[--config FILE] [--deferred] [--state S] [--queue-id Q] [--since T] [--json] [--limit N]", "tracked messages and their fate", runMessages},
		{"config", "check|example [--config FILE]", "validate a configuration file, or print an example", runConfig},
		{"version", "", "print the version", runVersion},
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
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	e.log = newLogger(os.Stderr)
	err := dispatch(ctx, e, os.Args[1:])
	_ = e.log.Sync()
	stop()
	os.Exit(exitCode(e.stderr, err))
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
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'rblwatch SUBCOMMAND --help' for its flags.\n")
}

// newFlags returns a FlagSet for a subcommand that prints its usage on -h and
// reports errors instead of exiting.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
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

// parseFlags parses args, mapping flag errors to usage errors.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// newLogger writes human-readable logs to w; RBLWATCH_LOG=json switches to
// JSON lines, RBLWATCH_LOG_LEVEL sets the level (debug, info, warn, error).
func newLogger(w io.Writer) *zap.Logger {
	level := zapcore.InfoLevel
	if s := os.Getenv("RBLWATCH_LOG_LEVEL"); s != "" {
		_ = level.Set(s)
	}
	encCfg := zap.NewProductionEncoderConfig()
	encCfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if os.Getenv("RBLWATCH_LOG") == "json" {
		enc = zapcore.NewJSONEncoder(encCfg)
	} else {
		encCfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(encCfg)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(w), level))
}

func runVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "rblwatch %s\n", version)
	return nil
}
