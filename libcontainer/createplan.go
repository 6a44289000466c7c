package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/berth-runtime/berth/internal/stackgrow"
	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/incontainer"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/nsenter"
	"github.com/berth-runtime/berth/rootfs"
	"golang.org/x/sys/unix"
)

// runPlan is creation.run on the one-runtime path (see planPath): one Go runtime per
// container start. A thread of this process takes the container's mount, uts, ipc and
// network namespaces; nsenter's stages join them and make the pid namespace; the last
// stage makes the container's proc instance and waits. The thread then builds the
// rootfs around that proc as init would (incontainer.PlanRoot), the cgroup gets its
// limits, the runtime hooks run, and the go-ahead sends the stage the executable and the
// seccomp program: it sets up user, capabilities and no_new_privs with raw system calls
// and executes the sealed exec program (nsenter/dmz.go), which waits for `berth start`
// on exec.sock, then executes the process.
//
// With a user namespace the stages make every namespace and the last stage the
// filesystems as well; the thread enters them afterwards (planuserns.go).
func (c *creation) runPlan(lis *os.File) (*State, *os.File, error) {
	userns := c.cfg.HasNamespace(configs.NEWUSER)
	ns := namespacesFor(c.cfg)
	var nsb *nsThread
	defer func() {
		if nsb != nil {
			nsb.stop()
		}
	}()
	if !userns {
		var err error
		if nsb, err = startNSThread(c.cfg); err != nil {
			return nil, nil, err
		}
		ns.join = append(nsb.joins, joinsNotIn(ns.join, nsb.types)...)
		ns.newFlags &^= nsb.types
	}
	// A new cgroup namespace is the last stage's to make, once in the container's
	// cgroups, so that it is rooted there (as init makes it once placed).
	newCgroupNS := ns.newFlags&unix.CLONE_NEWCGROUP != 0
	ns.newFlags &^= unix.CLONE_NEWCGROUP

	p := &c.cfg.Process
	nListen := listenFDs()
	extra := nListen + c.opts.PreserveFDs
	stdio := [3]int{fdOf(c.opts.Stdin, os.Stdin), fdOf(c.opts.Stdout, os.Stdout), fdOf(c.opts.Stderr, os.Stderr)}
	files := []int{stdio[0], stdio[1], stdio[2]}
	for i := 0; i < extra; i++ {
		files = append(files, 3+i)
	}
	env := p.Env
	if nListen > 0 {
		// Init would add its own pid: 1, the first process of a new pid namespace.
		env = append(append(append([]string(nil), env...), listenEnv(nListen)...), "LISTEN_PID=1")
	}
	homeSlot := incontainer.EnvValue(env, "HOME") == ""
	if homeSlot {
		env = withoutEnv(env, "HOME")
	}
	plan := compilePlan(c.cfg, c.opts.ID, int(lis.Fd()), extra, hostNullFds(stdio))
	plan.HomeSlot = homeSlot
	plan.Terminal = p.Terminal // the peer arrives with the go-ahead (GiveTerminal)
	plan.NewCgroupNS = newCgroupNS
	if err := caps.Possible(plan.Effective, plan.Permitted, plan.Inheritable); err != nil {
		return nil, nil, fmt.Errorf("process.capabilities: %w", err)
	}
	var specs []rootfs.InstanceSpec
	if userns {
		var err error
		if specs, err = rootfs.InstanceSpecs(c.cfg, cgroupV2Only()); err != nil {
			return nil, nil, err
		}
		plan.Filesystems = planFilesystems(specs)
	}
	// Idmapped mounts, and in a user namespace the binds of host paths, attach trees the
	// runtime clones from the host's mount namespace, as for init (idmapmounts.go).
	built, err := buildIDMapSources(c.cfg)
	if err != nil {
		return nil, nil, err
	}
	sources := built.files()
	defer func() {
		for _, f := range sources {
			f.Close()
		}
	}()

	into, err := c.prepareCgroup()
	if err != nil {
		return nil, nil, err
	}
	if into != nil {
		defer into.Close()
	}
	placedEarly := false
	sp := stagelog.Begin("spawn init", "nsenter plan")
	r, err := nsenter.SpawnResult(&nsenter.Config{
		ExecFD: -1, Args: p.Args, Env: env, Files: files,
		Join: ns.join, NewFlags: ns.newFlags,
		UIDMappings: idMaps(c.cfg.UIDMappings),
		GIDMappings: idMaps(c.cfg.GIDMappings),
		TimeOffsets: c.cfg.TimeOffsets,
		IntoCgroup:  into,
		OnReady: func(pid int) error {
			// A joined user namespace's maps are the ones the thread creates files with.
			if err := checkJoinedUserMaps(c.cfg, pid); err != nil {
				return err
			}
			c.rdtPlaced = c.cfg.IntelRdt != nil
			if err := applyIntelRdt(c.opts.ID, c.cfg.IntelRdt, pid); err != nil {
				return err
			}
			if !newCgroupNS {
				return nil
			}
			// Stage 1 into the cgroups before it forks the last stage, which makes
			// the cgroup namespace as it starts (on v2 stage 1 is usually born there;
			// the write is then a no-op). Otherwise the placement waits until after
			// the fork, off the critical path.
			c.cgPlaced = true
			placedEarly = true
			sp := stagelog.Begin("place init in cgroup", c.cfg.CgroupsPath)
			return sp.End(c.placeInCgroup(pid))
		},
		OnStage: nsenterStages(),
		Timeout: initproto.Timeout(),
		Plan:    plan,
	})
	if sp.End(err) != nil {
		return nil, nil, err
	}
	handle := r.Plan
	defer handle.Close()
	pid := r.Pid
	var instances map[int]rootfs.Instance
	if userns {
		if instances, err = takeInstances(handle, specs); err != nil {
			return nil, nil, err
		}
		defer closeInstances(instances)
		if nsb, err = startUserNSThread(c.cfg, handle.Pidfd()); err != nil {
			return nil, nil, err
		}
	}
	st, err := c.spawned(pid)
	if err != nil {
		return nil, nil, err
	}
	for i, rl := range p.Rlimits {
		lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
		if err := unix.Prlimit(pid, rl.Type, &lim, nil); err != nil {
			return nil, nil, fmt.Errorf("process.rlimits[%d]: %w", i, err)
		}
	}
	c.cgPlaced = true
	if !r.InCgroup && !placedEarly {
		sp = stagelog.Begin("place init in cgroup", c.cfg.CgroupsPath)
		if err := sp.End(c.placeInCgroup(pid)); err != nil {
			return nil, nil, err
		}
	}
	st.Cgroup = c.cg.State()
	if err := c.recordPartial(st.Cgroup); err != nil {
		return nil, nil, err
	}

	// In the cgroup now: run on its cpuset, not on the runtime caller's CPUs (what init's
	// resetAffinity does, from outside).
	resetAffinityOf(pid)

	var proc *os.File
	if plan.MountProc {
		if proc, err = handle.ProcMount(); err != nil {
			return nil, nil, err
		}
		defer proc.Close()
	}
	var master, peer *os.File
	// With no prestart or createRuntime hook, nothing can change the rootfs between its
	// building and the process's preparation: the thread finds the executable right
	// away, and is not woken a second time for it.
	var proc0 incontainer.RootResult
	var proc0Err error
	proc0Early := len(hooks.List(c.cfg.Hooks, "prestart")) == 0 && len(hooks.List(c.cfg.Hooks, "createRuntime")) == 0
	root := nsb.do
	if proc0Early {
		root = nsb.doLast // nothing more for the thread after this
	}
	err = root(func() error {
		if newCgroupNS {
			// cgroupfs is mounted from the container's cgroup namespace, the view
			// rooted at its own cgroups, as init mounts it.
			if err := unix.Setns(handle.Pidfd(), unix.CLONE_NEWCGROUP); err != nil {
				return fmt.Errorf("join the container's cgroup namespace: %w", err)
			}
		}
		var err error
		master, peer, err = incontainer.PlanRoot(c.cfg, incontainer.PlanRootOpts{
			Proc: proc, CgroupPid: pid, Foreground: c.console.foreground(),
			Sources: sources, Instances: instances,
		})
		if err == nil && proc0Early {
			proc0, proc0Err = incontainer.PlanProcess(c.cfg) // reported as before, below
		}
		return err
	})
	if master != nil {
		defer func() {
			if master != nil {
				master.Close()
			}
			peer.Close()
		}()
		// The stage takes the peer as its stdio and controlling terminal with the go-ahead.
		handle.GiveTerminal(int(peer.Fd()))
	}
	if err != nil {
		return nil, nil, err
	}
	prog, err := c.limitsHooksSeccomp(st)
	if err != nil {
		return nil, nil, err
	}
	// Once in the cgroup with its limits: a real-time policy needs the cgroup's
	// real-time time.
	if err := incontainer.SchedulerAndIOPriority(pid, p); err != nil {
		return nil, nil, err
	}
	var filter []unix.SockFilter
	var flags uint
	if prog != nil {
		if filter, err = prog.Instructions(); err != nil {
			return nil, nil, err
		}
		flags = prog.Flags
	}
	// What init's "prepare process" does: the executable, then (raw, in the stage) user,
	// capabilities, no_new_privs.
	sp = stagelog.Begin("prepare process", p.Args[0])
	err = proc0Err
	if !proc0Early {
		err = nsb.doLast(func() error {
			var err error
			proc0, err = incontainer.PlanProcess(c.cfg)
			return err
		})
	}
	if err == nil {
		err = handle.Release(proc0.Path, proc0.Home, filter, flags)
	}
	if err == nil && master != nil && !c.console.foreground() {
		// The receiver on --console-socket gets the master as init would send it.
		err = sendMaster(c.console.child, master)
	}
	if sp.End(err) != nil {
		return nil, nil, err
	}
	if err := c.save(st); err != nil {
		return nil, nil, err
	}
	if err := handle.Commit(); err != nil {
		return nil, nil, err
	}
	os.Remove(filepath.Join(c.dir, partialFile))
	if master != nil && c.console.foreground() {
		fg := master // the caller runs the terminal
		master = nil
		return st, fg, nil
	}
	return st, nil, nil
}

// nsThread is a locked thread of the runtime with the container's own mount, uts, ipc
// and network namespaces. It runs the functions given to do, then exits with them: a
// thread whose root and namespaces are the container's never runs another goroutine.
type nsThread struct {
	work  chan func() error
	done  chan error
	joins []nsenter.Join
	types uintptr // CLONE_NEW* the stages join here instead of making
	// endsEarly: doLast may end the thread. A thread made after the stages may run on
	// the OS thread that forked stage 1, whose parent-death signal fires when that
	// thread ends (nsenter/spawn.go): such a thread ends with stop, after Commit.
	endsEarly bool
}

// nsThreadTypes are the namespaces the thread holds: the ones a thread may change for
// itself (setns and unshare of user and pid namespaces need the whole process).
var nsThreadTypes = []struct {
	t    configs.NamespaceType
	flag uintptr
	name string
}{
	{configs.NEWNS, unix.CLONE_NEWNS, "mnt"},
	{configs.NEWUTS, unix.CLONE_NEWUTS, "uts"},
	{configs.NEWIPC, unix.CLONE_NEWIPC, "ipc"},
	{configs.NEWNET, unix.CLONE_NEWNET, "net"},
}

func startNSThread(cfg *configs.Config) (*nsThread, error) {
	t, err := newNSThread(func(t *nsThread) error { return t.enter(cfg) })
	if t != nil {
		t.endsEarly = true // made before the stages: it forked none of them
	}
	return t, err
}

// newNSThread starts the locked thread; enter puts it in the container's namespaces
// before it runs anything else.
func newNSThread(enter func(*nsThread) error) (*nsThread, error) {
	t := &nsThread{work: make(chan func() error), done: make(chan error)}
	ready := make(chan error)
	go func() {
		// Never unlocked: the thread ends with this goroutine, namespaces, ids and all.
		runtime.LockOSThread()
		stackgrow.Grow() // the rootfs code goes deep (internal/stackgrow)
		ready <- enter(t)
		for f := range t.work {
			t.done <- f()
		}
	}()
	if err := <-ready; err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// enter joins or makes the namespaces on the calling (locked) thread and records how
// the stages reach them.
func (t *nsThread) enter(cfg *configs.Config) error {
	var unshare uintptr
	for _, n := range nsThreadTypes {
		if !cfg.HasNamespace(n.t) {
			continue
		}
		if path := cfg.NamespacePath(n.t); path != "" {
			fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				return fmt.Errorf("open %s namespace %s: %w", n.name, path, err)
			}
			err = unix.Setns(fd, int(n.flag))
			unix.Close(fd)
			if err != nil {
				return fmt.Errorf("join %s namespace %s: %w", n.name, path, err)
			}
		} else {
			unshare |= n.flag
		}
		t.types |= n.flag
	}
	// CLONE_NEWNS also gives the thread its own root and working directory (CLONE_FS).
	if err := unix.Unshare(int(unshare)); err != nil {
		return fmt.Errorf("create namespaces %#x: %w", unshare, err)
	}
	tid := unix.Gettid()
	for _, n := range nsThreadTypes {
		if t.types&n.flag != 0 {
			t.joins = append(t.joins, nsenter.Join{Type: n.flag, Path: fmt.Sprintf("/proc/%d/task/%d/ns/%s", os.Getpid(), tid, n.name)})
		}
	}
	return nil
}

// do runs f on the thread and returns its error.
func (t *nsThread) do(f func() error) error {
	t.work <- f
	return <-t.done
}

// doLast is do for the thread's last function: the thread ends as soon as f returns,
// where one left to wait for stop costs two more switches between threads (it is woken
// only to end). Without endsEarly it is do.
func (t *nsThread) doLast(f func() error) error {
	if !t.endsEarly {
		return t.do(f)
	}
	work := t.work
	t.work = nil // nothing left for stop
	work <- func() error {
		close(work) // the thread's loop ends after f
		return f()
	}
	return <-t.done
}

// stop lets the thread end.
func (t *nsThread) stop() {
	if t.work != nil {
		close(t.work)
		t.work = nil
	}
}

func joinsNotIn(joins []nsenter.Join, types uintptr) []nsenter.Join {
	var out []nsenter.Join
	for _, j := range joins {
		if j.Type&types == 0 {
			out = append(out, j)
		}
	}
	return out
}

// hostNullFds are the stdio fds that are the host's null device.
func hostNullFds(stdio [3]int) []int {
	var null unix.Stat_t
	if unix.Stat("/dev/null", &null) != nil {
		return nil
	}
	var out []int
	for i, fd := range stdio {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == null.Rdev {
			out = append(out, i)
		}
	}
	return out
}

// withoutEnv is env without key's entries ("key=...": as init's withHome drops them).
func withoutEnv(env []string, key string) []string {
	out := make([]string, 0, len(env))
	for _, e := range env {
		if !strings.HasPrefix(e, key+"=") {
			out = append(out, e)
		}
	}
	return out
}
