package notify

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestCommandsCarryConfig: a daemon that runs with another configuration
// than the default prints its commands with --config PATH, and each
// command, pasted into a POSIX shell as printed, gives rblwatch the words
// it should — whatever the path holds (spaces, quotes, $(…), `…`, ;). A
// path that cannot be shown on one line leaves the ack and mute commands
// out, rather than print ones that act on the default state.
func TestCommandsCarryConfig(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		flag string // as printed; "" when the commands must be left out
	}{
		{"/etc/rblwatch/out.yaml", " --config /etc/rblwatch/out.yaml"},
		{"/srv/mail conf/it's.yaml", ` --config '/srv/mail conf/it'\''s.yaml'`},
		{"/tmp/$(touch pwned)`id`;rm -rf ~.yaml", ` --config '/tmp/$(touch pwned)` + "`id`" + `;rm -rf ~.yaml'`},
		{"/etc/rblwatch/メール.yaml", ` --config '/etc/rblwatch/メール.yaml'`},
		{"-dash.yaml", ` --config '-dash.yaml'`},
		{"/tmp/a\nrblwatch incidents ack x.yaml", ""},
		{"/tmp/a\u202e.yaml", ""},
	} {
		commands := 0
		for _, cc := range composeCases() {
			cfg := cc.cfg
			if cfg.From.Address == "" {
				cfg = testConfig()
			}
			cfg.ConfigPath = tc.path
			raw, err := Compose(cc.notice, cfg, cc.now, cc.msgID)
			if err != nil {
				t.Fatalf("%s: %v", cc.name, err)
			}
			_, text, _ := readComposed(t, raw)
			for _, line := range strings.Split(text, "\n") {
				if !strings.HasPrefix(line, "  rblwatch incidents ") {
					if i := strings.Index(line, "rblwatch messages --incident "); i >= 0 && !strings.Contains(line[i:], tc.flag) {
						t.Errorf("%s, %q: %q lacks %q", cc.name, tc.path, line, tc.flag)
					}
					continue
				}
				commands++
				if tc.flag == "" {
					t.Errorf("%s, %q: a command printed: %q", cc.name, tc.path, line)
					continue
				}
				if !strings.HasSuffix(line, tc.flag) {
					t.Errorf("%s: %q does not end with %q", cc.name, line, tc.flag)
				}
				// The shell's words, one per NUL-ended field.
				out, err := exec.Command(sh, "-c", "set -- "+strings.TrimPrefix(line, "  rblwatch ")+`; for a; do printf '%s\0' "$a"; done`).Output()
				if err != nil {
					t.Fatalf("%s: sh: %q: %v", cc.name, line, err)
				}
				words := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
				if n := len(words); n < 4 || !slices.Equal(words[n-2:], []string{"--config", tc.path}) {
					t.Errorf("%s: pasted, %q gives the words %q, not ending with --config %q", cc.name, line, words, tc.path)
				}
			}
		}
		if tc.flag != "" && commands == 0 {
			t.Errorf("%q: no notice printed a command", tc.path)
		}
	}
}
