package libcontainer

import (
	"github.com/berth-runtime/berth/libcontainer/initproto"
)

// Until `berth create` has saved the state, a container nobody knows about must not
// outlive it ("orphans of a killed create"): init runs with the parent-death signal
// nsenter armed, and reads end of file on the sync socket if create dies while init
// waits for a word. Once the state is saved, create says committed; init drops the
// signal, so the container outlives the command that made it, and acknowledges; only
// then does create return. A create killed between the two leaves a state whose init
// may be dead: an ordinary stopped container.

// commit is the parent's side, after the state and the pid file are written.
func commit(ch *initproto.Parent) error {
	if err := ch.SendCommitted(); err != nil {
		return err
	}
	return ch.ExpectCommitted()
}
