package main

import (
	"context"
	"errors"
)

// runMessages is a placeholder until the subcommand lands.
func runMessages(ctx context.Context, e *env, args []string) error {
	return errors.New("messages: not implemented yet")
}
