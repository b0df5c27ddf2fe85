// Command ferry runs Ferry: see `ferry --help`.
package main

import (
	"os"
	"os/signal"
	"syscall"

	// Workspaces plan in their own time zone: the binary carries the zone
	// database, so a host without /usr/share/zoneinfo (a scratch container)
	// still knows Asia/Hong_Kong.
	_ "time/tzdata"

	"github.com/ferry-social/ferry/internal/cli"
)

func main() {
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	os.Exit(cli.Run(signals, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}
