package libcontainer

import (
	"errors"
	"fmt"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Kill sends sig to the container's init, or with all to every process in its cgroup.
func (s Store) Kill(id string, sig unix.Signal, all bool) error {
	st, err := s.Load(id)
	if err != nil {
		return err
	}
	if s.Status(st) == specs.StateStopped {
		return fmt.Errorf("container %q is not running", id)
	}
	sp := stagelog.Begin("signal "+unix.SignalName(sig), id)
	if all {
		return sp.End(killAll(st, sig))
	}
	return sp.End(signalInit(st, sig))
}

// signalInit signals init through a pidfd, checked against the recorded start time
// after it is opened: the pidfd pins the process, so a reused pid cannot slip in
// between the check and the signal.
func signalInit(st *State, sig unix.Signal) error {
	pfd, err := unix.PidfdOpen(st.InitPid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("container %q is not running", st.ID)
		}
		return fmt.Errorf("pidfd_open %d: %w", st.InitPid, err)
	}
	defer unix.Close(pfd)
	if !processAlive(st.InitPid, st.InitStartTime) {
		return fmt.Errorf("container %q is not running", st.ID)
	}
	if err := unix.PidfdSendSignal(pfd, sig, nil, 0); err != nil {
		return fmt.Errorf("signal init: %w", err)
	}
	return nil
}

// killAll signals every process of the container's cgroup (init first, so a pid
// namespace's init dying takes the rest with it).
func killAll(st *State, sig unix.Signal) error {
	if err := signalInit(st, sig); err != nil {
		return err
	}
	if len(st.Cgroup.Paths) == 0 {
		// No cgroup of its own (rootless, not delegated): init is all berth can name.
		return nil
	}
	// Frozen, nothing can fork between listing the processes and signalling them.
	m := cgroups.Load(st.Cgroup)
	wasFrozen, _ := m.Frozen()
	froze := !wasFrozen && m.Freeze() == nil
	pids, err := m.Pids()
	if err == nil {
		for _, pid := range pids {
			if pid != st.InitPid {
				unix.Kill(pid, sig)
			}
		}
	}
	// A frozen task acts on no signal, SIGKILL included, until thawed (cgroup v1); a
	// container that was paused stays paused for any other signal.
	if froze || sig == unix.SIGKILL {
		m.Thaw()
	}
	if err != nil {
		return fmt.Errorf("list container processes: %w", err)
	}
	return nil
}
