package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/daemon"
)

// runConfig checks a configuration file, printing every problem with its
// line (exit 2 when one is an error), or prints the commented example.
func runConfig(ctx context.Context, e *env, args []string) error {
	flags := newFlags(e, "config")
	path := flags.String("config", config.DefaultPath, "configuration file to check")
	action := ""
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		action, args = args[0], args[1:]
	}
	// The flag may come before the action too: config --config F check.
	rest, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if action == "" && len(rest) > 0 {
		action, rest = rest[0], rest[1:]
	}
	switch {
	case len(rest) > 0:
		if action == "check" && len(rest) == 1 && !strings.HasPrefix(rest[0], "-") {
			return usageError{fmt.Sprintf("config check: unexpected argument %q (name the file with --config %s)", rest[0], rest[0])}
		}
		return usageError{fmt.Sprintf("config: unexpected argument %q", rest[0])}
	case action == "example":
		_, err := fmt.Fprint(e.stdout, config.Example())
		return err
	case action != "check":
		flags.Usage()
		return usageError{"config: want check or example"}
	}
	cfg, err := config.Load(*path)
	var errs config.Errors
	switch {
	case errors.As(err, &errs):
		for _, p := range errs {
			fmt.Fprintln(e.stdout, p.Error())
		}
		return exitError{2}
	case err != nil: // missing or unreadable; the error names the file
		fmt.Fprintln(e.stdout, err)
		return exitError{2}
	}
	for _, p := range cfg.Warnings {
		fmt.Fprintln(e.stdout, p.Error())
	}
	problems, failed := configCheckCatalog(cfg, *path)
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if failed {
		return exitError{2}
	}
	if _, err := os.Stat(*path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(e.stdout, "%s: OK (no such file: the built-in defaults apply)\n", *path)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: OK\n", *path)
	return nil
}

// configCheckCatalog loads catalog.file over the built-in catalog, as the
// daemon does, and reports what of dnsbl.zones it cannot do
// (daemon.ZoneProblems). failed is set when the catalog file does not load
// or a zone problem is an error.
func configCheckCatalog(cfg *config.Config, path string) (problems []string, failed bool) {
	cat, err := classify.LoadFile(cfg.Catalog.File, config.MaxCatalogSize)
	var le *classify.LoadError
	var pe *fs.PathError
	switch {
	case errors.As(err, &le):
		return le.Problems, true
	case errors.As(err, &pe):
		return []string{fmt.Sprintf("%s: catalog.file: %v", path, pe)}, true
	case err != nil:
		return []string{fmt.Sprintf("%s: %v", cfg.Catalog.File, err)}, true
	}
	for _, p := range daemon.ZoneProblems(cat, cfg.DNSBL) {
		if p.Warning {
			problems = append(problems, fmt.Sprintf("%s: %s: warning: %s", path, p.Key, p.Msg))
		} else {
			problems = append(problems, fmt.Sprintf("%s: %s: %s", path, p.Key, p.Msg))
			failed = true
		}
	}
	return problems, failed
}
