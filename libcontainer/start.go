package libcontainer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-runtime/berth/libcontainer/hooks"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Start lets a created container's init exec the user process, then runs the poststart
// hooks. A failed poststart hook fails the start and stops the container
// (runtime-spec 1.3, runc 1.5); `berth delete` then runs the poststop hooks. There is
// no warning left to return today; the result keeps its place for the callers.
func (s Store) Start(id string) (warning error, err error) {
	return s.start(id, nil)
}

// StartCreated is Start of the container Create has just returned st for (`run`): the
// same, without reading back the state it saved.
func (s Store) StartCreated(st *State) (warning error, err error) {
	return s.start(st.ID, st)
}

func (s Store) start(id string, st *State) (warning error, err error) {
	unlock, err := s.Lock(id)
	if err != nil {
		return nil, err
	}
	if st == nil {
		if st, err = s.LoadSummary(id); err != nil { // the rest of the configuration only on failure
			unlock()
			return nil, err
		}
	}
	if status := s.Status(st); status != specs.StateCreated {
		unlock()
		return nil, fmt.Errorf("cannot start container %q: it is %s, not created", id, status)
	}
	// init acknowledges within microseconds when alive; the timeout only guards
	// against a stopped-but-not-yet-reaped init holding the socket.
	// Until init has exec'd the process: startContainer hooks, seccomp, execve.
	sp := stagelog.Begin("start process", s.dir(id)+"/"+execSock)
	if err := sp.End(signalStart(s.dir(id), 10*time.Second)); err != nil {
		unlock()
		var lsm errLSMLabel
		if errors.As(err, &lsm) {
			if full, lerr := s.Load(id); lerr == nil {
				err = fmt.Errorf("%s: %w", lsmField(&full.Config.Process), err)
			}
		}
		return nil, err
	}
	os.Remove(filepath.Join(s.dir(id), execSock))
	unlock()
	// The process was started: poststart hooks see it running, with its pid, even when
	// it has already exited (`true`), rather than "running" with pid 0. Without hooks
	// the state (the status's reads of /proc and the freezer) is not worked out.
	poststart := hooks.List(st.Config.Hooks, "poststart")
	if len(poststart) == 0 {
		return nil, nil
	}
	state := s.OCIState(st)
	state.Status, state.Pid = specs.StateRunning, st.InitPid
	if err := hooks.Run("poststart", poststart, state); err != nil {
		if kerr := killEverything(st); kerr != nil {
			err = errors.Join(err, fmt.Errorf("stop the container: %w", kerr))
		}
		return nil, err
	}
	return nil, nil
}
