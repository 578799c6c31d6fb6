// Package prometheus holds the alerting rules shipped with rblwatch
// (rules.yml) and their unit tests (rules_test.yml), and the example
// Prometheus and Alertmanager configurations of docs/fleet.md; this test
// checks them with promtool and amtool, as .ci/run does.
package prometheus

import (
	"os/exec"
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
