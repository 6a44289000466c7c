package cgroups

// v2Driver places a container in the cgroup2 hierarchy: the only one on pure v2, and the controller-less
// one at /sys/fs/cgroup/unified on hybrid hosts. A later Set on pure v2 must first enable controllers in
// each ancestor's cgroup.subtree_control; leaves stay process-only, so the no-internal-process rule holds.
type v2Driver struct {
	placement
}

func (d *v2Driver) apply(m *manager, pid int) error {
	if err := m.makeDirs(d.placement); err != nil {
		return err
	}
	return m.addProc(d.dir, pid)
}
