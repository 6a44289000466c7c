// Package cgroups places a container's processes in cgroups and removes those cgroups on delete, on
// cgroup v1 (legacy), hybrid (v1 controllers plus a controller-less cgroup2 mount) and pure cgroup v2.
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
