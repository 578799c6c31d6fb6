package main

import (
	"context"
	"errors"
)

// runReplay is a placeholder until the subcommand lands.
func runReplay(ctx context.Context, e *env, args []string) error {
	return errors.New("replay: not implemented yet")
}
