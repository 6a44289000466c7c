package nsenter

import (
	"math"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stageArgs is everything the raw stages need, prepared by the parent before the fork:
// the child may only read it (its copy of the parent's memory), never allocate.
type stageArgs struct {
	joinFds   []int
	joinTypes []uintptr
	deferred  []bool // scratch: joins that need the user namespace first
	userJoin  int    // index into joinFds of a user namespace to join, or -1
	pidFd     int    // a pidfd whose namespaces (pidFlags) to enter in one setns, or -1
	pidFlags  uintptr
	newUser   bool
	anyUser   bool // new or joined user namespace: become uid 0 in it before exec
	// lateNoDump defers PR_SET_DUMPABLE 0 until the id maps are written: a
	// non-dumpable process's /proc files belong to root, so an unprivileged parent
	// could not write them. Until then stage 1 has joined only namespaces the
	// caller's own user namespace owns; those owned by the container's come later.
	lateNoDump bool
	newFlags   uintptr // CLONE_NEW* to unshare after the user namespace (CLONE_NEWUSER excluded)
	// earlyTime: create the time namespace before the ready barrier, so the parent can
	// write its offsets while no process is in it yet (the kernel's rule).
	earlyTime bool
	reportFd  int   // write end: records to the parent (close-on-exec)
	goFd      int   // read end: the parent's go-ahead after id maps and offsets
	files     []int // fd i of the final process is files[i]
	execFd    int
	argv      []*byte
	envv      []*byte
	emptyPath *byte
	// clone3 (non-nil) forks stage 1 with clone3 and these arguments instead of clone:
	// CLONE_INTO_CGROUP, which puts it in the container's cgroup as it is born.
	clone3 *cloneArgs
	// clone3Failed reports (parent side) that the kernel has no clone3 or no
	// CLONE_INTO_CGROUP (before 5.7), so stage 1 was forked with clone and is not placed.
	clone3Failed bool

	// parentPid is the caller: stage 1 exits at once if it is already gone when the
	// parent-death signal is armed. parentPidfd (or -1) does the same for the last
	// stage, whose parent is outside its pid namespace (getppid says 0 there).
	parentPid   int
	parentPidfd int
	pollParent  unix.PollFd
	noWait      unix.Timespec
	// timerSlack (or 0: leave it) is the caller's timer slack, which stage 1 takes on.
	timerSlack uintptr
	// closeGaps: (first, last) fd ranges stage 1 closes (see closeGaps); fdLimit bounds
	// the fallback loop without close_range; keep are the fds the stages still use.
	closeGaps []uintptr
	fdLimit   uint
	keep      []int
	// titleArea is the caller's argv memory (in the child: its own copy), title what
	// stage 1 writes there (see procTitle). Both nil: leave it. titleSave (only for a
	// stage 1 sharing the caller's memory that forks the last stage) is the area's own
	// text, which stage 1 puts back once the last stage is forked with the title.
	titleArea, title, titleSave []byte
	// rootFd (or -1): stage 1 makes it its root and working directory before the last
	// stage is forked, so nothing in the container's pid namespace holds the caller's.
	rootFd int
	dot    *byte
	// capHdr and capData: scratch for dropping CAP_DAC_OVERRIDE and
	// CAP_DAC_READ_SEARCH from the last stage's effective set before it executes init.
	capHdr  unix.CapUserHeader
	capData [2]unix.CapUserData
	// plan (non-nil): the last stage becomes the container's process itself instead
	// of executing init (see Plan and runPlan).
	plan *rawPlan
	// vm (non-nil): the stages share the caller's memory (vmstage.go).
	vm *vmStages
}

// cloneArgs is the kernel's struct clone_args up to cgroup (CLONE_ARGS_SIZE_VER2).
type cloneArgs struct {
	flags, pidfd, childTID, parentTID, exitSignal, stack, stackSize, tls uint64
	setTID, setTIDSize, cgroup                                           uint64
}

// forkStages forks stage 1 and returns its pid in the parent. The child never returns:
// it joins and creates namespaces, forks the last stage (CLONE_PARENT, so the caller is
// its parent) and exits; the last stage sets up its fds and executes ExecFD.
//
// With a.vm the stages are not copies of the caller but share its memory (CLONE_VM),
// each on a stack of its own (vmstage.go): nothing is copied at the fork and the caller
// takes no copy-on-write faults afterwards. Otherwise stage 1 is a plain fork.
//
// After runtimeBeforeFork nothing here may allocate, take a lock, or call a Go function
// that is not assembly or nosplit (RawSyscall is), exactly as in package syscall's child.
//
//go:noinline
//go:norace
//go:nocheckptr
func forkStages(a *stageArgs) (pid uintptr, errno syscall.Errno) {
	var (
		r1   uintptr
		err1 syscall.Errno
	)

	runtimeBeforeFork()
	if a.clone3 != nil {
		if a.vm != nil {
			r1, err1 = vmClone(unix.SYS_CLONE3, uintptr(unsafe.Pointer(a.clone3)), unsafe.Sizeof(*a.clone3), 0, 0, 0,
				a.vm.stage1PC, unsafe.Pointer(a))
		} else {
			r1, _, err1 = syscall.RawSyscall(unix.SYS_CLONE3, uintptr(unsafe.Pointer(a.clone3)), unsafe.Sizeof(*a.clone3), 0)
		}
		if err1 == syscall.ENOSYS || err1 == syscall.E2BIG || err1 == syscall.EINVAL {
			a.clone3Failed = true // in the parent: no child exists
		}
	}
	if a.clone3 == nil || a.clone3Failed {
		if a.vm != nil {
			r1, err1 = vmClone(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD)|vmCloneFlags, a.vm.stack1, 0, 0, a.vm.tls1,
				a.vm.stage1PC, unsafe.Pointer(a))
		} else {
			r1, _, err1 = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD), 0, 0, 0, 0, 0)
		}
	}
	if err1 != 0 || r1 != 0 {
		runtimeAfterFork()
		return r1, err1
	}

	// A forked stage 1 (a CLONE_VM one starts in vmStage1 instead). It returns only in
	// the last stage it forked, which goes on from here: two calls rather than one inside
	// the other keep the stack these nosplit functions need within the linker's bound.
	runtimeAfterForkInChild()
	stage1(a)
	if lastStage(a) {
		step, err1 := runPlan(a)
		stageFail(a.reportFd, step, err1, -1)
	}
	return 0, 0 // not reached: the last stage executes or exits
}

// stage1 joins and creates the namespaces, forks the last stage and exits; it returns
// only in a forked last stage.
//
// Like all of the stages' code: nosplit, no allocation, no locks, raw system calls only,
// and no pointer stores (with a.vm the memory is the caller's, whose garbage collector
// may be running, and a write barrier needs the Go runtime's per-thread state, which a
// stage does not have).
//
//go:nosplit
//go:norace
//go:nocheckptr
func stage1(a *stageArgs) {
	var (
		r1     uintptr
		err1   syscall.Errno
		i      int
		nextfd int
		step   uint16
		val    int64
		rec    record
		goByte [1]byte
	)
	val = -1

	// Host details class: the caller's timer slack, not the one of the runtime thread that
	// forked us (threads the Go runtime's monitor makes carry its longer slack, see
	// internal/timerslack); every process started from here inherits what stage 1 has.
	if a.timerSlack != 0 {
		step = stepTimerSlack
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_TIMERSLACK, a.timerSlack, 0); err1 != 0 {
			goto fail
		}
	}

	// Orphans of a killed create: die with the caller. Armed after the fork, so check
	// the caller did not die before (our parent would then be a reaper, not the caller).
	// The parent thread stays alive until stage 1 is reaped (Spawn locks it).
	step = stepParentDeath
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); err1 != 0 {
		goto fail
	}
	if r1, _, _ = syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0); int(r1) != a.parentPid {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
	}

	// Non-dumpable first: while it joins a container's namespaces nothing in there may
	// ptrace it or open its /proc files (and through them the host's fds).
	step = stepDumpable
	if !a.lateNoDump {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0); err1 != 0 {
			goto fail
		}
	}

	// Caller fds in init and hooks, CVE-2024-21626 class: close every fd of the caller
	// but the ones the stages pass on or use, before joining anything. This also drops
	// our copies of the parent's ends of the report and go pipes, so that a dead parent
	// means end of file on both instead of a wait forever.
	step = stepCloseFds
	for i = 0; i+1 < len(a.closeGaps); i += 2 {
		_, _, err1 = syscall.RawSyscall(unix.SYS_CLOSE_RANGE, a.closeGaps[i], a.closeGaps[i+1], 0)
		if err1 == syscall.ENOSYS { // before Linux 5.9
			for nextfd = int(a.closeGaps[i]); nextfd <= int(a.closeGaps[i+1]) && nextfd < int(a.fdLimit); nextfd++ {
				syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(nextfd), 0, 0)
			}
		} else if err1 != 0 {
			goto fail
		}
	}

	// Host details in the container's view: the last stage is a copy of the caller
	// until it executes init, and its /proc/<pid>/cmdline is readable from the
	// container's pid namespace. Only "berth init" shows. (A stage 1 in the caller's
	// memory writes it only for the instant of the fork, below.)
	if a.vm == nil {
		for i = 0; i < len(a.titleArea) && i < len(a.title); i++ {
			a.titleArea[i] = a.title[i]
		}
	}

	// Entering another process's namespaces through its pidfd is one atomic setns:
	// the kernel orders the user namespace right and nothing can be swapped between.
	if a.pidFd >= 0 {
		step = stepJoinPid
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SETNS, uintptr(a.pidFd), a.pidFlags, 0); err1 != 0 {
			goto fail
		}
	}

	// Namespaces owned by the host's user namespace first: once in another user
	// namespace the process has no privilege over them. A join refused with EPERM is
	// retried after the user namespace (it may be owned by it, e.g. for rootless).
	step = stepJoin
	for i = 0; i < len(a.joinFds); i++ {
		if a.joinTypes[i] == unix.CLONE_NEWUSER {
			continue
		}
		_, _, err1 = syscall.RawSyscall(unix.SYS_SETNS, uintptr(a.joinFds[i]), a.joinTypes[i], 0)
		if err1 == syscall.EPERM && a.anyUser {
			a.deferred[i] = true
			continue
		}
		if err1 != 0 {
			val = int64(i)
			goto fail
		}
	}
	if a.userJoin >= 0 {
		_, _, err1 = syscall.RawSyscall(unix.SYS_SETNS, uintptr(a.joinFds[a.userJoin]), unix.CLONE_NEWUSER, 0)
		if err1 != 0 {
			val = int64(a.userJoin)
			goto fail
		}
	} else if a.newUser {
		step = stepUnshareUser
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_UNSHARE, unix.CLONE_NEWUSER, 0, 0); err1 != 0 {
			goto fail
		}
	}

	if a.earlyTime {
		step = stepUnshare
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_UNSHARE, unix.CLONE_NEWTIME, 0, 0); err1 != 0 {
			goto fail
		}
	}

	// Tell the parent we are in our final user namespace and wait: it writes the id
	// maps and the time offsets, and puts us in our resctrl group (OnReady).
	step = stepWriteRecord
	rec = record{Magic: recordMagic, Kind: kindReady}
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_WRITE, uintptr(a.reportFd), uintptr(unsafe.Pointer(&rec)), recordSize); err1 != 0 {
		goto fail
	}
	step = stepWaitMaps
	r1, _, err1 = syscall.RawSyscall(syscall.SYS_READ, uintptr(a.goFd), uintptr(unsafe.Pointer(&goByte[0])), 1)
	if err1 != 0 || r1 != 1 {
		// The parent gave up (its error is its own to report).
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
	}

	if a.lateNoDump {
		step = stepDumpable
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, unix.PR_SET_DUMPABLE, 0, 0); err1 != 0 {
			goto fail
		}
	}

	if a.anyUser {
		// Become root of the user namespace: execve recomputes capabilities from the
		// uid, and an unmapped (overflow) uid would start init with none.
		step = stepSetID
		syscall.RawSyscall(syscall.SYS_SETGROUPS, 0, 0, 0) // refused when setgroups is "deny": fine
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETRESGID, 0, 0, 0); err1 != 0 {
			goto fail
		}
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_SETRESUID, 0, 0, 0); err1 != 0 {
			goto fail
		}
	}

	step = stepJoin
	for i = 0; i < len(a.joinFds); i++ {
		if !a.deferred[i] {
			continue
		}
		if _, _, err1 = syscall.RawSyscall(unix.SYS_SETNS, uintptr(a.joinFds[i]), a.joinTypes[i], 0); err1 != 0 {
			val = int64(i)
			goto fail
		}
	}

	step = stepUnshare
	if a.newFlags != 0 {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_UNSHARE, a.newFlags, 0, 0); err1 != 0 {
			goto fail
		}
	}

	// Runtime init reachable from the container: for exec, the last stage (the first
	// process in the container's pid namespace) starts with the container init's root
	// and working directory, never the caller's, even when the container has no mount
	// namespace of its own to enter.
	if a.rootFd >= 0 {
		step = stepChroot
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_FCHDIR, uintptr(a.rootFd), 0, 0); err1 != 0 {
			goto fail
		}
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_CHROOT, uintptr(unsafe.Pointer(a.dot)), 0, 0); err1 != 0 {
			goto fail
		}
	}

	// New pid and time namespaces apply to children only: fork the last stage. With
	// CLONE_PARENT it is the caller's child, so `berth run` can wait for it directly.
	step = stepClone
	if a.vm != nil && !a.vm.forkLast {
		r1, err1 = vmClone(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD)|unix.CLONE_PARENT|vmCloneFlags, a.vm.stack2, 0, 0, a.vm.tls2,
			a.vm.lastPC, unsafe.Pointer(a.vm.last))
	} else {
		// A stage 1 in the caller's memory forking the last stage: the fork copies the
		// caller's argv block as it is at that instant, so it shows the title just then
		// (the caller's own strings are copies: DetachArgs), and its text again after.
		if a.vm != nil {
			for i = 0; i < len(a.titleArea) && i < len(a.title); i++ {
				a.titleArea[i] = a.title[i]
			}
		}
		r1, _, err1 = syscall.RawSyscall6(syscall.SYS_CLONE, uintptr(syscall.SIGCHLD)|unix.CLONE_PARENT, 0, 0, 0, 0, 0)
		if a.vm != nil && (r1 != 0 || err1 != 0) { // not in the child: its copy keeps the title
			for i = 0; i < len(a.titleArea) && i < len(a.titleSave); i++ {
				a.titleArea[i] = a.titleSave[i]
			}
		}
	}
	if err1 != 0 {
		goto fail
	}
	if r1 != 0 {
		rec = record{Magic: recordMagic, Kind: kindInitPid, Value: int64(r1)}
		_, _, err1 = syscall.RawSyscall(syscall.SYS_WRITE, uintptr(a.reportFd), uintptr(unsafe.Pointer(&rec)), recordSize)
		if err1 != 0 {
			step = stepWriteRecord
			goto fail
		}
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 0, 0, 0)
	}
	// A forked last stage returns, to go on in lastStage (a CLONE_VM one starts in vmLast).
	return

fail:
	stageFail(a.reportFd, step, err1, val)
}

// lastStage places its fds and executes init; in plan mode it returns true once the fds
// are placed, for the caller to go on with runPlan (a call of its own, for the stack
// bound as in forkStages). Same rules as stage1.
//
//go:nosplit
//go:norace
//go:nocheckptr
func lastStage(a *stageArgs) (plan bool) {
	var (
		r1     uintptr
		err1   syscall.Errno
		i      int
		nextfd int
		step   uint16
		val    int64
	)
	val = -1

	// A new session: the container must not share the caller's controlling terminal.
	syscall.RawSyscall(syscall.SYS_SETSID, 0, 0, 0)

	// Die with the caller (not inherited over fork), until init says otherwise; its
	// parent is outside the pid namespace, so check the caller through its pidfd.
	step = stepParentDeath
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0); err1 != 0 {
		goto fail
	}
	if a.parentPidfd >= 0 {
		r1, _, err1 = syscall.RawSyscall6(unix.SYS_PPOLL, uintptr(unsafe.Pointer(&a.pollParent)), 1,
			uintptr(unsafe.Pointer(&a.noWait)), 0, 0, 0)
		if err1 == 0 && r1 == 1 {
			syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 1, 0, 0)
		}
	}

	// Place files[i] at fd i. Fds we still need and fds that pass 2 would overwrite
	// before using them are first moved above every target.
	step = stepDupFiles
	nextfd = len(a.files)
	for _, fd := range a.files {
		if fd >= nextfd {
			nextfd = fd + 1
		}
	}
	if a.plan != nil {
		// Plan mode moves five fds, each to a new number: start above all of them, so
		// that no move lands on one not moved yet.
		for _, fd := range [...]int{a.reportFd, a.goFd, a.plan.listenFd, a.plan.dmzFd, a.parentPidfd} {
			if fd >= nextfd {
				nextfd = fd + 1
			}
		}
	}
	if a.reportFd < nextfd {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.reportFd), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
			goto fail
		}
		a.reportFd = nextfd
		nextfd++
	}
	if a.plan == nil && a.execFd < nextfd {
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.execFd), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
			goto fail
		}
		a.execFd = nextfd
		nextfd++
	}
	if a.plan != nil {
		// The go-ahead pipe and the exec.sock listener are still needed.
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.goFd), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
			goto fail
		}
		a.goFd = nextfd
		nextfd++
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.plan.listenFd), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
			goto fail
		}
		a.plan.listenFd = nextfd
		nextfd++
		if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.plan.dmzFd), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
			goto fail
		}
		a.plan.dmzFd = nextfd
		nextfd++
		if a.parentPidfd >= 0 {
			// The caller's pidfd: a terminal made once the rootfs is built is taken
			// through it (pidfd_getfd).
			if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.parentPidfd), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
				goto fail
			}
			a.parentPidfd = nextfd
			nextfd++
		}
	}
	for i = 0; i < len(a.files); i++ {
		if a.files[i] >= 0 && a.files[i] < i {
			if _, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.files[i]), uintptr(nextfd), syscall.O_CLOEXEC); err1 != 0 {
				goto fail
			}
			a.files[i] = nextfd
			nextfd++
		}
	}
	for i = 0; i < len(a.files); i++ {
		if a.files[i] < 0 {
			syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(i), 0, 0)
			continue
		}
		if a.files[i] == i {
			_, _, err1 = syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(i), syscall.F_SETFD, 0)
		} else {
			_, _, err1 = syscall.RawSyscall(syscall.SYS_DUP3, uintptr(a.files[i]), uintptr(i), 0)
		}
		if err1 != 0 {
			goto fail
		}
	}

	// Everything above the placed fds is close-on-exec (the dup sources, the pipes,
	// the executable): init starts with exactly files.
	step = stepCloseFds
	_, _, err1 = syscall.RawSyscall(unix.SYS_CLOSE_RANGE, uintptr(len(a.files)), math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC)
	if err1 != 0 { // before Linux 5.11: stage 1 left only keep open
		for i = 0; i < len(a.keep); i++ {
			if a.keep[i] >= len(a.files) {
				syscall.RawSyscall(syscall.SYS_FCNTL, uintptr(a.keep[i]), syscall.F_SETFD, syscall.FD_CLOEXEC)
			}
		}
	}

	// Runtime init reachable from the container (CVE-2019-5736 class too): the kernel
	// marks a new program non-dumpable, and gives its mm the nearest user namespace
	// privileged over the file, when the file is unreadable to the process executing
	// it (fs/exec.c would_dump). The executable is mode 0111, so without these two
	// capabilities in effect init is non-dumpable from its first instruction and,
	// in a user namespace that does not map the file's owner, belongs to the host's:
	// CAP_SYS_PTRACE in the container's user namespace cannot reach it. execve
	// recomputes the capabilities of root, so init still has them all.
	if a.plan != nil {
		return true // the caller goes on with runPlan
	}

	step = stepDropDAC
	a.capHdr.Version = unix.LINUX_CAPABILITY_VERSION_3
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_CAPGET, uintptr(unsafe.Pointer(&a.capHdr)), uintptr(unsafe.Pointer(&a.capData[0])), 0); err1 != 0 {
		goto fail
	}
	a.capData[0].Effective &^= 1<<unix.CAP_DAC_OVERRIDE | 1<<unix.CAP_DAC_READ_SEARCH
	if _, _, err1 = syscall.RawSyscall(syscall.SYS_CAPSET, uintptr(unsafe.Pointer(&a.capHdr)), uintptr(unsafe.Pointer(&a.capData[0])), 0); err1 != 0 {
		goto fail
	}

	step = stepExec
	_, _, err1 = syscall.RawSyscall6(unix.SYS_EXECVEAT, uintptr(a.execFd), uintptr(unsafe.Pointer(a.emptyPath)),
		uintptr(unsafe.Pointer(&a.argv[0])), uintptr(unsafe.Pointer(&a.envv[0])), unix.AT_EMPTY_PATH, 0)

fail:
	stageFail(a.reportFd, step, err1, val)
	return false // not reached
}

// stageFail reports the failed step to the parent and exits.
//
//go:nosplit
//go:norace
//go:nocheckptr
func stageFail(reportFd int, step uint16, err1 syscall.Errno, val int64) {
	rec := record{Magic: recordMagic, Kind: kindError, Step: step, Errno: uint32(err1), Value: val}
	syscall.RawSyscall(syscall.SYS_WRITE, uintptr(reportFd), uintptr(unsafe.Pointer(&rec)), recordSize)
	for {
		syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 253, 0, 0)
	}
}
