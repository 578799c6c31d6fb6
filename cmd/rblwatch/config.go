package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/rblwatch/rblwatch/config"
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
	if err := parseFlags(flags, args); err != nil {
		return err
	}
	switch {
	case flags.NArg() > 0:
		return usageError{fmt.Sprintf("config: unexpected argument %q", flags.Arg(0))}
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
	if _, err := os.Stat(*path); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(e.stdout, "%s: OK (no such file: the built-in defaults apply)\n", *path)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: OK\n", *path)
	return nil
}
