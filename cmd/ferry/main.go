// Command ferry runs Ferry: see `ferry --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ferry-social/ferry/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
