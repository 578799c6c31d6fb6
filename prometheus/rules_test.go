// Package prometheus holds the alerting rules shipped with rblwatch
// (rules.yml) and their unit tests (rules_test.yml), and the example
// Prometheus and Alertmanager configurations of docs/fleet.md; this test
// checks them with promtool and amtool, as .ci/run does.
package prometheus

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

func TestRules(t *testing.T) {
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	for _, args := range [][]string{
		{"check", "rules", "rules.yml"},
		{"test", "rules", "rules_test.yml"},
		{"check", "config", "prometheus.yml"},
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}

// TestAlertmanagerConfig: the example routing in docs/fleet.md is valid.
func TestAlertmanagerConfig(t *testing.T) {
	amtool := testenv.LookPath(t, "amtool", "prometheus-alertmanager")
	if out, err := exec.Command(amtool, "check-config", "alertmanager.yml").CombinedOutput(); err != nil {
		t.Errorf("amtool check-config: %v\n%s", err, out)
	}
}

// TestFleetDocConfigs: the Prometheus and Alertmanager configurations that
// docs/fleet.md shows, copied as they are beside the shipped rules.yml,
// pass the checks the page tells the reader to run (promtool check config,
// amtool check-config).
func TestFleetDocConfigs(t *testing.T) {
	doc, err := os.ReadFile("../docs/fleet.md")
	if err != nil {
		t.Fatal(err)
	}
	var prom, am string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		switch {
		case strings.Contains(m[1], "scrape_configs:"):
			prom = m[1]
		case strings.HasPrefix(m[1], "route:") || strings.Contains(m[1], "\nroute:"):
			am = m[1]
		}
	}
	if prom == "" || am == "" {
		t.Fatalf("docs/fleet.md: no Prometheus configuration (%t) or no Alertmanager route (%t)", prom != "", am != "")
	}
	dir := t.TempDir()
	rules, err := os.ReadFile("rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string]string{"prometheus.yml": prom, "alertmanager.yml": am, "rules.yml": string(rules)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	promtool := testenv.LookPath(t, "promtool", "prometheus")
	amtool := testenv.LookPath(t, "amtool", "prometheus-alertmanager")
	for _, args := range [][]string{
		{promtool, "check", "config", "prometheus.yml"},
		{amtool, "check-config", "alertmanager.yml"},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("docs/fleet.md's %s: %s: %v\n%s", args[len(args)-1], filepath.Base(args[0]), err, out)
		}
	}
}
