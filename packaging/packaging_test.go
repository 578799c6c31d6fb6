// Package packaging builds rblwatch's Debian package (build-deb, nfpm.yaml,
// scripts/); this test builds one and reads it back with dpkg-deb, without
// installing it (packaging/test-deb, run by .ci/run, installs, upgrades,
// removes and purges one).
package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rblwatch/rblwatch/internal/testenv"
)

func TestDebContents(t *testing.T) {
	dpkgDeb := testenv.LookPath(t, "dpkg-deb", "dpkg")
	out := t.TempDir()
	build := exec.Command("./build-deb", out)
	build.Env = append(os.Environ(), "RBLWATCH_VERSION=0.1.0~contents")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build-deb: %v\n%s", err, b)
	}
	debs, _ := filepath.Glob(filepath.Join(out, "rblwatch_0.1.0~contents_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("build-deb made %q", debs)
	}
	deb := debs[0]
	run := func(args ...string) string {
		t.Helper()
		b, err := exec.Command(dpkgDeb, args...).Output()
		if err != nil {
			t.Fatalf("dpkg-deb %v: %v", args, err)
		}
		return string(b)
	}

	// The files, with their modes.
	listing := run("-c", deb)
	for _, want := range []string{
		`-rwxr-xr-x root/root .* ./usr/bin/rblwatch`,
		`-rw-r--r-- root/root .* ./lib/systemd/system/rblwatch.service`,
		`-rw-r--r-- root/root .* ./usr/lib/sysusers.d/rblwatch.conf`,
		`drwxr-x--- root/root .* ./etc/rblwatch/`,
		`-rw-r----- root/root .* ./etc/rblwatch/config.yaml`,
		`-rw-r--r-- root/root .* ./usr/share/man/man1/rblwatch.1.gz`,
		`-rw-r--r-- root/root .* ./usr/share/bash-completion/completions/rblwatch`,
		`-rw-r--r-- root/root .* ./usr/share/zsh/vendor-completions/_rblwatch`,
		`-rw-r--r-- root/root .* ./usr/share/doc/rblwatch/docs/metrics.md`,
		`-rw-r--r-- root/root .* ./usr/share/doc/rblwatch/prometheus/rules.yml`,
	} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(listing) {
			t.Errorf("the package lacks %s:\n%s", want, listing)
		}
	}
	if strings.Contains(listing, "/usr/local/") {
		t.Errorf("the package installs under /usr/local:\n%s", listing)
	}

	// The control data.
	if got := run("-f", deb, "Package", "Version"); got != "Package: rblwatch\nVersion: 0.1.0~contents\n" {
		t.Errorf("control: %q", got)
	}
	ctl := t.TempDir()
	run("-e", deb, ctl)
	conffiles, err := os.ReadFile(filepath.Join(ctl, "conffiles"))
	if err != nil || string(conffiles) != "/etc/rblwatch/config.yaml\n" {
		t.Errorf("conffiles %q (%v), want the configuration", conffiles, err)
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		fi, err := os.Stat(filepath.Join(ctl, s))
		if err != nil || fi.Mode()&0o111 == 0 {
			t.Errorf("maintainer script %s: %v", s, err)
		}
	}

	// The files themselves: the unit runs the packaged binary, the
	// conffile is the commented example, the binary says its version.
	root := t.TempDir()
	run("-x", deb, root)
	unit, _ := os.ReadFile(filepath.Join(root, "lib/systemd/system/rblwatch.service"))
	if !strings.Contains(string(unit), "ExecStart=/usr/bin/rblwatch run --config /etc/rblwatch/config.yaml\n") {
		t.Errorf("the unit does not run /usr/bin/rblwatch:\n%s", unit)
	}
	conf, _ := os.ReadFile(filepath.Join(root, "etc/rblwatch/config.yaml"))
	example, _ := os.ReadFile("../config/example.yaml")
	if len(conf) == 0 || string(conf) != string(example) {
		t.Error("/etc/rblwatch/config.yaml is not config/example.yaml")
	}
	v, err := exec.Command(filepath.Join(root, "usr/bin/rblwatch"), "version").Output()
	if err != nil || !regexp.MustCompile(`^rblwatch 0\.1\.0~contents\ncommit ([0-9a-f]{40}|unknown)\ngo1\.\d+`).Match(v) {
		t.Errorf("rblwatch version: %q (%v)", v, err)
	}
}
