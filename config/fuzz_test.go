package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that no input panics, that every failure is a list of
// problems that each name the file, and that a configuration that parses
// also validates.
func FuzzParse(f *testing.F) {
	f.Add(Example())
	f.Add(strings.ReplaceAll(Example(), "  #", "  "))
	f.Add("notify:\n  to: [pm@example.com, nobody]\n  smtp: localhost\nlog: {journald: [a, b]}\n")
	f.Add("a: &a [*a]\n")
	f.Add("notify: {aggregate: 1d12h, quiet: 0s}\nsending_ips: [::ffff:1.2.3.4]\n")
	f.Add("\xff\xfe: \x00\n")
	f.Add("log:\n  timezone: &x " + strings.Repeat("A", 300) + "\nsending_ips: [*x, *x, *x]\n")
	f.Add("? " + strings.Repeat("k", 300) + "\n: 1\n")
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := Parse([]byte(src), "f.yaml")
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not a list of problems", err, err)
			}
			if len(errs) > maxProblems+1 {
				t.Fatalf("%d problems reported, want at most %d and a count of the rest", len(errs), maxProblems+1)
			}
			for _, p := range errs {
				if p.File != "f.yaml" || p.Msg == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
				if len(p.Error()) > 2<<10 {
					t.Fatalf("a problem of %d bytes: %.300q", len(p.Error()), p.Error())
				}
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("parsed configuration does not validate: %v\n%q", err, src)
		}
	})
}
