package notify

import "testing"

// TestAddChecksNoIPv6: a zone that lists no IPv6 addresses, not asked
// about an IPv6 one, is no answer — it never makes the notice say "not
// listed now" (v.Clean), and when it is all there is the notice says DNS
// cannot tell (NoIPv6Only).
func TestAddChecksNoIPv6(t *testing.T) {
	unasked := Check{Zone: "bl.example.org", Status: CheckClean, NoIPv6: true}
	clean := Check{Zone: "zen.example.org", Status: CheckClean}
	listed := Check{Zone: "zen.example.org", Status: CheckListed}
	failed := Check{Zone: "zen.example.org", Status: CheckError, Failure: FailureTimeout}
	for _, tt := range []struct {
		name              string
		checks            []Check
		clean, noIPv6Only bool
	}{
		{"only unasked", []Check{unasked}, false, true},
		{"unasked and clean", []Check{unasked, clean}, true, false},
		{"unasked and listed", []Check{unasked, listed}, false, false},
		{"unasked and failed", []Check{unasked, failed}, false, false},
		{"clean", []Check{clean}, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v view
			v.addChecks(tt.checks)
			if v.Clean != tt.clean || v.NoIPv6Only != tt.noIPv6Only {
				t.Errorf("Clean %v NoIPv6Only %v, want %v %v", v.Clean, v.NoIPv6Only, tt.clean, tt.noIPv6Only)
			}
		})
	}
}
