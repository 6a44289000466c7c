package specconv

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// personality(2) personas for linux.personality.domain.
var personalityDomains = map[specs.LinuxPersonalityDomain]uint32{
	specs.PerLinux:   0x0000, // PER_LINUX
	specs.PerLinux32: 0x0008, // PER_LINUX32
}

func convertPersonality(p *specs.LinuxPersonality) (*uint32, error) {
	if p == nil {
		return nil, nil
	}
	persona, ok := personalityDomains[p.Domain]
	if !ok {
		return nil, configs.FieldErrorf("linux.personality.domain", "%q is not LINUX or LINUX32", p.Domain)
	}
	// runtime-spec defines no flags yet: any would be a setting berth cannot honour.
	if len(p.Flags) > 0 {
		return nil, configs.FieldErrorf("linux.personality.flags[0]", "unknown flag %q (runtime-spec defines none)", p.Flags[0])
	}
	return &persona, nil
}

// MemoryPolicyModes and MemoryPolicyFlags are the set_mempolicy(2) names berth knows.
var (
	MemoryPolicyModes = map[specs.MemoryPolicyModeType]int{
		specs.MpolDefault: 0, specs.MpolPreferred: 1, specs.MpolBind: 2, specs.MpolInterleave: 3,
		specs.MpolLocal: 4, specs.MpolPreferredMany: 5, specs.MpolWeightedInterleave: 6,
	}
	MemoryPolicyFlags = map[specs.MemoryPolicyFlagType]int{
		specs.MpolFNumaBalancing: 1 << 13, specs.MpolFRelativeNodes: 1 << 14, specs.MpolFStaticNodes: 1 << 15,
	}
)

// maxNUMANode: the node mask handed to set_mempolicy holds this many nodes.
const maxNUMANode = 1023

func convertMemoryPolicy(p *specs.LinuxMemoryPolicy) (*configs.MemoryPolicy, error) {
	if p == nil {
		return nil, nil
	}
	mode, ok := MemoryPolicyModes[p.Mode]
	if !ok {
		return nil, configs.FieldErrorf("linux.memoryPolicy.mode", "unknown mode %q", p.Mode)
	}
	nodes, err := parseIDList(p.Nodes, maxNUMANode)
	if err != nil {
		return nil, configs.FieldErrorf("linux.memoryPolicy.nodes", "%w", err)
	}
	// set_mempolicy's own rules, so the error names the field instead of a bare EINVAL.
	switch p.Mode {
	case specs.MpolDefault, specs.MpolLocal:
		if len(nodes) > 0 {
			return nil, configs.FieldErrorf("linux.memoryPolicy.nodes", "must be empty for %s", p.Mode)
		}
	case specs.MpolBind, specs.MpolInterleave, specs.MpolWeightedInterleave, specs.MpolPreferredMany:
		if len(nodes) == 0 {
			return nil, configs.FieldErrorf("linux.memoryPolicy.nodes", "%s needs at least one node", p.Mode)
		}
	}
	seen := 0
	for i, f := range p.Flags {
		bit, ok := MemoryPolicyFlags[f]
		if !ok {
			return nil, configs.FieldErrorf(configs.Index("linux.memoryPolicy.flags", i), "unknown flag %q", f)
		}
		seen |= bit
	}
	if seen&MemoryPolicyFlags[specs.MpolFStaticNodes] != 0 && seen&MemoryPolicyFlags[specs.MpolFRelativeNodes] != 0 {
		return nil, configs.FieldErrorf("linux.memoryPolicy.flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other")
	}
	return &configs.MemoryPolicy{Mode: mode | seen, Nodes: nodes}, nil
}

// parseIDList reads a CPU or node list such as "0-3,7" (the kernel's cpulist format).
func parseIDList(s string, max int) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	set := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("%q is not a list such as 0-3,7", s)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("%q is not a list such as 0-3,7", s)
			}
		}
		if b > max {
			return nil, fmt.Errorf("%d is above the highest supported number %d", b, max)
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	ids := make([]int, 0, len(set))
	for i := range set {
		ids = append(ids, i)
	}
	sort.Ints(ids)
	return ids, nil
}

// The clocks a time namespace can offset (time_namespaces(7)).
var timeNamespaceClocks = []string{"boottime", "monotonic"}

// convertTimeOffsets returns linux.timeOffsets as timens_offsets lines. They are written
// into a time namespace berth creates, so one must be asked for without a path.
func convertTimeOffsets(offsets map[string]specs.LinuxTimeOffset, c *configs.Config) (string, error) {
	if len(offsets) == 0 {
		return "", nil
	}
	for clock := range offsets {
		if clock != "boottime" && clock != "monotonic" {
			return "", configs.FieldErrorf(fmt.Sprintf("linux.timeOffsets[%q]", clock), "unknown clock (a time namespace offsets boottime and monotonic)")
		}
	}
	if !c.HasNamespace(configs.NEWTIME) {
		return "", configs.FieldErrorf("linux.timeOffsets", "set, but linux.namespaces has no time namespace")
	}
	if c.NamespacePath(configs.NEWTIME) != "" {
		return "", configs.FieldErrorf("linux.timeOffsets", "cannot change the offsets of an existing time namespace (linux.namespaces path)")
	}
	var b strings.Builder
	for _, clock := range timeNamespaceClocks {
		o, ok := offsets[clock]
		if !ok {
			continue
		}
		if o.Nanosecs >= 1e9 {
			return "", configs.FieldErrorf(fmt.Sprintf("linux.timeOffsets[%q].nanosecs", clock), "%d is not below one second", o.Nanosecs)
		}
		fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
	}
	return b.String(), nil
}

// convertNetDevices checks that each device can be moved: it exists in the runtime's
// network namespace, the container has a network namespace of its own to move it to, the
// names are valid interface names, and the caller may move devices at all.
func convertNetDevices(devs map[string]specs.LinuxNetDevice, c *configs.Config) ([]configs.NetDevice, error) {
	if len(devs) == 0 {
		return nil, nil
	}
	if !c.HasNamespace(configs.NEWNET) {
		return nil, configs.FieldErrorf("linux.netDevices", "set, but linux.namespaces has no network namespace to move them to")
	}
	if host.euid() != 0 {
		return nil, configs.FieldErrorf("linux.netDevices", "moving network devices needs root (CAP_NET_ADMIN in the host's network namespace)")
	}
	names := make([]string, 0, len(devs))
	for n := range devs {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []configs.NetDevice
	targets := map[string]string{}
	for _, hostName := range names {
		field := fmt.Sprintf("linux.netDevices[%q]", hostName)
		if err := checkIfName(hostName, false); err != nil {
			return nil, configs.FieldErrorf(field, "%w", err)
		}
		target := devs[hostName].Name
		if target == "" {
			target = hostName
		}
		if err := checkIfName(target, true); err != nil {
			return nil, configs.FieldErrorf(field+".name", "%w", err)
		}
		if other, dup := targets[target]; dup && !strings.Contains(target, "%d") {
			return nil, configs.FieldErrorf(field+".name", "%q is also the name of linux.netDevices[%q]", target, other)
		}
		targets[target] = hostName
		ok, err := host.linkExists(hostName)
		if err != nil {
			return nil, configs.FieldErrorf(field, "%w", err)
		}
		if !ok {
			return nil, configs.FieldErrorf(field, "no network interface %q in the runtime's network namespace", hostName)
		}
		out = append(out, configs.NetDevice{HostName: hostName, Name: target})
	}
	return out, nil
}

// checkIfName applies the kernel's rules for interface names (dev_valid_name), and
// allows one %d in a name the kernel is to number.
func checkIfName(name string, template bool) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%q is not a valid interface name", name)
	case len(name) >= unix.IFNAMSIZ:
		return fmt.Errorf("%q is longer than %d bytes", name, unix.IFNAMSIZ-1)
	case strings.ContainsAny(name, "/: \t\n\v\f\r\x00"):
		return fmt.Errorf("%q contains '/', ':' or white space", name)
	case strings.Count(name, "%") > 0 && (!template || strings.Count(name, "%") != 1 || !strings.Contains(name, "%d")):
		return fmt.Errorf("%q: only one %%d may stand for a number", name)
	}
	return nil
}

// convertIntelRdt checks linux.intelRdt against the host: runtime-spec requires an error
// when no resctrl filesystem is mounted in the runtime's mount namespace.
func convertIntelRdt(r *specs.LinuxIntelRdt) (*specs.LinuxIntelRdt, error) {
	if r == nil {
		return nil, nil
	}
	if r.ClosID != "/" && (r.ClosID == "." || r.ClosID == ".." || strings.ContainsAny(r.ClosID, "/\n")) {
		return nil, configs.FieldErrorf("linux.intelRdt.closID", "%q is not a resctrl group name", r.ClosID)
	}
	if r.L3CacheSchema != "" && strings.Contains(r.L3CacheSchema, "\n") {
		return nil, configs.FieldErrorf("linux.intelRdt.l3CacheSchema", "must be one line")
	}
	if r.MemBwSchema != "" && (!strings.HasPrefix(r.MemBwSchema, "MB:") || strings.Contains(r.MemBwSchema, "\n")) {
		return nil, configs.FieldErrorf("linux.intelRdt.memBwSchema", "must be one line starting with MB:")
	}
	for i, line := range r.Schemata {
		if line == "" || strings.Contains(line, "\n") {
			return nil, configs.FieldErrorf(configs.Index("linux.intelRdt.schemata", i), "must be one non-empty line")
		}
	}
	mnt, err := host.resctrlMount()
	if err != nil {
		return nil, configs.FieldErrorf("linux.intelRdt", "find the resctrl filesystem: %w", err)
	}
	if mnt == "" {
		return nil, configs.FieldErrorf("linux.intelRdt", "no resctrl filesystem is mounted (Intel RDT needs `mount -t resctrl resctrl /sys/fs/resctrl`)")
	}
	var out specs.LinuxIntelRdt
	if err := cloneJSON(r, &out); err != nil {
		return nil, fmt.Errorf("linux.intelRdt: %w", err)
	}
	return &out, nil
}

// selinuxLabelledTypes are the filesystems that accept an SELinux context= option; the
// others (proc, sysfs, cgroup, binds) keep the labels they have.
var selinuxLabelledTypes = map[string]bool{"tmpfs": true, "devpts": true, "mqueue": true, "ramfs": true}

// applyMountLabel adds linux.mountLabel as context= to the mounts that take one. With
// SELinux disabled it does nothing, as with runc: a label has no meaning there.
func applyMountLabel(label string, mounts []configs.Mount) error {
	if label == "" || !host.selinuxEnabled() {
		return nil
	}
	if strings.ContainsAny(label, "\",\n") {
		return configs.FieldErrorf("linux.mountLabel", "%q contains a quote, comma or newline", label)
	}
	for i := range mounts {
		m := &mounts[i]
		if m.IsBind() || !selinuxLabelledTypes[m.Type] || strings.Contains(m.Data, "context=") {
			continue
		}
		opt := `context="` + label + `"`
		if m.Data != "" {
			opt = m.Data + "," + opt
		}
		m.Data = opt
	}
	return nil
}
