package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadRefusesHugeFiles: a configuration larger than MaxFileSize is
// refused without being read (a sparse file of 256 MiB would take that much
// memory), and so is a stream that does not end (/dev/zero).
func TestLoadRefusesHugeFiles(t *testing.T) {
	dir := t.TempDir()
	sparse := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("log:\n  path: /var/log/mail.log\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(256 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	justOver := filepath.Join(dir, "over.yaml")
	if err := os.WriteFile(justOver, []byte("#"+strings.Repeat("x", MaxFileSize)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	justUnder := filepath.Join(dir, "under.yaml")
	if err := os.WriteFile(justUnder, []byte("#"+strings.Repeat("x", MaxFileSize-2)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		tooBig     bool
	}{
		{"sparse 256 MiB", sparse, true},
		{"one byte over", justOver, true},
		{"at the limit", justUnder, false},
		{"endless device", "/dev/zero", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.path)
			if got := errors.Is(err, ErrTooLarge); got != tt.tooBig {
				t.Fatalf("Load: %v; want ErrTooLarge %v", err, tt.tooBig)
			}
			if tt.tooBig && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("%q does not name the file", err)
			}
		})
	}
	if _, err := Parse(make([]byte, MaxFileSize+1), "big.yaml"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse of %d bytes: %v, want ErrTooLarge", MaxFileSize+1, err)
	}
}

// TestReferencedFilesBounded: the password file and the catalog file are
// refused over their limits, with a problem at their key.
func TestReferencedFilesBounded(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte(strings.Repeat("p", maxPasswordSize+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "c.yaml")
	src := fmt.Sprintf("notify:\n  password_file: %s\ncatalog:\n  file: /dev/zero\n", pw)
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(cfg)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load: %v, want problems", err)
	}
	text := err.Error()
	for _, want := range []string{"notify.password_file: " + pw + " is larger than", "catalog.file: /dev/zero is larger than"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if data, err := ReadFile("/dev/zero", 10); !errors.Is(err, ErrTooLarge) || data != nil {
		t.Errorf("ReadFile(/dev/zero, 10) = %d bytes, %v", len(data), err)
	}
}

// TestHostileValuesBounded: whatever the file holds, the problems printed
// stay small: a value is quoted by a short prefix, an alias repeated
// thousands of times is expanded within a limit, and the list of problems
// is cut.
func TestHostileValuesBounded(t *testing.T) {
	long := strings.Repeat("A", 100<<10)
	refs := strings.TrimSuffix(strings.Repeat("*x, ", 2000), ", ")
	var many strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&many, "unknown_%d: 1\n", i)
	}
	tests := []struct {
		name string
		src  string
		want string // a problem that must be reported
	}{
		{"a long value", "log:\n  timezone: " + long + "\n", `log.timezone: unknown time zone "AAAA`},
		{"a long IP", "sending_ips: [" + long + "]\n", `sending_ips[0]: "AAAA`},
		{"a long key", "? " + long + "\n: 1\n", "unknown key"},
		{"a long list item of the wrong kind", "notify:\n  to:\n    - ? " + long + "\n      : 1\n", "got a mapping"},
		{"a long value, aliased 2000 times", "log:\n  timezone: &x " + long + "\nsending_ips: [" + refs + "]\n", `is not an IP address`},
		{"5000 unknown keys", many.String(), "more problems"},
		{"a control character in a long value", "log:\n  path: /" + long + "\x01\n", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "t.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			text := err.Error()
			if len(text) > 32<<10 {
				t.Errorf("%d bytes of problems for a %d-byte file", len(text), len(tt.src))
			}
			if !strings.Contains(text, tt.want) {
				t.Errorf("no %q in %.2000s", tt.want, text)
			}
			var errs Errors
			if errors.As(err, &errs) {
				for _, p := range errs {
					if len(p.Error()) > 1024 {
						t.Errorf("a problem of %d bytes: %.200s…", len(p.Error()), p.Error())
						break
					}
				}
			}
		})
	}
}

// TestAliasExpansionLimit: aliases are expanded within a limit, and said
// so; aliases nested in each other ("billion laughs") expand to nothing
// (every list holds scalars) and make a short error.
func TestAliasExpansionLimit(t *testing.T) {
	refs := strings.TrimSuffix(strings.Repeat("*ip, ", maxAliasValues+1), ", ")
	src := "log:\n  timezone: UTC\nsending_ips: [&ip 192.0.2.1, " + refs + "]\n"
	_, err := Parse([]byte(src), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "aliases expand to more than") {
		t.Fatalf("%d aliases: want an alias limit error, got %.500v", maxAliasValues+1, err)
	}

	// Every level repeats the one before ten times: 10^6 strings at the
	// last level, from a file of a few hundred bytes.
	laughs := "log:\n  journald: &a0 [u.service, u.service, u.service, u.service, u.service, u.service, u.service, u.service, u.service, u.service]\n"
	for i := 1; i <= 6; i++ {
		p := fmt.Sprintf("*a%d", i-1)
		laughs += fmt.Sprintf("x%d: &a%d [%s]\n", i, i, strings.TrimSuffix(strings.Repeat(p+", ", 10), ", "))
	}
	laughs += "sending_domains: *a6\nnotify:\n  to: *a6\n"
	_, err = Parse([]byte(laughs), "t.yaml")
	if err == nil || len(err.Error()) > 8<<10 {
		t.Fatalf("nested aliases: %.1000v (%d bytes)", err, len(fmt.Sprint(err)))
	}

	// Aliases within reason are fine.
	ok := "notify:\n  to: &ops [a@example.com, b@example.com]\nsending_domains: &d [example.com]\ndnsbl:\n  zones:\n    disable: [zen.spamhaus.org]\n"
	if _, err := Parse([]byte(ok), "ok.yaml"); err != nil {
		t.Errorf("a small alias: %v", err)
	}
}
