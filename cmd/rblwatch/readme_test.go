package main

import (
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
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
		// The usage line that --help starts with names them all too.
		// It lacked explain's --shared and --sending-ip, replay's --lang,
		// --settle, --quiet, --tz, …, messages' --incident, --sender, ….
		var synopsis []string
		first, _, _ := strings.Cut(help, "\n")
		for _, f := range regexp.MustCompile(`--([a-z-]+)`).FindAllStringSubmatch(first, -1) {
			synopsis = append(synopsis, f[1])
		}
		sort.Strings(flags)
		sort.Strings(synopsis)
		if synopsis = slices.Compact(synopsis); !slices.Equal(flags, synopsis) {
			t.Errorf("rblwatch %s has the flags %q; its usage line names %q", cmd, flags, synopsis)
		}
		if cmd == "explain" && strings.Contains(help, "notify.settle") {
			t.Errorf("explain --help says notify.settle applies; explain reads no time: %s", help)
		}
		documented := rows[cmd]
		sort.Strings(documented)
		if !slices.Equal(flags, documented) {
			t.Errorf("rblwatch %s has the flags %q; the README's row names %q", cmd, flags, documented)
		}
	}
}

// TestUsageColumns: rblwatch --help lists every subcommand with its summary
// in one column; "incidents" and "completion", longer than the others, ran
// into their summaries ("completion print a shell completion script").
func TestUsageColumns(t *testing.T) {
	out, _, _ := runCLI(t, "--help")
	col := -1
	for _, c := range commands {
		i := strings.Index(out, "\n  "+c.name+" ")
		if i < 0 {
			t.Fatalf("--help lacks %s: %s", c.name, out)
		}
		line, _, _ := strings.Cut(out[i+1:], "\n")
		at := strings.Index(line, c.summary)
		if col < 0 {
			col = at
		}
		if at != col || line[at-2:at] != "  " {
			t.Errorf("%q: summary at column %d, want %d after two spaces", line, at, col)
		}
	}
}

// TestREADMEDiagnosis: the README's example of explain shows lines of what
// explain prints, in its order ("…" stands for lines left out). It lacked
// the "How found" line, with no "…" in its place.
func TestREADMEDiagnosis(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```\n\\$ rblwatch explain '([^']*)'\n(.*?)```").FindSubmatch(data)
	if m == nil {
		t.Fatal("no example of explain in the README")
	}
	cfg := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(cfg, nil, 0o644); err != nil { // the defaults
		t.Fatal(err)
	}
	out, _, code := runCLI(t, "explain", "--config", cfg, string(m[1]))
	lines := strings.Split(out, "\n")
	var missing []string
	gap := false // the example left lines out here ("…")
	for ex := range strings.Lines(string(m[2])) {
		ex = strings.TrimRight(ex, "\n")
		if ex == "…" {
			gap = true
			continue
		}
		ex = strings.TrimSuffix(ex, " …")
		i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, ex) && (l == "") == (ex == "") })
		switch {
		case i < 0:
			missing = append(missing, "not printed: "+ex)
			continue
		case !gap && slices.ContainsFunc(lines[:i], func(l string) bool { return l != "" }):
			missing = append(missing, "printed before "+ex+" but not shown, with no …: "+strings.Join(lines[:i], " | "))
		}
		gap, lines = false, lines[i+1:]
	}
	if code != 0 || len(missing) > 0 {
		t.Errorf("exit %d; the README's example differs from explain's output:\n%s\n--- output:\n%s", code, strings.Join(missing, "\n"), out)
	}
}
