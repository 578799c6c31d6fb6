package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"

	"github.com/rblwatch/rblwatch/config"
	"github.com/rblwatch/rblwatch/daemon"
)

func runDaemon(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run")
	path := fs.String("config", config.DefaultPath, "configuration file (absent at the default path: built-in defaults)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	// SIGHUP is caught from here on: one that comes while the daemon
	// starts (systemd counts a Type=simple service as started at once, so
	// `systemctl reload` may come now) waits, and reloads once the daemon
	// runs. Left to its default action it ended the daemon, and systemd's
	// Restart=on-failure does not restart a service ended by SIGHUP.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	cfg, err := loadConfig("run", *path)
	if err != nil {
		return err
	}
	if err := e.configureLog(&cfg.Logging); err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		e.log.Warn("configuration", zap.String("problem", w.Error()))
	}
	// SIGHUP reloads the configuration; a file with errors is refused and
	// the running configuration kept.
	reload := make(chan *config.Config, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				cfg, err := config.Load(*path)
				if err != nil {
					e.log.Error("reload refused: the configuration has errors", zap.Error(err))
					continue
				}
				e.reloadLogLevel(&cfg.Logging)
				reload <- cfg
			}
		}
	}()
	start := func() error {
		d, closeDeps, err := daemon.Build(ctx, cfg, e.log, e.stdin)
		if err != nil {
			return err
		}
		defer closeDeps()
		d.Reload = reload
		e.log.Info("rblwatch starting", zap.String("version", version), zap.String("source", d.SourceName), zap.String("config", *path))
		return daemon.Run(ctx, d)
	}
	err = start()
	if errors.Is(err, daemon.ErrStateLostAtStart) {
		err = start() // once more, on a new state (or the file put in place of the lost one)
	}
	return stoppedWhileStarting(ctx, e, err)
}

// stoppedWhileStarting is err, unless it is the stop itself (SIGTERM: ctx
// ended) cutting the start short — opening the state, loading its
// incidents —: a stop then is no failure (exit 0, as a stop later is),
// not one that systemd records.
func stoppedWhileStarting(ctx context.Context, e *env, err error) error {
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		e.log.Info("stopped while starting", zap.NamedError("cut_short", err))
		return nil
	}
	return err
}
