package cgroups

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
)

// stats reads the cgroup2 counters into runc's v1-shaped record (runc does the same mapping, so
// consumers see one format): µs become ns, io.stat becomes blkio entries, swap includes memory.
func (d *v2Driver) stats(f fsOps) (*Stats, error) {
	c := cgDir{fs: f, dir: d.dir}
	s := &Stats{}
	for _, read := range []func(cgDir, *Stats) error{cpuStatsV2, cpusetStatsV2, memoryStatsV2, pidsStats, ioStatsV2, psiStatsV2} {
		if err := read(c, s); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if err := hugetlbStats(f, c, s, "max", "", "current"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return s, nil
}

func cpuStatsV2(c cgDir, s *Stats) error {
	kv, err := c.readKeyed("cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = kv["usage_usec"] * 1000
	s.CPU.Usage.User = kv["user_usec"] * 1000
	s.CPU.Usage.Kernel = kv["system_usec"] * 1000
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_usec"] * 1000}
	return nil
}

func memoryStatsV2(c cgDir, s *Stats) error {
	raw, err := c.readKeyed("memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw = raw
	s.Memory.Cache = raw["file"]
	s.Memory.Usage.Usage, _ = c.readUint("memory.current")
	s.Memory.Usage.Limit, _ = c.readUint("memory.max")
	s.Memory.Usage.Max, _ = c.readUint("memory.peak")
	if ev, err := c.readKeyed("memory.events"); err == nil {
		s.Memory.Usage.Failcnt = ev["max"]
	}
	if swap, err := c.readUint("memory.swap.current"); err == nil {
		s.Memory.Swap.Usage = swap + s.Memory.Usage.Usage
		if lim, err := c.readUint("memory.swap.max"); err == nil && lim != 0 && s.Memory.Usage.Limit != 0 {
			s.Memory.Swap.Limit = lim + s.Memory.Usage.Limit
		}
	}
	return nil
}

// ioStatsV2 turns "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." lines into Read/Write entries.
func ioStatsV2(c cgDir, s *Stats) error {
	text, err := c.read("io.stat")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		maj, min, ok := strings.Cut(f[0], ":")
		if !ok {
			continue
		}
		e := BlkioEntry{}
		e.Major, _ = strconv.ParseUint(maj, 10, 64)
		e.Minor, _ = strconv.ParseUint(min, 10, 64)
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseUint(v, 10, 64)
			ent := e
			ent.Value = n
			switch k {
			case "rbytes":
				ent.Op = "Read"
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, ent)
			case "wbytes":
				ent.Op = "Write"
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, ent)
			case "rios":
				ent.Op = "Read"
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, ent)
			case "wios":
				ent.Op = "Write"
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, ent)
			}
		}
	}
	return nil
}
