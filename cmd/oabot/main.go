// Command oabot is the Zalo Official Account bot for public offices: the webhook service
// (serve, the default) and the officers' tools (one subcommand per file).
//
// main only calls run and exits once; run is what tests call.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand. args excludes the subcommand name.
type command func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands maps subcommand names to their functions. Each subcommand lives in its own file
// and adds exactly one entry here.
var commands = map[string]command{
	"serve":      serveCmd,
	"procedures": runProcedures,
	"stats":      runStats,
	"qr":         qrCmd,
	"posters":    postersCmd,
	"broadcast":  broadcastCmd,
	"followers":  followersCmd,
	"emulator":   emulatorCmd,
	"officers":   officersCmd,
}

// errUsage marks an error already explained to the user on stderr (exit status 2).
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		os.Exit(2) // already explained on stderr
	default:
		fmt.Fprintf(os.Stderr, "oabot: %v\n", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; "serve" is the default when args is empty or starts
// with a flag.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	name := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage(stdout)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "oabot: unknown command %q\n", name)
		usage(stderr)
		return errUsage
	}
	return cmd(ctx, args, getenv, stdout, stderr)
}

func usage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "usage: oabot [command] [flags]\n\ncommands (default serve): %s\n", strings.Join(names, ", "))
}
