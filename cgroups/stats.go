package cgroups

// Stats is what `berth events` reports under "data". The JSON names are runc's, since tools parse
// `runc events` output.
type Stats struct {
	CPU    CPUStats    `json:"cpu"`
	CPUSet CPUSetStats `json:"cpuset"`
	Memory MemoryStats `json:"memory"`
	Pids   PidsStats   `json:"pids"`
	Blkio  BlkioStats  `json:"blkio"`
	// Hugetlb is keyed by page size; runc prints {} when there is none.
	Hugetlb map[string]HugetlbStats `json:"hugetlb"`
}

// CPUStats: times in nanoseconds.
type CPUStats struct {
	Usage      CPUUsage   `json:"usage"`
	Throttling Throttling `json:"throttling"`
	PSI        *PSIStats  `json:"psi,omitempty"`
}

type CPUUsage struct {
	Total  uint64   `json:"total,omitempty"`
	Percpu []uint64 `json:"percpu,omitempty"`
	// Per CPU in kernel and user mode (cgroup v1's cpuacct.usage_all; v2 has no per-CPU split).
	PercpuKernel []uint64 `json:"percpu_kernel,omitempty"`
	PercpuUser   []uint64 `json:"percpu_user,omitempty"`
	Kernel       uint64   `json:"kernel"`
	User         uint64   `json:"user"`
}

// CPUSetStats: the cpuset a container's tasks run in. On cgroup v2 only the effective CPUs and
// memory nodes exist (the flags are v1's).
type CPUSetStats struct {
	CPUs                  []uint16 `json:"cpus,omitempty"`
	CPUExclusive          uint64   `json:"cpu_exclusive"`
	Mems                  []uint16 `json:"mems,omitempty"`
	MemHardwall           uint64   `json:"mem_hardwall"`
	MemExclusive          uint64   `json:"mem_exclusive"`
	MemoryMigrate         uint64   `json:"memory_migrate"`
	MemorySpreadPage      uint64   `json:"memory_spread_page"`
	MemorySpreadSlab      uint64   `json:"memory_spread_slab"`
	MemoryPressure        uint64   `json:"memory_pressure"`
	SchedLoadBalance      uint64   `json:"sched_load_balance"`
	SchedRelaxDomainLevel int64    `json:"sched_relax_domain_level"`
}

// PSIStats is a cgroup v2 *.pressure file: the share of time some (or all) tasks stalled.
type PSIStats struct {
	Some PSIData `json:"some"`
	Full PSIData `json:"full"`
}

// PSIData: averages in percent over 10, 60 and 300 seconds; total stall time in µs.
type PSIData struct {
	Avg10  float64 `json:"avg10"`
	Avg60  float64 `json:"avg60"`
	Avg300 float64 `json:"avg300"`
	Total  uint64  `json:"total"`
}

type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"`
	ThrottledTime    uint64 `json:"throttledTime,omitempty"`
}

type MemoryStats struct {
	Cache     uint64            `json:"cache,omitempty"`
	Usage     MemoryEntry       `json:"usage"`
	Swap      MemoryEntry       `json:"swap"`
	Kernel    MemoryEntry       `json:"kernel"`
	KernelTCP MemoryEntry       `json:"kernelTCP"`
	Raw       map[string]uint64 `json:"raw,omitempty"`
	PSI       *PSIStats         `json:"psi,omitempty"`
}

// MemoryEntry: Limit 0 means unlimited.
type MemoryEntry struct {
	Limit   uint64 `json:"limit"`
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

// PidsStats: Limit 0 means unlimited.
type PidsStats struct {
	Current uint64 `json:"current,omitempty"`
	Limit   uint64 `json:"limit,omitempty"`
}

type BlkioStats struct {
	IoServiceBytesRecursive []BlkioEntry `json:"ioServiceBytesRecursive,omitempty"`
	IoServicedRecursive     []BlkioEntry `json:"ioServicedRecursive,omitempty"`
	PSI                     *PSIStats    `json:"psi,omitempty"`
}

type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"`
	Minor uint64 `json:"minor,omitempty"`
	Op    string `json:"op,omitempty"`
	Value uint64 `json:"value,omitempty"`
}

type HugetlbStats struct {
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

func (m *manager) Stats() (*Stats, error) {
	var s *Stats
	var err error
	switch {
	case m.v1 != nil:
		s, err = m.v1.stats(m.fs)
	case m.v2 != nil:
		s, err = m.v2.stats(m.fs)
	default:
		s = &Stats{}
	}
	if s != nil && s.Hugetlb == nil {
		s.Hugetlb = map[string]HugetlbStats{}
	}
	return s, err
}

func (m *manager) OOMKills() (uint64, error) {
	if m.v1 != nil {
		for _, h := range m.v1.hierarchies {
			if h.has("memory") {
				kv, err := cgDir{fs: m.fs, dir: h.dir}.readKeyed("memory.oom_control")
				if err != nil {
					return 0, err
				}
				return kv["oom_kill"], nil
			}
		}
		return 0, nil
	}
	if m.v2 != nil {
		kv, err := cgDir{fs: m.fs, dir: m.v2.dir}.readKeyed("memory.events")
		if err != nil {
			return 0, err
		}
		return kv["oom_kill"], nil
	}
	return 0, nil
}
