package main

import (
	"errors"
	"flag"
	"strings"

	"github.com/rblwatch/rblwatch/classify"
	"github.com/rblwatch/rblwatch/config"
)

// catalogFlags adds --config and --catalog to a command that classifies
// (explain, replay), so that an audit classifies as the daemon does: the
// catalog is the built-in one with the configuration's catalog.file merged
// over it, or with --catalog FILE instead. It returns the loader to call
// after parsing. Problems in a catalog file are reported with the user's
// file and line, as a usage error (exit 2).
func catalogFlags(fs *flag.FlagSet, cmd string) func() (*classify.Catalog, error) {
	cfgPath := fs.String("config", config.DefaultPath, "configuration file whose catalog.file applies (absent at the default path: the built-in catalog)")
	file := fs.String("catalog", "", "catalog file merged over the built-in catalog, instead of the configuration's catalog.file")
	return func() (*classify.Catalog, error) {
		name := *file
		if name == "" {
			cfg, err := config.Load(*cfgPath)
			if err != nil {
				return nil, usageError{cmd + ": " + err.Error()}
			}
			name = cfg.Catalog.File
		}
		cat, err := classify.LoadFile(name, config.MaxCatalogSize)
		var le *classify.LoadError
		switch {
		case errors.As(err, &le):
			return nil, usageError{cmd + ": catalog " + name + ":\n" + strings.Join(le.Problems, "\n")}
		case err != nil:
			return nil, usageError{cmd + ": " + err.Error()}
		}
		return cat, nil
	}
}
