package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/libcontainer"
	"github.com/urfave/cli/v3"
	"golang.org/x/sys/unix"
)

var restoreCommand = &cli.Command{
	Name:  "restore",
	Usage: "restore a container from a previous checkpoint",
	ArgsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
restored.`,
	Description: `Restores the saved state of the container instance that was previously saved
using the berth (or runc) checkpoint command, with the bundle's config.`,
	Flags: append([]cli.Flag{
		&cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
		&cli.StringFlag{Name: "image-path", Usage: "path to criu image files for restoring"},
	}, append(pickFlags("work-path", "tcp-established", "ext-unix-sk", "shell-job", "file-locks",
		"manage-cgroups-mode"),
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Value: ".", Usage: "path to the root of the bundle directory"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detach from the container's process"},
		&cli.StringFlag{Name: "pid-file", Usage: "specify the file to write the process id to"},
		&cli.BoolFlag{Name: "no-subreaper", Usage: "disable the use of the subreaper used to reap reparented processes"},
		&cli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"},
		criuFlags["empty-ns"], criuFlags["auto-dedup"], criuFlags["lazy-pages"],
		&cli.StringFlag{Name: "lsm-profile", Usage: "Specify an LSM profile to be used during restore in the form of TYPE:NAME."},
		&cli.StringFlag{Name: "lsm-mount-context", Usage: "Specify an LSM mount context to be used during restore."},
	)...),
	Action: func(_ context.Context, c *cli.Command) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		o, err := criuOptions(c, true)
		if err != nil {
			return err
		}
		bundle, err := absPath("--bundle", c.String("bundle"))
		if err != nil {
			return err
		}
		pidFile := c.String("pid-file")
		if pidFile != "" {
			if pidFile, err = absPath("--pid-file", pidFile); err != nil {
				return err
			}
		}
		rootless, err := rootlessMode(c)
		if err != nil {
			return err
		}
		detach := c.Bool("detach")
		// As with run: in the foreground berth adopts and reaps what the container
		// orphans, unless --no-subreaper; signals are caught before anything is made on
		// the host, and forwarded to the restored container once it runs.
		subreaper := !detach && !c.Bool("no-subreaper")
		if subreaper {
			if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
				return fmt.Errorf("become a subreaper: %w", err)
			}
		}
		sigs := make(chan os.Signal, 64)
		caught := func() {}
		if !detach {
			caught = catchSignals(sigs)
		}
		s := store(c)
		st, master, err := s.Restore(libcontainer.RestoreOpts{
			ID: id, Bundle: bundle, PidFile: pidFile, Rootless: rootless,
			NoPivot: c.Bool("no-pivot"), ConsoleSocket: c.String("console-socket"),
			ForegroundTerminal: !detach, CRIU: o, BeforeHostChanges: caught,
		})
		if err != nil {
			return err
		}
		if detach {
			if master != nil {
				master.Close()
			}
			return nil
		}
		var tty *terminal
		if master != nil {
			tty = attachTerminal(master)
		}
		code := waitForwarding(st.InitPid, sigs, tty, subreaper)
		warning, err := s.Delete(st.ID, true)
		warn(warning)
		if err != nil {
			logf("error", "delete %s: %v", st.ID, err)
		}
		return exitError{code}
	},
}

func absPath(flag, p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", flag, p, err)
	}
	return abs, nil
}
