package main

import (
	"context"
	"errors"
)

// runConfig is a placeholder until the subcommand lands.
func runConfig(ctx context.Context, e *env, args []string) error {
	return errors.New("config: not implemented yet")
}
