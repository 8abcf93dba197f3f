package main

import (
	"context"
	"fmt"
	"io"
)

// serveCmd runs the webhook service.
func serveCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return fmt.Errorf("serve: not wired yet")
}
