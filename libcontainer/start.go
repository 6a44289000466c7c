package libcontainer

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/berth-runtime/berth/libcontainer/stagelog"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Start lets a created container's init exec the user process. The returned warning
// is a poststart hook failure, which the spec says must not fail the start.
func (s Store) Start(id string) (warning error, err error) {
	unlock, err := s.Lock(id)
	if err != nil {
		return nil, err
	}
	st, err := s.Load(id)
	if err != nil {
		unlock()
		return nil, err
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
		return nil, err
	}
	os.Remove(filepath.Join(s.dir(id), execSock))
	unlock()
	state := s.OCIState(st)
	state.Status = specs.StateRunning
	return runHooks("poststart", hookList(st.Config.Hooks, "poststart"), state), nil
}
