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
	f.Fuzz(func(t *testing.T, src string) {
		cfg, err := Parse([]byte(src), "f.yaml")
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v is not a list of problems", err, err)
			}
			for _, p := range errs {
				if p.File != "f.yaml" || p.Msg == "" {
					t.Fatalf("problem without file or message: %+v", p)
				}
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("parsed configuration does not validate: %v\n%q", err, src)
		}
	})
}
