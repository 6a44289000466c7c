package nsenter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/berth-runtime/berth/internal/timerslack"
	"golang.org/x/sys/unix"
)

// Join is an existing namespace to enter.
type Join struct {
	Type uintptr // CLONE_NEW*
	Path string
}

// IDMap is one line of a uid_map or gid_map.
type IDMap struct {
	ContainerID, HostID, Size uint32
}

// Config describes the process to start.
type Config struct {
	// ExecFD is the executable run by the last stage (execveat with AT_EMPTY_PATH), so
	// no path the container could control is resolved.
	ExecFD int
	Args   []string
	Env    []string
	// Files: fd i of the new process is Files[i] (-1: closed).
	Files []int
	// Join lists namespaces to enter; NewFlags the CLONE_NEW* flags of namespaces to
	// create. A type may not be in both.
	Join     []Join
	NewFlags uintptr
	// JoinPidFD, when >= 0, is a pidfd whose namespaces of types JoinPidFlags are
	// entered first, in one atomic setns (Linux 5.8). Used to exec into a container.
	JoinPidFD    int
	JoinPidFlags uintptr
	// UIDMappings and GIDMappings are written for a new user namespace.
	UIDMappings, GIDMappings []IDMap
	// TimeOffsets, for a new time namespace, is written to its timens_offsets
	// ("monotonic 5 0\nboottime 10 0\n", see time_namespaces(7)).
	TimeOffsets string
	// OnReady runs in the parent while stage 1 (pid) waits in its final user namespace,
	// before any other namespace is created.
	OnReady func(pid int) error
	// Root, when set, is a directory that becomes the root and working directory of
	// the last stage before it is forked (exec into a container without a mount
	// namespace: its init's /proc/<pid>/root), so no process in the container's pid
	// namespace ever holds the caller's.
	Root *os.File
	// Timeout, when set, bounds each wait for a stage's next record: a stage frozen by
	// its cgroup or stuck in the kernel must not hold the caller forever.
	Timeout time.Duration
	// IntoCgroup, when set, is a cgroup v2 directory stage 1 is born in (clone3
	// CLONE_INTO_CGROUP, Linux 5.7): no migration, which would take the kernel's
	// cgroup_threadgroup_rwsem for writing and wait for an RCU grace period. On older
	// kernels Spawn falls back to clone and says so (Result.InCgroup false).
	IntoCgroup *os.File
	// OnStage, when set, is told each step as the parent sees it happen (for --debug's
	// per-stage timing): "stage 1 forked", "stage 1 ready", "stage 1 released",
	// "stage 2 forked", "stage 1 reaped", "init executed".
	OnStage func(step string)
	// Plan, when set, makes the last stage the container's process instead of executing
	// ExecFD (see Plan); Result.Plan then continues from where Spawn stops.
	Plan *Plan
}

// Result tells what Spawn did.
type Result struct {
	Pid int
	// InCgroup: the process was born in IntoCgroup's cgroup.
	InCgroup bool
	// Plan is set with Config.Plan: the stage waits for its go-ahead. The caller must
	// Close it.
	Plan *PlanHandle
}

// Spawn starts the process and returns its pid once it has executed ExecFD. The process
// is a child of the caller. On error nothing Spawn started is left running.
func Spawn(cfg *Config) (int, error) {
	r, err := SpawnResult(cfg)
	return r.Pid, err
}

// SpawnResult is Spawn, also telling whether the process was born in IntoCgroup's cgroup.
func SpawnResult(cfg *Config) (Result, error) {
	var r Result
	pid, inCgroup, err := spawn(cfg, &r.Plan)
	r.Pid, r.InCgroup = pid, inCgroup
	return r, err
}

func spawn(cfg *Config, handle **PlanHandle) (int, bool, error) {
	if len(cfg.Args) == 0 {
		return -1, false, errors.New("nsenter: no arguments")
	}
	a := &stageArgs{userJoin: -1, execFd: cfg.ExecFD, pidFd: -1, rootFd: -1, parentPid: os.Getpid(),
		timerSlack: timerslack.Caller()}
	if cfg.IntoCgroup != nil {
		a.clone3 = &cloneArgs{flags: unix.CLONE_INTO_CGROUP, exitSignal: uint64(unix.SIGCHLD), cgroup: uint64(cfg.IntoCgroup.Fd())}
	}
	if cfg.JoinPidFlags != 0 {
		a.pidFd, a.pidFlags = cfg.JoinPidFD, cfg.JoinPidFlags
	}
	var err error
	if a.argv, err = syscall.SlicePtrFromStrings(cfg.Args); err != nil {
		return -1, false, err
	}
	if a.envv, err = syscall.SlicePtrFromStrings(cfg.Env); err != nil {
		return -1, false, err
	}
	if cfg.Plan != nil {
		if a.plan, err = cfg.Plan.compile(); err != nil {
			return -1, false, err
		}
		a.execFd = -1
		if cfg.Plan.HomeSlot {
			a.envv = append(a.envv[:len(a.envv)-1], &a.plan.home[0], nil)
		}
		if a.plan.dmzFd, err = dmzFile(); err != nil {
			return -1, false, err
		}
		defer unix.Close(a.plan.dmzFd)
		a.plan.dmzArgv = append([]*byte{&a.plan.path[0]}, a.argv...)
	}
	a.emptyPath = &[]byte{0}[0]
	a.dot = &[]byte{'.', 0}[0]
	if cfg.Root != nil {
		a.rootFd = int(cfg.Root.Fd())
	}
	a.titleArea, a.title = procTitle()
	a.files = append([]int(nil), cfg.Files...)
	a.newUser = cfg.NewFlags&unix.CLONE_NEWUSER != 0
	a.newFlags = cfg.NewFlags &^ unix.CLONE_NEWUSER
	if cfg.TimeOffsets != "" {
		if cfg.NewFlags&unix.CLONE_NEWTIME == 0 {
			return -1, false, errors.New("nsenter: time offsets need a new time namespace")
		}
		a.earlyTime = true
		a.newFlags &^= unix.CLONE_NEWTIME
	}

	for i, j := range cfg.Join {
		if j.Type&cfg.NewFlags != 0 {
			closeAll(a.joinFds)
			return -1, false, fmt.Errorf("nsenter: %s namespace both joined and created", NamespaceName(j.Type))
		}
		fd, err := unix.Open(j.Path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			closeAll(a.joinFds)
			return -1, false, fmt.Errorf("open %s namespace %s: %w", NamespaceName(j.Type), j.Path, err)
		}
		a.joinFds = append(a.joinFds, fd)
		a.joinTypes = append(a.joinTypes, j.Type)
		if j.Type == unix.CLONE_NEWUSER {
			a.userJoin = i
		}
	}
	defer closeAll(a.joinFds)
	a.deferred = make([]bool, len(a.joinFds))
	a.anyUser = a.newUser || a.userJoin >= 0 || a.pidFlags&unix.CLONE_NEWUSER != 0
	a.lateNoDump = a.newUser && os.Geteuid() != 0

	var report, gopipe [2]int
	if err := syscall.Pipe2(report[:], syscall.O_CLOEXEC); err != nil {
		return -1, false, fmt.Errorf("nsenter: pipe: %w", err)
	}
	unix.SetNonblock(report[0], true) // read only what poll said is there
	rf := &reportPipe{fd: report[0]}
	defer func() { rf.close() }()
	// A plan in a new user namespace gets its go-ahead over a socket, which can carry
	// the terminal (the stage could not take it from us with pidfd_getfd).
	goSocket := cfg.Plan != nil && a.newUser
	if goSocket {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			unix.Close(report[1])
			return -1, false, fmt.Errorf("nsenter: socketpair: %w", err)
		}
		gopipe = pair
		a.plan.tieGoSocket()
	} else if err := syscall.Pipe2(gopipe[:], syscall.O_CLOEXEC); err != nil {
		unix.Close(report[1])
		return -1, false, fmt.Errorf("nsenter: pipe: %w", err)
	}
	goWrite := gopipe[1]
	defer func() {
		if goWrite >= 0 {
			unix.Close(goWrite)
		}
	}()
	a.reportFd, a.goFd = report[1], gopipe[0]
	a.parentPidfd = selfPidfd()
	if a.parentPidfd >= 0 {
		defer unix.Close(a.parentPidfd)
		a.pollParent = unix.PollFd{Fd: int32(a.parentPidfd), Events: unix.POLLIN}
	}
	a.keep = a.usedFds()
	a.closeGaps, a.fdLimit = closeGaps(a.keep), fdLimit()

	// Stage 1's parent-death signal fires when the thread that forked it exits, not
	// the process: keep this goroutine on that thread until stage 1 is reaped.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if mode := vmStagesWanted(cfg); mode != vmNone {
		if a.vm, err = newVMStages(a, mode); err != nil {
			return -1, false, fmt.Errorf("nsenter: stacks for the stages: %w", err)
		}
	}
	// ForkLock: no other goroutine may be between creating an fd and setting
	// close-on-exec on it while we fork, or that fd would leak into the container.
	syscall.ForkLock.Lock()
	pid1, errno := forkStages(a)
	syscall.ForkLock.Unlock()
	unix.Close(report[1])
	unix.Close(gopipe[0])
	if errno != 0 {
		a.vm.free() // no stage exists
		if a.clone3 != nil && !a.clone3Failed {
			return -1, false, fmt.Errorf("nsenter: clone3 into cgroup %s: %w", cfg.IntoCgroup.Name(), errno)
		}
		return -1, false, fmt.Errorf("nsenter: clone: %w", errno)
	}

	p := &parent{cfg: cfg, report: rf, stage1: int(pid1), last: -1, procFd: -1}
	if cfg.Plan != nil {
		p.fs = make([]record, len(cfg.Plan.Filesystems))
		for _, f := range cfg.Plan.Filesystems {
			if !f.Late {
				p.fsWant++
			}
		}
	}
	p.step("stage 1 forked")
	pid, err := p.run(gopipe[1], a.newUser)
	if err == nil && cfg.Plan != nil {
		var pidfd int
		if pidfd, err = unix.PidfdOpen(pid, 0); err != nil {
			err = fmt.Errorf("nsenter: pidfd of the last stage: %w", err)
		} else {
			// The handle owns the report pipe and the go-ahead from here on.
			*handle = &PlanHandle{cfg: cfg, pid: pid, pidfd: pidfd, procFd: p.procFd, fs: p.fs, goSocket: goSocket, report: rf, goWrite: goWrite, ttyFd: -1, vm: a.vm}
			rf, goWrite = nil, -1
		}
	}
	if err != nil {
		p.kill()
		parkVMStages(a.vm) // a last stage whose pid never arrived may still run
		return -1, false, err
	}
	return pid, a.clone3 != nil && !a.clone3Failed, nil
}

// usedFds are the fds the raw stages pass on or use; stage 1 closes every other one.
func (a *stageArgs) usedFds() []int {
	fds := append([]int(nil), a.files...)
	fds = append(fds, a.joinFds...)
	if a.plan != nil {
		fds = append(fds, a.plan.listenFd, a.plan.dmzFd)
	}
	return append(fds, a.pidFd, a.reportFd, a.goFd, a.execFd, a.rootFd, a.parentPidfd)
}

// parent follows the stages through their records.
type parent struct {
	cfg    *Config
	report *reportPipe
	stage1 int
	last   int
	procFd int      // plan: the proc instance's fd number in the last stage
	fs     []record // plan: the filesystem instances' records by index (Plan.Filesystems)
	fsGot  int      // how many of them arrived
	fsWant int      // how many come unasked (the late ones come later, on request)
}

// planRecord keeps a record of the last stage's instances, which may come before or
// after stage 1's report of its pid; false for any other kind.
func (p *parent) planRecord(rec record) bool {
	switch {
	case p.cfg.Plan == nil:
		return false
	case rec.Kind == kindProcFd:
		p.procFd = int(rec.Value)
		return true
	case rec.Kind == kindFsFd:
		list := p.cfg.Plan.Filesystems
		i := int(rec.Step)
		if i >= len(list) || list[i].Late || p.fs[i].Magic != 0 {
			return false
		}
		p.fs[i] = rec
		p.fsGot++
		return true
	}
	return false
}

// planPending: the last stage has instances still to report.
func (p *parent) planPending() bool {
	return p.cfg.Plan.MountProc && p.procFd < 0 || p.fsGot < p.fsWant
}

func (p *parent) run(goFd int, newUser bool) (int, error) {
	rec, err := p.next()
	if err != nil {
		return -1, err
	}
	if rec.Kind != kindReady {
		return -1, fmt.Errorf("nsenter: unexpected record %d, want ready", rec.Kind)
	}
	p.step("stage 1 ready")
	if newUser {
		if err := writeIDMaps(p.stage1, p.cfg.UIDMappings, p.cfg.GIDMappings); err != nil {
			return -1, err
		}
	}
	if p.cfg.TimeOffsets != "" {
		// Stage 1 made the namespace for its children; none exists yet.
		path := fmt.Sprintf("/proc/%d/timens_offsets", p.stage1)
		if err := os.WriteFile(path, []byte(p.cfg.TimeOffsets), 0); err != nil {
			return -1, fmt.Errorf("write %s: %w", path, err)
		}
	}
	if p.cfg.OnReady != nil {
		if err := p.cfg.OnReady(p.stage1); err != nil {
			return -1, err
		}
	}
	if _, err := unix.Write(goFd, []byte{1}); err != nil {
		return -1, fmt.Errorf("nsenter: release stage 1: %w", err)
	}
	p.step("stage 1 released")
	if rec, err = p.next(); err != nil {
		return -1, err
	}
	// Plan: the last stage may report its instances before stage 1 its pid.
	for p.planRecord(rec) {
		if rec, err = p.next(); err != nil {
			return -1, err
		}
	}
	if rec.Kind != kindInitPid {
		return -1, fmt.Errorf("nsenter: unexpected record %d, want init pid", rec.Kind)
	}
	p.last = int(rec.Value)
	p.step("stage 2 forked")
	if err := waitExit(p.stage1); err != nil {
		return -1, fmt.Errorf("nsenter: stage 1: %w", err)
	}
	p.stage1 = -1
	p.step("stage 1 reaped")
	if p.cfg.Plan != nil {
		for p.planPending() {
			if rec, err = p.next(); err != nil {
				return -1, err
			}
			if !p.planRecord(rec) {
				return -1, fmt.Errorf("nsenter: unexpected record %d, want the container's filesystem instances", rec.Kind)
			}
		}
		p.step("stage 2 waits for its plan")
		return p.last, nil
	}
	// The report pipe is close-on-exec: end of file means the last stage executed.
	rec, err = p.next()
	if err == nil {
		return -1, fmt.Errorf("nsenter: unexpected record %d after init pid", rec.Kind)
	}
	if errors.Is(err, errEOF) {
		p.step("init executed")
		return p.last, nil
	}
	return -1, err
}

func (p *parent) step(name string) {
	if p.cfg.OnStage != nil {
		p.cfg.OnStage(name)
	}
}

var errEOF = errors.New("nsenter: report pipe closed")

// next reads one record; an error record becomes the error it reports.
func (p *parent) next() (record, error) {
	rec, err := p.report.read(p.cfg.Timeout)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return rec, fmt.Errorf("nsenter: no word from the new process within %s (is its cgroup frozen?)", p.cfg.Timeout)
	}
	if errors.Is(err, io.EOF) {
		return rec, errEOF
	}
	if err != nil {
		return rec, fmt.Errorf("nsenter: read record: %w", err)
	}
	if rec.Kind == kindError {
		return rec, rec.err(p.cfg)
	}
	return rec, nil
}

// kill stops whatever stages are still alive and reaps them.
func (p *parent) kill() {
	for _, pid := range []int{p.stage1, p.last} {
		if pid > 0 {
			unix.Kill(pid, unix.SIGKILL)
			waitExit(pid)
		}
	}
}

func waitExit(pid int) error {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		break
	}
	if ws.Exited() && ws.ExitStatus() == 0 {
		return nil
	}
	if ws.Signaled() {
		return fmt.Errorf("killed by %v", ws.Signal())
	}
	return fmt.Errorf("exit status %d", ws.ExitStatus())
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
