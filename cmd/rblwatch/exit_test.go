package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// TestUsageErrorsExit2: every way of calling rblwatch wrongly — a flag it
// does not know, arguments to a subcommand that takes none, a --config file
// that is missing or cannot be read — ends with exit status 2 (usage error,
// as README.md and the manual page say) and one line on standard error that
// names the subcommand, with nothing on standard output. (Before, `version`
// and `man` ignored extra arguments and exited 0, `run` did too; `run`,
// `incidents` and `messages` exited 1 for a missing configuration; a bad
// flag printed its error twice around the whole flag list.)
func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	// A directory: no read gives a file. Its error said the path three
	// times: "config: reading D: read D: read D: is a directory".
	unreadable := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(unreadable, 0o755); err != nil {
		t.Fatal(err)
	}
	// Each subcommand with what it needs besides the wrong part: a
	// target, a log, a text.
	rest := map[string][]string{
		"explain": {"550 5.7.1 blocked"}, "replay": {"-"}, "check": {"192.0.2.1"},
		"run": nil, "messages": nil, "incidents": nil,
	}
	type call struct {
		args []string
		want string // in the one line of standard error
	}
	var calls []call
	for _, sub := range []string{"version", "man", "run", "explain", "replay", "check", "messages", "incidents"} {
		calls = append(calls, call{append([]string{sub, "--bogus"}, rest[sub]...), sub + ": flag provided but not defined: -bogus"})
	}
	calls = append(calls,
		call{[]string{"completion", "--bogus", "bash"}, "completion: flag provided but not defined: -bogus"},
		call{[]string{"config", "check", "--bogus"}, "config: flag provided but not defined: -bogus"},
		call{[]string{"version", "--log-level", "loud"}, `version: invalid value "loud" for flag -log-level`},
		call{[]string{"version", "extra"}, `version: unexpected argument "extra"`},
		call{[]string{"man", "extra"}, `man: unexpected argument "extra"`},
		call{[]string{"completion", "bash", "extra"}, "completion: name one shell"},
		call{[]string{"run", "--config", missing, "extra"}, `run: unexpected argument "extra"`},
		// A window that holds no time: the flags swapped, not an empty log.
		call{[]string{"replay", "--since", "2026-11-24", "--until", "2026-11-23", "-"}, "replay: --until 2026-11-23 is not after --since 2026-11-24"},
		call{[]string{"replay", "--since", "2026-11-23T14:00", "--until", "2026-11-23T14:00", "-"}, "replay: --until 2026-11-23T14:00 is not after --since 2026-11-23T14:00"},
		call{[]string{"messages", "--since", "2026-11-24", "--until", "2026-11-23"}, "messages: --until 2026-11-23 is not after --since 2026-11-24"},
	)
	for sub, more := range rest {
		calls = append(calls,
			call{append([]string{sub, "--config", missing}, more...), sub + ": config: file not found: " + missing},
			call{append([]string{sub, "--config", unreadable}, more...), sub + ": config: reading " + unreadable + ": is a directory"})
	}
	for _, c := range calls {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, code := configCLI(t, c.args...)
			if code != 2 {
				t.Errorf("exit status %d, want 2 (usage error)", code)
			}
			if stdout != "" {
				t.Errorf("standard output %q, want nothing", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "rblwatch: "+c.want) {
				t.Errorf("standard error:\n%s\nwant one line starting rblwatch: %s", stderr, c.want)
			}
		})
	}
}

// TestBadLogEnvironment: a bad RBLWATCH_LOG_LEVEL or RBLWATCH_LOG_FORMAT is
// a usage error (exit 2, one line naming the variable), as docs/config.md
// says — not a crash: the log it failed to build was flushed all the same
// (a nil pointer, and a panic's trace in place of the message).
func TestBadLogEnvironment(t *testing.T) {
	for _, tc := range []struct{ name, value string }{{"RBLWATCH_LOG_LEVEL", "loud"}, {"RBLWATCH_LOG_FORMAT", "xml"}} {
		var stdout, stderr strings.Builder
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string {
				if k == tc.name {
					return tc.value
				}
				return ""
			},
			logging: &logging{w: &stderr, level: zap.NewAtomicLevel()}}
		code := mainCode(t.Context(), e, []string{"version"})
		if code != 2 || !strings.Contains(stderr.String(), tc.name) || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || stdout.Len() != 0 {
			t.Errorf("%s=%s: exit %d, stderr %q, stdout %q; want 2 and one line naming it", tc.name, tc.value, code, stderr.String(), stdout.String())
		}
	}
}
