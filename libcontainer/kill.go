package libcontainer

import (
	"errors"
	"fmt"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// ErrNotRunning is what kill answers for a container whose init has exited. Its text is
// runc's, which containerd's shim matches to learn that the process is already gone
// (anything else it treats as a failed kill, and retries forever).
var ErrNotRunning = errors.New("container not running")

// Kill sends sig to the container's init, or with all to every process in its cgroup.
// Signal 0 only checks that init is alive. kill --all of a stopped container still
// signals what is left in its cgroup, and is not an error: engines send it after every
// exit to clean up behind a container that shared its pid namespace.
func (s Store) Kill(id string, sig unix.Signal, all bool) error {
	st, err := s.LoadSummary(id)
	if err != nil {
		return err
	}
	sp := stagelog.Begin("signal "+unix.SignalName(sig), id)
	if all {
		return sp.End(killAll(st, sig))
	}
	if s.Status(st) == specs.StateStopped {
		return sp.End(ErrNotRunning)
	}
	return sp.End(signalInit(st, sig))
}

// Pid reuse class (docs/security.md): a pid is never trusted without its start time.
// signalInit signals init through a pidfd, checked against the recorded start time
// after it is opened: the pidfd pins the process, so a reused pid cannot slip in
// between the check and the signal.
func signalInit(st *State, sig unix.Signal) error {
	pfd, err := unix.PidfdOpen(st.InitPid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return ErrNotRunning
		}
		return fmt.Errorf("pidfd_open %d: %w", st.InitPid, err)
	}
	defer unix.Close(pfd)
	if !processAlive(st.InitPid, st.InitStartTime) {
		return ErrNotRunning
	}
	if err := unix.PidfdSendSignal(pfd, sig, nil, 0); err != nil {
		if errors.Is(err, unix.ESRCH) {
			return ErrNotRunning
		}
		return fmt.Errorf("signal init: %w", err)
	}
	return nil
}

// killAll signals init, if it is still alive, then every process of the container's
// cgroup. Without a cgroup of its own (rootless, not delegated) init is all berth can name.
func killAll(st *State, sig unix.Signal) error {
	if err := signalInit(st, sig); err != nil && !errors.Is(err, ErrNotRunning) {
		return err
	}
	if len(st.Cgroup.Paths) == 0 {
		return nil
	}
	return cgroups.Load(st.Cgroup).Signal(sig)
}
