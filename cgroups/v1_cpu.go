package cgroups

import (
	"errors"
	"fmt"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (d *v1Driver) setCpuset(f fsOps, r *specs.LinuxResources) error {
	if r.CPU == nil || (r.CPU.Cpus == "" && r.CPU.Mems == "") {
		return nil
	}
	c, err := d.ctl(f, "cpuset", "linux.resources.cpu.cpus/mems")
	if err != nil {
		return err
	}
	return writeCpuset(c, r.CPU)
}

func cpuAsked(c *specs.LinuxCPU) bool {
	return c != nil && (c.Shares != nil || c.Quota != nil || c.Period != nil || c.Burst != nil ||
		c.RealtimeRuntime != nil || c.RealtimePeriod != nil || c.Idle != nil)
}

func (d *v1Driver) setCPU(f fsOps, r *specs.LinuxResources) error {
	if !cpuAsked(r.CPU) {
		return nil
	}
	cpu := r.CPU
	c, err := d.ctl(f, "cpu", "linux.resources.cpu")
	if err != nil {
		return err
	}
	if idleFirst(cpu) {
		if err := writeIdle(c, cpu); err != nil {
			return err
		}
	}
	if cpu.Shares != nil && *cpu.Shares != 0 {
		if err := c.write("linux.resources.cpu.shares", "cpu.shares", u64(*cpu.Shares)); err != nil {
			return err
		}
		// The kernel clamps shares silently; say so instead of running with another value.
		got, err := c.readUint("cpu.shares")
		if err != nil {
			return err
		}
		if got != *cpu.Shares {
			return fmt.Errorf("linux.resources.cpu.shares: %d is out of the kernel's range (it stored %d)", *cpu.Shares, got)
		}
	}
	// The realtime period before the runtime: the runtime is checked against the period.
	if cpu.RealtimePeriod != nil && *cpu.RealtimePeriod != 0 {
		if err := c.write("linux.resources.cpu.realtimePeriod", "cpu.rt_period_us", u64(*cpu.RealtimePeriod)); err != nil {
			return err
		}
	}
	if cpu.RealtimeRuntime != nil && *cpu.RealtimeRuntime != 0 {
		if err := c.write("linux.resources.cpu.realtimeRuntime", "cpu.rt_runtime_us", i64(*cpu.RealtimeRuntime)); err != nil {
			return err
		}
	}
	if err := setCFS(c, cpu); err != nil {
		return err
	}
	if !idleFirst(cpu) {
		return writeIdle(c, cpu)
	}
	return nil
}

// idleFirst: the kernel refuses a weight (cpu.shares, cpu.weight) for a cgroup whose
// cpu.idle is 1, so turning idle off goes before the weight, and turning it on after.
// That way `update --cpu-idle 0 --cpu-share N` works on an idle container.
func idleFirst(cpu *specs.LinuxCPU) bool { return cpu.Idle != nil && *cpu.Idle == 0 }

func writeIdle(c cgDir, cpu *specs.LinuxCPU) error {
	if cpu.Idle == nil {
		return nil
	}
	return c.write("linux.resources.cpu.idle", "cpu.idle", i64(*cpu.Idle))
}

// setCFS writes period, quota and burst. The kernel checks each write against the values already
// there (quota/period against the parent's, burst against quota), so an order that works for one
// update fails for another: a write refused with EINVAL is retried once the others are in.
func setCFS(c cgDir, cpu *specs.LinuxCPU) error {
	type item struct{ field, file, value string }
	var todo []item
	if cpu.Period != nil && *cpu.Period != 0 {
		todo = append(todo, item{"linux.resources.cpu.period", "cpu.cfs_period_us", u64(*cpu.Period)})
	}
	if cpu.Quota != nil && *cpu.Quota != 0 {
		todo = append(todo, item{"linux.resources.cpu.quota", "cpu.cfs_quota_us", i64(*cpu.Quota)})
	}
	if cpu.Burst != nil {
		todo = append(todo, item{"linux.resources.cpu.burst", "cpu.cfs_burst_us", u64(*cpu.Burst)})
	}
	for pass := 0; len(todo) > 0; pass++ {
		var retry []item
		var lastErr error
		for _, it := range todo {
			err := c.write(it.field, it.file, it.value)
			if err == nil {
				continue
			}
			if !errors.Is(err, syscall.EINVAL) || pass == len(todo) {
				return err
			}
			retry, lastErr = append(retry, it), err
		}
		if len(retry) == len(todo) {
			return lastErr // no write went in, so another pass cannot help
		}
		todo = retry
	}
	return nil
}
