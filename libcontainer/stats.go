package libcontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Monitor reads a live container's cgroup for `events` and `ps`.
type Monitor struct {
	store Store
	st    *State
	cg    cgroups.Manager
}

// Monitor opens a container that is not stopped.
func (s Store) Monitor(id string) (*Monitor, error) {
	st, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	if s.Status(st) == specs.StateStopped {
		return nil, fmt.Errorf("container %q is not running", id)
	}
	return &Monitor{store: s, st: st, cg: cgroups.Load(st.Cgroup)}, nil
}

// Stopped reports whether the container's init has exited.
func (m *Monitor) Stopped() bool { return !processAlive(m.st.InitPid, m.st.InitStartTime) }

func (m *Monitor) Stats() (*cgroups.Stats, error) { return m.cg.Stats() }

// OOMKills counts the container's processes the kernel's OOM killer took so far.
func (m *Monitor) OOMKills() (uint64, error) { return m.cg.OOMKills() }

// Pids lists the container's processes (host pids).
func (m *Monitor) Pids() ([]int, error) { return m.cg.Pids() }

// Processes lists the host pids in the container's cgroup, whatever its status: a stopped
// container has none, unless it shared a pid namespace and left processes behind.
// Without a cgroup of its own (rootless, not delegated), init is all berth can name.
func (s Store) Processes(id string) ([]int, error) {
	st, err := s.Load(id)
	if err != nil {
		return nil, err
	}
	if len(st.Cgroup.Paths) == 0 {
		if processAlive(st.InitPid, st.InitStartTime) {
			return []int{st.InitPid}, nil
		}
		return nil, nil
	}
	return cgroups.Load(st.Cgroup).Pids()
}
