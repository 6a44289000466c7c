package incontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/rootfs"
	"golang.org/x/sys/unix"
)

// Every setting here belongs to the calling thread (sched_setattr, ioprio_set and
// set_mempolicy with pid 0 act on one task; personality and set_mempolicy only on it).
// Init runs on its locked main thread, the one that execs the user process, and execve
// keeps them all.

// applyProcessAttrs sets the scheduler, I/O priority, personality, memory policy and
// LSM labels the process runs with. It runs before the user switch: a real-time policy
// or class needs CAP_SYS_NICE / CAP_SYS_ADMIN, which the process may not keep.
// container is the container's config (nil: no container-wide settings).
func applyProcessAttrs(p *configs.Process, container *configs.Config) error {
	if container != nil {
		if err := setPersonality(container.Personality); err != nil {
			return err
		}
		if err := setMemoryPolicy(container.MemoryPolicy); err != nil {
			return err
		}
	}
	if err := SchedulerAndIOPriority(0, p); err != nil {
		return err
	}
	return setLSMLabels(p)
}

func setPersonality(persona *uint32) error {
	if persona == nil {
		return nil
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, uintptr(*persona), 0, 0); errno != 0 {
		return fmt.Errorf("linux.personality: personality(%#x): %w", *persona, errno)
	}
	return nil
}

func setMemoryPolicy(mp *configs.MemoryPolicy) error {
	if mp == nil {
		return nil
	}
	var mask unix.CPUSet // set_mempolicy's node mask has the layout of a cpu_set_t
	for _, n := range mp.Nodes {
		mask.Set(n)
	}
	var err error
	if len(mp.Nodes) == 0 {
		// MPOL_DEFAULT and MPOL_LOCAL take no mask at all.
		_, _, errno := unix.RawSyscall(unix.SYS_SET_MEMPOLICY, uintptr(mp.Mode), 0, 0)
		if errno != 0 {
			err = errno
		}
	} else {
		err = unix.SetMemPolicy(mp.Mode, &mask)
	}
	if err != nil {
		return fmt.Errorf("linux.memoryPolicy: set_mempolicy(mode %#x, nodes %v): %w", mp.Mode, mp.Nodes, err)
	}
	return nil
}

// SchedulerAndIOPriority gives task tid (0: the caller) p's scheduler and I/O priority.
// Both survive execve. The one-runtime path sets them from outside on the process's
// only thread before it runs anything of the container's, with the runtime's
// CAP_SYS_NICE, as init would before its user switch.
func SchedulerAndIOPriority(tid int, p *configs.Process) error {
	if err := setScheduler(tid, p.Scheduler); err != nil {
		return err
	}
	return setIOPriority(tid, p.IOPriority)
}

func setScheduler(tid int, s *configs.Scheduler) error {
	if s == nil {
		return nil
	}
	attr := unix.SchedAttr{
		Size: unix.SizeofSchedAttr, Policy: s.Policy, Flags: s.Flags, Nice: s.Nice,
		Priority: s.Priority, Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period,
	}
	if err := unix.SchedSetAttr(tid, &attr, 0); err != nil {
		return fmt.Errorf("process.scheduler: sched_setattr(policy %d): %w", s.Policy, err)
	}
	return nil
}

// ioprioWhoProcess is IOPRIO_WHO_PROCESS: the who argument is a task id (0: caller).
const ioprioWhoProcess = 1

func setIOPriority(tid int, prio *int) error {
	if prio == nil {
		return nil
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, uintptr(tid), uintptr(*prio)); errno != 0 {
		return fmt.Errorf("process.ioPriority: ioprio_set(%#x): %w", *prio, errno)
	}
	return nil
}

// setLSMLabels asks the kernel to switch AppArmor profile and SELinux context at the
// next execve, the user process's (specconv refused them where the LSM is absent).
func setLSMLabels(p *configs.Process) error {
	if p.ApparmorProfile != "" {
		// The LSM-specific file since Linux 5.8, the shared one before.
		err := rootfs.WriteThreadAttr("apparmor/exec", "exec "+p.ApparmorProfile)
		if err != nil {
			err = rootfs.WriteThreadAttr("exec", "exec "+p.ApparmorProfile)
		}
		if err != nil {
			return fmt.Errorf("process.apparmorProfile %q: %w", p.ApparmorProfile, err)
		}
	}
	if p.SelinuxLabel != "" {
		if err := rootfs.WriteThreadAttr("exec", p.SelinuxLabel); err != nil {
			return fmt.Errorf("process.selinuxLabel %q: %w", p.SelinuxLabel, err)
		}
	}
	return nil
}
