// Package configs holds berth's own, validated form of an OCI bundle's config.json.
//
// specconv turns a runtime-spec document into a Config once, in the parent, so that every
// error names the config.json field at fault before anything is created on the host. The
// Config is then sent as JSON to `berth init`, which acts on it without parsing strings again.
package configs

import specs "github.com/opencontainers/runtime-spec/specs-go"

// Config is everything berth needs to build one container.
type Config struct {
	// OCIVersion is config.json's ociVersion, reported by `berth state`.
	OCIVersion string `json:"oci_version"`
	// Rootfs is the absolute, symlink-free host path of the container's root.
	Rootfs string `json:"rootfs"`
	// Readonly makes the root read-only after all mounts are done.
	Readonly bool `json:"readonly,omitempty"`

	Hostname   string `json:"hostname,omitempty"`
	Domainname string `json:"domainname,omitempty"`

	// Namespaces in config.json order; Path set means join, empty means create.
	Namespaces  []Namespace `json:"namespaces,omitempty"`
	UIDMappings []IDMap     `json:"uid_mappings,omitempty"`
	GIDMappings []IDMap     `json:"gid_mappings,omitempty"`

	Mounts []Mount `json:"mounts,omitempty"`
	// RootPropagation is the MS_* propagation applied to "/" of the new mount namespace
	// (linux.rootfsPropagation); 0 means the default, MS_SLAVE|MS_REC.
	RootPropagation uintptr  `json:"root_propagation,omitempty"`
	Devices         []Device `json:"devices,omitempty"`
	MaskedPaths     []string `json:"masked_paths,omitempty"`
	ReadonlyPaths   []string `json:"readonly_paths,omitempty"`
	// Sysctl holds only keys that are namespaced (checked by specconv).
	Sysctl map[string]string `json:"sysctl,omitempty"`

	Process Process `json:"process"`
	// Hooks are kept in runtime-spec form: they are run as written.
	Hooks *specs.Hooks `json:"hooks,omitempty"`

	// CgroupsPath is linux.cgroupsPath, or "" for the default (berth/<id>).
	CgroupsPath string `json:"cgroups_path,omitempty"`
	// Resources is linux.resources, applied by the cgroups package.
	Resources *specs.LinuxResources `json:"resources,omitempty"`
	// Seccomp is linux.seccomp, validated by specconv and loaded by init right before
	// the user process (and every exec'd process) runs.
	Seccomp *specs.LinuxSeccomp `json:"seccomp,omitempty"`

	// NoPivot uses MS_MOVE + chroot instead of pivot_root (the --no-pivot flag).
	NoPivot bool `json:"no_pivot,omitempty"`
	// NoNewKeyring keeps the caller's session keyring (the --no-new-keyring flag).
	NoNewKeyring bool `json:"no_new_keyring,omitempty"`

	Annotations map[string]string `json:"annotations,omitempty"`

	// MountLabel is linux.mountLabel. specconv already added it as context= to the
	// mounts that take one when SELinux is enabled; kept for state and features.
	MountLabel string `json:"mount_label,omitempty"`
	// Personality is linux.personality as the persona for personality(2) (nil: leave).
	Personality *uint32 `json:"personality,omitempty"`
	// MemoryPolicy is linux.memoryPolicy, set with set_mempolicy(2) before exec.
	MemoryPolicy *MemoryPolicy `json:"memory_policy,omitempty"`
	// TimeOffsets is linux.timeOffsets in timens_offsets form ("boottime 5 0\n...").
	TimeOffsets string `json:"time_offsets,omitempty"`
	// NetDevices are linux.netDevices, sorted by host name.
	NetDevices []NetDevice `json:"net_devices,omitempty"`
	// IntelRdt is linux.intelRdt, validated (closID is a plain name, "/" or empty).
	IntelRdt *specs.LinuxIntelRdt `json:"intel_rdt,omitempty"`
}

// MemoryPolicy is linux.memoryPolicy with names turned into numbers.
type MemoryPolicy struct {
	// Mode is MPOL_* ORed with the MPOL_F_* mode flags, as set_mempolicy takes it.
	Mode int `json:"mode"`
	// Nodes are the NUMA node numbers of the node mask.
	Nodes []int `json:"nodes,omitempty"`
}

// NetDevice is one linux.netDevices entry: a host interface moved into the container.
type NetDevice struct {
	HostName string `json:"host_name"`
	// Name in the container; may hold one %d for the kernel to number.
	Name string `json:"name"`
}

// Scheduler is process.scheduler as sched_setattr(2) takes it.
type Scheduler struct {
	Policy   uint32 `json:"policy"`
	Flags    uint64 `json:"flags,omitempty"`
	Nice     int32  `json:"nice,omitempty"`
	Priority uint32 `json:"priority,omitempty"`
	Runtime  uint64 `json:"runtime,omitempty"`
	Deadline uint64 `json:"deadline,omitempty"`
	Period   uint64 `json:"period,omitempty"`
}

// CPUAffinity is process.execCPUAffinity as lists of CPU numbers (empty: unset).
type CPUAffinity struct {
	Initial []int `json:"initial,omitempty"`
	Final   []int `json:"final,omitempty"`
}

// NamespaceType is a namespace kind as runtime-spec names it ("network", "user", ...).
type NamespaceType string

// The namespace kinds of runtime-spec.
const (
	NEWNET    NamespaceType = "network"
	NEWPID    NamespaceType = "pid"
	NEWNS     NamespaceType = "mount"
	NEWIPC    NamespaceType = "ipc"
	NEWUTS    NamespaceType = "uts"
	NEWUSER   NamespaceType = "user"
	NEWCGROUP NamespaceType = "cgroup"
	NEWTIME   NamespaceType = "time"
)

// Namespace is one entry of linux.namespaces.
type Namespace struct {
	Type NamespaceType `json:"type"`
	// Path, when set, is an existing namespace file to join (e.g. /proc/123/ns/net).
	Path string `json:"path,omitempty"`
}

// IDMap is one line of a uid_map or gid_map.
type IDMap struct {
	ContainerID uint32 `json:"container_id"`
	HostID      uint32 `json:"host_id"`
	Size        uint32 `json:"size"`
}

// Mount is one entry of config.json's mounts, with its options already parsed.
type Mount struct {
	// Source is the host path for binds (absolute; relative ones are resolved against
	// the bundle by specconv), or the device/fs name for other types.
	Source      string `json:"source"`
	Destination string `json:"destination"`
	// Type is the filesystem type; "bind" for bind mounts, whatever the spec said.
	Type string `json:"type"`
	// Flags are MS_* flags for mount(2) (MS_BIND, MS_REC, MS_RDONLY, MS_NOSUID, ...).
	Flags uintptr `json:"flags,omitempty"`
	// ClearedFlags are MS_* flags the options explicitly turned off ("rw", "suid", ...):
	// for a bind mount they matter when remounting over inherited ones.
	ClearedFlags uintptr `json:"cleared_flags,omitempty"`
	// PropagationFlags are applied one by one after the mount (MS_PRIVATE, MS_SLAVE|MS_REC...).
	PropagationFlags []uintptr `json:"propagation_flags,omitempty"`
	// Data is the comma-joined filesystem-specific options (e.g. "mode=755,size=65536k").
	Data string `json:"data,omitempty"`
	// RecAttrSet / RecAttrClr are MOUNT_ATTR_* bits for mount_setattr(AT_RECURSIVE)
	// from the recursive options ("rro", "rnosuid", ...).
	RecAttrSet uint64 `json:"rec_attr_set,omitempty"`
	RecAttrClr uint64 `json:"rec_attr_clr,omitempty"`
	// UIDMappings / GIDMappings make this bind mount idmapped (mount_setattr
	// MOUNT_ATTR_IDMAP): on-disk id ContainerID shows as HostID. Both set or neither.
	UIDMappings []IDMap `json:"uid_mappings,omitempty"`
	GIDMappings []IDMap `json:"gid_mappings,omitempty"`
	// IDMapRecursive ("ridmap") idmaps every mount of an rbind, not only the top one.
	IDMapRecursive bool `json:"idmap_recursive,omitempty"`
	// TmpCopyUp ("tmpcopyup", tmpfs only): the new tmpfs starts with a copy of the
	// directory it is mounted over, as runc does it.
	TmpCopyUp bool `json:"tmpcopyup,omitempty"`
}

// IsIDMapped reports whether m gets an idmapping.
func (m *Mount) IsIDMapped() bool { return len(m.UIDMappings) > 0 }

// IsBind reports whether m is a bind mount.
func (m *Mount) IsBind() bool { return m.Flags&msBind != 0 }

const msBind = 0x1000 // unix.MS_BIND, without importing x/sys into a types package

// Device is one entry of linux.devices (or a default device berth adds).
type Device struct {
	// Type is 'c', 'b', 'u' (unbuffered char) or 'p' (fifo).
	Type     rune   `json:"type"`
	Path     string `json:"path"`
	Major    int64  `json:"major"`
	Minor    int64  `json:"minor"`
	FileMode uint32 `json:"file_mode"`
	UID      uint32 `json:"uid"`
	GID      uint32 `json:"gid"`
}

// Process is the container's user process, with names already turned into numbers.
type Process struct {
	Args     []string `json:"args"`
	Env      []string `json:"env,omitempty"`
	Cwd      string   `json:"cwd"`
	Terminal bool     `json:"terminal,omitempty"`
	// ConsoleHeight/ConsoleWidth are process.consoleSize, applied to the pty (0: leave).
	ConsoleHeight uint16 `json:"console_height,omitempty"`
	ConsoleWidth  uint16 `json:"console_width,omitempty"`

	UID            uint32   `json:"uid"`
	GID            uint32   `json:"gid"`
	AdditionalGids []uint32 `json:"additional_gids,omitempty"`
	Umask          *uint32  `json:"umask,omitempty"`

	// Capabilities is nil when config.json has no capabilities object: then the process
	// keeps none (as every runtime does for an absent object).
	Capabilities    *Capabilities `json:"capabilities,omitempty"`
	NoNewPrivileges bool          `json:"no_new_privileges,omitempty"`
	Rlimits         []Rlimit      `json:"rlimits,omitempty"`
	OOMScoreAdj     *int          `json:"oom_score_adj,omitempty"`

	// ApparmorProfile and SelinuxLabel are applied on exec (specconv refused them
	// when the host lacks the LSM).
	ApparmorProfile string `json:"apparmor_profile,omitempty"`
	SelinuxLabel    string `json:"selinux_label,omitempty"`
	// Scheduler is process.scheduler (nil: inherit).
	Scheduler *Scheduler `json:"scheduler,omitempty"`
	// IOPriority is process.ioPriority as the ioprio_set(2) value (class<<13 | level).
	IOPriority *int `json:"io_priority,omitempty"`
	// ExecCPUAffinity is process.execCPUAffinity: used only for `berth exec`.
	ExecCPUAffinity *CPUAffinity `json:"exec_cpu_affinity,omitempty"`
}

// Capabilities holds the five capability sets as capability numbers (CAP_CHOWN = 0, ...).
type Capabilities struct {
	Bounding    []int `json:"bounding,omitempty"`
	Effective   []int `json:"effective,omitempty"`
	Inheritable []int `json:"inheritable,omitempty"`
	Permitted   []int `json:"permitted,omitempty"`
	Ambient     []int `json:"ambient,omitempty"`
}

// Rlimit is one process.rlimits entry; Type is the RLIMIT_* number.
type Rlimit struct {
	Type int    `json:"type"`
	Hard uint64 `json:"hard"`
	Soft uint64 `json:"soft"`
}

// HasNamespace reports whether the config asks for namespace t (new or joined).
func (c *Config) HasNamespace(t NamespaceType) bool {
	for _, ns := range c.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// NamespacePath returns the path to join for t, or "" when t is new or absent.
func (c *Config) NamespacePath(t NamespaceType) string {
	for _, ns := range c.Namespaces {
		if ns.Type == t {
			return ns.Path
		}
	}
	return ""
}
