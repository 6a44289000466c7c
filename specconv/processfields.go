package specconv

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// SchedulerPolicies and SchedulerFlags are sched_setattr(2)'s numbers for the names.
// SCHED_ISO is in runtime-spec but was never merged into Linux: the kernel refuses it.
var (
	SchedulerPolicies = map[specs.LinuxSchedulerPolicy]uint32{
		specs.SchedOther: 0, specs.SchedFIFO: 1, specs.SchedRR: 2, specs.SchedBatch: 3,
		specs.SchedISO: 4, specs.SchedIdle: 5, specs.SchedDeadline: 6,
	}
	SchedulerFlags = map[specs.LinuxSchedulerFlag]uint64{
		specs.SchedFlagResetOnFork: 0x01, specs.SchedFlagReclaim: 0x02, specs.SchedFlagDLOverrun: 0x04,
		specs.SchedFlagKeepPolicy: 0x08, specs.SchedFlagKeepParams: 0x10,
		specs.SchedFlagUtilClampMin: 0x20, specs.SchedFlagUtilClampMax: 0x40,
	}
)

// The real-time priorities sched_setattr accepts for SCHED_FIFO and SCHED_RR.
const (
	minRTPriority = 1
	maxRTPriority = 99
)

func convertScheduler(s *specs.Scheduler) (*configs.Scheduler, error) {
	if s == nil {
		return nil, nil
	}
	policy, ok := SchedulerPolicies[s.Policy]
	if !ok {
		return nil, configs.FieldErrorf("process.scheduler.policy", "unknown policy %q", s.Policy)
	}
	if s.Nice < -20 || s.Nice > 19 {
		return nil, configs.FieldErrorf("process.scheduler.nice", "%d is outside [-20, 19]", s.Nice)
	}
	rt := s.Policy == specs.SchedFIFO || s.Policy == specs.SchedRR
	switch {
	case rt && (s.Priority < minRTPriority || s.Priority > maxRTPriority):
		return nil, configs.FieldErrorf("process.scheduler.priority", "%d is outside [%d, %d] for %s", s.Priority, minRTPriority, maxRTPriority, s.Policy)
	case !rt && s.Priority != 0:
		return nil, configs.FieldErrorf("process.scheduler.priority", "only SCHED_FIFO and SCHED_RR have a priority")
	case s.Policy != specs.SchedDeadline && (s.Runtime != 0 || s.Deadline != 0 || s.Period != 0):
		return nil, configs.FieldErrorf("process.scheduler", "runtime, deadline and period are for SCHED_DEADLINE only")
	case s.Policy == specs.SchedDeadline && s.Runtime == 0:
		return nil, configs.FieldErrorf("process.scheduler.runtime", "SCHED_DEADLINE needs a runtime")
	}
	out := &configs.Scheduler{
		Policy: policy, Nice: s.Nice, Priority: uint32(s.Priority),
		Runtime: s.Runtime, Deadline: s.Deadline, Period: s.Period,
	}
	for i, f := range s.Flags {
		bit, ok := SchedulerFlags[f]
		if !ok {
			return nil, configs.FieldErrorf(configs.Index("process.scheduler.flags", i), "unknown flag %q", f)
		}
		out.Flags |= bit
	}
	return out, nil
}

// ioPriorityClasses are the IOPRIO_CLASS_* numbers; the level is 0 (highest) to 7.
var ioPriorityClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

const ioPriorityClassShift = 13 // IOPRIO_CLASS_SHIFT

func convertIOPriority(p *specs.LinuxIOPriority) (*int, error) {
	if p == nil {
		return nil, nil
	}
	class, ok := ioPriorityClasses[p.Class]
	if !ok {
		return nil, configs.FieldErrorf("process.ioPriority.class", "unknown class %q", p.Class)
	}
	if p.Priority < 0 || p.Priority > 7 {
		return nil, configs.FieldErrorf("process.ioPriority.priority", "%d is outside [0, 7]", p.Priority)
	}
	v := class<<ioPriorityClassShift | p.Priority
	return &v, nil
}

// maxCPU: affinity masks are sched_setaffinity's fixed 1024-bit cpu_set_t.
const maxCPU = 1023

func convertExecCPUAffinity(a *specs.CPUAffinity) (*configs.CPUAffinity, error) {
	if a == nil {
		return nil, nil
	}
	initial, err := parseIDList(a.Initial, maxCPU)
	if err != nil {
		return nil, configs.FieldErrorf("process.execCPUAffinity.initial", "%w", err)
	}
	final, err := parseIDList(a.Final, maxCPU)
	if err != nil {
		return nil, configs.FieldErrorf("process.execCPUAffinity.final", "%w", err)
	}
	if len(initial) == 0 && len(final) == 0 {
		return nil, nil
	}
	return &configs.CPUAffinity{Initial: initial, Final: final}, nil
}

// checkLSM refuses a profile or label the host cannot apply: running the process
// unconfined instead would drop the confinement its author asked for (runc refuses a
// selinuxLabel on a host without SELinux the same way).
func checkLSM(p *specs.Process) error {
	if p.ApparmorProfile != "" {
		if strings.ContainsAny(p.ApparmorProfile, "\n\x00") {
			return configs.FieldErrorf("process.apparmorProfile", "contains a newline or NUL")
		}
		if !host.apparmorEnabled() {
			return configs.FieldErrorf("process.apparmorProfile", "AppArmor is not enabled on this host (no /sys/kernel/security/apparmor)")
		}
	}
	if p.SelinuxLabel != "" {
		if strings.ContainsAny(p.SelinuxLabel, "\n\x00") {
			return configs.FieldErrorf("process.selinuxLabel", "contains a newline or NUL")
		}
		if !host.selinuxEnabled() {
			return configs.FieldErrorf("process.selinuxLabel", "SELinux is disabled or not supported on this host")
		}
	}
	return nil
}

// convertProcessExtras fills the Linux process settings beyond the POSIX ones.
func convertProcessExtras(p *specs.Process, out *configs.Process) error {
	if err := checkLSM(p); err != nil {
		return err
	}
	out.ApparmorProfile, out.SelinuxLabel = p.ApparmorProfile, p.SelinuxLabel
	var err error
	if out.Scheduler, err = convertScheduler(p.Scheduler); err != nil {
		return err
	}
	if out.IOPriority, err = convertIOPriority(p.IOPriority); err != nil {
		return err
	}
	out.ExecCPUAffinity, err = convertExecCPUAffinity(p.ExecCPUAffinity)
	return err
}
