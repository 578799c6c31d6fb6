package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

// The bench scripts draw their dense logs from genlog and a -replies file.

// TestBenchScriptsReplies runs bench/replay.sh and bench/catchup.sh (a
// small log, one run: what they say, not how fast it went) as a checker
// does, from another directory with REPLIES a relative path to a file of
// replies the repository never used: the dense log is built from it, and
// each script says how dense its log is. (Before, a relative REPLIES was
// taken from the repository's root: "no replies file", exit 2; and
// neither script said the share of failure lines.)
func TestBenchScriptsReplies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bench scripts")
	}
	root := scriptsRoot(t)
	dir := t.TempDir()
	replies := "provider\tcode\ttext\tsource\r\n" +
		"qq\t550\t550 Mail content denied. 您的邮件被拒绝，IP 192.0.2.10 在黑名单中\tsrc\r\n" +
		"ocn\t550 5.7.1\tお客様の IP アドレス 192.0.2.10 はブロックされています\tsrc\r\n" +
		"none\t421\t421 4.7.0 一時的にサービスを利用できません\tsrc\r\n"
	if err := os.WriteFile(filepath.Join(dir, "unseen.tsv"), []byte(replies), 0o644); err != nil {
		t.Fatal(err)
	}
	share := regexp.MustCompile(`(\d+) failure lines \((\d+\.\d) %`)
	for _, tc := range []struct {
		script string
		args   []string
		env    []string
		dense  string // the line that says the dense log's density starts so
	}{
		{"replay.sh", []string{"3000", "1", "0"}, nil, "dense "},
		{"catchup.sh", []string{"3000", "1"}, []string{"DENSE=1", "STATE=0"}, "log: "},
	} {
		t.Run(tc.script, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(root, "bench", tc.script), tc.args...)
			cmd.Dir = dir
			cmd.Env = append(append(os.Environ(), "REPLIES=unseen.tsv"), tc.env...)
			out, err := cmd.CombinedOutput()
			// Exit 1 is a target missed on this machine: not this test's
			// concern.
			if ee := (*exec.ExitError)(nil); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
				t.Fatalf("%s: %v\n%s", tc.script, err, out)
			}
			var m []string
			for _, l := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(l, tc.dense) {
					if m = share.FindStringSubmatch(l); m != nil {
						break
					}
				}
			}
			if m == nil {
				t.Fatalf("%s does not say how dense its dense log is:\n%s", tc.script, out)
			}
			if pct, _ := strconv.ParseFloat(m[2], 64); pct < 1 {
				t.Errorf("%s: the dense log has %s failure lines (%s %%), want a dense log:\n%s", tc.script, m[1], m[2], out)
			}
			if !strings.Contains(string(out), "drawn from "+filepath.Join(dir, "unseen.tsv")) {
				t.Errorf("%s does not name the replies it drew from:\n%s", tc.script, out)
			}
		})
	}
}

// TestBenchScriptsKeptLogs runs bench/replay.sh and bench/catchup.sh three
// times with one BENCH_DIR, as a checker does who keeps the logs between
// runs: with replies a, then replies b, then fewer lines, then (when the
// shared corpus is beside the repository) the default replies. Each run must
// measure the log it says: drawn from the replies it names, of the lines
// it counts its rates by. (Before, a log kept in BENCH_DIR was used
// whatever it had been made of: the second run measured replies a while it
// said b, the third 3,000 lines while it divided by 2,000; and catchup.sh
// with DENSE=1, a kept log and no REPLIES stopped on "REPLIES: unbound
// variable" in the line that says what it read.)
func TestBenchScriptsKeptLogs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bench scripts")
	}
	root := scriptsRoot(t)
	dir := t.TempDir()
	for _, name := range []string{"alpha", "bravo"} {
		row := "p\t550\t550 5.7.1 Service unavailable; client [192.0.2.10] blocked using " + name + ".lists.example\n"
		if err := os.WriteFile(filepath.Join(dir, name+".tsv"), []byte(row), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		script string
		args   []string // after LINES
		env    []string
		log    string // the dense log in BENCH_DIR
	}{
		{"replay.sh", []string{"1", "0"}, nil, "dense.log"},
		{"catchup.sh", []string{"1"}, []string{"DENSE=1", "STATE=0"}, "src.log"},
	} {
		t.Run(tc.script, func(t *testing.T) {
			keep := filepath.Join(dir, strings.TrimSuffix(tc.script, ".sh"))
			runs := []struct {
				replies string // "" for the default, the shared corpus
				lines   int
			}{{"alpha", 3000}, {"bravo", 3000}, {"bravo", 2000}}
			if len(testenv.SharedGlob("corpus/rejections.tsv")) == 1 {
				runs = append(runs, struct {
					replies string
					lines   int
				}{"", 2000})
			}
			for _, run := range runs {
				cmd := exec.Command(filepath.Join(root, "bench", tc.script), append([]string{strconv.Itoa(run.lines)}, tc.args...)...)
				cmd.Dir = dir
				env, drawn := []string{"BENCH_DIR=" + keep}, "drawn from ../shared/corpus/rejections.tsv"
				if run.replies != "" {
					env, drawn = append(env, "REPLIES="+run.replies+".tsv"), "drawn from "+filepath.Join(dir, run.replies+".tsv")
				}
				for _, e := range os.Environ() {
					if !strings.HasPrefix(e, "REPLIES=") {
						env = append(env, e)
					}
				}
				cmd.Env = append(env, tc.env...)
				out, err := cmd.CombinedOutput()
				if ee := (*exec.ExitError)(nil); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
					t.Fatalf("%s, replies %q, %d lines: %v\n%s", tc.script, run.replies, run.lines, err, out)
				}
				if strings.Contains(string(out), "unbound variable") || !strings.Contains(string(out), drawn) {
					t.Errorf("%s, replies %q, %d lines: does not name its replies:\n%s", tc.script, run.replies, run.lines, out)
				}
				log, err := os.ReadFile(filepath.Join(keep, tc.log))
				if err != nil {
					t.Fatal(err)
				}
				lines := strings.Count(string(log), "\n")
				alpha, bravo := strings.Contains(string(log), "alpha.lists.example"), strings.Contains(string(log), "bravo.lists.example")
				if alpha != (run.replies == "alpha") || bravo != (run.replies == "bravo") || lines != run.lines {
					t.Errorf("%s, replies %q, %d lines: measured a log of %d lines, replies alpha %v, bravo %v",
						tc.script, run.replies, run.lines, lines, alpha, bravo)
				}
			}
		})
	}
}

// TestSetupInstallsBenchTools: what each bench script runs besides go and
// the shell's tools comes from a package .ci/setup installs. (Before,
// bench/milter.sh compiled bench/nullmilter with cc, and .ci/setup did not
// install gcc: on a new machine the script stopped with "cc: command not
// found".)
func TestSetupInstallsBenchTools(t *testing.T) {
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	setup, err := os.ReadFile(filepath.Join(root, ".ci", "setup"))
	if err != nil {
		t.Fatal(err)
	}
	installed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^pkgs\+?=\(([^)]*)\)`).FindAllStringSubmatch(string(setup), -1) {
		for _, p := range strings.Fields(m[1]) {
			installed[p] = true
		}
	}
	for _, tc := range []struct{ script, tool, pkg string }{
		{"replay.sh", "pflogsumm", "pflogsumm"},
		{"replay.sh", "bc", "bc"},
		{"catchup.sh", "sqlite3", "sqlite3"},
		{"catchup.sh", "bc", "bc"},
		{"milter.sh", "cc", "gcc"},
		{"milter.sh", "cc", "libc6-dev"}, // the headers nullmilter.c includes
		{"milter.sh", "smtp-source", "postfix"},
	} {
		text, err := os.ReadFile(filepath.Join(root, "bench", tc.script))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(^|[\s"(])` + regexp.QuoteMeta(tc.tool) + `[\s")]`).Match(text) {
			t.Errorf("%s does not run %s any more: update this table", tc.script, tc.tool)
		}
		if !installed[tc.pkg] {
			t.Errorf("%s runs %s, from Debian's %s, which .ci/setup does not install", tc.script, tc.tool, tc.pkg)
		}
	}
}

// TestBenchReplayReadsLargeReports runs replay.sh's rw, which reads a
// count from a replay's JSON report, as the script does (bash, set -euo
// pipefail) on a report with thousands of incidents, as the dense log's
// is at the script's defaults. (Before, it cut the first match with head,
// and grep, still writing the others, died of SIGPIPE: pipefail made the
// assignment fail and the script stopped after the density of the
// generator's log, exit 141, before any target was checked.)
func TestBenchReplayReadsLargeReports(t *testing.T) {
	script := replayScript(t)
	rw := regexp.MustCompile(`(?m)^rw\(\) \{.*\}$`).Find(script)
	if rw == nil {
		t.Fatal("bench/replay.sh has no rw() on one line")
	}
	dir := t.TempDir()
	var report strings.Builder
	report.WriteString("{\n  \"totals\": {\n    \"delivered\": 134347,\n    \"deferred\": 15146\n  },\n  \"incidents\": [\n")
	for i := range 20000 {
		report.WriteString("    {\"deferred\": " + strconv.Itoa(i) + "},\n")
	}
	report.WriteString("  ]\n}\n")
	if err := os.WriteFile(filepath.Join(dir, "out.rblwatch.dense"), []byte(report.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", "set -euo pipefail\nwork=$1\n"+string(rw)+"\nd=$(rw dense deferred)\necho \"$d\"", "bash", dir)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "15146" {
		t.Errorf("rw dense deferred: %q, %v; want 15146", out, err)
	}
}

// replayScript is bench/replay.sh's text, for a test that runs a function
// of it with bash.
func replayScript(t *testing.T) []byte {
	t.Helper()
	testenv.LookPath(t, "bash", "bash")
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "bench", "replay.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// scriptsRoot is the repository's root for a test that runs bench/replay.sh
// and bench/catchup.sh, after checking the tools they call are installed.
func scriptsRoot(t *testing.T) string {
	t.Helper()
	testenv.LookPath(t, "pflogsumm", "pflogsumm")
	testenv.LookPath(t, "/usr/bin/time", "time")
	testenv.LookPath(t, "bc", "bc")
	testenv.LookPath(t, "sqlite3", "sqlite3")
	root, err := testenv.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestCatchUpStateKept runs bench/catchup.sh's state part: the size the
// retention defaults keep for 90 days is each part of a day's state times
// the days it is kept — delivered messages 2, troubled ones 14, incidents
// 90, and what an incident carries for a restart (incident_counted) 5, as
// Prune keeps it. (Before, that last part was counted among the incidents'
// pages and kept 90 days: the dense log's 889 MiB was reported as 973.)
func TestCatchUpStateKept(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bench scripts")
	}
	root := scriptsRoot(t)
	cmd := exec.Command(filepath.Join(root, "bench", "catchup.sh"), "3000", "1")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "DENSE=1") // the default replies, ../shared/corpus/rejections.tsv
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("catchup.sh: %v\n%s", err, out)
	}
	day := regexp.MustCompile(`a 1 M-line day: (\d+) MiB delivered at once, (\d+) MiB troubled, (\d+) MiB incidents, (\d+) MiB carried for a restart`).FindStringSubmatch(string(out))
	kept := regexp.MustCompile(`kept with the defaults \(2 d, 14 d, 90 d; what is carried for a restart 5 d\): (\d+) MiB`).FindStringSubmatch(string(out))
	if day == nil || kept == nil {
		t.Fatalf("catchup.sh does not give a day's state by part and what the defaults keep:\n%s", out)
	}
	n := func(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }
	want := 2*n(day[1]) + 14*n(day[2]) + 90*n(day[3]) + 5*n(day[4])
	// Each part is printed rounded to a MiB: the sum is within half a MiB
	// times the days of each.
	if got := n(kept[1]); got < want-56 || got > want+56 {
		t.Errorf("kept %v MiB, want 2×%s + 14×%s + 90×%s + 5×%s = %v MiB (± 56 for the rounding):\n%s", got, day[1], day[2], day[3], day[4], want, out)
	}
}

// TestBenchReplayPairsRounds runs replay.sh's paired, the statistic its
// checks of a ratio or a difference take: the median over the rounds of
// each round's own ratio (or difference) of two tools' runs, made side by
// side, not the ratio of the two medians. Here the host slows down in the
// middle rounds: each round's grep takes half replay's time, but replay's
// median (0.20 s) comes from the slow rounds and grep's (0.06 s) from a
// fast one, a ratio of the medians of 0.3. The CPU field's differences
// (10, 20, 30, 40, 10 ms) have a median of 20 ms where the medians' difference
// is 30 ms.
func TestBenchReplayPairsRounds(t *testing.T) {
	script := replayScript(t)
	median := regexp.MustCompile(`(?m)^median\(\) \{.*\}$`).Find(script)
	paired := regexp.MustCompile(`(?ms)^paired\(\) \{$.*?^\}$`).Find(script)
	if median == nil || paired == nil {
		t.Fatal("bench/replay.sh has no median() on one line or no paired() ending in a line \"}\"")
	}
	dir := t.TempDir()
	for name, rows := range map[string]string{
		// wall cpu rss, one line a round
		"m.grep.gen":       "0.050 0.049 2500\n0.050 0.049 2500\n0.100 0.098 2500\n0.100 0.098 2500\n0.060 0.059 2500\n",
		"m.rblwatch.gen":   "0.100 0.200 30000\n0.200 0.400 30000\n0.200 0.400 30000\n0.200 0.400 30000\n0.120 0.240 30000\n",
		"m.rblwatch.dense": "0.110 0.210 30000\n0.210 0.420 30000\n0.210 0.430 30000\n0.220 0.440 30000\n0.130 0.250 30000\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(rows), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ call, want string }{
		{"paired grep.gen rblwatch.gen 1 'a / b'", "0.5"},
		{"paired rblwatch.gen rblwatch.dense 2 '(b - a) * 1000'", "20"},
	} {
		cmd := exec.Command("bash", "-c", "set -euo pipefail\nwork=$1\n"+string(median)+"\n"+string(paired)+"\n"+c.call, "bash", dir)
		out, err := cmd.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != c.want {
			t.Errorf("%s: %q, %v; want %s", c.call, out, err, c.want)
		}
	}
}
