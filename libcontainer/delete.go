package libcontainer

import (
	"errors"
	"fmt"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// drainTimeout bounds the wait for killed processes to leave the container's cgroup. Only a
// process stuck in the kernel (uninterruptible sleep) takes longer than a moment.
var drainTimeout = 10 * time.Second

// Delete removes a stopped container: whatever is left in its cgroup, the cgroup, its
// state, then runs the poststop hooks (whose failure is only a warning). A created or
// running container is refused unless force, which kills it first. force also clears a
// half-created container.
func (s Store) Delete(id string, force bool) (warning error, err error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	unlock, err := s.Lock(id)
	if errors.Is(err, ErrNotExist) && force {
		// runc's --force: deleting what is already gone is not an error.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer unlock()
	st, err := s.LoadSummary(id)
	if errors.Is(err, ErrNotExist) {
		if !force {
			return nil, err
		}
		// A create that died between reserving the id and saving the state.
		return nil, s.removePartial(id)
	}
	if err != nil {
		return nil, err
	}
	if status := s.Status(st); status != specs.StateStopped && !force {
		return nil, fmt.Errorf("cannot delete container %q that is %s: stop it first or use --force", id, status)
	}
	// A stopped container may still have processes: with a pid namespace that is not its
	// own (a pod's, the host's), init's death kills nobody else, so its orphans and
	// `exec -d` processes live on in its cgroup, which could then not be removed.
	sp := stagelog.Begin("kill and wait", id)
	if err := sp.End(killEverything(st)); err != nil {
		return nil, err
	}
	sp = stagelog.Begin("remove cgroup", st.Config.CgroupsPath)
	if err := sp.End(cgroups.Load(st.Cgroup).Destroy()); err != nil {
		return nil, fmt.Errorf("remove cgroup: %w", err)
	}
	if st.Config != nil {
		if err := removeIntelRdt(st.ID, st.Config.IntelRdt); err != nil {
			return nil, err
		}
	}
	// The hooks' state is taken before the directory goes (the status reads it); without
	// poststop hooks it is not worked out.
	poststop := hooks.List(st.Config.Hooks, "poststop")
	var state specs.State
	if len(poststop) > 0 {
		state = s.OCIState(st)
	}
	sp = stagelog.Begin("remove state dir", s.dir(id))
	if err := sp.End(s.remove(id)); err != nil {
		return nil, fmt.Errorf("remove state: %w", err)
	}
	return hooks.Run("poststop", poststop, state), nil
}

// killEverything SIGKILLs init and every process in the container's cgroup, and waits
// until init is dead and the cgroup is empty, re-sending SIGKILL meanwhile (a process
// that was forking as the first one arrived). Nothing to kill costs one cgroup read.
func killEverything(st *State) error {
	cg := cgroups.Load(st.Cgroup)
	hasCgroup := len(st.Cgroup.Paths) > 0
	deadline := time.Now().Add(drainTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		initAlive := processAlive(st.InitPid, st.InitStartTime)
		var left []int
		if hasCgroup {
			pids, err := cg.Pids()
			if err != nil {
				return fmt.Errorf("container %q: %w", st.ID, err)
			}
			left = pids
		}
		if !initAlive && len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if initAlive {
				return fmt.Errorf("container %q: init %d did not die after SIGKILL", st.ID, st.InitPid)
			}
			return fmt.Errorf("container %q: processes %v still in its cgroup after SIGKILL (stuck in the kernel?)", st.ID, left)
		}
		if initAlive {
			if err := signalInit(st, unix.SIGKILL); err != nil && !errors.Is(err, ErrNotRunning) {
				return err
			}
		}
		if len(left) > 0 {
			if err := cg.Signal(unix.SIGKILL); err != nil {
				return fmt.Errorf("container %q: %w", st.ID, err)
			}
		}
		time.Sleep(wait)
	}
}
