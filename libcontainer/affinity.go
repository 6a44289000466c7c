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

// cpuSetOf builds an affinity mask from CPU numbers (specconv bounded them to the set).
func cpuSetOf(cpus []int) *unix.CPUSet {
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	return &set
}

// resetAffinityOf widens pid's mask to every CPU, which the kernel cuts down to its
// cpuset: what init's resetAffinity does for itself (see incontainer/affinity.go), for a
// container's first process that has no init. Best effort, as there.
func resetAffinityOf(pid int) {
	mask := make([]byte, 8192/8)
	for i := range mask {
		mask[i] = 0xff
	}
	unix.RawSyscall(unix.SYS_SCHED_SETAFFINITY, uintptr(pid), uintptr(len(mask)), uintptr(unsafe.Pointer(&mask[0])))
	runtime.KeepAlive(mask)
}
