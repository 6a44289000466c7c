package cgroups

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
)

// userHZ is the unit of cpuacct.stat (USER_HZ, 100 on every Linux architecture that matters).
const userHZ = 100

// stats reads every mounted controller that has counters; a file the kernel lacks leaves its
// numbers at zero, as a stats reader must not fail on an older kernel.
func (d *v1Driver) stats(f fsOps) (*Stats, error) {
	s := &Stats{}
	for _, h := range d.hierarchies {
		c := cgDir{fs: f, dir: h.dir}
		for _, name := range h.controllers {
			var err error
			switch name {
			case "cpu":
				err = cpuThrottlingV1(c, s)
			case "cpuacct":
				err = cpuacctV1(c, s)
				if err == nil {
					// Best effort: older kernels lack cpuacct.usage_all.
					cpuacctPerCPUV1(c, s)
				}
			case "cpuset":
				err = cpusetStatsV1(c, s)
			case "memory":
				err = memoryStatsV1(c, s)
			case "pids":
				err = pidsStats(c, s)
			case "blkio":
				err = blkioStatsV1(c, s)
			case "hugetlb":
				err = hugetlbStats(f, c, s, "limit_in_bytes", "max_usage_in_bytes", "usage_in_bytes")
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	return s, nil
}

func cpuThrottlingV1(c cgDir, s *Stats) error {
	kv, err := c.readKeyed("cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_time"]}
	return nil
}

func cpuacctV1(c cgDir, s *Stats) error {
	total, err := c.readUint("cpuacct.usage")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = total
	if per, err := c.read("cpuacct.usage_percpu"); err == nil {
		for _, f := range strings.Fields(per) {
			v, _ := strconv.ParseUint(f, 10, 64)
			s.CPU.Usage.Percpu = append(s.CPU.Usage.Percpu, v)
		}
	}
	if kv, err := c.readKeyed("cpuacct.stat"); err == nil {
		s.CPU.Usage.User = kv["user"] * (1e9 / userHZ)
		s.CPU.Usage.Kernel = kv["system"] * (1e9 / userHZ)
	}
	return nil
}

func memoryStatsV1(c cgDir, s *Stats) error {
	raw, err := c.readKeyed("memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["cache"]
	entry := func(prefix string) MemoryEntry {
		var e MemoryEntry
		e.Usage, _ = c.readUint(prefix + "usage_in_bytes")
		e.Max, _ = c.readUint(prefix + "max_usage_in_bytes")
		e.Failcnt, _ = c.readUint(prefix + "failcnt")
		e.Limit, _ = c.readUint(prefix + "limit_in_bytes")
		return e
	}
	s.Memory.Usage = entry("memory.")
	s.Memory.Swap = entry("memory.memsw.")
	s.Memory.Kernel = entry("memory.kmem.")
	s.Memory.KernelTCP = entry("memory.kmem.tcp.")
	return nil
}

func pidsStats(c cgDir, s *Stats) error {
	cur, err := c.readUint("pids.current")
	if err != nil {
		return err
	}
	s.Pids.Current = cur
	s.Pids.Limit, _ = c.readUint("pids.max")
	return nil
}

// blkioStatsV1 reads the throttle counters, which every kernel keeps whatever the I/O scheduler.
func blkioStatsV1(c cgDir, s *Stats) error {
	bytes, err := c.read("blkio.throttle.io_service_bytes_recursive")
	if err != nil {
		return err
	}
	s.Blkio.IoServiceBytesRecursive = parseBlkio(bytes)
	if ios, err := c.read("blkio.throttle.io_serviced_recursive"); err == nil {
		s.Blkio.IoServicedRecursive = parseBlkio(ios)
	}
	return nil
}

// parseBlkio reads "MAJ:MIN Op Value" lines; the "Total" summary line has no device and is skipped.
func parseBlkio(text string) []BlkioEntry {
	var out []BlkioEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			continue
		}
		e := BlkioEntry{Op: f[1]}
		e.Major, _ = strconv.ParseUint(maj, 10, 64)
		e.Minor, _ = strconv.ParseUint(min, 10, 64)
		e.Value, _ = strconv.ParseUint(f[2], 10, 64)
		out = append(out, e)
	}
	return out
}

// hugetlbStats reads the per-page-size files, named differently on v1 and v2.
func hugetlbStats(f fsOps, c cgDir, s *Stats, limitFile, maxFile, usageFile string) error {
	sizes, err := hugePageSizes(f)
	if err != nil {
		return nil // no huge pages on this host: nothing to report
	}
	for _, size := range sizes {
		p := "hugetlb." + size + "."
		var h HugetlbStats
		if h.Usage, err = c.readUint(p + usageFile); err != nil {
			return err
		}
		if maxFile != "" {
			h.Max, _ = c.readUint(p + maxFile)
		}
		if limitFile == "limit_in_bytes" {
			h.Failcnt, _ = c.readUint(p + "failcnt")
		} else if ev, err := c.readKeyed(p + "events"); err == nil {
			h.Failcnt = ev["max"]
		}
		if s.Hugetlb == nil {
			s.Hugetlb = map[string]HugetlbStats{}
		}
		s.Hugetlb[size] = h
	}
	return nil
}
