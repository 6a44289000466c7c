package cgroups

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	sd "github.com/coreos/go-systemd/v22/dbus"
	godbus "github.com/godbus/dbus/v5"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// systemdTimeout bounds every D-Bus exchange with systemd and the wait for its jobs.
const systemdTimeout = 30 * time.Second

// SystemdState is what Load needs to find the container's transient unit again.
type SystemdState struct {
	Unit  string `json:"unit"`
	Slice string `json:"slice"`
	// User: the unit belongs to the caller's systemd user instance (a rootless container).
	User bool `json:"user,omitempty"`
}

// systemdManager puts the container in a transient scope that systemd creates through D-Bus
// (Delegate=yes, so the cgroup below is ours). Limits systemd knows go in as unit properties too, so a
// daemon-reload re-applies rather than resets them; every limit is then written to the cgroup files
// by the v2 driver, which also covers what systemd has no property for (devices, hugetlb, unified).
type systemdManager struct {
	*manager
	unit, slice string
	sd          systemdInstance
	// extra are unit properties from org.systemd.property.* annotations.
	extra []sd.Property
	// On a v1 or hybrid host (systemd_v1.go): the host's layout and the unit's path
	// below each hierarchy's root, for Apply.
	mode   Mode
	cgroup string
}

// legacy: the scope lives in v1 hierarchies (a v1 or hybrid host), where the limits are
// v1's and systemd's properties have their v1 names.
func (m *systemdManager) legacy() bool { return m.v1 != nil }

func newSystemdManager(f fsOps, mode Mode, o Options) (*systemdManager, error) {
	if mode != Unified {
		p, err := parseSystemdPath(o.CgroupsPath, o.ID, false)
		if err != nil {
			return nil, err
		}
		return newLegacySystemdManager(f, mode, o, p)
	}
	inst := systemInstance()
	if o.Rootless {
		inst = userInstance()
	}
	p, err := parseSystemdPath(o.CgroupsPath, o.ID, inst.user)
	if err != nil {
		return nil, err
	}
	extra, err := unitPropertiesFromAnnotations(o.Annotations)
	if err != nil {
		return nil, err
	}
	hs, err := hierarchiesOf(f, mode)
	if err != nil {
		return nil, err
	}
	var mount string
	for _, h := range hs {
		if h.unified() {
			mount = h.mountpoint
		}
	}
	if mount == "" {
		return nil, errors.New("the systemd cgroup driver: no cgroup2 mount")
	}
	// The directory is where the system manager would put the unit; Apply replaces it with the
	// one systemd reports (a user instance's units live below user@UID.service).
	dir := filepath.Join(mount, p.cgroup())
	m := &manager{fs: f, v2: &v2Driver{placement: placement{mount: mount, dir: dir}}}
	return &systemdManager{manager: m, unit: p.unit, slice: p.slice, sd: inst, extra: extra}, nil
}

// waitJob waits for a systemd job's result on ch.
func waitJob(ctx context.Context, what string, ch <-chan string) error {
	select {
	case res := <-ch:
		if res != "done" {
			return fmt.Errorf("%s: systemd job %s", what, res)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: no answer from systemd: %w", what, ctx.Err())
	}
}

func (m *systemdManager) Apply(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("cgroup apply: invalid pid %d", pid)
	}
	props := []sd.Property{
		sd.PropDescription("berth container " + strings.TrimSuffix(m.unit, ".scope")),
		sd.PropSlice(m.slice),
		sd.PropPids(uint32(pid)),
		prop("Delegate", true),
		prop("DefaultDependencies", false),
	}
	props = append(props, accountingProperties(m.legacy())...)
	props = append(props, m.extra...)
	var legacyCgroup string
	err := m.sd.do(func(ctx context.Context, conn *sd.Conn) error {
		ch := make(chan string, 1)
		if _, err := conn.StartTransientUnitContext(ctx, m.unit, "replace", props, ch); err != nil {
			return fmt.Errorf("start transient unit %s in %s: %w", m.unit, m.sd, err)
		}
		if err := waitJob(ctx, "start "+m.unit, ch); err != nil {
			return err
		}
		p, err := conn.GetUnitTypePropertyContext(ctx, m.unit, "Scope", "ControlGroup")
		if err != nil {
			return fmt.Errorf("unit %s: its cgroup: %w", m.unit, err)
		}
		cg, _ := p.Value.Value().(string)
		if !strings.HasPrefix(cg, "/") {
			return fmt.Errorf("unit %s started but systemd names no cgroup for it", m.unit)
		}
		if m.legacy() {
			legacyCgroup = cg
			return nil
		}
		m.v2.dir = filepath.Join(m.v2.mount, cg)
		if _, err := m.fs.FSType(m.v2.dir); err != nil {
			return fmt.Errorf("unit %s started but its cgroup %s is missing: %w", m.unit, m.v2.dir, err)
		}
		return nil
	})
	if err != nil || !m.legacy() {
		return err
	}
	return m.legacyApply(legacyCgroup, pid)
}

func (m *systemdManager) Set(r *specs.LinuxResources) error {
	if r == nil {
		return nil
	}
	var props []sd.Property
	var err error
	if m.legacy() {
		props = append(resourcePropertiesV1(r), deviceProperties(r.Devices)...)
	} else if props, err = resourceProperties(r); err != nil {
		return err
	}
	if len(props) > 0 {
		err := m.sd.do(func(ctx context.Context, conn *sd.Conn) error {
			return conn.SetUnitPropertiesContext(ctx, m.unit, true, props...)
		})
		if err != nil {
			return fmt.Errorf("linux.resources: set properties of %s: %w", m.unit, err)
		}
	}
	return m.manager.Set(r)
}

// Destroy stops the scope (systemd removes its cgroup), then removes whatever is left below it.
func (m *systemdManager) Destroy() error {
	err := m.sd.do(func(ctx context.Context, conn *sd.Conn) error {
		ch := make(chan string, 1)
		if _, err := conn.StopUnitContext(ctx, m.unit, "replace", ch); err != nil {
			if isNoSuchUnit(err) {
				return nil
			}
			return fmt.Errorf("stop unit %s: %w", m.unit, err)
		}
		return waitJob(ctx, "stop "+m.unit, ch)
	})
	if err != nil {
		return err
	}
	return m.manager.Destroy()
}

func (m *systemdManager) State() State {
	s := m.manager.State()
	s.Systemd = &SystemdState{Unit: m.unit, Slice: m.slice, User: m.sd.user}
	return s
}

func prop(name string, v any) sd.Property {
	return sd.Property{Name: name, Value: godbus.MakeVariant(v)}
}

// resourceProperties are the unit properties for the limits systemd manages itself. Values follow
// the v2 conversions, so the files berth writes afterwards agree with them.
func resourceProperties(r *specs.LinuxResources) ([]sd.Property, error) {
	var props []sd.Property
	if mem := r.Memory; mem != nil {
		if mem.Limit != nil && *mem.Limit != 0 {
			props = append(props, prop("MemoryMax", limitValue(*mem.Limit)))
		}
		if mem.Reservation != nil && *mem.Reservation != 0 {
			props = append(props, prop("MemoryLow", limitValue(*mem.Reservation)))
		}
		var limit, swap int64
		if mem.Limit != nil {
			limit = *mem.Limit
		}
		if mem.Swap != nil {
			swap = *mem.Swap
		}
		sw, err := swapV2(swap, limit)
		if err != nil {
			return nil, err
		}
		if sw != 0 {
			props = append(props, prop("MemorySwapMax", limitValue(sw)))
		}
	}
	if cpu := r.CPU; cpu != nil {
		if cpu.Shares != nil && *cpu.Shares != 0 {
			props = append(props, prop("CPUWeight", sharesToWeight(*cpu.Shares)))
		}
		props = append(props, quotaProperties(cpu)...)
		if cpu.Cpus != "" {
			mask, err := cpuMask(cpu.Cpus)
			if err != nil {
				return nil, fmt.Errorf("linux.resources.cpu.cpus: %w", err)
			}
			props = append(props, prop("AllowedCPUs", mask))
		}
		if cpu.Mems != "" {
			mask, err := cpuMask(cpu.Mems)
			if err != nil {
				return nil, fmt.Errorf("linux.resources.cpu.mems: %w", err)
			}
			props = append(props, prop("AllowedMemoryNodes", mask))
		}
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		props = append(props, prop("TasksMax", limitValue(tasksMax(*r.Pids.Limit))))
	}
	if b := r.BlockIO; b != nil && b.Weight != nil && *b.Weight != 0 {
		props = append(props, prop("IOWeight", blkioWeightToIO(*b.Weight)))
	}
	return props, nil
}

// limitValue is systemd's spelling of a limit: MaxUint64 means "infinity".
func limitValue(v int64) uint64 {
	if v <= 0 {
		return math.MaxUint64
	}
	return uint64(v)
}

// quotaProperties are the CPU quota's properties, the same for both cgroup versions:
// the period when the config sets one (systemd's default is 100 ms), and the quota as CPU
// time per second.
func quotaProperties(cpu *specs.LinuxCPU) []sd.Property {
	if cpu.Quota == nil || *cpu.Quota == 0 {
		return nil
	}
	var props []sd.Property
	period := uint64(100000)
	if cpu.Period != nil && *cpu.Period != 0 {
		period = *cpu.Period
		props = append(props, prop("CPUQuotaPeriodUSec", period))
	}
	return append(props, prop("CPUQuotaPerSecUSec", quotaPerSec(*cpu.Quota, period)))
}

// quotaPerSec converts a quota per period into systemd's CPU time per second, rounded up to the
// 10 ms systemd works in (rounding down would lower the limit). -1 means no quota.
func quotaPerSec(quota int64, period uint64) uint64 {
	if quota < 0 {
		return math.MaxUint64
	}
	perSec := uint64(quota) * 1000000 / period
	if perSec%10000 != 0 {
		perSec = (perSec/10000 + 1) * 10000
	}
	return perSec
}

// cpuMask turns a list like "0-2,5" into systemd's byte mask (bit n of byte n/8 for CPU n).
func cpuMask(list string) ([]byte, error) {
	var mask []byte
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b > 8191 {
			return nil, fmt.Errorf("%q is not a CPU list", list)
		}
		for n := a; n <= b; n++ {
			for len(mask) <= n/8 {
				mask = append(mask, 0)
			}
			mask[n/8] |= 1 << (n % 8)
		}
	}
	return mask, nil
}

// unitPropertiesFromAnnotations reads org.systemd.property.NAME=VALUE annotations as runc does:
// VALUE is in GVariant text form ("uint64 5000000", "'inactive-or-failed'"), and a NAME ending in
// Sec takes seconds and is passed as NAMEUSec in microseconds.
func unitPropertiesFromAnnotations(ann map[string]string) ([]sd.Property, error) {
	const prefix = "org.systemd.property."
	keys := make([]string, 0, len(ann))
	for k := range ann {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var props []sd.Property
	for _, k := range keys {
		name := strings.TrimPrefix(k, prefix)
		if name == "" || strings.IndexFunc(name, func(c rune) bool {
			return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')
		}) >= 0 {
			return nil, fmt.Errorf("annotations[%q]: %q is not a systemd property name", k, name)
		}
		v, err := godbus.ParseVariant(ann[k], godbus.Signature{})
		if err != nil {
			return nil, fmt.Errorf("annotations[%q]: %q is not a GVariant value: %w", k, ann[k], err)
		}
		if strings.HasSuffix(name, "Sec") && !strings.HasSuffix(name, "USec") {
			usec, ok := secondsToUSec(v.Value())
			if !ok {
				return nil, fmt.Errorf("annotations[%q]: %s takes a number of seconds", k, name)
			}
			name, v = name[:len(name)-3]+"USec", godbus.MakeVariant(usec)
		}
		props = append(props, sd.Property{Name: name, Value: v})
	}
	return props, nil
}

func secondsToUSec(v any) (uint64, bool) {
	switch n := v.(type) {
	case int32:
		return uint64(max(n, 0)) * 1e6, true
	case int64:
		return uint64(max(n, 0)) * 1e6, true
	case uint32:
		return uint64(n) * 1e6, true
	case uint64:
		return n * 1e6, true
	case float64:
		return uint64(max(n, 0) * 1e6), true
	}
	return 0, false
}
