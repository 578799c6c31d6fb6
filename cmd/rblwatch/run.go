package main

import (
	"context"
	"errors"
)

// runDaemon is a placeholder until the subcommand lands.
func runDaemon(ctx context.Context, e *env, args []string) error {
	return errors.New("run: not implemented yet")
}
