package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// TestManPage: the manual covers every subcommand with every flag its
// --help lists, and man(1) renders it without a warning.
func TestManPage(t *testing.T) {
	var page bytes.Buffer
	writeMan(&page)
	for i, r := range page.String() {
		if r > 127 {
			t.Errorf("non-ASCII %q at byte %d of the page: groff's ASCII output has no glyph for it", r, i)
			break
		}
	}
	for _, c := range commands {
		if !strings.Contains(page.String(), ".SS "+roff(c.name)+"\n") {
			t.Errorf("the manual has no section for %s", c.name)
		}
		flags, _ := flagsOf(helpOf(c.name))
		if len(flags) < 2 {
			t.Errorf("%s: flags %q: its --help was not read", c.name, flags)
		}
		for _, f := range flags {
			if !strings.Contains(page.String(), roff("  "+f[1:])) {
				t.Errorf("the manual lacks %s %s", c.name, f)
			}
		}
	}
	man := testenv.LookPath(t, "man", "man-db")
	file := filepath.Join(t.TempDir(), "rblwatch.1")
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(man, "--warnings", "-l", file)
	// The C locale of a minimal system: groff's ASCII output.
	cmd.Env = append(os.Environ(), "MANWIDTH=80", "MANPAGER=cat", "PAGER=cat", "LANG=C", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("man -l: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"RBLWATCH(1)", "SUBCOMMANDS", "usage: rblwatch check", "-log-level level"} {
		if !strings.Contains(strings.ReplaceAll(string(out), "‐", "-"), want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
}

// TestCompletion asks bash (with bash-completion) and zsh what they
// complete, with the scripts rblwatch prints.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	for _, sh := range []string{"bash", "zsh"} {
		var out, errb bytes.Buffer
		e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if err := dispatch(context.Background(), e, []string{"completion", sh}); err != nil {
			t.Fatalf("completion %s: %v", sh, err)
		}
		if err := os.WriteFile(filepath.Join(dir, sh), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := dispatch(context.Background(), &env{stdout: new(bytes.Buffer), stderr: new(bytes.Buffer)}, []string{"completion", "fish"}); err == nil {
		t.Error("completion fish: no error")
	}

	bash := testenv.LookPath(t, "bash", "bash")
	lib := "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(lib); err != nil {
		testenv.Missing(t, "no %s (apt-get install bash-completion)", lib)
	}
	complete := func(line string) string {
		t.Helper()
		script := `source "$1"; source "$2"; COMP_LINE="$3"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$3"
[[ "$3" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _rblwatch; printf '%s\n' "${COMPREPLY[@]}" | sort`
		// Standard output only: bash warns on stderr about a locale
		// the machine lacks (LC_ALL=ja_JP.UTF-8 without it generated).
		cmd := exec.Command(bash, "-c", script, "bash", lib, filepath.Join(dir, "bash"), line)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completing %q: %v\n%s%s", line, err, out, stderr.Bytes())
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	for line, want := range map[string]string{
		"rblwatch ch":             "check",
		"rblwatch co":             "completion config",
		"rblwatch run --con":      "--config",
		"rblwatch replay --for":   "--format",
		"rblwatch config ":        "check example",
		"rblwatch completion z":   "zsh",
		"rblwatch check --log-le": "--log-level",
		// The values of a flag that takes one of a few words, and the
		// operations of incidents: file names were offered.
		"rblwatch explain --lang ":     "en ja",
		"rblwatch replay --format ":    "html json text",
		"rblwatch replay --role o":     "operator",
		"rblwatch messages --state de": "deferred delivered",
		"rblwatch run --log-level ":    "debug error info warn",
		"rblwatch incidents ":          "ack mute unmute",
	} {
		if got := complete(line); got != want {
			t.Errorf("bash completes %q as %q, want %q", line, got, want)
		}
	}

	zsh := testenv.LookPath(t, "zsh", "zsh")
	if out, err := exec.Command(zsh, "-n", filepath.Join(dir, "zsh")).CombinedOutput(); err != nil {
		t.Errorf("zsh -n: %v\n%s", err, out)
	}
}

// TestGeneratedDocsIgnoreEnvironment: the manual page and the completion
// scripts packaging/build-deb ships are the same whatever the builder's
// locale (--lang's default follows $LC_ALL, $LC_MESSAGES or $LANG when
// rblwatch runs, never when its documentation is made).
func TestGeneratedDocsIgnoreEnvironment(t *testing.T) {
	for _, args := range [][]string{{"man"}, {"completion", "bash"}, {"completion", "zsh"}} {
		var outs []string
		for _, lang := range []string{"", "ja_JP.UTF-8"} {
			for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
				t.Setenv(k, lang) // the process's, should a generator read it
			}
			var out bytes.Buffer
			getenv := func(k string) string {
				if strings.HasPrefix(k, "LC_") || k == "LANG" {
					return lang
				}
				return ""
			}
			if err := dispatch(context.Background(), &env{stdout: &out, stderr: &out, getenv: getenv}, args); err != nil {
				t.Fatalf("%q: %v", args, err)
			}
			outs = append(outs, out.String())
		}
		if outs[0] != outs[1] {
			t.Errorf("%q differs under LANG=ja_JP.UTF-8", args)
		}
	}
}
