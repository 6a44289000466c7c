package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/initproto"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/berth-runtime/berth/nsenter"
	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// CreateOpts are the inputs of `berth create` (and the create half of `berth run`).
type CreateOpts struct {
	ID           string
	Bundle       string // absolute
	PidFile      string
	NoPivot      bool
	NoNewKeyring bool
	// PreserveFDs passes the caller's fds 3..3+N-1 to the user process.
	PreserveFDs int
	// ConsoleSocket receives the pty master when process.terminal is true.
	ConsoleSocket string
	// Rootless tolerates cgroups that are not delegated (--rootless; auto: not root).
	Rootless bool
	// ForegroundTerminal: with a terminal and no ConsoleSocket, Create returns the
	// master for the caller to attach (foreground `run`).
	ForegroundTerminal bool
	// ForegroundSize is the caller's terminal size (rows, columns) for a foreground
	// terminal; it overrides process.consoleSize, as the caller's window would anyway.
	ForegroundSize [2]uint16
	// BeforeHostChanges, if set, is called before Create makes anything on the host
	// (state directory, cgroup, processes).
	BeforeHostChanges func()
	// NotifySocket: the caller has NOTIFY_SOCKET; give the container one (notify.go).
	NotifySocket bool
	// Stdio for the container; nil entries mean the caller's own.
	Stdin, Stdout, Stderr *os.File
}

// Create builds the container up to the point where its init waits for `berth start`.
// Any failure undoes everything: no state dir, cgroup, mount or process is left.
// With process.terminal and no ConsoleSocket, the pty master is returned for the
// caller to run the terminal in the foreground.
func (s Store) Create(o CreateOpts) (*State, *os.File, error) {
	if err := ValidateID(o.ID); err != nil {
		return nil, nil, err
	}
	sp := stagelog.Begin("load config", o.Bundle+"/config.json")
	spec, err := specconv.LoadSpec(o.Bundle)
	if sp.End(err) != nil {
		return nil, nil, err
	}
	sp = stagelog.Begin("convert config", o.ID)
	cfg, err := specconv.Convert(spec, specconv.Options{ID: o.ID, Bundle: o.Bundle, NoPivot: o.NoPivot, NoNewKeyring: o.NoNewKeyring})
	if sp.End(err) != nil {
		return nil, nil, err
	}
	if o.ForegroundTerminal && o.ConsoleSocket == "" && o.ForegroundSize[0] > 0 && o.ForegroundSize[1] > 0 {
		cfg.Process.ConsoleHeight, cfg.Process.ConsoleWidth = o.ForegroundSize[0], o.ForegroundSize[1]
	}
	cg, err := cgroups.NewWithOptions(cgroups.Options{
		CgroupsPath: cfg.CgroupsPath, ID: o.ID, Systemd: cgroups.UseSystemd, Annotations: cfg.Annotations,
		Rootless: o.Rootless,
	})
	if err != nil {
		return nil, nil, err
	}
	// The id first: an existing container's own cgroup would fail the check below.
	if _, err := os.Lstat(s.dir(o.ID)); err == nil {
		return nil, nil, fmt.Errorf("container %q already exists", o.ID)
	}
	// A cgroup with processes in it, or a frozen one, is refused before anything is made
	// (init would hang in a frozen one). Rootless, a cgroup berth may not even read is
	// left to placeInCgroup's judgement.
	if err := cg.Preflight(); err != nil && !(o.Rootless && errors.Is(err, os.ErrPermission)) {
		return nil, nil, err
	}
	if o.BeforeHostChanges != nil {
		o.BeforeHostChanges()
	}
	sp = stagelog.Begin("make state dir", s.dir(o.ID))
	dir, unlock, err := s.reserveLocked(o.ID)
	if sp.End(err) != nil {
		return nil, nil, err
	}
	defer unlock()
	c := &creation{store: s, opts: o, cfg: cfg, dir: dir, cg: cg, seccomp: s.compileSeccomp(cfg.Seccomp)}
	st, master, err := c.run()
	if err != nil {
		c.undo()
		return nil, nil, err
	}
	return st, master, nil
}

// creation tracks what Create has made, so undo can remove exactly that.
type creation struct {
	store    Store
	opts     CreateOpts
	cfg      *configs.Config
	dir      string
	cg       cgroups.Manager
	cgPlaced bool
	// rdtPlaced: the container has its resctrl groups (linux.intelRdt).
	rdtPlaced bool
	pid       int
	pidStart  uint64
	console   *consoleEnd
	seccomp   *seccompJob
	// spawn starts init (nil: startInit); the orchestration tests put a fake here.
	spawn spawner
}

func (c *creation) run() (*State, *os.File, error) {
	if err := c.recordPartial(cgroups.Planned(c.cg)); err != nil {
		return nil, nil, err
	}
	if err := c.setupNotify(); err != nil {
		return nil, nil, err
	}
	lis, err := listenExecSock(c.dir)
	if err != nil {
		return nil, nil, err
	}
	defer lis.Close()
	if c.cfg.Process.Terminal {
		if c.opts.ConsoleSocket == "" && !c.opts.ForegroundTerminal {
			return nil, nil, errors.New("process.terminal is true: --console-socket is required (or run in the foreground)")
		}
		if c.console, err = openConsole(c.opts.ConsoleSocket); err != nil {
			return nil, nil, err
		}
		defer c.console.close()
	} else if c.opts.ConsoleSocket != "" {
		return nil, nil, errors.New("--console-socket given but process.terminal is false")
	}
	if c.spawn == nil {
		// One Go runtime per start where the config allows it (see planPath).
		err := planPath(c.cfg, c.opts)
		if err == nil {
			return c.runPlan(lis)
		}
		stagelog.Begin("path", err.Error()).End(nil)
	}
	// Built before init exists: they need the runtime's privileges (see idmapmounts.go).
	idmapped, err := buildIDMapSources(c.cfg)
	if err != nil {
		return nil, nil, err
	}
	defer idmapped.close()
	nListen := listenFDs()
	extra := nListen + c.opts.PreserveFDs
	ns := namespacesFor(c.cfg)
	// A new cgroup namespace is init's to make, once it sits in the container's cgroup
	// (see initproto.MsgCgroupPlaced); every other namespace exists before init runs.
	newCgroupNS := ns.newFlags&unix.CLONE_NEWCGROUP != 0
	ns.newFlags &^= unix.CLONE_NEWCGROUP
	into, err := c.prepareCgroup()
	if err != nil {
		return nil, nil, err
	}
	if into != nil {
		defer into.Close()
	}
	sp := stagelog.Begin("spawn init", "nsenter")
	pid, sync, inCgroup, err := c.spawnInit(initLaunch{
		stdio:    [3]int{fdOf(c.opts.Stdin, os.Stdin), fdOf(c.opts.Stdout, os.Stdout), fdOf(c.opts.Stderr, os.Stderr)},
		extraFDs: extra,
		listener: int(lis.Fd()),
		console:  c.console.childFD(),
		exeCache: c.store.Root,
		ns: &nsenter.Config{
			Join:        ns.join,
			NewFlags:    ns.newFlags,
			UIDMappings: idMaps(c.cfg.UIDMappings),
			GIDMappings: idMaps(c.cfg.GIDMappings),
			TimeOffsets: c.cfg.TimeOffsets,
			IntoCgroup:  into,
			OnReady: func(pid int) error {
				if err := checkJoinedUserMaps(c.cfg, pid); err != nil {
					return err
				}
				// Stage 1's resctrl group is inherited by init and everything it forks
				// (resctrl moves one thread, so this cannot wait until init runs Go).
				c.rdtPlaced = c.cfg.IntelRdt != nil
				return applyIntelRdt(c.opts.ID, c.cfg.IntelRdt, pid)
			},
			OnStage: nsenterStages(),
		},
	})
	if sp.End(err) != nil {
		return nil, nil, err
	}
	defer sync.Close()
	st, err := c.spawned(pid)
	if err != nil {
		return nil, nil, err
	}
	ch, err := initproto.NewParent(sync)
	if err != nil {
		return nil, nil, err
	}
	if err := ch.SendConfig(&initproto.InitConfig{
		Mode: initproto.ModeCreate, ID: c.opts.ID, Bundle: c.opts.Bundle, Config: c.cfg, Pid: pid,
		PreserveFDs: extra, ExtraEnv: listenEnv(nListen), NewCgroupNS: newCgroupNS, MountSources: idmapped.idx,
		ForegroundTTY: c.cfg.Process.Terminal && c.opts.ConsoleSocket == "",
		Debug:         stagelog.On(),
	}); err != nil {
		return nil, nil, err
	}
	// Unless init was born in its cgroup, it moves there now, while it boots and reads
	// its config. It waits for the word before it unshares its cgroup namespace or
	// does anything else, so nothing of the container ever runs outside its cgroup.
	c.cgPlaced = true
	if !inCgroup {
		sp = stagelog.Begin("place init in cgroup", c.cfg.CgroupsPath)
		if err := sp.End(c.placeInCgroup(pid)); err != nil {
			return nil, nil, err
		}
	}
	st.Cgroup = c.cg.State() // after Apply: systemd names the directory, rootless may have none
	if err := c.recordPartial(st.Cgroup); err != nil {
		return nil, nil, err
	}
	if err := ch.SendCgroupPlaced(); err != nil {
		return nil, nil, err
	}
	if path := seccomp.AgentPath(c.cfg.Seccomp); path != "" {
		if err := sendSeccompAgent(ch, path); err != nil {
			return nil, nil, err
		}
	}
	if err := idmapped.send(ch); err != nil {
		return nil, nil, err
	}
	sp = stagelog.Begin("wait for init", "mounts-done")
	if err := ch.ExpectMountsDone(); sp.End(err) != nil {
		return nil, nil, err
	}
	// Limits go on once init's own setup is done, as runc does: pids.max counts init's threads.
	// The filter compiled meanwhile; init loads it right before exec.
	prog, err := c.limitsHooksSeccomp(st)
	if err != nil {
		return nil, nil, err
	}
	if err := ch.SendHooksDone(prog); err != nil {
		return nil, nil, err
	}
	sp = stagelog.Begin("wait for init", "ready")
	if err := ch.ExpectReady(); sp.End(err) != nil {
		return nil, nil, err
	}
	// The master arrives before ready (foreground terminal only).
	master, err := c.console.receiveMaster()
	if err != nil {
		return nil, nil, err
	}
	if err := c.save(st); err != nil {
		return nil, nil, err
	}
	if err := commit(ch); err != nil {
		return nil, nil, err
	}
	os.Remove(filepath.Join(c.dir, partialFile))
	return st, master, nil
}

// spawned records the container's first process (pid, as the host sees it), sets what
// the host sets on it (oom_score_adj, the network devices: there before any hook or the
// user process runs) and returns the container's state as it will be saved.
func (c *creation) spawned(pid int) (*State, error) {
	c.pid = pid
	stat, err := readProcStat(pid)
	if err != nil {
		return nil, fmt.Errorf("read init stat: %w", err)
	}
	c.pidStart = stat.StartTime
	if err := c.recordPartial(cgroups.Planned(c.cg)); err != nil {
		return nil, err
	}
	if err := c.setOOMScoreAdj(pid); err != nil {
		return nil, err
	}
	sp := stagelog.Begin("move net devices", "")
	if err := sp.End(moveNetDevices(c.cfg.NetDevices, pid)); err != nil {
		return nil, err
	}
	return &State{
		ID: c.opts.ID, Bundle: c.opts.Bundle, Rootfs: c.cfg.Rootfs, Created: time.Now().UTC(),
		Owner: ownerName(), InitPid: pid, InitStartTime: stat.StartTime, Config: c.cfg,
	}, nil
}

// setOOMScoreAdj writes process.oomScoreAdj from the host's /proc: init could only do it
// through the container's, and lowering the score needs privileges init may not keep.
func (c *creation) setOOMScoreAdj(pid int) error {
	adj := c.cfg.Process.OOMScoreAdj
	if adj == nil {
		return nil
	}
	p := fmt.Sprintf("/proc/%d/oom_score_adj", pid)
	if err := os.WriteFile(p, []byte(strconv.Itoa(*adj)), 0); err != nil {
		return fmt.Errorf("process.oomScoreAdj: %w", err) // err names the path
	}
	return nil
}

// limitsHooksSeccomp sets the cgroup limits, runs the prestart and createRuntime hooks and
// returns the compiled seccomp program (nil without a profile). runtime-spec's lifecycle
// runs these hooks after step 2 (the environment exists), so the status they see is
// created, as with runc.
func (c *creation) limitsHooksSeccomp(st *State) (*seccomp.Program, error) {
	sp := stagelog.Begin("set cgroup limits", c.cfg.CgroupsPath)
	if err := sp.End(c.cg.Set(c.cfg.Resources)); err != nil {
		return nil, err
	}
	creating := c.store.OCIState(st)
	creating.Status = specs.StateCreated
	creating.Pid = st.InitPid
	if err := hooks.Run("prestart", hooks.List(c.cfg.Hooks, "prestart"), creating); err != nil {
		return nil, err
	}
	if err := hooks.Run("createRuntime", hooks.List(c.cfg.Hooks, "createRuntime"), creating); err != nil {
		return nil, err
	}
	sp = stagelog.Begin("wait for seccomp filter", "")
	prog, err := c.seccomp.wait()
	return prog, sp.End(err)
}

// save writes the container's state and the pid file.
func (c *creation) save(st *State) error {
	sp := stagelog.Begin("save state", c.dir+"/state.json")
	if err := sp.End(c.store.Save(st)); err != nil {
		return err
	}
	if c.opts.PidFile != "" {
		return writePidFile(c.opts.PidFile, st.InitPid)
	}
	return nil
}

func (c *creation) spawnInit(l initLaunch) (int, *os.File, bool, error) {
	if c.spawn == nil {
		return startInit(l)
	}
	return c.spawn(l)
}

// prepareCgroup makes the container's cgroup before init exists, where init can be
// born in it (pure cgroup v2, see cgroups.ClonePlacer), and returns its directory; nil
// when init is moved in after it started (placeInCgroup). Rootless, a cgroup that is
// not delegated is left to placeInCgroup, which knows what to do without one.
func (c *creation) prepareCgroup() (f *os.File, err error) {
	sp := stagelog.Begin("prepare cgroup", c.cfg.CgroupsPath)
	defer func() { sp.End(err) }()
	cp, ok := c.cg.(cgroups.ClonePlacer)
	if !ok {
		return nil, nil
	}
	c.cgPlaced = true // from here on undo removes what was made
	into, err := cp.PrepareClone()
	if err != nil && c.opts.Rootless && errors.Is(err, os.ErrPermission) {
		return nil, nil
	}
	return into, err
}

// placeInCgroup puts init into the container's cgroup. Rootless (--rootless; by
// default, without root), cgroups are used only where they are delegated to the
// caller: elsewhere the container runs in the caller's cgroup, which is fine unless
// the config asks for limits.
func (c *creation) placeInCgroup(pid int) error {
	err := c.cg.Apply(pid)
	if err == nil || !c.opts.Rootless || !errors.Is(err, os.ErrPermission) {
		return err
	}
	if hasLimits(c.cfg.Resources) {
		return fmt.Errorf("linux.resources: cgroups are not delegated to uid %d: %w", os.Geteuid(), err)
	}
	c.cg.Destroy()
	c.cg = cgroups.Load(cgroups.State{})
	return nil
}

// hasLimits: the config asks the cgroup for anything (a device list alone does not
// count: without root no device node can be made anyway).
func hasLimits(r *specs.LinuxResources) bool {
	if r == nil {
		return false
	}
	d := *r
	d.Devices = nil
	return !reflect.DeepEqual(d, specs.LinuxResources{})
}

// undo removes whatever run made; it runs only on failure.
func (c *creation) undo() {
	c.seccomp.wait() // let the compiler finish before its cache's parent may go
	if c.pid > 0 {
		unix.Kill(c.pid, unix.SIGKILL)
		// A cgroup frozen under init (the wait for it timed out) is thawed first: a
		// frozen task does not act on SIGKILL (cgroup v1), so the wait would never end.
		if frozen, _ := c.cg.Frozen(); c.cgPlaced && frozen {
			c.cg.Thaw()
		}
		var ws unix.WaitStatus
		unix.Wait4(c.pid, &ws, 0, nil)
	}
	if c.cgPlaced {
		c.cg.Destroy()
	}
	if c.rdtPlaced {
		removeIntelRdt(c.opts.ID, c.cfg.IntelRdt)
	}
	os.RemoveAll(c.dir)
	dropIdleCaches(c.store.Root)
}

func fdOf(f, def *os.File) int {
	if f == nil {
		f = def
	}
	return int(f.Fd())
}

// listenFDs is the number of socket-activation fds (sd_listen_fds) berth was started
// with: they sit at fd 3 on, and are passed to the container before --preserve-fds.
func listenFDs() int {
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n <= 0 {
		return 0
	}
	if p := os.Getenv("LISTEN_PID"); p != "" && p != strconv.Itoa(os.Getpid()) {
		return 0 // meant for another process
	}
	return n
}

// listenEnv tells the container about its activation fds; init adds LISTEN_PID, its
// own pid in the container, right before exec.
func listenEnv(n int) []string {
	if n == 0 {
		return nil
	}
	return []string{"LISTEN_FDS=" + strconv.Itoa(n)}
}

func ownerName() string {
	u, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		return strconv.Itoa(os.Geteuid())
	}
	return u.Username
}

// writePidFile writes atomically so a watcher never reads a partial pid.
func writePidFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}
