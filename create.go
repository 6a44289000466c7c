package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/libcontainer"
	"github.com/urfave/cli/v3"
)

// Flags shared by create and run.
var createFlags = []cli.Flag{
	&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Value: ".", Usage: "path to the bundle directory"},
	&cli.StringFlag{Name: "pid-file", Usage: "file to write the container's init pid to"},
	&cli.StringFlag{Name: "console-socket", Usage: "unix socket to receive the pty master (process.terminal)"},
	&cli.StringFlag{Name: "pidfd-socket", Usage: "unix socket to receive a pidfd of the container's init"},
	&cli.BoolFlag{Name: "no-pivot", Usage: "use MS_MOVE and chroot instead of pivot_root (for ramdisk roots)"},
	&cli.BoolFlag{Name: "no-new-keyring", Usage: "keep the caller's session keyring"},
	&cli.IntFlag{Name: "preserve-fds", Usage: "pass this many fds after stdio (3, 4, ...) to the container"},
}

var createCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a container; it waits for `start`",
	ArgsUsage: "<container-id>",
	Flags:     createFlags,
	Action: func(_ context.Context, c *cli.Command) error {
		pidfd, err := dialPidfdSocket(c.String("pidfd-socket"))
		if err != nil {
			return err
		}
		defer pidfd.close()
		st, master, err := createContainer(c, nil)
		if master != nil {
			// Only `run` keeps a terminal in the foreground; create needs a receiver.
			master.Close()
		}
		if err != nil {
			return err
		}
		if err := pidfd.send(st.InitPid, "standard"); err != nil {
			store(c).Delete(st.ID, true)
			return err
		}
		return nil
	},
}

// createContainer is create's work, and run's first half. beforeChanges (may be nil) is
// called before anything is made on the host.
func createContainer(c *cli.Command, beforeChanges func()) (*libcontainer.State, *os.File, error) {
	id, err := containerID(c)
	if err != nil {
		return nil, nil, err
	}
	bundle, err := filepath.Abs(c.String("bundle"))
	if err != nil {
		return nil, nil, fmt.Errorf("--bundle: %w", err)
	}
	pidFile := c.String("pid-file")
	if pidFile != "" {
		if pidFile, err = filepath.Abs(pidFile); err != nil {
			return nil, nil, fmt.Errorf("--pid-file: %w", err)
		}
	}
	if n := c.Int("preserve-fds"); n < 0 {
		return nil, nil, fmt.Errorf("--preserve-fds: %d is negative", n)
	}
	rootless, err := rootlessMode(c)
	if err != nil {
		return nil, nil, err
	}
	foreground := c.Name == "run" && !c.Bool("detach")
	var rows, cols uint16
	if foreground {
		rows, cols = callerSize()
	}
	return store(c).Create(libcontainer.CreateOpts{
		Rootless: rootless,
		ID:       id, Bundle: bundle, PidFile: pidFile,
		NoPivot: c.Bool("no-pivot"), NoNewKeyring: c.Bool("no-new-keyring"),
		PreserveFDs: c.Int("preserve-fds"), ConsoleSocket: c.String("console-socket"),
		ForegroundTerminal: foreground, ForegroundSize: [2]uint16{rows, cols},
		BeforeHostChanges: beforeChanges, NotifySocket: notifyHost() != "",
	})
}
