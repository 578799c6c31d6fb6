package main

import (
	"context"
	"errors"
)

// runExplain is a placeholder until the subcommand lands.
func runExplain(ctx context.Context, e *env, args []string) error {
	return errors.New("explain: not implemented yet")
}
