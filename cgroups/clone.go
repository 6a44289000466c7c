package cgroups

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Moving a process between cgroups takes the kernel's global cgroup_threadgroup_rwsem
// for writing, and the first writer after a quiet spell waits for an RCU grace period:
// 5-17 ms on a small VM, hundreds under emulation. On pure cgroup v2 a process can
// instead be born in its cgroup (clone3 CLONE_INTO_CGROUP, Linux 5.7), which takes no
// such lock. These give the directory to clone into.

// ClonePlacer is a Manager that can have a new process born in the container's cgroup.
type ClonePlacer interface {
	// PrepareClone makes the container's cgroup as Apply does, moves nothing, and opens
	// its directory for clone3. (nil, nil) means it cannot be done here: use Apply.
	PrepareClone() (*os.File, error)
}

func (m *manager) PrepareClone() (*os.File, error) {
	// Pure v2 only: elsewhere v1 hierarchies need a migration anyway.
	if m.v1 != nil || m.v2 == nil || !m.v2.delegate {
		return nil, nil
	}
	if err := m.makeDirs(m.v2.placement); err != nil {
		return nil, err
	}
	if err := enableControllers(m.fs, m.v2.mount, m.v2.dir); err != nil {
		return nil, err
	}
	return openCgroupDir(m.v2.dir)
}

// PrepareClone: systemd creates the scope around a process that already exists.
func (m *systemdManager) PrepareClone() (*os.File, error) { return nil, nil }

// EnterDir is the cgroup2 directory an exec'd process can be born in, for a container
// on pure cgroup v2 (state s, exec --cgroup sub); nil when Enter must be used instead.
func EnterDir(s State, sub SubCgroups) (*os.File, error) {
	if len(s.Paths) != 1 || s.Paths[""] == "" || DetectMode() != Unified {
		return nil, nil
	}
	dir := s.Paths[""]
	if rel := sub.For(""); rel != "" {
		dir = filepath.Join(dir, rel)
	}
	f, err := openCgroupDir(dir)
	if err != nil {
		return nil, fmt.Errorf("join the container's cgroup2 cgroup %s: %w", dir, err)
	}
	return f, nil
}

func openCgroupDir(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), dir), nil
}
