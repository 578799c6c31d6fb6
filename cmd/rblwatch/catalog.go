package main

import (
	"errors"
	"flag"
	"fmt"
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
	applies := "catalog.file, role, foreign_addresses and, unless given as flags, sending_ips (one), notify.settle, notify.quiet and log.timezone"
	if cmd == "explain" { // reads no time: no settle, quiet or time zone
		applies = "catalog.file, role and, unless --sending-ip is given, sending_ips (one)"
	}
	cfgPath := fs.String("config", config.DefaultPath, "configuration file whose "+applies+" apply, as in the daemon (absent at the default path: the defaults)")
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

// configDefaults sets the flags of fs that the command line left unset from
// the configuration --config names, so that an audit reads the log as the
// daemon does: from maps a flag's name to the configuration's value for it
// ("" keeps the flag's own default). At the default path an absent file
// means the defaults. It returns the configuration.
func configDefaults(fs *flag.FlagSet, cmd string, from func(*config.Config) map[string]string) (*config.Config, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	cfg, err := config.Load(fs.Lookup("config").Value.String())
	if err != nil {
		return nil, usageError{cmd + ": " + err.Error()}
	}
	for name, v := range from(cfg) {
		if set[name] || v == "" {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return nil, usageError{fmt.Sprintf("%s: --%s from the configuration: %v", cmd, name, err)}
		}
	}
	return cfg, nil
}

// sendingIPOf is the sending IP a reply that names none is attributed to,
// as the daemon attributes it: the configuration's only sending IP.
func sendingIPOf(cfg *config.Config) string {
	if len(cfg.SendingIPs) == 1 {
		return cfg.SendingIPs[0].String()
	}
	return ""
}
