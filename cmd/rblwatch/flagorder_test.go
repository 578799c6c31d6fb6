package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFlagsAfterArguments: a flag typed after the text or the log files
// ("explain '554 …' --json", "replay mail.log --format json") is read as the
// flag it is, as check and incidents already read them, and "--" ends the
// flags. Before, explain took "--json" for more reply text and printed the
// text form, and replay tried to open a file named "--format".
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(log, []byte("Nov 23 15:33:46 mx postfix/qmgr[1]: DE9A6986268: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("state: {path: "+filepath.Join(dir, "state.db")+"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const reply = "554 5.7.1 Client host [192.0.2.7] blocked using zen.spamhaus.org"
	tests := []struct {
		name string
		args []string
		code int
		want string // a prefix of stdout
	}{
		{"explain --json after the text", []string{"explain", "--config", cfg, reply, "--json"}, 0, `{"provider":"spamhaus"`},
		{"explain --lang after the text", []string{"explain", "--config", cfg, reply, "--lang", "ja"}, 0, "提供元: Spamhaus"},
		{"explain -- keeps a text that looks like a flag", []string{"explain", "--config", cfg, "--json", "--", "--json"}, 0, `{"provider":""`},
		{"replay --format after the file", []string{"replay", "--config", cfg, log, "--format", "json"}, 0, "{\n  \"files\""},
		{"replay --lang= after the file", []string{"replay", "--config", cfg, log, "--lang=ja"}, 0, "rblwatch 監査レポート"},
		{"config --config before check", []string{"config", "--config", cfg, "check"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, tt.args...)
			if code != tt.code || len(out) < len(tt.want) || out[:len(tt.want)] != tt.want {
				t.Errorf("exit %d, stderr %q, stdout %.200q; want exit %d and stdout starting %q", code, stderr, out, tt.code, tt.want)
			}
		})
	}
}

// TestHelpAfterArguments: --help (or -h) typed after the arguments prints
// the subcommand's usage and exits 0, as before them, and "--" still makes
// it an argument. Before, replay tried to open a file named "--help" (exit
// 1), check refused it as a domain, explain explained it as reply text and
// incidents ack and mute took it for an incident id and a provider.
func TestHelpAfterArguments(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "mail.log")
	if err := os.WriteFile(log, []byte("Nov 23 15:33:46 mx postfix/qmgr[1]: DE9A6986268: removed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"replay", log, "--help"},
		{"replay", log, "-h"},
		{"explain", "554 5.7.1 blocked", "--help"},
		{"check", "192.0.2.1", "-help"},
		{"incidents", "ack", "--help"},
		{"incidents", "mute", "spamhaus", "--help"},
		{"incidents", "unmute", "-h"},
		{"config", "check", "--help"},
	} {
		out, stderr, code := runCLI(t, args...)
		if code != 0 || !strings.Contains(out+stderr, "usage: rblwatch "+args[0]) {
			t.Errorf("%q: exit %d, stdout %.200q, stderr %.200q; want the usage and exit 0", args, code, out, stderr)
		}
	}
	// After "--", it is an argument: a file of that name.
	if _, stderr, code := runCLI(t, "replay", log, "--", "--help"); code != 1 || !strings.Contains(stderr, "--help") {
		t.Errorf("replay FILE -- --help: exit %d, stderr %q; want the file --help not found", code, stderr)
	}
}

// TestHelpSubcommand: "rblwatch help replay" prints replay's usage, as
// "rblwatch replay --help" does (exit 0); "rblwatch help nosuch" is an
// unknown subcommand (exit 2), with more words after it too. Before, both
// printed the list of subcommands and exited 0.
func TestHelpSubcommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout and stderr
	}{
		{[]string{"help", "replay"}, 0, "usage: rblwatch replay [--format"},
		{[]string{"help", "nosuch"}, 2, `unknown subcommand "nosuch"`},
		// More words after the subcommand (its own subcommand, as
		// "help incidents ack"): still that subcommand's usage, and an
		// unknown one still a usage error — they printed the list of
		// subcommands with exit 0.
		{[]string{"help", "incidents", "ack"}, 0, "usage: rblwatch incidents"},
		{[]string{"help", "nosuch", "more"}, 2, `unknown subcommand "nosuch"`},
	} {
		out, stderr, code := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+stderr, tc.want) {
			t.Errorf("%s: exit %d, stdout %.200q, stderr %.200q; want %d and %q", strings.Join(tc.args, " "), code, out, stderr, tc.code, tc.want)
		}
	}
}
