package incontainer

import (
	"fmt"

	"github.com/berth-runtime/berth/libcontainer/initproto"
	"golang.org/x/sys/unix"
)

// init's side of the commit (see libcontainer/commit.go for why): until create has
// saved the state, init dies with it.

// awaitCommit is init's side, once it is ready: an error (create died) means exit.
func awaitCommit(ch *initproto.Init) error {
	if err := ch.ExpectCommitted(); err != nil {
		return err
	}
	if err := keepAfterParent(); err != nil {
		return err
	}
	return ch.SendCommitted()
}

// keepAfterParent drops the parent-death signal: from here the process outlives the
// berth command that started it (a created container; an exec'd process).
func keepAfterParent() error {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear the parent-death signal: %w", err)
	}
	return nil
}
