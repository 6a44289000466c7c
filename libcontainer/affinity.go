package libcontainer

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// process.execCPUAffinity (exec only; runtime-spec excludes the container's init):
// "initial" is where the runtime's process runs before it joins the container's cgroup,
// "final" where it runs after. Joining a cpuset cgroup resets a task's affinity to the
// cpuset, so without "final" the kernel decides.

// withInitialAffinity runs spawn on a thread pinned to a.Initial: the raw fork of
// nsenter copies the forking thread's affinity, so stage 1 starts there.
func withInitialAffinity(a *configs.CPUAffinity, spawn func() error) error {
	if a == nil || len(a.Initial) == 0 {
		return spawn()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return fmt.Errorf("process.execCPUAffinity.initial: read this thread's affinity: %w", err)
	}
	if err := unix.SchedSetaffinity(0, cpuSetOf(a.Initial)); err != nil {
		return fmt.Errorf("process.execCPUAffinity.initial %v: %w", a.Initial, err)
	}
	err := spawn()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil && err == nil {
		err = fmt.Errorf("restore this thread's affinity: %w", rerr)
	}
	return err
}

// setFinalAffinity pins stage 1 (pid), now in the container's cgroup, to a.Final;
// what it forks next, init and the process, inherits it.
func setFinalAffinity(a *configs.CPUAffinity, pid int) error {
	if a == nil || len(a.Final) == 0 {
		return nil
	}
	if err := unix.SchedSetaffinity(pid, cpuSetOf(a.Final)); err != nil {
		return fmt.Errorf("process.execCPUAffinity.final %v: %w", a.Final, err)
	}
	return nil
}

// Resetting the affinity. A process that joins a cpuset cgroup used to get the cpuset's
// CPUs as its mask; since Linux 6.2 ("sched: Enforce user requested affinity") it keeps
// the mask it asked for, so `taskset -c 0 berth run` would pin the container to CPU 0.
// Like runc (1.2.x/1.3.x backports and later), init widens its mask once it is in the
// container's cgroup: the kernel cuts an all-ones mask down to the cpuset.

// maxCPUs is the size of the mask asked for: the kernel's upper bound of CPUs (8192).
// A cpu_set_t (1024) would leave out the CPUs above it on the largest machines.
const maxCPUs = 8192

// allCPUsMask is a sched_setaffinity mask with every CPU up to maxCPUs set.
func allCPUsMask() []byte {
	mask := make([]byte, maxCPUs/8)
	for i := range mask {
		mask[i] = 0xff
	}
	return mask
}

// needsAffinityReset: the process runs wherever its cpuset allows, unless `berth exec`
// was given a final affinity (which setFinalAffinity applied already).
func needsAffinityReset(a *configs.CPUAffinity) bool {
	return a == nil || len(a.Final) == 0
}

// resetAffinity widens the calling thread's mask (init's locked thread, the one that
// execs the process) to its cpuset. Best effort, as in runc: a failure leaves the mask
// the runtime was started with, which is where the process would run on older kernels'
// runtimes anyway.
func resetAffinity() {
	mask := allCPUsMask()
	unix.RawSyscall(unix.SYS_SCHED_SETAFFINITY, 0, uintptr(len(mask)), uintptr(unsafe.Pointer(&mask[0])))
	runtime.KeepAlive(mask)
}
