package e2e

import (
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestSIGHUPReload: the real binary reloads its configuration on SIGHUP,
// as the README and docs/config.md say — a reloadable key applies at once
// (logging.level: debug entries appear), a key that needs a restart is
// named in a warning and left as it was (metrics.listen: the old address
// still serves), and a file with errors is refused while the daemon goes
// on with the configuration it runs.
func TestSIGHUPReload(t *testing.T) {
	dir := t.TempDir()
	log := writeFile(t, dir, "mail.log", "")
	config := func(level, metrics, extra string) string {
		return fmt.Sprintf(`log: {path: %s, backfill: 0s}
state: {path: %s}
dnsbl: {interval: 0s, resolver: "127.0.0.1:53"}
metrics: {listen: %s}
logging: {level: %s}
%s`, log, filepath.Join(dir, "state.db"), metrics, level, extra)
	}
	cfg := writeFile(t, dir, "rblwatch.yaml", config("info", metricsAnyPort, ""))
	d := startDaemonEnv(t, cfg, "RBLWATCH_LOG_FORMAT=json") // the level comes from the file
	d.waitLog("following from the end", 1)
	line := func(qid string) string {
		return time.Now().UTC().Format(time.RFC3339) + " mx postfix/smtp[100]: " + qid + ": to=<a@example.net>, relay=mx.example.net[198.51.100.7]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 2.0.0 OK)\n"
	}
	hup := func() {
		t.Helper()
		if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}

	appendLog(t, log, line("4C1B2A3F91"))
	d.waitMetric("rblwatch_logwatch_lines_total", "one line read", func(v float64) bool { return v >= 1 })
	if n := d.count("batch"); n != 0 {
		t.Fatalf("%d debug entries at level info", n)
	}

	// Reloadable (logging.level) and restart-needing (metrics.listen:
	// another address, which the daemon must not take up).
	writeFile(t, dir, "rblwatch.yaml", config("debug", "127.0.0.2:0", ""))
	hup()
	d.waitLog("configuration reloaded", 1)
	warn := d.waitLog("configuration changes that need a restart are not applied", 1)
	if keys, _ := warn["keys"].([]any); !slices.Equal(keys, []any{"metrics.listen"}) {
		t.Errorf("restart needed for %v, want [metrics.listen]", warn["keys"])
	}
	appendLog(t, log, line("4C1B2A3F92"))
	d.waitLog("batch", 1)
	// The old address still serves, and counts the new line: waited for,
	// since the "batch" entry may be an earlier batch with no line (a
	// tick's), logged at debug once the reload applied.
	d.waitMetric("rblwatch_logwatch_lines_total", "the second line counted at the old metrics address", func(v float64) bool { return v >= 2 })

	// A file with errors is refused; the daemon reads on.
	writeFile(t, dir, "rblwatch.yaml", config("debug", metricsAnyPort, "notify: {langauge: ja}\n"))
	hup()
	d.waitLog("reload refused: the configuration has errors", 1)
	appendLog(t, log, line("4C1B2A3F93"))
	d.waitLog("batch", 2)
	d.stop()
}

// TestSIGHUPWhileStarting: a SIGHUP that comes while the daemon is still
// starting (reading its configuration, locking and opening the state: a
// second or more, while systemd counts a Type=simple service as started at
// once, so `systemctl reload` may come then) is kept and applied once the
// daemon runs. Before, the handler was installed only after the start:
// the signal's default action ended the daemon (exit 129), and systemd's
// Restart=on-failure does not restart a service ended by SIGHUP.
func TestSIGHUPWhileStarting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log := writeFile(t, dir, "mail.log", "")
	// sending_ips in 192.0.2.0/24 is a warning, logged between reading
	// the configuration and the start.
	cfg := writeFile(t, dir, "rblwatch.yaml", "log: {path: "+log+"}\nstate: {path: "+filepath.Join(dir, "state.db")+"}\nsending_ips: [192.0.2.10]\n"+
		"dnsbl: {resolver: \"127.0.0.1:1\", interval: 0s}\nmetrics: {listen: \""+metricsAnyPort+"\"}\n")
	d := startDaemon(t, cfg)
	d.waitLog("configuration", 1)
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-d.exited:
		t.Fatalf("rblwatch run ended by a SIGHUP during its start: %v\n%s", d.exitErr(), d.log())
	case <-time.After(100 * time.Millisecond):
	}
	d.waitLog("caught up with the log", 1)
	d.waitLog("configuration reloaded", 1)
	d.stop()
}
