package main

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"testing"
)

// TestREADMEFlags: the README's table of subcommands names every flag each
// subcommand has (but the --log-level and --log-format every one takes,
// said once below the table) and no flag it lacks. replay's --tz, and
// --config of messages and incidents, were missing.
func TestREADMEFlags(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `rblwatch (\\w+)(.*?)` \\|").FindAllStringSubmatch(string(data), -1) {
		for _, f := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(m[2], -1) {
			if !slices.Contains(rows[m[1]], f[1]) {
				rows[m[1]] = append(rows[m[1]], f[1])
			}
		}
	}
	flagLine := regexp.MustCompile(`(?m)^  -([a-z-]+)`)
	for _, cmd := range []string{"explain", "replay", "check", "run", "messages", "incidents", "config"} {
		_, help, _ := runCLI(t, cmd, "--help")
		var flags []string
		for _, m := range flagLine.FindAllStringSubmatch(help, -1) {
			if m[1] != "log-level" && m[1] != "log-format" {
				flags = append(flags, m[1])
			}
		}
		if len(flags) == 0 {
			t.Errorf("%s --help lists no flag: %q", cmd, help)
			continue
		}
		documented := rows[cmd]
		sort.Strings(flags)
		sort.Strings(documented)
		if !slices.Equal(flags, documented) {
			t.Errorf("rblwatch %s has the flags %q; the README's row names %q", cmd, flags, documented)
		}
	}
}
