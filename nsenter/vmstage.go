package nsenter

import (
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Stages that share the caller's memory.
//
// A forked stage is a copy-on-write copy of the caller: the fork copies the page tables
// of the whole runtime, and every page the caller writes afterwards, while building the
// rootfs and saving the state, faults to be copied or reclaimed (with TLB shootdowns, as
// the caller has several threads). On the one-runtime path that was a quarter of a
// `berth run`'s page faults. With CLONE_VM the stages run in the caller's memory instead,
// each on a stack of its own (vmClone, vmstage_amd64.s), as posix_spawn's child does,
// but without stopping the caller: they never return into Go, read only the arguments
// prepared for them (each stage its own copy, as each writes to it), and end in
// execve or exit.
//
// Only where nothing of a container can reach a stage before it executes the exec
// program: the caller's memory would be open to whoever may ptrace a stage (Runtime
// init reachable class, CVE-2019-5736). So: create and run of the one-runtime path, with
// a new pid namespace of which the last stage is the first process (invisible from
// every other pid namespace but the host's), with or without a user namespace (new or
// joined: the memory stays the runtime's, whose user namespace is the host's, so only
// the host's root may ptrace a stage, non-dumpable as it is, whatever ids it takes or
// whoever else holds capabilities in that user namespace), and no time namespace (clone
// refuses CLONE_VM into a pending one, setns refuses a shared mm). Where the last stage
// enters a pid namespace in which other processes live (exec; a create joining a pod's pid namespace or
// keeping the host's), only stage 1 shares the caller's memory: it stays in the host's
// pid namespace, where no process of a container can name it, and forks the last stage,
// which then has memory of its own. That saves the fork of stage 1 (a copy of the
// runtime's page tables, and the copy-on-write faults of stage 1's own writes).

// vmCloneFlags are added to the clone flags of a stage that shares the caller's memory:
// CLONE_SETTLS gives it a thread pointer of its own, whose Go g slot is nil, so that a
// stray call into the Go runtime faults at once instead of running on the caller's
// goroutine.
const vmCloneFlags = unix.CLONE_VM | unix.CLONE_SETTLS

const (
	vmGuard   = 4096     // PROT_NONE below each stack: an overflow faults
	vmStack   = 64 << 10 // untouched pages cost nothing
	vmTLS     = 4096     // the thread pointer's page, all zero
	vmRegion  = vmGuard + vmStack + vmTLS
	vmTLSSkew = 64 // the thread pointer sits this far below the page's end
)

// vmStages is what stages sharing the caller's memory run on. It must stay mapped and
// reachable until the last stage has executed the exec program or is gone (see
// PlanHandle.Release and parkVMStages).
type vmStages struct {
	// forkLast: only stage 1 shares the caller's memory; it forks the last stage.
	forkLast         bool
	mem              []byte
	stack1, tls1     uintptr // stage 1's initial stack pointer and thread pointer
	stack2, tls2     uintptr
	stage1PC, lastPC uintptr    // vmStage1 and vmLast, as vmClone calls them
	first, last      *stageArgs // each stage's own arguments
	sigmask          uint64     // the caller's signal mask, which the stages restore
}

// vmMode says which stages of cfg may share the caller's memory (see above).
type vmMode int

const (
	vmNone      vmMode = iota // both stages are forks
	vmAll                     // both share it: a create with a pid namespace of its own
	vmFirstOnly               // stage 1 shares it and forks the last stage
)

// vmStagesWanted: which of cfg's stages may share the caller's memory (see above): on the
// one-runtime path, by root, without a time namespace; both stages for a create
// with a pid namespace of its own, stage 1 alone otherwise (exec, a joined or the host's
// pid namespace). BERTH_STAGE_FORK=1 forks them as before, to compare the two.
func vmStagesWanted(cfg *Config) vmMode {
	if !vmSupported || vmInstrumented || cfg.Plan == nil || os.Getenv("BERTH_STAGE_FORK") == "1" || os.Geteuid() != 0 {
		return vmNone
	}
	// An exec into a user namespace: stage 1 joins it and stays in the host's pid
	// namespace; the last stage it forks has memory of its own, which it copies from the
	// runtime's and which so belongs to the host's user namespace too.
	if (cfg.NewFlags|cfg.JoinPidFlags)&unix.CLONE_NEWTIME != 0 {
		return vmNone
	}
	joinsPid := cfg.JoinPidFlags&unix.CLONE_NEWPID != 0
	for _, j := range cfg.Join {
		if j.Type&unix.CLONE_NEWTIME != 0 {
			return vmNone
		}
		joinsPid = joinsPid || j.Type&unix.CLONE_NEWPID != 0
	}
	if cfg.NewFlags&unix.CLONE_NEWPID == 0 || joinsPid {
		// Stage 1 writes the title over the caller's argv block for an instant: only
		// once the caller's strings no longer point into it.
		if argv0 == nil {
			return vmNone
		}
		return vmFirstOnly
	}
	return vmAll
}

// newVMStages maps the stacks and prepares the stages' arguments from a, which must be
// complete: stage 1 runs on a itself, the last stage on a copy of it (it moves its fds
// around in it). The caller's signal mask is read from the calling thread, the one that
// forks.
func newVMStages(a *stageArgs, mode vmMode) (*vmStages, error) {
	mem, err := unix.Mmap(-1, 0, 2*vmRegion, unix.PROT_READ|unix.PROT_WRITE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, err
	}
	v := &vmStages{forkLast: mode == vmFirstOnly, mem: mem, stage1PC: vmStage1PC(), lastPC: vmLastPC()}
	for i := 0; i < 2; i++ {
		region := mem[i*vmRegion : (i+1)*vmRegion]
		if err := unix.Mprotect(region[:vmGuard], unix.PROT_NONE); err != nil {
			unix.Munmap(mem)
			return nil, err
		}
		top := uintptr(unsafe.Pointer(&region[vmGuard+vmStack-1])) + 1
		tls := uintptr(unsafe.Pointer(&region[vmRegion-1])) + 1 - vmTLSSkew
		if i == 0 {
			v.stack1, v.tls1 = top, tls
		} else {
			v.stack2, v.tls2 = top, tls
		}
	}
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_BLOCK, 0, uintptr(unsafe.Pointer(&v.sigmask)), 8, 0, 0); e != 0 {
		unix.Munmap(mem)
		return nil, e
	}
	// The stages must not change what the caller's argv shows: it is the caller's own.
	// A stage 1 that forks the last stage shows the title only for the instant of the
	// fork and then puts this text back.
	if mode == vmFirstOnly && a.titleArea != nil {
		a.titleSave = append([]byte(nil), a.titleArea...)
	} else {
		a.titleArea, a.title = nil, nil
	}
	last := *a
	last.files = append([]int(nil), a.files...)
	last.deferred = append([]bool(nil), a.deferred...)
	v.first, v.last = a, &last
	if a.clone3 != nil {
		a.clone3.flags |= vmCloneFlags
		a.clone3.stack = uint64(v.stack1 - vmStack)
		a.clone3.stackSize = vmStack
		a.clone3.tls = uint64(v.tls1)
	}
	return v, nil
}

// free unmaps the stacks: only once no stage can run on them any more.
func (v *vmStages) free() {
	if v != nil && v.mem != nil {
		unix.Munmap(v.mem)
		v.mem = nil
	}
}

// parked holds stages whose end nobody saw (a failed or abandoned start): they may
// still run for a moment on their stacks and read their arguments, so neither is ever
// given back. A handful of kilobytes per failure, in a process that ends soon.
var parked struct {
	sync.Mutex
	stages []*vmStages
}

func parkVMStages(v *vmStages) {
	if v == nil {
		return
	}
	parked.Lock()
	parked.stages = append(parked.stages, v)
	parked.Unlock()
}

// vmStage1 is where stage 1 starts when it shares the caller's memory: on its own
// stack, with every signal blocked and the caller's handlers, which it resets first
// (the caller's are Go's, which cannot run here); SIG_IGN stays, as over a fork.
//
//go:nosplit
//go:norace
//go:nocheckptr
func vmStage1(a *stageArgs) {
	var (
		dfl, old kernelSigaction
		sig      uintptr
		err1     syscall.Errno
	)
	for sig = 1; sig <= 64; sig++ {
		if sig == uintptr(syscall.SIGKILL) || sig == uintptr(syscall.SIGSTOP) {
			continue
		}
		_, _, err1 = syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&dfl)), uintptr(unsafe.Pointer(&old)), 8, 0, 0)
		if err1 == 0 && old.handler == 1 { // SIG_IGN
			syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&old)), 0, 8, 0, 0)
		}
	}
	syscall.RawSyscall6(syscall.SYS_RT_SIGPROCMASK, unix.SIG_SETMASK, uintptr(unsafe.Pointer(&a.vm.sigmask)), 0, 8, 0, 0)
	stage1(a)
	// Returns only in a forked last stage (a.vm.forkLast): a copy of the caller's memory
	// with this stack, handlers and mask, which goes on as forkStages' child does.
	if a.vm.forkLast && lastStage(a) {
		step, err1 := runPlan(a)
		stageFail(a.reportFd, step, err1, -1)
	}
	syscall.RawSyscall(syscall.SYS_EXIT_GROUP, 254, 0, 0)
}

// vmLast is where the last stage starts when it shares the caller's memory; stage 1
// already reset the handlers and the mask it inherits.
//
//go:nosplit
//go:norace
//go:nocheckptr
func vmLast(a *stageArgs) {
	if lastStage(a) {
		step, err1 := runPlan(a)
		stageFail(a.reportFd, step, err1, -1)
	}
}
