package cgroups

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Signal sends sig to every process in the container's cgroups and the cgroups below them. It is
// how `kill --all` and `delete` reach processes that init's death does not take along: those of a
// container that shares a pid namespace (a pod's, the host's) and its `exec -d` processes.
//
// SIGKILL goes through cgroup.kill where the kernel has it (cgroup2, Linux 5.14; on hybrid hosts
// the container has a cgroup2 directory too): the kernel then kills the whole subtree, forks
// included. Otherwise the cgroup is frozen while its processes are listed and signalled, so none
// can fork a child the list misses, and thawed again: a frozen v1 task does not act on any signal,
// SIGKILL included, until it is thawed. A container that was paused stays paused for any signal but
// SIGKILL.
func (m *manager) Signal(sig unix.Signal) error {
	wasFrozen, _ := m.Frozen()
	if sig == unix.SIGKILL && m.killViaCgroupKill() {
		if wasFrozen {
			// On hybrid hosts cgroup.kill is cgroup2's, the freeze v1's: the killed
			// tasks die only once thawed.
			m.Thaw()
		}
		return nil
	}
	froze := !wasFrozen && m.Freeze() == nil
	pids, err := m.Pids()
	for _, pid := range pids {
		// ESRCH: it exited after the list was read, which is what we want anyway.
		unix.Kill(pid, sig)
	}
	if froze || (wasFrozen && sig == unix.SIGKILL) {
		m.Thaw()
	}
	if err != nil {
		return fmt.Errorf("list the container's processes: %w", err)
	}
	return nil
}

// killViaCgroupKill writes cgroup.kill in the container's cgroup2 directory; false when there is
// none, the kernel predates cgroup.kill, or the write fails (the caller then signals one by one).
func (m *manager) killViaCgroupKill() bool {
	if m.v2 == nil {
		return false
	}
	err := m.fs.WriteFile(filepath.Join(m.v2.dir, "cgroup.kill"), []byte("1"))
	if cgroupGone(err) {
		// Either the kernel lacks cgroup.kill or the cgroup is gone; Pids tells which.
		pids, perr := m.pidsBelow(m.v2.dir)
		return perr == nil && len(pids) == 0
	}
	return err == nil
}
