package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/berth-runtime/berth/libcontainer"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
	"golang.org/x/sys/unix"
)

var runCommand = &cli.Command{
	Name:      "run",
	Usage:     "create and start a container, then wait for it (unless --detach)",
	ArgsUsage: "<container-id>",
	Flags: append([]cli.Flag{
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "return once the container started"},
		&cli.BoolFlag{Name: "keep", Usage: "do not delete the container after it exits"},
		&cli.BoolFlag{Name: "no-subreaper", Usage: "do not adopt the container's orphaned processes (those outside its own pid namespace)"},
	}, createFlags...),
	Action: func(_ context.Context, c *cli.Command) error {
		detach := c.Bool("detach")
		pidfd, err := dialPidfdSocket(c.String("pidfd-socket"))
		if err != nil {
			return err
		}
		defer pidfd.close()
		// As runc: a foreground run adopts the processes its container orphans (a
		// container sharing the host's pid namespace has no init of its own to adopt
		// them), and reaps them, unless --no-subreaper.
		subreaper := !detach && !c.Bool("no-subreaper")
		if subreaper {
			if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
				return fmt.Errorf("become a subreaper: %w", err)
			}
		}
		// Catch signals before anything is made on the host, so a Ctrl-C during create
		// cannot leave half a container behind; once it runs they are forwarded to it.
		sigs := make(chan os.Signal, 64)
		caught := func() {}
		if !detach {
			caught = catchSignals(sigs)
		}
		st, master, err := createContainer(c, caught)
		if err != nil {
			return err
		}
		s := store(c)
		fail := func(err error) error {
			s.Delete(st.ID, true)
			return err
		}
		if err := pidfd.send(st.InitPid, "standard"); err != nil {
			return fail(err)
		}
		var notify *libcontainer.NotifyListener
		if notifyHost() != "" {
			if notify, err = s.ListenNotify(st.ID); err != nil {
				return fail(err)
			}
			defer notify.Close()
		}
		warning, err := s.StartCreated(st)
		warn(warning)
		if err != nil {
			s.Delete(st.ID, true)
			// init could not execute the process: it said why and exited 127, as a shell
			// does; run ends with that status, like any container whose process failed.
			if code, ok := reaped(st.InitPid); ok && code == 127 {
				fmt.Fprintf(os.Stderr, "berth: %v\n", err)
				return exitError{code}
			}
			return err
		}
		if detach {
			if notify != nil {
				// As runc: a detached run returns once the service is ready.
				return relayReady(notify, st.InitPid, func() bool { return s.Status(st) != specs.StateStopped })
			}
			return nil
		}
		var exited atomic.Bool
		if notify != nil {
			// In the foreground berth is the process the service manager watches.
			go func() {
				if err := relayReady(notify, os.Getpid(), func() bool { return !exited.Load() }); err != nil {
					warn(err)
				}
			}()
		}
		var tty *terminal
		if master != nil {
			tty = attachTerminal(master)
		}
		sp := stagelog.Begin("wait for the container", st.ID)
		code := waitForwarding(st.InitPid, sigs, tty, subreaper)
		sp.End(nil)
		exited.Store(true)
		if !c.Bool("keep") {
			warning, err := s.Delete(st.ID, true)
			warn(warning)
			if err != nil {
				logf("error", "delete %s: %v", st.ID, err)
			}
		}
		return exitError{code}
	},
}

// reaped collects the exit status of pid, our child, if it has exited.
func reaped(pid int) (int, bool) {
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	if err != nil || got != pid || !ws.Exited() {
		return 0, false
	}
	return ws.ExitStatus(), true
}

// waitForwarding relays signals to pid, a child of ours (nsenter forks init with
// CLONE_PARENT), until it exits, and returns its exit code (128+N when killed by N).
// With a terminal, SIGWINCH resizes it instead, and it is detached at the end. A
// subreaper reaps every child, so that adopted orphans leave no zombies behind.
func waitForwarding(pid int, sigs chan os.Signal, tty *terminal, reapAll bool) int {
	stopCatching := catchLaterSignals(sigs)
	done := make(chan unix.WaitStatus, 1)
	go func() {
		var ws unix.WaitStatus
		wait := pid
		if reapAll {
			wait = -1
		}
		for {
			got, err := unix.Wait4(wait, &ws, 0, nil)
			if err == unix.EINTR || (err == nil && got != pid) {
				continue
			}
			break
		}
		done <- ws
	}()
	for {
		select {
		case sig := <-sigs:
			s := sig.(unix.Signal)
			// SIGCHLD is about our own children; SIGURG is the Go runtime's preemption.
			if s == unix.SIGCHLD || s == unix.SIGURG {
				continue
			}
			if s == unix.SIGWINCH && tty != nil {
				tty.resize()
				continue
			}
			unix.Kill(pid, s)
		case ws := <-done:
			stopCatching()
			// The signals stay caught until berth exits: a late SIGINT or SIGTERM is
			// then ignored instead of killing berth half-way through its delete or
			// with the terminal still raw, and signal.Reset would cost another
			// round trip to the runtime's signal thread per signal (see
			// signals.go).
			if tty != nil {
				tty.detach()
			}
			if ws.Signaled() {
				return 128 + int(ws.Signal())
			}
			return ws.ExitStatus()
		}
	}
}
