package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"
)

// v1Driver places a container in every mounted v1 hierarchy. Limits (a later Set) are written per
// controller into the matching hierarchy's dir.
type v1Driver struct {
	hierarchies []v1Hierarchy
}

// v1Hierarchy is one v1 hierarchy; co-mounted controllers (cpu,cpuacct) share one.
type v1Hierarchy struct {
	controllers []string
	placement
}

func (d *v1Driver) apply(m *manager, pid int) error {
	for _, h := range d.hierarchies {
		if err := m.makeDirs(h.placement); err != nil {
			return err
		}
		if h.has("cpuset") {
			if err := inheritCpuset(m.fs, h.mount, h.dir); err != nil {
				return err
			}
		}
		if err := m.addProc(h.dir, pid); err != nil {
			return err
		}
	}
	return nil
}

func (h v1Hierarchy) has(controller string) bool {
	for _, c := range h.controllers {
		if c == controller {
			return true
		}
	}
	return false
}

// inheritCpuset fills empty cpuset.cpus and cpuset.mems top-down from mount to dir, each level from its
// parent, so every dir gets its nearest non-empty ancestor's values. A v1 cpuset cgroup with either file
// empty refuses tasks, and new dirs start empty while cgroup.clone_children is off (the default). An empty
// pre-existing parent is filled too: a child's set must be a subset of its parent's.
func inheritCpuset(f fsOps, mount, dir string) error {
	rel, err := filepath.Rel(mount, dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup %s is not below cpuset hierarchy %s", dir, mount)
	}
	for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
		inherited, err := readTrimmed(f, filepath.Join(mount, file))
		if err != nil {
			return err
		}
		cur := mount
		for _, c := range strings.Split(rel, "/") {
			cur = filepath.Join(cur, c)
			val, err := readTrimmed(f, filepath.Join(cur, file))
			if err != nil {
				return err
			}
			if val != "" {
				inherited = val
				continue
			}
			if inherited == "" {
				return fmt.Errorf("cgroup %s: no ancestor within %s has %s set", cur, mount, file)
			}
			if err := f.WriteFile(filepath.Join(cur, file), []byte(inherited)); err != nil {
				return fmt.Errorf("inherit %s into %s: %w", file, cur, err)
			}
		}
	}
	return nil
}

func readTrimmed(f fsOps, p string) (string, error) {
	b, err := f.ReadFile(p)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return strings.TrimSpace(string(b)), nil
}
