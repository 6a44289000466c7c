package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// v2Driver places a container in the cgroup2 hierarchy: the only one on pure v2, and the controller-less
// one at /sys/fs/cgroup/unified on hybrid hosts. On pure v2 Apply first enables the controllers in
// each ancestor's cgroup.subtree_control; leaves stay process-only, so the no-internal-process rule holds.
type v2Driver struct {
	placement
	// delegate enables the parents' controllers for the leaf (pure v2 only).
	delegate bool
}

func (d *v2Driver) apply(m *manager, pid int) error {
	if err := m.makeDirs(d.placement); err != nil {
		return err
	}
	if d.delegate {
		if err := enableControllers(m.fs, d.mount, d.dir); err != nil {
			return err
		}
	}
	return m.addProc(d.dir, pid)
}

// enableControllers writes, from the mount down to the leaf's parent, every controller a level
// offers into its cgroup.subtree_control, as runc does, so any later update finds its controller
// already there. Levels that already have them all cost one read and no write.
func enableControllers(f fsOps, mount, leaf string) error {
	rel, err := filepath.Rel(mount, filepath.Dir(leaf))
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("cgroup %s is not below %s", leaf, mount)
	}
	cur := mount
	levels := []string{cur}
	if rel != "." {
		for _, c := range strings.Split(rel, "/") {
			cur = filepath.Join(cur, c)
			levels = append(levels, cur)
		}
	}
	for _, dir := range levels {
		c := cgDir{fs: f, dir: dir}
		avail, err := c.read("cgroup.controllers")
		if errors.Is(err, fs.ErrNotExist) {
			return nil // not a cgroup2 directory we can delegate from (e.g. a fake)
		}
		if err != nil {
			return err
		}
		enabled, err := c.read("cgroup.subtree_control")
		if err != nil {
			return err
		}
		missing := missingControllers(avail, enabled)
		if len(missing) == 0 {
			continue
		}
		// A non-root cgroup holding processes (a relative cgroupsPath below our own service, say)
		// must be left alone: the threaded controllers (cpu, cpuset, pids) would be accepted and make
		// it a thread root, which turns every new child into an invalid domain no process can join.
		if busy, err := hasProcesses(c); err != nil || busy {
			continue
		}
		all := "+" + strings.Join(missing, " +")
		if err := f.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte(all)); err == nil {
			continue
		}
		// One at a time, ignoring refusals: a controller that cannot be enabled here (e.g. cpuset
		// with a busy parent) only matters if the config asks for it, and Set then says so.
		for _, ctl := range missing {
			f.WriteFile(filepath.Join(dir, "cgroup.subtree_control"), []byte("+"+ctl))
		}
	}
	return nil
}

// hasProcesses tells whether a non-root cgroup has processes of its own (the root, which has no
// cgroup.type, is exempt from the no-internal-process rule).
func hasProcesses(c cgDir) (bool, error) {
	if _, err := c.read("cgroup.type"); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	procs, err := c.read("cgroup.procs")
	if err != nil {
		return false, err
	}
	return procs != "", nil
}

func missingControllers(avail, enabled string) []string {
	on := map[string]bool{}
	for _, c := range strings.Fields(enabled) {
		on[c] = true
	}
	var out []string
	for _, c := range strings.Fields(avail) {
		if !on[c] {
			out = append(out, c)
		}
	}
	return out
}
