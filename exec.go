package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer"
	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/specconv"
	"github.com/urfave/cli/v3"
	"golang.org/x/sys/unix"
)

var execCommand = &cli.Command{
	Name:      "exec",
	Usage:     "run another process in a running container",
	ArgsUsage: "<container-id> <command> [args...]",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "process", Aliases: []string{"p"}, Usage: "runtime-spec process JSON file (replaces the command and the flags below)"},
		&cli.StringFlag{Name: "console-socket", Usage: "unix socket to receive the pty master"},
		&cli.StringFlag{Name: "pidfd-socket", Usage: "unix socket to receive a pidfd of the process"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "give the process a terminal"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "do not wait for the process"},
		&cli.StringFlag{Name: "pid-file", Usage: "file to write the process's pid to"},
		&cli.StringFlag{Name: "cwd", Usage: "working directory in the container"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "add KEY=value to the environment"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "uid[:gid]"},
		&cli.StringSliceFlag{Name: "additional-gids", Aliases: []string{"g"}, Usage: "additional group ids"},
		&cli.StringSliceFlag{Name: "cap", Aliases: []string{"c"}, Usage: "add a capability (CAP_NET_ADMIN)"},
		&cli.BoolFlag{Name: "no-new-privs", Usage: "set no_new_privileges"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "pass this many fds after stdio to the process"},
		&cli.StringFlag{Name: "process-label", Usage: "SELinux label"},
		&cli.StringFlag{Name: "apparmor", Usage: "AppArmor profile"},
		&cli.BoolFlag{Name: "ignore-paused", Usage: "exec even into a paused container"},
		&cli.StringSliceFlag{Name: "cgroup", Usage: "run in an existing sub-cgroup of the container's: [controller[,controller]:]path (repeatable)"},
	},
	Action: func(_ context.Context, c *cli.Command) error {
		err := execAction(c)
		var ee exitError
		if err == nil || errors.As(err, &ee) {
			return err
		}
		// runc exits 255 when the process could not be started, so that a caller can tell
		// a failed exec from a process that ran and exited 1.
		return codedError{255, fmt.Errorf("exec failed: %w", err)}
	},
}

// execAction is exec's work; its errors are setup failures (see Action).
func execAction(c *cli.Command) error {
	s, st, err := loadContainer(c)
	if err != nil {
		return err
	}
	id := st.ID
	proc, err := execProcess(c, st.Config)
	if err != nil {
		return err
	}
	sub, err := cgroups.ParseSubCgroups(c.StringSlice("cgroup"))
	if err != nil {
		return err
	}
	pidFile := c.String("pid-file")
	if pidFile != "" {
		if pidFile, err = filepath.Abs(pidFile); err != nil {
			return fmt.Errorf("--pid-file: %w", err)
		}
	}
	detach := c.Bool("detach")
	pidfd, err := dialPidfdSocket(c.String("pidfd-socket"))
	if err != nil {
		return err
	}
	defer pidfd.close()
	sigs := make(chan os.Signal, 64)
	caught := func() {}
	if !detach {
		caught = catchSignals(sigs)
	}
	consoleSocket := c.String("console-socket")
	if proc.Terminal && consoleSocket == "" && detach {
		return fmt.Errorf("--detach with a terminal needs --console-socket")
	}
	if proc.Terminal && consoleSocket == "" {
		if rows, cols := callerSize(); rows > 0 {
			proc.ConsoleHeight, proc.ConsoleWidth = rows, cols
		}
	}
	pid, master, err := s.Exec(libcontainer.ExecOpts{
		ID: id, Process: proc, PidFile: pidFile, PreserveFDs: c.Int("preserve-fds"),
		ConsoleSocket: consoleSocket, IgnorePaused: c.Bool("ignore-paused"), SubCgroups: sub,
		BeforeHostChanges: caught,
	})
	if err != nil {
		return err
	}
	if err := pidfd.send(pid, "setns"); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return err
	}
	if detach {
		return nil
	}
	var tty *terminal
	if master != nil {
		tty = attachTerminal(master)
	}
	sp := stagelog.Begin("wait for the process", proc.Args[0])
	code := waitForwarding(pid, sigs, tty, false)
	sp.End(nil)
	return exitError{code}
}

// execProcess builds the process from --process, or from the container's own process
// changed by the command line, as runc does.
func execProcess(c *cli.Command, cfg *configs.Config) (*configs.Process, error) {
	if path := c.String("process"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--process: %w", err)
		}
		p, err := specconv.ParseProcess(data)
		if err != nil {
			return nil, fmt.Errorf("--process %s: %w", path, err)
		}
		proc, err := specconv.ConvertProcess(p)
		if err != nil {
			return nil, fmt.Errorf("--process %s: %w", path, err)
		}
		return withLSMFlags(c, proc)
	}
	if c.NArg() < 2 {
		return nil, errors.New("process args cannot be empty")
	}
	base := cfg.Process
	p := base // a copy: slices below are replaced, never appended to in place
	p.Args = c.Args().Slice()[1:]
	p.Terminal = c.Bool("tty")
	p.ConsoleHeight, p.ConsoleWidth = 0, 0
	p.Env = append(append([]string(nil), base.Env...), c.StringSlice("env")...)
	if cwd := c.String("cwd"); cwd != "" {
		p.Cwd = cwd
	}
	if u := c.String("user"); u != "" {
		uid, gid, err := parseUser(u)
		if err != nil {
			return nil, err
		}
		p.UID, p.GID = uid, gid
	}
	if gids := c.StringSlice("additional-gids"); len(gids) > 0 {
		p.AdditionalGids = nil
		for _, g := range gids {
			n, err := strconv.ParseUint(g, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("--additional-gids %q: not a number", g)
			}
			p.AdditionalGids = append(p.AdditionalGids, uint32(n))
		}
	}
	if added := c.StringSlice("cap"); len(added) > 0 {
		var set configs.Capabilities
		if base.Capabilities != nil {
			set = *base.Capabilities
		}
		for _, name := range added {
			n, err := caps.Parse(strings.ToUpper(name))
			if err != nil {
				// As in config.json (and runc): skipped, not fatal.
				warn(fmt.Errorf("--cap: %w (ignored)", err))
				continue
			}
			set.Bounding = append(append([]int(nil), set.Bounding...), n)
			set.Effective = append(append([]int(nil), set.Effective...), n)
			set.Permitted = append(append([]int(nil), set.Permitted...), n)
			// Raised in the ambient set too, as runc does, so that a non-root process keeps
			// it across exec; the kernel allows that only when it is also inheritable, and
			// caps.Apply skips it otherwise.
			set.Ambient = append(append([]int(nil), set.Ambient...), n)
		}
		p.Capabilities = &set
	}
	p.NoNewPrivileges = base.NoNewPrivileges || c.Bool("no-new-privs")
	if !filepath.IsAbs(p.Cwd) {
		return nil, fmt.Errorf("--cwd: %q is not an absolute path", p.Cwd)
	}
	for _, e := range p.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return nil, fmt.Errorf("--env: %q is not of the form KEY=value", e)
		}
	}
	return withLSMFlags(c, &p)
}

// withLSMFlags applies --apparmor and --process-label over the process's own, refusing
// them where the host lacks the LSM (as config.json's are refused).
func withLSMFlags(c *cli.Command, p *configs.Process) (*configs.Process, error) {
	if name := c.String("apparmor"); name != "" {
		if !specconv.AppArmorEnabled() {
			return nil, fmt.Errorf("--apparmor: AppArmor is not enabled on this host")
		}
		p.ApparmorProfile = name
	}
	if label := c.String("process-label"); label != "" {
		if !specconv.SELinuxEnabled() {
			return nil, fmt.Errorf("--process-label: SELinux is disabled or not supported on this host")
		}
		p.SelinuxLabel = label
	}
	return p, nil
}

// parseUser reads uid[:gid]; the gid defaults to 0, as with runc.
func parseUser(s string) (uint32, uint32, error) {
	us, gs, hasGid := strings.Cut(s, ":")
	uid, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("--user %q: uid must be a number", s)
	}
	var gid uint64
	if hasGid {
		if gid, err = strconv.ParseUint(gs, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("--user %q: gid must be a number", s)
		}
	}
	return uint32(uid), uint32(gid), nil
}
