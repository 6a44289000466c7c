package libcontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Update changes a live container's limits: the fields set (non-nil, non-zero) in r replace the
// stored ones, the merged limits are written to the cgroups, and state.json keeps them. Device rules
// are not part of an update (runc's update cannot change them either), so they are not rewritten.
// rdt's schemas go to the container's resctrl group; they are checked before anything changes.
func (s Store) Update(id string, r *specs.LinuxResources, rdt RdtSchemas) error {
	var rdtRoot string
	if !rdt.empty() {
		var err error
		if rdtRoot, err = resctrlRoot(); err != nil {
			return err
		}
		if err := checkRdtHost(rdt, rdtRoot); err != nil {
			return err
		}
	}
	return s.withContainer(id, func(st *State) error {
		if s.Status(st) == specs.StateStopped {
			return fmt.Errorf("container %q is not running", id)
		}
		if st.Config == nil {
			return fmt.Errorf("container %q has no saved config", id)
		}
		if !rdt.empty() {
			if err := checkRdtConfig(st.Config.IntelRdt); err != nil {
				return err
			}
		}
		merged := MergeResources(st.Config.Resources, r)
		apply := *merged
		apply.Devices = nil
		if err := cgroups.Load(st.Cgroup).Set(&apply); err != nil {
			return fmt.Errorf("update %q: %w", id, err)
		}
		st.Config.Resources = merged
		if !rdt.empty() {
			updated, err := updateRdtGroup(rdtRoot, id, st.Config.IntelRdt, rdt)
			if err != nil {
				return fmt.Errorf("update %q: linux.intelRdt: %w", id, err)
			}
			st.Config.IntelRdt = updated
		}
		return s.Save(st)
	})
}

// MergeResources returns a copy of old with every field that upd sets replacing old's. A zero
// number counts as unset, as in runc, because `runc update` callers send zeros for "no change".
func MergeResources(old, upd *specs.LinuxResources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	if old != nil {
		cp := *old
		out = &cp
		if old.Memory != nil {
			m := *old.Memory
			out.Memory = &m
		}
		if old.CPU != nil {
			c := *old.CPU
			out.CPU = &c
		}
		if old.Pids != nil {
			p := *old.Pids
			out.Pids = &p
		}
		if old.BlockIO != nil {
			b := *old.BlockIO
			out.BlockIO = &b
		}
		if old.Unified != nil {
			out.Unified = map[string]string{}
			for k, v := range old.Unified {
				out.Unified[k] = v
			}
		}
	}
	if upd == nil {
		return out
	}
	if m := upd.Memory; m != nil {
		if out.Memory == nil {
			out.Memory = &specs.LinuxMemory{}
		}
		setI64(&out.Memory.Limit, m.Limit)
		setI64(&out.Memory.Reservation, m.Reservation)
		setI64(&out.Memory.Swap, m.Swap)
		setI64(&out.Memory.Kernel, m.Kernel)
		setI64(&out.Memory.KernelTCP, m.KernelTCP)
		if m.Swappiness != nil {
			out.Memory.Swappiness = m.Swappiness
		}
		if m.CheckBeforeUpdate != nil {
			out.Memory.CheckBeforeUpdate = m.CheckBeforeUpdate
		}
	}
	if c := upd.CPU; c != nil {
		if out.CPU == nil {
			out.CPU = &specs.LinuxCPU{}
		}
		setU64(&out.CPU.Shares, c.Shares)
		setI64(&out.CPU.Quota, c.Quota)
		setU64(&out.CPU.Period, c.Period)
		setU64(&out.CPU.Burst, c.Burst)
		setI64(&out.CPU.RealtimeRuntime, c.RealtimeRuntime)
		setU64(&out.CPU.RealtimePeriod, c.RealtimePeriod)
		if c.Idle != nil {
			out.CPU.Idle = c.Idle
		}
		if c.Cpus != "" {
			out.CPU.Cpus = c.Cpus
		}
		if c.Mems != "" {
			out.CPU.Mems = c.Mems
		}
	}
	// A pids limit of 0 is a limit (runtime-spec; runc 1.4+), not "no change".
	if p := upd.Pids; p != nil && p.Limit != nil {
		out.Pids = &specs.LinuxPids{Limit: p.Limit}
	}
	if b := upd.BlockIO; b != nil {
		if out.BlockIO == nil {
			out.BlockIO = &specs.LinuxBlockIO{}
		}
		if b.Weight != nil && *b.Weight != 0 {
			out.BlockIO.Weight = b.Weight
		}
		if b.LeafWeight != nil && *b.LeafWeight != 0 {
			out.BlockIO.LeafWeight = b.LeafWeight
		}
		if len(b.WeightDevice) > 0 {
			out.BlockIO.WeightDevice = b.WeightDevice
		}
		if len(b.ThrottleReadBpsDevice) > 0 {
			out.BlockIO.ThrottleReadBpsDevice = b.ThrottleReadBpsDevice
		}
		if len(b.ThrottleWriteBpsDevice) > 0 {
			out.BlockIO.ThrottleWriteBpsDevice = b.ThrottleWriteBpsDevice
		}
		if len(b.ThrottleReadIOPSDevice) > 0 {
			out.BlockIO.ThrottleReadIOPSDevice = b.ThrottleReadIOPSDevice
		}
		if len(b.ThrottleWriteIOPSDevice) > 0 {
			out.BlockIO.ThrottleWriteIOPSDevice = b.ThrottleWriteIOPSDevice
		}
	}
	if len(upd.HugepageLimits) > 0 {
		out.HugepageLimits = upd.HugepageLimits
	}
	if upd.Network != nil {
		out.Network = upd.Network
	}
	if len(upd.Rdma) > 0 {
		out.Rdma = upd.Rdma
	}
	if len(upd.Unified) > 0 {
		if out.Unified == nil {
			out.Unified = map[string]string{}
		}
		for k, v := range upd.Unified {
			out.Unified[k] = v
		}
	}
	return out
}

func setI64(dst **int64, v *int64) {
	if v != nil && *v != 0 {
		x := *v
		*dst = &x
	}
}

func setU64(dst **uint64, v *uint64) {
	if v != nil && *v != 0 {
		x := *v
		*dst = &x
	}
}
