// Package cgroups places a container's processes in cgroups, writes its linux.resources limits,
// freezes, reads statistics and removes those cgroups on delete, on cgroup v1 (legacy), hybrid (v1
// controllers plus a controller-less cgroup2 mount, where the limits go to v1 as with runc) and pure
// cgroup v2; with the systemd driver, in a transient scope made through D-Bus.
//
// Drivers, behind one Manager:
//   - v1 (v1*.go): one directory per mounted hierarchy; a limit whose controller is not mounted is
//     an error naming the config field, an unmounted controller nobody asked for is ignored.
//   - v2 (v2*.go): the unified directory, controllers enabled in the parents' subtree_control,
//     v1-style values converted (shares to weight, memory+swap to swap, blkio to io), device rules
//     compiled to a BPF_CGROUP_DEVICE program (devicefilter.go), linux.resources.unified validated.
//   - systemd (systemd*.go): a Delegate=yes scope for "slice:prefix:name" paths; limits systemd
//     knows become unit properties, then the v2 driver writes every file.
//
// Only the files for the fields a config sets are written: this runs on every container start.
package cgroups

import (
	"sync"

	"golang.org/x/sys/unix"
)

// Mode is the host's cgroup layout.
type Mode int

const (
	// Legacy has only v1 hierarchies under /sys/fs/cgroup.
	Legacy Mode = iota
	// Hybrid has v1 hierarchies plus cgroup2 at /sys/fs/cgroup/unified (used for placement only).
	Hybrid
	// Unified is pure cgroup v2 mounted at /sys/fs/cgroup.
	Unified
)

const (
	cgroupRoot    = "/sys/fs/cgroup"
	hybridUnified = "/sys/fs/cgroup/unified"
)

func (m Mode) String() string {
	switch m {
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return "unknown"
}

var (
	modeOnce     sync.Once
	detectedMode Mode
)

// DetectMode reports the host's cgroup layout; it is computed once per process.
func DetectMode() Mode {
	modeOnce.Do(func() { detectedMode = detectMode(sysFS) })
	return detectedMode
}

func detectMode(f fsOps) Mode {
	if t, err := f.FSType(cgroupRoot); err == nil && t == unix.CGROUP2_SUPER_MAGIC {
		return Unified
	}
	if t, err := f.FSType(hybridUnified); err == nil && t == unix.CGROUP2_SUPER_MAGIC {
		return Hybrid
	}
	return Legacy
}

// isCgroupFS tells whether a statfs f_type is a cgroup filesystem of either version.
func isCgroupFS(t int64) bool {
	return t == unix.CGROUP_SUPER_MAGIC || t == unix.CGROUP2_SUPER_MAGIC
}
