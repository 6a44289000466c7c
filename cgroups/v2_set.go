package cgroups

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// set writes linux.resources to the cgroup2 directory, converting v1-style values the way runc and
// crun do (shares to weight, memory+swap to swap, blkio to io). linux.resources.unified is written
// last, so a key there overrides the value a typed field produced.
func (d *v2Driver) set(f fsOps, r *specs.LinuxResources) error {
	c := cgDir{fs: f, dir: d.dir}
	if err := checkUnified(c, r.Unified); err != nil {
		return err
	}
	steps := []func(cgDir, *specs.LinuxResources) error{
		setCPUV2, setCpusetV2, setMemoryV2, setIOV2, setPidsV2, setHugetlbV2, setRdmaV2, setUnsupportedV2,
	}
	for _, step := range steps {
		if err := step(c, r); err != nil {
			return err
		}
	}
	if len(r.Devices) > 0 {
		if err := attachDeviceFilter(d.dir, r.Devices); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(r.Unified) {
		if err := c.write("linux.resources.unified."+k, k, r.Unified[k]); err != nil {
			return err
		}
	}
	return nil
}

func setCPUV2(c cgDir, r *specs.LinuxResources) error {
	cpu := r.CPU
	if !cpuAsked(cpu) {
		return nil
	}
	if (cpu.RealtimeRuntime != nil && *cpu.RealtimeRuntime != 0) || (cpu.RealtimePeriod != nil && *cpu.RealtimePeriod != 0) {
		return errors.New("linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no realtime group scheduling")
	}
	if idleFirst(cpu) {
		if err := writeIdle(c, cpu); err != nil {
			return err
		}
	}
	if cpu.Shares != nil && *cpu.Shares != 0 {
		if err := c.write("linux.resources.cpu.shares", "cpu.weight", u64(sharesToWeight(*cpu.Shares))); err != nil {
			return err
		}
	}
	if (cpu.Quota != nil && *cpu.Quota != 0) || (cpu.Period != nil && *cpu.Period != 0) {
		val, err := cpuMax(c, cpu)
		if err != nil {
			return err
		}
		if err := c.write("linux.resources.cpu.quota/period", "cpu.max", val); err != nil {
			return err
		}
	}
	if cpu.Burst != nil {
		if err := c.write("linux.resources.cpu.burst", "cpu.max.burst", u64(*cpu.Burst)); err != nil {
			return err
		}
	}
	if !idleFirst(cpu) {
		return writeIdle(c, cpu)
	}
	return nil
}

// cpuMax is "QUOTA PERIOD" for cpu.max; the half that is not set keeps its current value, so an
// update of the period alone does not lift the quota.
func cpuMax(c cgDir, cpu *specs.LinuxCPU) (string, error) {
	cur, err := c.read("cpu.max")
	if err != nil {
		return "", fmt.Errorf("linux.resources.cpu: %w", err)
	}
	quota, period, _ := strings.Cut(cur, " ")
	if cpu.Quota != nil && *cpu.Quota != 0 {
		quota = "max"
		if *cpu.Quota > 0 {
			quota = i64(*cpu.Quota)
		}
	}
	if cpu.Period != nil && *cpu.Period != 0 {
		period = u64(*cpu.Period)
	}
	if period == "" {
		return quota, nil
	}
	return quota + " " + period, nil
}

// sharesToWeight maps cgroup v1 cpu.shares [2, 262144] onto cpu.weight [1, 10000] along the curve
// the current runc and crun use, which keeps the defaults aligned (1024 -> 100) and is monotonic:
// weight = 10^((log2(shares)^2 + 125*log2(shares)) / 612 - 7/34).
func sharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares <= 2 {
		return 1
	}
	if shares >= 262144 {
		return 10000
	}
	l := math.Log2(float64(shares))
	w := math.Ceil(math.Pow(10, (l*l+125*l)/612.0-7.0/34.0))
	return uint64(min(max(w, 1), 10000))
}

func setCpusetV2(c cgDir, r *specs.LinuxResources) error {
	if r.CPU == nil {
		return nil
	}
	return writeCpuset(c, r.CPU)
}

// swapV2 converts runtime-spec's swap (memory plus swap, v1's memsw) into memory.swap.max (swap
// alone); 0 means leave as is, -1 unlimited.
func swapV2(swap, limit int64) (int64, error) {
	switch {
	case limit == -1 && swap == 0:
		return -1, nil // unlimited memory with swap unset: unlimited swap too, as on v1
	case swap == -1 || swap == 0:
		return swap, nil
	case limit == 0 || limit == -1:
		return 0, errors.New("linux.resources.memory.swap: a swap limit needs a memory limit")
	case swap < limit:
		return 0, fmt.Errorf("linux.resources.memory.swap: %d is below the memory limit %d (it counts memory plus swap)", swap, limit)
	}
	return swap - limit, nil
}

func maxOr(v int64) string {
	if v < 0 {
		return "max"
	}
	return i64(v)
}

func setMemoryV2(c cgDir, r *specs.LinuxResources) error {
	mem := r.Memory
	if !memoryAsked(mem) {
		return nil
	}
	var limit, swap int64
	if mem.Limit != nil {
		limit = *mem.Limit
	}
	if mem.Swap != nil {
		swap = *mem.Swap
	}
	swapMax, err := swapV2(swap, limit)
	if err != nil {
		return err
	}
	if mem.KernelTCP != nil && *mem.KernelTCP != 0 {
		return errors.New("linux.resources.memory.kernelTCP: cgroup v2 has no kernel TCP memory limit")
	}
	if mem.Swappiness != nil && int64(*mem.Swappiness) != -1 {
		return errors.New("linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness")
	}
	if mem.DisableOOMKiller != nil && *mem.DisableOOMKiller {
		return errors.New("linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer")
	}
	if mem.UseHierarchy != nil && !*mem.UseHierarchy {
		return errors.New("linux.resources.memory.useHierarchy: cgroup v2 is always hierarchical")
	}
	if limit > 0 && mem.CheckBeforeUpdate != nil && *mem.CheckBeforeUpdate {
		if cur, err := c.readUint("memory.current"); err == nil && uint64(limit) < cur {
			return fmt.Errorf("linux.resources.memory.limit: %d is below the current usage %d", limit, cur)
		}
	}
	// swap.max before memory.max: the two are independent on v2, but a missing swap controller
	// (swapaccount=0) should fail before anything changed.
	if swapMax != 0 {
		err := c.write("linux.resources.memory.swap", "memory.swap.max", maxOr(swapMax))
		if isMissingFile(err) && swapMax == -1 {
			err = nil // nothing to lift where swap is not accounted
		}
		if err != nil {
			return err
		}
	}
	if limit != 0 {
		if err := c.write("linux.resources.memory.limit", "memory.max", maxOr(limit)); err != nil {
			return err
		}
	}
	if mem.Reservation != nil && *mem.Reservation != 0 {
		if err := c.write("linux.resources.memory.reservation", "memory.low", maxOr(*mem.Reservation)); err != nil {
			return err
		}
	}
	return nil
}

// blkioWeightToIO maps a blkio weight [10, 1000] onto io.weight [1, 10000] linearly, as runc does.
func blkioWeightToIO(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	return 1 + (uint64(w)-10)*9999/990
}

func setIOV2(c cgDir, r *specs.LinuxResources) error {
	b := r.BlockIO
	if !blkioAsked(b) {
		return nil
	}
	if b.LeafWeight != nil && *b.LeafWeight != 0 {
		return errors.New("linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weight")
	}
	// BFQ's io.bfq.weight takes the blkio range as it is; io.weight (the io controller's own) the
	// converted one.
	weight := func(field, dev string, w uint16) error {
		prefix := ""
		if dev != "" {
			prefix = dev + " "
		}
		err := c.write(field, "io.bfq.weight", prefix+u64(uint64(w)))
		if err == nil || !isMissingFile(err) {
			return err
		}
		return c.write(field, "io.weight", prefix+u64(blkioWeightToIO(w)))
	}
	if b.Weight != nil && *b.Weight != 0 {
		if err := weight("linux.resources.blockIO.weight", "", *b.Weight); err != nil {
			return err
		}
	}
	for i, wd := range b.WeightDevice {
		if wd.LeafWeight != nil && *wd.LeafWeight != 0 {
			return fmt.Errorf("linux.resources.blockIO.weightDevice[%d].leafWeight: cgroup v2 has no leaf weight", i)
		}
		if wd.Weight != nil {
			if err := weight(fmt.Sprintf("linux.resources.blockIO.weightDevice[%d].weight", i), blkioDev(wd.LinuxBlockIODevice), *wd.Weight); err != nil {
				return err
			}
		}
	}
	for _, l := range ioMaxLines(b) {
		if err := c.write(l.field, "io.max", l.value); err != nil {
			return err
		}
	}
	return nil
}

// ioMaxLines are io.max writes: one "MAJ:MIN key=rate" per throttle entry.
func ioMaxLines(b *specs.LinuxBlockIO) []fileWrite {
	var out []fileWrite
	for _, t := range []struct {
		field, key string
		list       []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", "rbps", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "wbps", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "riops", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "wiops", b.ThrottleWriteIOPSDevice},
	} {
		for i, d := range t.list {
			rate := u64(d.Rate)
			if d.Rate == 0 {
				rate = "max" // runc: 0 lifts the limit
			}
			out = append(out, fileWrite{fmt.Sprintf("linux.resources.blockIO.%s[%d]", t.field, i), "io.max",
				blkioDev(d.LinuxBlockIODevice) + " " + t.key + "=" + rate})
		}
	}
	return out
}

func setPidsV2(c cgDir, r *specs.LinuxResources) error {
	if r.Pids == nil || r.Pids.Limit == nil {
		return nil
	}
	return c.write("linux.resources.pids.limit", "pids.max", pidsMax(*r.Pids.Limit))
}

func setHugetlbV2(c cgDir, r *specs.LinuxResources) error {
	for i, l := range r.HugepageLimits {
		field := fmt.Sprintf("linux.resources.hugepageLimits[%d]", i)
		if err := checkPageSize(c.fs, field, l.Pagesize); err != nil {
			return err
		}
		if err := c.write(field, "hugetlb."+l.Pagesize+".rsvd.max", u64(l.Limit)); err != nil && !isMissingFile(err) {
			return err
		}
		if err := c.write(field, "hugetlb."+l.Pagesize+".max", u64(l.Limit)); err != nil {
			return err
		}
	}
	return nil
}

func setRdmaV2(c cgDir, r *specs.LinuxResources) error {
	for _, line := range rdmaLines(r.Rdma) {
		if err := c.write("linux.resources.rdma."+line.dev, "rdma.max", line.value); err != nil {
			return err
		}
	}
	return nil
}

// setUnsupportedV2 refuses the v1-only controllers rather than dropping the request silently.
func setUnsupportedV2(_ cgDir, r *specs.LinuxResources) error {
	if r.Network != nil && (r.Network.ClassID != nil || len(r.Network.Priorities) > 0) {
		return errors.New("linux.resources.network: net_cls and net_prio are cgroup v1 controllers; cgroup v2 has neither")
	}
	return nil
}

// checkUnified validates linux.resources.unified: each key must be a plain control-file name of a
// controller this cgroup has (a key like "../x" or "cgroup.procs" must never reach a write).
func checkUnified(c cgDir, unified map[string]string) error {
	if len(unified) == 0 {
		return nil
	}
	var available map[string]bool
	for _, k := range sortedKeys(unified) {
		field := "linux.resources.unified." + k
		if k == "" || strings.ContainsAny(k, "/\x00") || k == "." || k == ".." {
			return fmt.Errorf("linux.resources.unified: key %q is not a control file name", k)
		}
		ctrl, rest, ok := strings.Cut(k, ".")
		if !ok || ctrl == "" || rest == "" {
			return fmt.Errorf("%s: not in the controller.file form", field)
		}
		if ctrl == "cgroup" {
			if !unifiedCgroupFiles[k] {
				return fmt.Errorf("%s: only cgroup.max.depth and cgroup.max.descendants may be set", field)
			}
			continue
		}
		if available == nil {
			s, err := c.read("cgroup.controllers")
			if err != nil {
				return fmt.Errorf("%s: %w", field, err)
			}
			available = map[string]bool{}
			for _, n := range strings.Fields(s) {
				available[n] = true
			}
		}
		if !available[ctrl] {
			return fmt.Errorf("%s: the %s controller is not available to this cgroup", field, ctrl)
		}
		if strings.ContainsAny(unified[k], "\x00") {
			return fmt.Errorf("%s: value contains a NUL byte", field)
		}
	}
	return nil
}

// unifiedCgroupFiles are the core cgroup files a config may set; cgroup.procs, subtree_control,
// type, freeze and the like belong to the runtime.
var unifiedCgroupFiles = map[string]bool{"cgroup.max.depth": true, "cgroup.max.descendants": true}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
