// Package systemd holds rblwatch's unit files; this test checks them.
package systemd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/internal/testenv"
)

// unit is a parsed unit file: section → key → values, in file order (a key
// may be given several times).
type unit map[string]map[string][]string

func parseUnit(data []byte) (unit, error) {
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "", line[0] == '#', line[0] == ';':
			continue
		case strings.HasSuffix(line, "\\"):
			return nil, fmt.Errorf("line %d: continuation lines are not used here", n)
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = line[1 : len(line)-1]
			if u[section] != nil {
				return nil, fmt.Errorf("line %d: section %s twice", n, section)
			}
			u[section] = map[string][]string{}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: want Key=value inside a section: %q", n, line)
		}
		u[section][key] = append(u[section][key], value)
	}
	return u, sc.Err()
}

// one returns the single value of a key.
func (u unit) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u[section][key]
	if len(v) != 1 {
		t.Errorf("[%s] %s: %d values %q, want one", section, key, len(v), v)
		return ""
	}
	return v[0]
}

func readUnit(t *testing.T) ([]byte, unit) {
	t.Helper()
	data, err := os.ReadFile("rblwatch.service")
	if err != nil {
		t.Fatal(err)
	}
	u, err := parseUnit(data)
	if err != nil {
		t.Fatalf("rblwatch.service: %v", err)
	}
	return data, u
}

func TestServiceDirectives(t *testing.T) {
	_, u := readUnit(t)
	want := map[string]string{
		"Type":                    "simple",
		"User":                    "rblwatch",
		"Group":                   "rblwatch",
		"Restart":                 "on-failure",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"ProtectKernelTunables":   "yes",
		"ProtectKernelModules":    "yes",
		"ProtectKernelLogs":       "yes",
		"ProtectControlGroups":    "yes",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
		"RestrictSUIDSGID":        "yes",
		"RestrictNamespaces":      "yes",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"SystemCallArchitectures": "native",
		"StateDirectory":          "rblwatch",
		"RuntimeDirectory":        "rblwatch",
		"ConfigurationDirectory":  "rblwatch",
	}
	for key, value := range want {
		if got := u.one(t, "Service", key); got != value {
			t.Errorf("[Service] %s=%s, want %s", key, got, value)
		}
	}
	if got := u["Service"]["SystemCallFilter"]; len(got) == 0 || got[0] != "@system-service" {
		t.Errorf("SystemCallFilter=%q, want @system-service first", got)
	}
	groups := strings.Fields(u.one(t, "Service", "SupplementaryGroups"))
	for _, g := range []string{"adm", "systemd-journal"} {
		if !slices.Contains(groups, g) {
			t.Errorf("SupplementaryGroups lacks %s (needed to read the log)", g)
		}
	}
	if got := u.one(t, "Install", "WantedBy"); got != "multi-user.target" {
		t.Errorf("WantedBy=%s", got)
	}
}

// TestServiceMatchesConfig checks the unit against the configuration's
// defaults: the paths it names and the directories it creates.
func TestServiceMatchesConfig(t *testing.T) {
	_, u := readUnit(t)
	def := config.Default()

	start := strings.Fields(u.one(t, "Service", "ExecStart"))
	if want := []string{"/usr/local/bin/rblwatch", "run", "--config", config.DefaultPath}; !slices.Equal(start, want) {
		t.Errorf("ExecStart=%q, want %q", start, want)
	}
	reload := u["Service"]["ExecReload"]
	wantReload := []string{
		"/usr/local/bin/rblwatch config check --config " + config.DefaultPath,
		"/bin/kill -HUP $MAINPID",
	}
	if !slices.Equal(reload, wantReload) {
		t.Errorf("ExecReload=%q, want %q", reload, wantReload)
	}
	if dir := "/var/lib/" + u.one(t, "Service", "StateDirectory"); filepath.Dir(def.State.Path) != dir {
		t.Errorf("state.path %s is not in StateDirectory %s", def.State.Path, dir)
	}
	if dir := "/etc/" + u.one(t, "Service", "ConfigurationDirectory"); filepath.Dir(config.DefaultPath) != dir {
		t.Errorf("config.DefaultPath %s is not in ConfigurationDirectory %s", config.DefaultPath, dir)
	}
	ro := strings.Fields(u.one(t, "Service", "ReadOnlyPaths"))
	if !slices.Contains(ro, "-"+def.Log.Path) {
		t.Errorf("ReadOnlyPaths=%q lacks the default log -%s", ro, def.Log.Path)
	}
}

// TestSysusers checks that the sysusers file creates the unit's user and
// puts it in the unit's supplementary groups.
func TestSysusers(t *testing.T) {
	_, u := readUnit(t)
	data, err := os.ReadFile("rblwatch.sysusers")
	if err != nil {
		t.Fatal(err)
	}
	user := u.one(t, "Service", "User")
	var created bool
	var member []string
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch {
		case f[0] == "u" && len(f) >= 2 && f[1] == user:
			created = true
		case f[0] == "m" && len(f) == 3 && f[1] == user:
			member = append(member, f[2])
		}
	}
	if !created {
		t.Errorf("rblwatch.sysusers does not create the user %s", user)
	}
	for _, g := range strings.Fields(u.one(t, "Service", "SupplementaryGroups")) {
		if !slices.Contains(member, g) {
			t.Errorf("rblwatch.sysusers does not put %s in %s", user, g)
		}
	}
}

// TestSystemdAnalyze has systemd check the unit when it is installed: no
// unknown or malformed directive, and an exposure level of at most 2.0.
func TestSystemdAnalyze(t *testing.T) {
	analyze := testenv.LookPath(t, "systemd-analyze", "systemd")
	data, _ := readUnit(t)
	// verify wants ExecStart's program to exist: stand the test binary in.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rblwatch.service")
	if err := os.WriteFile(path, bytes.ReplaceAll(data, []byte("/usr/local/bin/rblwatch"), []byte(self)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=true", "--threshold=20", path).CombinedOutput()
	if err != nil {
		overall := out
		if i := bytes.LastIndex(out, []byte("Overall")); i >= 0 {
			overall = out[i:]
		}
		t.Errorf("systemd-analyze security: %v: %s", err, overall)
	}
}
