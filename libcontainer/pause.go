package libcontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// StatePaused is runc's status for a frozen container; runtime-spec has no name for it.
const StatePaused specs.ContainerState = "paused"

// Pause freezes every process of a created or running container (runc allows both).
func (s Store) Pause(id string) error {
	return s.withContainer(id, func(st *State) error {
		switch status := s.Status(st); status {
		case specs.StateRunning, specs.StateCreated:
		case StatePaused:
			return fmt.Errorf("container %q is already paused", id)
		default:
			return fmt.Errorf("container %q is not running (%s)", id, status)
		}
		if err := cgroups.Load(st.Cgroup).Freeze(); err != nil {
			return fmt.Errorf("pause %q: %w", id, err)
		}
		return nil
	})
}

// Resume thaws a paused container.
func (s Store) Resume(id string) error {
	return s.withContainer(id, func(st *State) error {
		if status := s.Status(st); status != StatePaused {
			return fmt.Errorf("container %q is not paused (%s)", id, status)
		}
		if err := cgroups.Load(st.Cgroup).Thaw(); err != nil {
			return fmt.Errorf("resume %q: %w", id, err)
		}
		return nil
	})
}

// withContainer runs fn on the container's state under its lock.
func (s Store) withContainer(id string, fn func(*State) error) error {
	if err := ValidateID(id); err != nil {
		return err
	}
	unlock, err := s.Lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := s.Load(id)
	if err != nil {
		return err
	}
	return fn(st)
}
