package cgroups

import (
	"errors"
	"fmt"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const (
	v1MemLimit = "memory.limit_in_bytes"
	v1MemSwap  = "memory.memsw.limit_in_bytes"
)

func memoryAsked(m *specs.LinuxMemory) bool {
	return m != nil && (m.Limit != nil || m.Reservation != nil || m.Swap != nil || m.KernelTCP != nil ||
		m.Swappiness != nil || m.DisableOOMKiller != nil || m.UseHierarchy != nil)
}

func (d *v1Driver) setMemory(f fsOps, r *specs.LinuxResources) error {
	mem := r.Memory
	if !memoryAsked(mem) {
		return nil
	}
	c, err := d.ctl(f, "memory", "linux.resources.memory")
	if err != nil {
		return err
	}
	// use_hierarchy can only change while the cgroup has no children: first.
	if mem.UseHierarchy != nil {
		if err := c.write("linux.resources.memory.useHierarchy", "memory.use_hierarchy", boolDigit(*mem.UseHierarchy)); err != nil {
			return err
		}
	}
	if err := setLimitAndSwap(c, mem); err != nil {
		return err
	}
	if mem.Reservation != nil && *mem.Reservation != 0 {
		if err := c.write("linux.resources.memory.reservation", "memory.soft_limit_in_bytes", i64(*mem.Reservation)); err != nil {
			return err
		}
	}
	if mem.KernelTCP != nil && *mem.KernelTCP != 0 {
		if err := c.write("linux.resources.memory.kernelTCP", "memory.kmem.tcp.limit_in_bytes", i64(*mem.KernelTCP)); err != nil {
			return err
		}
	}
	if mem.Swappiness != nil {
		// runc's convention: -1 (as a uint64, all ones) leaves the inherited value.
		if int64(*mem.Swappiness) != -1 {
			if *mem.Swappiness > 100 {
				return fmt.Errorf("linux.resources.memory.swappiness: %d is out of range 0-100", *mem.Swappiness)
			}
			if err := c.write("linux.resources.memory.swappiness", "memory.swappiness", u64(*mem.Swappiness)); err != nil {
				return err
			}
		}
	}
	if mem.DisableOOMKiller != nil && *mem.DisableOOMKiller {
		if err := c.write("linux.resources.memory.disableOOMKiller", "memory.oom_control", "1"); err != nil {
			return err
		}
	}
	return nil
}

// setLimitAndSwap writes memory.limit_in_bytes and memory.memsw.limit_in_bytes (memory plus swap)
// in the order the kernel accepts: memsw may never be below the memory limit, so when the new memsw
// is above the current memory limit (or unlimited) it goes first, otherwise the memory limit does.
func setLimitAndSwap(c cgDir, mem *specs.LinuxMemory) error {
	var limit, swap int64
	if mem.Limit != nil {
		limit = *mem.Limit
	}
	if mem.Swap != nil {
		swap = *mem.Swap
	}
	// Unlimited memory with swap left unset means unlimited swap too (where swap is accounted).
	if limit == -1 && swap == 0 {
		if _, err := c.read(v1MemSwap); err == nil {
			swap = -1
		}
	}
	writeLimit := func() error {
		if limit == 0 {
			return nil
		}
		err := c.write("linux.resources.memory.limit", v1MemLimit, i64(limit))
		if errors.Is(err, syscall.EBUSY) {
			usage, _ := c.read("memory.usage_in_bytes")
			return fmt.Errorf("linux.resources.memory.limit: %d is below the container's current usage (%s bytes)", limit, usage)
		}
		return err
	}
	writeSwap := func() error {
		if swap == 0 {
			return nil
		}
		if err := c.write("linux.resources.memory.swap", v1MemSwap, i64(swap)); err != nil {
			if isMissingFile(err) {
				return fmt.Errorf("linux.resources.memory.swap: swap accounting is off on this host (no %s)", v1MemSwap)
			}
			return err
		}
		return nil
	}
	if limit != 0 && swap != 0 {
		cur, err := c.readUint(v1MemLimit)
		if err != nil {
			return err
		}
		if swap == -1 || cur < uint64(swap) {
			if err := writeSwap(); err != nil {
				return err
			}
			return writeLimit()
		}
	}
	if err := writeLimit(); err != nil {
		return err
	}
	return writeSwap()
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
