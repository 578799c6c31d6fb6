// Package prometheus holds the alerting rules shipped with rblwatch
// (rules.yml) and their unit tests (rules_test.yml); this test runs
// promtool on them, as .ci/run does.
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
	} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %v: %v\n%s", args, err, out)
		}
	}
}
