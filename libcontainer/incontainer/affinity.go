package incontainer

import (
	"runtime"
	"unsafe"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

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
