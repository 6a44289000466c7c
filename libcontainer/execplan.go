package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/incontainer"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/nsenter"
	"golang.org/x/sys/unix"
)

// execPlanPath tells whether `berth exec` can take the one-runtime path: the new process
// sets itself up with raw system calls (nsenter's plan mode) and executes through the
// sealed exec program, so no `berth init` starts. What init does for exec that a plan
// cannot (a seccomp agent, socket activation's LISTEN_PID, both an AppArmor profile and
// an SELinux label) keeps init.
//
// CVE-2019-5736 class: an exec's last stage joins a pid namespace that has processes
// already, and until it executes the sealed program it is a copy of the runtime. So
// everything it needs is found before it is forked (the executable and HOME, looked up
// in the container's mount namespace; the seccomp program; the cgroup, entered by stage
// 1 before it forks): it never waits on the parent for anything but the go-ahead, sent
// as soon as it is forked, which keeps that window as short as init's path (the stage
// executing init from the protected copy).
func execPlanPath(st *State, o ExecOpts, nListen int, paused bool) error {
	cfg := st.Config
	if err := planRefusal(cfg, o.Process, false); err != nil {
		return err
	}
	switch {
	case paused:
		return errNoPlan("paused container")
	case nListen > 0:
		return errNoPlan("socket activation")
	}
	for _, t := range []configs.NamespaceType{configs.NEWNS, configs.NEWPID} {
		if !cfg.HasNamespace(t) {
			return errNoPlan("needs the container's own mount and pid namespaces")
		}
	}
	if cfg.HasNamespace(configs.NEWUSER) {
		// The thread that looks up the executable and opens the terminal does so as the
		// container's root (enterAsContainerRoot): it needs the host ids of 0.
		if _, ok := configs.HostID(cfg.UIDMappings, 0); !ok {
			return errNoPlan("user namespace without a uid 0 in linux.uidMappings")
		}
		if _, ok := configs.HostID(cfg.GIDMappings, 0); !ok {
			return errNoPlan("user namespace without a gid 0 in linux.gidMappings")
		}
	}
	return nil
}

// execPlan is Exec on the one-runtime path (see execPlanPath): it returns the process's
// pid, a child of the caller, once the process is executing, and for a terminal without
// a console socket the pty master. An errNoPlan says the path cannot be taken after all
// (the container's /dev/pts), before anything was started.
func (s Store) execPlan(o ExecOpts, st *State, pidfd int, console *consoleEnd) (int, *os.File, error) {
	p := o.Process
	// Compiled (or found in the cache) meanwhile; a fallback to init, rare, compiles again.
	compiled := s.compileSeccomp(st.Config.Seccomp)
	sp := stagelog.Begin("prepare process", p.Args[0])
	var found incontainer.RootResult
	var master, peer *os.File
	err := inMountNamespaceOf(pidfd, st.Config, func() error {
		var err error
		if p.Terminal {
			// Made by the runtime in the container's devpts, before the fork (see
			// incontainer.OpenPlanPty): the process gets the peer as its stdio.
			if master, peer, err = incontainer.OpenPlanPty(st.Config, p, console.foreground()); err != nil {
				return err
			}
		}
		found, err = incontainer.PlanProcessOf(p, p.Env)
		return err
	})
	if peer != nil {
		defer peer.Close()
	}
	if master != nil {
		defer func() {
			if master != nil {
				master.Close()
			}
		}()
	}
	if errors.Is(err, incontainer.ErrNoDevpts) {
		sp.End(nil)
		return -1, nil, errNoPlan(err.Error())
	}
	if sp.End(err) != nil {
		return -1, nil, err
	}
	env := p.Env
	if found.Home != "" {
		env = append(append([]string(nil), env...), found.Home)
	}
	prog, err := compiled.wait()
	if err != nil {
		return -1, nil, err
	}
	var filter []unix.SockFilter
	var flags uint
	if prog != nil {
		if filter, err = prog.Instructions(); err != nil {
			return -1, nil, err
		}
		flags = prog.Flags
	}

	// The connection `start` would make: the caller holds one end.
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("exec: socket pair: %w", err)
	}
	defer unix.Close(pair[0])
	conn := pair[1]
	defer func() {
		if conn >= 0 {
			unix.Close(conn)
		}
	}()
	plan := processPlan(st.Config, o.ID, p, conn, o.PreserveFDs)
	plan.Connected = true
	if plan.ExecAttr != "" {
		// A proc instance of the container's pid namespace, made by the stage, for the
		// exec program to open the label's file in (nothing of the container's /proc).
		plan.MountProc, plan.ProcAttrs = true, unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOEXEC
	}
	if err := caps.Possible(plan.Effective, plan.Permitted, plan.Inheritable); err != nil {
		return -1, nil, fmt.Errorf("process.capabilities: %w", err)
	}

	// On pure cgroup v2 the process is born in the container's cgroup; otherwise stage 1
	// enters it before it forks the last stage, which is born there.
	into, err := cgroups.EnterDir(st.Cgroup, o.SubCgroups)
	if err != nil {
		return -1, nil, err
	}
	if into != nil {
		defer into.Close()
	}
	files := []int{fdOf(o.Stdin, os.Stdin), fdOf(o.Stdout, os.Stdout), fdOf(o.Stderr, os.Stderr)}
	if peer != nil {
		files = []int{int(peer.Fd()), int(peer.Fd()), int(peer.Fd())}
		plan.Terminal = true
	}
	for i := 0; i < o.PreserveFDs; i++ {
		files = append(files, 3+i)
	}
	affinity := p.ExecCPUAffinity
	var r nsenter.Result
	sp = stagelog.Begin("spawn init", "nsenter plan")
	err = withInitialAffinity(affinity, func() (err error) {
		r, err = nsenter.SpawnResult(&nsenter.Config{
			ExecFD: -1, Args: p.Args, Env: env, Files: files,
			JoinPidFD: pidfd, JoinPidFlags: namespaceFlags(st.Config),
			IntoCgroup: into,
			OnReady: func(stage1 int) error {
				if into != nil {
					return nil
				}
				return cgroups.Enter(st.Cgroup, stage1, o.SubCgroups)
			},
			OnStage: nsenterStages(),
			Timeout: initproto.Timeout(),
			Plan:    plan,
		})
		return err
	})
	if sp.End(err) != nil {
		return -1, nil, err
	}
	handle := r.Plan
	defer handle.Close()
	unix.Close(conn)
	conn = -1
	pid := r.Pid
	fail := func(err error) (int, *os.File, error) {
		killAndReap(pid)
		return -1, nil, err
	}
	if into != nil && !r.InCgroup { // clone3 without CLONE_INTO_CGROUP (before Linux 5.7)
		if err := cgroups.Enter(st.Cgroup, pid, o.SubCgroups); err != nil {
			return fail(err)
		}
	}
	for i, rl := range p.Rlimits {
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(pid, rl.Type, &lim, nil); err != nil {
			return fail(fmt.Errorf("process.rlimits[%d]: %w", i, err))
		}
	}
	if err := incontainer.SchedulerAndIOPriority(pid, p); err != nil {
		return fail(err)
	}
	if affinity != nil && len(affinity.Final) > 0 {
		if err := setFinalAffinity(affinity, pid); err != nil {
			return fail(err)
		}
	} else {
		// The container's cpuset, not the caller's CPUs (what init's resetAffinity does).
		resetAffinityOf(pid)
	}
	sp = stagelog.Begin("set up process", "")
	err = handle.Release(found.Path, "", filter, flags)
	if err == nil {
		err = handle.Commit()
	}
	if err == nil && master != nil && !console.foreground() {
		// The receiver on --console-socket gets the master as init would send it.
		err = sendMaster(console.child, master)
	}
	if err == nil && o.PidFile != "" {
		err = writePidFile(o.PidFile, pid)
	}
	if sp.End(err) != nil {
		return fail(err)
	}
	sp = stagelog.Begin("start process", "")
	if err := sp.End(awaitStart(pair[0], 10*time.Second)); err != nil {
		return fail(err)
	}
	if !console.foreground() {
		return pid, nil, nil
	}
	fg := master // foreground: the caller runs the terminal
	master = nil
	return pid, fg, nil
}

// inMountNamespaceOf runs f on a thread of its own in the mount namespace (and so the
// root) of the process pidfd refers to, container cfg's init. With a user namespace the
// thread takes the host ids of the container's root as its fsuid and fsgid, as the
// thread that builds such a container's rootfs does (enterAsContainerRoot): what it
// opens and creates, the container's root would. The thread never runs anything else:
// it ends with f's goroutine.
func inMountNamespaceOf(pidfd int, cfg *configs.Config, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		if err := enterMountNamespaceOf(pidfd, cfg); err != nil {
			errc <- fmt.Errorf("exec: %w", err)
			return
		}
		errc <- f()
	}()
	err := <-errc
	if err != nil && errors.Is(err, unix.ESRCH) {
		return errors.New("cannot exec in a stopped container")
	}
	return err
}

// enterMountNamespaceOf runs on the locked thread of inMountNamespaceOf.
func enterMountNamespaceOf(pidfd int, cfg *configs.Config) error {
	if cfg.HasNamespace(configs.NEWUSER) {
		return enterAsContainerRoot(pidfd, unix.CLONE_NEWNS, cfg)
	}
	return enterNamespacesOf(pidfd, unix.CLONE_NEWNS)
}
