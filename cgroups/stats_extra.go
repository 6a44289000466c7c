package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"syscall"
)

// cpuacctPerCPUV1 reads cpuacct.usage_all ("cpu user system" per line, in ns) into the
// per-CPU user and kernel times.
func cpuacctPerCPUV1(c cgDir, s *Stats) error {
	text, err := c.read("cpuacct.usage_all")
	if err != nil {
		return err
	}
	kernel, user, err := parseUsageAll(text)
	if err != nil {
		return fmt.Errorf("%s/cpuacct.usage_all: %w", c.dir, err)
	}
	s.CPU.Usage.PercpuKernel, s.CPU.Usage.PercpuUser = kernel, user
	return nil
}

// parseUsageAll: a header line, then "N user system" with CPUs in order. Some patched
// kernels add columns; only the first three count.
func parseUsageAll(text string) (kernel, user []uint64, err error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "cpu") {
		return nil, nil, errors.New("no header line")
	}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) < 3 {
			return nil, nil, fmt.Errorf("malformed line %q", line)
		}
		u, err1 := strconv.ParseUint(f[1], 10, 64)
		k, err2 := strconv.ParseUint(f[2], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, fmt.Errorf("malformed line %q: %w", line, err)
		}
		user, kernel = append(user, u), append(kernel, k)
	}
	return kernel, user, nil
}

// cpusetStatsV1 reads the cpuset hierarchy's files; a flag the kernel lacks stays 0.
func cpusetStatsV1(c cgDir, s *Stats) error {
	if err := cpusetLists(c, s, "cpuset.cpus", "cpuset.mems"); err != nil {
		return err
	}
	for file, dst := range map[string]*uint64{
		"cpuset.cpu_exclusive":      &s.CPUSet.CPUExclusive,
		"cpuset.mem_hardwall":       &s.CPUSet.MemHardwall,
		"cpuset.mem_exclusive":      &s.CPUSet.MemExclusive,
		"cpuset.memory_migrate":     &s.CPUSet.MemoryMigrate,
		"cpuset.memory_spread_page": &s.CPUSet.MemorySpreadPage,
		"cpuset.memory_spread_slab": &s.CPUSet.MemorySpreadSlab,
		"cpuset.memory_pressure":    &s.CPUSet.MemoryPressure,
		"cpuset.sched_load_balance": &s.CPUSet.SchedLoadBalance,
	} {
		*dst, _ = c.readUint(file)
	}
	if v, err := c.read("cpuset.sched_relax_domain_level"); err == nil {
		s.CPUSet.SchedRelaxDomainLevel, _ = strconv.ParseInt(v, 10, 64)
	}
	return nil
}

// cpusetStatsV2: the CPUs and memory nodes the cgroup's tasks may use (the effective
// files, which also hold when the cpuset controller is not enabled for the cgroup).
func cpusetStatsV2(c cgDir, s *Stats) error {
	return cpusetLists(c, s, "cpuset.cpus.effective", "cpuset.mems.effective")
}

// cpusetLists reads the CPU list (required) and the memory node list (when the kernel
// has the file) of either version.
func cpusetLists(c cgDir, s *Stats, cpusFile, memsFile string) error {
	cpus, err := c.read(cpusFile)
	if err != nil {
		return err
	}
	if s.CPUSet.CPUs, err = parseCPUList(cpus); err != nil {
		return fmt.Errorf("%s/%s: %w", c.dir, cpusFile, err)
	}
	if mems, err := c.read(memsFile); err == nil {
		if s.CPUSet.Mems, err = parseCPUList(mems); err != nil {
			return fmt.Errorf("%s/%s: %w", c.dir, memsFile, err)
		}
	}
	return nil
}

// parseCPUList reads the kernel's list format ("0-3,7"; empty for none).
func parseCPUList(s string) ([]uint16, error) {
	var out []uint16
	if s = strings.TrimSpace(s); s == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("bad list %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("bad list %q", s)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, uint16(i))
		}
	}
	return out, nil
}

// psiStatsV2 reads the cpu, memory and io pressure files (Linux 4.20, CONFIG_PSI). A kernel
// without PSI, or booted with psi=0 (EOPNOTSUPP on read), leaves them out.
func psiStatsV2(c cgDir, s *Stats) error {
	for file, dst := range map[string]**PSIStats{
		"cpu.pressure": &s.CPU.PSI, "memory.pressure": &s.Memory.PSI, "io.pressure": &s.Blkio.PSI,
	} {
		text, err := c.read(file)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.EOPNOTSUPP) {
			continue
		}
		if err != nil {
			return err
		}
		psi, err := parsePSI(text)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", c.dir, file, err)
		}
		*dst = psi
	}
	return nil
}

// parsePSI reads "some avg10=0.12 avg60=0.05 avg300=0.01 total=12345" and the "full" line.
func parsePSI(text string) (*PSIStats, error) {
	out := &PSIStats{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		var d *PSIData
		switch f[0] {
		case "some":
			d = &out.Some
		case "full":
			d = &out.Full
		default:
			return nil, fmt.Errorf("unknown line %q", line)
		}
		for _, kv := range f[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return nil, fmt.Errorf("malformed field %q", kv)
			}
			var err error
			switch k {
			case "avg10":
				d.Avg10, err = strconv.ParseFloat(v, 64)
			case "avg60":
				d.Avg60, err = strconv.ParseFloat(v, 64)
			case "avg300":
				d.Avg300, err = strconv.ParseFloat(v, 64)
			case "total":
				d.Total, err = strconv.ParseUint(v, 10, 64)
			}
			if err != nil {
				return nil, fmt.Errorf("malformed field %q", kv)
			}
		}
	}
	return out, nil
}
