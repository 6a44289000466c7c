package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Delete removes a stopped container: its cgroup, its state, then runs the poststop
// hooks (whose failure is only a warning). A created or running container is refused
// unless force, which kills it first. force also clears a half-created container.
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
	st, err := s.Load(id)
	if errors.Is(err, ErrNotExist) {
		if !force {
			return nil, err
		}
		// A create that died between reserving the id and saving the state.
		return nil, s.remove(id)
	}
	if err != nil {
		return nil, err
	}
	if status := s.Status(st); status != specs.StateStopped {
		if !force {
			return nil, fmt.Errorf("cannot delete container %q that is %s: stop it first or use --force", id, status)
		}
		sp := stagelog.Begin("kill and wait", id)
		if err := sp.End(stopAll(st)); err != nil {
			return nil, err
		}
	}
	sp := stagelog.Begin("remove cgroup", st.Config.CgroupsPath)
	if err := sp.End(cgroups.Load(st.Cgroup).Destroy()); err != nil {
		return nil, fmt.Errorf("remove cgroup: %w", err)
	}
	if st.Config != nil {
		if err := removeIntelRdt(st.ID, st.Config.IntelRdt); err != nil {
			return nil, err
		}
	}
	state := s.OCIState(st)
	sp = stagelog.Begin("remove state dir", s.dir(id))
	if err := sp.End(s.remove(id)); err != nil {
		return nil, fmt.Errorf("remove state: %w", err)
	}
	return runHooks("poststop", hookList(st.Config.Hooks, "poststop"), state), nil
}

// stopAll SIGKILLs the container's processes and waits until init is gone.
func stopAll(st *State) error {
	if err := killAll(st, unix.SIGKILL); err != nil && processAlive(st.InitPid, st.InitStartTime) {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(st.InitPid, st.InitStartTime) {
		if time.Now().After(deadline) {
			return fmt.Errorf("container %q: init %d did not die after SIGKILL", st.ID, st.InitPid)
		}
		// Our own child (berth run): reap it, or it stays a zombie... which
		// processAlive already counts as dead.
		time.Sleep(5 * time.Millisecond)
	}
	if len(st.Cgroup.Paths) == 0 {
		return nil
	}
	// Other processes of the cgroup (no pid namespace) may take a moment longer.
	for i := 0; i < 200; i++ {
		pids, err := cgroups.Load(st.Cgroup).Pids()
		if err != nil || len(pids) == 0 {
			return nil
		}
		for _, p := range pids {
			unix.Kill(p, unix.SIGKILL)
		}
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "berth: warning: processes remain in the cgroup of %q\n", st.ID)
	return nil
}
