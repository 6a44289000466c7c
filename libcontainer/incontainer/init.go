package incontainer

import (
	"errors"
	"fmt"
	"os"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/rootfs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Init is `berth init`: it runs inside every namespace of the container, started by
// nsenter from a sealed copy of berth, on the OS thread that will exec the user
// process (the caller locked it: credentials and capabilities are per thread).
// It only returns on failure, after telling the parent.
func Init() error {
	syncFd, err1 := initproto.EnvFD(initproto.SyncEnv)
	execFd, err2 := initproto.EnvFD(initproto.ExecEnv)
	consoleFd, err3 := initproto.EnvFD(initproto.ConsoleEnv)
	if err := errors.Join(err1, err2, err3); err != nil || syncFd < 0 {
		return fmt.Errorf("berth init is started by berth create or exec, not by hand: %v", err)
	}
	os.Clearenv()
	sync := os.NewFile(uintptr(syncFd), "init-sync")
	ch, err := initproto.NewInit(sync)
	if err != nil {
		return err
	}
	ic, err := ch.ExpectConfig()
	if err == nil && ic.Debug {
		ch.RecordStages(ic.Pid)
	}
	if err == nil {
		switch ic.Mode {
		case initproto.ModeCreate:
			err = initContainer(ch, ic, execFd, consoleFd)
		case initproto.ModeExec:
			err = initExec(ch, ic, consoleFd)
		default:
			err = fmt.Errorf("protocol: unknown init mode %q", ic.Mode)
		}
	}
	// Reached only on failure: the parent reports the error and cleans up.
	ch.SendError(err)
	return err
}

func initContainer(ch *initproto.Init, ic *initproto.InitConfig, execFd, consoleFd int) error {
	cfg := ic.Config
	sp := stagelog.Begin("wait for cgroup placement", "")
	if err := ch.ExpectCgroupPlaced(); sp.End(err) != nil {
		return err
	}
	// In the cgroup now: run on its cpuset, not on the runtime caller's CPUs.
	resetAffinity()
	if ic.NewCgroupNS {
		// Rooted at the cgroup init is in now. Per thread: this is the locked main
		// thread, which mounts, runs the hooks and execs the process.
		if err := unix.Unshare(unix.CLONE_NEWCGROUP); err != nil {
			return fmt.Errorf("create the cgroup namespace: %w", err)
		}
	}
	// The notify agent's socket is a path in the runtime's mount namespace, and only
	// the runtime's credentials are sure to reach it (init may be an unprivileged uid of
	// a user namespace): the parent connects, as for exec, and sends the connection,
	// which waits here, close-on-exec, until the filter loads.
	var agent *os.File
	if seccomp.AgentPath(cfg.Seccomp) != "" {
		a, err := ch.RequestSeccompAgent()
		if err != nil {
			return err
		}
		agent = a
	}
	if !cfg.NoNewKeyring {
		if err := joinSessionKeyring(ic.ID); err != nil {
			return err
		}
	}
	// No mount namespace: the container shares the runtime's filesystem view, and
	// nothing is mounted (everything would land on the host's mount table).
	ownMounts := cfg.HasNamespace(configs.NEWNS)
	if ownMounts {
		sp = stagelog.Begin("prepare rootfs", cfg.Rootfs)
		if err := sp.End(prepareRootfs(ch, cfg, ic.MountSources)); err != nil {
			return err
		}
	}
	if err := ch.SendMountsDone(); err != nil {
		return err
	}
	prog, err := ch.ExpectHooksDone()
	if err != nil {
		return err
	}
	state := specs.State{
		Version: specs.Version, ID: ic.ID, Status: specs.StateCreating, Pid: ic.Pid,
		Bundle: ic.Bundle, Annotations: cfg.Annotations,
	}
	// Before pivot_root: the hook's path resolves in the runtime's filesystem, it runs
	// in the container's namespaces (runtime-spec createContainer), with the rootfs as
	// working directory and the status "creating", as with runc. A hook without an env
	// of its own gets the process's, which runc's init has by then too.
	created := hooks.Env{Dir: cfg.Rootfs, Env: append(append([]string(nil), cfg.Process.Env...), ic.ExtraEnv...)}
	if err := hooks.RunIn(created, "createContainer", hooks.List(cfg.Hooks, "createContainer"), state); err != nil {
		return err
	}
	state.Status = specs.StateCreated
	if !ownMounts {
		// The runtime's mount namespace is shared: nothing may be mounted or pivoted, but
		// root.path is still the container's root (runc chroots too). runc also mounts
		// config.json's mounts there, in the runtime's namespace, and leaves them after
		// delete; berth mounts nothing, so the rootfs's /dev may be empty: a terminal is
		// taken from the runtime's /dev/ptmx before the chroot, and not bound onto
		// /dev/console (that would be a mount in the runtime's namespace).
		if cfg.Process.Terminal {
			if err := setupConsole(consoleFd, &cfg.Process, false, ic.ForegroundTTY); err != nil {
				return err
			}
			unix.Close(consoleFd)
		}
		if err := unix.Chroot(cfg.Rootfs); err != nil {
			return fmt.Errorf("root.path: chroot %s: %w", cfg.Rootfs, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return fmt.Errorf("root.path: chdir: %w", err)
		}
	} else {
		sp = stagelog.Begin("finish rootfs", "pivot_root")
		if err := sp.End(rootfs.Finish(cfg)); err != nil {
			return err
		}
		if err := rootfs.ReopenDevNull(); err != nil {
			return err
		}
		// Like runc, create a missing working directory. After the pivot the root is
		// the container's: no symlink can take MkdirAll outside it.
		if err := os.MkdirAll(cfg.Process.Cwd, 0o755); err != nil {
			return fmt.Errorf("process.cwd %s: %w", cfg.Process.Cwd, err)
		}
	}
	if err := namesLoSysctls(cfg); err != nil {
		return err
	}
	if cfg.Process.Terminal && ownMounts {
		if err := setupConsole(consoleFd, &cfg.Process, true, ic.ForegroundTTY); err != nil {
			return err
		}
		unix.Close(consoleFd)
	}
	if ownMounts {
		// After /dev/console: a read-only /dev or tmpfs was left writable until now.
		sp = stagelog.Begin("read-only remounts", "")
		if err := sp.End(rootfs.Readonly(cfg)); err != nil {
			return err
		}
	}
	sp = stagelog.Begin("process attributes", "")
	if err := sp.End(applyProcessAttrs(&cfg.Process, cfg)); err != nil {
		return err
	}
	sp = stagelog.Begin("prepare process", cfg.Process.Args[0])
	proc, err := prepareProcess(&cfg.Process, ic.ExtraEnv, ic.PreserveFDs,
		procSeccomp{program: prog, agent: agent, pid: ic.Pid, state: &state})
	if sp.End(err) != nil {
		return err
	}
	if err := ch.SendReady(); err != nil {
		return err
	}
	if err := awaitCommit(ch); err != nil {
		return err
	}
	starter, err := waitForStart(execFd)
	if err != nil {
		return err
	}
	// From here on `berth start` is the one listening, on the exec.sock connection: it
	// stays open (close-on-exec) until the exec, so start returns, and runs poststart,
	// only once the user process runs. A failure is told to start and on stderr.
	err = proc.runStartContainerHooks(cfg, state)
	if err == nil {
		state.Status = specs.StateRunning // what the seccomp agent is told at exec
		err = proc.exec()
	}
	fmt.Fprintf(os.Stderr, "berth init: %v\n", err)
	unix.Write(starter, []byte(err.Error()))
	os.Exit(127)
	return nil
}

// initExec runs another process in an existing container: nsenter already put init
// in all of its namespaces, its cgroup, and (through the mount namespace) its root.
func initExec(ch *initproto.Init, ic *initproto.InitConfig, consoleFd int) error {
	if ic.Process == nil {
		return errors.New("protocol: exec without a process")
	}
	// The parent placed init in the container's cgroup before sending the config.
	if needsAffinityReset(ic.Process.ExecCPUAffinity) {
		resetAffinity()
	}
	if ic.Process.Terminal {
		if err := setupConsole(consoleFd, ic.Process, false, ic.ForegroundTTY); err != nil {
			return err
		}
		unix.Close(consoleFd)
	}
	sc := procSeccomp{pid: ic.Pid}
	if ic.Seccomp != nil {
		sc.program, sc.state = ic.Seccomp.Program, &ic.Seccomp.State
		// Init is in the container's mount namespace already: the parent connects.
		if sc.program != nil && sc.program.ListenerPath != "" {
			agent, err := ch.RequestSeccompAgent()
			if err != nil {
				return err
			}
			sc.agent = agent
		}
	}
	// ic.Config is the container's: its personality and memory policy hold for every
	// process in it.
	sp := stagelog.Begin("process attributes", "")
	if err := sp.End(applyProcessAttrs(ic.Process, ic.Config)); err != nil {
		return err
	}
	// As for its first process (runc's setns init does the same).
	if ic.Config == nil || !ic.Config.NoNewKeyring {
		if err := joinSessionKeyring(ic.ID); err != nil {
			return err
		}
	}
	sp = stagelog.Begin("prepare process", ic.Process.Args[0])
	proc, err := prepareProcess(ic.Process, ic.ExtraEnv, ic.PreserveFDs, sc)
	if sp.End(err) != nil {
		return err
	}
	// The process outlives `berth exec -d`; a failed send below still ends it.
	if err := keepAfterParent(); err != nil {
		return err
	}
	if err := ch.SendReady(); err != nil {
		return err
	}
	err = proc.exec()
	fmt.Fprintf(os.Stderr, "berth init: %v\n", err)
	os.Exit(127)
	return nil
}

// namesLoSysctls sets hostname and domainname, lo up and the sysctls, in the
// container's namespaces.
func namesLoSysctls(cfg *configs.Config) error {
	sp := stagelog.Begin("hostname, lo, sysctls", cfg.Hostname)
	err := setNames(cfg)
	if err == nil {
		err = upLoopback(cfg)
	}
	if err == nil {
		err = rootfs.WriteSysctls(cfg.Sysctl)
	}
	return sp.End(err)
}

func setNames(cfg *configs.Config) error {
	if cfg.Hostname != "" {
		if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
			return fmt.Errorf("hostname %q: %w", cfg.Hostname, err)
		}
	}
	if cfg.Domainname != "" {
		if err := unix.Setdomainname([]byte(cfg.Domainname)); err != nil {
			return fmt.Errorf("domainname %q: %w", cfg.Domainname, err)
		}
	}
	return nil
}

// waitForStart blocks until `berth start` connects to exec.sock, acknowledges with one
// byte, and returns the connection (close-on-exec: its end tells start the exec happened).
func waitForStart(lfd int) (int, error) {
	for {
		cfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return -1, fmt.Errorf("wait for start: %w", err)
		}
		unix.Close(lfd)
		if _, err = unix.Write(cfd, []byte{0}); err != nil {
			unix.Close(cfd)
			return -1, fmt.Errorf("acknowledge start: %w", err)
		}
		return cfd, nil
	}
}

// SessionKeyring is the name of container id's session keyring, which every process of
// it joins (the one-runtime path's stage too).
func SessionKeyring(id string) string { return "_ses." + id }

// joinSessionKeyring joins a fresh session keyring of container id: the caller's (an
// engine's, the host's) and its keys are none of the container's business.
func joinSessionKeyring(id string) error {
	if _, err := unix.KeyctlJoinSessionKeyring(SessionKeyring(id)); err != nil && err != unix.ENOSYS {
		return fmt.Errorf("join session keyring: %w", err)
	}
	return nil
}
