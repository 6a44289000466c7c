// berth sets its own GOMAXPROCS (internal/oneproc), so the runtime's container-aware
// default is moot: no goroutine to update it (one thread fewer at start, nothing for
// sysmon to resume every second), and no host cgroupfs file held open for the
// process's life (the CVE-2024-21626 class feeds on such fds).
//
//go:debug updatemaxprocs=0
//go:debug containermaxprocs=0

// Command berth is an OCI container runtime with runc's command line.
package main

import (
	"context"
	"fmt"
	// The main goroutine's whole stack before the package inits go deep, no memory
	// profiling (internal/stackgrow's init).
	_ "github.com/berth-runtime/berth/internal/stackgrow"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/berth-runtime/berth/cgroups"
	// One P for the whole command, set before the other packages' init (docs/performance.md).
	_ "github.com/berth-runtime/berth/internal/oneproc"
	"github.com/berth-runtime/berth/internal/rawfile"
	"github.com/berth-runtime/berth/libcontainer"
	"github.com/berth-runtime/berth/libcontainer/incontainer"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/nsenter"
	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
	"golang.org/x/sys/unix"
)

// Set by the Makefile.
var (
	version   = "dev"
	gitCommit = ""
)

func init() {
	// "Runtime init reachable" class (docs/security.md): the kernel already made init
	// non-dumpable at exec (nsenter executes it from a file it cannot read); this keeps it
	// so whatever suid_dumpable says.
	// `berth init` runs inside the container: make it non-dumpable before anything else
	// so nothing in there can ptrace it or open its /proc files, and pin it to the main
	// thread, whose credentials and capabilities are the ones exec passes on.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
		runtime.LockOSThread()
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "init" {
		// Fast path: no flag parsing, and its errors go to the parent over the sync socket.
		if err := incontainer.Init(); err != nil {
			os.Exit(1)
		}
		return
	}
	// Before anything keeps a string of the command line (nsenter/hygiene.go).
	nsenter.DetachArgs()
	if startsContainerProcess(os.Args[1:]) {
		cgroups.Prewarm()
	}
	app := newApp()
	args := reorderArgs(app, os.Args)
	keepOnlyInvoked(app, args)
	if err := app.Run(context.Background(), args); err != nil {
		fatal(err)
	}
}

// startsContainerProcess: the command line is likely create, run or exec, which move a
// process between cgroups soon (see cgroups.Prewarm). A container id that happens to be
// called "run" only costs a harmless extra prewarm.
func startsContainerProcess(args []string) bool {
	for _, a := range args {
		switch a {
		case "create", "run", "exec":
			return true
		}
	}
	return false
}

func newApp() *cli.Command {
	cli.VersionPrinter = func(*cli.Command) {
		fmt.Printf("berth version %s\n", version)
		if gitCommit != "" {
			fmt.Printf("commit: %s\n", gitCommit)
		}
		fmt.Printf("spec: %s\ngo: %s\n", specs.Version, runtime.Version())
		// The libseccomp berth is linked with (statically), as runc prints it.
		fmt.Printf("libseccomp: %s\n", seccomp.LibraryVersion())
	}
	one := 1
	app := &cli.Command{
		Name:                   "berth",
		Usage:                  "run OCI containers (runc-compatible command line)",
		Version:                version,
		UseShortOptionHandling: true,
		// As with urfave/cli v2 (runc): the global flags end at the first argument, so
		// `berth nosuch --x` is an unknown command, not an unknown flag.
		StopOnNthArg: &one,
		// Local: the global flags go before the command (`berth delete ID --root x` is
		// refused); the commands still read them (cli looks a flag up in the parents).
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Local: true, Value: defaultRoot(), Usage: "directory for container state"},
			&cli.StringFlag{Name: "log", Local: true, Usage: "log file (default: stderr)"},
			&cli.StringFlag{Name: "log-format", Local: true, Value: "text", Usage: "log format: text or json"},
			&cli.BoolFlag{Name: "debug", Local: true, Usage: "log debug messages"},
			&cli.BoolFlag{Name: "systemd-cgroup", Local: true, Usage: "use systemd to manage cgroups (cgroupsPath slice:prefix:name)"},
			&cli.StringFlag{Name: "criu", Local: true, Hidden: true, Usage: "accepted for runc compatibility; unused"},
			&cli.StringFlag{Name: "rootless", Local: true, Value: "auto", Usage: "true, false or auto (not root): tolerate cgroups that are not delegated"},
		},
		Before: func(ctx context.Context, c *cli.Command) (context.Context, error) {
			err := applyGlobals(c)
			commandSpan = stagelog.Begin("command", c.Args().First())
			return ctx, err
		},
		After: func(context.Context, *cli.Command) error {
			commandSpan.End(nil)
			return nil
		},
		OnUsageError: usageError,
		Commands: []*cli.Command{
			createCommand, startCommand, runCommand, stateCommand, listCommand,
			killCommand, deleteCommand, execCommand, specCommand, featuresCommand,
			pauseCommand, resumeCommand, updateCommand, eventsCommand, psCommand,
			checkpointCommand, restoreCommand,
		},
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = usageError
		// As runc: a repeated flag's value is taken whole, commas and all
		// (`exec --env A=1,2`, `exec --cgroup cpu,memory:sub`).
		cmd.DisableSliceFlagSeparator = true
		// As runc: `berth run h` and `berth kill help` name containers "h" and "help"; cli
		// would take them for the help subcommand it gives every command. --help and
		// `berth help run` stay.
		cmd.HideHelpCommand = true
	}
	withArgCheck(app.Commands)
	return app
}

// applyGlobals acts on the global flags, once: from Before, or from a command's flag error,
// which cli reports before it runs Before, so that the error still reaches --log.
func applyGlobals(root *cli.Command) error {
	if globalsApplied {
		return nil
	}
	globalsApplied = true
	cgroups.UseSystemd = root.Bool("systemd-cgroup")
	specconv.Warn = warn
	return setupLogging(root)
}

var globalsApplied bool

// usageError reports a flag cli could not parse as runc does: "Incorrect Usage", then the
// command's help on stdout; fatal prints the error itself, once, on stderr.
func usageError(_ context.Context, c *cli.Command, err error, isSubcommand bool) error {
	if isSubcommand {
		applyGlobals(c.Root())
	}
	fmt.Fprintf(c.Root().Writer, "Incorrect Usage: %v\n\n", err)
	if isSubcommand {
		cli.HelpPrinter(c.Root().Writer, cli.CommandHelpTemplate, c)
	} else {
		cli.HelpPrinter(c.Root().Writer, cli.RootCommandHelpTemplate, c)
	}
	return err
}

// commandSpan times the whole command (--debug).
var commandSpan stagelog.Span

// defaultRoot is /run/berth for root; without root, berth keeps its state where the
// user may write, as runc does: $XDG_RUNTIME_DIR/berth (or /tmp/berth-<uid>).
func defaultRoot() string {
	if os.Geteuid() == 0 {
		return "/run/berth"
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "berth")
	}
	return fmt.Sprintf("/tmp/berth-%d", os.Geteuid())
}

func store(c *cli.Command) libcontainer.Store {
	return libcontainer.Store{Root: c.String("root")}
}

// containerID returns the single id argument of a command.
func containerID(c *cli.Command) (string, error) {
	if c.NArg() < 1 {
		return "", fmt.Errorf("%q requires a minimum of 1 argument(s)", c.Name)
	}
	id := c.Args().First()
	if err := libcontainer.ValidateID(id); err != nil {
		return "", err
	}
	return id, nil
}

// loadContainer reads the state of the container named by the command's argument.
func loadContainer(c *cli.Command) (libcontainer.Store, *libcontainer.State, error) {
	s := store(c)
	id, err := containerID(c)
	if err != nil {
		return s, nil, err
	}
	st, err := s.Load(id)
	return s, st, err
}

// rootlessMode reads --rootless as runc does. auto means "not root", or root of a user
// namespace (rootlesskit) asking for the systemd driver: that root is an ordinary user to the
// host's systemd, so its scopes belong in that user's systemd instance.
func rootlessMode(c *cli.Command) (bool, error) {
	switch v := c.String("rootless"); v {
	case "auto":
		return os.Geteuid() != 0 || (c.Bool("systemd-cgroup") && inUserNamespace()), nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	default:
		return false, fmt.Errorf("--rootless: %q is not true, false or auto", v)
	}
}

// inUserNamespace: berth itself runs in a user namespace other than the initial one, whose
// uid_map is the identity over all 2^32-1 ids.
func inUserNamespace() bool {
	b, err := rawfile.ReadKernelFile("/proc/self/uid_map")
	if err != nil {
		return false
	}
	return strings.Join(strings.Fields(string(b)), " ") != "0 0 4294967295"
}

// exitError carries an exit code without an error message (run's container status).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// codedError is an error reported as usual but exiting with code instead of 1.
type codedError struct {
	code int
	err  error
}

func (e codedError) Error() string { return e.err.Error() }
func (e codedError) Unwrap() error { return e.err }
