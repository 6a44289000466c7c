package libcontainer

import (
	"errors"
	"fmt"
	"os"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/nsenter"
	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ExecOpts are the inputs of `berth exec`.
type ExecOpts struct {
	ID      string
	Process *configs.Process
	PidFile string
	// PreserveFDs passes the caller's fds 3..3+N-1 to the process.
	PreserveFDs int
	// ConsoleSocket receives the pty master when the process has a terminal; empty
	// means berth returns the master to run the terminal itself.
	ConsoleSocket string
	IgnorePaused  bool
	// SubCgroups places the process in sub-cgroups of the container's (exec --cgroup).
	SubCgroups cgroups.SubCgroups
	// BeforeHostChanges, if set, is called before Exec starts a process.
	BeforeHostChanges     func()
	Stdin, Stdout, Stderr *os.File
}

// Exec starts another process in a running container: in every namespace of its init
// (entered through a pidfd), its cgroup, its root. It returns the process's pid (a
// child of the caller) and, for a terminal without ConsoleSocket, the pty master.
func (s Store) Exec(o ExecOpts) (int, *os.File, error) {
	return s.exec(o, nil)
}

// exec is Exec with the spawner of init given (the orchestration tests pass a fake);
// nil: the real one, and the one-runtime path where the container allows it.
func (s Store) exec(o ExecOpts, spawn spawner) (int, *os.File, error) {
	// The process may come from the command line (--user), not through Convert.
	if err := specconv.CheckUser(o.Process.UID, o.Process.GID, o.Process.AdditionalGids); err != nil {
		return -1, nil, err
	}
	st, err := s.Load(o.ID)
	if err != nil {
		return -1, nil, err
	}
	if err := specconv.CheckIDsMapped(st.Config, o.Process); err != nil {
		return -1, nil, err
	}
	// runc's texts, which callers may match on.
	status := s.Status(st)
	switch {
	case status == specs.StateStopped:
		return -1, nil, errors.New("cannot exec in a stopped container")
	case status == StatePaused && !o.IgnorePaused:
		return -1, nil, errors.New("cannot exec in a paused container (use --ignore-paused to override)")
	}
	// The pidfd pins init: checked against the recorded start time after opening, no
	// other process can stand behind it by the time we enter its namespaces.
	pidfd, err := unix.PidfdOpen(st.InitPid, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("cannot exec in container %q: init %d: %w", o.ID, st.InitPid, err)
	}
	defer unix.Close(pidfd)
	if !processAlive(st.InitPid, st.InitStartTime) {
		return -1, nil, errors.New("cannot exec in a stopped container")
	}
	root, err := openInitRoot(st)
	if err != nil {
		return -1, nil, err
	}
	if root != nil {
		defer root.Close()
	}

	var console *consoleEnd
	if o.Process.Terminal {
		if console, err = openConsole(o.ConsoleSocket); err != nil {
			return -1, nil, err
		}
		defer console.close()
	} else if o.ConsoleSocket != "" {
		return -1, nil, errors.New("--console-socket given without a terminal (use --tty)")
	}
	if o.BeforeHostChanges != nil {
		o.BeforeHostChanges()
	}
	nListen := listenFDs()
	if spawn == nil {
		// One Go runtime per exec where the container allows it (see execPlanPath).
		err := execPlanPath(st, o, nListen, status == StatePaused)
		if err == nil {
			var pid int
			var master *os.File
			pid, master, err = s.execPlan(o, st, pidfd, console)
			if _, notTaken := err.(errNoPlan); !notTaken {
				return pid, master, err
			}
		}
		stagelog.Begin("path", err.Error()).End(nil)
		spawn = startInit
	}
	// Compiled (or found in the cache) while init starts.
	compiled := s.compileSeccomp(st.Config.Seccomp)
	affinity := o.Process.ExecCPUAffinity
	// On pure cgroup v2 the process is born in the container's cgroup.
	into, err := cgroups.EnterDir(st.Cgroup, o.SubCgroups)
	if err != nil {
		return -1, nil, err
	}
	if into != nil {
		defer into.Close()
	}
	var pid int
	var sync *os.File
	var inCgroup bool
	sp := stagelog.Begin("spawn init", "nsenter")
	err = withInitialAffinity(affinity, func() (err error) {
		pid, sync, inCgroup, err = spawn(initLaunch{
			stdio:    [3]int{fdOf(o.Stdin, os.Stdin), fdOf(o.Stdout, os.Stdout), fdOf(o.Stderr, os.Stderr)},
			extraFDs: nListen + o.PreserveFDs,
			listener: -1,
			console:  console.childFD(),
			exeCache: s.Root,
			ns: &nsenter.Config{
				JoinPidFD:    pidfd,
				JoinPidFlags: namespaceFlags(st.Config),
				Root:         root,
				IntoCgroup:   into,
				OnReady: func(pid int) error {
					return setFinalAffinity(affinity, pid)
				},
				OnStage: nsenterStages(),
			},
		})
		return err
	})
	if sp.End(err) != nil {
		return -1, nil, err
	}
	defer sync.Close()
	// Otherwise into the container's cgroup only now, while init boots: the migration
	// may wait for an RCU grace period (see cgroups.Prewarm). Init does nothing before
	// its config.
	if !inCgroup {
		sp = stagelog.Begin("enter cgroup", st.Config.CgroupsPath)
		err = sp.End(cgroups.Enter(st.Cgroup, pid, o.SubCgroups))
	}
	ch, cherr := initproto.NewParent(sync)
	if err == nil {
		err = cherr
	}
	ic := &initproto.InitConfig{
		Mode: initproto.ModeExec, ID: o.ID, Bundle: st.Bundle, Process: o.Process, Pid: pid,
		PreserveFDs: nListen + o.PreserveFDs, ExtraEnv: listenEnv(nListen), Debug: stagelog.On(),
		ForegroundTTY: o.Process.Terminal && o.ConsoleSocket == "",
		// The container-wide settings every process of the container runs with.
		Config: &configs.Config{Personality: st.Config.Personality, MemoryPolicy: st.Config.MemoryPolicy,
			NoNewKeyring: st.Config.NoNewKeyring},
	}
	if prog, cerr := compiled.wait(); err == nil && cerr != nil {
		err = cerr
	} else if err == nil && prog != nil {
		// The exec'd process gets the container's filter, as runc does.
		ic.Seccomp = &initproto.ExecSeccomp{Program: prog, State: specs.State{
			Version: specs.Version, ID: o.ID, Status: specs.StateRunning, Pid: st.InitPid,
			Bundle: st.Bundle, Annotations: st.Config.Annotations,
		}}
	}
	if err == nil {
		err = ch.SendConfig(ic)
	}
	if path := seccomp.AgentPath(st.Config.Seccomp); err == nil && path != "" {
		err = sendSeccompAgent(ch, path)
	}
	if err == nil {
		sp = stagelog.Begin("wait for init", "ready")
		err = ch.ExpectReady()
		sp.End(err)
	}
	var master *os.File
	if err == nil {
		master, err = console.receiveMaster()
	}
	if err == nil && o.PidFile != "" {
		err = writePidFile(o.PidFile, pid)
	}
	if err != nil {
		killAndReap(pid)
		return -1, nil, err
	}
	return pid, master, nil
}

// killAndReap ends an exec'd process that failed before it ran, and reaps it (the
// caller's child).
func killAndReap(pid int) {
	unix.Kill(pid, unix.SIGKILL)
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
}

// sendSeccompAgent answers init's request for the seccomp agent: a connection to
// listenerPath, made here because the path is in the runtime's mount namespace.
func sendSeccompAgent(ch *initproto.Parent, path string) error {
	if err := ch.ExpectSeccompAgent(); err != nil {
		return err
	}
	fd, err := seccomp.ConnectAgent(path)
	if err != nil {
		return fmt.Errorf("linux.seccomp.listenerPath: %w", err)
	}
	defer unix.Close(fd)
	return ch.SendSeccompAgentConn(fd)
}

// namespaceFlags is every namespace the container has, new or joined: exec enters
// them all, as init sees them now.
func namespaceFlags(cfg *configs.Config) uintptr {
	var flags uintptr
	for _, ns := range cfg.Namespaces {
		flags |= nsenter.NamespaceFlag(string(ns.Type))
	}
	return flags
}
