package libcontainer

import (
	"os"
	"path/filepath"

	"github.com/berth-runtime/berth/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Status is the runtime-spec status of the container, derived from the init process
// and the exec socket rather than stored, so it cannot go stale.
func (s Store) Status(st *State) specs.ContainerState {
	if !processAlive(st.InitPid, st.InitStartTime) {
		return specs.StateStopped
	}
	// Frozen by `pause` (created or running underneath, as with runc).
	if frozen, err := cgroups.Load(st.Cgroup).Frozen(); err == nil && frozen {
		return StatePaused
	}
	if _, err := os.Lstat(filepath.Join(s.dir(st.ID), execSock)); err == nil {
		return specs.StateCreated
	}
	return specs.StateRunning
}

// OCIState is the state runtime-spec defines (the hooks' stdin).
func (s Store) OCIState(st *State) specs.State {
	status := s.Status(st)
	pid := st.InitPid
	if status == specs.StateStopped {
		pid = 0
	}
	var ann map[string]string
	if st.Config != nil {
		ann = st.Config.Annotations
	}
	return specs.State{
		Version:     specs.Version,
		ID:          st.ID,
		Status:      status,
		Pid:         pid,
		Bundle:      st.Bundle,
		Annotations: ann,
	}
}
