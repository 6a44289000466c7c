package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	sd "github.com/coreos/go-systemd/v22/dbus"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The systemd driver on cgroup v1 and hybrid hosts (systemd.unified_cgroup_hierarchy=0),
// as runc and crun have it. systemd makes the scope's directory in the hierarchies it
// manages (name=systemd, cpu,cpuacct, memory, blkio, devices, pids, and the cgroup2
// tracking tree of a hybrid host) and puts init there; berth then makes the same path
// in the hierarchies systemd leaves alone (cpuset, freezer, net_cls, perf_event,
// hugetlb...) and joins them, exactly as the cgroupfs driver places a container. Limits
// go in as v1 unit properties (so a daemon-reload re-applies them rather than reset
// them), then the v1 driver writes every file.

// newLegacySystemdManager builds the manager of a scope on a v1 or hybrid host: the
// directories are the unit's path in every hierarchy.
func newLegacySystemdManager(f fsOps, mode Mode, o Options, p systemdPath) (*systemdManager, error) {
	if o.Rootless {
		// A user instance delegates nothing on v1: there is no subtree it could hand over.
		return nil, fmt.Errorf("the systemd cgroup driver for a rootless container needs a pure cgroup v2 host (this one is %s)", mode)
	}
	extra, err := unitPropertiesFromAnnotations(o.Annotations)
	if err != nil {
		return nil, err
	}
	m, err := newManager(f, mode, p.cgroup(), o.ID)
	if err != nil {
		return nil, err
	}
	return &systemdManager{manager: m, unit: p.unit, slice: p.slice, sd: systemInstance(), extra: extra, mode: mode, cgroup: p.cgroup()}, nil
}

// legacyApply, once systemd started the scope, moves the manager to the cgroup systemd
// reports (should it differ from the one computed) and places pid in every hierarchy:
// the ones systemd made already hold it, the others get the directory now.
func (m *systemdManager) legacyApply(cg string, pid int) error {
	if cg != m.cgroup {
		mgr, err := newManager(m.fs, m.mode, cg, "")
		if err != nil {
			return fmt.Errorf("unit %s: its cgroup %s: %w", m.unit, cg, err)
		}
		m.manager, m.cgroup = mgr, cg
	}
	return m.manager.Apply(pid)
}

// accountingProperties are the accounting switches of the scope: v1 has BlockIO where
// v2 has IO.
func accountingProperties(legacy bool) []sd.Property {
	io := "IOAccounting"
	if legacy {
		io = "BlockIOAccounting"
	}
	return []sd.Property{
		prop("MemoryAccounting", true),
		prop("CPUAccounting", true),
		prop(io, true),
		prop("TasksAccounting", true),
	}
}

// resourcePropertiesV1 are the unit properties of the limits systemd manages on v1, in
// v1's units (shares, bytes, blkio weight), matching the files the v1 driver writes.
func resourcePropertiesV1(r *specs.LinuxResources) []sd.Property {
	var props []sd.Property
	if mem := r.Memory; mem != nil && mem.Limit != nil && *mem.Limit != 0 {
		props = append(props, prop("MemoryLimit", limitValue(*mem.Limit)))
	}
	if cpu := r.CPU; cpu != nil {
		if cpu.Shares != nil && *cpu.Shares != 0 {
			props = append(props, prop("CPUShares", *cpu.Shares))
		}
		props = append(props, quotaProperties(cpu)...)
	}
	if r.Pids != nil && r.Pids.Limit != nil {
		props = append(props, prop("TasksMax", limitValue(tasksMax(*r.Pids.Limit))))
	}
	if b := r.BlockIO; b != nil && b.Weight != nil && *b.Weight != 0 {
		props = append(props, prop("BlockIOWeight", uint64(*b.Weight)))
	}
	return props
}

// deviceAllowEntry is one DeviceAllow= entry, D-Bus type (ss).
type deviceAllowEntry struct {
	Path  string
	Perms string
}

// deviceProperties turn linux.resources.devices into DevicePolicy/DeviceAllow. On v1
// systemd rewrites a unit's devices.allow/deny itself whenever it re-applies the unit's
// settings (a daemon-reload), and with the default policy it allows every device: the
// scope must carry the container's rules. systemd has allow lists only, so the
// translation errs on the side of less access: an allow that a later deny narrows, or
// one systemd cannot name (any major, one minor), is left out; a list that does not
// start by denying everything becomes a strict list of its allows. The exact rules are
// the v1 driver's to write, right after.
func deviceProperties(rules []specs.LinuxDeviceCgroup) []sd.Property {
	if len(rules) == 0 {
		return nil
	}
	if allowsAll(rules[len(rules)-1]) {
		return []sd.Property{prop("DevicePolicy", "auto"), prop("DeviceAllow", []deviceAllowEntry{})}
	}
	var allow []deviceAllowEntry
	for i, r := range rules {
		if !r.Allow || narrowedLater(r, rules[i+1:]) {
			continue
		}
		allow = append(allow, deviceAllowEntries(r)...)
	}
	if allow == nil {
		allow = []deviceAllowEntry{}
	}
	// DeviceAllow adds to the list a unit has; the empty one first resets it.
	return []sd.Property{prop("DevicePolicy", "strict"), prop("DeviceAllow", []deviceAllowEntry{}), prop("DeviceAllow", allow)}
}

func allowsAll(r specs.LinuxDeviceCgroup) bool {
	return r.Allow && (r.Type == "" || r.Type == "a") && r.Major == nil && r.Minor == nil &&
		(r.Access == "" || r.Access == "rwm")
}

// narrowedLater: a deny among later rules takes away some access r allows.
func narrowedLater(r specs.LinuxDeviceCgroup, later []specs.LinuxDeviceCgroup) bool {
	overlap := func(a, b *int64) bool { return a == nil || b == nil || *a < 0 || *b < 0 || *a == *b }
	access := func(s string) string {
		if s == "" {
			return "rwm"
		}
		return s
	}
	for _, d := range later {
		sameType := d.Type == "a" || d.Type == "" || r.Type == "a" || r.Type == "" || d.Type == r.Type
		if !d.Allow && sameType && overlap(r.Major, d.Major) && overlap(r.Minor, d.Minor) &&
			strings.ContainsAny(access(r.Access), access(d.Access)) {
			return true
		}
	}
	return false
}

// deviceAllowEntries spells an allow rule as systemd takes it: /dev/char/M:m for one
// device, char-M for a major (systemd 240+), char-* for a type.
func deviceAllowEntries(r specs.LinuxDeviceCgroup) []deviceAllowEntry {
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	types := []string{r.Type}
	if r.Type == "" || r.Type == "a" {
		types = []string{"c", "b"}
	}
	wild := func(p *int64) bool { return p == nil || *p < 0 }
	var out []deviceAllowEntry
	for _, t := range types {
		group, dir := "char-", "/dev/char/"
		if t == "b" {
			group, dir = "block-", "/dev/block/"
		}
		switch {
		case wild(r.Major) && wild(r.Minor):
			out = append(out, deviceAllowEntry{group + "*", access})
		case wild(r.Major):
			// "*:n" has no systemd spelling: left out (less access, never more).
		case wild(r.Minor):
			out = append(out, deviceAllowEntry{group + strconv.FormatInt(*r.Major, 10), access})
		default:
			out = append(out, deviceAllowEntry{fmt.Sprintf("%s%d:%d", dir, *r.Major, *r.Minor), access})
		}
	}
	return out
}
